"""Low-thrust legs: the Sims–Flanagan transcription, its continuous-thrust twin, and quick estimates.

Plain float arrays in any consistent units (the callers use AU, the time unit
that makes the Sun's GM one, and the initial mass). A state is (r, v, m): 7
numbers. Thrust is in mass·length/time², exhaust speed in length/time.

A leg of time of flight ``tof`` is cut into ``N`` segments of equal length
h = tof / N; segment ``k`` carries a throttle vector ``u_k`` with |u_k| <= 1
(direction and fraction of the thrust available there). The first ``n_fwd``
segments are flown forwards from the departure state, the others backwards
from the arrival state (with the arrival mass), and the two halves must meet
at the match point: the 7 numbers of the *mismatch* must vanish.

Two models of a segment share that frame:

* ``SF`` (Sims & Flanagan 1999): a Kepler arc of h/2, an impulse
  dv = T h / m u at the segment's midpoint, the mass falling by the rocket
  equation m' = m exp(-|dv|/ve), then a Kepler arc of h/2. Flown backwards,
  the impulse is taken off and the mass grows (as in pykep's
  ``leg.sims_flanagan``, whose mismatch this reproduces). Kepler arcs and their
  state transition matrices come from :func:`sojourn.core.kepler.kepler_stm`.
* ``HF`` (continuous): the thrust T u acts all along the segment, the mass
  flowing out at T|u|/ve, integrated by a fixed-step classical Runge–Kutta
  scheme of ``steps`` steps per segment. Its derivatives are those of the
  discrete scheme itself (forward-mode differentiation of every stage), so
  the gradients the optimiser sees are exact for the map it solves.

The thrust available is ``tmax`` (already scaled by the duty cycle) for a
nuclear-electric vessel (``LAW_CONSTANT``), or ``tmax · min(1, (r_ref/r)²)``
for a solar-electric one (``LAW_INVERSE_SQUARE``): power falls as 1/r² beyond
the reference distance, and the engine never gives more than its rating.

References
----------
Sims, J. A. & Flanagan, S. N. (1999). Preliminary design of low-thrust
interplanetary missions. AAS/AIAA Astrodynamics Specialist Conference, AAS 99-338.
Izzo, D. (2012). pygmo and pykep: open source tools for massively parallel
optimization in astrodynamics. ICATT 2012.
Hennes, D., Izzo, D. & Landau, D. (2016). Fast approximators for optimal
low-thrust hops between main belt asteroids. IEEE SSCI 2016 (the MIMA estimate).
Edelbaum, T. N. (1961). Propulsion requirements for controllable satellites.
ARS Journal 31(8), 1079-1089.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sojourn.core.kepler import kepler_stm
from sojourn.core.lambert import lambert_norms
from sojourn.core.status import NO_SOLUTION, NOT_CONVERGED, OK
from sojourn.core.threads import SERIAL_BELOW

LAW_CONSTANT = 0
"""Thrust independent of the distance to the Sun (nuclear-electric)."""

LAW_INVERSE_SQUARE = 1
"""Thrust falling as (r_ref / r)² beyond r_ref, capped at the rating inside it (solar-electric)."""

MODEL_SF = 0
"""Sims–Flanagan: Kepler arcs joined by impulses at the segments' midpoints."""

MODEL_HF = 1
"""Continuous thrust held constant over each segment, integrated by fixed-step RK4."""


@njit(cache=True, inline="always")
def available_thrust(tmax, law, r_ref, rx, ry, rz):
    """Thrust available at a position, and its gradient with respect to the position.

    Returns (T, dT/dx, dT/dy, dT/dz).
    """
    if law == LAW_INVERSE_SQUARE:
        r2 = rx * rx + ry * ry + rz * rz
        if r2 > r_ref * r_ref:
            t = tmax * r_ref * r_ref / r2
            k = -2.0 * t / r2
            return t, k * rx, k * ry, k * rz
    return tmax, 0.0, 0.0, 0.0


@njit(cache=True, inline="always")
def _throttle_norm(u, eps):
    """(sqrt(|u|² + ε²) − ε, sqrt(|u|² + ε²)): throttle magnitude of the mass flow, its derivative's divisor.

    The rocket equation's |u| has no derivative at u = 0, where coast arcs sit,
    and SLSQP stalls there; a small ``eps`` smooths the kink while the optimiser
    searches, and a tiny one (1e-9) keeps the answer exact to the verification.
    """
    q = math.sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2] + eps * eps)
    return q - eps, q


