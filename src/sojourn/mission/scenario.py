"""Mission scenarios: one TOML file per crewed round trip, checked before any search runs.

A scenario says where the crew goes and how (``[mission]``, ``[departure]``,
``[arrival]``, ``[return]``), when (``[windows]``), within which limits
(``[constraints]``), who flies (``[crew]``), on what (``[vessel]``) and where it lands (``[surface]``)::

    [mission]
    name = "Ulysses"
    class = "conjunction"            # conjunction | opposition | any
    objective = "min_total_dv"       # min_total_dv | min_total_duration | min_propellant | earliest_return

    [departure]
    parking_altitude_km = 400.0

    [arrival]
    mode = "propulsive"              # propulsive | aerocapture | entry
    periapsis_altitude_km = 250.0
    period_hours = 24.6597           # or apoapsis_altitude_km, not both

    [return]
    mode = "entry"                   # entry | propulsive

    [windows]
    launch = "2033-01-01:2033-12-31"

Either leg may fly by other bodies on the way (gravity assists)::

    [return]
    mode = "entry"
    via = ["venus"]                  # Mars -> Venus flyby -> Earth
    leg_days = [[80, 400], [60, 300]]   # optional: (min, max) days of each arc

    [outbound]                       # the same two keys for the way out
    via = ["venus"]

    [flyby]                          # every flyby of the mission
    min_altitude_km = 300.0          # lowest periapsis above the body's equatorial radius
    powered = true                   # allow a burn at periapsis (false: ballistic flybys)

Each flyby joins two Lambert arcs (patched conics); a powered flyby's burn is
one of the mission's burns (``outbound_venus_flyby``, ``return_venus_flyby``),
which ``[[vessel.stages]]`` may name. Without ``leg_days`` each arc may last
from 0.3 to 2 times the Hohmann transfer time between its two bodies, within
the whole leg's transit limits. ``constraints.min_transit_days`` and
``max_transit_days`` bound each whole leg, launch to arrival, flybys included.

Launch geometry: with ``[departure] parking_inclination_deg`` the departure
burn includes the plane change that a departure asymptote of declination
beyond the orbit's inclination needs (``plane_change = "charge"``, the
default), or the search keeps to reachable declinations
(``plane_change = "avoid"``).

Units are km, km/s, km^2/s^2 (C3), kg and days unless a key names another
(``period_hours``, ``isp_s``, ``parking_inclination_deg``). Dates are UTC ISO
8601; a date alone is 00:00 UTC. Every key is checked: a misspelt key, a
missing one, a wrong type, an unknown body, an impossible orbit or a pair of
limits in the wrong order raises :class:`~sojourn.errors.ScenarioError`, one
line, whose ``where`` is ``"<file>: <dotted.key>"`` such as
``"examples/ulysses.toml: constraints.max_stay_days"``.

Windows are parsed here but checked against the ephemeris only by the search.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import hashlib
import json
import math
import os
import re
import typing
from typing import Annotated, Any, Literal, Optional

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    Strict,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from sojourn.bodies import Body, get_body
from sojourn.constants import ENTRY_INTERFACE_ALTITUDE_KM
from sojourn.errors import InputError, ScenarioError, UnknownBodyError
from sojourn.time import DAY, parse_utc, parse_window, tdb_to_utc_iso

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

__all__ = [
    "BURNS",
    "Arrival",
    "FlybyOptions",
    "Outbound",
    "Constraints",
    "Crew",
    "CrewMember",
    "Departure",
    "Electric",
    "MissionInfo",
    "Return",
    "Scenario",
    "Stage",
    "Surface",
    "Vessel",
    "Windows",
    "as_scenario",
    "load_scenario",
]

BURNS: tuple[str, ...] = ("earth_departure", "mars_arrival", "mars_departure", "earth_arrival")
"""The burns of every round trip, in flight order: leaving the origin, arriving at the
destination, leaving it, arriving back at the origin. A burn a mission does not make
(an arrival by entry) is a burn of 0 km/s."""

DEFAULT_MIN_FLYBY_ALT_KM = 300.0
"""Lowest flyby periapsis altitude when ``[flyby]`` sets none, km (about GTOP's 1.05 radii at Venus)."""


def flyby_burn_name(leg: str, body: str, nth: int = 1) -> str:
    """The name of a flyby's periapsis burn: ``outbound_venus_flyby`` (``_2`` for a second flyby of one body).

    Parameters
    ----------
    leg : {"outbound", "return"}
    body : str
        Canonical body name.
    nth : int
        Which flyby of that body on that leg (1 for the first).
    """
    return f"{leg}_{body}_flyby" + (f"_{nth}" if nth > 1 else "")

# ---------------------------------------------------------------------------
# Field types. Numbers are strict (a quoted "400" is a mistake, not a number),
# finite, and ints are accepted where floats are wanted.

_Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
_Positive = Annotated[_Number, Field(gt=0)]
_NonNegative = Annotated[_Number, Field(ge=0)]
_Text = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1)]


# Stays allowed when a scenario names a class but no stay limits (days).
# Conjunction class: NASA DRA 5.0 (NASA/SP-2009-566), about 500 days on the surface.
# Opposition class: 30-60 days at Mars in the DRA 5.0 comparisons; 20-90 here.
DEFAULT_STAY = {"conjunction": (300.0, 700.0), "opposition": (20.0, 90.0), "any": (20.0, 700.0)}
#: Longest transit searched when a scenario sets no max_transit_days, days.
DEFAULT_MAX_TRANSIT_DAYS = 400.0


class _KeyProblem(ValueError):
    """A validator's complaint about one key (``key``: path relative to the model)."""

    def __init__(self, message: str, *key: str | int):
        super().__init__(message)
        self.key = key


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _g(x: float) -> str:
    """A number as a user wrote it: 400 not 400.0, 24.6597 not 24.659700000000001."""
    return f"{x:g}" if abs(x) < 1e6 else f"{x:.0f}"


# ---------------------------------------------------------------------------
# [mission]


