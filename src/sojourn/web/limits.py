"""What one request may ask of the server, checked before any work is queued.

The library has its own limits (memory: :data:`sojourn.checks.MAX_GRID_CELLS`);
a server shared by several people keeps each request far below them, so that
one page cannot hold a worker for minutes. Every refusal is an
:class:`~sojourn.errors.InputError` naming the library's parameter, as the
library's own checks do, and reaches the page as HTTP 422.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sojourn import checks
from sojourn.constants import DAY
from sojourn.errors import InputError

NICE_STEPS_DAYS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30)
"""Porkchop steps the server picks from when a request does not give one, days."""


@dataclass(frozen=True)
class Limits:
    """The server's caps on one request.

    Attributes
    ----------
    max_body_bytes : int
        Largest request body (a scenario is a few kB).
    default_cells : int
        A porkchop without a step gets the finest of :data:`NICE_STEPS_DAYS` within this many cells.
    max_cells : int
        Most cells of a porkchop whose step the request gives.
    display_cells : int
        Most cells of the compact grid sent to the page (every k-th day beyond).
    max_plan_cells : int
        Most (launch, time of flight) cells of one leg of a plan's search.
    max_span_years : float
        Longest span of a ``windows`` search.
    min_windows_step_days : float
        Finest step of a ``windows`` search.
    max_scenario_bytes : int
        Longest scenario text.
    max_marstime_rows : int
        Most instants of one Mars-time range.
    max_lowthrust_cells : int
        Most (launch, time of flight) cells of a low-thrust estimate grid.
    max_lowthrust_candidates : int
        Most estimate cells the low-thrust optimiser starts from.
    max_lowthrust_segments : int
        Most segments of an optimised low-thrust leg.
    """

    max_body_bytes: int = 256 * 1024
    default_cells: int = 1_000_000
    max_cells: int = 2_000_000
    display_cells: int = 250_000
    max_plan_cells: int = 2_000_000
    max_span_years: float = 60.0
    min_windows_step_days: float = 0.5
    max_scenario_bytes: int = 64 * 1024
    max_marstime_rows: int = 10_000
    max_lowthrust_cells: int = 100_000
    max_lowthrust_candidates: int = 5
    max_lowthrust_segments: int = 60


def _count(t0: float, t1: float, step: float) -> int:
    """Epochs from ``t0`` to ``t1`` on a grid of ``step`` days, as :meth:`sojourn.transfer.porkchop.Window.epochs`."""
    return int(math.floor((t1 - t0) / (step * DAY) + 1e-6)) + 1


def porkchop_step(launch: tuple[float, float], arrive: tuple[float, float], step_days, limits: Limits) -> float:
    """The grid step for a porkchop: the request's (within ``max_cells``) or the finest nice one.

    Parameters
    ----------
    launch, arrive : (float, float)
        The windows, TDB seconds past J2000.
    step_days : float or None
        The request's step, days; None to choose.
    limits : Limits

    Returns
    -------
    float
        Days.

    Raises
    ------
    InputError
        A bad step, or a grid over the cap (naming ``step_days``).
    """
    def cells(step: float) -> int:
        return _count(*launch, step) * _count(*arrive, step)

    if step_days is None:
        for step in NICE_STEPS_DAYS:
            if cells(step) <= limits.default_cells:
                return float(step)
        step = float(NICE_STEPS_DAYS[-1])
    else:
        step = checks.step_days(step_days)
    n = cells(step)
    if n > limits.max_cells:
        raise InputError(f"this step makes a grid of {n:,} cells, more than this server's {limits.max_cells:,}: "
                         "use a coarser step or shorter windows", "step_days")
    return step


def windows_span(start: float, end: float, step_days: float, limits: Limits) -> None:
    """Refuse a ``windows`` search too long or too fine for this server."""
    if (end - start) / (365.25 * DAY) > limits.max_span_years:
        raise InputError(f"a span of more than {limits.max_span_years:g} years is more than this server searches "
                         "at once: split it", "end")
    if step_days < limits.min_windows_step_days:
        raise InputError(f"step must be at least {limits.min_windows_step_days:g} days on this server, "
                         f"not {step_days:g}", "step_days")


def plan_cells(scenario, step_days, limits: Limits) -> None:
    """Refuse a plan whose search grid (launch dates × times of flight of a leg) is over the cap."""
    step = scenario.windows.step_days if step_days is None else step_days
    t0, t1 = scenario.launch_window
    lo, hi = scenario.transit_limits()
    n = _count(t0, t1, step) * (int((hi - lo) / step) + 1)
    if n > limits.max_plan_cells:
        where = "step_days" if step_days is not None else "scenario: windows.step_days"
        raise InputError(f"this step makes a search of {n:,} transfers a leg, more than this server's "
                         f"{limits.max_plan_cells:,}: use a coarser step or a shorter launch window", where)


def scenario_text(text: str, where: str, limits: Limits) -> None:
    """Refuse an empty or overlong scenario before parsing it."""
    if len(text.encode("utf-8")) > limits.max_scenario_bytes:
        raise InputError(f"the scenario is longer than {limits.max_scenario_bytes // 1024} kB", where)
    if not text.strip():
        raise InputError("the scenario is empty: paste or upload a TOML scenario", where)


def marstime_rows(when: str, step_days, limits: Limits) -> None:
    """Refuse a Mars-time range of more instants than this server answers at once (a single instant passes)."""
    from sojourn.time import is_window

    if not is_window(when):
        return
    t0, t1 = checks.window(when, "when")
    step = checks.step_days(1.0 if step_days is None else step_days)
    n = _count(t0, t1, step)
    if n > limits.max_marstime_rows:
        raise InputError(f"this step makes {n:,} instants, more than this server's {limits.max_marstime_rows:,}: "
                         "use a longer step or a shorter range", "step_days")


def lowthrust_work(window: tuple[float, float], tofs: tuple[float, float], step_days: float, segments,
                   candidates: int, limits: Limits) -> None:
    """Refuse a low-thrust search whose estimate grid, starts or segments are over this server's caps.

    Parameters
    ----------
    window : (float, float)
        Launch window, TDB s (equal ends: one launch date).
    tofs : (float, float)
        Shortest and longest time of flight, days.
    step_days : float
        Step of the estimate grid on both axes, days.
    segments : int or None
        Segments of each optimised leg (None: the library's default, at most 60).
    candidates : int
        Estimate cells the optimiser starts from.
    limits : Limits
    """
    n = _count(*window, step_days) * (int(math.floor((tofs[1] - tofs[0]) / step_days + 1e-9)) + 1)
    if n > limits.max_lowthrust_cells:
        raise InputError(f"this step makes an estimate grid of {n:,} cells, more than this server's "
                         f"{limits.max_lowthrust_cells:,}: use a coarser step or a shorter window", "step_days")
    if candidates > limits.max_lowthrust_candidates:
        raise InputError(f"candidates must be at most {limits.max_lowthrust_candidates} on this server, "
                         f"not {candidates}", "candidates")
    if segments is not None and segments > limits.max_lowthrust_segments:
        raise InputError(f"segments must be at most {limits.max_lowthrust_segments} on this server, "
                         f"not {segments}", "segments")
