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

import json
import os
from collections import defaultdict
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
