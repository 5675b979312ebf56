"""Low-thrust throughput: optimised legs, leg evaluations beside pykep's, and the porkchop estimate.

What is measured
----------------
pykep's Earth -> Mars Sims-Flanagan tutorial leg (1500 kg, 0.6 N, Isp 3000 s,
rendezvous, launch MJD2000 7451.9929 = 2020-05-26, 350 days), DE421, the Earth
taken as the Earth-Moon barycentre as pykep's JPL low-precision Earth is:

* optimised leg: ``sojourn.transfer.lowthrust.lowthrust_leg`` with 40 segments,
  end to end (SLSQP on the Sims-Flanagan model, then on continuous thrust with
  the exact throttle magnitude, then the DOP853 verification), best of
  ``--repeat`` runs; its SLSQP iterations and final mass are reported;
* one leg evaluation (mismatch + its Jacobian with respect to every throttle,
  both end states and the time of flight), 40 segments:
  ``sojourn.core.lowthrust.leg_mismatch`` for the Sims-Flanagan model and for
  the continuous-thrust model (RK4, the steps the optimiser uses), beside
  pykep 3's ``pykep.leg.sims_flanagan`` (``compute_mismatch_constraints``,
  ``compute_mc_grad``, ``compute_tc_grad``), in its own subprocess (pykep
  3.0.1's wheel can abort at exit in a process that loaded scipy before it);
  best of ``--evals`` calls each;
* the estimate: ``lowthrust_porkchop`` over launch 2020-01-01 .. 2021-02-04
  (401 dates) x 100 .. 350 days of flight (251) at 1-day steps = 100,651 cells,
  end to end (ephemeris, compiled Lambert + MIMA + Edelbaum, the Dataset), on all
  cores and on one thread; beside it pykep's Python-level equivalent, one
  ``lambert_problem`` and one ``mima`` call per cell, on a 5,000-cell sample
  (best of 5 passes), extrapolated.

Run ``python benchmarks/lowthrust.py [--json] [--repeat N]``. Progress goes to
stderr; results to stdout. Timings are best-of-N wall times: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

from _common import best_of, log

LAUNCH_MJD2000 = 7451.99290
TOF_DAYS = 350.0
SEGMENTS = 40
EARTH = "earth-moon-barycenter"
WINDOW = ("2020-01-01", "2021-02-04")
TOFS = (100.0, 350.0)


def _pykep_worker(data: dict, evals: int) -> dict:
    """pykep's SF leg and per-cell MIMA, timed in a fresh interpreter (pykep imported first)."""
    code = f"""
import json, os, sys, time, math
import pykep as pk
import numpy as np
d = json.load(open(sys.argv[1]))
sf = pk.leg.sims_flanagan(rvs=d["rvs"], ms=1500.0, throttles=d["u"], rvf=d["rvf"], mf=1234.0, tof=d["tof"],
                          max_thrust=0.6, veff=3000 * pk.G0, mu=d["mu"], cut=0.6)
best = math.inf
for _ in range({evals}):
    t = time.perf_counter()
    sf.compute_mismatch_constraints(); sf.compute_mc_grad(); sf.compute_tc_grad()
    best = min(best, time.perf_counter() - t)
mc = list(sf.compute_mismatch_constraints())
cells = d["cells"]
mima_s = math.inf
for _ in range(5):
    t = time.perf_counter()
    for r1, v1, r2, v2, tof in cells:
        lp = pk.lambert_problem(r1, r2, tof, d["mu"], False, 0)
        a, b = lp.v0[0], lp.v1[0]
        pk.mima([a[0] - v1[0], a[1] - v1[1], a[2] - v1[2]], [v2[0] - b[0], v2[1] - b[1], v2[2] - b[2]], tof, 0.6,
                3000 * pk.G0)
    mima_s = min(mima_s, time.perf_counter() - t)
print(json.dumps({{"version": pk.__version__, "leg_eval_s": best, "mismatch": mc, "mima_cells": len(cells),
                  "mima_s": mima_s}}))
import sys; sys.stdout.flush(); os._exit(0)
"""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "data.json")
        with open(path, "w") as f:
            json.dump(data, f)
        out = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, cwd=tmp,
                             timeout=1800)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _leg_eval(np, kern, eph, n, evals):
    """Time one mismatch + Jacobian of each model; the inputs for pykep's leg too (SI units)."""
    from sojourn.bodies import GM_SUN

    t0 = (LAUNCH_MJD2000 - 0.5) * 86400.0
    tof = TOF_DAYS * 86400.0
    r0, v0 = eph.state(EARTH, t0)
    rf, vf = eph.state("mars", t0 + tof)
    u = np.random.default_rng(0).uniform(-0.5, 0.5, (n, 3))
    xs = np.concatenate([r0, v0, [1500.0]])
    xf = np.concatenate([rf, vf, [1234.0]])
    mc, jac = np.empty(7), np.empty((7, 15 + 3 * n))
    out = {}
    steps = 6  # what the optimiser picks for 40 segments of 8.75 days at 1 AU (0.015 rad per step)
    for label, model in (("sims_flanagan", kern.MODEL_SF), ("continuous", kern.MODEL_HF)):
        args = (model, GM_SUN, xs, xf, u, tof, int(round(0.6 * n)), 0.6e-3, kern.LAW_CONSTANT, 1.0,
                3000 * 9.80665e-3, 1e-9, steps, mc, jac)
        kern.leg_mismatch(*args)
        best, _ = best_of(lambda: kern.leg_mismatch(*args), evals)
        out[label] = best
    km = 1000.0
    data = {"rvs": [list(r0 * km), list(v0 * km)], "rvf": [list(rf * km), list(vf * km)], "u": u.ravel().tolist(),
            "tof": tof, "mu": GM_SUN * km ** 3}
    kern.leg_mismatch(kern.MODEL_SF, GM_SUN, xs, xf, u, tof, int(round(0.6 * n)), 0.6e-3, 0, 1.0, 3000 * 9.80665e-3,
                      1e-200, 1, mc, jac)
    return out, data, mc * np.array([km] * 6 + [1.0])


