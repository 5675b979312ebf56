"""The round trip against the calendar, and the trade between its Δv and its length.

:func:`timeline` draws a :class:`~sojourn.mission.plan.Plan` as a Gantt
chart: one bar each for the outbound transit, the stay at Mars and the return
transit, labelled with their lengths in days, and a marker at every date on
which something happens, labelled with the burn made then (and its Δv) and the
names of the events. :func:`plot_pareto` draws the plan's Pareto front of total
Δv against total days, with the chosen plan marked.

Both draw the plan's own numbers and compute no trajectory. matplotlib is
imported only when a plot is drawn.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sojourn.errors import InputError
from sojourn.results import utc_text
from sojourn.plot.figure import figure_and_axes
from sojourn.plot._trajectory import (
    MARS_COLOR,
    OUTBOUND_COLOR,
    RETURN_COLOR,
    STAY_COLOR,
    body_name,
    mission_summary,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from sojourn.mission.plan import Plan

__all__ = ["timeline", "pareto"]


def timeline(plan: Plan, *, ax: Any = None, title: str | None = None) -> Figure:
    """Draw the mission as a Gantt chart over calendar dates.

    Parameters
    ----------
    plan : Plan
        The mission. Used: ``legs`` (``from``, ``to``, ``depart``, ``arrive``,
        ``tof_days``), ``stay_days``, ``events`` (name and date), ``burns``
        (``label``, ``date``, ``dv_kms``), ``total_dv_kms``, ``total_days`` and
        ``scenario_name``.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new figure, sized to hold every label.
    title : str, optional
        The first title line. Defaults to ``"<scenario>: mission timeline"``.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Events and burns that fall on the same minute share one marker. A burn of
    zero Δv (a direct entry) is drawn dashed and labelled "no burn". Dates are
    UTC.
    """
    return _draw_timeline(plan, _phases(plan), _marks(plan), title, ax)


def pareto(plan: Plan, *, ax: Any = None, title: str | None = None) -> Figure:
    """Draw the Pareto front of total Δv against total days.

    Parameters
    ----------
    plan : Plan
        Used: ``pareto`` and ``alternatives`` (round trips with their launch,
        ``total_days`` and ``total_dv_kms``), and the plan's own ``total_days``,
        ``total_dv_kms``, launch date, ``objective`` and ``scenario_name``. The
        plan itself is marked with a star; an empty front leaves the star alone.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new figure.
    title : str, optional
        The first title line. Defaults to ``"<scenario>: total Δv against mission length"``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    return _draw_pareto(plan, _points(plan.pareto), _points(plan.alternatives), title, ax)


# --------------------------------------------------------------------------- inputs


def _datetime64(text: Any, where: str) -> np.datetime64:
    try:
        d = np.datetime64(str(text), "ms")
    except ValueError:
        raise InputError(f"unreadable date {text!r}", where) from None
    if np.isnat(d):
        raise InputError(f"unreadable date {text!r}", where)
    return d


def _leg_date(leg: Any, key: str, where: str) -> np.datetime64:
    """A leg's UTC date to the millisecond, from its TDB epoch."""
    from sojourn.time import tdb_to_datetime64

    return tdb_to_datetime64(float(getattr(leg, f"t_{key}")))[()]


@dataclass
class _Phase:
    row: str
    start: np.datetime64
    end: np.datetime64
    days: float
    color: str
    text: str


def _phases(plan: Any) -> list[_Phase]:
    """Outbound transit, stay and return transit, from the legs."""
    if len(plan.legs) != 2:
        raise InputError(f"a round trip has two legs, the plan has {len(plan.legs)}", "plan.legs")
    out, back = plan.legs
    b = body_name(out.destination)
    t = [_leg_date(out, "depart", "outbound departure"), _leg_date(out, "arrive", "outbound arrival"),
         _leg_date(back, "depart", "return departure"), _leg_date(back, "arrive", "return arrival")]

    def route(leg):  # the bodies in flight order, flybys included
        return " → ".join(body_name(x) for x in (leg.origin, *getattr(leg, "via", ()), leg.destination))

    return [
        _Phase("Outbound", t[0], t[1], float(out.tof_days), OUTBOUND_COLOR,
               f"{route(out)}  ·  {_days(out.tof_days)}"),
        _Phase(f"At {b}", t[1], t[2], float(plan.stay_days), STAY_COLOR,
               f"stay  ·  {_days(plan.stay_days)}"),
        _Phase("Return", t[2], t[3], float(back.tof_days), RETURN_COLOR,
               f"{route(back)}  ·  {_days(back.tof_days)}"),
    ]


