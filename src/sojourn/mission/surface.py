"""Time on Mars in a mission: local time at the landing site, sols, daylight, the dust-storm season,
and when Earth hears of each event.

Every plan's events carry their **Earth-received time**: the event's epoch plus
the one-way light time from where the crew is then (the plan's trajectory,
:func:`sojourn.mission.trajectory.spacecraft_states`) to where Earth is when the
signal arrives (:func:`sojourn.onboard.comms.earth_received_time`).

A scenario with a ``[surface]`` table (:class:`~sojourn.mission.scenario.Surface`)
lands the crew at a site, and its plan gives, by :func:`annotate`:

- every event at Mars in **local mean and true solar time** at the site, with its
  **Ls**, **Mars year** (Clancy et al. 2000) and **mission sol** (the landing sol is
  sol 0, as Curiosity and Perseverance count; a sol begins at local mean
  midnight), all by NASA GISS's Mars24 algorithm (:mod:`sojourn.marstime`);
- the stay in **sols**, the **daylight** at the landing, at the ascent and its
  least and most over the stay (the Sun's centre above a flat horizon), and how
  many of the stay's sols fall in the **dust-storm season**;
- a **warning** when the landing (the Mars arrival: entry, descent and landing)
  or the ascent (the Mars departure) falls in the dust-storm season, Ls 180-360
  degrees after Zurek & Martin (1993) unless the scenario gives its own range.
  With ``dust_storm_season = "avoid"`` the round-trip search keeps them out of
  it instead (:func:`mask_dust_season`, :func:`keep_out_of_season`); the season
  covers about 44 % of the Mars year, so a hard constraint on both ends may
  leave no round trip: warning is the default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sojourn.errors import NoSolutionError
from sojourn.results import Result, replace, utc_text
from sojourn.time import tdb_to_datetime

__all__ = ["SiteTime", "SurfaceStay", "annotate", "breaks_dust_season", "in_season", "keep_out_of_season", "mask_dust_season",
           "received_times", "site_time", "surface_stay"]

_TOUCH_S = 1.0
"""Events within this of the Mars arrival and departure (s) are at Mars."""


@dataclass(frozen=True, repr=False)
class SiteTime(Result):
    """Mars time of one event at the landing site.

    Attributes
    ----------
    t : float
        The event, TDB seconds past J2000 (s).
    east_longitude_deg : float
        The site's planetocentric east longitude, degrees.
    lmst_hours, ltst_hours : float
        Local mean and local true solar time, Mars hours (0-24; one Mars hour is 1/24 sol).
    ls_deg : float
        Areocentric solar longitude, degrees (0-360).
    mars_year : int
        Mars year (Clancy et al. 2000).
    sol : int
        Mission sol: 0 on the landing sol, counted at local mean midnight.
    dust_storm_season : bool
        Ls in the scenario's dust-storm season.
    """

    t: float
    east_longitude_deg: float
    lmst_hours: float
    ltst_hours: float
    ls_deg: float
    mars_year: int
    sol: int
    dust_storm_season: bool

    @property
    def lmst(self) -> str:
        """Local mean solar time, ``HH:MM:SS``."""
        from sojourn.marstime import hms

        return hms(self.lmst_hours)

    @property
    def ltst(self) -> str:
        """Local true solar time, ``HH:MM:SS``."""
        from sojourn.marstime import hms

        return hms(self.ltst_hours)

    @property
    def northern_season(self) -> str:
        """``spring``, ``summer``, ``autumn`` or ``winter`` in Mars's northern hemisphere."""
        from sojourn.marstime import northern_season

        return northern_season(self.ls_deg)

    def to_dict(self) -> dict:
        return {"lmst": self.lmst, "ltst": self.ltst, "ls_deg": round(self.ls_deg, 3), "mars_year": self.mars_year,
                "sol": self.sol, "northern_season": self.northern_season,
                "dust_storm_season": self.dust_storm_season}

    def summary(self) -> list[tuple[str, str]]:
        return [("sol", str(self.sol)), ("LMST", self.lmst), ("Ls", f"{self.ls_deg:.1f}°"),
                ("Mars year", str(self.mars_year))]


