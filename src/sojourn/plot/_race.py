"""The race plot: the rival's porkchop with the planned mission's arrival across it.

Launch date of vessel B runs along the x axis and its arrival date up the y
axis, with the date axes of :mod:`sojourn.plot.porkchop`. B's launch C3 is
contoured; the cells B can fly within its limits are shaded, and those that
also arrive before mission A (below A's arrival, a horizontal line) are
shaded green. B's cheapest winning transfer of each launch date is marked,
and the last winning launch is a vertical line.

The plot draws a :class:`~sojourn.contingency.race.RaceResult`; it computes
no trajectory. matplotlib is imported only when a plot is drawn.
"""

from __future__ import annotations


import numpy as np

from sojourn.errors import InputError
from sojourn.plot.figure import figure_and_axes

__all__ = ["race"]

_C3_COLOR = "#1f4e9a"
_WIN_COLOR = "#2e8b57"
_FEASIBLE_COLOR = "#b7cbe8"
_A_COLOR = "#c0392b"
_LAST_COLOR = "#6a1b9a"

#: C3 lines drawn (km²/s²): those below twice B's limit.
_C3_LEVELS = (5, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150)


def race(result, *, ax=None):
    """Draw B's porkchop over the race window with A's arrival and B's winning region.

    Parameters
    ----------
    result : RaceResult
        From :func:`sojourn.race`.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (the title and a compact legend then go inside
        them); default a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        Too few launch or arrival dates on B's grid to draw it (``step_days``).
    """
    if min(result.grid["c3"].shape) < 2:
        raise InputError("too few launch or arrival dates to draw B's porkchop: use a shorter step", "step_days")
    from matplotlib.dates import date2num

    from sojourn.plot._porkchop import _date_axis
    from sojourn.time import tdb_to_datetime64

    g = result.grid
    cap = result.capability
    launch, arrival = g["launch"].values, g["arrival"].values
    x, y = date2num(launch), date2num(arrival)
    a_arr = float(date2num(tdb_to_datetime64(result.a_arrival)))

    fig, ax, own = figure_and_axes(ax, (11.0, 8.5))
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(y[0], y[-1])
    _date_axis(ax.xaxis, launch[0], launch[-1])
    _date_axis(ax.yaxis, arrival[0], arrival[-1], one_line=True)
    ax.tick_params(labelsize=8)
    ax.grid(which="major", color="0.85", lw=0.5)
    ax.set_axisbelow(True)
    ax.set_xlabel(f"{cap.name}: launch date (UTC)")
    ax.set_ylabel(f"{cap.name}: Mars arrival date (UTC)")
    _regions(ax, x, y, g, cap, a_arr)
    _marks(ax, result, x, a_arr)
    _titles(fig, ax, result, own)
    return fig


def _regions(ax, x, y, g, cap, a_arr) -> None:
    """B's feasible cells, those that also arrive first, and B's C3 contours."""
    c3 = g["c3"].values.astype(float).T  # (arrival, launch)
    feasible = g["feasible"].values.T
    win = feasible & (y[:, None] < a_arr)
    if feasible.any():
        ax.contourf(x, y, feasible.astype(float), levels=[0.5, 1.5], colors=[_FEASIBLE_COLOR], alpha=0.8, zorder=1)
    if win.any():
        ax.contourf(x, y, win.astype(float), levels=[0.5, 1.5], colors=[_WIN_COLOR], alpha=0.45, zorder=1.5)
    if "thrust_dv_kms" in g:  # a low-thrust rival: its estimated thrust Δv instead of a launch C3 it does not vary
        _thrust_dv_lines(ax, x, y, g["thrust_dv_kms"].values.astype(float).T)
        return
    limit = cap.max_c3 if cap.max_c3 is not None else 50.0
    finite = np.isfinite(c3)
    levels = [v for v in _C3_LEVELS if v <= 2.0 * limit]
    if not finite.any():
        return
    lo = float(np.nanmin(c3))
    levels = [v for v in levels if v > lo]
    if levels:
        field = np.ma.masked_invalid(np.minimum(c3, 4.0 * limit))
        cs = ax.contour(x, y, field, levels=levels, colors=_C3_COLOR, linewidths=0.8, zorder=3)
        ax.clabel(cs, fmt=lambda v: f"{v:g}", fontsize=7, inline=True)
    if cap.max_c3 is not None:
        ax.contour(x, y, np.ma.masked_invalid(c3), levels=[cap.max_c3], colors=_C3_COLOR, linewidths=2.0, zorder=3.2)


