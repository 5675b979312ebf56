"""``sojourn race A.toml B.toml``: could vessel B, launched later, reach Mars before mission A?"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, command, fmt, progress_bar, save, show, table


@command("race")
def race(
    a: Path = typer.Argument(..., metavar="A.toml", help="The planned mission (its plan fixes its Mars arrival)."),
    b: Path = typer.Argument(..., metavar="B.toml",
                             help="The rival vessel: its constraints are its capability (max_c3, max_total_dv_kms "
                                  "for Earth departure + Mars arrival, transit limits), or its [vessel.electric] "
                                  "engine and propellant for a low-thrust rival."),
    out: Optional[Path] = typer.Option(None, "--out", metavar="FILE",
                                       help="Write the race plot (.png, .svg or .pdf)."),
    step_days: float = typer.Option(1.0, "--step", metavar="DAYS", help="B's launch grid step, days."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """Every launch date from which B reaches Mars before A, and the last one, to the minute."""
    import sojourn as sj
    from sojourn import checks
    from sojourn.plot.figure import FIGURE_SUFFIXES

    checks.output_file(out, FIGURE_SUFFIXES, "out")
    checks.distinct_outputs({"out": out}, {"a": a, "b": b, "ephemeris": ephemeris})
    result = sj.race(a, b, step_days=step_days, ephemeris=ephemeris, progress=progress_bar())
    written = []
    if out is not None:
        written.append(save(sj.plot.race(result), out))
    show(result, as_json=as_json, outputs=written, render=lambda c: _render(c, result))


def _render(console, result) -> None:
    from sojourn.contingency.race import span_text
    from sojourn.time import tdb_to_utc_iso

    console.print(result.message())
    if not result.wins:
        return
    if result.capability.electric is not None:
        _render_electric(console, result)
    else:
        t = table(f"{result.capability.name}'s cheapest winning transfer of each launch date "
                  f"({result.a_name} arrives {tdb_to_utc_iso(result.a_arrival, 'minute')} UTC; TOF, margin and "
                  "max (the margin of the earliest arrival B could reach) in days, C3 km²/s², Δv km/s)",
                  [("launch", "date"), ("arrival", "date"), ("TOF", "num"), ("C3", "num"), ("Δv", "num"),
                   ("margin", "num"), ("max", "num")])
        for w in result.wins:
            d = w.to_dict(result.launch_precision)
            t.add_row(d["launch"], d["arrival"], f"{w.tof_days:.1f}", fmt(w.c3), fmt(w.dv_total_kms),
                      f"{w.margin_days:.2f}", f"{w.max_margin_days:.2f}")
        console.print(t)
    last = result.last
    what = (f"C3 {last.c3:.2f} km²/s², Δv {last.dv_total_kms:.2f} km/s" if last.lowthrust is None else
            f"{last.tof_days:.1f} days, {last.lowthrust.propellant_kg:,.0f} kg of electric propellant")
    console.print(f"last winning launch {tdb_to_utc_iso(last.t_launch, 'minute')} UTC: {what}, arrives "
                  f"{span_text(last.margin_days)} before {result.a_name}")


def _render_electric(console, result) -> None:
    """The winning launch dates of a low-thrust B: its earliest arrival from each, and what it burns."""
    from sojourn.time import tdb_to_utc_iso

    t = table(f"{result.capability.name}'s earliest arrival from each winning launch date optimised "
              f"({result.a_name} arrives {tdb_to_utc_iso(result.a_arrival, 'minute')} UTC; minimum-time low-thrust "
              "legs; TOF and margin in days, propellant kg, thrust Δv km/s)",
              [("launch", "date"), ("arrival", "date"), ("TOF", "num"), ("propellant", "num"), ("Δv", "num"),
               ("margin", "num")])
    for w in result.wins:
        d = w.to_dict(result.launch_precision)
        t.add_row(d["launch"], d["arrival"], f"{w.tof_days:.1f}", f"{w.lowthrust.propellant_kg:,.0f}",
                  fmt(w.lowthrust.delta_v_kms), f"{w.margin_days:.2f}")
    console.print(t)
