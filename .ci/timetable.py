"""Prints each notebook's execution time per profile beside its full-profile budget.

Reads _build/timings-full.json (written by .ci/execute_notebooks.py in `make book`)
and _build/timings-quick.json (written by conftest.py when pytest runs notebooks).
With --check, exits 1 when a chapter's full-profile time exceeds its budget times the
`overrun` of .ci/budgets.toml (CI fails the build then, not a test).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from execute_notebooks import ROOT, budget_minutes, budgets, toc_notebooks  # noqa: E402


def load(profile: str) -> dict:
    path = ROOT / "_build" / f"timings-{profile}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def main(argv: list[str]) -> int:
    _, _, overrun = budgets()
    quick, full = load("quick"), load("full")
    names = [p.stem for p in toc_notebooks()]
    names += sorted((set(quick.get("notebooks", {})) | set(full.get("notebooks", {})))
                    - set(names))
    rows, over = [], []
    for name in names:
        q = quick.get("notebooks", {}).get(name)
        f = full.get("notebooks", {}).get(name)
        budget = budget_minutes(name) * 60
        verdict = "-" if f is None else f"{f / budget:4.0%}"
        if f is not None and f > overrun * budget:
            verdict += f"  OVER {overrun:g}x BUDGET"
            over.append(name)
        rows.append((name, "-" if q is None else f"{q:.0f}", "-" if f is None else f"{f:.0f}",
                     f"{budget:.0f}", verdict))
    head = ("notebook", "quick s", "full s", "budget s", "full/budget")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    line = "  ".join("{:<%d}" % w for w in widths)
    print("\nPer-notebook execution times, seconds (the last run of each profile: "
          "pytest/nbval or make book), and the full-profile budgets of .ci/budgets.toml")
    print(line.format(*head))
    for r in rows:
        print(line.format(*r))
    for label, data in (("quick", quick), ("full", full)):
        if data:
            wall = (f", {data['wall_seconds']:.0f} s wall clock"
                    if "wall_seconds" in data else "")
            print(f"{label}: {sum(data['notebooks'].values()):.0f} s of notebook time{wall}, "
                  f"{data.get('jobs', 1)} at a time")
    if "--check" in argv and over:
        print(f"FAIL: over {overrun:g}x the full-profile budget: {', '.join(over)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
