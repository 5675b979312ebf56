"""The crew's journey, day by day: dose, light time, blackouts and data rate.

:func:`crew_timeline` follows a :class:`~sojourn.mission.plan.Plan` from the UTC
day of launch to the UTC day of return. For each day it records the phase, the
dose equivalent received that day and the career total so far
(:mod:`sojourn.crew.dose`), and, at the middle of the part of the day spent in
flight, the distance to Earth, the one-way light time, the Sun-Earth-spacecraft
angle and the data rate a link budget allows (:mod:`sojourn.crew.comms`).
Solar-conjunction blackouts are found on those daily samples and their ends
refined below a day. A summary gathers what weighs on the crew.

The crew model's settings come from :class:`~sojourn.crew.dose.DoseModel`,
:class:`~sojourn.crew.comms.LinkBudget` and a few more numbers; the command line
takes them from options or from a crew-config TOML file read by
:func:`load_crew_config`::

    [dose]
    cruise_msv_per_day = 1.84          # Zeitlin et al. 2013
    surface_msv_per_day = 0.64         # Hassler et al. 2014
    shielding_factor = 1.0             # multiplies both rates
    solar_modulation_amplitude = 0.0   # 0 <= A < 1; 0: no solar-cycle modulation
    solar_minimum = "2019-12-15"       # phase of the 11-year cycle
    solar_cycle_years = 11.0
    career_limit_msv = 600.0           # NASA-STD-3001 Vol. 1 Rev. B
    prior_career_msv = 0.0             # dose from earlier missions

    [[dose.solar_particle_events]]
    date = "2034-03-01"                # UTC; a TOML date works too
    dose_msv = 50.0

    [comms]
    threshold_deg = 2.0                # Sun-Earth-spacecraft angle of a blackout
    transmit_power_w = 100.0
    transmit_diameter_m = 3.0
    transmit_efficiency = 0.55
    receive_diameter_m = 34.0
    receive_efficiency = 0.6
    frequency_ghz = 8.4                # X band
    system_noise_temperature_k = 30.0
    required_ebn0_db = 1.0
    margin_db = 3.0
    max_rate_mbps = 6.0                # optional cap: the radio's fastest rate
    file_gb = 2.0                      # the file to send (10^9 bytes a GB)

Every table and key is optional and checked: an unknown key, a wrong type or a
value out of range raises :class:`~sojourn.errors.ScenarioError` whose ``where``
is ``"<file>: <table.key>"``.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
import os
from dataclasses import dataclass, field

import numpy as np

from sojourn.constants import AU_KM
from sojourn.crew.comms import (
    DEFAULT_THRESHOLD_DEG,
    Blackout,
    LinkBudget,
    blackout_threshold,
    data_rate_bps,
    find_blackouts,
    light_time_s,
    sun_observer_target_angle_deg,
    transfer_time_s,
)
from sojourn.crew.dose import DoseModel, SolarParticleEvent, integrate_dose, limit_crossing, phase_at
from sojourn.errors import InputError, ScenarioError
from sojourn.mission.scenario import read_toml
from sojourn.time import DAY, datetime64_to_tdb, tdb_to_datetime64, tdb_to_utc_iso

__all__ = ["Blackout", "CrewSettings", "CrewTimeline", "crew_settings", "crew_timeline", "day_edges",
           "load_crew_config", "mission_bounds"]

DEFAULT_FILE_BYTES = 2e9
"""Size of the file the crew sends home by default: a 2 GB video (SI gigabytes)."""


# ---------------------------------------------------------------------------------------------
# settings


@dataclass(frozen=True)
class CrewSettings:
    """Everything the crew model needs besides the plan."""

    dose: DoseModel = DoseModel()
    link: LinkBudget = LinkBudget()
    threshold_deg: float = DEFAULT_THRESHOLD_DEG
    file_bytes: float = DEFAULT_FILE_BYTES


def _number(value, where, *, lo=None, lo_open=False, hi=None, hi_open=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        shown = f"'{value}'" if isinstance(value, str) else repr(value)
        raise ScenarioError(f"expected a number, got {shown}", where)
    value = float(value)
    if not math.isfinite(value):
        raise ScenarioError(f"expected a finite number, got {value}", where)
    if lo is not None and (value <= lo if lo_open else value < lo):
        raise ScenarioError(f"must be {'greater than' if lo_open else 'at least'} {lo:g}, got {value:g}", where)
    if hi is not None and (value >= hi if hi_open else value > hi):
        raise ScenarioError(f"must be {'less than' if hi_open else 'at most'} {hi:g}, got {value:g}", where)
    return value


def _date(value, where):
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        value = value.isoformat()
    elif isinstance(value, _dt.date):
        value = value.isoformat()
    if not isinstance(value, str):
        raise ScenarioError(f"expected a UTC date, got {value!r}", where)
    from sojourn.time import parse_utc

    try:
        parse_utc(value)
    except InputError as exc:
        raise ScenarioError(exc.message, where) from None
    return value


# key -> (kind, checks); kinds: number (with bounds), date
_DOSE_KEYS = {
    "cruise_msv_per_day": dict(lo=0.0),
    "surface_msv_per_day": dict(lo=0.0),
    "shielding_factor": dict(lo=0.0, lo_open=True),
    "solar_modulation_amplitude": dict(lo=0.0, hi=1.0, hi_open=True),
    "solar_minimum": "date",
    "solar_cycle_years": dict(lo=0.0, lo_open=True),
    "career_limit_msv": dict(lo=0.0, lo_open=True),
    "prior_career_msv": dict(lo=0.0),
    "solar_particle_events": "events",
}
_COMMS_KEYS = {
    "threshold_deg": dict(lo=0.0, lo_open=True, hi=180.0, hi_open=True),
    "transmit_power_w": dict(lo=0.0, lo_open=True),
    "transmit_diameter_m": dict(lo=0.0, lo_open=True),
    "transmit_efficiency": dict(lo=0.0, lo_open=True, hi=1.0),
    "receive_diameter_m": dict(lo=0.0, lo_open=True),
    "receive_efficiency": dict(lo=0.0, lo_open=True, hi=1.0),
    "frequency_ghz": dict(lo=0.0, lo_open=True),
    "system_noise_temperature_k": dict(lo=0.0, lo_open=True),
    "required_ebn0_db": dict(),
    "margin_db": dict(),
    "max_rate_mbps": dict(lo=0.0, lo_open=True),
    "file_gb": dict(lo=0.0, lo_open=True),
}
_TABLES = {"dose": _DOSE_KEYS, "comms": _COMMS_KEYS}


def _unknown(key: str, known, where: str) -> ScenarioError:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(known)})"
    return ScenarioError(f"unknown key '{key}'{hint}", where)


def _check_value(table: str, key: str, value, where: str):
    rule = _TABLES[table][key]
    if rule == "date":
        return _date(value, where)
    if rule == "events":
        if not isinstance(value, list):
            raise ScenarioError("expected an array of tables {date, dose_msv}", where)
        events = []
        for i, item in enumerate(value):
            here = f"{where}[{i}]"
            if not isinstance(item, dict):
                raise ScenarioError("expected a table {date, dose_msv}", here)
            for k in item:
                if k not in ("date", "dose_msv"):
                    raise _unknown(k, ("date", "dose_msv"), f"{here}.{k}")
            for k in ("date", "dose_msv"):
                if k not in item:
                    raise ScenarioError("missing key", f"{here}.{k}")
            events.append(SolarParticleEvent(_date(item["date"], f"{here}.date"),
                                             _number(item["dose_msv"], f"{here}.dose_msv", lo=0.0)))
        return tuple(events)
    return _number(value, where, **rule)


def load_crew_config(path: str | os.PathLike) -> dict:
    """Read and check a crew-config TOML file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    dict
        ``{"dose": {key: value}, "comms": {key: value}}`` with the keys given
        in the file only (checked, numbers as floats, dates as ISO text, solar
        particle events as :class:`SolarParticleEvent`).

    Raises
    ------
    ScenarioError
        Unreadable file, TOML syntax error, unknown table or key, wrong type or
        value out of range; ``where`` is ``"<file>: <table.key>"``.
    """
    name = os.fspath(path)
    data = read_toml(name, "crew config file")
    out: dict = {"dose": {}, "comms": {}}
    for table, content in data.items():
        if table not in _TABLES:
            raise _unknown(table, _TABLES, f"{name}: {table}")
        if not isinstance(content, dict):
            raise ScenarioError("expected a table", f"{name}: {table}")
        for key, value in content.items():
            where = f"{name}: {table}.{key}"
            if key not in _TABLES[table]:
                raise _unknown(key, _TABLES[table], where)
            out[table][key] = _check_value(table, key, value, where)
    return out


def crew_settings(config: dict | None = None, overrides: dict | None = None) -> CrewSettings:
    """Build :class:`CrewSettings` from a checked config and command-line overrides.

    Parameters
    ----------
    config : dict, optional
        As returned by :func:`load_crew_config`.
    overrides : dict, optional
        ``{"table.key": (value, where)}``; values that are None are ignored.
        They win over ``config``; errors name ``where`` (an option).

    Returns
    -------
    CrewSettings
    """
    merged = {"dose": dict((config or {}).get("dose", {})), "comms": dict((config or {}).get("comms", {}))}
    for dotted, (value, where) in (overrides or {}).items():
        if value is None:
            continue
        table, key = dotted.split(".", 1)
        try:
            merged[table][key] = _check_value(table, key, value, where)
        except ScenarioError as exc:
            raise InputError(exc.message, where) from None
    dose = DoseModel(**merged["dose"])
    comms = dict(merged["comms"])
    threshold = comms.pop("threshold_deg", DEFAULT_THRESHOLD_DEG)
    file_gb = comms.pop("file_gb", DEFAULT_FILE_BYTES / 1e9)
    if "frequency_ghz" in comms:
        comms["frequency_hz"] = comms.pop("frequency_ghz") * 1e9
    if "max_rate_mbps" in comms:
        comms["max_rate_bps"] = comms.pop("max_rate_mbps") * 1e6
    return CrewSettings(dose=dose, link=LinkBudget(**comms), threshold_deg=threshold, file_bytes=file_gb * 1e9)


# ---------------------------------------------------------------------------------------------
# the timeline


def _none(x, digits=None):
    """A float for JSON: None for NaN or infinity, rounded if asked."""
    x = float(x)
    if not math.isfinite(x):
        return None
    return round(x, digits) if digits is not None else x


@dataclass
class CrewTimeline:
    """The crew's day-by-day record of a round trip (arrays, one entry per UTC day).

    Attributes
    ----------
    scenario_name, ephemeris : str
    bounds : tuple of 4 floats
        Launch, Mars arrival, Mars departure, Earth return, TDB s.
    dates : list of str
        UTC dates of the days, launch day to return day.
    edges : numpy.ndarray, shape (n + 1,)
        UTC midnights bounding the days, TDB s.
    t_sample : numpy.ndarray
        Epochs of the geometry samples (middle of each day's time in flight), TDB s.
    phase : numpy.ndarray of str
        ``outbound``, ``mars`` or ``return`` at ``t_sample``.
    dose_msv, cumulative_msv : numpy.ndarray
        Received that day; career total at the day's end (prior dose included), mSv.
    distance_km, light_time_s, sep_angle_deg, data_rate_bps : numpy.ndarray
        Crew-Earth distance, one-way light time, Sun-Earth-spacecraft angle (NaN
        where undefined: the crew at Earth) and link-budget rate, at ``t_sample``.
    blackout_hours : numpy.ndarray
        Hours of the day inside a blackout.
    blackouts : list of Blackout
    dose_by_phase : dict
        Mission dose by phase and from solar particle events, mSv.
    limit_t : float or None
        When the career limit is reached, TDB s.
    settings : CrewSettings
    warnings, assumptions : list of str
    """

    scenario_name: str
    ephemeris: str
    bounds: tuple
    dates: list
    edges: np.ndarray
    t_sample: np.ndarray
    phase: np.ndarray
    dose_msv: np.ndarray
    cumulative_msv: np.ndarray
    distance_km: np.ndarray
    light_time_s: np.ndarray
    sep_angle_deg: np.ndarray
    data_rate_bps: np.ndarray
    blackout_hours: np.ndarray
    blackouts: list
    dose_by_phase: dict
    limit_t: float | None
    settings: CrewSettings
    warnings: list = field(default_factory=list)
    assumptions: list = field(default_factory=list)

    @property
    def blackout(self) -> np.ndarray:
        """True on days with any time in a blackout."""
        return self.blackout_hours > 0.0

    @property
    def mission_days(self) -> float:
        """Days from leaving Earth to coming back."""
        return (self.bounds[3] - self.bounds[0]) / DAY

    def summary(self) -> dict:
        """What weighs on the crew: time away, dose, the longest silence and delay, the farthest point."""
        dose = self.settings.dose
        mission = float(sum(self.dose_by_phase.values()))
        longest = max(self.blackouts, key=lambda b: b.days, default=None)
        i_far = int(np.argmax(self.distance_km))
        contact = ~self.blackout
        rates = self.data_rate_bps[contact & (self.distance_km > 0)]
        return {
            "scenario": self.scenario_name,
            "launch": tdb_to_utc_iso(self.bounds[0], "minute"),
            "mars_arrival": tdb_to_utc_iso(self.bounds[1], "minute"),
            "mars_departure": tdb_to_utc_iso(self.bounds[2], "minute"),
            "return": tdb_to_utc_iso(self.bounds[3], "minute"),
            "days_since_leaving_earth": round(self.mission_days, 3),
            "dose": {
                "mission_msv": round(mission, 3),
                "by_phase_msv": {k: round(v, 3) for k, v in self.dose_by_phase.items()},
                "prior_career_msv": dose.prior_career_msv,
                "career_total_msv": round(dose.prior_career_msv + mission, 3),
                "career_limit_msv": dose.career_limit_msv,
                "fraction_of_limit": round((dose.prior_career_msv + mission) / dose.career_limit_msv, 4),
                "limit_crossed": self.limit_t is not None,
                "limit_crossed_on": None if self.limit_t is None else tdb_to_utc_iso(self.limit_t),
            },
            "comms": {
                "threshold_deg": self.settings.threshold_deg,
                "blackouts": [b.to_json() for b in self.blackouts],
                "longest_blackout_days": 0.0 if longest is None else round(longest.days, 3),
                "longest_stretch_without_contact_days": 0.0 if longest is None else round(longest.days, 3),
                "longest_blackout": None if longest is None else longest.to_json(),
                "longest_one_way_delay_min": round(float(self.light_time_s.max()) / 60.0, 3),
                "longest_one_way_delay_on": self.dates[int(np.argmax(self.light_time_s))],
                "farthest_distance_km": round(float(self.distance_km[i_far]), 0),
                "farthest_distance_au": round(float(self.distance_km[i_far]) / AU_KM, 4),
                "farthest_on": self.dates[i_far],
                "lowest_data_rate_bps": _none(rates.min()) if rates.size else None,
                "file_bytes": self.settings.file_bytes,
                "file_hours_at_lowest_rate": _none(transfer_time_s(self.settings.file_bytes, rates.min()) / 3600.0, 3)
                if rates.size else None,
            },
        }

    def records(self) -> list[dict]:
        """One JSON-ready record per day (no NaN: None where a value is undefined)."""
        out = []
        for i, date in enumerate(self.dates):
            rate = float(self.data_rate_bps[i])
            blackout = bool(self.blackout_hours[i] > 0.0)
            out.append({
                "date": date,
                "phase": str(self.phase[i]),
                "dose_msv": round(float(self.dose_msv[i]), 6),
                "cumulative_msv": round(float(self.cumulative_msv[i]), 6),
                "light_time_min": round(float(self.light_time_s[i]) / 60.0, 6),
                "sep_angle_deg": _none(self.sep_angle_deg[i], 6),
                "blackout": blackout,
                "blackout_hours": round(float(self.blackout_hours[i]), 4),
                "data_rate_bps": _none(rate, 1),
                "file_hours": None if (blackout or not rate > 0 or not math.isfinite(rate))
                else round(float(transfer_time_s(self.settings.file_bytes, rate)) / 3600.0, 6),
                "distance_km": round(float(self.distance_km[i]), 1),
            })
        return out

    def to_json(self) -> dict:
        return {
            "summary": self.summary(),
            "model": {"dose": self.settings.dose.to_json(), "link": self.settings.link.to_json(),
                      "threshold_deg": self.settings.threshold_deg, "file_bytes": self.settings.file_bytes},
            "ephemeris": self.ephemeris,
            "warnings": self.warnings,
            "assumptions": self.assumptions,
            "days": self.records(),
        }


def mission_bounds(plan) -> tuple[float, float, float, float]:
    """Launch, Mars arrival, Mars departure and Earth return of a plan, TDB s."""
    out, ret = plan.legs
    bounds = (float(out.t_depart), float(out.t_arrive), float(ret.t_depart), float(ret.t_arrive))
    if any(b > a for a, b in zip(bounds[1:], bounds[:-1])):
        raise InputError("the plan's legs are not in order", "plan.legs")
    return bounds


def day_edges(t_start: float, t_end: float) -> tuple[list[str], np.ndarray]:
    """UTC days covering ``[t_start, t_end]``: their dates and the midnights bounding them (TDB s)."""
    d0 = tdb_to_datetime64(t_start).astype("datetime64[D]")
    d1 = tdb_to_datetime64(t_end).astype("datetime64[D]")
    days = np.arange(d0, d1 + np.timedelta64(2, "D"), dtype="datetime64[D]")
    edges = datetime64_to_tdb(days)
    return [str(d) for d in days[:-1]], edges


def crew_timeline(plan, settings: CrewSettings = CrewSettings(), *, ephemeris=None) -> CrewTimeline:
    """The crew's journey day by day: dose, light time, blackouts and data rate.

    Parameters
    ----------
    plan : Plan
        A round trip (:func:`sojourn.mission.plan.plan_mission`); its two legs
        give the phases and the spacecraft's path
        (:func:`sojourn.mission.trajectory.spacecraft_states`).
    settings : CrewSettings
        Dose model, link budget, blackout threshold (deg) and file size (bytes).
    ephemeris : Ephemeris or str, optional

    Returns
    -------
    CrewTimeline
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.trajectory import spacecraft_states

    eph = resolve_ephemeris(ephemeris)
    threshold = blackout_threshold(settings.threshold_deg, "threshold_deg")
    bounds = mission_bounds(plan)
    t_launch, t_return = bounds[0], bounds[3]
    origin = plan.legs[0].origin
    dates, edges = day_edges(t_launch, t_return)
    lo = np.maximum(edges[:-1], t_launch)
    hi = np.minimum(edges[1:], t_return)
    t_s = 0.5 * (lo + hi)

    dose = integrate_dose(settings.dose, bounds, edges)

    def geometry(t):
        r_sc, _ = spacecraft_states(plan, t, eph)
        r_e, _ = eph.state(origin, t)
        return r_e, r_sc

    r_e, r_sc = geometry(t_s)
    distance = np.linalg.norm(r_sc - r_e, axis=-1)
    angle = sun_observer_target_angle_deg(r_e, r_sc)

    def angle_fn(t):
        return sun_observer_target_angle_deg(*geometry(np.asarray(t, dtype=np.float64)))

    t_all = np.concatenate(([t_launch], t_s, [t_return]))
    a_all = np.concatenate(([np.nan], angle, [np.nan]))
    keep = np.concatenate(([True], np.diff(t_all) > 0))
    blackouts = find_blackouts(angle_fn, t_launch, t_return, threshold, samples=(t_all[keep], a_all[keep]))
    hours = np.zeros(len(dates))
    for b in blackouts:  # a handful of spans; each a vectorised overlap with every day
        hours += np.clip(np.minimum(edges[1:], b.end) - np.maximum(edges[:-1], b.start), 0.0, None) / 3600.0

    with np.errstate(divide="ignore"):
        rate = data_rate_bps(distance, settings.link)
    limit_t = limit_crossing(settings.dose, edges, dose["cumulative_msv"])
    warnings = [f"solar particle event on {s.date} ({s.dose_msv:g} mSv) is outside the mission: not counted"
                for s in dose["spe_outside"]]
    if settings.dose.prior_career_msv >= settings.dose.career_limit_msv:
        warnings.append(f"the career limit of {settings.dose.career_limit_msv:g} mSv is already exceeded "
                        f"before launch ({settings.dose.prior_career_msv:g} mSv of prior career dose)")
    elif limit_t is not None:
        warnings.append(f"the career limit of {settings.dose.career_limit_msv:g} mSv is reached on "
                        f"{tdb_to_utc_iso(limit_t)}")
    by_phase = {k: float(v.sum()) for k, v in dose["by_phase"].items()}
    by_phase["solar_particle_events"] = float(dose["spe_msv"].sum())
    assumptions = [
        f"ephemeris {eph.name}; the crew follows the plan's ballistic legs (two-body arcs) and stays at "
        f"{plan.legs[0].destination} between them",
        "dose equivalent: cruise rate on both transits, Mars surface rate for the whole stay, nothing on Earth",
        "the career limit (NASA-STD-3001: effective dose) is compared with dose equivalent, a common and "
        "conservative proxy",
        "one-way light time is the instantaneous crew-Earth distance over c",
        f"a blackout is a Sun-Earth-spacecraft angle below {threshold:g}°, found on daily samples and "
        "refined by bisection",
        "data rate: free-space link budget (Friis), no solar or atmospheric noise beyond the system "
        "noise temperature; gigabytes are 10^9 bytes",
    ]
    return CrewTimeline(
        scenario_name=plan.scenario_name, ephemeris=eph.name, bounds=bounds, dates=dates, edges=edges,
        t_sample=t_s, phase=phase_at(bounds, t_s), dose_msv=dose["dose_msv"],
        cumulative_msv=dose["cumulative_msv"], distance_km=distance, light_time_s=light_time_s(distance),
        sep_angle_deg=angle, data_rate_bps=rate, blackout_hours=hours, blackouts=blackouts,
        dose_by_phase=by_phase, limit_t=limit_t, settings=settings, warnings=warnings, assumptions=assumptions,
    )

