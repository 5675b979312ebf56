"""``sojourn verify``: fly a planned leg in an n-body model, report its miss, correct it."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, command, print_json, progress_bar, show, table


@command("verify")
def verify(
    plan_or_scenario: Path = typer.Argument(..., metavar="SCENARIO", help="Mission scenario (TOML)."),
    leg: str = typer.Option("outbound", "--leg", metavar="outbound|return", help="Which leg of the plan."),
    entry_fpa_deg: Optional[float] = typer.Option(None, "--entry-fpa-deg", metavar="DEG",
                                                  help="Aimed entry flight-path angle for an entry or aerocapture, "
                                                       "degrees. [default: Earth -6.5, Mars -12]"),
    aim_angle_deg: float = typer.Option(0.0, "--aim-angle-deg", metavar="DEG",
                                        help="Aim point direction in the B-plane, degrees from +T towards +R."),
    step_days: Optional[float] = typer.Option(None, "--step", metavar="DAYS",
                                              help="Plan grid step. [default: the scenario's]"),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """Fly the plan's leg in a point-mass n-body model (Sun, planets, Moon) and correct its departure.

    The flight starts where the departure hyperbola leaves the departure
    planet's sphere of influence and ends at closest approach to the target.
    The report gives the patched-conic leg's miss, then the velocity change at
    the start that makes the n-body flight reach the scenario's periapsis
    altitude (or entry flight-path angle) at the nominal arrival epoch.
    """
    import sojourn as sj

    result = sj.verify(plan_or_scenario, leg=leg, entry_fpa_deg=entry_fpa_deg, aim_angle_deg=aim_angle_deg,
                       step_days=step_days, ephemeris=ephemeris, progress=progress_bar())
    if as_json:  # verify writes no file: its JSON has no "outputs", as it never had
        print_json(result.to_dict())
        return
    show(result, as_json=False, render=lambda c: _render_all(c, result.to_dict()))


def _render_all(console, data: dict) -> None:
    """One leg, or each arc of a leg through flybys and how each flyby was flown."""
    if "arcs" not in data:
        _render(console, data)
        return
    for arc in data["arcs"]:
        _render(console, arc)
    for fb in data["flybys"]:
        p, f = fb["planned"], fb["flown"]
        console.print(f"{fb['body'].capitalize()} flyby: planned {p['altitude_km']:,.0f} km at {p['periapsis']} UTC, "
                      f"flown {f['altitude_km']:,.0f} km at {f['closest_approach']} UTC")
    console.print(f"corrections in all: {data['correction']['dv_ms']:.2f} m/s")


def _num(value, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _render(console, data: dict) -> None:
    lg = data["leg"]
    console.print(f"[bold]{data['scenario']}[/bold] — {lg['from']} → {lg['to']}, {lg['depart'][:10]} → "
                  f"{lg['arrive'][:10]}, n-body check ({data['ephemeris']}: {', '.join(data['model']['bodies'])})")
    st = data["start"]
    console.print(f"start: {st['where']} ({st['soi_km']:,.0f} km), {st['epoch']} UTC, "
                  f"{st['hours_after_departure']:.1f} h after the departure burn from "
                  f"{st['periapsis_altitude_km']:g} km")
    tg = data["target"]
    aim = (f"periapsis altitude {tg['nominal']:g} km" if tg["kind"] == "periapsis" else
           f"entry flight-path angle {tg['nominal']:g}° at {tg['interface_altitude_km']:g} km")
    t = table(f"Arrival at {lg['to']} (aim: {aim} at {lg['arrive']} UTC)",
              ["", ("patched conic, uncorrected", "num"), ("corrected", "num")])
    u, c = data["uncorrected"], data["corrected"]
    t.add_row("closest approach UTC", u["closest_approach"], c["closest_approach"])
    t.add_row("hours from nominal", f"{u['hours_from_nominal']:.2f}", f"{c['hours_from_nominal']:.2f}")
    for label, key in (("altitude km", "altitude_km"), ("B·T km", "bt_km"), ("B·R km", "br_km"),
                       ("miss from aim km", "miss_from_aim_km")):
        t.add_row(label, _num(u[key]), _num(c[key]))
    if "entry_fpa_deg" in c:
        t.add_row("entry flight-path angle °", _num(u["entry_fpa_deg"], 3), _num(c["entry_fpa_deg"], 3))
    console.print(t)
    corr = data["correction"]
    console.print(f"correction: {corr['dv_ms']:.2f} m/s at the sphere of influence; {data['iterations']} Newton "
                  f"iterations, {data['flights']} flights, {data['seconds']:.1f} s")
