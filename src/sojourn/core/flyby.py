"""Gravity assists: unpowered and powered flybys of a planet, in patched conics.

A flyby joins two heliocentric arcs at a planet. In the planet's frame the
craft arrives on a hyperbola with excess velocity v∞_in and leaves on one with
v∞_out; the planet is a point mass of gravitational parameter μ and the flyby
is instantaneous on the heliocentric scale (patched conics).

Unpowered flyby
    One hyperbola: |v∞_out| = |v∞_in| and the asymptote turns by
    δ = 2 asin(1/e), e = 1 + r_p v∞² / μ (:func:`flyby_turn_angle`). The
    lowest periapsis allowed (body radius plus a safe altitude) sets the
    largest turn, so a turn is *reachable* when δ ≤ δ_max(r_p,min).
Powered flyby
    Two hyperbolas sharing their periapsis radius and direction, joined by one
    tangential impulse there (the usual model of MGA trajectory design:
    Melman 2007, Musegaas 2012, as in tudat and ESA's GTOP problems). The turn
    is the sum of the two half-turns, δ = asin(1/e_in) + asin(1/e_out) with
    e = 1 + r_p v∞² / μ for each, which fixes r_p; the impulse is
    Δv = |sqrt(v∞_out² + 2μ/r_p) - sqrt(v∞_in² + 2μ/r_p)|. An unpowered flyby
    is the case |v∞_in| = |v∞_out| and costs exactly 0.
A turn beyond reach
    When δ exceeds what the two hyperbolas can give at r_p,min the flyby is
    not flyable as such: the kernels say so with the status
    :data:`~sojourn.core.status.TURN_BEYOND_REACH` and, for a continuous cost
    across that boundary (optimisers need one), give the repair of Melman and
    Musegaas: periapsis at r_p,min and an extra impulse
    2 min(|v∞_in|, |v∞_out|) sin((δ - δ_max) / 2) that turns the slower
    excess velocity by the missing angle.
B-plane of the flyby
    ``S`` is the incoming asymptote v̂∞_in, ``T = unit(S × k)``, ``R = S × T``
    with the pole ``k`` (default :data:`~sojourn.core.bplane.ECLIPTIC_POLE`,
    the conventions of :mod:`sojourn.core.bplane`). The flyby's plane holds
    v∞_in and v∞_out, its angular momentum is along v∞_in × v∞_out, and the aim
    point ``B = b (S × ĥ)`` lies opposite the direction the asymptote turns
    towards, at the impact parameter ``b = r_p sqrt(1 + 2μ / (r_p v∞_in²))``
    of the incoming hyperbola.

Units are km, s, km/s and radians. The numba kernels (``flyby_one``,
``flyby_full_one``, ``outgoing_one``) take and return plain floats and can be
called from other kernels; the batched functions never raise for an element
but give it a status (:mod:`sojourn.core.status`) or NaN.

References
----------
Melman, J. (2007), *Trajectory optimization for a mission to Neptune and
Triton*, MSc thesis, Delft University of Technology.
Musegaas, P. (2012), *Optimization of Space Trajectories Including Multiple
Gravity Assists and Deep Space Maneuvers*, MSc thesis, Delft University of
Technology.
Izzo, D. & Vinkó, T., ESA ACT Global Trajectory Optimisation Problems (GTOP)
database: Cassini1, Messenger.
Curtis, H. D., *Orbital Mechanics for Engineering Students*, sec. 8.9
(planetary flyby).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sojourn.core.bplane import ECLIPTIC_POLE, bplane_axes_one, impact_parameter
from sojourn.core.elementwise import apply
from sojourn.core.status import NO_SOLUTION, OK, TURN_BEYOND_REACH
from sojourn.core.threads import SERIAL_BELOW, serial_and_parallel

__all__ = [
    "flyby_batch",
    "flyby_full_one",
    "flyby_one",
    "flyby_outgoing",
    "flyby_periapsis_for_turn",
    "flyby_turn_angle",
    "outgoing_one",
    "periapsis_burn_bound",
    "powered_flyby",
]

_NAN = math.nan
_INF = math.inf
_PI = math.pi


# --------------------------------------------------------------------------
# one hyperbola: turn angle and its inverse (scalar formulas, one loop for arrays)
# --------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def _flyby_turn_angle(mu, vinf, rp):
    if not (mu > 0.0 and rp > 0.0 and vinf >= 0.0):
        return _NAN
    k = rp * vinf * vinf / mu  # e - 1
    # 2 asin(1/e) = 2 atan2(1, sqrt(e² - 1)), accurate for e near 1 as well
    return 2.0 * math.atan2(1.0, math.sqrt(k * (2.0 + k)))


@njit(cache=True, error_model="numpy")
def _flyby_periapsis_for_turn(mu, vinf, delta):
    if not (mu > 0.0 and vinf > 0.0 and 0.0 < delta < _PI):
        return _NAN
    # rp = mu/vinf² (e - 1), e = 1/sin(delta/2); 1 - sin(delta/2) = 2 sin²((pi - delta)/4)
    s = math.sin(0.25 * (_PI - delta))
    return mu / (vinf * vinf) * 2.0 * s * s / math.sin(0.5 * delta)


_TURN, _PERIAPSIS = 0, 1  # the formulas' numbers in _loop


@njit(cache=True)
def _loop(which, x):
    """Formula ``which`` at every column of ``x`` (one argument a row), the module's one compiled loop."""
    n = x.shape[1]
    out = np.empty(n)
    for i in range(n):
        if which == _TURN:
            out[i] = _flyby_turn_angle(x[0, i], x[1, i], x[2, i])
        else:
            out[i] = _flyby_periapsis_for_turn(x[0, i], x[1, i], x[2, i])
    return out


