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


def porkchop(origin, destination, launch, arrive, step_days=1.0, *, ephemeris=None, progress=None):
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

    Returns
    -------
    xarray.Dataset
        Dimensions ``launch`` and ``arrival`` (UTC ``datetime64[ms]``
        coordinates, with TDB seconds in ``launch_tdb`` and ``arrival_tdb``).
        Variables ``tof_days``, ``c3_launch`` (km^2/s^2), ``vinf_departure`` and
        ``vinf_arrival`` (km/s), ``dla_deg`` and ``rla_deg`` (ICRF, degrees),
        ``transfer_type`` ("I", "II", or "" without a solution) and ``status``
        (:mod:`sojourn.core.status`); NaN where there is no solution.

    Raises
    ------
    InputError
        A malformed or empty window, a step that is not positive, an unknown
        body or two bodies that cannot be the ends of a transfer
        (:func:`sojourn.checks.transfer_bodies`), a grid too large for memory.
    EphemerisRangeError
        A window outside the ephemeris.
    """
    import xarray as xr

    from sojourn.core.transfer_grid import transfer_grid
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.progress import reporting

    dep, arr = checks.transfer_bodies(origin, destination)
    step = checks.step_days(step_days)
    w_launch = Window.parse(launch, "launch")
    w_arrival = Window.parse(arrive, "arrive")
    if w_arrival.end <= w_launch.start:
        raise InputError("arrival window ends before the launch window opens", "arrive")
    eph = resolve_ephemeris(ephemeris)
    eph.check_range(dep, w_launch.start, w_launch.end, "launch")
    eph.check_range(arr, w_arrival.start, w_arrival.end, "arrive")
    checks.grid_cells(((w_launch.end - w_launch.start) / (step * DAY) + 1)
                      * ((w_arrival.end - w_arrival.start) / (step * DAY) + 1))

    t_dep = w_launch.epochs(step)
    t_arr = w_arrival.epochs(step)
    r_dep, v_dep = eph.state(dep, t_dep)
    r_arr, v_arr = eph.state(arr, t_arr)

    n, m = t_dep.size, t_arr.size
    shape = (n, m)
    c3 = np.empty(shape)
    vinf_dep = np.empty(shape)
    vinf_arr = np.empty(shape)
    dla = np.empty(shape)
    rla = np.empty(shape)
    type_ii = np.empty(shape, dtype=bool)
    status = np.empty(shape, dtype=np.int8)
    rows = max(1, _CELLS_PER_CHUNK // max(m, 1))
    with reporting(progress, n * m, "porkchop cells") as advance:
        for i in range(0, n, rows):
            sl = slice(i, min(i + rows, n))
            out = transfer_grid(GM_SUN, r_dep[sl], v_dep[sl], t_dep[sl], r_arr, v_arr, t_arr)
            for dest, part in zip((c3, vinf_dep, vinf_arr, dla, rla, type_ii, status), out):
                dest[sl] = part
            advance((sl.stop - sl.start) * m)

    ok = status == 0
    tof_days = np.where(ok, (t_arr[None, :] - t_dep[:, None]) / DAY, np.nan)
    kind = np.where(ok, np.where(type_ii, "II", "I"), "")
    dims = ("launch", "arrival")
    return xr.Dataset(
        {
            "tof_days": (dims, tof_days, {"units": "day", "long_name": "time of flight"}),
            "c3_launch": (dims, c3, {"units": "km2 s-2", "long_name": "launch C3"}),
            "vinf_departure": (dims, vinf_dep, {"units": "km s-1", "long_name": "departure v-infinity"}),
            "vinf_arrival": (dims, vinf_arr, {"units": "km s-1", "long_name": "arrival v-infinity"}),
            "dla_deg": (dims, np.degrees(dla), {"units": "degree", "long_name": "declination of the launch asymptote (ICRF)"}),
            "rla_deg": (dims, np.degrees(rla), {"units": "degree", "long_name": "right ascension of the launch asymptote (ICRF)"}),
            "transfer_type": (dims, kind, {"long_name": "I below 180 deg of transfer angle, II above"}),
            "status": (dims, status, {"long_name": "0 ok, 1 no solution, 2 not converged"}),
        },
        coords={
            "launch": ("launch", tdb_to_datetime64(t_dep), {"long_name": "launch date (UTC)"}),
            "arrival": ("arrival", tdb_to_datetime64(t_arr), {"long_name": "arrival date (UTC)"}),
            "launch_tdb": ("launch", t_dep, {"units": "s", "long_name": "launch, TDB seconds past J2000"}),
            "arrival_tdb": ("arrival", t_arr, {"units": "s", "long_name": "arrival, TDB seconds past J2000"}),
        },
        attrs={
            "from_body": dep.name,
            "to_body": arr.name,
            "center": "sun",
            "frame": "ICRF",
            "departure_point": "Earth-Moon barycentre" if dep.name == "earth-moon-barycenter" else f"{dep.name} centre",
            "ephemeris": eph.name,
            "mu_sun_km3s2": GM_SUN,
            "step_days": step,
            "model": "ballistic zero-revolution Lambert transfers (Izzo 2015), patched conics",
        },
    )


def summary(ds, c3_max: float | None = None) -> dict:
    """What a porkchop holds, as the command line's ``--json`` and the web app give it.

    Parameters
    ----------
    ds : xarray.Dataset
        A grid from :func:`porkchop`.
    c3_max : float, optional
        Best transfers only among cells with launch C3 at most this, km^2/s^2.

    Returns
    -------
    dict
        ``from``, ``to``, ``departure_point``, ``ephemeris``, ``launch_window``
        and ``arrival_window`` (first and last UTC dates), ``step_days``,
        ``cells``, ``solved`` and ``best`` (:func:`best_transfers`).
    """
    c3_max = checks.c3_cap(c3_max)
    return {
        "from": ds.attrs["from_body"],
        "to": ds.attrs["to_body"],
        "departure_point": ds.attrs["departure_point"],
        "ephemeris": ds.attrs["ephemeris"],
        "launch_window": [str(ds.launch.values[0])[:10], str(ds.launch.values[-1])[:10]],
        "arrival_window": [str(ds.arrival.values[0])[:10], str(ds.arrival.values[-1])[:10]],
        "step_days": ds.attrs["step_days"],
        "cells": int(ds.status.size),
        "solved": int((ds.status.values == 0).sum()),
        "best": best_transfers(ds, c3_max=c3_max),
    }


def best_transfers(ds, c3_max: float | None = None) -> list[dict]:
    """The best transfer of each type by each criterion, from a porkchop grid.

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
        ``transfer_type``, ``criterion``, ``launch`` and ``arrival`` (UTC ISO
        dates), ``tof_days``, ``c3``, ``vinf_departure``, ``vinf_arrival``,
        ``dla_deg``, ``rla_deg``.
    """
    records = []
    c3 = ds["c3_launch"].values
    kind = ds["transfer_type"].values
    for ttype in ("I", "II"):
        mask = kind == ttype
        if c3_max is not None:
            mask &= c3 <= c3_max
        if not mask.any():
            continue
        for criterion, field in (("min_c3", "c3_launch"), ("min_vinf", "vinf_arrival")):
            values = np.where(mask, ds[field].values, np.inf)
            i, j = np.unravel_index(np.argmin(values), values.shape)
            records.append(cell_record(ds, i, j, criterion))
    return records


def cell_record(ds, i: int, j: int, criterion: str | None = None) -> dict:
    """One grid cell as a plain record (UTC ISO dates, floats)."""
    record = {
        "transfer_type": str(ds["transfer_type"].values[i, j]),
        "launch": tdb_to_utc_iso(float(ds["launch_tdb"].values[i])),
        "arrival": tdb_to_utc_iso(float(ds["arrival_tdb"].values[j])),
        "tof_days": float(ds["tof_days"].values[i, j]),
        "c3": float(ds["c3_launch"].values[i, j]),
        "vinf_departure": float(ds["vinf_departure"].values[i, j]),
        "vinf_arrival": float(ds["vinf_arrival"].values[i, j]),
        "dla_deg": float(ds["dla_deg"].values[i, j]),
        "rla_deg": float(ds["rla_deg"].values[i, j]),
    }
    if criterion is not None:
        record = {"criterion": criterion, **record}
    return record
