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
from dataclasses import dataclass, field

import numpy as np
from numba import njit, prange

from sojourn.core.flyby import flyby_one
from sojourn.errors import InputError
from sojourn.transfer.porkchop import check_grid_cells, check_step

__all__ = [
    "DEFAULT_ENTRY_LIMIT_KMS",
    "AbortAnalysis",
    "DirectReturns",
    "LegAborts",
    "abort_analysis",
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

DAY = 86400.0
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

_LEG_BURNS_DONE = (1, 3)  # burns made before the outbound / the return leg is flown


def dv_left(scenario, plan, leg_index: int) -> tuple[float, str]:
    """Δv the vessel still has on a transit leg (constant along it: no burn is made in transit).

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

    Returns
    -------
    (dv_kms, rule) : (float, str)
        Δv left, km/s (>= 0), and the rule used, in words.
    """
    from sojourn.core.rocket import stage_dv_capacity
    from sojourn.mission.scenario import BURNS

    done = _LEG_BURNS_DONE[leg_index]
    dv = {b["name"]: float(b["dv_kms"]) for b in plan.burns}
    stages = list(getattr(scenario.vessel, "stages", None) or [])
    if stages:
        used = {s.name: 0.0 for s in stages}
        for b in plan.budget["burns"][:done]:
            if b.get("stage") is not None:
                used[b["stage"]] += float(b["propellant_kg"])
        to_come = BURNS[done:]
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
        spent = sum(dv[n] for n in BURNS[:done])
        return max(0.0, float(limit) - spent), "constraints.max_total_dv_kms minus the Δv spent before the leg"
    return sum(dv[n] for n in BURNS[done:]), "no vessel or Δv limit: the Δv of the plan's burns still to come"


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
    nominal = float(plan.legs[1]["entry_speed_kms"])
    if nominal > DEFAULT_ENTRY_LIMIT_KMS:
        return nominal, (f"the plan's own return entry speed (the scenario sets no limit and the plan "
                         f"enters faster than the {DEFAULT_ENTRY_LIMIT_KMS:g} km/s default)")
    return DEFAULT_ENTRY_LIMIT_KMS, f"default {DEFAULT_ENTRY_LIMIT_KMS:g} km/s (the scenario sets no limit)"


def check_options(step_days=1.0, max_return_days=DEFAULT_MAX_RETURN_DAYS,
                  min_flyby_alt_km=DEFAULT_MIN_FLYBY_ALT_KM, *, min_return_days=DEFAULT_MIN_RETURN_DAYS,
                  horizon_days=DEFAULT_HORIZON_DAYS) -> None:
    """Refuse options the analysis cannot use, naming the option (raises :class:`InputError`)."""

    def number(value, option):
        try:
            x = float(value)
        except (TypeError, ValueError):
            raise InputError(f"expected a number, not {value!r}", option) from None
        if not math.isfinite(x):
            raise InputError(f"expected a finite number, not {value!r}", option)
        return x

    step = check_step(step_days)
    if step > MAX_STEP_DAYS:
        raise InputError(f"step must be at most {MAX_STEP_DAYS:g} days, not {step_days!r}", "--step")
    lo, hi = number(min_return_days, "min_return_days"), number(horizon_days, "horizon_days")
    if not 0.0 < lo < hi:
        raise InputError(f"the shortest return ({lo:g} d) must be positive and below the horizon ({hi:g} d)",
                         "min_return_days")
    m = number(max_return_days, "--max-return-days")
    if not lo <= m <= hi:
        raise InputError(f"max return must lie between the shortest return searched ({lo:g} days) and the "
                         f"search horizon ({hi:g} days), not {max_return_days!r}", "--max-return-days")
    alt = number(min_flyby_alt_km, "--min-flyby-alt")
    if alt < 0.0:
        raise InputError(f"minimum flyby altitude must be at least 0 km, not {min_flyby_alt_km!r}", "--min-flyby-alt")


# ---------------------------------------------------------------------------
# the direct-return table
# ---------------------------------------------------------------------------


@dataclass
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
    check_grid_cells(n * m, "--step", limit=MAX_DIRECT_CELLS)
    if reference is None:
        reference = np.cross(r_craft[0], v_craft[0])
    if r_interface_km is None:
        r_interface_km = body.radius_km + 125.0
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


def _f(x):
    """A float for JSON: None for NaN or inf."""
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass
class LegAborts:
    """Aborts on one transit leg; per-day arrays of shape (N,) (NaN where there is no answer).

    Attributes
    ----------
    leg : {"outbound", "return"}
    frm, to : str
    t_depart, t_arrive : float
        Leg epochs, TDB s.
    step_days : float
    days : ndarray
        Abort day, days since the leg's departure.
    t_abort : ndarray
        Abort epochs, TDB s.
    dv_left_kms : float
        Δv the vessel has on this leg (see :func:`dv_left`).
    direct : DirectReturns
        The whole table.
    total_dv : ndarray, shape (N, M)
        Cost of each direct return: abort burn (+ Earth capture burn for a
        propulsive return), km/s.
    valid : ndarray of bool, shape (N, M)
        Solved and within the entry-speed limit.
    cheapest_dv, cheapest_days, cheapest_entry : ndarray
        Cheapest direct return within ``max_return_days``: cost (km/s),
        duration (days), entry speed (km/s).
    cheapest_nominal, fastest_nominal : ndarray of bool
        The answer is the plan's own return arc (return leg only), not a
        retargeted one.
    fastest_days, fastest_dv, fastest_entry : ndarray
        Fastest direct return within the Δv left.
    any_direct : ndarray of bool
        Some direct return is solved and within the entry limit.
    swingby : dict of ndarray
        Per-day swing-by results (NaN where not computed): ``total_dv``,
        ``abort_dv``, ``flyby_dv``, ``capture_dv``, ``t_flyby``, ``t_return``,
        ``rp_km``, ``vinf_in``, ``vinf_out``, ``entry``, ``v_depart`` (N, 3) and
        ``v_mars_depart`` (N, 3) (heliocentric velocities starting the two arcs),
        and ``computed`` (bool).
    covered : ndarray of bool
    """

    leg: str
    frm: str
    to: str
    t_depart: float
    t_arrive: float
    step_days: float
    days: np.ndarray
    t_abort: np.ndarray
    dv_left_kms: float
    dv_left_rule: str
    direct: DirectReturns
    total_dv: np.ndarray
    valid: np.ndarray
    cheapest_dv: np.ndarray
    cheapest_days: np.ndarray
    cheapest_entry: np.ndarray
    cheapest_nominal: np.ndarray
    fastest_days: np.ndarray
    fastest_dv: np.ndarray
    fastest_entry: np.ndarray
    fastest_nominal: np.ndarray
    any_direct: np.ndarray
    swingby: dict
    covered: np.ndarray

    @property
    def direct_covered(self) -> np.ndarray:
        """Days with an affordable direct return."""
        return np.isfinite(self.fastest_days)

    def coverage(self) -> dict:
        """Coverage of the leg.

        Returns
        -------
        dict
            ``covered_days`` and ``total_days`` (sampled days), ``fraction``,
            ``longest_gap_days`` (uncovered samples x step), ``gap_start`` and
            ``gap_end`` (UTC dates of its first and last uncovered sample, or
            None), ``step_days``.
        """
        from sojourn.time import tdb_to_utc_iso

        n = int(self.covered.size)
        k = int(self.covered.sum())
        length, i, j = longest_gap(self.covered)
        return {
            "covered_days": k,
            "total_days": n,
            "fraction": k / n if n else None,
            "longest_gap_days": length * self.step_days,
            "gap_start": tdb_to_utc_iso(self.t_abort[i], "minute") if i is not None else None,
            "gap_end": tdb_to_utc_iso(self.t_abort[j], "minute") if j is not None else None,
            "step_days": self.step_days,
        }

    def records(self) -> list[dict]:
        """One JSON-ready record per sampled day (no NaN: None)."""
        from sojourn.time import tdb_to_utc_iso

        dates = tdb_to_utc_iso(self.t_abort, "minute")
        ret_cheap = tdb_to_utc_iso(np.where(np.isfinite(self.cheapest_days), self.t_abort + np.nan_to_num(
            self.cheapest_days) * DAY, 0.0), "minute")
        ret_fast = tdb_to_utc_iso(np.where(np.isfinite(self.fastest_days), self.t_abort + np.nan_to_num(
            self.fastest_days) * DAY, 0.0), "minute")
        sw = self.swingby
        out = []
        for i in range(self.days.size):
            direct = None
            if self.any_direct[i] or np.isfinite(self.fastest_days[i]):
                cheap = np.isfinite(self.cheapest_dv[i])
                fast = np.isfinite(self.fastest_days[i])
                direct = {
                    "cheapest_dv_kms": _f(self.cheapest_dv[i]),
                    "cheapest_return": ret_cheap[i] if cheap else None,
                    "cheapest_days": _f(self.cheapest_days[i]),
                    "cheapest_entry_speed_kms": _f(self.cheapest_entry[i]),
                    "cheapest_is_nominal": bool(self.cheapest_nominal[i]) if cheap else None,
                    "fastest_return_within_budget": ret_fast[i] if fast else None,
                    "fastest_days": _f(self.fastest_days[i]),
                    "fastest_dv_kms": _f(self.fastest_dv[i]),
                    "fastest_entry_speed_kms": _f(self.fastest_entry[i]),
                    "fastest_is_nominal": bool(self.fastest_nominal[i]) if fast else None,
                }
            swing = None
            if sw["computed"][i] and np.isfinite(sw["total_dv"][i]):
                swing = {
                    "total_dv_kms": _f(sw["total_dv"][i]),
                    "abort_dv_kms": _f(sw["abort_dv"][i]),
                    "flyby_dv_kms": _f(sw["flyby_dv"][i]),
                    "earth_capture_dv_kms": _f(sw["capture_dv"][i]),
                    "flyby_date": tdb_to_utc_iso(sw["t_flyby"][i], "minute"),
                    "flyby_altitude_km": _f(sw["rp_km"][i] - sw["radius_km"]),
                    "vinf_in_kms": _f(sw["vinf_in"][i]),
                    "vinf_out_kms": _f(sw["vinf_out"][i]),
                    "powered": bool(sw["flyby_dv"][i] > 1e-6),
                    "return": tdb_to_utc_iso(sw["t_return"][i], "minute"),
                    "return_days": _f((sw["t_return"][i] - self.t_abort[i]) / DAY),
                    "entry_speed_kms": _f(sw["entry"][i]),
                    "within_budget": bool(sw["total_dv"][i] <= self.dv_left_kms + _TOL_KMS),
                }
            out.append({
                "leg": self.leg,
                "day": float(self.days[i]),
                "date": dates[i],
                "dv_left_kms": float(self.dv_left_kms),
                "direct": direct,
                "swingby": swing,
                "swingby_searched": bool(sw["computed"][i]),
                "covered": bool(self.covered[i]),
            })
        return out


@dataclass
class AbortAnalysis:
    """Aborts on both transit legs of a plan.

    Attributes
    ----------
    scenario_name : str
    ephemeris : str
    legs : list of LegAborts
        Outbound, return.
    settings : dict
        The grids and limits used.
    assumptions, warnings : list of str
    """

    scenario_name: str
    ephemeris: str
    legs: list
    settings: dict
    assumptions: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    def coverage(self) -> dict:
        """Coverage summary per leg, keyed by leg name."""
        return {leg.leg: leg.coverage() for leg in self.legs}

    def to_json(self) -> dict:
        """Everything as JSON-ready data (no NaN: None)."""
        return {
            "scenario": self.scenario_name,
            "ephemeris": self.ephemeris,
            "settings": self.settings,
            "legs": [{"leg": leg.leg, "from": leg.frm, "to": leg.to,
                      "depart": _iso(leg.t_depart), "arrive": _iso(leg.t_arrive),
                      "dv_left_kms": leg.dv_left_kms, "dv_left_rule": leg.dv_left_rule} for leg in self.legs],
            "coverage": self.coverage(),
            "days": [r for leg in self.legs for r in leg.records()],
            "assumptions": self.assumptions,
            "warnings": self.warnings,
        }


def _iso(t):
    from sojourn.time import tdb_to_utc_iso

    return tdb_to_utc_iso(t, "minute")


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
    k, has = _first_true(valid & (total <= budget + _TOL_KMS))
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


def _empty_swingby(n, radius_km):
    nan = np.full(n, np.nan)
    return {"computed": np.zeros(n, dtype=bool), "total_dv": nan.copy(), "abort_dv": nan.copy(),
            "flyby_dv": nan.copy(), "capture_dv": nan.copy(), "t_flyby": nan.copy(), "t_return": nan.copy(),
            "rp_km": nan.copy(), "vinf_in": nan.copy(), "vinf_out": nan.copy(), "entry": nan.copy(),
            "v_depart": np.full((n, 3), np.nan), "v_mars_depart": np.full((n, 3), np.nan),
            "radius_km": radius_km, "cells": 0}


def _swingbys(sel, r_sc, v_sc, t_abort, leg, ctx):
    """Cheapest Mars swing-by returns from the abort rows ``sel``; fills ctx's swingby dict in place."""
    from sojourn.bodies import GM_SUN
    from sojourn.core.lambert import lambert_batch

    eph, sw = ctx["eph"], ctx["swingby"]
    mars, earth = ctx["mars"], ctx["earth"]
    step = ctx["swingby_step_days"] * DAY
    t_end = ctx["t_cov_end"]
    f_lo = leg["t_depart"] + MIN_ARC_DAYS * DAY
    f_hi = min(leg["t_arrive"] + MARS_FLYBY_AFTER_ARRIVAL_DAYS * DAY, t_end)
    t_fly = np.arange(f_lo, f_hi + 1e-6, step)
    if f_lo <= leg["t_arrive"] <= f_hi:  # the plan's own Mars arrival: the "skip the capture" swing-by
        t_fly = np.unique(np.append(t_fly, leg["t_arrive"]))
    min_ret = ctx["min_return_days"] * DAY
    horizon = ctx["horizon_days"] * DAY
    e_hi = min(t_abort[sel].max() + horizon, t_end)
    if t_fly.size == 0:
        return
    t_earth = np.arange(t_fly[0] + min_ret, e_hi + 1e-6, step)
    if t_earth.size == 0:
        return
    nf, ne, ns = t_fly.size, t_earth.size, sel.size
    rm, vm = eph.state(mars.name, t_fly)
    re_, ve = eph.state(earth.name, t_earth)
    # Mars -> Earth, shared by every abort day; prograde about Mars's orbit normal
    tof2 = t_earth[None, :] - t_fly[:, None]
    tof2 = np.where(tof2 >= min_ret - 1e-6, tof2, -1.0)
    h_mars = np.cross(rm[nf // 2], vm[nf // 2])
    v21, v22, st2 = lambert_batch(GM_SUN, np.repeat(rm, ne, axis=0), np.tile(re_, (nf, 1)), tof2.ravel(),
                                  0, True, True, h_mars)
    v21 = v21.reshape(nf, ne, 3)
    vout = np.ascontiguousarray(v21 - vm[:, None, :])
    vout2 = np.einsum("ijk,ijk->ij", vout, vout)
    vinf_e = np.linalg.norm(v22.reshape(nf, ne, 3) - ve[None, :, :], axis=-1)
    entry, extra2 = ctx["arrival_cost"](vinf_e)
    ok2 = (st2.reshape(nf, ne) == 0) & ctx["entry_ok"](entry)
    # abort state -> Mars, prograde about the craft's orbit normal
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
    rp_min = mars.radius_km + ctx["min_flyby_alt_km"]
    _swingby_loop(mars.gm_km3s2, rp_min, SWINGBY_DV_CAP_KMS, np.ascontiguousarray(ta), t_earth, horizon,
                  np.ascontiguousarray(np.nan_to_num(dv1)), vin, np.ascontiguousarray(ok1),
                  vout, np.ascontiguousarray(np.nan_to_num(vout2)), np.ascontiguousarray(np.nan_to_num(extra2)),
                  np.ascontiguousarray(ok2), best_total, best_f, best_e, best_dvf, best_rp)
    sw["cells"] += int(ns * nf * ne)
    sw["computed"][sel] = True
    found = best_f >= 0
    rows, f, e = sel[found], best_f[found], best_e[found]
    k = np.flatnonzero(found)
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


def abort_analysis(scenario, plan=None, *, ephemeris=None, step_days=1.0,
                   max_return_days=DEFAULT_MAX_RETURN_DAYS, min_flyby_alt_km=DEFAULT_MIN_FLYBY_ALT_KM,
                   min_return_days=DEFAULT_MIN_RETURN_DAYS, horizon_days=DEFAULT_HORIZON_DAYS,
                   swingby_step_days=DEFAULT_SWINGBY_STEP_DAYS, swingbys=True, progress=None) -> AbortAnalysis:
    """Ways home from every sampled day of both transit legs of a plan.

    Parameters
    ----------
    scenario : Scenario
    plan : Plan, optional
        The plan to stress; default :func:`sojourn.mission.plan.plan_mission` of the scenario.
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
        An option out of range (named as the CLI option).
    """
    from sojourn.bodies import get_body
    from sojourn.core.patched_conics import capture_dv
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.trajectory import spacecraft_states
    from sojourn.progress import reporting

    check_options(step_days, max_return_days, min_flyby_alt_km, min_return_days=min_return_days,
                  horizon_days=horizon_days)
    step_days = float(step_days)
    swingby_step_days = max(float(swingby_step_days), step_days)
    eph = resolve_ephemeris(ephemeris)
    if plan is None:
        from sojourn.mission.plan import plan_mission

        plan = plan_mission(scenario, ephemeris=eph)
    earth = get_body(plan.legs[0]["from"])
    mars = get_body(plan.legs[0]["to"])
    limit, limit_source = entry_speed_limit(scenario, plan)
    entry_mode = scenario.return_.mode == "entry"
    r_ei = scenario.return_.entry_interface_radius_km(earth)
    if entry_mode:
        from sojourn.core.patched_conics import entry_speed

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

    t_cov_end = min(eph.coverage(earth.name)[1], eph.coverage(mars.name)[1])
    nominal_capture = next((float(b["dv_kms"]) for b in plan.burns if b["name"] == "earth_arrival"), 0.0)
    warnings = []
    legs = []
    names = ("outbound", "return")
    # an abort day at the arrival instant itself (a leg of 280.000001 days) is no abort: drop round-off
    n_days = [len(np.arange(0.0, leg["tof_days"] - 1e-6, step_days)) for leg in plan.legs]
    durations = np.arange(float(min_return_days), float(horizon_days) + 1e-9, step_days)
    with reporting(progress, sum(n_days), "abort days") as advance:
        for index, leg in enumerate(plan.legs):
            days = np.arange(0.0, leg["tof_days"] - 1e-6, step_days)
            t_abort = leg["t_depart"] + days * DAY
            r_sc, v_sc = spacecraft_states(plan, t_abort, eph)
            reference = np.cross(r_sc[0], v_sc[0])
            table = direct_return_table(r_sc, v_sc, t_abort, durations, ephemeris=eph, origin=earth.name,
                                        reference=reference, r_interface_km=r_ei)
            if entry_mode:
                total = table.dv_kms
                valid = table.solved & entry_ok(table.entry_speed_kms)
            else:
                extra = capture_dv(earth.gm_km3s2, table.vinf_arrival, rp, ra)
                total = table.dv_kms + extra
                table.entry_speed_kms = np.full_like(total, np.nan)
                valid = table.solved
            total = np.where(valid, total, np.nan)
            beyond = table.t_return > t_cov_end
            if beyond.any():
                warnings.append(f"{names[index]} leg: returns after {_iso(t_cov_end)} not searched "
                                f"(end of the ephemeris {eph.name})")
            budget, rule = dv_left(scenario, plan, index)
            nominal = None
            if index == 1:  # on the return leg the plan's own arc is a way home
                n_days_left = (leg["t_arrive"] - t_abort) / DAY
                n_entry = np.full(days.size, float(leg["entry_speed_kms"]) if entry_mode else np.nan)
                n_ok = entry_ok(n_entry) if entry_mode else np.ones(days.size, dtype=bool)
                nominal = (n_days_left, np.full(days.size, nominal_capture), n_entry, n_ok)
            (cheap_dv, cheap_days, cheap_entry, cheap_nom,
             fast_days, fast_dv, fast_entry, fast_nom) = _summarise_direct(table, total, valid, max_return_days,
                                                                           budget, nominal)
            any_direct = valid.any(axis=1) | (nominal[3] if nominal is not None else False)
            sw = _empty_swingby(days.size, mars.radius_km)
            sel = np.flatnonzero(~np.isfinite(fast_days))
            if swingbys and index == 0 and sel.size:
                ctx = dict(eph=eph, swingby=sw, mars=mars, earth=earth, swingby_step_days=swingby_step_days,
                           t_cov_end=t_cov_end, min_return_days=min_return_days, horizon_days=horizon_days,
                           arrival_cost=arrival_cost, entry_ok=entry_ok, reference=reference,
                           min_flyby_alt_km=float(min_flyby_alt_km), entry_mode=entry_mode)
                _swingbys(sel, r_sc, v_sc, t_abort, leg, ctx)
            covered = np.isfinite(fast_days) | (sw["total_dv"] <= budget + _TOL_KMS)
            legs.append(LegAborts(
                leg=names[index], frm=leg["from"], to=leg["to"], t_depart=leg["t_depart"],
                t_arrive=leg["t_arrive"], step_days=step_days, days=days, t_abort=t_abort,
                dv_left_kms=float(budget), dv_left_rule=rule, direct=table, total_dv=total, valid=valid,
                cheapest_dv=cheap_dv, cheapest_days=cheap_days, cheapest_entry=cheap_entry,
                cheapest_nominal=cheap_nom, fastest_days=fast_days, fastest_dv=fast_dv,
                fastest_entry=fast_entry, fastest_nominal=fast_nom, any_direct=np.asarray(any_direct),
                swingby=sw, covered=covered,
            ))
            advance(days.size)
    settings = {
        "step_days": step_days,
        "max_return_days": float(max_return_days),
        "min_return_days": float(min_return_days),
        "horizon_days": float(horizon_days),
        "min_flyby_altitude_km": float(min_flyby_alt_km),
        "swingby_step_days": swingby_step_days,
        "max_entry_speed_kms": limit,
        "entry_speed_limit": limit_source,
        "entry_interface_altitude_km": float(scenario.return_.entry_interface_altitude_km),
        "return_mode": scenario.return_.mode,
    }
    assumptions = [
        f"ephemeris {eph.name}; the craft coasts on the plan's Lambert arcs (two-body, Sun only)",
        "abort burns are impulsive and heliocentric (patched conics): near a planet the gravity well, which "
        "would make them cheaper, is ignored",
        "direct returns: zero-revolution Lambert arcs, prograde about the craft's orbit normal; "
        f"{min_return_days:g} to {horizon_days:g} days after the abort, every {step_days:g} days",
        ("Earth arrival by entry at " f"{scenario.return_.entry_interface_altitude_km:g} km, at most "
         f"{limit:.2f} km/s ({limit_source})") if entry_mode else
        "Earth arrival by a capture burn into the scenario's return orbit, added to every return's Δv",
        "Mars swing-bys (outbound leg only, on days without an affordable direct return): Lambert arcs to Mars "
        "and from Mars to Earth, flyby and return dates every "
        f"{swingby_step_days:g} days, flyby at least {min_flyby_alt_km:g} km above Mars's equatorial radius, "
        "powered by one tangential periapsis burn when |v∞| must change (the turn is the sum of the "
        f"two hyperbolas' half-turns); none is reported above {SWINGBY_DV_CAP_KMS:g} km/s in all",
        "on the return leg the plan's own arc is a way home (its Earth arrival burn, if any, is its cost)",
        "a day is covered when a direct return or a swing-by is within the Δv left and the entry limit",
    ]
    return AbortAnalysis(plan.scenario_name, eph.name, legs, settings, assumptions, warnings)
