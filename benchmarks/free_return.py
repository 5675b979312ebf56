"""Free-return search throughput: Earth → Mars flyby → Earth with no burn after launch.

What is measured
----------------
``sj.free_returns`` (``sojourn.contingency.free_return``) end to end (ephemeris,
both Lambert grids, the compiled sign-change scan, the vectorised regula-falsi
refinement of every candidate, the turn-angle check, the per-date ranking, then
SLSQP on each launch date's best, the launch held, every other epoch off the grid):

* Inspiration Mars: launch 2017-12-15 .. 2018-01-25 (42 dates), trips up to
  520 days, 1-day grids: the search behind the test against Tito et al. (2013);
* a whole opportunity: launch 2030-10-01 .. 2031-12-31 (457 dates), trips up
  to 1200 days (the default, which takes in the 3-year family), 1-day grids.

Each is the best of ``--repeat`` runs on all cores, then once more on one
thread (``numba.set_num_threads(1)``). "first call" is the first search in
this process (kernels loaded from numba's on-disk cache, or compiled).

Run ``python benchmarks/free_return.py [--json] [--repeat N]``. Progress goes
to stderr; results to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

from _common import best_of, log

CASES = (
    ("inspiration-mars", "2017-12-15:2018-01-25", 520.0),
    ("opportunity-2031", "2030-10-01:2031-12-31", 1200.0),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import numba

    import sojourn as sj

    t = time.perf_counter()
    sj.free_returns(CASES[0][1], max_days=CASES[0][2])
    first = time.perf_counter() - t
    log(f"first call {first:.2f} s")
    threads = numba.get_num_threads()
    rows = []
    for name, window, max_days in CASES:
        def run(window=window, max_days=max_days):
            return sj.free_returns(window, max_days=max_days)

        numba.set_num_threads(threads)
        t_all, res = best_of(run, args.repeat)
        numba.set_num_threads(1)
        t_one, _ = best_of(run, max(1, args.repeat // 2))
        numba.set_num_threads(threads)
        best = res.records[0].to_dict() if res.records else None
        row = {
            "case": name, "window": window, "max_days": max_days, "launch_dates": int(res.launch_tdb.size),
            "grid_arcs": res.grid_arcs, "combinations": res.combinations, "candidates": res.candidates,
            "free_returns": len(res.records), "seconds_all_cores": t_all, "seconds_one_thread": t_one,
            "best": best,
        }
        rows.append(row)
        log(f"{name}: {t_all:.3f} s ({threads} threads), {t_one:.3f} s (1 thread)")
    report = {
        "python": platform.python_version(), "numba": numba.__version__, "machine": platform.machine(),
        "cpus": os.cpu_count(), "threads": threads, "load_average": os.getloadavg()[0],
        "first_call_seconds": first, "repeat": args.repeat, "cases": rows,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"first search in this process: {first:.2f} s (numba cache load or compile)")
    print(f"{'case':<18} {'dates':>5} {'Lambert arcs':>12} {'triples':>13} {'cand.':>7} {'found':>5} "
          f"{'all cores':>10} {'1 thread':>9}  best by C3")
    for r in rows:
        b = r["best"]
        best = (f"{b['launch'][:10]} → {b['flyby'][:10]} → {b['earth_return'][:10]}, {b['total_days']:.1f} d, "
                f"C3 {b['c3']:.2f}" if b else "none")
        print(f"{r['case']:<18} {r['launch_dates']:>5} {r['grid_arcs']:>12,} {r['combinations']:>13,} "
              f"{r['candidates']:>7,} {r['free_returns']:>5} {r['seconds_all_cores'] * 1e3:>8.0f} ms "
              f"{r['seconds_one_thread'] * 1e3:>6.0f} ms  {best}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
