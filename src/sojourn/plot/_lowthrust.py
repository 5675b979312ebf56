"""A low-thrust leg: the estimate it was picked from, its thrust profile and its path.

:func:`lowthrust` draws a :class:`~sojourn.transfer.lowthrust.LowThrustSearch`
(three panels: the MIMA estimate of final mass over launch date and time of
flight with the best cell marked; the thrust flown, segment by segment, against
the thrust the engine has; the trajectory seen from the ecliptic's north pole,
its thrust arcs coloured) or a single :class:`~sojourn.transfer.lowthrust.LowThrustLeg`
(the last two panels). :func:`draw_thrust_arcs` marks thrust arcs on any path,
for the mission figures too.

Everything drawn comes from the result (its ``estimate``, ``history`` and
``trajectory`` Datasets); nothing is integrated again. matplotlib is imported
only when a plot is drawn.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sojourn.constants import AU_KM
from sojourn.errors import InputError
from sojourn.plot.figure import figure_and_panels, new_figure
from sojourn.transfer.lowthrust import THRUSTING

__all__ = ["lowthrust", "draw_thrust_arcs"]

THRUST_COLOR = "#d9480f"
"""Colour of thrust arcs in every figure."""
_COAST_COLOR = "0.45"
_AVAILABLE_COLOR = "0.35"
_MASS_COLOR = "#1f4e9a"
_BEST_COLOR = "#c2185b"

def lowthrust(result, *, ax=None, title: str | None = None):
    """Draw a low-thrust leg, or the search that found it.

    Parameters
    ----------
    result : LowThrustSearch or LowThrustLeg
        From :func:`sojourn.best_lowthrust_leg` (three panels) or
        :func:`sojourn.lowthrust_leg` / :func:`sojourn.lowthrust_transfer` (two).
        The leg must have converged: one that did not has no trajectory.
    ax : sequence of Axes, optional
        One per panel (estimate, thrust profile, trajectory; or the last two);
        default a new figure.
    title : str, optional
        The figure's title; default names the bodies and the result.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        Not a low-thrust result, or a leg that did not converge.
    """
    search = result if hasattr(result, "estimate") and hasattr(result, "best") else None
    leg = search.best if search is not None else result
    if not hasattr(leg, "history") or not hasattr(leg, "converged"):
        raise InputError(f"expected a LowThrustSearch or a LowThrustLeg, not {type(result).__name__}", "result")
    if not leg.converged or leg.trajectory is None:
        raise InputError(f"the leg did not converge ({leg.message}): there is nothing to draw", "result")
    n = 3 if search is not None else 2
    fig, axes, own = _panels(ax, n)
    if search is not None:
        _estimate(axes[0], search)
    _profile(axes[-2], leg)
    _plan_view(axes[-1], leg)
    if own:
        fig.suptitle(title or _title(leg, search), fontsize=12, fontweight="bold")
    return fig


def _panels(ax, n: int):
    """A new figure laid out for ``n`` panels (the trajectory square on the right), or the caller's axes."""
    if ax is not None:
        return figure_and_panels(ax, n, (1.0, 1.0))
    if n == 2:
        fig = new_figure((14.0, 6.2))
        gs = fig.add_gridspec(1, 2, width_ratios=[1.25, 1.0])
        return fig, [fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[0, 1])], True
    fig = new_figure((14.5, 11.5))
    gs = fig.add_gridspec(2, 2, width_ratios=[1.3, 1.0], height_ratios=[1.35, 0.8])
    return fig, [fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[1, :]), fig.add_subplot(gs[0, 1])], True


def _title(leg, search) -> str:
    from sojourn.plot._trajectory import body_name

    if leg.departure is None:
        what = "Low-thrust transfer"
    else:
        what = f"{body_name(leg.departure)} → {body_name(leg.destination)} low-thrust leg"
    p = leg.propulsion
    return (f"{what}: {leg.initial_mass_kg:,.0f} kg, {p.thrust_n:g} N, Isp {p.isp_s:,.0f} s"
            + ("" if p.power_law == "constant" else " (solar-electric, 1/r²)")
            + ("" if p.duty_cycle == 1.0 else f", duty cycle {p.duty_cycle:g}")
            + (" — best of the window" if search is not None else ""))