@njit(cache=True, inline="always")
def _two_body_accel(mu, rx, ry, rz):
    r2 = rx * rx + ry * ry + rz * rz
    k = -mu / (r2 * math.sqrt(r2))
    return k * rx, k * ry, k * rz


@njit(cache=True)
def _mm(a, b, out):
    """out = a @ b by plain loops (small matrices: no BLAS call, and far less to compile)."""
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            acc = 0.0
            for k in range(a.shape[1]):
                acc += a[i, k] * b[k, j]
            out[i, j] = acc


@njit(cache=True)
def _mv(a, x, out):
    """out = a @ x by plain loops."""
    for i in range(a.shape[0]):
        acc = 0.0
        for k in range(a.shape[1]):
            acc += a[i, k] * x[k]
        out[i] = acc


# --------------------------------------------------------------------------- #
# Sims–Flanagan segment                                                        #
# --------------------------------------------------------------------------- #
@njit(cache=True)
def _sf_segment(mu, x, u, h, s, tmax, law, r_ref, ve, eps, xo, a, b, c):
    """One SF segment flown in direction ``s`` (+1 forwards, -1 backwards) from ``x``.

    Writes the end state ``xo`` (7) and its derivatives: ``a`` (7x7) with respect
    to ``x``, ``b`` (7x3) to ``u``, ``c`` (7) to the segment length ``h``.
    Returns a status.
    """
    rv1 = np.empty(6)
    phi1 = np.empty((6, 6))
    rv2 = np.empty(6)
    phi2 = np.empty((6, 6))
    if kepler_stm(mu, x[:3], x[3:6], 0.5 * s * h, rv1, phi1) != OK:
        return NOT_CONVERGED
    m = x[6]
    t, tx, ty, tz = available_thrust(tmax, law, r_ref, rv1[0], rv1[1], rv1[2])
    un, uq = _throttle_norm(u, eps)
    cc = t * h
    dvn = cc * un / m
    e = math.exp(-s * dvn / ve)
    mo = m * e
    # the impulse map y1 = (r1, v1, m) -> (r1, v1 + s dv, m'): Jacobian g (7x7), gu (7x3), gh (7)
    g = np.eye(7)
    gu = np.zeros((7, 3))
    gh = np.zeros(7)
    dt_dr = (tx, ty, tz)
    k_m = -s * mo / ve  # dm'/d|dv|
    for i in range(3):
        for j in range(3):
            g[3 + i, j] = s * h / m * u[i] * dt_dr[j]
        g[3 + i, 6] = -s * cc / (m * m) * u[i]
        gu[3 + i, i] = s * cc / m
        gh[3 + i] = s * t / m * u[i]
        g[6, i] = k_m * h * un / m * dt_dr[i]
        gu[6, i] = k_m * cc / m * (u[i] / uq)
    g[6, 6] = e - k_m * cc * un / (m * m)
    gh[6] = k_m * t * un / m
    v1 = np.empty(6)
    for i in range(3):
        v1[i] = rv1[i]
        v1[3 + i] = rv1[3 + i] + s * cc / m * u[i]
    if kepler_stm(mu, v1[:3], v1[3:], 0.5 * s * h, rv2, phi2) != OK:
        return NOT_CONVERGED
    for i in range(6):
        xo[i] = rv2[i]
    xo[6] = mo
    # j1 = d(r1, v1, m)/dx = blockdiag(phi1, 1); a = P2 g j1 ; b = P2 gu ; c = P2 (g j1h + gh) + f2 s/2
    p2 = np.eye(7)
    p2[:6, :6] = phi2
    j1 = np.eye(7)
    j1[:6, :6] = phi1
    j1h = np.zeros(7)
    ax, ay, az = _two_body_accel(mu, rv1[0], rv1[1], rv1[2])
    f1 = (rv1[3], rv1[4], rv1[5], ax, ay, az)
    for i in range(6):
        j1h[i] = 0.5 * s * f1[i]
    p2g = np.empty((7, 7))
    _mm(p2, g, p2g)
    _mm(p2g, j1, a)
    _mm(p2, gu, b)
    ch = np.empty(7)
    ch2 = np.empty(7)
    _mv(p2g, j1h, ch)
    _mv(p2, gh, ch2)
    ax, ay, az = _two_body_accel(mu, rv2[0], rv2[1], rv2[2])
    f2 = (rv2[3], rv2[4], rv2[5], ax, ay, az)
    for i in range(7):
        c[i] = ch[i] + ch2[i] + (0.5 * s * f2[i] if i < 6 else 0.0)
    return OK


