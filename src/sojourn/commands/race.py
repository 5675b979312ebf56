"""``sojourn race A.toml B.toml``: could vessel B, launched later, reach Mars before mission A?"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

import sojourn as sj

from sojourn import checks

from sojourn.cli import EphemerisOption, JsonOption, command, console, fmt, print_json, progress_bar, save


@command("race")
def race(
    a: Path = typer.Argument(..., metavar="A.toml", help="The planned mission (its plan fixes its Mars arrival)."),
    b: Path = typer.Argument(..., metavar="B.toml",
                             help="The rival vessel: its constraints are its capability (max_c3, max_total_dv_kms "
                                  "for Earth departure + Mars arrival, transit limits)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the race plot (.png, .svg or .pdf)."),
    step: float = typer.Option(1.0, "--step", metavar="DAYS", help="B's launch grid step, days."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """Every launch date from which B reaches Mars before A, and the last one, to the minute."""
    from sojourn.contingency.race import race as run_race, span_text
    from sojourn.plot.figure import FIGURE_SUFFIXES

    checks.output_file(out, tuple(FIGURE_SUFFIXES), "out")
    checks.step_days(step)
    result = run_race(a, b, ephemeris=ephemeris, step_days=step, progress=progress_bar())
    written = []
    if out is not None:
        written.append(str(save(sj.plot.race(result), out)))
    if as_json:
        data = result.to_json()
        data["outputs"] = written
        print_json(data)
        return
    console = console()
    console.print(result.message())
    if result.wins:
        from rich.table import Table

        table = Table(title=f"{result.capability.name}'s cheapest winning transfer of each launch date "
                            f"({result.a_name} arrives {result.to_json()['a_arrival']} UTC)", title_justify="left")
        for col in ("launch", "arrival", "TOF d", "type", "C3 km²/s²", "v∞ arr km/s", "Δv dep", "Δv arr",
                    "Δv km/s", "margin d", "max margin d"):
            table.add_column(col, justify="left" if col in ("launch", "arrival", "type") else "right")
        for w in (w.to_json(result.launch_precision) for w in result.wins):
            table.add_row(w["launch"], w["arrival"], f"{w['tof_days']:.1f}", w["transfer_type"], fmt(w["c3"]),
                          fmt(w["vinf_arrival"]), fmt(w["dv_departure_kms"]), fmt(w["dv_arrival_kms"]),
                          fmt(w["dv_total_kms"]), f"{w['margin_days']:.2f}", f"{w['max_margin_days']:.2f}")
        console.print(table)
        last = result.last
        console.print(f"last winning launch {result.to_json()['last_winning_launch']} UTC: C3 {last.c3:.2f} km²/s², "
                      f"Δv {last.dv_total_kms:.2f} km/s, arrives {span_text(last.margin_days)} before {result.a_name}")
    for p in written:
        console.print(f"wrote {p}")

