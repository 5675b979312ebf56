"""``sojourn trade STUDY.toml``: a whole trade study on Dask, resumable, summarised in one table."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sojourn.cli import EphemerisOption, JsonOption, command, fmt, progress_bar, show, table, write_outputs


@command("trade")
def trade(
    study: Path = typer.Argument(..., metavar="STUDY.toml",
                                 help="Trade study: a base scenario and the opportunities, vehicles, "
                                      "parking orbits, stays, dispersions and porkchop grid it sweeps."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="tcp://HOST:PORT",
                                            help="Run on this Dask scheduler's workers."),
    workers: Optional[int] = typer.Option(None, "--workers", metavar="N",
                                          help="Run on a local Dask cluster of N single-threaded worker "
                                               "processes. [default: one per core]"),
    store: Optional[Path] = typer.Option(None, "--out", metavar="STORE",
                                         help="Store directory: Parquet tiles and Zarr grid; a study started again "
                                              "resumes from its finished tiles. [default: <study>.trade "
                                              "beside the study]"),
    summary: bool = typer.Option(False, "--summary",
                                 help="Print the best plan of every opportunity and vehicle."),
    plot: Optional[Path] = typer.Option(None, "--plot", metavar="FILE",
                                        help="Chart of the best total Δv per opportunity and vehicle "
                                             "(.png, .svg or .pdf)."),
    ephemeris: Optional[Path] = EphemerisOption,
    as_json: bool = JsonOption,
) -> None:
    """Sweep a trade study in tiles on Dask; results stream into a store and resume after any stop."""
    import sojourn as sj
    from sojourn import checks
    from sojourn.plot.figure import FIGURE_SUFFIXES
    from sojourn.trades.run import _check_cluster
    from sojourn.trades.study import load_study

    checks.output_file(plot, tuple(FIGURE_SUFFIXES), "plot")
    checks.distinct_outputs({"plot": plot}, {"study": study, "ephemeris": ephemeris})
    _check_cluster(scheduler, workers)
    study_ = load_study(study)
    result = sj.trade(study, store, scheduler=scheduler, workers=workers, ephemeris=ephemeris,
                      progress=progress_bar())
    written = write_outputs({plot: sj.plot.trade(result.trade_summary)}) if plot is not None else []
    show(result, as_json=as_json, outputs=written, render=lambda c: _render(c, result, study_, summary))


def _render(out, result, study, summary: bool) -> None:
    s, run = result.trade_summary, result.run
    done = (f"{run.computed} computed now on {run.workers} workers, {run.resumed} already done"
            if run.computed else "all already done: nothing computed")
    out.print(f"[bold]{s.study}[/bold]: {s.finished} of {s.tiles} tiles in {run.store} ({done})")
    if summary:
        out.print(_table(s, study))
    elif s.records:
        feasible = [r for r in s.records if r["feasible"]]
        if feasible:
            best = min(feasible, key=lambda r: r["total_dv_kms"])
            out.print(f"least total Δv: {best['total_dv_kms']:.2f} km/s, {best['vehicle']} in the "
                      f"{best['opportunity']} opportunity (launch {best['launch'][:10]}); "
                      "--summary prints every opportunity")
        out.print(f"{len(feasible)} of {len(s.records)} opportunity-vehicle pairs are feasible")
    if s.porkchop is not None:
        p = s.porkchop
        line = (f"porkchop {p['from']} → {p['to']}: {p['cells_done']:,} of {p['cells']:,} cells "
                f"({p['shape'][0]:,} × {p['shape'][1]:,}, step {p['step_days']:g} d), {p['solved']:,} solved")
        for b in p["least_c3"]:
            line += f"; type {b['transfer_type']} least C3 {b['c3']:.2f} km²/s² ({b['launch'][:10]} → {b['arrival'][:10]})"
        if p["least_c3"]:
            line += f" (off the {p['ridge_deg']:g}° band round a 180° transfer angle, as porkchop and windows)"
        out.print(line)


def _table(result, study):
    tcm = any(r["tcm_p99_ms"] is not None for r in result.records)
    # parking orbit and stay range only when the study sweeps them
    park = len({c.parking_altitude_km for c in study.combinations}) > 1
    stays = len({c.stay_days for c in study.combinations}) > 1
    cols = (["opp.", "vehicle", "launch", "out d", "stay d", "back d", "total d", "Δv km/s", "prop. t"]
            + (["park km"] if park else []) + (["stay d range"] if stays else [])
            + (["TCM p99 m/s"] if tcm else []) + ["feasible"])
    t = table(f"{result.study}: best plan of each opportunity and vehicle ({result.objective})",
              [(c, "date" if c == "launch" else "text" if c in ("opp.", "vehicle", "feasible") else "num")
               for c in cols])
    notes = []
    for r in result.records:
        if not r["feasible"]:
            notes.append(f"{r['opportunity']} {r['vehicle']}: {r['reason']} ({r['binding_constraint']})")
            t.add_row(str(r["opportunity"]), r["vehicle"], *["—"] * (len(cols) - 3),
                          f"no [{len(notes)}]")
            continue
        t.add_row(
            str(r["opportunity"]), r["vehicle"], r["launch"][:10], f"{r['outbound_days']:.0f}",
            f"{r['stay_days']:.0f}", f"{r['return_days']:.0f}", f"{r['total_days']:.0f}", fmt(r["total_dv_kms"]),
            f"{r['propellant_kg'] / 1000:,.1f}" if r["propellant_kg"] is not None else "—",
            *([f"{r['parking_altitude_km']:g}"] if park else []),
            *([f"{r['stay_min_days']:g}-{r['stay_max_days']:g}"] if stays else []),
            *([f"{r['tcm_p99_ms']:.1f}" if r["tcm_p99_ms"] is not None else "—"] if tcm else []),
            f"yes ({r['feasible_combinations']}/{r['combinations']})")
    if notes:
        t.caption = "\n".join(f"[{i}] {n}" for i, n in enumerate(notes, 1))
        t.caption_justify = "left"
    return t
