"""``sojourn crew``: the crew's journey day by day (dose, light time, blackouts, data rate)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, command, fmt, progress_bar, show, table, write_outputs

FIGURES = ("dose.png", "light-time.png")
"""What ``--out DIR`` holds."""


def _opt(flag: str, metavar: str, text: str):
    return typer.Option(None, flag, metavar=metavar, help=text)


@command("crew")
def crew(
    scenario: Path = typer.Argument(..., metavar="SCENARIO", help="Mission scenario (TOML)."),
    out: Optional[Path] = typer.Option(None, "--out", metavar="DIR",
                                       help="Write dose.png and light-time.png into DIR."),
    step_days: Optional[float] = typer.Option(None, "--step", metavar="DAYS",
                                              help="Search grid step of the plan. [default: the scenario's]"),
    settings: Optional[Path] = typer.Option(
        None, "--crew-config", metavar="FILE",
        help="Crew-model TOML ([dose], [[dose.solar_particle_events]], [comms]); options below win over it."),
    cruise_msv_per_day: Optional[float] = _opt("--cruise-rate", "MSV_PER_DAY",
                                               "Cruise dose rate (Zeitlin et al. 2013). [default: 1.84]"),
    surface_msv_per_day: Optional[float] = _opt("--surface-rate", "MSV_PER_DAY",
                                                "Mars surface dose rate (Hassler et al. 2014). [default: 0.64]"),
    shielding_factor: Optional[float] = _opt("--shielding", "FACTOR", "Multiplies both dose rates. [default: 1]"),
    solar_modulation_amplitude: Optional[float] = _opt(
        "--solar-amplitude", "A", "Solar-cycle GCR modulation amplitude, 0 <= A < 1, highest at solar minimum. [default: 0, off]"),
    solar_minimum: Optional[str] = _opt("--solar-minimum", "DATE", "A solar minimum, UTC. [default: 2019-12-15]"),
    career_limit_msv: Optional[float] = _opt("--limit", "MSV", "Career limit (NASA-STD-3001 Vol. 1 Rev. B). [default: 600]"),
    prior_career_msv: Optional[float] = _opt("--prior-dose", "MSV", "Career dose before this mission. [default: 0]"),
    threshold_deg: Optional[float] = _opt("--threshold", "DEG", "Blackout below this Sun-Earth-spacecraft angle. [default: 2]"),
    transmit_power_w: Optional[float] = _opt("--tx-power", "W", "Transmit power. [default: 100]"),
    transmit_diameter_m: Optional[float] = _opt("--tx-antenna", "M", "Spacecraft dish diameter. [default: 3]"),
    receive_diameter_m: Optional[float] = _opt("--rx-antenna", "M", "Ground dish diameter. [default: 34]"),
    frequency_ghz: Optional[float] = _opt("--frequency", "GHZ", "Carrier (X band). [default: 8.4]"),
    system_noise_temperature_k: Optional[float] = _opt("--noise-temperature", "K", "System noise temperature. [default: 30]"),
    required_ebn0_db: Optional[float] = _opt("--ebn0", "DB", "Required Eb/N0. [default: 1]"),
    margin_db: Optional[float] = _opt("--margin", "DB", "Link margin. [default: 3]"),
    file_gb: Optional[float] = _opt("--file-gb", "GB", "Size of the file to send home, 1 GB = 1e9 bytes. [default: 2]"),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """The crew's journey: radiation dose, light time, conjunction blackouts and data rate, day by day."""
    import sojourn as sj
    from sojourn import checks
    from sojourn.onboard.timeline import crew_settings

    checks.output_dir(out, "out")
    checks.distinct_outputs({f"out ({f})": None if out is None else out / f for f in FIGURES},
                            {"scenario": scenario, "crew config": settings, "ephemeris": ephemeris})
    for path, where, what in ((settings, "settings", "crew config file"), (ephemeris, "ephemeris", "ephemeris file")):
        if path is not None:
            checks.input_file(path, where, what)
    if step_days is not None:
        checks.step_days(step_days)
    model = crew_settings(
        settings, cruise_msv_per_day=cruise_msv_per_day, surface_msv_per_day=surface_msv_per_day,
        shielding_factor=shielding_factor, solar_modulation_amplitude=solar_modulation_amplitude,
        solar_minimum=solar_minimum, career_limit_msv=career_limit_msv, prior_career_msv=prior_career_msv,
        threshold_deg=threshold_deg, transmit_power_w=transmit_power_w, transmit_diameter_m=transmit_diameter_m,
        receive_diameter_m=receive_diameter_m, frequency_ghz=frequency_ghz,
        system_noise_temperature_k=system_noise_temperature_k, required_ebn0_db=required_ebn0_db,
        margin_db=margin_db, file_gb=file_gb)
    tl = sj.crew(scenario, model, step_days=step_days, ephemeris=ephemeris, progress=progress_bar())
    written = []
    if out is not None:
        figures = (sj.plot.dose(tl), sj.plot.light_time(tl))
        written = write_outputs(dict(zip((out / f for f in FIGURES), figures)), directory=out)
    show(tl, as_json=as_json, outputs=written, warnings=tl.warnings, render=lambda c: _render(c, tl.overview()))


def _render(console, s: dict) -> None:
    d, c = s["dose"], s["comms"]
    phases = d["by_phase_msv"]
    console.print(f"[bold]{s['scenario']}[/bold]: {s['days_since_leaving_earth']:.0f} days away from Earth, "
                  f"launch {s['launch'][:10]}, return {s['return'][:10]}")
    t = table("What weighs on the crew", ["what", "value"])
    t.add_row("mission dose equivalent", f"{d['mission_msv']:.0f} mSv (outbound {phases['outbound']:.0f}, "
              f"at Mars {phases['mars']:.0f}, return {phases['return']:.0f}, "
              f"solar particle events {phases['solar_particle_events']:.0f})")
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
    if s.get("clock"):
        k = s["clock"]
        t.add_row("the crew's clocks", f"{abs(k['offset_s']):.3f} s {'ahead of' if k['ahead'] else 'behind'} "
                  f"Earth's at the return ({k['mean_rate_us_per_day']:+.0f} µs a day)")
    console.print(t)
    _render_events(console, s)
    if c["blackouts"]:
        bt = table(f"Blackouts (Sun-Earth-spacecraft angle < {c['threshold_deg']:g}°)",
                   [("start (UTC)", "date"), ("end (UTC)", "date"), ("days", "num"), ("min angle °", "num")])
        for b in c["blackouts"]:
            bt.add_row(b["start"], b["end"], fmt(b["days"], 1), fmt(b["min_angle_deg"], 2))
        console.print(bt)


def _render_events(console, s: dict) -> None:
    """The plan's events with when Earth hears of them, and the crew's clocks in words."""
    if s.get("events"):
        t = table("Events and when Earth hears of them (UTC)", [("date", "date"), ("Earth hears", "date"), "event"])
        for e in s["events"]:
            t.add_row(e["date"], e.get("received") or "—", e["name"])
        console.print(t)
    if s.get("clock"):
        console.print(s["clock"]["in_words"])
