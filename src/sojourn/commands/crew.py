"""``sojourn crew``: the crew's journey day by day (dose, light time, blackouts, data rate)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, _check_output_dir, _console, _fmt, _print_json, app


@app.command()
def crew(
    scenario: Path = typer.Argument(..., help="Mission scenario (TOML)."),
    out: Optional[Path] = typer.Option(None, "--out", metavar="DIR",
                                       help="Write dose.png and light-time.png into DIR."),
    step: Optional[float] = typer.Option(None, "--step", metavar="DAYS",
                                         help="Search grid step of the plan (default: the scenario's)."),
    crew_config: Optional[Path] = typer.Option(
        None, "--crew-config", metavar="FILE",
        help="Crew-model TOML ([dose], [[dose.solar_particle_events]], [comms]); options below win over it."),
    cruise_rate: Optional[float] = typer.Option(
        None, "--cruise-rate", metavar="MSV_PER_DAY", help="Cruise dose rate [1.84, Zeitlin et al. 2013]."),
    surface_rate: Optional[float] = typer.Option(
        None, "--surface-rate", metavar="MSV_PER_DAY", help="Mars surface dose rate [0.64, Hassler et al. 2014]."),
    shielding: Optional[float] = typer.Option(None, "--shielding", metavar="FACTOR",
                                              help="Multiplies both dose rates [1]."),
    solar_amplitude: Optional[float] = typer.Option(
        None, "--solar-amplitude", metavar="A",
        help="Solar-cycle GCR modulation amplitude, 0 <= A < 1 [0: off]; highest at solar minimum."),
    solar_minimum: Optional[str] = typer.Option(None, "--solar-minimum", metavar="DATE",
                                                help="A solar minimum, UTC [2019-12-15]."),
    limit: Optional[float] = typer.Option(None, "--limit", metavar="MSV",
                                          help="Career limit [600, NASA-STD-3001 Vol. 1 Rev. B]."),
    prior_dose: Optional[float] = typer.Option(None, "--prior-dose", metavar="MSV",
                                               help="Career dose before this mission [0]."),
    threshold: Optional[float] = typer.Option(None, "--threshold", metavar="DEG",
                                              help="Blackout below this Sun-Earth-spacecraft angle [2]."),
    tx_power: Optional[float] = typer.Option(None, "--tx-power", metavar="W", help="Transmit power [100]."),
    tx_antenna: Optional[float] = typer.Option(None, "--tx-antenna", metavar="M",
                                               help="Spacecraft dish diameter [3]."),
    rx_antenna: Optional[float] = typer.Option(None, "--rx-antenna", metavar="M",
                                               help="Ground dish diameter [34]."),
    frequency: Optional[float] = typer.Option(None, "--frequency", metavar="GHZ", help="Carrier [8.4, X band]."),
    noise_temperature: Optional[float] = typer.Option(None, "--noise-temperature", metavar="K",
                                                      help="System noise temperature [30]."),
    ebn0: Optional[float] = typer.Option(None, "--ebn0", metavar="DB", help="Required Eb/N0 [1]."),
    margin: Optional[float] = typer.Option(None, "--margin", metavar="DB", help="Link margin [3]."),
    file_gb: Optional[float] = typer.Option(None, "--file-gb", metavar="GB",
                                            help="Size of the file to send home [2 GB = 2e9 bytes]."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """The crew's journey: radiation dose, light time, conjunction blackouts and data rate, day by day."""
    from sojourn.crew.timeline import crew_settings, crew_timeline, load_crew_config
    from sojourn.mission.plan import plan_mission
    from sojourn.mission.scenario import load_scenario

    sc = load_scenario(scenario)
    config = load_crew_config(crew_config) if crew_config is not None else None
    settings = crew_settings(config, {
        "dose.cruise_msv_per_day": (cruise_rate, "--cruise-rate"),
        "dose.surface_msv_per_day": (surface_rate, "--surface-rate"),
        "dose.shielding_factor": (shielding, "--shielding"),
        "dose.solar_modulation_amplitude": (solar_amplitude, "--solar-amplitude"),
        "dose.solar_minimum": (solar_minimum, "--solar-minimum"),
        "dose.career_limit_msv": (limit, "--limit"),
        "dose.prior_career_msv": (prior_dose, "--prior-dose"),
        "comms.threshold_deg": (threshold, "--threshold"),
        "comms.transmit_power_w": (tx_power, "--tx-power"),
        "comms.transmit_diameter_m": (tx_antenna, "--tx-antenna"),
        "comms.receive_diameter_m": (rx_antenna, "--rx-antenna"),
        "comms.frequency_ghz": (frequency, "--frequency"),
        "comms.system_noise_temperature_k": (noise_temperature, "--noise-temperature"),
        "comms.required_ebn0_db": (ebn0, "--ebn0"),
        "comms.margin_db": (margin, "--margin"),
        "comms.file_gb": (file_gb, "--file-gb"),
    })
    if step is not None:
        from sojourn.transfer.porkchop import check_step

        check_step(step)
    _check_output_dir(out)
    plan = plan_mission(sc, ephemeris=ephemeris, step_days=step)
    tl = crew_timeline(plan, settings, ephemeris=ephemeris)
    written = []
    if out is not None:
        from sojourn.plot.crew import plot_dose, plot_light_time

        from sojourn.io import atomic_paths, output_dir

        with output_dir(out, "--out"):
            finals = [out / "dose.png", out / "light-time.png"]
            with atomic_paths(*finals) as (dose, light_time):  # both or neither
                plot_dose(tl, dose)
                plot_light_time(tl, light_time)
            written.extend(finals)
    if as_json:
        data = tl.to_json()
        data["outputs"] = [str(p) for p in written]
        _print_json(data)
        return
    from rich.table import Table

    s = tl.summary()
    d, c = s["dose"], s["comms"]
    console = _console()
    console.print(f"[bold]{s['scenario']}[/bold]: {s['days_since_leaving_earth']:.0f} days away from Earth, "
                  f"launch {s['launch'][:10]}, return {s['return'][:10]}")
    t = Table(title="What weighs on the crew", title_justify="left", show_header=False)
    t.add_column("what")
    t.add_column("value")
    t.add_row("mission dose equivalent", f"{d['mission_msv']:.0f} mSv (outbound {d['by_phase_msv']['outbound']:.0f}, "
              f"at Mars {d['by_phase_msv']['mars']:.0f}, return {d['by_phase_msv']['return']:.0f}, "
              f"solar particle events {d['by_phase_msv']['solar_particle_events']:.0f})")
    t.add_row("career total / limit", f"{d['career_total_msv']:.0f} / {d['career_limit_msv']:g} mSv "
              f"({100 * d['fraction_of_limit']:.0f} %)"
              + (f", limit reached {d['limit_crossed_on']}" if d["limit_crossed"] else ", limit not reached"))
    lb = c["longest_blackout"]
    t.add_row("longest blackout", "none" if lb is None else
              f"{lb['days']:.1f} days, {lb['start'][:10]} to {lb['end'][:10]}")
    t.add_row("longest one-way delay", f"{c['longest_one_way_delay_min']:.1f} min ({c['longest_one_way_delay_on']})")
    t.add_row("farthest from Earth", f"{c['farthest_distance_km']:,.0f} km = {c['farthest_distance_au']:.2f} au "
              f"({c['farthest_on']})")
    if c["lowest_data_rate_bps"] is not None:
        t.add_row("lowest data rate", f"{c['lowest_data_rate_bps'] / 1e6:.2f} Mbit/s: "
                  f"{c['file_bytes'] / 1e9:g} GB in {c['file_hours_at_lowest_rate']:.1f} h")
    console.print(t)
    if c["blackouts"]:
        bt = Table(title=f"Blackouts (Sun-Earth-spacecraft angle < {c['threshold_deg']:g}°)", title_justify="left")
        for col in ("start", "end", "days", "min angle °"):
            bt.add_column(col)
        for b in c["blackouts"]:
            bt.add_row(b["start"], b["end"], _fmt(b["days"], 1), _fmt(b["min_angle_deg"], 2))
        console.print(bt)
    for w in tl.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
    for p in written:
        console.print(f"wrote {p}")
