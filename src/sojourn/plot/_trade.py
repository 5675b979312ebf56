"""The trade study chart: best total Δv of each opportunity, one line per vehicle.

Launch opportunity (year) runs along the x axis and the best total Δv (km/s) of
the opportunity up the y axis, for each vehicle of the study. An opportunity
where a vehicle has no feasible plan is a cross on the axis' floor, labelled
with the binding constraint, and breaks the vehicle's line. The chart draws a
:class:`~sojourn.trades.summary.TradeSummary`; it computes nothing.
"""

from __future__ import annotations

import math

from sojourn.plot.figure import figure_and_axes

__all__ = ["plot_trade"]

_COLORS = ("#1f4e9a", "#c0392b", "#2e8b57", "#6a1b9a", "#d35400", "#117a8b", "#7f8c8d", "#b7950b")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def trade(summary, *, ax=None):
    """Draw the best total Δv per opportunity and vehicle.

    Parameters
    ----------
    summary : TradeSummary
        From :func:`sojourn.trades.summary.summarize`.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax, _ = figure_and_axes(ax, (10.0, 5.5))
    records = summary.records
    dvs = [r["total_dv_kms"] for r in records if r["feasible"]]
    floor = (min(dvs) - 0.5) if dvs else 0.0
    years = sorted({r["opportunity"] for r in records})
    for i, vehicle in enumerate(summary.vehicles):
        color, marker = _COLORS[i % len(_COLORS)], _MARKERS[i % len(_MARKERS)]
        mine = [r for r in records if r["vehicle"] == vehicle]
        # an infeasible opportunity breaks the line (a gap, not a value)
        ax.plot([r["opportunity"] for r in mine], [r["total_dv_kms"] if r["feasible"] else math.nan for r in mine],
                marker=marker, color=color, lw=1.4, ms=6, label=vehicle)
        bad = [r for r in mine if not r["feasible"]]
        if bad:
            ax.plot([r["opportunity"] for r in bad], [floor] * len(bad), ls="none", marker="x", color=color,
                    ms=9, mew=2, label=f"{vehicle}: infeasible")
            for r in bad:
                ax.annotate((r["binding_constraint"] or "").rsplit(".", 1)[-1], (r["opportunity"], floor),
                            xytext=(4 + 9 * i, 8), textcoords="offset points", ha="center", va="bottom",
                            fontsize=7, color=color, rotation=90)
    ax.set_xticks(years)
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    ax.grid(color="0.88", lw=0.6)
    ax.set_axisbelow(True)
    ax.set_xlabel("launch opportunity (year of least launch C3)")
    ax.set_ylabel("best total Δv, km/s")
    ax.set_title(f"{summary.study}: best total Δv of each opportunity ({summary.objective})", fontsize=11)
    if not records:
        ax.text(0.5, 0.5, "no finished tile", transform=ax.transAxes, ha="center", va="center", color="0.4")
    else:
        ax.legend(fontsize=8, frameon=False, loc="best")
    return fig
