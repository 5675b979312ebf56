"""Lambert's problem by Izzo's (2015) method, batched and compiled.

Given two positions and a time of flight, find the conic that joins them.
Izzo writes the time of flight as a function T(x) of one variable x that spans
every conic (x < 1 elliptic, x = 1 parabolic, x > 1 hyperbolic) and solves
T(x) = T* with Householder's fourth-order iteration. Here that iteration is kept
inside a bracket of the root, falling back to bisection when a step would leave
it, and every answer is checked against the time-of-flight equation before it
is reported ``OK``; so a wrong answer is never passed on as a right one. The
check is either T evaluated at the answer or, where the last step was short
against the distance to T's nearest singularity, a bound on the step's residual
from T's Taylor series at the previous x: its first four derivatives are at hand
there, and Cauchy's estimate bounds the rest (:func:`_step_residual`).

Geometry is computed in forms that keep their digits near 0 and 180 degrees of
transfer angle (half-angle chords instead of ``sqrt(1 - rho**2)``, atan2 instead
of arccos).

References
----------
Izzo, D. (2015). Revisiting Lambert's problem. *Celestial Mechanics and Dynamical
Astronomy*, 121(1), 1-15. doi:10.1007/s10569-014-9587-y
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sojourn.core.status import NO_SOLUTION, NOT_CONVERGED, OK
from sojourn.core.threads import SERIAL_BELOW, serial_and_parallel

_PI = math.pi
_MAX_ITER = 120
_X_TOL = 1e-15
_T_TOL_FAST = 1e-13  # relative residual of T(x) = T* that ends the iteration
_T_TOL = 1e-11  # the loosest residual accepted as OK when round-off stalls the iteration
_SHORT_STEP = 1e-2  # a step at most this fraction of the way to T's nearest singularity may be bounded


@njit(cache=True, inline="always")
def _hyp2f1b(z):
    """Gauss hypergeometric 2F1(3, 1; 5/2; z) by its series, |z| < 1."""
    res = 1.0
    term = 1.0
    k = 0
    while k < 1000:
        term = term * (3.0 + k) * (1.0 + k) / (2.5 + k) * z / (k + 1.0)
        new = res + term
        if new == res:
            return new
        res = new
        k += 1
    return res


@njit(cache=True, inline="always")
def _y_of(x, lam):
    return math.sqrt(1.0 - lam * lam * (1.0 - x * x))


@njit(cache=True)
def _tof(x, lam, m):
    """Non-dimensional time of flight T(x) for ``m`` full revolutions (Izzo eq. 18-20)."""
    return _tof_inv(x, _y_of(x, lam), lam, m)[0]


@njit(cache=True, inline="always")
def _tof_y(x, y, lam, m):
    """:func:`_tof` given y(x) (Izzo eq. 16)."""
    return _tof_inv(x, y, lam, m)[0]


@njit(cache=True, inline="always")
def _tof_inv(x, y, lam, m):
    """(T(x), 1 / (1 - x^2)) given y(x): the reciprocal is shared with the derivatives
    (:func:`_dtof_inv`), so an iteration divides by 1 - x^2 once."""
    nan = math.nan
    t, inv, _, _, _ = _tof_psi(x, y, lam, m, nan, nan, nan)
    return t, inv


@njit(cache=True, inline="always")
def _tof_psi(x, y, lam, m, psi0, c0, s0):
    """:func:`_tof_inv`, and an anchor angle for the next evaluation: (T, 1 / (1 - x^2),
    psi, cos psi, sin psi).

    ``psi0``, ``c0``, ``s0`` are an anchor: an elliptic angle computed by acos or
    atan2 with its cosine and sine (NaN: none), e.g. from the previous cell of a
    porkchop row. Where this x's angle psi lies within 0.03 rad of it, psi is
    psi0 plus asin(sin(psi - psi0)), the sine from the two angles' cosines and
    sines and asin by its series to the ninth power (the first omitted term is
    below 1e-18 rad), and the anchor is passed on unchanged, so that round-off
    does not accumulate from one anchor to the next; otherwise psi is computed
    afresh and becomes the anchor. Off the elliptic branch the anchor is NaN.
    """
    omx2 = 1.0 - x * x
    inv = 1.0 / omx2
    nan = math.nan
    if m == 0 and 0.7745966692414834 < x < 1.1832159566199232:  # sqrt(0.6) < x < sqrt(1.4)
        # near-parabolic: Battin's hypergeometric series, no cancellation at x = 1
        eta = y - lam * x
        s1 = 0.5 * (1.0 - lam - x * eta)
        q = 4.0 / 3.0 * _hyp2f1b(s1)
        return 0.5 * (eta * eta * eta * q + 4.0 * lam * eta), inv, nan, nan, nan
    if x < 1.0:
        # elliptic: psi in [0, pi] (its sine (y - x lam) sqrt(1 - x^2) is never negative).
        # acos is twice as fast as atan2 and as accurate while |cos psi| <= 0.9 (its
        # error grows as 1/sin psi); atan2 keeps the digits near 0 and pi.
        cos_psi = x * y + lam * omx2
        sq = math.sqrt(omx2)
        sin_psi = (y - x * lam) * sq
        u = sin_psi * c0 - cos_psi * s0  # sin(psi - psi0)
        if abs(u) < 0.03 and cos_psi * c0 + sin_psi * s0 > 0.0:
            u2 = u * u
            psi = psi0 + u * (1.0 + u2 * (1.0 / 6.0 + u2 * (3.0 / 40.0 + u2 * (5.0 / 112.0 + u2 * (35.0 / 1152.0)))))
            return ((psi + m * _PI) * sq * inv - x + lam * y) * inv, inv, psi0, c0, s0
        if -0.9 <= cos_psi <= 0.9:
            psi = math.acos(cos_psi)
        else:
            psi = math.atan2(sin_psi, cos_psi)
        t = ((psi + m * _PI) * sq * inv - x + lam * y) * inv  # psi / sq = psi sq / (1 - x^2)
        return t, inv, psi, cos_psi, sin_psi
    sq = math.sqrt(-omx2)
    psi = math.asinh((y - x * lam) * sq)
    return (-psi * sq * inv - x + lam * y) * inv, inv, nan, nan, nan


@njit(cache=True, inline="always")
def _dtof(x, y, t, lam):
    """First three derivatives of T(x) (Izzo eq. 22), given y(x) and T(x)."""
    d1, d2, d3, _, _ = _dtof_inv(x, y, t, lam, 1.0 / (1.0 - x * x))
    return d1, d2, d3


@njit(cache=True, inline="always")
def _dtof_inv(x, y, t, lam, inv):
    """The first four derivatives of T(x) given ``inv`` = 1 / (1 - x^2), and 1 / y.

    Izzo's eq. 22 gives the first three; differentiating the third,
    (1 - x^2) T^(4) = 9 x T^(3) + 15 T^(2) - 6 (1 - lam^2) lam^5 (1 / y^5 - 5 lam^2 x^2 / y^7).
    Two divisions, by 1 - x^2 and by y, shared by all four.
    """
    l2 = lam * lam
    l3 = l2 * lam
    iy = 1.0 / y
    iy2 = iy * iy
    k = 2.0 * (1.0 - l2) * l3 * iy * iy2  # 2 (1 - lam^2) lam^3 / y^3
    k5 = 3.0 * l2 * k * iy2  # 6 (1 - lam^2) lam^5 / y^5
    d1 = (3.0 * t * x - 2.0 + 2.0 * l3 * x * iy) * inv
    d2 = (3.0 * t + 5.0 * x * d1 + k) * inv
    d3 = (7.0 * x * d2 + 8.0 * d1 - k5 * x) * inv
    d4 = (9.0 * x * d3 + 15.0 * d2 - k5 * (1.0 - 5.0 * l2 * x * x * iy2)) * inv
    return d1, d2, d3, d4, iy


@njit(cache=True, inline="always")
def _step_residual(f, dx, d1, d2, d3, d4, sr):
    """A bound on |T(x + dx) - T*| from T's Taylor series at x, for a short step.

    Parameters
    ----------
    f : float
        T(x) - T*.
    dx : float
        The step.
    d1, d2, d3, d4 : float
        The first four derivatives of T at x.
    sr : float
        |dx| over the distance from x to T's nearest singularity in the complex
        plane, rho (at most :data:`_SHORT_STEP`).

    Returns
    -------
    float
        |Taylor polynomial of degree 4 at dx| plus a bound on the terms left out.
        Cauchy's estimate, |a_n| <= M / rho^n, relates the coefficients of a
        function analytic within rho: the fifth is estimated from each of the
        first four as |a_k| / rho^(5 - k), the four estimates summed, and the
        tail times 5 (for 1 / (1 - sr) and for coefficients that grow as a power
        of n as well, as those of (1 + x)^(-3/2) do).
    """
    a2 = 0.5 * d2
    a3 = d3 * (1.0 / 6.0)
    a4 = d4 * (1.0 / 24.0)
    ad = abs(dx)
    p = f + dx * (d1 + dx * (a2 + dx * (a3 + dx * a4)))
    rest = sr * ad * (abs(a4) * ad * ad * ad + sr * (abs(a3) * ad * ad + sr * (abs(a2) * ad + sr * abs(d1))))
    return abs(p) + 5.0 * rest


@njit(cache=True)
def _x_of_tmin(lam, m):
    """The x where T(x) is smallest for ``m`` >= 1 revolutions, and that T.

    T is convex on (-1, 1) for m >= 1; its minimum is found by Halley's method on
    dT/dx = 0, guarded by a bracket and bisection.
    """
    lo = -1.0 + 1e-12
    hi = 1.0 - 1e-12
    x = 0.0
    for _ in range(_MAX_ITER):
        y = _y_of(x, lam)
        t = _tof_y(x, y, lam, m)
        d1, d2, d3 = _dtof(x, y, t, lam)
        if d1 > 0.0:
            hi = x
        else:
            lo = x
        denom = 2.0 * d2 * d2 - d1 * d3
        xn = x - 2.0 * d1 * d2 / denom if denom != 0.0 else math.nan
        if not (lo < xn < hi):
            xn = 0.5 * (lo + hi)
        if abs(xn - x) < _X_TOL or hi - lo < _X_TOL:
            x = xn
            break
        x = xn
    return x, _tof(x, lam, m)


@njit(cache=True, inline="always")
def _x_guess_zero_rev(t_target, lam):
    """Izzo's initial guess of x for zero revolutions (Izzo 2015, eq. 30)."""
    t00 = math.acos(lam) + lam * math.sqrt(1.0 - lam * lam)
    t1 = 2.0 / 3.0 * (1.0 - lam * lam * lam)
    if t_target >= t00:
        return (t00 / t_target) ** (2.0 / 3.0) - 1.0
    if t_target < t1:
        return 2.5 * t1 / t_target * (t1 - t_target) / (1.0 - lam**5) + 1.0
    return (t00 / t_target) ** (math.log(t1 / t00) / math.log(2.0)) - 1.0


