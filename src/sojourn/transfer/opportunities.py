"""Launch opportunities: one block per synodic period, as in the mission design handbooks.

For each opportunity between two bodies, the least-C3 and the least-arrival-v∞
transfer of each type (I: under 180 degrees of heliocentric transfer angle,
II: over), found on a (launch date, time of flight) grid and then refined below
the grid step by a local optimiser (Nelder-Mead on continuous dates).

An opportunity is named as the handbooks name it, by the year in which its
launch period opens (the launches of November 2045 to February 2046 are "the
2045 opportunity"), and a span of years holds the opportunities that open in
it. The launch period: the launch dates around the opportunity's least C3
whose least C3 is within :data:`LAUNCH_PERIOD_C3_MARGIN` of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sojourn import checks
from sojourn.bodies import GM_SUN
from sojourn.errors import EphemerisRangeError, InputError, NoSolutionError
from sojourn.results import Result, utc_text
from sojourn.time import DAY, tdb_to_datetime, tdb_to_utc_iso, year_span

_FIELDS = {"min_c3": "c3", "min_vinf": "vinf_arrival"}
_PENALTY = 1e9
LAUNCH_PERIOD_C3_MARGIN = 5.0
"""km²/s²: the launch period of an opportunity holds the launch dates whose least C3 is within this of the
opportunity's least; its first date names the opportunity. With it, MAVEN's launches of November 2013 are the
2013 opportunity (least C3 on 2014-01-01) and InSight's first launch period, March 2016, the 2016 one."""

RIDGE_DEG = 1.0
"""Transfers within this many degrees of 180 are not offered as optima: there the transfer
plane is ill-defined, C3 jumps within seconds of arrival time and no crew could fly it."""


def _mean_orbit(eph, body, t):
    """Semi-major axis (km) and period (s) of a body's heliocentric orbit at ``t``."""
    r, v = eph.state(body, t)
    a = 1.0 / (2.0 / np.linalg.norm(r) - np.dot(v, v) / GM_SUN)
    return a, 2.0 * math.pi * math.sqrt(a**3 / GM_SUN)


@dataclass(frozen=True)
class BestTransfer(Result):
    """The best transfer of one type by one criterion in one opportunity (refined below the grid).

    Attributes
    ----------
    opportunity : int
        The opportunity's year: the year its launch period opens.
    transfer_type : {"I", "II"}
    criterion : {"min_c3", "min_vinf"}
        Least launch C3 or least arrival v∞.
    t_launch, t_arrival : float
        TDB seconds past J2000.
    tof_days, c3, vinf_departure, vinf_arrival, dla_deg, rla_deg, transfer_angle_deg : float
        Days; km²/s²; km/s; degrees (ICRF asymptote; heliocentric transfer angle).
    """

    opportunity: int
    transfer_type: str
    criterion: str
    t_launch: float
    t_arrival: float
    tof_days: float
    c3: float
    vinf_departure: float
    vinf_arrival: float
    dla_deg: float
    rla_deg: float
    transfer_angle_deg: float

    @property
    def launch(self):
        """Launch, UTC datetime."""
        return tdb_to_datetime(self.t_launch)

    @property
    def arrival(self):
        """Arrival, UTC datetime."""
        return tdb_to_datetime(self.t_arrival)

    def to_dict(self) -> dict:
        return {
            "opportunity": self.opportunity, "transfer_type": self.transfer_type, "criterion": self.criterion,
            "launch": utc_text(self.launch, "date"), "arrival": utc_text(self.arrival, "date"),
            "launch_utc": utc_text(self.launch, "minute"), "arrival_utc": utc_text(self.arrival, "minute"),
            "tof_days": self.tof_days, "c3": self.c3, "vinf_departure": self.vinf_departure,
            "vinf_arrival": self.vinf_arrival, "dla_deg": self.dla_deg, "rla_deg": self.rla_deg,
            "transfer_angle_deg": self.transfer_angle_deg,
        }

    def summary(self) -> list[tuple[str, str]]:
        return [("opportunity", str(self.opportunity)), ("type", self.transfer_type),
                ("criterion", self.criterion), ("launch", utc_text(self.launch, "date")), ("c3", f"{self.c3:.2f}")]


