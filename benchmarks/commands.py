"""What a user waits for: whole commands, from the shell prompt back to the prompt.

What is measured
----------------
Each command runs as a user runs it, in a new process: the ``sojourn`` entry
point next to this Python (``python -m sojourn`` if there is none), with this
checkout's ``src`` first on ``PYTHONPATH`` so that the code timed is the code
here. Wall time from start to exit, output to a pipe:

- ``import sojourn`` (``python -c "import sojourn"``) and ``sojourn --help``;
- ``sojourn plan examples/ulysses.toml``;
- ``sojourn survey --mission examples/dra5-conjunction.toml --start 2026 --end 2050``;
- ``sojourn windows --from emb --to mars --start 2026 --end 2052``.

**warm**: numba's on-disk cache (the ``__pycache__`` folders beside the
sources) already holds every kernel; one untimed run first, then ``--repeat``
timed runs, best and median, and the least CPU time (user + system, every
thread) of those runs, which other work on a shared machine disturbs less
than the wall time. **compiles**: one more warm run through a wrapper
(``python -c``, running the program with :mod:`runpy`) that counts calls of
numba's compiler (``numba.core.compiler.compile_extra``, which a kernel loaded
from the cache never reaches) and notes which heavy modules the command
imported; a warm run should compile nothing. **cold** (for reference;
``--no-cold`` skips it): one run through the same wrapper with
``NUMBA_CACHE_DIR`` pointing at a new empty folder, so that every kernel the
command uses is compiled, and counted (which shows the count works).

The script reports against the targets of issue 16 and exits 0 whatever it
finds: it reports, it doesn't judge.

Run ``python benchmarks/commands.py [--json] [--repeat N] [--no-cold] [--only NAME ...]``.
Progress goes to stderr; results to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import log

ROOT = Path(__file__).resolve().parent.parent

#: name -> (arguments after the program, target seconds, runs the sojourn program or only imports)
COMMANDS = {
    "import": (["-c", "import sojourn"], 0.3, False),
    "help": (["--help"], 0.3, True),
    "plan": (["plan", "examples/ulysses.toml"], 1.0, True),
    "survey": (["survey", "--mission", "examples/dra5-conjunction.toml", "--start", "2026", "--end", "2050"],
               3.0, True),
    "windows": (["windows", "--from", "emb", "--to", "mars", "--start", "2026", "--end", "2052"], 3.0, True),
}

HEAVY = ("numba", "scipy", "xarray", "pandas", "matplotlib", "jplephem", "dask")

#: Run in place of the program for the compile count: numba's compiler wrapped, the heavy modules listed at exit.
_WRAPPER = """
import atexit, importlib.abc, importlib.machinery, sys
compiled = []
def _report():
    heavy = [m for m in {heavy!r} if m in sys.modules]
    sys.stderr.write("@@bench " + repr((compiled, heavy)) + "\\n")
atexit.register(_report)

class _Hook(importlib.abc.MetaPathFinder):  # wraps numba's compiler when the command imports numba, not before
    def find_spec(self, name, path, target=None):
        if name != "numba.core.compiler":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        run = spec.loader.exec_module
        def exec_module(module):
            run(module)
            orig = module.compile_extra
            def counted(typingctx, targetctx, func, *rest, **kw):
                compiled.append(getattr(func, "__module__", "?") + "." + getattr(func, "__qualname__", "?"))
                return orig(typingctx, targetctx, func, *rest, **kw)
            module.compile_extra = counted
        spec.loader.exec_module = exec_module
        return spec
sys.meta_path.insert(0, _Hook())
if {program!r}:
    import runpy
    sys.argv = ["sojourn", *{args!r}]
    runpy.run_module("sojourn", run_name="__main__", alter_sys=True)
else:
    import sojourn
"""


def _argv(name: str) -> list[str]:
    args, _, program = COMMANDS[name]
    if not program:
        return [sys.executable, *args]
    script = Path(sys.executable).with_name("sojourn")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "sojourn", *args]


def _env(**extra) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("NUMBA_CACHE_DIR", None)
    env.update(extra)
    return env


def _run(argv: list[str], env: dict, cpu: list | None = None) -> tuple[float, subprocess.CompletedProcess]:
    """Wall time of one run; its CPU time (user + system, all threads) appended to ``cpu`` if given."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, proc


def _check(name: str, proc: subprocess.CompletedProcess) -> None:
    if proc.returncode != 0:
        log(f"  {name}: exit status {proc.returncode}: {proc.stderr.strip()[-300:]}")


