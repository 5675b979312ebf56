"""A crewed round trip as data: its timeline, burns, legs, propellant and alternatives.

:func:`plan` searches a scenario's launch window and returns a :class:`Plan`;
:func:`survey` does the same for every opportunity in a span of years. Plots,
reports and exports draw from these results and never recompute them.
"""

from __future__ import annotations

import datetime as _dt
import math
import html
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from sojourn.errors import EphemerisRangeError, NoSolutionError
from sojourn.results import Result, json_safe, rounded, utc_text
from sojourn.time import DAY, tdb_to_datetime

BURN_LABELS = {
    "earth_departure": "Trans-Mars injection (Earth departure)",
    "mars_arrival": "Mars orbit insertion",
    "mars_departure": "Trans-Earth injection (Mars departure)",
    "earth_arrival": "Earth orbit insertion",
}


def burn_label(name: str) -> str:
    """What a mission designer calls a burn (a flyby burn: ``"Venus flyby burn (return)"``)."""
    if name in BURN_LABELS:
        return BURN_LABELS[name]
    leg, _, rest = name.partition("_")
    body, _, nth = rest.partition("_flyby")
    return f"{body.capitalize()} flyby burn{' ' + nth.lstrip('_') if nth else ''} ({leg})"


def flyby_event_name(flyby) -> str:
    """The timeline's name of a flyby: ``"Venus flyby (1 626 km)"`` (periapsis altitude)."""
    return f"{flyby.body.capitalize()} flyby ({flyby.altitude_km:,.0f} km)".replace(",", " ")


@dataclass(frozen=True)
class Event(Result):
    """One moment of the mission timeline.

    Attributes
    ----------
    name : str
        What happens, e.g. ``"Mars arrival"``.
    t : float
        When, TDB seconds past J2000.
    t_received : float or None
        When its signal reaches Earth, TDB seconds past J2000: ``t`` plus the
        one-way light time from the crew to Earth (:mod:`sojourn.mission.surface`).
    mars : SiteTime or None
        For an event at Mars when the scenario names a landing site: its local
        solar time there, Ls, Mars year and mission sol
        (:class:`sojourn.mission.surface.SiteTime`).
    """

    name: str
    t: float
    t_received: Optional[float] = None
    mars: Optional[Any] = None

    @property
    def date(self) -> _dt.datetime:
        """When, as a UTC datetime (timezone-aware, to the millisecond)."""
        return tdb_to_datetime(self.t)

    @property
    def received(self) -> Optional[_dt.datetime]:
        """When Earth hears of it, as a UTC datetime (None when not computed)."""
        return None if self.t_received is None else tdb_to_datetime(self.t_received)

    @property
    def light_time_s(self) -> Optional[float]:
        """One-way light time from the event to Earth, s (None when not computed)."""
        return None if self.t_received is None else self.t_received - self.t

    def to_dict(self) -> dict:
        row = {"name": self.name, "date": utc_text(self.date, "minute")}
        if self.t_received is not None:
            row.update(received=utc_text(self.received, "minute"), light_time_s=round(float(self.light_time_s), 3))
        if self.mars is not None:
            row["mars"] = self.mars.to_dict()
        return row

    def summary(self) -> list[tuple[str, str]]:
        return [("name", self.name), ("date", utc_text(self.date, "minute"))]


@dataclass(frozen=True)
class Burn(Result):
    """One impulsive burn and what it costs the vessel.

    Attributes
    ----------
    name : str
        ``earth_departure``, ``mars_arrival``, ``mars_departure`` or ``earth_arrival``.
    label : str
        What a mission designer calls it (``"Mars orbit insertion"``).
    t : float
        When, TDB seconds past J2000.
    dv_kms : float
        Velocity change, km/s (0 for an arrival by atmospheric entry).
    stage : str or None
        The stage that performs it (None when the vessel has no stages).
    propellant_kg, stage_left_kg : float or None
        Propellant it uses, and what its stage has left after it, kg.
    """

    name: str
    label: str
    t: float
    dv_kms: float
    stage: Optional[str] = None
    propellant_kg: Optional[float] = None
    stage_left_kg: Optional[float] = None

    @property
    def date(self) -> _dt.datetime:
        """When, as a UTC datetime."""
        return tdb_to_datetime(self.t)

    def to_dict(self) -> dict:
        row = {"name": self.name, "label": self.label, "date": utc_text(self.date, "minute"), "dv_kms": self.dv_kms}
        if self.stage is not None:
            row.update(stage=self.stage, propellant_kg=self.propellant_kg, stage_left_kg=self.stage_left_kg)
        return row

    def summary(self) -> list[tuple[str, str]]:
        return [("burn", self.label), ("dv_kms", f"{self.dv_kms:.3f}")]


