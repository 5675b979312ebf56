"""A crewed round trip as data: its timeline, burns, propellant and alternatives.

:func:`plan_mission` searches a scenario's launch window and returns a
:class:`Plan`; :func:`survey` does the same for every opportunity in a span of
years. Plots and reports draw from these results and never recompute them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sojourn.errors import EphemerisRangeError, NoSolutionError
from sojourn.time import tdb_to_utc_iso

BURN_LABELS = {
    "earth_departure": "Trans-Mars injection (Earth departure)",
    "mars_arrival": "Mars orbit insertion",
    "mars_departure": "Trans-Earth injection (Mars departure)",
    "earth_arrival": "Earth orbit insertion",
}


@dataclass
class Event:
    """One moment of the mission timeline (TDB seconds past J2000; output in UTC)."""

    name: str
    t: float

    @property
    def date(self) -> str:
        return tdb_to_utc_iso(self.t, "minute")

    def to_json(self) -> dict:
        return {"name": self.name, "date": self.date}


@dataclass
class Plan:
    """A round trip chosen by the search.

    Attributes
    ----------
    scenario_name : str
    objective : str
    events : list of Event
        In time order.
    burns : list of dict
        ``name``, ``label``, ``date``, ``dv_kms`` and, with a vessel, ``stage``
        and ``propellant_kg``.
    legs : list of dict
        Outbound and return: ``from``, ``to``, ``depart``, ``arrive`` (UTC),
        ``tof_days``, ``c3``, ``vinf_departure``, ``vinf_arrival``, ``dla_deg``,
        ``transfer_type``, ``entry_speed_kms`` and the epochs ``t_depart`` and
        ``t_arrive`` (TDB s).
    total_dv_kms, total_days, stay_days : float
    budget : dict
        Propellant budget (see :class:`sojourn.mission.vehicle.Budget`).
    alternatives, pareto : list of dict
        Runners-up and the Pareto front of total Δv against total days.
    warnings : list of str
    assumptions : list of str
    """

    scenario_name: str
    objective: str
    events: list
    burns: list
    legs: list
    total_dv_kms: float
    total_days: float
    stay_days: float
    budget: dict
    alternatives: list = field(default_factory=list)
    pareto: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    assumptions: list = field(default_factory=list)
    ephemeris: str = ""

    @property
    def launch(self) -> str:
        return self.legs[0]["depart"]

    def to_json(self) -> dict:
        return {
            "scenario": self.scenario_name,
            "objective": self.objective,
            "ephemeris": self.ephemeris,
            "launch": self.launch[:10],
            "events": [e.to_json() for e in self.events],
            "burns": self.burns,
            "legs": [{k: v for k, v in leg.items() if not k.startswith("t_")} for leg in self.legs],
            "total_dv_kms": self.total_dv_kms,
            "total_days": self.total_days,
            "stay_days": self.stay_days,
            "propellant": self.budget,
            "alternatives": self.alternatives,
            "pareto": self.pareto,
            "warnings": self.warnings,
            "assumptions": self.assumptions,
        }


def _summary(cand) -> dict:
    return {
        "launch": tdb_to_utc_iso(cand.t_launch),
        "mars_arrival": tdb_to_utc_iso(cand.t_mars_arrival),
        "mars_departure": tdb_to_utc_iso(cand.t_mars_departure),
        "earth_arrival": tdb_to_utc_iso(cand.t_earth_arrival),
        "stay_days": round(cand.stay_days, 2),
        "total_days": round(cand.total_days, 2),
        "total_dv_kms": cand.total_dv_kms,
    }


def _leg_record(frm, to, t1, t2, res) -> dict:
    return {
        "from": frm, "to": to,
        "depart": tdb_to_utc_iso(t1, "minute"), "arrive": tdb_to_utc_iso(t2, "minute"),
        "t_depart": t1, "t_arrive": t2,
        "tof_days": float(res["tof_days"]),
        "c3": float(res["c3"]),
        "vinf_departure": float(res["vinf_departure"]),
        "vinf_arrival": float(res["vinf_arrival"]),
        "dla_deg": float(res["dla_deg"]),
        "transfer_type": "II" if bool(res["type_ii"]) else "I",
        "entry_speed_kms": float(res["entry_speed"]),
    }


def build_plan(scenario, best, alternatives, pareto, eph) -> Plan:
    """Turn a searched round trip into a :class:`Plan` with its timeline."""
    from sojourn.mission.roundtrip import Burns, evaluate

    burns = Burns(scenario)
    ev = evaluate(scenario, best, eph, burns)
    out, ret = ev.legs
    cand = ev.candidate
    origin, dest = burns.earth.name, burns.mars.name
    arrival_mode = scenario.arrival.mode
    return_mode = scenario.return_.mode
    events = [
        Event(f"Launch: trans-Mars injection from {scenario.departure.parking_altitude_km:g} km parking orbit", cand.t_launch),
        Event("Mars arrival", cand.t_mars_arrival),
        Event({"propulsive": "Mars orbit insertion", "aerocapture": "Mars aerocapture",
               "entry": "Mars atmospheric entry"}[arrival_mode], cand.t_mars_arrival),
        Event("Surface stay begins", cand.t_mars_arrival),
        Event("Surface stay ends", cand.t_mars_departure),
        Event("Trans-Earth injection (Mars departure)", cand.t_mars_departure),
        Event("Earth entry" if return_mode == "entry" else "Earth orbit insertion", cand.t_earth_arrival),
    ]
    dates = [cand.t_launch, cand.t_mars_arrival, cand.t_mars_departure, cand.t_earth_arrival]
    burn_rows = []
    for (name, dv), t, use in zip(ev.burns, dates, ev.budget.burns):
        label = BURN_LABELS[name]
        if name == "mars_arrival" and arrival_mode != "propulsive":
            label = "Periapsis raise after aerocapture" if arrival_mode == "aerocapture" else "Mars entry (no burn)"
        if name == "earth_arrival" and return_mode == "entry":
            label = "Earth entry (no burn)"
        row = {"name": name, "label": label, "date": tdb_to_utc_iso(t, "minute"), "dv_kms": dv}
        if use.stage is not None:
            row.update(stage=use.stage, propellant_kg=use.propellant_kg, stage_left_kg=use.stage_left_kg)
        burn_rows.append(row)
    warnings = []
    incl = scenario.departure.parking_inclination_deg
    if incl is not None and abs(out["dla_deg"]) > incl:
        warnings.append(f"the departure asymptote's declination ({out['dla_deg']:.1f}°) exceeds what a "
                        f"{incl:g}° parking orbit reaches without a plane change")
    if not ev.budget.closes:
        warnings.append(f"the vessel cannot afford the {ev.budget.breaking_burn} burn: "
                        "its stage runs out of propellant")
    assumptions = [
        f"ephemeris {eph.name}; heliocentric legs are ballistic zero-revolution Lambert arcs (patched conics)",
        f"Earth departure from a {scenario.departure.parking_altitude_km:g} km circular orbit "
        f"around the {origin.capitalize()} centre",
        f"Mars orbit: periapsis radius {burns.mars_rp:.0f} km, apoapsis radius {burns.mars_ra:.0f} km; "
        "arrival and departure at periapsis, with no apsidal or plane-change penalty",
        "rocket equation with g0 = 9.80665 m/s²; each stage dropped after its last burn",
    ]
    return Plan(
        scenario_name=scenario.mission.name,
        objective=scenario.mission.objective,
        events=events,
        burns=burn_rows,
        legs=[_leg_record(origin, dest, cand.t_launch, cand.t_mars_arrival, out),
              _leg_record(dest, origin, cand.t_mars_departure, cand.t_earth_arrival, ret)],
        total_dv_kms=cand.total_dv_kms,
        total_days=cand.total_days,
        stay_days=cand.stay_days,
        budget=ev.budget.to_json(),
        alternatives=[_summary(c) for c in alternatives],
        pareto=[_summary(c) for c in pareto],
        warnings=warnings,
        assumptions=assumptions,
        ephemeris=eph.name,
    )


def plan_mission(scenario, *, ephemeris=None, step_days=None) -> Plan:
    """The best round trip in the scenario's launch window.

    Parameters
    ----------
    scenario : Scenario
    ephemeris : Ephemeris or str, optional
    step_days : float, optional
        Grid step, days; default the scenario's ``windows.step_days``.

    Returns
    -------
    Plan

    Raises
    ------
    NoSolutionError
        The mission is infeasible; the error names the binding constraint.
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.roundtrip import search_round_trips

    eph = resolve_ephemeris(ephemeris)
    t0, t1 = scenario.launch_window
    best, alternatives, pareto = search_round_trips(scenario, t0, t1, ephemeris=eph, step_days=step_days)
    return build_plan(scenario, best, alternatives, pareto, eph)


