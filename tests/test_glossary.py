"""The glossary (book/glossary.md) and the book agree.

* Every ``{term}`...``` in a chapter or page has an entry (Sphinx -W fails on a missing
  one too, but only when the whole book is built; this test takes a second).
* Every entry is used: a page links it with ``{term}``, or a chapter says it in its
  Markdown text. A term counts as
  said in any of its forms: the entry's name, the name without a parenthesis
  ("two time-scale update rule" for "... (TTUR)"), the abbreviation in the parenthesis
  ("TTUR"), or another name the entry lists on a line of its own (Sphinx's glossary
  allows several terms per entry); case, hyphens and a plural "s" do not matter.
* Every entry keeps the file's form: the Chinese name in bold, then " · ", then the
  English definition, and names the chapter(s) that explain it, which must be in the
  book.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
GLOSSARY = BOOK / "glossary.md"
ROLE = re.compile(r"\{term\}`([^`]+)`")
CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class Entry:
    names: list[str]  # the term and its other names, as written
    definition: str  # one line

    @property
    def chapters(self) -> set[int]:
        found = set()
        for match in re.finditer(r"[Cc]hapters?\s+((?:\d+(?:\s*(?:,|and|–|-)\s*)?)+)", self.definition):
            found |= {int(n) for n in re.findall(r"\d+", match.group(1))}
        return found


def parse_glossary(text: str) -> list[Entry]:
    """The entries of the ``{glossary}`` block of a MyST page."""
    match = re.search(r"^```\{glossary\}\n(.*?)^```", text, re.S | re.M)
    assert match, "no ```{glossary} block"
    entries: list[Entry] = []
    names: list[str] = []
    for line in match.group(1).splitlines():
        if not line.strip() or line.startswith(":"):
            continue
        if not line[0].isspace():
            if entries and not names and not entries[-1].definition:
                raise AssertionError(f"entry {entries[-1].names} has no definition")
            names.append(line.strip())
        elif names:
            entries.append(Entry(names, line.strip()))
            names = []
        else:
            entries[-1].definition += " " + line.strip()
    assert not names, f"terms without a definition at the end: {names}"
    return entries


def key(term: str) -> str:
    """How Sphinx matches a {term}: case and runs of white space do not matter."""
    return re.sub(r"\s+", " ", term).strip().lower()


def role_targets(text: str) -> list[str]:
    """The terms a page's {term} roles point at (``{term}`shown <target>``` too)."""
    targets = []
    for content in ROLE.findall(text):
        explicit = re.match(r"(?s).*<([^<>]+)>\s*$", content)
        targets.append(key(explicit.group(1) if explicit else content))
    return targets


def markdown_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return path.read_text(encoding="utf-8")


def pages() -> dict[Path, str]:
    """Every chapter and page of the book under book/ (the API pages included)."""
    paths = sorted(BOOK.glob("*.ipynb")) + sorted(BOOK.rglob("*.md"))
    return {p: markdown_of(p) for p in paths if "_vendor" not in p.parts and "_build" not in p.parts}


def chapter_number(path: Path) -> int | None:
    return int(path.name[:2]) if re.match(r"\d\d_", path.name) and path.suffix == ".ipynb" else None


def flat(text: str) -> str:
    """Words only: lower case, Markdown's emphasis and code marks and TeX's ``$`` and
    ``\\text{...}`` dropped, hyphens and dashes as spaces, British spelling ("-ise")."""
    text = re.sub(r"\\(?:text|mathrm|operatorname)\{([^{}]*)\}", r"\1", text.lower())
    text = re.sub(r"[*`$]", "", text)
    text = re.sub(r"(?<=[a-z])iz(?=(?:e|ing|ation))", "is", text)
    return re.sub(r"\s+", " ", re.sub(r"[-‐–]", " ", text))


def forms(entry: Entry) -> set[str]:
    found = set()
    for name in entry.names:
        found.add(name)
        found.add(re.sub(r"\s*\([^)]*\)", "", name))  # without the parenthesis
        found |= {m for m in re.findall(r"\(([^()\s]+)\)", name)}  # the abbreviation
    return {flat(f).strip() for f in found if f.strip()}


