"""Does the patched-conic leg survive real gravity? An n-body check and its correction.

A designed leg joins two planet centres with a Sun-only Lambert arc, and the
planets' own gravity is patched on at either end. :func:`check_leg` flies the
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
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from numba import njit

from sojourn.bodies import GM_SUN, get_body
from sojourn.errors import InputError, NoSolutionError
from sojourn.time import DAY, tdb_to_utc_iso

__all__ = ["DEFAULT_BODIES", "GRID_STEP_DAYS", "ForceModel", "NBodyCheck", "Flight", "check_leg",
           "departure_periapsis_radius", "fly",
           "force_model", "soi_start"]

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


@dataclass
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


@dataclass
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


def soi_radius(body: str, a_km: float) -> float:
    """Laplace sphere-of-influence radius ``a (GM / GM_sun)^(2/5)``, km."""
    return a_km * (get_body(body).gm_km3s2 / GM_SUN) ** 0.4


def soi_start(leg_geom: dict, body: str, rp_km: float, model: Optional[ForceModel] = None, ephemeris=None) -> dict:
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

    Returns
    -------
    dict
        ``t`` (TDB s), ``r``, ``v`` (heliocentric), ``r_planet``, ``v_planet``
        (planet-centred), ``soi_km``, ``t_soi_s`` (time from periapsis).
    """
    from sojourn.core.bplane import ECLIPTIC_POLE, departure_hyperbola, hyperbola_time_to_radius
    from sojourn.core.kepler import propagate

    b = get_body(body)
    vinf_vec = leg_geom["vinf_dep"]
    vinf = float(np.linalg.norm(vinf_vec))
    soi = soi_radius(b.name, float(np.linalg.norm(leg_geom["r_dep"])))
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
    return {"t": t, "r": rb + r_pl, "v": vb + v_pl, "r_planet": r_pl, "v_planet": v_pl, "soi_km": soi,
            "t_soi_s": dt, "rp_km": rp_km}


# ---------------------------------------------------------------------------
# the check


@dataclass
class NBodyCheck:
    """Result of :func:`check_leg`.

    Attributes
    ----------
    leg : dict
    target : ArrivalTarget
    start : dict
        The start on the departure hyperbola (:func:`soi_start`).
    aim_bt_km, aim_br_km : float
        Patched-conic aim point at the nominal v∞, km.
    uncorrected, corrected : Flight
        The flight from the patched-conic start, and after the correction.
    dv_correction_kms : ndarray, shape (3,)
        Velocity change at the start that corrects the flight, km/s.
    iterations, flights : int
        Newton iterations and n-body flights flown in all.
    converged : bool
    seconds : float
        Wall time.
    model : ForceModel
    """

    leg: "Leg"
    target: object
    start: dict
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
    history: list = field(default_factory=list)

    def _flight_json(self, f: Flight) -> dict:
        t2 = float(self.leg.t_arrive)
        radius = self.target.radius_km
        th = math.radians(self.target.aim_angle_deg)
        b_aim = self.target.aim_b(f.vinf) if math.isfinite(f.vinf) else math.nan  # the aim at this flight's v∞
        out = {
            "closest_approach": tdb_to_utc_iso(f.t, "second"),
            "hours_from_nominal": (f.t - t2) / 3600.0,
            "distance_km": f.distance_km,
            "altitude_km": f.distance_km - radius,
            "bt_km": _num(f.bt), "br_km": _num(f.br),
            "miss_from_aim_km": _num(math.hypot(f.bt - b_aim * math.cos(th), f.br - b_aim * math.sin(th))),
            "vinf_kms": _num(f.vinf),
        }
        if self.target.kind == "entry":
            from sojourn.core.bplane import flight_path_angle

            fpa = flight_path_angle(self.target.mu, f.vinf, math.hypot(f.bt, f.br),
                                    radius + self.target.interface_altitude_km)
            out["entry_fpa_deg"] = _num(math.degrees(float(fpa)))
        return out

    def to_json(self) -> dict:
        leg = {k: (float(v) if isinstance(v, (float, np.floating)) else v)
               for k, v in self.leg.to_dict().items() if k in ("from", "to", "depart", "arrive", "tof_days")}
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
                "epoch": tdb_to_utc_iso(self.start["t"], "second"),
                "soi_km": self.start["soi_km"],
                "hours_after_departure": self.start["t_soi_s"] / 3600.0,
                "periapsis_altitude_km": self.start["rp_km"] - get_body(self.leg.origin).radius_km,
            },
            "target": self.target.to_json(),
            "aim_point": {"bt_km": self.aim_bt_km, "br_km": self.aim_br_km},
            "uncorrected": self._flight_json(self.uncorrected),
            "corrected": self._flight_json(self.corrected),
            "correction": {"dv_ms": float(np.linalg.norm(dv)) * 1000.0, "dv_vector_ms": (dv * 1000.0).tolist(),
                           "applied_at": "sphere-of-influence start"},
            "converged": self.converged,
            "iterations": self.iterations,
            "flights": self.flights,
            "seconds": self.seconds,
        }


