"""Figures drawn from sojourn's results: each function takes a result and an optional ``ax=``
and returns a :class:`matplotlib.figure.Figure`. Nothing is written: :func:`save` writes a
figure to a file whose suffix (``.png``, ``.svg``, ``.pdf``) picks the format, atomically.

matplotlib is imported only when a figure is drawn.
"""

from sojourn.plot._aborts import aborts
from sojourn.plot._bplane import bplane
from sojourn.plot._crew import dose, light_time
from sojourn.plot._lowthrust import lowthrust
from sojourn.plot._porkchop import porkchop
from sojourn.plot._race import race
from sojourn.plot._timeline import pareto, timeline
from sojourn.plot._trade import trade
from sojourn.plot._trajectory import trajectory
from sojourn.plot.figure import save_figure as save

__all__ = ["aborts", "bplane", "dose", "light_time", "lowthrust", "pareto", "porkchop", "race", "save", "timeline", "trade",
           "trajectory"]
