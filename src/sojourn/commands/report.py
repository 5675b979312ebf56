"""``sojourn report``: the mission dossier, one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, command, progress_bar, show


@command("report")
def report(
    scenario: Path = typer.Argument(..., metavar="SCENARIO", help="Mission scenario (TOML)."),
    path: Path = typer.Option(..., "--out", metavar="FILE", help="The dossier to write (.html)."),
    image_format: str = typer.Option("svg", "--images", metavar="svg|png",
                                     help="Embed the charts as SVG (crisp, smaller) or PNG."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """The mission dossier: summary, crew, timeline, Δv and propellant, porkchop, trajectory, aborts,
    dose and communications, assumptions and sources — one HTML file that needs no network."""
    import sojourn as sj
    from sojourn import checks
    from sojourn.ephemeris import default_ephemeris_path
    from sojourn.dossier.report import IMAGE_FORMATS, REPORT_SUFFIXES

    checks.output_file(path, REPORT_SUFFIXES, "path")
    checks.distinct_outputs({"path": path}, {"scenario": scenario, "ephemeris": ephemeris or default_ephemeris_path()})
    checks.choice(image_format, tuple(IMAGE_FORMATS), "image_format", "image format")
    if ephemeris is not None:
        checks.input_file(ephemeris, "ephemeris", "ephemeris file")
    result = sj.report(scenario, path, image_format=image_format, ephemeris=ephemeris, progress=progress_bar())
    missing = [f"not included: {feature}: {why}" for feature, why in result.missing.items()]
    show(result, as_json=as_json, outputs=[path], warnings=missing, render=lambda c: c.print(
        f"{result.scenario_name}: {len(result.figures)} charts, {len(result.html.encode('utf-8')) / 1e6:.1f} MB, "
        "self-contained"))