# --------------------------------------------------------------------------- panels


def _estimate(ax, search) -> None:
    """The MIMA final-mass estimate over launch × time of flight, the cells tried and the leg found."""
    from matplotlib.dates import date2num

    from sojourn.plot._porkchop import _date_axis

    ds = search.estimate
    launch = ds["launch"].values
    x, y = date2num(launch), ds["tof_days"].values
    mf = np.ma.masked_invalid(ds["final_mass_kg"].values.T)
    ax.set_facecolor("0.9")
    if mf.count():
        mesh = ax.pcolormesh(x, y, mf, shading="nearest", cmap="viridis")
        ax.figure.colorbar(mesh, ax=ax, label="estimated final mass, kg (MIMA)", pad=0.01)
    if x.size > 1:
        _date_axis(ax.xaxis, launch[0], launch[-1])
    ax.tick_params(labelsize=8)
    ax.set_ylabel("time of flight, days")
    ax.set_xlabel("launch date (UTC)")
    tried = [c for c in search.candidates if c.get("launch")]
    if tried:
        cx = date2num(np.array([np.datetime64(c["launch"][:16]) for c in tried]))
        ax.plot(cx, [c["tof_days"] for c in tried], "o", mfc="none", mec="black", mew=1.4, ms=9,
                label="cells the optimiser started from")
    best = search.best
    if best.converged and best.t_launch is not None:
        bx = date2num(np.datetime64(best.launch.replace(tzinfo=None), "ms"))
        ax.plot([bx], [best.tof_days], "*", color=_BEST_COLOR, mec="white", ms=17, clip_on=False, zorder=5,
                label=f"optimised: {best.final_mass_kg:,.0f} kg after {best.tof_days:.0f} d")
    ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
    ax.set_title("Screening: the Lambert arc's low-thrust estimate (grey: not enough thrust)", fontsize=9)


def _profile(ax, leg) -> None:
    """Thrust flown per segment against the thrust available, and the mass, over the days of flight."""
    h = leg.history
    day = 86400.0
    t = np.r_[h["t_start_s"].values, h["t_start_s"].values[-1] + float(h.attrs["duration_s"])] / day
    thrust = np.r_[h["thrust_n"].values, h["thrust_n"].values[-1]]
    avail = np.r_[h["available_thrust_n"].values, h["available_thrust_n"].values[-1]]
    ax.fill_between(t, 0.0, thrust, step="post", color=THRUST_COLOR, alpha=0.35, lw=0)
    ax.step(t, thrust, where="post", color=THRUST_COLOR, lw=1.8, label="thrust flown (one value a segment)")
    ax.step(t, avail, where="post", color=_AVAILABLE_COLOR, lw=1.2, ls="--", label="thrust available")
    ax.set_xlim(t[0], t[-1])
    ax.set_ylim(0.0, 1.12 * max(float(np.max(avail)), 1e-12))
    ax.set_xlabel("days from departure")
    ax.set_ylabel("thrust, N")
    ax.grid(color="0.9", lw=0.5)
    ax.tick_params(labelsize=8)
    tr = leg.trajectory
    twin = ax.twinx()
    twin.plot(tr["t_s"].values / day, tr["mass_kg"].values, color=_MASS_COLOR, lw=1.2, label="mass")
    twin.set_ylabel("mass, kg", color=_MASS_COLOR)
    twin.tick_params(labelsize=8, colors=_MASS_COLOR)
    lines = ax.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], loc="lower left", fontsize=8, framealpha=0.9)
    arcs = leg.thrust_arcs
    ax.set_title(f"Thrust profile: {len(arcs)} thrust arc{'s' if len(arcs) != 1 else ''}, {leg.thrusting_days:.0f} of "
                 f"{leg.tof_days:.0f} days thrusting; {leg.propellant_kg:,.1f} kg of propellant, "
                 f"Δv {leg.delta_v_kms:.2f} km/s", fontsize=9)


