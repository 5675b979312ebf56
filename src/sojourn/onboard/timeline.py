"""The crew's journey, day by day: dose, light time, blackouts and data rate.

:func:`crew` (``sj.crew``) follows a :class:`~sojourn.mission.plan.Plan` from the UTC
day of launch to the UTC day of return. For each day it records the phase, the
dose equivalent received that day and the career total so far
(:mod:`sojourn.onboard.dose`), and, at the middle of the part of the day spent in
flight, the distance to Earth, the one-way light time, the Sun-Earth-spacecraft
angle and the data rate a link budget allows (:mod:`sojourn.onboard.comms`).
Solar-conjunction blackouts are found on those daily samples and their ends
refined below a day. A summary gathers what weighs on the crew.

The crew model's settings (:class:`CrewSettings`) come from
:class:`~sojourn.onboard.dose.DoseModel`, :class:`~sojourn.onboard.comms.LinkBudget`
and a few more numbers; :func:`crew_settings` builds them from a crew-config
TOML file (what the command line reads), or a dict of the same shape,
and keyword overrides::

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

Every table and key is optional and checked by the pydantic model
:class:`CrewConfig`: an unknown key, a wrong type or a value out of range raises
:class:`~sojourn.errors.ScenarioError` whose ``where`` is ``"<file>: <table.key>"``,
as a scenario's errors do; an override's error names the override.
"""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
from pydantic import PrivateAttr, ValidationError, field_validator, model_validator

from sojourn import checks
from sojourn.constants import AU_KM
from sojourn.onboard.comms import (
    DEFAULT_THRESHOLD_DEG,
    LinkBudget,
    blackout_table,
    blackout_threshold,
    data_rate_bps,
    find_blackouts,
    light_time_s,
    sun_observer_target_angle_deg,
    transfer_time_s,
)
from sojourn.onboard.clocks import CLOCK_MODEL
from sojourn.onboard.dose import DoseModel, integrate_dose, limit_crossing, phase_at
from sojourn.errors import InputError
from sojourn.mission.scenario import (
    _describe,
    _KeyProblem,
    _Model,
    _Number,
    _scenario_error,
    _date_text,
    read_toml,
)
from sojourn.results import Result, rounded
from sojourn.time import DAY, datetime64_to_tdb, tdb_to_datetime, tdb_to_datetime64, tdb_to_utc_iso

__all__ = ["CrewConfig", "CrewSettings", "CrewTimeline", "crew", "crew_settings", "day_edges", "mission_bounds"]

DEFAULT_FILE_BYTES = 2e9
"""Size of the file the crew sends home by default: a 2 GB video (SI gigabytes)."""


# ---------------------------------------------------------------------------------------------
# settings


@dataclass(frozen=True)
class CrewSettings:
    """Everything the crew model needs besides the plan.

    Attributes
    ----------
    dose : DoseModel
    link : LinkBudget
    threshold_deg : float
        Blackout below this Sun-Earth-spacecraft angle, degrees (0-180, exclusive).
    file_bytes : float
        The file the crew sends home, bytes (> 0).
    """

    dose: DoseModel = DoseModel()
    link: LinkBudget = LinkBudget()
    threshold_deg: float = DEFAULT_THRESHOLD_DEG
    file_bytes: float = DEFAULT_FILE_BYTES

    def __post_init__(self):
        object.__setattr__(self, "threshold_deg", blackout_threshold(self.threshold_deg))
        object.__setattr__(self, "file_bytes", checks.positive(self.file_bytes, "file_bytes", "file size", "bytes"))

    def to_dict(self) -> dict:
        """The ``model`` part of the crew's JSON."""
        return {"dose": self.dose.to_dict(), "link": self.link.to_dict(), "threshold_deg": self.threshold_deg,
                "file_bytes": self.file_bytes}


_Opt = Optional[_Number]


class _SolarParticleEventKeys(_Model):
    date: str
    dose_msv: _Number

    @field_validator("date", mode="before")
    @classmethod
    def _toml_date(cls, value):
        return _date_text(value)


