"""``sojourn comms``: solar-conjunction blackouts and light time between any two bodies."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, command, fmt, show, table


@command("comms")
def comms(
    origin: str = typer.Option("earth", "--from", metavar="BODY",
                               help="Observer: the ground station's body (the angle is taken here)."),
    destination: str = typer.Option("mars", "--to", metavar="BODY", help="The other end of the link."),
    start: str = typer.Option(..., "--start", metavar="YEAR|DATE", help="First year or UTC date."),
    end: str = typer.Option(..., "--end", metavar="YEAR|DATE", help="Last year (inclusive) or UTC date."),
    threshold_deg: float = typer.Option(2.0, "--threshold", metavar="DEG",
                                        help="Blackout below this Sun-observer-target angle."),
    step_days: float = typer.Option(1.0, "--step", metavar="DAYS", help="Sampling step; ends are refined below it."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """Every solar-conjunction blackout between two bodies in a span, and the range of light time."""
    import sojourn as sj
    from sojourn import checks

    if ephemeris is not None:
        checks.input_file(ephemeris, "ephemeris", "ephemeris file")
    result = sj.comms(origin, destination, start, end, threshold_deg=threshold_deg, step_days=step_days,
                      ephemeris=ephemeris)
    show(result, as_json=as_json, render=lambda c: _render(c, result.to_dict()))


def _render(console, r: dict) -> None:
    t = table(f"{r['from']} → {r['to']}: solar-conjunction blackouts (Sun–{r['from']}–{r['to']} angle "
              f"< {r['threshold_deg']:g}°), {r['start']} to {r['end']}",
              [("start (UTC)", "date"), ("end (UTC)", "date"), ("days", "num"), ("conjunction", "date"),
               ("least angle", "date"), ("min angle °", "num")])
    for b in r["blackouts"]:
        t.add_row(b["start"] + (" (open)" if b["open_start"] else ""), b["end"] + (" (open)" if b["open_end"] else ""),
                  fmt(b["days"], 1), b["conjunction"] or "—", b["least_angle"][:10], fmt(b["min_angle_deg"], 2))
    console.print(t)
    console.print("conjunction: the ecliptic longitudes of the Sun and the target meet (the date almanacs give); "
                  "least angle: the smallest Sun separation")
    if not r["blackouts"]:
        console.print("no blackout in this span")
    console.print(f"one-way light time {r['light_time_min_minutes']:.2f} min ({r['light_time_min_date']}) "
                  f"to {r['light_time_max_minutes']:.2f} min ({r['light_time_max_date']})")
