"""Abort analysis throughput: every day of a 300-day leg, every return date, at 1-day resolution.

What is measured
----------------
The Ulysses scenario (examples/ulysses.toml) with both transits held at 300
days (``min_transit_days = max_transit_days = 300``), planned once with
``sj.plan`` (not timed). Then the abort analysis at 1-day steps:

* direct table: ``direct_return_table`` for the outbound leg alone, 300 abort
  days x 871 return durations (30-900 days) = 261,300 cells, each one
  zero-revolution Lambert solve plus the abort Δv, the arrival v-infinity and the
  entry speed, in one batched call (ephemeris lookups included);
* whole analysis: ``sj.aborts(plan, step_days=1)``, both legs (direct tables,
  per-day reductions, the Mars swing-by search on the outbound days without an
  affordable direct return, the per-day Dataset, coverage), as the ``sojourn
  aborts`` command runs it after planning. The analysis reports no count of
  swing-by combinations (abort day x flyby date x return date): the benchmark
  counts them by wrapping the compiled search (``_swingby_loop``) in a counter.

Each is the best of ``--repeat`` runs on all cores, then once more on one
thread (``numba.set_num_threads(1)``). "first call" is the first analysis in
this process (kernels loaded from numba's on-disk cache, or compiled).

Run ``python benchmarks/aborts.py [--json] [--repeat N]``. Progress goes to
stderr; results to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from _common import best_of, log

ROOT = Path(__file__).resolve().parent.parent


def count_swingby_combinations() -> list:
    """Count the swing-by combinations the abort analysis searches; the counter is ``[n]``, set to 0 to restart.

    The compiled search of :mod:`sojourn.contingency.aborts` is wrapped so that each
    call adds its abort days x flyby dates x return dates (the arrays it is given).
    """
    from sojourn.contingency import aborts

    kernel, counter = aborts._swingby_loop, [0]

    def counted(*args):
        days, flybys = args[6].shape  # the abort burns, abort day x flyby date
        counter[0] += days * flybys * args[4].size  # the Earth return dates
        return kernel(*args)

    aborts._swingby_loop = counted
    return counter


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import numba
    import numpy as np

    import sojourn as sj
    from sojourn.contingency.aborts import direct_return_table
    from sojourn.ephemeris import load_ephemeris
    from sojourn.mission.trajectory import spacecraft_states
    from sojourn.time import DAY

    data = sj.load_scenario(ROOT / "examples" / "ulysses.toml").to_dict()
    data["constraints"].update(min_transit_days=300, max_transit_days=300)
    scenario = sj.Scenario.from_dict(data, "ulysses-300d")
    eph = load_ephemeris()
    log("planning Ulysses with 300-day transits ...")
    plan = sj.plan(scenario, ephemeris=eph)
    leg = plan.legs[0]
    days = np.arange(0.0, leg.tof_days, 1.0)
    t_abort = leg.t_depart + days * DAY
    r_sc, v_sc = spacecraft_states(plan, t_abort, eph)
    durations = np.arange(30.0, 900.0 + 1e-9, 1.0)
    cells_direct = days.size * durations.size
    threads = numba.get_num_threads()
    swingby_combinations = count_swingby_combinations()

    def direct():
        return direct_return_table(r_sc, v_sc, t_abort, durations, ephemeris=eph)

    def whole():
        swingby_combinations[0] = 0
        return sj.aborts(plan, step_days=1.0, ephemeris=eph)

    log("first call ...")
    t = time.perf_counter()
    first = whole()
    t_first = time.perf_counter() - t
    direct()
    results = {}
    for label, n in (("all cores", threads), ("one thread", 1)):
        numba.set_num_threads(n)
        log(f"timing on {label} ({n} thread{'s' if n > 1 else ''}) ...")
        t_direct, table = best_of(direct, args.repeat)
        t_whole, res = best_of(whole, args.repeat)
        sw_cells = swingby_combinations[0]
        cells_whole = sum(lg.direct.status.size for lg in res.legs)
        results[label] = {
            "threads": n,
            "direct_table_s": t_direct,
            "direct_cells_per_s": cells_direct / t_direct,
            "whole_analysis_s": t_whole,
            "whole_direct_cells": cells_whole,
            "swingby_days": int(res.legs[0].table["swingby_searched"].sum()),
            "swingby_combinations": sw_cells,
            "whole_cells_per_s": (cells_whole + sw_cells) / t_whole,
        }
        assert (table.status == 0).mean() > 0.9
    numba.set_num_threads(threads)
    cov = first.coverage()
    report = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}, numba {numba.__version__}",
        "leg": f"{leg.depart:%Y-%m-%d} -> {leg.arrive:%Y-%m-%d} ({leg.tof_days:.0f} days)",
        "abort_days": int(days.size),
        "return_durations": int(durations.size),
        "direct_cells_outbound": int(cells_direct),
        "first_call_s": t_first,
        "coverage": {k: {"fraction": v["fraction"], "longest_gap_days": v["longest_gap_days"]} for k, v in cov.items()},
        "results": results,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"machine: {report['machine']}")
    print(f"leg: {report['leg']}, {report['abort_days']} abort days x {report['return_durations']} return "
          f"durations = {cells_direct:,} direct cells")
    print(f"first analysis in this process: {t_first:.2f} s")
    for label, r in results.items():
        print(f"{label:>10}: direct table {r['direct_table_s'] * 1e3:7.1f} ms "
              f"({r['direct_cells_per_s'] / 1e6:.2f} M cells/s); whole analysis {r['whole_analysis_s'] * 1e3:7.1f} ms "
              f"({r['whole_direct_cells']:,} direct cells + {r['swingby_combinations']:,} swing-by combinations "
              f"on {r['swingby_days']} days: {r['whole_cells_per_s'] / 1e6:.1f} M cells/s)")
    for k, v in report["coverage"].items():
        print(f"coverage {k}: {100 * v['fraction']:.0f} %, longest gap {v['longest_gap_days']:g} d")
    return 0


if __name__ == "__main__":
    sys.exit(main())
