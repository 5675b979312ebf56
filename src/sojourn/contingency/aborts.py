"""Aborts: every way home from every day of a transit, and the days with none.

For each sampled day of each transit leg of a :class:`~sojourn.mission.plan.Plan`
the crew abandons the plan with one impulsive burn from the spacecraft's
heliocentric state (:func:`sojourn.mission.trajectory.spacecraft_states`):

Direct return
    A zero-revolution Lambert arc from the craft to the origin (Earth) for every
    return duration on a grid (``min_return_days`` to ``horizon_days`` after the
    abort, ``step_days`` apart): the whole table abort day x return duration is
    one batched Lambert call (:func:`direct_return_table`). The abort burn is
    ``|v_lambert - v_craft|``; the arc is prograde about the craft's own orbit
    normal (retrograde returns, which reverse the heliocentric motion and cost
    tens of km/s, are not searched). Arrival by atmospheric entry must enter
    below the entry-speed limit (see :func:`entry_speed_limit`); a propulsive
    return adds the capture burn into the scenario's Earth orbit to the cost.
    Read from the table: the cheapest return within ``max_return_days`` and the
    fastest return the vessel can afford (Δv <= Δv left).

Mars swing-by
    Where no direct return is affordable, on the outbound leg only (on the
    return leg the craft is leaving Mars): a Lambert arc from the craft to Mars,
    a flyby of Mars at least ``min_flyby_alt_km`` above its equatorial radius,
    and a Lambert arc from Mars to Earth, with flyby and return dates on
    absolute grids (``swingby_step_days`` apart; the plan's own Mars arrival is
    one of the flyby dates). The flyby is powered at periapsis when it must be
    (:func:`sojourn.core.flyby.flyby_one`). The Mars-to-Earth table is shared by every abort
    day and the search over (abort day x flyby date x return date) runs in one
    compiled kernel with a branch-and-bound on a lower bound of the flyby burn.

Swing-by of a planned flyby body
    On a leg that flies by another body (a Venus swing-by), the days before
    that flyby without an affordable direct return search the same way a
    swing-by of that body back to Earth, its flyby dates within
    :data:`VIA_FLYBY_WINDOW_DAYS` of the planned flyby (which is one of them):
    the planned flyby retargeted home. The cheaper swing-by of a day is kept
    (``swingby_body`` names it). Days after the flyby have the direct returns
    of the arc the craft is then on (:func:`sojourn.mission.trajectory.spacecraft_states`
    walks the arcs), and the Δv left drops by any burn the flyby made.

Coverage
    A day is covered when a direct return or a swing-by brings the crew home
    within the Δv left (:func:`dv_left`) and the entry-speed limit, within the
    search horizon. Per leg: the covered days, the fraction and the longest run
    of consecutive uncovered days (:func:`longest_gap`).

Units are km, s, km/s; durations in days where a name says so. Burns are
impulsive and heliocentric (patched conics): an abort made inside a planet's
sphere of influence (the first and last days of a leg) is costed without the
planet's gravity well, which would make it cheaper (Oberth effect).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
from numba import njit, prange

from sojourn import checks
from sojourn.constants import DAY, ENTRY_INTERFACE_ALTITUDE_KM
from sojourn.core.flyby import flyby_one
from sojourn.errors import InputError
from sojourn.results import Result, json_safe
from sojourn.time import tdb_to_utc_iso

__all__ = [
    "DEFAULT_ENTRY_LIMIT_KMS",
    "AbortAnalysis",
    "DirectReturns",
    "LegAborts",
    "abort_analysis",
    "aborts",
    "check_options",
    "direct_return_table",
    "dv_left",
    "entry_speed_limit",
    "longest_gap",
    "uncovered_runs",
]

DEFAULT_ENTRY_LIMIT_KMS = 12.5
"""Entry-speed limit at Earth (km/s, at the entry interface) when a scenario sets none.

The upper end of the 11.5-12.5 km/s quoted for DRA 5.0 direct-entry returns
(NASA/SP-2009-566), as in ``examples/dra5-conjunction.toml``. A plan whose own
return enters faster raises the limit to its own entry speed (the heat shield
is evidently rated for it): see :func:`entry_speed_limit`.
"""

DEFAULT_MAX_RETURN_DAYS = 365.0
DEFAULT_MIN_FLYBY_ALT_KM = 200.0
DEFAULT_MIN_RETURN_DAYS = 30.0
DEFAULT_HORIZON_DAYS = 900.0
DEFAULT_SWINGBY_STEP_DAYS = 2.0
MIN_ARC_DAYS = 1.0
"""Shortest arc from the abort to a Mars flyby, days."""
MAX_STEP_DAYS = 30.0
#: Most (abort day, return duration) cells of one direct-return table (about 300 bytes each).
MAX_DIRECT_CELLS = 10_000_000
SWINGBY_DV_CAP_KMS = 20.0
"""Swing-bys dearer than this (km/s, all burns) are not reported: no crewed vessel carries that much."""
MARS_FLYBY_AFTER_ARRIVAL_DAYS = 120.0
"""Flyby dates searched run from the leg's departure to this long after its planned Mars arrival."""
VIA_FLYBY_WINDOW_DAYS = 60.0
"""A swing-by of a planned flyby body (Venus) is searched with flyby dates this close to the planned one, days."""

_NAN = math.nan
_TOL_KMS = 1e-9  # km/s: "within the budget" tolerance for round-off


# ---------------------------------------------------------------------------
# compiled kernels
# ---------------------------------------------------------------------------


@njit(cache=True, parallel=True)
def _swingby_loop(mu, rp_min, cap, t_abort, t_earth, horizon_s, dv1, vin, ok1, vout, vout2, extra2, ok2,
                  best_total, best_f, best_e, best_dvf, best_rp):
    """Cheapest (abort burn + flyby burn + Earth arrival burn) below ``cap`` per abort row.

    Rows in parallel; flyby dates and return dates (ascending) serially with a
    branch-and-bound: a cell is solved only if the lower bound of its flyby burn
    (at rp_min, where it is least) can beat the row's best so far.
    """
    n, nf = ok1.shape
    ne = ok2.shape[1]
    for i in prange(n):
        best = cap
        bf = -1
        be = -1
        bdv = _NAN
        brp = _NAN
        for f in range(nf):
            if not ok1[i, f]:
                continue
            a = dv1[i, f]
            if a >= best:
                continue
            vix = vin[i, f, 0]
            viy = vin[i, f, 1]
            viz = vin[i, f, 2]
            vi2 = vix * vix + viy * viy + viz * viz
            si = math.sqrt(vi2 + 2.0 * mu / rp_min)
            for e in range(ne):
                if t_earth[e] - t_abort[i] > horizon_s:
                    break
                if not ok2[f, e]:
                    continue
                vo2 = vout2[f, e]
                lb = a + extra2[f, e] + abs(vo2 - vi2) / (math.sqrt(vo2 + 2.0 * mu / rp_min) + si)
                if lb >= best:
                    continue
                dvf, r, good = flyby_one(mu, vix, viy, viz, vout[f, e, 0], vout[f, e, 1], vout[f, e, 2], rp_min)
                if not good:
                    continue
                total = a + extra2[f, e] + dvf
                if total < best:
                    best = total
                    bf = f
                    be = e
                    bdv = dvf
                    brp = r
        best_total[i] = best if bf >= 0 else _NAN
        best_f[i] = bf
        best_e[i] = be
        best_dvf[i] = bdv
        best_rp[i] = brp