def survey(scenario, start, end, *, ephemeris=None, step_days=None, progress=None) -> list[dict]:
    """The best plan of every Earth-Mars opportunity whose launch falls in a span.

    Parameters
    ----------
    scenario : Scenario
        Its launch window is replaced by each opportunity in turn.
    start, end : str or int
        Years (``2026``, ``2050``: through the end of 2050) or UTC dates.
    ephemeris, step_days : see :func:`plan_mission`
    progress : callable, optional
        ``progress(done, total, label)`` as work proceeds (:mod:`sojourn.progress`).

    Returns
    -------
    list of dict
        One record per opportunity: ``opportunity`` (year), ``feasible``;
        when a plan was found, ``launch``, ``mars_arrival``, ``mars_departure``,
        ``earth_arrival``, ``outbound_days``, ``return_days``, ``stay_days``,
        ``total_days``, ``burns`` (``{name, dv_kms}``) and ``total_dv_kms``;
        when it is not feasible, ``binding_constraint`` and ``reason`` (see
        :func:`plan_window`: a plan whose propellant does not close keeps its
        dates and Δv).
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.progress import reporting
    from sojourn.transfer.opportunities import opportunity_slots

    eph = resolve_ephemeris(ephemeris)
    origin, dest = scenario.mission.origin, scenario.mission.destination
    slots = opportunity_slots(origin, dest, start, end, ephemeris=eph)
    rows = []
    with reporting(progress, len(slots), "opportunities") as advance:
        for slot in slots:
            plan, binding, reason = plan_window(scenario, slot.start, slot.end, eph, step_days)
            row = {"opportunity": slot.year, "feasible": binding is None}
            if binding is not None:
                row.update(binding_constraint=binding, reason=reason)
            if plan is None:
                row.update(launch=None, total_days=None, stay_days=None, total_dv_kms=None, burns=[])
            else:
                row.update({
                    "launch": plan.legs[0]["depart"][:10],
                    "mars_arrival": plan.legs[0]["arrive"][:10],
                    "mars_departure": plan.legs[1]["depart"][:10],
                    "earth_arrival": plan.legs[1]["arrive"][:10],
                    "outbound_days": plan.legs[0]["tof_days"],
                    "return_days": plan.legs[1]["tof_days"],
                    "stay_days": plan.stay_days,
                    "total_days": plan.total_days,
                    "burns": [{"name": b["name"], "dv_kms": b["dv_kms"]} for b in plan.burns],
                    "total_dv_kms": plan.total_dv_kms,
                    "earth_entry_speed_kms": plan.legs[1]["entry_speed_kms"],
                    "propellant_closes": plan.budget["closes"],
                })
            rows.append(row)
            advance(1)
    return rows


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
    except NoSolutionError as exc:
        return None, (exc.where or "").rsplit(": ", 1)[-1], exc.message
    except EphemerisRangeError as exc:  # this window, not the whole survey, runs past the ephemeris
        return None, "ephemeris", exc.message
    plan = build_plan(scenario, best, [], [], eph)
    if not plan.budget["closes"]:
        return plan, "vessel.stages", (f"the vessel cannot afford the {plan.budget['breaking_burn']} burn: "
                                       "its stage runs out of propellant")
    return plan, None, None


def trajectory_samples(plan: Plan, n: int = 200, ephemeris=None) -> dict:
    """Heliocentric positions along both legs and of Earth and Mars, for plots (km).

    Returns
    -------
    dict
        ``legs``: list of (n, 3) arrays along the outbound and return arcs;
        ``earth``, ``mars``: (400, 3) arrays over the whole mission at epochs ``t``.
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.trajectory import spacecraft_states

    eph = resolve_ephemeris(ephemeris)
    legs = [spacecraft_states(plan, np.linspace(leg["t_depart"], leg["t_arrive"], n), eph)[0] for leg in plan.legs]
    t_all = np.linspace(plan.legs[0]["t_depart"], plan.legs[1]["t_arrive"], 400)
    earth, _ = eph.state(plan.legs[0]["from"], t_all)
    mars, _ = eph.state(plan.legs[0]["to"], t_all)
    return {"legs": legs, "earth": earth, "mars": mars, "t": t_all}
