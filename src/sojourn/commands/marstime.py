"""``sojourn marstime``: Mars time of a UTC instant or of every step of a range."""

from __future__ import annotations

from typing import Optional

import typer

from sojourn.cli import JsonOption, command, fmt, show, table


@command("marstime")
def marstime(
    when: str = typer.Argument(..., metavar="WHEN",
                               help="A UTC instant (2021-02-18T20:44) or a range START:END, stepped by --step."),
    east_longitude_deg: Optional[float] = typer.Option(
        None, "--lon", metavar="DEG_EAST", help="Planetocentric east longitude of the local times [0]."),
    site: Optional[str] = typer.Option(
        None, "--site", metavar="NAME", help="A landing site instead of --lon (jezero, gale, arcadia-planitia, ...)."),
    step_days: Optional[float] = typer.Option(None, "--step", metavar="DAYS", help="Step of a range [1]."),
    as_json: bool = JsonOption,
) -> None:
    """Mars time (Mars24): sol date, MTC, local mean and true solar time, Ls, Mars year, dust-storm season.

    JSON is a list of records, one per instant: utc, msd, mtc, lmst, ltst (HH:MM:SS), ls_deg, mars_year ...
    """
    import sojourn as sj
    from sojourn.marstime import MarsTime, records

    result = sj.mars_time(when, east_longitude_deg, site=site, step_days=step_days)
    rows = records(result)
    if isinstance(result, MarsTime):
        show(result, as_json=as_json, data=rows, render=lambda c: _render_one(c, result))
    else:
        show(None, as_json=as_json, data=rows, render=lambda c: _render_many(c, rows, result.attrs))


def _place(site, east_longitude_deg: float) -> str:
    if site is not None:
        return f"{site.title}, {site.latitude_deg:g}° N {site.east_longitude_deg:g}° E"
    return f"{east_longitude_deg:g}° E"


def _season_note() -> str:
    from sojourn.marstime import DUST_STORM_SEASON_LS_DEG, DUST_STORM_SEASON_SOURCE

    lo, hi = DUST_STORM_SEASON_LS_DEG
    return f"dust-storm season: Ls {lo:g}–{hi:g}° ({DUST_STORM_SEASON_SOURCE})"


def _render_one(console, m) -> None:
    from sojourn.marstime import northern_season
    from sojourn.results import utc_text

    t = table(f"Mars time at {_place(m.site, m.east_longitude_deg)}", ["what", "value"])
    t.add_row("UTC", utc_text(m.utc, "second"))
    t.add_row("Mars Sol Date", f"{m.msd:.5f}")
    t.add_row("Coordinated Mars Time (MTC)", m.mtc)
    t.add_row("local mean solar time (LMST)", m.lmst)
    t.add_row("local true solar time (LTST)", m.ltst)
    t.add_row("equation of time", f"{m.eot_minutes:+.2f} Mars minutes")
    t.add_row("Ls (season)", f"{m.ls_deg:.3f}° (northern {northern_season(m.ls_deg)})")
    t.add_row("Mars year", str(m.mars_year))
    t.add_row("dust-storm season", "yes" if m.dust_storm_season else "no")
    t.add_row("Sun's declination", f"{m.solar_declination_deg:.2f}°")
    if m.daylight_hours is not None:
        t.add_row("daylight", f"{m.daylight_hours:.2f} Mars hours")
    console.print(t)
    console.print(f"Mars hours are 1/24 sol (1.0275 h); {_season_note()}.")


def _render_many(console, rows: list, attrs: dict) -> None:
    from sojourn.mission.sites import get_site

    site = get_site(attrs["site"]) if "site" in attrs else None
    t = table(f"Mars time at {_place(site, attrs['east_longitude_deg'])}",
              [("UTC", "date"), ("MSD", "num"), "MTC", "LMST", "LTST", ("Ls °", "num"), ("MY", "num")])
    for r in rows:
        t.add_row(r["utc"][:19], f"{r['msd']:.4f}", r["mtc"], r["lmst"], r["ltst"],
                  fmt(r["ls_deg"], 2) + ("*" if r["dust_storm_season"] else " "), str(r["mars_year"]))
    console.print(t)
    console.print(f"* {_season_note()}.")
