"""Does the patched-conic leg survive real gravity? An n-body check and its correction.

A designed leg joins two planet centres with a Sun-only Lambert arc, and the
planets' own gravity is patched on at either end. :func:`verify` flies the
same leg in a point-mass n-body model driven by the ephemeris and reports how
far it misses the aim, then corrects the departure until it arrives where the
mission needs it.

Model
-----
* **Forces.** The Sun and the point masses of :data:`DEFAULT_BODIES`
  (Mercury, Venus, Earth, Moon, Mars, Jupiter, Saturn, Uranus, Neptune: body
  centres where the ephemeris holds them, system barycentres otherwise, e.g.
  Jupiter to Neptune in DE421), GM from :mod:`sojourn.bodies` (DE440). The
  equations are heliocentric, so each body also contributes the indirect term
  (the Sun's own acceleration towards it)::

      r'' = -GM_sun r/|r|^3 + sum_j GM_j [ (r_j - r)/|r_j - r|^3 - r_j/|r_j|^3 ]

  No relativity, no oblateness, no solar radiation pressure.
* **Ephemeris.** Planet states are taken from the ephemeris once, on a grid of
  :data:`GRID_STEP_DAYS` days, and interpolated by cubic Hermite polynomials in
  position and velocity, so the right-hand side (compiled with numba) costs
  microseconds. The interpolation error is below 0.2 km for the Moon and far
  smaller for the planets (tested against the ephemeris).
* **Integrator.** ``scipy.integrate.solve_ivp``, DOP853, ``rtol = 1e-12``,
  ``atol = 1e-6`` km and km/s.

Start
-----
The patched-conic arc starts at the departure planet's centre, a singular
point of the planet's field. The check starts instead where patched conics
hand over: on the departure hyperbola (periapsis at the parking orbit, or at
the capture orbit's periapsis when leaving Mars; outgoing asymptote along the
leg's departure v∞; in the plane of least inclination to the J2000 ecliptic,
prograde), at the boundary of the planet's sphere of influence,
``r_SOI = a (GM_planet / GM_sun)^(2/5)``, reached ``t_SOI`` after periapsis,
which is put at the leg's departure epoch. From there every body, the
departure planet and the target included, pulls on the craft.

Target and correction
---------------------
Near the target the flight ends at closest approach (periapsis), found as the
zero of ``(r - r_target)·(v - v_target)`` within ``window_days`` of the
nominal arrival. The osculating target-centred hyperbola there gives the
B-plane point (``B·T``, ``B·R``: ``T = unit(S × k)``, ``k`` the J2000 ecliptic
pole; :func:`sojourn.core.bplane.bplane_one`). The aim is the scenario's
(:func:`sojourn.contingency.dispersions.arrival_target`): ``|B|`` giving the
capture periapsis altitude, or the entry flight-path angle, at the osculating
v∞, in direction ``aim_angle_deg`` from ``+T``. Newton's method on the velocity
at the sphere-of-influence boundary (three components) drives ``B·T``, ``B·R``
and the periapsis epoch (times v∞, in km) to that aim and to the nominal
arrival epoch; the Jacobian is taken by forward differences and refreshed by
Broyden updates (a fresh finite-difference Jacobian when a step gains less
than a factor 3, a halved step when one would not reduce the residual).

Notes
-----
What the miss is made of, for the Ulysses outbound leg (DE421, 2033-04-25 ->
2034-01-30, 400 km parking orbit): flown from the Lambert arc's own start with
only the Sun and Mars, the leg arrives within a few hundred km of Mars's centre
(the patched-conic aim); adding the other planets but not Earth and the Moon
moves it by about 36,000 km. Started instead on the real escape hyperbola, the
craft is 132,000 km ahead of the patched-conic arc and 159 m/s faster when it
leaves the sphere of influence, and Earth keeps pulling on it far beyond: it
passes Mars 1.9 million km off, 52 hours early. About 33 m/s at the sphere of
influence puts it on a 250 km periapsis at the nominal epoch (14 flights, a
fraction of a second).
"""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
from numba import njit

from sojourn.bodies import GM_SUN, get_body, sphere_of_influence_km
from sojourn.errors import InputError, NoSolutionError
from sojourn.results import Result, rounded
from sojourn.time import DAY, tdb_to_utc_iso

__all__ = ["DEFAULT_BODIES", "GRID_STEP_DAYS", "Flight", "FlybyLegCheck", "ForceModel", "NBodyCheck", "SoiStart",
           "check_flyby_leg", "check_leg", "departure_periapsis_radius", "fly", "force_model", "soi_start", "verify"]

DEFAULT_BODIES = ("mercury", "venus", "earth", "moon", "mars", "jupiter", "saturn", "uranus", "neptune")
"""Point masses pulling on the craft besides the Sun."""

GRID_STEP_DAYS = 0.25
"""Spacing of the ephemeris grid the force model interpolates, days."""

RTOL = 1e-12
ATOL = 1e-6


# ---------------------------------------------------------------------------
# compiled force model