def _days(d: Any) -> str:
    return f"{float(d):.0f} days"


@dataclass
class _Mark:
    """Everything that happens at one minute: at most one burn, any number of events."""

    date: np.datetime64
    day: str
    burn: str | None = None
    dv_kms: float | None = None
    events: list[str] = field(default_factory=list)
    exact: bool = False

    @property
    def is_burn(self) -> bool:
        return self.dv_kms is not None and self.dv_kms > 0.0

    def lines(self) -> tuple[str, str]:
        """(bold headline: the burn and its Δv, plain body: the date and the event names).

        An event named as the burn is not repeated; what its name says in
        parentheses ("Mars departure") becomes a line of the body instead.
        """
        events = []
        for n in self.events:
            if self.burn is not None and n.lower() == self.burn.lower():
                events += [p[:1].upper() + p[1:] for p in _PARENTHESIS_TEXT.findall(n)]
            else:
                events.append(n)
        if self.burn is not None:
            head = _PARENTHESIS.sub("", self.burn)
            head += f"  {self.dv_kms:.2f} km/s" if self.is_burn else ", no burn"
        else:
            head, events = (events[0], events[1:]) if events else (self.day, [])
        body = [self.day] + [textwrap.fill(n, 34, subsequent_indent="  ") for n in events]
        return head, "\n".join(body)


_PARENTHESIS = re.compile(r"\s*\([^)]*\)")
_PARENTHESIS_TEXT = re.compile(r"\(([^)]*)\)")
_NO_BURN = re.compile(r"\s*\(no burn\)\s*$", re.IGNORECASE)


def _marks(plan: Any) -> list[_Mark]:
    by_date: dict[str, _Mark] = {}

    def mark(text: str, where: str) -> _Mark:
        key = str(text)[:16]
        if key not in by_date:
            by_date[key] = _Mark(_datetime64(key, where), key[:10])
        return by_date[key]

    for b in plan.burns:
        m = mark(utc_text(b.date, 'minute'), f"burn {b.name}")
        label = _NO_BURN.sub("", b.label or b.name)
        m.burn = label if m.burn is None else f"{m.burn} + {label}"
        m.dv_kms = float(b.dv_kms) + (m.dv_kms or 0.0)
    from sojourn.mission.electric import is_thrust_event

    for e in plan.events:
        if is_thrust_event(e):  # drawn as bands along the transit bars (plot._lowthrust)
            continue
        m = mark(utc_text(e.date, "minute"), f"event {e.name}")
        if e.name not in m.events:
            m.events.append(e.name)
        if not m.exact:  # the event's epoch is finer than the minute its date is written to
            from sojourn.time import tdb_to_datetime64

            m.date, m.exact = tdb_to_datetime64(float(e.t))[()], True
    return sorted(by_date.values(), key=lambda m: m.date)


def _points(rows: Sequence[Any]) -> list[dict]:
    return [{"days": float(r.total_days), "dv": float(r.total_dv_kms), "launch": utc_text(r.launch, "date")}
            for r in rows]


# --------------------------------------------------------------------------- timeline drawing

_BAR_HEIGHT = 0.56
_ROW_PX = 62.0  # height of one row at 100 dpi
_LANE_GAP_PX = 6.0
_MARK_COLOR = "0.25"


