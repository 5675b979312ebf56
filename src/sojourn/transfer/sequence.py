"""Transfers through a sequence of bodies: one Lambert leg between each pair, joined by flybys.

A sequence such as Earth - Venus - Mars is n + 1 epochs: the launch t0, one
flyby epoch for each body in between and the arrival tn. Leg k is the
zero-revolution Lambert arc from body k at t_k to body k + 1 at t_(k+1)
(prograde about the departure body's orbit normal, as everywhere in sojourn);
each flyby joins the v∞ of the arc
that arrives to the v∞ of the arc that leaves, powered at periapsis when their
magnitudes differ (:mod:`sojourn.core.flyby`).

Objective: the total Δv, that is the departure burn (from a parking orbit, or
the departure v∞ itself), plus the powered-flyby burns, plus the arrival burn
(a capture into an orbit, nothing for an atmospheric entry, or the arrival v∞
itself). Limits: each flyby's lowest periapsis altitude, the launch C3, the
arrival v∞ and entry speed, each leg's time of flight and the total.

Method
------
1. Leg grids. Every epoch lies on one lattice of ``step_days`` (UTC days from
   the window's start). Each leg is solved for every departure epoch it can
   have and every time of flight in its bounds, in batched calls of the
   compiled Lambert kernel.
2. Joins: dynamic programming along the sequence, in a compiled kernel, both
   ways. Forward, a cell of leg 0 costs its departure burn and at each flyby
   every cell of the leg that leaves costs the least, over the cells of the leg
   that arrive at that epoch, of their cost plus the flyby burn; backward, the
   same from the arrival burn on. The known side is taken cheapest first and
   a branch-and-bound on the burn's lower bound (at the lowest periapsis)
   stops the scan early. Back-pointers give every cell its cheapest chain of
   epochs, so the grid picture is exact: the least total through every
   (launch, first leg) cell, for every launch date and every arrival date.
3. Refinement: the best chains (launch dates at least a week apart) are
   refined in every epoch, flyby epochs included, by SLSQP (scipy) within the
   launch window and the legs' bounds, with the flybys' turns within reach
   and the limits as constraints (and |v∞_in| = |v∞_out| at unpowered
   flybys).

Each cell keeps only its cheapest past and future: a limit on the total
duration is therefore applied to the grid's chains as found (a dearer chain
that fits is not looked for), and exactly in the refinement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit, prange

from sojourn.bodies import GM_SUN, get_body
from sojourn.core.flyby import _half_turn, flyby_one, periapsis_burn_bound
from sojourn.errors import InputError, NoSolutionError
from sojourn.results import Result, json_safe, utc_text
from sojourn.time import DAY, tdb_to_datetime

__all__ = [
    "ARRIVALS",
    "DEFAULT_MIN_FLYBY_ALT_KM",
    "Flyby",
    "SequenceLeg",
    "SequenceSearch",
    "SequenceTransfer",
    "search_sequence",
]

ARRIVALS = ("capture", "entry", "vinf", "aerocapture")
"""How a sequence ends: a capture burn into an orbit, an atmospheric entry (no burn), its v∞ as the cost,
or an aerocapture into the capture orbit (the periapsis-raise burn alone, whatever the v∞)."""

PLANE_CHANGES = ("charge", "avoid")
"""With a parking-orbit inclination: charge the plane change to the departure burn, or avoid asymptotes out of reach."""

DEFAULT_MIN_FLYBY_ALT_KM = 300.0
"""Lowest flyby periapsis altitude by default, km: about GTOP's 1.05 radii at Venus."""

DEFAULT_PARKING_ALT_KM = 400.0
"""Default circular parking orbit at departure, km (the scenario's default)."""

DEFAULT_CAPTURE_ALT_KM = 250.0
"""Default circular capture orbit at arrival, km (the round-trip search's default at Mars)."""

SEPARATION_DAYS = 7.0
"""Refined chains launch at least this far apart, days."""

MAX_SEQUENCE_CELLS = 20_000_000
"""Most leg-grid cells of one search (about 150 bytes each while built)."""

VINF_TOLERANCE_KMS = 1e-6
"""Largest |v∞_in| - |v∞_out| accepted at an unpowered flyby, km/s (1 mm/s)."""

_TURN_MARGIN_RAD = 1e-9  # the refinement keeps each turn this far inside reach
_LIMIT_TOL = 1e-9
_PENALTY = 1e3  # km/s: objective of an epoch set without a Lambert solution
_FD_DAYS = 1e-3  # step of the refinement's central differences, days (86.4 s)
_MAX_ITER = 150  # SLSQP iterations (a smooth chain converges in 10-30)
_CHUNK = 250_000


# ---------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------


def _iso(when):
    return utc_text(when, "second")


@dataclass(frozen=True, repr=False)
class Flyby(Result):
    """One flyby of a sequence (km, km/s, degrees; B-plane on the J2000 ecliptic pole).

    Attributes
    ----------
    body : str
    date : datetime.datetime
        Periapsis passage, UTC.
    t_tdb : float
        The same epoch, TDB s past J2000.
    altitude_km, periapsis_radius_km, min_altitude_km : float
        Periapsis altitude above the body's equatorial radius, its radius, and
        the lowest altitude allowed.
    vinf_in_kms, vinf_out_kms : float
        Excess speeds of the arriving and leaving arcs.
    turn_angle_deg, max_turn_angle_deg : float
        The turn the flyby makes, and the most it could at the lowest altitude.
    dv_kms : float
        Periapsis burn (0 for an unpowered flyby).
    b_km, bt_km, br_km : float
        Impact parameter and aim point of the incoming hyperbola.
    """

    body: str
    date: object
    t_tdb: float
    altitude_km: float
    periapsis_radius_km: float
    min_altitude_km: float
    vinf_in_kms: float
    vinf_out_kms: float
    turn_angle_deg: float
    max_turn_angle_deg: float
    dv_kms: float
    b_km: float
    bt_km: float
    br_km: float

    def to_dict(self) -> dict:
        return json_safe({
            "body": self.body, "date": _iso(self.date), "altitude_km": self.altitude_km,
            "periapsis_radius_km": self.periapsis_radius_km, "min_altitude_km": self.min_altitude_km,
            "vinf_in_kms": self.vinf_in_kms, "vinf_out_kms": self.vinf_out_kms,
            "turn_angle_deg": self.turn_angle_deg, "max_turn_angle_deg": self.max_turn_angle_deg,
            "dv_kms": self.dv_kms, "b_km": self.b_km, "bt_km": self.bt_km, "br_km": self.br_km,
            "bplane_pole": "J2000 ecliptic",
        })

    def summary(self):
        return [("body", self.body), ("date", utc_text(self.date, "minute")),
                ("altitude", f"{self.altitude_km:,.0f} km"), ("dv", f"{self.dv_kms:.3f} km/s")]


@dataclass(frozen=True, repr=False)
class SequenceLeg(Result):
    """One Lambert leg of a sequence (TDB s; km/s; ``dla_deg`` the ICRF declination of its departure v∞)."""

    frm: str
    to: str
    depart: object
    arrive: object
    t_depart: float
    t_arrive: float
    vinf_departure_kms: float
    vinf_arrival_kms: float
    type: str
    dla_deg: float = math.nan

    @property
    def tof_days(self) -> float:
        return (self.t_arrive - self.t_depart) / DAY

    def to_dict(self) -> dict:
        return json_safe({"from": self.frm, "to": self.to, "depart": _iso(self.depart),
                          "arrive": _iso(self.arrive), "tof_days": self.tof_days,
                          "vinf_departure_kms": self.vinf_departure_kms,
                          "vinf_arrival_kms": self.vinf_arrival_kms, "type": self.type, "dla_deg": self.dla_deg})

    def summary(self):
        return [("leg", f"{self.frm} → {self.to}"), ("tof", f"{self.tof_days:.1f} d")]


@dataclass(frozen=True, repr=False)
class SequenceTransfer(Result):
    """A transfer through a sequence of bodies: its legs, flybys and Δv (km, km/s, km²/s²).

    ``entry_speed_kms`` is NaN unless the sequence ends by atmospheric entry.
    ``refined`` is False when the local optimiser could not improve on the grid
    chain within the limits (the grid's epochs are kept).
    """

    bodies: tuple
    legs: tuple
    flybys: tuple
    c3_km2s2: float
    dla_deg: float
    rla_deg: float
    departure_dv_kms: float
    flyby_dv_kms: float
    arrival_vinf_kms: float
    arrival_dv_kms: float
    entry_speed_kms: float
    total_dv_kms: float
    refined: bool

    @property
    def epochs_tdb(self) -> tuple:
        return tuple(leg.t_depart for leg in self.legs) + (self.legs[-1].t_arrive,)

    @property
    def launch(self):
        return self.legs[0].depart

    @property
    def arrival(self):
        return self.legs[-1].arrive

    @property
    def total_days(self) -> float:
        return (self.legs[-1].t_arrive - self.legs[0].t_depart) / DAY

    def to_dict(self) -> dict:
        return json_safe({
            "bodies": list(self.bodies), "launch": _iso(self.launch), "arrival": _iso(self.arrival),
            "total_days": self.total_days, "total_dv_kms": self.total_dv_kms,
            "c3_km2s2": self.c3_km2s2, "dla_deg": self.dla_deg, "rla_deg": self.rla_deg,
            "departure_dv_kms": self.departure_dv_kms, "flyby_dv_kms": self.flyby_dv_kms,
            "arrival_vinf_kms": self.arrival_vinf_kms, "arrival_dv_kms": self.arrival_dv_kms,
            "entry_speed_kms": self.entry_speed_kms, "refined": self.refined,
            "legs": [leg.to_dict() for leg in self.legs], "flybys": [f.to_dict() for f in self.flybys],
        })

    def summary(self):
        return [("sequence", "-".join(self.bodies)), ("launch", utc_text(self.launch, "date")),
                ("days", f"{self.total_days:.1f}"), ("total dv", f"{self.total_dv_kms:.3f} km/s")]