# --------------------------------------------------------------------------- #
# Continuous-thrust segment (RK4 with its exact discrete derivatives)          #
# --------------------------------------------------------------------------- #
@njit(cache=True, inline="always")
def _rhs(mu, y, u, un, tmax, law, r_ref, ve, out):
    """Time derivative of (r, v, m) under thrust T(r) u; returns (T, dT/dr...)."""
    t, tx, ty, tz = available_thrust(tmax, law, r_ref, y[0], y[1], y[2])
    ax, ay, az = _two_body_accel(mu, y[0], y[1], y[2])
    m = y[6]
    out[0] = y[3]
    out[1] = y[4]
    out[2] = y[5]
    out[3] = ax + t * u[0] / m
    out[4] = ay + t * u[1] / m
    out[5] = az + t * u[2] / m
    out[6] = -t * un / ve
    return t, tx, ty, tz


@njit(cache=True, inline="always")
def _rhs_jac(mu, y, u, un, uq, t, tx, ty, tz, ve, fy, fu):
    """d(rhs)/dy (7x7) and d(rhs)/du (7x3)."""
    fy[:, :] = 0.0
    fu[:, :] = 0.0
    rx, ry, rz, m = y[0], y[1], y[2], y[6]
    r2 = rx * rx + ry * ry + rz * rz
    r = math.sqrt(r2)
    k1 = -mu / (r2 * r)
    k2 = 3.0 * mu / (r2 * r2 * r)
    pos = (rx, ry, rz)
    dt_dr = (tx, ty, tz)
    for i in range(3):
        fy[i, 3 + i] = 1.0
        for j in range(3):
            fy[3 + i, j] = k2 * pos[i] * pos[j] + u[i] / m * dt_dr[j]
        fy[3 + i, i] += k1
        fy[3 + i, 6] = -t * u[i] / (m * m)
        fy[6, i] = -un / ve * dt_dr[i]
        fu[3 + i, i] = t / m
        fu[6, i] = -t * u[i] / (uq * ve)


@njit(cache=True)
def _hf_segment(mu, x, u, h, s, tmax, law, r_ref, ve, eps, steps, xo, a, b, c):
    """One continuous-thrust segment (same outputs as :func:`_sf_segment`)."""
    un, uq = _throttle_norm(u, eps)
    dt = s * h / steps
    y = x.copy()
    ty = np.zeros((7, 11))  # d y / d(x0 (7), u (3), h (1))
    for i in range(7):
        ty[i, i] = 1.0
    yi = np.empty(7)
    tyi = np.empty((7, 11))
    k = np.empty((4, 7))
    tk = np.empty((4, 7, 11))
    f = np.empty(7)
    fy = np.empty((7, 7))
    fu = np.empty((7, 3))
    prod = np.empty((7, 11))
    coef = (0.0, 0.5, 0.5, 1.0)
    for _ in range(steps):
        for st in range(4):
            w = coef[st]
            for i in range(7):
                yi[i] = y[i] + (w * k[st - 1, i] if st > 0 else 0.0)
                for j in range(11):
                    tyi[i, j] = ty[i, j] + (w * tk[st - 1, i, j] if st > 0 else 0.0)
            t, tx, tyy, tz = _rhs(mu, yi, u, un, tmax, law, r_ref, ve, f)
            if not (yi[6] > 0.0):
                return NOT_CONVERGED
            _rhs_jac(mu, yi, u, un, uq, t, tx, tyy, tz, ve, fy, fu)
            _mm(fy, tyi, prod)
            for i in range(7):
                k[st, i] = dt * f[i]
                for j in range(11):
                    tk[st, i, j] = dt * prod[i, j]
                for j in range(3):
                    tk[st, i, 7 + j] += dt * fu[i, j]
                tk[st, i, 10] += (s / steps) * f[i]
        for i in range(7):
            y[i] += (k[0, i] + 2.0 * k[1, i] + 2.0 * k[2, i] + k[3, i]) / 6.0
            for j in range(11):
                ty[i, j] += (tk[0, i, j] + 2.0 * tk[1, i, j] + 2.0 * tk[2, i, j] + tk[3, i, j]) / 6.0
    if not (y[6] > 0.0 and math.isfinite(y[0])):
        return NOT_CONVERGED
    for i in range(7):
        xo[i] = y[i]
        c[i] = ty[i, 10]
        for j in range(7):
            a[i, j] = ty[i, j]
        for j in range(3):
            b[i, j] = ty[i, 7 + j]
    return OK


