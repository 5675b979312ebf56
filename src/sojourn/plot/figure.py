"""Figures: a new one or the caller's axes, and saving (format by suffix, atomic write).

Every plot in :mod:`sojourn.plot` builds a :class:`matplotlib.figure.Figure`
with the object API (no pyplot global state), or draws into axes it is given,
and returns the figure; only the faces save it, with :func:`save_figure`. This
module does not import matplotlib itself, so importing a plot module stays
cheap until a figure is actually drawn.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sojourn.errors import InputError
from sojourn.io import atomic_path

#: File suffixes a figure can be written to, mapped to matplotlib's ``format=``.
FIGURE_SUFFIXES: dict[str, str] = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

#: Metadata that would make two renderings of the same figure differ byte for byte.
_NO_DATE_METADATA: dict[str, dict[str, Any]] = {
    "png": {},
    "svg": {"Date": None},
    "pdf": {"CreationDate": None},
}


def figure_and_axes(ax: Any, figsize: tuple[float, float]) -> tuple[Any, Any, bool]:
    """The figure and axes to draw on: ``ax`` and its figure, or a new figure of ``figsize`` inches.

    Returns
    -------
    (Figure, Axes, bool)
        The figure, the axes, and True when the figure is new (the plot then owns
        its titles, legend and layout).
    """
    if ax is not None:
        if not hasattr(ax, "figure") or not hasattr(ax, "plot"):
            raise InputError(f"ax must be matplotlib Axes, not {type(ax).__name__}", "ax")
        return ax.figure, ax, False
    fig = new_figure(figsize)
    return fig, fig.add_subplot(), True


def figure_and_panels(ax: Any, n: int, figsize: tuple[float, float], *, rows: bool = True) -> tuple[Any, list, bool]:
    """The figure and ``n`` axes to draw a multi-panel plot on: the caller's, or a new figure's.

    Parameters
    ----------
    ax : sequence of Axes or None
        The caller's axes, one per panel; None makes a new figure.
    n : int
        Panels.
    figsize : (float, float)
        Inches, for a new figure.
    rows : bool
        New panels stacked in rows (True) or side by side.
    """
    if ax is None:
        fig = new_figure(figsize)
        axes = fig.subplots(n if rows else 1, 1 if rows else n, squeeze=False).ravel()
        return fig, list(axes), True
    import numpy as np

    axes = list(np.ravel(np.asarray(ax, dtype=object)))
    if len(axes) != n:
        raise InputError(f"this plot has {n} panels: give ax as {n} matplotlib Axes, not {len(axes)}", "ax")
    return axes[0].figure, axes, False


def new_figure(figsize: tuple[float, float]) -> Any:
    """A new matplotlib Figure (constrained layout, Agg canvas), outside pyplot's global state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def figure_format(path: str | os.PathLike) -> str:
    """Return the matplotlib format name for ``path``, chosen by its suffix.

    Parameters
    ----------
    path : str or os.PathLike
        The output file; its suffix (case-insensitive) must be one of
        :data:`FIGURE_SUFFIXES`.

    Returns
    -------
    str
        ``"png"``, ``"svg"`` or ``"pdf"``.

    Raises
    ------
    InputError
        If the suffix is not one of ``.png``, ``.svg``, ``.pdf``.
    """
    suffix = Path(path).suffix
    try:
        return FIGURE_SUFFIXES[suffix.lower()]
    except KeyError:
        raise InputError(
            f"unsupported figure format '{suffix}': use .png, .svg or .pdf", str(path)
        ) from None


def figure_bytes(fig: Any, fmt: str, *, dpi: float = 150) -> bytes:
    """A figure rendered in memory as ``"png"``, ``"svg"`` or ``"pdf"`` (no creation date: same figure, same bytes)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi, metadata=_NO_DATE_METADATA[fmt])
    return buf.getvalue()


def save_figure(fig: Any, path: str | os.PathLike, *, dpi: float = 150) -> Path:
    """Write ``fig`` to ``path`` in the format its suffix names, atomically.

    The figure is rendered to a temporary file beside ``path`` and renamed onto
    it only once matplotlib has finished, so a failure leaves no partial file
    (and leaves an existing ``path`` untouched). SVG and PDF output carry no
    creation date, so the same figure renders to the same bytes.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to write.
    path : str or os.PathLike
        The output file: ``.png``, ``.svg`` or ``.pdf``.
    dpi : float, optional
        Resolution of raster output (and of raster parts of vector output).

    Returns
    -------
    pathlib.Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    InputError
        If the suffix is not supported or the output directory does not exist.
    """
    fmt = figure_format(path)
    final = Path(path)
    with atomic_path(final) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi, metadata=_NO_DATE_METADATA[fmt])
    return final
