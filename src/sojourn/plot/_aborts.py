"""Abort Δv against abort day, one panel per transit leg, gaps in coverage shaded.

:func:`aborts` draws an :class:`~sojourn.contingency.aborts.AbortAnalysis`
and computes nothing: the cheapest direct return within the maximum duration
(a line), the cheapest Mars swing-by where one was searched (dots), the Δv the
vessel has left (dashed), and every run of days without an affordable way
home (shaded; the longest one labelled with its dates). Δv far above the budget
is clipped at the top of the panel and said so.

matplotlib is imported only when a plot is drawn.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sojourn.plot.figure import figure_and_panels

__all__ = ["aborts"]

DIRECT_COLOR = "#2f6db5"
SWINGBY_COLOR = "#c4502a"
BUDGET_COLOR = "#222222"
GAP_COLOR = "#d62728"


def aborts(analysis: Any, *, ax: Any = None, title: str | None = None) -> Any:
    """Draw abort Δv against abort day, one panel per leg.

    Parameters
    ----------
    analysis : AbortAnalysis
        From :func:`sojourn.aborts`.
    ax : sequence of matplotlib Axes, optional
        One per leg (outbound, return); default a new figure with a panel per leg.
        In the caller's axes each panel's title names the mission too.
    title : str, optional
        Figure title of a new figure; default ``"<scenario>: ways home from each day of the transits"``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from sojourn.contingency.aborts import uncovered_runs
    from sojourn.time import tdb_to_utc_iso

    legs = analysis.legs
    fig, axes, own = figure_and_panels(ax, len(legs), (10.0, 3.4 * len(legs) + 0.8))
    max_days = analysis.settings.get("max_return_days")
    for ax, leg in zip(axes, legs):
        table = leg.table
        days = table["day"].values
        direct = table["cheapest_dv_kms"].values
        swing = table["swingby_total_dv_kms"].values
        budget = float(leg.dv_left_kms)
        finite = np.concatenate([direct[np.isfinite(direct)], swing[np.isfinite(swing)]])
        data_top = float(finite.max()) if finite.size else 0.0
        cap = max(2.5 * budget, 6.0)
        top = 1.08 * max(min(data_top, cap), budget, 1.0)
        half = 0.5 * leg.step_days
        for k, (i, j) in enumerate(uncovered_runs(table["covered"].values)):
            ax.axvspan(days[i] - half, days[j] + half, color=GAP_COLOR, alpha=0.13, lw=0,
                       label="no affordable way home" if k == 0 else None)
        # values above the panel are left to matplotlib's clipping at the frame
        ax.plot(days, direct, color=DIRECT_COLOR, lw=1.8, zorder=3,
                label=f"cheapest direct return within {max_days:g} d" if max_days else "cheapest direct return")
        if np.isfinite(swing).any():
            ax.plot(days, swing, ".", color=SWINGBY_COLOR, ms=3.5, zorder=3,
                    label="cheapest Mars swing-by return")
        ax.plot([days[0] - half, days[-1] + half], [budget, budget], "--", color=BUDGET_COLOR, lw=1.2,
                label=f"Δv left ({budget:.2f} km/s)")
        ax.set_xlim(days[0] - half, days[-1] + half)
        ax.set_ylim(-0.03 * top, top)
        ax.set_xlabel(f"abort day (days since {tdb_to_utc_iso(leg.t_depart)})")
        ax.set_ylabel("Δv, km/s")
        cov = leg.coverage()
        pct = 100.0 * cov["fraction"] if cov["fraction"] is not None else 0.0
        which = f"{leg.leg.capitalize()} leg" if own else f"{analysis.scenario_name}, {leg.leg} leg"
        ax.set_title(f"{which}, {leg.origin.capitalize()} → {leg.destination.capitalize()}: "
                     f"{cov['covered_days']} of {cov['total_days']} days covered ({pct:.0f} %)",
                     loc="left", fontsize=10)
        notes = []
        if cov["longest_gap_days"]:
            notes.append(f"longest gap {cov['longest_gap_days']:g} d: "
                         f"{cov['gap_start'][:10]} – {cov['gap_end'][:10]}")
        if data_top > top:
            notes.append(f"values above {top:.1f} km/s off the panel")
        searched = table["swingby_searched"].values
        if searched.any() and not np.isfinite(swing[searched]).any():
            notes.append(f"swing-bys searched on {int(searched.sum())} days: none found")
        if table["cheapest_is_nominal"].values.any():
            notes.append("0 km/s: staying on the planned arc")
        if notes:
            ax.text(0.99, 0.97, "\n".join(notes), transform=ax.transAxes, ha="right", va="top", fontsize=8,
                    bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "0.7", "alpha": 0.9})
        ax.grid(True, lw=0.4, alpha=0.5)
        ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    if own:
        fig.suptitle(title or f"{analysis.scenario_name}: ways home from each day of the transits", fontsize=12)
    return fig