@dataclass(frozen=True)
class Leg(Result):
    """One heliocentric transit of a plan: a ballistic Lambert arc between two bodies.

    Attributes
    ----------
    origin, destination : str
        Canonical body names.
    t_depart, t_arrive : float
        Departure and arrival, TDB seconds past J2000.
    tof_days : float
        Time of flight, days.
    c3 : float
        Departure C3 = v∞², km²/s².
    vinf_departure, vinf_arrival : float
        Hyperbolic excess speeds, km/s.
    dla_deg : float
        Declination of the departure asymptote (ICRF), degrees.
    transfer_type : str
        ``"I"`` or ``"II"``: under or over 180 degrees of transfer angle; for a
        leg through flybys, its arcs' types joined by ``-`` (``"II-I"``).
    entry_speed_kms : float
        Inertial speed at the destination's entry interface, km/s.
    lowthrust : LowThrustLeg or None
        For a vessel with electric propulsion, the optimised and verified
        low-thrust leg flown (:mod:`sojourn.mission.electric`); ``transfer_type``
        is then ``"low-thrust"`` and the v-infinities are the leg's.
    segments : tuple of Leg
        For a leg that flies by other bodies, its arcs in flight order (one
        Lambert arc between each pair of bodies); empty for a direct leg, which
        is its own arc (:attr:`arcs`).
    flybys : tuple of Flyby
        The flybys between the arcs (:class:`sojourn.transfer.sequence.Flyby`:
        body, date, altitude, turn, burn, B-plane).
    """

    origin: str
    destination: str
    t_depart: float
    t_arrive: float
    tof_days: float
    c3: float
    vinf_departure: float
    vinf_arrival: float
    dla_deg: float
    transfer_type: str
    entry_speed_kms: float
    segments: tuple = ()
    flybys: tuple = ()
    lowthrust: Any = field(default=None, repr=False, compare=False)

    @property
    def arcs(self) -> tuple:
        """The leg's Lambert arcs in flight order: its segments, or the leg itself when it is direct."""
        return self.segments or (self,)

    @property
    def via(self) -> tuple:
        """The bodies flown by, in order (empty for a direct leg)."""
        return tuple(f.body for f in self.flybys)

    @property
    def depart(self) -> _dt.datetime:
        """Departure, UTC."""
        return tdb_to_datetime(self.t_depart)

    @property
    def arrive(self) -> _dt.datetime:
        """Arrival, UTC."""
        return tdb_to_datetime(self.t_arrive)

    @classmethod
    def between(cls, origin, destination, depart, arrive, *, ephemeris=None) -> "Leg":
        """The ballistic leg between two bodies on two dates (entry speed at the default interface).

        Parameters
        ----------
        origin, destination : str
            Body names.
        depart, arrive : str, datetime, numpy.datetime64 or float
            UTC dates, or TDB seconds past J2000.
        ephemeris : Ephemeris or str, optional

        Raises
        ------
        InputError
            Dates out of order, or two bodies that cannot be a transfer's ends.
        NoSolutionError
            No ballistic transfer between those dates.
        """
        from sojourn import checks
        from sojourn.constants import ENTRY_INTERFACE_ALTITUDE_KM
        from sojourn.core.patched_conics import entry_speed
        from sojourn.errors import InputError
        from sojourn.transfer.ballistic import transfers

        a, b = checks.transfer_bodies(origin, destination)
        t1, t2 = checks.epoch(depart, "depart"), checks.epoch(arrive, "arrive")
        if not t2 > t1:
            raise InputError("the arrival must come after the departure", "arrive")
        res = {k: v[0] for k, v in transfers(a, b, t1, t2, ephemeris=ephemeris).items()}
        if res["status"] != 0:
            raise NoSolutionError(f"no ballistic transfer from {a.name} to {b.name} between these dates", "arrive")
        res["entry_speed"] = float(entry_speed(b.gm_km3s2, res["vinf_arrival"],
                                               b.radius_km + ENTRY_INTERFACE_ALTITUDE_KM))
        return _leg(a.name, b.name, t1, t2, res)

    def to_dict(self) -> dict:
        return {
            "from": self.origin, "to": self.destination,
            "depart": utc_text(self.depart, "minute"), "arrive": utc_text(self.arrive, "minute"),
            "tof_days": self.tof_days, "c3": self.c3, "vinf_departure": self.vinf_departure,
            "vinf_arrival": self.vinf_arrival, "dla_deg": self.dla_deg, "transfer_type": self.transfer_type,
            "entry_speed_kms": self.entry_speed_kms, "via": list(self.via),
            "flybys": [f.to_dict() for f in self.flybys], "segments": [a.to_dict() for a in self.segments],
        } | ({} if self.lowthrust is None else {"lowthrust": self.lowthrust.to_dict()})

    def summary(self) -> list[tuple[str, str]]:
        return [("leg", f"{self.origin} → {self.destination}"), ("depart", utc_text(self.depart, "date")),
                ("days", f"{self.tof_days:.0f}"), ("c3", f"{self.c3:.2f}")]


