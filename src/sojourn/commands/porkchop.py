"""``sojourn porkchop``: launch C3 and arrival v∞ for every launch and arrival date."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, command, fmt, progress_bar, show, table, write_outputs


@command("porkchop")
def porkchop(
    origin: str = typer.Option(..., "--from", metavar="BODY", help="Departure body (earth, emb, mars, ...)."),
    destination: str = typer.Option(..., "--to", metavar="BODY", help="Arrival body."),
    launch: str = typer.Option(..., "--launch", metavar="START:END", help="Launch window, UTC dates."),
    arrive: str = typer.Option(..., "--arrive", metavar="START:END", help="Arrival window, UTC dates."),
    step_days: float = typer.Option(1.0, "--step", metavar="DAYS", help="Grid step in days."),
    out: Optional[Path] = typer.Option(None, "--out", metavar="FILE",
                                       help="Write the porkchop plot (.png, .svg or .pdf)."),
    data: Optional[Path] = typer.Option(None, "--data", metavar="FILE", help="Write the whole grid as netCDF (.nc)."),
    c3_max: Optional[float] = typer.Option(None, "--c3-max", metavar="KM2/S2",
                                           help="Ignore transfers above this launch C3."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """Launch C3 and arrival v-infinity for every launch and arrival date: a porkchop plot."""
    import sojourn as sj
    from sojourn import checks
    from sojourn.plot.figure import FIGURE_SUFFIXES

    checks.output_file(out, FIGURE_SUFFIXES, "out")
    checks.output_file(data, (".nc",), "data")
    checks.distinct_outputs({"out": out, "data": data}, {"ephemeris": ephemeris})
    checks.c3_cap(c3_max)
    grid = (origin, destination, launch, arrive, step_days)
    if out is None and data is None:  # only the summary: the grid is solved in blocks and not kept
        summary = sj.porkchop_summary(*grid, ephemeris=ephemeris, progress=progress_bar(), c3_max=c3_max)
        written = []
    else:
        ds = sj.porkchop(*grid, ephemeris=ephemeris, progress=progress_bar(), c3_max=c3_max)
        summary = sj.porkchop_summary(ds, c3_max=c3_max)
        outputs = {}
        if out is not None:
            outputs[out] = sj.plot.porkchop(ds, best=summary["best"], c3_max=c3_max)
        if data is not None:
            outputs[data] = ("netcdf", ds)
        written = write_outputs(outputs)  # both or neither
    show(None, data=summary, as_json=as_json, outputs=written, render=lambda c: _render(c, summary))


def _render(console, s: dict) -> None:
    t = table(f"{s['from']} → {s['to']} ({s['departure_point']}, {s['ephemeris']}): "
              f"{s['solved']:,} of {s['cells']:,} cells solved",
              ["type", "best by", ("launch UTC", "date"), ("arrival UTC", "date"), ("TOF d", "num"), ("C3 km²/s²", "num"),
               ("v∞ arr km/s", "num"), ("DLA °", "num"), ("RLA °", "num")])
    for r in s["best"]:
        t.add_row(r["transfer_type"], "least C3" if r["criterion"] == "min_c3" else "least v∞ arr",
                  _minute(r["launch_utc"]), _minute(r["arrival_utc"]), f"{r['tof_days']:.1f}", fmt(r["c3"]), fmt(r["vinf_arrival"]),
                  fmt(r["dla_deg"], 1), fmt(r["rla_deg"], 1))
    console.print(t)
    if not s["best"]:
        console.print("no ballistic transfer in these windows")
    if s["ridge_cells"]:
        console.print(f"best transfers leave out the {s['ridge_cells']:,} cells within {s['ridge_deg']:g}° "
                      "of a 180° transfer angle, as windows does")


def _minute(utc: str) -> str:
    """``2026-11-13T06:00:00`` as ``2026-11-13 06:00``: a table's date and time."""
    return utc[:16].replace("T", " ")