def site_time(site, t: float, t_landing: float, season=None) -> SiteTime:
    """Mars time of an epoch at a site, its sol counted from a landing.

    Parameters
    ----------
    site : Site
        Where (:class:`sojourn.mission.sites.Site`).
    t, t_landing : float
        The epoch and the landing, TDB seconds past J2000 (s).
    season : (float, float), optional
        The dust-storm season's Ls range, degrees; default
        :data:`sojourn.marstime.DUST_STORM_SEASON_LS_DEG`.

    Returns
    -------
    SiteTime
    """
    from sojourn.marstime import DUST_STORM_SEASON_LS_DEG, in_dust_storm_season, mars_time_tdb, mission_sol

    lon = float(site.east_longitude_deg)
    v = {k: np.asarray(x).item() for k, x in mars_time_tdb(float(t), lon).items()}
    return SiteTime(float(t), lon, v["lmst_hours"], v["ltst_hours"], v["ls_deg"], int(v["mars_year"]),
                    int(mission_sol(float(t), float(t_landing), lon)),
                    bool(in_dust_storm_season(v["ls_deg"], season or DUST_STORM_SEASON_LS_DEG)))


@dataclass(frozen=True, repr=False)
class SurfaceStay(Result):
    """The stay on Mars's surface in Mars time: sols, daylight and the dust-storm season.

    Attributes
    ----------
    site : Site
        The landing site (:class:`sojourn.mission.sites.Site`).
    landing, ascent : SiteTime
        Mars time of the landing (the Mars arrival) and the ascent (the Mars departure).
    stay_sols : float
        Landing to ascent, sols (mean solar days of Mars, 88 775.244 s).
    landing_daylight_hours, ascent_daylight_hours : float
        Mars hours of daylight in the landing's and the ascent's sol.
    min_daylight_hours, max_daylight_hours : float
        The least and the most daylight of a sol over the stay, Mars hours.
    sols : int
        Sols on the surface, the landing's and the ascent's included (ascent sol + 1).
    sols_in_dust_season : int
        Of those, the sols whose local noon falls in the dust-storm season.
    dust_storm_season : {"warn", "avoid", "ignore"}
        What the scenario asks of the season.
    dust_storm_season_ls_deg : (float, float)
        The season's Ls range, degrees.
    season_source : str
        Where that range comes from.
    """

    site: Any
    landing: SiteTime
    ascent: SiteTime
    stay_sols: float
    landing_daylight_hours: float
    ascent_daylight_hours: float
    min_daylight_hours: float
    max_daylight_hours: float
    sols: int
    sols_in_dust_season: int
    dust_storm_season: str
    dust_storm_season_ls_deg: tuple
    season_source: str

    @property
    def in_season(self) -> tuple:
        """``("landing", "ascent")``, or the part of it that falls in the dust-storm season."""
        return tuple(name for name, st in (("landing", self.landing), ("ascent", self.ascent))
                     if st.dust_storm_season)

    def to_dict(self) -> dict:
        return {
            "site": self.site.to_dict(),
            "landing": dict(self.landing.to_dict(), date=utc_text(tdb_to_datetime(self.landing.t), "minute")),
            "ascent": dict(self.ascent.to_dict(), date=utc_text(tdb_to_datetime(self.ascent.t), "minute")),
            "stay_sols": round(self.stay_sols, 3),
            "sols": self.sols,
            "daylight_hours": {"landing": round(self.landing_daylight_hours, 3),
                               "ascent": round(self.ascent_daylight_hours, 3),
                               "min": round(self.min_daylight_hours, 3), "max": round(self.max_daylight_hours, 3)},
            "sols_in_dust_season": self.sols_in_dust_season,
            "dust_storm_season": self.dust_storm_season,
            "dust_storm_season_ls_deg": list(self.dust_storm_season_ls_deg),
            "season_source": self.season_source,
            "in_dust_storm_season": list(self.in_season),
        }

    def summary(self) -> list[tuple[str, str]]:
        return [("site", self.site.name), ("landing", f"sol 0, {self.landing.lmst[:5]} LMST"),
                ("stay_sols", f"{self.stay_sols:.1f}"), ("sols_in_dust_season", str(self.sols_in_dust_season))]


def _season(surface) -> tuple[tuple[float, float], str]:
    """(Ls range, its source) of a ``[surface]`` table."""
    from sojourn.marstime import DUST_STORM_SEASON_SOURCE

    if surface.dust_storm_season_ls_deg is None:
        return surface.season_ls_deg, DUST_STORM_SEASON_SOURCE
    return surface.season_ls_deg, "the scenario's surface.dust_storm_season_ls_deg"


def _local_noons(lon: float, t_landing: float, t_ascent: float) -> np.ndarray:
    """Local mean noon of every sol from the landing's to the ascent's (TDB s; sols of TT, to within ms)."""
    from sojourn.marstime import SOL_S, local_sol_date

    first, last = (float(x) for x in local_sol_date(np.array([t_landing, t_ascent]), lon))
    k = np.arange(math.floor(last) - math.floor(first) + 1)
    return t_landing + (math.floor(first) + k + 0.5 - first) * SOL_S


