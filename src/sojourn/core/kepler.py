"""Two-body Kepler propagation with universal variables, batched and compiled.

Plain float arrays in km, s, km/s (any consistent units work). The universal
Kepler equation is solved for the universal anomaly chi by Newton's method kept
inside a bracket (the equation is monotonic in chi, its derivative being the
radius), so it converges for elliptic, parabolic and hyperbolic orbits alike.
Each element gets a status instead of an exception.

References
----------
Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed., Algorithm 8.
Battin, *An Introduction to the Mathematics and Methods of Astrodynamics*, ch. 4.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sojourn.core.status import NOT_CONVERGED, OK
from sojourn.core.threads import SERIAL_BELOW, serial_and_parallel

_MAX_ITER = 200
_EPS = 2.220446049250313e-16
# Bound on the relative rounding noise of r above which a state is not returned.
# The bound overstates the measured error 4-25 times (tests/test_kepler.py): far-out
# inbound hyperbolas propagated to periapsis bound at 1e-8 (error 4e-10) and pass;
# near-rectilinear fast hyperbolas bound at 1e-7 and more (error 2.5e-8) and do not.
_MAX_REL_NOISE = 3e-8


@njit(cache=True, inline="always")
def stumpff_c2_c3(z):
    """Stumpff functions c2(z) = (1 - cos sqrt z)/z and c3(z) = (sqrt z - sin sqrt z)/z^1.5.

    Series near zero, half-angle form for c2 so that no digits are lost.
    """
    if abs(z) < 0.1:
        # c2 = sum (-z)^k / (2k+2)!, c3 = sum (-z)^k / (2k+3)!
        c2 = 0.0
        c3 = 0.0
        term2 = 0.5
        term3 = 1.0 / 6.0
        for k in range(12):
            c2 += term2
            c3 += term3
            term2 *= -z / ((2 * k + 3) * (2 * k + 4))
            term3 *= -z / ((2 * k + 4) * (2 * k + 5))
        return c2, c3
    if z > 0.0:
        s = math.sqrt(z)
        h = math.sin(0.5 * s)
        return 2.0 * h * h / z, (s - math.sin(s)) / (z * s)
    s = math.sqrt(-z)
    h = math.sinh(0.5 * s)
    return -2.0 * h * h / z, (math.sinh(s) - s) / (-z * s)


@njit(cache=True)
def universal_anomaly(mu, r0, sigma0, alpha, dt):
    """Solve the universal Kepler equation for chi; returns (chi, converged).

    ``r0`` is the initial radius, ``sigma0`` = r0 . v0 / sqrt(mu), ``alpha`` = 1/a.
    F(chi) = sigma0 chi^2 c2 + (1 - alpha r0) chi^3 c3 + r0 chi - sqrt(mu) dt, F' = r(chi) > 0,
    solved by Newton's method inside a bracket of the root.
    """
    sqmu = math.sqrt(mu)
    target = sqmu * dt
    # Bracket the root: F(0) = -sqrt(mu) dt, so the root has the sign of dt.
    if dt > 0.0:
        lo = 0.0
        hi = math.inf
    else:
        lo = -math.inf
        hi = 0.0
    if alpha > 1e-12 / r0:
        chi = sqmu * dt * alpha
    elif alpha < -1e-12 / r0:
        # hyperbola (Vallado, Algorithm 8): chi grows only logarithmically with dt
        a = 1.0 / alpha
        sgn = 1.0 if dt > 0.0 else -1.0
        num = -2.0 * mu * alpha * dt
        den = sigma0 * sqmu + sgn * math.sqrt(-mu * a) * (1.0 - r0 * alpha)
        chi = sgn * math.sqrt(-a) * math.log(num / den) if num / den > 0.0 else target / r0
    else:
        chi = target / r0
    scale = abs(target) / r0  # a size for chi when the bracket is still open
    for _ in range(_MAX_ITER):
        if not (lo < chi < hi) or not math.isfinite(chi):
            if math.isfinite(lo) and math.isfinite(hi):
                # geometric mean while the bracket spans decades (after an overflow)
                small, big = min(abs(lo), abs(hi)), max(abs(lo), abs(hi))
                if lo * hi >= 0.0 and big > 4.0 * max(small, 1e-3 * scale):
                    chi = math.copysign(math.sqrt(max(small, 1e-3 * scale) * big), lo + hi)
                else:
                    chi = 0.5 * (lo + hi)
            elif math.isfinite(lo):
                chi = 2.0 * lo + scale
            else:
                chi = 2.0 * hi - scale
        z = alpha * chi * chi
        c2, c3 = stumpff_c2_c3(z)
        chi2 = chi * chi
        f = sigma0 * chi2 * c2 + (1.0 - alpha * r0) * chi2 * chi * c3 + r0 * chi - target
        rr = chi2 * c2 + sigma0 * chi * (1.0 - z * c3) + r0 * (1.0 - z * c2)
        if not (math.isfinite(f) and math.isfinite(rr)):
            # overflow: chi is far too large in magnitude
            if dt > 0.0:
                hi = chi
            else:
                lo = chi
            continue
        if f > 0.0:
            hi = chi
        elif f < 0.0:
            lo = chi
        else:
            return chi, True
        chi_prev = chi
        chi = chi - f / rr
        if abs(chi - chi_prev) <= 1e-15 * max(1.0, abs(chi)):
            return chi, True
        if math.isfinite(lo) and math.isfinite(hi) and (hi - lo) <= 1e-15 * max(1.0, abs(hi)):
            return chi, True
    return chi, False


@njit(cache=True, inline="always")
def _noise_ok(mu, r0, sigma0, alpha, v2, dt, chi, c2, c3, f, g, rn):
    """Whether the rounding noise of the propagated radius stays below _MAX_REL_NOISE.

    Kepler's equation is solved to the rounding of its largest term, which moves
    chi and so r by |v| r dchi / sqrt(mu); f and g lose what cancels in 1 - ...
    and dt - ... . Near-rectilinear fast hyperbolas lose most digits there: say
    so rather than return a wrong state as OK.
    """
    sqmu = math.sqrt(mu)
    chi2 = chi * chi
    f_terms = (abs(sigma0 * chi2 * c2) + abs((1.0 - alpha * r0) * chi2 * chi * c3) + abs(r0 * chi)
               + abs(sqmu * dt))
    vn2 = v2 + 2.0 * mu * (1.0 / rn - 1.0 / r0)
    v_n = math.sqrt(vn2) if vn2 > 0.0 else 0.0
    noise = _EPS * (v_n * f_terms / sqmu + (1.0 + abs(f)) * r0 + (abs(dt) + abs(g - dt)) * math.sqrt(v2))
    return noise <= _MAX_REL_NOISE * rn


@njit(cache=True)
def kepler_one(mu, rx, ry, rz, vx, vy, vz, dt):
    """Propagate one state for ``dt`` seconds; returns (x, y, z, vx, vy, vz, status)."""
    nan = math.nan
    r0 = math.sqrt(rx * rx + ry * ry + rz * rz)
    v2 = vx * vx + vy * vy + vz * vz
    if not (r0 > 0.0 and mu > 0.0 and math.isfinite(dt) and math.isfinite(v2)):
        return nan, nan, nan, nan, nan, nan, NOT_CONVERGED
    if dt == 0.0:
        return rx, ry, rz, vx, vy, vz, OK
    sqmu = math.sqrt(mu)
    sigma0 = (rx * vx + ry * vy + rz * vz) / sqmu
    alpha = 2.0 / r0 - v2 / mu  # 1/a
    chi, converged = universal_anomaly(mu, r0, sigma0, alpha, dt)
    if not converged:
        return nan, nan, nan, nan, nan, nan, NOT_CONVERGED
    z = alpha * chi * chi
    c2, c3 = stumpff_c2_c3(z)
    chi2 = chi * chi
    f = 1.0 - chi2 * c2 / r0
    g = dt - chi2 * chi * c3 / sqmu
    x = f * rx + g * vx
    y = f * ry + g * vy
    zz = f * rz + g * vz
    rn = math.sqrt(x * x + y * y + zz * zz)
    if not _noise_ok(mu, r0, sigma0, alpha, v2, dt, chi, c2, c3, f, g, rn):
        return nan, nan, nan, nan, nan, nan, NOT_CONVERGED
    gdot = 1.0 - chi2 * c2 / rn
    fdot = sqmu / (rn * r0) * chi * (z * c3 - 1.0)
    return (x, y, zz, fdot * rx + gdot * vx, fdot * ry + gdot * vy, fdot * rz + gdot * vz, OK)


@njit(cache=True, inline="always")
def _stumpff_c4_c5(z, c2, c3):
    """Stumpff functions c4 = (1/2 - c2)/z and c5 = (1/6 - c3)/z, by series near zero."""
    if abs(z) < 0.1:
        c4 = 0.0
        c5 = 0.0
        term4 = 1.0 / 24.0
        term5 = 1.0 / 120.0
        for k in range(12):
            c4 += term4
            c5 += term5
            term4 *= -z / ((2 * k + 5) * (2 * k + 6))
            term5 *= -z / ((2 * k + 6) * (2 * k + 7))
        return c4, c5
    return (0.5 - c2) / z, (1.0 / 6.0 - c3) / z


@njit(cache=True)
def kepler_stm(mu, r0v, v0v, dt, out_rv, out_stm):
    """Propagate one state by ``dt`` and give its state transition matrix.

    Parameters
    ----------
    mu : float
        Gravitational parameter (any consistent units: km^3/s^2 with km, km/s, s).
    r0v, v0v : ndarray, shape (3,)
        Initial position and velocity.
    dt : float
        Time step (negative: backwards).
    out_rv : ndarray, shape (6,)
        Written: the final position and velocity.
    out_stm : ndarray, shape (6, 6)
        Written: d(r, v)(dt) / d(r0, v0).

    Returns
    -------
    int
        ``OK`` or ``NOT_CONVERGED`` (outputs NaN).

    Notes
    -----
    The state is f r0 + g v0, fdot r0 + gdot v0 with the Lagrange coefficients
    written in Battin's universal functions U0..U3 of chi and alpha = 1/a
    (Battin 1999, ch. 4). They depend on (r0, v0) only through
    r0 = |r0|, sigma0 = r0.v0/sqrt(mu) and alpha, and on chi, which Kepler's
    equation ties to those three; the matrix is the chain rule through these
    four scalars (chi by the implicit function theorem, dF/dchi = r), with
    dU_n/dchi = U_(n-1) and dU_n/dalpha = -(chi U_(n+1) - n U_(n+2)) / 2.
    """
    for i in range(6):
        out_rv[i] = math.nan
        for j in range(6):
            out_stm[i, j] = math.nan
    rx, ry, rz = r0v[0], r0v[1], r0v[2]
    vx, vy, vz = v0v[0], v0v[1], v0v[2]
    r0 = math.sqrt(rx * rx + ry * ry + rz * rz)
    v2 = vx * vx + vy * vy + vz * vz
    if not (r0 > 0.0 and mu > 0.0 and math.isfinite(dt) and math.isfinite(v2)):
        return NOT_CONVERGED
    sqmu = math.sqrt(mu)
    sigma0 = (rx * vx + ry * vy + rz * vz) / sqmu
    alpha = 2.0 / r0 - v2 / mu
    if dt == 0.0:
        chi, converged = 0.0, True
    else:
        chi, converged = universal_anomaly(mu, r0, sigma0, alpha, dt)
    if not converged:
        return NOT_CONVERGED
    z = alpha * chi * chi
    c2, c3 = stumpff_c2_c3(z)
    c4, c5 = _stumpff_c4_c5(z, c2, c3)
    chi2 = chi * chi
    u2 = chi2 * c2
    u3 = chi2 * chi * c3
    u4 = chi2 * chi2 * c4
    u5 = chi2 * chi2 * chi * c5
    u1 = chi - alpha * u3
    u0 = 1.0 - alpha * u2
    r = r0 * u0 + sigma0 * u1 + u2
    f = 1.0 - u2 / r0
    g = (r0 * u1 + sigma0 * u2) / sqmu
    fd = -sqmu * u1 / (r * r0)
    gd = 1.0 - u2 / r
    if dt != 0.0 and not _noise_ok(mu, r0, sigma0, alpha, v2, dt, chi, c2, c3, f, g, r):
        return NOT_CONVERGED
    _stm_fill(mu, r0v, v0v, r0, sigma0, alpha, chi, u0, u1, u2, u3, u4, u5, r, f, g, fd, gd, out_stm)
    for k in range(3):
        out_rv[k] = f * r0v[k] + g * v0v[k]
        out_rv[3 + k] = fd * r0v[k] + gd * v0v[k]
    return OK


@njit(cache=True, inline="always")
def _stm_fill(mu, r0v, v0v, r0, sigma0, alpha, chi, u0, u1, u2, u3, u4, u5, r, f, g, fd, gd, out):
    """The 6x6 state transition matrix from the universal functions (see :func:`kepler_stm`)."""
    sqmu = math.sqrt(mu)
    # partial derivatives of U1..U3 with respect to alpha at fixed chi
    u1a = -0.5 * (chi * u2 - u3)
    u2a = -0.5 * (chi * u3 - 2.0 * u4)
    u3a = -0.5 * (chi * u4 - 3.0 * u5)
    # Kepler's equation F = r0 U1 + sigma0 U2 + U3 - sqrt(mu) dt = 0, dF/dchi = r
    grads = np.zeros((4, 6))  # rows: d/dx0 of f, g, fd, gd
    dp = np.zeros((3, 6))  # rows: d/dx0 of r0, sigma0, alpha
    for k in range(3):
        dp[0, k] = r0v[k] / r0
        dp[1, k] = v0v[k] / sqmu
        dp[1, 3 + k] = r0v[k] / sqmu
        dp[2, k] = -2.0 * r0v[k] / (r0 * r0 * r0)
        dp[2, 3 + k] = -2.0 * v0v[k] / mu
    for p in range(3):
        d_r0 = 1.0 if p == 0 else 0.0
        d_s0 = 1.0 if p == 1 else 0.0
        d_al = 1.0 if p == 2 else 0.0
        fp = u1 * d_r0 + u2 * d_s0 + (r0 * u1a + sigma0 * u2a + u3a) * d_al
        chi_p = -fp / r
        du0 = -alpha * u1 * chi_p - u2 * d_al - alpha * (u2a * d_al)  # U0 = 1 - alpha U2
        du1 = u0 * chi_p + u1a * d_al
        du2 = u1 * chi_p + u2a * d_al
        r_p = u0 * d_r0 + r0 * du0 + u1 * d_s0 + sigma0 * du1 + du2
        f_p = -du2 / r0 + u2 * d_r0 / (r0 * r0)
        g_p = (u1 * d_r0 + r0 * du1 + u2 * d_s0 + sigma0 * du2) / sqmu
        fd_p = -sqmu * (du1 / (r * r0) - u1 * (r_p * r0 + r * d_r0) / (r * r0 * r * r0))
        gd_p = -du2 / r + u2 * r_p / (r * r)
        for j in range(6):
            grads[0, j] += f_p * dp[p, j]
            grads[1, j] += g_p * dp[p, j]
            grads[2, j] += fd_p * dp[p, j]
            grads[3, j] += gd_p * dp[p, j]
    for i in range(3):
        for j in range(6):
            out[i, j] = r0v[i] * grads[0, j] + v0v[i] * grads[1, j]
            out[3 + i, j] = r0v[i] * grads[2, j] + v0v[i] * grads[3, j]
        out[i, i] += f
        out[i, 3 + i] += g
        out[3 + i, i] += fd
        out[3 + i, 3 + i] += gd


def _propagate_loop(mu, r0, v0, dt, r_out, v_out, status):
    for i in prange(r0.shape[0]):
        x, y, z, vx, vy, vz, st = kepler_one(
            mu, r0[i, 0], r0[i, 1], r0[i, 2], v0[i, 0], v0[i, 1], v0[i, 2], dt[i]
        )
        r_out[i, 0] = x
        r_out[i, 1] = y
        r_out[i, 2] = z
        v_out[i, 0] = vx
        v_out[i, 1] = vy
        v_out[i, 2] = vz
        status[i] = st


_propagate_serial, _propagate_parallel = serial_and_parallel(_propagate_loop)  # serial: small batches


def propagate_batch(mu, r0, v0, dt):
    """Propagate many two-body states, each by its own time step.

    Parameters
    ----------
    mu : float
        Gravitational parameter of the central body, km^3/s^2.
    r0, v0 : array_like, shape (N, 3)
        Initial positions (km) and velocities (km/s).
    dt : array_like, shape (N,) or scalar
        Time to propagate, s (negative propagates backwards).

    Returns
    -------
    r, v : ndarray, shape (N, 3)
        Final positions (km) and velocities (km/s); NaN where status != OK.
    status : ndarray of int8, shape (N,)
        ``OK`` (0) or ``NOT_CONVERGED`` (2).
    """
    r0 = np.ascontiguousarray(np.atleast_2d(r0), dtype=np.float64)
    v0 = np.ascontiguousarray(np.atleast_2d(v0), dtype=np.float64)
    n = r0.shape[0]
    dt = np.ascontiguousarray(np.broadcast_to(np.asarray(dt, dtype=np.float64), (n,)))
    r_out = np.empty((n, 3))
    v_out = np.empty((n, 3))
    status = np.empty(n, dtype=np.int8)
    kernel = _propagate_serial if n < SERIAL_BELOW else _propagate_parallel
    kernel(float(mu), r0, v0, dt, r_out, v_out, status)
    return r_out, v_out, status


def propagate(mu, r0, v0, dt):
    """Propagate one two-body state by ``dt`` seconds.

    Parameters
    ----------
    mu : float
        Gravitational parameter, km^3/s^2.
    r0, v0 : array_like, shape (3,)
        Position (km) and velocity (km/s).
    dt : float
        Time step, s.

    Returns
    -------
    r, v : ndarray, shape (3,)
        Position (km) and velocity (km/s) after ``dt``.

    Raises
    ------
    NoSolutionError
        If the universal Kepler equation did not converge (overflow for an
        extreme hyperbola, or a degenerate state).
    """
    from sojourn.errors import NoSolutionError

    r, v, status = propagate_batch(mu, np.reshape(r0, (1, 3)), np.reshape(v0, (1, 3)), [dt])
    if status[0] != OK:
        raise NoSolutionError("Kepler propagation did not converge", f"dt = {dt} s")
    return r[0], v[0]
