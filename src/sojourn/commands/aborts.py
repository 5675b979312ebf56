"""``sojourn aborts``: the ways home from every day of a plan's transits, and the gaps."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, command, fmt, progress_bar, save, show, table

_TABLE_ROWS = 20
"""About this many abort days are listed per leg (every day is in the JSON)."""


@command("aborts")
def aborts(
    plan_or_scenario: Path = typer.Argument(..., metavar="SCENARIO", help="Mission scenario (TOML)."),
    step_days: float = typer.Option(1.0, "--step", metavar="DAYS",
                                    help="Spacing of the abort days and of the return durations, days (at most 30)."),
    max_return_days: float = typer.Option(365.0, "--max-return-days", metavar="DAYS",
                                          help="Longest return for the cheapest direct return, days (30-900)."),
    min_flyby_alt_km: float = typer.Option(200.0, "--min-flyby-alt", metavar="KM",
                                           help="Lowest Mars swing-by altitude, km."),
    out: Optional[Path] = typer.Option(None, "--out", metavar="FILE",
                                       help="Write the abort plot (.png, .svg or .pdf)."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """Direct returns and Mars swing-bys from every day of both transits: abort coverage and its gaps."""
    import sojourn as sj
    from sojourn import checks
    from sojourn.plot.figure import FIGURE_SUFFIXES

    checks.output_file(out, FIGURE_SUFFIXES, "out")
    checks.distinct_outputs({"out": out}, {"scenario": plan_or_scenario, "ephemeris": ephemeris})
    result = sj.aborts(plan_or_scenario, step_days=step_days, max_return_days=max_return_days,
                       min_flyby_alt_km=min_flyby_alt_km, ephemeris=ephemeris, progress=progress_bar())
    written = []
    if out is not None:
        written.append(save(sj.plot.aborts(result), out))
    show(result, as_json=as_json, outputs=written, warnings=result.warnings, render=lambda c: _render(c, result))


def _render(console, result) -> None:
    s = result.settings
    limit = f"{s['max_entry_speed_kms']:.2f} km/s" if s["max_entry_speed_kms"] else "none (propulsive return)"
    console.print(f"[bold]{result.scenario_name}[/bold] — aborts every {s['step_days']:g} d; Earth entry limit "
                  f"{limit} ({result.ephemeris})")
    summary = table("Abort coverage (Δv left km/s; longest gap in days)",
                    ["leg", ("Δv left", "num"), ("covered", "num"), ("%", "num"), ("gap", "num"),
                     ("gap from", "date"), ("gap to", "date")])
    for leg in result.legs:
        c = leg.coverage()
        summary.add_row(leg.leg, fmt(leg.dv_left_kms), f"{c['covered_days']}/{c['total_days']}",
                        f"{100 * c['fraction']:.0f}", f"{c['longest_gap_days']:g}",
                        (c["gap_start"] or "—")[:10], (c["gap_end"] or "—")[:10])
    console.print(summary)
    for leg in result.legs:
        _render_leg(console, leg, s["max_return_days"])


def _render_leg(console, leg, max_return_days: float) -> None:
    records = leg.records()
    every = max(1, len(records) // _TABLE_ROWS)
    t = table(f"{leg.leg.capitalize()} leg, every {every * leg.step_days:g} d: cheapest direct return within "
              f"{max_return_days:g} d (Δv km/s, home on), fastest within the Δv left (home on), cheapest Mars "
              "swing-by (Δv km/s, flyby on)",
              [("day", "num"), ("date", "date"), ("Δv", "num"), ("home", "date"), ("fastest", "date"),
               ("swing", "num"), ("flyby", "date"), "ok"])
    for r in records[::every]:
        d, s = r["direct"] or {}, r["swingby"]
        t.add_row(f"{r['day']:g}", r["date"][:10], fmt(d.get("cheapest_dv_kms"), 1),
                  (d.get("cheapest_return") or "—")[:10], (d.get("fastest_return_within_budget") or "—")[:10],
                  fmt(s["total_dv_kms"], 1) if s else ("none" if r["swingby_searched"] else "—"),
                  s["flyby_date"][:10] if s else "—", "yes" if r["covered"] else "[red]no[/red]")
    console.print(t)
