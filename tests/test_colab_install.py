"""The reader's path in Colab, reproduced without Colab.

1. A fresh virtual environment holds only what Colab preinstalls that the book uses,
   at Colab's versions (``.ci/colab-preinstalled.txt``, with the date they were read).
2. The chapters' setup cell's own ``%pip install`` line runs in it, pointed at a copy of
   this checkout (the files ``git clone`` would fetch) instead of ``/content/gan-book``.
3. Every requirement of ganlib (pyproject.toml) is then installed, at a version in range.
4. Every chapter's imports run (all of them, also those inside ``try``), then chapter 4
   runs cell by cell up to its first transport plan (it needs POT, which Colab does not
   preinstall), in the quick profile; the chapter must install nothing itself (its own
   ``%pip`` fallbacks must not be needed: the setup cell gives everything).
5. Colab's own packages (torch first) must still be at Colab's versions.

The Colab-like environment is built once per version of the pins file under
``_build/colab-base/`` and hard-linked into a fresh copy for each run (pip replaces
files, never writes into them, so the base stays clean).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PINS = ROOT / ".ci" / "colab-preinstalled.txt"
BASES = ROOT / "_build" / "colab-base"
CLONE_DIR = "/content/gan-book"


def pins() -> dict[str, str]:
    out = {}
    for line in PINS.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            out[name.lower()] = version
    return out


def setup_cell(notebook: Path) -> str:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    return "".join(cell["source"])


def pip_line(cell: str) -> list[str]:
    """The cell's `%pip install ...` line as the arguments of `python -m pip`."""
    lines = [ln.strip() for ln in cell.splitlines() if ln.strip().startswith("%pip ")]
    assert len(lines) == 1, f"the setup cell should have one %pip line, has {lines}"
    return lines[0].split()[1:]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PIP_REQUIRE", "GANLIB"))}
    env.update(extra)
    return env


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def colab_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of the Colab-like environment (hard links to the cached base)."""
    digest = hashlib.sha256(PINS.read_bytes()).hexdigest()[:12]
    base = BASES / digest
    if not (base / ".complete").exists():
        shutil.rmtree(base, ignore_errors=True)
        base.parent.mkdir(parents=True, exist_ok=True)
        py = shutil.which("python3.11") or sys.executable
        r = run([py, "-m", "venv", str(base)])
        assert r.returncode == 0, r.stderr
        r = run([str(base / "bin" / "python"), "-m", "pip", "install", "-q", "-r", str(PINS)],
                env=clean_env())
        assert r.returncode == 0, r.stdout + r.stderr
        (base / ".complete").touch()
    venv = tmp_path_factory.mktemp("colab") / "venv"
    r = run(["cp", "-al", str(base), str(venv)])
    assert r.returncode == 0, r.stderr
    return venv


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `git clone` of this checkout would fetch: tracked and new unignored files."""
    dest = tmp_path_factory.mktemp("content") / "gan-book"
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                 cwd=ROOT)
    if listed.returncode == 0:
        files = listed.stdout.split("\0")
    else:  # not a git checkout: the tree without what .gitignore keeps out
        skip = {".git", ".venv", "_build", "_vendor", "__pycache__", "node_modules"}
        files = [p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*")
                 if not skip & set(p.relative_to(ROOT).parts)]
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file() and not src.is_symlink():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


READER = textwrap.dedent('''
    """Runs in the Colab-like venv: every chapter's imports, then chapter 4's start."""
    import ast, json, sys
    from pathlib import Path
    import matplotlib
    matplotlib.use("Agg")
    from IPython.core.inputtransformer2 import TransformerManager
    from IPython.core.interactiveshell import InteractiveShell

    book = Path(sys.argv[1])
    to_python = TransformerManager().transform_cell
    failures = {}
    for nb_path in sorted(book.glob("[0-9][0-9]_*.ipynb")):
        cells = [("".join(c["source"])) for c in json.loads(nb_path.read_text())["cells"]
                 if c["cell_type"] == "code"]
        imports = [ast.unparse(node) for src in cells
                   for node in ast.walk(ast.parse(to_python(src)))
                   if isinstance(node, (ast.Import, ast.ImportFrom))]
        for statement in dict.fromkeys(imports):
            try:
                exec(statement, {})
            except Exception as e:  # reported below, chapter by chapter
                failures.setdefault(nb_path.name, []).append(
                    f"{statement}: {type(e).__name__}: {e}")
    print("IMPORTS", json.dumps(failures))

    # chapter 4 as a reader runs it: cell after cell, up to its first transport plan
    from importlib.metadata import distributions
    def installed():
        return sorted(f"{d.metadata['Name']}=={d.version}" for d in distributions())
    before = installed()
    shell = InteractiveShell.instance()
    nb_path = next(book.glob("04_*.ipynb"))
    cells = [("".join(c["source"])) for c in json.loads(nb_path.read_text())["cells"]
             if c["cell_type"] == "code"]
    last = next(i for i, src in enumerate(cells) if "transport_plan(" in src)
    for i, src in enumerate(cells[: last + 1]):
        result = shell.run_cell(src, silent=True)
        if not result.success:
            err = result.error_in_exec or result.error_before_exec
            print("CHAPTER4", json.dumps({"cell": i, "error": f"{type(err).__name__}: {err}"}))
            sys.exit(1)
    import ganlib, ot
    added = sorted(set(installed()) - set(before))
    print("CHAPTER4", json.dumps({"cell": last, "error": None, "ganlib": ganlib.__file__,
                                  "installed_by_the_chapter": added}))
''')