# --------------------------------------------------------------------------- #
# The leg: two half-legs and their mismatch                                    #
# --------------------------------------------------------------------------- #
@njit(cache=True)
def _half_leg(model, mu, x0, u, first, last, s, h, tmax, law, r_ref, ve, eps, steps, xo, d0, du, dh):
    """Fly segments ``first, first+s, ... last`` from ``x0``; accumulate derivatives.

    ``d0`` (7x7) is d(end)/d(x0), ``du`` (7 x 3N) d(end)/d(throttles), ``dh`` (7) d(end)/dh.
    """
    x = x0.copy()
    xn = np.empty(7)
    a = np.empty((7, 7))
    b = np.empty((7, 3))
    c = np.empty(7)
    t0 = np.empty((7, 7))
    tu = np.empty(du.shape)  # scratch
    th = np.empty(7)
    d0[:, :] = 0.0
    for i in range(7):
        d0[i, i] = 1.0
    du[:, :] = 0.0
    dh[:] = 0.0
    k = first
    step = 1 if s > 0.0 else -1
    while (step > 0 and k <= last) or (step < 0 and k >= last):
        if model == MODEL_SF:
            st = _sf_segment(mu, x, u[k], h, s, tmax, law, r_ref, ve, eps, xn, a, b, c)
        else:
            st = _hf_segment(mu, x, u[k], h, s, tmax, law, r_ref, ve, eps, steps, xn, a, b, c)
        if st != OK:
            return st
        _mm(a, d0, t0)
        d0[:, :] = t0
        # only the columns of the segments flown so far are non-zero: carry those through this segment
        j_lo, j_hi = (3 * first, 3 * k) if step > 0 else (3 * (k + 1), 3 * (first + 1))
        for j in range(j_lo, j_hi):
            for i in range(7):
                acc = 0.0
                for m in range(7):
                    acc += a[i, m] * du[m, j]
                tu[i, j] = acc
            for i in range(7):
                du[i, j] = tu[i, j]
        du[:, 3 * k:3 * k + 3] = b
        _mv(a, dh, th)
        for i in range(7):
            dh[i] = th[i] + c[i]
            x[i] = xn[i]
        k += step
    xo[:] = x
    return OK


@njit(cache=True)
def leg_mismatch(model, mu, xs, xf, u, tof, n_fwd, tmax, law, r_ref, ve, eps, steps, mc, jac):
    """Mismatch of a low-thrust leg at its match point, and its Jacobian.

    Parameters
    ----------
    model : int
        ``MODEL_SF`` or ``MODEL_HF``.
    mu : float
        Gravitational parameter of the central body.
    xs, xf : ndarray, shape (7,)
        Departure and arrival states (r, v, m).
    u : ndarray, shape (N, 3)
        Throttle vectors, one per segment (|u| <= 1 is the caller's constraint).
    tof : float
        Time of flight (> 0).
    n_fwd : int
        Segments flown forwards (0..N).
    tmax : float
        Thrust available at the reference distance, duty cycle included.
    law : int
        ``LAW_CONSTANT`` or ``LAW_INVERSE_SQUARE``.
    r_ref : float
        Reference distance of the inverse-square law.
    ve : float
        Effective exhaust speed.
    eps : float
        Smoothing of the throttle magnitude in the mass flow (see :func:`_throttle_norm`).
    steps : int
        RK4 steps per segment (``MODEL_HF`` only).
    mc : ndarray, shape (7,)
        Written: forward state minus backward state at the match point.
    jac : ndarray, shape (7, 15 + 3N)
        Written: d(mc) / d(xs (7), xf (7), throttles (3N, segment by segment), tof).

    Returns
    -------
    int
        ``OK`` or ``NOT_CONVERGED`` (a Kepler arc failed or a mass fell to zero).
    """
    n = u.shape[0]
    h = tof / n
    nu = 3 * n
    xa = np.empty(7)
    xb = np.empty(7)
    d0a = np.empty((7, 7))
    d0b = np.empty((7, 7))
    dua = np.empty((7, nu))
    dub = np.empty((7, nu))
    dha = np.empty(7)
    dhb = np.empty(7)
    st = _half_leg(model, mu, xs, u, 0, n_fwd - 1, 1.0, h, tmax, law, r_ref, ve, eps, steps, xa, d0a, dua, dha)
    if st != OK:
        return st
    st = _half_leg(model, mu, xf, u, n - 1, n_fwd, -1.0, h, tmax, law, r_ref, ve, eps, steps, xb, d0b, dub, dhb)
    if st != OK:
        return st
    for i in range(7):
        mc[i] = xa[i] - xb[i]
        for j in range(7):
            jac[i, j] = d0a[i, j]
            jac[i, 7 + j] = -d0b[i, j]
        for j in range(nu):
            jac[i, 14 + j] = dua[i, j] - dub[i, j]
        jac[i, 14 + nu] = (dha[i] - dhb[i]) / n
    return OK