def flyby_turn_angle(mu, vinf, rp):
    """Angle by which an unpowered swing-by turns the v∞ vector, radians.

    δ = 2 asin(1 / e), with the hyperbola's eccentricity e = 1 + rp vinf² / mu.
    The magnitude |v∞| is unchanged by an unpowered flyby.

    Parameters
    ----------
    mu : float or array_like
        Gravitational parameter of the flyby body, km^3/s^2.
    vinf : float or array_like
        Hyperbolic excess speed, km/s (>= 0; 0 gives the limit π).
    rp : float or array_like
        Periapsis radius of the flyby, km.

    Returns
    -------
    float or ndarray
        Turn angle δ in (0, π], radians; NaN where mu <= 0, rp <= 0 or
        vinf < 0.

    Notes
    -----
    Computed as 2 atan2(1, sqrt(e² - 1)), equal to 2 asin(1/e) but accurate
    when e is close to 1.
    """
    return apply(_loop, _TURN, mu, vinf, rp)


def flyby_periapsis_for_turn(mu, vinf, delta):
    """Periapsis radius at which an unpowered swing-by turns v∞ by delta radians.

    The inverse of :func:`flyby_turn_angle`: e = 1 / sin(δ / 2) and
    rp = mu (e - 1) / vinf². Check the result against the body's radius plus
    a safe altitude: a turn that needs rp below it is not flyable.

    Parameters
    ----------
    mu : float or array_like
        Gravitational parameter, km^3/s^2.
    vinf : float or array_like
        Hyperbolic excess speed, km/s (> 0).
    delta : float or array_like
        Turn angle, radians, in (0, π).

    Returns
    -------
    float or ndarray
        Periapsis radius, km; NaN where mu <= 0, vinf <= 0 or delta is
        outside (0, π).
    """
    return apply(_loop, _PERIAPSIS, mu, vinf, delta)


# --------------------------------------------------------------------------
# compiled kernels (one flyby each)
# --------------------------------------------------------------------------


@njit(cache=True, inline="always")
def _half_turn(k, rp):
    """asin(1/e) of a hyperbola with e = 1 + k rp (k = v∞²/mu), accurate for e near 1."""
    x = k * rp
    return math.atan2(1.0, math.sqrt(x * (2.0 + x)))


