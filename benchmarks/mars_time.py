"""Mars time throughput: a million instants, from UTC or from TDB, and the parts of the work.

What is measured
----------------
10⁶ instants 37 s apart (2030-01-01 onwards, about 1.2 years), at east
longitude 77.45 (Jezero):

* end to end from UTC: ``sojourn.marstime.mars_time(datetime64 array)``, which
  returns an xarray Dataset (UTC → TT by the leap-second table, Mars24, the
  Dataset with its ``t_tdb`` coordinate);
* the array core from TDB: ``mars_time_tdb(t_tdb)`` (TDB → TT by the short
  series, Mars24), the call mission code makes;
* its parts: ``datetime64_to_tt`` alone, and the Mars24 steps alone on TT;
* for scale, the conversion UTC → TDB with the full Fairhead & Bretagnon series
  (``datetime64_to_tdb``, erfa), which the Mars time path avoids;
* for scale, one call per instant: ``mars_time(datetime)`` on 2 000 instants,
  extrapolated to 10⁶ (how a loop over a scalar Mars24 implementation runs).

Each is the best of ``--repeat`` runs (default 7; the machine is shared, so the
least time is the one least disturbed). Everything is numpy: one thread.

Run ``python benchmarks/mars_time.py [--json] [--repeat N] [--n N]``. Progress
goes to stderr; results to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys

from _common import best_of, log


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import numpy as np

    from sojourn.marstime import _mars24, mars_time, mars_time_tdb
    from sojourn.time import datetime64_to_tdb, datetime64_to_tt

    lon = 77.45
    utc = np.datetime64("2030-01-01T00:00:00", "ms") + np.arange(args.n).astype("timedelta64[s]") * 37
    tdb = datetime64_to_tdb(utc[:1]) + np.arange(args.n) * 37.0
    tt = datetime64_to_tt(utc)
    cases = [
        ("mars_time(datetime64 array) -> Dataset", lambda: mars_time(utc, lon)),
        ("mars_time_tdb(TDB array) -> arrays", lambda: mars_time_tdb(tdb, lon)),
        ("  of which datetime64_to_tt (UTC -> TT)", lambda: datetime64_to_tt(utc)),
        ("  of which Mars24 steps on TT", lambda: _mars24(tt, lon)),
        ("datetime64_to_tdb (full TDB series, for scale)", lambda: datetime64_to_tdb(utc)),
    ]
    rows = []
    for label, fn in cases:
        repeat = 1 if "scale" in label else args.repeat
        seconds, _ = best_of(fn, repeat)
        rows.append({"case": label.strip(), "instants": args.n, "seconds": seconds, "repeat": repeat,
                     "instants_per_s": args.n / seconds})
        log(f"{label.strip()}: {seconds:.3f} s")
    sample = [x.item() for x in utc[:2000]]
    per_call, _ = best_of(lambda: [mars_time(x, lon) for x in sample], 3)
    rows.append({"case": "mars_time(datetime) one call per instant, extrapolated", "instants": args.n,
                 "seconds": per_call / len(sample) * args.n, "repeat": 3,
                 "instants_per_s": len(sample) / per_call})
    log(f"per call: {per_call / len(sample) * 1e6:.1f} us an instant")
    report = {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(),
              "cpus": os.cpu_count(), "load_average": os.getloadavg()[0], "rows": rows}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{'what':<56} {'time':>9} {'instants/s':>13}")
    for r in rows:
        print(f"{r['case']:<56} {r['seconds']:>7.3f} s {r['instants_per_s']:>13,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
