"""``sojourn comms``: solar-conjunction blackouts and light time between any two bodies."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, command, console, fmt, print_json, progress_bar, save


@command("comms")
def comms(
    frm: str = typer.Option("earth", "--from", help="Observer: the ground station's body (the angle is taken here)."),
    to: str = typer.Option("mars", "--to", help="The other end of the link."),
    start: str = typer.Option(..., "--start", metavar="YEAR|DATE", help="First year or UTC date."),
    end: str = typer.Option(..., "--end", metavar="YEAR|DATE", help="Last year (inclusive) or UTC date."),
    threshold: float = typer.Option(2.0, "--threshold", metavar="DEG",
                                    help="Blackout below this Sun-observer-target angle."),
    step: float = typer.Option(1.0, "--step", metavar="DAYS", help="Sampling step; ends are refined below it."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """Every solar-conjunction blackout between two bodies in a span, and the range of light time."""
    from sojourn.crew.comms import body_link

    result = body_link(frm, to, start, end, threshold, step_days=step, ephemeris=ephemeris)
    if as_json:
        print_json(result)
        return
    from rich.table import Table

    table = Table(title=f"{result['from']} → {result['to']}: solar-conjunction blackouts "
                        f"(Sun–{result['from']}–{result['to']} angle < {result['threshold_deg']:g}°), "
                        f"{result['start']} to {result['end']}", title_justify="left")
    for col in ("start (UTC)", "end (UTC)", "days", "conjunction", "min angle °"):
        table.add_column(col, justify="right" if col in ("days", "min angle °") else "left")
    for b in result["blackouts"]:
        table.add_row(b["start"] + (" (open)" if b["open_start"] else ""),
                      b["end"] + (" (open)" if b["open_end"] else ""),
                      fmt(b["days"], 1), b["conjunction"], fmt(b["min_angle_deg"], 2))
    console = console()
    console.print(table)
    if not result["blackouts"]:
        console.print("no blackout in this span")
    console.print(f"one-way light time {result['light_time_min_minutes']:.2f} min ({result['light_time_min_date']}) "
                  f"to {result['light_time_max_minutes']:.2f} min ({result['light_time_max_date']})")