def surface_stay(surface, t_landing: float, t_ascent: float) -> SurfaceStay:
    """The stay at a ``[surface]`` site between a landing and an ascent, in Mars time.

    Parameters
    ----------
    surface : Surface
        A scenario's ``[surface]`` table.
    t_landing, t_ascent : float
        TDB seconds past J2000 (s).

    Returns
    -------
    SurfaceStay
    """
    from sojourn.marstime import daylight_hours, duration_sols, in_dust_storm_season, mars_time_tdb

    site = surface.location
    season, source = _season(surface)
    landing = site_time(site, t_landing, t_landing, season)
    ascent = site_time(site, t_ascent, t_landing, season)
    noons = _local_noons(site.east_longitude_deg, t_landing, t_ascent)
    ls = mars_time_tdb(noons)["ls_deg"]
    light = daylight_hours(np.concatenate([[landing.ls_deg, ascent.ls_deg], ls]), site.latitude_deg)
    return SurfaceStay(
        site=site, landing=landing, ascent=ascent, stay_sols=float(duration_sols(t_landing, t_ascent)),
        landing_daylight_hours=float(light[0]), ascent_daylight_hours=float(light[1]),
        min_daylight_hours=float(light.min()), max_daylight_hours=float(light.max()), sols=int(noons.size),
        sols_in_dust_season=int(np.count_nonzero(in_dust_storm_season(ls, season))),
        dust_storm_season=surface.dust_storm_season, dust_storm_season_ls_deg=tuple(season), season_source=source,
    )


# ---------------------------------------------------------------------------------------------
# the plan: Earth-received times for every event, Mars time at the site


def received_times(plan, t, ephemeris=None) -> np.ndarray:
    """When Earth hears of epochs of a plan: each plus the light time from the crew to Earth, TDB s.

    Parameters
    ----------
    plan : Plan
    t : array_like
        Epochs, TDB seconds past J2000 (s).
    ephemeris : Ephemeris or str, optional

    Returns
    -------
    numpy.ndarray
        Reception at Earth's centre, TDB s (:func:`sojourn.onboard.comms.earth_received_time`).
    """
    from sojourn.mission.trajectory import spacecraft_states
    from sojourn.onboard.comms import earth_received_time

    t = np.asarray(t, dtype=np.float64)
    r, _ = spacecraft_states(plan, t, ephemeris)
    return np.asarray(earth_received_time(t, r, ephemeris=ephemeris), dtype=np.float64)


def annotate(plan, eph):
    """A plan with every event's Earth-received time and, with a ``[surface]`` table, its Mars time.

    Parameters
    ----------
    plan : Plan
        As the search built it, with its scenario.
    eph : Ephemeris

    Returns
    -------
    Plan
        ``events`` carrying ``t_received`` (and ``mars``, a :class:`SiteTime`,
        for the events at Mars), ``surface`` (a :class:`SurfaceStay` or None),
        and the dust-storm warnings and Mars-time assumptions added.
    """
    received = received_times(plan, [e.t for e in plan.events], eph)
    events = [replace(e, t_received=float(tr)) for e, tr in zip(plan.events, received)]
    assumptions = [*plan.assumptions, "Earth-received times: each event's one-way light time from the crew to "
                   "Earth's centre, where Earth is when the signal arrives (no Shapiro delay, under 0.25 ms)"]
    surface = getattr(plan.scenario, "surface", None)
    if surface is None:
        return replace(plan, events=tuple(events), assumptions=tuple(assumptions))
    t_landing, t_ascent = plan.legs[0].t_arrive, plan.legs[-1].t_depart
    stay = surface_stay(surface, t_landing, t_ascent)
    events = [replace(e, mars=site_time(stay.site, e.t, t_landing, stay.dust_storm_season_ls_deg))
              if t_landing - _TOUCH_S <= e.t <= t_ascent + _TOUCH_S else e for e in events]
    return replace(plan, events=tuple(events), surface=stay, warnings=(*plan.warnings, *_warnings(stay)),
                   assumptions=(*assumptions, *_assumptions(stay)))


def _warnings(stay: SurfaceStay) -> list[str]:
    if stay.dust_storm_season != "warn":
        return []
    lo, hi = stay.dust_storm_season_ls_deg
    out = []
    for name, st in (("entry, descent and landing (Mars arrival)", stay.landing),
                     ("ascent (Mars departure)", stay.ascent)):
        if st.dust_storm_season:
            out.append(f"the {name} on {utc_text(tdb_to_datetime(st.t), 'date')} falls in the dust-storm season "
                       f"(Ls {st.ls_deg:.1f}° of Mars year {st.mars_year}; season Ls {lo:g}–{hi:g}°, "
                       f"{stay.season_source}); set surface.dust_storm_season = \"avoid\" to search outside it")
    return out


