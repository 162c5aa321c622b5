"""pytest settings for the whole repository (``pytest`` with no arguments runs them all).

pyproject.toml collects ``tests/`` and ``book/``; nbval (``--nbval-lax``) runs every cell
of every notebook in ``book/`` and fails on any error. Notebooks, and the tests, run in
the ``quick`` profile unless ``--profile`` says otherwise; the kernels that nbval starts
inherit the environment variable set here::

    pytest                                   # everything, quick profile
    pytest book/02_gan_basics.ipynb          # one chapter, quick profile
    pytest --profile full book/02_gan_basics.ipynb   # one chapter as the book runs it
"""

import os

import pytest

PROFILES = ("quick", "full", "long")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--profile",
        default="quick",
        choices=PROFILES,
        help="GANLIB_PROFILE for the notebooks and tests (default: quick)",
    )


def pytest_configure(config: pytest.Config) -> None:
    os.environ["GANLIB_PROFILE"] = config.getoption("--profile")