@njit(cache=True, inline="always")
def periapsis_burn_bound(mu, vi2, vo2, rp):
    """Tangential periapsis burn between hyperbolas of v∞² ``vi2`` and ``vo2`` sharing periapsis ``rp``.

    ``|sqrt(vo2 + 2mu/rp) - sqrt(vi2 + 2mu/rp)|`` without cancellation, km/s.
    It shrinks as ``rp`` does, so at the lowest periapsis allowed it bounds
    every powered flyby between those two speeds from below (a branch-and-bound
    test for searches).
    """
    e2 = 2.0 * mu / rp
    return abs(vo2 - vi2) / (math.sqrt(vo2 + e2) + math.sqrt(vi2 + e2))


@njit(cache=True)
def _solve_periapsis(mu, vi2, vo2, delta, rp_min):
    """Periapsis radius >= rp_min at which the two half-turns add up to ``delta`` (0 < delta <= reach).

    Safeguarded Newton inside a bracket: the sum of the half-turns falls
    monotonically with rp.
    """
    ki = vi2 / mu
    ko = vo2 / mu
    lo = rp_min
    # both halves at the slower v∞ turn more than the real pair at any rp: the
    # periapsis that turns the slower one by delta bounds the root from above
    s = math.sin(0.25 * (math.pi - delta))
    hi = mu / min(vi2, vo2) * 2.0 * s * s / math.sin(0.5 * delta)
    if hi < lo:
        hi = lo
    rp = 0.5 * (lo + hi)
    for _ in range(200):
        g = _half_turn(ki, rp) + _half_turn(ko, rp) - delta
        if g > 0.0:
            lo = rp
        elif g < 0.0:
            hi = rp
        else:
            break
        xi = ki * rp
        xo = ko * rp
        dg = -ki / ((1.0 + xi) * math.sqrt(xi * (2.0 + xi))) - ko / ((1.0 + xo) * math.sqrt(xo * (2.0 + xo)))
        new = rp - g / dg if dg < 0.0 else 0.5 * (lo + hi)
        if not (lo < new < hi):
            new = 0.5 * (lo + hi)
        if abs(new - rp) <= 1e-14 * rp or hi - lo <= 1e-14 * hi:
            rp = new
            break
        rp = new
    return rp


@njit(cache=True, inline="always")
def _angle(ax, ay, az, bx, by, bz):
    """Angle between two vectors, radians in [0, π] (atan2 form: accurate near 0 and π)."""
    cx = ay * bz - az * by
    cy = az * bx - ax * bz
    cz = ax * by - ay * bx
    return math.atan2(math.sqrt(cx * cx + cy * cy + cz * cz), ax * bx + ay * by + az * bz)


@njit(cache=True)
def flyby_one(mu, vix, viy, viz, vox, voy, voz, rp_min):
    """One flyby, powered at periapsis when the v∞ magnitudes differ.

    The incoming hyperbola (excess speed |v∞_in|) and the outgoing one
    (|v∞_out|) share their periapsis radius rp and direction; the turn between
    the asymptotes is the sum of their half-turns,
    δ = asin(1/e_in) + asin(1/e_out), e = 1 + rp v∞²/mu. rp is solved from the
    turn δ between v∞_in and v∞_out (safeguarded Newton inside a bracket); the
    tangential burn at periapsis is Δv = |sqrt(v∞_out² + 2mu/rp) -
    sqrt(v∞_in² + 2mu/rp)|. Infeasible when the turn needs rp < rp_min.
    An unpowered flyby (|v∞_in| = |v∞_out|) costs exactly 0.

    Returns
    -------
    (dv, rp, ok) : (float, float, bool)
        km/s, km (inf when no turn is needed), feasibility.
    """
    vi2 = vix * vix + viy * viy + viz * viz
    vo2 = vox * vox + voy * voy + voz * voz
    if not (mu > 0.0 and rp_min > 0.0 and vi2 > 0.0 and vo2 > 0.0):
        return _NAN, _NAN, False
    if not (math.isfinite(vi2) and math.isfinite(vo2)):
        return _NAN, _NAN, False
    delta = _angle(vix, viy, viz, vox, voy, voz)
    if _half_turn(vi2 / mu, rp_min) + _half_turn(vo2 / mu, rp_min) < delta:
        return _NAN, _NAN, False
    if delta <= 0.0:  # no turn: periapsis at infinity, the burn is the change of v∞
        return abs(math.sqrt(vo2) - math.sqrt(vi2)), _INF, True
    rp = _solve_periapsis(mu, vi2, vo2, delta, rp_min)
    return periapsis_burn_bound(mu, vi2, vo2, rp), rp, True