@dataclass(frozen=True)
class RoundTrip(Result):
    """A round trip's four epochs, its duration and Δv: a runner-up or a point of the Pareto front.

    Attributes
    ----------
    t_launch, t_mars_arrival, t_mars_departure, t_earth_arrival : float
        TDB seconds past J2000 (the destination and origin of the scenario,
        named for the usual Earth–Mars case).
    total_dv_kms : float
        All burns, km/s.
    t_flybys : tuple of float
        Every flyby's epoch in flight order, TDB s (empty without flybys).
    """

    t_launch: float
    t_mars_arrival: float
    t_mars_departure: float
    t_earth_arrival: float
    total_dv_kms: float
    t_flybys: tuple = ()

    @classmethod
    def of(cls, candidate) -> "RoundTrip":
        """From a search candidate (:class:`sojourn.mission.roundtrip.Candidate`)."""
        return cls(candidate.t_launch, candidate.t_mars_arrival, candidate.t_mars_departure,
                   candidate.t_earth_arrival, candidate.total_dv_kms,
                   tuple(candidate.t_out_flybys) + tuple(candidate.t_ret_flybys))

    @property
    def launch(self) -> _dt.datetime:
        """Launch, UTC."""
        return tdb_to_datetime(self.t_launch)

    @property
    def total_days(self) -> float:
        """Launch to return, days."""
        return (self.t_earth_arrival - self.t_launch) / 86400.0

    @property
    def stay_days(self) -> float:
        """At the destination, days."""
        return (self.t_mars_departure - self.t_mars_arrival) / 86400.0

    def to_dict(self) -> dict:
        day = lambda t: utc_text(tdb_to_datetime(t), "date")  # noqa: E731
        return {
            "launch": day(self.t_launch), "mars_arrival": day(self.t_mars_arrival),
            "mars_departure": day(self.t_mars_departure), "earth_arrival": day(self.t_earth_arrival),
            "stay_days": round(self.stay_days, 2), "total_days": round(self.total_days, 2),
            "total_dv_kms": self.total_dv_kms, "flyby_dates": [day(t) for t in self.t_flybys],
        }

    def summary(self) -> list[tuple[str, str]]:
        return [("launch", utc_text(self.launch, "date")), ("total_days", f"{self.total_days:.0f}"),
                ("total_dv_kms", f"{self.total_dv_kms:.2f}")]


@dataclass(frozen=True)
class LaunchGeometry(Result):
    """The launch asymptote seen from the parking orbit, and what its plane change costs.

    Attributes
    ----------
    dla_deg : float
        Declination of the departure asymptote (ICRF), degrees.
    parking_inclination_deg : float or None
        The parking orbit's inclination (None: not given, every asymptote is
        taken to lie in its plane).
    plane_change_deg : float
        Plane change the asymptote needs, max(0, |DLA| - i), degrees.
    dv_penalty_kms : float
        What it adds to the departure burn (one combined burn at periapsis), km/s.
    policy : {"charge", "avoid", "none"}
        ``[departure] plane_change``; ``"none"`` without an inclination.
    """

    dla_deg: float
    parking_inclination_deg: Optional[float]
    plane_change_deg: float
    dv_penalty_kms: float
    policy: str

    def to_dict(self) -> dict:
        return json_safe({"dla_deg": self.dla_deg, "parking_inclination_deg": self.parking_inclination_deg,
                          "plane_change_deg": self.plane_change_deg, "dv_penalty_kms": self.dv_penalty_kms,
                          "policy": self.policy})

    def summary(self) -> list[tuple[str, str]]:
        return [("dla", f"{self.dla_deg:.1f}°"), ("plane change", f"{self.plane_change_deg:.1f}°"),
                ("penalty", f"{self.dv_penalty_kms:.3f} km/s")]


