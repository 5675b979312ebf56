"""The round trip seen from above the ecliptic: the Sun, the planets' paths and both legs.

:func:`trajectory` draws a :class:`~sojourn.mission.plan.Plan` from the
heliocentric positions :func:`~sojourn.mission.plan.trajectory_samples` made for
it: Earth's and Mars' paths over the mission as thin lines, the outbound and
the return leg in two colours with arrows along the direction of flight, and the
four moments that shape a round trip (launch, Mars arrival, Mars departure,
Earth return) marked and dated. The samples come in ICRF (J2000 equatorial)
kilometres; the plot turns them into the ecliptic of J2000 and astronomical
units, and otherwise computes nothing.

matplotlib is imported only when a plot is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sojourn.constants import AU_KM
from sojourn.ephemeris import icrf_to_ecliptic
from sojourn.errors import InputError
from sojourn.plot.figure import figure_and_axes
from sojourn.results import utc_text
from sojourn.time import tdb_to_datetime

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from sojourn.mission.plan import Plan

__all__ = ["trajectory", "icrf_to_ecliptic"]

# Colours shared with :mod:`sojourn.plot._timeline`, so one leg looks the same in every figure.
EARTH_COLOR = "#2f6db5"
MARS_COLOR = "#c4502a"
OUTBOUND_COLOR = "#7a3fa8"
RETURN_COLOR = "#11917f"
SUN_COLOR = "#f4b400"
FLYBY_COLOR = "#8a7a3a"
STAY_COLOR = "#e8a33d"


def trajectory(
    plan: Plan,
    samples: dict | None = None,
    *,
    ax: Any = None,
    title: str | None = None,
    ephemeris: Any = None,
) -> Figure:
    """Draw the round trip in heliocentric ecliptic coordinates.

    Parameters
    ----------
    plan : Plan
        The mission; its legs (names, dates, times of flight, transfer types),
        ``total_dv_kms``, ``total_days``, ``stay_days``, ``scenario_name`` and
        ``ephemeris`` label the figure.
    samples : dict, optional
        What :func:`sojourn.mission.plan.trajectory_samples` returns for
        ``plan`` (computed from ``ephemeris`` when not given): ``legs``, a list
        of (n, 3) arrays (outbound first, then return), and ``earth`` and
        ``mars``, (m, 3) arrays over the mission; heliocentric ICRF, km. The
        first and last point of each leg are where the events are marked.
        Optional ``flybys``: a list of ``{"body", "t", "r"}`` (the craft at
        the flyby body, km), each marked and labelled, and ``paths``:
        ``{body: (m, 3) array}`` of the flyby bodies.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new figure.
    title : str, optional
        The first title line. Defaults to ``"<scenario>: Earth–Mars round trip"``.

    ephemeris : Ephemeris or str, optional
        For the samples, when they are not given; default DE421.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        If ``samples`` does not hold two legs and the two planets' paths as
        finite (n, 3) arrays.

    Notes
    -----
    The view is the ecliptic of J2000 seen from its north pole (x toward the
    March equinox, y 90° ahead of it, prograde motion counter-clockwise), in
    astronomical units, with equal scales on both axes. Heights above the
    ecliptic are dropped.
    """
    if samples is None:
        from sojourn.mission.plan import trajectory_samples

        samples = trajectory_samples(plan, ephemeris=ephemeris)
    legs, earth, mars = _check_samples(plan, samples)
    flybys = [(icrf_to_ecliptic(np.asarray(f["r"], dtype=float).reshape(1, 3))[0] / AU_KM, f["body"], f["t"])
              for f in samples.get("flybys", ())]
    paths = {b: icrf_to_ecliptic(_as_points(p, b)) / AU_KM for b, p in samples.get("paths", {}).items()}
    return _draw(plan, legs, earth, mars, title, ax, flybys, paths)


# --------------------------------------------------------------------------- inputs


def _as_points(value: Any, what: str) -> np.ndarray:
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"trajectory samples: {what} is not an array of positions", "samples") from None
    if a.ndim != 2 or a.shape[1] != 3 or a.shape[0] < 2:
        raise InputError(
            f"trajectory samples: {what} must have shape (n, 3) with n ≥ 2, got {a.shape}", "samples"
        )
    if not np.isfinite(a).all():
        raise InputError(f"trajectory samples: {what} holds non-finite positions", "samples")
    return a


def _check_samples(plan: Any, samples: Any) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """The samples in the ecliptic frame, AU: (legs, earth, mars)."""
    if not isinstance(samples, dict):
        raise InputError("trajectory samples must be the dict trajectory_samples() returns", "samples")
    missing = [k for k in ("legs", "earth", "mars") if k not in samples]
    if missing:
        raise InputError(f"trajectory samples lack {', '.join(missing)}", "samples")
    legs = list(samples["legs"])
    if len(legs) != 2 or len(plan.legs) != 2:
        raise InputError(
            f"a round trip has an outbound and a return leg; samples hold {len(legs)}, "
            f"the plan {len(plan.legs)}",
            "samples",
        )
    legs = [icrf_to_ecliptic(_as_points(leg, f"leg {i + 1}")) / AU_KM for i, leg in enumerate(legs)]
    earth = icrf_to_ecliptic(_as_points(samples["earth"], "earth")) / AU_KM
    mars = icrf_to_ecliptic(_as_points(samples["mars"], "mars")) / AU_KM
    return legs, earth, mars


# --------------------------------------------------------------------------- text


def body_name(name: str) -> str:
    """A body name as a reader writes it: ``"earth"`` → ``"Earth"``."""
    return str(name)[:1].upper() + str(name)[1:]


def mission_summary(plan: Any) -> str:
    """One line: total Δv, days in all and how they split (shared with the timeline)."""
    out, back = plan.legs[0], plan.legs[1]
    dest = body_name(out.destination)
    return (
        f"total Δv {float(plan.total_dv_kms):.2f} km/s  ·  {float(plan.total_days):.0f} days: "
        f"{float(out.tof_days):.0f} out, {float(plan.stay_days):.0f} at {dest}, "
        f"{float(back.tof_days):.0f} back"
    )


def _kind(leg: Any) -> str:
    """``type I`` / ``type II`` for a Lambert arc; ``low-thrust`` for a leg flown so."""
    return leg.transfer_type if leg.transfer_type == "low-thrust" else f"type {leg.transfer_type}"


def _date(text: str) -> str:
    return str(text)[:10]


# --------------------------------------------------------------------------- drawing


def _draw(plan: Any, legs: Sequence[np.ndarray], earth: np.ndarray, mars: np.ndarray,
          title: str | None, ax: Any = None, flybys: Sequence = (), paths: dict | None = None) -> Figure:
    out, back = plan.legs
    origin, dest = body_name(out.origin), body_name(out.destination)

    fig, ax, own = figure_and_axes(ax, (8.6, 9.4))
    ax.set_aspect("equal", adjustable="box")

    # Frame: a square round the Sun that holds every path with room for the labels.
    reach = max(float(np.hypot(a[:, 0], a[:, 1]).max()) for a in (*legs, earth, mars))
    lim = 1.18 * reach
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.grid(color="0.9", lw=0.5)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=8)
    ax.set_xlabel("x, toward the March equinox (AU)", fontsize=9)
    ax.set_ylabel("y (AU)", fontsize=9)

    # Planets' paths over the mission: thin, behind everything.
    ax.plot(earth[:, 0], earth[:, 1], color=EARTH_COLOR, lw=0.8, alpha=0.55, zorder=1)
    ax.plot(mars[:, 0], mars[:, 1], color=MARS_COLOR, lw=0.8, alpha=0.55, zorder=1)
    for path in (paths or {}).values():
        ax.plot(path[:, 0], path[:, 1], color=FLYBY_COLOR, lw=0.8, alpha=0.55, zorder=1)
    ax.plot([0.0], [0.0], marker="o", ms=13, color=SUN_COLOR, mec="#b07d00", mew=0.8, ls="none", zorder=3)

    # The two legs, with arrows along the direction of flight.
    for leg, color in ((legs[0], OUTBOUND_COLOR), (legs[1], RETURN_COLOR)):
        ax.plot(leg[:, 0], leg[:, 1], color=color, lw=2.0, zorder=4, solid_capstyle="round")
        for frac in (0.3, 0.7):
            _arrow(ax, leg, frac, color)

    # The four events: the craft is where a planet is.
    events = [
        (legs[0][0], f"Launch\n{_date(utc_text(out.depart, 'minute'))}", EARTH_COLOR),
        (legs[0][-1], f"{dest} arrival\n{_date(utc_text(out.arrive, 'minute'))}", MARS_COLOR),
        (legs[1][0], f"{dest} departure\n{_date(utc_text(back.depart, 'minute'))}", MARS_COLOR),
        (legs[1][-1], f"{origin} return\n{_date(utc_text(back.arrive, 'minute'))}", EARTH_COLOR),
    ]
    events += [(p, f"{body_name(body)} flyby\n{_date(utc_text(tdb_to_datetime(t), 'minute'))}", FLYBY_COLOR)
               for p, body, t in flybys]
    for p, _, color in events:
        ax.plot([p[0]], [p[1]], marker="o", ms=8, color=color, mec="white", mew=1.2, ls="none", zorder=6)

    from sojourn.plot._lowthrust import plan_thrust_arcs

    thrust = plan_thrust_arcs(ax, plan, legs)  # legs flown low-thrust: their thrust arcs over the path
    handles = _legend_handles(out, back, origin, dest, flybys) + thrust
    main = title if title is not None else f"{plan.scenario_name}: {origin}–{dest} round trip"
    sub = [mission_summary(plan), f"launch {_date(utc_text(out.depart, 'minute'))}"]
    frame = "heliocentric, ecliptic of J2000 seen from the north"
    if getattr(plan, "ephemeris", ""):
        frame += f"  ·  ephemeris {plan.ephemeris}"
    if own:
        fig.legend(handles=handles, loc="outside lower center", ncol=4, fontsize=8, frameon=False,
                   handlelength=2.2, columnspacing=1.4)
        fig.suptitle(main, fontsize=13, fontweight="bold")
        ax.set_title("  ·  ".join(sub) + "\n" + frame, fontsize=8.5, color="0.3")
    else:
        ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.85)
        ax.set_title(main + "\n" + "  ·  ".join(sub), fontsize=9)

    # Freeze the layout, then place the event labels where they clear each other.
    fig.draw_without_rendering()
    if own:
        fig.set_layout_engine("none")
    _label_events(fig, ax, events, legs=legs, planets=(earth, mars), r_inner=_median_radius(earth))
    return fig


def _legend_handles(out: Any, back: Any, origin: str, dest: str, flybys: Sequence) -> list:
    """The key to the trajectory figure: Sun, planets' paths, the two legs, events and flybys."""
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker="o", ms=10, color=SUN_COLOR, mec="#b07d00", ls="none", label="Sun"),
        Line2D([], [], color=EARTH_COLOR, lw=0.8, alpha=0.7, label=f"path of {origin}"),
        Line2D([], [], color=MARS_COLOR, lw=0.8, alpha=0.7, label=f"path of {dest}"),
        Line2D([], [], color=OUTBOUND_COLOR, lw=2.0, marker=">", ms=6,
               label=f"outbound, {float(out.tof_days):.0f} d ({_kind(out)})"),
        Line2D([], [], color=RETURN_COLOR, lw=2.0, marker=">", ms=6,
               label=f"return, {float(back.tof_days):.0f} d ({_kind(back)})"),
        Line2D([], [], marker="o", ms=7, color=EARTH_COLOR, mec="white", ls="none",
               label=f"{origin}: launch, return"),
        Line2D([], [], marker="o", ms=7, color=MARS_COLOR, mec="white", ls="none",
               label=f"{dest}: arrival, departure"),
    ]
    if flybys:
        handles.append(Line2D([], [], marker="o", ms=7, color=FLYBY_COLOR, mec="white", ls="none",
                              label="flyby: " + ", ".join(dict.fromkeys(body_name(b) for _, b, _ in flybys))))
    return handles