def _num(x):
    x = float(x)
    return x if math.isfinite(x) else None


def departure_periapsis_radius(scenario, leg: str) -> float:
    """Periapsis radius of the departure hyperbola of a scenario's leg, km.

    Outbound: the circular parking orbit. Return: the periapsis of the orbit
    the crew leaves the destination from (as in the plan's Mars departure burn).
    """
    from sojourn.mission.roundtrip import Burns

    burns = Burns(scenario)
    return float(burns.r_park if leg == "outbound" else burns.mars_rp)


def check_leg(leg: "Leg", target, *, departure_rp_km: float, ephemeris=None, bodies=DEFAULT_BODIES,
              rtol: float = RTOL, atol: float = ATOL, tol_km: float = 0.01, max_iter: int = 15,
              window_days: float = 30.0, progress=None) -> NBodyCheck:
    """Fly a leg in the n-body model, report its miss, and correct its departure.

    Parameters
    ----------
    leg : dict
        ``from``, ``to``, ``t_depart``, ``t_arrive`` (TDB s).
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
    progress : callable, optional
        ``progress(done, total, label)`` after each flight (:mod:`sojourn.progress`); the
        total is an estimate (about 12 flights), as Newton's method takes what it takes.

    Returns
    -------
    NBodyCheck

    Raises
    ------
    NoSolutionError
        No closest approach found, or Newton's method did not converge.
    """
    from sojourn.mission.trajectory import leg_arc
    from sojourn.ephemeris import resolve_ephemeris

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
    t2 = g["t2"]
    model = force_model(g["t1"], t2 + window_days * DAY + DAY, bodies=names, ephemeris=eph)
    start = soi_start(g, leg.origin, departure_rp_km, model)
    vinf_nom = float(np.linalg.norm(g["vinf_arr"]))
    th = math.radians(target.aim_angle_deg)
    b_nom = target.aim_b(vinf_nom)
    counter = {"flights": 0}

    def flight(dv):
        f = fly(model, start["t"], start["r"], start["v"] + dv, leg.destination, t2, window_days=window_days,
                rtol=rtol, atol=atol)
        counter["flights"] += 1
        if progress is not None:
            progress(counter["flights"], max(12, counter["flights"] + 1), "n-body flights")
        return f

    def residual(f: Flight) -> np.ndarray:
        if not math.isfinite(f.vinf):
            raise NoSolutionError(f"the n-body flight is not hyperbolic at {leg.destination}", "n-body check")
        b = target.aim_b(f.vinf)
        return np.array([f.bt - b * math.cos(th), f.br - b * math.sin(th), (f.t - t2) * f.vinf])

    def jacobian(dv, f0, r0):
        jac = np.empty((3, 3))
        for k in range(3):
            step = np.zeros(3)
            step[k] = 1e-6  # 1 mm/s
            jac[:, k] = (residual(flight(dv + step)) - r0) / step[k]
        return jac

    dv = np.zeros(3)
    f0 = flight(dv)
    uncorrected = f0
    res = residual(f0)
    jac = jacobian(dv, f0, res)
    history = [float(np.linalg.norm(res))]
    converged = float(np.linalg.norm(res)) < tol_km
    iterations = 0
    f = f0
    while not converged and iterations < max_iter:
        iterations += 1
        step = -np.linalg.solve(jac, res)
        for _ in range(6):  # halve a step that loses the closest approach or does not reduce the residual
            try:
                f_new = flight(dv + step)
                res_new = residual(f_new)
            except NoSolutionError:
                step = 0.5 * step
                continue
            norm_new = float(np.linalg.norm(res_new))
            if norm_new < float(np.linalg.norm(res)):
                break
            step = 0.5 * step
        else:
            raise NoSolutionError(f"the n-body correction stalled at a residual of {history[-1]:.3g} km",
                                  "n-body check")
        history.append(norm_new)
        if norm_new < float(np.linalg.norm(res)) / 3.0:
            # Broyden's update keeps the Jacobian current at no extra flights
            jac = jac + np.outer(res_new - res - jac @ step, step) / float(step @ step)
        else:
            jac = jacobian(dv + step, f_new, res_new)
        dv, f, res = dv + step, f_new, res_new
        converged = norm_new < tol_km
    if not converged:
        raise NoSolutionError(
            f"the n-body correction did not converge in {max_iter} iterations "
            f"(residual {history[-1]:.3g} km)", "n-body check")
    th_aim = (b_nom * math.cos(th), b_nom * math.sin(th))
    return NBodyCheck(dict(leg), target, start, th_aim[0], th_aim[1], uncorrected, f, dv, iterations,
                      counter["flights"], converged, _time.perf_counter() - clock, model, rtol, history)
