"""``sojourn dispersions``: Monte Carlo of a leg's departure errors on the target's B-plane."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

import sojourn as sj

from sojourn import checks

from sojourn.cli import EphemerisOption, JsonOption, command, console, fmt, print_json, progress_bar, save


@command("dispersions")
def dispersions(
    scenario: Path = typer.Argument(..., help="Mission scenario (TOML)."),
    samples: int = typer.Option(100_000, "--samples", metavar="N", help="Monte Carlo samples."),
    seed: int = typer.Option(0, "--seed", metavar="S",
                             help="Random seed (PCG64); the same seed gives the same numbers."),
    leg: str = typer.Option("outbound", "--leg", metavar="outbound|return", help="Which leg of the plan."),
    magnitude_pct: float = typer.Option(0.5, "--magnitude-pct", metavar="PCT",
                                        help="Departure v∞ magnitude error, % (3σ)."),
    pointing_deg: float = typer.Option(0.5, "--pointing-deg", metavar="DEG",
                                       help="Departure v∞ pointing error, degrees (3σ per axis)."),
    position_km: float = typer.Option(0.0, "--position-km", metavar="KM",
                                      help="Departure position error, km (1σ per axis)."),
    velocity_ms: float = typer.Option(0.0, "--velocity-ms", metavar="M/S",
                                      help="Departure velocity error, m/s (1σ per axis)."),
    tcm_days: float = typer.Option(10.0, "--tcm-days", metavar="DAYS",
                                   help="Days after departure of the correction burn."),
    tcm_magnitude_pct: Optional[float] = typer.Option(None, "--tcm-magnitude-pct", metavar="PCT",
                                                      help="Correction burn magnitude error, % (3σ); default "
                                                           "--magnitude-pct."),
    tcm_pointing_deg: Optional[float] = typer.Option(None, "--tcm-pointing-deg", metavar="DEG",
                                                     help="Correction burn pointing error, degrees (3σ); default "
                                                          "--pointing-deg."),
    corridor_km: Optional[float] = typer.Option(None, "--corridor-km", metavar="KM",
                                                help="Capture corridor: ± periapsis altitude, km (default 50)."),
    corridor_deg: Optional[float] = typer.Option(None, "--corridor-deg", metavar="DEG",
                                                 help="Entry corridor: ± flight-path angle, degrees (default 1)."),
    entry_fpa_deg: Optional[float] = typer.Option(None, "--entry-fpa-deg", metavar="DEG",
                                                  help="Aimed entry flight-path angle, degrees "
                                                       "(default Earth -6.5, Mars -12)."),
    aim_angle_deg: float = typer.Option(0.0, "--aim-angle-deg", metavar="DEG",
                                        help="Aim point direction in the B-plane, degrees from +T towards +R."),
    step: Optional[float] = typer.Option(None, "--step", metavar="DAYS",
                                         help="Plan grid step (default: the scenario's)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the B-plane plot (.png, .svg or .pdf)."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """Burn errors on a leg's departure, mapped to the target's B-plane; one correction burn; corridor misses.

    The scenario is planned first; the chosen leg's departure v∞ is dispersed
    (magnitude and pointing, 3σ) and each sample flown (two-body, Sun only) to
    the nominal arrival epoch. B·T, B·R use T = unit(S × k) with k the J2000
    ecliptic pole. The correction re-targets the nominal arrival point from
    --tcm-days after departure (a Lambert arc per sample).
    """
    from sojourn.contingency.dispersions import StateErrors, arrival_target, run_dispersions
    from sojourn.errors import InputError
    from sojourn.mission.plan import plan_mission
    from sojourn.mission.scenario import load_scenario
    from sojourn.plot.figure import FIGURE_SUFFIXES

    checks.output_file(out, FIGURE_SUFFIXES, "out")
    errors = _burn_errors(magnitude_pct, pointing_deg, "")
    tcm_errors = _burn_errors(magnitude_pct if tcm_magnitude_pct is None else tcm_magnitude_pct,
                              pointing_deg if tcm_pointing_deg is None else tcm_pointing_deg, "tcm-")
    try:
        state_errors = StateErrors(position_km, velocity_ms)
    except InputError as exc:
        raise InputError(exc.message, "--position-km" if "position" in exc.message else "--velocity-ms") from None
    sc = load_scenario(scenario)
    target = arrival_target(sc, leg, corridor_km=corridor_km, corridor_deg=corridor_deg,
                            entry_fpa_deg=entry_fpa_deg, aim_angle_deg=aim_angle_deg)
    if samples < 2:
        raise InputError(f"the number of samples must be at least 2, got {samples}", "--samples")
    if seed < 0:
        raise InputError(f"the seed must be >= 0, got {seed}", "--seed")
    if step is not None:
        checks.step_days(step)
    plan = plan_mission(sc, ephemeris=ephemeris, step_days=step)
    chosen = plan.legs[0 if leg == "outbound" else 1]
    result = run_dispersions(chosen, target, samples=samples, seed=seed, errors=errors,
                             state_errors=state_errors, tcm_errors=tcm_errors, tcm_days=tcm_days,
                             ephemeris=ephemeris, progress=progress_bar())
    written = []
    if out is not None:
        written.append(str(save(sj.plot.bplane(result), out)))
    data = result.to_json()
    data["scenario"] = sc.mission.name
    data["outputs"] = written
    if as_json:
        print_json(data)
        return
    _print_table(data)
    for p in written:
        console().print(f"wrote {p}")


def _burn_errors(magnitude_pct, pointing_deg, prefix):
    from sojourn.contingency.dispersions import BurnErrors
    from sojourn.errors import InputError

    try:
        return BurnErrors(magnitude_pct, pointing_deg)
    except InputError as exc:
        option = f"--{prefix}magnitude-pct" if "magnitude" in exc.message else f"--{prefix}pointing-deg"
        raise InputError(exc.message, option) from None


def _opt(value, digits=1, unit=""):
    return "—" if value is None else f"{value:,.{digits}f}{unit}"


def _print_table(data: dict) -> None:
    from rich.table import Table

    console = console()
    leg, target, aim = data["leg"], data["target"], data["aim_point"]
    console.print(f"[bold]{data['scenario']}[/bold] — {leg['from']} → {leg['to']}, {leg['depart'][:10]} → "
                  f"{leg['arrive'][:10]}: {data['samples']:,} samples (seed {data['seed']}), {data['ephemeris']}")
    model = data["model"]["departure_burn"]
    console.print(f"departure v∞ errors {model['magnitude_pct_3sigma']:g} % and {model['pointing_deg_3sigma']:g}° "
                  f"(3σ); arrival v∞ {fmt(data['vinf_arrival_kms'])} km/s; aim point B·T {aim['bt_km']:,.0f} km, "
                  f"B·R {aim['br_km']:,.0f} km (T = unit(S × ecliptic pole))")
    unit = target["unit"]
    what = "periapsis altitude" if target["kind"] == "periapsis" else "entry flight-path angle"
    console.print(f"corridor: {what} {target['corridor'][0]:g} to {target['corridor'][1]:g} {unit}")
    table = Table(title="B-plane", title_justify="left")
    for col in ("", "mean B·T km", "mean B·R km", "3σ major km", "3σ minor km", "angle °", "outside corridor"):
        table.add_column(col, justify="left" if not col else "right")
    for label, bp, cor in (("without correction", data["bplane"], data["corridor"]),
                           ("after one correction", data["bplane_after_tcm"], data["corridor_after_tcm"])):
        ell = bp["ellipse_3sigma"] or {}
        table.add_row(label, _opt(bp["mean_bt_km"], 0), _opt(bp["mean_br_km"], 0),
                      _opt(ell.get("semi_major_km"), 0), _opt(ell.get("semi_minor_km"), 0),
                      _opt(ell.get("angle_deg"), 1),
                      f"{100 * cor['miss_probability']:.2f} %" if cor["misses"] else
                      f"0 % (< {100 * cor['upper_bound_95']:.3g} % at 95 %)")
    console.print(table)
    tcm = data["tcm"]
    burn = Table(title=f"Correction burn at {tcm['epoch'][:10]} (+{tcm['days_after_departure']:g} d)",
                 title_justify="left")
    for col in ("mean m/s", "median m/s", "95 % m/s", "99 % m/s", "max m/s", "failures"):
        burn.add_column(col, justify="right")
    burn.add_row(_opt(tcm["mean_ms"], 2), _opt(tcm["median_ms"], 2), _opt(tcm["p95_ms"], 2),
                 _opt(tcm["p99_ms"], 2), _opt(tcm["max_ms"], 2), str(tcm["failures"]))
    console.print(burn)