@dataclass(frozen=True)
class Plan(Result):
    """A round trip chosen by the search: its timeline, burns, legs and propellant.

    Attributes
    ----------
    scenario_name, objective, ephemeris : str
        The mission's name, what the search minimised, and the ephemeris used.
    events : tuple of Event
        The timeline, in time order.
    burns : tuple of Burn
        In flight order.
    legs : tuple of Leg
        Outbound and return.
    total_dv_kms, total_days, stay_days : float
        All burns (km/s); launch to return and time at the destination (days).
    budget : Budget
        The propellant budget (:class:`sojourn.mission.vehicle.Budget`).
    surface : SurfaceStay or None
        The stay at the scenario's landing site in Mars time: sols, daylight,
        dust-storm season (:class:`sojourn.mission.surface.SurfaceStay`); None
        without a ``[surface]`` table.
    alternatives, pareto : tuple of RoundTrip
        Runners-up, and the front of total Δv against total days.
    warnings, assumptions : tuple of str
    launch_geometry : LaunchGeometry or None
        The departure asymptote against the parking orbit, and its plane change's cost.
    scenario : Scenario
        The scenario planned (not part of :meth:`to_dict`).

    Examples
    --------
    >>> import sojourn as sj
    >>> p = sj.plan("examples/ulysses.toml")
    >>> [e.name for e in p.events][:2]
    ['Launch: trans-Mars injection from 400 km parking orbit', 'Mars arrival']
    >>> 5.0 < p.total_dv_kms < 8.0
    True
    """

    scenario_name: str
    objective: str
    ephemeris: str
    events: tuple
    burns: tuple
    legs: tuple
    total_dv_kms: float
    total_days: float
    stay_days: float
    budget: Any
    surface: Optional[Any] = None
    alternatives: tuple = ()
    pareto: tuple = ()
    warnings: tuple = ()
    assumptions: tuple = ()
    launch_geometry: Optional[LaunchGeometry] = None
    scenario: Any = field(default=None, repr=False, compare=False)

    @property
    def flybys(self) -> tuple:
        """Every flyby of the mission in flight order (:class:`sojourn.transfer.sequence.Flyby`)."""
        return tuple(f for leg in self.legs for f in leg.flybys)

    @property
    def launch(self) -> _dt.datetime:
        """Launch, UTC."""
        return self.legs[0].depart

    @property
    def home(self) -> _dt.datetime:
        """Arrival back at the origin, UTC."""
        return self.legs[-1].arrive

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario_name,
            "objective": self.objective,
            "ephemeris": self.ephemeris,
            "launch": utc_text(self.launch, "date"),
            "events": [e.to_dict() for e in self.events],
            "burns": [b.to_dict() for b in self.burns],
            "legs": [leg.to_dict() for leg in self.legs],
            "total_dv_kms": self.total_dv_kms,
            "total_days": self.total_days,
            "stay_days": self.stay_days,
            "propellant": self.budget.to_dict(),
            "surface": None if self.surface is None else self.surface.to_dict(),
            "alternatives": [a.to_dict() for a in self.alternatives],
            "pareto": [a.to_dict() for a in self.pareto],
            "warnings": list(self.warnings),
            "assumptions": list(self.assumptions),
            "flybys": [dict(f.to_dict(), leg=("outbound", "return")[k]) for k, leg in enumerate(self.legs)
                       for f in leg.flybys],
            "launch_geometry": None if self.launch_geometry is None else self.launch_geometry.to_dict(),
        }

    def summary(self) -> list[tuple[str, str]]:
        return [("scenario", self.scenario_name), ("launch", utc_text(self.launch, "date")),
                ("home", utc_text(self.home, "date")), ("total_days", f"{self.total_days:.0f}"),
                ("stay_days", f"{self.stay_days:.0f}"), ("total_dv_kms", f"{self.total_dv_kms:.2f}")]

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = "".join(f"<tr><td>{esc(utc_text(e.date, 'minute'))}</td><td>{esc(utc_text(e.received, 'minute') or '')}"
                       f"</td><td>{esc(e.name)}</td></tr>" for e in self.events)
        burns = "".join(f"<tr><td>{esc(b.label)}</td><td style='text-align:right'>{b.dv_kms:.3f}</td></tr>"
                        for b in self.burns)
        warn = "".join(f"<li>{esc(w)}</li>" for w in self.warnings)
        return (super()._repr_html_()
                + f"<table><caption style='text-align:left'>Timeline (UTC; when Earth hears)</caption>{rows}</table>"
                + f"<table><caption style='text-align:left'>Burns (km/s)</caption>{burns}</table>"
                + (f"<p>Warnings:</p><ul>{warn}</ul>" if warn else ""))


# ---------------------------------------------------------------------------------------------
# building a plan from the search


def _leg(origin: str, destination: str, t1: float, t2: float, res: dict) -> Leg:
    return Leg(origin, destination, float(t1), float(t2), float(res["tof_days"]), float(res["c3"]),
               float(res["vinf_departure"]), float(res["vinf_arrival"]), float(res["dla_deg"]),
               "II" if bool(res["type_ii"]) else "I", float(res["entry_speed"]))


def _arc(a, r_interface: float) -> Leg:
    """One Lambert arc of a sequence (:class:`sojourn.transfer.sequence.SequenceLeg`) as a Leg."""
    from sojourn.bodies import get_body
    from sojourn.core.patched_conics import entry_speed

    body = get_body(a.to)
    vinf = a.vinf_departure_kms
    return Leg(a.frm, a.to, a.t_depart, a.t_arrive, a.tof_days, vinf * vinf, vinf, a.vinf_arrival_kms,
               a.dla_deg, a.type, float(entry_speed(body.gm_km3s2, a.vinf_arrival_kms, r_interface))
               if r_interface else math.nan)


def leg_of(transfer, r_interface: float) -> Leg:
    """A plan's leg from a leg of the round trip's chain (:class:`sojourn.transfer.sequence.SequenceTransfer`).

    ``r_interface`` is the destination's entry interface radius, km.
    """
    arcs = tuple(_arc(a, r_interface if k == len(transfer.legs) - 1 else 0.0) for k, a in enumerate(transfer.legs))
    first, last = arcs[0], arcs[-1]
    return Leg(first.origin, last.destination, first.t_depart, last.t_arrive,
               (last.t_arrive - first.t_depart) / 86400.0, first.c3, first.vinf_departure, last.vinf_arrival,
               first.dla_deg, "-".join(a.transfer_type for a in arcs), last.entry_speed_kms,
               arcs if len(arcs) > 1 else (), tuple(transfer.flybys))


def _events(scenario, cand, legs, geometry) -> tuple:
    arrival_mode, return_mode = scenario.arrival.mode, scenario.return_.mode
    launch = f"Launch: trans-Mars injection from {scenario.departure.parking_altitude_km:g} km parking orbit"
    if geometry is not None and geometry.plane_change_deg > 0.0:
        launch += f" with a {geometry.plane_change_deg:.1f}° plane change"
    events = [Event(launch, cand.t_launch)]
    events += [Event(flyby_event_name(f), f.t_tdb) for f in legs[0].flybys]
    events += [
        Event("Mars arrival", cand.t_mars_arrival),
        Event({"propulsive": "Mars orbit insertion", "aerocapture": "Mars aerocapture",
               "entry": "Mars atmospheric entry"}[arrival_mode], cand.t_mars_arrival),
        Event("Surface stay begins", cand.t_mars_arrival),
        Event("Surface stay ends", cand.t_mars_departure),
        Event("Trans-Earth injection (Mars departure)", cand.t_mars_departure),
    ]
    events += [Event(flyby_event_name(f), f.t_tdb) for f in legs[1].flybys]
    events.append(Event("Earth entry" if return_mode == "entry" else "Earth orbit insertion", cand.t_earth_arrival))
    return tuple(events)