class DoseKeys(_Model):
    """The ``[dose]`` table: :class:`~sojourn.onboard.dose.DoseModel`'s attributes, each optional."""

    cruise_msv_per_day: _Opt = None
    surface_msv_per_day: _Opt = None
    shielding_factor: _Opt = None
    solar_modulation_amplitude: _Opt = None
    solar_minimum: Optional[str] = None
    solar_cycle_years: _Opt = None
    career_limit_msv: _Opt = None
    prior_career_msv: _Opt = None
    solar_particle_events: Optional[list[_SolarParticleEventKeys]] = None

    @field_validator("solar_minimum", mode="before")
    @classmethod
    def _toml_date(cls, value):
        return _date_text(value)


class CommsKeys(_Model):
    """The ``[comms]`` table: the blackout threshold, the link budget (GHz, Mbit/s) and the file (GB)."""

    threshold_deg: _Opt = None
    transmit_power_w: _Opt = None
    transmit_diameter_m: _Opt = None
    transmit_efficiency: _Opt = None
    receive_diameter_m: _Opt = None
    receive_efficiency: _Opt = None
    frequency_ghz: _Opt = None
    system_noise_temperature_k: _Opt = None
    required_ebn0_db: _Opt = None
    margin_db: _Opt = None
    max_rate_mbps: _Opt = None
    file_gb: _Opt = None


_KEY = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class CrewConfig(_Model):
    """A crew-config file (``[dose]``, ``[[dose.solar_particle_events]]``, ``[comms]``), validated.

    Types and keys are checked by the models; ranges by building the
    :class:`CrewSettings` they describe, so a value is refused for the same
    reason whether it comes from a file, an option or Python.
    """

    dose: DoseKeys = DoseKeys()
    comms: CommsKeys = CommsKeys()

    _settings: CrewSettings = PrivateAttr()

    @model_validator(mode="after")
    def _build(self):
        try:
            self._settings = _settings_of(self.dose.model_dump(exclude_none=True),
                                          self.comms.model_dump(exclude_none=True))
        except InputError as exc:
            table = "comms" if exc.where in CommsKeys.model_fields else "dose"
            key = [int(i) if i else name for name, i in _KEY.findall(exc.where or "")]
            raise _KeyProblem(exc.message, table, *key) from None
        return self

    @property
    def settings(self) -> CrewSettings:
        """The settings this file describes (defaults for every key it leaves out)."""
        return self._settings


def _settings_of(dose: dict, comms: dict) -> CrewSettings:
    """CrewSettings from the ``[dose]`` and ``[comms]`` keys given; errors name the key."""
    comms = dict(comms)
    threshold = blackout_threshold(comms.pop("threshold_deg", DEFAULT_THRESHOLD_DEG))
    file_gb = checks.positive(comms.pop("file_gb", DEFAULT_FILE_BYTES / 1e9), "file_gb", "file size", "GB")
    if "frequency_ghz" in comms:
        comms["frequency_hz"] = checks.positive(comms.pop("frequency_ghz"), "frequency_ghz", "frequency", "GHz") * 1e9
    if "max_rate_mbps" in comms:
        comms["max_rate_bps"] = checks.positive(comms.pop("max_rate_mbps"), "max_rate_mbps", "max rate",
                                                "Mbit/s") * 1e6
    return CrewSettings(dose=DoseModel(**dose), link=LinkBudget(**comms), threshold_deg=threshold,
                        file_bytes=file_gb * 1e9)


def _config_data(config) -> tuple[dict, str]:
    """(TOML-shaped data, its source for errors) from None, a file path or a dict."""
    if config is None:
        return {}, "settings"
    if isinstance(config, (str, os.PathLike)):
        name = os.fspath(config)
        return read_toml(name, "crew config file"), name
    if isinstance(config, dict):
        return copy.deepcopy(config), "settings"
    raise InputError(f"crew settings are CrewSettings, a crew-config file or a dict, not {type(config).__name__}",
                     "settings")


