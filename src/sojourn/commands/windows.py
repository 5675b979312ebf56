"""``sojourn windows``: every launch opportunity in a span, as the mission design handbooks tabulate."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, command, fmt, progress_bar, show, table


@command("windows")
def windows(
    origin: str = typer.Option("emb", "--from", metavar="BODY", help="Departure body (handbooks use emb)."),
    destination: str = typer.Option("mars", "--to", metavar="BODY", help="Arrival body."),
    start: str = typer.Option(..., "--start", metavar="YEAR|DATE", help="First launch year or UTC date."),
    end: str = typer.Option(..., "--end", metavar="YEAR|DATE", help="Last launch year (inclusive) or UTC date."),
    step_days: float = typer.Option(2.0, "--step", metavar="DAYS", help="Search grid step; results are refined below it."),
    c3_max: Optional[float] = typer.Option(None, "--c3-max", metavar="KM2/S2",
                                           help="Ignore transfers above this launch C3."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """Every launch opportunity in a span: least-C3 and least-arrival-v∞ transfers of types I and II."""
    import sojourn as sj

    result = sj.windows(origin, destination, start, end, step_days=step_days, c3_max=c3_max, ephemeris=ephemeris,
                        progress=progress_bar())
    show(result, as_json=as_json, render=lambda c: _render(c, result))


def _render(console, result) -> None:
    for year in sorted({t.opportunity for t in result.transfers}):
        t = table(f"{year} opportunity: {result.origin} → {result.destination}",
                  ["type", "best by", ("launch", "date"), ("arrival", "date"), ("TOF d", "num"),
                   ("C3 km²/s²", "num"), ("v∞ arr km/s", "num"), ("DLA °", "num")])
        for r in (r for r in result.transfers if r.opportunity == year):
            d = r.to_dict()
            t.add_row(r.transfer_type, "least C3" if r.criterion == "min_c3" else "least v∞ arr", d["launch"],
                      d["arrival"], f"{r.tof_days:.0f}", fmt(r.c3), fmt(r.vinf_arrival), fmt(r.dla_deg, 1))
        console.print(t)
