"""The ``sojourn`` command line: parse, call the library, print.

Thin on purpose: no numerics here. Every :class:`~sojourn.errors.SojournError`
and every usage mistake becomes one line, ``error: <what> (<where>)``, on stderr
with exit status 2. Heavy modules are imported inside the commands so that
``sojourn --help`` answers at once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(
    name="sojourn",
    help="Plan, race and stress-test crewed missions between Earth and Mars from real JPL ephemerides.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EphemerisOption = typer.Option(
    None, "--ephemeris", metavar="PATH",
    help="JPL SPK kernel to use instead of the shipped DE421 (e.g. de440.bsp).",
)
JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON on stdout.")


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, indent=2, allow_nan=False) + "\n")


def _console():
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 140)


class TerminalProgress:
    """A progress callback (:mod:`sojourn.progress`) drawn as a rich bar on stderr.

    The bar appears only once the work has run ``show_after_s`` seconds and is
    not done, so a quick command prints nothing; a new label starts a new bar.
    """

    def __init__(self, show_after_s: float = 1.0):
        import time

        self._clock = time.perf_counter
        self._start = self._clock()
        self._show_after_s = show_after_s
        self._bar = None
        self._tasks: dict[str, int] = {}

    def __call__(self, done: float, total: float, label: str) -> None:
        if self._bar is None:
            if self._clock() - self._start < self._show_after_s or done >= total:
                return
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                 TextColumn("{task.percentage:>3.0f} %"), TimeRemainingColumn(),
                                 console=Console(file=sys.stderr), transient=True)
            self._bar.start()
        if label not in self._tasks:
            self._tasks[label] = self._bar.add_task(label, total=total)
        self._bar.update(self._tasks[label], completed=done, total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


_PROGRESS: list[TerminalProgress] = []


def _show_progress():
    """The progress callback for this command: a bar on a terminal's stderr, else None."""
    if not sys.stderr.isatty():
        return None
    bar = TerminalProgress()
    _PROGRESS.append(bar)
    return bar


def _check_output(path: Optional[Path], suffixes: tuple[str, ...], option: str) -> None:
    """Refuse an output path before any work is done: wrong suffix or missing directory."""
    from sojourn.errors import InputError

    if path is None:
        return
    if path.is_dir():
        raise InputError(f"output path is a directory: '{path}'", option)
    if path.suffix.lower() not in suffixes:
        raise InputError(f"unsupported output format '{path.suffix or path.name}': use {', '.join(suffixes)}", option)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"output directory does not exist: '{parent}'", option)


def _check_output_dir(path: Optional[Path], option: str = "--out") -> None:
    """Refuse an output directory before any work: a file in its place, or no parent to make it in.

    The directory itself is made when the outputs are written (not its parents).
    """
    from sojourn.errors import InputError

    if path is None:
        return
    if path.exists() and not path.is_dir():
        raise InputError(f"not a directory: '{path}'", option)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"output directory's parent does not exist: '{parent}'", option)


def _fmt(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}"