def crew_settings(config=None, **overrides) -> CrewSettings:
    """The crew model's settings from a crew-config file (or dict) and keyword overrides.

    Parameters
    ----------
    config : str, os.PathLike or dict, optional
        A crew-config TOML file, or its content as a dict (``{"dose": {...},
        "comms": {...}}``); see the module notes for its keys.
    **overrides
        Any key of ``[dose]`` or ``[comms]`` by its name (``shielding_factor=0.5``,
        ``frequency_ghz=32``); None leaves the file's (or the default) value.
        They win over ``config``.

    Returns
    -------
    CrewSettings

    Raises
    ------
    ScenarioError
        A bad file or dict: ``where`` is ``"<file>: <table.key>"`` (``"settings: ..."`` for a dict).
    InputError
        A bad override, naming it (``where="shielding_factor"``).

    Examples
    --------
    >>> s = crew_settings({"dose": {"prior_career_msv": 50}}, shielding_factor=0.5)
    >>> (s.dose.prior_career_msv, s.dose.shielding_factor, s.link.frequency_hz)
    (50.0, 0.5, 8400000000.0)
    """
    data, source = _config_data(config)
    try:
        settings = CrewConfig.model_validate(data).settings
    except ValidationError as exc:
        raise _scenario_error(exc, source, root=CrewConfig) from None
    given = {k: v for k, v in overrides.items() if v is not None}
    if not given:
        return settings
    for key, value in given.items():
        table = "dose" if key in DoseKeys.model_fields else "comms" if key in CommsKeys.model_fields else None
        if table is None:
            raise InputError(f"unknown crew setting '{key}'", key)
        data.setdefault(table, {})[key] = value
    try:
        return CrewConfig.model_validate(data).settings
    except ValidationError as exc:  # the file alone is valid: an override is at fault
        loc, message = _describe(exc.errors()[0], CrewConfig)
        key = next((p for p in loc if isinstance(p, str) and p in given), None) or next(iter(given))
        raise InputError(" ".join(message.split()), key) from None


def as_settings(settings) -> CrewSettings:
    """CrewSettings as given, or built by :func:`crew_settings` from a file or dict (None: the defaults)."""
    if settings is None:
        return CrewSettings()
    if isinstance(settings, CrewSettings):
        return settings
    return crew_settings(settings)


# ---------------------------------------------------------------------------------------------
# the timeline


_UNITS = {"day_start": "s TDB past J2000", "day_end": "s TDB past J2000", "t_sample": "s TDB past J2000",
          "dose_msv": "mSv", "cumulative_msv": "mSv", "distance_km": "km", "light_time_s": "s",
          "sep_angle_deg": "deg", "data_rate_bps": "bit/s", "blackout_hours": "h", "file_hours": "h",
          "sun_distance_au": "au"}


