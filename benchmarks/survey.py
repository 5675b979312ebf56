"""Conjunction-class survey 2026-2050 at 1-day resolution: how long does it take?

What is measured
----------------
``sojourn.survey`` on ``examples/dra5-conjunction.toml`` (departure
from a 400 km circular orbit, propulsive capture into 250 km x 1 sol, trans-Earth
injection, direct entry) over every Earth-Mars opportunity whose launch falls in
2026-2050, with the scenario's grids at ``--step`` days (default 1). For each
opportunity: outbound and return porkchop grids, the join over the stay, the
Pareto front and the Nelder-Mead refinement, then the plan.

"first call" is the first survey in this process (kernels loaded from numba's
on-disk cache, or compiled); the figure kept is the best of ``--repeat`` runs.

Run ``python benchmarks/survey.py [--json] [--repeat N] [--step DAYS]``.
Progress goes to stderr; results to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from _common import log

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--step", type=float, default=1.0, help="grid step, days")
    parser.add_argument("--start", default="2026")
    parser.add_argument("--end", default="2050")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import numba

    import sojourn as sj

    scenario = sj.load_scenario(ROOT / "examples" / "dra5-conjunction.toml")
    log(f"survey {args.start}-{args.end}, step {args.step:g} d, {numba.get_num_threads()} threads")
    t = time.perf_counter()
    rows = sj.survey(scenario, args.start, args.end, step_days=args.step).to_dict()
    first = time.perf_counter() - t
    log(f"first call {first:.2f} s")
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        rows = sj.survey(scenario, args.start, args.end, step_days=args.step).to_dict()
        times.append(time.perf_counter() - t)
        log(f"run {times[-1]:.2f} s")
    feasible = [r for r in rows if r["feasible"]]
    result = {
        "span": [args.start, args.end],
        "step_days": args.step,
        "opportunities": len(rows),
        "feasible": len(feasible),
        "first_call_s": first,
        "best_s": min(times) if times else first,
        "runs_s": times,
        "total_dv_kms_range": [min(r["total_dv_kms"] for r in feasible), max(r["total_dv_kms"] for r in feasible)]
        if feasible else None,
        "stay_days_range": [min(r["stay_days"] for r in feasible), max(r["stay_days"] for r in feasible)]
        if feasible else None,
        "threads": numba.get_num_threads(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "target_s": 60.0,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['opportunities']} opportunities ({result['feasible']} feasible), step {args.step:g} d: "
          f"best {result['best_s']:.2f} s, first call {first:.2f} s (target < 60 s)")
    for r in rows:
        if r["feasible"]:
            print(f"  {r['opportunity']}: launch {r['launch']}, {r['outbound_days']:.0f} d out, "
                  f"{r['stay_days']:.0f} d stay, {r['return_days']:.0f} d back, {r['total_dv_kms']:.2f} km/s")
        else:
            print(f"  {r['opportunity']}: infeasible ({r['binding_constraint']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