@dataclass(frozen=True)
class Windows(Result):
    """Every launch opportunity in a span: its best transfers, as the mission design handbooks tabulate.

    Attributes
    ----------
    origin, destination, ephemeris : str
    step_days : float
        The search grid's step (results are refined below it).
    transfers : tuple of BestTransfer
        By opportunity, then type and criterion.
    """

    origin: str
    destination: str
    ephemeris: str
    step_days: float
    transfers: tuple

    @property
    def table(self):
        """The transfers as a pandas DataFrame (``launch`` and ``arrival`` as UTC timestamps)."""
        import pandas as pd

        rows = [t.to_dict() for t in self.transfers]
        for r, t in zip(rows, self.transfers):
            r["launch"], r["arrival"] = pd.Timestamp(t.launch), pd.Timestamp(t.arrival)
            del r["launch_utc"], r["arrival_utc"]
        return pd.DataFrame.from_records(rows)

    def to_dict(self) -> list:
        """One record per transfer: the list ``sojourn windows --json`` prints."""
        return [t.to_dict() for t in self.transfers]

    def summary(self) -> list[tuple[str, str]]:
        years = sorted({t.opportunity for t in self.transfers})
        return [("route", f"{self.origin} → {self.destination}"), ("opportunities", str(len(years))),
                ("first", str(years[0]) if years else "—"), ("last", str(years[-1]) if years else "—")]

    def _repr_html_(self) -> str:
        return self.table._repr_html_()


def windows(origin, destination, start, end, *, step_days=2.0, c3_max=None, ephemeris=None,
            progress=None) -> Windows:
    """The best transfers of every launch opportunity in a span of years.

    Parameters
    ----------
    origin, destination : str
        Departure and arrival bodies; handbooks depart from ``"emb"``.
    start, end : str or int
        Span of launch dates: years (``2026``, ``2045``: 2026-01-01 up to the
        end of 2045) or UTC ISO dates.
    ephemeris : Ephemeris or str, optional
        Default DE421.
    step_days : float
        Step of the search grid in launch date and time of flight, days. Every
        reported transfer is refined below it.
    c3_max : float, optional
        Ignore transfers with a launch C3 above this, km^2/s^2.
    progress : callable, optional
        ``progress(done, total, label)`` as work proceeds (:mod:`sojourn.progress`).

    Returns
    -------
    Windows
        One :class:`BestTransfer` per opportunity, transfer type and criterion;
        an opportunity is named by the year its launch period opens
        (:data:`LAUNCH_PERIOD_C3_MARGIN`), and the span holds those that open in it.

    Raises
    ------
    InputError, EphemerisRangeError, NoSolutionError
        A bad span or step, a span outside the ephemeris, or no opportunity.

    Examples
    --------
    >>> import sojourn as sj
    >>> w = sj.windows("emb", "mars", 2026, 2026)
    >>> sorted({t.transfer_type for t in w.transfers})
    ['I', 'II']
    """
    from sojourn.ephemeris import resolve_ephemeris

    dep, arr = checks.transfer_bodies(origin, destination)
    step = checks.step_days(step_days)
    c3_max = checks.c3_cap(c3_max)
    eph = resolve_ephemeris(ephemeris)
    t_start, t_end = _span_in(eph, dep, start, end)

    search = _search_grid(eph, dep, arr, t_start, t_end, step, c3_max, progress)
    records = []
    for slot in search.slots:
        records.extend(_opportunity(eph, dep, arr, search, slot, c3_max))
    if not records:
        raise NoSolutionError(
            f"no {dep.name} to {arr.name} opportunity opens in the span",
            f"{tdb_to_utc_iso(t_start)} to {tdb_to_utc_iso(t_end)}",
        )
    return Windows(dep.name, arr.name, eph.name, step, tuple(BestTransfer(**r) for r in records))


def _span_in(eph, dep, start, end) -> tuple[float, float]:
    """The span of launch dates; a bare year as ``end`` stops where the ephemeris does.

    ``--end 2053`` with DE421 (which ends 2053-10-09) searches to its end; an
    explicit date past it, or a span that starts past it, is an error.
    """
    t_start, t_end = year_span(start, end)
    text = str(end).strip()
    if text.isdigit() and len(text) == 4:
        t_end = min(t_end, eph.coverage(dep)[1])
    if not t_end > t_start:
        eph.check_range(dep, t_start, t_start, "start")
    eph.check_range(dep, t_start, t_end, "end")
    return t_start, t_end