@njit(cache=True, inline="always")
def _solve_x(t_target, lam, m, low_path, x_start, anchor):
    """Solve T(x) = t_target; returns (x, y(x), status, anchor).

    ``x_start`` replaces Izzo's initial guess for zero revolutions (NaN: use
    it), e.g. the solution of the neighbouring porkchop cell. The iteration is
    bracketed and its answer checked either way, so a poor start costs only
    iterations. ``anchor`` (psi, cos psi, sin psi; NaN: none) is passed to
    :func:`_tof_psi` and the last one returned, to seed the next problem.
    """
    psi, c_psi, s_psi = anchor
    if m == 0:
        lo = -1.0
        hi = math.inf
        x = x_start if -1.0 < x_start < math.inf else _x_guess_zero_rev(t_target, lam)
        increasing = False
    else:
        x_min, t_min = _x_of_tmin(lam, m)
        if t_target < t_min * (1.0 - 1e-14):
            return math.nan, math.nan, NO_SOLUTION, (psi, c_psi, s_psi)
        a = ((m * _PI + _PI) / (8.0 * t_target)) ** (2.0 / 3.0)
        b = ((8.0 * t_target) / (m * _PI)) ** (2.0 / 3.0)
        x_left = (a - 1.0) / (a + 1.0)
        x_right = (b - 1.0) / (b + 1.0)
        if low_path:
            lo, hi, x, increasing = x_min, 1.0, x_right, True
        else:
            lo, hi, x, increasing = -1.0, x_min, x_left, False
        if not (lo < x < hi):
            x = 0.5 * (lo + hi)
    for _ in range(_MAX_ITER):
        y = _y_of(x, lam)
        t, inv, psi, c_psi, s_psi = _tof_psi(x, y, lam, m, psi, c_psi, s_psi)
        f = t - t_target
        if not math.isfinite(f):
            return math.nan, math.nan, NOT_CONVERGED, (psi, c_psi, s_psi)
        if abs(f) <= _T_TOL_FAST * t_target:
            return x, y, OK, (psi, c_psi, s_psi)
        # keep the bracket: T decreases in x on the M = 0 curve and the left branch
        if (f > 0.0) != increasing:
            lo = x
        else:
            hi = x
        d1, d2, d3, d4, iy = _dtof_inv(x, y, t, lam, inv)
        denom = d1 * (d1 * d1 - f * d2) + d3 * f * f / 6.0
        xn = x - f * (d1 * d1 - f * d2 / 2.0) / denom if denom != 0.0 else math.nan
        dx = xn - x
        if abs(dx) <= _X_TOL * max(1.0, abs(x)):
            x = xn
            break  # stalled at round-off: judged below
        if lo < xn < hi:
            # the step over the distance to T's nearest singularity: x = -1; x = +1 (a singularity
            # for m >= 1, and taken as one for m = 0, where the derivatives lose digits near it);
            # and y(x) = 0, at x = +/- i sqrt(1 - lam^2) / |lam|, whose distance from x is y / |lam|
            sr = abs(dx) * max(abs(lam) * iy, abs((1.0 + x) * inv), abs((1.0 - x) * inv))
            if sr <= _SHORT_STEP and _step_residual(f, dx, d1, d2, d3, d4, sr) <= _T_TOL_FAST * t_target:
                return xn, _y_of(xn, lam), OK, (psi, c_psi, s_psi)
        if not (lo < xn < hi) or not math.isfinite(xn):
            if math.isfinite(hi):
                xn = 0.5 * (lo + hi)
            else:
                xn = 2.0 * x + 1.0 if x > 0.0 else 1.0 + 1e-3
        x = xn
    y = _y_of(x, lam)
    t = _tof_y(x, y, lam, m)
    status = OK if abs(t - t_target) <= _T_TOL * t_target else NOT_CONVERGED
    return x, y, status, (psi, c_psi, s_psi)


