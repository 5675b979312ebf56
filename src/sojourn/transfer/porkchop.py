"""Porkchop grids: every launch date against every arrival date, from the ephemeris.

A porkchop is an :class:`xarray.Dataset` over (launch, arrival) holding what a
mission design handbook tabulates for each ballistic transfer: time of flight,
launch C3, departure and arrival v-infinity, the declination and right
ascension of the departure asymptote, the transfer type and a status.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sojourn import checks
from sojourn.bodies import GM_SUN
from sojourn.errors import InputError
from sojourn.time import DAY, tdb_to_datetime64, tdb_to_utc_iso, utc_steps
from sojourn.transfer.opportunities import RIDGE_DEG

_CELLS_PER_CHUNK = 250_000
"""Cells solved per kernel call: bounds scratch memory and paces the progress bar."""

CRITERIA = ("min_c3", "min_vinf")
"""The ways a best transfer is chosen: least launch C3, least arrival v-infinity."""


@dataclass(frozen=True)
class Window:
    """A span of epochs, TDB seconds past J2000."""

    start: float
    end: float

    @classmethod
    def parse(cls, value, where: str) -> "Window":
        """A window from ``"START:END"`` or a (start, end) pair (:func:`sojourn.checks.window`)."""
        return cls(*checks.window(value, where))

    def epochs(self, step_days: float) -> np.ndarray:
        """Epochs from start to end (inclusive when it falls on the step), s."""
        n = int(math.floor((self.end - self.start) / (step_days * DAY) + 1e-6)) + 1
        return utc_steps(self.start, step_days, n)


def porkchop(origin, destination, launch, arrive, step_days=1.0, *, ephemeris=None, progress=None, c3_max=None):
    """Ballistic transfers for every launch and arrival date on a grid.

    Parameters
    ----------
    origin, destination : str
        Departure and arrival bodies (e.g. ``"earth"``, ``"emb"``, ``"mars"``).
        Departing from ``"earth"`` uses the geocentre; handbooks use the
        Earth-Moon barycentre (``"emb"``), which changes C3 by up to about 1 %.
    launch, arrive : str or (start, end)
        Launch and arrival windows as ``"2026-09-01:2027-01-15"``, or pairs of
        UTC ISO strings, datetimes (naive = UTC), numpy datetime64 values or TDB
        seconds past J2000.
    step_days : float
        Grid step in both directions, days.
    ephemeris : Ephemeris or str, optional
        An :class:`~sojourn.ephemeris.Ephemeris` or the path of an SPK file;
        default DE421.
    progress : callable, optional
        ``progress(done, total, label)`` as work proceeds (:mod:`sojourn.progress`).
    c3_max : float, optional
        The best cells of each launch date (``row_best_*``) only among launch C3 at
        most this, km^2/s^2: :func:`best_transfers` with the same cap reads them;
        another cap costs it a pass over the grid.

    Returns
    -------
    xarray.Dataset
        Dimensions ``launch`` and ``arrival`` (UTC ``datetime64[ms]``
        coordinates, with TDB seconds in ``launch_tdb`` and ``arrival_tdb``).
        Variables ``tof_days``, ``c3_launch`` (km^2/s^2), ``vinf_departure`` and
        ``vinf_arrival`` (km/s), ``dla_deg`` and ``rla_deg`` (ICRF, degrees),
        ``transfer_type`` ("I", "II", or "" without a solution), ``status``
        (:mod:`sojourn.core.status`), NaN where there is no solution; ``ridge``
        (True where a transfer is solved within :data:`RIDGE_DEG` of a
        180-degree transfer angle: never a best transfer) and, over ``launch``,
        ``row_best_I_min_c3``, ``row_best_I_min_vinf``, ``row_best_II_min_c3`` and
        ``row_best_II_min_vinf``: each launch date's best arrival index (-1: none).
        Every variable is (a view of) the compiled kernel's own array.

    Raises
    ------
    InputError
        A malformed or empty window, a step that is not positive, an unknown
        body or two bodies that cannot be the ends of a transfer
        (:func:`sojourn.checks.transfer_bodies`), a grid too large for memory.
    EphemerisRangeError
        A window outside the ephemeris.
    """
    eph, dep, arr, t_dep, t_arr, cap, attrs = _setup(origin, destination, launch, arrive, step_days, ephemeris, c3_max)
    g = _solve(eph, dep, arr, t_dep, t_arr, cap, progress)
    return _dataset(g, t_dep, t_arr, cap, attrs)


def _setup(origin, destination, launch, arrive, step_days, ephemeris, c3_max):
    """Check a porkchop's arguments; its ephemeris, bodies, epochs (TDB s), C3 cap and attributes."""
    from sojourn.ephemeris import resolve_ephemeris

    dep, arr = checks.transfer_bodies(origin, destination)
    step = checks.step_days(step_days)
    cap = checks.c3_cap(c3_max)
    w_launch = Window.parse(launch, "launch")
    w_arrival = Window.parse(arrive, "arrive")
    if w_arrival.end <= w_launch.start:
        raise InputError("arrival window ends before the launch window opens", "arrive")
    eph = resolve_ephemeris(ephemeris)
    eph.check_range(dep, w_launch.start, w_launch.end, "launch")
    eph.check_range(arr, w_arrival.start, w_arrival.end, "arrive")
    checks.grid_cells(((w_launch.end - w_launch.start) / (step * DAY) + 1)
                      * ((w_arrival.end - w_arrival.start) / (step * DAY) + 1))
    attrs = {
        "from_body": dep.name,
        "to_body": arr.name,
        "center": "sun",
        "frame": "ICRF",
        "departure_point": "Earth-Moon barycentre" if dep.name == "earth-moon-barycenter" else f"{dep.name} centre",
        "ephemeris": eph.name,
        "mu_sun_km3s2": GM_SUN,
        "step_days": step,
        "model": "ballistic zero-revolution Lambert transfers (Izzo 2015), patched conics",
    }
    return eph, dep, arr, w_launch.epochs(step), w_arrival.epochs(step), cap, attrs


