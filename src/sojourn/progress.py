"""Progress of long computations, reported through a callback the caller chooses.

The library never draws: a long function takes ``progress``, a callable
``progress(done, total, label)`` that it calls as work gets done (``done`` and
``total`` in the same units: cells, samples, days; ``label`` says what is being
counted). The command line passes a progress bar (drawn on stderr only on a
terminal), the web app a function that records the fraction for the page. A
callback may raise to stop the work (the web app's cancel); the exception
leaves the computation at its next report.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, Optional

Progress = Callable[[float, float, str], None]
"""``progress(done, total, label)``: called by long computations as they go."""


@contextmanager
def reporting(progress: Optional[Progress], total: float, label: str) -> Iterator[Callable[[float], None]]:
    """Yield ``advance(n)``, which adds ``n`` units of work done and tells ``progress``.

    Parameters
    ----------
    progress : callable or None
        ``progress(done, total, label)``; None reports nothing.
    total : float
        Units of work in all.
    label : str
        What is counted, e.g. ``"porkchop cells"``.

    Examples
    --------
    >>> seen = []
    >>> with reporting(lambda d, t, l: seen.append((d, t)), 4, "cells") as advance:
    ...     advance(2); advance(2)
    >>> seen
    [(0.0, 4.0), (2.0, 4.0), (4.0, 4.0)]
    """
    done = 0.0
    total = float(total)

    def advance(n: float = 1.0) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total, label)

    if progress is not None:
        progress(0.0, total, label)
    yield advance


def scaled(progress: Optional[Progress], offset: float, share: float, total: float) -> Optional[Progress]:
    """A callback for one part of a larger job: its fraction mapped into ``[offset, offset + share]``.

    Parameters
    ----------
    progress : callable or None
        The whole job's callback.
    offset, share : float
        Units of the whole job done before this part, and the units this part counts for.
    total : float
        Units of the whole job.
    """
    if progress is None:
        return None

    def part(done: float, part_total: float, label: str) -> None:
        fraction = done / part_total if part_total > 0 else 1.0
        progress(offset + share * fraction, total, label)

    return part
