"""``sojourn export``: the planned trajectory as a CCSDS OEM and/or a SPICE SPK."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn import checks

from sojourn.cli import EphemerisOption, JsonOption, command, console, fmt, print_json, progress_bar, save
from sojourn.results import utc_text

OEM_SUFFIXES = (".oem", ".txt", ".kvn")
SPK_SUFFIXES = (".bsp",)


@command("export")
def export(
    scenario: Path = typer.Argument(..., help="Mission scenario (TOML)."),
    oem: Optional[Path] = typer.Option(None, "--oem", metavar="FILE",
                                       help="Write a CCSDS Orbit Ephemeris Message (KVN, .oem)."),
    spk: Optional[Path] = typer.Option(None, "--spk", metavar="FILE",
                                       help="Write a SPICE SPK kernel, type 13 (.bsp); needs sojourn[spice]."),
    time_system: str = typer.Option("UTC", "--time-system", metavar="UTC|TDB", help="OEM epochs in UTC or TDB."),
    frame: str = typer.Option("ICRF", "--frame", metavar="ICRF|EME2000",
                              help="OEM reference frame (EME2000 applies the ICRS frame bias). The SPK is J2000=ICRF."),
    step: Optional[float] = typer.Option(None, "--step", metavar="SECONDS",
                                         help="Sampling step in seconds (default 21600: 6 hours)."),
    step_hours: Optional[float] = typer.Option(None, "--step-hours", metavar="H", help="Sampling step in hours."),
    planet_segments: bool = typer.Option(False, "--planet-segments",
                                         help="Add Earth- and Mars-centred OEM segments at both ends of each leg "
                                              "(the heliocentric arc re-expressed, not a hyperbola)."),
    planet_days: float = typer.Option(3.0, "--planet-days", metavar="DAYS",
                                      help="Length of each planet-centred segment."),
    naif_id: int = typer.Option(-1000, "--naif-id", metavar="ID",
                                help="The craft's NAIF id in the SPK and its OEM OBJECT_ID (negative)."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """The planned trajectory for other tools: a CCSDS OEM (GMAT, STK, Orekit) and/or a SPICE SPK.

    One segment per coasting leg (outbound and return transits, split at the
    impulsive burns); the stay at Mars is left out (the craft is at Mars).
    """
    import math

    from sojourn.errors import InputError
    from sojourn.export.oem import DEFAULT_STEP_S, FRAMES, TIME_SYSTEMS, _check_choice, check_step

    if oem is None and spk is None:
        raise InputError("nothing to write: give --oem FILE and/or --spk FILE", "export")
    checks.output_file(oem, OEM_SUFFIXES, "oem")
    checks.output_file(spk, SPK_SUFFIXES, "spk")
    if oem is not None and spk is not None and oem.resolve() == spk.resolve():
        raise InputError("--oem and --spk name the same file", "--spk")
    ts = _check_choice(time_system, TIME_SYSTEMS, "--time-system")
    fr = _check_choice(frame, FRAMES, "--frame")
    if step is not None and step_hours is not None:
        raise InputError("give the step once: --step SECONDS or --step-hours H, not both", "--step-hours")
    if step_hours is not None:
        if not math.isfinite(step_hours) or step_hours <= 0:
            raise InputError(f"step must be a positive number of hours, got {step_hours:g}", "--step-hours")
        step_s = check_step(step_hours * 3600.0, "--step-hours")
    else:
        step_s = check_step(DEFAULT_STEP_S if step is None else step, "--step")
    if planet_segments and (not math.isfinite(planet_days) or planet_days <= 0):
        raise InputError(f"planet days must be a positive number of days, got {planet_days:g}", "--planet-days")
    from sojourn.export.spk import check_naif_id, require_spiceypy

    if spk is not None:
        require_spiceypy("--spk")

    body_id = check_naif_id(naif_id)

    import sojourn
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.plan import plan_mission
    from sojourn.mission.scenario import load_scenario

    sc = load_scenario(scenario)
    eph = resolve_ephemeris(ephemeris)
    plan = plan_mission(sc, ephemeris=eph)
    name = sc.vessel.name if sc.vessel is not None and sc.vessel.name else sc.mission.name
    out_leg, ret_leg = plan.legs
    comments = [
        f"sojourn {sojourn.__version__}: {sc.mission.name} ({sc.mission.mission_class} class, objective "
        f"{sc.mission.objective}), scenario {Path(sc.source).name} sha256 {sc.digest()[:16]}",
        f"ephemeris {plan.ephemeris}; heliocentric legs are two-body ballistic Lambert arcs between impulsive "
        "burns (patched conics)",
        f"launch {utc_text(out_leg.depart, 'minute')} UTC, Mars arrival {utc_text(out_leg.arrive, 'minute')}, Mars departure {utc_text(ret_leg.depart, 'minute')}, "
        f"{ret_leg.destination.capitalize()} arrival {utc_text(ret_leg.arrive, 'minute')}",
        f"one segment per coasting leg; the {plan.stay_days:.1f}-day stay at Mars is not included "
        "(the craft is with Mars: use a planetary ephemeris)",
    ]
    result = {"scenario": plan.scenario_name, "ephemeris": plan.ephemeris, "object_name": name,
              "oem": None, "spk": None, "outputs": []}
    if oem is not None:
        from sojourn.export.oem import write_oem

        result["oem"] = write_oem(plan, oem, object_name=name, object_id=str(body_id), time_system=ts, frame=fr,
                                  step_s=step_s, planet_segments=planet_segments, planet_days=planet_days,
                                  ephemeris=eph, comments=comments)
        result["outputs"].append(str(oem))
    if spk is not None:
        from sojourn.export.spk import write_spk

        result["spk"] = write_spk(plan, spk, naif_id=body_id, step_s=step_s, ephemeris=eph, object_name=name,
                                  comments=comments)
        result["outputs"].append(str(spk))
    if as_json:
        print_json(result)
        return
    from rich.table import Table

    console = console()
    if result["oem"] is not None:
        o = result["oem"]
        table = Table(title=f"{o['path']}: {o['format']}, {o['frame']}, {o['time_system']}, "
                            f"step {o['step_s']:g} s, {o['states']:,} states", title_justify="left")
        for col in ("centre", "segment", "start", "stop", "useable", "states"):
            table.add_column(col, justify="right" if col == "states" else "left")
        for s in o["segments"]:
            useable = f"{s['useable_start'][:16]} – {s['useable_stop'][:16]}" if "useable_start" in s else "all"
            table.add_row(s["center"], s["label"], s["start"][:16], s["stop"][:16], useable, f"{s['states']:,}")
        console.print(table)
    if result["spk"] is not None:
        s = result["spk"]
        console.print(f"{s['path']}: SPK type {s['type']} (Hermite, degree {s['degree']}), NAIF {s['naif_id']} "
                      f"about the Sun (10) in J2000, {len(s['segments'])} segments, {s['states']:,} states")
    for p in result["outputs"]:
        console.print(f"wrote {p}")
