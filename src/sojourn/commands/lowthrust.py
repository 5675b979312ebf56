"""``sojourn lowthrust``: the best electric-propulsion leg between two bodies, optimised and verified."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, command, fmt, progress_bar, save, show, table


@command("lowthrust")
def lowthrust(
    origin: str = typer.Option(..., "--from", metavar="BODY", help="Departure body (earth, emb, mars, ...)."),
    destination: str = typer.Option(..., "--to", metavar="BODY", help="Arrival body."),
    launch: str = typer.Option(..., "--launch", metavar="START[:END]",
                               help="Launch date, or a launch window to search (UTC)."),
    tof_days: str = typer.Option(..., "--tof", metavar="DAYS[:DAYS]",
                                 help="Time of flight, or the shortest and longest to search, days."),
    mass_kg: float = typer.Option(..., "--mass", metavar="KG", help="Mass at departure, kg."),
    thrust_n: float = typer.Option(..., "--thrust", metavar="N", help="Maximum thrust, N (at 1 AU if solar)."),
    isp_s: float = typer.Option(..., "--isp", metavar="S", help="Specific impulse, s."),
    vinf_departure_kms: float = typer.Option(0.0, "--vinf-max", metavar="KMS",
                                             help="Largest departure v∞ the launcher gives, km/s."),
    vinf_arrival_kms: float = typer.Option(0.0, "--vinf-arrival", metavar="KMS",
                                           help="Largest v∞ kept at arrival (0: rendezvous), km/s."),
    power_law: str = typer.Option("constant", "--power-law", metavar="LAW",
                                  help="constant (nuclear-electric) or inverse_square (solar-electric)."),
    duty_cycle: float = typer.Option(1.0, "--duty-cycle", metavar="FRACTION",
                                     help="Share of the time the engine fires, (0, 1]."),
    segments: Optional[int] = typer.Option(None, "--segments", metavar="N",
                                           help="Segments of the transcription. [default: one per 10 days]"),
    step_days: float = typer.Option(2.0, "--step", metavar="DAYS", help="Step of the estimate grid, days."),
    candidates: int = typer.Option(3, "--candidates", metavar="N",
                                   help="Best estimate cells the optimiser starts from."),
    out: Optional[Path] = typer.Option(None, "--out", metavar="FILE",
                                       help="Write the figure: estimate, thrust profile, trajectory (.png, .svg, .pdf)."),
    data: Optional[Path] = typer.Option(None, "--data", metavar="FILE",
                                        help="Write the estimate grid as netCDF (.nc; a window only)."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """The best low-thrust leg: one date optimised, or a window screened by estimate, then optimised.

    A single launch date and time of flight optimise that leg (most final
    mass); a window or a range of flight times is first estimated on a grid
    (MIMA, Lambert-based), then the optimiser starts from its best cells. Every
    leg is verified by integrating its thrust as continuous thrust (DOP853); a
    leg that does not land within 1,000 km and 1 m/s of its target is an error.
    """
    import sojourn as sj
    from sojourn import checks
    from sojourn.plot.figure import FIGURE_SUFFIXES
    from sojourn.transfer.lowthrust import _tof_range, _window

    checks.output_file(out, FIGURE_SUFFIXES, "out")
    checks.output_file(data, (".nc",), "data")
    checks.distinct_outputs({"out": out, "data": data}, {"ephemeris": ephemeris})
    window, tofs = _window(launch, "launch"), _tof_range(tof_days)
    engine = dict(mass_kg=mass_kg, thrust_n=thrust_n, isp_s=isp_s, power_law=power_law, duty_cycle=duty_cycle,
                  vinf_departure_kms=vinf_departure_kms, vinf_arrival_kms=vinf_arrival_kms, segments=segments,
                  ephemeris=ephemeris)
    if window[0] == window[1] and tofs[0] == tofs[1]:
        if data is not None:
            raise sj.InputError("a single launch date and flight time have no estimate grid to write", "data")
        result = sj.lowthrust_leg(origin, destination, window[0], tofs[0], **engine)
    else:
        result = sj.best_lowthrust_leg(origin, destination, window, tofs, step_days=step_days, candidates=candidates,
                                       progress=progress_bar(), **engine)
    written = []
    if out is not None:
        written.append(save(sj.plot.lowthrust(result), out))
    if data is not None:
        from sojourn.io import write_netcdf

        written.append(write_netcdf(result.estimate, data))
    show(result, as_json=as_json, outputs=written, render=lambda c: _render(c, result))


def _render(console, result) -> None:
    from sojourn.results import utc_text

    leg = getattr(result, "best", result)
    p = leg.propulsion
    t = table(f"{leg.departure} → {leg.destination}: {leg.initial_mass_kg:,.0f} kg, {p.thrust_n:g} N, "
              f"Isp {p.isp_s:g} s ({p.power_law}, duty cycle {p.duty_cycle:g}), {leg.segments} segments",
              [("launch", "date"), ("arrival", "date"), ("TOF d", "num"), ("final kg", "num"),
               ("propellant kg", "num"), ("Δv km/s", "num"), ("v∞ dep", "num"), ("v∞ arr", "num")])
    t.add_row(utc_text(leg.launch), utc_text(leg.arrival), f"{leg.tof_days:.1f}", fmt(leg.final_mass_kg, 1),
              fmt(leg.propellant_kg, 1), fmt(leg.delta_v_kms, 3), fmt(leg.vinf_departure_kms),
              fmt(leg.vinf_arrival_kms))
    console.print(t)
    arcs = leg.thrust_arcs
    console.print(f"{len(arcs)} thrust arc{'s' if len(arcs) != 1 else ''}, {leg.thrusting_days:.0f} of "
                  f"{leg.tof_days:.0f} days thrusting; verified by DOP853: lands {leg.landing_error_km:.3g} km "
                  f"and {leg.landing_error_ms:.3g} m/s from the target"
                  + ("" if leg.optimal else " (feasible; SLSQP did not confirm optimality)"))
    tried = getattr(result, "candidates", ())
    if tried:
        c = table("Optimiser starts (estimate cells) and where they ended",
                  [("launch", "date"), ("TOF d", "num"), ("estimate kg", "num"), ("launch found", "date"),
                   ("TOF d", "num"), ("final kg", "num")])
        for row in tried:
            estimate = row["estimate_final_mass_kg"]
            c.add_row(row["launch"], f"{row['tof_days']:.0f}", fmt(estimate if estimate == estimate else None, 0),
                      row["launch_found"] or "—", f"{row['tof_days_found']:.1f}",
                      fmt(row["final_mass_kg"], 1) if row["converged"] else "not converged")
        console.print(c)
