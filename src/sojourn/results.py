"""What every result has in common: plain data for JSON, a short repr, a table in Jupyter.

Results are frozen dataclasses (with xarray Datasets for grids and time series,
pandas DataFrames for tables). Each has ``to_dict()``, the document the command
line prints with ``--json`` and the web app answers with. :func:`json_safe` is
the one place where numbers the physics could not give (NaN, infinities) become
``null`` and numpy values become plain Python.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import html
import math
from typing import Any

import numpy as np


def json_safe(value: Any) -> Any:
    """Plain JSON data from results: NaN and infinities as None, numpy as Python, tuples as lists.

    Parameters
    ----------
    value : Any
        Nested dicts, lists, tuples, numbers, strings, numpy scalars and arrays,
        results with ``to_dict()``; datetimes are written as UTC ISO text to the
        millisecond (results format their own dates at the precision they choose).

    Returns
    -------
    Any
        The same structure, built of dict, list, str, int, float, bool and None.

    Examples
    --------
    >>> json_safe({"a": float("nan"), "b": (np.float64(1.5), np.int8(2))})
    {'a': None, 'b': [1.5, 2]}
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        x = float(value)
        return x if math.isfinite(x) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, _dt.datetime):
        return utc_text(value, "millisecond")
    if hasattr(value, "to_dict") and not isinstance(value, type):
        return json_safe(value.to_dict())
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def rounded(x: Any, digits: int | None = None) -> float | None:
    """A float for JSON: None for NaN, infinity or None, rounded to ``digits`` if given."""
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return None
    return round(x, digits) if digits is not None else x


_PRECISION = {"date": 10, "minute": 16, "second": 19, "millisecond": 23}


def utc_text(when: _dt.datetime | None, precision: str = "minute") -> str | None:
    """A UTC datetime as ISO 8601 text: ``2033-02-06``, ``…T12:00``, ``…T12:00:00`` or ``…T12:00:00.000``.

    Fields below ``precision`` are dropped, as :func:`sojourn.time.tdb_to_utc_iso` does.
    None gives None.
    """
    if when is None:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return when.isoformat(timespec="milliseconds")[: _PRECISION[precision]]


class Result:
    """Mixin of every typed result: ``to_dict()``, a one-line ``repr`` and an HTML table.

    Subclasses (frozen dataclasses) implement :meth:`to_dict` and :meth:`summary`:
    a few (label, value) pairs that say what the result is at a glance.
    """

    def __init_subclass__(cls, **kwargs):
        # A dataclass writes its own field-by-field __repr__ unless the class body has one: give
        # every result the short one below (results hold whole timelines and grids).
        super().__init_subclass__(**kwargs)
        if "__repr__" not in cls.__dict__:
            cls.__repr__ = Result.__repr__

    def to_dict(self) -> dict:  # pragma: no cover - every result defines it
        raise NotImplementedError

    def summary(self) -> list[tuple[str, str]]:
        """(label, value) pairs shown by ``repr`` and in Jupyter."""
        return []

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={v}" for k, v in self.summary())
        return f"<{type(self).__name__} {parts}>" if parts else f"<{type(self).__name__}>"

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>"
                       f"{html.escape(str(v))}</td></tr>" for k, v in self.summary())
        return f"<table><caption style='text-align:left'><b>{type(self).__name__}</b></caption>{rows}</table>"


def replace(result, **changes):
    """A copy of a frozen result with some fields changed (:func:`dataclasses.replace`)."""
    return dataclasses.replace(result, **changes)
