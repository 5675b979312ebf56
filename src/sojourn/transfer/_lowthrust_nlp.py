"""The nonlinear program behind :mod:`sojourn.transfer.lowthrust` (internal).

Decision vector, in scaled units (length ``L``, the time unit ``T`` that makes
GM one, the initial mass):

    z = [u (3N), m_f, v∞ departure (3)?, v∞ arrival (3)?, launch epoch?, time of flight?]

where the parts marked ? are present only when the problem frees them. The
equality constraints are the 7 numbers of the leg's mismatch at its match
point; the inequalities keep every throttle inside the unit ball and every
v∞ within its allowance. Everything is solved by scipy's SLSQP with the
analytic Jacobians of :func:`sojourn.core.lowthrust.leg_mismatch`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from sojourn.core import lowthrust as kern
from sojourn.constants import G0_MS2

CUT = 0.6
"""Share of the segments flown forwards from departure (as pykep's examples)."""

SMOOTHING = 1e-4
"""Throttle smoothing while searching (see :func:`sojourn.core.lowthrust._throttle_norm`)."""

EXACT = 1e-9
"""Throttle smoothing of the final solve: the mass flow of the exact |u| to 1e-9 of a segment's."""

FTOL = 1e-10
"""SLSQP's goal on the scaled objective."""

MISMATCH_TOL = 1e-10
"""Largest scaled mismatch (L, L/T, initial mass) accepted from the optimiser."""


@dataclass(frozen=True)
class Scales:
    """Units of the scaled problem: length ``length_km``, GM = 1, mass ``mass_kg``."""

    mu_km3s2: float
    length_km: float
    mass_kg: float

    @property
    def time_s(self) -> float:
        return math.sqrt(self.length_km ** 3 / self.mu_km3s2)

    @property
    def speed_kms(self) -> float:
        return self.length_km / self.time_s

    @property
    def accel_kms2(self) -> float:
        return self.length_km / self.time_s ** 2

    def thrust(self, newton: float) -> float:
        """A thrust in N in scaled units (mass · length / time²)."""
        return newton / 1000.0 / (self.mass_kg * self.accel_kms2)

    def exhaust(self, isp_s: float) -> float:
        """The effective exhaust speed of an Isp in s, in scaled units."""
        return isp_s * G0_MS2 / 1000.0 / self.speed_kms


@dataclass(frozen=True)
class Engine:
    """The engine in scaled units: thrust at the reference distance (duty cycle included), law, r_ref, ve."""

    tmax: float
    law: int
    r_ref: float
    ve: float


class Ends:
    """Departure and arrival states as functions of the epochs (fixed states, or bodies on an ephemeris)."""

    def __init__(self, scales: Scales, fixed=None, bodies=None, t_ref: float = 0.0):
        self.s = scales
        self.fixed = fixed  # (rs, vs, rf, vf) in km, km/s
        self.bodies = bodies  # (ephemeris, departure body, arrival body)
        self.t_ref = t_ref  # TDB s of scaled epoch 0
        self._cache: dict = {}

    def state(self, which: int, t_nd: float):
        """Scaled (r, v) of the departure (0) or arrival (1) end at scaled epoch t, and d/dt of both."""
        s = self.s
        if self.fixed is not None:
            r, v = self.fixed[2 * which], self.fixed[2 * which + 1]
            return (np.asarray(r) / s.length_km, np.asarray(v) / s.speed_kms, np.zeros(3), np.zeros(3))
        key = (which, t_nd)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        eph, dep, arr = self.bodies
        t = self.t_ref + t_nd * s.time_s
        dt = 600.0
        r, v = eph.state(dep if which == 0 else arr, np.array([t, t - dt, t + dt]))
        acc = (v[2] - v[1]) / (2.0 * dt)
        out = (r[0] / s.length_km, v[0] / s.speed_kms, v[0] / s.speed_kms, acc * s.time_s ** 2 / s.length_km)
        if len(self._cache) > 64:
            self._cache.clear()
        self._cache[key] = out
        return out


class Problem:
    """One leg as an NLP: layout of z, boundary states, mismatch and constraints with their Jacobians."""

    def __init__(self, ends: Ends, engine: Engine, n: int, *, t0: float, tof: float, vinf_dep: float = 0.0,
                 vinf_arr: float = 0.0, t0_bounds=None, tof_bounds=None, mf_min: float = 1e-3,
                 objective: str = "max_mass", steps: int = 1):
        self.ends, self.engine, self.n = ends, engine, n
        self.n_fwd = max(1, min(n - 1, int(round(CUT * n))))
        self.t0, self.tof = t0, tof
        self.vinf_dep, self.vinf_arr = vinf_dep, vinf_arr
        self.t0_bounds, self.tof_bounds = t0_bounds, tof_bounds
        self.mf_min, self.objective, self.steps = mf_min, objective, steps
        i = 3 * n
        self.i_mf = i
        i += 1
        self.i_vd = i if vinf_dep > 0.0 else None
        i += 3 if vinf_dep > 0.0 else 0
        self.i_va = i if vinf_arr > 0.0 else None
        i += 3 if vinf_arr > 0.0 else 0
        self.i_t0 = i if t0_bounds is not None else None
        i += 1 if t0_bounds is not None else 0
        self.i_tof = i if tof_bounds is not None else None
        i += 1 if tof_bounds is not None else 0
        self.nz = i
        self.model = kern.MODEL_SF
        self.smoothing = SMOOTHING
        self._last = None

    # -- layout -------------------------------------------------------------------
    def epochs(self, z):
        t0 = z[self.i_t0] if self.i_t0 is not None else self.t0
        tof = z[self.i_tof] if self.i_tof is not None else self.tof
        return t0, tof

    def throttles(self, z):
        return z[: 3 * self.n].reshape(self.n, 3)

    def bounds(self):
        lo = np.full(self.nz, -1.0)
        hi = np.full(self.nz, 1.0)
        lo[self.i_mf], hi[self.i_mf] = self.mf_min, 1.0
        for i, vmax in ((self.i_vd, self.vinf_dep), (self.i_va, self.vinf_arr)):
            if i is not None:
                lo[i:i + 3], hi[i:i + 3] = -vmax, vmax
        if self.i_t0 is not None:
            lo[self.i_t0], hi[self.i_t0] = self.t0_bounds
        if self.i_tof is not None:
            lo[self.i_tof], hi[self.i_tof] = self.tof_bounds
        return lo, hi

    def boundary(self, z):
        """xs, xf (7) and their Jacobians (7 x nz) with respect to z; tof and d tof / dz."""
        t0, tof = self.epochs(z)
        rs, vs, drs, dvs = self.ends.state(0, t0)
        rf, vf, drf, dvf = self.ends.state(1, t0 + tof)
        xs = np.concatenate([rs, vs, [1.0]])
        xf = np.concatenate([rf, vf, [z[self.i_mf]]])
        dxs = np.zeros((7, self.nz))
        dxf = np.zeros((7, self.nz))
        dxf[6, self.i_mf] = 1.0
        if self.i_vd is not None:
            xs[3:6] += z[self.i_vd:self.i_vd + 3]
            dxs[3:6, self.i_vd:self.i_vd + 3] = np.eye(3)
        if self.i_va is not None:
            xf[3:6] += z[self.i_va:self.i_va + 3]
            dxf[3:6, self.i_va:self.i_va + 3] = np.eye(3)
        if self.i_t0 is not None:
            dxs[:6, self.i_t0] = np.concatenate([drs, dvs])
            dxf[:6, self.i_t0] = np.concatenate([drf, dvf])
        dtof = np.zeros(self.nz)
        if self.i_tof is not None:
            dxf[:6, self.i_tof] = np.concatenate([drf, dvf])
            dtof[self.i_tof] = 1.0
        return xs, xf, tof, dxs, dxf, dtof

    # -- the mismatch -------------------------------------------------------------
    def mismatch(self, z):
        """(mc (7), d mc / dz (7 x nz), status), cached on z."""
        key = z.tobytes()
        if self._last is not None and self._last[0] == key and self._last[1] == (self.model, self.smoothing):
            return self._last[2]
        xs, xf, tof, dxs, dxf, dtof = self.boundary(z)
        e = self.engine
        n = self.n
        mc = np.empty(7)
        jac = np.empty((7, 15 + 3 * n))
        st = kern.leg_mismatch(self.model, 1.0, xs, xf, np.ascontiguousarray(self.throttles(z)), tof, self.n_fwd,
                               e.tmax, e.law, e.r_ref, e.ve, self.smoothing, self.steps, mc, jac)
        if st != 0:
            out = (np.full(7, 1e3), np.zeros((7, self.nz)), st)
        else:
            jz = jac[:, :7] @ dxs + jac[:, 7:14] @ dxf + np.outer(jac[:, 14 + 3 * n], dtof)
            jz[:, : 3 * n] += jac[:, 14:14 + 3 * n]
            out = (mc, jz, st)
        self._last = (key, (self.model, self.smoothing), out)
        return out

    # -- objective and inequalities -----------------------------------------------
    def objective_value(self, z):
        g = np.zeros(self.nz)
        if self.objective == "min_time":
            g[self.i_tof] = 1.0
            return z[self.i_tof], g
        g[self.i_mf] = -1.0
        return -z[self.i_mf], g

    def inequalities(self, z):
        u = self.throttles(z)
        vals = [1.0 - np.einsum("ij,ij->i", u, u)]
        for i, vmax in ((self.i_vd, self.vinf_dep), (self.i_va, self.vinf_arr)):
            if i is not None:
                w = z[i:i + 3] / vmax
                vals.append(np.array([1.0 - w @ w]))
        return np.concatenate(vals)

    def inequalities_jac(self, z):
        n = self.n
        u = self.throttles(z)
        rows = [np.zeros((n, self.nz))]
        rows[0][np.repeat(np.arange(n), 3), np.arange(3 * n)] = -2.0 * u.ravel()
        for i, vmax in ((self.i_vd, self.vinf_dep), (self.i_va, self.vinf_arr)):
            if i is not None:
                row = np.zeros((1, self.nz))
                row[0, i:i + 3] = -2.0 * z[i:i + 3] / vmax ** 2
                rows.append(row)
        return np.vstack(rows)

    # -- solve --------------------------------------------------------------------
    def solve(self, z0, model: int, maxiter: int, smoothing: float = None):
        """Run SLSQP from z0 with ``model`` (and throttle ``smoothing``); returns (z, ok, message)."""
        from scipy.optimize import minimize

        self.model = model
        self.smoothing = SMOOTHING if smoothing is None else smoothing
        lo, hi = self.bounds()
        z0 = np.clip(np.asarray(z0, dtype=float), lo, hi)
        cons = [
            {"type": "eq", "fun": lambda z: self.mismatch(z)[0], "jac": lambda z: self.mismatch(z)[1]},
            {"type": "ineq", "fun": self.inequalities, "jac": self.inequalities_jac},
        ]
        # SLSQP's small dense algebra gains nothing from BLAS threads, and on a busy
        # machine their spinning made it 20-80 times slower: one thread.
        with np.errstate(all="ignore"), threadpool_limits(1):
            res = minimize(self.objective_value, z0, jac=True, method="SLSQP", bounds=list(zip(lo, hi)),
                           constraints=cons, options={"maxiter": maxiter, "ftol": FTOL})
        self.nit = res.nit
        z = np.clip(res.x, lo, hi)
        mc, _, st = self.mismatch(z)
        ok = bool(st == 0 and np.max(np.abs(mc)) <= MISMATCH_TOL and np.min(self.inequalities(z)) >= -1e-8)
        return z, ok, str(res.message)

    def correct(self, z, model: int, smoothing: float, iterations: int = 10):
        """Newton's method on the mismatch alone, least-norm steps: from an optimum of the smoothed
        problem to a leg that closes exactly with ``smoothing``; returns (z, ok).

        Throttles at full thrust, v-infinities at their allowance and epochs at their bounds
        are held, so no step leaves the feasible set.
        """
        self.model, self.smoothing = model, smoothing
        lo, hi = self.bounds()
        z = z.copy()
        for _ in range(iterations):
            mc, jac, st = self.mismatch(z)
            if st != 0:
                return z, False
            if np.max(np.abs(mc)) <= MISMATCH_TOL:
                return z, True
            free = np.ones(self.nz, dtype=bool)
            full = np.linalg.norm(self.throttles(z), axis=1) > 0.999
            free[: 3 * self.n] = ~np.repeat(full, 3)
            for i, vmax in ((self.i_vd, self.vinf_dep), (self.i_va, self.vinf_arr)):
                if i is not None and np.linalg.norm(z[i:i + 3]) > 0.999 * vmax:
                    free[i:i + 3] = False
            free &= (z > lo + 1e-12) | (z < hi - 1e-12)
            step = np.linalg.lstsq(jac[:, free], -mc, rcond=None)[0]
            z[free] = np.clip(z[free] + step, lo[free], hi[free])
        mc, _, st = self.mismatch(z)
        return z, bool(st == 0 and np.max(np.abs(mc)) <= MISMATCH_TOL)

    def max_mismatch(self, z) -> float:
        return float(np.max(np.abs(self.mismatch(z)[0])))

    def seed(self, mf: float, t0=None, tof=None, vd=None, va=None, u=None):
        """A starting z from its parts (throttles zero unless given)."""
        z = np.zeros(self.nz)
        if u is not None:
            z[: 3 * self.n] = np.ravel(u)
        z[self.i_mf] = mf
        if self.i_vd is not None and vd is not None:
            z[self.i_vd:self.i_vd + 3] = vd
        if self.i_va is not None and va is not None:
            z[self.i_va:self.i_va + 3] = va
        if self.i_t0 is not None:
            z[self.i_t0] = self.t0 if t0 is None else t0
        if self.i_tof is not None:
            z[self.i_tof] = self.tof if tof is None else tof
        return z


def lambert_seed(problem: Problem, z_parts: dict):
    """Throttles that spread the Lambert arc's departure impulse over the forward half and its arrival
    impulse over the backward half, capped at full thrust, and the final mass they would leave."""
    from sojourn.core.lambert import lambert_batch

    t0 = z_parts.get("t0", problem.t0)
    tof = z_parts.get("tof", problem.tof)
    rs, vs, _, _ = problem.ends.state(0, t0)
    rf, vf, _, _ = problem.ends.state(1, t0 + tof)
    v1, v2, status = lambert_batch(1.0, rs[None], rf[None], [tof], reference=np.cross(rs, vs))
    n, nf, e = problem.n, problem.n_fwd, problem.engine
    cap = e.tmax * tof / n  # dv per segment at full thrust for unit mass
    u = np.zeros((n, 3))
    if status[0] != 0:
        return u, 0.9, None, None
    dv1, vd = _excess(v1[0] - vs, problem.vinf_dep)
    dv2, va = _excess(vf - v2[0], problem.vinf_arr)
    for sl, dv, k in ((slice(0, nf), dv1, nf), (slice(nf, n), dv2, n - nf)):
        w = dv / (k * cap)
        norm = np.linalg.norm(w)
        u[sl] = w / norm if norm > 1.0 else w
    total = np.linalg.norm(dv1) + np.linalg.norm(dv2)
    return u, max(problem.mf_min, math.exp(-total / e.ve)), vd, -va


def _excess(dv, allowance: float):
    """dv less an allowance along itself (never reversed), and the part the allowance takes (99 % of it)."""
    n = float(np.linalg.norm(dv))
    if n > allowance:
        return dv * (1.0 - allowance / n), 0.99 * dv * allowance / n
    return np.zeros(3), 0.99 * dv