@njit(cache=True, inline="always")
def _hermite(t, t0, h, pos, vel, j):
    """Position and velocity of body ``j`` at ``t`` by cubic Hermite interpolation on the grid."""
    m = pos.shape[0]
    x = (t - t0) / h
    i = int(math.floor(x))
    if i < 0:
        i = 0
    elif i > m - 2:
        i = m - 2
    s = x - i
    s2 = s * s
    s3 = s2 * s
    h00 = 2.0 * s3 - 3.0 * s2 + 1.0
    h10 = (s3 - 2.0 * s2 + s) * h
    h01 = -2.0 * s3 + 3.0 * s2
    h11 = (s3 - s2) * h
    d00 = (6.0 * s2 - 6.0 * s) / h
    d10 = 3.0 * s2 - 4.0 * s + 1.0
    d01 = (-6.0 * s2 + 6.0 * s) / h
    d11 = 3.0 * s2 - 2.0 * s
    px = h00 * pos[i, j, 0] + h10 * vel[i, j, 0] + h01 * pos[i + 1, j, 0] + h11 * vel[i + 1, j, 0]
    py = h00 * pos[i, j, 1] + h10 * vel[i, j, 1] + h01 * pos[i + 1, j, 1] + h11 * vel[i + 1, j, 1]
    pz = h00 * pos[i, j, 2] + h10 * vel[i, j, 2] + h01 * pos[i + 1, j, 2] + h11 * vel[i + 1, j, 2]
    vx = d00 * pos[i, j, 0] + d10 * vel[i, j, 0] + d01 * pos[i + 1, j, 0] + d11 * vel[i + 1, j, 0]
    vy = d00 * pos[i, j, 1] + d10 * vel[i, j, 1] + d01 * pos[i + 1, j, 1] + d11 * vel[i + 1, j, 1]
    vz = d00 * pos[i, j, 2] + d10 * vel[i, j, 2] + d01 * pos[i + 1, j, 2] + d11 * vel[i + 1, j, 2]
    return px, py, pz, vx, vy, vz


@njit(cache=True)
def _body_states(t, t0, h, pos, vel, j):
    """Interpolated states of body ``j`` at epochs ``t`` (array): (N, 6)."""
    out = np.empty((t.shape[0], 6))
    for k in range(t.shape[0]):
        px, py, pz, vx, vy, vz = _hermite(t[k], t0, h, pos, vel, j)
        out[k, 0] = px
        out[k, 1] = py
        out[k, 2] = pz
        out[k, 3] = vx
        out[k, 4] = vy
        out[k, 5] = vz
    return out


@njit(cache=True)
def _rhs(t, y, t0, h, pos, vel, gm, gm_sun):
    """d/dt of the heliocentric state ``y`` (6,) under the Sun and the grid's point masses."""
    x = y[0]
    yy = y[1]
    z = y[2]
    r2 = x * x + yy * yy + z * z
    f = -gm_sun / (r2 * math.sqrt(r2))
    ax = f * x
    ay = f * yy
    az = f * z
    for j in range(gm.shape[0]):
        px, py, pz, _, _, _ = _hermite(t, t0, h, pos, vel, j)
        dx = px - x
        dy = py - yy
        dz = pz - z
        d2 = dx * dx + dy * dy + dz * dz
        p2 = px * px + py * py + pz * pz
        fd = gm[j] / (d2 * math.sqrt(d2))
        fi = gm[j] / (p2 * math.sqrt(p2))
        ax += fd * dx - fi * px
        ay += fd * dy - fi * py
        az += fd * dz - fi * pz
    out = np.empty(6)
    out[0] = y[3]
    out[1] = y[4]
    out[2] = y[5]
    out[3] = ax
    out[4] = ay
    out[5] = az
    return out


@njit(cache=True)
def _radial_rate(t, y, t0, h, pos, vel, j):
    """(r - r_j)·(v - v_j): zero at closest approach to body ``j``, rising through it."""
    px, py, pz, vx, vy, vz = _hermite(t, t0, h, pos, vel, j)
    return (y[0] - px) * (y[3] - vx) + (y[1] - py) * (y[4] - vy) + (y[2] - pz) * (y[5] - vz)


# ---------------------------------------------------------------------------
# the force model on a grid


