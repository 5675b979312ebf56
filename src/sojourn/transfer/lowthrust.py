"""Low-thrust legs: electric propulsion, optimised and verified trajectories, quick estimates.

A vessel with electric propulsion (:class:`ElectricPropulsion`: thrust, Isp, a
power law and a duty cycle) flies a leg as a sequence of thrust arcs. Three
tools, from quick to exact:

* :func:`lowthrust_porkchop` estimates, for every cell of a launch × time-of-flight
  grid, the low-thrust Δv and final mass from the cell's Lambert arc (the MIMA
  of Hennes, Izzo & Landau 2016), in one compiled pass; with Edelbaum's Δv of
  the circle-to-circle spiral between the same radii beside it (:func:`edelbaum_dv`).
* :func:`lowthrust_transfer` (point to point) and :func:`lowthrust_leg` (body to
  body on given dates) optimise a leg: a Sims–Flanagan transcription solved by
  SLSQP for the most final mass (or the least time for a mass budget), refined
  on the same grid of segments with the thrust held over each segment
  (continuous thrust, not impulses), then **verified**: the thrust history is
  integrated from departure with scipy's DOP853 at tight tolerances and must
  land within :data:`LANDING_TOLERANCE_KM` and :data:`LANDING_TOLERANCE_MS` of
  the target. A leg that does not is reported as not converged and never
  returned as a good result.
* :func:`best_lowthrust_leg` searches a launch window: the estimate over the
  whole grid, then the optimiser, with launch date and flight time free inside
  the window, from the best few cells.

Units: km, s, km/s, kg, N, s of Isp; epochs TDB seconds past J2000 inside, UTC
at the boundary. Frame: heliocentric ICRF.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from sojourn import checks
from sojourn.bodies import GM_SUN
from sojourn.constants import AU_KM, G0_MS2
from sojourn.errors import InputError, NoSolutionError
from sojourn.results import Result, json_safe, rounded, utc_text
from sojourn.time import DAY

POWER_LAWS = ("constant", "inverse_square")
"""Thrust laws: ``constant`` (nuclear-electric), ``inverse_square`` (solar-electric, referenced to 1 AU)."""

LANDING_TOLERANCE_KM = 1000.0
"""Largest miss in position at arrival, km, of the DOP853 integration of a leg's thrust history."""

LANDING_TOLERANCE_MS = 1.0
"""Largest miss in velocity at arrival, m/s, of the DOP853 integration of a leg's thrust history."""

THRUSTING = 0.01
"""A segment thrusts when its throttle is above this share of the thrust available (SLSQP leaves coasts
at about 1e-3)."""

MIN_SEGMENTS, MAX_SEGMENTS = 4, 200
"""Range of segments a leg may be cut into."""

_SF_ITER, _HF_ITER, _POLISH_ITER = 300, 800, 400  # SLSQP iterations: Sims-Flanagan, continuous thrust, exact polish


# --------------------------------------------------------------------------- #
# The engine                                                                   #
# --------------------------------------------------------------------------- #
@dataclass(frozen=True, repr=False)
class ElectricPropulsion(Result):
    """An electric propulsion system.

    Parameters
    ----------
    thrust_n : float
        Maximum thrust, N (at 1 AU for ``inverse_square``).
    isp_s : float
        Specific impulse, s.
    power_law : {"constant", "inverse_square"}
        ``constant``: the thrust does not depend on the distance to the Sun
        (nuclear-electric). ``inverse_square``: solar-electric, the power and so
        the thrust fall as (1 AU / r)² beyond 1 AU; inside 1 AU the engine gives
        its rated thrust, no more.
    duty_cycle : float
        Fraction of the time the engine can fire, in (0, 1]: the thrust bound of
        every segment is scaled by it (a time-averaged thrust).

    Raises
    ------
    InputError
        A thrust or Isp not positive and finite, an unknown power law, a duty
        cycle outside (0, 1].
    """

    thrust_n: float
    isp_s: float
    power_law: str = "constant"
    duty_cycle: float = 1.0

    def __post_init__(self):
        for name in ("thrust_n", "isp_s", "duty_cycle"):
            value = getattr(self, name)
            try:
                ok = math.isfinite(float(value)) and float(value) > 0.0
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise InputError(f"{name.replace('_', ' ')} must be a positive number, not {value!r}", name)
        if self.duty_cycle > 1.0:
            raise InputError(f"duty cycle must be in (0, 1], not {self.duty_cycle!r}", "duty_cycle")
        if self.power_law not in POWER_LAWS:
            raise InputError(f"unknown power law {self.power_law!r}; expected one of {', '.join(POWER_LAWS)}",
                             "power_law")

    @property
    def exhaust_speed_kms(self) -> float:
        """Effective exhaust speed Isp · g0, km/s."""
        from sojourn.core.rocket import exhaust_speed

        return float(exhaust_speed(self.isp_s))

    @property
    def law_code(self) -> int:
        from sojourn.core.lowthrust import LAW_CONSTANT, LAW_INVERSE_SQUARE

        return LAW_CONSTANT if self.power_law == "constant" else LAW_INVERSE_SQUARE

    def available_thrust_n(self, r_km) -> np.ndarray:
        """Thrust the engine can give at heliocentric distances ``r_km`` (km), duty cycle included, N."""
        r = np.asarray(r_km, dtype=float)
        t = self.thrust_n * self.duty_cycle
        if self.power_law == "inverse_square":
            return t * np.minimum(1.0, (AU_KM / r) ** 2)
        return np.full(r.shape, t)

    def to_dict(self) -> dict:
        return {"thrust_n": self.thrust_n, "isp_s": self.isp_s, "power_law": self.power_law,
                "duty_cycle": self.duty_cycle}

    def summary(self):
        return [("thrust", f"{self.thrust_n:g} N"), ("Isp", f"{self.isp_s:g} s"), ("law", self.power_law),
                ("duty", f"{self.duty_cycle:g}")]


def _engine(thrust_n, isp_s, power_law, duty_cycle) -> ElectricPropulsion:
    return ElectricPropulsion(thrust_n, isp_s, power_law, duty_cycle)