class MissionInfo(_Model):
    """The ``[mission]`` table: what the mission is and what it optimises.

    Attributes
    ----------
    name : str
        Mission name (required).
    description : str or None
        Free text.
    mission_class : {"conjunction", "opposition", "any"}
        Key ``class``; default ``"any"``. Without stay limits the search takes
        the class's usual stay at the destination.
    objective : {"min_total_dv", "min_total_duration", "min_propellant", "earliest_return"}
        What the search minimises; default ``"min_total_dv"``.
        ``"min_propellant"`` needs ``[vessel]`` stages.
    origin, destination : str
        Canonical body names (:func:`sojourn.bodies.get_body`); default
        ``"earth"`` and ``"mars"``.
    """

    name: _Text
    description: Optional[Annotated[str, Strict()]] = None
    mission_class: Literal["conjunction", "opposition", "any"] = Field("any", alias="class")
    objective: Literal["min_total_dv", "min_total_duration", "min_propellant", "earliest_return"] = "min_total_dv"
    origin: _Text = "earth"
    destination: _Text = "mars"

    @field_validator("origin", "destination")
    @classmethod
    def _known_body(cls, name: str) -> str:
        try:
            body = get_body(name)
        except UnknownBodyError as exc:
            raise ValueError(exc.message) from None
        if body.name == "sun" or body.radius_km <= 0.0:
            raise ValueError(f"'{name}' cannot be visited: a crew departs from and arrives at a planet or moon")
        return body.name

    @model_validator(mode="after")
    def _two_bodies(self):
        if self.origin == self.destination:
            raise _KeyProblem(f"destination is the origin ('{self.origin}'): a round trip needs two bodies",
                            "destination")
        # The crew models are Earth's and Mars's: launch and entry at Earth, Mars's surface dose
        # (Curiosity RAD), its capture orbits, its sols and seasons. Say so rather than mislabel.
        for key, wanted in (("origin", "earth"), ("destination", "mars")):
            if getattr(self, key) != wanted:
                raise _KeyProblem(f"crewed round trips are modelled from Earth to Mars (its surface dose, "
                                  f"sols and capture orbits are Mars's): {key} must be '{wanted}', not "
                                  f"'{getattr(self, key)}'", key)
        return self


# ---------------------------------------------------------------------------
# [crew]


class CrewMember(_Model):
    """One person aboard: ``{ name = "...", role = "..." }``."""

    name: _Text
    role: _Text


class Crew(_Model):
    """The ``[crew]`` table (optional): ``members``, a list of :class:`CrewMember`."""

    members: list[CrewMember] = []

    @property
    def size(self) -> int:
        """Number of people aboard."""
        return len(self.members)


# ---------------------------------------------------------------------------
# [departure], [arrival], [return]


class Departure(_Model):
    """The ``[departure]`` table: the circular parking orbit the crew leaves the origin from.

    Attributes
    ----------
    parking_altitude_km : float
        Altitude of the circular parking orbit above the equatorial radius, km (> 0).
    parking_inclination_deg : float or None
        Its inclination to the equator, degrees (0-180). An orbit of
        inclination i holds every direction of declination up to i (up to
        180° - i when retrograde); a departure asymptote beyond needs a plane change.
    plane_change : {"charge", "avoid"} or None
        With ``parking_inclination_deg``: ``"charge"`` (the default, None)
        adds the plane change to the departure burn, one combined burn at
        periapsis; ``"avoid"`` keeps the search to asymptotes the orbit reaches.
    """

    parking_altitude_km: _Positive
    parking_inclination_deg: Optional[Annotated[_Number, Field(ge=0, le=180)]] = None
    plane_change: Optional[Literal["charge", "avoid"]] = None

    @model_validator(mode="after")
    def _plane_change_needs_inclination(self):
        if self.plane_change is not None and self.parking_inclination_deg is None:
            raise _KeyProblem("plane_change needs parking_inclination_deg (the orbit whose plane is changed)",
                              "plane_change")
        return self

    @property
    def reachable_declination_deg(self) -> float | None:
        """Largest |declination| of an asymptote the parking orbit's plane holds, degrees (None: any)."""
        i = self.parking_inclination_deg
        return None if i is None else min(i, 180.0 - i)

    def radius_km(self, body: Body) -> float:
        """Parking orbit radius, km."""
        return body.radius_km + self.parking_altitude_km


class _Capture(_Model):
    """Common to ``[arrival]`` and ``[return]``: an entry, or a capture into an ellipse."""

    mode: str
    periapsis_altitude_km: Optional[_Positive] = None
    apoapsis_altitude_km: Optional[_Positive] = None
    period_hours: Optional[_Positive] = None
    entry_interface_altitude_km: _Positive = ENTRY_INTERFACE_ALTITUDE_KM

    @property
    def captures(self) -> bool:
        """True when the vessel ends in orbit (any mode but ``"entry"``)."""
        return self.mode != "entry"

    @model_validator(mode="after")
    def _orbit_keys(self):
        orbit_keys = ("periapsis_altitude_km", "apoapsis_altitude_km", "period_hours")
        if not self.captures:
            for key in orbit_keys:
                if getattr(self, key) is not None:
                    raise _KeyProblem(f"{key} describes a capture orbit; it has no meaning with mode 'entry'", key)
            return self
        if self.periapsis_altitude_km is None:
            raise _KeyProblem(f"missing key (a {self.mode} capture needs its orbit's periapsis)",
                            "periapsis_altitude_km")
        if self.apoapsis_altitude_km is not None and self.period_hours is not None:
            raise _KeyProblem("give apoapsis_altitude_km or period_hours, not both", "period_hours")
        if self.apoapsis_altitude_km is None and self.period_hours is None:
            raise _KeyProblem(f"missing key (a {self.mode} capture needs apoapsis_altitude_km or period_hours)",
                            "apoapsis_altitude_km")
        if self.apoapsis_altitude_km is not None and self.apoapsis_altitude_km < self.periapsis_altitude_km:
            raise _KeyProblem(
                f"apoapsis_altitude_km ({_g(self.apoapsis_altitude_km)}) is below "
                f"periapsis_altitude_km ({_g(self.periapsis_altitude_km)})",
                "apoapsis_altitude_km",
            )
        return self

    def orbit_radii_km(self, body: Body) -> tuple[float, float] | None:
        """Periapsis and apoapsis radii of the capture orbit about ``body``, km; None for an entry.

        From ``period_hours`` the semi-major axis is a = (GM T^2 / 4 pi^2)^(1/3)
        and the apoapsis radius 2a - r_p.
        """
        if not self.captures:
            return None
        rp = body.radius_km + self.periapsis_altitude_km
        if self.apoapsis_altitude_km is not None:
            return rp, body.radius_km + self.apoapsis_altitude_km
        t = self.period_hours * 3600.0
        a = (body.gm_km3s2 * (t / (2.0 * math.pi)) ** 2) ** (1.0 / 3.0)
        return rp, 2.0 * a - rp

    def entry_interface_radius_km(self, body: Body) -> float:
        """Radius of the atmospheric entry interface, km."""
        return body.radius_km + self.entry_interface_altitude_km

    def _check_about(self, body: Body, section: str) -> None:
        """A period too short for the periapsis: the orbit would dip below it."""
        if self.period_hours is None or not self.captures:
            return
        rp, ra = self.orbit_radii_km(body)
        if ra < rp:
            t_min = 2.0 * math.pi * math.sqrt(rp**3 / body.gm_km3s2) / 3600.0
            raise _KeyProblem(
                f"period_hours ({_g(self.period_hours)}) is shorter than a circular orbit at "
                f"periapsis_altitude_km ({_g(self.periapsis_altitude_km)}) about {body.name} ({t_min:.3f} h)",
                section, "period_hours",
            )


