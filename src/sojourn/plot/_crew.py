"""The crew's journey in two charts: cumulative radiation dose, and light time with blackouts.

Both draw a :class:`~sojourn.onboard.timeline.CrewTimeline` as computed and compute
nothing themselves. matplotlib is imported only when a chart is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sojourn.plot.figure import figure_and_axes
from sojourn.time import tdb_to_datetime64

if TYPE_CHECKING:  # pragma: no cover
    from sojourn.onboard.timeline import CrewTimeline

__all__ = ["dose", "light_time"]

_PHASE_COLORS = {"outbound": "#d9e6f5", "mars": "#f6dccb", "return": "#dcefd9"}
_PHASE_LABELS = {"outbound": "outbound transit", "mars": "at Mars", "return": "return transit"}
_DOSE_COLOR = "#1f4e9a"
_LIMIT_COLOR = "#c0392b"
_LIGHT_COLOR = "#1f4e9a"
_BLACKOUT_COLOR = "0.25"


def _phase_bands(ax, timeline: "CrewTimeline") -> None:
    t = tdb_to_datetime64(np.asarray(timeline.bounds))
    for (name, color), a, b in zip(_PHASE_COLORS.items(), t[:-1], t[1:]):
        ax.axvspan(a, b, color=color, lw=0, zorder=0, label=_PHASE_LABELS[name])


def _dates_axis(fig, ax) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(True, alpha=0.3)


def dose(timeline: "CrewTimeline", *, ax=None, title: str | None = None):
    """Cumulative dose equivalent day by day against the career limit.

    Parameters
    ----------
    timeline : CrewTimeline
        From :func:`sojourn.onboard`. Used: ``edges``, ``series.cumulative_msv``,
        ``bounds``, ``settings.dose`` (limit and prior dose), ``limit_t``,
        ``scenario_name``.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new figure.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    dose = timeline.settings.dose
    x = tdb_to_datetime64(timeline.edges)
    y = np.concatenate(([dose.prior_career_msv], timeline.series["cumulative_msv"].values))
    fig, ax, _ = figure_and_axes(ax, (9, 5))
    _phase_bands(ax, timeline)
    ax.plot(x, y, color=_DOSE_COLOR, lw=2, label="career dose equivalent")
    ax.axhline(dose.career_limit_msv, color=_LIMIT_COLOR, ls="--", lw=1.5,
               label=f"career limit {dose.career_limit_msv:g} mSv")
    if timeline.limit_t is not None:
        ax.axvline(tdb_to_datetime64(timeline.limit_t), color=_LIMIT_COLOR, lw=1)
    ax.set_ylim(0, max(dose.career_limit_msv, float(y.max())) * 1.08)
    ax.set_ylabel("cumulative dose equivalent (mSv)")
    ax.set_xlabel("date (UTC)")
    _dates_axis(fig, ax)
    ax.legend(loc="upper left", fontsize=8)
    total = float(y[-1])
    ax.set_title(title or f"{timeline.scenario_name}: radiation dose — {total:.0f} mSv "
                          f"({100 * total / dose.career_limit_msv:.0f} % of the career limit)")
    return fig


def light_time(timeline: "CrewTimeline", *, ax=None, title: str | None = None):
    """One-way light time between the crew and Earth, day by day, with blackouts shaded.

    Parameters
    ----------
    timeline : CrewTimeline
        From :func:`sojourn.onboard`. Used: ``series.t_sample``,
        ``series.light_time_s``, ``blackouts``, ``bounds``,
        ``settings.threshold_deg``, ``scenario_name``.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new figure.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    x = tdb_to_datetime64(timeline.series["t_sample"].values)
    y = timeline.series["light_time_s"].values / 60.0
    fig, ax, _ = figure_and_axes(ax, (9, 5))
    _phase_bands(ax, timeline)
    ax.plot(x, y, color=_LIGHT_COLOR, lw=2, label="one-way light time")
    for i, b in enumerate(timeline.blackouts):
        ax.axvspan(tdb_to_datetime64(b.start), tdb_to_datetime64(b.end), color=_BLACKOUT_COLOR, alpha=0.55,
                   lw=0, zorder=1,
                   label=f"blackout (Sun–Earth–craft < {timeline.settings.threshold_deg:g}°)" if i == 0 else None)
        ax.annotate(f"{b.days:.0f} d", (tdb_to_datetime64(0.5 * (b.start + b.end)), float(y.max()) * 1.02),
                    ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, float(y.max()) * 1.12 + 0.5)
    ax.set_ylabel("one-way light time (min)")
    ax.set_xlabel("date (UTC)")
    _dates_axis(fig, ax)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title or f"{timeline.scenario_name}: delay to Earth — up to {float(y.max()):.1f} min one way, "
                          f"{len(timeline.blackouts)} blackout(s)")
    return fig