# --------------------------------------------------------------------------- #
# The result                                                                   #
# --------------------------------------------------------------------------- #
@dataclass(frozen=True, repr=False)
class LowThrustLeg(Result):
    """An optimised low-thrust leg, verified by integration (or the reason it is not).

    Attributes
    ----------
    converged : bool
        True when the optimiser met every constraint and the DOP853 integration
        of the thrust history landed within the tolerances. When False, the
        masses, Δv and histories are NaN / None: there is no leg to use.
    optimal : bool
        Whether SLSQP also reported its optimality test passed (a converged but
        not optimal leg is feasible and verified, maybe not the best).
    initial_mass_kg, final_mass_kg, propellant_kg : float
        Masses, kg; the final mass is the DOP853 integration's.
    delta_v_kms : float
        Propellant expressed as Δv, ve ln(m0 / mf), km/s.
    tof_days : float
        Time of flight, days.
    t_launch, t_arrival : float or None
        TDB seconds past J2000 of departure and arrival (None for a point-to-point leg).
    departure, destination : str or None
        Body names (None for a point-to-point leg).
    propulsion : ElectricPropulsion
    segments : int
        Segments of the transcription (one thrust vector each).
    objective : str
        ``max_mass`` or ``min_time``.
    vinf_departure_kms, vinf_arrival_kms : float
        v-infinity used at departure (given by the launcher) and kept at arrival, km/s.
    landing_error_km, landing_error_ms : float
        Miss at arrival of the DOP853 integration, km and m/s.
    message : str
        What the optimiser and the verification said.
    departure_state : tuple of 6 float or None
        Position (km) and velocity (km/s) at departure, v-infinity included: where
        :func:`lowthrust_states` starts integrating the history.
    history : xarray.Dataset or None
        Per segment: ``t_start_s`` (from departure), ``epoch`` (UTC, body legs),
        ``throttle`` (0..1 of the thrust available), ``thrust_n``, ``available_thrust_n``,
        ``direction`` (unit vector, ICRF; NaN while coasting), ``mass_kg`` (at the segment start).
    trajectory : xarray.Dataset or None
        The verified integration sampled in time: ``t_s``, ``position_km``, ``velocity_kms``,
        ``mass_kg``, ``thrust_n``.
    """

    converged: bool
    optimal: bool
    initial_mass_kg: float
    final_mass_kg: float
    propellant_kg: float
    delta_v_kms: float
    tof_days: float
    propulsion: ElectricPropulsion
    segments: int
    objective: str = "max_mass"
    t_launch: Optional[float] = None
    t_arrival: Optional[float] = None
    departure: Optional[str] = None
    destination: Optional[str] = None
    vinf_departure_kms: float = 0.0
    vinf_arrival_kms: float = 0.0
    landing_error_km: float = math.nan
    landing_error_ms: float = math.nan
    message: str = ""
    departure_state: Optional[tuple] = None
    history: Any = field(default=None, repr=False, compare=False)
    trajectory: Any = field(default=None, repr=False, compare=False)

    @property
    def launch(self) -> Optional[_dt.datetime]:
        """Departure, UTC (None for a point-to-point leg)."""
        return _utc(self.t_launch)

    @property
    def arrival(self) -> Optional[_dt.datetime]:
        """Arrival, UTC (None for a point-to-point leg)."""
        return _utc(self.t_arrival)

    @property
    def thrust_arcs(self) -> tuple:
        """Runs of thrusting segments: ``(start, end)`` in s from departure, in flight order (empty if not converged).

        A segment thrusts when its throttle exceeds :data:`THRUSTING`.
        """
        if self.history is None:
            return ()
        h = self.history
        on = np.asarray(h["throttle"].values) > THRUSTING
        t0 = np.asarray(h["t_start_s"].values, dtype=float)
        dur = float(h.attrs["duration_s"])
        edges = np.flatnonzero(np.diff(np.r_[0, on.astype(int), 0]))
        return tuple((float(t0[a]), float(t0[b - 1] + dur)) for a, b in zip(edges[::2], edges[1::2]))

    @property
    def thrusting_days(self) -> float:
        """Days the engine thrusts (the thrust arcs' total), days."""
        return sum(b - a for a, b in self.thrust_arcs) / DAY

    def to_dict(self) -> dict:
        hist = None
        if self.history is not None:
            h = self.history
            hist = [{"t_start_s": float(h.t_start_s[k]), "throttle": float(h.throttle[k]),
                     "thrust_n": float(h.thrust_n[k]), "direction": h.direction.values[k].tolist(),
                     "mass_kg": float(h.mass_kg[k])} for k in range(h.sizes["segment"])]
        return json_safe({
            "departure": self.departure, "destination": self.destination,
            "launch": utc_text(self.launch), "arrival": utc_text(self.arrival),
            "tof_days": rounded(self.tof_days, 4), "initial_mass_kg": self.initial_mass_kg,
            "final_mass_kg": rounded(self.final_mass_kg, 3), "propellant_kg": rounded(self.propellant_kg, 3),
            "delta_v_kms": rounded(self.delta_v_kms, 5), "converged": self.converged, "optimal": self.optimal,
            "objective": self.objective, "segments": self.segments, "propulsion": self.propulsion.to_dict(),
            "vinf_departure_kms": rounded(self.vinf_departure_kms, 5),
            "vinf_arrival_kms": rounded(self.vinf_arrival_kms, 5),
            "landing_error_km": rounded(self.landing_error_km, 3),
            "landing_error_ms": rounded(self.landing_error_ms, 6), "message": self.message, "history": hist,
        })

    def summary(self):
        if not self.converged:
            return [("converged", "no"), ("why", self.message)]
        out = []
        if self.launch is not None:
            out += [("launch", utc_text(self.launch)), ("arrival", utc_text(self.arrival))]
        return out + [("tof", f"{self.tof_days:.1f} d"), ("final mass", f"{self.final_mass_kg:.1f} kg"),
                      ("propellant", f"{self.propellant_kg:.1f} kg"), ("Δv", f"{self.delta_v_kms:.3f} km/s")]


def _utc(t: Optional[float]) -> Optional[_dt.datetime]:
    from sojourn.time import tdb_to_datetime

    return None if t is None else tdb_to_datetime(t)


# --------------------------------------------------------------------------- #
# Checks of inputs                                                             #
# --------------------------------------------------------------------------- #
_WHAT = {"tof_days": ("time of flight", "days"), "min_tof_days": ("shortest flight", "days"), "tof_s": ("time of flight", "s"), "mass_kg": ("mass", "kg"),
         "mu": ("mu", "km³/s²"), "min_final_mass_kg": ("final mass budget", "kg"),
         "vinf_departure_kms": ("departure v-infinity", "km/s"), "vinf_arrival_kms": ("arrival v-infinity", "km/s")}


def _positive(value, name: str) -> float:
    return checks.positive(value, name, *_WHAT.get(name, (name, "")))


def _non_negative(value, name: str) -> float:
    return 0.0 if value is None else checks.non_negative(value, name, *_WHAT.get(name, (name, "")))


def _vector(value, name: str) -> np.ndarray:
    try:
        v = np.asarray(value, dtype=float).reshape(3)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be three numbers", name) from None
    if not np.all(np.isfinite(v)):
        raise InputError(f"{name} must be finite", name)
    return v


def default_segments(tof_days: float) -> int:
    """Segments for a leg of ``tof_days``: one per 10 days, at least 10 and at most 60."""
    return int(min(60, max(10, math.ceil(tof_days / 10.0))))


def _segments(segments, tof_days: float) -> int:
    if segments is None:
        return default_segments(tof_days)
    if isinstance(segments, bool) or not isinstance(segments, (int, np.integer)) or \
            not MIN_SEGMENTS <= segments <= MAX_SEGMENTS:
        raise InputError(f"segments must be a whole number from {MIN_SEGMENTS} to {MAX_SEGMENTS}, not {segments!r}",
                         "segments")
    return int(segments)


