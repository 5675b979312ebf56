"""Chebyshev series of a JPL SPK segment (types 2 and 3), summed by one compiled loop over many epochs.

:class:`sojourn.ephemeris.Ephemeris` hands over a segment's records straight
from jplephem's memory map of the file; this module holds the loop apart so
that ``import sojourn.ephemeris`` does not import numba. Each epoch is
independent: tens of thousands of epochs are summed on every numba thread,
fewer on the calling one (:mod:`sojourn.core.threads`).
"""

from __future__ import annotations

from numba import njit, prange

from sojourn.core.threads import serial_and_parallel
from sojourn.time import DAY, J2000_JD


PARALLEL_FROM = 20_000
"""Epochs from which one call runs on every numba thread. An epoch takes about a microsecond: a
thousand (a leg's grid of dates) are done before the threads would be, and on a busy machine a
parallel region waits for its slowest thread (measured: a survey's 8000 calls 0.3 s serial, 1.8 s
with threads from 256 epochs while another process held one of the two cores)."""


def chebyshev_add(records, init, intlen, components, whole, frac, sign, r, v) -> bool:
    """Add ``sign`` times one segment's position (km) and velocity (km/day) at every epoch.

    jplephem's ``Segment.generate`` step for step (the same record, offset,
    Clenshaw sums and rounding), one epoch at a time.

    Parameters
    ----------
    records : ndarray, shape (n, rsize)
        The segment's records: mid-point, radius, then each component's
        coefficients by degree.
    init, intlen : float
        First epoch and length of a record, TDB s past J2000 and s.
    components : int
        3 (type 2: positions, velocity their derivative) or 6 (type 3: positions
        then velocities in km/s).
    whole, frac : ndarray, shape (m,)
        Epochs as two-part TDB Julian dates (:func:`sojourn.time.tdb_to_jd_parts`).
    sign : float
        +1 or -1.
    r, v : ndarray, shape (m, 3)
        Accumulated in place.

    Returns
    -------
    bool
        True if an epoch lies outside the records (a damaged file); its state
        is then left out of the sums.
    """
    loop = _loop_serial if whole.size < PARALLEL_FROM else _loop_parallel
    return loop(records, init, intlen, components, whole, frac, sign, r, v) > 0


def _loop(records, init, intlen, components, whole, frac, sign, r, v):
    """Every epoch of :func:`chebyshev_add` (``prange``); the number outside the records."""
    outside = 0
    for i in prange(whole.size):
        outside += _epoch(records, init, intlen, components, whole[i], frac[i], sign, r, v, i)
    return outside


_loop_serial, _loop_parallel = serial_and_parallel(_loop)


@njit(cache=True, error_model="numpy")
def _epoch(records, init, intlen, components, whole, frac, sign, r, v, i):
    """Add one epoch's state to row ``i`` of ``r`` and ``v``; 1 if it lies outside the records, else 0."""
    n = records.shape[0]
    ncoef = (records.shape[1] - 2) // components
    index1, offset1 = divmod((whole - J2000_JD) * DAY - init, intlen)
    index2, offset2 = divmod(frac * DAY, intlen)
    index3, offset = divmod(offset1 + offset2, intlen)
    index = int(index1 + index2 + index3)
    if index < 0 or index > n:
        return 1
    if index == n:
        index -= 1
        offset += intlen
    s = 2.0 * offset / intlen - 1.0
    s2 = 2.0 * s
    for c in range(3):
        base = 2 + c * ncoef
        w0 = 0.0
        w1 = 0.0
        dw0 = 0.0
        dw1 = 0.0
        for k in range(ncoef - 1, 0, -1):  # degrees down to 1, with the derivative's sums alongside
            w2 = w1
            w1 = w0
            w0 = records[index, base + k] + (s2 * w1 - w2)
            dw2 = dw1
            dw1 = dw0
            dw0 = 2.0 * w1 + dw1 * s2 - dw2
        r[i, c] += sign * (records[index, base] + (s * w0 - w1))
        if components == 3:
            v[i, c] += sign * ((w0 + s * dw0 - dw1) / intlen * 2.0 * DAY)
        else:
            vbase = 2 + (c + 3) * ncoef
            u0 = 0.0
            u1 = 0.0
            for k in range(ncoef - 1, 0, -1):
                u2 = u1
                u1 = u0
                u0 = records[index, vbase + k] + (s2 * u1 - u2)
            v[i, c] += sign * ((records[index, vbase] + (s * u0 - u1)) * DAY)
    return 0