@dataclass(frozen=True)
class Slot:
    """One launch opportunity: launch dates within half a synodic period of its least C3.

    Attributes
    ----------
    centre : float
        Launch epoch of the least C3 on the search grid, TDB s past J2000.
    start, end : float
        Launch epochs bounding the opportunity, TDB s.
    rows : slice
        The opportunity's rows of the search grid.
    opens : float
        First launch epoch of its launch period on the grid (:data:`LAUNCH_PERIOD_C3_MARGIN`), TDB s.
    """

    centre: float
    start: float
    end: float
    rows: slice
    opens: float = math.nan

    @property
    def year(self) -> int:
        """The opportunity's name: the calendar year (UTC) in which its launch period opens."""
        return int(tdb_to_utc_iso(self.opens if math.isfinite(self.opens) else self.centre)[:4])


@dataclass
class _Search:
    launches: np.ndarray
    tofs: np.ndarray
    grid: dict
    slots: list


def _search_grid(eph, dep, arr, t_start, t_end, step, c3_max, progress) -> _Search:
    """The (launch, time of flight) grid over a span and the opportunities in it."""
    a1, p1 = _mean_orbit(eph, dep, t_start)
    a2, p2 = _mean_orbit(eph, arr, t_start)
    synodic = 1.0 / abs(1.0 / p1 - 1.0 / p2)
    hohmann = math.pi * math.sqrt(((a1 + a2) / 2.0) ** 3 / GM_SUN)
    tofs = np.arange(0.3 * hohmann, 2.0 * hohmann, step * DAY)

    # Launch dates: the span, widened by half a synodic period so that an
    # opportunity near an end is seen whole, but kept inside the ephemeris;
    # near its end, the transfers arriving after it are left out cell by cell.
    dep_cov, arr_cov = eph.coverage(dep), eph.coverage(arr)
    scan0 = max(t_start - 0.5 * synodic, dep_cov[0])
    scan1 = min(t_end + 0.5 * synodic, dep_cov[1], arr_cov[1] - tofs[0])

    checks.grid_cells((scan1 - scan0) / (step * DAY) * tofs.size)
    launches = np.arange(scan0, scan1, step * DAY)
    if launches.size < 3:
        raise InputError("span too short to search for opportunities", "end")
    grid = _scan(eph, dep, arr, launches, tofs, c3_max, progress)

    min_c3 = np.nanmin(np.where(grid["ok"], grid["c3"], np.inf), axis=1)
    finite = np.isfinite(min_c3)
    if not finite.any():
        return _Search(launches, tofs, grid, [])
    filled = np.where(finite, min_c3, min_c3[finite].max())
    spread = np.percentile(filled, 90) - filled.min()
    centres = _find_peaks(-filled, max(1, int(0.6 * synodic / (step * DAY))), 0.2 * spread)
    half = int(0.5 * synodic / (step * DAY))
    slots = []
    for c in centres:
        rows = slice(max(0, c - half), min(launches.size, c + half + 1))
        opens = _opening(min_c3, c, rows.start)
        if t_start <= launches[opens] < t_end:
            slots.append(Slot(float(launches[c]), float(launches[rows][0]), float(launches[rows][-1]), rows,
                              float(launches[opens])))
    return _Search(launches, tofs, grid, slots)