def _estimate_kernel(np, kern, eph, ds, repeat, numba, threads):
    """``mima_grid`` alone on precomputed states (the grid's cells): all threads, then one."""
    from sojourn.bodies import AU_KM, GM_SUN

    t1 = ds.t_launch.values
    t2 = t1[:, None] + ds.tof_days.values[None, :] * 86400.0
    r1, v1 = eph.state(EARTH, t1)
    r2, v2 = eph.state("mars", t2)
    args = (GM_SUN, r1, v1, r2, v2, t2 - t1[:, None])
    kw = dict(m0=1500.0, tmax=0.6e-3, ve=3000 * 9.80665e-3, law=kern.LAW_CONSTANT, r_ref=AU_KM)
    kern.mima_grid(*args, **kw)
    best, _ = best_of(lambda: kern.mima_grid(*args, **kw), max(5, repeat))
    numba.set_num_threads(1)
    best1, _ = best_of(lambda: kern.mima_grid(*args, **kw), max(5, repeat))
    numba.set_num_threads(threads)
    return best, best1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="optimised legs and estimate grids timed (best kept)")
    parser.add_argument("--evals", type=int, default=2000, help="leg evaluations timed (best kept)")
    parser.add_argument("--no-compare", action="store_true", help="sojourn only")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import numba
    import numpy as np

    from sojourn.core import lowthrust as kern
    from sojourn.ephemeris import load_ephemeris
    from sojourn.transfer.lowthrust import lowthrust_leg, lowthrust_porkchop

    eph = load_ephemeris()
    kw = dict(mass_kg=1500.0, thrust_n=0.6, isp_s=3000.0, ephemeris=eph)
    t0 = (LAUNCH_MJD2000 - 0.5) * 86400.0
    log("first optimised leg (loads or compiles the kernels) ...")
    t = time.perf_counter()
    lowthrust_leg(EARTH, "mars", t0, TOF_DAYS, segments=SEGMENTS, **kw)
    first = time.perf_counter() - t
    import sojourn.transfer._lowthrust_nlp as nlp

    iterations = []
    solve = nlp.Problem.solve

    def counting(self, *a, **k):
        out = solve(self, *a, **k)
        iterations.append(self.nit)
        return out

    nlp.Problem.solve = counting
    log(f"optimised {SEGMENTS}-segment legs, best of {args.repeat} ...")
    leg_s, leg = best_of(lambda: lowthrust_leg(EARTH, "mars", t0, TOF_DAYS, segments=SEGMENTS, **kw), args.repeat)
    nlp.Problem.solve = solve
    nit = iterations[-len(iterations) // args.repeat:]
    log("leg evaluations ...")
    evals, data, mc = _leg_eval(np, kern, eph, SEGMENTS, args.evals)
    log("estimate grid ...")
    grid = lambda: lowthrust_porkchop(EARTH, "mars", WINDOW, TOFS, step_days=1.0, **kw)  # noqa: E731
    ds = grid()
    cells = int(ds.final_mass_kg.size)
    threads = numba.get_num_threads()
    est_s, _ = best_of(grid, args.repeat)
    numba.set_num_threads(1)
    est1_s, _ = best_of(grid, args.repeat)
    numba.set_num_threads(threads)
    kern_s, kern1_s = _estimate_kernel(np, kern, eph, ds, args.repeat, numba, threads)
    pykep = None
    if not args.no_compare:
        log("pykep (subprocess) ...")
        rng = np.random.default_rng(0)
        i = rng.integers(0, ds.sizes["launch"], 5000)
        j = rng.integers(0, ds.sizes["tof_days"], 5000)
        tl = ds.t_launch.values[i]
        ta = tl + ds.tof_days.values[j] * 86400.0
        r1, v1 = eph.state(EARTH, tl)
        r2, v2 = eph.state("mars", ta)
        km = 1000.0
        data["cells"] = [[list(a * km), list(b * km), list(c * km), list(d * km), float(e)] for a, b, c, d, e in
                         zip(r1, v1, r2, v2, ta - tl)]
        pykep = _pykep_worker(data, args.evals)
        if "mismatch" in pykep:
            pykep["mismatch_max_rel_diff"] = float(np.max(np.abs(np.array(pykep["mismatch"]) - mc)
                                                          / np.abs(np.array(pykep["mismatch"]))))
            pykep.pop("mismatch")
    report = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}, numba {numba.__version__} ({threads} threads), "
                   f"load average {os.getloadavg()[0]:.1f}",
        "leg": {"segments": SEGMENTS, "first_s": first, "best_s": leg_s, "slsqp_iterations": nit,
                "final_mass_kg": leg.final_mass_kg, "landing_error_km": leg.landing_error_km,
                "landing_error_ms": leg.landing_error_ms},
        "leg_evaluation_s": evals,
        "estimate": {"cells": cells, "best_s": est_s, "cells_per_s": cells / est_s, "one_thread_s": est1_s,
                     "one_thread_cells_per_s": cells / est1_s, "kernel_s": kern_s, "kernel_cells_per_s": cells / kern_s,
                     "kernel_one_thread_cells_per_s": cells / kern1_s},
        "pykep": pykep,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    _print(report)
    return 0