@dataclass(frozen=True, repr=False)
class CrewTimeline(Result):
    """The crew's day-by-day record of a round trip.

    Attributes
    ----------
    scenario_name, ephemeris : str
    bounds : tuple of 4 floats
        Launch, Mars arrival, Mars departure, Earth return, TDB s.
    series : xarray.Dataset
        One entry per UTC day (coordinate ``date``, the day's 00:00 UTC as
        datetime64), launch day to return day: ``day_start``, ``day_end`` (the
        day's midnights, TDB s), ``t_sample`` (the middle of the day's time in
        flight, TDB s), ``phase`` (``outbound``, ``mars`` or ``return``),
        ``dose_msv`` (received that day), ``cumulative_msv`` (career total at
        the day's end, prior dose included), ``sun_distance_au`` (the crew's
        distance from the Sun), ``distance_km``, ``light_time_s``
        (one way), ``sep_angle_deg`` (Sun-Earth-spacecraft angle, NaN where
        undefined: the crew at Earth), ``data_rate_bps``, ``blackout_hours``,
        ``blackout`` (any of the day in a blackout) and ``file_hours`` (time to
        send the file; NaN in a blackout). Each variable's ``units`` attribute
        names its unit.
    blackouts : tuple of Blackout
    dose_by_phase : dict
        Mission dose by phase and from solar particle events, mSv.
    limit_t : float or None
        When the career limit is reached, TDB s.
    settings : CrewSettings
    clock : ClockOffset or None
        How far the crew's clocks drift from Earth's, launch to return
        (:func:`sojourn.onboard.clocks.crew_clock`).
    warnings, assumptions : tuple of str
    plan : Plan
        The plan followed (not part of :meth:`to_dict`).
    """

    scenario_name: str
    ephemeris: str
    bounds: tuple
    series: Any
    blackouts: tuple
    dose_by_phase: dict
    limit_t: Optional[float]
    settings: CrewSettings
    clock: Optional[Any] = None
    warnings: tuple = ()
    assumptions: tuple = ()
    plan: Any = field(default=None, compare=False)

    @property
    def dates(self) -> list[str]:
        """The UTC days, ``YYYY-MM-DD``."""
        return [str(d)[:10] for d in self.series["date"].values]

    @property
    def edges(self) -> np.ndarray:
        """The UTC midnights bounding the days, TDB s (one more than the days)."""
        return np.append(self.series["day_start"].values, self.series["day_end"].values[-1])

    @property
    def mission_days(self) -> float:
        """Days from leaving Earth to coming back."""
        return (self.bounds[3] - self.bounds[0]) / DAY

    @property
    def mission_msv(self) -> float:
        """Dose equivalent received on this mission, mSv."""
        return float(sum(self.dose_by_phase.values()))

    @property
    def limit_date(self):
        """When the career limit is reached (UTC datetime), or None."""
        return None if self.limit_t is None else tdb_to_datetime(self.limit_t)

    @property
    def longest_blackout(self):
        """The longest :class:`~sojourn.onboard.comms.Blackout`, or None."""
        return max(self.blackouts, key=lambda b: b.days, default=None)

    @property
    def blackout_table(self):
        """The blackouts as a pandas DataFrame (UTC dates, days, smallest angle)."""
        return blackout_table(self.blackouts)

    def overview(self) -> dict:
        """What weighs on the crew (the ``summary`` of :meth:`to_dict`): time away, dose, silences, distance."""
        s = self.series
        return {
            "scenario": self.scenario_name,
            "launch": tdb_to_utc_iso(self.bounds[0], "minute"),
            "mars_arrival": tdb_to_utc_iso(self.bounds[1], "minute"),
            "mars_departure": tdb_to_utc_iso(self.bounds[2], "minute"),
            "return": tdb_to_utc_iso(self.bounds[3], "minute"),
            "days_since_leaving_earth": round(self.mission_days, 3),
            "dose": self._dose_overview(),
            "comms": self._comms_overview(s),
            **self._time_overview(),
        }

    def _time_overview(self) -> dict:
        """The plan's events with their Earth-received times, and the crew's clocks against Earth's."""
        clock = None if self.clock is None else dict(self.clock.to_dict(), in_words=self.clock.in_words())
        events = [] if self.plan is None else [e.to_dict() for e in self.plan.events]
        return {"events": events, "clock": clock}

    def _dose_overview(self) -> dict:
        dose, mission = self.settings.dose, self.mission_msv
        return {
            "mission_msv": round(mission, 3),
            "by_phase_msv": {k: round(v, 3) for k, v in self.dose_by_phase.items()},
            "prior_career_msv": dose.prior_career_msv,
            "career_total_msv": round(dose.prior_career_msv + mission, 3),
            "career_limit_msv": dose.career_limit_msv,
            "fraction_of_limit": round((dose.prior_career_msv + mission) / dose.career_limit_msv, 4),
            "limit_crossed": self.limit_t is not None,
            "limit_crossed_on": None if self.limit_t is None else tdb_to_utc_iso(self.limit_t),
        }

    def _comms_overview(self, s) -> dict:
        longest = self.longest_blackout
        longest_days = 0.0 if longest is None else round(longest.days, 3)
        distance, light = s["distance_km"].values, s["light_time_s"].values
        i_far = int(np.argmax(distance))
        rates = s["data_rate_bps"].values[~s["blackout"].values & (distance > 0)]
        lowest = float(rates.min()) if rates.size else None
        file_bytes = self.settings.file_bytes
        return {
            "threshold_deg": self.settings.threshold_deg,
            "blackouts": [b.to_dict() for b in self.blackouts],
            "longest_blackout_days": longest_days,
            "longest_stretch_without_contact_days": longest_days,
            "longest_blackout": None if longest is None else longest.to_dict(),
            "longest_one_way_delay_min": round(float(light.max()) / 60.0, 3),
            "longest_one_way_delay_on": self.dates[int(np.argmax(light))],
            "farthest_distance_km": round(float(distance[i_far]), 0),
            "farthest_distance_au": round(float(distance[i_far]) / AU_KM, 4),
            "farthest_on": self.dates[i_far],
            "lowest_data_rate_bps": rounded(lowest),
            "file_bytes": file_bytes,
            "file_hours_at_lowest_rate": None if lowest is None
            else rounded(transfer_time_s(file_bytes, lowest) / 3600.0, 3),
        }

    def records(self) -> list[dict]:
        """One JSON-ready record per day (None where a value is undefined)."""
        s = self.series
        cols = {k: s[k].values.tolist() for k in ("phase", "dose_msv", "cumulative_msv", "light_time_s",
                                                  "sep_angle_deg", "blackout", "blackout_hours",
                                                  "data_rate_bps", "file_hours", "distance_km",
                                                  "sun_distance_au")}
        return [{
            "date": date,
            "phase": cols["phase"][i],
            "dose_msv": round(cols["dose_msv"][i], 6),
            "cumulative_msv": round(cols["cumulative_msv"][i], 6),
            "light_time_min": round(cols["light_time_s"][i] / 60.0, 6),
            "sep_angle_deg": rounded(cols["sep_angle_deg"][i], 6),
            "blackout": bool(cols["blackout"][i]),
            "blackout_hours": round(cols["blackout_hours"][i], 4),
            "data_rate_bps": rounded(cols["data_rate_bps"][i], 1),
            "file_hours": rounded(cols["file_hours"][i], 6),
            "distance_km": round(cols["distance_km"][i], 1),
            "sun_distance_au": round(cols["sun_distance_au"][i], 6),
        } for i, date in enumerate(self.dates)]

    def to_dict(self) -> dict:
        return {
            "summary": self.overview(),
            "model": self.settings.to_dict(),
            "ephemeris": self.ephemeris,
            "warnings": list(self.warnings),
            "assumptions": list(self.assumptions),
            "days": self.records(),
        }

    def summary(self) -> list[tuple[str, str]]:
        longest = self.longest_blackout
        return [("scenario", self.scenario_name), ("days", f"{self.mission_days:.0f}"),
                ("mission_msv", f"{self.mission_msv:.0f}"),
                ("career_limit", "reached " + tdb_to_utc_iso(self.limit_t) if self.limit_t is not None
                 else "not reached"),
                ("longest_blackout_days", "0" if longest is None else f"{longest.days:.1f}")]


