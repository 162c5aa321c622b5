"""The book's section links point at labels that exist, placed where MyST wants them.

A chapter sends the reader to a section of another chapter with
{ref}`chapter 2 <ch02-non-saturating>`, and the target section carries the label on the
line directly above its heading::

    (ch02-non-saturating)=
    ## Which cost should the generator minimise?

The build (``-W -n``) reports a missing label, but only after a full Sphinx run; this
test says the same in a second, names the notebook and cell, and also catches what the
build lets through: a label line that is not directly followed by a heading (MyST then
attaches it to whatever comes next, or to nothing), and a label defined twice.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
REF = re.compile(r"\{ref\}`([^`]+)`")
LABEL_LINE = re.compile(r"^\(([^()\s]+)\)=\s*$")
HEADING = re.compile(r"^#{1,6}\s+\S")
# Labels that directives define (``:label:`` of an exercise, ``:name:`` of a figure)
# are targets for {ref} as well; only ``(label)=`` lines must sit above a heading.
OPTION_LABEL = re.compile(r"^\s*:(?:label|name):\s*(\S+)\s*$")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*(.*?)\s*$")


def ref_target(content: str) -> str:
    """The label of a {ref} role: ``text <label>`` or a bare ``label``."""
    match = re.fullmatch(r"(?s).*<([^<>]+)>\s*", content)
    return (match.group(1) if match else content).strip()


def documents() -> list[tuple[str, list[tuple[str, str]]]]:
    """(document name, [(place, Markdown text)]) for every notebook and page of book/."""
    out = []
    for path in sorted(BOOK.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        out.append((path.name, [(f"cell {c.get('id', i)}", "".join(c["source"]))
                                for i, c in enumerate(cells)
                                if c["cell_type"] == "markdown"]))
    for path in sorted(BOOK.glob("*.md")):
        out.append((path.name, [("page", path.read_text(encoding="utf-8"))]))
    return out


def scan(text: str) -> tuple[list[str], list[str], list[str], list[str]]:
    """(labels from ``(label)=`` lines, labels from directive options, {ref} targets,
    misplaced label lines) of one Markdown text; code fences are skipped."""
    lines = text.splitlines()
    labels, options, misplaced = [], [], []
    code = None  # the marker of the open code fence, if any
    directives: list[str] = []  # markers of open directive fences, whose body is Markdown
    for n, line in enumerate(lines):
        match = FENCE.match(line)
        if code:
            if match and match.group(1) == code and not match.group(2):
                code = None
            continue
        if match:
            marker, info = match.groups()
            if info.startswith("{"):
                directives.append(marker)
            elif not info and directives and directives[-1] == marker:
                directives.pop()
            else:
                code = marker
            continue
        match = LABEL_LINE.match(line)
        if match:
            labels.append(match.group(1))
            if n + 1 >= len(lines) or not HEADING.match(lines[n + 1]):
                misplaced.append(match.group(1))
        match = OPTION_LABEL.match(line)
        if match:
            options.append(match.group(1))
    # A role may break across lines inside a paragraph; fenced code holds no roles
    # in this book, so the whole text is searched.
    refs = [ref_target(m.group(1)) for m in REF.finditer(text)]
    return labels, options, refs, misplaced


def problems(docs: list[tuple[str, list[tuple[str, str]]]]) -> list[str]:
    defined: dict[str, list[str]] = {}
    targets: set[str] = set()
    uses, out = [], []
    for name, parts in docs:
        for place, text in parts:
            labels, options, refs, misplaced = scan(text)
            for label in labels:
                defined.setdefault(label, []).append(f"{name}, {place}")
            targets.update(options)
            uses += [(ref, f"{name}, {place}") for ref in refs]
            out += [f"{name}, {place}: label ({label})= is not directly followed by a "
                    f"heading line" for label in misplaced]
    for label, places in sorted(defined.items()):
        if len(places) > 1:
            out.append(f"label ({label})= is defined {len(places)} times: "
                       + "; ".join(places))
    known = targets | set(defined)
    out += [f"{place}: {{ref}} names an undefined label {ref!r}"
            for ref, place in uses if ref not in known]
    return out


DOCS = documents()


def test_the_scanner_sees_labels_and_refs() -> None:
    # The book test below is vacuous if the scanner finds nothing.
    labels = [lab for _, parts in DOCS for _, t in parts for lab in scan(t)[0]]
    refs = [r for _, parts in DOCS for _, t in parts for r in scan(t)[2]]
    assert len(labels) >= 20 and len(refs) >= 50, (len(labels), len(refs))
    assert "ch02-non-saturating" in labels
    assert ref_target("chapter 2 <ch02-js>") == "ch02-js"
    assert ref_target("ch02-js") == "ch02-js"
    assert ref_target("chapter 7's\nDirac-GAN section <ch07-dirac-gan>") == "ch07-dirac-gan"


def test_every_ref_names_a_label_and_every_label_sits_on_a_heading() -> None:
    found = problems(DOCS)
    assert not found, "\n".join(found)


GOOD = "(ch99-a)=\n## A heading?\n\nText with {ref}`chapter 99 <ch99-a>`.\n"


@pytest.mark.parametrize("bad, expected", [
    ("See {ref}`chapter 99 <ch99-missing>`.",
     "x.md, page: {ref} names an undefined label 'ch99-missing'"),
    ("(ch99-b)=\n\n## Heading after a blank line?\n",
     "x.md, page: label (ch99-b)= is not directly followed by a heading line"),
    ("Text\n(ch99-c)=\nmore text\n",
     "x.md, page: label (ch99-c)= is not directly followed by a heading line"),
    ("(ch99-d)=", "x.md, page: label (ch99-d)= is not directly followed by a heading line"),
    ("(ch99-a)=\n## Again?\n", "label (ch99-a)= is defined 2 times: good.md, page; x.md, page"),
])
def test_a_dangling_ref_or_misplaced_label_is_reported(bad: str, expected: str) -> None:
    assert problems([("good.md", [("page", GOOD)])]) == []
    assert problems([("good.md", [("page", GOOD)]), ("x.md", [("page", bad)])]) == [expected]


def test_code_fences_and_directive_labels() -> None:
    # A label line inside code is code; an exercise's :label: is a valid {ref} target.
    code = "```python\n(not-a-label)=\nx = 1\n```\n"
    assert scan(code)[0] == []
    exercise = "```{exercise} Title\n:label: ex-ch99-x\nText.\n```\n{ref}`ex-ch99-x`\n"
    assert problems([("x.md", [("page", exercise)])]) == []
    # A directive's closing fence ends the directive; it does not open a code block.
    after = "```{admonition} A claim\nText.\n```\n\n(ch99-e)=\n## Next?\n```\n(x)=\n```\n"
    assert scan(after)[0] == ["ch99-e"] and scan(after)[3] == []
