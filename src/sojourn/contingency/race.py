"""The race: from which launch dates does a rival vessel reach Mars before a planned mission?

Mission A is a scenario planned with :func:`sojourn.plan` (or a plan already
made): its plan fixes its launch and its Mars arrival. Vessel B is another scenario read as a
*capability*: what its vessel can do on the way out. B launches from A's
launch date up to A's arrival; for every launch date the race finds B's
cheapest ballistic transfer that reaches the destination strictly before A
does, and the last launch from which B still wins, refined below the grid step.

B's capability rule
-------------------
A transfer of B is *feasible* when all of these hold (every limit optional,
but B must state at least ``max_c3`` or ``max_total_dv_kms``, or have
``[vessel.electric]``: a low-thrust rival, raced by
:mod:`sojourn.contingency.lowthrust_race` on its engine and propellant):

* ``constraints.max_c3``: launch C3, km^2/s^2;
* ``constraints.max_total_dv_kms``: the two burns that take B to Mars, the
  departure from its ``departure.parking_altitude_km`` circular orbit plus the
  arrival burn of its ``[arrival]`` mode (capture burn, periapsis raise after
  an aerocapture, or nothing for a direct entry), km/s. B's return is not part
  of the race, so the whole budget may be spent getting there;
* ``constraints.min_transit_days`` / ``max_transit_days``: time of flight;
* ``constraints.max_arrival_entry_speed_kms``: entry speed at the destination's
  interface, for ``[arrival] mode = "entry"``.

B's ``[windows]`` are ignored: the race sets B's launch window to
[A launch, A arrival]. Transfers are zero-revolution Lambert arcs (patched
conics) from the origin's centre, as in the mission planner.

Method
------
1. A porkchop of B over the race window (launch step ``step_days``, arrivals on
   the same lattice up to 200 days after A's arrival) through the compiled
   grid kernel, for the plot and to tell "B cannot get to Mars at all" (an
   error) from "B gets there, but never first" (a result).
2. For every launch date at once, arrivals sampled every 0.25 day up to one
   second before A's arrival, then 101 samples across ±0.25 day around the
   cheapest feasible sample, the least-violating sample and the earliest
   feasible sample (0.005-day resolution): B's cheapest winning transfer for
   each date, and the earliest arrival it can reach.
3. Bisection on the launch epoch between the last winning launch date and the
   next, to one minute, with the same test at each step.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from sojourn import checks
from sojourn.bodies import GM_SUN
from sojourn.errors import InputError, NoSolutionError, ScenarioError
from sojourn.results import Result
from sojourn.time import DAY, tdb_to_datetime, tdb_to_utc_iso, utc_steps

__all__ = ["Capability", "RaceResult", "Transfer", "race"]

ARRIVAL_PAD_DAYS = 200.0
"""The porkchop's arrival axis runs this many days past A's arrival, days."""

SAMPLE_DAYS = 0.25
"""First-pass arrival sampling of the per-date search, days."""

FINE_SAMPLES = 101
"""Samples of each second-pass bracket (±:data:`SAMPLE_DAYS`): 0.005-day resolution."""

REFINE_TOLERANCE_S = 60.0
"""Bisection on the last winning launch stops when its bracket is this short, s."""

BEFORE_S = 1.0
"""B must arrive at least this long before A (s): "before" is strict."""


# ---------------------------------------------------------------------------
# what B can do


@dataclass(frozen=True, repr=False)
class Capability(Result):
    """What vessel B can do on the way out, from its scenario's constraints.

    Attributes
    ----------
    name : str
        B's mission name.
    vessel : str or None
        B's vessel name.
    source : str
        B's scenario file.
    max_c3 : float or None
        Launch C3 limit, km^2/s^2.
    max_dv_kms : float or None
        Limit on Earth departure + destination arrival Δv, km/s.
    min_tof_days, max_tof_days : float, float or None
        Transit time limits, days.
    max_entry_speed_kms : float or None
        Entry speed limit at the destination (direct entry only), km/s.
    arrival_mode : str
        ``"propulsive"``, ``"aerocapture"`` or ``"entry"``.
    parking_altitude_km : float
        Departure parking orbit altitude, km.
    electric : dict or None
        B's electric propulsion when it has ``[vessel.electric]`` (then B flies
        low-thrust legs: :mod:`sojourn.contingency.lowthrust_race`).
    """

    name: str
    vessel: Optional[str]
    source: str
    max_c3: Optional[float]
    max_dv_kms: Optional[float]
    min_tof_days: float
    max_tof_days: Optional[float]
    max_entry_speed_kms: Optional[float]
    arrival_mode: str
    parking_altitude_km: float
    electric: Optional[dict] = None

    @classmethod
    def from_scenario(cls, sc) -> "Capability":
        """Read B's capability; refuse a scenario that bounds neither C3 nor Δv.

        Raises
        ------
        ScenarioError
            Neither ``constraints.max_c3`` nor ``constraints.max_total_dv_kms``.
        """
        c = sc.constraints
        electric = getattr(sc.vessel, "electric", None)
        if c.max_c3 is None and c.max_total_dv_kms is None and electric is None:
            raise ScenarioError("a racing vessel needs a capability: give constraints.max_c3 or "
                                "constraints.max_total_dv_kms (its Earth departure + Mars arrival Δv)",
                                f"{sc.source}: constraints")
        return cls(
            name=sc.mission.name,
            vessel=sc.vessel.name if sc.vessel is not None else None,
            source=sc.source,
            max_c3=c.max_c3,
            max_dv_kms=c.max_total_dv_kms,
            min_tof_days=float(c.min_transit_days),
            max_tof_days=c.max_transit_days,
            max_entry_speed_kms=c.max_arrival_entry_speed_kms,
            arrival_mode=sc.arrival.mode,
            parking_altitude_km=sc.departure.parking_altitude_km,
            electric=None if electric is None else electric.model_dump(),
        )

    def limits(self) -> list[tuple[str, str, str, float]]:
        """(key, label, unit, limit) of every upper limit B states, in the order they are checked."""
        out = []
        if self.max_c3 is not None:
            out.append(("max_c3", "launch C3", "km²/s²", self.max_c3))
        if self.max_dv_kms is not None:
            out.append(("max_total_dv_kms", "Earth departure + Mars arrival Δv", "km/s", self.max_dv_kms))
        if self.max_entry_speed_kms is not None:
            out.append(("max_arrival_entry_speed_kms", "Mars entry speed", "km/s", self.max_entry_speed_kms))
        return out

    def to_dict(self) -> dict:
        return {
            "name": self.name, "vessel": self.vessel, "source": self.source,
            "max_c3": self.max_c3, "max_dv_kms": self.max_dv_kms,
            "min_transit_days": self.min_tof_days, "max_transit_days": self.max_tof_days,
            "max_arrival_entry_speed_kms": self.max_entry_speed_kms,
            "arrival_mode": self.arrival_mode, "parking_altitude_km": self.parking_altitude_km,
        } | ({} if self.electric is None else {"electric": dict(self.electric)})

    def summary(self) -> list[tuple[str, str]]:
        return [("name", self.name)] + [(key, f"{limit:g}") for key, _, _, limit in self.limits()]


def _costs(burns, cap: Capability, c3, vinf_arr, ok, dla_deg):
    """Δv of departure and arrival, entry speed, normalised violation (<= 0 feasible; inf unsolved).

    The departure burn includes the plane change B's asymptote needs from its parking orbit (as a plan's
    does); with ``plane_change = "avoid"`` an asymptote out of reach is a violation instead.
    """
    with np.errstate(invalid="ignore"):
        dv_dep, dv_arr, entry = burns.outbound(np.where(ok, c3, np.nan), np.where(ok, vinf_arr, np.nan),
                                               np.where(ok, dla_deg, np.nan))
        values = {"max_c3": c3, "max_total_dv_kms": dv_dep + dv_arr, "max_arrival_entry_speed_kms": entry}
        violation = np.full(np.shape(c3), -np.inf)
        for key, _, _, limit in cap.limits():
            violation = np.maximum(violation, (values[key] - limit) / limit)
        if burns.s.departure.plane_change == "avoid":
            violation = np.maximum(violation, burns.plane_change_deg(dla_deg))
        violation = np.where(ok & ~np.isnan(violation), violation, np.inf)
    return dv_dep, dv_arr, entry, violation


# ---------------------------------------------------------------------------
# results


@dataclass(frozen=True, repr=False)
class Transfer(Result):
    """One transfer of B.

    Attributes
    ----------
    t_launch, t_arrival : float
        TDB seconds past J2000.
    c3 : float
        Launch C3, km^2/s^2.
    vinf_departure, vinf_arrival : float
        Hyperbolic excess speeds, km/s.
    dla_deg : float
        Declination of the departure asymptote (ICRF), degrees.
    dv_departure_kms, dv_arrival_kms : float
        Earth departure and Mars arrival burns, km/s.
    type_ii : bool
        Over 180 degrees of transfer angle.
    margin_days : float
        A's arrival minus B's arrival, days (positive: B first).
    t_earliest_arrival : float or None
        The earliest arrival B could reach instead from this launch, TDB s.
    lowthrust : LowThrustLeg or None
        For a low-thrust B, the minimum-time leg flown (then ``type_ii`` is
        False and the dict's ``transfer_type`` is ``"low-thrust"``).
    """

    t_launch: float
    t_arrival: float
    c3: float
    vinf_departure: float
    vinf_arrival: float
    dla_deg: float
    dv_departure_kms: float
    dv_arrival_kms: float
    type_ii: bool
    margin_days: float
    t_earliest_arrival: Optional[float] = None
    lowthrust: Any = field(default=None, repr=False, compare=False)

    @property
    def launch(self) -> _dt.datetime:
        """Launch, UTC."""
        return tdb_to_datetime(self.t_launch)

    @property
    def arrival(self) -> _dt.datetime:
        """Arrival at the destination, UTC."""
        return tdb_to_datetime(self.t_arrival)

    @property
    def dv_total_kms(self) -> float:
        """Both burns, km/s."""
        return self.dv_departure_kms + self.dv_arrival_kms

    @property
    def tof_days(self) -> float:
        """Time of flight, days."""
        return (self.t_arrival - self.t_launch) / DAY

    @property
    def max_margin_days(self) -> Optional[float]:
        """A's arrival minus B's earliest reachable arrival, days (None when not searched)."""
        if self.t_earliest_arrival is None:
            return None
        return self.margin_days + (self.t_arrival - self.t_earliest_arrival) / DAY

    def to_dict(self, precision: str = "date") -> dict:
        """As JSON; the launch written to ``precision`` (``"date"`` or ``"minute"``)."""
        out = {
            "launch": tdb_to_utc_iso(self.t_launch, precision),
            "arrival": tdb_to_utc_iso(self.t_arrival, "minute"),
            "tof_days": self.tof_days,
            "c3": self.c3,
            "vinf_departure": self.vinf_departure,
            "vinf_arrival": self.vinf_arrival,
            "dla_deg": self.dla_deg,
            "dv_departure_kms": self.dv_departure_kms,
            "dv_arrival_kms": self.dv_arrival_kms,
            "dv_total_kms": self.dv_total_kms,
            "transfer_type": "II" if self.type_ii else "I",
            "margin_days": self.margin_days,
        }
        if self.t_earliest_arrival is not None:
            out["earliest_arrival"] = tdb_to_utc_iso(self.t_earliest_arrival, "minute")
            out["max_margin_days"] = self.max_margin_days
        if self.lowthrust is not None:
            lt = self.lowthrust
            out.update(transfer_type="low-thrust", final_mass_kg=lt.final_mass_kg, propellant_kg=lt.propellant_kg,
                       thrust_dv_kms=lt.delta_v_kms, thrust_arcs=len(lt.thrust_arcs))
        return out

    def summary(self) -> list[tuple[str, str]]:
        return [("launch", tdb_to_utc_iso(self.t_launch, "minute")),
                ("arrival", tdb_to_utc_iso(self.t_arrival, "minute")),
                ("dv_total_kms", f"{self.dv_total_kms:.2f}"), ("margin_days", f"{self.margin_days:.2f}")]


@dataclass(frozen=True, repr=False, eq=False)
class RaceResult(Result):
    """The race of vessel B against mission A.

    Attributes
    ----------
    a_name, a_source : str
        A's mission name and scenario file.
    a_launch, a_arrival : float
        A's launch and destination arrival from its plan, TDB s.
    capability : Capability
        What B can do.
    wins : tuple of Transfer
        For each launch date from which B arrives first, B's cheapest such
        transfer (with the earliest arrival it could reach instead).
    last : Transfer or None
        The refined last winning launch (to :data:`REFINE_TOLERANCE_S`) and
        the transfer that wins from it; None if B never wins.
    grid : xarray.Dataset
        B's porkchop over the race window, dimensions ``launch`` and
        ``arrival`` (UTC ``datetime64`` coordinates, with ``t_launch`` and
        ``t_arrival`` in TDB s alongside): ``c3`` (km²/s²), ``dv_total_kms``
        (B's two burns, km/s; NaN unsolved), ``feasible`` (within B's limits),
        ``status`` (Lambert status, :mod:`sojourn.core.status`).
    ephemeris : str
    step_days : float
        B's launch grid step, days.
    assumptions : tuple of str
    """

    a_name: str
    a_source: str
    a_launch: float
    a_arrival: float
    capability: Capability
    wins: tuple
    last: Optional[Transfer]
    grid: Any
    ephemeris: str
    step_days: float
    assumptions: tuple = ()

    @property
    def launch_tdb(self) -> np.ndarray:
        """B's launch dates (the race grid), TDB s."""
        return self.grid["t_launch"].values

    @property
    def b_can_win(self) -> bool:
        """B reaches the destination first from at least one launch date."""
        return bool(self.wins)

    @property
    def last_winning_date(self) -> Optional[Transfer]:
        """The cheapest winning transfer of the last winning launch date on the grid."""
        return self.wins[-1] if self.wins else None

    @property
    def launch_precision(self) -> str:
        """How launch dates are written: by date on a grid of whole days, to the minute on a finer one."""
        return "date" if self.step_days >= 1.0 else "minute"

    @property
    def table(self):
        """B's cheapest winning transfer of each launch date as a pandas DataFrame.

        One row per winning launch date: ``launch``, ``arrival`` and
        ``earliest_arrival`` (UTC timestamps), ``tof_days``, ``c3`` (km²/s²),
        ``vinf_departure``, ``vinf_arrival`` (km/s), ``dla_deg``,
        ``dv_departure_kms``, ``dv_arrival_kms``, ``dv_total_kms``,
        ``transfer_type``, ``margin_days`` and ``max_margin_days``.
        """
        import pandas as pd

        columns = ["launch", "arrival", "earliest_arrival", "tof_days", "c3", "vinf_departure", "vinf_arrival",
                   "dla_deg", "dv_departure_kms", "dv_arrival_kms", "dv_total_kms", "transfer_type",
                   "margin_days", "max_margin_days"]
        rows = []
        for w in self.wins:
            row = w.to_dict()
            row.update(launch=pd.Timestamp(w.launch), arrival=pd.Timestamp(w.arrival),
                       earliest_arrival=pd.Timestamp(tdb_to_datetime(w.t_earliest_arrival)))
            rows.append(row)
        return pd.DataFrame.from_records(rows, columns=columns)

    def message(self) -> str:
        """One sentence: who wins and until when."""
        b, a = self.capability.name, self.a_name
        t = self.launch_tdb
        if not self.wins:
            return (f"{b} can never reach Mars before {a} (arrival {tdb_to_utc_iso(self.a_arrival, 'minute')}) "
                    f"from any launch between {tdb_to_utc_iso(t[0])} and {tdb_to_utc_iso(t[-1])} within its limits")
        last = self.last
        return (f"{b} beats {a} from {len(self.wins)} launch dates; the last winning launch is "
                f"{tdb_to_utc_iso(last.t_launch, 'minute')} UTC, arriving "
                f"{tdb_to_utc_iso(last.t_arrival, 'minute')}, {span_text(last.margin_days)} before {a}")

    def to_dict(self) -> dict:
        last, grid_last, p = self.last, self.last_winning_date, self.launch_precision
        t = self.launch_tdb
        return {
            "a_name": self.a_name,
            "a_source": self.a_source,
            "a_launch": tdb_to_utc_iso(self.a_launch, "minute"),
            "a_arrival": tdb_to_utc_iso(self.a_arrival, "minute"),
            "b_name": self.capability.name,
            "b_vessel": self.capability.vessel,
            "b": self.capability.to_dict(),
            "launch_window": [tdb_to_utc_iso(t[0], "minute"), tdb_to_utc_iso(t[-1], "minute")],
            "step_days": self.step_days,
            "ephemeris": self.ephemeris,
            "b_can_win": self.b_can_win,
            "message": self.message(),
            "first_winning_launch": tdb_to_utc_iso(self.wins[0].t_launch, p) if self.wins else None,
            "last_winning_launch_date": tdb_to_utc_iso(grid_last.t_launch, p) if grid_last else None,
            "last_winning_date_margin_days": grid_last.margin_days if grid_last else None,
            "last_winning_date_max_margin_days": grid_last.max_margin_days if grid_last else None,
            "last_winning_launch": tdb_to_utc_iso(last.t_launch, "minute") if last else None,
            "last_winning_arrival": tdb_to_utc_iso(last.t_arrival, "minute") if last else None,
            "last_margin_days": last.margin_days if last else None,
            "last_winning_transfer": last.to_dict("minute") if last else None,
            "wins": [w.to_dict(p) for w in self.wins],
            "assumptions": list(self.assumptions),
        }

    def summary(self) -> list[tuple[str, str]]:
        last = self.last
        return [("a", self.a_name), ("b", self.capability.name), ("b_can_win", str(self.b_can_win)),
                ("winning_dates", str(len(self.wins))),
                ("last_winning_launch", tdb_to_utc_iso(last.t_launch, "minute") if last else "—")]

    def _repr_html_(self) -> str:
        import html

        return super()._repr_html_() + f"<p>{html.escape(self.message())}</p>" + (
            self.table._repr_html_() if self.wins else "")


def span_text(days: float) -> str:
    """A margin in words: days, or hours, minutes or seconds when under a day."""
    if days >= 1.0:
        return f"{days:.2f} days"
    seconds = days * DAY
    if seconds >= 3600.0:
        return f"{seconds / 3600.0:.1f} hours"
    if seconds >= 60.0:
        return f"{seconds / 60.0:.0f} minutes"
    return f"{seconds:.0f} s"


# ---------------------------------------------------------------------------
# the search


class _Evaluator:
    """B's transfers for matched (launch, arrival) epochs, and their feasibility."""

    def __init__(self, eph, burns, cap: Capability):
        self.eph, self.burns, self.cap = eph, burns, cap

    def __call__(self, t1, t2) -> dict:
        from sojourn.core.transfer_grid import transfer_pairs

        t1 = np.asarray(t1, dtype=float)
        t2 = np.asarray(t2, dtype=float)
        if t1.size == 0:
            empty = np.empty(0)
            return {"c3": empty, "vinf_dep": empty, "vinf_arr": empty, "dla": empty, "type_ii": np.empty(0, bool),
                    "dv_dep": empty, "dv_arr": empty, "violation": empty}
        u1, inv = np.unique(t1, return_inverse=True)  # few launch epochs, many arrivals
        r1, v1 = self.eph.state(self.burns.earth, u1)
        r2, v2 = self.eph.state(self.burns.mars, t2)
        c3, vd, va, dla, _, t_ii, status = transfer_pairs(GM_SUN, r1[inv], v1[inv], t1, r2, v2, t2)
        dv_dep, dv_arr, _, violation = _costs(self.burns, self.cap, c3, va, status == 0, np.degrees(dla))
        return {"c3": c3, "vinf_dep": vd, "vinf_arr": va, "dla": np.degrees(dla), "type_ii": t_ii,
                "dv_dep": dv_dep, "dv_arr": dv_arr, "violation": violation}


def _arrival_span(cap: Capability, t_launch, deadline):
    """First and last arrival B may aim at from each launch to win, TDB s (lo > hi: none)."""
    lo = t_launch + cap.min_tof_days * DAY
    hi = np.full_like(lo, deadline - BEFORE_S)
    if cap.max_tof_days is not None:
        hi = np.minimum(hi, t_launch + cap.max_tof_days * DAY)
    return lo, hi


def _best_before(evaluate: _Evaluator, t_launch, deadline) -> dict:
    """For each launch epoch: does B have a feasible transfer arriving before ``deadline``?

    Vectorised over launches and arrival samples (see the module notes).

    Returns
    -------
    dict of arrays, shape (n,)
        ``win`` (bool); for winners the cheapest feasible transfer (``t_arrival``,
        ``c3``, ``vinf_dep``, ``vinf_arr``, ``dv_dep``, ``dv_arr``, ``type_ii``)
        and ``t_earliest`` (earliest feasible arrival); ``violation``, the least
        normalised constraint excess found (<= 0 for winners).
    """
    t_launch = np.atleast_1d(np.asarray(t_launch, dtype=float))
    n = t_launch.size
    lo, hi = _arrival_span(evaluate.cap, t_launch, deadline)
    h = SAMPLE_DAYS * DAY
    k = int(math.ceil(max(0.0, float(np.max(hi - lo))) / h)) + 1
    # pass 1: every h from lo, and hi itself
    a1 = lo[:, None] + h * np.arange(k)[None, :]
    a1 = np.concatenate([np.minimum(a1, hi[:, None]), hi[:, None]], axis=1)
    valid1 = (lo <= hi)[:, None] & np.ones_like(a1, dtype=bool)
    row = np.broadcast_to(np.arange(n)[:, None], a1.shape)[valid1]
    arr = a1[valid1]
    if arr.size == 0:  # too late to arrive first within the transit limits, from every launch
        nan = np.full(n, np.nan)
        return {"win": np.zeros(n, bool), "t_arrival": nan, "t_earliest": nan, "violation": np.full(n, np.inf),
                "c3": nan, "vinf_dep": nan, "vinf_arr": nan, "dla": nan, "dv_dep": nan, "dv_arr": nan,
                "type_ii": np.zeros(n, bool)}
    res1 = evaluate(t_launch[row], arr)
    # pass 2: around the cheapest feasible and the least violating samples (± h), and in the
    # step before the earliest feasible sample
    feas = res1["violation"] <= 0.0
    centres = []
    for score, shift, half in ((np.where(feas, res1["dv_dep"] + res1["dv_arr"], np.inf), 0.0, h),
                               (res1["violation"], 0.0, h),
                               (np.where(feas, arr, np.inf), -0.5 * h, 0.5 * h)):
        best = _argmin_by_row(row, score, n)
        has = best >= 0
        centres.append((np.where(has, arr[np.maximum(best, 0)] + shift, np.nan), half, has))
    offsets = np.linspace(-1.0, 1.0, FINE_SAMPLES)
    rows2, arr2 = [], []
    for centre, half, has in centres:
        a2 = np.clip(centre[:, None] + half * offsets[None, :], lo[:, None], hi[:, None])
        ok2 = has[:, None] & np.isfinite(a2)
        rows2.append(np.broadcast_to(np.arange(n)[:, None], a2.shape)[ok2])
        arr2.append(a2[ok2])
    row2, a2 = np.concatenate(rows2), np.concatenate(arr2)
    res2 = evaluate(t_launch[row2], a2)
    # all samples together
    row_all = np.concatenate([row, row2])
    arr_all = np.concatenate([arr, a2])
    res = {key: np.concatenate([res1[key], res2[key]]) for key in res1}
    feas = res["violation"] <= 0.0
    cheapest = _argmin_by_row(row_all, np.where(feas, res["dv_dep"] + res["dv_arr"], np.inf), n)
    earliest = _argmin_by_row(row_all, np.where(feas, arr_all, np.inf), n)
    least = _argmin_by_row(row_all, res["violation"], n)
    win = cheapest >= 0
    pick = np.maximum(cheapest, 0)
    out = {"win": win,
           "t_arrival": np.where(win, arr_all[pick], np.nan),
           "t_earliest": np.where(win, arr_all[np.maximum(earliest, 0)], np.nan),
           "violation": np.where(least >= 0, res["violation"][np.maximum(least, 0)], np.inf)}
    for key in ("c3", "vinf_dep", "vinf_arr", "dla", "dv_dep", "dv_arr"):
        out[key] = np.where(win, res[key][pick], np.nan)
    out["type_ii"] = np.where(win, res["type_ii"][pick], False)
    return out


def _argmin_by_row(row, score, n):
    """Index (into the flat samples) of the least finite ``score`` of each row; -1 where none."""
    out = np.full(n, -1, dtype=np.int64)
    finite = np.isfinite(score)
    if not finite.any():
        return out
    idx = np.flatnonzero(finite)
    order = idx[np.lexsort((score[idx], row[idx]))]
    r = row[order]
    first = np.r_[True, r[1:] != r[:-1]]
    out[r[first]] = order[first]
    return out


def _transfer(best: dict, i: int, t_launch: float, deadline: float) -> Transfer:
    return Transfer(
        t_launch=float(t_launch), t_arrival=float(best["t_arrival"][i]), c3=float(best["c3"][i]),
        vinf_departure=float(best["vinf_dep"][i]), vinf_arrival=float(best["vinf_arr"][i]),
        dla_deg=float(best["dla"][i]),
        dv_departure_kms=float(best["dv_dep"][i]), dv_arrival_kms=float(best["dv_arr"][i]),
        type_ii=bool(best["type_ii"][i]), margin_days=float((deadline - best["t_arrival"][i]) / DAY),
        t_earliest_arrival=float(best["t_earliest"][i]),
    )


def _infeasible(cap: Capability, res: dict, ok, tof_ok, t_first: float, t_last: float) -> NoSolutionError:
    """Name the limit that leaves B no transfer at all (as the mission planner does)."""
    span = (f"from any launch between {tdb_to_utc_iso(t_first)} and {tdb_to_utc_iso(t_last)}")
    if not (ok & tof_ok).any():
        return NoSolutionError(f"{cap.name} has no ballistic transfer to Mars {span} within its transit limits",
                               f"{cap.source}: constraints.min_transit_days")
    feasible = ok & tof_ok
    for key, label, unit, limit in cap.limits():
        values = res[key]
        least = float(np.min(np.where(feasible, values, np.inf)))
        feasible = feasible & (values <= limit)
        if not feasible.any():
            return NoSolutionError(f"{cap.name} cannot reach Mars {span}: no transfer with {label} at most "
                                   f"{limit:g} {unit} (the least is {least:.2f} {unit})",
                                   f"{cap.source}: constraints.{key}")
    return NoSolutionError(f"{cap.name} cannot reach Mars {span}", f"{cap.source}: constraints")


def _rivals(a, b, eph, progress):
    """A's plan and scenario, and B's scenario and capability; refused before planning A when B has
    no capability or the two do not fly between the same bodies."""
    from sojourn.mission.plan import Plan, as_plan, scenario_of

    plan = a if isinstance(a, Plan) else None
    sa = scenario_of(a, "a")
    sb = scenario_of(b, "b")
    cap = Capability.from_scenario(sb)
    if (sa.mission.origin, sa.mission.destination) != (sb.mission.origin, sb.mission.destination):
        raise InputError(f"A flies {sa.mission.origin} → {sa.mission.destination} but B flies "
                         f"{sb.mission.origin} → {sb.mission.destination}: a race needs the same two bodies",
                         f"{sb.source}: mission.destination")
    if plan is None:
        plan = as_plan(sa, ephemeris=eph, where="a", progress=progress)
    return plan, sa, sb, cap


def _race_grid(eph, burns, cap: Capability, sa, a_launch: float, a_arrival: float, step: float):
    """B's porkchop over the race window (step 1 of the module notes).

    Returns
    -------
    (xarray.Dataset, dict)
        The grid of :attr:`RaceResult.grid`, and what :func:`_infeasible` needs
        to name B's binding limit (``values``, ``ok``, ``tof_ok``).
    """
    import xarray as xr

    from sojourn.core.transfer_grid import transfer_grid
    from sojourn.time import tdb_to_datetime64

    n = int(math.floor((a_arrival - a_launch) / (step * DAY) + 1e-6)) + 1
    k0 = int(math.ceil(cap.min_tof_days / step - 1e-9))
    m_end = a_arrival + ARRIVAL_PAD_DAYS * DAY
    m = max(2, int(math.floor((m_end - a_launch) / (step * DAY) + 1e-9)) - k0 + 1)
    checks.grid_cells(n * m)
    lattice = utc_steps(a_launch, step, max(n, k0 + m))  # UTC days from A's launch
    t_launch = lattice[:n]
    t_launch = t_launch[t_launch <= a_arrival]
    t_arr = lattice[k0:k0 + m]
    eph.check_range(burns.earth, t_launch[0], t_launch[-1], f"{sa.source}: A's launch")
    eph.check_range(burns.mars, t_arr[0], t_arr[-1], f"{sa.source}: A's arrival")
    r1, v1 = eph.state(burns.earth, t_launch)
    r2, v2 = eph.state(burns.mars, t_arr)
    c3, _, vinf_arr, dla, _, _, status = transfer_grid(GM_SUN, r1, v1, t_launch, r2, v2, t_arr, asymptote=True)
    ok = status == 0
    dv_dep, dv_arr, entry, violation = _costs(burns, cap, c3, vinf_arr, ok, np.degrees(dla))
    tof = (t_arr[None, :] - t_launch[:, None]) / DAY
    tof_ok = tof >= cap.min_tof_days - 1e-9
    if cap.max_tof_days is not None:
        tof_ok &= tof <= cap.max_tof_days + 1e-9
    dims = ("launch", "arrival")
    grid = xr.Dataset(
        {"c3": (dims, c3, {"units": "km2/s2"}),
         "dv_total_kms": (dims, dv_dep + dv_arr, {"units": "km/s"}),
         "feasible": (dims, (violation <= 0.0) & tof_ok),
         "status": (dims, status)},
        coords={"launch": tdb_to_datetime64(t_launch), "arrival": tdb_to_datetime64(t_arr),
                "t_launch": ("launch", t_launch, {"units": "s TDB past J2000"}),
                "t_arrival": ("arrival", t_arr, {"units": "s TDB past J2000"})})
    values = {"max_c3": c3, "max_total_dv_kms": dv_dep + dv_arr, "max_arrival_entry_speed_kms": entry}
    return grid, {"values": values, "ok": ok, "tof_ok": tof_ok}


def _last_win(evaluate: _Evaluator, best: dict, t_launch, a_arrival: float) -> Optional[Transfer]:
    """The last winning launch, bisected below the grid step (step 3 of the module notes)."""
    wins = np.flatnonzero(best["win"])
    if not wins.size:
        return None
    i = int(wins[-1])
    lo = float(t_launch[i])
    hi = float(t_launch[i + 1]) if i + 1 < t_launch.size else a_arrival
    hi = min(hi, a_arrival - evaluate.cap.min_tof_days * DAY)
    lo_best = {key: val[i:i + 1] for key, val in best.items()}
    while hi - lo > REFINE_TOLERANCE_S:
        mid = 0.5 * (lo + hi)
        trial = _best_before(evaluate, [mid], a_arrival)
        if trial["win"][0]:
            lo, lo_best = mid, trial
        else:
            hi = mid
    return _transfer(lo_best, 0, lo, a_arrival)


def _assumptions(eph, burns, sa, cap: Capability, a_launch: float, a_arrival: float, step: float) -> tuple:
    return (
        f"ephemeris {eph.name}; B flies zero-revolution ballistic Lambert arcs (patched conics) from the "
        f"{burns.earth.name} centre",
        f"A ({sa.mission.name}) arrives {tdb_to_utc_iso(a_arrival, 'minute')} UTC by its plan "
        f"(launch {tdb_to_utc_iso(a_launch, 'minute')})",
        "B's Δv budget pays Earth departure from its parking orbit plus its Mars arrival burn "
        f"({cap.arrival_mode}); B's return is not part of the race",
        f"B's launch window is A's launch to A's arrival, every {step:g} day(s); B must arrive at least "
        f"{BEFORE_S:g} s before A",
        ("B's departure burn includes the plane change its asymptote needs from its "
         f"{burns.s.departure.parking_inclination_deg:g}° parking orbit, as a plan's does"
         + (" (avoided: asymptotes out of reach are not flown)" if burns.s.departure.plane_change == "avoid" else "")
         if burns.s.departure.parking_inclination_deg is not None
         else "the departure asymptote's declination (dla_deg) is reported; B states no parking inclination"),
        f"per launch date, arrivals searched every {SAMPLE_DAYS} d then to {2 * SAMPLE_DAYS / (FINE_SAMPLES - 1):g} d;"
        f" last winning launch bisected to {REFINE_TOLERANCE_S:g} s",
    ) + ((f"B flies straight to {burns.mars.name}: its [outbound] flybys "
          f"({', '.join(burns.s.flybys('outbound'))}) are not raced",) if burns.s.flybys("outbound") else ())


def race(a, b, *, step_days: float = 1.0, ephemeris=None, progress=None) -> RaceResult:
    """Race vessel B against mission A: B's winning launch dates and the last one.

    Parameters
    ----------
    a : Scenario, Plan, str or os.PathLike
        Mission A: a scenario (or the path of its TOML file), planned with
        :func:`sojourn.plan`, or its plan already made.
    b : Scenario, str or os.PathLike
        Vessel B's scenario, read as a capability (see the module notes); a
        vessel with ``[vessel.electric]`` races on low-thrust legs
        (:mod:`sojourn.contingency.lowthrust_race`).
    step_days : float
        B's launch grid step, days (the last winning launch is refined below it).
    ephemeris : Ephemeris or str, optional
        An :class:`~sojourn.ephemeris.Ephemeris` or the path of an SPK file; default DE421.
    progress : callable, optional
        ``progress(done, total, label)`` as work proceeds (:mod:`sojourn.progress`).

    Returns
    -------
    RaceResult
        B's cheapest winning transfer of each launch date (``wins``, and as a
        DataFrame ``table``), the last winning launch to the minute (``last``)
        and B's porkchop over the race window (``grid``). A vessel that never
        wins is a result, not an error.

    Raises
    ------
    ScenarioError
        A missing or invalid scenario, or B without a capability.
    InputError
        A and B do not fly between the same two bodies; a bad step.
    NoSolutionError
        A cannot be planned, or B cannot reach the destination at all from
        the race window (the error names B's binding limit).

    Examples
    --------
    >>> import sojourn as sj
    >>> r = sj.race("examples/ulysses.toml", "examples/us-fast.toml", step_days=10)
    >>> r.b_can_win, r.capability.name
    (True, 'Liberty')
    >>> r.last.t_launch > r.a_launch
    True
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.roundtrip import Burns
    from sojourn.progress import reporting, scaled

    step = checks.step_days(step_days)
    eph = resolve_ephemeris(ephemeris)
    with reporting(progress, 4, "race") as advance:
        plan, sa, sb, cap = _rivals(a, b, eph, scaled(progress, 0.0, 1.0, 4.0))
        a_launch, a_arrival = float(plan.legs[0].t_depart), float(plan.legs[0].t_arrive)
        advance(1)
        if cap.electric is not None:  # a low-thrust rival: estimate, then minimum-time legs
            from sojourn.contingency.lowthrust_race import race_electric

            return race_electric(plan, sa, sb, cap, eph, step, scaled(progress, 1.0, 3.0, 4.0))
        burns = Burns(sb)
        evaluate = _Evaluator(eph, burns, cap)
        grid, diag = _race_grid(eph, burns, cap, sa, a_launch, a_arrival, step)
        t_launch = grid["t_launch"].values
        advance(1)
        best = _best_before(evaluate, t_launch, a_arrival)
        if not grid["feasible"].values.any() and not best["win"].any():
            raise _infeasible(cap, diag["values"], diag["ok"], diag["tof_ok"], t_launch[0], t_launch[-1])
        wins = tuple(_transfer(best, i, t_launch[i], a_arrival) for i in np.flatnonzero(best["win"]))
        advance(1)
        last = _last_win(evaluate, best, t_launch, a_arrival)
        advance(1)
    return RaceResult(
        a_name=sa.mission.name, a_source=sa.source, a_launch=a_launch, a_arrival=a_arrival, capability=cap,
        wins=wins, last=last, grid=grid, ephemeris=eph.name, step_days=step,
        assumptions=_assumptions(eph, burns, sa, cap, a_launch, a_arrival, step),
    )
