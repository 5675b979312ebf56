"""Trade studies on Dask: speed-up from 1 to 2 workers, and memory that does not grow with the sweep.

What is measured
----------------
* speed-up: ``examples/trade-2026-2050.toml`` (12 opportunities x 2 vehicles =
  24 round-trip tiles, each a 4-day-grid search refined below the step, and a
  20 000-sample Monte Carlo of its outbound leg) on a LocalCluster of 1, then 2,
  single-threaded worker processes. The opportunities are planned once,
  beforehand, so every run times the same thing: starting the cluster, then
  computing and storing every tile. In the first pair of runs each worker's
  first tile includes loading the compiled kernels from numba's on-disk cache;
  in the second pair every worker has computed one tile before the clock starts.
* memory: a porkchop sweep (``[porkchop]``, Earth -> Mars, launch 2026-06-01 to
  2027-06-01, arrival 2026-12-01 to 2028-12-01) at two steps, giving about 10^7
  and about 10^8 cells, cut into tiles of 2 x 10^6 cells and written to Zarr by
  a 2-worker LocalCluster. psutil samples the resident memory (RSS) of the
  client process and of every worker process every 0.1 s; the peaks are
  reported. For scale, the same 10^7-cell grid is also computed in one process
  by ``sojourn.transfer.porkchop.porkchop`` (in a subprocess), and its peak RSS
  reported.

Run ``python benchmarks/trade.py [--json] [--skip-speedup] [--skip-memory]``.
Progress goes to stderr; results to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import log

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "trade-2026-2050.toml"
LAUNCH = "2026-06-01:2027-06-01"
ARRIVE = "2026-12-01:2028-12-01"
TILE_CELLS = 2_000_000


class RssSampler:
    """Peak RSS (bytes) of this process and of a set of other processes, sampled every ``dt`` s."""

    def __init__(self, pids: dict, dt: float = 0.1):
        import psutil

        self.procs = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.procs["client"] = psutil.Process(os.getpid())
        self.peak = {name: 0 for name in self.procs}
        self.peak_total = 0
        self.dt = dt
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            total = 0
            for name, p in self.procs.items():
                try:
                    rss = p.memory_info().rss
                except Exception:  # a worker restarting
                    continue
                self.peak[name] = max(self.peak[name], rss)
                total += rss
            self.peak_total = max(self.peak_total, total)
            self._stop.wait(self.dt)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def speedup() -> dict:
    from sojourn.ephemeris import load_ephemeris
    from sojourn.trades.run import dask_client, run_study
    from sojourn.trades.store import TradeStore
    from sojourn.trades.study import load_study
    from sojourn.trades.tiles import compute_tile, plan_opportunities, plan_tiles

    study = load_study(EXAMPLE)
    eph = load_ephemeris()
    fp = study.fingerprint(eph.name)
    t = time.perf_counter()
    opps = plan_opportunities(study, eph)
    plan_s = time.perf_counter() - t
    log(f"planned {len(opps)} opportunities in {plan_s:.1f} s")
    warm_tile = plan_tiles(study, opps[-1:])[0]
    out = {"study": str(EXAMPLE.relative_to(ROOT)), "plan_opportunities_s": plan_s, "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        for warm in (False, True):
            for n in (1, 2):
                store = Path(tmp) / f"w{n}-{warm}.trade"
                TradeStore.create(store, fp, study.name, opps)
                t0 = time.perf_counter()
                with dask_client(workers=n) as client:
                    t1 = time.perf_counter()
                    if warm:  # every worker computes one tile first: kernels loaded, caches filled
                        client.run(compute_tile, warm_tile)
                    t2 = time.perf_counter()
                    report = run_study(study, store, client=client)
                    t3 = time.perf_counter()
                run = {"workers": n, "warm": warm, "tiles": report.computed, "cluster_start_s": t1 - t0,
                       "tiles_s": t3 - t2, "total_s": t3 - t0 - (t2 - t1)}
                log(f"{n} worker(s){' (warm)' if warm else ''}: cluster {run['cluster_start_s']:.1f} s, "
                    f"{report.computed} tiles {run['tiles_s']:.1f} s")
                out["runs"].append(run)
        a, b, c, d = out["runs"]
        out["speedup_tiles"] = a["tiles_s"] / b["tiles_s"]
        out["speedup_total"] = a["total_s"] / b["total_s"]
        out["speedup_warm"] = c["tiles_s"] / d["tiles_s"]
        rows = [TradeStore(p, {}).rows() for p in sorted(Path(tmp).glob("w*.trade"))]
        out["identical_results"] = all(r == rows[0] for r in rows)
    return out


def _study_file(directory: Path, step: float) -> Path:
    path = directory / f"pc-{step}.toml"
    path.write_text(
        "[study]\n"
        f'name = "porkchop sweep, step {step} d"\n'
        f'scenario = "{(ROOT / "examples" / "dra5-conjunction.toml").as_posix()}"\n'
        "[porkchop]\n"
        f'launch = "{LAUNCH}"\narrive = "{ARRIVE}"\nstep_days = {step}\ntile_cells = {TILE_CELLS}\n'
    )
    return path


def memory(cells_list=(1e7, 1e8)) -> dict:
    from sojourn.trades.run import dask_client, run_study
    from sojourn.trades.study import load_study
    from sojourn.trades.tiles import porkchop_grid

    out = {"launch": LAUNCH, "arrive": ARRIVE, "tile_cells": TILE_CELLS, "workers": 2, "runs": []}
    with tempfile.TemporaryDirectory(dir=ROOT) as tmp:
        tmp = Path(tmp)
        with dask_client(workers=2) as client:
            pids = {f"worker{i}": pid for i, (_, pid) in enumerate(sorted(client.run(os.getpid).items()))}
            for cells in cells_list:
                # launch 365 d, arrival 731 d: (365/s + 1)(731/s + 1) cells
                step = round((365.0 * 731.0 / cells) ** 0.5, 5)
                study = load_study(_study_file(tmp, step))
                grid = porkchop_grid(study)
                n_cells = grid.shape[0] * grid.shape[1]
                store = tmp / f"pc-{step}.trade"
                log(f"porkchop sweep: {grid.shape[0]} x {grid.shape[1]} = {n_cells:,} cells, step {step} d")
                with RssSampler(pids) as rss:
                    t = time.perf_counter()
                    report = run_study(study, store, client=client)
                    wall = time.perf_counter() - t
                size = sum(p.stat().st_size for p in store.rglob("*") if p.is_file())
                run = {"cells": n_cells, "shape": list(grid.shape), "step_days": step, "tiles": report.computed,
                       "wall_s": wall, "cells_per_s": n_cells / wall, "store_bytes": size,
                       "peak_rss_client": rss.peak["client"],
                       "peak_rss_worker_max": max(v for k, v in rss.peak.items() if k.startswith("worker")),
                       "peak_rss_total": rss.peak_total}
                log(f"  {wall:.1f} s, {n_cells / wall / 1e6:.2f} M cells/s; peak RSS client "
                    f"{run['peak_rss_client'] / 2**20:.0f} MiB, worker {run['peak_rss_worker_max'] / 2**20:.0f} MiB, "
                    f"all {run['peak_rss_total'] / 2**20:.0f} MiB; store {size / 2**20:.0f} MiB")
                out["runs"].append(run)
                shutil.rmtree(store)
    # for scale: the 10^7-cell grid in one process, all in memory
    step = out["runs"][0]["step_days"]
    code = ("import resource, sojourn.transfer.porkchop as p;"
            f"ds = p.porkchop('earth', 'mars', '{LAUNCH}', '{ARRIVE}', {step});"
            "print(ds.status.size, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    n, peak = (int(x) for x in proc.stdout.split())
    out["in_memory_porkchop"] = {"cells": n, "peak_rss": peak}
    log(f"porkchop() in one process, {n:,} cells: peak RSS {peak / 2**20:.0f} MiB")
    return out


def machine() -> dict:
    import dask
    import distributed
    import numba
    import numpy
    import zarr

    return {"python": platform.python_version(), "cores": os.cpu_count(), "numpy": numpy.__version__,
            "numba": numba.__version__, "dask": dask.__version__, "distributed": distributed.__version__,
            "zarr": zarr.__version__, "platform": platform.platform()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON document")
    ap.add_argument("--skip-speedup", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    args = ap.parse_args()
    result = {"machine": machine()}
    if not args.skip_speedup:
        result["speedup"] = speedup()
    if not args.skip_memory:
        result["memory"] = memory()
    if args.json:
        print(json.dumps(result, indent=2))
        return
    if "speedup" in result:
        s = result["speedup"]
        print(f"{s['study']}: opportunities planned in {s['plan_opportunities_s']:.1f} s (once)")
        print("| workers | workers warmed up | tiles | cluster start | tiles computed and stored | total |")
        print("| ---: | --- | ---: | ---: | ---: | ---: |")
        for r in s["runs"]:
            print(f"| {r['workers']} | {'yes' if r['warm'] else 'no'} | {r['tiles']} | {r['cluster_start_s']:.1f} s | "
                  f"{r['tiles_s']:.1f} s | {r['total_s']:.1f} s |")
        print(f"speed-up 1 -> 2 workers: {s['speedup_tiles']:.2f}x on the tiles, {s['speedup_total']:.2f}x in all, "
              f"{s['speedup_warm']:.2f}x on warm workers; identical results: {s['identical_results']}")
    if "memory" in result:
        m = result["memory"]
        print("| cells | grid | tiles | wall | cells/s | peak RSS client | peak RSS per worker | peak RSS all | store |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in m["runs"]:
            print(f"| {r['cells']:,} | {r['shape'][0]} x {r['shape'][1]} | {r['tiles']} | {r['wall_s']:.1f} s | "
                  f"{r['cells_per_s'] / 1e6:.2f} M | {r['peak_rss_client'] / 2**20:.0f} MiB | "
                  f"{r['peak_rss_worker_max'] / 2**20:.0f} MiB | {r['peak_rss_total'] / 2**20:.0f} MiB | "
                  f"{r['store_bytes'] / 2**20:.0f} MiB |")
        p = m["in_memory_porkchop"]
        print(f"porkchop() in one process, {p['cells']:,} cells: peak RSS {p['peak_rss'] / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