def _thrust_dv_lines(ax, x, y, dv) -> None:
    """Contours of a low-thrust rival's estimated thrust Δv (km/s) over launch × arrival.

    Cells where the estimate jumps by more than 1.5 km/s from a neighbour (the Lambert arc's ridge near a
    180° transfer, where the estimate means nothing) are left out, so no tangle of lines is drawn there.
    """
    with np.errstate(invalid="ignore"):
        jump = np.zeros(dv.shape, dtype=bool)
        for axis in (0, 1):  # both cells of every pair of neighbours that differ by too much
            d = np.abs(np.diff(dv, axis=axis)) > 1.5
            jump |= np.pad(d, [(1, 0) if a == axis else (0, 0) for a in (0, 1)])
            jump |= np.pad(d, [(0, 1) if a == axis else (0, 0) for a in (0, 1)])
    finite = np.isfinite(dv) & (dv < 60.0) & ~jump
    if not finite.any():
        return
    lo, hi = np.percentile(dv[finite], [2, 90])
    step = max(1.0, float(np.ceil((hi - lo) / 8.0)))
    levels = np.arange(np.ceil(lo / step) * step, hi + step, step)
    if levels.size:
        cs = ax.contour(x, y, np.ma.masked_where(~finite, dv), levels=levels, colors=_C3_COLOR, linewidths=0.8,
                        zorder=3)
        ax.clabel(cs, fmt=lambda v: f"{v:g}", fontsize=7, inline=True)


def _marks(ax, result, x, a_arr) -> None:
    """A's arrival, B's cheapest winning transfers and the last winning launch."""
    from matplotlib.dates import date2num

    from sojourn.time import tdb_to_datetime64, tdb_to_utc_iso

    ax.axhline(a_arr, color=_A_COLOR, lw=2.0, zorder=4)
    ax.annotate(f"{result.a_name} arrives {tdb_to_utc_iso(result.a_arrival)}", (x[-1], a_arr),
                xytext=(-6, 5), textcoords="offset points", ha="right", va="bottom",
                fontsize=9, fontweight="bold", color=_A_COLOR, zorder=6)
    if result.wins:
        wl = date2num(tdb_to_datetime64(np.array([w.t_launch for w in result.wins])))
        wa = date2num(tdb_to_datetime64(np.array([w.t_arrival for w in result.wins])))
        ax.plot(wl, wa, ".", color="black", ms=3, zorder=5)
    last = result.last
    if last is None:
        ax.text(0.5, 0.5, f"{result.capability.name} never arrives before {result.a_name}", transform=ax.transAxes,
                ha="center", va="center", fontsize=14, color="0.35", zorder=7)
        return
    lx = float(date2num(tdb_to_datetime64(last.t_launch)))
    ly = float(date2num(tdb_to_datetime64(last.t_arrival)))
    ax.axvline(lx, color=_LAST_COLOR, lw=1.4, ls="--", zorder=4)
    ax.plot([lx], [ly], marker="*", ms=15, color=_LAST_COLOR, markeredgecolor="black", zorder=6)
    lt = getattr(last, "lowthrust", None)
    detail = (f"C3 {last.c3:.1f} km²/s², Δv {last.dv_total_kms:.2f} km/s" if lt is None else
              f"{last.tof_days:.0f} days, {lt.propellant_kg / 1000.0:,.1f} t of propellant, Δv {lt.delta_v_kms:.1f} km/s")
    ax.annotate(f"last winning launch {tdb_to_utc_iso(last.t_launch, 'minute')}\n{detail}",
                (lx, ly), xytext=(10, -34), textcoords="offset points", ha="left", va="top",
                fontsize=8, fontweight="bold", color=_LAST_COLOR, zorder=7,
                bbox=dict(boxstyle="round,pad=0.3", fc="white", ec=_LAST_COLOR, lw=0.6, alpha=0.92))


def _titles(fig, ax, result, own: bool) -> None:
    """The legend and titles: below and above a figure of its own, inside the caller's axes otherwise."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    cap = result.capability
    e = cap.electric
    handles = [
        Patch(facecolor=_FEASIBLE_COLOR, label=f"within {cap.name}'s limits" + (" (estimate)" if e else "")),
        Patch(facecolor=_WIN_COLOR, alpha=0.6, label=f"… and before {result.a_name}"),
        Line2D([], [], color=_C3_COLOR, lw=0.8, label="launch C3, km²/s²" if e is None else
               "estimated thrust Δv, km/s"),
        Line2D([], [], color=_A_COLOR, lw=2.0, label=f"{result.a_name}'s arrival"),
    ]
    if result.wins:
        handles.append(Line2D([], [], marker=".", color="black", ls="none", label="cheapest winning transfer"
                              if e is None else "earliest arrival, optimised"))
    if result.last is not None:
        handles.append(Line2D([], [], color=_LAST_COLOR, ls="--", marker="*", label="last winning launch"))
    limits = ", ".join(f"{label} ≤ {value:g} {unit}" for _, label, unit, value in cap.limits())
    if e is not None:
        limits = ", ".join([*filter(None, [limits]), f"{e['thrust_n']:g} N, Isp {e['isp_s']:g} s, "
                            f"{e['propellant_kg'] / 1000.0:,.0f} t of electric propellant"])
    kind = ("ballistic transfers, patched conics" if e is None else
            "low-thrust legs: shading from the estimate (MIMA), dots optimised and verified")
    sub = f"{limits}  ·  arrival {cap.arrival_mode}  ·  ephemeris {result.ephemeris}  ·  {kind}"
    title = f"The race to Mars: {cap.name} against {result.a_name}"
    if own:
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles) if e is None else 3, fontsize=8,
                   frameon=False)
        fig.suptitle(title, fontsize=13, fontweight="bold")
        ax.set_title(sub, fontsize=8, color="0.3")
    else:
        ax.legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.85)
        ax.set_title(f"{title}\n{sub}", fontsize=9)