@app.command()
def porkchop(
    frm: str = typer.Option(..., "--from", help="Departure body (earth, emb, mars, ...)."),
    to: str = typer.Option(..., "--to", help="Arrival body."),
    launch: str = typer.Option(..., "--launch", metavar="START:END", help="Launch window, UTC dates."),
    arrive: str = typer.Option(..., "--arrive", metavar="START:END", help="Arrival window, UTC dates."),
    step: float = typer.Option(1.0, "--step", metavar="DAYS", help="Grid step in days."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the porkchop plot (.png, .svg or .pdf)."),
    data: Optional[Path] = typer.Option(None, "--data", help="Write the whole grid as netCDF (.nc)."),
    c3_max: Optional[float] = typer.Option(None, "--c3-max", help="Ignore transfers above this launch C3, km^2/s^2."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """Launch C3 and arrival v-infinity for every launch and arrival date: a porkchop plot."""
    from sojourn.plot.figure import FIGURE_SUFFIXES
    from sojourn.transfer.porkchop import best_transfers, check_c3_max, porkchop as compute

    _check_output(out, FIGURE_SUFFIXES, "--out")
    _check_output(data, (".nc",), "--data")
    check_c3_max(c3_max)
    ds = compute(frm, to, launch, arrive, step, ephemeris=ephemeris, progress=_show_progress())
    best = best_transfers(ds, c3_max=c3_max)
    outputs = [p for p in (out, data) if p is not None]
    if outputs:
        from sojourn.io import atomic_paths, write_atomically

        with atomic_paths(*outputs) as tmps:  # both or neither: an interrupt keeps the earlier pair
            tmp = dict(zip(outputs, tmps))
            if out is not None:
                from sojourn.plot.porkchop import plot_porkchop

                plot_porkchop(ds, tmp[out], best=best, c3_max=c3_max)
            if data is not None:
                # in a child process an interrupt can kill: a large grid's netCDF write blocks in C for seconds
                write_atomically(tmp[data], ds.to_netcdf, killable=True)
    summary = {
        "from": ds.attrs["from_body"],
        "to": ds.attrs["to_body"],
        "departure_point": ds.attrs["departure_point"],
        "ephemeris": ds.attrs["ephemeris"],
        "launch_window": [str(ds.launch.values[0])[:10], str(ds.launch.values[-1])[:10]],
        "arrival_window": [str(ds.arrival.values[0])[:10], str(ds.arrival.values[-1])[:10]],
        "step_days": ds.attrs["step_days"],
        "cells": int(ds.status.size),
        "solved": int((ds.status.values == 0).sum()),
        "best": best,
        "outputs": [str(p) for p in (out, data) if p is not None],
    }
    if as_json:
        _print_json(summary)
        return
    from rich.table import Table

    table = Table(title=f"{summary['from']} → {summary['to']} ({summary['departure_point']}, {summary['ephemeris']}): "
                        f"{summary['solved']:,} of {summary['cells']:,} cells solved")
    for col in ("type", "best by", "launch", "arrival", "TOF d", "C3 km²/s²", "v∞ arr km/s", "DLA °", "RLA °"):
        table.add_column(col, justify="right" if col[0] in "TCvDR" else "left")
    for r in best:
        table.add_row(r["transfer_type"], "least C3" if r["criterion"] == "min_c3" else "least v∞ arr",
                      r["launch"], r["arrival"], f"{r['tof_days']:.0f}", _fmt(r["c3"]),
                      _fmt(r["vinf_arrival"]), _fmt(r["dla_deg"], 1), _fmt(r["rla_deg"], 1))
    console = _console()
    console.print(table)
    if not best:
        console.print("no ballistic transfer in these windows")
    for p in summary["outputs"]:
        console.print(f"wrote {p}")


@app.command()
def windows(
    frm: str = typer.Option("emb", "--from", help="Departure body (handbooks use emb)."),
    to: str = typer.Option("mars", "--to", help="Arrival body."),
    start: str = typer.Option(..., "--start", metavar="YEAR|DATE", help="First launch year or UTC date."),
    end: str = typer.Option(..., "--end", metavar="YEAR|DATE", help="Last launch year (inclusive) or UTC date."),
    step: float = typer.Option(2.0, "--step", metavar="DAYS", help="Search grid step; results are refined below it."),
    c3_max: Optional[float] = typer.Option(None, "--c3-max", help="Ignore transfers above this launch C3, km^2/s^2."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """Every launch opportunity in a span: least-C3 and least-arrival-v∞ transfers of types I and II."""
    from sojourn.transfer.opportunities import find_windows
    from sojourn.transfer.porkchop import check_c3_max

    check_c3_max(c3_max)

    records = find_windows(frm, to, start, end, ephemeris=ephemeris, step_days=step, c3_max=c3_max,
                           progress=_show_progress())
    if as_json:
        _print_json(records)
        return
    from rich.table import Table

    console = _console()
    for year in sorted({r["opportunity"] for r in records}):
        table = Table(title=f"{year} opportunity: {frm} → {to}", title_justify="left")
        for col in ("type", "best by", "launch", "arrival", "TOF d", "C3 km²/s²", "v∞ arr km/s", "DLA °"):
            table.add_column(col, justify="right" if col[0] in "TCvD" else "left")
        for r in (r for r in records if r["opportunity"] == year):
            table.add_row(r["transfer_type"], "least C3" if r["criterion"] == "min_c3" else "least v∞ arr",
                          r["launch"], r["arrival"], f"{r['tof_days']:.0f}", _fmt(r["c3"]),
                          _fmt(r["vinf_arrival"]), _fmt(r["dla_deg"], 1))
        console.print(table)


@app.command()
def plan(
    scenario: Path = typer.Argument(..., help="Mission scenario (TOML)."),
    out: Optional[Path] = typer.Option(None, "--out", metavar="DIR",
                                       help="Write trajectory.png and timeline.png into DIR."),
    step: Optional[float] = typer.Option(None, "--step", metavar="DAYS", help="Grid step (default: the scenario's)."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """The best crewed round trip of a scenario: timeline, burns, propellant and runners-up."""
    from sojourn.mission.plan import plan_mission
    from sojourn.mission.scenario import load_scenario

    sc = load_scenario(scenario)
    if step is not None:
        from sojourn.transfer.porkchop import check_step

        check_step(step)
    _check_output_dir(out)
    result = plan_mission(sc, ephemeris=ephemeris, step_days=step)
    written = []
    if out is not None:
        from sojourn.mission.plan import trajectory_samples
        from sojourn.plot.timeline import plot_timeline
        from sojourn.plot.trajectory import plot_trajectory

        from sojourn.io import atomic_paths, output_dir

        with output_dir(out, "--out"):
            finals = [out / "trajectory.png", out / "timeline.png"]
            with atomic_paths(*finals) as (trajectory, timeline):  # both or neither
                plot_trajectory(result, trajectory_samples(result, ephemeris=ephemeris), trajectory)
                plot_timeline(result, timeline)
            written.extend(finals)
    if as_json:
        data = result.to_json()
        data["outputs"] = [str(p) for p in written]
        _print_json(data)
        return
    from rich.table import Table

    console = _console()
    console.print(f"[bold]{result.scenario_name}[/bold] — objective {result.objective}: "
                  f"{result.total_dv_kms:.2f} km/s in all, {result.total_days:.0f} days, "
                  f"{result.stay_days:.0f} days at Mars")
    events = Table(title="Timeline (UTC)", title_justify="left")
    events.add_column("date")
    events.add_column("event")
    for e in result.events:
        events.add_row(e.date, e.name)
    console.print(events)
    burns = Table(title="Burns", title_justify="left")
    for col in ("burn", "date", "Δv km/s", "stage", "propellant kg"):
        burns.add_column(col, justify="right" if col[0] in "Δp" else "left")
    for b in result.burns:
        burns.add_row(b["label"], b["date"][:10], _fmt(b["dv_kms"], 3), b.get("stage", "—"),
                      f"{b['propellant_kg']:,.0f}" if "propellant_kg" in b else "—")
    console.print(burns)
    legs = Table(title="Legs", title_justify="left")
    for col in ("leg", "depart", "arrive", "days", "type", "C3", "v∞ dep", "v∞ arr", "entry km/s"):
        legs.add_column(col)
    for name, leg in zip(("outbound", "return"), result.legs):
        legs.add_row(name, leg["depart"][:10], leg["arrive"][:10], f"{leg['tof_days']:.0f}", leg["transfer_type"],
                     _fmt(leg["c3"]), _fmt(leg["vinf_departure"]), _fmt(leg["vinf_arrival"]),
                     _fmt(leg["entry_speed_kms"]))
    console.print(legs)
    if result.alternatives:
        alt = Table(title="Runners-up", title_justify="left")
        for col in ("launch", "Mars arrival", "Mars departure", "Earth return", "stay d", "total d", "Δv km/s"):
            alt.add_column(col)
        for a in result.alternatives:
            alt.add_row(a["launch"], a["mars_arrival"], a["mars_departure"], a["earth_arrival"],
                        f"{a['stay_days']:.0f}", f"{a['total_days']:.0f}", _fmt(a["total_dv_kms"]))
        console.print(alt)
    for w in result.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
    for p in written:
        console.print(f"wrote {p}")


@app.command()
def survey(
    mission: Path = typer.Option(..., "--mission", help="Mission scenario (TOML)."),
    start: str = typer.Option(..., "--start", metavar="YEAR", help="First launch year."),
    end: str = typer.Option(..., "--end", metavar="YEAR", help="Last launch year (inclusive)."),
    step: Optional[float] = typer.Option(None, "--step", metavar="DAYS", help="Grid step (default: the scenario's)."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """The best plan of the scenario's mission at every opportunity in a span of years."""
    from sojourn.mission.plan import survey as run_survey
    from sojourn.mission.scenario import load_scenario

    sc = load_scenario(mission)
    if step is not None:
        from sojourn.transfer.porkchop import check_step

        check_step(step)
    rows = run_survey(sc, start, end, ephemeris=ephemeris, step_days=step, progress=_show_progress())
    if as_json:
        _print_json(rows)
        return
    from rich.table import Table

    table = Table(title=f"{sc.mission.name}: best plan of each opportunity ({sc.mission.objective})")
    for col in ("opp.", "launch", "out d", "stay d", "back d", "total d", "TMI", "MOI", "TEI", "EOI", "Δv km/s"):
        table.add_column(col, justify="left" if col in ("opp.", "launch") else "right")
    for r in rows:
        if not r["feasible"]:
            table.add_row(str(r["opportunity"]), f"infeasible: {r['reason']} ({r['binding_constraint']})")
            continue
        dv = {b["name"]: b["dv_kms"] for b in r["burns"]}
        table.add_row(str(r["opportunity"]), r["launch"], f"{r['outbound_days']:.0f}", f"{r['stay_days']:.0f}",
                      f"{r['return_days']:.0f}", f"{r['total_days']:.0f}",
                      *(_fmt(dv[n]) for n in ("earth_departure", "mars_arrival", "mars_departure", "earth_arrival")),
                      _fmt(r["total_dv_kms"]))
    _console().print(table)


def _usage_error_type():
    """Click's UsageError: vendored inside typer since 0.2x, the click package before."""
    try:
        from typer._click.exceptions import UsageError
    except ImportError:  # pragma: no cover - older typer on click
        from click.exceptions import UsageError
    return UsageError


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app; map user mistakes to one line and exit status 2.

    Ctrl-C and SIGTERM at any moment end the command with ``error: interrupted``
    (status 130) or ``error: terminated`` (143) once its temporary files are gone
    (:func:`sojourn.interrupts.run_command`).
    """
    from sojourn.interrupts import run_command

    return run_command(_main, argv)


def _main(argv: list[str] | None) -> int:
    from sojourn.errors import SojournError

    usage_error = _usage_error_type()
    try:
        try:
            result = app(args=argv, standalone_mode=False)
        finally:
            while _PROGRESS:
                _PROGRESS.pop().close()
    except SojournError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except usage_error as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `sojourn`: help was asked for
            return 0
        where = f" ({exc.ctx.command_path})" if getattr(exc, "ctx", None) is not None else ""
        sys.stderr.write(f"error: {exc.format_message()}{where}\n")
        return 2
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("error: interrupted\n")
        return 130
    except typer.Exit as exc:
        result = exc.exit_code
    if result == 130:  # typer hands Ctrl-C back as exit status 130
        sys.stderr.write("error: interrupted\n")
    return result if isinstance(result, int) else 0


def _register_commands() -> None:
    """Import every module of :mod:`sojourn.commands`; each adds its commands to ``app``."""
    import importlib
    import pkgutil

    import sojourn.commands

    for module in sorted(m.name for m in pkgutil.iter_modules(sojourn.commands.__path__)):
        importlib.import_module(f"sojourn.commands.{module}")


_register_commands()

if __name__ == "__main__":  # pragma: no cover
    # Run as ``python -m sojourn.cli`` this module is ``__main__``, and the command modules
    # register on a second copy, ``sojourn.cli``: run that copy's app.
    from sojourn.cli import main as _main

    sys.exit(_main())
