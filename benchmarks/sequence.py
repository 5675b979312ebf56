"""Sequence-search throughput: transfers through flybys over a launch window.

What is measured
----------------
``sojourn.transfer.sequence.search_sequence`` end to end (ephemeris states,
every leg's Lambert grid, the compiled forward and backward joins with their
branch-and-bound over powered flybys, the exact grid picture, then SLSQP on
every epoch of the best chains):

* ``evm-2030``: Earth - Venus - Mars, launches through 2030 (365 dates), legs
  of 60-250 and 100-350 days, powered Venus flyby at 300 km or more, from a
  400 km parking orbit into a 250 km Mars orbit; 1-day lattice, 3 chains
  refined;
* ``evme-2021``: the Earth - Venus - Mars - Earth free return over a
  four-month launch window (2021-09-01 .. 2021-12-31), unpowered flybys
  (Venus 300 km, Mars 200 km), launch and return v∞ as the cost; 1-day
  lattice, 3 chains refined.

Each case is timed twice: the grid alone (``refine=False``; for the free
return, whose unpowered flybys only the refinement finds, the same grid with
powered flybys) and the whole search. Times are the best of ``--repeat`` runs on all cores; the grid is
timed once more on one thread (``numba.set_num_threads(1)``), in wall time
and in CPU time of this process (steadier than wall time on a busy machine:
waiting for a core does not count). "first call" is
the first search in this process (kernels loaded from numba's on-disk cache,
or compiled). The machine is shared: the best of several runs is kept.

Run ``python benchmarks/sequence.py [--json] [--repeat N]``. Progress goes to
stderr; results to stdout.
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
    ("evm-2030", ["earth", "venus", "mars"], "2030-01-01:2030-12-31", [(60, 250), (100, 350)],
     dict(min_flyby_alt_km=300.0)),
    ("evme-2021", ["earth", "venus", "mars", "earth"], "2021-09-01:2021-12-31", [(80, 250), (80, 300), (100, 400)],
     dict(min_flyby_alt_km=[300.0, 200.0], powered=False, departure_orbit_km=None, arrival="vinf")),
)


def _best_cpu(fn, repeat: int) -> float:
    """Least CPU time (s) of this process over ``repeat`` calls of ``fn``."""
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import numba

    from sojourn.transfer.sequence import search_sequence

    t = time.perf_counter()
    search_sequence(*CASES[0][1:4], step_days=10.0, n_refine=1, **CASES[0][4])
    first = time.perf_counter() - t
    log(f"first call {first:.2f} s")
    threads = numba.get_num_threads()
    rows = []
    for name, bodies, window, legs, kw in CASES:
        def grid(bodies=bodies, window=window, legs=legs, kw=kw):
            return search_sequence(bodies, window, legs, step_days=1.0, refine=False, n_refine=3,
                                   **dict(kw, powered=True))

        def full(bodies=bodies, window=window, legs=legs, kw=kw):
            return search_sequence(bodies, window, legs, step_days=1.0, n_refine=3, **kw)

        numba.set_num_threads(threads)
        t_grid, g = best_of(grid, args.repeat)
        t_full, res = best_of(full, args.repeat)
        numba.set_num_threads(1)
        t_grid1, _ = best_of(grid, max(1, args.repeat // 2))
        cpu_grid1 = _best_cpu(grid, max(1, args.repeat // 2))
        numba.set_num_threads(threads)
        b = res.best
        rows.append({
            "case": name, "bodies": bodies, "window": window, "leg_days": legs,
            "launch_dates": int(res.grid.sizes["launch"]), "arcs": res.arcs,
            "flyby_combinations": res.flyby_combinations, "flyby_evaluations": res.flyby_evaluations,
            "seconds_grid_all_cores": t_grid, "seconds_grid_one_thread": t_grid1, "cpu_seconds_grid_one_thread": cpu_grid1,
            "seconds_full": t_full,
            "grid_best_total_dv_kms": g.best.total_dv_kms, "best": b.to_dict(),
        })
        log(f"{name}: grid {t_grid:.3f} s ({threads} threads), {t_grid1:.3f} s (1 thread); with refinement "
            f"{t_full:.3f} s")
    report = {
        "python": platform.python_version(), "numba": numba.__version__, "machine": platform.machine(),
        "cpus": os.cpu_count(), "threads": threads, "load_average": os.getloadavg()[0],
        "first_call_seconds": first, "repeat": args.repeat, "cases": rows,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"first search in this process: {first:.2f} s (numba cache load or compile); load {report['load_average']:.1f}")
    print(f"{'case':<10} {'dates':>5} {'arcs':>9} {'flyby pairs':>12} {'evaluated':>10} {'grid':>8} {'1 thread':>9} "
          f"{'1 th. CPU':>9} {'+ refine':>9}  best")
    for r in rows:
        b = r["best"]
        fb = ", ".join(f"{f['body']} {f['date'][:10]} {f['altitude_km']:,.0f} km" for f in b["flybys"])
        print(f"{r['case']:<10} {r['launch_dates']:>5} {r['arcs']:>9,} {r['flyby_combinations']:>12,} "
              f"{r['flyby_evaluations']:>10,} {r['seconds_grid_all_cores'] * 1e3:>6.0f} ms "
              f"{r['seconds_grid_one_thread'] * 1e3:>6.0f} ms {r['cpu_seconds_grid_one_thread'] * 1e3:>6.0f} ms "
              f"{r['seconds_full']:>7.2f} s  "
              f"{b['launch'][:10]} → {b['arrival'][:10]}, {b['total_days']:.1f} d, {b['total_dv_kms']:.3f} km/s "
              f"(grid {r['grid_best_total_dv_kms']:.3f}); {fb}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
