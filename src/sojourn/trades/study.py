"""Trade study files: one TOML file naming a base scenario and everything a sweep varies.

::

    [study]
    name = "Every opportunity 2026-2050, two vehicles"
    scenario = "dra5-conjunction.toml"   # base mission, relative to this file
    objective = "min_total_dv"           # optional: replaces the scenario's
    step_days = 4.0                      # optional: round-trip search grid step, days

    [opportunities]                      # every Earth-Mars opportunity whose
    start = 2026                         # least-C3 launch falls in 2026-2050
    end = 2050

    [[vehicle]]                          # a [vessel] table in the scenario's format,
    name = "Chemical"                    # with a required name, and optionally
    payload_kg = 60000.0                 # [vehicle.arrival], [vehicle.return] (whole
    [[vehicle.stages]]                   # tables) and [vehicle.constraints] (keys
    ...                                  # merged into the scenario's)

    [parking]
    altitudes_km = [400.0, 1000.0]       # circular Earth parking orbits, km

    [[stay]]                             # stays at Mars, days; each replaces the
    min_days = 450                       # scenario's min/max_stay_days
    max_days = 600

    [dispersions]                        # optional: Monte Carlo of each best plan's
    samples = 20000                      # outbound leg (samples per plan, seed)
    seed = 0

    [porkchop]                           # optional: a fine porkchop grid, in tiles
    launch = "2026-06-01:2027-06-01"
    arrive = "2026-12-01:2028-12-01"
    step_days = 0.05
    tile_cells = 2000000

Without ``[[vehicle]]`` the scenario's own ``[vessel]`` flies; without
``[parking]`` or ``[[stay]]`` the scenario's values are used. Each
opportunity replaces the scenario's launch window; its other limits
(``[constraints]``, ``windows.return_by``) still apply. A study needs
``[opportunities]`` or ``[porkchop]`` (or both). Every key is checked as a
scenario's is (:mod:`sojourn.mission.scenario`): a mistake raises
:class:`~sojourn.errors.ScenarioError`, one line, whose ``where`` is
``"<file>: <dotted.key>"``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

from pydantic import Field, PrivateAttr, Strict, ValidationError, model_validator

from sojourn.errors import ScenarioError
from sojourn.mission.scenario import (
    Arrival,
    Constraints,
    Return,
    Scenario,
    Vessel,
    _g,
    _KeyProblem,
    _Model,
    _NonNegative,
    _Positive,
    _scenario_error,
    _Text,
    load_scenario,
    read_toml,
)

__all__ = ["Combination", "Study", "load_study"]

STUDY_FORMAT = 1
"""Version of the study normalisation that :meth:`Study.fingerprint` hashes."""

_Int = Annotated[int, Strict()]


class StudyInfo(_Model):
    """The ``[study]`` table.

    Attributes
    ----------
    name : str
        Name of the study (required).
    scenario : str
        Base mission scenario file, relative to the study file (required).
    objective : str or None
        Replaces the scenario's ``mission.objective``.
    step_days : float or None
        Round-trip search grid step, days; default the scenario's ``windows.step_days``.
    """

    name: _Text
    scenario: _Text
    objective: Optional[Literal["min_total_dv", "min_total_duration", "min_propellant", "earliest_return"]] = None
    step_days: Optional[_Positive] = None


class Opportunities(_Model):
    """The ``[opportunities]`` table: launch opportunities whose least-C3 launch falls in years START-END."""

    start: Annotated[_Int, Field(ge=1900, le=2100)]
    end: Annotated[_Int, Field(ge=1900, le=2100)]

    @model_validator(mode="after")
    def _ordered(self):
        if self.end < self.start:
            raise _KeyProblem(f"end ({self.end}) is before start ({self.start})", "end")
        return self


class Vehicle(Vessel):
    """One ``[[vehicle]]``: a ``[vessel]`` with a name, and what it changes in the scenario.

    Attributes
    ----------
    name : str
        Required, unique within the study.
    payload_kg, stages
        As in :class:`~sojourn.mission.scenario.Vessel`.
    arrival : Arrival or None
        Replaces the scenario's ``[arrival]`` (e.g. aerocapture instead of a burn).
    return_ : Return or None
        Key ``return``: replaces the scenario's ``[return]``.
    constraints : Constraints or None
        Keys given here replace the scenario's (e.g. the vehicle's ``max_c3``).
    """

    name: _Text
    arrival: Optional[Arrival] = None
    return_: Optional[Return] = Field(None, alias="return")
    constraints: Optional[Constraints] = None

    def vessel_dict(self) -> dict:
        """The ``[vessel]`` table this vehicle flies."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True,
                               include={"name", "payload_kg", "stages"})