@njit(cache=True)
def lambert_one(mu, r1x, r1y, r1z, r2x, r2y, r2z, tof, m, prograde, low_path, nx, ny, nz):
    """Solve one Lambert problem on plain floats.

    The sense of motion is judged against the reference direction (nx, ny, nz):
    "prograde" is a transfer whose angular momentum points along it (the z axis
    in the usual convention; the departure body's orbit normal for planetary
    transfers). Returns (v1x, v1y, v1z, v2x, v2y, v2z, status).
    """
    r1 = math.sqrt(r1x * r1x + r1y * r1y + r1z * r1z)
    r2 = math.sqrt(r2x * r2x + r2y * r2y + r2z * r2z)
    a, b, c, d, e, f, status, _ = lambert_norms(mu, r1x, r1y, r1z, r1, r2x, r2y, r2z, r2, tof, m, prograde,
                                                low_path, nx, ny, nz, math.nan)
    return a, b, c, d, e, f, status


@njit(cache=True, inline="always")
def lambert_norms(mu, r1x, r1y, r1z, r1, r2x, r2y, r2z, r2, tof, m, prograde, low_path, nx, ny, nz, x_start):
    """:func:`lambert_one` given the norms ``r1``, ``r2`` of the positions, started from
    Izzo's variable ``x_start`` (NaN: Izzo's guess).

    Returns (v1x, v1y, v1z, v2x, v2y, v2z, status, x); ``x`` (NaN unless OK)
    seeds the next, neighbouring problem, as a porkchop row solved in order.
    """
    nan = math.nan
    i1, i2 = 1.0 / r1, 1.0 / r2
    vr1, vt1, vr2, vt2, hx, hy, hz, st, x, _, _ = lambert_frame(
        mu, r1x, r1y, r1z, r1, i1, math.sqrt(r1), r2x, r2y, r2z, r2, i2, math.sqrt(r2), tof, m, prograde, low_path,
        nx, ny, nz, x_start, (nan, nan, nan))
    a1x, a1y, a1z = r1x * i1, r1y * i1, r1z * i1
    a2x, a2y, a2z = r2x * i2, r2y * i2, r2z * i2
    t1x, t1y, t1z = hy * a1z - hz * a1y, hz * a1x - hx * a1z, hx * a1y - hy * a1x
    t2x, t2y, t2z = hy * a2z - hz * a2y, hz * a2x - hx * a2z, hx * a2y - hy * a2x
    return (vr1 * a1x + vt1 * t1x, vr1 * a1y + vt1 * t1y, vr1 * a1z + vt1 * t1z,
            vr2 * a2x + vt2 * t2x, vr2 * a2y + vt2 * t2y, vr2 * a2z + vt2 * t2z, st, x)


