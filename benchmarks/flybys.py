"""Missions and free returns through a Venus flyby: how long do they take?

What is measured
----------------
- ``venus-survey``: ``sojourn.survey`` on ``examples/opposition-venus.toml``
  without its vessel (sized for 2033; opposition class, 30-60 days at Mars,
  home by way of Venus, Earth entry at most 13 km/s, under 730 days in all)
  over every opportunity whose launch
  period opens in 2030-2050, at the scenario's 2-day step. Per opportunity:
  the outbound porkchop grid reduced per Mars arrival date, the return's
  Mars-Venus-Earth sequence grid (Lambert arcs on one lattice, the compiled
  join over powered flybys) reduced per Mars departure date, the join on the
  stay, and SLSQP on every epoch of the best round trip.
- ``free-return-via-venus``: ``sojourn.free_returns`` with ``via="venus"`` over
  a four-month launch window (2021-09-01 to 2021-12-31, trips of at most 600
  days): both sequences (Earth-Venus-Mars-Earth and Earth-Mars-Venus-Earth) on
  a 1-day lattice, each launch date's cheapest near-ballistic chain refined by
  SLSQP into a ballistic one.

Each case is timed ``--repeat`` times after a first call (which loads the
compiled kernels from numba's cache); the best wall time is kept, and the
process CPU time of that run beside it (on a shared machine the CPU time is
the steadier figure: waiting for a core does not inflate it).

Run ``python benchmarks/flybys.py [--json] [--repeat N] [--only NAME]``.
Progress goes to stderr; results to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from _common import log

ROOT = Path(__file__).resolve().parent.parent


def _timed(fn, repeat: int) -> dict:
    """First call, then the best of ``repeat`` runs (wall and CPU seconds of that run) and its result."""
    t = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t
    runs = []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        runs.append((time.perf_counter() - w, time.process_time() - c))
        log(f"  run {runs[-1][0]:.2f} s wall, {runs[-1][1]:.2f} s CPU")
    best = min(runs) if runs else (first, float("nan"))
    return {"first_call_s": first, "best_wall_s": best[0], "cpu_s_of_best": best[1],
            "runs_wall_s": [r[0] for r in runs]}, out


def venus_survey(repeat: int) -> dict:
    import sojourn as sj

    data = sj.load_scenario(ROOT / "examples" / "opposition-venus.toml").to_dict()
    data.pop("vessel")  # sized for 2033: without it, each opportunity's best trajectory
    scenario = sj.Scenario.from_dict(data, source="opposition-venus.toml (no vessel)")
    log("venus-survey: opposition-venus.toml without its vessel, opportunities opening 2030-2050")
    timing, survey = _timed(lambda: sj.survey(scenario, 2030, 2050), repeat)
    rows = []
    for r in survey.rows:
        d = r.to_dict()
        rows.append({k: d.get(k) for k in ("opportunity", "feasible", "binding_constraint", "launch",
                                            "total_days", "stay_days", "total_dv_kms", "earth_entry_speed_kms")}
                    | {"flybys": [(f["body"], f["date"], round(f["altitude_km"])) for f in d.get("flybys", [])]})
    return {"case": "venus-survey", **timing, "opportunities": len(rows),
            "feasible": sum(bool(r["feasible"]) for r in rows), "rows": rows}


def free_return_via_venus(repeat: int) -> dict:
    import numpy as np

    import sojourn as sj

    log("free-return-via-venus: launches 2021-09-01 to 2021-12-31, at most 600 days")
    timing, fr = _timed(lambda: sj.free_returns("2021-09-01:2021-12-31", max_days=600, via="venus"), repeat)
    best = fr.records[0] if fr.records else None
    return {"case": "free-return-via-venus", **timing, "records": len(fr.records), "grid_arcs": fr.grid_arcs,
            "flyby_pairs": fr.combinations, "chains_refined": fr.candidates,
            "best": None if best is None else {
                "sequence": "-".join(best.sequence), "launch": best.to_dict()["launch"],
                "launch_vinf_kms": float(np.sqrt(best.c3)), "total_days": best.total_days,
                "earth_return_vinf_kms": best.vinf_earth_return}}


CASES = {"venus-survey": venus_survey, "free-return-via-venus": free_return_via_venus}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--only", choices=sorted(CASES))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import numba

    results = [CASES[name](args.repeat) for name in CASES if args.only in (None, name)]
    env = {"threads": numba.get_num_threads(), "cpus": os.cpu_count(), "python": platform.python_version(),
           "load_average": os.getloadavg()}
    if args.json:
        print(json.dumps({"results": results, "environment": env}, indent=2, default=str))
        return 0
    print("| case | first call | best wall | CPU of that run | size |")
    print("| --- | ---: | ---: | ---: | --- |")
    for r in results:
        size = (f"{r['opportunities']} opportunities, {r['feasible']} feasible" if r["case"] == "venus-survey"
                else f"{r['records']} free returns, {r['grid_arcs']:,} arcs, {r['chains_refined']} chains refined")
        print(f"| {r['case']} | {r['first_call_s']:.1f} s | {r['best_wall_s']:.1f} s | {r['cpu_s_of_best']:.1f} s "
              f"| {size} |")
    for r in results:
        if r["case"] == "venus-survey":
            for row in r["rows"]:
                print(row)
        else:
            print(r["best"])
    print(f"environment: {env}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
