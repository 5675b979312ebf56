"""``sojourn serve`` under load: 50 clients mixing porkchop and plan requests for about a minute.

Starts ``sojourn serve`` on a free loopback port (a subprocess, as a user would),
then runs ``--clients`` concurrent clients for ``--seconds``. Each client loops:
a porkchop summary (``GET /api/porkchop``, random windows, so most are new work)
or a plan (``POST /api/plan``, one of the shipped examples at one of two steps,
so many are answered from the cache), chosen at random (``--plan-share``). A
``503`` must carry ``Retry-After``; the client then waits that long. Meanwhile a
probe asks ``/api/health`` every 0.25 s, which must answer within 100 ms
throughout: the event loop never computes.

Every request must be answered: 200 (or 422 for a window the ephemeris or the
physics refuses), or 503 with ``Retry-After``; a request with no answer (a
connection error, a timeout) counts as dropped. The run is bounded in requests
and time and stops by itself; it talks to 127.0.0.1 only.

Usage::

    python benchmarks/serve.py                 # 50 clients, 60 s
    python benchmarks/serve.py --json > serve.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import log  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ("ulysses", "dra5-conjunction", "opposition-venus", "opposition-short-stay")  # us-fast.toml is a rival for the race, not a round trip


def start_server(workers: int, queue: int) -> tuple[subprocess.Popen, str]:
    """``sojourn serve --port 0``; returns the process and its address once it prints it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "sojourn", "serve", "--port", "0", "--workers", str(workers),
                             "--queue", str(queue)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)
    end = time.time() + 300
    while time.time() < end:
        line = proc.stdout.readline()
        m = re.search(r"(http://127\.0\.0\.1:\d+)/", line or "")
        if m:
            return proc, m.group(1)
        if proc.poll() is not None:
            raise SystemExit(f"sojourn serve exited: {proc.stderr.read()}")
    proc.kill()
    raise SystemExit("sojourn serve did not start in 300 s")


def porkchop_request(rng: random.Random) -> tuple[str, dict]:
    start = np.datetime64("2026-01-01") + np.timedelta64(rng.randrange(0, 3000), "D")
    launch = f"{start}:{start + np.timedelta64(60, 'D')}"
    first = start + np.timedelta64(150, "D")
    arrive = f"{first}:{first + np.timedelta64(200, 'D')}"
    return "porkchop", {"method": "GET", "url": "/api/porkchop",
                        "params": {"from": "earth", "to": "mars", "launch": launch, "arrive": arrive, "step": 1}}


def plan_request(rng: random.Random, texts: dict) -> tuple[str, dict]:
    name = rng.choice(EXAMPLES)
    return "plan", {"method": "POST", "url": "/api/plan", "params": {"step": rng.choice((1, 2))},
                    "content": texts[name], "headers": {"content-type": "application/toml"}}


async def client(http, rng, texts, share, deadline, results) -> None:
    while time.perf_counter() < deadline:
        kind, req = plan_request(rng, texts) if rng.random() < share else porkchop_request(rng)
        t = time.perf_counter()
        try:
            r = await http.request(**req)
        except Exception as exc:  # noqa: BLE001 - a request with no answer is what this counts
            results.append({"kind": kind, "status": None, "s": time.perf_counter() - t, "error": repr(exc)})
            continue
        took = time.perf_counter() - t
        retry = r.headers.get("retry-after")
        results.append({"kind": kind, "status": r.status_code, "s": took, "retry_after": retry})
        if r.status_code == 503 and retry:
            await asyncio.sleep(float(retry))


def probe(base: str, seconds: float, queue) -> None:
    """``/api/health`` every 0.25 s, from its own process (the clients' event loop must not delay it)."""
    import httpx

    out = []
    deadline = time.perf_counter() + seconds
    with httpx.Client(base_url=base, timeout=30) as http:
        while time.perf_counter() < deadline:
            t = time.perf_counter()
            try:
                r = http.get("/api/health")
                out.append((time.perf_counter() - t, r.status_code))
            except Exception:  # noqa: BLE001
                out.append((float("inf"), None))
            time.sleep(0.25)
    queue.put(out)