@njit(cache=True, inline="always")
def _plane_and_half_angle(r1x, r1y, r1z, a1x, a1y, a1z, a2x, a2y, a2z, cx, cy, cz, i1, i2, dr, cos_dot):
    """The transfer plane's normal (not unit: its norm is sin theta) and sin, cos of theta / 2.

    ``a1``, ``a2`` are the unit positions, ``c`` the chord r2 - r1, ``i`` the
    reciprocal norms, ``dr`` = |r1| - |r2| and ``cos_dot`` = cos theta. The normal
    ir1 x (ir2 -/+ ir1) equals ir1 x ir2 but keeps its relative accuracy when the
    transfer angle is near 0 or 180 degrees; near 0 the unit chord
    ir2 - ir1 = (r2 - r1)/r2 + r1 (r1 - r2)/(r1 r2) is formed without
    cancellation. The half angle's sine and cosine come from the chords of unit
    vectors, accurate everywhere.
    """
    if cos_dot >= 0.0:
        k = dr * i1 * i2
        dx, dy, dz = cx * i2 + r1x * k, cy * i2 + r1y * k, cz * i2 + r1z * k
    else:
        dx, dy, dz = a2x + a1x, a2y + a1y, a2z + a1z
    half_chord = math.sqrt(dx * dx + dy * dy + dz * dz)  # |ir2 -/+ ir1|
    if cos_dot >= 0.0:
        sin_half = 0.5 * half_chord
        cos_half = math.sqrt(max(0.0, 1.0 - sin_half * sin_half))
    else:
        cos_half = 0.5 * half_chord
        sin_half = math.sqrt(max(0.0, 1.0 - cos_half * cos_half))
    return a1y * dz - a1z * dy, a1z * dx - a1x * dz, a1x * dy - a1y * dx, sin_half, cos_half


