"""``sojourn aborts``: the ways home from every day of a plan's transits, and the gaps."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

import sojourn as sj

from sojourn import checks

from sojourn.cli import EphemerisOption, JsonOption, command, console, fmt, print_json, progress_bar, save


@command("aborts")
def aborts(
    scenario: Path = typer.Argument(..., help="Mission scenario (TOML)."),
    step: float = typer.Option(1.0, "--step", metavar="DAYS",
                               help="Spacing of the abort days and of the return durations, days."),
    max_return_days: float = typer.Option(365.0, "--max-return-days", metavar="N",
                                          help="Longest return for the cheapest direct return, days (30-900)."),
    min_flyby_alt: float = typer.Option(200.0, "--min-flyby-alt", metavar="KM",
                                        help="Lowest Mars swing-by altitude, km."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the abort plot (.png, .svg or .pdf)."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """Direct returns and Mars swing-bys from every day of both transits: abort coverage and its gaps."""
    from sojourn.contingency.aborts import abort_analysis, check_options
    from sojourn.mission.plan import plan_mission
    from sojourn.mission.scenario import load_scenario
    from sojourn.plot.figure import FIGURE_SUFFIXES

    check_options(step, max_return_days, min_flyby_alt)
    checks.output_file(out, tuple(FIGURE_SUFFIXES), "out")
    sc = load_scenario(scenario)
    plan = plan_mission(sc, ephemeris=ephemeris)
    result = abort_analysis(sc, plan, ephemeris=ephemeris, step_days=step, max_return_days=max_return_days,
                            min_flyby_alt_km=min_flyby_alt, progress=progress_bar())
    written = []
    if out is not None:
        written.append(save(sj.plot.aborts(result), out))
    if as_json:
        data = result.to_json()
        data["outputs"] = [str(p) for p in written]
        print_json(data)
        return
    from rich.table import Table

    console = console()
    settings = result.settings
    console.print(f"[bold]{result.scenario_name}[/bold] — aborts every {settings['step_days']:g} d; "
                  f"Earth entry limit "
                  + (f"{settings['max_entry_speed_kms']:.2f} km/s" if settings["max_entry_speed_kms"] else "none")
                  + f" ({result.ephemeris})")
    summary = Table(title="Abort coverage", title_justify="left")
    for col in ("leg", "Δv left km/s", "covered", "fraction", "longest gap d", "gap from", "gap to"):
        summary.add_column(col)
    for leg in result.legs:
        c = leg.coverage()
        summary.add_row(leg.leg, fmt(leg.dv_left_kms), f"{c['covered_days']} / {c['total_days']}",
                        f"{100 * c['fraction']:.0f} %", f"{c['longest_gap_days']:g}",
                        (c["gap_start"] or "—")[:10], (c["gap_end"] or "—")[:10])
    console.print(summary)
    for leg in result.legs:
        records = leg.records()
        every = max(1, len(records) // 20)
        table = Table(title=f"{leg.leg.capitalize()} leg (every {every * leg.step_days:g} d)", title_justify="left")
        for col in ("day", "date", "cheapest Δv", "return", "fastest in budget", "days", "swing-by Δv",
                    "flyby", "covered"):
            table.add_column(col)
        for r in records[::every]:
            d, s = r["direct"] or {}, r["swingby"] or {}
            table.add_row(f"{r['day']:g}", r["date"][:10],
                          fmt(d["cheapest_dv_kms"]) if d.get("cheapest_dv_kms") is not None else "—",
                          (d.get("cheapest_return") or "—")[:10],
                          (d.get("fastest_return_within_budget") or "—")[:10],
                          f"{d['fastest_days']:.0f}" if d.get("fastest_days") is not None else "—",
                          fmt(s["total_dv_kms"]) if s else ("none" if r["swingby_searched"] else "—"),
                          s["flyby_date"][:10] if s else "—",
                          "yes" if r["covered"] else "[red]no[/red]")
        console.print(table)
    for w in result.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
    for p in written:
        console.print(f"wrote {p}")
