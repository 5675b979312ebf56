"""``sojourn plan``: the best crewed round trip of a scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, command, fmt, progress_bar, show, table, write_outputs

FIGURES = ("trajectory.png", "timeline.png")
"""What ``--out DIR`` holds."""


@command("plan")
def plan(
    scenario: Path = typer.Argument(..., metavar="SCENARIO", help="Mission scenario (TOML)."),
    out: Optional[Path] = typer.Option(None, "--out", metavar="DIR",
                                       help="Write trajectory.png and timeline.png into DIR."),
    step_days: Optional[float] = typer.Option(None, "--step", metavar="DAYS",
                                              help="Grid step. [default: the scenario's]"),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """The best crewed round trip of a scenario: timeline, burns, propellant and runners-up."""
    import sojourn as sj
    from sojourn import checks

    checks.output_dir(out, "out")
    checks.distinct_outputs({f"out ({f})": None if out is None else out / f for f in FIGURES},
                            {"scenario": scenario, "ephemeris": ephemeris})
    result = sj.plan(scenario, step_days=step_days, ephemeris=ephemeris, progress=progress_bar())
    written = []
    if out is not None:
        figures = (sj.plot.trajectory(result, ephemeris=ephemeris), sj.plot.timeline(result))
        written = write_outputs(dict(zip((out / f for f in FIGURES), figures)), directory=out)
    show(result, as_json=as_json, outputs=written, warnings=result.warnings, render=lambda c: _render(c, result))


def _render(console, p) -> None:
    from sojourn.results import utc_text

    console.print(f"[bold]{p.scenario_name}[/bold] — objective {p.objective}: {p.total_dv_kms:.2f} km/s in all, "
                  f"{p.total_days:.0f} days, {p.stay_days:.0f} days at Mars")
    events = table("Timeline (UTC)", [("date", "date"), ("Earth hears", "date"), "event"])
    for e in p.events:
        events.add_row(utc_text(e.date, "minute"), utc_text(e.received, "minute") or "—", e.name)
    console.print(events)
    burns = table("Burns", ["burn", ("date", "date"), ("Δv km/s", "num"), "stage", ("propellant kg", "num")])
    for b in p.burns:
        burns.add_row(b.label, utc_text(b.date, "date"), fmt(b.dv_kms, 3), b.stage or "—",
                      "—" if b.propellant_kg is None else f"{b.propellant_kg:,.0f}")
    console.print(burns)
    legs = table("Legs", ["leg", ("depart", "date"), ("arrive", "date"), ("days", "num"), "type", ("C3", "num"),
                          ("v∞ dep", "num"), ("v∞ arr", "num"), ("entry km/s", "num")])
    for name, leg in zip(("outbound", "return"), p.legs):
        legs.add_row(name, utc_text(leg.depart, "date"), utc_text(leg.arrive, "date"), f"{leg.tof_days:.0f}",
                     leg.transfer_type, fmt(leg.c3), fmt(leg.vinf_departure), fmt(leg.vinf_arrival),
                     fmt(leg.entry_speed_kms))
    console.print(legs)
    if any(leg.lowthrust is not None for leg in p.legs):
        _render_electric(console, p)
    if p.flybys:
        fb = table("Flybys (each between two arcs of its leg)", ["body", ("periapsis", "date"), ("altitude km", "num"), ("v∞ km/s", "num"),
                              ("turn °", "num"), ("reach °", "num"), ("burn km/s", "num")])
        for f in p.flybys:
            fb.add_row(f.body.capitalize(), utc_text(f.date, "minute"), f"{f.altitude_km:,.0f}",
                       fmt(0.5 * (f.vinf_in_kms + f.vinf_out_kms)), f"{f.turn_angle_deg:.1f}",
                       f"{f.max_turn_angle_deg:.1f}", fmt(f.dv_kms, 3))
        console.print(fb)
    g = p.launch_geometry
    if g is not None and g.parking_inclination_deg is not None:
        console.print(f"launch asymptote: declination {g.dla_deg:.1f}° from a {g.parking_inclination_deg:g}° "
                      f"parking orbit: plane change {g.plane_change_deg:.1f}° (+{g.dv_penalty_kms:.3f} km/s, "
                      f"{g.policy})")
    if p.alternatives:
        estimated = any(leg.lowthrust is not None for leg in p.legs)
        alt = table("Runners-up" + (" (Δv by the low-thrust estimate)" if estimated else ""),
                    [("launch", "date"), ("Mars arrival", "date"), ("Mars departure", "date"), ("Earth return", "date"),
                     ("stay d", "num"), ("total d", "num"), ("Δv km/s", "num")])
        for a in p.alternatives:
            d = a.to_dict()
            alt.add_row(d["launch"], d["mars_arrival"], d["mars_departure"], d["earth_arrival"],
                        f"{a.stay_days:.0f}", f"{a.total_days:.0f}", fmt(a.total_dv_kms))
        console.print(alt)
    if p.surface is not None:
        _render_mars(console, p)


def _render_mars(console, p) -> None:
    """The events at Mars in the site's local time, and the stay in sols."""
    s = p.surface
    site = s.site
    t = table(f"Time on Mars at {site.title} ({site.latitude_deg:g}° N, {site.east_longitude_deg:g}° E)",
              ["event", ("sol", "num"), "LMST", "LTST", ("Ls °", "num"), ("Mars year", "num"), "dust season"])
    for e in (e for e in p.events if e.mars is not None):
        m = e.mars
        t.add_row(e.name, str(m.sol), m.lmst[:5], m.ltst[:5], fmt(m.ls_deg, 1), str(m.mars_year),
                  "yes" if m.dust_storm_season else "no")
    console.print(t)
    lo, hi = s.dust_storm_season_ls_deg
    console.print(f"{s.stay_sols:.1f} sols on the surface (sols 0 to {s.sols - 1}); daylight "
                  f"{s.landing_daylight_hours:.1f} Mars hours at the landing, {s.ascent_daylight_hours:.1f} at the "
                  f"ascent, {s.min_daylight_hours:.1f}–{s.max_daylight_hours:.1f} over the stay; "
                  f"{s.sols_in_dust_season} sols in the dust-storm season (Ls {lo:g}–{hi:g}°, {s.season_source}).")


def _render_electric(console, p) -> None:
    """The legs flown low-thrust: masses, propellant, thrust arcs and the verification."""
    t = table("Electric legs (optimised, verified by integration)",
              ["leg", ("start kg", "num"), ("end kg", "num"), ("propellant kg", "num"), ("Δv km/s", "num"),
               ("arcs", "num"), ("days thrusting", "num"), ("lands km", "num")])
    for name, leg in zip(("outbound", "return"), p.legs):
        lt = leg.lowthrust
        if lt is not None:
            t.add_row(name, f"{lt.initial_mass_kg:,.0f}", f"{lt.final_mass_kg:,.0f}", f"{lt.propellant_kg:,.0f}",
                      fmt(lt.delta_v_kms, 3), str(len(lt.thrust_arcs)), f"{lt.thrusting_days:.0f}",
                      fmt(lt.landing_error_km, 1))
    console.print(t)