def mission_bounds(plan) -> tuple[float, float, float, float]:
    """Launch, Mars arrival, Mars departure and Earth return of a plan, TDB s."""
    out, ret = plan.legs
    bounds = (float(out.t_depart), float(out.t_arrive), float(ret.t_depart), float(ret.t_arrive))
    if any(b > a for a, b in zip(bounds[1:], bounds[:-1])):
        raise InputError("the plan's legs are not in order", "plan")
    return bounds


def day_edges(t_start: float, t_end: float) -> tuple[np.ndarray, np.ndarray]:
    """UTC days covering ``[t_start, t_end]``: their dates (datetime64[D]) and the midnights bounding them (TDB s)."""
    d0 = tdb_to_datetime64(t_start).astype("datetime64[D]")
    d1 = tdb_to_datetime64(t_end).astype("datetime64[D]")
    days = np.arange(d0, d1 + np.timedelta64(2, "D"), dtype="datetime64[D]")
    return days[:-1], datetime64_to_tdb(days)


def _geometry(plan, eph):
    """``positions(t) -> (r_earth, r_craft)``, heliocentric km, for epochs ``t`` (TDB s)."""
    from sojourn.mission.trajectory import spacecraft_states

    origin = plan.legs[0].origin

    def positions(t):
        t = np.asarray(t, dtype=np.float64)
        return eph.state(origin, t)[0], spacecraft_states(plan, t, eph)[0]

    return positions