def _find_peaks(x: np.ndarray, distance: int, prominence: float) -> np.ndarray:
    """Peaks of a series, as ``scipy.signal.find_peaks(x, distance=distance, prominence=prominence)[0]``.

    The same three steps as scipy's, without importing ``scipy.signal`` (most
    of a second): local maxima (the middle of a flat top, rounded down, and
    never at either end), then from the highest down each peak drops its lower
    neighbours closer than ``distance`` samples, then the peaks that stand less
    than ``prominence`` above the higher of their two bases go.

    Parameters
    ----------
    x : ndarray, shape (n,)
        The series, without NaN.
    distance : int
        Least spacing of two peaks, samples (>= 1).
    prominence : float
        Least prominence of a peak, in the unit of ``x``.

    Returns
    -------
    ndarray of int
        Indices of the peaks, increasing.
    """
    steps = np.flatnonzero(np.diff(x))  # x[i + 1] != x[i] exactly at these i
    rising = np.diff(x)[steps] > 0.0
    top = np.flatnonzero(rising[:-1] & ~rising[1:])  # a rise, flat or not, then a fall
    peaks = (steps[top] + 1 + steps[top + 1]) // 2
    keep = np.ones(peaks.size, dtype=bool)
    for j in np.argsort(x[peaks])[::-1]:  # the highest first
        if keep[j]:
            near = np.abs(peaks - peaks[j]) < distance
            keep[near] = False
            keep[j] = True
    peaks = peaks[keep]
    proms = np.empty(peaks.size)
    for n, p in enumerate(peaks):  # down each side to the first sample above the peak
        above = np.flatnonzero(x[:p] > x[p])
        left = x[(above[-1] + 1 if above.size else 0):p + 1].min()
        above = np.flatnonzero(x[p + 1:] > x[p])
        right = x[p:(p + 1 + above[0] if above.size else x.size)].min()
        proms[n] = x[p] - max(left, right)
    return peaks[proms >= prominence]


def _opening(min_c3: np.ndarray, centre: int, first: int) -> int:
    """Row where the launch period around ``centre`` opens: the earliest row, going back without a break, whose
    least C3 is within :data:`LAUNCH_PERIOD_C3_MARGIN` of the centre's."""
    limit = min_c3[centre] + LAUNCH_PERIOD_C3_MARGIN
    i = centre
    while i > first and min_c3[i - 1] <= limit:
        i -= 1
    return i


def opportunity_slots(origin, destination, start, end, *, ephemeris=None, step_days=2.0,
                      progress=None) -> list[Slot]:
    """The launch opportunities whose launch period opens in a span.

    Parameters are those of :func:`windows`.

    Returns
    -------
    list of Slot
        In launch order; each spans one synodic period of launch dates.
    """
    from sojourn.ephemeris import resolve_ephemeris

    eph = resolve_ephemeris(ephemeris)
    dep, arr = checks.transfer_bodies(origin, destination)
    t_start, t_end = _span_in(eph, dep, start, end) if not isinstance(start, float) else (start, end)
    eph.check_range(dep, t_start, t_end, "end")
    return _search_grid(eph, dep, arr, t_start, t_end, checks.step_days(step_days), None, progress).slots


