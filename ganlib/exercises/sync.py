"""Write each chapter's exercise cells from its registry into the notebook.

``python -m ganlib.exercises.sync`` rewrites the six cells of every exercise (found by
the ``:label:`` of its ``{exercise}`` cell) and leaves every other cell byte-identical;
``--check`` only lists the differences (the tests run it). A new exercise gets its six
cells inserted (after the previous exercise's, or after the "## Exercises" cell); from
then on this keeps them in step. Edit the registry, never the generated cells.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import re
from pathlib import Path
from typing import Any

from .registry import Chapter

BOOK = Path(__file__).resolve().parents[2] / "book"


def chapters() -> list[Chapter]:
    """Every chapter registry: the ``CHAPTER`` of each module ganlib.exercises.chNN."""
    folder = str(Path(__file__).parent)
    names = sorted(m.name for m in pkgutil.iter_modules([folder]))
    modules = [importlib.import_module(f"ganlib.exercises.{n}") for n in names if re.fullmatch(r"ch\d\d", n)]
    return [m.CHAPTER for m in modules if hasattr(m, "CHAPTER")]


def _source(cell: dict[str, Any]) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _new_cell(kind: str, cell_id: str) -> dict[str, Any]:
    if kind == "code":
        return {"cell_type": "code", "execution_count": None, "id": cell_id, "metadata": {}, "outputs": [],
                "source": []}
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": []}


CELL_IDS = ("", "-stub", "-check", "-sol-start", "-solution", "-sol-end")  # new cells: label + suffix


def sync(chapter: Chapter, nb: dict[str, Any]) -> list[str]:
    """Bring ``nb``'s exercise cells in line with ``chapter``; return what changed.

    An exercise without cells gets its six inserted after the previous exercise's,
    or, for the first one, after the markdown cell that starts with "## Exercises".
    """
    cells, changes, after = nb["cells"], [], None
    for ex in chapter.exercises:
        want = chapter.cells(ex)
        starts = [
            i
            for i, c in enumerate(cells)
            if c["cell_type"] == "markdown"
            and _source(c).startswith("```{exercise}")
            and f"\n:label: {ex.label}\n" in _source(c)
        ]
        if not starts:
            if after is None:
                heads = [i for i, c in enumerate(cells) if _source(c).startswith("## Exercises")]
                if not heads:
                    changes.append(f"{ex.label}: no cells, and no '## Exercises' cell to put them after")
                    continue
                after = heads[0] + 1
            cells[after:after] = [_new_cell(kind, ex.label + sfx) for (kind, _, _), sfx in zip(want, CELL_IDS)]
            cells[after]["source"] = _lines(want[0][1])
            changes.append(f"{ex.label}: inserted its six cells")
            starts = [after]
        if len(starts) != 1:
            changes.append(f"{ex.label}: {len(starts)} {{exercise}} cells, expected 1")
            continue
        after = starts[0] + len(want)
        have = cells[starts[0] : after]
        for k, ((kind, source, tags), cell) in enumerate(zip(want, have, strict=False)):
            if cell["cell_type"] != kind:
                changes.append(f"{ex.label}: cell {k} is {cell['cell_type']}, expected {kind}")
                break
            if _source(cell) != source:
                changes.append(f"{ex.label}: cell {k} ({cell['id']}) source")
                cell["source"] = _lines(source)
            if cell.get("metadata", {}).get("tags", []) != tags:
                changes.append(f"{ex.label}: cell {k} ({cell['id']}) tags")
                meta = cell.setdefault("metadata", {})
                if tags:
                    meta["tags"] = tags
                else:
                    meta.pop("tags", None)
            if kind == "code" and (cell.get("outputs") or cell.get("execution_count")):
                changes.append(f"{ex.label}: cell {k} ({cell['id']}) has outputs")
                cell["outputs"], cell["execution_count"] = [], None
        if len(have) < len(want):
            changes.append(f"{ex.label}: the notebook ends before its six cells")
    return changes


def notebook_path(chapter: Chapter) -> Path:
    return BOOK / f"{chapter.notebook}.ipynb"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report differences, write nothing")
    args = parser.parse_args(argv)
    differ = False
    for chapter in chapters():
        path = notebook_path(chapter)
        nb = json.loads(path.read_text(encoding="utf-8"))
        changes = sync(chapter, nb)
        for change in changes:
            print(f"{path.name}: {change}")
        differ |= bool(changes)
        if changes and not args.check:
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return int(differ and args.check)


if __name__ == "__main__":
    raise SystemExit(main())
