"""Every launch date against every arrival date: the compiled porkchop kernel.

One Lambert solve per (launch, arrival) cell, in parallel over launch rows, and
the quantities a mission designer reads off a porkchop plot computed in the same
pass so that no (N, M, 3) velocity arrays are ever stored. Each row is solved in
order of arrival date, every cell's iteration starting from its neighbours'
solution: one step then reaches round-off, about half the work of starting from
Izzo's guess (every answer is still checked against the time-of-flight equation).

:func:`fill_grid` writes a porkchop's every field into arrays the caller made
(rows at a time, so a Dataset is built on them without copies) and reduces
each launch row to its best cells as it goes: the best transfers of the grid
are then found among one cell per row, never by another pass over the grid.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from typing import NamedTuple

from sojourn.constants import DAY
from sojourn.core.lambert import lambert_frame
from sojourn.core.status import NO_SOLUTION, OK
from sojourn.core.threads import SERIAL_BELOW, serial_and_parallel

_CODE_I = 73
"""``ord("I")``: the kernel writes ``transfer_type`` as UCS4 text, "I", "II" or ""."""

BEST = ("I min_c3", "I min_vinf", "II min_c3", "II min_vinf")
"""The per-row reductions of :func:`fill_grid`, in the order of ``Grid.best``'s columns:
least launch C3 and least arrival v-infinity among type I, then type II transfers."""


@njit(cache=True, inline="always")
def _cell(mu, x1, y1, z1, n1, i1, q1, u1, v1, w1, p1, hx, hy, hz, t1,
          x2, y2, z2, n2, i2, q2, u2, v2, w2, p2, k, t2, x_start, anchor, asymptote):
    """One ballistic transfer: (c3, vinf_dep, vinf_arr, dla, rla, type_ii, status, x, anchor).

    ``n``, ``i``, ``q`` are the norm of each position, its reciprocal and its
    square root, ``p`` each body's radial speed r . v / |r|; (hx, hy, hz) is the
    departure body's orbit normal r1 x v1, which defines "prograde" (and so
    type I/II), and ``k`` the arrival body's r2 x v2. ``x_start`` seeds the Lambert
    iteration (NaN: Izzo's guess) and ``anchor`` its elliptic angle (see
    :func:`sojourn.core.lambert.lambert_frame`); the ``x`` and ``anchor`` returned
    seed the next cell. DLA and RLA are NaN unless ``asymptote``.
    """
    nan = math.nan
    tof = t2 - t1
    if not tof > 0.0:
        return nan, nan, nan, nan, nan, False, NO_SOLUTION, nan, anchor
    vr1, vt1, vr2, vt2, sx, sy, sz, st, x, type_ii, anchor = lambert_frame(
        mu, x1, y1, z1, n1, i1, q1, x2, y2, z2, n2, i2, q2, tof, 0, True, True, hx, hy, hz, x_start, anchor)
    if st != OK:
        return nan, nan, nan, nan, nan, False, st, nan, anchor
    # v-infinity at each end in the transfer's frame there: radial, transverse (s x r / |r|) and
    # normal (s); the planet's transverse speed is s . (r x v) / |r|
    dr1 = vr1 - p1
    dt1 = vt1 - (sx * hx + sy * hy + sz * hz) * i1
    dn1 = u1 * sx + v1 * sy + w1 * sz
    e2 = dr1 * dr1 + dt1 * dt1 + dn1 * dn1
    en = math.sqrt(e2)
    dla = nan
    rla = nan
    if asymptote:
        a1x, a1y, a1z = x1 * i1, y1 * i1, z1 * i1
        ex = dr1 * a1x + dt1 * (sy * a1z - sz * a1y) - dn1 * sx
        ey = dr1 * a1y + dt1 * (sz * a1x - sx * a1z) - dn1 * sy
        ez = dr1 * a1z + dt1 * (sx * a1y - sy * a1x) - dn1 * sz
        dla = math.asin(ez / en) if en > 0.0 else 0.0
        rla = math.atan2(ey, ex)
        if rla < 0.0:
            rla += 2.0 * math.pi
    dr2 = vr2 - p2
    dt2 = vt2 - (sx * k[0] + sy * k[1] + sz * k[2]) * i2
    dn2 = u2 * sx + v2 * sy + w2 * sz
    vinf_arr = math.sqrt(dr2 * dr2 + dt2 * dt2 + dn2 * dn2)
    # type II: the transfer angle is above 180 degrees, the long way round the orbit normal
    return e2, en, vinf_arr, dla, rla, type_ii, OK, x, anchor


@njit(cache=True, parallel=True, error_model="numpy")
def _grid_kernel(mu, r_dep, v_dep, t_dep, r_arr, v_arr, t_arr, asymptote, angle_scale, cos_ridge, c3_cap,
                 tof_days, c3, vinf_dep, vinf_arr, dla, rla, kind, status, ridge, best):
    """Every cell of the grid in one pass: see :func:`fill_grid`.

    numpy's error model: a division by zero gives inf or NaN (which the Lambert
    iteration's bracket and its final check catch) rather than a Python
    exception, and so no test of the divisor before each of the cell's divisions.
    """
    m = r_arr.shape[0]
    n_arr = np.empty(m)
    i_arr = np.empty(m)
    q_arr = np.empty(m)
    p_arr = np.empty(m)
    k_arr = np.empty((m, 3))
    for j in range(m):  # each arrival's norm, reciprocal, square root, radial speed and r x v, once per column
        x2, y2, z2 = r_arr[j, 0], r_arr[j, 1], r_arr[j, 2]
        u2, v2, w2 = v_arr[j, 0], v_arr[j, 1], v_arr[j, 2]
        n_arr[j] = math.sqrt(x2 * x2 + y2 * y2 + z2 * z2)
        i_arr[j] = 1.0 / n_arr[j]
        q_arr[j] = math.sqrt(n_arr[j])
        p_arr[j] = (x2 * u2 + y2 * v2 + z2 * w2) * i_arr[j]
        k_arr[j, 0], k_arr[j, 1], k_arr[j, 2] = y2 * w2 - z2 * v2, z2 * u2 - x2 * w2, x2 * v2 - y2 * u2
    for i in prange(r_dep.shape[0]):
        x1, y1, z1 = r_dep[i, 0], r_dep[i, 1], r_dep[i, 2]
        u1, v1, w1 = v_dep[i, 0], v_dep[i, 1], v_dep[i, 2]
        n1 = math.sqrt(x1 * x1 + y1 * y1 + z1 * z1)
        i1 = 1.0 / n1
        q1 = math.sqrt(n1)
        p1 = (x1 * u1 + y1 * v1 + z1 * w1) * i1
        ridge_dot = -cos_ridge * n1
        hx, hy, hz = y1 * w1 - z1 * v1, z1 * u1 - x1 * w1, x1 * v1 - y1 * u1
        for k in range(4):
            best[i, k] = -1
        # Along a row the solution varies smoothly with the arrival date: each cell
        # starts from the line through its two predecessors' x, or from the one
        # predecessor of the same transfer type (x jumps where the type changes),
        # or from Izzo's guess after a cell without a solution; and its elliptic angle
        # is measured from the last one computed afresh along the row.
        x_1 = math.nan
        x_2 = math.nan
        prev_ii = False
        anchor = (math.nan, math.nan, math.nan)
        for j in range(m):
            x2, y2, z2 = r_arr[j, 0], r_arr[j, 1], r_arr[j, 2]
            start = x_1 if math.isnan(x_2) else 2.0 * x_1 - x_2
            e2, en, va, dl, rl, type_ii, st, x, anchor = _cell(
                mu, x1, y1, z1, n1, i1, q1, u1, v1, w1, p1, hx, hy, hz, t_dep[i],
                x2, y2, z2, n_arr[j], i_arr[j], q_arr[j], v_arr[j, 0], v_arr[j, 1], v_arr[j, 2], p_arr[j],
                (k_arr[j, 0], k_arr[j, 1], k_arr[j, 2]), t_arr[j], start, anchor, asymptote)
            c3[i, j] = e2
            vinf_dep[i, j] = en
            vinf_arr[i, j] = va
            dla[i, j] = dl * angle_scale
            rla[i, j] = rl * angle_scale
            status[i, j] = st
            ok = st == OK
            tof_days[i, j] = (t_arr[j] - t_dep[i]) / DAY if ok else math.nan
            # within the ridge band: cos(transfer angle) below -cos(band)
            on = ok and x1 * x2 + y1 * y2 + z1 * z2 < ridge_dot * n_arr[j]
            ridge[i, j] = on
            kind[i, j, 0] = _CODE_I if ok else 0
            kind[i, j, 1] = _CODE_I if ok and type_ii else 0
            if ok and not on and e2 <= c3_cap:
                k = 2 if type_ii else 0
                b = best[i, k]
                if b < 0 or e2 < c3[i, b]:
                    best[i, k] = j
                b = best[i, k + 1]
                if b < 0 or va < vinf_arr[i, b]:
                    best[i, k + 1] = j
            x_2 = x_1 if j > 0 and type_ii == prev_ii else math.nan
            x_1 = x
            prev_ii = type_ii


def _pairs_loop(mu, r_dep, v_dep, t_dep, r_arr, v_arr, t_arr, asymptote,
                c3, vinf_dep, vinf_arr, dla, rla, type_ii, status):
    for i in prange(r_dep.shape[0]):
        x1, y1, z1 = r_dep[i, 0], r_dep[i, 1], r_dep[i, 2]
        u1, v1, w1 = v_dep[i, 0], v_dep[i, 1], v_dep[i, 2]
        x2, y2, z2 = r_arr[i, 0], r_arr[i, 1], r_arr[i, 2]
        u2, v2, w2 = v_arr[i, 0], v_arr[i, 1], v_arr[i, 2]
        n1 = math.sqrt(x1 * x1 + y1 * y1 + z1 * z1)
        n2 = math.sqrt(x2 * x2 + y2 * y2 + z2 * z2)
        (c3[i], vinf_dep[i], vinf_arr[i], dla[i], rla[i], type_ii[i], status[i], _, _) = _cell(
            mu, x1, y1, z1, n1, 1.0 / n1, math.sqrt(n1), u1, v1, w1, (x1 * u1 + y1 * v1 + z1 * w1) / n1,
            y1 * w1 - z1 * v1, z1 * u1 - x1 * w1, x1 * v1 - y1 * u1, t_dep[i],
            x2, y2, z2, n2, 1.0 / n2, math.sqrt(n2), u2, v2, w2, (x2 * u2 + y2 * v2 + z2 * w2) / n2,
            (y2 * w2 - z2 * v2, z2 * u2 - x2 * w2, x2 * v2 - y2 * u2), t_arr[i], math.nan,
            (math.nan, math.nan, math.nan), asymptote)


_pairs_serial, _pairs_parallel = serial_and_parallel(_pairs_loop)  # serial: small batches, no thread start-up


def _run(kernel, shape, mu, arrays, asymptote):
    arrays = [np.ascontiguousarray(a, dtype=np.float64) for a in arrays]
    out = [np.empty(shape) for _ in range(5)]
    out.append(np.empty(shape, dtype=np.bool_))
    out.append(np.empty(shape, dtype=np.int8))
    kernel(float(mu), *arrays, bool(asymptote), *out)
    return tuple(out)


def transfer_pairs(mu, r_dep, v_dep, t_dep, r_arr, v_arr, t_arr, asymptote=True):
    """Ballistic transfers for matched pairs: launch ``i`` with arrival ``i``.

    Same parameters and outputs as :func:`transfer_grid`, but all of shape
    (N, 3) / (N,) in and (N,) out.
    """
    n = np.shape(t_dep)[0]
    kernel = _pairs_serial if n < SERIAL_BELOW else _pairs_parallel
    return _run(kernel, (n,), mu, (r_dep, v_dep, t_dep, r_arr, v_arr, t_arr), asymptote)


class Grid(NamedTuple):
    """A porkchop's fields, shape (N launches, M arrivals) unless said: what :func:`fill_grid` writes.

    ``tof_days`` (day), ``c3`` (km^2/s^2), ``vinf_dep`` and ``vinf_arr`` (km/s),
    ``dla`` and ``rla`` (the departure asymptote, rad or degrees), ``transfer_type``
    (text: "I", "II" or "" without a solution), ``status`` (int8,
    :mod:`sojourn.core.status`), ``ridge`` (bool: solved within the ridge band of a
    180-degree transfer angle) and ``best`` (int64, shape (N, 4): per launch row the
    arrival index of each reduction in :data:`BEST`, -1 for none). Every float is
    NaN where ``status`` is not OK. Indexing with a slice of rows gives views.
    """

    tof_days: np.ndarray
    c3: np.ndarray
    vinf_dep: np.ndarray
    vinf_arr: np.ndarray
    dla: np.ndarray
    rla: np.ndarray
    transfer_type: np.ndarray
    status: np.ndarray
    ridge: np.ndarray
    best: np.ndarray

    @classmethod
    def empty(cls, n: int, m: int) -> "Grid":
        """Uninitialised arrays for an N x M grid (58 bytes a cell)."""
        floats = [np.empty((n, m)) for _ in range(6)]
        return cls(*floats, np.empty((n, m), dtype="<U2"), np.empty((n, m), dtype=np.int8),
                   np.empty((n, m), dtype=np.bool_), np.empty((n, len(BEST)), dtype=np.int64))

    def rows(self, sl: slice) -> "Grid":
        """The rows ``sl`` of every array (views)."""
        return Grid(*(a[sl] for a in self))


def fill_grid(mu, r_dep, v_dep, t_dep, r_arr, v_arr, t_arr, out: Grid, *, asymptote=True, degrees=False,
              ridge_deg=None, c3_cap=None) -> None:
    """Solve every (launch, arrival) cell into ``out``, reducing each row to its best cells.

    Parameters
    ----------
    mu, r_dep, v_dep, t_dep, r_arr, v_arr, t_arr, asymptote
        As for :func:`transfer_grid`.
    out : Grid
        Arrays of shape (N, M) (``best`` (N, 4)), C-contiguous, e.g. :meth:`Grid.empty`
        or its :meth:`Grid.rows`; every element is written.
    degrees : bool
        DLA and RLA in degrees (else radians).
    ridge_deg : float, optional
        Cells solved within this many degrees of a 180-degree transfer angle are
        flagged in ``out.ridge`` and left out of ``out.best``; None flags none.
    c3_cap : float, optional
        ``out.best`` only among cells with launch C3 at most this, km^2/s^2.
    """
    arrays = [np.ascontiguousarray(a, dtype=np.float64) for a in (r_dep, v_dep, t_dep, r_arr, v_arr, t_arr)]
    n, m = out.c3.shape
    kind = out.transfer_type.view(np.uint32).reshape(n, m, 2)  # two UCS4 characters a cell
    cos_ridge = 2.0 if ridge_deg is None else math.cos(math.radians(ridge_deg))  # 2: no cell is that far round
    _grid_kernel(float(mu), *arrays, bool(asymptote), 180.0 / math.pi if degrees else 1.0, cos_ridge,
                 math.inf if c3_cap is None else float(c3_cap), out.tof_days, out.c3, out.vinf_dep, out.vinf_arr,
                 out.dla, out.rla, kind, out.status, out.ridge, out.best)


def transfer_grid(mu, r_dep, v_dep, t_dep, r_arr, v_arr, t_arr, asymptote=True):
    """Ballistic transfers for every (departure epoch, arrival epoch) pair.

    Parameters
    ----------
    mu : float
        Gravitational parameter of the central body, km^3/s^2.
    r_dep, v_dep : array_like, shape (N, 3)
        Departure body's position (km) and velocity (km/s) at each launch epoch.
    t_dep : array_like, shape (N,)
        Launch epochs, s (any common origin).
    r_arr, v_arr : array_like, shape (M, 3)
        Arrival body's position (km) and velocity (km/s) at each arrival epoch.
    t_arr : array_like, shape (M,)
        Arrival epochs, s (same origin as ``t_dep``).
    asymptote : bool
        Compute the departure asymptote's DLA and RLA. False leaves them NaN and
        saves an ``asin`` and an ``atan2`` per cell (a fifth of the time), for
        callers that read only energies and speeds.

    Returns
    -------
    c3 : ndarray, shape (N, M)
        Launch energy, km^2/s^2.
    vinf_dep, vinf_arr : ndarray, shape (N, M)
        Hyperbolic excess speeds at departure and arrival, km/s.
    dla_rad, rla_rad : ndarray, shape (N, M)
        Declination and right ascension of the departure asymptote in the
        frame of the inputs, rad (RLA in [0, 2 pi)); NaN without ``asymptote``.
    type_ii : ndarray of bool, shape (N, M)
        True where the heliocentric transfer angle exceeds 180 degrees.
    status : ndarray of int8, shape (N, M)
        ``OK``, ``NO_SOLUTION`` (including arrival not after launch) or
        ``NOT_CONVERGED``; the other outputs are NaN where it is not ``OK``.

    Notes
    -----
    Zero-revolution transfers, prograde with respect to the departure body's
    orbit normal. Parallel over launch rows. :func:`fill_grid` gives every field
    a porkchop holds, into arrays of the caller's.
    """
    g = Grid.empty(np.shape(t_dep)[0], np.shape(t_arr)[0])
    fill_grid(mu, r_dep, v_dep, t_dep, r_arr, v_arr, t_arr, g, asymptote=asymptote)
    type_ii = g.transfer_type.view(np.uint32)[:, 1::2] != 0
    return g.c3, g.vinf_dep, g.vinf_arr, g.dla, g.rla, type_ii, g.status
