"""Dispersion throughput: a million Monte Carlo samples of a leg, and the n-body check.

What is measured
----------------
The Ulysses outbound leg (examples/ulysses.toml as planned: 2033-04-25 ->
2034-01-30, 280 days; the leg is fixed here, no search runs), aimed at a 250 km
periapsis at Mars with the default errors (0.5 % and 0.5 deg 3-sigma on the
departure v-infinity, the same on the correction burn, 10 days after departure):

* dispersions: ``sojourn.contingency.dispersions.run_dispersions`` (the engine
  of ``sj.dispersions``, on a leg made by ``Leg.between``) with ``--samples``
  samples (default 10^6). Per sample: 12 normal deviates, three two-body
  propagations (to the correction, on to arrival, and after the correction),
  one zero-revolution Lambert solve (the correction), two B-plane mappings and
  the corridor test; the samples' xarray Dataset; then the statistics
  (covariance, ellipse, percentiles: ``Dispersions.stats``). Best of
  ``--repeat`` runs on all cores, then once on one thread
  (``numba.set_num_threads(1)``). The parts are timed alone too, on the same
  number of samples: the normal deviates, one ``propagate_batch``, one
  ``lambert_batch``.
* n-body check: ``sojourn.contingency.nbody.check_leg`` (the engine of
  ``sj.verify``) on the same leg (Sun, 8 planets and the Moon, DOP853 at rtol
  1e-12, Newton on the velocity at Earth's sphere of influence), best of
  ``--repeat``.

"first call" is the first run in this process (kernels loaded from numba's
on-disk cache, or compiled). Run ``python benchmarks/dispersions.py [--json]
[--repeat N] [--samples N]``. Progress goes to stderr; results to stdout.
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
LEG = ("earth", "mars", "2033-04-25", "2034-01-30")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import numba
    import numpy as np

    import sojourn as sj
    from sojourn.bodies import GM_SUN
    from sojourn.contingency.dispersions import arrival_target, run_dispersions
    from sojourn.contingency.nbody import check_leg, departure_periapsis_radius
    from sojourn.core.kepler import propagate_batch
    from sojourn.core.lambert import lambert_batch
    from sojourn.mission.plan import Leg
    from sojourn.mission.trajectory import leg_arc

    sc = sj.load_scenario(ROOT / "examples" / "ulysses.toml")
    leg = Leg.between(*LEG)
    target = arrival_target(sc, "outbound")
    n = args.samples
    threads = numba.get_num_threads()

    def disperse(samples, seed):
        res = run_dispersions(leg, target, samples=samples, seed=seed)
        _ = res.stats  # a cached property, computed here: the statistics are part of the run
        return res

    log("first call (1000 samples) ...")
    t = time.perf_counter()
    disperse(1000, 0)
    first = time.perf_counter() - t

    log(f"dispersions, {n:,} samples, {threads} threads ...")
    t_all, res = best_of(lambda: disperse(n, 1), args.repeat)
    stats = res.stats

    # the parts alone
    g = leg_arc(leg)
    rng = np.random.Generator(np.random.PCG64(1))
    t_rng, z = best_of(lambda: rng.standard_normal((n, 12)), args.repeat)
    r0 = np.broadcast_to(g["r1"], (n, 3)) + 100.0 * z[:, :3]
    v0 = np.broadcast_to(g["v1"], (n, 3)) + 1e-3 * z[:, 3:6]
    t_prop, (rc, vc, _) = best_of(lambda: propagate_batch(GM_SUN, r0, v0, 10 * 86400.0), args.repeat)
    r2 = np.broadcast_to(g["r2"], (n, 3))
    t_lam, _ = best_of(lambda: lambert_batch(GM_SUN, rc, r2, g["t2"] - g["t1"] - 10 * 86400.0, reference=g["h"]),
                       args.repeat)

    log("dispersions, one thread ...")
    numba.set_num_threads(1)
    try:
        t_one, _ = best_of(lambda: disperse(n, 1), 1)
    finally:
        numba.set_num_threads(threads)

    log("n-body check ...")
    rp = departure_periapsis_radius(sc, "outbound")
    t = time.perf_counter()
    check = check_leg(leg, target, departure_rp_km=rp)
    nbody_first = time.perf_counter() - t
    t_nbody, check = best_of(lambda: check_leg(leg, target, departure_rp_km=rp), args.repeat)
    nbody = check.to_dict()

    out = {
        "machine": {"python": platform.python_version(), "numba": numba.__version__, "cpus": os.cpu_count(),
                    "threads": threads, "platform": platform.platform(),
                    "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None},
        "dispersions": {
            "samples": n,
            "seconds_all_cores": t_all, "samples_per_s_all_cores": n / t_all,
            "seconds_one_thread": t_one, "samples_per_s_one_thread": n / t_one,
            "first_call_1000_samples_s": first,
            "parts_s": {"normals": t_rng, "propagate_batch": t_prop, "lambert_batch": t_lam},
            "result": {"tcm_p95_ms": stats["tcm"]["p95_ms"], "tcm_p99_ms": stats["tcm"]["p99_ms"],
                       "ellipse_3sigma_km": stats["bplane"]["ellipse_3sigma"],
                       "miss_probability": stats["corridor"]["miss_probability"],
                       "miss_probability_after_tcm": stats["corridor_after_tcm"]["miss_probability"]},
        },
        "nbody_check": {
            "seconds": t_nbody, "first_call_s": nbody_first, "flights": check.flights,
            "iterations": check.iterations,
            "steps_uncorrected": check.uncorrected.steps, "steps_corrected": check.corrected.steps,
            "uncorrected_miss_km": nbody["uncorrected"]["miss_from_aim_km"],
            "corrected_altitude_km": nbody["corrected"]["altitude_km"],
            "dv_correction_ms": nbody["correction"]["dv_ms"],
        },
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    d, nb = out["dispersions"], out["nbody_check"]
    print(f"Dispersions, Ulysses outbound, {n:,} samples (python {out['machine']['python']}, numba "
          f"{out['machine']['numba']}, {out['machine']['cpus']} cpus, load {out['machine']['load_average']})")
    print(f"  all cores ({threads} threads): {d['seconds_all_cores']:.2f} s "
          f"({d['samples_per_s_all_cores']:,.0f} samples/s)")
    print(f"  one thread: {d['seconds_one_thread']:.2f} s ({d['samples_per_s_one_thread']:,.0f} samples/s)")
    print(f"  first call (1000 samples): {d['first_call_1000_samples_s']:.2f} s")
    p = d["parts_s"]
    print(f"  parts on {n:,}: normals {p['normals']:.3f} s, one propagate_batch {p['propagate_batch']:.3f} s, "
          f"one lambert_batch {p['lambert_batch']:.3f} s")
    r = d["result"]
    print(f"  result: TCM 95 % {r['tcm_p95_ms']:.1f} m/s, 99 % {r['tcm_p99_ms']:.1f} m/s; 3σ ellipse "
          f"{r['ellipse_3sigma_km']['semi_major_km']:,.0f} x {r['ellipse_3sigma_km']['semi_minor_km']:,.0f} km; "
          f"corridor missed {100 * r['miss_probability']:.2f} % "
          f"(after TCM {100 * r['miss_probability_after_tcm']:.2f} %)")
    print(f"n-body check: {nb['seconds']:.2f} s ({nb['flights']} flights, {nb['iterations']} iterations, "
          f"{nb['steps_uncorrected']} / {nb['steps_corrected']} DOP853 steps), "
          f"first call {nb['first_call_s']:.2f} s; "
          f"miss {nb['uncorrected_miss_km']:,.0f} km, corrected periapsis {nb['corrected_altitude_km']:.3f} km "
          f"with {nb['dv_correction_ms']:.2f} m/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