@njit(cache=True)
def segment_nodes(model, mu, xs, u, tof, tmax, law, r_ref, ve, eps, steps, out):
    """States at the start of every segment and at the end, flying forwards from ``xs``.

    ``out`` (N + 1, 7) is written; returns a status.
    """
    n = u.shape[0]
    h = tof / n
    a = np.empty((7, 7))
    b = np.empty((7, 3))
    c = np.empty(7)
    out[0] = xs
    for k in range(n):
        if model == MODEL_SF:
            st = _sf_segment(mu, out[k], u[k], h, 1.0, tmax, law, r_ref, ve, eps, out[k + 1], a, b, c)
        else:
            st = _hf_segment(mu, out[k], u[k], h, 1.0, tmax, law, r_ref, ve, eps, steps, out[k + 1], a, b, c)
        if st != OK:
            return st
    return OK


# --------------------------------------------------------------------------- #
# Quick estimates                                                              #
# --------------------------------------------------------------------------- #
@njit(cache=True, inline="always")
def _excess(dx, dy, dz, allowance):
    """A velocity change less what the launcher or the arrival may absorb (|dv| - allowance, along dv)."""
    n = math.sqrt(dx * dx + dy * dy + dz * dz)
    if n <= allowance:
        return 0.0, 0.0, 0.0
    k = 1.0 - allowance / n
    return dx * k, dy * k, dz * k


@njit(cache=True, inline="always")
def mima_cell(mu, r1, v1, r2, v2, tof, vinf_dep, vinf_arr, m0, tmax, law, r_ref, ve, x_start):
    """Lambert-based estimate of one low-thrust leg: (dv, accel, final mass, status, x, impulsive dv).

    The departure and arrival impulses of the zero-revolution Lambert arc
    (prograde about the departure orbit's normal), less the v-infinity the
    launcher and the arrival absorb, are turned into the constant acceleration
    of Hennes, Izzo & Landau's MIMA, and so into a low-thrust dv = a tof and a
    final mass m0 exp(-dv/ve). NO_SOLUTION where that acceleration needs more
    thrust than is available (the MIMA's maximum initial mass is below m0).
    ``x_start`` seeds the Lambert iteration (NaN: Izzo's guess) and ``x`` is the
    solution's Izzo variable, to seed the next cell of a row (as in a porkchop).
    The impulsive dv is the Lambert arc's own two impulses less the allowances:
    what unlimited thrust would spend, usually below the low-thrust cost.
    """
    nan = math.nan
    n1 = math.sqrt(r1[0] ** 2 + r1[1] ** 2 + r1[2] ** 2)
    n2 = math.sqrt(r2[0] ** 2 + r2[1] ** 2 + r2[2] ** 2)
    hx = r1[1] * v1[2] - r1[2] * v1[1]
    hy = r1[2] * v1[0] - r1[0] * v1[2]
    hz = r1[0] * v1[1] - r1[1] * v1[0]
    a, b, c, d, e, f, st, x = lambert_norms(mu, r1[0], r1[1], r1[2], n1, r2[0], r2[1], r2[2], n2, tof, 0, True,
                                            True, hx, hy, hz, x_start)
    if st != OK:
        return nan, nan, nan, st, nan, nan
    d1x, d1y, d1z = _excess(a - v1[0], b - v1[1], c - v1[2], vinf_dep)
    d2x, d2y, d2z = _excess(v2[0] - d, v2[1] - e, v2[2] - f, vinf_arr)
    sx, sy, sz = d1x + d2x, d1y + d2y, d1z + d2z
    qx, qy, qz = d2x - d1x, d2y - d1y, d2z - d1z
    aa = sx * sx + sy * sy + sz * sz
    bb = qx * qx + qy * qy + qz * qz
    ab = sx * qx + sy * qy + sz * qz
    acc = math.sqrt(aa + 2.0 * bb + 2.0 * math.sqrt(ab * ab + bb * bb)) / tof
    dv = acc * tof
    t1 = available_thrust(tmax, law, r_ref, r1[0], r1[1], r1[2])[0]
    t2 = available_thrust(tmax, law, r_ref, r2[0], r2[1], r2[2])[0]
    thrust = 0.5 * (t1 + t2)
    # MIMA: the largest m0 for which this acceleration is within the thrust
    imp = math.sqrt(d1x * d1x + d1y * d1y + d1z * d1z) + math.sqrt(d2x * d2x + d2y * d2y + d2z * d2z)
    if acc > 0.0 and m0 * acc * (1.0 + math.exp(-dv / ve)) > 2.0 * thrust:
        return dv, acc, nan, NO_SOLUTION, x, imp
    return dv, acc, m0 * math.exp(-dv / ve), OK, x, imp


