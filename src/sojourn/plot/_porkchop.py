"""Porkchop plots in the style of NASA's Mars mission design handbooks.

Launch date runs along the x axis and arrival date up the y axis, as in
NASA/TM-2010-216764 (*Mars Mission Design Handbook*) and the JPL
*Interplanetary Mission Design Handbook* (1983). Three families of lines share
the axes: launch C3 (solid, blue), arrival v∞ (solid, red) and time of flight
(dashed, grey), each labelled with its values. The best transfers a search found
are marked and annotated. Type I and type II transfers are contoured as one
field; the ridge of very high C3 along the 180° transfer line separates them.

The plot draws the results of a porkchop search, it computes no trajectory.
matplotlib is imported only when a plot is drawn.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sojourn import checks
from sojourn.errors import InputError
from sojourn.plot.figure import figure_and_axes

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["porkchop", "DEFAULT_C3_CAP"]

#: Cells with a launch C3 above this (km²/s²) are left blank unless ``c3_max`` says otherwise.
DEFAULT_C3_CAP = 100.0

#: The C3 contour ladder (km²/s²): fine near the handbook minima, coarser above.
_C3_LADDER = (
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 18, 20, 25, 30, 40, 50, 60,
    80, 100, 150, 200, 300, 400, 500,
)
_C3_MAX_LEVELS = 14
#: Above this C3 the ladder stops drawing lines by default (the handbook plots stop at 50–60).
_C3_LINES_TOP = 60.0

_VINF_STEP = 0.5
_VINF_MAX_LEVELS = 10

_C3_COLOR = "#1f4e9a"
_VINF_COLOR = "#c0392b"
_TOF_COLOR = "0.35"
_NO_SOLUTION_COLOR = "0.88"

_REQUIRED_VARS = ("c3_launch", "vinf_arrival")

#: Marker, colour and legend text for each kind of best point.
_BEST_STYLE = {
    "min_c3": ("*", _C3_COLOR, 15, "minimum C3"),
    "min_vinf": ("D", _VINF_COLOR, 7, "minimum arrival v∞"),
}
_BEST_OTHER = ("o", "black", 7, "best point")


def porkchop(
    ds: xr.Dataset,
    *,
    ax: Axes | None = None,
    best: list[dict] | None = None,
    c3_max: float | None = None,
    title: str | None = None,
) -> Figure:
    """Draw a porkchop plot of a launch/arrival grid.

    Parameters
    ----------
    ds : xarray.Dataset
        A porkchop grid with dimensions ``("launch", "arrival")`` and datetime64
        (UTC) coordinates of the same names. Data variables used: ``c3_launch``
        (km²/s²), ``vinf_arrival`` (km/s) and ``status`` (int; 0 where a transfer
        was found). Attributes ``from_body``, ``to_body``, ``ephemeris`` and
        ``center`` go into the title when present.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (the title goes on them and the legend inside);
        default a new 11 × 8.5 inch figure in the handbooks' layout.
    best : list of dict, optional
        Points to mark (default: none; :func:`sojourn.best_transfers` gives the
        best of each type), each with keys ``launch`` and ``arrival`` (numpy
        datetime64, :class:`datetime.datetime` or ISO 8601 UTC string; the
        record's ``launch_utc`` and ``arrival_utc`` instead when it has them), ``c3``
        (km²/s²), ``vinf_arrival`` (km/s), ``transfer_type`` (``"I"`` or
        ``"II"``) and ``criterion`` (``"min_c3"`` or ``"min_vinf"``).
    c3_max : float, optional
        Leave cells with a launch C3 above this (km²/s²) blank, and draw no C3
        or arrival v∞ line through them. Defaults to :data:`DEFAULT_C3_CAP`;
        C3 lines then stop at 60 km²/s² as in the handbooks.
    title : str, optional
        The first title line. Defaults to ``"<from> to <to>: launch C3, arrival
        v∞ and time of flight"``; the line naming the ephemeris is always added.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on (nothing is written: :func:`sojourn.plot.save` writes it).

    Raises
    ------
    InputError
        If ``c3_max`` is not a positive number, the Dataset does not follow the
        porkchop layout, or a best point has an unreadable date.

    Notes
    -----
    Cells whose ``status`` is not 0 (no solution, not converged) are shaded
    light grey and carry no C3 or v∞ line. Time-of-flight lines are the
    difference of the two date axes and are drawn across the whole grid.

    Examples
    --------
    >>> import sojourn as sj
    >>> ds = sj.porkchop("earth", "mars", "2026-10-01:2026-12-01", "2027-07-01:2027-10-01", step_days=4)
    >>> fig = sj.plot.porkchop(ds, best=sj.porkchop_summary(ds)["best"])
    >>> fig.axes[0].get_xlabel()
    'Launch date (UTC)'
    """
    cap = checks.c3_cap(c3_max) or DEFAULT_C3_CAP
    grid = _Grid.from_dataset(ds, cap)
    points = [_BestPoint.from_dict(b, i) for i, b in enumerate(best or [])]
    return _draw(grid, points, title, lines_top=cap if c3_max is not None else min(cap, _C3_LINES_TOP), ax=ax)


# --------------------------------------------------------------------------- inputs


def _as_datetime64(value: Any, where: str) -> np.datetime64:
    """A UTC date as numpy datetime64[ms]; naive values are taken as UTC."""
    try:
        if isinstance(value, np.datetime64):
            out = value.astype("datetime64[ms]")
        elif isinstance(value, _dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
            out = np.datetime64(value, "ms")
        elif isinstance(value, _dt.date):
            out = np.datetime64(value.isoformat(), "ms")
        elif isinstance(value, str):
            return _as_datetime64(_dt.datetime.fromisoformat(value.strip()), where)
        else:
            raise TypeError
    except (TypeError, ValueError):
        raise InputError(f"not a UTC date: {value!r}", where) from None
    if np.isnat(out):
        raise InputError(f"not a UTC date: {value!r}", where)
    return out


@dataclass(frozen=True)
class _Grid:
    """The numbers a porkchop plot needs, fields laid out (arrival, launch) for contouring."""

    launch: np.ndarray  # datetime64[ms]
    arrival: np.ndarray  # datetime64[ms]
    c3: np.ma.MaskedArray  # km²/s², masked without a solution or over the cap
    c3_lines: np.ma.MaskedArray  # km²/s², masked without a solution, clipped at the cap
    vinf: np.ma.MaskedArray  # km/s, masked like c3
    no_solution: np.ndarray  # bool, status != 0
    attrs: dict

    @classmethod
    def from_dataset(cls, ds: Any, cap: float) -> _Grid:
        dims = getattr(ds, "dims", None)
        if dims is None or not {"launch", "arrival"} <= set(dims):
            raise InputError("porkchop Dataset needs dimensions 'launch' and 'arrival'", "ds")
        missing = [v for v in _REQUIRED_VARS if v not in ds.data_vars]
        if missing:
            raise InputError(f"porkchop Dataset lacks {', '.join(missing)}", "ds")
        n_launch, n_arrival = ds.sizes["launch"], ds.sizes["arrival"]
        if n_launch < 2 or n_arrival < 2:
            raise InputError(
                f"porkchop grid needs at least 2 launch and 2 arrival dates, "
                f"got {n_launch} × {n_arrival}",
                "ds",
            )
        ds = ds.sortby(["launch", "arrival"])
        launch = np.asarray(ds["launch"].values)
        arrival = np.asarray(ds["arrival"].values)
        if not (np.issubdtype(launch.dtype, np.datetime64) and np.issubdtype(arrival.dtype, np.datetime64)):
            raise InputError("porkchop coordinates 'launch' and 'arrival' must be datetime64", "ds")

        def field(name: str) -> np.ndarray:
            # (arrival, launch): rows run up the y axis, columns along the x axis.
            return np.asarray(ds[name].transpose("arrival", "launch").values)

        c3 = field("c3_launch").astype(float)
        vinf = field("vinf_arrival").astype(float)
        if "status" in ds.data_vars:
            no_solution = field("status") != 0
        else:
            no_solution = ~np.isfinite(c3)
        blank = no_solution | ~np.isfinite(c3) | (c3 > cap)
        attrs = dict(getattr(ds, "attrs", {}) or {})
        return cls(
            launch=launch.astype("datetime64[ms]"),
            arrival=arrival.astype("datetime64[ms]"),
            c3=np.ma.masked_array(c3, mask=blank),
            # For the C3 lines, cells above the cap are clipped rather than cut out: the
            # field stays continuous, so lines run smoothly against the 180° ridge and the
            # cap instead of breaking into stair-step fragments along a masked edge.
            c3_lines=np.ma.masked_array(
                np.minimum(np.where(np.isfinite(c3), c3, cap), cap * (1.0 + 1e-6)),
                mask=no_solution | np.isnan(c3),
            ),
            vinf=np.ma.masked_array(vinf, mask=blank | ~np.isfinite(vinf)),
            no_solution=no_solution,
            attrs=attrs,
        )


@dataclass(frozen=True)
class _BestPoint:
    """One best transfer to mark: dates, its figures and what it is best at."""

    launch: np.datetime64
    arrival: np.datetime64
    c3: float | None
    vinf: float | None
    transfer_type: str
    criterion: str

    @classmethod
    def from_dict(cls, b: dict, i: int) -> _BestPoint:
        if not isinstance(b, dict):
            raise InputError(f"a best point must be a dict, got {type(b).__name__}", f"best[{i}]")
        for key in ("launch", "arrival"):
            if key not in b:
                raise InputError(f"best point lacks '{key}'", f"best[{i}]")
        # the date-time where a record has one (a porkchop's ``launch_utc``), else the date
        launch, arrival = b.get("launch_utc") or b["launch"], b.get("arrival_utc") or b["arrival"]
        return cls(
            launch=_as_datetime64(launch, f"best[{i}].launch"),
            arrival=_as_datetime64(arrival, f"best[{i}].arrival"),
            c3=_float_or_none(b.get("c3")),
            vinf=_float_or_none(b.get("vinf_arrival")),
            transfer_type=str(b.get("transfer_type") or "").strip(),
            criterion=str(b.get("criterion") or ""),
        )

    def label(self) -> str:
        t = f" {self.transfer_type}" if self.transfer_type else ""
        if self.criterion == "min_c3" and self.c3 is not None:
            return f"min C3{t}: {self.c3:.1f}"
        if self.criterion == "min_vinf" and self.vinf is not None:
            return f"min v∞{t}: {self.vinf:.2f}"
        name = self.criterion.replace("_", " ") or "best"
        return f"{name}{t}"


def _float_or_none(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


# --------------------------------------------------------------------------- levels


def _c3_levels(c3: np.ma.MaskedArray, top: float) -> list[float]:
    """C3 contour levels: every 1 km²/s² for four levels above the minimum, then the handbook ladder."""
    if c3.count() == 0:
        return []
    lo, hi = float(c3.min()), min(float(c3.max()), top)
    fine = [float(math.floor(lo) + k) for k in range(1, 5)] if lo < 25.0 else []
    levels = sorted({v for v in fine + [float(v) for v in _C3_LADDER] if lo < v <= hi})
    if len(levels) < 3:
        from matplotlib.ticker import MaxNLocator

        levels = [float(v) for v in MaxNLocator(8).tick_values(lo, hi) if lo < v <= hi]
    return levels[:_C3_MAX_LEVELS]


def _vinf_levels(vinf: np.ma.MaskedArray) -> list[float]:
    """Arrival v∞ levels every 0.5 km/s from just above the minimum, at most ten."""
    if vinf.count() == 0:
        return []
    lo, hi = float(vinf.min()), float(vinf.max())
    first = math.floor(lo / _VINF_STEP + 1.0) * _VINF_STEP
    levels = [first + k * _VINF_STEP for k in range(_VINF_MAX_LEVELS)]
    return [v for v in levels if v < hi]


_TOF_STEPS = (10.0, 25.0, 50.0, 100.0, 200.0, 500.0)


def _tof_levels(tof_days: np.ndarray) -> tuple[list[float], float]:
    """Time-of-flight lines, at most about twelve: every 50 days on a usual grid, 100 on a long one."""
    positive = tof_days[tof_days > 0]
    if positive.size == 0:
        return [], 50.0
    lo, hi = float(positive.min()), float(positive.max())
    step = next((s for s in _TOF_STEPS if (hi - lo) / s <= 12.0), _TOF_STEPS[-1])
    first = math.floor(lo / step + 1.0) * step
    return [float(v) for v in np.arange(first, hi, step)], step


# --------------------------------------------------------------------------- drawing


def _date_axis(axis: Any, start: np.datetime64, stop: np.datetime64, *, one_line: bool = False) -> None:
    """Calendar ticks on the first of the month, at most about seven.

    Labels read 'Sep 01' over '2026'; ``one_line`` gives 'Sep 01 2026', which
    keeps the y labels clear of the x labels at the lower-left corner.
    """
    from matplotlib.dates import AutoDateLocator, DateFormatter, DayLocator, MonthLocator

    span_days = (stop - start) / np.timedelta64(1, "D")
    fmt = DateFormatter("%b %d %Y" if one_line else "%b %d\n%Y")
    if span_days < 28:
        axis.set_major_locator(AutoDateLocator(minticks=3, maxticks=7))
        axis.set_minor_locator(DayLocator())
    elif span_days < 75:
        axis.set_major_locator(DayLocator(bymonthday=(1, 15)))
        axis.set_minor_locator(DayLocator())
    else:
        months = span_days / 30.44
        interval = next((k for k in (1, 2, 3, 4, 6, 12) if months / k <= 7), 24)
        axis.set_major_locator(MonthLocator(bymonthday=1, interval=interval))
        if interval == 1:
            axis.set_minor_locator(DayLocator(bymonthday=(8, 15, 22)))
        else:
            axis.set_minor_locator(MonthLocator(bymonthday=1))
    axis.set_major_formatter(fmt)


def _title(grid: _Grid, title: str | None) -> tuple[str, str]:
    a = grid.attrs
    origin = str(a.get("from_body") or "departure body")
    target = str(a.get("to_body") or "arrival body")
    main = title if title is not None else f"{origin} to {target}: launch C3, arrival v∞ and time of flight"
    parts = []
    if a.get("ephemeris"):
        parts.append(f"ephemeris {a['ephemeris']}")
    if a.get("center"):
        parts.append(f"center {a['center']}")
    parts.append("ballistic, type I and II")
    parts.append(
        f"launch {_fmt_date(grid.launch[0])} – {_fmt_date(grid.launch[-1])}, "
        f"arrival {_fmt_date(grid.arrival[0])} – {_fmt_date(grid.arrival[-1])} (UTC)"
    )
    return main, "  ·  ".join(parts)


def _fmt_date(d: np.datetime64) -> str:
    return str(d.astype("datetime64[D]"))


def _draw(grid: _Grid, points: Sequence[_BestPoint], title: str | None, *, lines_top: float,
          ax: Axes | None = None) -> Figure:
    from matplotlib.dates import date2num

    fig, ax, own = figure_and_axes(ax, (11.0, 8.5))

    x = date2num(grid.launch)
    y = date2num(grid.arrival)
    tof = y[:, None] - x[None, :]  # days: the two date axes differ by the time of flight
    tof_levels, tof_step = _tof_levels(tof)
    c3_levels = _c3_levels(grid.c3_lines, lines_top)
    vinf_levels = _vinf_levels(grid.vinf)

    # Frame, ticks, titles and legend first; the layout is then frozen so that the
    # contour labels and annotations below are placed and thinned where they land.
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(y[0], y[-1])
    _date_axis(ax.xaxis, grid.launch[0], grid.launch[-1])
    _date_axis(ax.yaxis, grid.arrival[0], grid.arrival[-1], one_line=True)
    ax.tick_params(labelsize=8)
    ax.tick_params(which="minor", length=2)
    ax.grid(which="major", color="0.82", lw=0.5)
    ax.set_axisbelow(True)
    ax.set_xlabel("Launch date (UTC)")
    ax.set_ylabel("Arrival date (UTC)")
    main, sub = _title(grid, title)
    handles = _legend_handles(grid, points, tof_step if tof_levels else None, bool(c3_levels), bool(vinf_levels))
    if own:
        fig.suptitle(main, fontsize=13, fontweight="bold")
        ax.set_title(sub, fontsize=8, color="0.3")
        if handles:
            fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 6),
                       fontsize=8, frameon=False, handlelength=2.6)
    else:
        ax.set_title(f"{main}\n{sub}", fontsize=9)
        if handles:
            ax.legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.85)
    fig.draw_without_rendering()
    if own:
        fig.set_layout_engine("none")

    # Cells without a solution: light grey, so a gap is never mistaken for high C3.
    if grid.no_solution.any():
        shade = np.ma.masked_array(np.ones(grid.no_solution.shape), mask=~grid.no_solution)
        ax.pcolormesh(x, y, shade, shading="nearest", cmap=_single_color_cmap(_NO_SOLUTION_COLOR),
                      vmin=0, vmax=1, rasterized=True, zorder=0.5)

    c3_texts: list[Any] = []
    vinf_texts: list[Any] = []
    tof_texts: list[Any] = []

    # Launch C3: the primary family, solid and heavier. One field over both lobes.
    if c3_levels:
        cs = ax.contour(x, y, grid.c3_lines, levels=c3_levels, colors=_C3_COLOR, linewidths=1.1, zorder=3)
        c3_texts += _labels(ax, cs, _fmt_c3, 7.5, _C3_COLOR)
    # Arrival v∞: the second family, thinner and red; cut out where C3 is over the cap.
    if vinf_levels:
        cs = ax.contour(x, y, grid.vinf, levels=vinf_levels, colors=_VINF_COLOR, linewidths=0.8, zorder=2.5)
        vinf_texts += _labels(ax, cs, _fmt_vinf, 7.0, _VINF_COLOR)
    # Time of flight: dashed, every 50 or 100 days, across the whole grid.
    if tof_levels:
        cs = ax.contour(x, y, np.ma.masked_less_equal(tof, 0.0), levels=tof_levels,
                        colors=_TOF_COLOR, linewidths=0.8, linestyles=[_TOF_DASH], zorder=2)
        tof_texts += _labels(ax, cs, _fmt_tof, 7.0, _TOF_COLOR)
    if grid.c3.count() == 0:
        empty = "no transfer in this grid" if grid.no_solution.all() else "no transfer under the C3 cap"
        ax.text(0.5, 0.5, empty, transform=ax.transAxes, ha="center", va="center", fontsize=14, color="0.4")

    obstacles = _mark_best(fig, ax, points)
    _thin_labels(fig, ax, [c3_texts, vinf_texts, tof_texts], obstacles)  # highest priority first
    return fig


_TOF_DASH = (0, (6, 3))


def _fmt_c3(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:g}"


def _fmt_vinf(v: float) -> str:
    return f"{v:.1f}"


def _fmt_tof(v: float) -> str:
    return f"{v:.0f} d"


def _legend_handles(grid: _Grid, points: Sequence[_BestPoint], tof_step: float | None,
                    has_c3: bool, has_vinf: bool) -> list[Any]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    if has_c3:
        handles.append(Line2D([], [], color=_C3_COLOR, lw=1.1, label="launch C3, km²/s²"))
    if has_vinf:
        handles.append(Line2D([], [], color=_VINF_COLOR, lw=0.8, label="arrival v∞, km/s"))
    if tof_step is not None:
        handles.append(Line2D([], [], color=_TOF_COLOR, lw=0.8, ls=_TOF_DASH,
                              label=f"time of flight, days (every {tof_step:.0f})"))
    seen: set[str] = set()
    for p in points:
        marker, color, size, legend = _BEST_STYLE.get(p.criterion, _BEST_OTHER)
        if legend not in seen:
            seen.add(legend)
            handles.append(Line2D([], [], marker=marker, color=color, markersize=size * 0.8,
                                  markeredgecolor="black", markeredgewidth=0.7, ls="none", label=legend))
    if grid.no_solution.any():
        handles.append(Patch(facecolor=_NO_SOLUTION_COLOR, edgecolor="none", label="no solution"))
    return handles


def _labels(ax: Axes, cs: Any, fmt: Any, size: float, color: str) -> list[Any]:
    """Label a contour set; each label sits on a white box that hides the lines beneath it.

    Labels are not cut into their lines (``inline=False``) so that a label
    dropped later for crowding leaves its line whole.
    """
    _drop_fragments(cs)
    texts = ax.clabel(cs, fmt=fmt, fontsize=size, inline=False, colors=color)
    for t in texts:
        t.set_bbox(dict(boxstyle="square,pad=0.08", fc="white", ec="none"))
        t.set_zorder(4)
    return list(texts)


#: Open contour pieces shorter than this (display pixels at 100 dpi) are dropped as noise.
_FRAGMENT_PX = 15.0


def _drop_fragments(cs: Any) -> None:
    """Remove open contour pieces too short to read.

    Where a masked edge runs almost parallel to the contour lines (cells without
    a solution, or over the C3 cap), marching squares leaves a dashed trail of
    short pieces that would be mistaken for time-of-flight lines. Closed loops,
    such as a small ring round a minimum, are kept.
    """
    from matplotlib.path import Path

    trans = cs.get_transform()
    new_paths = []
    changed = False
    for path in cs.get_paths():
        kept = []
        for piece in _components(path):
            xy = trans.transform(piece.vertices)
            if len(xy) < 2:
                changed = True
                continue
            length = float(np.hypot(*np.diff(xy, axis=0).T).sum())
            closed = np.allclose(xy[0], xy[-1]) or (
                piece.codes is not None and piece.codes[-1] == Path.CLOSEPOLY
            )
            if length >= (4.0 if closed else _FRAGMENT_PX) * cs.axes.figure.dpi / 100.0:
                kept.append(piece)
            else:
                changed = True
        new_paths.append(Path.make_compound_path(*kept) if kept else Path(np.zeros((0, 2))))
    if changed:
        try:
            cs.set_paths(new_paths)
        except NotImplementedError:  # matplotlib < 3.9
            cs._paths = new_paths


def _components(path: Any) -> list[Any]:
    """The connected pieces of a compound path, split at each MOVETO."""
    from matplotlib.path import Path

    if path.codes is None or len(path.vertices) == 0:
        return [path] if len(path.vertices) else []
    starts = np.flatnonzero(path.codes == Path.MOVETO)
    if starts.size == 0 or starts[0] != 0:
        starts = np.concatenate([[0], starts])
    bounds = [*starts.tolist(), len(path.vertices)]
    return [Path(path.vertices[a:b], path.codes[a:b]) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def _single_color_cmap(color: str) -> Any:
    from matplotlib.colors import ListedColormap

    return ListedColormap([color])


#: Label offsets (points) tried in turn so annotations clear each other and the axes edge.
_OFFSETS = ((14, 14), (14, -22), (-14, 14), (-14, -22), (26, 32), (26, -40), (-26, 32), (-26, -40))


def _mark_best(fig: Any, ax: Axes, points: Sequence[_BestPoint]) -> list[Any]:
    """Mark and annotate the best points; return the display boxes they occupy."""
    from matplotlib.dates import date2num

    renderer = fig.canvas.get_renderer()
    ax_box = ax.get_window_extent(renderer)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    placed: list[Any] = []
    for p in points:
        marker, color, size, _ = _BEST_STYLE.get(p.criterion, _BEST_OTHER)
        px, py = float(date2num(p.launch)), float(date2num(p.arrival))
        if not (x0 <= px <= x1 and y0 <= py <= y1):
            continue  # outside the grid: nothing to show
        (line,) = ax.plot([px], [py], marker=marker, color=color, markersize=size, markeredgecolor="black",
                          markeredgewidth=0.7, linestyle="none", zorder=6)
        placed.append(line.get_window_extent(renderer))
    for p in points:
        marker, color, size, _ = _BEST_STYLE.get(p.criterion, _BEST_OTHER)
        px, py = float(date2num(p.launch)), float(date2num(p.arrival))
        if not (x0 <= px <= x1 and y0 <= py <= y1):
            continue
        best_ann, best_score = None, None
        for dx, dy in _OFFSETS:
            ann = ax.annotate(
                p.label(), (px, py), xytext=(dx, dy), textcoords="offset points",
                ha="left" if dx > 0 else "right", va="bottom" if dy > 0 else "top",
                fontsize=8, fontweight="bold", color=color, zorder=7,
                bbox=dict(boxstyle="round,pad=0.25", fc="white", ec=color, lw=0.6, alpha=0.92),
                arrowprops=dict(arrowstyle="-", color=color, lw=0.7, shrinkA=0, shrinkB=4),
            )
            box = _label_box(ann, renderer)
            overlap = sum(_overlap_area(box, other) for other in placed)
            outside = box.width * box.height - _overlap_area(box, ax_box)
            score = overlap + 4.0 * outside
            if best_score is None or score < best_score:
                if best_ann is not None:
                    best_ann.remove()
                best_ann, best_score = ann, score
            else:
                ann.remove()
            if score == 0:
                break
        placed.append(_label_box(best_ann, renderer))
    return placed


def _label_box(ann: Any, renderer: Any) -> Any:
    """The box of an annotation's text and frame, without its leader line."""
    from matplotlib.text import Text

    ann.update_positions(renderer)  # place the text at its offset before measuring it
    box = Text.get_window_extent(ann, renderer)
    return box.expanded(1.0 + 8.0 / max(box.width, 1.0), 1.0 + 8.0 / max(box.height, 1.0))


_SAME_LABEL_SPACING = 0.25


def _thin_labels(fig: Any, ax: Axes, groups: Sequence[Sequence[Any]], obstacles: Sequence[Any]) -> None:
    """Drop contour labels that overlap a kept label, an annotation or the axes edge,
    or that repeat a value already labelled close by.

    Groups come highest priority first; within a group matplotlib's own order is kept.
    """
    renderer = fig.canvas.get_renderer()
    ax_box = ax.get_window_extent(renderer)
    # The same value is not labelled twice within this distance (display pixels).
    near = _SAME_LABEL_SPACING * min(ax_box.width, ax_box.height)
    kept = list(obstacles)
    for group in groups:
        centres: dict[str, list[tuple[float, float]]] = {}
        for text in group:
            box = text.get_window_extent(renderer)
            pad = box.expanded(1.0 + 6.0 / max(box.width, 1.0), 1.0 + 4.0 / max(box.height, 1.0))
            inside = _overlap_area(box, ax_box) >= 0.999 * box.width * box.height
            cx, cy = (box.x0 + box.x1) / 2.0, (box.y0 + box.y1) / 2.0
            twins = centres.setdefault(text.get_text(), [])
            repeated = any(math.hypot(cx - ox, cy - oy) < near for ox, oy in twins)
            if inside and not repeated and not any(_overlap_area(pad, k) > 0 for k in kept):
                kept.append(box)
                twins.append((cx, cy))
            else:
                text.remove()


def _overlap_area(a: Any, b: Any) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(w, 0.0) * max(h, 0.0)