def _print(r: dict) -> None:
    leg, ev, est, pk = r["leg"], r["leg_evaluation_s"], r["estimate"], r["pykep"]
    print(f"machine: {r['machine']}")
    print(f"optimised {leg['segments']}-segment Earth -> Mars leg: {leg['best_s']:.2f} s "
          f"(first {leg['first_s']:.2f} s);"
          f" SLSQP iterations per stage {leg['slsqp_iterations']}; {leg['final_mass_kg']:.2f} kg; lands "
          f"{leg['landing_error_km']:.2f} km, {leg['landing_error_ms']:.2g} m/s from Mars")
    print(f"leg evaluation (mismatch + Jacobian), {leg['segments']} segments: Sims-Flanagan "
          f"{ev['sims_flanagan'] * 1e6:.1f} us, continuous thrust {ev['continuous'] * 1e6:.1f} us")
    print(f"estimate: {est['cells']:,} cells in {est['best_s']:.3f} s = {est['cells_per_s']:,.0f} cells/s "
          f"({est['one_thread_cells_per_s']:,.0f} on one thread); kernel alone {est['kernel_cells_per_s']:,.0f} "
          f"cells/s ({est['kernel_one_thread_cells_per_s']:,.0f} on one thread)")
    if pk and "error" not in pk:
        print(f"pykep {pk['version']} leg.sims_flanagan (mismatch + mc_grad + tc_grad): "
              f"{pk['leg_eval_s'] * 1e6:.1f} us;"
              f" its mismatch vs ours: {pk['mismatch_max_rel_diff']:.1e} relative")
        print(f"pykep per-cell lambert_problem + mima: {pk['mima_cells'] / pk['mima_s']:,.0f} cells/s "
              f"({pk['mima_cells']:,}-cell sample)")
    elif pk:
        print(f"pykep: {pk['error']}")


if __name__ == "__main__":
    sys.exit(main())