class _Route(_Model):
    """Common to ``[outbound]`` and ``[return]``: the bodies a leg flies by, and its arcs' durations."""

    via: Optional[list[_Text]] = None
    leg_days: Optional[list[tuple[_Positive, _Positive]]] = None

    @field_validator("via")
    @classmethod
    def _flyby_bodies(cls, names):
        out = []
        for i, name in enumerate(names):
            try:
                body = get_body(name)
            except UnknownBodyError as exc:
                raise _KeyProblem(exc.message, i) from None
            if body.name == "sun" or body.radius_km <= 0.0:
                raise _KeyProblem(f"cannot fly by '{name}': a flyby needs a planet or moon with a radius", i)
            out.append(body.name)
        return out

    @model_validator(mode="after")
    def _one_range_per_arc(self):
        if self.leg_days is None:
            return self
        arcs = len(self.via or []) + 1
        if len(self.leg_days) != arcs:
            raise _KeyProblem(f"leg_days needs {arcs} [min, max] pairs of days, one per arc "
                              f"({len(self.via or [])} flyby(s))", "leg_days")
        for i, (lo, hi) in enumerate(self.leg_days):
            if lo > hi:
                raise _KeyProblem(f"leg_days[{i}]: min ({_g(lo)}) exceeds max ({_g(hi)})", "leg_days", i)
        return self

    @property
    def flybys(self) -> tuple[str, ...]:
        """Canonical names of the bodies flown by, in order (empty for a direct leg)."""
        return tuple(self.via or ())


class Outbound(_Route):
    """The ``[outbound]`` table (optional): the way out from the origin to the destination.

    Attributes
    ----------
    via : list of str or None
        Bodies flown by on the way, in order (e.g. ``["venus"]``).
    leg_days : list of (float, float) or None
        (min, max) days of each arc, one pair per arc (flybys + 1); default
        0.3 to 2 Hohmann transfer times between the arc's two bodies.
    """


class FlybyOptions(_Model):
    """The ``[flyby]`` table (optional): how every flyby of the mission is flown.

    Attributes
    ----------
    min_altitude_km : float
        Lowest periapsis altitude above the flyby body's equatorial radius, km;
        default :data:`DEFAULT_MIN_FLYBY_ALT_KM`.
    powered : bool
        Allow one burn at periapsis where |v∞| must change (default true); false
        keeps every flyby ballistic (|v∞ in| = |v∞ out|).
    """

    min_altitude_km: _NonNegative = DEFAULT_MIN_FLYBY_ALT_KM
    powered: Annotated[bool, Strict()] = True


class Arrival(_Capture):
    """The ``[arrival]`` table: how the crew arrives at the destination.

    Attributes
    ----------
    mode : {"propulsive", "aerocapture", "entry"}
        A capture burn into an ellipse, an aerocapture into it (then a small
        periapsis raise), or a direct atmospheric entry (no burn).
    periapsis_altitude_km : float or None
        Capture orbit periapsis altitude, km; required unless ``mode = "entry"``.
    apoapsis_altitude_km, period_hours : float or None
        Its apoapsis altitude (km) or its period (h): exactly one of the two
        unless ``mode = "entry"`` (neither then).
    entry_interface_altitude_km : float
        Atmospheric interface altitude, km; default 125.
    """

    mode: Literal["propulsive", "aerocapture", "entry"]


class Return(_Capture, _Route):
    """The ``[return]`` table (field ``return_``): how the crew arrives back at the origin.

    Attributes
    ----------
    mode : {"entry", "propulsive"}
        A direct atmospheric entry (no burn), or a capture burn into an ellipse.
    periapsis_altitude_km, apoapsis_altitude_km, period_hours : float or None
        As in :class:`Arrival`, for ``mode = "propulsive"``.
    entry_interface_altitude_km : float
        Atmospheric interface altitude, km; default 125.
    via, leg_days : list or None
        Bodies flown by on the way home and the arcs' (min, max) days, as in :class:`Outbound`.
    """

    mode: Literal["entry", "propulsive"]


# ---------------------------------------------------------------------------
# [windows]


def _date_text(value: Any) -> Any:
    """A TOML date or date-time (``return_by = 2037-12-31``) as ISO text; anything else unchanged."""
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


class Windows(_Model):
    """The ``[windows]`` table: when the crew may leave and by when it must be back.

    Attributes
    ----------
    launch : str
        Departure window ``"START:END"`` in UTC (required), e.g.
        ``"2033-01-01:2033-12-31"``.
    return_by : str or None
        Latest arrival back at the origin, UTC (a date alone is 00:00 UTC).
        A TOML date (unquoted) is accepted too.
    step_days : float
        Grid step of the search, days (> 0); default 1.
    launch_tdb : (float, float)
        The launch window in TDB seconds past J2000.
    return_by_tdb : float or None
        ``return_by`` in TDB seconds past J2000.
    """

    launch: _Text
    return_by: Optional[_Text] = None
    step_days: _Positive = 1.0

    _launch_tdb: tuple[float, float] = PrivateAttr()
    _return_by_tdb: Optional[float] = PrivateAttr(None)

    @field_validator("return_by", mode="before")
    @classmethod
    def _toml_date(cls, value):
        return _date_text(value)

    @model_validator(mode="after")
    def _parse_dates(self):
        try:
            self._launch_tdb = parse_window(self.launch)
        except InputError as exc:
            raise _KeyProblem(exc.message, "launch") from None
        if self.return_by is not None:
            try:
                self._return_by_tdb = parse_utc(self.return_by)
            except InputError as exc:
                raise _KeyProblem(exc.message, "return_by") from None
            if self._return_by_tdb <= self._launch_tdb[0]:
                raise _KeyProblem(
                    f"return_by ({self.return_by}) is not after the launch window opens "
                    f"({tdb_to_utc_iso(self._launch_tdb[0])})",
                    "return_by",
                )
        return self

    @property
    def launch_tdb(self) -> tuple[float, float]:
        """(start, end) of the launch window, TDB seconds past J2000."""
        return self._launch_tdb

    @property
    def return_by_tdb(self) -> float | None:
        """Latest return, TDB seconds past J2000, or None."""
        return self._return_by_tdb