def _burns(scenario, ev, legs) -> tuple:
    """Every burn in flight order, with its epoch, label and what it costs the vessel."""
    cand = ev.candidate
    fly = {name: f.t_tdb for k in (0, 1)
           for name, f in zip(scenario.flyby_burns(("outbound", "return")[k]), legs[k].flybys)}
    dates = dict(earth_departure=cand.t_launch, mars_arrival=cand.t_mars_arrival,
                 mars_departure=cand.t_mars_departure, earth_arrival=cand.t_earth_arrival, **fly)
    arrival_mode, return_mode = scenario.arrival.mode, scenario.return_.mode
    out = []
    for (name, dv), use in zip(ev.burns, ev.budget.burns):
        label = burn_label(name)
        if name == "mars_arrival" and arrival_mode != "propulsive":
            label = "Periapsis raise after aerocapture" if arrival_mode == "aerocapture" else "Mars entry (no burn)"
        if name == "earth_arrival" and return_mode == "entry":
            label = "Earth entry (no burn)"
        out.append(Burn(name, label, float(dates[name]), float(dv), use.stage, use.propellant_kg, use.stage_left_kg))
    return tuple(out)


#: The fastest atmospheric entry any capsule has survived, km/s: Stardust's sample return capsule,
#: 12.9 km/s at Earth's interface (2006-01-15; Desai et al. 2008, J. Spacecraft Rockets 45:1262).
FASTEST_SURVIVED_ENTRY_KMS = 12.9


def _launch_geometry(scenario, outbound: Leg, burns, ev) -> LaunchGeometry:
    """The departure asymptote against the parking orbit; the plane change's cost over a burn without it."""
    from sojourn.core.patched_conics import departure_dv

    incl = scenario.departure.parking_inclination_deg
    policy = "none" if incl is None else (scenario.departure.plane_change or "charge")
    charged = dict(ev.burns)["earth_departure"]
    plain = float(departure_dv(burns.earth.gm_km3s2, burns.r_park, outbound.vinf_departure))
    return LaunchGeometry(outbound.dla_deg, incl, float(ev.plane_change_deg),
                          max(0.0, charged - plain) if policy == "charge" else 0.0, policy)


def _warnings(scenario, geometry: LaunchGeometry, budget, home: Leg) -> tuple:
    warnings = []
    if scenario.return_.mode == "entry" and home.entry_speed_kms > FASTEST_SURVIVED_ENTRY_KMS:
        warnings.append(f"Earth entry at {home.entry_speed_kms:.1f} km/s is faster than any capsule has survived "
                        f"(Stardust, {FASTEST_SURVIVED_ENTRY_KMS:g} km/s): cap it with "
                        "constraints.max_entry_speed_kms")
    if geometry.plane_change_deg > 1e-9:
        warnings.append(f"the departure asymptote's declination ({geometry.dla_deg:.1f}°) is beyond what a "
                        f"{geometry.parking_inclination_deg:g}° parking orbit reaches: the departure burn includes a "
                        f"{geometry.plane_change_deg:.1f}° plane change (+{geometry.dv_penalty_kms:.3f} km/s)")
    if not budget.closes:
        warnings.append(f"the vessel cannot afford the {budget.breaking_burn} burn: its stage runs out of propellant")
    return tuple(warnings)


def _assumptions(scenario, burns, eph) -> tuple:
    from sojourn.constants import G0_MS2

    out = [
        f"ephemeris {eph.name}; heliocentric legs are ballistic zero-revolution Lambert arcs (patched conics)",
        f"Earth departure from a {scenario.departure.parking_altitude_km:g} km circular orbit "
        f"around the {burns.earth.name.capitalize()} centre"
        + ("" if scenario.departure.parking_inclination_deg is None else
           f", inclined {scenario.departure.parking_inclination_deg:g}° to the equator: an asymptote beyond that "
           "declination " + ("is avoided" if scenario.departure.plane_change == "avoid" else
                             "costs a plane change combined with the departure burn at periapsis")),
        f"Mars orbit: periapsis radius {burns.mars_rp:.0f} km, apoapsis radius {burns.mars_ra:.0f} km; "
        "arrival and departure at periapsis, with no apsidal or plane-change penalty",
        f"rocket equation with g0 = {G0_MS2:g} m/s²; each stage dropped after its last burn",
    ]
    if scenario.has_flybys:
        fb = scenario.flyby_options
        out.append("flybys: instantaneous (patched conics), periapsis at least "
                   f"{fb.min_altitude_km:g} km above the body's equatorial radius, "
                   + ("powered by one tangential burn at periapsis when |v∞| must change" if fb.powered
                      else "unpowered (|v∞ in| = |v∞ out|)")
                   + "; each leg through flybys is searched as its cheapest chain (Δv) per Mars date")
    return tuple(out)


