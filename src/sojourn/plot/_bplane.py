"""B-plane scatter of a dispersion analysis: where the samples arrive, and what one correction leaves.

:func:`bplane` draws a :class:`~sojourn.contingency.dispersions.Dispersions`
result on the target's B-plane (``B·T`` to the right, ``B·R`` down, as
navigation plots show it, so that ``+R`` points roughly south of the ecliptic).
Two panels: the samples without the correction burn, and after it. Each shows
the samples, their 3σ ellipse, the aim point, the corridor (a ring of
impact parameters) and the disc of approaches that would hit the planet.

It draws the result's own numbers and computes no trajectory. matplotlib is
imported only when a plot is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sojourn.plot.figure import figure_and_panels

if TYPE_CHECKING:  # pragma: no cover
    from sojourn.contingency.dispersions import Dispersions

__all__ = ["bplane"]

_SAMPLE_COLOR = "#1f4e9a"
_ELLIPSE_COLOR = "#c0392b"
_CORRIDOR_COLOR = "#2e8b57"
_PLANET_COLOR = "#b5651d"


def _scale(extent_km: float) -> tuple[float, str]:
    """Axis unit for an extent: km, 10³ km or 10⁶ km."""
    if extent_km >= 2e6:
        return 1e6, "10⁶ km"
    if extent_km >= 2e3:
        return 1e3, "10³ km"
    return 1.0, "km"


def _panel(ax, bt, br, stats, aim, rings, impact_b, title, max_points):
    from matplotlib.patches import Circle, Ellipse

    ok = np.isfinite(bt) & np.isfinite(br)
    bt, br = bt[ok], br[ok]
    ell = stats.get("ellipse_3sigma")
    mean = (stats.get("mean_bt_km"), stats.get("mean_br_km"))
    extent = max(float(np.max(np.abs(np.concatenate([bt, br])))) if bt.size else 0.0,
                 ell["semi_major_km"] * 1.2 if ell else 0.0, rings[1] * 1.3, 1.0)
    unit, label = _scale(extent)
    shown = slice(0, max_points)
    ax.scatter(bt[shown] / unit, br[shown] / unit, s=2, color=_SAMPLE_COLOR, alpha=0.35, linewidths=0,
               rasterized=True, label=f"samples ({min(bt.size, max_points):,} shown)")
    ax.add_patch(Circle((0.0, 0.0), impact_b / unit, color=_PLANET_COLOR, alpha=0.35,
                        label="periapsis below the surface"))
    for k, radius in enumerate(rings):
        ax.add_patch(Circle((0.0, 0.0), radius / unit, fill=False, color=_CORRIDOR_COLOR, lw=1.2,
                            label="corridor" if k == 0 else None))
    if ell and mean[0] is not None:
        ax.add_patch(Ellipse((mean[0] / unit, mean[1] / unit), 2 * ell["semi_major_km"] / unit,
                             2 * ell["semi_minor_km"] / unit, angle=ell["angle_deg"], fill=False,
                             color=_ELLIPSE_COLOR, lw=1.5, label="3σ ellipse"))
    ax.plot([aim[0] / unit], [aim[1] / unit], marker="+", color="black", ms=10, mew=1.5, ls="none",
            label="aim point")
    ax.set_xlabel(f"B·T ({label})")
    ax.set_ylabel(f"B·R ({label})")
    ax.set_aspect("equal", adjustable="datalim")
    ax.invert_yaxis()  # +R points down, as on navigation B-plane plots
    ax.grid(True, lw=0.4, alpha=0.5)
    ax.set_title(title, fontsize=10)
    legend = ax.legend(loc="upper right", fontsize=7)
    handles = getattr(legend, "legend_handles", None) or getattr(legend, "legendHandles", [])
    if handles:
        handles[0].set_sizes([16.0])  # the samples' dots, legible in the legend


def bplane(result: Dispersions, *, ax=None, max_points: int = 20_000, title: str | None = None):
    """Draw the B-plane scatter of a dispersion analysis: before and after the correction burn.

    Parameters
    ----------
    result : Dispersions
        From :func:`sojourn.dispersions`.
    ax : sequence of two matplotlib Axes, optional
        Before and after the correction; default a new figure with two panels.
        In the caller's axes each panel's title names the leg and the target.
    max_points : int
        Samples drawn per panel at most (the statistics use them all).
    title : str, optional
        First title line of a new figure; default names the leg and the target.

    Returns
    -------
    matplotlib.figure.Figure
    """
    data = result.to_dict()
    t = result.table
    aim = (result.aim_bt_km, result.aim_br_km)
    rings = data["aim_point"]["corridor_b_km"]
    impact_b = data["aim_point"]["impact_b_km"]
    target = result.target
    fig, axes, own = figure_and_panels(ax, 2, (13, 6.4), rows=False)
    leg = result.leg
    where = "" if own else f"{leg.origin.capitalize()} → {leg.destination.capitalize()}, "
    corridor, after, p95 = data["corridor"], data["corridor_after_tcm"], data["tcm"]["p95_ms"]
    _panel(axes[0], t["bt_km"].values, t["br_km"].values, data["bplane"], aim, rings, impact_b,
           f"{where}without correction: {100 * corridor['miss_probability']:.1f} % outside the corridor",
           max_points)
    _panel(axes[1], t["bt_after_tcm_km"].values, t["br_after_tcm_km"].values, data["bplane_after_tcm"], aim, rings,
           impact_b, f"{where}after one correction at +{result.tcm_days:g} d "
           f"(95 % ≤ {p95:.1f} m/s): {100 * after['miss_probability']:.1f} % outside" if p95 is not None else
           f"{where}after one correction", max_points)
    if not own:
        return fig
    what = (f"periapsis altitude {target.nominal:g} ± {target.half_width:g} km" if target.kind == "periapsis" else
            f"entry flight-path angle {target.nominal:g} ± {target.half_width:g}° at "
            f"{target.interface_altitude_km:g} km")
    first = title or f"{leg.origin.capitalize()} → {leg.destination.capitalize()} B-plane dispersions: {what}"
    fig.suptitle(
        f"{first}\n{result.samples:,} samples, seed {result.seed}; departure v∞ errors "
        f"{result.errors.magnitude_pct_3sigma:g} % / {result.errors.pointing_deg_3sigma:g}° (3σ); "
        f"T = unit(S × ecliptic pole), v∞ {result.vinf_arrival_kms:.2f} km/s; {result.ephemeris}",
        fontsize=10)
    return fig
