"""``sojourn diff``: which inputs differ between two plans, what moved, and why."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, command, progress_bar, show, table


@command("diff")
def diff(
    a: Path = typer.Argument(..., metavar="A", help="Reference scenario (TOML)."),
    b: Path = typer.Argument(..., metavar="B", help="Changed scenario (TOML)."),
    step_days: Optional[float] = typer.Option(None, "--step", metavar="DAYS",
                                              help="Grid step for every plan. [default: each scenario's]"),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """Compare two plans: inputs changed, events moved, and the input change(s) that move each event."""
    import sojourn as sj
    from sojourn import checks

    if step_days is not None:
        checks.step_days(step_days)
    if ephemeris is not None:
        checks.input_file(ephemeris, "ephemeris", "ephemeris file")
    result = sj.diff(a, b, step_days=step_days, ephemeris=ephemeris, progress=progress_bar())
    show(result, as_json=as_json, render=lambda c: _render(c, result.to_dict()))


def _value(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _side(label: str, p: dict) -> str:
    if p["feasible"]:
        return (f"{label}: {p['source']} — launch {p['launch'][:10]}, {p['total_days']:.0f} days, "
                f"{p['stay_days']:.0f} at Mars, {p['total_dv_kms']:.2f} km/s")
    binding = f" (binding: {p['binding_constraint']})" if p.get("binding_constraint") else ""
    return f"{label}: {p['source']} — no feasible plan{binding}: {p['reason']}"


def _moved(e: dict) -> str:
    if e["status"] == "moved":
        return f"{e['moved_days']:+.2f}"
    return {"unchanged": "0", "appeared": "appeared", "vanished": "vanished"}[e["status"]]


def _cause(e: dict) -> str:
    if e["status"] == "unchanged":
        return ""
    cause = ", ".join(e["attributed_to"]) or "—"
    return f"only the combination of {cause}" if e["combination_only"] else cause


def _render(console, r: dict) -> None:
    console.print(_side("A", r["a"]))
    console.print(_side("B", r["b"]))
    inputs = table("Inputs that differ", ["input", "A", "B", "alone"])
    for row in r["inputs_changed"]:
        inputs.add_row(row["key"], _value(row["a"]), _value(row["b"]), row["alone"])
    console.print(inputs)
    if not r["inputs_changed"]:
        console.print("the two scenarios have the same inputs")
    events = table("Timeline (UTC)", ["event", ("A", "date"), ("B", "date"), ("moved d", "num"), "because of"])
    for e in r["events"]:
        events.add_row(e["name"], e["a_date"] or "—", e["b_date"] or "—", _moved(e), _cause(e))
    console.print(events)
    if not r["events"]:
        console.print("neither scenario has a feasible plan: no timeline to compare")
    f = r["first_divergence"]
    if f is None and r["events"]:
        console.print("the two timelines are the same")
    elif f is not None:
        console.print(f"first divergence: {f['name']} ({f['a_date'] or '—'} → {f['b_date'] or '—'})")