@njit(cache=True)
def flyby_full_one(mu, vix, viy, viz, vox, voy, voz, rp_min, kx, ky, kz):
    """One flyby with its B-plane, and the cost of a turn beyond reach.

    Returns
    -------
    tuple
        ``(dv, turn_dv, rp, delta, reach, bt_unit, br_unit, status)``:

        * ``dv`` periapsis burn, km/s (0 for equal v∞ magnitudes);
        * ``turn_dv`` the extra impulse of the Melman-Musegaas repair when the
          turn is beyond reach, km/s (0 otherwise);
        * ``rp`` periapsis radius, km (``rp_min`` beyond reach, inf without a turn);
        * ``delta`` the turn between v∞_in and v∞_out and ``reach`` the most the
          two hyperbolas can turn at ``rp_min``, radians;
        * ``bt_unit``, ``br_unit`` the components of the unit aim point B̂ on
          the B-plane axes T and R of pole ``k`` (NaN when the flyby's plane is
          undefined: no turn, or a turn of π);
        * ``status``: ``OK``, ``TURN_BEYOND_REACH``, or ``NO_SOLUTION`` for an
          input that is no flyby (mu, rp_min or a v∞ not positive and finite),
          with NaNs.
    """
    nan = _NAN
    vi2 = vix * vix + viy * viy + viz * viz
    vo2 = vox * vox + voy * voy + voz * voz
    if not (mu > 0.0 and rp_min > 0.0 and vi2 > 0.0 and vo2 > 0.0
            and math.isfinite(vi2) and math.isfinite(vo2) and math.isfinite(rp_min)):
        return nan, nan, nan, nan, nan, nan, nan, NO_SOLUTION
    delta = _angle(vix, viy, viz, vox, voy, voz)
    reach = _half_turn(vi2 / mu, rp_min) + _half_turn(vo2 / mu, rp_min)
    # B-plane direction: B̂ = S × ĥ, ĥ = unit(v∞_in × v∞_out)
    vi = math.sqrt(vi2)
    sx, sy, sz = vix / vi, viy / vi, viz / vi
    hx = viy * voz - viz * voy
    hy = viz * vox - vix * voz
    hz = vix * voy - viy * vox
    hn = math.sqrt(hx * hx + hy * hy + hz * hz)
    bt_u = nan
    br_u = nan
    if hn > 0.0:
        hx /= hn
        hy /= hn
        hz /= hn
        bx = sy * hz - sz * hy
        by = sz * hx - sx * hz
        bz = sx * hy - sy * hx
        tx, ty, tz, rx, ry, rz = bplane_axes_one(sx, sy, sz, kx, ky, kz)
        bt_u = bx * tx + by * ty + bz * tz
        br_u = bx * rx + by * ry + bz * rz
    if delta > reach:
        turn_dv = 2.0 * math.sqrt(min(vi2, vo2)) * math.sin(0.5 * (delta - reach))
        return (periapsis_burn_bound(mu, vi2, vo2, rp_min), turn_dv, rp_min, delta, reach, bt_u, br_u,
                TURN_BEYOND_REACH)
    if delta <= 0.0:
        return abs(math.sqrt(vo2) - vi), 0.0, _INF, delta, reach, nan, nan, OK
    rp = _solve_periapsis(mu, vi2, vo2, delta, rp_min)
    return periapsis_burn_bound(mu, vi2, vo2, rp), 0.0, rp, delta, reach, bt_u, br_u, OK