def _plan_view(ax, leg) -> None:
    """The verified path seen from the ecliptic's north pole, thrust arcs coloured, thrust directions drawn."""
    from matplotlib.lines import Line2D

    from sojourn.plot._trajectory import SUN_COLOR, body_name, icrf_to_ecliptic
    from sojourn.results import utc_text

    tr = leg.trajectory
    r = icrf_to_ecliptic(tr["position_km"].values)
    scale, unit = (AU_KM, "AU") if np.max(np.linalg.norm(r, axis=1)) > 0.05 * AU_KM else (1.0, "km")
    r = r / scale
    lim = 1.15 * float(np.max(np.linalg.norm(r[:, :2], axis=1)))
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal", adjustable="box")
    theta = np.linspace(0.0, 2.0 * np.pi, 361)
    for radius in (np.linalg.norm(r[0, :2]), np.linalg.norm(r[-1, :2])):
        ax.plot(radius * np.cos(theta), radius * np.sin(theta), color="0.8", lw=0.7, ls=":", zorder=1)
    ax.plot([0.0], [0.0], "o", ms=12, color=SUN_COLOR, mec="#b07d00", zorder=3)
    on = tr["thrust_n"].values > THRUSTING * np.maximum(leg.propulsion.available_thrust_n(
        np.linalg.norm(tr["position_km"].values, axis=1)), 1e-300)
    ax.plot(r[:, 0], r[:, 1], color=_COAST_COLOR, lw=1.2, zorder=4)
    draw_thrust_arcs(ax, r[:, :2], on, zorder=5)
    _thrust_arrows(ax, leg, scale)
    names = (body_name(leg.departure) if leg.departure else "departure",
             body_name(leg.destination) if leg.destination else "arrival")
    dates = (utc_text(leg.launch, "date") if leg.launch else "", utc_text(leg.arrival, "date") if leg.arrival else "")
    for p, name, date, colour in ((r[0], names[0], dates[0], "#2f6db5"), (r[-1], names[1], dates[1], "#c4502a")):
        ax.plot([p[0]], [p[1]], "o", ms=8, color=colour, mec="white", mew=1.2, zorder=6)
        out = p[:2] / max(float(np.linalg.norm(p[:2])), 1e-300)  # labels outside the path, away from the Sun
        ax.annotate(f"{name}\n{date}".strip(), (p[0], p[1]), xytext=tuple(16.0 * out), textcoords="offset points",
                    ha="left" if out[0] > 0.3 else "right" if out[0] < -0.3 else "center",
                    va="bottom" if out[1] > 0.3 else "top" if out[1] < -0.3 else "center", fontsize=8, zorder=7,
                    bbox=dict(boxstyle="round,pad=0.25", fc="white", ec=colour, lw=0.7),
                    arrowprops=dict(arrowstyle="-", color=colour, lw=0.7))
    ax.grid(color="0.92", lw=0.5)
    ax.tick_params(labelsize=8)
    ax.set_xlabel(f"x, toward the March equinox ({unit})")
    ax.set_ylabel(f"y ({unit})")
    ax.legend(handles=[Line2D([], [], color=THRUST_COLOR, lw=3, label="thrust arc (arrows: thrust direction)"),
                       Line2D([], [], color=_COAST_COLOR, lw=1.2, label="coast"),
                       Line2D([], [], color="0.8", lw=0.7, ls=":", label="circles of the end radii")],
              loc="lower left", fontsize=8, framealpha=0.9)
    ax.set_title(f"Verified path: DOP853 lands {leg.landing_error_km:.2g} km, {leg.landing_error_ms:.2g} m/s "
                 "from the target\nheliocentric, ecliptic of J2000", fontsize=9)