# ---------------------------------------------------------------------------
# [constraints]


class Constraints(_Model):
    """The ``[constraints]`` table: limits every acceptable round trip keeps (all optional).

    Attributes
    ----------
    max_c3 : float or None
        Launch C3, km^2/s^2.
    max_transit_days : float or None
        Longest transit, each way, days.
    min_transit_days : float
        Shortest transit, each way, days; default 60.
    min_stay_days, max_stay_days : float or None
        Stay at the destination, days (without them the search uses the
        mission class's usual stay).
    max_total_days : float or None
        Whole mission, launch to return, days.
    max_entry_speed_kms : float or None
        Entry speed at the origin's entry interface on return, km/s; only with
        ``[return] mode = "entry"``.
    max_arrival_entry_speed_kms : float or None
        Entry speed at the destination, km/s; only with ``[arrival] mode = "entry"``.
    max_total_dv_kms : float or None
        Sum of the four burns, km/s.
    """

    max_c3: Optional[_Positive] = None
    max_transit_days: Optional[_Positive] = None
    min_transit_days: _Positive = 60.0
    min_stay_days: Optional[_NonNegative] = None
    max_stay_days: Optional[_Positive] = None
    max_total_days: Optional[_Positive] = None
    max_entry_speed_kms: Optional[_Positive] = None
    max_arrival_entry_speed_kms: Optional[_Positive] = None
    max_total_dv_kms: Optional[_Positive] = None

    @model_validator(mode="after")
    def _ordered(self):
        for what in ("transit", "stay"):
            lo, hi = getattr(self, f"min_{what}_days"), getattr(self, f"max_{what}_days")
            if lo is not None and hi is not None and lo > hi:
                raise _KeyProblem(f"min_{what}_days ({_g(lo)}) exceeds max_{what}_days ({_g(hi)})",
                                f"max_{what}_days")
        if self.max_total_days is not None:
            shortest = 2.0 * self.min_transit_days + (self.min_stay_days or 0.0)
            if self.max_total_days < shortest:
                stay = f" + min_stay_days ({_g(self.min_stay_days)})" if self.min_stay_days else ""
                raise _KeyProblem(
                    f"max_total_days ({_g(self.max_total_days)}) is shorter than the shortest mission allowed: "
                    f"2 x min_transit_days ({_g(self.min_transit_days)}){stay} = {_g(shortest)} days",
                    "max_total_days",
                )
        return self


# ---------------------------------------------------------------------------
# [surface]

_LsDeg = Annotated[_Number, Field(ge=0, le=360)]


class Surface(_Model):
    """The ``[surface]`` table (optional): where on Mars the crew lands, and what the dust-storm season means.

    ::

        [surface]
        site = "jezero"                          # or latitude_deg = 18.44 and east_longitude_deg = 77.45
        dust_storm_season = "warn"               # warn | avoid | ignore
        dust_storm_season_ls_deg = [180, 360]    # optional; the default, after Zurek & Martin 1993

    With it, the plan gives every event at Mars in local time at the site, with
    its Ls, Mars year and mission sol, and the stay in sols with its daylight
    (:mod:`sojourn.mission.surface`). The landing is the Mars arrival and the
    ascent the Mars departure.

    Attributes
    ----------
    site : str or None
        A known landing site (:func:`sojourn.mission.sites.get_site`; a mission's
        name such as ``"Perseverance"`` is accepted), kept as its canonical name.
    latitude_deg, east_longitude_deg : float or None
        A place of one's own instead: planetocentric latitude (-90 to 90) and
        east longitude (-180 to 360), degrees; both of them, and no ``site``.
    dust_storm_season : {"warn", "avoid", "ignore"}
        A landing or an ascent in the dust-storm season is warned of (the
        default), kept out of by the search, or passed over in silence.
    dust_storm_season_ls_deg : (float, float) or None
        The season's Ls range, degrees (0-360), start included and end
        excluded; it may wrap through 0 (``[330, 30]``). Default
        :data:`sojourn.marstime.DUST_STORM_SEASON_LS_DEG`, Ls 180-360.
    """

    site: Optional[_Text] = None
    latitude_deg: Optional[Annotated[_Number, Field(ge=-90, le=90)]] = None
    east_longitude_deg: Optional[Annotated[_Number, Field(ge=-180, le=360)]] = None
    dust_storm_season: Literal["warn", "avoid", "ignore"] = "warn"
    dust_storm_season_ls_deg: Optional[tuple[_LsDeg, _LsDeg]] = None

    @field_validator("site")
    @classmethod
    def _known_site(cls, name: str) -> str:
        from sojourn.mission.sites import get_site

        try:
            return get_site(name).name
        except InputError as exc:
            raise ValueError(exc.message) from None

    @model_validator(mode="after")
    def _one_place(self):
        given = [k for k in ("latitude_deg", "east_longitude_deg") if getattr(self, k) is not None]
        if self.site is not None and given:
            raise _KeyProblem(f"site '{self.site}' already places the landing: give a site, or latitude_deg and "
                              "east_longitude_deg, not both", given[0])
        if self.site is None and len(given) < 2:
            missing = "east_longitude_deg" if given == ["latitude_deg"] else "latitude_deg"
            raise _KeyProblem("missing key (name a site, or give latitude_deg and east_longitude_deg)", missing)
        season = self.dust_storm_season_ls_deg
        if season is not None and season[0] % 360.0 == season[1] % 360.0:
            raise _KeyProblem(f"the season starts and ends at the same Ls ({_g(season[0])} and {_g(season[1])}): "
                              "give [start, end] such as [180, 360]", "dust_storm_season_ls_deg")
        return self

    @property
    def location(self):
        """The landing site (:class:`sojourn.mission.sites.Site`), named or of one's own."""
        from sojourn.mission.sites import Site, get_site

        if self.site is not None:
            return get_site(self.site)
        east = self.east_longitude_deg % 360.0
        return Site("custom", f"{_g(self.latitude_deg)}° N, {_g(east)}° E", self.latitude_deg, east,
                    "the scenario's [surface] table")

    @property
    def season_ls_deg(self) -> tuple[float, float]:
        """The dust-storm season's (start, end) Ls, degrees: the scenario's, or the default."""
        from sojourn.marstime import DUST_STORM_SEASON_LS_DEG

        return tuple(self.dust_storm_season_ls_deg or DUST_STORM_SEASON_LS_DEG)


