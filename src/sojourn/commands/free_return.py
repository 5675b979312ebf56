"""``sojourn free-return``: Earth → Mars flyby → Earth trajectories with no burn after launch."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, command, fmt, progress_bar, show, table

_TABLE_ROWS = 20


@command("free-return")
def free_return(
    launch: str = typer.Option(..., "--launch", metavar="START:END", help="Launch window, UTC dates."),
    max_days: float = typer.Option(1200.0, "--max-days", metavar="DAYS",
                                   help="Longest trip, launch to Earth return, days."),
    min_flyby_alt_km: float = typer.Option(200.0, "--min-flyby-alt", metavar="KM",
                                           help="Lowest Mars flyby altitude, km."),
    max_flyby_alt_km: Optional[float] = typer.Option(None, "--max-flyby-alt", metavar="KM",
                                                     help="Highest Mars flyby altitude, km. "
                                                          "[default: Mars's sphere of influence]"),
    rank: str = typer.Option("c3", "--rank", metavar="c3|entry",
                             help="Keep and order by least launch C3 or least Earth entry speed."),
    step_days: float = typer.Option(1.0, "--step", metavar="DAYS", help="Launch and flyby date grid step, days."),
    top: Optional[int] = typer.Option(None, "--top", metavar="N",
                                      help=f"Show only the N best. [default: all with --json, {_TABLE_ROWS} in the "
                                           "table]"),
    via: Optional[str] = typer.Option(None, "--via", metavar="PLANET",
                                      help="Fly by this planet too (venus): Earth-Venus-Mars-Earth and "
                                           "Earth-Mars-Venus-Earth."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """Free returns launched in a window: the best of each launch date, ranked."""
    import sojourn as sj
    from sojourn import checks

    if top is not None:
        checks.integer(top, "top", "the number of free returns shown", least=1)
    result = sj.free_returns(launch, max_days=max_days, min_flyby_alt_km=min_flyby_alt_km,
                             max_flyby_alt_km=max_flyby_alt_km, step_days=step_days, rank=rank, ephemeris=ephemeris,
                             progress=progress_bar(), via=via)
    shown = list(result.records[:top] if as_json else result.records[: top or _TABLE_ROWS])
    show(result, as_json=as_json, data=[r.to_dict() for r in shown], render=lambda c: _render(c, result, shown))


def _render(console, result, shown) -> None:
    from sojourn.time import tdb_to_utc_iso

    if not result.records:
        console.print(f"no free return launched in {tdb_to_utc_iso(result.launch_tdb[0])} to "
                      f"{tdb_to_utc_iso(result.launch_tdb[-1])} within {result.max_days:g} days "
                      f"(flyby at least {result.min_flyby_alt_km:g} km above Mars)")
        return
    by = "launch C3" if result.rank == "c3" else "Earth entry speed"
    if result.via:
        _render_via(console, result, shown, by)
        return
    t = table(f"Earth → Mars flyby → Earth free returns, best of each launch date by {by} "
              f"({len(shown)} of {len(result.records)}; {result.ephemeris}, patched conics): Mars flyby altitude km, "
              "Earth return, trip days, C3 km²/s², v∞ at Mars and Earth entry speed km/s",
              [("launch", "date"), ("flyby", "date"), ("alt", "num"), ("return", "date"),
               ("days", "num"), ("C3", "num"), ("v∞", "num"), ("entry", "num")])
    for r in shown:
        d = r.to_dict()
        t.add_row(d["launch"][:10], d["flyby"][:10], f"{r.flyby_altitude_km:.0f}", d["earth_return"][:10],
                  f"{r.total_days:.1f}", fmt(r.c3), fmt(d["vinf_mars_kms"]), fmt(r.entry_speed_kms))
    console.print(t)


def _render_via(console, result, shown, by) -> None:
    initials = {"earth": "E", "venus": "V", "mars": "M", "mercury": "Me", "jupiter": "J"}
    t = table(f"Free returns via {', '.join(result.via)}, best of each launch date and sequence by {by} "
              f"({len(shown)} of {len(result.records)}; {result.ephemeris}, patched conics): each flyby's date "
              "and altitude km, Earth return, trip days, C3 km²/s², Earth entry speed km/s",
              [("launch", "date"), ("route", "text"), ("flybys", "text"), ("return", "date"), ("days", "num"),
               ("C3", "num"), ("entry", "num")])
    for r in shown:
        d = r.to_dict()
        route = "-".join(initials.get(b, b[:2].capitalize()) for b in r.sequence)
        flybys = ", ".join(f"{f['body'][:1].upper()} {f['date'][5:10]} {f['altitude_km']:.0f}" for f in d["flybys"])
        t.add_row(d["launch"][:10], route, flybys, d["earth_return"][:10], f"{r.total_days:.1f}", fmt(r.c3),
                  fmt(r.entry_speed_kms))
    console.print(t)