def check_vessel(scenario) -> None:
    """Refuse a vessel that cannot fly the mission at all: a burn the mission makes that no stage performs.

    A race reads only the outbound burns of a rival's vessel, so the check is
    made when a whole round trip is planned, not when a scenario is read.

    Raises
    ------
    ScenarioError
        Naming ``vessel.stages`` and the burns left without a stage.
    """
    from sojourn.errors import ScenarioError

    if scenario.vessel is None:
        return
    missing = scenario.vessel.missing_burns(scenario)
    if missing:
        raise ScenarioError(f"no stage performs the {', '.join(missing)} burn{'s' if len(missing) > 1 else ''} "
                            "this mission makes: add it to a stage's burns", f"{scenario.source}: vessel.stages",
                            key="vessel.stages")


def build_plan(scenario, best, alternatives, pareto, eph) -> Plan:
    """Turn a searched round trip (:func:`sojourn.mission.roundtrip.search_round_trips`) into a :class:`Plan`."""
    from sojourn.mission import electric
    from sojourn.mission.chain import RoundTripChain, evaluate
    from sojourn.mission.roundtrip import Burns
    from sojourn.mission.surface import annotate

    if electric.flies(scenario):  # both legs flown low-thrust, optimised on the searched dates
        return annotate(electric.build_plan(scenario, best, alternatives, pareto, eph), eph)
    burns = Burns(scenario)
    ev = evaluate(RoundTripChain(scenario, eph, (best.t_launch, best.t_launch + DAY)), best)
    cand = ev.candidate
    legs = (leg_of(ev.legs[0], burns.mars_interface), leg_of(ev.legs[1], burns.earth_interface))
    geometry = _launch_geometry(scenario, legs[0], burns, ev)
    return annotate(Plan(
        scenario_name=scenario.mission.name,
        objective=scenario.mission.objective,
        ephemeris=eph.name,
        events=tuple(sorted(_events(scenario, cand, legs, geometry), key=lambda e: e.t)),
        burns=_burns(scenario, ev, legs),
        legs=legs,
        total_dv_kms=cand.total_dv_kms,
        total_days=cand.total_days,
        stay_days=cand.stay_days,
        budget=ev.budget,
        alternatives=tuple(RoundTrip.of(c) for c in alternatives),
        pareto=tuple(RoundTrip.of(c) for c in pareto),
        warnings=_warnings(scenario, geometry, ev.budget, legs[1]),
        assumptions=_assumptions(scenario, burns, eph),
        launch_geometry=geometry,
        scenario=scenario,
    ), eph)


def plan(scenario, *, step_days=None, ephemeris=None, progress=None) -> Plan:
    """The best crewed round trip in a scenario's launch window.

    Parameters
    ----------
    scenario : Scenario, str or os.PathLike
        A :class:`~sojourn.mission.scenario.Scenario`, or the path of its TOML file.
    step_days : float, optional
        Search grid step, days; default the scenario's ``windows.step_days``.
        The best plan is refined below it.
    ephemeris : Ephemeris or str, optional
        An :class:`~sojourn.ephemeris.Ephemeris` or the path of an SPK file; default DE421.
    progress : callable, optional
        ``progress(done, total, label)`` as the search goes (:mod:`sojourn.progress`).

    Returns
    -------
    Plan

    Raises
    ------
    ScenarioError
        An invalid scenario (naming the file and key).
    NoSolutionError
        The mission is infeasible; ``where`` names the binding constraint's key.
    EphemerisRangeError
        The search runs past the ephemeris.

    Examples
    --------
    >>> import sojourn as sj
    >>> p = sj.plan("examples/ulysses.toml")
    >>> [(b.name, round(b.dv_kms, 1)) for b in p.burns][0]
    ('earth_departure', 3.5)
    """
    from sojourn import checks
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.roundtrip import search_round_trips
    from sojourn.mission.scenario import as_scenario

    sc = as_scenario(scenario)
    step = None if step_days is None else checks.step_days(step_days)
    check_vessel(sc)
    eph = resolve_ephemeris(ephemeris)
    t0, t1 = sc.launch_window
    best, alternatives, pareto = search_round_trips(sc, t0, t1, ephemeris=eph, step_days=step, progress=progress)
    return build_plan(sc, best, alternatives, pareto, eph)


# ---------------------------------------------------------------------------------------------
# surveys


@dataclass(frozen=True)
class SurveyRow(Result):
    """The best plan of one opportunity, or why there is none.

    Attributes
    ----------
    opportunity : int
        The opportunity's year.
    plan : Plan or None
        Its best plan (kept when its propellant does not close).
    binding_constraint, reason : str or None
        When infeasible: the key that binds and why, in words.
    """

    opportunity: int
    plan: Optional[Plan]
    binding_constraint: Optional[str] = None
    reason: Optional[str] = None

    @property
    def feasible(self) -> bool:
        return self.binding_constraint is None

    def to_dict(self) -> dict:
        row = {"opportunity": self.opportunity, "feasible": self.feasible}
        if not self.feasible:
            row.update(binding_constraint=self.binding_constraint, reason=self.reason)
        p = self.plan
        if p is None:
            row.update(launch=None, total_days=None, stay_days=None, total_dv_kms=None, burns=[], flybys=[])
            return row
        out, ret = p.legs
        row.update({
            "launch": utc_text(out.depart, "date"), "mars_arrival": utc_text(out.arrive, "date"),
            "mars_departure": utc_text(ret.depart, "date"), "earth_arrival": utc_text(ret.arrive, "date"),
            "outbound_days": out.tof_days, "return_days": ret.tof_days, "stay_days": p.stay_days,
            "total_days": p.total_days, "burns": [{"name": b.name, "dv_kms": b.dv_kms} for b in p.burns],
            "total_dv_kms": p.total_dv_kms, "earth_entry_speed_kms": ret.entry_speed_kms,
            "propellant_closes": p.budget.closes,
            "flybys": [{"leg": ("outbound", "return")[k], "body": f.body, "date": utc_text(f.date, "date"),
                        "altitude_km": f.altitude_km, "dv_kms": f.dv_kms}
                       for k, leg in enumerate(p.legs) for f in leg.flybys],
        })
        return row

    def summary(self) -> list[tuple[str, str]]:
        return [("opportunity", str(self.opportunity)), ("feasible", str(self.feasible))]