class Parking(_Model):
    """The ``[parking]`` table: ``altitudes_km``, circular Earth parking orbit altitudes, km."""

    altitudes_km: Annotated[list[_Positive], Field(min_length=1)]

    @model_validator(mode="after")
    def _distinct(self):
        seen = set()
        for i, alt in enumerate(self.altitudes_km):
            if alt in seen:
                raise _KeyProblem(f"altitude {_g(alt)} km is listed twice", "altitudes_km", i)
            seen.add(alt)
        return self


class Stay(_Model):
    """One ``[[stay]]``: a range of stays at the destination, days."""

    min_days: _NonNegative
    max_days: _Positive

    @model_validator(mode="after")
    def _ordered(self):
        if self.min_days > self.max_days:
            raise _KeyProblem(f"min_days ({_g(self.min_days)}) exceeds max_days ({_g(self.max_days)})", "max_days")
        return self


class DispersionSweep(_Model):
    """The ``[dispersions]`` table: a Monte Carlo of each best plan's outbound leg.

    Attributes
    ----------
    samples : int
        Samples per plan (>= 2).
    seed : int
        Seed of the generator (>= 0); the same for every plan.
    tcm_days : float
        Days from departure to the correction burn; default 10.
    """

    samples: Annotated[_Int, Field(ge=2)]
    seed: Annotated[_Int, Field(ge=0)] = 0
    tcm_days: _Positive = 10.0


class PorkchopSweep(_Model):
    """The ``[porkchop]`` table: a porkchop grid too fine for one machine's memory, in tiles.

    Attributes
    ----------
    from_, to : str or None
        Keys ``from`` and ``to``: departure and arrival bodies; default the
        scenario's origin and destination.
    launch, arrive : str
        Windows ``"START:END"``, UTC.
    step_days : float
        Grid step on both axes, days.
    tile_cells : int
        Cells per tile (>= 1000); default 2,000,000.
    """

    from_: Optional[_Text] = Field(None, alias="from")
    to: Optional[_Text] = None
    launch: _Text
    arrive: _Text
    step_days: _Positive
    tile_cells: Annotated[_Int, Field(ge=1000)] = 2_000_000

    @model_validator(mode="after")
    def _windows(self):
        from sojourn.errors import InputError
        from sojourn.time import parse_window

        for key in ("launch", "arrive"):
            try:
                parse_window(getattr(self, key))
            except InputError as exc:
                raise _KeyProblem(exc.message, key) from None
        return self


class Study(_Model):
    """A validated trade study; build it with :func:`load_study`.

    Attributes
    ----------
    study : StudyInfo
    opportunities : Opportunities or None
    vehicle : list of Vehicle
        Empty: the scenario's own vessel.
    parking : Parking or None
    stay : list of Stay
    dispersions : DispersionSweep or None
    porkchop : PorkchopSweep or None
    """

    study: StudyInfo
    opportunities: Optional[Opportunities] = None
    vehicle: list[Vehicle] = []
    parking: Optional[Parking] = None
    stay: list[Stay] = []
    dispersions: Optional[DispersionSweep] = None
    porkchop: Optional[PorkchopSweep] = None

    _source: str = PrivateAttr("<dict>")
    _scenario: Optional[Scenario] = PrivateAttr(None)
    _combinations: list = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _sweeps(self):
        if self.opportunities is None and self.porkchop is None:
            raise _KeyProblem("missing table: a study sweeps [opportunities], a [porkchop] grid, or both",
                              "opportunities")
        if self.dispersions is not None and self.opportunities is None:
            raise _KeyProblem("dispersions fly the best plan of each opportunity: add [opportunities]",
                              "dispersions")
        names: dict[str, int] = {}
        for i, v in enumerate(self.vehicle):
            if v.name in names:
                raise _KeyProblem(f"vehicle name '{v.name}' is used twice (also vehicle[{names[v.name]}])",
                                  "vehicle", i, "name")
            names[v.name] = i
        for i, s in enumerate(self.stay):
            if (s.min_days, s.max_days) in [(o.min_days, o.max_days) for o in self.stay[:i]]:
                raise _KeyProblem(f"stay {_g(s.min_days)}-{_g(s.max_days)} days is listed twice", "stay", i)
        return self

    # -- what the sweep uses --------------------------------------------------

    @property
    def source(self) -> str:
        """The study file as given to :func:`load_study`."""
        return self._source

    @property
    def name(self) -> str:
        return self.study.name

    @property
    def scenario(self) -> Scenario:
        """The base scenario (validated)."""
        return self._scenario

    @property
    def combinations(self) -> list["Combination"]:
        """Every (vehicle, parking altitude, stay) of the sweep, each a validated scenario, in study order."""
        return self._combinations

    def fingerprint(self, ephemeris_name: str) -> str:
        """SHA-256 (hex) of the normalised study: its content, its base scenario's and the ephemeris.

        Layout, comments and the scenario file's path do not count; any change
        of what the study computes does.

        Parameters
        ----------
        ephemeris_name : str
            Name of the ephemeris file the study runs on (``"de421.bsp"``).
        """
        content = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        content["study"].pop("scenario")
        doc = {"format": STUDY_FORMAT, "study": content, "scenario": self.scenario.digest(),
               "ephemeris": ephemeris_name}
        return hashlib.sha256(normalised(doc).encode("utf-8")).hexdigest()