def _draw_timeline(plan: Any, phases: Sequence[_Phase], marks: Sequence[_Mark], title: str | None,
                   ax: Any = None) -> Figure:
    from matplotlib.dates import date2num

    fig, ax, own = figure_and_axes(ax, (12.0, 6.0))

    n = len(phases)
    rows_top = n - 0.5 + 0.1  # rows at y = n-1 (first) … 0 (last); a little room above
    y0 = -0.6
    start, end = phases[0].start, phases[-1].end
    span = max(float((end - start) / np.timedelta64(1, "D")), 1.0)
    pad = np.timedelta64(int(0.035 * span * 86400e3), "ms")
    ax.set_xlim(date2num(start - pad), date2num(end + pad))
    ax.set_ylim(y0, rows_top)
    _date_ticks(ax.xaxis, span)
    ax.tick_params(labelsize=8.5)
    ax.tick_params(axis="y", length=0, labelsize=10)
    ax.set_yticks(range(n - 1, -1, -1), [p.row for p in phases])
    ax.grid(axis="x", which="major", color="0.88", lw=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("Date (UTC)", fontsize=9)

    main = title if title is not None else f"{plan.scenario_name}: mission timeline"
    if own:
        fig.suptitle(main, fontsize=13, fontweight="bold")
    ax.set_title(("" if own else main + "\n") + f"{mission_summary(plan)}  ·  launch {str(utc_text(plan.legs[0].depart, 'minute'))[:10]}  ·  dates UTC",
                 fontsize=8.5, color="0.3", pad=8)

    # Size the label band above the rows from what it holds, grow the figure to make room
    # for it, then fix the layout; the lanes are worked out again on the final layout.
    fig.draw_without_rendering()
    blocks = _mark_blocks(fig, ax, marks)
    band_px = _assign_lanes(fig, ax, blocks)
    renderer = fig.canvas.get_renderer()
    if own:  # a figure of its own grows to hold the labels; the caller's axes keep their size
        want_px = band_px + n * _ROW_PX * fig.dpi / 100.0
        w_in, h_in = fig.get_size_inches()
        fig.set_size_inches(w_in, max(h_in + (want_px - ax.get_window_extent(renderer).height) / fig.dpi, 3.0))
        fig.draw_without_rendering()
        fig.set_layout_engine("none")
    for blk in blocks:
        blk.x_px = float(ax.transData.transform((date2num(blk.mark.date), 0))[0])
    band_px = _assign_lanes(fig, ax, blocks)
    renderer = fig.canvas.get_renderer()
    h_px = ax.get_window_extent(renderer).height
    # rows_top - y0 data units take (h_px - band_px) pixels; the band takes the rest.
    per_px = (rows_top - y0) / max(h_px - band_px, 1.0)
    ax.set_ylim(y0, rows_top + band_px * per_px)

    # Bars, with their lengths written in them (or beside them when they are short).
    for i, p in enumerate(phases):
        y = n - 1 - i
        x0, x1 = date2num(p.start), date2num(p.end)
        ax.barh(y, x1 - x0, left=x0, height=_BAR_HEIGHT, color=p.color, edgecolor="none", zorder=2)
        t = ax.text((x0 + x1) / 2, y, p.text, ha="center", va="center", fontsize=9.5, color="white",
                    fontweight="bold", zorder=3)
        bar_px = abs(ax.transData.transform((x1, 0))[0] - ax.transData.transform((x0, 0))[0])
        if t.get_window_extent(renderer).width > bar_px - 10:
            t.set(x=x1, ha="left", color="0.15", text="  " + p.text)
            if t.get_window_extent(renderer).x1 > ax.get_window_extent(renderer).x1:
                t.set(x=x0, ha="right", text=p.text + "  ")

    from sojourn.plot._lowthrust import timeline_thrust_arcs

    if timeline_thrust_arcs(ax, plan, (n - 1, 0), _BAR_HEIGHT):
        ax.set_title(ax.get_title() + "  ·  orange bands: electric thrust arcs", fontsize=8.5, color="0.3", pad=8)

    # Markers: a line from the bottom of the rows up to its label.
    for blk in blocks:
        m = blk.mark
        x = date2num(m.date)
        y_label = rows_top + (blk.top_px - blk.height - 3.0) * per_px
        # A burn: solid line, filled head. No burn (a direct entry): dashed, hollow.
        color, lw, ls, face = (_MARK_COLOR, 1.1, "-", _MARK_COLOR) if m.is_burn else ("0.45", 0.9, (0, (4, 3)), "white")
        ax.plot([x, x], [y0, y_label], color=color, lw=lw, ls=ls, zorder=4, solid_capstyle="butt")
        ax.plot([x], [y_label], marker="v", ms=6, color=color, mfc=face, zorder=5, clip_on=False)
        blk.place(rows_top + blk.top_px * per_px)
    return fig


@dataclass
class _Block:
    """One marker's label: a bold headline over plain event names, laid out in a lane."""

    mark: _Mark
    head: Any
    body: Any | None
    width: float
    height: float
    head_h: float
    x_px: float
    ha: str = "left"
    lane: int = 0
    top_px: float = 0.0  # top of the block above the rows, pixels

    def place(self, y: float) -> None:
        """Put the block's top at data height ``y``: the headline, then the body below it."""
        from matplotlib.transforms import offset_copy

        self.head.set(ha=self.ha, va="top")
        self.head.set_y(y)
        self.head.set_transform(offset_copy(self.head.axes.transData, fig=self.head.figure,
                                            x=self._dx(), y=0.0, units="dots"))
        if self.body is not None:
            self.body.set(ha=self.ha, va="top")
            self.body.set_y(y)
            self.body.set_transform(offset_copy(self.body.axes.transData, fig=self.body.figure,
                                                x=self._dx(), y=-self.head_h - 3.0, units="dots"))

    def _dx(self) -> float:
        return 5.0 if self.ha == "left" else -5.0


def _mark_blocks(fig: Any, ax: Any, marks: Sequence[_Mark]) -> list[_Block]:
    from matplotlib.dates import date2num

    renderer = fig.canvas.get_renderer()
    blocks = []
    for m in marks:
        head_text, body_text = m.lines()
        x = date2num(m.date)
        head = ax.text(x, 0, head_text, fontsize=9, fontweight="bold", in_layout=False,
                       color=_MARK_COLOR if m.is_burn else "0.35", zorder=6)
        body = (ax.text(x, 0, body_text, fontsize=8, color="0.2", linespacing=1.2, zorder=6, in_layout=False)
                if body_text else None)
        hb = head.get_window_extent(renderer)
        bb = body.get_window_extent(renderer) if body is not None else None
        width = max(hb.width, bb.width if bb is not None else 0.0) + 8.0
        height = hb.height + (bb.height + 3.0 if bb is not None else 0.0)
        x_px = float(ax.transData.transform((x, 0))[0])
        blocks.append(_Block(m, head, body, width, height, hb.height, x_px))
    return blocks


def _assign_lanes(fig: Any, ax: Any, blocks: Sequence[_Block]) -> float:
    """Give each block a side of its marker and the lowest lane where it fits.

    A block fits a lane when it overlaps no other block there, no marker line
    that climbs higher runs through it, and its own line runs through no block
    of a lower lane. A block that covers a marker yet to be placed would force
    that marker's line through it, so the place covering the fewest such
    markers wins, then the lowest lane, then the side after the marker. When a
    line still has to cross a label, the label it crosses is lifted above it
    and the layout tried again, a few times, keeping the one with fewest
    crossings and lanes.

    Returns the height (pixels) of the band the lanes fill.
    """
    renderer = fig.canvas.get_renderer()
    ax_box = ax.get_window_extent(renderer)
    lo, hi = ax_box.x0, fig.bbox.x1 - 4.0
    xs = [blk.x_px for blk in blocks]
    options = []
    for blk in blocks:
        opts = []
        for ha in ("left", "right"):
            a, b = (blk.x_px, blk.x_px + blk.width) if ha == "left" else (blk.x_px - blk.width, blk.x_px)
            if a >= lo - 2.0 and b <= hi:
                opts.append((ha, a, b))
        if not opts:  # wider than the room on either side: the side with more room
            ha = "left" if hi - blk.x_px >= blk.x_px - lo else "right"
            a, b = (blk.x_px, blk.x_px + blk.width) if ha == "left" else (blk.x_px - blk.width, blk.x_px)
            opts = [(ha, a, b)]
        options.append(opts)

    def greedy(min_lane: list[int]) -> tuple[int, int, list[tuple[int, tuple]], list[tuple[int, int]]]:
        placed: list[tuple[int, tuple]] = []  # (lane, (ha, a, b)) in order

        def fits(i: int, lane: int, a: float, b: float, strict: bool) -> bool:
            for j, (lj, (_, c, d)) in enumerate(placed):
                if lj == lane and not (b + 4.0 <= c or d + 4.0 <= a):
                    return False  # overlaps a block in its lane
                if lj > lane and a - 2.0 < xs[j] < b + 2.0:
                    return False  # a higher block's line would run through it
                if strict and lj < lane and c - 2.0 < xs[i] < d + 2.0:
                    return False  # its own line would run through a lower block
            return True

        for i in range(len(blocks)):
            found = []
            for strict in (True, False):  # a line through a lower label only when nothing else fits
                found = [(sum(o[1] - 2.0 < x < o[2] + 2.0 for x in xs[i + 1:]), lane, k)
                         for lane in range(min_lane[i], min_lane[i] + len(blocks) + 1)
                         for k, o in enumerate(options[i]) if fits(i, lane, o[1], o[2], strict)]
                if found:
                    break
            _, lane, k = min(found) if found else (0, min_lane[i] + len(blocks), 0)
            placed.append((lane, options[i][k]))
        crossings = [(i, j) for i, (li, _) in enumerate(placed) for j, (lj, (_, c, d)) in enumerate(placed)
                     if lj < li and c - 2.0 < xs[i] < d + 2.0]
        return len(crossings), len({lane for lane, _ in placed}), placed, crossings

    min_lane = [0] * len(blocks)
    best = None
    for _ in range(6):
        n_cross, n_lanes, placed, crossings = greedy(min_lane)
        if best is None or (n_cross, n_lanes) < best[:2]:
            best = (n_cross, n_lanes, placed)
        if not crossings:
            break
        for i, j in crossings:  # lift the crossed label above the line that crosses it
            min_lane[j] = max(min_lane[j], placed[i][0] + 1)
    placed = best[2] if best is not None else []
    used = sorted({lane for lane, _ in placed})  # drop empty lanes, then stack them
    for blk, (lane, (ha, _, _)) in zip(blocks, placed):
        blk.lane, blk.ha = used.index(lane), ha
    heights = [max(b.height for b in blocks if b.lane == k) + _LANE_GAP_PX + 6.0 for k in range(len(used))]
    bottoms = np.concatenate([[0.0], np.cumsum(heights)])
    for blk in blocks:
        blk.top_px = float(bottoms[blk.lane + 1]) - _LANE_GAP_PX
    return float(bottoms[-1]) + 10.0


def _date_ticks(axis: Any, span_days: float) -> None:
    """Month ticks, every 1, 2, 3, 6 or 12 months for at most about twelve labels."""
    from matplotlib.dates import DateFormatter, MonthLocator

    months = span_days / 30.44
    interval = next((k for k in (1, 2, 3, 6, 12) if months / k <= 12), 24)
    axis.set_major_locator(MonthLocator(bymonth=range(1, 13, interval) if interval <= 12 else None,
                                        bymonthday=1, interval=1 if interval <= 12 else interval))
    axis.set_minor_locator(MonthLocator(bymonthday=1))
    axis.set_major_formatter(DateFormatter("%b\n%Y"))


# --------------------------------------------------------------------------- Pareto drawing


def _draw_pareto(plan: Any, front: list[dict], alts: list[dict], title: str | None, ax: Any = None) -> Figure:
    from matplotlib.lines import Line2D

    fig, ax, own = figure_and_axes(ax, (8.6, 6.2))
    best = {"days": float(plan.total_days), "dv": float(plan.total_dv_kms),
            "launch": str(utc_text(plan.legs[0].depart, "minute"))[:10]}

    handles = []
    if front:
        pts = sorted(front, key=lambda p: (p["days"], p["dv"]))
        xs, ys = [p["days"] for p in pts], [p["dv"] for p in pts]
        ax.step(xs, ys, where="post", color=OUTBOUND_COLOR, lw=1.0, alpha=0.5, zorder=2)
        ax.plot(xs, ys, ls="none", marker="o", ms=5, color=OUTBOUND_COLOR, mec="white", mew=0.6, zorder=3)
        handles.append(Line2D([], [], ls="-", marker="o", ms=5, color=OUTBOUND_COLOR, mec="white",
                              label=f"Pareto front ({len(pts)} round trips)"))
        for p, where in ((pts[0], "shortest"), (min(pts, key=lambda p: p["dv"]), "least Δv")):
            if abs(p["days"] - best["days"]) < 0.5 and abs(p["dv"] - best["dv"]) < 5e-4:
                continue  # the chosen plan itself, labelled below
            ax.annotate(f"{where}: {p['days']:.0f} d, {p['dv']:.2f} km/s\nlaunch {p['launch']}",
                        (p["days"], p["dv"]), xytext=(10, 10) if where == "shortest" else (-10, 14),
                        textcoords="offset points", ha="left" if where == "shortest" else "right",
                        fontsize=8, color="0.2",
                        arrowprops=dict(arrowstyle="-", color="0.5", lw=0.7, shrinkB=4))
    if alts:
        ax.plot([p["days"] for p in alts], [p["dv"] for p in alts], ls="none", marker="s", ms=5,
                mfc="none", mec="0.45", mew=0.9, zorder=2.5)
        handles.append(Line2D([], [], ls="none", marker="s", ms=5, mfc="none", mec="0.45",
                              label="runners-up"))
    ax.plot([best["days"]], [best["dv"]], marker="*", ms=17, color=MARS_COLOR, mec="black", mew=0.7,
            ls="none", zorder=5)
    handles.append(Line2D([], [], ls="none", marker="*", ms=13, color=MARS_COLOR, mec="black",
                          label="chosen plan"))
    ax.annotate(f"chosen: {best['days']:.0f} d, {best['dv']:.2f} km/s\nlaunch {best['launch']}",
                (best["days"], best["dv"]), xytext=(-14, -18), textcoords="offset points",
                ha="right", va="top", fontsize=8.5, fontweight="bold", color=MARS_COLOR,
                bbox=dict(boxstyle="round,pad=0.3", fc="white", ec=MARS_COLOR, lw=0.7),
                arrowprops=dict(arrowstyle="-", color=MARS_COLOR, lw=0.8, shrinkB=7), zorder=6)
    if not front:
        ax.text(0.5, 0.92, "no Pareto front recorded for this plan", transform=ax.transAxes,
                ha="center", fontsize=10, color="0.4")

    xs = [p["days"] for p in (*front, *alts, best)]
    ys = [p["dv"] for p in (*front, *alts, best)]
    xpad = max(0.08 * (max(xs) - min(xs)), 5.0)
    ypad = max(0.12 * (max(ys) - min(ys)), 0.05)
    ax.set_xlim(min(xs) - xpad, max(xs) + xpad)
    ax.set_ylim(min(ys) - 1.6 * ypad, max(ys) + ypad)
    ax.grid(color="0.9", lw=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=8.5)
    ax.set_xlabel("Total mission length (days)", fontsize=9.5)
    ax.set_ylabel("Total Δv (km/s)", fontsize=9.5)
    ax.legend(handles=handles, loc="upper right", fontsize=8.5, frameon=False)
    main = title if title is not None else f"{plan.scenario_name}: total Δv against mission length"
    objective = str(getattr(plan, "objective", "") or "")
    sub = [f"objective {objective}"] if objective else []
    sub.append(mission_summary(plan))
    if own:
        fig.suptitle(main, fontsize=13, fontweight="bold")
        ax.set_title("  ·  ".join(sub), fontsize=8.5, color="0.3")
    else:
        ax.set_title(main + "\n" + "  ·  ".join(sub), fontsize=9)
    return fig