@dataclass(frozen=True)
class Survey(Result):
    """The best plan of every opportunity in a span of years.

    Attributes
    ----------
    scenario_name, objective, ephemeris : str
    rows : tuple of SurveyRow
        One per opportunity, in launch order.
    """

    scenario_name: str
    objective: str
    ephemeris: str
    rows: tuple

    @property
    def table(self):
        """The survey as a pandas DataFrame, one row per opportunity (dates UTC; Δv km/s; days)."""
        import pandas as pd

        records = []
        for r in self.rows:
            d = r.to_dict()
            for b in d.pop("burns"):
                d[f"{b['name']}_dv_kms"] = b["dv_kms"]
            for k in ("launch", "mars_arrival", "mars_departure", "earth_arrival"):
                d[k] = pd.Timestamp(d[k]) if d.get(k) else pd.NaT
            records.append(d)
        return pd.DataFrame.from_records(records)

    def to_dict(self) -> list:
        """One record per opportunity: the list ``sojourn survey --json`` prints."""
        return [r.to_dict() for r in self.rows]

    def summary(self) -> list[tuple[str, str]]:
        feasible = sum(r.feasible for r in self.rows)
        return [("scenario", self.scenario_name), ("opportunities", str(len(self.rows))),
                ("feasible", str(feasible))]

    def _repr_html_(self) -> str:
        return self.table._repr_html_()


def survey(scenario, start, end, *, step_days=None, ephemeris=None, progress=None) -> Survey:
    """The best plan of every opportunity whose launch falls in a span of years.

    Parameters
    ----------
    scenario : Scenario, str or os.PathLike
        Its launch window is replaced by each opportunity in turn.
    start, end : str or int
        Years (``2026``, ``2050``: through the end of 2050) or UTC dates.
    step_days : float, optional
        Search grid step, days (default: the scenario's).
    ephemeris : Ephemeris or str, optional
    progress : callable, optional
        ``progress(done, total, label)`` over opportunities.

    Returns
    -------
    Survey
        An infeasible opportunity is a row that names the constraint that
        binds (``"ephemeris"`` when its search runs past it, ``"vessel.stages"``
        when the vessel's propellant does not close, the plan then kept).
    """
    from sojourn import checks
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.scenario import as_scenario
    from sojourn.progress import reporting
    from sojourn.transfer.opportunities import opportunity_slots

    sc = as_scenario(scenario)
    step = None if step_days is None else checks.step_days(step_days)
    eph = resolve_ephemeris(ephemeris)
    slots = opportunity_slots(sc.mission.origin, sc.mission.destination, start, end, ephemeris=eph)
    rows = []
    with reporting(progress, len(slots), "opportunities") as advance:
        for slot in slots:
            found, binding, reason = plan_window(sc, slot.start, slot.end, eph, step)
            rows.append(SurveyRow(slot.year, found, binding, reason))
            advance(1)
    return Survey(sc.mission.name, sc.mission.objective, eph.name, tuple(rows))


def plan_window(scenario, t_first, t_last, eph, step_days=None):
    """The best plan of one launch window, or why there is none.

    Parameters
    ----------
    scenario : Scenario
    t_first, t_last : float
        The launch window, TDB seconds past J2000.
    eph : Ephemeris
    step_days : float, optional
        Grid step (default: the scenario's).

    Returns
    -------
    (Plan or None, str or None, str or None)
        The plan (None when the search finds none), the binding constraint's
        key (None when the plan is feasible; ``"ephemeris"`` when the search
        runs past it; ``"vessel.stages"`` when the plan's propellant does not
        close, the plan then being kept) and the reason in words.
    """
    from sojourn.mission.roundtrip import search_round_trips

    try:
        best, _, _ = search_round_trips(scenario, t_first, t_last, ephemeris=eph, step_days=step_days,
                                        n_alternatives=0)
        found = build_plan(scenario, best, [], [], eph)  # an electric vessel's legs may not converge
    except NoSolutionError as exc:
        return None, (exc.where or "").rsplit(": ", 1)[-1], exc.message
    except EphemerisRangeError as exc:  # this window, not the whole survey, runs past the ephemeris
        return None, "ephemeris", exc.message
    if not found.budget.closes:
        return found, "vessel.stages", (f"the vessel cannot afford the {found.budget.breaking_burn} burn: "
                                        "its stage runs out of propellant")
    return found, None, None


