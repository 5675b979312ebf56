"""``sojourn verify``: fly a planned leg in an n-body model, report its miss, correct it."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn import checks

from sojourn.cli import EphemerisOption, JsonOption, command, console, fmt, print_json, progress_bar, save


@command("verify")
def verify(
    scenario: Path = typer.Argument(..., help="Mission scenario (TOML)."),
    leg: str = typer.Option("outbound", "--leg", metavar="outbound|return", help="Which leg of the plan."),
    entry_fpa_deg: Optional[float] = typer.Option(None, "--entry-fpa-deg", metavar="DEG",
                                                  help="Aimed entry flight-path angle for an entry or aerocapture, "
                                                       "degrees (default Earth -6.5, Mars -12)."),
    aim_angle_deg: float = typer.Option(0.0, "--aim-angle-deg", metavar="DEG",
                                        help="Aim point direction in the B-plane, degrees from +T towards +R."),
    step: Optional[float] = typer.Option(None, "--step", metavar="DAYS",
                                         help="Plan grid step (default: the scenario's)."),
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
    from sojourn.contingency.dispersions import arrival_target
    from sojourn.contingency.nbody import check_leg, departure_periapsis_radius
    from sojourn.mission.plan import plan_mission
    from sojourn.mission.scenario import load_scenario

    sc = load_scenario(scenario)
    target = arrival_target(sc, leg, entry_fpa_deg=entry_fpa_deg, aim_angle_deg=aim_angle_deg)
    if step is not None:
        checks.step_days(step)
    plan = plan_mission(sc, ephemeris=ephemeris, step_days=step)
    chosen = plan.legs[0 if leg == "outbound" else 1]
    result = check_leg(chosen, target, departure_rp_km=departure_periapsis_radius(sc, leg),
                       ephemeris=ephemeris, progress=progress_bar())
    data = result.to_json()
    data["scenario"] = sc.mission.name
    if as_json:
        print_json(data)
        return
    from rich.table import Table

    console = console()
    lg = data["leg"]
    console.print(f"[bold]{data['scenario']}[/bold] — {lg['from']} → {lg['to']}, {lg['depart'][:10]} → "
                  f"{lg['arrive'][:10]}, n-body check ({data['ephemeris']}: {', '.join(data['model']['bodies'])})")
    st = data["start"]
    console.print(f"start: {st['where']} ({st['soi_km']:,.0f} km), {st['epoch']} UTC, "
                  f"{st['hours_after_departure']:.1f} h after the departure burn from "
                  f"{st['periapsis_altitude_km']:g} km")
    tg = data["target"]
    aim = ("periapsis altitude " + f"{tg['nominal']:g} km" if tg["kind"] == "periapsis" else
           f"entry flight-path angle {tg['nominal']:g}° at {tg['interface_altitude_km']:g} km")
    table = Table(title=f"Arrival at {lg['to']} (aim: {aim} at {lg['arrive'][:16]} UTC)", title_justify="left")
    for col in ("flight", "closest approach UTC", "h from nominal", "altitude km", "B·T km", "B·R km",
                "miss from aim km"):
        table.add_column(col, justify="left" if col in ("flight", "closest approach UTC") else "right")
    for label, f in (("patched conic, uncorrected", data["uncorrected"]), ("corrected", data["corrected"])):
        table.add_row(label, f["closest_approach"], f"{f['hours_from_nominal']:.2f}", f"{f['altitude_km']:,.1f}",
                      "—" if f["bt_km"] is None else f"{f['bt_km']:,.1f}",
                      "—" if f["br_km"] is None else f"{f['br_km']:,.1f}",
                      "—" if f["miss_from_aim_km"] is None else f"{f['miss_from_aim_km']:,.1f}")
    console.print(table)
    corr = data["correction"]
    line = (f"correction: {corr['dv_ms']:.2f} m/s at the sphere of influence; {data['iterations']} Newton "
            f"iterations, {data['flights']} flights, {data['seconds']:.1f} s")
    if data["corrected"].get("entry_fpa_deg") is not None:
        line += f"; entry flight-path angle {data['corrected']['entry_fpa_deg']:.3f}°"
    console.print(line)
