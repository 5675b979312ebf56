"""``sojourn free-return``: Earth → Mars flyby → Earth trajectories with no burn after launch."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, command, console, fmt, print_json, progress_bar, save

_TABLE_ROWS = 20


@command("free-return")
def free_return(
    launch: str = typer.Option(..., "--launch", metavar="START:END", help="Launch window, UTC dates."),
    max_days: float = typer.Option(1200.0, "--max-days", metavar="N", help="Longest trip, launch to Earth return, days."),
    min_flyby_alt: float = typer.Option(200.0, "--min-flyby-alt", metavar="KM",
                                        help="Lowest Mars flyby altitude, km."),
    max_flyby_alt: Optional[float] = typer.Option(None, "--max-flyby-alt", metavar="KM",
                                                  help="Highest Mars flyby altitude, km (default: Mars's sphere "
                                                       "of influence)."),
    rank: str = typer.Option("c3", "--rank", metavar="c3|entry",
                             help="Keep and order by least launch C3 or least Earth entry speed."),
    step: float = typer.Option(1.0, "--step", metavar="DAYS", help="Launch and flyby date grid step, days."),
    top: Optional[int] = typer.Option(None, "--top", metavar="N",
                                      help=f"Show only the N best (default: all with --json, {_TABLE_ROWS} in the table)."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """Free returns launched in a window: the best of each launch date, ranked."""
    from sojourn.contingency.free_return import free_returns
    from sojourn.errors import InputError

    if top is not None and top < 1:
        raise InputError(f"--top must be at least 1, got {top}", "--top")
    result = free_returns(launch, max_days=max_days, min_flyby_alt_km=min_flyby_alt, max_flyby_alt_km=max_flyby_alt,
                          step_days=step, rank=rank, ephemeris=ephemeris, progress=progress_bar())
    records = result.to_json()
    if as_json:
        print_json(records if top is None else records[:top])
        return
    console = console()
    if not records:
        console.print(f"no free return launched in {launch} within {result.max_days:g} days "
                      f"(flyby at least {result.min_flyby_alt_km:g} km above Mars)")
        return
    from rich.table import Table

    shown = records[: top or _TABLE_ROWS]
    by = "launch C3" if rank == "c3" else "Earth entry speed"
    table = Table(title=f"Earth → Mars flyby → Earth free returns, best of each launch date by {by} "
                        f"({len(shown)} of {len(records)}; {result.ephemeris}, patched conics)", title_justify="left")
    for col in ("launch", "Mars flyby", "alt km", "Earth return", "total d", "C3 km²/s²", "v∞ Mars",
                "v∞ Earth", "entry km/s"):
        table.add_column(col, justify="left" if col in ("launch", "Mars flyby", "Earth return") else "right")
    for r in shown:
        table.add_row(r["launch"][:10], r["flyby"][:10], f"{r['flyby_altitude_km']:,.0f}", r["earth_return"][:10],
                      f"{r['total_days']:.1f}", fmt(r["c3"]), fmt(r["vinf_mars_kms"]),
                      fmt(r["vinf_earth_return_kms"]), fmt(r["entry_speed_kms"]))
    console.print(table)