@njit(cache=True, inline="always")
def lambert_frame(mu, r1x, r1y, r1z, r1, i1, q1, r2x, r2y, r2z, r2, i2, q2, tof, m, prograde, low_path,
                  nx, ny, nz, x_start, anchor):
    """:func:`lambert_norms` in the transfer's own frame, given each position's norm ``r``,
    its reciprocal ``i`` and its square root ``q`` (a grid computes them once per row and
    column, not once per cell), and an ``anchor`` angle for the iteration (see
    :func:`_solve_x`; NaNs: none).

    Returns (vr1, vt1, vr2, vt2, hx, hy, hz, status, x, long_way, anchor): the
    radial and transverse speeds at each end, km/s, and the unit normal h of
    the transfer's plane along its angular momentum, so that each end's
    velocity is vr r/|r| + vt h x r/|r|; ``long_way`` is True when the short way
    round goes against the reference direction (a type II transfer, for a
    prograde one); ``anchor`` seeds the next, neighbouring problem.
    """
    nan = math.nan
    bad = (nan, nan, nan, nan, nan, nan, nan)
    if not (mu > 0.0 and tof > 0.0 and r1 > 0.0 and r2 > 0.0 and m >= 0):
        return bad + (NO_SOLUTION, nan, False, anchor)
    if not (math.isfinite(r1) and math.isfinite(r2) and math.isfinite(tof)):
        return bad + (NO_SOLUTION, nan, False, anchor)
    a1x, a1y, a1z = r1x * i1, r1y * i1, r1z * i1
    a2x, a2y, a2z = r2x * i2, r2y * i2, r2z * i2
    cx, cy, cz = r2x - r1x, r2y - r1y, r2z - r1z
    c = math.sqrt(cx * cx + cy * cy + cz * cz)
    s = 0.5 * (r1 + r2 + c)
    cos_dot = a1x * a2x + a1y * a2y + a1z * a2z
    # r1 - r2 from the chord vector, not from two nearly equal norms: it keeps its
    # relative accuracy when the positions nearly coincide (near 0 degrees).
    dr = -((r1x + r2x) * cx + (r1y + r2y) * cy + (r1z + r2z) * cz) / (r1 + r2)
    hx, hy, hz, sin_half, cos_half = _plane_and_half_angle(r1x, r1y, r1z, a1x, a1y, a1z, a2x, a2y, a2z,
                                                           cx, cy, cz, i1, i2, dr, cos_dot)
    hn = 2.0 * sin_half * cos_half
    if hn < 1e-13:
        # r1 and r2 on one line: any plane through r1 holds r2. Collinear and
        # pointing the same way is the rectilinear degenerate case: refused.
        if cos_dot > 0.0:
            return bad + (NO_SOLUTION, nan, False, anchor)
        hx = nx - (nx * a1x + ny * a1y + nz * a1z) * a1x
        hy = ny - (nx * a1x + ny * a1y + nz * a1z) * a1y
        hz = nz - (nx * a1x + ny * a1y + nz * a1z) * a1z
        hn = math.sqrt(hx * hx + hy * hy + hz * hz)
        if hn < 1e-13:
            return bad + (NO_SOLUTION, nan, False, anchor)
    ihn = 1.0 / hn
    hx, hy, hz = hx * ihn, hy * ihn, hz * ihn
    i_s = 1.0 / s
    lam = min(q1 * q2 * cos_half * i_s, 1.0)
    long_way = hx * nx + hy * ny + hz * nz < 0.0
    if long_way == prograde:
        # the transfer turns the other way round h: the long way prograde (the short way
        # goes against the reference), or the short way retrograde
        lam = -lam
        hx, hy, hz = -hx, -hy, -hz
    gamma = math.sqrt(mu * s * 0.5)
    t_star = 2.0 * gamma * i_s * i_s * tof  # sqrt(2 mu / s^3) tof
    x, y, status, anchor = _solve_x(t_star, lam, m, low_path, x_start, anchor)
    if status != OK:
        return bad + (status, nan, long_way, anchor)
    ic = 1.0 / c
    rho = dr * ic
    sigma = 2.0 * q1 * q2 * sin_half * ic  # = sqrt(1 - rho^2), without cancellation
    vr1 = gamma * ((lam * y - x) - rho * (lam * y + x)) * i1
    vr2 = -gamma * ((lam * y - x) + rho * (lam * y + x)) * i2
    vt = gamma * sigma * (y + lam * x)
    return vr1, vt * i1, vr2, vt * i2, hx, hy, hz, OK, x, long_way, anchor