@njit(cache=True)
def outgoing_one(mu, vix, viy, viz, rp, theta, dv, kx, ky, kz):
    """Outgoing excess velocity of a flyby given its periapsis, aim and periapsis burn.

    The incoming hyperbola has excess velocity v∞_in and periapsis radius
    ``rp``; its aim point lies at B-plane angle ``theta`` (radians, from T
    towards R, pole ``k``); a tangential impulse ``dv`` (km/s, > 0 speeds up)
    at periapsis starts the outgoing hyperbola.

    Returns
    -------
    tuple
        ``(vox, voy, voz, status)``: v∞_out (km/s) and ``OK``; NaNs and
        ``NO_SOLUTION`` when the inputs are no flyby or the burn leaves a
        bound orbit (|v∞_out|² <= 0).
    """
    nan = _NAN
    vi2 = vix * vix + viy * viy + viz * viz
    if not (mu > 0.0 and rp > 0.0 and vi2 > 0.0 and math.isfinite(vi2) and math.isfinite(rp)
            and math.isfinite(theta) and math.isfinite(dv)):
        return nan, nan, nan, NO_SOLUTION
    vp = math.sqrt(vi2 + 2.0 * mu / rp)
    vo2 = vi2 + dv * (2.0 * vp + dv)  # (vp + dv)² - 2mu/rp, without cancellation
    if not (vo2 > 0.0 and vp + dv > 0.0):
        return nan, nan, nan, NO_SOLUTION
    vi = math.sqrt(vi2)
    sx, sy, sz = vix / vi, viy / vi, viz / vi
    tx, ty, tz, rx, ry, rz = bplane_axes_one(sx, sy, sz, kx, ky, kz)
    if not math.isfinite(tx):
        return nan, nan, nan, NO_SOLUTION
    delta = _half_turn(vi2 / mu, rp) + _half_turn(vo2 / mu, rp)
    c, s = math.cos(theta), math.sin(theta)
    # the asymptote turns away from the aim point: v̂∞_out = cos δ S - sin δ B̂
    cd, sd = math.cos(delta), math.sin(delta)
    vo = math.sqrt(vo2)
    return (vo * (cd * sx - sd * (c * tx + s * rx)), vo * (cd * sy - sd * (c * ty + s * ry)),
            vo * (cd * sz - sd * (c * tz + s * rz)), OK)


# --------------------------------------------------------------------------
# batched forms
# --------------------------------------------------------------------------


def _powered_loop(mu, vin, vout, rp_min, dv, rp, ok):
    for i in prange(vin.shape[0]):
        dv[i], rp[i], ok[i] = flyby_one(mu[i], vin[i, 0], vin[i, 1], vin[i, 2],
                                        vout[i, 0], vout[i, 1], vout[i, 2], rp_min[i])


def _full_loop(mu, vin, vout, rp_min, k, dv, turn_dv, rp, delta, reach, bt_u, br_u, status):
    for i in prange(vin.shape[0]):
        (dv[i], turn_dv[i], rp[i], delta[i], reach[i], bt_u[i], br_u[i], status[i]) = flyby_full_one(
            mu[i], vin[i, 0], vin[i, 1], vin[i, 2], vout[i, 0], vout[i, 1], vout[i, 2], rp_min[i],
            k[0], k[1], k[2])


def _outgoing_loop(mu, vin, rp, theta, dv, k, vout, status):
    for i in prange(vin.shape[0]):
        vout[i, 0], vout[i, 1], vout[i, 2], status[i] = outgoing_one(
            mu[i], vin[i, 0], vin[i, 1], vin[i, 2], rp[i], theta[i], dv[i], k[0], k[1], k[2])


