"""``sojourn export``: the planned trajectory as a CCSDS OEM and/or a SPICE SPK."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, command, progress_bar, show, table


@command("export")
def export(
    scenario: Path = typer.Argument(..., metavar="SCENARIO", help="Mission scenario (TOML)."),
    oem: Optional[Path] = typer.Option(None, "--oem", metavar="FILE",
                                       help="Write a CCSDS Orbit Ephemeris Message (KVN: .oem, .txt or .kvn)."),
    spk: Optional[Path] = typer.Option(None, "--spk", metavar="FILE",
                                       help="Write a SPICE SPK kernel, type 13 (.bsp); needs sojourn[spice]."),
    time_system: str = typer.Option("UTC", "--time-system", metavar="UTC|TDB", help="OEM epochs in UTC or TDB."),
    frame: str = typer.Option("ICRF", "--frame", metavar="ICRF|EME2000",
                              help="OEM reference frame (EME2000 applies the ICRS frame bias). The SPK is J2000=ICRF."),
    step_s: Optional[float] = typer.Option(None, "--step-seconds", metavar="SECONDS",
                                           help="Sampling step in seconds. [default: 21600, 6 hours]"),
    step_hours: Optional[float] = typer.Option(None, "--step-hours", metavar="HOURS",
                                               help="Sampling step in hours (instead of --step-seconds)."),
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
    import sojourn as sj

    step = _check(scenario, oem, spk, time_system, frame, step_s, step_hours, planet_segments, planet_days, naif_id,
                  ephemeris)
    plan = sj.plan(scenario, ephemeris=ephemeris, progress=progress_bar())
    data = {"scenario": plan.scenario_name, "ephemeris": plan.ephemeris, "object_name": None, "oem": None,
            "spk": None}
    written = []
    with _as_hours(step_hours):
        if oem is not None:
            f = sj.export_oem(plan, oem, object_id=str(naif_id), time_system=time_system, frame=frame, step_s=step,
                              planet_segments=planet_segments, planet_days=planet_days, ephemeris=ephemeris)
            data.update(object_name=f.object_name, oem=f.to_dict())
            written.append(oem)
        if spk is not None:
            k = sj.export_spk(plan, spk, naif_id=naif_id, step_s=step, ephemeris=ephemeris)
            data["spk"] = k.to_dict()
            written.append(spk)
    if data["object_name"] is None:
        from sojourn.export.oem import object_name_of

        data["object_name"] = object_name_of(plan)
    show(None, data=data, as_json=as_json, outputs=written, render=lambda c: _render(c, data))


def _check(scenario, oem, spk, time_system, frame, step_s, step_hours, planet_segments, planet_days, naif_id,
           ephemeris) -> float:
    """Every check that needs no plan, before any work: the outputs, the options; the step in seconds."""
    from sojourn import checks
    from sojourn.ephemeris import default_ephemeris_path
    from sojourn.errors import InputError
    from sojourn.export.oem import DEFAULT_STEP_S, FRAMES, OEM_SUFFIXES, TIME_SYSTEMS, check_planet_days, check_step
    from sojourn.export.spk import SPK_SUFFIXES, check_naif_id, require_spiceypy

    if oem is None and spk is None:
        raise InputError("nothing to write: give --oem FILE and/or --spk FILE", "export")
    checks.output_file(oem, OEM_SUFFIXES, "oem")
    checks.output_file(spk, SPK_SUFFIXES, "spk")
    checks.distinct_outputs({"oem": oem, "spk": spk},
                            {"scenario": scenario, "ephemeris": ephemeris or default_ephemeris_path()})
    if ephemeris is not None:
        checks.input_file(ephemeris, "ephemeris", "ephemeris file")
    checks.choice(time_system, TIME_SYSTEMS, "time_system", "time system")
    checks.choice(frame, FRAMES, "frame", "frame")
    if step_s is not None and step_hours is not None:
        raise InputError("give the step once: --step-seconds or --step-hours, not both", "step_hours")
    if step_hours is not None:
        step = check_step(checks.positive(step_hours, "step_hours", "step", "hours") * 3600.0, "step_hours")
    else:
        step = check_step(DEFAULT_STEP_S if step_s is None else step_s)
    if planet_segments:
        check_planet_days(planet_days)
    check_naif_id(naif_id)
    if spk is not None:
        require_spiceypy("spk")
    return step


class _as_hours:
    """Within it, a library error about ``step_s`` names ``step_hours`` when the step was given in hours."""

    def __init__(self, step_hours):
        self.hours = step_hours is not None

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        from sojourn.errors import SojournError

        if self.hours and isinstance(exc, SojournError) and exc.where == "step_s":
            exc.where = "step_hours"
        return False


def _render(console, data: dict) -> None:
    o = data["oem"]
    if o is not None:
        t = table(f"{o['path']}: {o['format']}, {o['frame']}, {o['time_system']}, step {o['step_s']:g} s, "
                  f"{o['states']:,} states", ["centre", "segment", ("start", "date"), ("stop", "date"),
                                              ("states", "num")])
        for s in o["segments"]:
            t.add_row(s["center"], s["label"], s["start"][:16], s["stop"][:16], f"{s['states']:,}")
        console.print(t)
        if any("useable_start" in s for s in o["segments"]):
            console.print("each heliocentric segment is useable only between the planet-centred ones around it")
    s = data["spk"]
    if s is not None:
        console.print(f"{s['path']}: SPK type {s['type']} (Hermite, degree {s['degree']}), NAIF {s['naif_id']} "
                      f"about the Sun (10) in J2000, {len(s['segments'])} segments, {s['states']:,} states")
