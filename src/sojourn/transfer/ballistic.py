"""Ballistic transfers between two bodies for given launch and arrival epochs."""

from __future__ import annotations

import numpy as np

from sojourn.bodies import GM_SUN, get_body
from sojourn.time import DAY


def transfers(frm, to, t_launch, t_arrival, *, ephemeris=None) -> dict:
    """Zero-revolution ballistic transfers for matched launch and arrival epochs.

    Parameters
    ----------
    frm, to : str or Body
        Departure and arrival bodies.
    t_launch, t_arrival : float or array_like, shape (N,)
        Epochs, TDB seconds past J2000.
    ephemeris : Ephemeris or str, optional
        Default DE421.

    Returns
    -------
    dict of ndarray, each shape (N,)
        ``tof_days``, ``c3`` (km^2/s^2), ``vinf_departure``, ``vinf_arrival``
        (km/s), ``dla_deg``, ``rla_deg`` (ICRF), ``transfer_angle_deg``, ``type_ii`` (bool) and
        ``status`` (:mod:`sojourn.core.status`); NaN where there is no solution.

    Raises
    ------
    EphemerisRangeError
        An epoch outside the ephemeris.
    """
    from sojourn.core.transfer_grid import transfer_pairs
    from sojourn.ephemeris import resolve_ephemeris

    eph = resolve_ephemeris(ephemeris)
    dep, arr = get_body(frm), get_body(to)
    t1 = np.atleast_1d(np.asarray(t_launch, dtype=np.float64))
    t2 = np.atleast_1d(np.asarray(t_arrival, dtype=np.float64))
    t1, t2 = np.broadcast_arrays(t1, t2)
    r1, v1 = eph.state(dep, t1)
    r2, v2 = eph.state(arr, t2)
    c3, vd, va, dla, rla, type_ii, status = transfer_pairs(GM_SUN, r1, v1, t1, r2, v2, t2)
    ok = status == 0
    return {
        "transfer_angle_deg": transfer_angle_deg(r1, v1, r2),
        "tof_days": np.where(ok, (t2 - t1) / DAY, np.nan),
        "c3": c3,
        "vinf_departure": vd,
        "vinf_arrival": va,
        "dla_deg": np.degrees(dla),
        "rla_deg": np.degrees(rla),
        "type_ii": type_ii,
        "status": status,
    }


def transfer_angle_deg(r1, v1, r2) -> np.ndarray:
    """Heliocentric transfer angle, degrees in [0, 360), measured prograde about r1 x v1.

    Parameters
    ----------
    r1, v1 : array_like, shape (..., 3)
        Departure body's position (km) and velocity (km/s).
    r2 : array_like, shape (..., 3)
        Arrival position, km; the three broadcast together, so a departure of
        shape (n, 1, 3) against arrivals (n, k, 3) needs no repeated copies.

    Notes
    -----
    The angle's sine is |r1 x r2| signed by (r1 x r2) . (r1 x v1), its cosine
    r1 . r2, written out component by component (the same operations, in the
    same order, as ``numpy.cross`` and ``numpy.linalg.norm`` and no temporary
    of shape (..., 3)).
    """
    r1, v1, r2 = (np.asarray(a, dtype=np.float64) for a in (r1, v1, r2))
    x1, y1, z1 = r1[..., 0], r1[..., 1], r1[..., 2]
    vx, vy, vz = v1[..., 0], v1[..., 1], v1[..., 2]
    x2, y2, z2 = r2[..., 0], r2[..., 1], r2[..., 2]
    hx, hy, hz = y1 * vz - z1 * vy, z1 * vx - x1 * vz, x1 * vy - y1 * vx
    cx, cy, cz = y1 * z2 - z1 * y2, z1 * x2 - x1 * z2, x1 * y2 - y1 * x2
    sin = np.sqrt(cx * cx + cy * cy + cz * cz) * np.sign(cx * hx + cy * hy + cz * hz)
    cos = x1 * x2 + y1 * y2 + z1 * z2
    return np.degrees(np.arctan2(sin, cos)) % 360.0