_powered_serial, _powered_parallel = serial_and_parallel(_powered_loop)
_full_serial, _full_parallel = serial_and_parallel(_full_loop)
_outgoing_serial, _outgoing_parallel = serial_and_parallel(_outgoing_loop)


def _vectors(*arrays):
    """(N, 3) float64 arrays, broadcast to a common N."""
    arrays = [np.atleast_2d(np.asarray(a, dtype=np.float64)) for a in arrays]
    n = max(a.shape[0] for a in arrays)
    return [np.ascontiguousarray(np.broadcast_to(a, (n, 3))) for a in arrays], n


def _scalars(n, *values):
    return [np.ascontiguousarray(np.broadcast_to(np.asarray(v, dtype=np.float64), (n,))) for v in values]


def powered_flyby(mu, vinf_in, vinf_out, rp_min):
    """Flyby burns for many (v∞_in, v∞_out) pairs, batched (see :func:`flyby_one`).

    Parameters
    ----------
    mu : float or array_like, shape (N,)
        Gravitational parameter of the flyby body, km^3/s^2.
    vinf_in, vinf_out : array_like, shape (N, 3) or (3,)
        Hyperbolic excess velocities before and after the flyby, km/s
        (heliocentric velocity minus the body's).
    rp_min : float or array_like, shape (N,)
        Smallest periapsis radius allowed (body radius + minimum altitude), km.

    Returns
    -------
    dv : ndarray, shape (N,)
        Periapsis burn, km/s (0 for equal v∞ magnitudes); NaN where infeasible.
    rp : ndarray, shape (N,)
        Periapsis radius that turns v∞_in into v∞_out's direction, km (inf
        when they are parallel); NaN where infeasible.
    feasible : ndarray of bool, shape (N,)
        False where the turn needs a periapsis below rp_min.
    """
    (vin, vout), n = _vectors(vinf_in, vinf_out)
    mu_a, rmin = _scalars(n, mu, rp_min)
    dv = np.empty(n)
    rp = np.empty(n)
    ok = np.empty(n, dtype=np.bool_)
    kernel = _powered_serial if n < SERIAL_BELOW else _powered_parallel
    kernel(mu_a, vin, vout, rmin, dv, rp, ok)
    return dv, rp, ok