def _rk4_steps(scales, r_min_km: float, tof_nd: float, n: int) -> int:
    """RK4 steps per segment so that a step sweeps at most 0.015 rad of a circular orbit at ``r_min_km``."""
    rate = math.sqrt(1.0 / (r_min_km / scales.length_km) ** 3)
    return int(max(2, math.ceil(tof_nd / n * rate / 0.015)))


# --------------------------------------------------------------------------- #
# Solving and verifying                                                        #
# --------------------------------------------------------------------------- #
def _optimise(problem, seeds):
    """SLSQP on the Sims-Flanagan model, then on the continuous-thrust model, from each seed in turn.

    Both first stages smooth the throttle magnitude in the mass flow; the last
    stage solves the continuous-thrust model with the exact magnitude.
    Returns (z, optimal, message) of the first seed that ends feasible, or (None, False, message).
    """
    from sojourn.core.lowthrust import MODEL_HF, MODEL_SF
    from sojourn.transfer._lowthrust_nlp import EXACT

    message = ""
    for z0 in seeds:
        z, ok, message = problem.solve(z0, MODEL_SF, _SF_ITER)
        start = z if problem.max_mismatch(z) < 1e-3 else z0
        z, ok, message = problem.solve(start, MODEL_HF, _HF_ITER)
        if problem.max_mismatch(z) > 1e-4:
            continue  # far from feasible: try the next seed
        optimal = message.startswith("Optimization terminated successfully")
        # The smoothed optimum moves by grams of propellant with the exact |u|: Newton on the mismatch
        # closes the leg exactly; SLSQP again only if that fails.
        z1, ok = problem.correct(z, MODEL_HF, EXACT)
        if not ok:
            z1, ok, message = problem.solve(z, MODEL_HF, _POLISH_ITER, smoothing=EXACT)
            optimal = message.startswith("Optimization terminated successfully")
        if ok:
            return z1, optimal, message
    return None, False, message


def _thrust_rhs(t, y, u, un, thrust_n, inverse_square, ve_ms, mu):
    """d(r, v, m)/dt in km, km/s, kg under throttle u (written afresh, apart from the optimiser's kernels)."""
    r = y[:3]
    rn = math.sqrt(r @ r)
    thrust = thrust_n * (min(1.0, (AU_KM / rn) ** 2) if inverse_square else 1.0)
    out = np.empty(7)
    out[:3] = y[3:6]
    out[3:6] = -mu * r / rn ** 3 + thrust / 1000.0 / y[6] * u
    out[6] = -thrust * un / ve_ms
    return out


def _integrate(xs_km, u, h_s, engine: ElectricPropulsion, mu, samples: int = 8, dense=None):
    """DOP853 through every segment from the departure state (km, km/s, kg).

    Returns the end state, the mass at each segment start, the position at each
    segment's midpoint, and time samples (t, state); when ``dense`` is a list, each
    segment's dense-output interpolant (of the time from the segment's start) is
    appended to it.
    """
    from scipy.integrate import solve_ivp

    n = u.shape[0]
    thrust = engine.thrust_n * engine.duty_cycle
    args_common = (thrust, engine.power_law == "inverse_square", engine.isp_s * G0_MS2, mu)
    y = np.asarray(xs_km, dtype=float).copy()
    atol = np.array([1e-6] * 3 + [1e-12] * 3 + [1e-9])
    m_start, r_mid, ts, ys = np.empty(n), np.empty((n, 3)), [], []
    for k in range(n):
        m_start[k] = y[6]
        un = float(np.linalg.norm(u[k]))
        sol = solve_ivp(_thrust_rhs, (0.0, h_s), y, method="DOP853", rtol=1e-12, atol=atol, dense_output=True,
                        args=(u[k], un) + args_common)
        if not sol.success:
            return None
        r_mid[k] = sol.sol(0.5 * h_s)[:3]
        if dense is not None:
            dense.append(sol.sol)
        tk = np.linspace(0.0, h_s, samples, endpoint=False)
        ts.append(k * h_s + tk)
        ys.append(sol.sol(tk).T)
        y = sol.y[:, -1]
    ts.append(np.array([n * h_s]))
    ys.append(y[None])
    return y, m_start, r_mid, np.concatenate(ts), np.vstack(ys)


def _verify(problem, z, scales, engine: ElectricPropulsion, mu):
    """Integrate the optimised thrust history with DOP853; the landing errors and the datasets."""
    s = scales
    xs, xf, tof_nd, _, _, _ = problem.boundary(z)
    u = problem.throttles(z).copy()
    norms = np.linalg.norm(u, axis=1)
    u[norms > 1.0] /= norms[norms > 1.0, None]  # SLSQP may leave 1 + 1e-10: never thrust above the maximum
    to_km = np.array([s.length_km] * 3 + [s.speed_kms] * 3 + [s.mass_kg])
    h_s = tof_nd * s.time_s / problem.n
    out = _integrate(xs * to_km, u, h_s, engine, mu)
    if out is None:
        return None
    y_end, m_start, r_mid, ts, ys = out
    target = xf * to_km
    miss_km = float(np.linalg.norm(y_end[:3] - target[:3]))
    miss_ms = float(np.linalg.norm(y_end[3:6] - target[3:6])) * 1000.0
    return {"u": u, "final_mass": float(y_end[6]), "miss_km": miss_km, "miss_ms": miss_ms, "h_s": h_s,
            "m_start": m_start, "r_mid": r_mid, "t": ts, "y": ys}


def _datasets(check, engine: ElectricPropulsion, t_launch):
    """The thrust history (per segment) and the sampled trajectory as xarray Datasets."""
    import xarray as xr

    from sojourn.time import tdb_to_datetime64

    u = check["u"]
    n = u.shape[0]
    throttle = np.linalg.norm(u, axis=1)
    avail = engine.available_thrust_n(np.linalg.norm(check["r_mid"], axis=1))
    direction = np.where(throttle[:, None] > 1e-6, u / np.maximum(throttle, 1e-300)[:, None], np.nan)
    t_start = np.arange(n) * check["h_s"]
    coords = {"segment": np.arange(n), "xyz": ["x", "y", "z"]}
    if t_launch is not None:
        coords["epoch"] = ("segment", tdb_to_datetime64(t_launch + t_start))
    history = xr.Dataset({
        "t_start_s": ("segment", t_start), "throttle": ("segment", throttle),
        "thrust_n": ("segment", throttle * avail), "available_thrust_n": ("segment", avail),
        "direction": (("segment", "xyz"), direction), "mass_kg": ("segment", check["m_start"]),
    }, coords=coords, attrs={"frame": "ICRF", "duration_s": check["h_s"]})
    t, y = check["t"], check["y"]
    seg = np.minimum((t / check["h_s"]).astype(int), n - 1)
    tcoords = {"t_s": t, "xyz": ["x", "y", "z"]}
    if t_launch is not None:
        tcoords["epoch"] = ("t_s", tdb_to_datetime64(t_launch + t))
    trajectory = xr.Dataset({
        "position_km": (("t_s", "xyz"), y[:, :3]), "velocity_kms": (("t_s", "xyz"), y[:, 3:6]),
        "mass_kg": ("t_s", y[:, 6]),
        "thrust_n": ("t_s", throttle[seg] * engine.available_thrust_n(np.linalg.norm(y[:, :3], axis=1))),
    }, coords=tcoords, attrs={"frame": "ICRF", "center": "sun"})
    return history, trajectory