@dataclass(frozen=True, repr=False)
class SequenceSearch(Result):
    """What :func:`search_sequence` found.

    Attributes
    ----------
    best : SequenceTransfer
        The least total Δv after refinement.
    alternatives : tuple of SequenceTransfer
        The other refined chains (launches at least :data:`SEPARATION_DAYS`
        apart), by total Δv.
    grid : xarray.Dataset
        The global picture, exact on the lattice: ``total_dv_kms`` (launch,
        leg1_days), the least total Δv over the chains whose first leg is that
        cell; ``best_total_dv_kms`` (launch), the least over the chains
        launched that day, with that chain's ``best_c3_km2s2``,
        ``best_arrival`` and ``best_flyby_date`` (launch, flyby);
        ``arrival_total_dv_kms`` (arrival), the least over the chains arriving
        that day, with that chain's ``arrival_launch`` and
        ``arrival_flyby_date`` (arrival, flyby). NaN/NaT where none is
        feasible. Not part of :meth:`to_dict`.
    settings : dict
        The problem as searched (dates UTC, limits, step).
    ephemeris : str
    arcs : int
        Lambert arcs solved on the leg grids.
    flyby_combinations, flyby_evaluations : int
        (arriving cell, leaving cell) pairs at the flybys over both passes, and
        how many of them the branch-and-bound solved (cost bound passed, turn
        within reach).
    assumptions : tuple of str
    """

    best: SequenceTransfer
    alternatives: tuple
    grid: object
    settings: dict
    ephemeris: str
    arcs: int
    flyby_combinations: int
    flyby_evaluations: int
    assumptions: tuple = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return json_safe({
            "best": self.best.to_dict(), "alternatives": [a.to_dict() for a in self.alternatives],
            "settings": self.settings, "ephemeris": self.ephemeris, "arcs": self.arcs,
            "flyby_combinations": self.flyby_combinations, "flyby_evaluations": self.flyby_evaluations,
            "assumptions": list(self.assumptions),
        })

    def summary(self):
        return self.best.summary() + [("alternatives", str(len(self.alternatives)))]


# ---------------------------------------------------------------------------
# the problem
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Problem:
    """A validated search: bodies, window, bounds, end costs and limits (km, km/s, days)."""

    bodies: tuple  # Body
    start: float
    end: float
    leg_days: tuple  # ((min, max), ...)
    rp_min: tuple  # km, one per flyby
    powered: bool
    departure_orbit: tuple | None  # (rp, ra) km, or None: the departure v∞ is the cost
    arrival: str
    capture_orbit: tuple | None  # (rp, ra) km
    r_interface: float
    max_c3: float | None
    max_arrival_vinf: float | None
    max_entry_speed: float | None
    max_total_days: float | None
    parking_inclination: float | None = None  # degrees, or None: any asymptote is in the orbit's plane
    plane_change: str = "charge"
    min_total_days: float | None = None
    flyby_weight: float = 1.0  # the grid's cost counts each flyby burn this many times (1: the Δv itself)
    tie_per_day: float = 0.0  # the grid's cost counts each day of flight this much, km/s (ties go to the shorter)

    @property
    def n_legs(self) -> int:
        return len(self.bodies) - 1

    def plane_change_deg(self, v):
        """Plane change departure v∞ vectors ``v`` (..., 3) need from the parking orbit, degrees (0 without one)."""
        from sojourn.core.patched_conics import plane_change_deg

        v = np.asarray(v, dtype=float)
        if self.parking_inclination is None:
            return np.zeros(v.shape[:-1])
        with np.errstate(invalid="ignore"):
            dla = np.degrees(np.arcsin(v[..., 2] / np.linalg.norm(v, axis=-1)))
        return plane_change_deg(dla, self.parking_inclination)

    def departure_dv(self, v):
        """Departure burn for departure v∞ vectors ``v`` (..., 3), km/s, the plane change charged when it is."""
        from sojourn.core.patched_conics import plane_change_departure_dv

        v = np.asarray(v, dtype=float)
        vinf = np.linalg.norm(v, axis=-1)
        if self.departure_orbit is None:
            return vinf
        rp, ra = self.departure_orbit
        di = np.radians(self.plane_change_deg(v)) if self.plane_change == "charge" else np.zeros_like(vinf)
        return plane_change_departure_dv(self.bodies[0].gm_km3s2, vinf, rp, ra, di)

    def arrival_cost(self, vinf):
        """(Δv, entry speed) of arriving with excess speed ``vinf``, km/s."""
        from sojourn.core.patched_conics import aerocapture_dv, capture_dv, entry_speed

        body = self.bodies[-1]
        vinf = np.asarray(vinf, dtype=float)
        entry = entry_speed(body.gm_km3s2, vinf, self.r_interface) if self.arrival in ("entry", "aerocapture") \
            else np.full_like(vinf, np.nan)
        if self.arrival == "capture":
            return capture_dv(body.gm_km3s2, vinf, *self.capture_orbit), entry
        if self.arrival == "entry":
            return np.zeros_like(vinf), entry
        if self.arrival == "aerocapture":
            return aerocapture_dv(body.gm_km3s2, *self.capture_orbit, self.r_interface) + 0.0 * vinf, entry
        return vinf.copy(), entry

    def arrival_ok(self, vinf, entry):
        ok = np.isfinite(vinf)
        if self.max_arrival_vinf is not None:
            ok &= vinf <= self.max_arrival_vinf + _LIMIT_TOL
        if self.max_entry_speed is not None and self.arrival == "entry":
            ok &= entry <= self.max_entry_speed + _LIMIT_TOL
        return ok


def _number(value, where, *, positive=False, allow_none=False):
    if value is None and allow_none:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{where} must be a number, not {value!r}", where) from None
    if not (math.isfinite(x) and (x > 0.0 if positive else x >= 0.0)):
        raise InputError(f"{where} must be a {'positive' if positive else 'non-negative'} number, not {value!r}",
                         where)
    return x


def _orbit(body, value, where):
    """(rp, ra) km of an orbit given as an altitude (circular) or (periapsis, apoapsis) altitudes."""
    if value is None:
        return None
    pair = (value, value) if np.ndim(value) == 0 else tuple(value)
    if len(pair) != 2:
        raise InputError(f"{where} is an altitude or a (periapsis, apoapsis) pair of altitudes in km", where)
    lo, hi = (_number(v, where) for v in pair)
    if hi < lo:
        raise InputError(f"{where}: the apoapsis altitude ({hi:g} km) is below the periapsis ({lo:g} km)", where)
    return body.radius_km + lo, body.radius_km + hi


def _bodies(bodies):
    if isinstance(bodies, str) or len(bodies) < 2:
        raise InputError("a sequence is a list of at least two bodies, e.g. ['earth', 'venus', 'mars']", "bodies")
    out = tuple(get_body(b, "bodies") for b in bodies)
    for b in out[1:-1]:
        if not (b.radius_km > 0.0 and b.name != "sun"):
            raise InputError(f"cannot fly by {b.name}: a flyby needs a body with a radius (not a barycentre "
                             "or the Sun)", "bodies")
    return out


def _leg_days(leg_days, n):
    try:
        pairs = [tuple(float(x) for x in p) for p in leg_days]
    except (TypeError, ValueError):
        raise InputError("leg_days is one (min, max) pair of days per leg", "leg_days") from None
    if len(pairs) != n or any(len(p) != 2 for p in pairs):
        raise InputError(f"leg_days needs {n} (min, max) pairs of days, one per leg", "leg_days")
    for lo, hi in pairs:
        if not (math.isfinite(lo) and math.isfinite(hi) and 0.0 < lo <= hi):
            raise InputError(f"leg_days: ({lo:g}, {hi:g}) is not 0 < min <= max days", "leg_days")
    return tuple(pairs)