def _mima_loop(mu, r1, v1, r2, v2, tof, vinf_dep, vinf_arr, m0, tmax, law, r_ref, ve, dv, acc, mf, edel, imp,
               status):
    """Row i: departure i against arrivals r2[i, j] after tof[i, j]; Edelbaum's Δv beside the estimate."""
    for i in prange(r2.shape[0]):
        h1x = r1[i, 1] * v1[i, 2] - r1[i, 2] * v1[i, 1]
        h1y = r1[i, 2] * v1[i, 0] - r1[i, 0] * v1[i, 2]
        h1z = r1[i, 0] * v1[i, 1] - r1[i, 1] * v1[i, 0]
        h1 = math.sqrt(h1x * h1x + h1y * h1y + h1z * h1z)
        c1 = math.sqrt(mu / math.sqrt(r1[i, 0] ** 2 + r1[i, 1] ** 2 + r1[i, 2] ** 2))
        x = math.nan  # along a row each Lambert solve starts from its neighbour's (every answer is still checked)
        for j in range(r2.shape[1]):
            dv[i, j], acc[i, j], mf[i, j], status[i, j], x, imp[i, j] = mima_cell(
                mu, r1[i], v1[i], r2[i, j], v2[i, j], tof[i, j], vinf_dep, vinf_arr, m0, tmax, law, r_ref, ve, x)
            a, b = r2[i, j], v2[i, j]
            hx, hy, hz = a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]
            cos_i = (h1x * hx + h1y * hy + h1z * hz) / (h1 * math.sqrt(hx * hx + hy * hy + hz * hz))
            di = math.acos(min(1.0, max(-1.0, cos_i)))
            c2 = math.sqrt(mu / math.sqrt(a[0] ** 2 + a[1] ** 2 + a[2] ** 2))
            edel[i, j] = math.sqrt(max(0.0, c1 * c1 - 2.0 * c1 * c2 * math.cos(0.5 * math.pi * di) + c2 * c2))


_mima_parallel = njit(cache=True, parallel=True)(_mima_loop)
_mima_serial = njit(cache=True)(_mima_loop)