def _scan(eph, dep, arr, launches, tofs, c3_max, progress) -> dict:
    """Transfers on the (launch, time of flight) grid, shape (N, K) per field."""
    from sojourn.core.transfer_grid import transfer_pairs
    from sojourn.progress import reporting
    from sojourn.transfer.ballistic import transfer_angle_deg

    n, k = launches.size, tofs.size
    out = {name: np.empty((n, k)) for name in ("c3", "vinf_arrival")}
    out["type_ii"] = np.empty((n, k), dtype=bool)
    out["ok"] = np.empty((n, k), dtype=bool)
    r1, v1 = eph.state(dep, launches)
    arr_end = eph.coverage(arr)[1]
    rows = max(1, 200_000 // k)
    with reporting(progress, n * k, "opportunity search") as advance:
        for i in range(0, n, rows):
            sl = slice(i, min(n, i + rows))
            t1 = np.repeat(launches[sl], k)
            t2 = (launches[sl, None] + tofs[None, :]).ravel()
            inside = t2 <= arr_end  # arrivals after the ephemeris ends are not candidates
            # launch + time of flight repeats along each anti-diagonal of the grid: the states of the few
            # distinct arrival epochs, spread over the cells (the same numbers, a fraction of the work)
            epochs, cell = np.unique(np.minimum(t2, arr_end), return_inverse=True)
            r2, v2 = eph.state(arr, epochs)
            r2, v2 = r2[cell], v2[cell]
            c3, _, va, _, _, t_ii, status = transfer_pairs(
                GM_SUN, np.repeat(r1[sl], k, axis=0), np.repeat(v1[sl], k, axis=0), t1, r2, v2, t2,
                asymptote=False)
            shape = (sl.stop - sl.start, k)
            angle = transfer_angle_deg(r1[sl, None, :], v1[sl, None, :], r2.reshape(shape + (3,))).ravel()
            ok = inside & (status == 0) & (np.abs(angle - 180.0) > RIDGE_DEG)
            if c3_max is not None:
                ok &= c3 <= c3_max
            out["c3"][sl] = c3.reshape(shape)
            out["vinf_arrival"][sl] = va.reshape(shape)
            out["type_ii"][sl] = t_ii.reshape(shape)
            out["ok"][sl] = ok.reshape(shape)
            advance(shape[0] * k)
    return out


def _opportunity(eph, dep, arr, search, slot, c3_max) -> list[dict]:
    """Refined best transfers of each type and criterion within one opportunity."""
    launches = search.launches[slot.rows]
    found = []
    for ttype, is_ii in (("I", False), ("II", True)):
        mask = search.grid["ok"][slot.rows] & (search.grid["type_ii"][slot.rows] == is_ii)
        if not mask.any():
            continue
        for criterion, field in _FIELDS.items():
            values = np.where(mask, search.grid[field][slot.rows], np.inf)
            i, j = np.unravel_index(np.argmin(values), values.shape)
            t_launch, t_arrival = _refine(eph, dep, arr, launches[i], search.tofs[j], field, is_ii,
                                          c3_max, (slot.start, slot.end))
            found.append(_record(eph, dep, arr, t_launch, t_arrival, ttype, criterion))
    return [{"opportunity": slot.year, **r} for r in found]


def _refine(eph, dep, arr, t_launch, tof, field, is_ii, c3_max, launch_span):
    """Nelder-Mead on (launch, time of flight) in days from a grid cell; stays within type and span."""
    from scipy.optimize import minimize

    from sojourn.transfer.ballistic import transfers

    (dep0, dep1), (arr0, arr1) = eph.coverage(dep), eph.coverage(arr)

    def cost(p):
        t1 = t_launch + p[0] * DAY
        t2 = t1 + tof + p[1] * DAY
        if not (launch_span[0] - DAY <= t1 <= launch_span[1] + DAY) or t2 <= t1:
            return _PENALTY
        if not (dep0 <= t1 <= dep1 and arr0 <= t2 <= arr1):  # outside the ephemeris: not a candidate, and
            return _PENALTY  # cheaper to see here than through the error's message
        try:
            res = transfers(dep, arr, t1, t2, ephemeris=eph)
        except EphemerisRangeError:  # outside the ephemeris: not a candidate
            return _PENALTY
        if res["status"][0] != 0 or bool(res["type_ii"][0]) != is_ii:
            return _PENALTY
        if abs(res["transfer_angle_deg"][0] - 180.0) <= RIDGE_DEG:
            return _PENALTY
        if c3_max is not None and res["c3"][0] > c3_max:
            return _PENALTY
        return float(res[field][0])

    result = minimize(cost, [0.0, 0.0], method="Nelder-Mead",
                      options={"xatol": 1e-4, "fatol": 1e-10, "initial_simplex": [[0, 0], [1, 0], [0, 1]],
                               "maxiter": 2000})
    p = result.x if result.fun < cost([0.0, 0.0]) else (0.0, 0.0)
    t1 = t_launch + p[0] * DAY
    return t1, t1 + tof + p[1] * DAY


def _record(eph, dep, arr, t_launch, t_arrival, ttype, criterion) -> dict:
    from sojourn.transfer.ballistic import transfers

    res = transfers(dep, arr, t_launch, t_arrival, ephemeris=eph)
    return {
        "transfer_type": ttype,
        "criterion": criterion,
        "t_launch": float(t_launch),
        "t_arrival": float(t_arrival),
        "tof_days": float(res["tof_days"][0]),
        "c3": float(res["c3"][0]),
        "vinf_departure": float(res["vinf_departure"][0]),
        "vinf_arrival": float(res["vinf_arrival"][0]),
        "dla_deg": float(res["dla_deg"][0]),
        "rla_deg": float(res["rla_deg"][0]),
        "transfer_angle_deg": float(res["transfer_angle_deg"][0]),
    }
