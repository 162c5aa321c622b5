"""The first code cell of every chapter, written in one place.

Every notebook ``book/NN_*.ipynb`` starts (its first code cell) with :data:`TEMPLATE`,
filled in with the repository's address from ``_config.yml`` (``repository.url``).
In Colab the cell clones the repository and installs ganlib *with* its dependencies
(POT and the rest): pip keeps every package already installed that satisfies
``pyproject.toml``'s ranges, so Colab's own PyTorch stays. Elsewhere it only imports
ganlib.

    .venv/bin/python .ci/setup_cell.py           # prints the cell
    .venv/bin/python .ci/setup_cell.py --write   # rewrites the first code cell of book/*.ipynb
    .venv/bin/python .ci/setup_cell.py --check   # exit 1 if a notebook differs

``--write`` changes only that cell's ``source`` (found by its position; its id, outputs
and metadata are kept) and keeps the rest of each file byte-identical.
tests/test_setup_cell.py checks every notebook against it.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CLONE_DIR = "/content/gan-book"
# The pip line of the cell; tests/test_colab_install.py runs exactly this line.
PIP_INSTALL = f"%pip install -q -e {CLONE_DIR}"

TEMPLATE = """\
# Setup. In Colab this fetches the book's repository and installs ganlib
# with what it needs (POT, ...); Colab's own PyTorch is kept.
import sys

if "google.colab" in sys.modules:
    try:
        import ganlib
    except ImportError:
        REPO = "{repo_url}"
        !git clone -q --depth 1 {{REPO}} {clone_dir}
        {pip_install}
        sys.path.insert(0, "{clone_dir}")  # seen by this kernel at once

import ganlib

rt = ganlib.setup()  # seeds everything; prints the device and the profile"""


def config(root: Path = ROOT) -> dict:
    return yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))


def repo_url(root: Path = ROOT) -> str:
    return config(root)["repository"]["url"].rstrip("/")


def site_url(root: Path = ROOT) -> str:
    """The published book's address (html.baseurl), ending in a slash."""
    return config(root)["html"]["baseurl"].rstrip("/") + "/"


def colab_url(notebook: str, root: Path = ROOT) -> str:
    """Colab's address of book/NN_x.ipynb on the repository's branch."""
    cfg = config(root)
    gh = re.sub(r"^https://github\.com/", "", repo_url(root))
    branch = cfg["repository"].get("branch", "main")
    return f"https://colab.research.google.com/github/{gh}/blob/{branch}/{notebook}"


def cell_text(root: Path = ROOT) -> str:
    return TEMPLATE.format(repo_url=repo_url(root), clone_dir=CLONE_DIR,
                           pip_install=PIP_INSTALL)


def chapters(root: Path = ROOT) -> list[Path]:
    return sorted((root / "book").glob("[0-9][0-9]_*.ipynb"))


def first_code_cell(nb: dict) -> dict:
    return next(c for c in nb["cells"] if c["cell_type"] == "code")


def source_text(cell: dict) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def as_source_lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    return lines


def rewrite(path: Path, text: str) -> bool:
    """Replaces the first code cell's source in the file's text; True if it changed.

    The JSON is edited as text (the cell's "source" array only), so every other byte
    of the file, other cells included, stays as it was.
    """
    raw = path.read_text(encoding="utf-8")
    nb = json.loads(raw)
    cell = first_code_cell(nb)
    if source_text(cell) == text:
        return False
    cell_id = cell.get("id")
    anchor = raw.find(f'"id": "{cell_id}"') if cell_id else raw.find('"cell_type": "code"')
    start = raw.find('"source": [', anchor)
    next_cell = raw.find('"cell_type":', anchor + 1)
    if anchor < 0 or start < 0 or (0 <= next_cell < start):
        raise ValueError(f"{path}: cannot find the first code cell's source")
    indent = raw[raw.rfind("\n", 0, start) + 1:start]
    close = "\n" + indent + "]"
    end = raw.find(close, start)
    items = ",\n".join(indent + " " + json.dumps(line, ensure_ascii=False)
                       for line in as_source_lines(text))
    new = raw[:start] + '"source": [\n' + items + close + raw[end + len(close):]
    check = first_code_cell(json.loads(new))
    if source_text(check) != text:
        raise AssertionError(f"{path}: rewrite produced a different cell")
    path.write_text(new, encoding="utf-8")
    return True


def main(argv: list[str]) -> int:
    text = cell_text()
    if "--write" in argv:
        for path in chapters():
            if rewrite(path, text):
                print(f"rewrote the setup cell of {path.relative_to(ROOT)}")
        return 0
    if "--check" in argv:
        bad = [p.name for p in chapters() if source_text(first_code_cell(
            json.loads(p.read_text(encoding="utf-8")))) != text]
        for name in bad:
            print(f"{name}: the first code cell is not .ci/setup_cell.py's text")
        return 1 if bad else 0
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