class Combination:
    """One (vehicle, parking altitude, stay) of a sweep and the scenario it makes.

    Attributes
    ----------
    vehicle : str
        Vehicle name.
    parking_altitude_km : float
        Earth parking orbit altitude, km.
    stay_days : (float, float) or None
        Stay range at the destination, days (None: the scenario's, or its class's default).
    scenario : Scenario
        The base scenario with this combination's changes, validated.
    """

    def __init__(self, vehicle: str, parking_altitude_km: float, stay_days, scenario: Scenario):
        self.vehicle = vehicle
        self.parking_altitude_km = float(parking_altitude_km)
        self.stay_days = stay_days
        self.scenario = scenario


def _combinations(study: Study, base: Scenario) -> list[Combination]:
    data = base.to_dict()
    vehicles = study.vehicle or [None]
    altitudes = study.parking.altitudes_km if study.parking else [base.departure.parking_altitude_km]
    stays = [(s.min_days, s.max_days) for s in study.stay] or [None]
    out = []
    for i, vehicle in enumerate(vehicles):
        merged = copy.deepcopy(data)
        if study.study.objective is not None:
            merged["mission"]["objective"] = study.study.objective
        if study.study.step_days is not None:
            merged["windows"]["step_days"] = study.study.step_days
        if vehicle is not None:
            merged["vessel"] = vehicle.vessel_dict()
            if vehicle.arrival is not None:
                merged["arrival"] = vehicle.arrival.model_dump(mode="json", by_alias=True, exclude_none=True)
            if vehicle.return_ is not None:
                merged["return"] = vehicle.return_.model_dump(mode="json", by_alias=True, exclude_none=True)
            if vehicle.constraints is not None:
                merged.setdefault("constraints", {}).update(
                    vehicle.constraints.model_dump(mode="json", by_alias=True, exclude_unset=True))
            name = vehicle.name
        else:
            name = (base.vessel.name if base.vessel is not None and base.vessel.name else base.mission.name)
        for alt in altitudes:
            for stay in stays:
                one = copy.deepcopy(merged)
                one["departure"]["parking_altitude_km"] = float(alt)
                if stay is not None:
                    one.setdefault("constraints", {}).update(min_stay_days=stay[0], max_stay_days=stay[1])
                where = f"{study.source}: vehicle[{i}]" if vehicle is not None else study.source
                scenario = Scenario.from_dict(one, source=f"{where} on {base.source}")
                out.append(Combination(name, alt, stay, scenario))
    return out


def load_study(path: str | os.PathLike) -> Study:
    """Read and validate a trade study file, its base scenario and every combination it sweeps.

    Parameters
    ----------
    path : str or os.PathLike
        The study file; errors name it as given.

    Returns
    -------
    Study

    Raises
    ------
    ScenarioError
        A missing or unreadable file, a TOML syntax error, an invalid key
        (``where`` is ``"<file>: <dotted.key>"``), an invalid base scenario, or
        a combination that makes an invalid scenario.
    """
    name = os.fspath(path)
    data = read_toml(name, "study file")
    try:
        study = Study.model_validate(data)
    except ValidationError as exc:
        raise _scenario_error(exc, name, root=Study) from None
    study._source = name
    scenario_path = Path(name).parent / study.study.scenario
    if not scenario_path.is_file():
        raise ScenarioError(f"scenario file not found: '{scenario_path}'", f"{name}: study.scenario")
    study._scenario = load_scenario(scenario_path)
    study._combinations = _combinations(study, study._scenario)
    return study


def normalised(obj: Any) -> str:
    """Canonical JSON text of plain data: sorted keys, no spaces (what tile ids and fingerprints hash)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