def _blackouts(positions, bounds, t_s, angle, threshold, edges):
    """The blackouts between launch and return, and each day's hours inside one."""
    t_launch, t_return = bounds[0], bounds[3]
    t_all = np.concatenate(([t_launch], t_s, [t_return]))
    a_all = np.concatenate(([np.nan], angle, [np.nan]))
    keep = np.concatenate(([True], np.diff(t_all) > 0))
    found = find_blackouts(lambda t: sun_observer_target_angle_deg(*positions(t)), t_launch, t_return, threshold,
                           samples=(t_all[keep], a_all[keep]), positions=positions)
    hours = np.zeros(edges.size - 1)
    for b in found:  # a handful of spans; each a vectorised overlap with every day
        hours += np.clip(np.minimum(edges[1:], b.end) - np.maximum(edges[:-1], b.start), 0.0, None) / 3600.0
    return tuple(found), hours


def _series(days, edges, t_s, bounds, dose, distance, angle, rate, hours, settings, sun_au):
    import xarray as xr

    blackout = hours > 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        file_hours = transfer_time_s(settings.file_bytes, rate) / 3600.0
    file_hours = np.where(blackout | ~(rate > 0) | ~np.isfinite(rate), np.nan, file_hours)
    data = {"day_start": edges[:-1], "day_end": edges[1:], "t_sample": t_s, "phase": phase_at(bounds, t_s),
            "dose_msv": dose.dose_msv, "cumulative_msv": dose.cumulative_msv, "distance_km": distance,
            "light_time_s": light_time_s(distance), "sep_angle_deg": angle, "data_rate_bps": rate,
            "blackout_hours": hours, "blackout": blackout, "file_hours": file_hours, "sun_distance_au": sun_au}
    variables = {k: ("date", np.asarray(v), {"units": _UNITS[k]} if k in _UNITS else {}) for k, v in data.items()}
    return xr.Dataset(variables, coords={"date": days.astype("datetime64[ns]")},
                      attrs={"description": "the crew's day by day: UTC days from launch to return"})


def _warnings(settings, dose, limit_t) -> tuple:
    d = settings.dose
    out = [f"solar particle event on {s.date} ({s.dose_msv:g} mSv) is outside the mission: not counted"
           for s in dose.spe_outside]
    if d.prior_career_msv >= d.career_limit_msv:
        out.append(f"the career limit of {d.career_limit_msv:g} mSv is already exceeded before launch "
                   f"({d.prior_career_msv:g} mSv of prior career dose)")
    elif limit_t is not None:
        out.append(f"the career limit of {d.career_limit_msv:g} mSv is reached on {tdb_to_utc_iso(limit_t)}")
    return tuple(out)


def _assumptions(eph, plan, threshold) -> tuple:
    return (
        f"ephemeris {eph.name}; the crew follows the plan's ballistic legs (two-body arcs, from arc to arc "
        "at a flyby) and stays at "
        f"{plan.legs[0].destination} between them",
        "dose equivalent: cruise rate on both transits, Mars surface rate for the whole stay, nothing on Earth; "
        "solar particle events scaled by the crew's distance from the Sun, r^-2 inside 1 au (ECSS-E-ST-10-04C)",
        "the career limit (NASA-STD-3001: effective dose) is compared with dose equivalent, a common and "
        "conservative proxy",
        "one-way light time is the instantaneous crew-Earth distance over c",
        f"a blackout is a Sun-Earth-spacecraft angle below {threshold:g}°, found on daily samples and "
        "refined by bisection",
        "data rate: free-space link budget (Friis), no solar or atmospheric noise beyond the system "
        "noise temperature; gigabytes are 10^9 bytes",
        CLOCK_MODEL,
    )