def mima_grid(mu, r1, v1, r2, v2, tof, *, vinf_dep=0.0, vinf_arr=0.0, m0=1.0, tmax, law=LAW_CONSTANT, r_ref=1.0,
              ve):
    """Low-thrust estimates for N departures, each against its own M arrivals, in parallel over departures.

    Parameters
    ----------
    mu : float
        Gravitational parameter.
    r1, v1 : array_like, shape (N, 3)
        Departure body's position and velocity.
    r2, v2 : array_like, shape (N, M, 3)
        Arrival body's position and velocity for each departure.
    tof : array_like, shape (N, M)
        Times of flight.
    vinf_dep, vinf_arr : float
        v-infinity the launcher gives, and the arrival may keep (speed units).
    m0 : float
        Initial mass.
    tmax : float
        Thrust at the reference distance, duty cycle included.
    law : int
        ``LAW_CONSTANT`` or ``LAW_INVERSE_SQUARE``.
    r_ref : float
        Reference distance of the inverse-square law.
    ve : float
        Effective exhaust speed.

    Returns
    -------
    dv, accel, final_mass : ndarray, shape (N, M)
        Low-thrust velocity change, the constant acceleration it implies, and
        the final mass (NaN where the status is not ``OK``; dv and accel are
        kept where the thrust is too weak, so a plot can say by how much).
    edelbaum_dv : ndarray, shape (N, M)
        Edelbaum's Δv between circular orbits at the two radii, the plane change
        being the angle between the two bodies' orbit planes.
    impulsive_dv : ndarray, shape (N, M)
        The Lambert arc's two impulses less the allowances (NaN where Lambert failed).
    status : ndarray of int8, shape (N, M)
        ``OK``; ``NO_SOLUTION`` (Lambert failed, or thrust too weak);
        ``NOT_CONVERGED``.
    """
    r1 = np.ascontiguousarray(np.reshape(r1, (-1, 3)), dtype=np.float64)
    v1 = np.ascontiguousarray(np.reshape(v1, (-1, 3)), dtype=np.float64)
    n = r1.shape[0]
    r2 = np.ascontiguousarray(np.reshape(r2, (n, -1, 3)), dtype=np.float64)
    v2 = np.ascontiguousarray(np.reshape(v2, (n, -1, 3)), dtype=np.float64)
    shape = r2.shape[:2]
    tof = np.ascontiguousarray(np.broadcast_to(np.asarray(tof, dtype=np.float64), shape))
    out = [np.empty(shape) for _ in range(5)]
    status = np.empty(shape, dtype=np.int8)
    kernel = _mima_serial if shape[0] * shape[1] < SERIAL_BELOW else _mima_parallel
    kernel(float(mu), r1, v1, r2, v2, tof, float(vinf_dep), float(vinf_arr), float(m0), float(tmax), int(law),
           float(r_ref), float(ve), *out, status)
    return out[0], out[1], out[2], out[3], out[4], status


def mima_pairs(mu, r1, v1, r2, v2, tof, **kw):
    """:func:`mima_grid` for matched pairs: departure i with arrival i; outputs of shape (N,)."""
    r1 = np.reshape(np.asarray(r1, dtype=np.float64), (-1, 3))
    n = r1.shape[0]
    out = mima_grid(mu, r1, v1, np.reshape(r2, (n, 1, 3)), np.reshape(v2, (n, 1, 3)),
                    np.reshape(np.broadcast_to(np.asarray(tof, dtype=np.float64), (n,)), (n, 1)), **kw)
    return out[0][:, 0], out[1][:, 0], out[2][:, 0], out[5][:, 0]


def edelbaum_dv(v0, v1, inclination_change_rad=0.0):
    """Edelbaum's Δv between two circular orbits by a slow spiral.

    Δv = sqrt(v0² − 2 v0 v1 cos(π/2 · Δi) + v1²), Δi in radians, valid up to
    Δi = 2 rad (114.6°) where the speeds add (Edelbaum 1961, in the form of
    Kechichian 1997, J. Guid. Control Dyn. 20(5), 988-994); with no plane
    change it is |v0 − v1|. It is the cost of a many-revolution quasi-circular
    spiral at constant thrust, not a lower bound on every transfer: a short,
    Hohmann-like low-thrust transfer can cost less.

    Parameters
    ----------
    v0, v1 : float or array_like
        Circular speeds of the initial and final orbits (any speed unit).
    inclination_change_rad : float or array_like
        Change of orbit plane, rad.

    Returns
    -------
    float or ndarray
        Δv in the unit of ``v0``.
    """
    v0 = np.asarray(v0, dtype=float)
    v1 = np.asarray(v1, dtype=float)
    di = np.asarray(inclination_change_rad, dtype=float)
    out = np.sqrt(np.maximum(v0 * v0 - 2.0 * v0 * v1 * np.cos(0.5 * np.pi * di) + v1 * v1, 0.0))
    return out if out.ndim else float(out)
