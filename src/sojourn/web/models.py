"""The shapes of the HTTP API's answers, for its OpenAPI description.

The documents themselves are the library's ``to_dict()`` (the same JSON as the
CLI's ``--json``); these pydantic models describe them for ``/openapi.json`` and
``/docs``. Large documents (a plan, a crew timeline) are described by their
top-level fields only.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorBody(BaseModel):
    """Every error: what is wrong and where, in the command line's words."""

    error: str = Field(description="What is wrong, in one line.")
    where: Optional[str] = Field(None, description="The query parameter, body field or scenario key at fault.")
    key: Optional[str] = Field(None, description="The scenario's dotted key, when a scenario is at fault.")
    line: Optional[int] = Field(None, description="Its line in the scenario text (1-based), when known.")


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    workers: int
    active: int = Field(description="Jobs queued or running.")
    queue_limit: int
    cache_entries: int
    cache_mb: float
    cache_hits: int
    completed: int
    uptime_s: float
    loop_lag_ms_max: float = Field(description="Latest the event loop woke up over the last minute, ms "
                                               "(how long a request could have waited for it).")


class JobStatus(BaseModel):
    """A long computation started with ``Prefer: respond-async``."""

    id: str
    kind: str
    state: Literal["queued", "running", "done", "failed", "cancelled"]
    fraction: float = Field(description="Share done, 0 to 1.")
    done: float
    total: float
    label: str = Field(description="What is counted (cells, opportunities, days).")
    cached: bool
    error: Optional[dict] = None
    result: Optional[str] = Field(None, description="Where to fetch the result: the same request, answered "
                                                    "from the cache once the job is done.")


class BestTransfer(_Open):
    criterion: Literal["min_c3", "min_vinf"]
    transfer_type: str
    launch: str
    arrival: str
    launch_utc: str = Field(description="UTC date-time, YYYY-MM-DDTHH:MM:SS")
    arrival_utc: str = Field(description="UTC date-time, YYYY-MM-DDTHH:MM:SS")
    tof_days: float
    c3: float = Field(description="km²/s²")
    vinf_departure: float = Field(description="km/s")
    vinf_arrival: float = Field(description="km/s")
    dla_deg: float
    rla_deg: float


class PorkchopSummary(_Open):
    """What ``sojourn porkchop --json`` prints."""

    from_: str = Field(alias="from")
    to: str
    departure_point: str
    ephemeris: str
    launch_window: list[str]
    arrival_window: list[str]
    step_days: float
    cells: int
    solved: int
    ridge_deg: float = Field(description="Best transfers leave out cells within this many degrees of a 180° transfer angle")
    ridge_cells: int
    best: list[BestTransfer]


class GridAxis(BaseModel):
    dates: list[str] = Field(description="UTC, to the minute.")
    step_days: float


class PorkchopGrid(BaseModel):
    """The porkchop grid in compact form: little-endian float32 arrays in base64, row-major (launch, arrival)."""

    launch: GridAxis
    arrival: GridAxis
    stride: list[int] = Field(description="Every k-th launch and arrival date of the computed grid.")
    encoding: str
    fields: dict[str, str] = Field(description="c3_launch (km²/s²), vinf_departure and vinf_arrival (km/s), "
                                              "dla_deg, tof_days: float32, NaN where there is no solution")
    transfer_type: str = Field(description="uint8 in base64: 0 no solution, 1 type I, 2 type II")
    units: dict[str, str]
    summary: PorkchopSummary


class Transfer(BaseModel):
    """One ballistic transfer and its path."""

    leg: dict[str, Any] = Field(description="As a plan's leg: from, to, depart, arrive, tof_days, c3, "
                                            "vinf_departure, vinf_arrival, dla_deg, transfer_type, entry_speed_kms.")
    path: dict[str, Any] = Field(description="Heliocentric positions in the ecliptic of J2000, AU.")


class Example(BaseModel):
    name: str
    title: str
    description: str


class ScenarioCheck(BaseModel):
    ok: Literal[True]
    name: str
    digest: str = Field(description="SHA-256 of the validated content: the plan's cache key.")


class RaceRequest(BaseModel):
    """Two scenarios as TOML text: yours, and the rival's."""

    model_config = ConfigDict(extra="forbid")
    scenario: str = Field(description="Mission A (TOML).", max_length=65536)
    other: str = Field(description="Vessel B, the rival (TOML).", max_length=65536)
    step: float = Field(1.0, description="B's launch grid step, days.")


class DiffRequest(BaseModel):
    """Two scenarios as TOML text: the reference and the changed one."""

    model_config = ConfigDict(extra="forbid")
    scenario: str = Field(description="Reference scenario A (TOML).", max_length=65536)
    other: str = Field(description="Changed scenario B (TOML).", max_length=65536)
    step: Optional[float] = Field(None, description="Search grid step, days (default: each scenario's).")


class Site(BaseModel):
    """A landing site: planetocentric latitude and east longitude, and where they come from."""

    name: str
    title: str
    latitude_deg: float
    east_longitude_deg: float = Field(description="Degrees east, 0 to 360.")
    source: str


class MarsTimeRecord(_Open):
    """Mars time of one instant, as ``sojourn marstime --json`` prints it."""

    utc: str
    east_longitude_deg: float
    msd: float = Field(description="Mars Sol Date.")
    mtc: str = Field(description="Coordinated Mars Time, HH:MM:SS (Mars hours).")
    lmst: str = Field(description="Local mean solar time, HH:MM:SS.")
    ltst: str = Field(description="Local true solar time, HH:MM:SS.")
    ls_deg: float = Field(description="Areocentric solar longitude: the season (0 northern spring equinox).")
    mars_year: int = Field(description="Clancy et al. numbering (Mars year 1 began 1955-04-11).")
    dust_storm_season: bool
    site: Optional[str] = None
    daylight_hours: Optional[float] = Field(None, description="At the site's latitude, Mars hours.")


class LowThrustPlot(_Open):
    profile: dict[str, Any] = Field(description="Thrust per segment and mass over the days of flight.")
    path: dict[str, Any] = Field(description="The verified trajectory, heliocentric, ecliptic of J2000, AU.")
    estimate: Optional[dict[str, Any]] = Field(description="Estimated final mass over launch × time of flight "
                                                           "(MIMA); null for one date and one flight time.")


class LowThrust(_Open):
    """What ``sojourn lowthrust --json`` prints, and ``plot``: what the page draws."""

    departure: Optional[str] = None
    destination: Optional[str] = None
    launch: Optional[str] = None
    arrival: Optional[str] = None
    tof_days: Optional[float] = None
    initial_mass_kg: float
    final_mass_kg: Optional[float] = Field(None, description="kg, by the DOP853 integration of the thrust.")
    propellant_kg: Optional[float] = None
    delta_v_kms: Optional[float] = None
    converged: bool
    segments: int
    propulsion: dict[str, Any]
    candidates: Optional[list[dict[str, Any]]] = Field(None, description="For a window: each estimate cell the "
                                                                         "optimiser started from and where it ended.")
    plot: LowThrustPlot


ERRORS = {
    413: {"model": ErrorBody, "description": "The request body is too large."},
    422: {"model": ErrorBody, "description": "Bad input: what is wrong and where (the same words as the CLI)."},
    503: {"model": ErrorBody, "description": "The queue is full: retry after `Retry-After` seconds."},
}
"""Error answers every computing endpoint may give."""

ASYNC = {202: {"model": JobStatus, "description": "With `Prefer: respond-async`: the job, still running."}}
