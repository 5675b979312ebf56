"""What every benchmark script shares: progress lines on stderr, and the best of several timed runs.

The scripts run as ``python benchmarks/<name>.py``, so this folder is first on
``sys.path`` and ``from _common import ...`` finds this module.
"""

from __future__ import annotations

import sys
import time


def log(msg: str) -> None:
    """A progress line on stderr (results go to stdout)."""
    print(msg, file=sys.stderr, flush=True)


def best_of(fn, repeat: int) -> tuple[float, object]:
    """Run ``fn`` ``repeat`` times; the least wall time (s) and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out