def flyby_batch(mu, vinf_in, vinf_out, rp_min, pole=ECLIPTIC_POLE) -> dict:
    """Everything about many flybys: burn, periapsis, turn, reach and B-plane.

    Parameters
    ----------
    mu : float or array_like, shape (N,)
        Gravitational parameter of the flyby body, km^3/s^2.
    vinf_in, vinf_out : array_like, shape (N, 3) or (3,)
        Excess velocities before and after the flyby, km/s.
    rp_min : float or array_like, shape (N,)
        Lowest periapsis radius allowed, km.
    pole : array_like, shape (3,)
        Reference pole of the B-plane axes; default the J2000 ecliptic pole.

    Returns
    -------
    dict of ndarray, each shape (N,)
        ``dv`` periapsis burn (km/s; 0 for an unpowered flyby), ``turn_dv``
        the extra impulse of a turn beyond reach (km/s; 0 when reachable),
        ``rp`` periapsis radius (km; ``rp_min`` beyond reach, inf without a
        turn), ``turn`` and ``max_turn`` (radians), ``vinf_in`` and
        ``vinf_out`` (km/s), ``b``, ``bt``, ``br`` the impact parameter and
        the aim point of the incoming hyperbola (km; NaN when the flyby plane
        is undefined), ``status`` (int8: ``OK``, ``TURN_BEYOND_REACH``,
        ``NO_SOLUTION``; NaNs with the last).

    Examples
    --------
    The first Venus swing-by of ESA's Cassini1 benchmark (GTOP), as tudat's
    unit tests give it (heliocentric velocities in m/s):

    >>> v_venus = np.array([32851.224953746, -11618.7310059974, -2055.04615890989])
    >>> v_in = np.array([34216.4827530912, -15170.1440677825, 395.792122152361])
    >>> v_out = np.array([37954.2431376052, -14093.0467234774, -5753.53728279429])
    >>> out = flyby_batch(3.24860e5, (v_in - v_venus) / 1e3, (v_out - v_venus) / 1e3, 6351.8)
    >>> round(float(out["dv"][0]) * 1e3, 6)  # m/s; GTOP gives 1090.64622870007
    1090.646229
    """
    (vin, vout), n = _vectors(vinf_in, vinf_out)
    mu_a, rmin = _scalars(n, mu, rp_min)
    k = np.ascontiguousarray(np.asarray(pole, dtype=np.float64).reshape(3))
    names = ("dv", "turn_dv", "rp", "turn", "max_turn", "bt_unit", "br_unit")
    out = {name: np.empty(n) for name in names}
    status = np.empty(n, dtype=np.int8)
    kernel = _full_serial if n < SERIAL_BELOW else _full_parallel
    kernel(mu_a, vin, vout, rmin, k, *(out[name] for name in names), status)
    out["vinf_in"] = np.linalg.norm(vin, axis=1)
    out["vinf_out"] = np.linalg.norm(vout, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.where(np.isfinite(out["bt_unit"]), impact_parameter(mu_a, out["vinf_in"], out["rp"]), np.nan)
    out["b"] = b
    out["bt"] = b * out.pop("bt_unit")
    out["br"] = b * out.pop("br_unit")
    out["status"] = status
    return out


def flyby_outgoing(mu, vinf_in, rp, bplane_angle, dv=0.0, pole=ECLIPTIC_POLE):
    """Where a flyby sends the craft: v∞_out from v∞_in, periapsis, aim and periapsis burn.

    The forward form of a flyby (as MGA-DSM models propagate one): the
    incoming hyperbola of periapsis radius ``rp`` aimed at B-plane angle
    ``bplane_angle`` turns by its half-turn, a tangential burn ``dv`` at
    periapsis changes the speed, and the outgoing hyperbola turns by its own
    half-turn; ``dv = 0`` is the unpowered flyby (|v∞_out| = |v∞_in|, turn
    :func:`flyby_turn_angle`).

    Parameters
    ----------
    mu : float or array_like, shape (N,)
        Gravitational parameter, km^3/s^2.
    vinf_in : array_like, shape (N, 3) or (3,)
        Incoming excess velocity, km/s.
    rp : float or array_like, shape (N,)
        Periapsis radius, km.
    bplane_angle : float or array_like, shape (N,)
        Angle of the aim point B from T towards R, radians (T, R of ``pole``).
    dv : float or array_like, shape (N,)
        Tangential periapsis burn, km/s (positive speeds up).
    pole : array_like, shape (3,)
        Reference pole; default the J2000 ecliptic pole. GTOP and tudat use
        the planet's heliocentric velocity as this pole, and measure their
        rotation angle of v∞_out from T, which is ``bplane_angle - π``.

    Returns
    -------
    vinf_out : ndarray, shape (N, 3)
        Outgoing excess velocity, km/s; NaN where status is not OK.
    status : ndarray of int8, shape (N,)
        ``OK``, or ``NO_SOLUTION`` for inputs that are no flyby (a burn that
        leaves the craft bound to the planet, a v∞_in along the pole).
    """
    (vin,), n = _vectors(vinf_in)
    mu_a, rp_a, th, dv_a = _scalars(n, mu, rp, bplane_angle, dv)
    k = np.ascontiguousarray(np.asarray(pole, dtype=np.float64).reshape(3))
    vout = np.empty((n, 3))
    status = np.empty(n, dtype=np.int8)
    kernel = _outgoing_serial if n < SERIAL_BELOW else _outgoing_parallel
    kernel(mu_a, vin, rp_a, th, dv_a, k, vout, status)
    return vout, status