@dataclass(frozen=True, eq=False)
class ForceModel:
    """Sun plus point masses, their states tabulated for interpolation.

    Attributes
    ----------
    bodies : tuple of str
        Perturbing bodies, in the order of the tables.
    naif_ids : tuple of int
        NAIF id the ephemeris gave for each (centre or barycentre).
    gm : ndarray, shape (B,)
        GM of each, km^3/s^2.
    t0, step : float
        First grid epoch (TDB s) and grid spacing (s).
    pos, vel : ndarray, shape (M, B, 3)
        Heliocentric ICRF positions (km) and velocities (km/s) on the grid.
    ephemeris : str
        Name of the ephemeris file.
    """

    bodies: tuple
    naif_ids: tuple
    gm: np.ndarray
    t0: float
    step: float
    pos: np.ndarray
    vel: np.ndarray
    ephemeris: str = ""

    @property
    def t_end(self) -> float:
        return self.t0 + self.step * (self.pos.shape[0] - 1)

    def index(self, body: str) -> int:
        name = get_body(body).name
        if name not in self.bodies:
            raise InputError(f"{name} is not in the force model ({', '.join(self.bodies)})", "bodies")
        return self.bodies.index(name)

    def state(self, body: str, t) -> tuple[np.ndarray, np.ndarray]:
        """Interpolated heliocentric state of ``body`` at epochs ``t`` (TDB s): (r, v), shape (N, 3)."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        s = _body_states(t, self.t0, self.step, self.pos, self.vel, self.index(body))
        return s[:, :3], s[:, 3:]

    def rhs(self, t: float, y: np.ndarray) -> np.ndarray:
        """Right-hand side for ``solve_ivp``: d/dt (r, v), km/s and km/s^2."""
        return _rhs(t, y, self.t0, self.step, self.pos, self.vel, self.gm, GM_SUN)

    def acceleration(self, t: float, r) -> np.ndarray:
        """Heliocentric acceleration at ``r`` (km) at epoch ``t``, km/s^2."""
        y = np.concatenate([np.asarray(r, dtype=float), np.zeros(3)])
        return self.rhs(t, y)[3:]


def force_model(t_start: float, t_end: float, *, bodies=DEFAULT_BODIES, ephemeris=None,
                step_days: float = GRID_STEP_DAYS) -> ForceModel:
    """Tabulate the perturbing bodies between two epochs for :func:`fly`.

    Parameters
    ----------
    t_start, t_end : float
        Span the flight will cover, TDB s past J2000.
    bodies : sequence of str
        Perturbing bodies (the Sun is always the central body).
    ephemeris : Ephemeris or str, optional
    step_days : float
        Grid spacing, days.

    Returns
    -------
    ForceModel

    Raises
    ------
    EphemerisRangeError
        The span (with a grid step either side) is not covered.
    """
    from sojourn.ephemeris import resolve_ephemeris

    eph = resolve_ephemeris(ephemeris)
    names = tuple(get_body(b).name for b in bodies)
    if "sun" in names or len(set(names)) != len(names):
        raise InputError("the perturbing bodies must be distinct and exclude the Sun", "bodies")
    h = step_days * DAY
    t0 = t_start - h
    m = int(math.ceil((t_end + h - t0) / h)) + 1
    t = t0 + h * np.arange(m)
    pos = np.empty((m, len(names), 3))
    vel = np.empty((m, len(names), 3))
    for j, name in enumerate(names):
        pos[:, j], vel[:, j] = eph.state(name, t)
    return ForceModel(names, tuple(eph.target_id(n) for n in names),
                      np.array([get_body(n).gm_km3s2 for n in names]), float(t0), float(h), pos, vel, eph.name)


# ---------------------------------------------------------------------------
# one flight


@dataclass(frozen=True, eq=False)
class Flight:
    """One n-body flight to closest approach.

    Attributes
    ----------
    t : float
        Epoch of closest approach, TDB s (NaN if none was found).
    r, v : ndarray, shape (3,)
        Heliocentric state there, km and km/s.
    r_rel, v_rel : ndarray, shape (3,)
        State relative to the target body, km and km/s.
    distance_km : float
        Closest-approach distance from the target's centre, km.
    bt, br, vinf, rp : float
        Osculating B-plane point (km), excess speed (km/s) and periapsis
        radius (km) about the target (NaN if not hyperbolic).
    steps, evaluations : int
        Integrator steps and right-hand-side evaluations.
    """

    t: float
    r: np.ndarray
    v: np.ndarray
    r_rel: np.ndarray
    v_rel: np.ndarray
    distance_km: float
    bt: float
    br: float
    vinf: float
    rp: float
    steps: int
    evaluations: int


def fly(model: ForceModel, t0: float, r0, v0, target: str, t_nominal: float, *, window_days: float = 30.0,
        rtol: float = RTOL, atol: float = ATOL, pole=None) -> Flight:
    """Integrate from ``(r0, v0)`` at ``t0`` to the closest approach to ``target`` near ``t_nominal``.

    Parameters
    ----------
    model : ForceModel
    t0 : float
        Start epoch, TDB s.
    r0, v0 : array_like, shape (3,)
        Heliocentric ICRF start state, km and km/s.
    target : str
        Body approached (must be in the model).
    t_nominal : float
        Expected arrival epoch, TDB s; closest approach is sought within
        ``window_days`` of it.
    window_days : float
    rtol, atol : float
        DOP853 tolerances.
    pole : array_like, optional
        B-plane reference pole; default the J2000 ecliptic pole.

    Returns
    -------
    Flight

    Raises
    ------
    NoSolutionError
        No closest approach within the window, or the integration failed.
    """
    from scipy.integrate import solve_ivp

    from sojourn.core.bplane import ECLIPTIC_POLE, bplane_one

    pole = ECLIPTIC_POLE if pole is None else np.asarray(pole, dtype=float)
    j = model.index(target)
    t_guard = t_nominal - window_days * DAY
    t_stop = t_nominal + window_days * DAY
    if t_stop > model.t_end or t0 < model.t0:
        raise InputError("the flight runs outside the force model's grid", "force model")
    y = np.concatenate([np.asarray(r0, dtype=float), np.asarray(v0, dtype=float)])
    args = (model.t0, model.step, model.pos, model.vel)
    fun = model.rhs
    steps = evaluations = 0
    t = t0
    if t_guard > t0:
        sol = solve_ivp(fun, (t0, t_guard), y, method="DOP853", rtol=rtol, atol=atol)
        if not sol.success:
            raise NoSolutionError(f"n-body integration failed: {sol.message}", "n-body check")
        y = sol.y[:, -1]
        t = t_guard
        steps += sol.t.size - 1
        evaluations += sol.nfev

    def closest(tt, yy):
        return _radial_rate(tt, yy, *args, j)

    closest.terminal = True
    closest.direction = 1.0
    sol = solve_ivp(fun, (t, t_stop), y, method="DOP853", rtol=rtol, atol=atol, events=closest)
    steps += sol.t.size - 1
    evaluations += sol.nfev
    if not sol.success:
        raise NoSolutionError(f"n-body integration failed: {sol.message}", "n-body check")
    if not sol.t_events[0].size:
        raise NoSolutionError(
            f"no closest approach to {target} within {window_days:g} days of {tdb_to_utc_iso(t_nominal, 'minute')}",
            "n-body check")
    tc = float(sol.t_events[0][0])
    yc = sol.y_events[0][0]
    rp_, vp_ = model.state(target, tc)
    r_rel = yc[:3] - rp_[0]
    v_rel = yc[3:] - vp_[0]
    mu = get_body(target).gm_km3s2
    bt, br, vinf, rp, _, _, _, _ = bplane_one(mu, r_rel[0], r_rel[1], r_rel[2], v_rel[0], v_rel[1], v_rel[2],
                                              pole[0], pole[1], pole[2])
    return Flight(tc, yc[:3].copy(), yc[3:].copy(), r_rel, v_rel, float(np.linalg.norm(r_rel)),
                  float(bt), float(br), float(vinf), float(rp), int(steps), int(evaluations))


# ---------------------------------------------------------------------------
# start on the departure hyperbola


@dataclass(frozen=True, eq=False)
class SoiStart:
    """Where the departure hyperbola crosses the departure planet's sphere of influence.

    Attributes
    ----------
    t : float
        Epoch, TDB s.
    r, v : ndarray, shape (3,)
        Heliocentric ICRF state, km and km/s.
    r_planet, v_planet : ndarray, shape (3,)
        Planet-centred state, km and km/s.
    soi_km : float
        Sphere-of-influence radius, km.
    t_soi_s : float
        Time from periapsis (the leg's departure epoch), s.
    rp_km : float
        Periapsis radius of the departure hyperbola, km.
    """

    t: float
    r: np.ndarray
    v: np.ndarray
    r_planet: np.ndarray
    v_planet: np.ndarray
    soi_km: float
    t_soi_s: float
    rp_km: float


def soi_start(leg_geom: dict, body: str, rp_km: float, model: Optional[ForceModel] = None,
              ephemeris=None) -> SoiStart:
    """Heliocentric state where the departure hyperbola crosses the sphere of influence.

    Parameters
    ----------
    leg_geom : dict
        From :func:`sojourn.mission.trajectory.leg_arc`.
    body : str
        Departure body.
    rp_km : float
        Periapsis radius of the departure hyperbola, km.
    model : ForceModel, optional
        Used for the planet's state at the crossing; else the ephemeris.
    ephemeris : Ephemeris or str, optional

    Returns
    -------
    SoiStart
    """
    from sojourn.core.bplane import ECLIPTIC_POLE, departure_hyperbola, hyperbola_time_to_radius
    from sojourn.core.kepler import propagate

    b = get_body(body)
    vinf_vec = leg_geom["vinf_dep"]
    vinf = float(np.linalg.norm(vinf_vec))
    soi = sphere_of_influence_km(b, float(np.linalg.norm(leg_geom["r_dep"])))
    rp_vec, vp_vec = departure_hyperbola(b.gm_km3s2, vinf_vec, rp_km, ECLIPTIC_POLE)
    dt = hyperbola_time_to_radius(b.gm_km3s2, vinf, rp_km, soi)
    r_pl, v_pl = propagate(b.gm_km3s2, rp_vec, vp_vec, dt)
    t = leg_geom["t1"] + dt
    if model is not None:
        rb, vb = model.state(b.name, t)
        rb, vb = rb[0], vb[0]
    else:
        from sojourn.ephemeris import resolve_ephemeris

        rb, vb = resolve_ephemeris(ephemeris).state(b.name, t)
    return SoiStart(t=float(t), r=rb + r_pl, v=vb + v_pl, r_planet=r_pl, v_planet=v_pl, soi_km=float(soi),
                    t_soi_s=float(dt), rp_km=float(rp_km))


# ---------------------------------------------------------------------------
# the check


@dataclass(frozen=True, repr=False, eq=False)
class NBodyCheck(Result):
    """A leg flown in the n-body model: its miss, and the correction that makes it arrive.

    Attributes
    ----------
    leg : Leg
        The patched-conic leg checked (:class:`sojourn.mission.plan.Leg`).
    target : ArrivalTarget
        The aim (:func:`sojourn.contingency.dispersions.arrival_target`).
    start : SoiStart
        The start on the departure hyperbola (:func:`soi_start`).
    aim_bt_km, aim_br_km : float
        Patched-conic aim point at the nominal v∞, km.
    uncorrected, corrected : Flight
        The flight from the patched-conic start, and after the correction.
    dv_correction_kms : ndarray, shape (3,)
        Velocity change at the start that corrects the flight, km/s (ICRF).
    iterations, flights : int
        Newton iterations and n-body flights flown in all.
    converged : bool
    seconds : float
        Wall time, s.
    model : ForceModel
    rtol : float
        The integrator's relative tolerance.
    history : tuple of float
        Residual after each iteration, km.
    scenario_name : str or None
        The mission, when the leg is a plan's.
    """

    leg: Any
    target: Any
    start: SoiStart
    aim_bt_km: float
    aim_br_km: float
    uncorrected: Flight
    corrected: Flight
    dv_correction_kms: np.ndarray
    iterations: int
    flights: int
    converged: bool
    seconds: float
    model: ForceModel
    rtol: float = RTOL
    history: tuple = ()
    scenario_name: Optional[str] = None

    @property
    def dv_correction_ms(self) -> float:
        """The correction's size, m/s."""
        return float(np.linalg.norm(self.dv_correction_kms)) * 1000.0

    def flight_dict(self, f: Flight) -> dict:
        """One flight as JSON: its closest approach, B-plane point and miss from the aim at its own v∞."""
        t2 = float(self.leg.t_arrive)
        radius = self.target.radius_km
        th = math.radians(self.target.aim_angle_deg)
        b_aim = self.target.aim_b(f.vinf) if math.isfinite(f.vinf) else math.nan  # the aim at this flight's v∞
        out = {
            "closest_approach": tdb_to_utc_iso(f.t, "second"),
            "hours_from_nominal": (f.t - t2) / 3600.0,
            "distance_km": f.distance_km,
            "altitude_km": f.distance_km - radius,
            "bt_km": rounded(f.bt), "br_km": rounded(f.br),
            "miss_from_aim_km": rounded(math.hypot(f.bt - b_aim * math.cos(th), f.br - b_aim * math.sin(th))),
            "vinf_kms": rounded(f.vinf),
        }
        if self.target.kind == "entry":
            from sojourn.core.bplane import flight_path_angle

            fpa = flight_path_angle(self.target.mu, f.vinf, math.hypot(f.bt, f.br),
                                    radius + self.target.interface_altitude_km)
            out["entry_fpa_deg"] = rounded(math.degrees(float(fpa)))
        return out

    def to_dict(self) -> dict:
        leg = {k: v for k, v in self.leg.to_dict().items() if k in ("from", "to", "depart", "arrive", "tof_days")}
        dv = self.dv_correction_kms
        return {
            "leg": leg,
            "ephemeris": self.model.ephemeris,
            "model": {
                "bodies": ["sun", *self.model.bodies],
                "naif_ids": [10, *self.model.naif_ids],
                "gm_source": "DE440 (Park et al. 2021), sojourn.bodies",
                "integrator": f"scipy solve_ivp DOP853, rtol {self.rtol:g}",
                "ephemeris_grid_days": self.model.step / DAY,
                "frame": "heliocentric ICRF with indirect terms; B-plane T = unit(S x k), k = J2000 ecliptic pole",
            },
            "start": {
                "where": f"{self.leg.origin} sphere of influence on the departure hyperbola",
                "epoch": tdb_to_utc_iso(self.start.t, "second"),
                "soi_km": self.start.soi_km,
                "hours_after_departure": self.start.t_soi_s / 3600.0,
                "periapsis_altitude_km": self.start.rp_km - get_body(self.leg.origin).radius_km,
            },
            "target": self.target.to_dict(),
            "aim_point": {"bt_km": self.aim_bt_km, "br_km": self.aim_br_km},
            "uncorrected": self.flight_dict(self.uncorrected),
            "corrected": self.flight_dict(self.corrected),
            "correction": {"dv_ms": self.dv_correction_ms, "dv_vector_ms": (dv * 1000.0).tolist(),
                           "applied_at": "sphere-of-influence start"},
            "converged": self.converged,
            "iterations": self.iterations,
            "flights": self.flights,
            "seconds": self.seconds,
            "scenario": self.scenario_name,
        }

    def summary(self) -> list[tuple[str, str]]:
        miss = self.flight_dict(self.uncorrected)["miss_from_aim_km"]
        return [("leg", f"{self.leg.origin} → {self.leg.destination}"),
                ("uncorrected_miss_km", "—" if miss is None else f"{miss:,.0f}"),
                ("correction_ms", f"{self.dv_correction_ms:.2f}"), ("converged", str(self.converged))]


def departure_periapsis_radius(scenario, leg: str) -> float:
    """Periapsis radius of the departure hyperbola of a scenario's leg, km.

    Outbound: the circular parking orbit. Return: the periapsis of the orbit
    the crew leaves the destination from (as in the plan's Mars departure burn).
    """
    from sojourn.mission.roundtrip import Burns

    burns = Burns(scenario)
    return float(burns.r_park if leg == "outbound" else burns.mars_rp)


class _Flights:
    """The flights of one check: each from the start with a velocity change, counted and reported."""

    def __init__(self, model, start: SoiStart, leg, target, window_days, rtol, atol, progress):
        self.model, self.start, self.leg, self.target = model, start, leg, target
        self.window_days, self.rtol, self.atol, self.progress = window_days, rtol, atol, progress
        self.count = 0
        self.t2 = float(leg.t_arrive)
        self.th = math.radians(target.aim_angle_deg)

    def __call__(self, dv) -> Flight:
        f = fly(self.model, self.start.t, self.start.r, self.start.v + dv, self.leg.destination, self.t2,
                window_days=self.window_days, rtol=self.rtol, atol=self.atol)
        self.count += 1
        if self.progress is not None:
            self.progress(self.count, max(12, self.count + 1), "n-body flights")
        return f

    def residual(self, f: Flight) -> np.ndarray:
        """(B·T, B·R) from the aim at the flight's own v∞, and the arrival-time error times v∞, km."""
        if not math.isfinite(f.vinf):
            raise NoSolutionError(f"the n-body flight is not hyperbolic at {self.leg.destination}", "n-body check")
        b = self.target.aim_b(f.vinf)
        return np.array([f.bt - b * math.cos(self.th), f.br - b * math.sin(self.th), (f.t - self.t2) * f.vinf])

    def jacobian(self, dv, res) -> np.ndarray:
        """Forward differences of the residual, 1 mm/s in each velocity component."""
        jac = np.empty((3, 3))
        for k in range(3):
            step = np.zeros(3)
            step[k] = 1e-6
            jac[:, k] = (self.residual(self(dv + step)) - res) / step[k]
        return jac


def _halved_step(flights: _Flights, dv, step, res):
    """A Newton step, halved while it loses the closest approach or does not reduce the residual."""
    for _ in range(6):
        try:
            f_new = flights(dv + step)
            res_new = flights.residual(f_new)
        except NoSolutionError:
            step = 0.5 * step
            continue
        if float(np.linalg.norm(res_new)) < float(np.linalg.norm(res)):
            return step, f_new, res_new
        step = 0.5 * step
    raise NoSolutionError(f"the n-body correction stalled at a residual of {float(np.linalg.norm(res)):.3g} km",
                          "n-body check")


def _correct(flights: _Flights, tol_km: float, max_iter: int):
    """Newton's method with Broyden updates on the start velocity (see the module notes).

    Returns
    -------
    (uncorrected Flight, corrected Flight, dv (3,), iterations, residual history)
    """
    dv = np.zeros(3)
    f = uncorrected = flights(dv)
    res = flights.residual(f)
    jac = flights.jacobian(dv, res)
    history = [float(np.linalg.norm(res))]
    iterations = 0
    while history[-1] >= tol_km and iterations < max_iter:
        iterations += 1
        step, f_new, res_new = _halved_step(flights, dv, -np.linalg.solve(jac, res), res)
        history.append(float(np.linalg.norm(res_new)))
        if history[-1] < float(np.linalg.norm(res)) / 3.0:
            # Broyden's update keeps the Jacobian current at no extra flights
            jac = jac + np.outer(res_new - res - jac @ step, step) / float(step @ step)
        else:
            jac = flights.jacobian(dv + step, res_new)
        dv, f, res = dv + step, f_new, res_new
    if history[-1] >= tol_km:
        raise NoSolutionError(f"the n-body correction did not converge in {max_iter} iterations "
                              f"(residual {history[-1]:.3g} km)", "n-body check")
    return uncorrected, f, dv, iterations, tuple(history)


def check_leg(leg, target, *, departure_rp_km: float, ephemeris=None, bodies=DEFAULT_BODIES,
              rtol: float = RTOL, atol: float = ATOL, tol_km: float = 0.01, max_iter: int = 15,
              window_days: float = 30.0, scenario_name: Optional[str] = None, progress=None) -> NBodyCheck:
    """Fly a leg in the n-body model, report its miss, and correct its departure (the engine of :func:`verify`).

    Parameters
    ----------
    leg : Leg
        A leg of a plan, or one from :meth:`sojourn.mission.plan.Leg.between`.
    target : ArrivalTarget
        The aim (from :func:`sojourn.contingency.dispersions.arrival_target`).
    departure_rp_km : float
        Periapsis radius of the departure hyperbola, km.
    ephemeris : Ephemeris or str, optional
    bodies : sequence of str
        Perturbing bodies; must include the departure and target bodies.
    rtol, atol : float
        DOP853 tolerances.
    tol_km : float
        Convergence: B-plane residual and arrival-time residual (times v∞), km.
    max_iter : int
        Newton iterations at most.
    window_days : float
        Closest approach is sought within this many days of nominal arrival.
    scenario_name : str, optional
        The mission's name, for the result.
    progress : callable, optional
        ``progress(done, total, label)`` after each flight (:mod:`sojourn.progress`); the
        total is an estimate (about 12 flights), as Newton's method takes what it takes.

    Returns
    -------
    NBodyCheck

    Raises
    ------
    InputError
        A force model without the leg's bodies, a target that is not the
        leg's, a departure periapsis below the surface.
    NoSolutionError
        No closest approach found, or Newton's method did not converge.
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.trajectory import leg_arc

    clock = _time.perf_counter()
    eph = resolve_ephemeris(ephemeris)
    names = tuple(get_body(b).name for b in bodies)
    for end in (leg.origin, leg.destination):
        if get_body(end).name not in names:
            raise InputError(f"the force model must include {get_body(end).name}", "bodies")
    if get_body(leg.destination).name != target.body:
        raise InputError(f"the target is {target.body} but the leg arrives at {leg.destination}", "target")
    if not departure_rp_km > get_body(leg.origin).radius_km:
        raise InputError("the departure periapsis must lie above the planet's surface", "departure_rp_km")
    g = leg_arc(leg, eph)
    model = force_model(g["t1"], g["t2"] + window_days * DAY + DAY, bodies=names, ephemeris=eph)
    start = soi_start(g, leg.origin, departure_rp_km, model)
    flights = _Flights(model, start, leg, target, window_days, rtol, atol, progress)
    uncorrected, corrected, dv, iterations, history = _correct(flights, tol_km, max_iter)
    b_nom, th = target.aim_b(float(np.linalg.norm(g["vinf_arr"]))), math.radians(target.aim_angle_deg)
    return NBodyCheck(leg, target, start, b_nom * math.cos(th), b_nom * math.sin(th), uncorrected, corrected, dv,
                      iterations, flights.count, True, _time.perf_counter() - clock, model, rtol, history,
                      scenario_name)


# ---------------------------------------------------------------------------
# a leg through flybys, arc by arc


@dataclass(frozen=True, repr=False, eq=False)
class FlybyLegCheck(Result):
    """A leg through flybys flown in the n-body model, arc by arc.

    The first arc starts on the departure hyperbola, as :func:`check_leg`, and
    is corrected to the first flyby's aim (its periapsis altitude and B-plane
    direction, :func:`sojourn.contingency.dispersions.flyby_target`) at the
    planned epoch; the corrected flight goes on through the flyby (the planned
    burn, if any, applied along the velocity at periapsis) to the flyby
    body's sphere of influence, where a second correction aims the next arc,
    and so on to the leg's destination.

    Attributes
    ----------
    leg : Leg
        The plan's leg.
    arcs : tuple of NBodyCheck
        One check per arc, each from where the previous one leaves its flyby body.
    scenario_name : str or None
    """

    leg: Any
    arcs: tuple
    scenario_name: Optional[str] = None

    @property
    def converged(self) -> bool:
        return all(a.converged for a in self.arcs)

    @property
    def dv_correction_ms(self) -> float:
        """Every correction, m/s."""
        return float(sum(a.dv_correction_ms for a in self.arcs))

    def flybys(self) -> list[dict]:
        """Each flyby as planned (patched conics) and as flown (the corrected n-body flight's closest approach)."""
        out = []
        for planned, arc in zip(self.leg.flybys, self.arcs):
            flown = arc.flight_dict(arc.corrected)
            out.append({"body": planned.body, "planned": {"periapsis": tdb_to_utc_iso(planned.t_tdb, "second"),
                                                          "altitude_km": planned.altitude_km,
                                                          "bt_km": planned.bt_km, "br_km": planned.br_km},
                        "flown": {"closest_approach": flown["closest_approach"],
                                  "altitude_km": flown["altitude_km"], "bt_km": flown["bt_km"],
                                  "br_km": flown["br_km"], "hours_from_planned": flown["hours_from_nominal"]}})
        return out

    def to_dict(self) -> dict:
        leg = {k: v for k, v in self.leg.to_dict().items() if k in ("from", "to", "depart", "arrive", "tof_days",
                                                                   "via")}
        return {"leg": leg, "scenario": self.scenario_name, "ephemeris": self.arcs[0].model.ephemeris,
                "arcs": [a.to_dict() for a in self.arcs], "flybys": self.flybys(),
                "correction": {"dv_ms": self.dv_correction_ms, "applied_at": "each arc's start"},
                "converged": self.converged}

    def summary(self) -> list[tuple[str, str]]:
        return [("leg", " → ".join([self.leg.origin, *self.leg.via, self.leg.destination])),
                ("arcs", str(len(self.arcs))), ("correction_ms", f"{self.dv_correction_ms:.2f}"),
                ("converged", str(self.converged))]


def _after_flyby(model: ForceModel, flight: Flight, flyby, rtol: float, atol: float) -> SoiStart:
    """The corrected flight from its flyby periapsis (the planned burn applied there) to the edge of the flyby
    body's sphere of influence: where the next arc starts."""
    from scipy.integrate import solve_ivp

    v = flight.v.copy()
    if flyby.dv_kms > 0.0:  # tangential, speeding up or slowing down as the flyby's two v∞ differ
        sign = 1.0 if flyby.vinf_out_kms > flyby.vinf_in_kms else -1.0
        v = v + sign * flyby.dv_kms * flight.v_rel / np.linalg.norm(flight.v_rel)
    body = get_body(flyby.body)
    rb, _ = model.state(body.name, flight.t)
    soi = sphere_of_influence_km(body, float(np.linalg.norm(rb[0])))

    def leaves(t, y):
        return float(np.linalg.norm(y[:3] - model.state(body.name, t)[0][0])) - soi

    leaves.terminal, leaves.direction = True, 1.0
    sol = solve_ivp(model.rhs, (flight.t, flight.t + 60.0 * DAY), np.concatenate([flight.r, v]), method="DOP853",
                    rtol=rtol, atol=atol, events=leaves)
    if not (sol.success and sol.t_events[0].size):
        raise NoSolutionError(f"the n-body flight does not leave {body.name}'s sphere of influence within 60 days "
                              "of the flyby", "n-body check")
    t, y = float(sol.t_events[0][0]), sol.y_events[0][0]
    rb, vb = model.state(body.name, t)
    return SoiStart(t=t, r=y[:3].copy(), v=y[3:].copy(), r_planet=y[:3] - rb[0], v_planet=y[3:] - vb[0],
                    soi_km=float(soi), t_soi_s=t - flight.t, rp_km=float(flight.rp))


def check_flyby_leg(leg, target, *, departure_rp_km: float, ephemeris=None, bodies=DEFAULT_BODIES,
                    rtol: float = RTOL, atol: float = ATOL, tol_km: float = 0.01, max_iter: int = 15,
                    window_days: float = 30.0, scenario_name: Optional[str] = None, progress=None) -> FlybyLegCheck:
    """Fly a leg through flybys in the n-body model, arc by arc, correcting each (see :class:`FlybyLegCheck`).

    Parameters are those of :func:`check_leg`; ``target`` is the leg's final
    aim (each flyby's is its own).

    Raises
    ------
    InputError
        A force model without the leg's bodies, a departure periapsis below the surface.
    NoSolutionError
        No closest approach found, a correction that does not converge, or a
        flight that never leaves a flyby body.
    """
    from sojourn.contingency.dispersions import flyby_target
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.trajectory import leg_arc

    eph = resolve_ephemeris(ephemeris)
    names = tuple(get_body(b).name for b in bodies)
    for end in (leg.origin, *leg.via, leg.destination):
        if get_body(end).name not in names:
            raise InputError(f"the force model must include {get_body(end).name}", "bodies")
    if not departure_rp_km > get_body(leg.origin).radius_km:
        raise InputError("the departure periapsis must lie above the planet's surface", "departure_rp_km")
    first = leg.arcs[0]
    g = leg_arc(first, eph)
    model = force_model(g["t1"], leg.t_arrive + window_days * DAY + DAY, bodies=names, ephemeris=eph)
    start = soi_start(g, first.origin, departure_rp_km, model)
    checks_ = []
    for k, arc in enumerate(leg.arcs):
        clock = _time.perf_counter()
        aim = flyby_target(leg.flybys[k]) if k < len(leg.flybys) else target
        flights = _Flights(model, start, arc, aim, window_days, rtol, atol, progress)
        uncorrected, corrected, dv, iterations, history = _correct(flights, tol_km, max_iter)
        b_nom = aim.aim_b(float(np.linalg.norm(leg_arc(arc, eph)["vinf_arr"])))
        th = math.radians(aim.aim_angle_deg)
        checks_.append(NBodyCheck(arc, aim, start, b_nom * math.cos(th), b_nom * math.sin(th), uncorrected, corrected,
                                  dv, iterations, flights.count, True, _time.perf_counter() - clock, model, rtol,
                                  history, scenario_name))
        if k < len(leg.flybys):
            start = _after_flyby(model, corrected, leg.flybys[k], rtol, atol)
    return FlybyLegCheck(leg, tuple(checks_), scenario_name)


def verify(plan_or_scenario, *, leg: str = "outbound", entry_fpa_deg: Optional[float] = None,
           aim_angle_deg: float = 0.0, step_days: Optional[float] = None, ephemeris=None,
           progress=None) -> NBodyCheck:
    """Fly a plan's leg in a point-mass n-body model (Sun, planets, Moon), report its miss and correct it.

    The flight starts where the departure hyperbola leaves the departure
    planet's sphere of influence and ends at closest approach to the target.
    The result gives the patched-conic leg's miss, then the velocity change
    at the start that makes the n-body flight reach the scenario's periapsis
    altitude (or entry flight-path angle) at the nominal arrival epoch.

    Parameters
    ----------
    plan_or_scenario : Plan, Scenario, str or os.PathLike
        A plan from :func:`sojourn.plan`, or a scenario (or its TOML file), planned first.
    leg : {"outbound", "return"}
        Which leg of the plan.
    entry_fpa_deg : float, optional
        Aimed entry flight-path angle for an entry or aerocapture, degrees
        (default Earth -6.5, Mars -12); refused for a propulsive arrival.
    aim_angle_deg : float
        Aim point direction in the B-plane, degrees from ``+T`` towards ``+R``.
    step_days : float, optional
        The plan's grid step when a scenario is planned (default the scenario's).
    ephemeris : Ephemeris or str, optional
        An :class:`~sojourn.ephemeris.Ephemeris` or the path of an SPK file; default DE421.
    progress : callable, optional
        ``progress(done, total, label)`` while planning and flying (:mod:`sojourn.progress`).

    Returns
    -------
    NBodyCheck or FlybyLegCheck
        The latter for a leg through flybys: one check per arc, each flyby's
        aim its own (see :class:`FlybyLegCheck`).

    Raises
    ------
    InputError
        An argument out of range or one that does not apply to the leg's arrival, naming the parameter.
    NoSolutionError
        No closest approach, or a correction that does not converge.

    Examples
    --------
    >>> import sojourn as sj
    >>> v = sj.verify("examples/ulysses.toml")
    >>> v.converged, round(v.flight_dict(v.corrected)["altitude_km"])
    (True, 250)
    """
    from sojourn.contingency.dispersions import arrival_target
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.plan import Plan, as_plan, scenario_of, transit_leg

    scenario = scenario_of(plan_or_scenario)
    target = arrival_target(scenario, leg, entry_fpa_deg=entry_fpa_deg, aim_angle_deg=aim_angle_deg)
    eph = resolve_ephemeris(ephemeris)
    plan = as_plan(plan_or_scenario if isinstance(plan_or_scenario, Plan) else scenario, ephemeris=eph,
                   step_days=step_days, progress=progress)
    name, chosen = transit_leg(plan, leg)
    check = check_flyby_leg if chosen.flybys else check_leg
    return check(chosen, target, departure_rp_km=departure_periapsis_radius(scenario, name), ephemeris=eph,
                 scenario_name=plan.scenario_name, progress=progress)