def _problem(bodies, launch, leg_days, min_flyby_alt_km, powered, departure_orbit_km, arrival, capture_orbit_km,
             entry_interface_km, max_c3, max_arrival_vinf_kms, max_entry_speed_kms, max_total_days,
             parking_inclination_deg=None, plane_change="charge", min_total_days=None) -> _Problem:
    from sojourn import checks
    from sojourn.transfer.porkchop import Window

    bodies = _bodies(bodies)
    window = Window.parse(launch, "launch")
    legs = _leg_days(leg_days, len(bodies) - 1)
    n_fb = len(bodies) - 2
    alts = [min_flyby_alt_km] * n_fb if np.ndim(min_flyby_alt_km) == 0 else list(min_flyby_alt_km)
    if len(alts) != n_fb:
        raise InputError(f"min_flyby_alt_km needs one altitude or {n_fb} (one per flyby)", "min_flyby_alt_km")
    rp_min = tuple(b.radius_km + _number(a, "min_flyby_alt_km") for b, a in zip(bodies[1:-1], alts))
    if arrival not in ARRIVALS:
        raise InputError(f"unknown arrival '{arrival}': use {', '.join(ARRIVALS)}", "arrival")
    total = _number(max_total_days, "max_total_days", positive=True, allow_none=True)
    if total is not None and total < sum(lo for lo, _ in legs):
        raise InputError(f"max_total_days ({total:g}) is shorter than the legs' shortest times of flight together",
                         "max_total_days")
    shortest = _number(min_total_days, "min_total_days", allow_none=True)
    if shortest is not None and shortest > sum(hi for _, hi in legs):
        raise InputError(f"min_total_days ({shortest:g}) is longer than the legs' longest times of flight together",
                         "min_total_days")
    incl = None if parking_inclination_deg is None else checks.in_range(
        parking_inclination_deg, 0.0, 180.0, "parking_inclination_deg", "parking-orbit inclination", "degrees")
    if incl is not None and departure_orbit_km is None:
        raise InputError("a parking-orbit inclination needs the parking orbit (departure_orbit_km)",
                         "parking_inclination_deg")
    return _Problem(
        bodies=bodies, start=window.start, end=window.end, leg_days=legs, rp_min=rp_min, powered=bool(powered),
        departure_orbit=_orbit(bodies[0], departure_orbit_km, "departure_orbit_km"), arrival=arrival,
        capture_orbit=_orbit(bodies[-1], capture_orbit_km, "capture_orbit_km") if arrival == "capture" else None,
        r_interface=bodies[-1].radius_km + _number(entry_interface_km, "entry_interface_km"),
        max_c3=_number(max_c3, "max_c3", positive=True, allow_none=True),
        max_arrival_vinf=_number(max_arrival_vinf_kms, "max_arrival_vinf_kms", positive=True, allow_none=True),
        max_entry_speed=_number(max_entry_speed_kms, "max_entry_speed_kms", positive=True, allow_none=True),
        max_total_days=total, parking_inclination=incl,
        plane_change=checks.choice(plane_change, PLANE_CHANGES, "plane_change", "plane change"),
        min_total_days=shortest,
    )


# ---------------------------------------------------------------------------
# step 1: leg grids on one lattice
# ---------------------------------------------------------------------------


@dataclass
class _Leg:
    """One leg on the lattice: row r departs at lattice index lo + r, column c flies m0 + c steps."""

    lo: int
    m0: int
    ok: np.ndarray  # (rows, cols) bool
    v_dep: np.ndarray  # (rows, cols, 3) departure v∞ vectors
    v_arr: np.ndarray  # (rows, cols, 3) arrival v∞ vectors


@dataclass(frozen=True)
class _Lattice:
    t: np.ndarray  # TDB s, UTC-day steps from the window's start
    n_launch: int
    m0: tuple  # shortest time of flight of each leg, steps
    m1: tuple  # longest
    step: float  # days

    def lo(self, k):
        return sum(self.m0[:k])

    def hi(self, k):
        return self.n_launch - 1 + sum(self.m1[:k])


def _lattice(p: _Problem, step: float) -> _Lattice:
    from sojourn.time import utc_steps

    n_launch = int(math.floor((p.end - p.start) / (step * DAY) + 1e-6)) + 1
    m0 = tuple(int(math.ceil(lo / step - 1e-9)) for lo, _ in p.leg_days)
    m1 = tuple(int(math.floor(hi / step + 1e-9)) for _, hi in p.leg_days)
    for k, (a, b) in enumerate(zip(m0, m1)):
        if b < a:
            raise InputError(f"leg {k + 1}'s times of flight {p.leg_days[k]} days hold no multiple of the "
                             f"{step:g}-day step", "leg_days")
    return _Lattice(utc_steps(p.start, step, n_launch + sum(m1)), n_launch, m0, m1, step)


def _check_size(p: _Problem, lat: _Lattice):
    from sojourn import checks

    cells = sum((lat.hi(k) - lat.lo(k) + 1) * (lat.m1[k] - lat.m0[k] + 1) for k in range(p.n_legs))
    checks.grid_cells(cells, "step_days", limit=MAX_SEQUENCE_CELLS)
    return cells


def _states(eph, p: _Problem, lat: _Lattice):
    """Each body's states on the lattice epochs it can be reached at (others NaN); range checked first."""
    lo_days = np.cumsum([0.0] + [lo for lo, _ in p.leg_days])
    hi_days = np.cumsum([0.0] + [hi for _, hi in p.leg_days])
    out = []
    for k, body in enumerate(p.bodies):
        where = "launch" if k == 0 else "leg_days"
        eph.check_range(body, p.start + lo_days[k] * DAY, p.end + hi_days[k] * DAY, where)
        a = lat.lo(k)
        b = lat.hi(k) if k < p.n_legs else lat.t.size - 1
        r = np.full((lat.t.size, 3), np.nan)
        v = np.full((lat.t.size, 3), np.nan)
        r[a:b + 1], v[a:b + 1] = eph.state(body, lat.t[a:b + 1])
        out.append((r, v))
    return out


def _leg_grid(k, lat: _Lattice, states) -> _Leg:
    from sojourn.core.lambert import lambert_batch

    lo, m0 = lat.lo(k), lat.m0[k]
    rows, cols = lat.hi(k) - lo + 1, lat.m1[k] - m0 + 1
    i = lo + np.repeat(np.arange(rows), cols)
    j = i + m0 + np.tile(np.arange(cols), rows)
    (r1, v1), (r2, v2) = states[k], states[k + 1]
    mid = lo + rows // 2
    normal = np.cross(r1[mid], v1[mid])  # "prograde": about the departure body's orbit normal
    n = i.size
    vd, va, st = np.empty((n, 3)), np.empty((n, 3)), np.empty(n, dtype=np.int8)
    for a in range(0, n, _CHUNK):
        s = slice(a, min(n, a + _CHUNK))
        w1, w2, st[s] = lambert_batch(GM_SUN, r1[i[s]], r2[j[s]], lat.t[j[s]] - lat.t[i[s]], reference=normal)
        vd[s] = w1 - v1[i[s]]
        va[s] = w2 - v2[j[s]]
    return _Leg(lo, m0, (st == 0).reshape(rows, cols), vd.reshape(rows, cols, 3), va.reshape(rows, cols, 3))


# ---------------------------------------------------------------------------
# step 2: the joins (compiled), forward and backward
# ---------------------------------------------------------------------------


@njit(cache=True)
def _sorted_known(mu, rp_min, cost, v):
    """Known cells cheapest first: order, cost, v∞, v∞², unit v∞, and cos/sin of the half-turn at rp_min."""
    order = np.argsort(cost)
    n = order.size
    kcost, kv2, kc, ks = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    kv, ku = np.empty((n, 3)), np.empty((n, 3))
    for q in range(n):
        j = order[q]
        kcost[q] = cost[j]
        v2 = v[j, 0] ** 2 + v[j, 1] ** 2 + v[j, 2] ** 2
        kv2[q] = v2
        vn = math.sqrt(v2)
        for a in range(3):
            kv[q, a] = v[j, a]
            ku[q, a] = v[j, a] / vn
        h = _half_turn(v2 / mu, rp_min)
        kc[q] = math.cos(h)
        ks[q] = math.sin(h)
    return order, kcost, kv, kv2, ku, kc, ks


@njit(cache=True)
def _cheapest(mu, rp_min, weight, known_is_in, tx, ty, tz, kcost, kv, kv2, ku, kc, ks):
    """The known cell (index in cheapest-first order) of least cost + weight x flyby burn with target v∞ t:
    (cost, index, solves).

    Cheapest first, stopping once a cell's cost alone cannot win; a cell whose
    cost plus the burn's lower bound at the lowest periapsis cannot win is
    skipped; a turn out of reach is refused by a dot product (cos δ below
    cos(h_known + h_target)); once a flyby is found, a burn bound at the
    periapsis that turns the faster v∞ alone by δ (closed form, below the
    pair's) spares the solve of most losers.
    """
    t2 = tx * tx + ty * ty + tz * tz
    tn = math.sqrt(t2)
    ux, uy, uz = tx / tn, ty / tn, tz / tn
    h = _half_turn(t2 / mu, rp_min)
    tc, ts = math.cos(h), math.sin(h)
    best = math.inf
    bq = -1
    count = 0
    for q in range(kcost.size):
        a = kcost[q]
        if a >= best:
            break
        if a + weight * periapsis_burn_bound(mu, kv2[q], t2, rp_min) >= best:
            continue
        cos_turn = ku[q, 0] * ux + ku[q, 1] * uy + ku[q, 2] * uz
        if cos_turn < kc[q] * tc - ks[q] * ts - 1e-12:
            continue
        if best < math.inf and cos_turn < 1.0:
            s4 = math.sin(0.25 * (math.pi - math.acos(max(-1.0, cos_turn))))
            rp_lo = mu / max(kv2[q], t2) * 2.0 * s4 * s4 / math.sqrt(0.5 * (1.0 - cos_turn))
            if a + weight * periapsis_burn_bound(mu, kv2[q], t2, max(rp_lo, rp_min)) >= best:
                continue
        count += 1
        if known_is_in:
            dv, _, good = flyby_one(mu, kv[q, 0], kv[q, 1], kv[q, 2], tx, ty, tz, rp_min)
        else:
            dv, _, good = flyby_one(mu, tx, ty, tz, kv[q, 0], kv[q, 1], kv[q, 2], rp_min)
        if good and a + weight * dv < best:
            best = a + weight * dv
            bq = q
    return best, bq, count


