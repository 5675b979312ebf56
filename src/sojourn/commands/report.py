"""``sojourn report``: the mission dossier, one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, command, console, fmt, print_json, progress_bar, save


@command("report")
def report(
    scenario: Path = typer.Argument(..., help="Mission scenario (TOML)."),
    out: Path = typer.Option(..., "--out", metavar="FILE", help="The dossier to write (.html)."),
    images: str = typer.Option("svg", "--images", metavar="svg|png",
                               help="Embed the charts as SVG (crisp, smaller) or PNG."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """The mission dossier: summary, crew, timeline, Δv and propellant, porkchop, trajectory, aborts,
    dose and communications, assumptions and sources — one HTML file that needs no network."""
    from sojourn.errors import InputError
    from sojourn.report.dossier import IMAGE_FORMATS

    _check_output(out, (".html", ".htm"), "--out")
    if images.lower() not in IMAGE_FORMATS:
        raise InputError(f"unknown image format '{images}': use {' or '.join(IMAGE_FORMATS)}", "--images")
    from sojourn.mission.scenario import load_scenario
    from sojourn.report.dossier import write_dossier

    sc = load_scenario(scenario)
    summary = write_dossier(sc, out, ephemeris=ephemeris, image_format=images.lower(), progress=progress_bar())
    if as_json:
        print_json(summary)
        return
    console = console()
    console.print(f"{summary['scenario']}: {len(summary['figures'])} charts, "
                  f"{summary['bytes'] / 1e6:.1f} MB, self-contained")
    for feature, why in summary["missing"].items():
        console.print(f"[yellow]not included:[/yellow] {feature}: {why}")
    console.print(f"wrote {summary['path']}")
