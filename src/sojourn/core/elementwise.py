"""Scalar formulas applied over broadcast arguments, the way a numpy ufunc applies its kernel.

The closed-form formulas of :mod:`sojourn.core.rocket`,
:mod:`sojourn.core.patched_conics` and :mod:`sojourn.core.flyby` are numba
``njit`` functions of plain floats. Each of those modules has one compiled
loop, ``loop(which, columns)``, that applies its formula number ``which`` to
every column of a ``(k, n)`` float64 array; :func:`apply` broadcasts the
caller's arguments into that array and shapes the result back.

Why not ``numba.vectorize``: a ufunc with explicit signatures is built, or
loaded from numba's cache, when its module is imported, which every command
that touches a formula paid at start-up. A lazy ``njit`` loop is loaded from
the cache the first time it is called, and one cache entry per module serves
all its formulas.
"""

from __future__ import annotations

import numpy as np


def apply(loop, which: int, *args, boolean: bool = False):
    """Apply a module's formula ``which`` elementwise to ``args``, broadcast like a ufunc's arguments.

    Parameters
    ----------
    loop : numba dispatcher
        The module's loop ``loop(which, columns) -> ndarray (n,)`` over the
        columns of a ``(len(args), n)`` float64 array.
    which : int
        The formula's number in that loop.
    *args : float or array_like
        The formula's arguments, converted to float64 and broadcast together.
    boolean : bool
        The formula answers 1.0 for true and 0.0 for false: return booleans.

    Returns
    -------
    numpy.float64 or numpy.bool_, or ndarray
        A numpy scalar when every argument is a scalar (as a ufunc returns),
        else an array of the broadcast shape; float64 or bool.
    """
    arrays = [np.asarray(a, dtype=np.float64) for a in args]
    both = np.broadcast(*arrays)
    shape = both.shape
    columns = np.empty((len(arrays), both.size))
    for row, a in zip(columns, arrays):
        row.reshape(shape)[...] = a
    out = loop(which, columns).reshape(shape)
    if boolean:
        out = out != 0.0
    return out[()] if out.ndim == 0 else out
