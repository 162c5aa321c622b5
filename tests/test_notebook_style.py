"""The notebooks' code reads like a book (shared/STYLE.md, CONTRIBUTING.md).

The HTML code box shows about 75 characters and hides the rest behind a scroll
bar, so a code line may have at most 79; a code cell of more than 25 lines is
too long to follow and is split at its natural steps, with prose between.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
MAX_LINE = 79
MAX_CELL_LINES = 25

# Cells allowed over 25 lines, each with the reason (the issue's "unless the note
# says why"). The list may only shrink: a listed cell that is no longer long, or
# no longer exists, fails the test below, so the entry is removed with the fix.
LONG_CELLS: dict[str, str] = {}


def code_cells(path: Path) -> list[tuple[str, list[str]]]:
    """(cell id, source lines) of every code cell of a notebook."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [(c.get("id", f"#{i}"), "".join(c["source"]).splitlines())
            for i, c in enumerate(cells) if c["cell_type"] == "code"]


def style_problems(path: Path) -> list[str]:
    problems = []
    for cell_id, lines in code_cells(path):
        if len(lines) > MAX_CELL_LINES and cell_id not in LONG_CELLS:
            problems.append(f"cell {cell_id}: {len(lines)} lines (at most {MAX_CELL_LINES})")
        for n, line in enumerate(lines, 1):
            if len(line) > MAX_LINE:
                problems.append(f"cell {cell_id}, line {n}: {len(line)} characters "
                                f"(at most {MAX_LINE}): {line.strip()[:40]}...")
    return problems


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 8


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_code_cells_are_short_with_short_lines(path):
    problems = style_problems(path)
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)


def test_the_allowed_long_cells_are_still_long():
    lengths = {cell_id: len(lines) for path in NOTEBOOKS
               for cell_id, lines in code_cells(path)}
    stale = {c: lengths.get(c) for c in LONG_CELLS
             if lengths.get(c, 0) <= MAX_CELL_LINES}
    assert not stale, f"remove from LONG_CELLS (now short or gone): {stale}"


def test_the_check_catches_a_long_line_and_a_long_cell(tmp_path):
    cells = [{"cell_type": "code", "id": "long-line", "source": ["x = " + "1" * 80]},
             {"cell_type": "code", "id": "long-cell", "source": ["x = 1\n"] * 26},
             {"cell_type": "code", "id": "fine", "source": ["y = 2\n"] * 25},
             {"cell_type": "markdown", "id": "prose", "source": ["word " * 40]}]
    nb = tmp_path / "nb.ipynb"
    nb.write_text(json.dumps({"cells": cells}))
    problems = style_problems(nb)
    assert len(problems) == 2
    assert "long-line" in problems[0] and "84 characters" in problems[0]
    assert "long-cell" in problems[1] and "26 lines" in problems[1]


# --- directive fences ------------------------------------------------------------------
# CommonMark forbids a backtick in the info string of a backtick fence, so
# ```{admonition} Claim check ... {cite:p}`key` is not a fence at all: the whole box is
# printed as plain text (it was, for 29 claim checks, until 3 Dec). Such a title needs
# a colon fence, :::{admonition} ... :::, which MyST's colon_fence extension reads.
BROKEN_FENCE = re.compile(r"^\s*```+\{[\w:-]+\}.*`")


def fence_problems(text: str, where: str) -> list[str]:
    return [f"{where}, line {n}: a backtick in a ```{{directive}} title line; "
            f"use :::{{directive}} ... ::: instead: {line.strip()[:50]}"
            for n, line in enumerate(text.splitlines(), 1) if BROKEN_FENCE.match(line)]


def markdown_sources() -> list[tuple[str, str]]:
    out = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(BOOK.glob("*.md"))]
    for path in NOTEBOOKS:
        for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            if cell["cell_type"] == "markdown":
                out.append((f"{path.name} cell {cell.get('id', i)}", "".join(cell["source"])))
    return out


def test_directive_titles_with_backticks_use_colon_fences():
    problems = [p for where, text in markdown_sources() for p in fence_problems(text, where)]
    assert not problems, "\n  ".join(problems)


def test_the_fence_check_catches_a_broken_title():
    broken = '```{admonition} Claim check: "x" {cite:p}`key`\n:class: note\nText.\n```\n'
    fine = ':::{admonition} Claim check: "x" {cite:p}`key`\n:class: note\nText.\n:::\n'
    plain = "```{admonition} A claim\nText with `code`.\n```\n"
    assert len(fence_problems(broken, "b")) == 1
    assert fence_problems(fine, "f") == [] and fence_problems(plain, "p") == []
