"""Every launch date against every arrival date: the compiled porkchop kernel.

One Lambert solve per (launch, arrival) cell, in parallel over launch rows, and
the quantities a mission designer reads off a porkchop plot computed in the same
pass so that no (N, M, 3) velocity arrays are ever stored.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sojourn.core.lambert import lambert_one
from sojourn.core.status import NO_SOLUTION, OK


@njit(cache=True, parallel=True)
def _grid_kernel(mu, r_dep, v_dep, t_dep, r_arr, v_arr, t_arr,
                 c3, vinf_dep, vinf_arr, dla, rla, type_ii, status):
    n = r_dep.shape[0]
    m = r_arr.shape[0]
    nan = math.nan
    for i in prange(n):
        x1, y1, z1 = r_dep[i, 0], r_dep[i, 1], r_dep[i, 2]
        # The departure body's orbit normal defines "prograde" (and so type I/II).
        hx = y1 * v_dep[i, 2] - z1 * v_dep[i, 1]
        hy = z1 * v_dep[i, 0] - x1 * v_dep[i, 2]
        hz = x1 * v_dep[i, 1] - y1 * v_dep[i, 0]
        for j in range(m):
            tof = t_arr[j] - t_dep[i]
            st = NO_SOLUTION
            if tof > 0.0:
                x2, y2, z2 = r_arr[j, 0], r_arr[j, 1], r_arr[j, 2]
                a, b, c, d, e, f, st = lambert_one(
                    mu, x1, y1, z1, x2, y2, z2, tof, 0, True, True, hx, hy, hz
                )
            status[i, j] = st
            if st != OK:
                c3[i, j] = nan
                vinf_dep[i, j] = nan
                vinf_arr[i, j] = nan
                dla[i, j] = nan
                rla[i, j] = nan
                type_ii[i, j] = False
                continue
            ex = a - v_dep[i, 0]
            ey = b - v_dep[i, 1]
            ez = c - v_dep[i, 2]
            e2 = ex * ex + ey * ey + ez * ez
            en = math.sqrt(e2)
            c3[i, j] = e2
            vinf_dep[i, j] = en
            dla[i, j] = math.asin(ez / en) if en > 0.0 else 0.0
            ra = math.atan2(ey, ex)
            rla[i, j] = ra + 2.0 * math.pi if ra < 0.0 else ra
            gx = d - v_arr[j, 0]
            gy = e - v_arr[j, 1]
            gz = f - v_arr[j, 2]
            vinf_arr[i, j] = math.sqrt(gx * gx + gy * gy + gz * gz)
            # transfer angle above 180 degrees: r1 x r2 points against the orbit normal
            cx = y1 * z2 - z1 * y2
            cy = z1 * x2 - x1 * z2
            cz = x1 * y2 - y1 * x2
            type_ii[i, j] = cx * hx + cy * hy + cz * hz < 0.0


def transfer_grid(mu, r_dep, v_dep, t_dep, r_arr, v_arr, t_arr):
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

    Returns
    -------
    c3 : ndarray, shape (N, M)
        Launch energy, km^2/s^2.
    vinf_dep, vinf_arr : ndarray, shape (N, M)
        Hyperbolic excess speeds at departure and arrival, km/s.
    dla_rad, rla_rad : ndarray, shape (N, M)
        Declination and right ascension of the departure asymptote in the
        frame of the inputs, rad (RLA in [0, 2 pi)).
    type_ii : ndarray of bool, shape (N, M)
        True where the heliocentric transfer angle exceeds 180 degrees.
    status : ndarray of int8, shape (N, M)
        ``OK``, ``NO_SOLUTION`` (including arrival not after launch) or
        ``NOT_CONVERGED``; the other outputs are NaN where it is not ``OK``.

    Notes
    -----
    Zero-revolution transfers, prograde with respect to the departure body's
    orbit normal. Parallel over launch rows.
    """
    r_dep = np.ascontiguousarray(r_dep, dtype=np.float64)
    v_dep = np.ascontiguousarray(v_dep, dtype=np.float64)
    r_arr = np.ascontiguousarray(r_arr, dtype=np.float64)
    v_arr = np.ascontiguousarray(v_arr, dtype=np.float64)
    t_dep = np.ascontiguousarray(t_dep, dtype=np.float64)
    t_arr = np.ascontiguousarray(t_arr, dtype=np.float64)
    shape = (r_dep.shape[0], r_arr.shape[0])
    c3 = np.empty(shape)
    vinf_dep = np.empty(shape)
    vinf_arr = np.empty(shape)
    dla = np.empty(shape)
    rla = np.empty(shape)
    type_ii = np.empty(shape, dtype=np.bool_)
    status = np.empty(shape, dtype=np.int8)
    _grid_kernel(float(mu), r_dep, v_dep, t_dep, r_arr, v_arr, t_arr,
                 c3, vinf_dep, vinf_arr, dla, rla, type_ii, status)
    return c3, vinf_dep, vinf_arr, dla, rla, type_ii, status