def trajectory_samples(plan: Plan, n: int = 200, ephemeris=None) -> dict:
    """Heliocentric positions along both legs and of the two bodies, for plots (km).

    Returns
    -------
    dict
        ``legs``: list of (n, 3) arrays along the outbound and return legs
        (their flyby epochs among the samples); ``earth``, ``mars``: (400, 3)
        arrays over the whole mission at epochs ``t``; ``flybys``: a list of
        ``{"body", "t", "r"}``, the craft at each flyby body (km); ``paths``:
        ``{body: (400, 3)}`` of the flyby bodies.
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.trajectory import spacecraft_states

    eph = resolve_ephemeris(ephemeris)
    legs = []
    for leg in plan.legs:  # every flyby epoch among the samples: the path bends there
        t = np.unique(np.concatenate([np.linspace(leg.t_depart, leg.t_arrive, n), [f.t_tdb for f in leg.flybys]]))
        legs.append(spacecraft_states(plan, t, eph)[0])
    t_all = np.linspace(plan.legs[0].t_depart, plan.legs[-1].t_arrive, 400)
    earth, _ = eph.state(plan.legs[0].origin, t_all)
    mars, _ = eph.state(plan.legs[0].destination, t_all)
    flybys = [{"body": f.body, "t": f.t_tdb, "r": eph.state(f.body, f.t_tdb)[0]} for f in plan.flybys]
    paths = {b: eph.state(b, t_all)[0] for b in dict.fromkeys(f.body for f in plan.flybys)}
    return {"legs": legs, "earth": earth, "mars": mars, "t": t_all, "flybys": flybys, "paths": paths}


_PLANS: dict = {}
_PLANS_KEPT = 8


def as_plan(plan_or_scenario, *, step_days=None, ephemeris=None, progress=None,
            where: str = "plan_or_scenario") -> Plan:
    """A :class:`Plan` as given, or the best plan of a scenario (object or path), for verbs that take either.

    Plans of scenarios are remembered by the scenario's content, the ephemeris
    file and the grid step (a plan is deterministic and immutable), so the
    analyses of one mission in a session — its race, aborts, crew timeline,
    dossier — plan it once.

    Parameters
    ----------
    plan_or_scenario : Plan, Scenario, str or os.PathLike
    step_days : float, optional
        The search's grid step, days; it has no meaning for a plan already made.
    ephemeris : Ephemeris or str, optional
    progress : callable, optional
        ``progress(done, total, label)`` while planning.
    where : str
        The caller's name for ``plan_or_scenario``, for errors.

    Raises
    ------
    InputError
        A step given with a Plan, or neither a Plan nor a scenario.
    """
    from sojourn import checks
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.errors import InputError
    from sojourn.results import replace

    if isinstance(plan_or_scenario, Plan):
        if step_days is not None:
            raise InputError("step_days sets the search grid of a scenario: a plan is already searched",
                             "step_days")
        return plan_or_scenario
    sc = scenario_of(plan_or_scenario, where)
    step = None if step_days is None else checks.step_days(step_days)
    eph = resolve_ephemeris(ephemeris)
    key = (sc.digest(), str(eph.path), step)
    found = _PLANS.get(key)
    if found is None:
        found = plan(sc, step_days=step, ephemeris=eph, progress=progress)
        if len(_PLANS) >= _PLANS_KEPT:
            _PLANS.pop(next(iter(_PLANS)))
        _PLANS[key] = found
    return found if found.scenario is sc else replace(found, scenario=sc)


def scenario_of(plan_or_scenario, where: str = "plan_or_scenario"):
    """The scenario of a Plan (attached to it), or a scenario or the path of its file, loaded; nothing planned.

    Raises
    ------
    InputError
        A Plan without its scenario, or something else than a Plan, a Scenario or a path.
    ScenarioError
        A scenario file that cannot be read.
    """
    from sojourn.errors import InputError
    from sojourn.mission.scenario import as_scenario

    if isinstance(plan_or_scenario, Plan):
        if plan_or_scenario.scenario is None:
            raise InputError("this Plan carries no scenario: make it with sojourn.plan", where)
        return plan_or_scenario.scenario
    return as_scenario(plan_or_scenario, where)


def input_paths(plan_or_scenario, eph) -> dict:
    """``{what: path}`` of the files a result of ``plan_or_scenario`` is made from (scenario, ephemeris),
    for :func:`sojourn.checks.distinct_outputs`."""
    import os

    source = plan_or_scenario if isinstance(plan_or_scenario, (str, os.PathLike)) else None
    if source is None:
        sc = getattr(plan_or_scenario, "scenario", plan_or_scenario)
        source = getattr(sc, "source", None)
        source = None if not source or str(source).startswith("<") else source
    return {"scenario": source, "ephemeris": eph.path}


def transit_leg(plan: Plan, leg: str, where: str = "leg"):
    """``(name, Leg)``: the outbound or the return leg of a plan.

    Raises
    ------
    InputError
        ``leg`` is neither ``"outbound"`` nor ``"return"``.
    """
    from sojourn import checks

    name = checks.choice(leg, ("outbound", "return"), where, "leg")
    return name, plan.legs[0 if name == "outbound" else 1]