def _wrapped(name: str, env: dict) -> tuple[float, list | None, list | None]:
    """One run through the wrapper: its time, what numba compiled and which heavy modules were imported."""
    args, _, program = COMMANDS[name]
    code = _WRAPPER.format(heavy=HEAVY, program=program, args=args)
    t, proc = _run([sys.executable, "-c", code], env)
    _check(name, proc)
    line = next((x for x in proc.stderr.splitlines() if x.startswith("@@bench ")), None)
    compiled, heavy = eval(line[len("@@bench "):]) if line else (None, None)  # noqa: S307 (our own repr)
    return t, compiled, heavy


def measure(name: str, repeat: int, cold: bool) -> dict:
    """Warm best and median, a cold-cache run, and the compile count of one command."""
    argv = _argv(name)
    result = {"command": " ".join(["python" if a == sys.executable else Path(a).name if i == 0 else a
                                   for i, a in enumerate(argv)]),
              "target_s": COMMANDS[name][1]}
    if cold:  # through the wrapper, whose count of compiles shows that it sees them
        with tempfile.TemporaryDirectory(prefix="sojourn-numba-cold-") as cache:
            result["cold_s"], compiled, _ = _wrapped(name, _env(NUMBA_CACHE_DIR=cache))
        result["cold_compiled"] = len(compiled or [])
        log(f"  {name}: cold {result['cold_s']:.2f} s, {result['cold_compiled']} functions compiled")
    _, proc = _run(argv, _env())  # warm-up: fills the on-disk cache if anything was missing
    _check(name, proc)
    runs, cpu = [], []
    for _ in range(repeat):
        t, proc = _run(argv, _env(), cpu)
        _check(name, proc)
        runs.append(t)
    _, compiled, heavy = _wrapped(name, _env())
    result.update(best_s=min(runs), median_s=statistics.median(runs), runs_s=runs, cpu_best_s=min(cpu),
                  exit_status=proc.returncode, compiled=compiled, heavy_modules=heavy)
    result["meets_target"] = result["best_s"] < result["target_s"]
    log(f"  {name}: best {result['best_s']:.3f} s, median {result['median_s']:.3f} s, "
        f"compiled {len(result['compiled'] or [])} functions")
    return result


def _table(results: dict) -> str:
    lines = [f"{'command':10s} {'best s':>8s} {'median s':>9s} {'cpu s':>7s} {'target s':>9s} {'cold s':>8s} "
             f"{'compiles':>9s} {'(cold)':>7s}  heavy modules imported", "-" * 116]
    for name, r in results.items():
        cold = f"{r['cold_s']:8.2f}" if "cold_s" in r else f"{'—':>8s}"
        cold_n = str(r["cold_compiled"]) if "cold_compiled" in r else "—"
        compiled = "?" if r["compiled"] is None else str(len(r["compiled"]))
        mark = "" if r["meets_target"] else "  (over target)"
        lines.append(f"{name:10s} {r['best_s']:8.3f} {r['median_s']:9.3f} {r['cpu_best_s']:7.3f} {r['target_s']:9.1f} {cold} "
                     f"{compiled:>9s} {cold_n:>7s}  {', '.join(r['heavy_modules'] or []) or '—'}{mark}")
    for name, r in results.items():
        if r["compiled"]:
            lines.append(f"{name} compiled on a warm run: {', '.join(sorted(set(r['compiled'])))}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed warm runs of each command (after a warm-up)")
    parser.add_argument("--no-cold", action="store_true", help="skip the runs with an empty numba cache")
    parser.add_argument("--only", nargs="+", choices=list(COMMANDS), help="time only these commands")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    names = args.only or list(COMMANDS)
    log(f"{len(names)} commands, {args.repeat} warm runs each{'' if args.no_cold else ' and one cold'}")
    results = {}
    for name in names:
        log(f"{name}: {' '.join(COMMANDS[name][0])}")
        results[name] = measure(name, max(1, args.repeat), not args.no_cold)
    doc = {"commands": results, "cpus": os.cpu_count(), "python": platform.python_version(),
           "platform": platform.platform(), "repeat": args.repeat}
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        print(_table(results))
        print(f"\n{os.cpu_count()} CPUs, Python {platform.python_version()}; wall time, best and median of "
              f"{args.repeat} warm runs after a warm-up; cpu: least user + system time of those runs (all "
              "threads; steadier than wall time on a shared machine); cold: empty NUMBA_CACHE_DIR")
    return 0


if __name__ == "__main__":
    sys.exit(main())
