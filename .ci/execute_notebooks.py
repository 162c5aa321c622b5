"""Executes the book's notebooks in parallel into Jupyter Book's execution cache.

`make book` runs this before `jupyter-book build`; _config.yml has
``execute_notebooks: cache`` with the same cache folder, so the build finds every
notebook already executed and runs none itself: each notebook runs once per build.

The cache is cleared first: every build executes every notebook (a figure is always
made by the code beside it, whatever changed in ganlib or the profile). Notebooks run
through jupyter-cache's own parallel worker (the one of ``jcache project execute
--executor local-parallel``), one kernel per worker, the longest budgets first so
that the two cores finish together. The kernels inherit this process's environment
(GANLIB_PROFILE, GANLIB_STATIC_WIDGETS), and each gets cores/jobs threads
(OMP_NUM_THREADS, unless set already).

Writes each notebook's wall-clock time to _build/timings-<profile>.json and exits 1 when
a notebook fails (its traceback printed), before the build would run it again.

    .venv/bin/python .ci/execute_notebooks.py [--jobs 2] [--timeout 600]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import sys
import time
import tomllib
from pathlib import Path

import yaml
from jupyter_cache import get_cache
from jupyter_cache.cache.db import NbProjectRecord
from jupyter_cache.executors.basic import ExecutionWorkerLocalMProc, ProcessData

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "_build" / ".jupyter_cache"


def toc_notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks _toc.yml lists, in its order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(toc)
    return [root / f"{f}.ipynb" for f in files if (root / f"{f}.ipynb").exists()]


def budgets(root: Path = ROOT) -> tuple[dict[str, float], float, float]:
    cfg = tomllib.loads((root / ".ci" / "budgets.toml").read_text(encoding="utf-8"))
    return cfg["chapters"], float(cfg["default"]), float(cfg["overrun"])


def budget_minutes(stem: str, root: Path = ROOT) -> float:
    chapters, default, _ = budgets(root)
    return float(chapters.get(stem, default))


def run_one(data: ProcessData) -> tuple[str, int, float]:
    t0 = time.monotonic()
    status, uri = ExecutionWorkerLocalMProc()(data)
    return uri, status, time.monotonic() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = ap.parse_args()
    profile = os.environ.get("GANLIB_PROFILE", "full")
    # Each kernel gets its share of the cores, the rule of ganlib.runtime.share_cores
    # (written out here: this process must not import torch before it forks its workers).
    # CI went from 2 824 s to 2 141 s; one thread per kernel also repeats a run bit for bit.
    threads = max(1, (os.cpu_count() or 1) // args.jobs)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))

    shutil.rmtree(CACHE, ignore_errors=True)
    cache = get_cache(str(CACHE))
    notebooks = sorted(toc_notebooks(), key=lambda p: -budget_minutes(p.stem))
    records = [cache.add_nb_to_project(str(p)) for p in notebooks]
    jobs = [ProcessData(r.pk, r.uri, cache, args.timeout, False) for r in records]
    print(f"executing {len(jobs)} notebooks, {args.jobs} at a time (profile {profile}), "
          f"{os.environ['OMP_NUM_THREADS']} thread(s) each", flush=True)

    times: dict[str, float] = {}
    failed: list[str] = []
    t0 = time.monotonic()
    with mp.get_context("fork").Pool(args.jobs) as pool:
        for uri, status, seconds in pool.imap_unordered(run_one, jobs, chunksize=1):
            name = Path(uri).stem
            times[name] = round(seconds, 1)
            verdict = "ok" if status == 0 else "FAILED"
            print(f"  {name}: {verdict} in {seconds:.0f} s", flush=True)
            if status != 0:
                failed.append(uri)
    total = time.monotonic() - t0
    out = ROOT / "_build" / f"timings-{profile}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"profile": profile, "jobs": args.jobs,
                               "wall_seconds": round(total, 1), "notebooks": times},
                              indent=1))
    print(f"executed in {total:.0f} s; times in {out.relative_to(ROOT)}", flush=True)
    for uri in failed:
        record = NbProjectRecord.record_from_uri(uri, cache.db)
        print(f"\n{uri} failed:\n{record.traceback or '(no traceback recorded)'}",
              file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