@njit(cache=True, parallel=True)
def _join(mu, rp_min, weight, forward, in_cost, v_in, lo_in, m0_in, out_cost, v_out, lo_out, result, back,
          evaluated):
    """One flyby's join, either way along the sequence, for every flyby epoch in parallel.

    At epoch f the arriving cells are those (r', c') of the arriving leg with
    lo_in + r' + m0_in + c' = f, the leaving cells those (f - lo_out, c) of the
    leaving leg; a cell with an infinite cost is left out. Forward: each
    leaving cell gets its own cost plus the least (arriving cost + burn), and
    ``back`` the arriving row. Backward: each arriving cell gets its own cost
    plus the least (burn + leaving cost), and ``back`` the leaving column
    (:func:`_cheapest` does the scan).
    """
    nd_in, nc_in = in_cost.shape
    nc_out = out_cost.shape[1]
    for r in prange(out_cost.shape[0]):
        f = lo_out + r
        p_row = np.empty(nc_in, dtype=np.int64)
        p_col = np.empty(nc_in, dtype=np.int64)
        n_p = 0
        for cp in range(nc_in):
            rr = f - lo_in - m0_in - cp
            if 0 <= rr < nd_in and in_cost[rr, cp] < math.inf:
                p_row[n_p], p_col[n_p] = rr, cp
                n_p += 1
        q_col = np.empty(nc_out, dtype=np.int64)
        n_q = 0
        for c in range(nc_out):
            if out_cost[r, c] < math.inf:
                q_col[n_q] = c
                n_q += 1
        p_cost, p_v = np.empty(n_p), np.empty((n_p, 3))
        for j in range(n_p):
            p_cost[j] = in_cost[p_row[j], p_col[j]]
            p_v[j] = v_in[p_row[j], p_col[j]]
        q_cost, q_v = np.empty(n_q), np.empty((n_q, 3))
        for j in range(n_q):
            q_cost[j] = out_cost[r, q_col[j]]
            q_v[j] = v_out[r, q_col[j]]
        order, kcost, kv, kv2, ku, kc, ks = _sorted_known(mu, rp_min, p_cost if forward else q_cost,
                                                          p_v if forward else q_v)
        count = 0
        for t in range(n_q if forward else n_p):
            tv = q_v[t] if forward else p_v[t]
            best, bq, solved = _cheapest(mu, rp_min, weight, forward, tv[0], tv[1], tv[2], kcost, kv, kv2, ku, kc, ks)
            count += solved
            if forward:
                result[r, q_col[t]] = q_cost[t] + best
                back[r, q_col[t]] = p_row[order[bq]] if bq >= 0 else -1
            else:
                result[p_row[t], p_col[t]] = p_cost[t] + best
                back[p_row[t], p_col[t]] = q_col[order[bq]] if bq >= 0 else -1
        evaluated[r] = count


@dataclass
class _Costs:
    """Both passes of the dynamic programme over the leg grids.

    ``ahead[k]`` is the least cost of leg k's cells counted from the launch
    (departure burn and every flyby up to and including the one that starts
    leg k), ``back_ahead[k]`` the arriving row it came from; ``behind[k]`` the
    least cost from leg k's arrival on (flybys after it and the arrival burn),
    ``back_behind[k]`` the leaving column it goes on to. inf where infeasible.
    """

    ahead: list
    back_ahead: list
    behind: list
    back_behind: list
    departure: np.ndarray  # leg 0: departure burn (inf where refused)
    arrival: np.ndarray  # last leg: arrival burn (inf where refused)
    combinations: int
    evaluations: int


def _run_join(p: _Problem, legs: list, k: int, forward: bool, in_cost, out_cost):
    """The join at flyby k (between legs k - 1 and k): (result, back, evaluations)."""
    leg_in, leg_out = legs[k - 1], legs[k]
    shape = leg_out.ok.shape if forward else leg_in.ok.shape
    result = np.full(shape, np.inf)
    back = np.full(shape, -1, dtype=np.int64)
    evaluated = np.zeros(leg_out.ok.shape[0], dtype=np.int64)
    _join(p.bodies[k].gm_km3s2, p.rp_min[k - 1], p.flyby_weight, forward, in_cost, leg_in.v_arr, leg_in.lo, leg_in.m0,
          out_cost, leg_out.v_dep, leg_out.lo, result, back, evaluated)
    return result, back, int(evaluated.sum())


def _end_costs(p: _Problem, legs: list):
    """Departure burn of leg 0's cells and arrival burn of the last leg's, inf where a limit refuses them."""
    vd0 = np.linalg.norm(legs[0].v_dep, axis=-1)
    ok = legs[0].ok.copy()
    _need(ok, "no Lambert arc within the legs' times of flight", "leg_days")
    if p.max_c3 is not None:
        ok &= vd0 ** 2 <= p.max_c3 + _LIMIT_TOL
        _need(ok, f"no departure with C3 at most {p.max_c3:g} km²/s²", "max_c3")
    v0 = np.where(ok[..., None], legs[0].v_dep, 1.0)
    if p.parking_inclination is not None and p.plane_change == "avoid":
        ok &= p.plane_change_deg(v0) <= 1e-9
        _need(ok, f"no departure asymptote within reach of a {p.parking_inclination:g}° parking orbit",
              "parking_inclination_deg")
    departure = np.where(ok, p.departure_dv(v0), np.inf)
    va = np.linalg.norm(legs[-1].v_arr, axis=-1)
    dv_arr, entry = p.arrival_cost(np.where(legs[-1].ok, va, 0.0))
    ok = legs[-1].ok & p.arrival_ok(np.where(legs[-1].ok, va, np.nan), entry)
    if not ok.any():
        key = "max_entry_speed_kms" if p.arrival == "entry" and p.max_entry_speed is not None \
            else "max_arrival_vinf_kms"
        raise NoSolutionError(f"no arrival at {p.bodies[-1].name} within the arrival limits", key)
    return departure, np.where(ok, dv_arr, np.inf)


def _grid_costs(p: _Problem, legs: list, step: float = 1.0) -> _Costs:
    """Forward and backward passes of the dynamic programme; the binding limit if nothing is feasible.

    Each leg's cells cost their ``p.tie_per_day`` times their time of flight
    (0 by default): counted once per leg in both passes, it breaks ties between
    chains of equal Δv in favour of the shorter.
    """
    departure, arrival = _end_costs(p, legs)
    tie = [p.tie_per_day * step * (leg.m0 + np.arange(leg.ok.shape[1]))[None, :] for leg in legs]
    valid = [np.where(leg.ok, t, np.inf) for leg, t in zip(legs, tie)]
    n = p.n_legs
    ahead, back_ahead = [departure + tie[0]], [None]
    behind, back_behind = [None] * n, [None] * n
    combos = evals = 0
    for k in range(1, n):
        a, b, e = _run_join(p, legs, k, True, ahead[-1], valid[k])
        ahead.append(a)
        back_ahead.append(b)
        evals += e
        combos += _combinations(legs[k - 1], legs[k], np.isfinite(ahead[k - 1]), legs[k].ok)
        body = p.bodies[k]
        _need(np.isfinite(a), f"no {body.name} flyby within reach at {p.rp_min[k - 1] - body.radius_km:g} km "
              "or above", "min_flyby_alt_km")
    if not np.isfinite(ahead[-1] + arrival).any():
        raise NoSolutionError(f"no transfer that both reaches {p.bodies[-1].name} within the arrival limits and "
                              "flies by within reach", "min_flyby_alt_km")
    behind[-1] = arrival + tie[-1]
    for k in range(n - 1, 0, -1):
        behind[k - 1], back_behind[k - 1], e = _run_join(p, legs, k, False, valid[k - 1], behind[k])
        evals += e
        combos += _combinations(legs[k - 1], legs[k], legs[k - 1].ok, np.isfinite(behind[k]))
    return _Costs(ahead, back_ahead, behind, back_behind, departure, arrival, combos, evals)


def _combinations(leg_in: _Leg, leg_out: _Leg, ok_in, ok_out) -> int:
    """(arriving, leaving) cell pairs at a flyby: arriving cells at each epoch times leaving cells then."""
    rows_in, cols_in = ok_in.shape
    arrive = leg_in.lo + leg_in.m0 + np.arange(rows_in)[:, None] + np.arange(cols_in)[None, :]
    per_epoch = np.bincount((arrive[ok_in] - leg_out.lo).ravel(), minlength=ok_out.shape[0])
    return int(np.sum(per_epoch * ok_out.sum(axis=1)))


def _need(ok, message, where):
    if not np.any(ok):
        raise NoSolutionError(message, where)


def _chains_back(legs: list, costs: _Costs, r, c):
    """Lattice indices of every epoch of the cheapest chains that end in last-leg cells (r, c)."""
    n = len(legs)
    idx = np.empty((np.size(r), n + 1), dtype=np.int64)
    idx[:, n] = legs[-1].lo + r + legs[-1].m0 + c
    for k in range(n - 1, 0, -1):
        f = legs[k].lo + r
        idx[:, k] = f
        rp = costs.back_ahead[k][r, c]
        c = f - legs[k - 1].lo - legs[k - 1].m0 - rp
        r = rp
    idx[:, 0] = legs[0].lo + r
    return idx


