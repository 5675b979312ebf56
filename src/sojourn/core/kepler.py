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
    target = sqmu * dt

    # F(chi) = sigma0 chi^2 c2 + (1 - alpha r0) chi^3 c3 + r0 chi - sqrt(mu) dt, F' = r(chi) > 0.
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
    chi_prev = chi
    converged = False
    c2 = 0.0
    c3 = 0.0
    rr = r0
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
            converged = True
            break
        step = f / rr
        chi_prev = chi
        chi = chi - step
        if abs(chi - chi_prev) <= 1e-15 * max(1.0, abs(chi)):
            converged = True
            break
        if math.isfinite(lo) and math.isfinite(hi) and (hi - lo) <= 1e-15 * max(1.0, abs(hi)):
            converged = True
            break
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
    # Rounding noise: Kepler's equation is solved to the rounding of its largest
    # term, which moves chi and so r by |v| r dchi / sqrt(mu); f and g lose what
    # cancels in 1 - ... and dt - ... . Near-rectilinear fast hyperbolas lose
    # most digits there: say so rather than return a wrong state as OK.
    f_terms = abs(sigma0 * chi2 * c2) + abs((1.0 - alpha * r0) * chi2 * chi * c3) + abs(r0 * chi) + abs(target)
    v_n = math.sqrt(v2 + 2.0 * mu * (1.0 / rn - 1.0 / r0)) if v2 + 2.0 * mu * (1.0 / rn - 1.0 / r0) > 0.0 else 0.0
    noise = _EPS * (v_n * f_terms / sqmu + (1.0 + abs(f)) * r0 + (abs(dt) + abs(g - dt)) * math.sqrt(v2))
    if not noise <= _MAX_REL_NOISE * rn:
        return nan, nan, nan, nan, nan, nan, NOT_CONVERGED
    gdot = 1.0 - chi2 * c2 / rn
    fdot = sqmu / (rn * r0) * chi * (z * c3 - 1.0)
    return (x, y, zz, fdot * rx + gdot * vx, fdot * ry + gdot * vy, fdot * rz + gdot * vz, OK)


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
