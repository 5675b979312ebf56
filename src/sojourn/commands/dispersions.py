"""``sojourn dispersions``: Monte Carlo of a leg's departure errors on the target's B-plane."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, command, fmt, progress_bar, save, show, table


@command("dispersions")
def dispersions(
    plan_or_scenario: Path = typer.Argument(..., metavar="SCENARIO", help="Mission scenario (TOML)."),
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
                                                      help="Correction burn magnitude error, % (3σ). "
                                                           "[default: --magnitude-pct]"),
    tcm_pointing_deg: Optional[float] = typer.Option(None, "--tcm-pointing-deg", metavar="DEG",
                                                     help="Correction burn pointing error, degrees (3σ). "
                                                          "[default: --pointing-deg]"),
    corridor_km: Optional[float] = typer.Option(None, "--corridor-km", metavar="KM",
                                                help="Capture corridor: ± periapsis altitude, km. [default: 50]"),
    corridor_deg: Optional[float] = typer.Option(None, "--corridor-deg", metavar="DEG",
                                                 help="Entry corridor: ± flight-path angle, degrees. [default: 1]"),
    entry_fpa_deg: Optional[float] = typer.Option(None, "--entry-fpa-deg", metavar="DEG",
                                                  help="Aimed entry flight-path angle, degrees. "
                                                       "[default: Earth -6.5, Mars -12]"),
    aim_angle_deg: float = typer.Option(0.0, "--aim-angle-deg", metavar="DEG",
                                        help="Aim point direction in the B-plane, degrees from +T towards +R."),
    step_days: Optional[float] = typer.Option(None, "--step", metavar="DAYS",
                                              help="Plan grid step. [default: the scenario's]"),
    out: Optional[Path] = typer.Option(None, "--out", metavar="FILE",
                                       help="Write the B-plane plot (.png, .svg or .pdf)."),
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
    import sojourn as sj
    from sojourn import checks
    from sojourn.plot.figure import FIGURE_SUFFIXES

    checks.output_file(out, FIGURE_SUFFIXES, "out")
    checks.distinct_outputs({"out": out}, {"scenario": plan_or_scenario, "ephemeris": ephemeris})
    result = sj.dispersions(
        plan_or_scenario, leg=leg, samples=samples, seed=seed, magnitude_pct=magnitude_pct,
        pointing_deg=pointing_deg, position_km=position_km, velocity_ms=velocity_ms, tcm_days=tcm_days,
        tcm_magnitude_pct=tcm_magnitude_pct, tcm_pointing_deg=tcm_pointing_deg, corridor_km=corridor_km,
        corridor_deg=corridor_deg, entry_fpa_deg=entry_fpa_deg, aim_angle_deg=aim_angle_deg, step_days=step_days,
        ephemeris=ephemeris, progress=progress_bar())
    written = []
    if out is not None:
        written.append(save(sj.plot.bplane(result), out))
    show(result, as_json=as_json, outputs=written, render=lambda c: _render(c, result.to_dict()))


def _opt(value, digits=1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _outside(cor: dict) -> str:
    if cor["misses"]:
        return f"{100 * cor['miss_probability']:.2f} %"
    return f"0 % (< {100 * cor['upper_bound_95']:.3g} % at 95 %)"


def _render(console, data: dict) -> None:
    leg, target, aim = data["leg"], data["target"], data["aim_point"]
    console.print(f"[bold]{data['scenario']}[/bold] — {leg['from']} → {leg['to']}, {leg['depart'][:10]} → "
                  f"{leg['arrive'][:10]}: {data['samples']:,} samples (seed {data['seed']}), {data['ephemeris']}")
    model = data["model"]["departure_burn"]
    console.print(f"departure v∞ errors {model['magnitude_pct_3sigma']:g} % and {model['pointing_deg_3sigma']:g}° "
                  f"(3σ); arrival v∞ {fmt(data['vinf_arrival_kms'])} km/s; aim point B·T {aim['bt_km']:,.0f} km, "
                  f"B·R {aim['br_km']:,.0f} km (T = unit(S × ecliptic pole))")
    what = "periapsis altitude" if target["kind"] == "periapsis" else "entry flight-path angle"
    console.print(f"corridor: {what} {target['corridor'][0]:g} to {target['corridor'][1]:g} {target['unit']}")
    t = table("B-plane (km; the 3σ ellipse's angle from +T in degrees)",
              ["", ("without correction", "num"), ("after one correction", "num")])
    before, after = data["bplane"], data["bplane_after_tcm"]
    e0, e1 = before["ellipse_3sigma"] or {}, after["ellipse_3sigma"] or {}
    t.add_row("mean B·T", _opt(before["mean_bt_km"], 0), _opt(after["mean_bt_km"], 0))
    t.add_row("mean B·R", _opt(before["mean_br_km"], 0), _opt(after["mean_br_km"], 0))
    t.add_row("3σ semi-major", _opt(e0.get("semi_major_km"), 0), _opt(e1.get("semi_major_km"), 0))
    t.add_row("3σ semi-minor", _opt(e0.get("semi_minor_km"), 0), _opt(e1.get("semi_minor_km"), 0))
    t.add_row("3σ angle", _opt(e0.get("angle_deg")), _opt(e1.get("angle_deg")))
    t.add_row("outside the corridor", _outside(data["corridor"]), _outside(data["corridor_after_tcm"]))
    console.print(t)
    tcm = data["tcm"]
    burn = table(f"Correction burn on {tcm['epoch'][:10]} (+{tcm['days_after_departure']:g} d), m/s",
                 [("mean", "num"), ("median", "num"), ("95 %", "num"), ("99 %", "num"), ("max", "num"),
                  ("failures", "num")])
    burn.add_row(_opt(tcm["mean_ms"], 2), _opt(tcm["median_ms"], 2), _opt(tcm["p95_ms"], 2),
                 _opt(tcm["p99_ms"], 2), _opt(tcm["max_ms"], 2), str(tcm["failures"]))
    console.print(burn)