def _arrow(ax: Any, leg: np.ndarray, frac: float, color: str) -> None:
    """An arrowhead on ``leg`` at ``frac`` of its length, pointing along the motion."""
    from matplotlib.patches import FancyArrowPatch

    seg = np.hypot(*np.diff(leg[:, :2], axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    if s[-1] <= 0.0:
        return
    i = int(np.clip(np.searchsorted(s, frac * s[-1]), 1, len(leg) - 1))
    a, b = leg[i - 1, :2], leg[i, :2]
    if np.allclose(a, b):
        return
    ax.add_patch(FancyArrowPatch(tuple(a), tuple(b), arrowstyle="-|>", mutation_scale=17,
                                 color=color, lw=0, shrinkA=0, shrinkB=0, zorder=5))


#: Directions tried for a label, as turns (degrees) from the preferred one, and distances (points).
_TURNS = (0, 35, -35, 70, -70, 110, -110, 150, -150, 180)
_DISTANCES_PT = (28.0, 52.0)
#: Cost of a label covering one pixel of a leg, of a planet's path.
_LEG_COST, _PLANET_COST = 60.0, 15.0


def _median_radius(a: np.ndarray) -> float:
    return float(np.median(np.hypot(a[:, 0], a[:, 1])))


def _pixels(ax: Any, path: np.ndarray, step: float = 2.0) -> np.ndarray:
    """Display points along ``path`` about every ``step`` pixels, so crossings cost by length."""
    px = ax.transData.transform(path[:, :2])
    seg = np.hypot(*np.diff(px, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    if s[-1] <= 0.0:
        return px[:1]
    u = np.linspace(0.0, s[-1], max(2, int(s[-1] / step)))
    return np.column_stack([np.interp(u, s, px[:, 0]), np.interp(u, s, px[:, 1])])


def _covered(box: Any, pts: np.ndarray) -> int:
    inside = (pts[:, 0] > box.x0) & (pts[:, 0] < box.x1) & (pts[:, 1] > box.y0) & (pts[:, 1] < box.y1)
    return int(np.count_nonzero(inside))


def _label_events(fig: Any, ax: Any, events: Sequence[tuple], *, legs: Sequence[np.ndarray],
                  planets: Sequence[np.ndarray], r_inner: float) -> None:
    """Annotate each event with its name and date.

    Labels at the inner planet go toward the Sun and labels at the outer one
    away from it, where no path usually runs; a label that would collide with
    another, cover a leg or a planet's path, or leave the frame is tried in
    other directions and further out, and the least crowded place is kept.
    """
    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()
    ax_box = ax.get_window_extent(renderer)
    leg_px = np.concatenate([_pixels(ax, p) for p in legs])
    planet_px = np.concatenate([_pixels(ax, p) for p in planets])
    # The event markers themselves are obstacles too.
    placed: list[Any] = [Bbox.from_bounds(x - 7.0, y - 7.0, 14.0, 14.0)
                         for x, y in ax.transData.transform(np.array([e[0][:2] for e in events]))]
    for p, text, color in events:
        base = math.atan2(p[1], p[0])
        if math.hypot(p[0], p[1]) <= 1.2 * r_inner:
            base += math.pi  # inner planet: label toward the Sun
        best, best_score = None, None
        for dist in _DISTANCES_PT:
            for turn in _TURNS:
                ang = base + math.radians(turn)
                dx, dy = dist * math.cos(ang), dist * math.sin(ang)
                ann = ax.annotate(
                    text, (p[0], p[1]), xytext=(dx, dy), textcoords="offset points",
                    ha="left" if dx > 8 else "right" if dx < -8 else "center",
                    va="bottom" if dy > 8 else "top" if dy < -8 else "center",
                    fontsize=8, color="0.1", zorder=8, linespacing=1.15,
                    bbox=dict(boxstyle="round,pad=0.3", fc="white", ec=color, lw=0.8, alpha=0.93),
                    arrowprops=dict(arrowstyle="-", color=color, lw=0.8, shrinkA=0, shrinkB=5),
                )
                box = _text_box(ann, renderer)
                area = box.width * box.height
                overlap = sum(_overlap_area(box, other) for other in placed)
                outside = area - _overlap_area(box, ax_box)
                # Collisions and leaving the frame first, then covered paths, then a
                # slight preference for the first direction and the nearer distance.
                score = (100.0 * (overlap + outside)
                         + _LEG_COST * _covered(box, leg_px) + _PLANET_COST * _covered(box, planet_px)
                         + 0.02 * area * (abs(turn) / 35.0 + dist / 28.0))
                if best_score is None or score < best_score:
                    if best is not None:
                        best.remove()
                    best, best_score = ann, score
                else:
                    ann.remove()
        placed.append(_text_box(best, renderer))


def _text_box(ann: Any, renderer: Any) -> Any:
    """The display box of an annotation's text and frame, without its leader line."""
    from matplotlib.text import Text

    ann.update_positions(renderer)  # place the text; before a draw it sits at its offset
    box = Text.get_window_extent(ann, renderer)
    return box.expanded(1.0 + 10.0 / max(box.width, 1.0), 1.0 + 10.0 / max(box.height, 1.0))


def _overlap_area(a: Any, b: Any) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(w, 0.0) * max(h, 0.0)