REQUIREMENTS = textwrap.dedent('''
    import json
    from importlib.metadata import PackageNotFoundError, requires, version
    from packaging.requirements import Requirement
    problems = []
    for line in requires("ganlib"):
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue  # an optional extra
        try:
            have = version(req.name)
        except PackageNotFoundError:
            problems.append(f"{req}: not installed")
            continue
        if not req.specifier.contains(have, prereleases=True):
            problems.append(f"{req}: {have} installed")
    print(json.dumps(problems))
''')


def test_the_readers_path_in_colab(colab_venv: Path, clone: Path, tmp_path: Path) -> None:
    python = str(colab_venv / "bin" / "python")
    cell = setup_cell(ROOT / "book" / "00_how_to_use.ipynb")
    args = [a.replace(CLONE_DIR, str(clone)) for a in pip_line(cell)]
    assert args[0] == "install" and str(clone) in args, args
    # `%pip` runs `python -m pip` of the kernel's interpreter
    r = run([python, "-m", "pip", *args], env=clean_env(), cwd=tmp_path)
    assert r.returncode == 0, f"the setup cell's pip line failed:\n{r.stdout}\n{r.stderr}"

    # every requirement of ganlib is there, in range
    r = run([python, "-c", REQUIREMENTS], env=clean_env())
    assert r.returncode == 0 and r.stdout.strip() == "[]", (
        f"after the setup cell, ganlib's requirements missing or out of range: "
        f"{r.stdout}{r.stderr[-2000:]}")

    script = tmp_path / "reader.py"
    script.write_text(READER)
    r = run([python, str(script), str(clone / "book")], cwd=clone / "book",
            env=clean_env(GANLIB_PROFILE="quick", MPLBACKEND="Agg"), timeout=900)
    out = r.stdout + r.stderr
    imports = json.loads(re.search(r"^IMPORTS (.*)$", out, re.M).group(1))
    assert not imports, f"chapters whose imports fail after the setup cell: {imports}"
    m = re.search(r"^CHAPTER4 (.*)$", out, re.M)
    assert m, f"chapter 4 did not run:\n{out[-3000:]}"
    ch4 = json.loads(m.group(1))
    assert ch4["error"] is None, f"chapter 4 stops at code cell {ch4['cell']}: {ch4['error']}"
    assert ch4["ganlib"].startswith(str(clone)), ch4["ganlib"]
    assert not ch4["installed_by_the_chapter"], (
        f"chapter 4 had to install {ch4['installed_by_the_chapter']} itself: "
        "the setup cell did not")

    # Colab's own packages are kept (pip must not replace Colab's torch)
    r = run([python, "-c", "import importlib.metadata as m, json, sys; print(json.dumps("
             "{n: m.version(n) for n in sys.argv[1:]}))", *pins()], env=clean_env())
    installed = json.loads(r.stdout)
    changed = {n: f"{v} -> {installed[n]}" for n, v in pins().items() if installed[n] != v}
    assert not changed, f"the setup cell replaced Colab's packages: {changed}"


def test_pins_file_is_dated_and_lists_what_the_book_uses() -> None:
    text = PINS.read_text()
    assert re.search(r"Read \d{4}-\d\d-\d\d", text), "say when Colab's versions were read"
    assert set(pins()) == {"torch", "torchvision", "numpy", "scipy", "matplotlib",
                           "ipywidgets", "tqdm"}
