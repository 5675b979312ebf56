"""When the batched kernels go parallel, their two compiled forms, and the cores there are.

Starting numba's worker threads costs about a millisecond, far more than a
handful of Lambert solves, so small batches run on the calling thread.
"""

from __future__ import annotations

import os
import types

SERIAL_BELOW = 256
"""Batches with fewer elements than this run on one thread."""


def serial_and_parallel(loop):
    """The serial and the parallel compiled forms of one batched loop, each cached under its own name.

    numba names a function's on-disk cache after the function's qualified name
    and first line, not after its compile flags: ``njit(cache=True)`` and
    ``njit(cache=True, parallel=True)`` of the same Python function share one
    cache entry, so the serial form loads the parallel machine code whenever
    the parallel form was cached first, and every small batch then starts the
    thread pool (15 ms a call measured on a busy 2-core machine, against 3 µs).
    Each form here compiles a copy of ``loop`` renamed ``<name>_serial`` or
    ``<name>_parallel``.

    Parameters
    ----------
    loop : function
        A loop over ``prange`` (a plain ``range`` in the serial form).

    Returns
    -------
    serial, parallel : numba dispatchers
    """
    def renamed(suffix):
        f = types.FunctionType(loop.__code__, loop.__globals__, loop.__name__ + suffix, loop.__defaults__,
                               loop.__closure__)
        f.__qualname__ = loop.__qualname__ + suffix
        f.__module__ = loop.__module__
        f.__doc__ = loop.__doc__
        return f

    from numba import njit

    return njit(cache=True)(renamed("_serial")), njit(cache=True, parallel=True)(renamed("_parallel"))


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
