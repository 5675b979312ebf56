"""The B-plane of a hyperbolic approach, and the hyperbola formulas that go with it.

A craft approaching a planet on a hyperbola is aimed, in navigation practice,
at a point of the *B-plane*: the plane through the planet's centre normal to
the incoming asymptote. Its axes are

* ``S`` — unit vector along the incoming asymptote (the approach v∞);
* ``T`` — ``unit(S × k)``, with ``k`` a reference pole;
* ``R`` — ``S × T``, completing a right-handed triad.

The *B vector* runs from the planet's centre to the point where the incoming
asymptote pierces the plane; its length ``b`` is the impact parameter and its
components ``B·T`` and ``B·R`` are the aim point. With ``k`` the ecliptic pole,
``R`` points roughly south of the ecliptic, and an aim point along ``+T`` gives a
prograde orbit of least inclination to the ecliptic (angular momentum along
``B × S``, i.e. ``-R``, i.e. towards the ecliptic north).

Here ``k`` defaults to :data:`ECLIPTIC_POLE`, the pole of the mean ecliptic of
J2000 in ICRF coordinates; any pole can be passed (``(0, 0, 1)`` for Earth's
mean equator of J2000, "EME2000").

Hyperbola relations used throughout (v∞ the excess speed, μ the planet's GM,
``r_p`` the periapsis radius):

* ``b = r_p sqrt(1 + 2μ / (r_p v∞²))`` (angular momentum ``h = b v∞ = r_p v_p``);
* ``r_p = μ / v∞² (sqrt(1 + (b v∞² / μ)²) - 1)``;
* the flight-path angle ``γ`` at radius ``r`` on the way in:
  ``cos γ = b v∞ / (r v(r))``, ``v(r) = sqrt(v∞² + 2μ/r)``, ``γ ≤ 0``.

Units are km, s, km/s and radians; the kernels take plain float arrays.

References
----------
Kizner, W. (1961), "A method of describing miss distances for lunar and
interplanetary trajectories", Planetary and Space Science 7:125-131.
Vallado, D. A., *Fundamentals of Astrodynamics and Applications*, 4th ed.
(2013), section 12.4 (B-plane targeting, ``S = ê/e + sqrt(1 - 1/e²) (ĥ × ê)``,
``B = b (S × ĥ)``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sojourn.constants import OBLIQUITY_J2000_RAD
from sojourn.core.status import NO_SOLUTION, OK
from sojourn.core.threads import SERIAL_BELOW, serial_and_parallel


ECLIPTIC_POLE = np.array([0.0, -math.sin(OBLIQUITY_J2000_RAD), math.cos(OBLIQUITY_J2000_RAD)])
"""Pole of the mean ecliptic of J2000 in ICRF (equatorial) coordinates: the default ``k`` of the B-plane."""


# ---------------------------------------------------------------------------
# hyperbola relations (numpy, broadcasting)


def impact_parameter(mu, vinf, rp):
    """Impact parameter ``b`` (km) of the hyperbola with excess speed ``vinf`` and periapsis ``rp``.

    Parameters
    ----------
    mu : float
        Gravitational parameter, km^3/s^2.
    vinf : float or array_like
        Hyperbolic excess speed, km/s (> 0).
    rp : float or array_like
        Periapsis radius, km (> 0).

    Returns
    -------
    ndarray or float
        ``b = rp sqrt(1 + 2 mu / (rp vinf^2))``, km.
    """
    vinf = np.asarray(vinf, dtype=float)
    rp = np.asarray(rp, dtype=float)
    return rp * np.sqrt(1.0 + 2.0 * mu / (rp * vinf * vinf))


def periapsis_radius(mu, vinf, b):
    """Periapsis radius (km) of the hyperbola with excess speed ``vinf`` and impact parameter ``b``.

    ``rp = mu / vinf^2 (sqrt(1 + (b vinf^2 / mu)^2) - 1)``, evaluated as
    ``b^2 vinf^2 / mu / (sqrt(1 + x^2) + 1)`` with ``x = b vinf^2 / mu`` so that
    small ``b`` keeps its digits.

    Parameters
    ----------
    mu : float
        Gravitational parameter, km^3/s^2.
    vinf : float or array_like
        Hyperbolic excess speed, km/s.
    b : float or array_like
        Impact parameter, km (>= 0).

    Returns
    -------
    ndarray or float
        Periapsis radius, km (0 for ``b = 0``: a head-on approach).
    """
    vinf = np.asarray(vinf, dtype=float)
    b = np.asarray(b, dtype=float)
    x = b * vinf * vinf / mu
    return b * x / (np.sqrt(1.0 + x * x) + 1.0)


def flight_path_angle(mu, vinf, b, r):
    """Flight-path angle (rad, <= 0) on the way in at radius ``r`` of an approach hyperbola.

    Parameters
    ----------
    mu : float
        Gravitational parameter, km^3/s^2.
    vinf : float or array_like
        Hyperbolic excess speed, km/s.
    b : float or array_like
        Impact parameter, km.
    r : float
        Radius, km (e.g. the entry interface).

    Returns
    -------
    ndarray or float
        ``-arccos(b vinf / (r v(r)))``, radians; NaN where the hyperbola's
        periapsis lies above ``r`` (the craft never gets that low: a skip-out
        or a flyby, no entry).
    """
    vinf = np.asarray(vinf, dtype=float)
    b = np.asarray(b, dtype=float)
    v = np.sqrt(vinf * vinf + 2.0 * mu / r)
    c = b * vinf / (r * v)
    with np.errstate(invalid="ignore"):
        return np.where(c <= 1.0, -np.arccos(np.minimum(c, 1.0)), np.nan)


def impact_parameter_for_fpa(mu, vinf, r, fpa):
    """Impact parameter (km) that gives flight-path angle ``fpa`` (rad) at radius ``r`` (km).

    The inverse of :func:`flight_path_angle`: ``b = r v(r) cos(fpa) / vinf``.
    """
    vinf = np.asarray(vinf, dtype=float)
    v = np.sqrt(vinf * vinf + 2.0 * mu / r)
    return r * v * np.cos(fpa) / vinf


def bplane_axes(s, pole=ECLIPTIC_POLE):
    """B-plane triads ``(S, T, R)`` for approach directions ``s``.

    Parameters
    ----------
    s : array_like, shape (..., 3)
        Approach v∞ vectors (any length; normalised here).
    pole : array_like, shape (3,)
        Reference pole ``k``; default the J2000 ecliptic pole in ICRF.

    Returns
    -------
    S, T, R : ndarray, shape (..., 3)
        Unit vectors: ``S = unit(s)``, ``T = unit(S × k)``, ``R = S × T``.
    """
    s = np.asarray(s, dtype=float)
    S = s / np.linalg.norm(s, axis=-1, keepdims=True)
    t = np.cross(S, np.asarray(pole, dtype=float))
    T = t / np.linalg.norm(t, axis=-1, keepdims=True)
    return S, T, np.cross(S, T)


def linear_bplane(rho, v_rel, T, R):
    """B-plane coordinates of straight-line relative motion (no planet gravity).

    A craft at ``rho`` from the planet's centre, moving at ``v_rel`` relative to it,
    follows (until the planet's gravity acts) the line ``rho + v_rel t``: that
    line *is* the incoming asymptote, and its closest point to the centre is the
    B vector, ``rho - (rho·Ŝ) Ŝ`` with ``Ŝ = v_rel / |v_rel|``. This is how a
    heliocentric two-body arc that ignores the target planet maps onto its
    B-plane, exactly as the patched-conic method joins them.

    Parameters
    ----------
    rho : array_like, shape (N, 3)
        Positions relative to the planet, km.
    v_rel : array_like, shape (N, 3)
        Velocities relative to the planet (the approach v∞), km/s.
    T, R : array_like, shape (3,)
        B-plane axes to resolve B on (usually the nominal approach's).

    Returns
    -------
    bt, br : ndarray, shape (N,)
        ``B·T`` and ``B·R``, km.
    vinf : ndarray, shape (N,)
        ``|v_rel|``, km/s.
    dt_ca : ndarray, shape (N,)
        Time from ``rho`` to the closest point of the line, s (the
        "linearised time of flight" offset; negative when already past it).
    """
    rho = np.asarray(rho, dtype=float)
    v_rel = np.asarray(v_rel, dtype=float)
    vinf = np.sqrt(np.einsum("ij,ij->i", v_rel, v_rel))
    s = v_rel / vinf[:, None]
    along = np.einsum("ij,ij->i", rho, s)
    perp = rho - along[:, None] * s
    return perp @ np.asarray(T, dtype=float), perp @ np.asarray(R, dtype=float), vinf, -along / vinf


# ---------------------------------------------------------------------------
# exact B-plane of a two-body hyperbolic state (numba)


@njit(cache=True, inline="always")
def bplane_axes_one(sx, sy, sz, kx, ky, kz):
    """B-plane axes of one unit approach direction ``S``: ``T = unit(S × k)``, ``R = S × T``.

    Returns
    -------
    tuple
        ``(tx, ty, tz, rx, ry, rz)``; NaNs when ``S`` is along the pole ``k``
        (then ``T`` is undefined).
    """
    tx = sy * kz - sz * ky
    ty = sz * kx - sx * kz
    tz = sx * ky - sy * kx
    tn = math.sqrt(tx * tx + ty * ty + tz * tz)
    if not tn > 0.0:
        nan = math.nan
        return nan, nan, nan, nan, nan, nan
    tx /= tn
    ty /= tn
    tz /= tn
    return tx, ty, tz, sy * tz - sz * ty, sz * tx - sx * tz, sx * ty - sy * tx


@njit(cache=True)
def bplane_one(mu, rx, ry, rz, vx, vy, vz, kx, ky, kz):
    """B-plane of one planet-centred state on a hyperbola (Kizner 1961; Vallado 12.4).

    Returns
    -------
    tuple
        ``(bt, br, vinf, rp, sx, sy, sz, status)``: ``B·T``, ``B·R`` (km), the
        excess speed (km/s), the periapsis radius (km), the incoming asymptote
        ``S`` and ``OK``; or NaNs and ``NO_SOLUTION`` for a state that is not on a
        hyperbola (or on a degenerate, rectilinear one).
    """
    nan = math.nan
    r = math.sqrt(rx * rx + ry * ry + rz * rz)
    v2 = vx * vx + vy * vy + vz * vz
    energy2 = v2 - 2.0 * mu / r  # v∞²
    hx = ry * vz - rz * vy
    hy = rz * vx - rx * vz
    hz = rx * vy - ry * vx
    h = math.sqrt(hx * hx + hy * hy + hz * hz)
    if not (r > 0.0 and mu > 0.0 and energy2 > 0.0 and h > 1e-12 * r * math.sqrt(v2)):
        return nan, nan, nan, nan, nan, nan, nan, NO_SOLUTION
    rv = rx * vx + ry * vy + rz * vz
    c = v2 - mu / r
    ex = (c * rx - rv * vx) / mu
    ey = (c * ry - rv * vy) / mu
    ez = (c * rz - rv * vz) / mu
    e = math.sqrt(ex * ex + ey * ey + ez * ez)
    if not e > 1.0:
        return nan, nan, nan, nan, nan, nan, nan, NO_SOLUTION
    vinf = math.sqrt(energy2)
    ex /= e
    ey /= e
    ez /= e
    hx /= h
    hy /= h
    hz /= h
    # p = h × e
    px = hy * ez - hz * ey
    py = hz * ex - hx * ez
    pz = hx * ey - hy * ex
    q = math.sqrt((e - 1.0) * (e + 1.0)) / e  # sqrt(1 - 1/e²)
    sx = ex / e + q * px
    sy = ey / e + q * py
    sz = ez / e + q * pz
    b = h / vinf
    # B = b (S × ĥ)
    bx = b * (sy * hz - sz * hy)
    by = b * (sz * hx - sx * hz)
    bz = b * (sx * hy - sy * hx)
    tx, ty, tz, rrx, rry, rrz = bplane_axes_one(sx, sy, sz, kx, ky, kz)
    if not math.isfinite(tx):
        return nan, nan, nan, nan, nan, nan, nan, NO_SOLUTION
    rp = mu / energy2 * (e - 1.0)
    return (bx * tx + by * ty + bz * tz, bx * rrx + by * rry + bz * rrz, vinf, rp, sx, sy, sz, OK)


def _bplane_loop(mu, r, v, k, bt, br, vinf, rp, s, status):
    for i in prange(r.shape[0]):
        a, b, c, d, e, f, g, st = bplane_one(mu, r[i, 0], r[i, 1], r[i, 2], v[i, 0], v[i, 1], v[i, 2],
                                             k[0], k[1], k[2])
        bt[i] = a
        br[i] = b
        vinf[i] = c
        rp[i] = d
        s[i, 0] = e
        s[i, 1] = f
        s[i, 2] = g
        status[i] = st


_bplane_serial, _bplane_parallel = serial_and_parallel(_bplane_loop)


def bplane_batch(mu, r, v, pole=ECLIPTIC_POLE):
    """Exact B-plane of many planet-centred two-body states.

    Each state's own incoming asymptote defines its B-plane (``S``, and ``T``,
    ``R`` from ``pole``).

    Parameters
    ----------
    mu : float
        The planet's gravitational parameter, km^3/s^2.
    r, v : array_like, shape (N, 3)
        Positions (km) and velocities (km/s) relative to the planet.
    pole : array_like, shape (3,)
        Reference pole ``k``; default :data:`ECLIPTIC_POLE`.

    Returns
    -------
    dict of ndarray
        ``bt``, ``br`` (km), ``vinf`` (km/s), ``rp`` (periapsis radius, km),
        ``s`` (N, 3) incoming asymptote, ``status`` (int8: ``OK``, or
        ``NO_SOLUTION`` for a state not on a hyperbola).
    """
    r = np.ascontiguousarray(np.atleast_2d(r), dtype=np.float64)
    v = np.ascontiguousarray(np.atleast_2d(v), dtype=np.float64)
    n = r.shape[0]
    k = np.asarray(pole, dtype=np.float64).reshape(3)
    out = {name: np.empty(n) for name in ("bt", "br", "vinf", "rp")}
    out["s"] = np.empty((n, 3))
    out["status"] = np.empty(n, dtype=np.int8)
    kernel = _bplane_serial if n < SERIAL_BELOW else _bplane_parallel
    kernel(float(mu), r, v, k, out["bt"], out["br"], out["vinf"], out["rp"], out["s"], out["status"])
    return out


def hyperbola_from_bplane(mu, vinf_vec, bt, br, pole=ECLIPTIC_POLE):
    """Periapsis state of the approach hyperbola with a given v∞ and aim point.

    The inverse of :func:`bplane_one`: the hyperbola whose incoming asymptote
    is ``vinf_vec`` and whose B vector is ``bt T + br R``.

    Parameters
    ----------
    mu : float
        Gravitational parameter, km^3/s^2.
    vinf_vec : array_like, shape (3,)
        Approach excess velocity, km/s.
    bt, br : float
        Aim point, km (not both zero).
    pole : array_like, shape (3,)

    Returns
    -------
    r, v : ndarray, shape (3,)
        Position (km) and velocity (km/s) at periapsis, planet-centred.
    """
    vinf_vec = np.asarray(vinf_vec, dtype=float)
    vinf = float(np.linalg.norm(vinf_vec))
    S, T, R = bplane_axes(vinf_vec, pole)
    B = bt * T + br * R
    b = float(np.linalg.norm(B))
    bhat = B / b
    h_hat = np.cross(bhat, S)  # angular momentum along B × S
    rp = float(periapsis_radius(mu, vinf, b))
    e = 1.0 + rp * vinf * vinf / mu
    e_hat = S / e + math.sqrt(1.0 - 1.0 / e**2) * bhat
    vp = math.sqrt(vinf * vinf + 2.0 * mu / rp)
    return rp * e_hat, vp * np.cross(h_hat, e_hat)


def departure_hyperbola(mu, vinf_vec, rp, pole=ECLIPTIC_POLE):
    """Periapsis state of a departure hyperbola leaving along ``vinf_vec``.

    Of the hyperbolas with periapsis radius ``rp`` whose outgoing asymptote is
    ``vinf_vec``, the one in the plane of least inclination to ``pole``, flown
    prograde about it.

    Parameters
    ----------
    mu : float
        Gravitational parameter, km^3/s^2.
    vinf_vec : array_like, shape (3,)
        Outgoing excess velocity, km/s.
    rp : float
        Periapsis radius (the parking orbit's), km.
    pole : array_like, shape (3,)

    Returns
    -------
    r, v : ndarray, shape (3,)
        Position (km) and velocity (km/s) at periapsis, planet-centred.
    """
    vinf_vec = np.asarray(vinf_vec, dtype=float)
    vinf = float(np.linalg.norm(vinf_vec))
    S = vinf_vec / vinf
    k = np.asarray(pole, dtype=float)
    n = k - np.dot(k, S) * S
    if np.linalg.norm(n) < 1e-9:  # asymptote along the pole: any plane will do
        n = np.cross(S, [1.0, 0.0, 0.0] if abs(S[0]) < 0.9 else [0.0, 1.0, 0.0])
    h_hat = n / np.linalg.norm(n)
    e = 1.0 + rp * vinf * vinf / mu
    # outgoing asymptote S = -ê/e + sqrt(1 - 1/e²) (ĥ × ê)  =>  ê = -S/e + sqrt(1 - 1/e²) (S × ĥ)
    e_hat = -S / e + math.sqrt(1.0 - 1.0 / e**2) * np.cross(S, h_hat)
    vp = math.sqrt(vinf * vinf + 2.0 * mu / rp)
    return rp * e_hat, vp * np.cross(h_hat, e_hat)


def hyperbola_time_to_radius(mu, vinf, rp, r):
    """Time (s) from periapsis to radius ``r`` on a hyperbola of excess ``vinf`` and periapsis ``rp``.

    ``t = sqrt(-a³/μ) (e sinh F - F)`` with ``a = -μ/v∞²``, ``e = 1 + rp v∞²/μ``
    and ``cosh F = (1 - r/a) / e``.
    """
    a = -mu / (vinf * vinf)
    e = 1.0 - rp / a
    f = math.acosh((1.0 - r / a) / e)
    return math.sqrt(-(a**3) / mu) * (e * math.sinh(f) - f)