def draw_thrust_arcs(ax, xy, on, *, zorder: float = 5, lw: float = 3.2) -> None:
    """Overdraw the thrusting stretches of a path in :data:`THRUST_COLOR`.

    Parameters
    ----------
    ax : Axes
    xy : array_like, shape (n, 2)
        The path as drawn (any unit).
    on : array_like of bool, shape (n,)
        Whether the engine thrusts at each point.
    """
    xy = np.asarray(xy, dtype=float)
    on = np.asarray(on, dtype=bool)
    edges = np.flatnonzero(np.diff(np.r_[0, on.astype(int), 0]))
    for a, b in zip(edges[::2], edges[1::2]):
        stop = min(b + 1, len(xy))  # through the first coasting point, so an arc has no gap at its end
        ax.plot(xy[a:stop, 0], xy[a:stop, 1], color=THRUST_COLOR, lw=lw, solid_capstyle="butt", zorder=zorder)


def _thrust_arrows(ax, leg, scale: float) -> None:
    """Arrows along the thrust direction at the start of each thrusting segment, longer for more thrust."""
    from sojourn.plot._trajectory import icrf_to_ecliptic

    h, tr = leg.history, leg.trajectory
    throttle = h["throttle"].values
    on = throttle > THRUSTING
    if not on.any():
        return
    t = tr["t_s"].values
    idx = np.clip(np.searchsorted(t, h["t_start_s"].values[on]), 0, t.size - 1)
    p = icrf_to_ecliptic(tr["position_km"].values[idx]) / scale
    d = icrf_to_ecliptic(np.nan_to_num(h["direction"].values[on]))
    reach = float(np.max(np.linalg.norm(icrf_to_ecliptic(tr["position_km"].values)[:, :2], axis=1))) / scale
    length = 0.09 * reach * throttle[on]
    ax.quiver(p[:, 0], p[:, 1], d[:, 0] * length, d[:, 1] * length, angles="xy", scale_units="xy", scale=1.0,
              color=THRUST_COLOR, width=0.0035, headwidth=4, zorder=6)


def plan_thrust_arcs(ax, plan, legs_xy, *, lw: float = 4.0) -> list:
    """Mark the thrust arcs of a plan's low-thrust legs on its trajectory figure.

    Parameters
    ----------
    ax : Axes
    plan : Plan
    legs_xy : sequence of array, shape (n, 2+)
        Each leg's path as drawn, sampled evenly in time from departure to
        arrival (as :func:`sojourn.mission.plan.trajectory_samples` samples it).

    Returns
    -------
    list
        Legend handles (empty when no leg is flown low-thrust).
    """
    from matplotlib.lines import Line2D

    drawn = False
    for leg, xy in zip(plan.legs, legs_xy):
        lt = getattr(leg, "lowthrust", None)
        if lt is None or lt.history is None:
            continue
        h = lt.history
        t = np.linspace(0.0, lt.tof_days * 86400.0, len(xy))
        seg = np.clip((t / float(h.attrs["duration_s"])).astype(int), 0, h.sizes["segment"] - 1)
        draw_thrust_arcs(ax, np.asarray(xy)[:, :2], h["throttle"].values[seg] > THRUSTING, zorder=4.5, lw=lw)
        drawn = True
    return [Line2D([], [], color=THRUST_COLOR, lw=lw, label="electric thrust arcs")] if drawn else []


def timeline_thrust_arcs(ax, plan, rows, height: float) -> bool:
    """Draw each low-thrust leg's thrust arcs as a band along the lower part of its bar on the timeline.

    Parameters
    ----------
    ax : Axes
        The timeline's axes (x in matplotlib dates).
    plan : Plan
    rows : sequence of float
        The y of the outbound and the return bar.
    height : float
        The bars' height, data units.

    Returns
    -------
    bool
        Whether any arc was drawn.
    """
    from matplotlib.dates import date2num

    from sojourn.time import tdb_to_datetime64

    drawn = False
    band = 0.32 * height
    for leg, y in zip(plan.legs, rows):
        lt = getattr(leg, "lowthrust", None)
        for a, b in (() if lt is None else lt.thrust_arcs):
            x0, x1 = date2num(tdb_to_datetime64(np.array([leg.t_depart + a, leg.t_depart + b])))
            ax.barh(y - 0.5 * height + 0.5 * band, x1 - x0, left=x0, height=band, color=THRUST_COLOR,
                    edgecolor="white", lw=0.6, zorder=2.5)
            drawn = True
    return drawn