def _lambert_loop(mu, r1, r2, tof, revs, prograde, low_path, ref, v1, v2, status):
    for i in prange(r1.shape[0]):
        a, b, c, d, e, f, st = lambert_one(
            mu, r1[i, 0], r1[i, 1], r1[i, 2], r2[i, 0], r2[i, 1], r2[i, 2],
            tof[i], revs[i], prograde, low_path, ref[0], ref[1], ref[2],
        )
        v1[i, 0] = a
        v1[i, 1] = b
        v1[i, 2] = c
        v2[i, 0] = d
        v2[i, 1] = e
        v2[i, 2] = f
        status[i] = st


_lambert_serial, _lambert_parallel = serial_and_parallel(_lambert_loop)  # serial: small batches


def lambert_batch(mu, r1, r2, tof, revs=0, prograde=True, low_path=True, reference=(0.0, 0.0, 1.0)):
    """Solve many Lambert problems at once.

    Never raises for one element: each gets a status.

    Parameters
    ----------
    mu : float
        Gravitational parameter, km^3/s^2.
    r1, r2 : array_like, shape (N, 3)
        Initial and final positions, km.
    tof : array_like, shape (N,) or scalar
        Times of flight, s.
    revs : int or array_like of int, shape (N,)
        Number of complete revolutions (0 for a direct transfer).
    prograde : bool
        Transfer angular momentum along +z (True) or -z (False).
    low_path : bool
        For ``revs`` > 0, which of the two solutions: True the right branch of
        Izzo's T(x) (larger x, lower energy path), False the left branch.
    reference : array_like, shape (3,)
        Direction that "prograde" means: the transfer's angular momentum points
        along it. Default +z; for planetary transfers, the departure body's
        orbit normal.

    Returns
    -------
    v1, v2 : ndarray, shape (N, 3)
        Velocities at r1 and r2, km/s; NaN where status != OK.
    status : ndarray of int8, shape (N,)
        ``OK``, ``NO_SOLUTION`` or ``NOT_CONVERGED`` (see :mod:`sojourn.core.status`).
    """
    r1 = np.ascontiguousarray(np.atleast_2d(r1), dtype=np.float64)
    r2 = np.ascontiguousarray(np.atleast_2d(r2), dtype=np.float64)
    n = r1.shape[0]
    tof = np.ascontiguousarray(np.broadcast_to(np.asarray(tof, dtype=np.float64), (n,)))
    revs = np.ascontiguousarray(np.broadcast_to(np.asarray(revs, dtype=np.int64), (n,)))
    v1 = np.empty((n, 3))
    v2 = np.empty((n, 3))
    status = np.empty(n, dtype=np.int8)
    ref = np.asarray(reference, dtype=np.float64).reshape(3)
    kernel = _lambert_serial if n < SERIAL_BELOW else _lambert_parallel
    kernel(float(mu), r1, r2, tof, revs, bool(prograde), bool(low_path), ref, v1, v2, status)
    return v1, v2, status


def solve_lambert(mu, r1, r2, tof, revs=0, prograde=True, low_path=True, reference=(0.0, 0.0, 1.0)):
    """Solve one Lambert problem.

    Parameters are those of :func:`lambert_batch` for a single problem
    (r1, r2 of shape (3,), tof a float).

    Returns
    -------
    v1, v2 : ndarray, shape (3,)
        Velocities at r1 and r2, km/s.

    Raises
    ------
    NoSolutionError
        If the problem has no solution (e.g. ``tof`` is shorter than the
        minimum for ``revs`` revolutions) or the solver did not converge.
    """
    from sojourn.core.status import NAMES
    from sojourn.errors import NoSolutionError

    v1, v2, status = lambert_batch(mu, np.reshape(r1, (1, 3)), np.reshape(r2, (1, 3)), [tof], revs, prograde,
                                   low_path, reference)
    if status[0] != OK:
        raise NoSolutionError(
            f"Lambert problem has {NAMES[int(status[0])]}", f"tof = {tof} s, revs = {revs}"
        )
    return v1[0], v2[0]