def _solve(eph, dep, arr, t_dep, t_arr, c3_max, progress, keep=True):
    """The kernel over the grid, rows at a time.

    Returns the whole :class:`~sojourn.core.transfer_grid.Grid`, or with
    ``keep=False`` only each launch row's best cells (:class:`_RowBests`), the
    rows solved into one reused block of scratch memory.
    """
    from sojourn.core.transfer_grid import Grid, fill_grid
    from sojourn.progress import reporting

    r_dep, v_dep = eph.state(dep, t_dep)
    r_arr, v_arr = eph.state(arr, t_arr)
    n, m = t_dep.size, t_arr.size
    rows = max(1, _CELLS_PER_CHUNK // max(m, 1))
    g = Grid.empty(n, m) if keep else Grid.empty(min(rows, n), m)
    tally = None if keep else _RowBests(n)
    with reporting(progress, n * m, "porkchop cells") as advance:
        for i in range(0, n, rows):
            sl = slice(i, min(i + rows, n))
            out = g.rows(sl) if keep else g.rows(slice(0, sl.stop - sl.start))
            fill_grid(GM_SUN, r_dep[sl], v_dep[sl], t_dep[sl], r_arr, v_arr, t_arr, out,
                      degrees=True, ridge_deg=RIDGE_DEG, c3_cap=c3_max)
            if tally is not None:
                tally.add(sl, out)
            advance((sl.stop - sl.start) * m)
    return g if keep else tally


class _RowBests:
    """Each launch row's best cells (of :data:`~sojourn.core.transfer_grid.BEST`) with their values, and counts."""

    FIELDS = ("tof_days", "c3", "vinf_dep", "vinf_arr", "dla", "rla", "transfer_type")

    def __init__(self, n: int):
        from sojourn.core.transfer_grid import BEST

        self.cols = np.full((n, len(BEST)), -1, dtype=np.int64)
        self.values = {f: np.full((n, len(BEST)), np.nan) for f in self.FIELDS[:-1]}
        self.values["transfer_type"] = np.full((n, len(BEST)), "", dtype="<U2")
        self.solved = self.ridge = 0

    def add(self, sl: slice, out) -> None:
        """Take the rows ``sl`` of the grid from ``out``, the kernel's block for them."""
        self.solved += int(np.count_nonzero(out.status == 0))
        self.ridge += int(np.count_nonzero(out.ridge))
        self.cols[sl] = out.best
        r, k = np.nonzero(out.best >= 0)
        c = out.best[r, k]
        for f in self.FIELDS:
            self.values[f][sl][r, k] = getattr(out, f)[r, c]


def _dataset(g, t_dep, t_arr, c3_max, attrs):
    """The Dataset on the kernel's arrays (no copies)."""
    import xarray as xr

    from sojourn.core.transfer_grid import BEST

    dims = ("launch", "arrival")
    variables = {
        "tof_days": (dims, g.tof_days, {"units": "day", "long_name": "time of flight"}),
        "c3_launch": (dims, g.c3, {"units": "km2 s-2", "long_name": "launch C3"}),
        "vinf_departure": (dims, g.vinf_dep, {"units": "km s-1", "long_name": "departure v-infinity"}),
        "vinf_arrival": (dims, g.vinf_arr, {"units": "km s-1", "long_name": "arrival v-infinity"}),
        "dla_deg": (dims, g.dla, {"units": "degree", "long_name": "declination of the launch asymptote (ICRF)"}),
        "rla_deg": (dims, g.rla, {"units": "degree", "long_name": "right ascension of the launch asymptote (ICRF)"}),
        "transfer_type": (dims, g.transfer_type, {"long_name": "I below 180 deg of transfer angle, II above"}),
        "status": (dims, g.status, {"long_name": "0 ok, 1 no solution, 2 not converged"}),
        "ridge": (dims, g.ridge, {"long_name": f"solved within {RIDGE_DEG:g} deg of a 180 deg transfer angle: "
                                               "never a best transfer"}),
    }
    for k, label in enumerate(BEST):  # views of the kernel's (launch, 4) array
        variables[_row_best_name(label)] = ("launch", g.best[:, k], {
            "long_name": f"arrival index of the launch date's best type {label} transfer (-1: none), "
                         "off the ridge and within row_best_c3_max"})
    coords = {
        "launch": ("launch", tdb_to_datetime64(t_dep), {"long_name": "launch date (UTC)"}),
        "arrival": ("arrival", tdb_to_datetime64(t_arr), {"long_name": "arrival date (UTC)"}),
        "launch_tdb": ("launch", t_dep, {"units": "s", "long_name": "launch, TDB seconds past J2000"}),
        "arrival_tdb": ("arrival", t_arr, {"units": "s", "long_name": "arrival, TDB seconds past J2000"}),
    }
    attrs = {**attrs, "ridge_deg": RIDGE_DEG, "row_best_c3_max": math.inf if c3_max is None else c3_max,
             "row_best_arrivals": [int(t_arr.size), float(t_arr[0]), float(t_arr[-1])]}
    return xr.Dataset(variables, coords=coords, attrs=attrs)


def summary(ds, *args, c3_max: float | None = None, **kwargs) -> dict:
    """What a porkchop holds, as the command line's ``--json`` and the web app give it.

    Either a grid from :func:`porkchop`, or :func:`porkchop`'s own arguments:
    then the grid is solved a block of launch rows at a time into the same
    scratch memory and never kept, and only each row's best cells are (the
    same dict, in the memory of a few rows, without the time of writing a
    whole grid to fresh memory).

    Parameters
    ----------
    ds : xarray.Dataset or str
        A grid from :func:`porkchop`; or the departure body, followed by the
        other arguments of :func:`porkchop` (``destination, launch, arrive,
        step_days=1.0, ephemeris=None, progress=None``).
    c3_max : float, optional
        Best transfers only among cells with launch C3 at most this, km^2/s^2.

    Returns
    -------
    dict
        ``from``, ``to``, ``departure_point``, ``ephemeris``, ``launch_window``
        and ``arrival_window`` (first and last UTC epochs, ``YYYY-MM-DDTHH:MM:SS``),
        ``step_days``, ``cells``, ``solved``, ``ridge_deg`` and ``ridge_cells``
        (solved cells within that many degrees of a 180-degree transfer angle,
        left out of the best transfers) and ``best`` (:func:`best_transfers`).

    Examples
    --------
    >>> import sojourn as sj
    >>> s = sj.porkchop_summary("earth", "mars", "2026-10-01:2026-12-01", "2027-07-01:2027-10-01",
    ...                         step_days=5)
    >>> s["cells"], [r["transfer_type"] for r in s["best"] if r["criterion"] == "min_c3"]
    (247, ['I', 'II'])
    """
    if isinstance(ds, str):  # porkchop's arguments
        return _streamed_summary(ds, *args, c3_max=c3_max, **kwargs)
    if args or kwargs:
        raise TypeError("summary(ds, c3_max=None): a grid takes only its C3 cap")
    c3_max = checks.c3_cap(c3_max)
    t_dep, t_arr = ds["launch_tdb"].values, ds["arrival_tdb"].values
    ridge = int(np.count_nonzero(ds["ridge"].values)) if "ridge" in ds else 0
    return _summary(ds.attrs, t_dep, t_arr, int(ds.status.size), int(np.count_nonzero(ds.status.values == 0)), ridge,
                    best_transfers(ds, c3_max=c3_max))


def _streamed_summary(origin, destination, launch, arrive, step_days=1.0, *, ephemeris=None, progress=None,
                      c3_max=None) -> dict:
    """:func:`summary` of the grid :func:`porkchop` would give, from each launch row's best cells only."""
    from sojourn.core.transfer_grid import BEST

    eph, dep, arr, t_dep, t_arr, cap, attrs = _setup(origin, destination, launch, arrive, step_days, ephemeris, c3_max)
    rows = _solve(eph, dep, arr, t_dep, t_arr, cap, progress, keep=False)
    by = {"min_c3": "c3", "min_vinf": "vinf_arr"}
    records = []
    for k, label in enumerate(BEST):
        criterion = label.split()[1]
        has = rows.cols[:, k] >= 0
        if not has.any():
            continue
        i = int(np.argmin(np.where(has, rows.values[by[criterion]][:, k], np.inf)))
        cell = {f: rows.values[f][i, k] for f in _RowBests.FIELDS}
        records.append(_record(float(t_dep[i]), float(t_arr[rows.cols[i, k]]), cell, criterion))
    return _summary(attrs, t_dep, t_arr, t_dep.size * t_arr.size, rows.solved, rows.ridge, records)


def _summary(attrs: dict, t_dep, t_arr, cells: int, solved: int, ridge_cells: int, best: list) -> dict:
    return {
        "from": attrs["from_body"],
        "to": attrs["to_body"],
        "departure_point": attrs["departure_point"],
        "ephemeris": attrs["ephemeris"],
        "launch_window": tdb_to_utc_iso(t_dep[[0, -1]], "second"),
        "arrival_window": tdb_to_utc_iso(t_arr[[0, -1]], "second"),
        "step_days": attrs["step_days"],
        "cells": cells,
        "solved": solved,
        "ridge_deg": RIDGE_DEG,
        "ridge_cells": ridge_cells,
        "best": best,
    }


def best_transfers(ds, c3_max: float | None = None) -> list[dict]:
    """The best transfer of each type by each criterion, from a porkchop grid.

    Transfers within :data:`RIDGE_DEG` of a 180-degree transfer angle are left
    out (the ``ridge`` cells), as :func:`sojourn.windows` leaves them out: there
    the transfer plane is ill-defined and C3 jumps with the grid step.

    Parameters
    ----------
    ds : xarray.Dataset
        A grid from :func:`porkchop`.
    c3_max : float, optional
        Consider only cells with launch C3 at most this, km^2/s^2.

    Returns
    -------
    list of dict
        One record per (transfer type, criterion) that has any solution, with
        ``criterion``, ``transfer_type``, ``launch`` and ``arrival`` (UTC dates),
        ``launch_utc`` and ``arrival_utc`` (UTC date-times, ``YYYY-MM-DDTHH:MM:SS``),
        ``tof_days``, ``c3``, ``vinf_departure``, ``vinf_arrival``, ``dla_deg``,
        ``rla_deg``.

    Notes
    -----
    A grid straight from :func:`porkchop` (with the same ``c3_max``) holds each
    launch date's best cells from the kernel's pass (``row_best_*``), and the
    best of the grid is found among those; a grid cut along its arrival axis,
    or another cap, is searched cell by cell (the same answer).
    """
    from sojourn.core.transfer_grid import BEST

    c3_max = checks.c3_cap(c3_max)
    rows = _row_best(ds, c3_max)
    fields = {"min_c3": ds["c3_launch"].values, "min_vinf": ds["vinf_arrival"].values}
    records = []
    for k, label in enumerate(BEST):
        _, criterion = label.split()
        values = fields[criterion]
        if rows is not None:
            cols = rows[:, k]
            has = cols >= 0
            if not has.any():
                continue
            i = int(np.argmin(np.where(has, values[np.arange(cols.size), cols], np.inf)))
            j = int(cols[i])
        else:
            mask = _candidates(ds, label.split()[0], c3_max)
            if not mask.any():
                continue
            i, j = np.unravel_index(np.argmin(np.where(mask, values, np.inf)), values.shape)
        records.append(cell_record(ds, i, j, criterion))
    return records


def _row_best_name(label: str) -> str:
    """``"I min_c3"`` -> ``"row_best_I_min_c3"``."""
    return "row_best_" + label.replace(" ", "_")


def _row_best(ds, c3_max):
    """The kernel's per-launch best cells, (launch, 4), when they hold for this Dataset and cap (else None)."""
    from sojourn.core.transfer_grid import BEST

    names = [_row_best_name(label) for label in BEST]
    if any(name not in ds for name in names):
        return None
    if ds.attrs.get("row_best_c3_max") != (math.inf if c3_max is None else c3_max):
        return None
    n, first, last = ds.attrs["row_best_arrivals"]
    t = ds["arrival_tdb"].values
    if t.size != n or t[0] != first or t[-1] != last:  # the arrival axis was cut or reordered
        return None
    return np.stack([ds[name].values for name in names], axis=1)


def _candidates(ds, ttype, c3_max):
    """Cells of one transfer type that may be best: off the ridge, within the cap (a pass over the grid)."""
    mask = ds["transfer_type"].values == ttype
    if "ridge" in ds:
        mask &= ~ds["ridge"].values
    if c3_max is not None:
        mask &= ds["c3_launch"].values <= c3_max
    return mask


def cell_record(ds, i: int, j: int, criterion: str | None = None) -> dict:
    """One grid cell as a plain record (UTC dates and date-times, floats)."""
    names = dict(zip(_RowBests.FIELDS, ("tof_days", "c3_launch", "vinf_departure", "vinf_arrival", "dla_deg",
                                         "rla_deg", "transfer_type")))
    cell = {f: ds[name].values[i, j] for f, name in names.items()}
    return _record(float(ds["launch_tdb"].values[i]), float(ds["arrival_tdb"].values[j]), cell, criterion)


def _record(t_launch: float, t_arrival: float, cell: dict, criterion: str | None) -> dict:
    """A transfer's record from its epochs (TDB s) and the kernel's fields (:attr:`_RowBests.FIELDS`)."""
    record = {
        "transfer_type": str(cell["transfer_type"]),
        "launch": tdb_to_utc_iso(t_launch),
        "arrival": tdb_to_utc_iso(t_arrival),
        "launch_utc": tdb_to_utc_iso(t_launch, "second"),
        "arrival_utc": tdb_to_utc_iso(t_arrival, "second"),
        "tof_days": float(cell["tof_days"]),
        "c3": float(cell["c3"]),
        "vinf_departure": float(cell["vinf_dep"]),
        "vinf_arrival": float(cell["vinf_arr"]),
        "dla_deg": float(cell["dla"]),
        "rla_deg": float(cell["rla"]),
    }
    if criterion is not None:
        record = {"criterion": criterion, **record}
    return record