# ---------------------------------------------------------------------------
# [vessel]


class Stage(_Model):
    """One ``[[vessel.stages]]`` entry: a propulsion stage, dropped after its last burn.

    Attributes
    ----------
    name : str
        Unique within the vessel.
    isp_s : float
        Specific impulse, s.
    dry_mass_kg, propellant_kg : float
        Mass without propellant, and loaded propellant, kg.
    burns : list of str
        The burns it performs, from the scenario's :attr:`Scenario.burn_names`
        (:data:`BURNS`, and a powered flyby's burn); each burn belongs to at
        most one stage.
    """

    name: _Text
    isp_s: _Positive
    dry_mass_kg: _NonNegative
    propellant_kg: _Positive
    burns: Annotated[list[_Text], Field(min_length=1)]

    @model_validator(mode="after")
    def _distinct_burns(self):
        seen = set()
        for i, burn in enumerate(self.burns):
            if burn in seen:
                raise _KeyProblem(f"burn '{burn}' is listed twice", "burns", i)
            seen.add(burn)
        return self

    @property
    def exhaust_velocity_kms(self) -> float:
        """Effective exhaust speed Isp g0, km/s."""
        from sojourn.core.rocket import exhaust_speed

        return float(exhaust_speed(self.isp_s))

    @property
    def wet_mass_kg(self) -> float:
        """Dry mass plus propellant, kg."""
        return self.dry_mass_kg + self.propellant_kg


class Electric(_Model):
    """The ``[vessel.electric]`` table (optional): electric propulsion that flies both heliocentric legs.

    With it, each transit is a low-thrust leg (:mod:`sojourn.mission.electric`):
    the departure burn (a stage's, as usual) gives at most ``vinf_departure_kms``
    and the thrust arcs do the rest; the arrival keeps at most
    ``vinf_arrival_kms`` for the capture burn or entry. The system (``dry_mass_kg``
    and what is left of ``propellant_kg``) is carried until its last thrust arc.

    Attributes
    ----------
    name : str
        What the system is called in the budget; default ``"electric propulsion"``.
    thrust_n : float
        Maximum thrust, N (at 1 AU for ``inverse_square``).
    isp_s : float
        Specific impulse, s.
    power_law : {"constant", "inverse_square"}
        Nuclear-electric (constant) or solar-electric (thrust falls as 1/r² beyond 1 AU).
    duty_cycle : float
        Share of the time the engine fires, in (0, 1]; default 1.
    dry_mass_kg : float
        Reactor or arrays, power conversion, radiators, thrusters and tanks, kg; default 0.
    propellant_kg : float
        Propellant loaded for both legs, kg.
    segments : int or None
        Segments of each optimised leg (4-200); default one per 10 days of flight.
    vinf_departure_kms, vinf_arrival_kms : float
        v-infinity allowances at each departure and each arrival, km/s; default 0.
    """

    name: _Text = "electric propulsion"
    thrust_n: _Positive
    isp_s: _Positive
    power_law: Literal["constant", "inverse_square"] = "constant"
    duty_cycle: Annotated[_Number, Field(gt=0, le=1)] = 1.0
    dry_mass_kg: _NonNegative = 0.0
    propellant_kg: _Positive
    segments: Optional[Annotated[int, Strict(), Field(ge=4, le=200)]] = None
    vinf_departure_kms: _NonNegative = 0.0
    vinf_arrival_kms: _NonNegative = 0.0

    @property
    def exhaust_velocity_kms(self) -> float:
        """Effective exhaust speed Isp g0, km/s."""
        from sojourn.core.rocket import exhaust_speed

        return float(exhaust_speed(self.isp_s))


class Vessel(_Model):
    """The ``[vessel]`` table (optional): the crew vehicle and the stages that push it.

    Attributes
    ----------
    name : str or None
        Vessel name.
    payload_kg : float
        Mass carried through every burn (the crew vehicle), kg.
    stages : list of Stage
        At least one (a mission without propellant accounting leaves ``[vessel]`` out).
    electric : Electric or None
        Electric propulsion for the heliocentric legs (``[vessel.electric]``).
    """

    name: Optional[_Text] = None
    payload_kg: _Positive
    stages: Annotated[list[Stage], Field(min_length=1)]
    electric: Optional[Electric] = None

    @model_validator(mode="after")
    def _one_stage_per_burn(self):
        names: dict[str, int] = {}
        owner: dict[str, str] = {}
        for i, stage in enumerate(self.stages):
            if stage.name in names:
                raise _KeyProblem(f"stage name '{stage.name}' is used twice (also stages[{names[stage.name]}])",
                                "stages", i, "name")
            names[stage.name] = i
            for j, burn in enumerate(stage.burns):
                if burn in owner:
                    raise _KeyProblem(f"burn '{burn}' is already performed by stage '{owner[burn]}'",
                                    "stages", i, "burns", j)
                owner[burn] = stage.name
        return self

    def missing_burns(self, scenario: "Scenario") -> list[str]:
        """The burns the mission makes (Δv > 0 by its arrival and return modes; a powered flyby's burn, which
        may be needed) that no stage performs."""
        made = [b for b in scenario.burn_names if not ((b == "mars_arrival" and scenario.arrival.mode == "entry")
                                                       or (b == "earth_arrival" and scenario.return_.mode == "entry"))]
        return [b for b in made if self.stage_for(b) is None]

    def stage_for(self, burn: str) -> Stage | None:
        """The stage that performs ``burn``, or None."""
        return next((s for s in self.stages if burn in s.burns), None)

    @property
    def initial_mass_kg(self) -> float:
        """Payload plus every stage, fully loaded (and the electric system with its propellant), kg."""
        e = self.electric
        return self.payload_kg + sum(s.wet_mass_kg for s in self.stages) + (
            0.0 if e is None else e.dry_mass_kg + e.propellant_kg)


# ---------------------------------------------------------------------------
# The scenario