def lowthrust_states(leg: LowThrustLeg, t_s, mu=None) -> np.ndarray:
    """States along a converged leg: its thrust history integrated again by DOP853 from departure.

    For exports and figures that need the thrusting trajectory at epochs of
    their own choosing (an OEM at a fixed step, an SPK's samples). The history
    is integrated once per leg (the last 16 legs are remembered) and the states
    come from DOP853's dense output, so many calls cost little more than one.

    Parameters
    ----------
    leg : LowThrustLeg
        A converged leg.
    t_s : array_like
        Times from departure, s, within [0, time of flight].
    mu : float, optional
        Gravitational parameter the leg was flown about, km³/s²; default the Sun's.

    Returns
    -------
    ndarray, shape (len(t_s), 7)
        Position (km), velocity (km/s) and mass (kg), heliocentric ICRF for body legs.

    Raises
    ------
    InputError
        A leg that did not converge, or times outside the flight.
    """
    if not leg.converged or leg.history is None or leg.departure_state is None:
        raise InputError("a leg that did not converge has no trajectory", "leg")
    t = np.atleast_1d(np.asarray(t_s, dtype=float))
    h = leg.history
    dur = float(h.attrs["duration_s"])
    n = h.sizes["segment"]
    if not (np.all(np.isfinite(t)) and t.min() >= 0.0 and t.max() <= n * dur * (1 + 1e-12)):
        raise InputError(f"times must lie within the flight, 0 to {n * dur:.0f} s", "t_s")
    pieces = _dense_trajectory(leg, GM_SUN if mu is None else float(mu))
    k = np.clip((t // dur).astype(int), 0, n - 1)
    out = np.empty((t.size, 7))
    for j in np.unique(k):
        sel = k == j
        out[sel] = pieces[j](np.minimum(t[sel] - j * dur, dur)).T
    return out


@functools.lru_cache(maxsize=16)
def _dense_trajectory(leg: LowThrustLeg, mu: float) -> tuple:
    """Each segment's DOP853 dense output along a converged leg, integrated once per leg (and ``mu``)."""
    h = leg.history
    u = np.nan_to_num(h.direction.values) * h.throttle.values[:, None]
    y0 = np.concatenate([leg.departure_state, [leg.initial_mass_kg]])
    pieces = []
    _integrate(y0, u, float(h.attrs["duration_s"]), leg.propulsion, mu, dense=pieces)
    return tuple(pieces)


def _result(problem, z, optimal, message, scales, engine, mu, meta) -> LowThrustLeg:
    """Verify an optimised z and build the leg; a miss gives a leg with converged=False."""
    m0 = scales.mass_kg
    n = problem.n
    base = dict(propulsion=engine, segments=n, initial_mass_kg=m0, objective=problem.objective, **meta)
    if z is None:
        return _failed(base, f"the optimiser found no feasible leg ({message})", problem.tof * scales.time_s)
    t0_nd, tof_nd = problem.epochs(z)
    tof_s = float(tof_nd * scales.time_s)
    check = _verify(problem, z, scales, engine, mu)
    if check is None:
        return _failed(base, "the DOP853 integration of the thrust history failed", tof_s)
    miss = f"lands {check['miss_km']:.3g} km and {check['miss_ms']:.3g} m/s from the target"
    if not (check["miss_km"] <= LANDING_TOLERANCE_KM and check["miss_ms"] <= LANDING_TOLERANCE_MS):
        return _failed(base, f"the verified trajectory {miss} (tolerance {LANDING_TOLERANCE_KM:g} km, "
                             f"{LANDING_TOLERANCE_MS:g} m/s)", tof_s, check)
    t_launch = None
    if problem.ends.bodies is not None:
        t_launch = float(problem.ends.t_ref + t0_nd * scales.time_s)
        base.update(t_launch=t_launch, t_arrival=float(t_launch + tof_s))
    for key, i in (("vinf_departure_kms", problem.i_vd), ("vinf_arrival_kms", problem.i_va)):
        if i is not None:
            base[key] = float(np.linalg.norm(z[i:i + 3])) * scales.speed_kms
    history, trajectory = _datasets(check, engine, t_launch)
    base["departure_state"] = tuple(float(x) for x in check["y"][0, :6])
    mf = check["final_mass"]
    return LowThrustLeg(converged=True, optimal=optimal, final_mass_kg=mf, propellant_kg=m0 - mf,
                        delta_v_kms=engine.exhaust_speed_kms * math.log(m0 / mf), tof_days=tof_s / DAY,
                        landing_error_km=check["miss_km"], landing_error_ms=check["miss_ms"],
                        message=f"{message}; verified: {miss}", history=history, trajectory=trajectory, **base)


def _failed(base: dict, why: str, tof_s: float, check=None) -> LowThrustLeg:
    extra = {}
    if check is not None:
        extra = {"landing_error_km": check["miss_km"], "landing_error_ms": check["miss_ms"]}
    return LowThrustLeg(converged=False, optimal=False, final_mass_kg=math.nan, propellant_kg=math.nan,
                        delta_v_kms=math.nan, tof_days=tof_s / DAY, message=why, **base, **extra)


def _deliver(leg: LowThrustLeg, strict: bool, where: str) -> LowThrustLeg:
    if strict and not leg.converged:
        raise NoSolutionError(f"no converged low-thrust leg: {leg.message}", where)
    return leg


def _seeds(problem, parts=None):
    """Starting points: the Lambert arc's impulses spread over each half-leg, then coasting throughout."""
    from sojourn.transfer._lowthrust_nlp import lambert_seed

    parts = parts or {}
    u, mf, vd, va = lambert_seed(problem, parts)
    return [problem.seed(mf, u=u, vd=vd, va=va, **parts), problem.seed(max(mf, 0.7), vd=vd, va=va, **parts)]


# --------------------------------------------------------------------------- #
# Point to point                                                               #
# --------------------------------------------------------------------------- #
def lowthrust_transfer(r0, v0, rf, vf, tof_s, *, mass_kg, thrust_n, isp_s, mu=None, segments=None,
                       power_law="constant", duty_cycle=1.0, objective="max_mass", min_final_mass_kg=None,
                       strict=True) -> LowThrustLeg:
    """Optimise a low-thrust transfer between two states, and verify it.

    Parameters
    ----------
    r0, v0 : array_like, shape (3,)
        Departure position (km) and velocity (km/s).
    rf, vf : array_like, shape (3,)
        Arrival position (km) and velocity (km/s) to reach.
    tof_s : float
        Time of flight, s (with ``objective="min_time"``: the longest allowed).
    mass_kg : float
        Mass at departure, kg.
    thrust_n, isp_s : float
        Maximum thrust (N) and specific impulse (s) of the engine.
    mu : float, optional
        Gravitational parameter of the central body, km³/s²; default the Sun's
        (:data:`sojourn.bodies.GM_SUN`).
    segments : int, optional
        Segments of the transcription; default :func:`default_segments`.
    power_law : {"constant", "inverse_square"}
        See :class:`ElectricPropulsion` (the inverse-square law is referenced to 1 AU
        from the central body).
    duty_cycle : float
        Fraction of the time the engine fires, (0, 1].
    objective : {"max_mass", "min_time"}
        Most final mass for the fixed ``tof_s``; or least time of flight that keeps
        at least ``min_final_mass_kg``.
    min_final_mass_kg : float, optional
        The mass budget of ``min_time``: the least mass to arrive with, kg.
    strict : bool
        Raise :class:`NoSolutionError` when no leg converges (default); False
        returns the leg with ``converged=False`` and the reason.

    Returns
    -------
    LowThrustLeg

    Raises
    ------
    InputError
        A malformed input.
    NoSolutionError
        No converged, verified leg (``strict``): thrust too weak for the time,
        the optimiser stuck, or the verification missed the target.

    Examples
    --------
    From a circular orbit at 1 AU to one at 1.15 AU, 170° further on, in 190 days:

    >>> import numpy as np, sojourn as sj
    >>> au, mu = 149597870.7, 1.32712440018e11
    >>> v0, v1, a = np.sqrt(mu / au), np.sqrt(mu / (1.15 * au)), np.radians(170.0)
    >>> leg = sj.lowthrust_transfer([au, 0, 0], [0, v0, 0], [1.15 * au * np.cos(a), 1.15 * au * np.sin(a), 0],
    ...                             [-v1 * np.sin(a), v1 * np.cos(a), 0], 190 * 86400.0, mass_kg=1000.0,
    ...                             thrust_n=0.5, isp_s=3000.0, segments=8)
    >>> leg.converged, leg.landing_error_km < 1000.0, 900.0 < leg.final_mass_kg < 1000.0
    (True, True, True)
    """
    engine = _engine(thrust_n, isp_s, power_law, duty_cycle)
    r0, v0, rf, vf = (_vector(x, name) for x, name in ((r0, "r0"), (v0, "v0"), (rf, "rf"), (vf, "vf")))
    tof_s = _positive(tof_s, "tof_s")
    m0 = _positive(mass_kg, "mass_kg")
    mu = GM_SUN if mu is None else _positive(mu, "mu")
    _objective(objective)
    from sojourn.transfer import _lowthrust_nlp as nlp

    scales = nlp.Scales(mu, float(np.linalg.norm(r0)), m0)
    n = _segments(segments, tof_s / DAY)
    eng = nlp.Engine(scales.thrust(engine.thrust_n * engine.duty_cycle), engine.law_code,
                     AU_KM / scales.length_km, scales.exhaust(engine.isp_s))
    ends = nlp.Ends(scales, fixed=(r0, v0, rf, vf))
    tof_nd = tof_s / scales.time_s
    steps = _rk4_steps(scales, min(np.linalg.norm(r0), np.linalg.norm(rf)), tof_nd, n)
    problem = nlp.Problem(ends, eng, n, t0=0.0, tof=tof_nd, steps=steps)
    z, optimal, message = _optimise(problem, _seeds(problem))
    if objective == "min_time":
        budget = _positive(min_final_mass_kg, "min_final_mass_kg") / m0
        problem, z, optimal, message = _min_time(problem, z, budget, message)
    leg = _result(problem, z, optimal, message, scales, engine, mu, {})
    return _deliver(leg, strict, "tof_s")


def _min_time(problem, z, budget, message, shortest=None):
    """From a max-mass leg at the longest time, the least time that keeps ``budget`` (scaled) of the mass,
    and no less than ``shortest`` (scaled; default a tenth of the longest)."""
    from sojourn.transfer import _lowthrust_nlp as nlp

    if z is None:
        return problem, None, False, message
    if z[problem.i_mf] < budget:
        why = (f"even the longest flight leaves only {z[problem.i_mf]:.4g} of the initial mass, "
               f"below the budget {budget:.4g}")
        return problem, None, False, why
    timed = nlp.Problem(problem.ends, problem.engine, problem.n, t0=problem.t0, tof=problem.tof,
                        vinf_dep=problem.vinf_dep, vinf_arr=problem.vinf_arr, t0_bounds=problem.t0_bounds,
                        tof_bounds=(0.1 * problem.tof if shortest is None else min(shortest, problem.tof),
                                    problem.tof), mf_min=budget, objective="min_time",
                        steps=problem.steps)
    z0 = timed.seed(z[problem.i_mf], u=problem.throttles(z), tof=problem.tof,
                    vd=z[problem.i_vd:problem.i_vd + 3] if problem.i_vd is not None else None,
                    va=z[problem.i_va:problem.i_va + 3] if problem.i_va is not None else None)
    z1, optimal, message = _optimise(timed, [z0])
    return timed, z1, optimal, message


# --------------------------------------------------------------------------- #
# Body to body                                                                 #
# --------------------------------------------------------------------------- #
def _body_problem(eph, dep, arr, t0, tof_s, n, engine, m0, vinf_dep, vinf_arr, t0_bounds=None, tof_bounds=None):
    """The NLP of a body-to-body leg; scaled epoch 0 is ``t0``; bounds in TDB s (launch) and s (tof)."""
    from sojourn.transfer import _lowthrust_nlp as nlp

    scales = nlp.Scales(GM_SUN, AU_KM, m0)
    ts = scales.time_s
    eng = nlp.Engine(scales.thrust(engine.thrust_n * engine.duty_cycle), engine.law_code, 1.0,
                     scales.exhaust(engine.isp_s))
    ends = nlp.Ends(scales, bodies=(eph, dep, arr), t_ref=t0)
    r_min = min(np.linalg.norm(eph.state(dep, t0)[0]), np.linalg.norm(eph.state(arr, t0 + tof_s)[0]))
    steps = _rk4_steps(scales, r_min, tof_s / ts, n)
    problem = nlp.Problem(
        ends, eng, n, t0=0.0, tof=tof_s / ts, vinf_dep=vinf_dep / scales.speed_kms,
        vinf_arr=vinf_arr / scales.speed_kms,
        t0_bounds=None if t0_bounds is None else ((t0_bounds[0] - t0) / ts, (t0_bounds[1] - t0) / ts),
        tof_bounds=None if tof_bounds is None else (tof_bounds[0] / ts, tof_bounds[1] / ts), steps=steps)
    return problem, scales


def lowthrust_leg(origin, destination, launch, tof_days, *, mass_kg, thrust_n, isp_s, power_law="constant", duty_cycle=1.0,
                  vinf_departure_kms=0.0, vinf_arrival_kms=0.0, segments=None, objective="max_mass",
                  min_final_mass_kg=None, min_tof_days=None, ephemeris=None, strict=True) -> LowThrustLeg:
    """Optimise a low-thrust leg between two bodies from a given launch date, and verify it.

    Parameters
    ----------
    origin, destination : str or Body
        Departure and arrival bodies (heliocentric states from the ephemeris).
    launch : str, datetime or float
        Departure: UTC ISO 8601 text, a UTC datetime, or TDB seconds past J2000.
    tof_days : float
        Time of flight, days (with ``objective="min_time"``: the longest allowed).
    mass_kg : float
        Mass at departure (after the launcher's v-infinity), kg.
    thrust_n, isp_s, power_law, duty_cycle
        The engine (see :class:`ElectricPropulsion`).
    vinf_departure_kms : float
        Largest v-infinity the launcher gives at departure, km/s (0: the leg
        starts with the departure body's velocity).
    vinf_arrival_kms : float
        Largest v-infinity allowed at arrival, km/s (0: rendezvous).
    segments : int, optional
        Segments of the transcription; default :func:`default_segments`.
    objective : {"max_mass", "min_time"}
        Most final mass arriving after ``tof_days``; or the earliest arrival (at
        most ``tof_days`` after launch) that keeps ``min_final_mass_kg``.
    min_final_mass_kg : float, optional
        The mass budget of ``min_time``, kg.
    min_tof_days : float, optional
        The shortest flight ``min_time`` may give, days; default a tenth of ``tof_days``.
    ephemeris : Ephemeris or str, optional
        Default DE421.
    strict : bool
        Raise :class:`NoSolutionError` when no leg converges (default).

    Returns
    -------
    LowThrustLeg

    Raises
    ------
    InputError, UnknownBodyError, EphemerisRangeError
        Malformed inputs, an unknown body, dates outside the ephemeris.
    NoSolutionError
        No converged, verified leg (``strict``).

    Examples
    --------
    pykep's tutorial leg (its optimum, with 30 segments: 1,234 kg left):

    >>> import sojourn as sj
    >>> leg = sj.lowthrust_leg("earth", "mars", "2020-05-26", 350, mass_kg=1500, thrust_n=0.6, isp_s=3000,
    ...                        segments=10)
    >>> leg.converged, 1200 < leg.final_mass_kg < 1250, leg.history.sizes["segment"]
    (True, True, 10)
    """
    from sojourn.ephemeris import resolve_ephemeris

    engine = _engine(thrust_n, isp_s, power_law, duty_cycle)
    dep, arr = checks.transfer_bodies(origin, destination)
    t0 = checks.epoch(launch, "launch")
    tof_s = _positive(tof_days, "tof_days") * DAY
    m0 = _positive(mass_kg, "mass_kg")
    vd = _non_negative(vinf_departure_kms, "vinf_departure_kms")
    va = _non_negative(vinf_arrival_kms, "vinf_arrival_kms")
    eph = resolve_ephemeris(ephemeris)
    eph.check_range(dep, t0, t0, "launch")
    eph.check_range(arr, t0 + tof_s, t0 + tof_s, "tof_days")
    _objective(objective)
    n = _segments(segments, tof_s / DAY)
    problem, scales = _body_problem(eph, dep, arr, t0, tof_s, n, engine, m0, vd, va)
    z, optimal, message = _optimise(problem, _seeds(problem))
    if objective == "min_time":
        budget = _positive(min_final_mass_kg, "min_final_mass_kg") / m0
        shortest = 0.1 * tof_s if min_tof_days is None else _positive(min_tof_days, "min_tof_days") * DAY
        eph.check_range(arr, t0 + min(shortest, tof_s), t0 + tof_s, "tof_days")
        problem, z, optimal, message = _min_time(problem, z, budget, message, shortest / scales.time_s)
    meta = {"departure": dep.name, "destination": arr.name}
    leg = _result(problem, z, optimal, message, scales, engine, GM_SUN, meta)
    return _deliver(leg, strict, "tof_days")


def _objective(objective) -> None:
    if objective not in ("max_mass", "min_time"):
        raise InputError(f"objective must be 'max_mass' or 'min_time', not {objective!r}", "objective")


# --------------------------------------------------------------------------- #
# Quick estimates over a grid                                                  #
# --------------------------------------------------------------------------- #
def edelbaum_dv(v0_kms, v1_kms, inclination_change_deg=0.0):
    """Edelbaum's Δv between circular orbits of speeds ``v0_kms`` and ``v1_kms``, km/s.

    Δv = sqrt(v0² − 2 v0 v1 cos(π/2 · Δi) + v1²): the many-revolution
    quasi-circular spiral at constant thrust (Edelbaum 1961; Kechichian 1997).
    From 1 AU to 1.524 AU in one plane, 29.785 − 24.129 = 5.656 km/s.

    Parameters
    ----------
    v0_kms, v1_kms : float or array_like
        Circular speeds, km/s.
    inclination_change_deg : float or array_like
        Change of orbit plane, degrees.

    Returns
    -------
    float or ndarray
        Δv, km/s.

    Examples
    --------
    >>> import sojourn as sj
    >>> round(sj.edelbaum_dv(29.785, 24.129), 3)
    5.656
    """
    from sojourn.core.lowthrust import edelbaum_dv as _edelbaum

    return _edelbaum(v0_kms, v1_kms, np.radians(inclination_change_deg))


def _window(value, name: str) -> tuple[float, float]:
    """A launch window as (start, end) TDB s; one date alone (or a pair of one date) is that date only."""
    try:
        return checks.window(value, name)
    except InputError as exc:
        pair = value if isinstance(value, (tuple, list)) and len(value) == 2 else (value,)
        try:
            ts = [checks.epoch(v, name) for v in pair]
        except InputError:
            raise exc from None
        if ts[0] != ts[-1]:
            raise
        return ts[0], ts[0]


def _tof_range(value) -> tuple[float, float]:
    """Shortest and longest flight, days, from ``(lo, hi)``, ``"LO:HI"`` or one number."""
    if isinstance(value, str):
        value = value.split(":") if ":" in value else value
        if isinstance(value, list) and len(value) != 2:
            raise InputError(f"a time-of-flight range is LO:HI in days, not {':'.join(value)!r}", "tof_days")
    try:
        lo, hi = value
    except (TypeError, ValueError):
        lo = hi = value
    lo, hi = _positive(lo, "tof_days"), _positive(hi, "tof_days")
    if hi < lo:
        raise InputError(f"tof_days range ends before it starts: {lo:g} to {hi:g}", "tof_days")
    return lo, hi


def _axis(lo: float, hi: float, step: float) -> np.ndarray:
    n = int(math.floor((hi - lo) / step + 1e-9)) + 1
    return lo + step * np.arange(n)


def lowthrust_porkchop(origin, destination, launch, tof_days, *, mass_kg, thrust_n, isp_s, power_law="constant",
                       duty_cycle=1.0, vinf_departure_kms=0.0, vinf_arrival_kms=0.0, step_days=1.0,
                       tof_step_days=None, ephemeris=None, progress=None):
    """Estimate the low-thrust cost of every cell of a launch × time-of-flight grid.

    Each cell's zero-revolution Lambert arc (prograde about the departure
    body's orbit normal) gives the departure and arrival impulses; less the
    v-infinity allowances, they become the constant acceleration of the MIMA
    (Hennes, Izzo & Landau 2016, as pykep's ``mima``), a low-thrust Δv = a · tof and
    a final mass m0 exp(−Δv / ve). A cell whose acceleration needs more thrust
    than the engine has (MIMA's maximum initial mass below ``mass_kg``) gets no
    mass and status ``NO_SOLUTION``. Edelbaum's spiral Δv between the two
    endpoint radii and orbit planes is given beside it. One compiled, parallel
    pass; no Python loop over cells.

    Parameters
    ----------
    origin, destination : str or Body
        Departure and arrival bodies.
    launch : str or (start, end)
        Launch window: ``"START:END"`` in UTC, or a pair of dates or TDB seconds.
    tof_days : (float, float)
        Shortest and longest time of flight, days.
    mass_kg, thrust_n, isp_s, power_law, duty_cycle
        Initial mass (kg) and the engine (see :class:`ElectricPropulsion`).
    vinf_departure_kms, vinf_arrival_kms : float
        v-infinity the launcher gives, and the arrival may keep, km/s.
    step_days : float
        Step of the launch axis, days.
    tof_step_days : float, optional
        Step of the time-of-flight axis, days; default ``step_days``.
    ephemeris : Ephemeris or str, optional
        Default DE421.
    progress : callable, optional
        ``progress(done, total, label)``, counted in cells.

    Returns
    -------
    xarray.Dataset
        Over ``(launch, tof_days)``: ``final_mass_kg``, ``delta_v_kms``, ``accel_mms2``
        (mm/s²), ``edelbaum_dv_kms``, ``impulsive_dv_kms`` (the Lambert arc's own impulses
        less the allowances: what unlimited thrust would spend), ``status``; coordinate
        ``t_launch`` (TDB s).

    Examples
    --------
    >>> import sojourn as sj
    >>> ds = sj.lowthrust_porkchop("earth", "mars", "2020-05-01:2020-07-01", (200, 350), mass_kg=1500,
    ...                            thrust_n=0.6, isp_s=3000, step_days=10)
    >>> dict(ds.sizes), sorted(ds.data_vars)[:3]
    ({'launch': 7, 'tof_days': 16}, ['accel_mms2', 'delta_v_kms', 'edelbaum_dv_kms'])
    """
    import xarray as xr

    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.progress import reporting
    from sojourn.time import tdb_to_datetime64

    engine = _engine(thrust_n, isp_s, power_law, duty_cycle)
    dep, arr = checks.transfer_bodies(origin, destination)
    t_a, t_b = _window(launch, "launch")
    lo, hi = _tof_range(tof_days)
    step = checks.step_days(step_days)
    tstep = checks.step_days(step if tof_step_days is None else tof_step_days, "tof_step_days")
    m0 = _positive(mass_kg, "mass_kg")
    vd = _non_negative(vinf_departure_kms, "vinf_departure_kms")
    va = _non_negative(vinf_arrival_kms, "vinf_arrival_kms")
    t_launch = _axis(t_a, t_b, step * DAY)
    tofs = _axis(lo, hi, tstep)
    checks.grid_cells(t_launch.size * tofs.size, "step_days")
    eph = resolve_ephemeris(ephemeris)
    eph.check_range(dep, t_launch[0], t_launch[-1], "launch")
    eph.check_range(arr, t_launch[0] + tofs[0] * DAY, t_launch[-1] + tofs[-1] * DAY, "tof_days")
    shape = (t_launch.size, tofs.size)
    out = {k: np.empty(shape) for k in ("dv", "acc", "mf", "edelbaum", "impulsive")}
    status = np.empty(shape, dtype=np.int8)
    rows = max(1, 50_000 // tofs.size)
    with reporting(progress, float(np.prod(shape)), "low-thrust estimate cells") as advance:
        for i in range(0, t_launch.size, rows):
            sl = slice(i, min(i + rows, t_launch.size))
            _estimate_rows(eph, dep, arr, t_launch[sl], tofs, m0, engine, vd, va, out, status, sl)
            advance((sl.stop - sl.start) * tofs.size)
    return xr.Dataset(
        {"final_mass_kg": (("launch", "tof_days"), out["mf"]), "delta_v_kms": (("launch", "tof_days"), out["dv"]),
         "accel_mms2": (("launch", "tof_days"), out["acc"] * 1e6),
         "edelbaum_dv_kms": (("launch", "tof_days"), out["edelbaum"]),
         "impulsive_dv_kms": (("launch", "tof_days"), out["impulsive"]),
         "status": (("launch", "tof_days"), status)},
        coords={"launch": tdb_to_datetime64(t_launch), "tof_days": tofs, "t_launch": ("launch", t_launch)},
        attrs={"departure": dep.name, "destination": arr.name, "mass_kg": m0, **engine.to_dict(),
               "vinf_departure_kms": vd, "vinf_arrival_kms": va, "ephemeris": eph.name,
               "method": "Lambert arc + MIMA (Hennes, Izzo & Landau 2016); Edelbaum 1961 beside it"})


def _estimate_rows(eph, dep, arr, t_launch, tofs, m0, engine, vd, va, out, status, sl):
    """Fill rows ``sl`` of the estimate grid."""
    from sojourn.core.lowthrust import mima_grid

    r1, v1 = eph.state(dep, t_launch)
    t2 = np.round(t_launch[:, None] + tofs[None, :] * DAY, 3)  # to the ms, so shared arrival epochs coincide
    t_unique, back = np.unique(t2, return_inverse=True)
    ru, vu = eph.state(arr, t_unique)
    back = back.reshape(t2.shape)
    dv, acc, mf, edel, imp, st = mima_grid(GM_SUN, r1, v1, ru[back], vu[back], t2 - t_launch[:, None], vinf_dep=vd,
                                      vinf_arr=va, m0=m0, tmax=engine.thrust_n * engine.duty_cycle / 1000.0,
                                      law=engine.law_code, r_ref=AU_KM, ve=engine.exhaust_speed_kms)
    out["dv"][sl], out["acc"][sl], out["mf"][sl] = dv, acc, mf
    out["edelbaum"][sl], out["impulsive"][sl] = edel, imp
    status[sl] = st


# --------------------------------------------------------------------------- #
# The best leg in a window                                                     #
# --------------------------------------------------------------------------- #
@dataclass(frozen=True, repr=False)
class LowThrustSearch(Result):
    """The best low-thrust leg found in a window, the estimate grid it started from, and every try.

    Attributes
    ----------
    best : LowThrustLeg
        The converged leg with the most final mass (``converged=False`` if none converged).
    estimate : xarray.Dataset
        :func:`lowthrust_porkchop` over the window.
    candidates : tuple of dict
        For each cell the optimiser started from: ``launch``, ``tof_days``,
        ``estimate_final_mass_kg``, and what it reached: ``launch_found``,
        ``tof_days_found``, ``final_mass_kg`` (None unless converged), ``converged``, ``message``.
    """

    best: LowThrustLeg
    estimate: Any = field(repr=False, compare=False)
    candidates: tuple = ()

    def to_dict(self) -> dict:
        return json_safe({**self.best.to_dict(), "candidates": list(self.candidates)})

    def summary(self):
        return self.best.summary() + [("cells tried", str(len(self.candidates)))]


def _pick_cells(ds, count: int, separation_days: float):
    """Up to ``count`` best cells of the estimate, each ``separation_days`` from the others in launch or flight time.

    Best is the most estimated final mass; where the estimate finds no cell with
    enough thrust (MIMA is conservative), the cells that ask for the least
    acceleration, so that the optimiser still has its say.
    """
    mf = np.nan_to_num(ds.final_mass_kg.values, nan=-np.inf)
    if not np.isfinite(mf).any():
        mf = np.nan_to_num(-ds.accel_mms2.values, nan=-np.inf)
    order = np.argsort(mf, axis=None)[::-1]
    t = ds.t_launch.values
    tofs = ds.tof_days.values
    picked = []
    for flat in order:
        i, j = np.unravel_index(flat, mf.shape)
        if not np.isfinite(mf[i, j]) or len(picked) == count:
            break
        if all(abs(t[i] - t[a]) / DAY > separation_days or abs(tofs[j] - tofs[b]) > separation_days
               for a, b in picked):
            picked.append((i, j))
    return picked


def best_lowthrust_leg(origin, destination, launch, tof_days, *, mass_kg, thrust_n, isp_s, power_law="constant",
                       duty_cycle=1.0, vinf_departure_kms=0.0, vinf_arrival_kms=0.0, segments=None, step_days=2.0,
                       candidates=3, ephemeris=None, progress=None, strict=True) -> LowThrustSearch:
    """The low-thrust leg with the most final mass in a launch window.

    First :func:`lowthrust_porkchop` over the window (``step_days`` on both
    axes); then, from each of the best ``candidates`` cells (at least 30 days
    apart in launch date or flight time), the optimiser of :func:`lowthrust_leg`
    with the launch date and the time of flight free inside the window; every
    result verified by DOP853. The best converged leg wins.

    Parameters
    ----------
    origin, destination : str or Body
        Departure and arrival bodies.
    launch : str or (start, end)
        Launch window (UTC ``"START:END"``, or a pair of dates or TDB seconds).
    tof_days : (float, float) or float
        Shortest and longest time of flight, days.
    mass_kg, thrust_n, isp_s, power_law, duty_cycle
        Initial mass (kg) and the engine (see :class:`ElectricPropulsion`).
    vinf_departure_kms, vinf_arrival_kms : float
        v-infinity the launcher gives, and the arrival may keep, km/s.
    segments : int, optional
        Segments of every optimised leg; default from the longest flight time.
    step_days : float
        Step of the estimate grid, days.
    candidates : int
        Cells the optimiser starts from.
    ephemeris : Ephemeris or str, optional
        Default DE421.
    progress : callable, optional
        ``progress(done, total, label)``: the estimate counts as one unit, each candidate as one.
    strict : bool
        Raise :class:`NoSolutionError` when no candidate converges (default).

    Returns
    -------
    LowThrustSearch

    Examples
    --------
    >>> import sojourn as sj
    >>> found = sj.best_lowthrust_leg("earth", "mars", "2020-05-01:2020-07-01", (250, 350), mass_kg=1500,
    ...                               thrust_n=0.6, isp_s=3000, segments=8, step_days=10, candidates=1)
    >>> found.best.converged, len(found.candidates), found.best.final_mass_kg > 1150
    (True, 1, True)
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.progress import reporting

    engine = _engine(thrust_n, isp_s, power_law, duty_cycle)
    dep, arr = checks.transfer_bodies(origin, destination)
    window = _window(launch, "launch")
    lo, hi = _tof_range(tof_days)
    if isinstance(candidates, bool) or not isinstance(candidates, (int, np.integer)) or candidates < 1:
        raise InputError(f"candidates must be a whole number of at least 1, not {candidates!r}", "candidates")
    eph = resolve_ephemeris(ephemeris)
    n = _segments(segments, hi)
    m0 = _positive(mass_kg, "mass_kg")
    kw = dict(mass_kg=m0, thrust_n=thrust_n, isp_s=isp_s, power_law=power_law, duty_cycle=duty_cycle,
              vinf_departure_kms=vinf_departure_kms, vinf_arrival_kms=vinf_arrival_kms)
    with reporting(progress, 1 + candidates, "low-thrust search") as advance:
        ds = lowthrust_porkchop(dep, arr, window, (lo, hi), step_days=step_days, ephemeris=eph, **kw)
        advance(1)
        cells = _pick_cells(ds, candidates, 30.0)
        tried, legs = [], []
        for i, j in cells:
            leg = _window_leg(eph, dep, arr, float(ds.t_launch[i]), float(ds.tof_days[j]) * DAY, n, engine, m0,
                              kw, window, (lo * DAY, hi * DAY))
            legs.append(leg)
            tried.append({"launch": utc_text(_utc(float(ds.t_launch[i]))), "tof_days": float(ds.tof_days[j]),
                          "estimate_final_mass_kg": float(ds.final_mass_kg[i, j]),
                          "launch_found": utc_text(leg.launch), "tof_days_found": leg.tof_days,
                          "final_mass_kg": leg.final_mass_kg if leg.converged else None,
                          "converged": leg.converged, "message": leg.message})
            advance(1)
    good = [leg for leg in legs if leg.converged]
    if good:
        best = max(good, key=lambda leg: leg.final_mass_kg)
    elif legs:
        best = legs[0]
    else:
        best = _failed({"propulsion": engine, "segments": n, "initial_mass_kg": m0, "departure": dep.name,
                        "destination": arr.name}, "no cell of the estimate has enough thrust", hi * DAY)
    _deliver(best, strict, "thrust_n")
    return LowThrustSearch(best=best, estimate=ds, candidates=tuple(tried))


def _window_leg(eph, dep, arr, t0, tof_s, n, engine, m0, kw, window, tof_bounds) -> LowThrustLeg:
    """One optimised leg from a grid cell, launch date and flight time free inside their bounds."""
    vd = _non_negative(kw["vinf_departure_kms"], "vinf_departure_kms")
    va = _non_negative(kw["vinf_arrival_kms"], "vinf_arrival_kms")
    problem, scales = _body_problem(eph, dep, arr, t0, tof_s, n, engine, m0, vd, va, t0_bounds=window,
                                    tof_bounds=tof_bounds)
    z, optimal, message = _optimise(problem, _seeds(problem, {"t0": 0.0, "tof": tof_s / scales.time_s}))
    meta = {"departure": dep.name, "destination": arr.name}
    return _result(problem, z, optimal, message, scales, engine, GM_SUN, meta)