# ---------------------------------------------------------------------------
# coverage helpers
# ---------------------------------------------------------------------------


def uncovered_runs(covered) -> np.ndarray:
    """Runs of consecutive ``False`` in a boolean sequence.

    Parameters
    ----------
    covered : array_like of bool, shape (N,)

    Returns
    -------
    ndarray of int, shape (K, 2)
        ``[start, end]`` indices (inclusive) of each run, in order.
    """
    gap = ~np.asarray(covered, dtype=bool)
    edges = np.diff(np.concatenate(([0], gap.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return np.stack([starts, ends], axis=1) if starts.size else np.zeros((0, 2), dtype=np.int64)


def longest_gap(covered) -> tuple[int, int | None, int | None]:
    """The longest run of consecutive uncovered samples (the first, on a tie).

    Parameters
    ----------
    covered : array_like of bool, shape (N,)

    Returns
    -------
    (length, start, end) : (int, int or None, int or None)
        Number of samples in the run and its first and last index (inclusive);
        ``(0, None, None)`` when every sample is covered.
    """
    runs = uncovered_runs(covered)
    if not len(runs):
        return 0, None, None
    lengths = runs[:, 1] - runs[:, 0] + 1
    k = int(np.argmax(lengths))
    return int(lengths[k]), int(runs[k, 0]), int(runs[k, 1])


# ---------------------------------------------------------------------------
# budget and limits
# ---------------------------------------------------------------------------

def dv_left(scenario, plan, leg_index: int, t: float | None = None) -> tuple[float, str]:
    """Δv the vessel still has on a transit leg (constant along it, but for a powered flyby's burn).

    The rule, in order of preference:

    1. With ``[vessel]`` stages: the stages still attached on the leg (those
       with a burn still to come, as in :func:`sojourn.mission.vehicle.fly_burns`)
       with the propellant the plan's budget leaves them, burnt one after the
       other in the order of their next planned burn, each dropped when empty:
       Δv = Σ Isp g0 ln(m_before / m_after) (rocket equation).
    2. Without stages, with ``constraints.max_total_dv_kms``: that limit minus
       the Δv the plan has spent before the leg.
    3. Otherwise: the Δv of the plan's burns still to come (the vessel must
       carry at least that much).

    Parameters
    ----------
    scenario : Scenario
    plan : Plan
    leg_index : {0, 1}
        Outbound or return leg.
    t : float, optional
        The epoch on the leg, TDB s (default its departure): the burns made by
        then (the leg's departure burn, and any flyby burn before ``t``) are spent.

    Returns
    -------
    (dv_kms, rule) : (float, str)
        Δv left, km/s (>= 0), and the rule used, in words.
    """
    from sojourn.core.rocket import stage_dv_capacity

    when = float(plan.legs[leg_index].t_depart if t is None else t)
    names = [b.name for b in plan.burns]
    done = sum(1 for b in plan.burns if b.t <= when + 1e-6)
    dv = {b.name: float(b.dv_kms) for b in plan.burns}
    stages = list(getattr(scenario.vessel, "stages", None) or [])
    if stages:
        used = {s.name: 0.0 for s in stages}
        for b in plan.budget.burns:  # by name: an electric vessel's budget also has its thrust arcs
            if b.name in names[:done] and b.stage in used:
                used[b.stage] += float(b.propellant_kg)
        to_come = names[done:]
        attached = [s for s in stages if any(b in s.burns for b in to_come)]
        attached.sort(key=lambda s: min(to_come.index(b) for b in s.burns if b in to_come))
        total = 0.0
        for k, s in enumerate(attached):
            above = float(scenario.vessel.payload_kg) + sum(
                t.dry_mass_kg + max(0.0, t.propellant_kg - used[t.name]) for t in attached[k + 1:])
            left = max(0.0, s.propellant_kg - used[s.name])
            total += float(stage_dv_capacity(above, s.dry_mass_kg, left, s.isp_s))
        names = ", ".join(s.name for s in attached) or "none"
        return total, (f"vessel: rocket equation on the propellant left in the stages still attached ({names}), "
                       "burnt in the order of their next planned burn")
    limit = scenario.constraints.max_total_dv_kms
    if limit is not None:
        spent = sum(dv[n] for n in names[:done])
        return max(0.0, float(limit) - spent), "constraints.max_total_dv_kms minus the Δv spent before the leg"
    return sum(dv[n] for n in names[done:]), "no vessel or Δv limit: the Δv of the plan's burns still to come"


def entry_speed_limit(scenario, plan) -> tuple[float | None, str]:
    """Earth entry-speed limit for abort returns (km/s at the entry interface).

    ``constraints.max_entry_speed_kms`` when the scenario sets it; otherwise
    :data:`DEFAULT_ENTRY_LIMIT_KMS` (12.5 km/s), raised to the plan's own
    return entry speed if that is faster. None when the scenario returns
    propulsively (the capture burn is costed instead).

    Returns
    -------
    (limit, source) : (float or None, str)
    """
    if scenario.return_.mode != "entry":
        return None, "propulsive return: no entry; the Earth capture burn is added to every return"
    limit = scenario.constraints.max_entry_speed_kms
    if limit is not None:
        return float(limit), "constraints.max_entry_speed_kms"
    nominal = float(plan.legs[1].entry_speed_kms)
    if nominal > DEFAULT_ENTRY_LIMIT_KMS:
        return nominal, (f"the plan's own return entry speed (the scenario sets no limit and the plan "
                         f"enters faster than the {DEFAULT_ENTRY_LIMIT_KMS:g} km/s default)")
    return DEFAULT_ENTRY_LIMIT_KMS, f"default {DEFAULT_ENTRY_LIMIT_KMS:g} km/s (the scenario sets no limit)"


def check_options(step_days=1.0, max_return_days=DEFAULT_MAX_RETURN_DAYS,
                  min_flyby_alt_km=DEFAULT_MIN_FLYBY_ALT_KM, *, min_return_days=DEFAULT_MIN_RETURN_DAYS,
                  horizon_days=DEFAULT_HORIZON_DAYS, swingby_step_days=DEFAULT_SWINGBY_STEP_DAYS) -> dict:
    """The analysis's options as floats, refused (:class:`InputError` naming the parameter) when unusable.

    The step is at most :data:`MAX_STEP_DAYS` (coarser abort days would hide
    the gaps the analysis is for); the longest "cheapest" return lies between
    the shortest return searched and the horizon.

    Returns
    -------
    dict
        ``step_days``, ``max_return_days``, ``min_flyby_alt_km``,
        ``min_return_days``, ``horizon_days``, ``swingby_step_days`` (at least
        ``step_days``).
    """
    step = checks.step_days(step_days, most=MAX_STEP_DAYS)
    lo = checks.positive(min_return_days, "min_return_days", "shortest return", "days")
    hi = checks.number(horizon_days, "horizon_days", "search horizon", "days")
    if not lo < hi:
        raise InputError(f"the search horizon ({hi:g} days) must be beyond the shortest return ({lo:g} days)",
                         "horizon_days")
    longest = checks.in_range(max_return_days, lo, hi, "max_return_days", "longest return", "days")
    alt = checks.non_negative(min_flyby_alt_km, "min_flyby_alt_km", "minimum flyby altitude", "km")
    swing = checks.step_days(swingby_step_days, "swingby_step_days")
    return {"step_days": step, "max_return_days": longest, "min_flyby_alt_km": alt, "min_return_days": lo,
            "horizon_days": hi, "swingby_step_days": max(swing, step)}


# ---------------------------------------------------------------------------
# the direct-return table
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DirectReturns:
    """Direct returns to the origin from a set of abort states: abort x return duration.

    Attributes
    ----------
    t_abort : ndarray, shape (N,)
        Abort epochs, TDB s.
    return_days : ndarray, shape (M,)
        Return durations, days (ascending).
    t_return : ndarray, shape (N, M)
        Arrival epochs at the origin, TDB s.
    v_depart : ndarray, shape (N, M, 3)
        Heliocentric velocity just after the abort burn (the Lambert arc's
        departure velocity), km/s; NaN where not solved.
    dv_kms : ndarray, shape (N, M)
        Abort burn |v_depart - v_craft|, km/s; NaN where not solved.
    vinf_arrival : ndarray, shape (N, M)
        Hyperbolic excess speed at the origin, km/s.
    entry_speed_kms : ndarray, shape (N, M)
        Speed at the entry interface, sqrt(v∞² + 2mu/r_interface), km/s.
    status : ndarray of int8, shape (N, M)
        Lambert status (:mod:`sojourn.core.status`); ``NO_SOLUTION`` also for a
        return beyond the ephemeris.
    """

    t_abort: np.ndarray
    return_days: np.ndarray
    t_return: np.ndarray
    v_depart: np.ndarray
    dv_kms: np.ndarray
    vinf_arrival: np.ndarray
    entry_speed_kms: np.ndarray
    status: np.ndarray

    @property
    def solved(self) -> np.ndarray:
        """True where the Lambert arc was solved."""
        return self.status == 0


def _states_on_grid(eph, body, epochs, t_max):
    """States of ``body`` at ``epochs`` (any shape), evaluated once per distinct epoch up to ``t_max``.

    Returns r, v of shape epochs.shape + (3,) (NaN beyond t_max) and the mask of epochs inside.
    """
    flat = epochs.ravel()
    inside = flat <= t_max
    r = np.full((flat.size, 3), np.nan)
    v = np.full((flat.size, 3), np.nan)
    if inside.any():
        uniq, inv = np.unique(flat[inside], return_inverse=True)
        ru, vu = eph.state(body, uniq)
        r[inside] = ru[inv]
        v[inside] = vu[inv]
    shape = epochs.shape + (3,)
    return r.reshape(shape), v.reshape(shape), inside.reshape(epochs.shape)


def direct_return_table(r_craft, v_craft, t_abort, return_days, *, ephemeris=None, origin="earth",
                        reference=None, r_interface_km=None) -> DirectReturns:
    """Lambert arcs from every abort state to the origin for every return duration, in one batch.

    Parameters
    ----------
    r_craft, v_craft : array_like, shape (N, 3)
        Heliocentric ICRF state of the craft at each abort, km and km/s.
    t_abort : array_like, shape (N,)
        Abort epochs, TDB s.
    return_days : array_like, shape (M,)
        Return durations, days, ascending and positive.
    ephemeris : Ephemeris or str, optional
    origin : str
        The body to return to.
    reference : array_like, shape (3,), optional
        Direction "prograde" means for the Lambert arcs; default the craft's
        orbit normal r x v at the first abort.
    r_interface_km : float, optional
        Entry-interface radius, km; default the origin's radius + 125 km.

    Returns
    -------
    DirectReturns
        Returns arriving after the ephemeris ends are marked ``NO_SOLUTION``.
    """
    from sojourn.bodies import GM_SUN, get_body
    from sojourn.core.lambert import lambert_batch
    from sojourn.core.patched_conics import entry_speed
    from sojourn.core.status import NO_SOLUTION
    from sojourn.ephemeris import resolve_ephemeris

    eph = resolve_ephemeris(ephemeris)
    body = get_body(origin)
    r_craft = np.atleast_2d(np.asarray(r_craft, dtype=np.float64))
    v_craft = np.atleast_2d(np.asarray(v_craft, dtype=np.float64))
    t_abort = np.atleast_1d(np.asarray(t_abort, dtype=np.float64))
    days = np.atleast_1d(np.asarray(return_days, dtype=np.float64))
    n, m = t_abort.size, days.size
    checks.grid_cells(n * m, "step_days", limit=MAX_DIRECT_CELLS)
    if reference is None:
        reference = np.cross(r_craft[0], v_craft[0])
    if r_interface_km is None:
        r_interface_km = body.radius_km + ENTRY_INTERFACE_ALTITUDE_KM
    t_ret = t_abort[:, None] + days[None, :] * DAY
    r_e, v_e, inside = _states_on_grid(eph, body.name, t_ret, eph.coverage(body.name)[1])
    tof = np.where(inside, t_ret - t_abort[:, None], -1.0)  # -1: refused at once by the kernel
    r1 = np.broadcast_to(r_craft[:, None, :], (n, m, 3)).reshape(-1, 3)
    r2 = np.where(inside[..., None], r_e, 1.0).reshape(-1, 3)
    v1, v2, status = lambert_batch(GM_SUN, r1, r2, tof.ravel(), 0, True, True, reference)
    v1 = v1.reshape(n, m, 3)
    status = status.reshape(n, m)
    status[~inside] = NO_SOLUTION
    dv = np.linalg.norm(v1 - v_craft[:, None, :], axis=-1)
    vinf = np.linalg.norm(v2.reshape(n, m, 3) - v_e, axis=-1)
    entry = entry_speed(body.gm_km3s2, vinf, r_interface_km)
    return DirectReturns(t_abort, days, t_ret, v1, dv, vinf, entry, status)


# ---------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------


_PER_DAY = {
    # name: (unit, what) of the per-day variables of LegAborts.table
    "dv_left_kms": ("km/s", "Δv the vessel has on this leg"),
    "cheapest_dv_kms": ("km/s", "cheapest direct return within max_return_days: its cost"),
    "cheapest_days": ("days", "… its duration"),
    "cheapest_entry_speed_kms": ("km/s", "… its Earth entry speed (NaN for a propulsive return)"),
    "cheapest_is_nominal": ("", "… is the plan's own return arc"),
    "fastest_days": ("days", "fastest direct return within the Δv left: its duration"),
    "fastest_dv_kms": ("km/s", "… its cost"),
    "fastest_entry_speed_kms": ("km/s", "… its Earth entry speed"),
    "fastest_is_nominal": ("", "… is the plan's own return arc"),
    "any_direct": ("", "some direct return is solved and within the entry limit"),
    "swingby_searched": ("", "a swing-by (Mars, or a planned flyby's body) was searched from this day"),
    "swingby_total_dv_kms": ("km/s", "cheapest swing-by: all its burns"),
    "swingby_abort_dv_kms": ("km/s", "… the abort burn"),
    "swingby_flyby_dv_kms": ("km/s", "… the periapsis burn at the flyby body (0: unpowered)"),
    "swingby_capture_dv_kms": ("km/s", "… the Earth capture burn (propulsive return)"),
    "swingby_t_flyby": ("s TDB past J2000", "… periapsis passage"),
    "swingby_t_return": ("s TDB past J2000", "… Earth arrival"),
    "swingby_flyby": ("UTC", "… periapsis passage"),
    "swingby_return": ("UTC", "… Earth arrival"),
    "swingby_periapsis_km": ("km", "… flyby periapsis radius"),
    "swingby_flyby_altitude_km": ("km", "… flyby altitude above the body's equatorial radius"),
    "swingby_vinf_in_kms": ("km/s", "… v∞ arriving at the flyby body"),
    "swingby_vinf_out_kms": ("km/s", "… v∞ leaving it"),
    "swingby_entry_speed_kms": ("km/s", "… Earth entry speed"),
    "swingby_body": ("", "… the body flown by (mars, or a planned flyby's body such as venus)"),
    "swingby_v_depart": ("km/s", "… heliocentric velocity after the abort burn (ICRF)"),
    "swingby_v_mars_depart": ("km/s", "… heliocentric velocity leaving the flyby body (ICRF)"),
    "covered": ("", "a way home within the Δv left and the entry limit"),
}


@dataclass(frozen=True, repr=False, eq=False)
class LegAborts(Result):
    """Aborts on one transit leg.

    Attributes
    ----------
    leg : {"outbound", "return"}
    origin, destination : str
        The leg's bodies.
    t_depart, t_arrive : float
        Leg epochs, TDB s.
    step_days : float
        Spacing of the abort days, days.
    dv_left_kms : float
        Δv the vessel has at the leg's start (see :func:`dv_left`), km/s; the
        per-day ``dv_left_kms`` of :attr:`table` drops after a powered flyby.
    dv_left_rule : str
        How it was found, in words.
    direct : DirectReturns
        The whole table of direct returns, abort day x return duration.
    total_dv : ndarray, shape (N, M)
        Cost of each direct return: abort burn (+ Earth capture burn for a
        propulsive return), km/s; NaN where not valid.
    valid : ndarray of bool, shape (N, M)
        Solved and within the entry-speed limit.
    table : xarray.Dataset
        One row per abort day along dimension ``abort``, with coordinates
        ``leg``, ``day`` (days since the leg's departure), ``date`` (UTC
        ``datetime64``) and ``t_abort`` (TDB s); its variables (units in their
        attributes) are the cheapest direct return within ``max_return_days``
        (``cheapest_*``), the fastest within the Δv left (``fastest_*``), the
        cheapest Mars swing-by where one was searched (``swingby_*``; NaN
        where none) and ``covered``. NaN where there is no answer.
    """

    leg: str
    origin: str
    destination: str
    t_depart: float
    t_arrive: float
    step_days: float
    dv_left_kms: float
    dv_left_rule: str
    direct: DirectReturns
    total_dv: np.ndarray
    valid: np.ndarray
    table: Any

    def coverage(self) -> dict:
        """Coverage of the leg.

        Returns
        -------
        dict
            ``covered_days`` and ``total_days`` (sampled days), ``fraction``,
            ``longest_gap_days`` (uncovered samples x step), ``gap_start`` and
            ``gap_end`` (UTC of its first and last uncovered sample, or
            None), ``step_days``.
        """
        covered = self.table["covered"].values
        t_abort = self.table["t_abort"].values
        n, k = int(covered.size), int(covered.sum())
        length, i, j = longest_gap(covered)
        return {
            "covered_days": k,
            "total_days": n,
            "fraction": k / n if n else None,
            "longest_gap_days": length * self.step_days,
            "gap_start": tdb_to_utc_iso(t_abort[i], "minute") if i is not None else None,
            "gap_end": tdb_to_utc_iso(t_abort[j], "minute") if j is not None else None,
            "step_days": self.step_days,
        }

    def to_dict(self) -> dict:
        return {"leg": self.leg, "from": self.origin, "to": self.destination,
                "depart": tdb_to_utc_iso(self.t_depart, "minute"), "arrive": tdb_to_utc_iso(self.t_arrive, "minute"),
                "dv_left_kms": self.dv_left_kms, "dv_left_rule": self.dv_left_rule}

    def summary(self) -> list[tuple[str, str]]:
        c = self.coverage()
        return [("leg", self.leg), ("covered", f"{c['covered_days']} of {c['total_days']} days"),
                ("dv_left_kms", f"{self.dv_left_kms:.2f}")]

    def records(self) -> list[dict]:
        """One JSON record per sampled day (None where there is no answer), as ``sojourn aborts --json``."""
        t = {k: v.values for k, v in self.table.variables.items()}
        dates = tdb_to_utc_iso(t["t_abort"], "minute")
        out = []
        for i in range(len(dates)):
            out.append({
                "leg": self.leg,
                "day": float(t["day"][i]),
                "date": dates[i],
                "dv_left_kms": float(t["dv_left_kms"][i]),
                "direct": _direct_record(t, i),
                "swingby": _swingby_record(t, i, float(t["dv_left_kms"][i])),
                "swingby_searched": bool(t["swingby_searched"][i]),
                "covered": bool(t["covered"][i]),
            })
        return out


def _when(t_abort, days):
    """UTC minute of an arrival ``days`` after the abort (None when there is none)."""
    return tdb_to_utc_iso(t_abort + days * DAY, "minute") if np.isfinite(days) else None


def _direct_record(t: dict, i: int) -> Optional[dict]:
    if not (t["any_direct"][i] or np.isfinite(t["fastest_days"][i])):
        return None
    cheap, fast = np.isfinite(t["cheapest_dv_kms"][i]), np.isfinite(t["fastest_days"][i])
    return json_safe({
        "cheapest_dv_kms": t["cheapest_dv_kms"][i],
        "cheapest_return": _when(t["t_abort"][i], t["cheapest_days"][i]) if cheap else None,
        "cheapest_days": t["cheapest_days"][i],
        "cheapest_entry_speed_kms": t["cheapest_entry_speed_kms"][i],
        "cheapest_is_nominal": bool(t["cheapest_is_nominal"][i]) if cheap else None,
        "fastest_return_within_budget": _when(t["t_abort"][i], t["fastest_days"][i]) if fast else None,
        "fastest_days": t["fastest_days"][i],
        "fastest_dv_kms": t["fastest_dv_kms"][i],
        "fastest_entry_speed_kms": t["fastest_entry_speed_kms"][i],
        "fastest_is_nominal": bool(t["fastest_is_nominal"][i]) if fast else None,
    })


def _swingby_record(t: dict, i: int, dv_left_kms: float) -> Optional[dict]:
    total = t["swingby_total_dv_kms"][i]
    if not (t["swingby_searched"][i] and np.isfinite(total)):
        return None
    return json_safe({
        "body": str(t["swingby_body"][i]),
        "total_dv_kms": total,
        "abort_dv_kms": t["swingby_abort_dv_kms"][i],
        "flyby_dv_kms": t["swingby_flyby_dv_kms"][i],
        "earth_capture_dv_kms": t["swingby_capture_dv_kms"][i],
        "flyby_date": tdb_to_utc_iso(t["swingby_t_flyby"][i], "minute"),
        "flyby_altitude_km": t["swingby_flyby_altitude_km"][i],
        "vinf_in_kms": t["swingby_vinf_in_kms"][i],
        "vinf_out_kms": t["swingby_vinf_out_kms"][i],
        "powered": bool(t["swingby_flyby_dv_kms"][i] > 1e-6),
        "return": tdb_to_utc_iso(t["swingby_t_return"][i], "minute"),
        "return_days": (t["swingby_t_return"][i] - t["t_abort"][i]) / DAY,
        "entry_speed_kms": t["swingby_entry_speed_kms"][i],
        "within_budget": bool(total <= dv_left_kms + _TOL_KMS),
    })


@dataclass(frozen=True, repr=False, eq=False)
class AbortAnalysis(Result):
    """Aborts on both transit legs of a plan.

    Attributes
    ----------
    scenario_name : str
    ephemeris : str
    legs : tuple of LegAborts
        Outbound, return.
    settings : dict
        The grids and limits used (as ``sojourn aborts --json`` prints them).
    assumptions, warnings : tuple of str
    """

    scenario_name: str
    ephemeris: str
    legs: tuple
    settings: dict
    assumptions: tuple = ()
    warnings: tuple = ()

    @property
    def table(self):
        """Every abort day of both legs as one xarray Dataset along ``abort`` (see :attr:`LegAborts.table`)."""
        import xarray as xr

        return xr.concat([leg.table for leg in self.legs], dim="abort")

    def coverage(self) -> dict:
        """Coverage summary per leg, keyed by leg name (see :meth:`LegAborts.coverage`)."""
        return {leg.leg: leg.coverage() for leg in self.legs}

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario_name,
            "ephemeris": self.ephemeris,
            "settings": dict(self.settings),
            "legs": [leg.to_dict() for leg in self.legs],
            "coverage": self.coverage(),
            "days": [r for leg in self.legs for r in leg.records()],
            "assumptions": list(self.assumptions),
            "warnings": list(self.warnings),
        }

    def summary(self) -> list[tuple[str, str]]:
        out = [("scenario", self.scenario_name)]
        for name, c in self.coverage().items():
            frac = "—" if c["fraction"] is None else f"{100 * c['fraction']:.0f} %"
            out.append((name, f"{c['covered_days']} of {c['total_days']} days covered ({frac})"))
        return out


# ---------------------------------------------------------------------------
# the analysis
# ---------------------------------------------------------------------------


def _first_true(mask):
    """Index of the first True along the last axis, and whether there is one."""
    has = mask.any(axis=-1)
    return np.where(has, np.argmax(mask, axis=-1), 0), has


def _summarise_direct(table, total, valid, max_return_days, budget, nominal):
    """Cheapest within max duration and fastest within budget, per abort row (vectorised)."""
    n = total.shape[0]
    rows = np.arange(n)
    days = table.return_days
    cost = np.where(valid & (days[None, :] <= max_return_days + 1e-9), total, np.inf)
    j = np.argmin(cost, axis=1)
    cheap_dv = cost[rows, j]
    cheap_days = np.where(np.isfinite(cheap_dv), days[j], np.nan)
    cheap_entry = np.where(np.isfinite(cheap_dv), table.entry_speed_kms[rows, j], np.nan)
    budget = np.broadcast_to(np.asarray(budget, dtype=float), (n,))
    k, has = _first_true(valid & (total <= budget[:, None] + _TOL_KMS))
    fast_days = np.where(has, days[k], np.nan)
    fast_dv = np.where(has, total[rows, k], np.nan)
    fast_entry = np.where(has, table.entry_speed_kms[rows, k], np.nan)
    cheap_nom = np.zeros(n, dtype=bool)
    fast_nom = np.zeros(n, dtype=bool)
    if nominal is not None:
        n_days, n_dv, n_entry, n_ok = nominal
        better = n_ok & (n_days <= max_return_days + 1e-9) & ~(cheap_dv <= n_dv)
        cheap_dv = np.where(better, n_dv, cheap_dv)
        cheap_days = np.where(better, n_days, cheap_days)
        cheap_entry = np.where(better, n_entry, cheap_entry)
        cheap_nom = better
        faster = n_ok & (n_dv <= budget + _TOL_KMS) & ~(fast_days <= n_days)
        fast_days = np.where(faster, n_days, fast_days)
        fast_dv = np.where(faster, n_dv, fast_dv)
        fast_entry = np.where(faster, n_entry, fast_entry)
        fast_nom = faster
    cheap_dv = np.where(np.isfinite(cheap_dv), cheap_dv, np.nan)
    return cheap_dv, cheap_days, cheap_entry, cheap_nom, fast_days, fast_dv, fast_entry, fast_nom


def _empty_swingby(n):
    nan = np.full(n, np.nan)
    return {"computed": np.zeros(n, dtype=bool), "total_dv": nan.copy(), "abort_dv": nan.copy(),
            "flyby_dv": nan.copy(), "capture_dv": nan.copy(), "t_flyby": nan.copy(), "t_return": nan.copy(),
            "rp_km": nan.copy(), "vinf_in": nan.copy(), "vinf_out": nan.copy(), "entry": nan.copy(),
            "v_depart": np.full((n, 3), np.nan), "v_mars_depart": np.full((n, 3), np.nan),
            "radius_km": nan.copy(), "body": np.full(n, "", dtype=object), "cells": 0}


def _flyby_dates(ctx, lo: float, hi: float, planned: float) -> np.ndarray:
    """Swing-by flyby dates from ``lo`` to ``hi`` (TDB s, within the ephemeris), the planned epoch among them."""
    hi = min(hi, ctx["t_cov_end"])
    t_fly = np.arange(lo, hi + 1e-6, ctx["swingby_step_days"] * DAY)
    if lo <= planned <= hi:
        t_fly = np.unique(np.append(t_fly, planned))
    return t_fly


def _swingbys(sel, r_sc, v_sc, t_abort, t_fly, body, ctx):
    """Cheapest swing-by returns past ``body`` from the abort rows ``sel``, flyby dates ``t_fly``.

    Fills ctx's swingby dict in place where a row has none yet or this one is cheaper.
    """
    from sojourn.bodies import GM_SUN
    from sojourn.core.lambert import lambert_batch

    eph, sw = ctx["eph"], ctx["swingby"]
    earth = ctx["earth"]
    step = ctx["swingby_step_days"] * DAY
    t_end = ctx["t_cov_end"]
    min_ret = ctx["min_return_days"] * DAY
    horizon = ctx["horizon_days"] * DAY
    e_hi = min(t_abort[sel].max() + horizon, t_end)
    if t_fly.size == 0:
        return
    t_earth = np.arange(t_fly[0] + min_ret, e_hi + 1e-6, step)
    if t_earth.size == 0:
        return
    nf, ne, ns = t_fly.size, t_earth.size, sel.size
    rm, vm = eph.state(body.name, t_fly)
    re_, ve = eph.state(earth.name, t_earth)
    # flyby body -> Earth, shared by every abort day; prograde about the body's orbit normal
    tof2 = t_earth[None, :] - t_fly[:, None]
    tof2 = np.where(tof2 >= min_ret - 1e-6, tof2, -1.0)
    h_body = np.cross(rm[nf // 2], vm[nf // 2])
    v21, v22, st2 = lambert_batch(GM_SUN, np.repeat(rm, ne, axis=0), np.tile(re_, (nf, 1)), tof2.ravel(),
                                  0, True, True, h_body)
    v21 = v21.reshape(nf, ne, 3)
    vout = np.ascontiguousarray(v21 - vm[:, None, :])
    vout2 = np.einsum("ijk,ijk->ij", vout, vout)
    vinf_e = np.linalg.norm(v22.reshape(nf, ne, 3) - ve[None, :, :], axis=-1)
    entry, extra2 = ctx["arrival_cost"](vinf_e)
    ok2 = (st2.reshape(nf, ne) == 0) & ctx["entry_ok"](entry)
    # abort state -> flyby body, prograde about the craft's orbit normal
    ta = t_abort[sel]
    tof1 = t_fly[None, :] - ta[:, None]
    tof1 = np.where(tof1 >= MIN_ARC_DAYS * DAY - 1e-6, tof1, -1.0)
    v11, v12, st1 = lambert_batch(GM_SUN, np.repeat(r_sc[sel], nf, axis=0), np.tile(rm, (ns, 1)), tof1.ravel(),
                                  0, True, True, ctx["reference"])
    v11 = v11.reshape(ns, nf, 3)
    dv1 = np.linalg.norm(v11 - v_sc[sel][:, None, :], axis=-1)
    vin = np.ascontiguousarray(v12.reshape(ns, nf, 3) - vm[None, :, :])
    ok1 = st1.reshape(ns, nf) == 0
    best_total = np.empty(ns)
    best_f = np.empty(ns, dtype=np.int64)
    best_e = np.empty(ns, dtype=np.int64)
    best_dvf = np.empty(ns)
    best_rp = np.empty(ns)
    rp_min = body.radius_km + ctx["min_flyby_alt_km"]
    _swingby_loop(body.gm_km3s2, rp_min, SWINGBY_DV_CAP_KMS, np.ascontiguousarray(ta), t_earth, horizon,
                  np.ascontiguousarray(np.nan_to_num(dv1)), vin, np.ascontiguousarray(ok1),
                  vout, np.ascontiguousarray(np.nan_to_num(vout2)), np.ascontiguousarray(np.nan_to_num(extra2)),
                  np.ascontiguousarray(ok2), best_total, best_f, best_e, best_dvf, best_rp)
    sw["cells"] += int(ns * nf * ne)
    sw["computed"][sel] = True
    found = (best_f >= 0) & ~(sw["total_dv"][sel] <= best_total)  # none yet, or cheaper than the one kept
    rows, f, e = sel[found], best_f[found], best_e[found]
    k = np.flatnonzero(found)
    sw["body"][rows] = body.name
    sw["radius_km"][rows] = body.radius_km
    sw["total_dv"][rows] = best_total[found]
    sw["abort_dv"][rows] = dv1[k, f]
    sw["flyby_dv"][rows] = best_dvf[found]
    sw["capture_dv"][rows] = extra2[f, e]
    sw["t_flyby"][rows] = t_fly[f]
    sw["t_return"][rows] = t_earth[e]
    sw["rp_km"][rows] = best_rp[found]
    sw["vinf_in"][rows] = np.linalg.norm(vin[k, f], axis=-1)
    sw["vinf_out"][rows] = np.sqrt(vout2[f, e])
    sw["entry"][rows] = entry[f, e] if ctx["entry_mode"] else np.nan
    sw["v_depart"][rows] = v11[k, f]
    sw["v_mars_depart"][rows] = v21[f, e]


def _leg_table(leg_name, days, t_abort, budget, direct, sw, covered):
    """The per-day Dataset of :attr:`LegAborts.table`."""
    import xarray as xr

    from sojourn.time import tdb_to_datetime64

    (cheap_dv, cheap_days, cheap_entry, cheap_nom, fast_days, fast_dv, fast_entry, fast_nom, any_direct) = direct
    found = sw["computed"] & np.isfinite(sw["total_dv"])
    values = {
        "dv_left_kms": np.broadcast_to(np.asarray(budget, dtype=float), days.shape).copy(),
        "cheapest_dv_kms": cheap_dv, "cheapest_days": cheap_days, "cheapest_entry_speed_kms": cheap_entry,
        "cheapest_is_nominal": cheap_nom, "fastest_days": fast_days, "fastest_dv_kms": fast_dv,
        "fastest_entry_speed_kms": fast_entry, "fastest_is_nominal": fast_nom,
        "any_direct": np.broadcast_to(np.asarray(any_direct, dtype=bool), days.shape).copy(),
        "swingby_searched": sw["computed"], "swingby_total_dv_kms": sw["total_dv"],
        "swingby_abort_dv_kms": sw["abort_dv"], "swingby_flyby_dv_kms": sw["flyby_dv"],
        "swingby_capture_dv_kms": sw["capture_dv"], "swingby_t_flyby": sw["t_flyby"],
        "swingby_t_return": sw["t_return"], "swingby_flyby": tdb_to_datetime64(np.where(found, sw["t_flyby"], np.nan)),
        "swingby_return": tdb_to_datetime64(np.where(found, sw["t_return"], np.nan)),
        "swingby_periapsis_km": sw["rp_km"], "swingby_flyby_altitude_km": sw["rp_km"] - sw["radius_km"],
        "swingby_vinf_in_kms": sw["vinf_in"], "swingby_vinf_out_kms": sw["vinf_out"],
        "swingby_entry_speed_kms": sw["entry"], "swingby_body": sw["body"].astype(str), "covered": covered,
    }
    data = {k: ("abort", v, _attrs(k)) for k, v in values.items()}
    for k in ("swingby_v_depart", "swingby_v_mars_depart"):
        data[k] = (("abort", "xyz"), sw[k[len("swingby_"):]], _attrs(k))
    coords = {"leg": ("abort", np.full(days.size, leg_name)), "day": ("abort", days, {"units": "days"}),
              "date": ("abort", tdb_to_datetime64(t_abort)),
              "t_abort": ("abort", t_abort, {"units": "s TDB past J2000"})}
    return xr.Dataset(data, coords=coords)


def _attrs(name: str) -> dict:
    unit, what = _PER_DAY[name]
    return {"units": unit, "long_name": what} if unit and unit != "UTC" else {"long_name": what}


def _arrival_model(scenario, plan, earth):
    """How a way home arrives at Earth: (entry limit, its source, arrival_cost, entry_ok, interface radius).

    ``arrival_cost(vinf)`` gives (entry speed, extra Δv) for arrival v∞ (km/s):
    the entry speed at the interface and no burn for a direct entry; no entry
    speed and the capture burn into the scenario's orbit for a propulsive
    return. ``entry_ok(entry)`` says which entry speeds are within the limit.
    """
    from sojourn.core.patched_conics import capture_dv, entry_speed

    limit, source = entry_speed_limit(scenario, plan)
    r_ei = scenario.return_.entry_interface_radius_km(earth)
    if scenario.return_.mode == "entry":
        def arrival_cost(vinf):
            return entry_speed(earth.gm_km3s2, vinf, r_ei), np.zeros_like(vinf)

        def entry_ok(entry):
            return entry <= limit + _TOL_KMS
    else:
        rp, ra = scenario.return_.orbit_radii_km(earth)

        def arrival_cost(vinf):
            return np.full_like(vinf, np.nan), capture_dv(earth.gm_km3s2, vinf, rp, ra)

        def entry_ok(entry):
            return np.ones(entry.shape, dtype=bool)
    return limit, source, arrival_cost, entry_ok, r_ei


def _direct_costs(table, ctx):
    """Cost and validity of every direct return: (table, total, valid); NaN cost where not valid."""
    import dataclasses

    entry, extra = ctx["arrival_cost"](table.vinf_arrival)
    if ctx["entry_mode"]:
        valid = table.solved & ctx["entry_ok"](table.entry_speed_kms)
    else:
        table = dataclasses.replace(table, entry_speed_kms=entry)
        valid = table.solved
    return table, np.where(valid, table.dv_kms + extra, np.nan), valid


def _leg_aborts(index, leg, plan, scenario, ctx, warnings):
    """Aborts from every sampled day of one leg of the plan."""
    from sojourn.mission.trajectory import spacecraft_states

    eph, step = ctx["eph"], ctx["step_days"]
    name = ("outbound", "return")[index]
    # an abort day at the arrival instant itself (a leg of 280.000001 days) is no abort: drop round-off
    days = np.arange(0.0, leg.tof_days - 1e-6, step)
    t_abort = leg.t_depart + days * DAY
    r_sc, v_sc = spacecraft_states(plan, t_abort, eph)
    reference = np.cross(r_sc[0], v_sc[0])
    table = direct_return_table(r_sc, v_sc, t_abort, ctx["durations"], ephemeris=eph, origin=ctx["earth"].name,
                                reference=reference, r_interface_km=ctx["r_ei"])
    table, total, valid = _direct_costs(table, ctx)
    if (table.t_return > ctx["t_cov_end"]).any():
        warnings.append(f"{name} leg: returns after {tdb_to_utc_iso(ctx['t_cov_end'], 'minute')} not searched "
                        f"(end of the ephemeris {eph.name})")
    budget, rule = _budgets(scenario, plan, index, t_abort)
    nominal = _nominal(index, leg, plan, t_abort, ctx)
    direct = _summarise_direct(table, total, valid, ctx["max_return_days"], budget, nominal)
    any_direct = valid.any(axis=1) | (nominal[3] if nominal is not None else False)
    sw = _empty_swingby(days.size)
    if ctx["swingbys"]:
        _leg_swingbys(index, leg, ~np.isfinite(direct[4]), r_sc, v_sc, t_abort, dict(ctx, swingby=sw,
                                                                                     reference=reference))
    covered = np.isfinite(direct[4]) | (sw["total_dv"] <= budget + _TOL_KMS)
    return LegAborts(
        leg=name, origin=leg.origin, destination=leg.destination, t_depart=leg.t_depart, t_arrive=leg.t_arrive,
        step_days=step, dv_left_kms=float(budget[0]) if budget.size else dv_left(scenario, plan, index)[0],
        dv_left_rule=rule, direct=table, total_dv=total, valid=valid,
        table=_leg_table(name, days, t_abort, budget, (*direct, any_direct), sw, covered))


def _budgets(scenario, plan, index: int, t_abort: np.ndarray):
    """Δv left on each abort day (it drops after a powered flyby's burn) and the rule, in words."""
    budget = np.empty(t_abort.size)
    rule = dv_left(scenario, plan, index)[1]
    cache = {}
    for i, t in enumerate(t_abort):
        done = sum(1 for b in plan.burns if b.t <= t + 1e-6)
        if done not in cache:
            cache[done] = dv_left(scenario, plan, index, float(t))[0]
        budget[i] = cache[done]
    return budget, rule


def _nominal(index, leg, plan, t_abort, ctx):
    """The plan's own way home on the return leg, from each abort day: (days, Δv, entry speed, within limit).

    Its Δv is the Earth arrival burn and any powered flyby burn still to come. None on the outbound leg.
    """
    if index != 1:
        return None
    n = t_abort.size
    flyby_dv = np.array([sum(float(b.dv_kms) for b in plan.burns
                             if leg.t_depart < b.t < leg.t_arrive and b.t > t + 1e-6) for t in t_abort])
    n_entry = np.full(n, float(leg.entry_speed_kms) if ctx["entry_mode"] else np.nan)
    n_ok = ctx["entry_ok"](n_entry) if ctx["entry_mode"] else np.ones(n, dtype=bool)
    return (leg.t_arrive - t_abort) / DAY, ctx["nominal_capture"] + flyby_dv, n_entry, n_ok


def _leg_swingbys(index, leg, needed, r_sc, v_sc, t_abort, ctx):
    """Swing-bys home from the days without an affordable direct return: Mars on the outbound leg, and the body
    of each flyby the leg plans, from the days before that flyby."""
    if index == 0:
        sel = np.flatnonzero(needed)
        if sel.size:
            t_fly = _flyby_dates(ctx, leg.t_depart + MIN_ARC_DAYS * DAY,
                                 leg.t_arrive + MARS_FLYBY_AFTER_ARRIVAL_DAYS * DAY, leg.t_arrive)
            _swingbys(sel, r_sc, v_sc, t_abort, t_fly, ctx["mars"], ctx)
    for f in leg.flybys:
        sel = np.flatnonzero(needed & (t_abort < f.t_tdb - MIN_ARC_DAYS * DAY))
        if sel.size:
            from sojourn.bodies import get_body

            t_fly = _flyby_dates(ctx, max(t_abort[sel].min() + MIN_ARC_DAYS * DAY,
                                          f.t_tdb - VIA_FLYBY_WINDOW_DAYS * DAY),
                                 f.t_tdb + VIA_FLYBY_WINDOW_DAYS * DAY, f.t_tdb)
            _swingbys(sel, r_sc, v_sc, t_abort, t_fly, get_body(f.body), ctx)


def _settings(opts, limit, limit_source, scenario) -> dict:
    return {
        "step_days": opts["step_days"],
        "max_return_days": opts["max_return_days"],
        "min_return_days": opts["min_return_days"],
        "horizon_days": opts["horizon_days"],
        "min_flyby_altitude_km": opts["min_flyby_alt_km"],
        "swingby_step_days": opts["swingby_step_days"],
        "max_entry_speed_kms": limit,
        "entry_speed_limit": limit_source,
        "entry_interface_altitude_km": float(scenario.return_.entry_interface_altitude_km),
        "return_mode": scenario.return_.mode,
    }


def _assumptions(eph, opts, limit, limit_source, scenario, plan) -> tuple:
    return (
        f"ephemeris {eph.name}; the craft coasts on the plan's Lambert arcs (two-body, Sun only)",
        "abort burns are impulsive and heliocentric (patched conics): near a planet the gravity well, which "
        "would make them cheaper, is ignored",
        "direct returns: zero-revolution Lambert arcs, prograde about the craft's orbit normal; "
        f"{opts['min_return_days']:g} to {opts['horizon_days']:g} days after the abort, every "
        f"{opts['step_days']:g} days",
        ("Earth arrival by entry at " f"{scenario.return_.entry_interface_altitude_km:g} km, at most "
         f"{limit:.2f} km/s ({limit_source})") if scenario.return_.mode == "entry" else
        "Earth arrival by a capture burn into the scenario's return orbit, added to every return's Δv",
        "Mars swing-bys (outbound leg only, on days without an affordable direct return): Lambert arcs to Mars "
        "and from Mars to Earth, flyby and return dates every "
        f"{opts['swingby_step_days']:g} days, flyby at least {opts['min_flyby_alt_km']:g} km above Mars's "
        "equatorial radius, powered by one tangential periapsis burn when |v∞| must change (the turn is the sum "
        f"of the two hyperbolas' half-turns); none is reported above {SWINGBY_DV_CAP_KMS:g} km/s in all",
        "on the return leg the plan's own arc is a way home (its Earth arrival burn and any flyby burn still to "
        "come are its cost)",
        "a day is covered when a direct return or a swing-by is within the Δv left and the entry limit",
    ) + ((f"on a leg through a flyby (the plan's {', '.join(sorted({f.body for f in plan.flybys}))}): the craft "
          "coasts on each arc in turn; from the days before that flyby a swing-by of its body home is searched "
          f"too, flyby dates within {VIA_FLYBY_WINDOW_DAYS:g} days of the planned one; the Δv left drops by a "
          "powered flyby's burn once made",) if plan.flybys else ())


def abort_analysis(scenario, plan, *, ephemeris=None, step_days=1.0,
                   max_return_days=DEFAULT_MAX_RETURN_DAYS, min_flyby_alt_km=DEFAULT_MIN_FLYBY_ALT_KM,
                   min_return_days=DEFAULT_MIN_RETURN_DAYS, horizon_days=DEFAULT_HORIZON_DAYS,
                   swingby_step_days=DEFAULT_SWINGBY_STEP_DAYS, swingbys=True, progress=None) -> AbortAnalysis:
    """Ways home from every sampled day of both transit legs of a plan (the engine of :func:`aborts`).

    Parameters
    ----------
    scenario : Scenario
        The plan's scenario (its vessel, Δv limit, return mode and entry limit).
    plan : Plan
        The plan to stress.
    ephemeris : Ephemeris or str, optional
    step_days : float
        Spacing of the abort days and of the direct-return durations, days
        (0 < step <= 30).
    max_return_days : float
        Longest return for the "cheapest return" answer, days.
    min_flyby_alt_km : float
        Lowest Mars flyby altitude above the equatorial radius, km.
    min_return_days, horizon_days : float
        Shortest and longest direct return searched, days after the abort; a
        swing-by must also be home within ``horizon_days``.
    swingby_step_days : float
        Spacing of the swing-by flyby and return dates, days (at least ``step_days``).
    swingbys : bool
        Search swing-bys on the outbound leg for the days without an affordable direct return.
    progress : callable, optional
        ``progress(done, total, label)`` as work proceeds (:mod:`sojourn.progress`).

    Returns
    -------
    AbortAnalysis

    Raises
    ------
    InputError
        An option out of range (naming the parameter).
    """
    from sojourn.bodies import get_body
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.progress import reporting

    opts = check_options(step_days, max_return_days, min_flyby_alt_km, min_return_days=min_return_days,
                         horizon_days=horizon_days, swingby_step_days=swingby_step_days)
    eph = resolve_ephemeris(ephemeris)
    earth, mars = get_body(plan.legs[0].origin), get_body(plan.legs[0].destination)
    limit, limit_source, arrival_cost, entry_ok, r_ei = _arrival_model(scenario, plan, earth)
    ctx = dict(opts, eph=eph, earth=earth, mars=mars, r_ei=r_ei, arrival_cost=arrival_cost, entry_ok=entry_ok,
               entry_mode=scenario.return_.mode == "entry", swingbys=bool(swingbys),
               t_cov_end=min(eph.coverage(earth.name)[1], eph.coverage(mars.name)[1]),
               nominal_capture=next((float(b.dv_kms) for b in plan.burns if b.name == "earth_arrival"), 0.0),
               durations=np.arange(opts["min_return_days"], opts["horizon_days"] + 1e-9, opts["step_days"]))
    warnings = []
    legs = []
    n_days = [len(np.arange(0.0, leg.tof_days - 1e-6, opts["step_days"])) for leg in plan.legs]
    with reporting(progress, sum(n_days), "abort days") as advance:
        for index, leg in enumerate(plan.legs):
            legs.append(_leg_aborts(index, leg, plan, scenario, ctx, warnings))
            advance(n_days[index])
    return AbortAnalysis(plan.scenario_name, eph.name, tuple(legs), _settings(opts, limit, limit_source, scenario),
                         _assumptions(eph, opts, limit, limit_source, scenario, plan), tuple(warnings))


def aborts(plan_or_scenario, *, step_days: float = 1.0, max_return_days: float = DEFAULT_MAX_RETURN_DAYS,
           min_flyby_alt_km: float = DEFAULT_MIN_FLYBY_ALT_KM, ephemeris=None, progress=None) -> AbortAnalysis:
    """Every way home from every day of a plan's transits, and the days with none.

    Parameters
    ----------
    plan_or_scenario : Plan, Scenario, str or os.PathLike
        A plan from :func:`sojourn.plan` (its scenario attached), or a scenario
        (or the path of its TOML file), which is planned first.
    step_days : float
        Spacing of the abort days and of the direct-return durations, days
        (0 < step <= 30).
    max_return_days : float
        Longest return for the "cheapest direct return" answer, days (between
        the shortest return searched, 30 days, and the search horizon, 900 days).
    min_flyby_alt_km : float
        Lowest Mars swing-by altitude above the equatorial radius, km.
    ephemeris : Ephemeris or str, optional
        An :class:`~sojourn.ephemeris.Ephemeris` or the path of an SPK file; default DE421.
    progress : callable, optional
        ``progress(done, total, label)`` as work proceeds (:mod:`sojourn.progress`).

    Returns
    -------
    AbortAnalysis
        Per leg, the cheapest direct return within ``max_return_days``, the
        fastest within the Δv left, Mars swing-bys where no direct return is
        affordable (outbound leg), and the days covered; the per-day table as
        an xarray Dataset (``table``) and ``to_dict()`` as the command line's
        JSON.

    Raises
    ------
    InputError
        An option out of range, naming the parameter; a Plan without its scenario.
    ScenarioError, NoSolutionError
        A scenario that cannot be read or planned.

    Examples
    --------
    >>> import sojourn as sj
    >>> a = sj.aborts("examples/ulysses.toml", step_days=10)
    >>> [leg.leg for leg in a.legs]
    ['outbound', 'return']
    >>> a.coverage()["return"]["fraction"]
    1.0
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.plan import as_plan, scenario_of

    check_options(step_days, max_return_days, min_flyby_alt_km)  # before planning: mistakes fail at once
    scenario = scenario_of(plan_or_scenario)  # a Plan must carry its scenario: its vessel sets the Δv left
    eph = resolve_ephemeris(ephemeris)
    plan = as_plan(plan_or_scenario, ephemeris=eph, progress=progress)
    return abort_analysis(scenario, plan, ephemeris=eph, step_days=step_days, max_return_days=max_return_days,
                          min_flyby_alt_km=min_flyby_alt_km, progress=progress)