def said_in(form: str, flat_text: str) -> bool:
    """Whether ``form`` (flattened) occurs as words, maybe plural, in a flattened text."""
    return re.search(rf"(?<![\w]){re.escape(form)}(?:s|es)?(?![\w])", flat_text) is not None


def unused_entries(entries: list[Entry], texts: dict[Path, str]) -> list[str]:
    """Names of the entries no page links and no chapter they name says."""
    linked = {t for path, text in texts.items() if path.name != "glossary.md" for t in role_targets(text)}
    by_chapter = {chapter_number(p): flat(t) for p, t in texts.items() if chapter_number(p) is not None}
    unused = []
    for entry in entries:
        if any(key(n) in linked for n in entry.names):
            continue
        if not any(said_in(f, text) for f in forms(entry) for text in by_chapter.values()):
            unused.append(entry.names[0])
    return unused


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse_glossary(GLOSSARY.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def texts() -> dict[Path, str]:
    return pages()


def test_the_parser_reads_the_glossary(entries):
    assert len(entries) >= 100
    names = {key(n) for e in entries for n in e.names}
    assert {"mode collapse", "discriminator", "fid"} <= names


def test_every_term_role_has_an_entry(entries, texts):
    names = {key(n) for e in entries for n in e.names}
    missing = sorted({f"{p.relative_to(ROOT)}: {t}" for p, text in texts.items()
                      for t in role_targets(text) if t not in names})
    assert not missing, "{term} without a glossary entry:\n" + "\n".join(missing)


def test_no_term_is_defined_twice(entries):
    names = [key(n) for e in entries for n in e.names]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})


def test_every_entry_is_used(entries, texts):
    unused = unused_entries(entries, texts)
    assert not unused, f"glossary entries no chapter uses (link them with {{term}} or remove them): {unused}"


def test_every_entry_is_bilingual_and_names_a_chapter_of_the_book(entries, texts):
    book = {chapter_number(p) for p in texts if chapter_number(p) is not None}
    bad = []
    for e in entries:
        zh = re.match(r"\*\*([^*]+)\*\* · \S", e.definition)
        # the Chinese name, or the English one where Chinese texts keep it (f-GAN, β-VAE)
        if not zh or not (CJK.search(zh.group(1)) or zh.group(1) in e.names):
            bad.append(f"{e.names[0]}: does not start with '**中文** · '")
        if not e.chapters:
            bad.append(f"{e.names[0]}: names no chapter")
        elif not e.chapters & book:
            bad.append(f"{e.names[0]}: chapters {sorted(e.chapters)} are not in the book")
    assert not bad, "\n".join(bad)


# --- the checks can fail ---------------------------------------------------------------

FAKE = """# Glossary

```{glossary}
:sorted:

mode collapse
  **模式崩溃** · The generator covers few modes. Chapter 7.

two time-scale update rule (TTUR)
  **双时间尺度更新规则** · Different learning rates. Chapter 7.

batch normalisation
batch norm
  **批归一化** · Normalise by batch statistics. Chapter 5.

phlogiston
  **燃素** · Not used anywhere. Chapter 7.
```
"""


def test_unused_and_missing_entries_are_found():
    entries = parse_glossary(FAKE)
    assert [e.names for e in entries][2] == ["batch normalisation", "batch norm"]
    assert entries[0].chapters == {7}
    texts = {
        Path("05_x.ipynb"): "Here the batch norms of D ...",
        Path("07_y.ipynb"): "Use {term}`Mode  Collapse` and a TTUR; {term}`see <aether>`.",
    }
    assert unused_entries(entries, texts) == ["phlogiston"]
    names = {key(n) for e in entries for n in e.names}
    assert [t for t in role_targets(texts[Path("07_y.ipynb")]) if t not in names] == ["aether"]
    # said in code only: unused; said in another form (US spelling, emphasis): used
    texts = {Path("05_x.ipynb"): "", Path("07_y.ipynb"): "**Batch normalization**; mode-collapse; TTUR"}
    assert unused_entries(entries, texts) == ["phlogiston"]
    texts[Path("07_y.ipynb")] = "batchnorm, mode collapse, TTUR"
    assert unused_entries(entries, texts) == ["batch normalisation", "phlogiston"]
