"""Check each tutorial's cold run time, as a cold site build recorded it, against its budget.

The site build executes every notebook in a fresh kernel and writes one execution
record per notebook (``<stem>-<key>.json`` with its ``seconds``, see
``docs_hooks/notebooks.py``) into its notebook cache. This script reads those records
after a build; it is not a test (a timed test fails when the machine is busy and says
nothing about the code), but CI runs it after the test suite's cold build::

    python benchmarks/notebook_budget.py CACHE_DIR

Budget (the developers' guide): 60 s each on 2 cores, the training tutorials 2, 3 and
6 included (their powered runs are recorded, not re-run by the page). A run over the
budget is reported; exit status 1 if a notebook has no record or ran more than
:data:`MARGIN` over it (a busy CI machine runs the same notebook slower; the
training tutorials measured 33-35 s cold on a quiet 2-core machine).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 60
MARGIN = 1.15  # fail above 1.15 x the budget; report anything above it


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: python benchmarks/notebook_budget.py CACHE_DIR (a built notebook cache)")
        return 2
    cache = Path(argv[0])
    failures = 0
    machines = set()
    print(f"{'tutorial':40s} {'seconds':>8s} {'budget':>7s}")
    for notebook in sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.ipynb")):
        records = sorted(cache.glob(f"{notebook.stem}-*.json"))
        budget = BUDGET_S
        if len(records) != 1:
            print(f"{notebook.stem:40s} {'no record' if not records else 'several':>8s}")
            failures += 1
            continue
        record = json.loads(records[0].read_text(encoding="utf-8"))
        seconds = record["seconds"]
        over, failed = seconds > budget, seconds > MARGIN * budget
        failures += failed
        note = "  OVER BUDGET, FAILED" if failed else "  over budget" if over else ""
        cached = "  (training cached: not a cold run)" if record.get("training") == "cached" else ""
        print(f"{notebook.stem:40s} {seconds:8.1f} {budget:7d}{note}{cached}")
        machines.add((record.get("machine", "machine not recorded"), record.get("load")))
    for machine, load in sorted(machines, key=str):
        print(f"on {machine}" + (f" (load average {load} when a run began)" if load else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