def _chains_on(legs: list, costs: _Costs, r, c):
    """Lattice indices of every epoch of the cheapest chains that start in leg-0 cells (r, c)."""
    n = len(legs)
    idx = np.empty((np.size(r), n + 1), dtype=np.int64)
    idx[:, 0] = legs[0].lo + r
    for k in range(n - 1):
        f = legs[k].lo + r + legs[k].m0 + c
        idx[:, k + 1] = f
        c = costs.back_behind[k][r, c]
        r = f - legs[k + 1].lo
    idx[:, n] = legs[-1].lo + r + legs[-1].m0 + c
    return idx


def _within(lat: _Lattice, idx: np.ndarray, min_days, max_days) -> np.ndarray:
    """Which chains (lattice indices of their epochs, one per row) last between the two durations (None: no limit)."""
    days = (lat.t[idx[:, -1]] - lat.t[idx[:, 0]]) / DAY
    ok = np.ones(days.size, dtype=bool)
    if min_days is not None:
        ok &= days >= min_days - 1e-6
    if max_days is not None:
        ok &= days <= max_days + 1e-6
    return ok


def _first_per_key(key: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Positions of the least ``value`` of each distinct ``key``."""
    order = np.lexsort((value, key))
    return order[np.r_[True, key[order][1:] != key[order][:-1]]] if order.size else order


@dataclass(frozen=True)
class ChainReduction:
    """The cheapest chain of a sequence for each arrival (or each launch) epoch of the lattice.

    Attributes
    ----------
    t_key : ndarray, shape (n,)
        The epochs reduced over, TDB s (every lattice epoch an arrival or a launch can have).
    total : ndarray, shape (n,)
        Least total cost of a chain ending (starting) then, km/s; inf where none fits.
    epochs : ndarray, shape (n, legs + 1)
        That chain's epochs, TDB s (launch, flybys, arrival); NaN where none.
    """

    t_key: np.ndarray
    total: np.ndarray
    epochs: np.ndarray


@dataclass
class SequenceGrid:
    """A sequence on its lattice: the leg grids and both passes of the dynamic programme.

    Built by :func:`sequence_grid`; reduced per arrival or per launch epoch by
    :meth:`by_arrival` and :meth:`by_launch` (the round-trip search joins
    these on the stay). Each cell keeps its cheapest past and future; a chain
    outside the duration limits is dropped cell by cell before the reduction
    (a dearer chain through the same cell that would fit is not looked for).
    """

    problem: _Problem
    lattice: _Lattice
    legs: list
    costs: _Costs
    arcs: int

    def by_arrival(self, min_days=None, max_days=None) -> ChainReduction:
        """Each arrival epoch's cheapest chain lasting ``min_days`` to ``max_days`` (days; None: no limit)."""
        lat, legs, costs = self.lattice, self.legs, self.costs
        last = legs[-1]
        ends = costs.ahead[-1] + costs.arrival
        r, c = np.nonzero(np.isfinite(ends))
        idx = _chains_back(legs, costs, r, c)
        keep = _within(lat, idx, min_days, max_days)
        return self._reduce(idx[keep, -1] - lat.lo(len(legs)), ends[r, c][keep], idx[keep],
                            lat.t[lat.lo(len(legs)):])

    def by_launch(self, min_days=None, max_days=None) -> ChainReduction:
        """Each launch epoch's cheapest chain lasting ``min_days`` to ``max_days`` (days; None: no limit)."""
        lat, legs, costs = self.lattice, self.legs, self.costs
        through = costs.departure + costs.behind[0]
        r, c = np.nonzero(np.isfinite(through))
        idx = _chains_on(legs, costs, r, c)
        keep = _within(lat, idx, min_days, max_days)
        return self._reduce(r[keep], through[r, c][keep], idx[keep], lat.t[:lat.n_launch])

    def _reduce(self, key, total, idx, t_key) -> ChainReduction:
        best = _first_per_key(key, total)
        out_total = np.full(t_key.size, np.inf)
        out_epochs = np.full((t_key.size, len(self.legs) + 1), np.nan)
        out_total[key[best]] = total[best]
        out_epochs[key[best]] = self.lattice.t[idx[best]]
        return ChainReduction(t_key.copy(), out_total, out_epochs)


def sequence_grid(p: _Problem, step: float, eph, advance=None, *, flyby_weight: float = 1.0,
                  tie_per_day: float = 0.0) -> SequenceGrid:
    """Every leg's Lambert grid on one lattice and both passes of the join (steps 1 and 2).

    Parameters
    ----------
    p : _Problem
        From :func:`sequence_problem`.
    flyby_weight : float
        The grid's cost counts each flyby burn this many times (> 1 favours
        chains near ballistic, the seeds of unpowered searches); its totals are
        then costs, not Δv.
    tie_per_day : float
        The grid's cost also counts each day of flight this much, km/s: among
        chains of equal Δv the shorter wins (its totals are then costs, not Δv).
    step : float
        Lattice step, days (checked).
    eph : Ephemeris
    advance : callable, optional
        ``advance(n)`` after each leg grid and after the joins (``2 n_legs - 1`` in all).

    Raises
    ------
    InputError, NoSolutionError, EphemerisRangeError
        As :func:`search_sequence`.
    """
    import dataclasses

    p = dataclasses.replace(p, flyby_weight=float(flyby_weight), tie_per_day=float(tie_per_day))
    lat = _lattice(p, step)
    cells = _check_size(p, lat)
    states = _states(eph, p, lat)
    legs = []
    for k in range(p.n_legs):
        legs.append(_leg_grid(k, lat, states))
        if advance is not None:
            advance(1)
    costs = _grid_costs(p, legs, step)
    if advance is not None:
        advance(p.n_legs - 1)
    return SequenceGrid(p, lat, legs, costs, int(cells))


def arc_bounds(bodies, t: float, *, longest: float | None = None, ephemeris=None) -> tuple:
    """Default (min, max) days of each arc of a sequence: 0.3 to 2 Hohmann transfer times between its bodies.

    The Hohmann time is that of the two bodies' osculating heliocentric
    semi-major axes at ``t`` (as the opportunity search sizes its grid).

    Parameters
    ----------
    bodies : sequence of str
        The sequence, e.g. ``["mars", "venus", "earth"]``.
    t : float
        Epoch of the semi-major axes, TDB s.
    longest : float, optional
        No arc longer than this, days.
    ephemeris : Ephemeris or str, optional

    Returns
    -------
    tuple of (float, float)
        One pair per arc, days.
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.transfer.opportunities import _mean_orbit

    eph = resolve_ephemeris(ephemeris)
    out = []
    for a, b in zip(bodies[:-1], bodies[1:]):
        a1, _ = _mean_orbit(eph, get_body(a), t)
        a2, _ = _mean_orbit(eph, get_body(b), t)
        hohmann = math.pi * math.sqrt((0.5 * (a1 + a2)) ** 3 / GM_SUN) / DAY
        hi = 2.0 * hohmann if longest is None else min(2.0 * hohmann, longest)
        out.append((min(0.3 * hohmann, hi), hi))
    return tuple(out)


def sequence_problem(bodies, launch, leg_days, *, min_flyby_alt_km=DEFAULT_MIN_FLYBY_ALT_KM, powered: bool = True,
                     departure_orbit_km=DEFAULT_PARKING_ALT_KM, arrival: str = "capture",
                     capture_orbit_km=DEFAULT_CAPTURE_ALT_KM, entry_interface_km: float = 125.0,
                     max_c3=None, max_arrival_vinf_kms=None, max_entry_speed_kms=None, max_total_days=None,
                     min_total_days=None, parking_inclination_deg=None, plane_change: str = "charge") -> _Problem:
    """A sequence search's problem, checked (the parameters of :func:`search_sequence`).

    Raises
    ------
    InputError
        A malformed parameter, named.
    """
    return _problem(bodies, launch, leg_days, min_flyby_alt_km, powered, departure_orbit_km, arrival,
                    capture_orbit_km, entry_interface_km, max_c3, max_arrival_vinf_kms, max_entry_speed_kms,
                    max_total_days, parking_inclination_deg, plane_change, min_total_days)


# ---------------------------------------------------------------------------
# the grid picture and the seeds of the refinement
# ---------------------------------------------------------------------------


def _by_launch(legs: list, costs: _Costs):
    """Each launch row's cheapest chain: (rows that have one, their totals, chains' lattice indices, leg-0 cells)."""
    through = costs.departure + costs.behind[0]  # every chain whose first leg is this cell
    rows = np.arange(through.shape[0])
    c = np.argmin(through, axis=1)
    has = np.isfinite(through[rows, c])
    return through, rows[has], through[rows[has], c[has]], _chains_on(legs, costs, rows[has], c[has]), c[has]


def _by_arrival(lat: _Lattice, legs: list, costs: _Costs):
    """Each arrival epoch's cheapest chain: (arrival offsets that have one, their totals, chains' lattice indices)."""
    last = legs[-1]
    ends = (costs.ahead[-1] + costs.arrival).ravel()  # every chain whose last leg is this cell
    rows, cols = np.divmod(np.arange(ends.size), last.ok.shape[1])
    a = last.lo + last.m0 + rows + cols - lat.lo(len(legs))
    order = np.lexsort((ends, a))
    first = order[np.r_[True, a[order][1:] != a[order][:-1]]]
    first = first[np.isfinite(ends[first])]
    return a[first], ends[first], _chains_back(legs, costs, rows[first], cols[first])


def _picture(p: _Problem, lat: _Lattice, legs: list, costs: _Costs):
    """The exact grid picture, a Dataset."""
    import xarray as xr

    from sojourn.time import tdb_to_datetime64

    through, l_rows, l_total, l_idx, l_cols = _by_launch(legs, costs)
    a_off, a_total, a_idx = _by_arrival(lat, legs, costs)
    n_arr = lat.t.size - lat.lo(p.n_legs)

    def spread(n, at, values, fill):
        out = np.full((n,) + np.shape(values)[1:], fill, dtype=np.asarray(values).dtype)
        out[at] = values
        return out

    nat = np.datetime64("NaT", "ms")
    when = tdb_to_datetime64
    c3 = np.linalg.norm(legs[0].v_dep[l_rows, l_cols], axis=-1) ** 2
    n_l = lat.n_launch
    grid = xr.Dataset(
        {"total_dv_kms": (("launch", "leg1_days"), np.where(np.isfinite(through), through, np.nan)),
         "best_total_dv_kms": (("launch",), spread(n_l, l_rows, l_total, np.nan)),
         "best_c3_km2s2": (("launch",), spread(n_l, l_rows, c3, np.nan)),
         "best_arrival": (("launch",), spread(n_l, l_rows, when(lat.t[l_idx[:, -1]]), nat)),
         "best_flyby_date": (("launch", "flyby"), spread(n_l, l_rows, when(lat.t[l_idx[:, 1:-1]]), nat)),
         "arrival_total_dv_kms": (("arrival",), spread(n_arr, a_off, a_total, np.nan)),
         "arrival_launch": (("arrival",), spread(n_arr, a_off, when(lat.t[a_idx[:, 0]]), nat)),
         "arrival_flyby_date": (("arrival", "flyby"), spread(n_arr, a_off, when(lat.t[a_idx[:, 1:-1]]), nat))},
        coords={"launch": when(lat.t[:n_l]), "leg1_days": (lat.m0[0] + np.arange(through.shape[1])) * lat.step,
                "arrival": when(lat.t[lat.lo(p.n_legs):]), "flyby": [b.name for b in p.bodies[1:-1]]},
        attrs={"sequence": "-".join(b.name for b in p.bodies), "step_days": lat.step,
               "total_dv_kms": "least total Δv over the chains whose first leg is that (launch, time of flight) cell",
               "best_total_dv_kms": "least total Δv over the chains launched that day (that chain's C3, "
                                    "arrival and flyby dates alongside)",
               "arrival_total_dv_kms": "least total Δv over the chains arriving that day (that chain's launch "
                                       "and flyby dates alongside)"},
    )
    return grid


def _seeds(p: _Problem, chains: ChainReduction, n: int) -> list:
    """The grid chains to refine: the cheapest launch dates at least :data:`SEPARATION_DAYS` apart."""
    has = np.flatnonzero(np.isfinite(chains.total))
    if has.size == 0:
        key = "max_total_days" if p.max_total_days is not None else "min_total_days"
        raise NoSolutionError("no grid chain within the limits on its whole duration", key)
    picks = []
    for i in has[np.argsort(chains.total[has], kind="stable")]:  # one chain a launch date, cheapest first
        t = chains.epochs[i, 0]
        if all(abs(t - chains.epochs[j, 0]) >= SEPARATION_DAYS * DAY - 1e-6 for j in picks):
            picks.append(i)
        if len(picks) == n:
            break
    return [chains.epochs[i] for i in picks]


# ---------------------------------------------------------------------------
# step 3: refinement of every epoch
# ---------------------------------------------------------------------------


class _Evaluator:
    """Costs, flybys and constraints of one set of epochs, remembered for the optimiser's repeated calls.

    The epoch variables are days: the launch from the window's start, then
    each leg's time of flight. :meth:`many` evaluates a batch of them at once
    (one ephemeris call per body, one Lambert call per leg), as a
    finite-difference gradient needs.
    """

    def __init__(self, p: _Problem, eph):
        self.p = p
        self.eph = eph
        self.mu = np.array([b.gm_km3s2 for b in p.bodies[1:-1]])
        self.rp_min = np.array(p.rp_min)
        self._memo = {}

    def epochs(self, x):
        x = np.asarray(x, dtype=float)
        return self.p.start + np.concatenate([[x[0]], x[0] + np.cumsum(x[1:])]) * DAY

    def __call__(self, x) -> dict | None:
        key = np.asarray(x, dtype=float).tobytes()
        if key not in self._memo:
            self.many(np.asarray(x, dtype=float)[None])
        return self._memo[key]

    def many(self, xs) -> list:
        """Evaluations of the rows of ``xs`` (epoch variables), remembered."""
        xs = np.atleast_2d(np.asarray(xs, dtype=float))
        keys = [x.tobytes() for x in xs]
        if len(self._memo) > 512:  # before looking: what is found stays found
            self._memo.clear()
        todo = [i for i, k in enumerate(keys) if k not in self._memo]
        if todo:
            found = self._evaluate_batch(np.array([self.epochs(xs[i]) for i in todo]))
            for i, e in zip(todo, found):
                self._memo[keys[i]] = e
        return [self._memo[k] for k in keys]

    def _evaluate(self, t) -> dict | None:
        """One set of epochs (TDB s)."""
        return self._evaluate_batch(np.asarray(t, dtype=float)[None])[0]

    def _evaluate_batch(self, T) -> list:
        """Sets of epochs (rows of T, TDB s): an evaluation dict each, or None (no Lambert arc, past the ephemeris).

        Each leg is prograde about its departure body's orbit normal at its own
        epoch; a batch solves a leg for every row about the first row's normal
        and solves again, alone, a row whose own normal would say otherwise
        (only a transfer within a hair of 180° can).
        """
        from sojourn.core.flyby import flyby_batch
        from sojourn.core.lambert import lambert_batch
        from sojourn.errors import EphemerisRangeError

        p, m = self.p, T.shape[0]
        try:
            rv = [self.eph.state(b, T[:, k]) for k, b in enumerate(p.bodies)]
        except EphemerisRangeError:
            return [None] * m if m == 1 else [self._evaluate(t) for t in T]
        r, v = np.stack([a for a, _ in rv], axis=1), np.stack([b for _, b in rv], axis=1)  # (m, n+1, 3)
        normals = np.cross(r[:, :-1], v[:, :-1])
        w1, w2 = np.empty((m, p.n_legs, 3)), np.empty((m, p.n_legs, 3))
        ok = np.ones(m, dtype=bool)
        alone = np.zeros(m, dtype=bool)
        for k in range(p.n_legs):
            w1[:, k], w2[:, k], st = lambert_batch(GM_SUN, r[:, k], r[:, k + 1], T[:, k + 1] - T[:, k],
                                                   reference=normals[0, k])
            ok &= st == 0
            h = np.cross(r[:, k], r[:, k + 1])
            alone |= np.sign(h @ normals[0, k]) != np.sign(np.einsum("ij,ij->i", h, normals[:, k]))
        vd, va = w1 - v[:, :-1], w2 - v[:, 1:]
        fb = None
        if p.n_legs > 1:
            nf = p.n_legs - 1
            fb = flyby_batch(np.tile(self.mu, m), va[:, :-1].reshape(-1, 3), vd[:, 1:].reshape(-1, 3),
                             np.tile(self.rp_min, m))
        # the end burns of every row in one call each (elementwise: the numbers row by row would give)
        vinf_arr = np.array([np.linalg.norm(a) for a in va[:, -1]])
        ends = (vinf_arr, *p.arrival_cost(vinf_arr), p.departure_dv(vd[:, 0]), p.plane_change_deg(vd[:, 0]))
        out = []
        for i in range(m):
            if alone[i] and m > 1:
                out.append(self._evaluate(T[i]))
            elif not ok[i]:
                out.append(None)
            else:
                row = None if fb is None else {key: val[i * nf:(i + 1) * nf] for key, val in fb.items()}
                out.append(self._assemble(T[i], r[i], v[i], normals[i], vd[i], va[i], row,
                                          [float(a[i]) for a in ends]))
        return out

    def _assemble(self, t, r, v, normals, vd, va, fb, ends) -> dict | None:
        """The evaluation dict of one set of epochs from its arcs' v∞, its flybys and its end burns.

        ``ends`` is (arrival v∞, arrival Δv, entry speed, departure Δv, plane change in degrees).
        """
        p = self.p
        if fb is not None and not np.all(np.isfinite(fb["dv"])):
            return None
        vinf_arr, dv_arr, entry, dep, plane_change = ends
        signed = np.zeros(0) if fb is None else np.sign(fb["vinf_out"] - fb["vinf_in"]) * fb["dv"]
        turn_dv = 0.0 if fb is None else float(np.sum(fb["turn_dv"]))
        ineq = [] if fb is None else list(fb["max_turn"] - fb["turn"] - _TURN_MARGIN_RAD)
        if p.max_c3 is not None:
            ineq.append(p.max_c3 - float(np.dot(vd[0], vd[0])))
        if p.max_arrival_vinf is not None:
            ineq.append(p.max_arrival_vinf - vinf_arr)
        if p.max_entry_speed is not None and p.arrival == "entry":
            ineq.append(p.max_entry_speed - entry)
        if p.max_total_days is not None:
            ineq.append(p.max_total_days - (t[-1] - t[0]) / DAY)
        if p.min_total_days is not None:
            ineq.append((t[-1] - t[0]) / DAY - p.min_total_days)
        if p.parking_inclination is not None and p.plane_change == "avoid":  # smooth: |DLA| within reach
            dla = math.degrees(math.asin(vd[0, 2] / np.linalg.norm(vd[0])))
            ineq.append(min(p.parking_inclination, 180.0 - p.parking_inclination) - abs(dla))
        eq = [] if (p.powered or fb is None) else list(fb["vinf_in"] - fb["vinf_out"])
        flyby_dv = float(np.sum(np.abs(signed))) + turn_dv
        return {"t": np.array(t), "r": r, "v": v, "normals": normals, "vd": vd, "va": va, "fb": fb, "dep": dep,
                "plane_change_deg": plane_change, "flyby_dv": flyby_dv, "signed": signed, "turn_dv": turn_dv,
                "vinf_arr": vinf_arr, "dv_arr": dv_arr, "entry": entry,
                "total": dep + flyby_dv + dv_arr, "ineq": np.array(ineq), "eq": np.array(eq)}

    def feasible(self, e) -> bool:
        if e is None:
            return False
        if e["fb"] is not None and not np.all(e["fb"]["status"] == 0):
            return False
        return bool(np.all(e["ineq"] >= -1e-7) and np.all(np.abs(e["eq"]) <= VINF_TOLERANCE_KMS))


class _Programme:
    """The refinement as a smooth nonlinear programme for SLSQP.

    Variables: the epoch variables (days) and, with powered flybys, one bound
    d_k (km/s) on each flyby's burn. The burn is |s_k|, s_k the signed
    periapsis burn, which has a kink where it vanishes - often at the optimum,
    a flyby that needs no burn, where a smooth optimiser stalls - so the
    programme minimises the sum of the d_k subject to d_k >= s_k and
    d_k >= -s_k (the epigraph form), which is smooth. Unpowered flybys have
    |v∞_in| = |v∞_out| as equality constraints and no burn. A turn beyond
    reach is kept out by its constraint alone (the repair impulse of
    :mod:`sojourn.core.flyby` would put a kink in the objective right where
    that constraint binds, at a flyby on its lowest altitude). Gradients are
    central differences of :data:`_FD_DAYS` (one-sided at a bound).

    ``ev(x)`` gives an evaluation dict (``signed``, ``ineq``, ``eq`` and what
    ``objective(e, d)`` reads; default the sequence's total Δv);
    ``extra_ineq(e, d)``, if given, adds inequalities (>= 0) of the caller's,
    written with the burns' bounds d where they involve burns (a limit on a
    sum of burns stays smooth that way).
    """

    def __init__(self, ev, x_bounds: list, start: dict, powered: bool, objective=None, extra_ineq=None,
                 max_iter: int = _MAX_ITER):
        self.ev = ev
        self.max_iter = max_iter
        self.nx = len(x_bounds)
        self.nd = start["signed"].size if powered else 0
        self.bounds = list(x_bounds) + [(0.0, math.inf)] * self.nd
        self.objective = objective or (lambda e, d: e["dep"] + e["dv_arr"] + float(np.sum(d)))
        self.extra_ineq = extra_ineq  # (e, d) -> array >= 0, or None
        n_limits = 0 if extra_ineq is None else np.size(extra_ineq(start, np.abs(start["signed"])))
        self.n_ineq = start["ineq"].size + 2 * self.nd + n_limits
        self.n_eq = start["eq"].size
        self._grads = {}

    def start(self, x0, e0):
        return np.concatenate([x0, np.abs(e0["signed"]) if self.nd else []])

    def values(self, z):
        e = self.ev(z[:self.nx])
        if e is None:
            return _PENALTY, -np.ones(self.n_ineq), np.ones(self.n_eq)
        d = z[self.nx:] if self.nd else np.abs(e["signed"])
        ineq = [e["ineq"]]
        if self.nd:
            ineq += [d - e["signed"], d + e["signed"]]
        if self.extra_ineq is not None:
            ineq.append(np.atleast_1d(self.extra_ineq(e, d)))
        return float(self.objective(e, d)), np.concatenate(ineq), e["eq"]

    def gradients(self, z):
        key = np.asarray(z, dtype=float).tobytes()
        if key not in self._grads:
            if len(self._grads) > 64:
                self._grads.clear()
            z = np.asarray(z, dtype=float)
            g, gi, ge = np.empty(z.size), np.empty((self.n_ineq, z.size)), np.empty((self.n_eq, z.size))
            self._prefetch(z)
            for i, (lo, hi) in enumerate(self.bounds):
                up = _FD_DAYS if z[i] + _FD_DAYS <= hi else 0.0
                down = _FD_DAYS if z[i] - _FD_DAYS >= lo else 0.0
                if up + down == 0.0:  # a variable its bounds (nearly) fix: it does not move
                    g[i], gi[:, i], ge[:, i] = 0.0, 0.0, 0.0
                    continue
                zp, zm = z.copy(), z.copy()
                zp[i] += up
                zm[i] -= down
                (fp, ip, ep), (fm, im, em) = self.values(zp), self.values(zm)
                g[i], gi[:, i], ge[:, i] = ((a - b) / (up + down) for a, b in ((fp, fm), (ip, im), (ep, em)))
            self._grads[key] = (g, gi, ge)
        return self._grads[key]

    def _prefetch(self, z):
        """Evaluate every point of the gradient at ``z`` in one batch, when the evaluator can."""
        many = getattr(self.ev, "many", None)
        if many is None:
            return
        xs = []
        for i, (lo, hi) in enumerate(self.bounds[:self.nx]):
            for step in (_FD_DAYS if z[i] + _FD_DAYS <= hi else 0.0, -(_FD_DAYS if z[i] - _FD_DAYS >= lo else 0.0)):
                x = z[:self.nx].copy()
                x[i] += step
                xs.append(x)
        many(np.array(xs))

    def solve(self, z0):
        from scipy.optimize import minimize

        cons = []
        if self.n_ineq:
            cons.append({"type": "ineq", "fun": lambda z: self.values(z)[1], "jac": lambda z: self.gradients(z)[1]})
        if self.n_eq:
            cons.append({"type": "eq", "fun": lambda z: self.values(z)[2], "jac": lambda z: self.gradients(z)[2]})
        bounds = [(lo, None if math.isinf(hi) else hi) for lo, hi in self.bounds]
        res = minimize(lambda z: self.values(z)[0], z0, method="SLSQP", jac=lambda z: self.gradients(z)[0],
                       bounds=bounds, constraints=cons, options={"maxiter": self.max_iter, "ftol": 1e-12})
        return res.x[:self.nx]


def _refine(ev: _Evaluator, t_seed: np.ndarray, refine: bool):
    """The seed chain refined in every epoch: (evaluation, refined) or None when neither is feasible."""
    p = ev.p
    x0 = np.concatenate([[(t_seed[0] - p.start) / DAY], np.diff(t_seed) / DAY])
    start = ev(x0)
    if refine and start is not None:
        bounds = [(0.0, (p.end - p.start) / DAY)] + list(p.leg_days)
        x0 = np.clip(x0, [b[0] for b in bounds], [b[1] for b in bounds])
        prog = _Programme(ev, bounds, start, p.powered)
        e = ev(prog.solve(prog.start(x0, start)))
        if ev.feasible(e) and (not ev.feasible(start) or e["total"] <= start["total"] + 1e-12):
            return e, True
    return (start, False) if ev.feasible(start) else None


def _transfer(p: _Problem, e: dict, refined: bool) -> SequenceTransfer:
    """The result record of one evaluated chain."""
    t, r, vd, va, fb = e["t"], e["r"], e["vd"], e["va"], e["fb"]
    when = [tdb_to_datetime(x) for x in t]
    speed_d, speed_a = np.linalg.norm(vd, axis=1), np.linalg.norm(va, axis=1)
    type_ii = np.einsum("ij,ij->i", np.cross(r[:-1], r[1:]), e["normals"]) < 0.0
    dla = np.degrees(np.arcsin(vd[:, 2] / speed_d))
    legs = tuple(SequenceLeg(p.bodies[k].name, p.bodies[k + 1].name, when[k], when[k + 1], float(t[k]),
                             float(t[k + 1]), float(speed_d[k]), float(speed_a[k]), "II" if type_ii[k] else "I",
                             float(dla[k]))
                 for k in range(p.n_legs))
    flybys = []
    for k, body in enumerate(p.bodies[1:-1]):
        flybys.append(Flyby(
            body=body.name, date=when[k + 1], t_tdb=float(t[k + 1]), altitude_km=float(fb["rp"][k] - body.radius_km),
            periapsis_radius_km=float(fb["rp"][k]), min_altitude_km=float(p.rp_min[k] - body.radius_km),
            vinf_in_kms=float(fb["vinf_in"][k]), vinf_out_kms=float(fb["vinf_out"][k]),
            turn_angle_deg=math.degrees(fb["turn"][k]), max_turn_angle_deg=math.degrees(fb["max_turn"][k]),
            dv_kms=float(fb["dv"][k]), b_km=float(fb["b"][k]), bt_km=float(fb["bt"][k]), br_km=float(fb["br"][k])))
    v0 = vd[0]
    return SequenceTransfer(
        bodies=tuple(b.name for b in p.bodies), legs=legs, flybys=tuple(flybys), c3_km2s2=float(np.dot(v0, v0)),
        dla_deg=math.degrees(math.asin(v0[2] / speed_d[0])), rla_deg=math.degrees(math.atan2(v0[1], v0[0])) % 360.0,
        departure_dv_kms=e["dep"], flyby_dv_kms=e["flyby_dv"], arrival_vinf_kms=e["vinf_arr"],
        arrival_dv_kms=e["dv_arr"], entry_speed_kms=e["entry"], total_dv_kms=e["total"], refined=refined)


# ---------------------------------------------------------------------------
# the search
# ---------------------------------------------------------------------------


def search_sequence(bodies, launch, leg_days, *, min_flyby_alt_km=DEFAULT_MIN_FLYBY_ALT_KM, powered: bool = True,
                    departure_orbit_km=DEFAULT_PARKING_ALT_KM, arrival: str = "capture",
                    capture_orbit_km=DEFAULT_CAPTURE_ALT_KM, entry_interface_km: float = 125.0,
                    max_c3: float | None = None, max_arrival_vinf_kms: float | None = None,
                    max_entry_speed_kms: float | None = None, max_total_days: float | None = None,
                    step_days: float = 1.0, refine: bool = True, n_refine: int = 3, ephemeris=None,
                    progress=None, min_total_days: float | None = None,
                    parking_inclination_deg: float | None = None, plane_change: str = "charge") -> SequenceSearch:
    """The least-Δv transfer through a sequence of bodies launched in a window.

    Parameters
    ----------
    bodies : sequence of str
        Departure body, flyby bodies, arrival body: ``["earth", "venus", "mars"]``.
    launch : str or (start, end)
        Launch window, ``"2030-01-01:2030-12-31"`` (UTC) or TDB seconds.
    leg_days : sequence of (float, float)
        (shortest, longest) time of flight of each leg, days.
    min_flyby_alt_km : float or sequence of float
        Lowest periapsis altitude above each flyby body's equatorial radius, km.
    powered : bool
        Allow a burn at each flyby's periapsis (True), or fly them unpowered
        (|v∞_in| = |v∞_out| within :data:`VINF_TOLERANCE_KMS`, found by the
        refinement: the grid only ranks the chains by their burns).
    departure_orbit_km : float or (float, float) or None
        Parking orbit the first burn leaves: a circular altitude, or
        (periapsis, apoapsis) altitudes with the burn at periapsis, km. None
        counts the departure v∞ itself (the launch vehicle's C3) as the cost.
    arrival : {"capture", "entry", "vinf"}
        End with a capture burn into ``capture_orbit_km``, with an atmospheric
        entry at ``entry_interface_km`` (no burn), or count the arrival v∞.
    capture_orbit_km : float or (float, float)
        Capture orbit altitude, or (periapsis, apoapsis) altitudes, km.
    entry_interface_km : float
        Entry interface altitude above the arrival body's equatorial radius, km.
    max_c3 : float, optional
        Launch energy cap, km²/s².
    max_arrival_vinf_kms, max_entry_speed_kms : float, optional
        Caps on the arrival v∞ and (with ``arrival="entry"``) the inertial entry speed, km/s.
    max_total_days, min_total_days : float, optional
        Longest and shortest transfer, launch to arrival, days.
    step_days : float
        Lattice step of every epoch on the grid, days.
    refine : bool
        Refine the best grid chains in every epoch (False keeps the grid's;
        not with unpowered flybys, which only the refinement finds).
    n_refine : int
        How many grid chains (launches at least a week apart) are refined.
    ephemeris : Ephemeris or str, optional
        Default DE421.
    progress : callable, optional
        ``progress(done, total, label)`` (:mod:`sojourn.progress`).
    parking_inclination_deg : float, optional
        Inclination of the departure parking orbit to the departure body's
        equator (taken as the ICRF equator), degrees: a departure asymptote of
        declination beyond it needs a plane change.
    plane_change : {"charge", "avoid"}
        With ``parking_inclination_deg``: add that plane change to the
        departure burn (one combined burn at periapsis), or keep to the
        asymptotes the orbit reaches.

    Returns
    -------
    SequenceSearch

    Raises
    ------
    InputError
        A malformed body list, window, bound, altitude, limit or step (named
        by its parameter).
    NoSolutionError
        No chain within the limits; ``where`` names the limit that emptied the
        search.
    EphemerisRangeError
        Epochs outside the ephemeris.

    Examples
    --------
    >>> found = search_sequence(["earth", "venus", "mars"], "2030-08-01:2030-12-31",
    ...                         [(80, 200), (100, 300)], step_days=5.0)  # doctest: +SKIP
    >>> found.best.flybys[0].altitude_km  # doctest: +SKIP
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.progress import reporting
    from sojourn import checks

    p = _problem(bodies, launch, leg_days, min_flyby_alt_km, powered, departure_orbit_km, arrival, capture_orbit_km,
                 entry_interface_km, max_c3, max_arrival_vinf_kms, max_entry_speed_kms, max_total_days,
                 parking_inclination_deg, plane_change, min_total_days)
    step = checks.step_days(step_days)
    if not p.powered and not refine:
        raise InputError("unpowered flybys are found by the refinement (the grid ranks chains by their flyby burns): "
                         "keep refine=True", "refine")
    if not (isinstance(n_refine, (int, np.integer)) and n_refine >= 1):
        raise InputError(f"n_refine must be a whole number of at least 1, not {n_refine!r}", "n_refine")
    eph = resolve_ephemeris(ephemeris)
    with reporting(progress, 2 * p.n_legs - 1 + n_refine, "sequence search steps") as advance:
        sg = sequence_grid(p, step, eph, advance)
        lat, legs, costs, cells = sg.lattice, sg.legs, sg.costs, sg.arcs
        grid = _picture(p, lat, legs, costs)
        ev = _Evaluator(p, eph)
        found = []
        for t_seed in _seeds(p, sg.by_launch(p.min_total_days, p.max_total_days), n_refine):
            out = _refine(ev, t_seed, refine)
            if out is not None:
                found.append(_transfer(p, *out))
            advance(1)
    if not found:
        raise NoSolutionError("no unpowered flybys (|v∞ in| = |v∞ out|) near the grid's best chains: allow powered "
                              "flybys or widen the window", "powered")
    found = _distinct(sorted(found, key=lambda s: s.total_dv_kms))
    return SequenceSearch(best=found[0], alternatives=tuple(found[1:]), grid=grid, settings=_settings(p, step,
                          departure_orbit_km, capture_orbit_km, entry_interface_km, n_refine, refine),
                          ephemeris=eph.name, arcs=int(cells), flyby_combinations=costs.combinations,
                          flyby_evaluations=costs.evaluations, assumptions=_assumptions(p, eph.name, step))


def _distinct(transfers: list) -> list:
    """Drop refined chains that converged onto a better one (every epoch within a day of it)."""
    kept = []
    for s in transfers:
        if all(np.max(np.abs(np.subtract(s.epochs_tdb, k.epochs_tdb))) > DAY for k in kept):
            kept.append(s)
    return kept


def _settings(p: _Problem, step, departure_orbit_km, capture_orbit_km, entry_interface_km, n_refine, refine) -> dict:
    from sojourn.time import tdb_to_utc_iso

    return {
        "bodies": [b.name for b in p.bodies],
        "launch": [tdb_to_utc_iso(p.start, "minute"), tdb_to_utc_iso(p.end, "minute")],
        "leg_days": [list(x) for x in p.leg_days],
        "min_flyby_alt_km": [rp - b.radius_km for rp, b in zip(p.rp_min, p.bodies[1:-1])],
        "powered": p.powered, "departure_orbit_km": departure_orbit_km, "arrival": p.arrival,
        "capture_orbit_km": capture_orbit_km if p.arrival == "capture" else None,
        "entry_interface_km": float(entry_interface_km) if p.arrival == "entry" else None,
        "max_c3": p.max_c3, "max_arrival_vinf_kms": p.max_arrival_vinf, "max_entry_speed_kms": p.max_entry_speed,
        "max_total_days": p.max_total_days, "step_days": step, "refine": refine, "n_refine": n_refine,
    }


def _assumptions(p: _Problem, eph_name: str, step: float) -> tuple:
    dep = ("departure Δv: one tangential burn at the periapsis of the parking orbit (its plane assumed to hold "
           "the departure asymptote)" if p.departure_orbit is not None else "departure cost: the departure v∞ itself")
    arr = {"capture": "arrival Δv: one tangential capture burn at periapsis into the capture orbit",
           "entry": "arrival by atmospheric entry: no burn; entry speed inertial at the interface",
           "vinf": "arrival cost: the arrival v∞ itself"}[p.arrival]
    return (
        f"ephemeris {eph_name}; patched conics: zero-revolution Lambert arcs about the Sun, prograde about each "
        "departure body's orbit normal, joined by instantaneous flybys",
        "flybys " + ("powered by one tangential burn at periapsis when |v∞| must change (the turn is the sum of the "
                     "two hyperbolas' half-turns)" if p.powered else "unpowered: |v∞ in| = |v∞ out|")
        + "; no flyby periapsis below the lowest altitude allowed; no upper limit (a very distant periapsis "
          "means the body barely matters)",
        dep, arr,
        f"grid: every epoch on a lattice of {step:g} UTC day(s) from the window's start; each leg's cell keeps only "
        "its cheapest past, so a limit on the total duration is applied to the grid's chains as found and exactly "
        "in the refinement",
        "refinement: SLSQP (scipy) on the launch epoch and every leg's time of flight, flyby epochs included, "
        "from the grid's best chains launching at least a week apart",
    )