class Scenario(_Model):
    """A validated mission scenario; build it with :func:`load_scenario` or :meth:`from_dict`.

    Attributes
    ----------
    mission : MissionInfo
    crew : Crew
        Empty when the file has no ``[crew]``.
    departure : Departure
    arrival : Arrival
    surface : Surface or None
        The ``[surface]`` table: the landing site and the dust-storm season (None: not given).
    return_ : Return
        The ``[return]`` table.
    windows : Windows
    constraints : Constraints
        All defaults when the file has no ``[constraints]``.
    vessel : Vessel or None
        None when the file has no ``[vessel]``.
    outbound : Outbound or None
        The ``[outbound]`` table: flybys on the way out (None: a direct leg).
    flyby : FlybyOptions or None
        The ``[flyby]`` table (None: the defaults).
    """

    mission: MissionInfo
    crew: Crew = Crew()
    departure: Departure
    arrival: Arrival
    surface: Optional[Surface] = None
    return_: Return = Field(alias="return")
    windows: Windows
    constraints: Constraints = Constraints()
    vessel: Optional[Vessel] = None
    outbound: Optional[Outbound] = None
    flyby: Optional[FlybyOptions] = None

    _source: str = PrivateAttr("<dict>")

    @model_validator(mode="after")
    def _consistent(self):
        self.arrival._check_about(self.destination_body, "arrival")
        self.return_._check_about(self.origin_body, "return")
        self._inside_spheres_of_influence()
        if self.vessel is not None and self.vessel.electric is not None and self.has_flybys:
            raise _KeyProblem("electric legs are optimised planet to planet: a leg through flybys needs an impulsive "
                              "vessel (drop [vessel.electric] or the via)", "vessel", "electric")
        c = self.constraints
        if c.max_arrival_entry_speed_kms is not None and self.arrival.mode != "entry":
            raise _KeyProblem(
                f"max_arrival_entry_speed_kms applies only when arrival.mode is 'entry' "
                f"(it is '{self.arrival.mode}')",
                "constraints", "max_arrival_entry_speed_kms",
            )
        if c.max_entry_speed_kms is not None and self.return_.mode != "entry":
            raise _KeyProblem(
                f"max_entry_speed_kms applies only when return.mode is 'entry' (it is '{self.return_.mode}')",
                "constraints", "max_entry_speed_kms",
            )
        for what, (lo, hi) in (("transit", self.transit_limits()), ("stay", self.stay_limits())):
            if lo > hi:  # one of the two is a default the user did not write
                own = "min" if getattr(c, f"max_{what}_days") is None else "max"
                kind = f"the {self.mission.mission_class}-class default" if what == "stay" else "the default"
                raise _KeyProblem(f"min_{what}_days ({_g(lo)}) exceeds max_{what}_days ({_g(hi)}, "
                                  f"{kind} when it is not set): set max_{what}_days" if own == "min" else
                                  f"max_{what}_days ({_g(hi)}) is below min_{what}_days ({_g(lo)}, "
                                  f"{kind} when it is not set): set min_{what}_days",
                                  "constraints", f"{own}_{what}_days")
        self._check_routes()
        self._check_stage_burns()
        if self.mission.objective == "min_propellant" and (self.vessel is None or not self.vessel.stages):
            raise _KeyProblem("objective 'min_propellant' needs a [vessel] with [[vessel.stages]]",
                            "mission", "objective")
        w = self.windows
        if w.return_by_tdb is not None:
            days = 2.0 * c.min_transit_days + (c.min_stay_days or 0.0)
            earliest = w.launch_tdb[0] + days * DAY
            if w.return_by_tdb < earliest:
                raise _KeyProblem(
                    f"return_by ({w.return_by}) is before the earliest possible return "
                    f"({tdb_to_utc_iso(earliest)}: launch window opening + {_g(days)} days of minimum "
                    f"transits and stay)",
                    "windows", "return_by",
                )
        return self

    def _check_routes(self) -> None:
        """No flyby of the body the arc comes from or goes to; arcs' shortest days within the transit limit."""
        for leg, ends in (("outbound", (self.mission.origin, self.mission.destination)),
                          ("return", (self.mission.destination, self.mission.origin))):
            route = self.outbound if leg == "outbound" else self.return_
            if route is None or not route.flybys:
                continue
            chain = (ends[0], *route.flybys, ends[1])
            for i, body in enumerate(route.flybys):
                if body in (chain[i], chain[i + 2]):
                    raise _KeyProblem(f"a {leg} arc cannot start and end at {body}: no flyby of {body} right "
                                      f"after or before it (zero-revolution arcs)", leg, "via", i)
            if route.leg_days is not None:
                shortest = sum(lo for lo, _ in route.leg_days)
                longest = self.transit_limits()[1]
                if shortest > longest:
                    raise _KeyProblem(f"the arcs' shortest durations add up to {_g(shortest)} days, beyond the "
                                      f"longest transit ({_g(longest)} days)", leg, "leg_days")

    def _check_stage_burns(self) -> None:
        """Every burn a stage names is one of the mission's."""
        if self.vessel is None:
            return
        names = self.burn_names
        for i, stage in enumerate(self.vessel.stages):
            for j, burn in enumerate(stage.burns):
                if burn not in names:
                    listed = ", ".join(f"'{n}'" for n in names[:-1]) + f" or '{names[-1]}'"
                    raise _KeyProblem(f"unknown value '{burn}': expected {listed}", "vessel", "stages", i,
                                      "burns", j)

    def _inside_spheres_of_influence(self) -> None:
        """Parking and capture orbits must lie inside their planet's sphere of influence (patched conics)."""
        origin, dest = self.origin_body, self.destination_body
        orbits = [(origin, self.departure.radius_km(origin), "departure", "parking_altitude_km")]
        for body, section, name in ((dest, self.arrival, "arrival"), (origin, self.return_, "return")):
            radii = section.orbit_radii_km(body)
            if radii is not None:
                key = "apoapsis_altitude_km" if section.apoapsis_altitude_km is not None else "period_hours"
                orbits.append((body, radii[1], name, key))
        for body, r, table, key in orbits:
            soi = body.sphere_of_influence_km
            if soi is not None and r >= soi:
                raise _KeyProblem(f"this orbit reaches {r - body.radius_km:,.0f} km above {body.name}, beyond its "
                                  f"sphere of influence ({soi - body.radius_km:,.0f} km): the Sun, not "
                                  f"{body.name}, would hold the vessel there", table, key)

    # -- construction -------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Any, source: str = "<dict>") -> "Scenario":
        """Validate a scenario given as nested dicts (as read from TOML).

        Parameters
        ----------
        data : dict
            Tables by their TOML keys (``"class"``, ``"return"``).
        source : str
            Where the data came from; it prefixes every error's ``where``.

        Raises
        ------
        ScenarioError
            The first problem found (and how many more), with ``where`` as
            ``"<source>: <dotted.key>"``.
        """
        try:
            scenario = cls.model_validate(data)
        except ValidationError as exc:
            raise _scenario_error(exc, source) from None
        scenario._source = str(source)
        return scenario

    @classmethod
    def from_toml(cls, text: str, source: str = "<text>") -> "Scenario":
        """Validate a scenario given as TOML text (a byte-order mark is accepted).

        Parameters
        ----------
        text : str
            The TOML document.
        source : str
            Where it came from; it prefixes every error's ``where``.

        Raises
        ------
        ScenarioError
            With ``key`` (the dotted key) and ``line`` (its line in ``text``) when known.

        Examples
        --------
        >>> sc = Scenario.from_toml(open("examples/ulysses.toml").read(), "ulysses.toml")
        >>> sc.name
        'Ulysses'
        """
        text = text.removeprefix("\ufeff")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            message, line = _toml_message(exc)
            raise ScenarioError(message, source, line=line) from None
        try:
            return cls.from_dict(data, source=source)
        except ScenarioError as exc:
            if exc.key is not None and exc.line is None:
                exc.line = key_line(text, exc.key)
            raise

    def to_dict(self) -> dict:
        """The validated content as TOML-shaped plain data (keys as in the file, defaults filled in)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def digest(self) -> str:
        """SHA-256 (hex) of the validated content, independent of formatting, comments and source.

        Two files that differ only in layout, comments, int-versus-float
        spelling or keys left at their defaults have the same digest.
        """
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    # -- what the search uses -----------------------------------------------

    def transit_limits(self) -> tuple[float, float]:
        """(min, max) days of each transit: the constraints', or the defaults."""
        c = self.constraints
        return (c.min_transit_days,
                c.max_transit_days if c.max_transit_days is not None else DEFAULT_MAX_TRANSIT_DAYS)

    def stay_limits(self) -> tuple[float, float]:
        """(min, max) days at the destination: the constraints', or the mission class's defaults."""
        lo, hi = DEFAULT_STAY[self.mission.mission_class]
        c = self.constraints
        return (c.min_stay_days if c.min_stay_days is not None else lo,
                c.max_stay_days if c.max_stay_days is not None else hi)

    @property
    def source(self) -> str:
        """The scenario file's path as given to :func:`load_scenario` (``"<dict>"`` otherwise)."""
        return self._source

    @property
    def name(self) -> str:
        """The mission's name."""
        return self.mission.name

    @property
    def origin_body(self) -> Body:
        """The body the crew leaves and comes back to."""
        return get_body(self.mission.origin)

    @property
    def destination_body(self) -> Body:
        """The body the crew visits."""
        return get_body(self.mission.destination)

    @property
    def launch_window(self) -> tuple[float, float]:
        """(start, end) of the launch window, TDB seconds past J2000."""
        return self.windows.launch_tdb

    @property
    def return_by(self) -> float | None:
        """Latest return to the origin, TDB seconds past J2000, or None."""
        return self.windows.return_by_tdb

    @property
    def burn_names(self) -> tuple[str, ...]:
        """The mission's burns in flight order: :data:`BURNS`, with each powered flyby's burn in its place.

        A burn the mission does not make (an arrival by entry, a flyby that
        needs none) costs 0. Flyby burns exist only with ``[flyby] powered``
        (the default) and are named by :func:`flyby_burn_name`.
        """
        out, ret = self.flyby_burns("outbound"), self.flyby_burns("return")
        return (BURNS[0], *out, BURNS[1], BURNS[2], *ret, BURNS[3])

    def flybys(self, leg: str) -> tuple[str, ...]:
        """Bodies flown by on a leg (``"outbound"`` or ``"return"``), in order."""
        route = self.outbound if leg == "outbound" else self.return_
        return () if route is None else route.flybys

    def flyby_burns(self, leg: str) -> tuple[str, ...]:
        """Names of a leg's flyby burns, in order (empty when flybys are unpowered)."""
        if not self.flyby_options.powered:
            return ()
        seen: dict[str, int] = {}
        names = []
        for body in self.flybys(leg):
            seen[body] = seen.get(body, 0) + 1
            names.append(flyby_burn_name(leg, body, seen[body]))
        return tuple(names)

    @property
    def flyby_options(self) -> "FlybyOptions":
        """The ``[flyby]`` table, or its defaults."""
        return self.flyby if self.flyby is not None else FlybyOptions()

    @property
    def has_flybys(self) -> bool:
        """True when either leg flies by another body."""
        return bool(self.flybys("outbound") or self.flybys("return"))

    @property
    def parking_radius_km(self) -> float:
        """Radius of the departure parking orbit about the origin, km."""
        return self.departure.radius_km(self.origin_body)

    @property
    def arrival_orbit_radii_km(self) -> tuple[float, float] | None:
        """(periapsis, apoapsis) radii of the capture orbit at the destination, km; None for an entry."""
        return self.arrival.orbit_radii_km(self.destination_body)

    @property
    def return_orbit_radii_km(self) -> tuple[float, float] | None:
        """(periapsis, apoapsis) radii of the capture orbit back at the origin, km; None for an entry."""
        return self.return_.orbit_radii_km(self.origin_body)


