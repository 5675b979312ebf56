"""``sojourn survey``: the best plan of a scenario's mission at every opportunity in a span."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, command, fmt, progress_bar, show, table


@command("survey")
def survey(
    scenario: Path = typer.Option(..., "--mission", metavar="SCENARIO", help="Mission scenario (TOML)."),
    start: str = typer.Option(..., "--start", metavar="YEAR|DATE", help="First launch year or UTC date."),
    end: str = typer.Option(..., "--end", metavar="YEAR|DATE", help="Last launch year (inclusive) or UTC date."),
    step_days: Optional[float] = typer.Option(None, "--step", metavar="DAYS",
                                              help="Grid step. [default: the scenario's]"),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """The best plan of the scenario's mission at every opportunity in a span of years."""
    import sojourn as sj

    result = sj.survey(scenario, start, end, step_days=step_days, ephemeris=ephemeris, progress=progress_bar())
    show(result, as_json=as_json, render=lambda c: _render(c, result))


def _render(console, result) -> None:
    t = table(f"{result.scenario_name}: best plan of each opportunity ({result.objective})",
              ["opp.", ("launch", "date"), ("out d", "num"), ("stay d", "num"), ("back d", "num"),
               ("total d", "num"), ("TMI", "num"), ("MOI", "num"), ("TEI", "num"), ("EOI", "num"),
               ("Δv km/s", "num")])
    for row in result.rows:
        r = row.to_dict()
        if not row.feasible and row.plan is None:
            t.add_row(str(row.opportunity), f"infeasible: {row.reason} ({row.binding_constraint})")
            continue
        dv = {b["name"]: b["dv_kms"] for b in r["burns"]}
        t.add_row(str(row.opportunity) + ("" if row.feasible else " ✗"), r["launch"], f"{r['outbound_days']:.0f}",
                  f"{r['stay_days']:.0f}", f"{r['return_days']:.0f}", f"{r['total_days']:.0f}",
                  *(fmt(dv[n]) for n in ("earth_departure", "mars_arrival", "mars_departure", "earth_arrival")),
                  fmt(r["total_dv_kms"]))
    console.print(t)
    for row in result.rows:
        if not row.feasible and row.plan is not None:
            console.print(f"{row.opportunity}: {row.reason} ({row.binding_constraint})")
    for row in result.rows:
        if row.plan is not None and row.plan.flybys:  # their burns are in the total, not in a column
            console.print(f"{row.opportunity}: " + "; ".join(
                f"{f.body.capitalize()} flyby {f.date.strftime('%Y-%m-%d')} at {f.altitude_km:,.0f} km"
                + (f", {f.dv_kms:.3f} km/s burn" if f.dv_kms >= 0.0005 else "") for f in row.plan.flybys))
