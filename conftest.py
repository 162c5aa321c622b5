"""pytest settings for the whole repository (``pytest`` with no arguments runs them all).

pyproject.toml collects ``tests/`` and ``book/``; nbval (``--nbval-lax``) runs every cell
of every notebook in ``book/`` and fails on any error. Notebooks, and the tests, run in
the ``quick`` profile unless ``--profile`` says otherwise; the kernels that nbval starts
inherit the environment variable set here::

    pytest                                   # everything, quick profile
    pytest -n 2 --dist loadfile              # the same on 2 workers (what `make test` runs)
    pytest book/02_gan_basics.ipynb          # one chapter, quick profile
    pytest --profile full book/02_gan_basics.ipynb   # one chapter as the book runs it

With pytest-xdist's ``--dist loadfile`` every file stays on one worker (a notebook's
cells share one kernel). The HTML and browser tests may run on two workers: the one
that comes first builds the book (when it must) under a lock, the other reuses it.

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
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    if workers > 1:  # each xdist worker, and the kernels it starts, gets its share of the cores
        from ganlib.runtime import share_cores

        share_cores(workers)


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
# otherwise they build the book once, quick profile, into _build/test-book/ (under a lock,
# so two pytest workers make one build; reused while newer than every source).
# GANLIB_BOOK_HTML=path/to/html names a built book to check instead.

BOOK_SOURCES = ("book", "ganlib", "_config.yml", "_toc.yml")
# what the book is made of (not what a notebook run writes beside it, e.g. checkpoints)
SOURCE_SUFFIXES = {".ipynb", ".md", ".bib", ".py", ".yml", ".yaml", ".css", ".js", ".json",
                   ".toml", ".png", ".jpg", ".svg", ".npz", ".pt"}


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
            p for p in path.rglob("*") if p.is_file() and p.suffix in SOURCE_SUFFIXES
            and not {"_vendor", "__pycache__", ".ipynb_checkpoints", "checkpoints"}
            & set(p.parts)]
        newest = max([newest] + [p.stat().st_mtime for p in files])
    return newest


def existing_build(root: Path = ROOT, html: Path | None = None) -> Build | None:
    """_build/html as `make book` left it (or ``html``), if newer than every source."""
    forced = os.environ.get("GANLIB_BOOK_HTML")
    html = Path(forced) if forced else html or root / "_build" / "html"
    stamp = html / ".book-build.json"
    if not stamp.is_file():
        return None
    if not forced and stamp.stat().st_mtime < newest_source_mtime(root):
        return None  # sources changed since: this build is stale
    info = json.loads(stamp.read_text())
    log = root / info.get("log", "_build/book-build.log")
    return Build(int(info.get("returncode", 0)), log.read_text() if log.is_file() else "",
                 html, info.get("origin", f"make book (profile {info.get('profile', '?')})"))


@pytest.fixture(scope="session")
def build() -> Build:
    """The built book: `make book`'s when current, else one quick-profile build."""
    import fcntl

    found = existing_build()
    if found is not None:
        return found
    out = ROOT / "_build" / "test-book"
    out.mkdir(parents=True, exist_ok=True)
    with open(out.parent / ".test-book.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another pytest worker may be building it
        html = out / "_build" / "html"
        found = existing_build(html=html)
        if found is not None:
            return found
        vendor = ROOT / "book" / "_vendor"
        if not any(vendor.glob(".complete-*")):
            subprocess.run(["make", "--no-print-directory", "vendor"], cwd=ROOT, check=True)
        jupyter_book = Path(sys.executable).with_name("jupyter-book")
        # run from `out`: _config.yml's relative cache path then names a cache of its
        # own (emptied), never make book's, so this build runs every notebook itself
        cache = out / "_build" / ".jupyter_cache"
        subprocess.run(["rm", "-rf", str(cache), str(html)], check=True)
        cmd = [str(jupyter_book), "build", "--all", "-W", "-n", "--keep-going",
               "--path-output", str(out), str(ROOT)]
        env = dict(os.environ, GANLIB_PROFILE="quick", GANLIB_STATIC_WIDGETS="1")
        proc = subprocess.run(cmd, cwd=out, env=env, capture_output=True, text=True)
        log = out / "book-build.log"
        log.write_text(proc.stdout + proc.stderr)
        if html.is_dir():
            (html / ".book-build.json").write_text(json.dumps(
                {"profile": "quick", "returncode": proc.returncode, "log": str(log),
                 "origin": "quick build by the tests"}))
        return Build(proc.returncode, proc.stdout + proc.stderr, html,
                     "quick build by the tests")
