"""ganlib's pointers into the book name sections that exist.

A docstring or comment in ganlib that says ``(chapter 6, "What is spectral
normalisation?")`` sends the reader to a heading of chapter 6. The quoted text must be
one of that chapter's headings, word for word (line breaks and a comment's ``#``
inside the quotes count as one space), and the chapter must be in the book. A heading
renamed in a notebook then fails here instead of leaving a dangling pointer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
POINTER = re.compile(r'[Cc]hapter\s+(\d+),\s+"([^"]+)"')
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$")


def chapter_files() -> dict[int, Path]:
    return {int(p.name[:2]): p for p in sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))}


def headings(notebook: Path) -> set[str]:
    """Every Markdown heading (levels 1-6) of a notebook's Markdown cells."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    found = set()
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        in_fence = False
        for line in "".join(cell["source"]).splitlines():
            if line.lstrip().startswith("```"):
                in_fence = not in_fence
            match = HEADING.match(line)
            if match and not in_fence:
                found.add(match.group(1))
        # A heading inside a {admonition} fence is still a heading of the page, but
        # none of ganlib's pointers needs one; the fence rule keeps code out.
    return found


def pointers(text: str) -> list[tuple[int, str, int]]:
    """(chapter, quoted heading with whitespace and comment marks collapsed, line)."""
    out = []
    for match in POINTER.finditer(text):
        quoted = re.sub(r"\s*\n\s*(#\s*)?", " ", match.group(2)).strip()
        out.append((int(match.group(1)), quoted, text.count("\n", 0, match.start()) + 1))
    return out


SOURCES = sorted((ROOT / "ganlib").rglob("*.py"))
CHAPTERS = chapter_files()
HEADINGS = {number: headings(path) for number, path in CHAPTERS.items()}


def test_the_scanner_sees_pointers_and_headings() -> None:
    # The test below is vacuous if either side comes back empty.
    found = [p for source in SOURCES for p in pointers(source.read_text(encoding="utf-8"))]
    assert len(found) >= 20, found
    assert "What is spectral normalisation?" in HEADINGS[6]
    assert pointers('x (chapter 3, "Why can\'t the\n    decoder generate?")') == [
        (3, "Why can't the decoder generate?", 1)]
    assert pointers('# (chapter 10, "How can\n# quality be measured?")')[0][1] == (
        "How can quality be measured?")


def dangling(text: str) -> list[str]:
    out = []
    for chapter, heading, line in pointers(text):
        if chapter not in CHAPTERS:
            out.append(f"line {line}: chapter {chapter} is not in book/")
        elif heading not in HEADINGS[chapter]:
            out.append(f'line {line}: chapter {chapter} has no heading "{heading}"')
    return out


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_pointer_names_an_existing_heading(source: Path) -> None:
    problems = dangling(source.read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


def test_a_dangling_pointer_is_reported() -> None:
    good = '(chapter 6, "What is spectral normalisation?")'
    assert dangling(good) == []
    assert dangling('(chapter 6, "Spectral normalisation")') == [
        'line 1: chapter 6 has no heading "Spectral normalisation"']
    assert dangling('(chapter 99, "Anything")') == ["line 1: chapter 99 is not in book/"]


NOTE_POINTER = re.compile(r"\b(notes?|seeds?) \(?0\d\d\b")


@pytest.mark.parametrize("notebook", sorted((ROOT / "book").glob("*.ipynb")), ids=lambda p: p.name)
def test_sources_are_cited_by_name_not_by_file_number(notebook: Path) -> None:
    # "notes 001" or "seed 000" means nothing to a reader: cite notes-qa, notes-overview,
    # notes-hackmd, notes-ch07 or notes-ccm (book/references.bib) instead.
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    found = [m.group(0) for cell in nb["cells"] if cell["cell_type"] == "markdown"
             for m in NOTE_POINTER.finditer("".join(cell["source"]))]
    assert not found, found
    assert NOTE_POINTER.search("as the notes (000) say") and NOTE_POINTER.search("seed 003")