def as_scenario(scenario: "Scenario | str | os.PathLike", where: str = "scenario") -> Scenario:
    """A :class:`Scenario` as given, or loaded from the path of its TOML file.

    Raises
    ------
    ScenarioError
        An unreadable or invalid file.
    InputError
        Anything else in its place.
    """
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, (str, os.PathLike)):
        return load_scenario(scenario)
    raise InputError(f"expected a Scenario or the path of a scenario file, not {type(scenario).__name__}", where)


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read and validate a scenario TOML file.

    Parameters
    ----------
    path : str or os.PathLike
        The file; errors name it as given.

    Returns
    -------
    Scenario
        With ``source`` set to ``path``.

    Raises
    ------
    ScenarioError
        A missing or unreadable file, a TOML syntax error (with its line), or
        any invalid content, ``where`` naming the file and the dotted key.
    """
    name = os.fspath(path)
    return Scenario.from_toml(read_text(name, "scenario file"), source=name)


def read_text(path: str | os.PathLike, what: str) -> str:
    """A UTF-8 text file's content; any failure is one :class:`ScenarioError` naming the file.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    what : str
        What the file is, for the message (``"scenario file"``, ``"study file"``).
    """
    name = os.fspath(path)
    try:
        with open(name, "rb") as fh:
            return fh.read().decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{what} not found", name) from None
    except IsADirectoryError:
        raise ScenarioError(f"is a directory, not a {what}", name) from None
    except PermissionError:
        raise ScenarioError(f"cannot read the {what}: permission denied", name) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"not UTF-8 text (bad byte at offset {exc.start})", name) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read the {what}: {exc.strerror or exc}", name) from None


def read_toml(path: str | os.PathLike, what: str) -> dict:
    """Read a TOML file into a dict (a UTF-8 byte-order mark is accepted); any failure is one
    :class:`ScenarioError` naming the file and, for a syntax error, the line.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    what : str
        What the file is, for the message (``"scenario file"``, ``"study file"``).
    """
    name = os.fspath(path)
    text = read_text(name, what).removeprefix("\ufeff")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line = _toml_message(exc)
        raise ScenarioError(message, name, line=line) from None


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+?)\s*=")


def key_line(text: str, key: str) -> int | None:
    """The line (1-based) where a dotted key (``vessel.stages[1].isp_s``) is written in TOML text.

    A key that is not written (a missing one) gives the line of its table's
    header, if any; None when neither is found. Inline tables and dotted keys
    inside them are matched by their first key only.
    """
    lines: dict[str, int] = {}
    table, counts = "", {}
    for n, raw in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(raw)
        if m:
            name = m.group(2).replace('"', "").replace("'", "")
            if m.group(1) == "[[":
                counts[name] = counts.get(name, -1) + 1
                name = f"{name}[{counts[name]}]"
            table = name
            lines.setdefault(table, n)
            continue
        m = _ASSIGN.match(raw)
        if m:
            k = m.group(1).replace('"', "").replace("'", "")
            lines.setdefault(f"{table}.{k}" if table else k, n)
    probe = key
    while probe:
        if probe in lines:
            return lines[probe]
        probe = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", probe) if re.search(r"[.\[]", probe) else ""
    return None


# ---------------------------------------------------------------------------
# Errors: pydantic's and tomllib's reports turned into one line with a dotted key.

_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def _toml_message(exc: Exception) -> tuple[str, int | None]:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else "invalid TOML"
    line, col = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    m = _AT.search(text)
    if m:
        line, col = int(m.group(1)), int(m.group(2))
        text = text[: m.start()]
    text = re.sub(r"\s*\(at end of document\)\s*$", "", text)
    text = text[:1].lower() + text[1:]
    if text == "invalid value":
        text += " (is a string missing its quotes?)"
    place = f"at line {line}, column {col}" if line else "at the end of the file"
    return f"TOML syntax error {place}: {text}", line


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside Optional[...], list[...], Annotated[...], if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _keys(model: type[BaseModel]) -> dict[str, str]:
    """Key as written in TOML -> Python field name."""
    return {(f.alias or name): name for name, f in model.model_fields.items()}


def _model_at(loc: tuple, root: type[BaseModel] | None = None) -> type[BaseModel] | None:
    """The model whose fields are the keys at ``loc`` (a table's path), from ``root`` (a Scenario) down."""
    model: type[BaseModel] | None = Scenario if root is None else root
    for part in loc:
        if isinstance(part, int):
            continue
        if model is None:
            return None
        field = model.model_fields.get(_keys(model).get(part, ""))
        if field is None:
            return None
        model = _inner_model(field.annotation)
    return model


def _show(value: Any) -> str:
    """A value as the user wrote it in TOML, short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"'{text}'"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (list, tuple)):
        return "an array"
    if value is None:
        return "nothing"
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return f"the TOML date {value.isoformat()} (put it in quotes)"
    if isinstance(value, float):
        return _g(value) if math.isfinite(value) else str(value)
    return str(value)


def _describe(err: dict, root: type[BaseModel] | None = None) -> tuple[tuple, str]:
    """(loc, one-line message) for one pydantic error; keys are looked up from ``root`` (a Scenario)."""
    kind, loc, value = err["type"], tuple(err["loc"]), err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "value_error" and isinstance(ctx.get("error"), _KeyProblem):
        error = ctx["error"]
        return loc + error.key, str(error)
    if kind in ("value_error", "assertion_error") and ctx.get("error") is not None:
        return loc, str(ctx["error"])
    if kind == "missing":
        table = _model_at(loc, root)
        return loc, "missing table" if table is not None else "missing key"
    if kind == "extra_forbidden":
        key = str(loc[-1])
        parent = _model_at(loc[:-1], root)
        allowed = _keys(parent) if parent is not None else {}
        hint = ""
        by_name = {name: key_ for key_, name in allowed.items()}
        if key in by_name and by_name[key] != key:
            hint = f" (did you mean '{by_name[key]}'?)"
        else:
            close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
            if close:
                hint = f" (did you mean '{close[0]}'?)"
            elif allowed:
                hint = f" (known keys: {', '.join(allowed)})"
        return loc, f"unknown key '{key}'{hint}"
    if kind in ("float_type", "float_parsing", "int_type", "int_parsing"):
        return loc, f"expected a number, got {_show(value)}"
    if kind == "finite_number":
        return loc, f"expected a finite number, got {_show(value)}"
    if kind == "string_type":
        return loc, f"expected a string, got {_show(value)}"
    if kind == "greater_than":
        return loc, f"must be greater than {_g(ctx['gt'])}, got {_show(value)}"
    if kind == "greater_than_equal":
        return loc, f"must be at least {_g(ctx['ge'])}, got {_show(value)}"
    if kind == "less_than_equal":
        return loc, f"must be at most {_g(ctx['le'])}, got {_show(value)}"
    if kind == "less_than":
        return loc, f"must be less than {_g(ctx['lt'])}, got {_show(value)}"
    if kind == "string_too_short":
        return loc, "must not be empty"
    if kind == "too_short":
        return loc, "must not be empty"
    if kind == "literal_error":
        return loc, f"unknown value {_show(value)}: expected {ctx.get('expected', 'another value')}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return loc, f"expected a table, got {_show(value)}"
    if kind in ("list_type", "tuple_type"):
        return loc, f"expected an array, got {_show(value)}"
    msg = str(err.get("msg", "invalid value")).replace("\n", " ")
    return loc, msg[:1].lower() + msg[1:]


def _scenario_error(exc: ValidationError, source: str, root: type[BaseModel] | None = None) -> ScenarioError:
    """One ScenarioError from a pydantic ValidationError: the first problem, and how many more.

    ``root`` is the model validated (default :class:`Scenario`; a trade study passes its own).
    """
    described = [_describe(e, root) for e in exc.errors()]
    loc, message = described[0]
    message = " ".join(message.split())
    others = []
    for other, _ in described[1:]:
        key = _dotted(other) or "(top level)"
        if key != _dotted(loc) and key not in others:
            others.append(key)
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        message += f" (and {len(others)} more: {shown})"
    where = f"{source}: {_dotted(loc)}" if loc else str(source)
    return ScenarioError(message, where, key=_dotted(loc) or None)