def timeline(plan, settings: CrewSettings, eph) -> CrewTimeline:
    """The crew's journey along ``plan``, day by day (see :func:`crew`, which also plans a scenario).

    Parameters
    ----------
    plan : Plan
        Its two legs give the phases and the craft's path
        (:func:`sojourn.mission.trajectory.spacecraft_states`).
    settings : CrewSettings
    eph : Ephemeris
    """
    from sojourn.onboard.clocks import crew_clock

    bounds = mission_bounds(plan)
    days, edges = day_edges(bounds[0], bounds[3])
    t_s = 0.5 * (np.maximum(edges[:-1], bounds[0]) + np.minimum(edges[1:], bounds[3]))
    positions = _geometry(plan, eph)
    dose = integrate_dose(settings.dose, bounds, edges,
                          lambda t: np.linalg.norm(positions(t)[1], axis=-1) / AU_KM)
    r_e, r_sc = positions(t_s)
    distance = np.linalg.norm(r_sc - r_e, axis=-1)
    angle = sun_observer_target_angle_deg(r_e, r_sc)
    blackouts, hours = _blackouts(positions, bounds, t_s, angle, settings.threshold_deg, edges)
    with np.errstate(divide="ignore"):
        rate = data_rate_bps(distance, settings.link)
    limit_t = limit_crossing(settings.dose, edges, dose.cumulative_msv)
    return CrewTimeline(
        scenario_name=plan.scenario_name, ephemeris=eph.name, bounds=bounds,
        series=_series(days, edges, t_s, bounds, dose, distance, angle, rate, hours, settings,
                       np.linalg.norm(r_sc, axis=-1) / AU_KM),
        blackouts=blackouts, dose_by_phase=dose.phase_totals(), limit_t=limit_t, settings=settings,
        clock=crew_clock(plan, ephemeris=eph),
        warnings=_warnings(settings, dose, limit_t), assumptions=_assumptions(eph, plan, settings.threshold_deg),
        plan=plan,
    )


def crew(plan_or_scenario, settings=None, *, step_days=None, ephemeris=None, progress=None) -> CrewTimeline:
    """The crew's journey day by day: radiation dose, light time, blackouts and data rate.

    Parameters
    ----------
    plan_or_scenario : Plan, Scenario, str or os.PathLike
        A plan (:func:`sojourn.plan`), or a scenario (object or TOML file) whose
        best plan is searched first.
    settings : CrewSettings, str, os.PathLike or dict, optional
        The crew model: :class:`CrewSettings`, a crew-config TOML file or a dict
        of the same shape (:func:`crew_settings`); default the published rates,
        an X-band link to a 34 m antenna and a 2° blackout threshold.
    step_days : float, optional
        Search grid step when a scenario is given, days (default: the scenario's).
    ephemeris : Ephemeris or str, optional
    progress : callable, optional
        ``progress(done, total, label)`` while the plan is searched (:mod:`sojourn.progress`).

    Returns
    -------
    CrewTimeline
        Its ``series`` (an xarray Dataset, one entry per UTC day), ``blackouts``
        and :meth:`~CrewTimeline.overview`.

    Raises
    ------
    ScenarioError
        A bad scenario or crew-config file (naming the file and key).
    InputError
        A bad setting or step, naming it.
    NoSolutionError
        The scenario has no feasible plan.

    Examples
    --------
    >>> import sojourn as sj
    >>> tl = sj.crew("examples/ulysses.toml")
    >>> round(tl.mission_msv)  # 560 days of cruise at 1.84 mSv/day and 372 at Mars at 0.64
    1268
    >>> tl.series["light_time_s"].max().item() / 60 < 22.5
    True
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.plan import as_plan

    crew_model = as_settings(settings)
    eph = resolve_ephemeris(ephemeris)
    plan = as_plan(plan_or_scenario, step_days=step_days, ephemeris=eph, progress=progress)
    return timeline(plan, crew_model, eph)
