"""A progress bar for long computations that stays out of the way of short ones.

The bar appears on stderr only once a computation has run for
``show_after_s`` seconds and is expected to go on, so a quick call prints
nothing and a long one shows how far it has got.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator


@contextmanager
def progress(total: float, description: str, enabled: bool = True,
             show_after_s: float = 1.0) -> Iterator[Callable[[float], None]]:
    """Yield ``advance(n)``; draw a rich progress bar once the work proves long.

    Parameters
    ----------
    total : float
        Units of work in all (cells, samples, days).
    description : str
        What is being computed, shown beside the bar.
    enabled : bool
        False never draws (library use, ``--json`` output).
    show_after_s : float
        Seconds of work after which the bar appears, if work remains.
    """
    start = time.perf_counter()
    state = {"done": 0.0, "bar": None, "task": None}

    def advance(n: float) -> None:
        state["done"] += n
        if not enabled:
            return
        bar = state["bar"]
        if bar is None:
            if time.perf_counter() - start < show_after_s or state["done"] >= total:
                return
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress,
                                       TextColumn, TimeRemainingColumn)
            from rich.console import Console

            bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                           TimeRemainingColumn(), console=Console(file=sys.stderr), transient=True)
            bar.start()
            state["bar"] = bar
            state["task"] = bar.add_task(description, total=total)
        bar.update(state["task"], completed=state["done"])

    try:
        yield advance
    finally:
        if state["bar"] is not None:
            state["bar"].stop()