def _assumptions(stay: SurfaceStay) -> list[str]:
    from sojourn.marstime import MARS24_SOURCE

    site, (lo, hi) = stay.site, stay.dust_storm_season_ls_deg
    policy = {"warn": "a landing or an ascent in it is warned of",
              "avoid": "the search keeps the landing and the ascent out of it",
              "ignore": "ignored by the plan"}[stay.dust_storm_season]
    return [
        f"Mars time by Mars24 ({MARS24_SOURCE}); local solar times at {site.title}, "
        f"{site.latitude_deg:g}° N {site.east_longitude_deg:g}° E ({site.source}); the landing is the Mars "
        "arrival and the ascent the Mars departure; the landing sol is sol 0, a sol begins at local mean midnight",
        f"dust-storm season Ls {lo:g}–{hi:g}° ({stay.season_source}): {policy}",
        "daylight: the Sun's centre above a flat horizon at the site's latitude, no atmosphere or terrain",
    ]


# ---------------------------------------------------------------------------------------------
# the search, when the scenario avoids the season


def _avoids(scenario) -> bool:
    surface = getattr(scenario, "surface", None)
    return surface is not None and surface.dust_storm_season == "avoid"


def in_season(scenario, t) -> np.ndarray:
    """Whether epochs (TDB s) fall in the scenario's dust-storm season (bool array)."""
    from sojourn.marstime import in_dust_storm_season, mars_time_tdb

    return in_dust_storm_season(mars_time_tdb(np.asarray(t, dtype=np.float64))["ls_deg"],
                                scenario.surface.season_ls_deg)


def mask_dust_season(scenario, t_key, score, what: str) -> None:
    """Keep landings (or ascents) out of the dust-storm season when the scenario asks: ``score`` = inf there.

    Parameters
    ----------
    scenario : Scenario
        Nothing is done unless ``surface.dust_storm_season = "avoid"``.
    t_key : numpy.ndarray
        Mars arrival (or departure) epochs, TDB s.
    score : numpy.ndarray
        The best leg's score at each epoch, changed in place (inf: none allowed).
    what : {"landing", "ascent"}

    Raises
    ------
    NoSolutionError
        Every epoch the search had left falls in the season
        (``where``: ``surface.dust_storm_season``).
    """
    if not _avoids(scenario):
        return
    had = np.isfinite(score)
    score[in_season(scenario, t_key)] = np.inf
    if had.any() and not np.isfinite(score).any():
        lo, hi = scenario.surface.season_ls_deg
        raise NoSolutionError(f"every {what} date the search allows falls in the dust-storm season "
                              f"(Ls {lo:g}–{hi:g}°)", f"{scenario.source}: surface.dust_storm_season")


def season_margin_deg(scenario, t) -> np.ndarray:
    """How far epochs (TDB s) lie outside the scenario's dust-storm season, degrees of Ls (< 0: inside it).

    The distance, in Ls, to the nearer end of the season (its complement is
    one arc of Ls): what an optimiser keeps >= 0 to land and leave out of the
    season. Continuous, and smooth but where an epoch is farthest from the season.
    """
    from sojourn.marstime import mars_time_tdb

    ls = mars_time_tdb(np.asarray(t, dtype=np.float64))["ls_deg"]
    lo, hi = scenario.surface.season_ls_deg
    after = np.mod(ls - hi, 360.0)  # Ls past the season's end ...
    before = np.mod(lo - ls, 360.0)  # ... and before its next start
    inside = after + before > np.mod(lo - hi, 360.0) + 1e-9  # the two do not add up to the gap: inside
    into = np.minimum(np.mod(ls - lo, 360.0), np.mod(hi - ls, 360.0))
    return np.where(inside, -into, np.minimum(after, before))


def breaks_dust_season(scenario, t_landing: float, t_ascent: float) -> bool:
    """True when the scenario avoids the dust-storm season and the landing or the ascent (TDB s) falls in it:
    a broken constraint for the refinement (:func:`sojourn.mission.roundtrip.evaluate`)."""
    return _avoids(scenario) and bool(in_season(scenario, [t_landing, t_ascent]).any())


def keep_out_of_season(scenario, refined, grid):
    """The refined round trip, or the grid one it was refined from when refining moved its landing or
    ascent into the dust-storm season the scenario avoids (the grid's are out of it, :func:`mask_dust_season`):
    a guard whatever the refinement.
    """
    return grid if breaks_dust_season(scenario, refined.t_mars_arrival, refined.t_mars_departure) else refined
