"""Time on Mars: sols, Coordinated Mars Time, local solar time, the season Ls and the Mars year.

Everything here follows NASA GISS's Mars24 algorithm, which is Allison & McEwen
(2000) with the revisions of the Mars24 "Algorithm and Worked Examples" page
(www.giss.nasa.gov/tools/mars24/help/algorithm.html): steps B-1 to B-5 for the
areocentric solar longitude Ls, C-1 to C-5 for the equation of time, the Mars
Sol Date (MSD), Coordinated Mars Time (MTC, the mean solar time at the Airy-0
prime meridian) and local mean and true solar time (LMST, LTST), and D-5 for the
Sun's declination, computed by the compiled kernel :mod:`sojourn.core.mars24`
(10^6 instants in about 0.1 s). The only input is Terrestrial Time: UTC goes to TT through
pyerfa's leap-second table (:func:`sojourn.time.datetime64_to_tt`), TDB goes to
TT through the short TDB - TT series (:func:`sojourn.time.tdb_minus_tt_s`, good
to 10 microseconds, which moves MTC by a ten-thousandth of a Mars second).

Conventions
-----------
* **Longitude**: planetocentric, positive east, in degrees (0-360 or -180-180;
  any finite value is taken modulo 360). Mars24 itself takes west longitude:
  184.702 degrees west is 175.298 degrees east.
* **Clock times** are hours of the 24-hour Mars clock: one Mars hour is 1/24 of
  the mean solar day (sol) of 88 775.244 s, so 1.0275 Earth hours. Texts are
  ``HH:MM:SS`` rounded to the nearest Mars second, as Mars24 prints them.
* **Equation of time** ``eot_minutes`` = LTST - LMST in Mars minutes (Mars24's
  EOT in degrees times 4).
* **Mars year**: the numbering of Clancy et al. (2000, JGR 105:9553): Mars year
  1 began at Ls = 0 on 1955-04-11. The year is counted on the unwrapped Ls (the
  fictitious-mean-Sun angle plus the equation of centre, which never runs
  backwards), so it changes exactly where Ls passes 360 degrees.

How good is Ls?
---------------
Allison & McEwen fitted the fictitious mean Sun *including aberration*, so
Mars24's Ls is the apparent one: the direction of the Sun seen from Mars,
displaced by about 0.0046 degrees along Mars's motion. :func:`ls_from_ephemeris`
computes the same angle from a JPL ephemeris and the IAU 2015 Mars pole
(Archinal et al. 2018): the Sun direction from Mars, corrected for aberration
to first order, measured in Mars's instantaneous orbital plane from the node
where the Sun crosses Mars's equator northwards. Sampled every 6 hours over the
whole span of DE421 (1900-2053, 225 272 epochs), the two agree to within
**0.0083 degrees** (rms 0.0025 degrees, mean difference +0.0009 degrees); without
the aberration the largest difference grows to 0.012 degrees (mean -0.0039).
0.008 degrees of Ls is about 22 minutes of time near an equinox.

Seasons
-------
:data:`DUST_STORM_SEASON_LS_DEG` is Ls 180-360 degrees, southern spring and
summer: Zurek & Martin (1993, JGR 98(E2):3247-3259) find that planet-encircling
dust storms occur in a "dust storm season" in southern spring and summer, in
about one Mars year in three. (Martin & Zurek 1993 bound the classical season
more tightly, Ls 150-340 degrees: pass ``season=(150.0, 340.0)`` for that.)
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from sojourn.constants import MARS_SOL_DAYS, MARS_SOL_S, SPEED_OF_LIGHT_KMS
from sojourn.errors import InputError
from sojourn.results import Result, utc_text
from sojourn.time import DAY, datetime64_to_tt, parse_utc, tdb_minus_tt_s, tdb_to_datetime64

__all__ = [
    "DUST_STORM_SEASON_LS_DEG",
    "DUST_STORM_SEASON_SOURCE",
    "MARS24_SOURCE",
    "MAX_RANGE_INSTANTS",
    "SOL_S",
    "MarsTime",
    "daylight_hours",
    "duration_sols",
    "hms",
    "in_dust_storm_season",
    "local_sol_date",
    "ls_from_ephemeris",
    "mars_time",
    "mars_time_tdb",
    "mission_sol",
    "northern_season",
    "records",
    "solar_declination_deg",
]

MARS24_SOURCE = ("Allison & McEwen 2000, Planet. Space Sci. 48:215, as revised by NASA GISS Mars24 "
                 "'Algorithm and Worked Examples' (giss.nasa.gov/tools/mars24/help/algorithm.html)")
"""Where the Mars time algorithm comes from."""

SOL_S = MARS_SOL_S
"""Mean solar day of Mars (sol), s (:data:`sojourn.constants.MARS_SOL_S`)."""

DUST_STORM_SEASON_LS_DEG = (180.0, 360.0)
"""Ls range (deg) of the dust-storm season, start included, end excluded: southern spring and
summer, when planet-encircling dust storms occur (Zurek & Martin 1993, JGR 98(E2):3247-3259)."""

DUST_STORM_SEASON_SOURCE = "Zurek & Martin 1993, JGR 98(E2):3247-3259"
"""Where :data:`DUST_STORM_SEASON_LS_DEG` comes from."""

# ---------------------------------------------------------------------------------------------
# the array core


def _check_longitude(east_longitude_deg) -> np.ndarray:
    """The longitude as a float array; InputError unless finite numbers (booleans and text refused)."""
    try:
        lon = np.asarray(east_longitude_deg)
    except (TypeError, ValueError):
        lon = None
    if lon is None or lon.dtype.kind not in "iuf" or not np.all(np.isfinite(lon)):
        raise InputError(f"east longitude must be a finite number of degrees, got {east_longitude_deg!r}",
                         "east_longitude_deg")
    return lon.astype(np.float64)


def _mars24(tt_s, east_lon_deg) -> dict[str, np.ndarray]:
    """Mars24 (:func:`sojourn.core.mars24.mars24_batch`) on TT seconds past J2000, arrays broadcast together."""
    from sojourn.core.mars24 import mars24_batch  # numba: imported when first needed

    tt = np.asarray(tt_s, dtype=np.float64)
    lon = np.asarray(east_lon_deg, dtype=np.float64)
    shape = np.broadcast_shapes(tt.shape, lon.shape)
    flat_lon = lon.reshape(1) if lon.ndim == 0 else np.broadcast_to(lon, shape).ravel()
    columns = mars24_batch(np.broadcast_to(tt, shape).ravel(), flat_lon)
    return {name: column.reshape(shape) for name, column in zip(_FIELDS, columns)}


def mars_time_tdb(t_tdb, east_longitude_deg=0.0) -> dict[str, np.ndarray]:
    """Mars time of TDB epochs: the array core for mission code.

    Parameters
    ----------
    t_tdb : float or array_like
        Epochs, TDB seconds past J2000 (s).
    east_longitude_deg : float or array_like
        Planetocentric east longitude of the site, degrees; broadcast against ``t_tdb``.

    Returns
    -------
    dict of numpy.ndarray
        ``msd`` (Mars Sol Date, sols), ``mtc_hours``, ``lmst_hours``, ``ltst_hours``
        (Mars hours, 0-24), ``eot_minutes`` (LTST - LMST, Mars minutes),
        ``ls_deg`` (0-360), ``mars_year`` (int64, Clancy numbering) and
        ``solar_declination_deg``, each of the broadcast shape.

    Raises
    ------
    InputError
        A longitude that is not a finite number (``east_longitude_deg``).
    """
    lon = _check_longitude(east_longitude_deg)
    t = np.asarray(t_tdb, dtype=np.float64)
    return _mars24(t - tdb_minus_tt_s(t), lon)


# ---------------------------------------------------------------------------------------------
# instants in, typed results out


@dataclass(frozen=True, repr=False)
class MarsTime(Result):
    """Mars time at one instant and one longitude.

    Attributes
    ----------
    utc : datetime.datetime
        The instant, UTC (tz-aware).
    t_tdb : float
        The instant, TDB seconds past J2000 (s).
    east_longitude_deg : float
        Planetocentric east longitude of the local times, degrees.
    msd : float
        Mars Sol Date, sols.
    mtc_hours, lmst_hours, ltst_hours : float
        Coordinated Mars Time, local mean and local true solar time, Mars hours (0-24).
    eot_minutes : float
        Equation of time, LTST - LMST, Mars minutes.
    ls_deg : float
        Areocentric solar longitude, degrees (0-360).
    mars_year : int
        Mars year (Clancy et al. 2000: year 1 began on 1955-04-11).
    solar_declination_deg : float
        Declination of the Sun seen from Mars, degrees.
    site : Site or None
        The landing site named (:class:`sojourn.mission.sites.Site`), whose longitude the local times are at.
    daylight_hours : float or None
        With a site: Mars hours of daylight in the sol at its latitude (:func:`daylight_hours`).
    """

    utc: _dt.datetime
    t_tdb: float
    east_longitude_deg: float
    msd: float
    mtc_hours: float
    lmst_hours: float
    ltst_hours: float
    eot_minutes: float
    ls_deg: float
    mars_year: int
    solar_declination_deg: float
    site: Optional[Any] = None
    daylight_hours: Optional[float] = None

    @property
    def mtc(self) -> str:
        """Coordinated Mars Time as ``HH:MM:SS``."""
        return hms(self.mtc_hours)

    @property
    def lmst(self) -> str:
        """Local mean solar time as ``HH:MM:SS``."""
        return hms(self.lmst_hours)

    @property
    def ltst(self) -> str:
        """Local true solar time as ``HH:MM:SS``."""
        return hms(self.ltst_hours)

    @property
    def dust_storm_season(self) -> bool:
        """True when Ls is in :data:`DUST_STORM_SEASON_LS_DEG`."""
        return bool(in_dust_storm_season(self.ls_deg))

    def to_dict(self) -> dict:
        """The JSON record: ``utc``, ``msd``, ``mtc``, ``lmst``, ``ltst`` (HH:MM:SS), ``ls_deg``, ``mars_year`` ..."""
        return _record(utc_text(self.utc, "millisecond"), {k: getattr(self, k) for k in _FIELDS},
                       self.east_longitude_deg, self.site, self.daylight_hours)

    def summary(self) -> list[tuple[str, str]]:
        where = [] if self.site is None else [("site", self.site.name)]
        return [("utc", utc_text(self.utc, "second")), *where, ("MSD", f"{self.msd:.5f}"), ("MTC", self.mtc),
                ("LMST", self.lmst), ("LTST", self.ltst), ("Ls", f"{self.ls_deg:.3f} deg"),
                ("Mars year", str(self.mars_year))]


_FIELDS = ("msd", "mtc_hours", "lmst_hours", "ltst_hours", "eot_minutes", "ls_deg", "mars_year",
           "solar_declination_deg")


def _record(utc: str, v: dict, east_longitude_deg: float, site=None, daylight=None) -> dict:
    """One JSON record from the values of one instant (the one place the record is laid out)."""
    record = {
        "utc": utc,
        "east_longitude_deg": float(east_longitude_deg),
        "msd": round(float(v["msd"]), 6),
        "mtc": hms(v["mtc_hours"]),
        "lmst": hms(v["lmst_hours"]),
        "ltst": hms(v["ltst_hours"]),
        "mtc_hours": round(float(v["mtc_hours"]), 6),
        "lmst_hours": round(float(v["lmst_hours"]), 6),
        "ltst_hours": round(float(v["ltst_hours"]), 6),
        "eot_minutes": round(float(v["eot_minutes"]), 3),
        "ls_deg": round(float(v["ls_deg"]), 5),
        "mars_year": int(v["mars_year"]),
        "solar_declination_deg": round(float(v["solar_declination_deg"]), 4),
        "dust_storm_season": bool(in_dust_storm_season(v["ls_deg"])),
    }
    if site is not None:
        record.update(site=site.name, latitude_deg=site.latitude_deg, daylight_hours=round(float(daylight), 4))
    return record


def mars_time(when, east_longitude_deg: Optional[float] = None, *, site=None, step_days: Optional[float] = None):
    """Mars time of one or many UTC instants at one longitude (or at a landing site).

    Parameters
    ----------
    when : str, datetime, numpy.datetime64, or a sequence or 1-D array of those
        UTC instants. Text is ISO 8601 as :func:`sojourn.time.parse_utc` reads it
        (a date alone is 00:00 UTC; a leap second such as ``2016-12-31T23:59:60``
        is accepted); a naive datetime is UTC. Many instants are fastest as a
        ``datetime64`` array (text is read one string at a time). Text
        ``"START:END"`` (or ``START..END``) is a range: every ``step_days`` from
        START, on the UTC calendar, up to END (included when it falls on a step).
    east_longitude_deg : float, optional
        Planetocentric east longitude for the local times, degrees; default 0
        (the prime meridian, where local mean solar time is MTC).
    site : str or Site, optional
        A landing site instead of a longitude (:func:`sojourn.mission.sites.get_site`:
        ``"jezero"``, ``"Curiosity"`` ...): the local times at its longitude, and
        the hours of daylight at its latitude.
    step_days : float, optional
        Step of a range, days (> 0); default 1. Only with a ``"START:END"`` range.

    Returns
    -------
    MarsTime
        For one instant.
    xarray.Dataset
        For a sequence, an array or a range: the variables of :class:`MarsTime`
        (``msd``, ``mtc_hours``, ``lmst_hours``, ``ltst_hours``,
        ``eot_minutes``, ``ls_deg``, ``mars_year``, ``solar_declination_deg``,
        and ``daylight_hours`` with a site) over a ``utc`` dimension
        (``datetime64[ms]``, which has no leap seconds: an instant inside one is
        labelled with the next second), with ``t_tdb`` (TDB s past J2000) as a
        coordinate; :func:`records` turns it into JSON records.

    Raises
    ------
    InputError
        Malformed or impossible dates, a number given as a date, NaT, an empty
        sequence, a range that ends before it starts (``when``); a longitude
        that is not a finite number (``east_longitude_deg``); an unknown site,
        or a site and a longitude both (``site``); a step that is not a positive
        number of days, makes too many instants, or is given without a range
        (``step_days``).

    Examples
    --------
    >>> mars_time("2000-01-06").mtc     # Mars24 worked example A
    '23:59:39'
    >>> mars_time("2021-02-18T20:44", site="jezero").lmst[:5]   # Perseverance landed at about 15:53
    '15:53'
    >>> mars_time("2030-01-01:2030-01-31", step_days=10)["ls_deg"].size
    4
    """
    lon, place = _place(east_longitude_deg, site)
    if _is_range(when):
        tt, tdb, utc, scalar = _range(when, step_days)
    elif step_days is not None:
        raise InputError("step_days steps through a START:END range; a list of instants has no step", "step_days")
    else:
        tt, tdb, utc, scalar = _instants(when)
    values = _mars24(tt, lon)
    if place is not None:
        values["daylight_hours"] = daylight_hours(values["ls_deg"], place.latitude_deg)
    if scalar:
        one = {k: v[0].item() for k, v in values.items()}
        stamp = utc[0].astype("datetime64[us]").item().replace(tzinfo=_dt.timezone.utc)
        return MarsTime(utc=stamp, t_tdb=float(tdb[0]), east_longitude_deg=lon, site=place, **one)
    return _dataset(values, tdb, utc, lon, place)


#: Most instants a range may hold (a million instants take about 0.3 s and 100 MB as a Dataset).
MAX_RANGE_INSTANTS = 10_000_000


def _place(east_longitude_deg, site) -> tuple[float, Any]:
    """(east longitude in degrees, Site or None) from what a caller passed."""
    if site is not None:
        from sojourn.mission.sites import get_site

        if east_longitude_deg is not None:
            raise InputError("give a site or an east longitude, not both", "site")
        place = get_site(site, "site")
        return float(place.east_longitude_deg), place
    lon = _check_longitude(0.0 if east_longitude_deg is None else east_longitude_deg)
    if lon.ndim:
        raise InputError("east longitude must be a single number of degrees", "east_longitude_deg")
    return float(lon), None


def _is_range(when) -> bool:
    from sojourn.time import is_window

    return isinstance(when, str) and is_window(when)


def _range(when: str, step_days) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """(TT s, TDB s, UTC datetime64[us], False) of every step of a ``START:END`` range."""
    from sojourn import checks
    from sojourn.time import utc_steps

    t0, t1 = checks.window(when, "when")
    step = checks.step_days(1.0 if step_days is None else step_days)
    n = int(math.floor((t1 - t0) / (step * DAY) + 1e-9)) + 1
    checks.grid_cells(n, "step_days", limit=MAX_RANGE_INSTANTS)
    tdb = utc_steps(t0, step, n)
    return tdb - tdb_minus_tt_s(tdb), tdb, tdb_to_datetime64(tdb).astype("datetime64[us]"), False


def _dataset(values: dict, tdb: np.ndarray, utc: np.ndarray, lon: float, site=None):
    import xarray as xr

    units = {"msd": "sol", "mtc_hours": "Mars hour", "lmst_hours": "Mars hour", "ltst_hours": "Mars hour",
             "eot_minutes": "Mars minute", "ls_deg": "degree", "mars_year": "1",
             "solar_declination_deg": "degree", "daylight_hours": "Mars hour"}
    data = {k: ("utc", v, {"units": units[k]}) for k, v in values.items()}
    attrs = {"east_longitude_deg": lon, "longitude": "planetocentric, positive east", "source": MARS24_SOURCE}
    if site is not None:
        attrs.update(site=site.name, site_title=site.title, latitude_deg=site.latitude_deg, site_source=site.source)
    return xr.Dataset(
        data,
        coords={"utc": ("utc", utc.astype("datetime64[ms]")), "t_tdb": ("utc", tdb, {"units": "s TDB past J2000"})},
        attrs=attrs,
    )


def records(result) -> list[dict]:
    """JSON records of a :func:`mars_time` result, one per instant (the CLI's ``--json``).

    Parameters
    ----------
    result : MarsTime or xarray.Dataset

    Returns
    -------
    list of dict
        Each as :meth:`MarsTime.to_dict`.
    """
    if isinstance(result, MarsTime):
        return [result.to_dict()]
    from sojourn.mission.sites import Site

    a = result.attrs
    lon = float(a["east_longitude_deg"])
    site = Site(a["site"], a["site_title"], a["latitude_deg"], lon, a["site_source"]) if "site" in a else None
    stamps = result["utc"].values.astype("datetime64[ms]")
    columns = {k: result[k].values for k in _FIELDS}
    daylight = result["daylight_hours"].values if site is not None else np.full(stamps.size, np.nan)
    return [_record(str(stamps[i]), {k: columns[k][i] for k in _FIELDS}, lon, site, daylight[i])
            for i in range(stamps.size)]


def _instants(when) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """(TT s, TDB s, UTC datetime64[us], scalar?) of what a caller passed as ``when``."""
    if isinstance(when, (str, _dt.datetime, np.datetime64)):
        tt, tdb, utc = _from_items([when])
        return tt, tdb, utc, True
    if isinstance(when, (bool, int, float, np.number)) or when is None:
        raise InputError(f"a date must be UTC text, a datetime or a datetime64, not {when!r} "
                         "(TDB seconds go to mars_time_tdb)", "when")
    try:
        arr = np.asarray(when)
    except (TypeError, ValueError):
        raise InputError(f"cannot read {type(when).__name__} as UTC instants", "when") from None
    if arr.ndim == 0:
        return _instants(arr.item() if arr.dtype.kind != "M" else arr[()])
    if arr.ndim != 1 or arr.size == 0:
        raise InputError("instants must be a non-empty one-dimensional sequence", "when")
    if arr.dtype.kind == "M":
        return (*_from_datetime64(arr), False)
    if arr.dtype.kind in "UO":
        return (*_from_items(list(arr)), False)
    raise InputError(f"cannot read {arr.dtype} values as UTC instants (TDB seconds go to mars_time_tdb)", "when")


def _from_items(items: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Text through parse_utc (leap seconds allowed); datetimes and datetime64 as instants."""
    if all(isinstance(x, str) for x in items):
        tdb = np.array([parse_utc(x, "when") for x in items], dtype=np.float64)
        return tdb - tdb_minus_tt_s(tdb), tdb, tdb_to_datetime64(tdb).astype("datetime64[us]")
    stamps = np.array([_datetime64(x) for x in items], dtype="datetime64[us]")
    return _from_datetime64(stamps)


def _datetime64(x) -> np.datetime64:
    if isinstance(x, _dt.datetime):
        if x.tzinfo is not None:
            x = x.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return np.datetime64(x, "us")
    if isinstance(x, np.datetime64):
        return x.astype("datetime64[us]")
    if isinstance(x, str):
        return tdb_to_datetime64(parse_utc(x, "when")).astype("datetime64[us]")
    raise InputError(f"cannot read {x!r} as a UTC instant", "when")


def _from_datetime64(stamps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    stamps = stamps.astype("datetime64[us]")
    if np.isnat(stamps).any():
        raise InputError("an instant is NaT (not a time)", "when")
    tt = datetime64_to_tt(stamps)
    return tt, tt + tdb_minus_tt_s(tt), stamps


def hms(hours) -> str:
    """``HH:MM:SS`` of a clock time in hours, rounded to the nearest second, modulo 24 h.

    Parameters
    ----------
    hours : float
        Hours (Mars or Earth), any real value.

    Returns
    -------
    str
        Such as ``"23:59:39"``; NaN gives ``"--:--:--"``.
    """
    x = float(hours)
    if not math.isfinite(x):
        return "--:--:--"
    seconds = int(round(x * 3600.0)) % 86400
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


# ---------------------------------------------------------------------------------------------
# sols


def local_sol_date(t_tdb, east_longitude_deg):
    """Local mean solar date at a site: the Mars Sol Date shifted by the longitude, sols.

    Its whole part increases by one at each local mean midnight at the site
    (LMST 00:00), so it numbers the site's sols.

    Parameters
    ----------
    t_tdb : float or array_like
        TDB seconds past J2000 (s).
    east_longitude_deg : float or array_like
        Planetocentric east longitude of the site, degrees.

    Returns
    -------
    numpy.ndarray
        MSD + longitude / 360, sols.
    """
    lon = np.mod(_check_longitude(east_longitude_deg), 360.0)
    return mars_time_tdb(t_tdb)["msd"] + lon / 360.0


def mission_sol(t_tdb, landing_tdb: float, east_longitude_deg: float, first_sol: int = 0):
    """Sol number of a surface mission: sols start at local mean midnight at the site.

    Parameters
    ----------
    t_tdb : float or array_like
        Epochs, TDB seconds past J2000 (s).
    landing_tdb : float
        Landing epoch, TDB s.
    east_longitude_deg : float
        Planetocentric east longitude of the site, degrees.
    first_sol : int
        Number of the landing sol: 0 for Curiosity, InSight and Perseverance,
        1 for Pathfinder, Spirit and Opportunity.

    Returns
    -------
    numpy.ndarray of int64
        The sol each epoch falls in (below ``first_sol`` before the landing sol began).
    """
    here = np.floor(local_sol_date(t_tdb, east_longitude_deg))
    landed = np.floor(local_sol_date(landing_tdb, east_longitude_deg))
    return (here - landed).astype(np.int64) + int(first_sol)


def duration_sols(t_start_tdb, t_end_tdb):
    """Length of a span in mean solar days of Mars (sols); TDB s in.

    Returns
    -------
    numpy.ndarray
        (MSD at the end - MSD at the start), sols: about Earth days / 1.0275.
    """
    return mars_time_tdb(t_end_tdb)["msd"] - mars_time_tdb(t_start_tdb)["msd"]


# ---------------------------------------------------------------------------------------------
# seasons and daylight


def in_dust_storm_season(ls_deg, season: tuple[float, float] = DUST_STORM_SEASON_LS_DEG):
    """Whether Ls falls in the dust-storm season.

    Parameters
    ----------
    ls_deg : float or array_like
        Areocentric solar longitude, degrees (any value, taken modulo 360).
    season : (float, float)
        ``(start, end)`` Ls, degrees, start included and end excluded; a range
        that wraps through 0 (such as ``(330, 30)``) is allowed. Default
        :data:`DUST_STORM_SEASON_LS_DEG`, Ls 180-360 (Zurek & Martin 1993).

    Returns
    -------
    numpy.ndarray of bool
    """
    start, end = (float(x) for x in season)
    if not (math.isfinite(start) and math.isfinite(end)) or start == end:
        raise InputError(f"a season is two different finite Ls values, got {season!r}", "season")
    ls = np.mod(np.asarray(ls_deg, dtype=np.float64), 360.0)
    start, end = start % 360.0, end % 360.0 or 360.0  # an end at 0 is the end of the year
    if start < end:
        return (ls >= start) & (ls < end)
    return (ls >= start) | (ls < end)


_SEASONS = ("spring", "summer", "autumn", "winter")


def northern_season(ls_deg) -> str:
    """The northern-hemisphere season at an Ls: spring from Ls 0, summer 90, autumn 180, winter 270."""
    return _SEASONS[int(np.mod(float(ls_deg), 360.0) // 90.0)]


def solar_declination_deg(ls_deg):
    """Declination of the Sun seen from Mars, degrees (Mars24 step D-5).

    delta = asin(0.42565 sin Ls) + 0.25 deg sin Ls: the obliquity of 25.19 degrees
    plus a small correction; 25.44 degrees at Ls 90.
    """
    s = np.sin(np.radians(np.asarray(ls_deg, dtype=np.float64)))
    return np.degrees(np.arcsin(0.42565 * s)) + 0.25 * s


def daylight_hours(ls_deg, latitude_deg):
    """Hours of daylight in a sol at a latitude: the Sun's centre above a flat horizon.

    From the sunset hour angle, cos H0 = -tan(latitude) tan(declination); 24 in
    polar day and 0 in polar night. No atmosphere, no terrain, no disc radius.

    Parameters
    ----------
    ls_deg : float or array_like
        Areocentric solar longitude, degrees.
    latitude_deg : float or array_like
        Planetocentric latitude, degrees (-90 to 90).

    Returns
    -------
    numpy.ndarray
        Mars hours (1/24 sol) with the Sun up, 0-24.
    """
    lat = np.asarray(latitude_deg, dtype=np.float64)
    if not np.all(np.abs(lat) <= 90.0):
        raise InputError(f"latitude must be between -90 and 90 degrees, got {latitude_deg!r}", "latitude_deg")
    dec = np.radians(solar_declination_deg(ls_deg))
    with np.errstate(invalid="ignore", divide="ignore"):
        cos_h0 = -np.tan(np.radians(lat)) * np.tan(dec)
    return 2.0 * np.degrees(np.arccos(np.clip(cos_h0, -1.0, 1.0))) / 15.0


# ---------------------------------------------------------------------------------------------
# Ls from an ephemeris


def ls_from_ephemeris(t_tdb, *, aberration: bool = True, ephemeris=None):
    """Areocentric solar longitude from a JPL ephemeris and the IAU 2015 Mars pole, degrees.

    The Sun's direction from Mars (with first-order aberration, s = -r/|r| +
    v/c, unless ``aberration`` is False) in Mars's instantaneous orbital plane
    (normal h = r x v), measured from the vernal equinox E = P x h / |P x h|
    (P: Mars's north pole, :func:`sojourn.bodies.mars_north_pole`), where the
    Sun crosses Mars's equator northwards. The check of the Mars24 series (see
    the module notes): they agree to 0.0083 degrees over 1900-2053 with DE421.

    Parameters
    ----------
    t_tdb : float or array_like
        TDB seconds past J2000 (s).
    aberration : bool
        Apparent Ls (True, as Mars24's) or the geometric direction (False).
    ephemeris : Ephemeris or str, optional
        Default DE421.

    Returns
    -------
    numpy.ndarray
        Ls, degrees (0-360), the shape of ``t_tdb``.

    Raises
    ------
    EphemerisRangeError
        An epoch outside the ephemeris.
    """
    from sojourn.bodies import mars_north_pole
    from sojourn.ephemeris import resolve_ephemeris

    t = np.asarray(t_tdb, dtype=np.float64)
    r, v = resolve_ephemeris(ephemeris).state("mars", t)
    h = np.cross(r, v)
    h /= np.linalg.norm(h, axis=-1, keepdims=True)
    equinox = np.cross(mars_north_pole(t), h)
    equinox /= np.linalg.norm(equinox, axis=-1, keepdims=True)
    sun = -r / np.linalg.norm(r, axis=-1, keepdims=True)
    if aberration:
        sun = sun + v / SPEED_OF_LIGHT_KMS
    y = np.einsum("...i,...i->...", np.cross(equinox, sun), h)
    x = np.einsum("...i,...i->...", equinox, sun)
    return np.mod(np.degrees(np.arctan2(y, x)), 360.0)
