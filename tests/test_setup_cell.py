"""Every chapter starts with the same setup cell, and every link agrees with _config.yml.

The cell's text lives in .ci/setup_cell.py (made from _config.yml's repository.url);
`.venv/bin/python .ci/setup_cell.py --write` puts it into every notebook, new chapters
included. The README's repository, Colab and published-book links must use the
addresses of _config.yml.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("setup_cell", ROOT / ".ci" / "setup_cell.py")
setup_cell = importlib.util.module_from_spec(spec)
spec.loader.exec_module(setup_cell)

CHAPTERS = setup_cell.chapters()


def test_there_are_chapters() -> None:
    assert len(CHAPTERS) >= 8, CHAPTERS


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.name)
def test_first_code_cell_is_the_setup_cell(notebook: Path) -> None:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cell = setup_cell.first_code_cell(nb)
    assert setup_cell.source_text(cell) == setup_cell.cell_text(), (
        f"{notebook.name}: the first code cell differs from .ci/setup_cell.py's text; "
        "run `.venv/bin/python .ci/setup_cell.py --write`")


def test_setup_cell_installs_dependencies_and_uses_the_configured_repository() -> None:
    text = setup_cell.cell_text()
    pip = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("%pip")]
    assert pip == [setup_cell.PIP_INSTALL]
    assert "--no-deps" not in pip[0], "ganlib's dependencies (POT) must arrive in Colab"
    assert f'REPO = "{setup_cell.repo_url()}"' in text
    assert setup_cell.repo_url().startswith("https://github.com/")


def test_readme_links_agree_with_config() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    repo, site = setup_cell.repo_url(), setup_cell.site_url()
    gh = repo.removeprefix("https://github.com/")
    assert site in readme, f"the README should give the published address {site}"
    colab = re.findall(r"https://colab\.research\.google\.com/github/[^\s)>\]]+", readme)
    assert colab, "the README should link a chapter in Colab"
    for url in colab:
        assert url.startswith(f"https://colab.research.google.com/github/{gh}/blob/"), url
        notebook = url.split("/blob/", 1)[1].split("/", 1)[1]
        assert (ROOT / notebook).is_file(), f"the README's Colab link names {notebook}"
        assert url == setup_cell.colab_url(notebook)
    others = {u for u in re.findall(r"https://github\.com/[\w.-]+/[\w.-]+", readme)}
    assert others <= {repo}, f"README links another repository than _config.yml's: {others}"
    pages = set(re.findall(r"https://[\w.-]+\.github\.io/[\w./-]*", readme))
    assert pages <= {site}, f"README names another published address: {pages}"


def test_rewrite_changes_only_the_setup_cell(tmp_path: Path) -> None:
    """--write on a notebook with an old setup cell: only that cell's source changes."""
    original = CHAPTERS[0].read_text(encoding="utf-8")
    nb = json.loads(original)
    cell = setup_cell.first_code_cell(nb)
    old = setup_cell.source_text(cell).replace("-q -e", "-q --no-deps -e")
    copy = tmp_path / "nb.ipynb"
    copy.write_text(original.replace(
        json.dumps("        " + setup_cell.PIP_INSTALL + "\n"),
        json.dumps("        %pip install -q --no-deps -e /content/gan-book\n")), encoding="utf-8")
    assert setup_cell.source_text(setup_cell.first_code_cell(
        json.loads(copy.read_text(encoding="utf-8")))) == old
    assert setup_cell.rewrite(copy, setup_cell.cell_text()) is True
    assert copy.read_text(encoding="utf-8") == original
    assert setup_cell.rewrite(copy, setup_cell.cell_text()) is False
