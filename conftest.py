"""pytest settings for the whole repository (``pytest`` with no arguments runs them all).

pyproject.toml collects ``tests/`` and ``book/``; nbval (``--nbval-lax``) runs every cell
of every notebook in ``book/`` and fails on any error. Notebooks, and the tests, run in
the ``quick`` profile unless ``--profile`` says otherwise; the kernels that nbval starts
inherit the environment variable set here::

    pytest                                   # everything, quick profile
    pytest -n 2 --dist loadgroup             # the same on 2 workers (what `make test` runs)
    pytest book/02_gan_basics.ipynb          # one chapter, quick profile
    pytest --profile full book/02_gan_basics.ipynb   # one chapter as the book runs it

With pytest-xdist's ``--dist loadgroup`` every file stays on one worker (a notebook's
cells share one kernel), and the HTML and browser tests share one worker, hence one
build of the book when they must build it (group ``html``).

When notebooks ran, each one's time (its cells' setup, call and teardown) is written to
``_build/timings-<profile>.json``; ``.ci/timetable.py`` prints it beside the budgets.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

PROFILES = ("quick", "full", "long")
ROOT = Path(__file__).resolve().parent
_notebook_seconds: dict[str, float] = defaultdict(float)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--profile",
        default="quick",
        choices=PROFILES,
        help="GANLIB_PROFILE for the notebooks and tests (default: quick)",
    )


def pytest_configure(config: pytest.Config) -> None:
    os.environ["GANLIB_PROFILE"] = config.getoption("--profile")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """One xdist group per file, unless a test names its own group (runs before xdist)."""
    for item in items:
        if not any(True for _ in item.iter_markers("xdist_group")):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = report.nodeid.split("::")[0].split("@")[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[Path(path).stem] += report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput") or not _notebook_seconds:
        return  # an xdist worker: the controller receives every report and writes
    profile = session.config.getoption("--profile")
    out = ROOT / "_build" / f"timings-{profile}.json"
    out.parent.mkdir(exist_ok=True)
    workers = getattr(session.config.option, "numprocesses", None) or 1
    out.write_text(json.dumps({
        "profile": profile, "jobs": workers,
        "notebooks": {k: round(v, 1) for k, v in sorted(_notebook_seconds.items())},
    }, indent=1))


# --------------------------------------------------------------------------- the built book
# tests/test_html.py and tests/test_browser.py check the built HTML book. They use
# _build/html when `make book` built it (its stamp _build/html/.book-build.json is newer
# than every source of the book), so CI executes each notebook once per profile;
# otherwise they build the book once, quick profile, into a temporary folder.
# GANLIB_BOOK_HTML=path/to/html names a built book to check instead.

BOOK_SOURCES = ("book", "ganlib", "_config.yml", "_toc.yml")


@dataclass
class Build:
    returncode: int
    log: str
    html: Path
    origin: str  # "make book (profile full)", "quick build by the tests", ...

    def pages(self) -> list[Path]:
        """The book's pages (not the theme's template fragments in _static/)."""
        return sorted(p for p in self.html.rglob("*.html")
                      if p.relative_to(self.html).parts[0] not in ("_static", "_sources"))


def newest_source_mtime(root: Path = ROOT) -> float:
    newest = 0.0
    for name in BOOK_SOURCES:
        path = root / name
        files = [path] if path.is_file() else [
            p for p in path.rglob("*") if p.is_file() and "_vendor" not in p.parts
            and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts]
        newest = max([newest] + [p.stat().st_mtime for p in files])
    return newest


def existing_build(root: Path = ROOT) -> Build | None:
    """_build/html as `make book` left it, if it is newer than every source."""
    forced = os.environ.get("GANLIB_BOOK_HTML")
    html = Path(forced) if forced else root / "_build" / "html"
    stamp = html / ".book-build.json"
    if not stamp.is_file():
        return None
    if not forced and stamp.stat().st_mtime < newest_source_mtime(root):
        return None  # sources changed since: this build is stale
    info = json.loads(stamp.read_text())
    log = root / info.get("log", "_build/book-build.log")
    return Build(int(info.get("returncode", 0)), log.read_text() if log.is_file() else "",
                 html, f"make book (profile {info.get('profile', '?')})")


@pytest.fixture(scope="session")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The built book: `make book`'s when current, else one quick-profile build."""
    found = existing_build()
    if found is not None:
        return found
    vendor = ROOT / "book" / "_vendor"
    if not any(vendor.glob(".complete-*")):
        subprocess.run(["make", "--no-print-directory", "vendor"], cwd=ROOT, check=True)
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    # force: this build executes its notebooks itself (not through the cache of make book)
    cmd = [str(jupyter_book), "build", "--all", "-W", "-n", "--keep-going",
           "--path-output", str(out), "--config", str(_quick_config(out)), str(ROOT)]
    env = dict(os.environ, GANLIB_PROFILE="quick", GANLIB_STATIC_WIDGETS="1")
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    return Build(proc.returncode, proc.stdout + proc.stderr, out / "_build" / "html",
                 "quick build by the tests")


def _quick_config(out: Path) -> Path:
    """_config.yml with execute_notebooks: force (no cache shared with make book)."""
    import yaml

    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    cfg["execute"]["execute_notebooks"] = "force"
    cfg["execute"].pop("cache", None)
    path = out / "_config.yml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path
