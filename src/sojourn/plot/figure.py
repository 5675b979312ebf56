"""Saving matplotlib figures: the format follows the file suffix, the write is atomic.

Every plot in :mod:`sojourn.plot` builds a :class:`matplotlib.figure.Figure`
with the object API (no pyplot global state) and hands it to
:func:`save_figure`. This module does not import matplotlib itself, so importing
a plot module stays cheap until a figure is actually drawn.
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
