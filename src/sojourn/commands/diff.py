"""``sojourn diff``: which inputs differ between two plans, what moved, and why."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn import checks

from sojourn.cli import EphemerisOption, JsonOption, command, console, fmt, print_json, progress_bar, save


def _show(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


@command("diff")
def diff(
    a: Path = typer.Argument(..., help="Reference scenario (TOML)."),
    b: Path = typer.Argument(..., help="Changed scenario (TOML)."),
    step: Optional[float] = typer.Option(None, "--step", metavar="DAYS",
                                         help="Grid step for every plan (default: each scenario's)."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """Compare two plans: inputs changed, events moved, and the input change(s) that move each event."""
    from sojourn.mission.diff import diff_scenarios
    from sojourn.mission.scenario import load_scenario

    sa, sb = load_scenario(a), load_scenario(b)
    if step is not None:
        checks.step_days(step)
    result = diff_scenarios(sa, sb, ephemeris=ephemeris, step_days=step, progress=progress_bar())
    if as_json:
        print_json(result)
        return
    from rich.table import Table

    console = console()
    for side, label in (("a", "A"), ("b", "B")):
        p = result[side]
        if p["feasible"]:
            console.print(f"{label}: {p['source']} — launch {p['launch'][:10]}, {p['total_days']:.0f} days, "
                          f"{p['stay_days']:.0f} at Mars, {p['total_dv_kms']:.2f} km/s")
        else:
            console.print(f"{label}: {p['source']} — infeasible: {p['reason']}")
    inputs = Table(title="Inputs that differ", title_justify="left")
    for col in ("input", "A", "B", "alone"):
        inputs.add_column(col)
    for row in result["inputs_changed"]:
        inputs.add_row(row["key"], _show(row["a"]), _show(row["b"]), row["alone"])
    console.print(inputs)
    if not result["inputs_changed"]:
        console.print("the two scenarios have the same inputs")
    events = Table(title="Timeline (UTC)", title_justify="left")
    for col in ("event", "A", "B", "moved d", "because of"):
        events.add_column(col, justify="right" if col == "moved d" else "left")
    for e in result["events"]:
        if e["status"] == "unchanged":
            cause = ""
        else:
            cause = ", ".join(e["attributed_to"]) or "—"
            if e["combination_only"]:
                cause = f"only the combination of {cause}"
        moved = {"moved": f"{e['moved_days']:+.2f}", "unchanged": "0",
                 "appeared": "appeared", "vanished": "vanished"}[e["status"]]
        events.add_row(e["name"], e["a_date"] or "—", e["b_date"] or "—", moved, cause)
    console.print(events)
    f = result["first_divergence"]
    if f is None:
        console.print("the two timelines are the same")
    else:
        console.print(f"first divergence: {f['name']} ({f['a_date'] or '—'} → {f['b_date'] or '—'})")