async def run(base: str, clients: int, seconds: float, share: float, seed: int) -> dict:
    import httpx

    import multiprocessing as mp

    texts = {n: (ROOT / "examples" / f"{n}.toml").read_text(encoding="utf-8") for n in EXAMPLES}
    results = []
    limits = httpx.Limits(max_connections=clients + 5, max_keepalive_connections=clients + 5)
    box = mp.Queue()
    prober = mp.Process(target=probe, args=(base, seconds + 5, box))
    prober.start()
    async with httpx.AsyncClient(base_url=base, timeout=600, limits=limits) as http:
        t0 = time.perf_counter()
        deadline = t0 + seconds
        tasks = [client(http, random.Random(seed + i), texts, share, deadline, results) for i in range(clients)]
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - t0
        lag = (await http.get("/api/health")).json()["loop_lag_ms_max"]
    health = box.get(timeout=120)
    prober.join(timeout=30)
    out = summarise(results, health, wall, clients)
    out["health"]["server_loop_lag_ms_max_last_minute"] = lag
    return out


def _pct(values, q):
    return float(np.percentile(values, q)) if values else None


def summarise(results, health, wall, clients) -> dict:
    out = {"clients": clients, "wall_s": round(wall, 1), "requests": len(results),
           "dropped": sum(r["status"] is None for r in results),
           "by_status": {}, "503_without_retry_after": sum(r["status"] == 503 and not r["retry_after"]
                                                           for r in results)}
    for r in results:
        out["by_status"][str(r["status"])] = out["by_status"].get(str(r["status"]), 0) + 1
    for kind in ("porkchop", "plan"):
        ok = [r["s"] for r in results if r["kind"] == kind and r["status"] == 200]
        out[kind] = {"requests": sum(r["kind"] == kind for r in results), "ok": len(ok),
                     "p50_s": _pct(ok, 50), "p95_s": _pct(ok, 95), "max_s": max(ok) if ok else None}
    lat = [h[0] for h in health]
    out["health"] = {"probes": len(lat), "p50_ms": 1000 * _pct(lat, 50), "p99_ms": 1000 * _pct(lat, 99),
                     "max_ms": 1000 * max(lat), "over_100ms": sum(x > 0.1 for x in lat),
                     "not_200": sum(h[1] != 200 for h in health)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--plan-share", type=float, default=0.3, help="share of requests that are plans")
    ap.add_argument("--workers", type=int, default=None, help="worker processes (default: the server's own)")
    ap.add_argument("--queue", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.workers is None:
        from sojourn.web.jobs import default_workers

        args.workers = default_workers()
    log(f"starting sojourn serve ({args.workers} workers, queue {args.queue}) …")
    proc, base = start_server(args.workers, args.queue)
    try:
        log(f"{base}: {args.clients} clients for {args.seconds:g} s …")
        out = asyncio.run(run(base, args.clients, args.seconds, args.plan_share, args.seed))
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    out.update(workers=args.workers, queue=args.queue, cpus=os.cpu_count(),
               load_avg=[round(x, 1) for x in os.getloadavg()])
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"{out['requests']} requests in {out['wall_s']} s from {out['clients']} clients; dropped {out['dropped']}; "
          f"by status {out['by_status']}; 503 without Retry-After: {out['503_without_retry_after']}")
    for kind in ("porkchop", "plan"):
        k = out[kind]
        fmt = lambda x: "—" if x is None else f"{x:.2f} s"  # noqa: E731
        print(f"{kind:9s} {k['requests']:5d} requests, {k['ok']:5d} answered 200: p50 {fmt(k['p50_s'])}, "
              f"p95 {fmt(k['p95_s'])}, max {fmt(k['max_s'])}")
    h = out["health"]
    print(f"/api/health {h['probes']} probes: p50 {h['p50_ms']:.1f} ms, p99 {h['p99_ms']:.1f} ms, "
          f"max {h['max_ms']:.1f} ms, over 100 ms: {h['over_100ms']}, not 200: {h['not_200']}; the server's "
          f"event loop woke at most {h['server_loop_lag_ms_max_last_minute']:.1f} ms late in the last minute")
    print(f"machine: {out['cpus']} cores, load average {out['load_avg']} (shared with other work)")


if __name__ == "__main__":
    main()
