"""Searching Earth → Mars → Earth round trips without brute force in four dimensions.

A round trip is four epochs: Earth departure L, Mars arrival A, Mars departure
D and Earth arrival E. The search decomposes it:

1. the outbound leg on a (launch, time of flight) grid, reduced to the best
   feasible outbound for each Mars arrival date A;
2. the return leg on a (Mars departure, time of flight) grid, reduced to the
   best feasible return for each Mars departure date D;
3. the two joined over every (A, D) whose stay D − A is allowed, with the
   whole-mission constraints (total days, total Δv, return-by date);
4. the best joined plan refined below the grid step by SLSQP on every epoch
   at once (:mod:`sojourn.mission.chain`), the limits as constraints.

A leg that flies by other bodies (``[outbound] via``, ``[return] via``) is a
sequence (:mod:`sojourn.transfer.sequence`): its arcs on one lattice, joined
over the flybys by the compiled dynamic programme, then reduced to the
cheapest chain (in Δv, whatever the objective) for each Mars arrival (or
departure) date whose whole leg lasts within the transit limits; the join on
the stay and the refinement are the same, the flyby epochs refined with the
rest.

Grids run through the compiled Lambert kernel in single batched calls, so a
whole opportunity is a few hundred thousand transfers and a survey of 2026-2050
takes seconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice

import numpy as np

from sojourn.bodies import GM_SUN, get_body
from sojourn.errors import EphemerisRangeError, NoSolutionError
from sojourn.time import DAY, tdb_to_utc_iso, utc_steps



@dataclass
class LegCosts:
    """Costs of every transfer of one leg on a (departure, time of flight) grid.

    All arrays have shape (N, K): N departure epochs ``t_dep`` (TDB s), K times
    of flight ``tof`` (s) on the same step, so that cell (i, k) arrives at epoch
    index i + k of ``t_arr``.
    """

    t_dep: np.ndarray
    tof: np.ndarray
    t_arr: np.ndarray  # the UTC-calendar grid from k0 steps after t_dep[0]: cell (i, k) arrives at t_arr[i + k]
    c3: np.ndarray
    vinf_dep: np.ndarray
    vinf_arr: np.ndarray
    dla_deg: np.ndarray
    type_ii: np.ndarray
    dv_dep: np.ndarray
    dv_arr: np.ndarray
    entry_speed: np.ndarray
    feasible: np.ndarray


#: Most (departure, time of flight) cells of one leg's grid (about 200 bytes a cell while built).
MAX_LEG_CELLS = 20_000_000


def _leg_grid(eph, dep, arr, t_first, t_last, tof_min_days, tof_max_days, step_days, where=None):
    """Lambert transfers from every departure epoch, for every time of flight (batched)."""
    from sojourn.core.transfer_grid import transfer_pairs
    from sojourn import checks

    n = int(math.floor((t_last - t_first) / (step_days * DAY) + 1e-6)) + 1
    k0 = int(math.ceil(tof_min_days / step_days - 1e-9))
    k1 = max(k0, int(math.floor(tof_max_days / step_days + 1e-9)))
    kk = k1 - k0 + 1
    checks.grid_cells(n * kk, "step_days", limit=MAX_LEG_CELLS)
    # every epoch on one UTC-calendar grid: cell (i, k) arrives at epoch index i + k0 + k
    epochs = utc_steps(t_first, step_days, n + k1)
    t_dep = epochs[:n]
    t_arr = epochs[k0:]
    tof = (k0 + np.arange(kk)) * step_days * DAY  # nominal, whole steps
    eph.check_range(dep, t_dep[0], t_dep[-1], where)
    eph.check_range(arr, t_arr[0], t_arr[-1], where)
    r1, v1 = eph.state(dep, t_dep)
    r2, v2 = eph.state(arr, t_arr)
    ii = np.repeat(np.arange(n), kk)
    mm = ii + np.tile(np.arange(kk), n)
    c3, vd, va, dla, _, t_ii, status = transfer_pairs(
        GM_SUN, r1[ii], v1[ii], t_dep[ii], r2[mm], v2[mm], t_arr[mm])
    shape = (n, kk)
    return t_dep, tof, t_arr, {
        "c3": c3.reshape(shape), "vinf_dep": vd.reshape(shape), "vinf_arr": va.reshape(shape),
        "dla_deg": np.degrees(dla).reshape(shape), "type_ii": t_ii.reshape(shape),
        "ok": (status == 0).reshape(shape),
    }


class Burns:
    """Δv of each burn from hyperbolic excess speeds, for one scenario (vectorised)."""

    def __init__(self, scenario):
        from sojourn.core.patched_conics import apoapsis_from_period

        self.s = scenario
        self.earth = get_body(scenario.mission.origin)
        self.mars = get_body(scenario.mission.destination)
        self.r_park = self.earth.radius_km + scenario.departure.parking_altitude_km
        arrival = scenario.arrival
        self.mars_interface = self.mars.radius_km + arrival.entry_interface_altitude_km
        # Mars orbit the crew arrives in and leaves from (a 250 km circular orbit
        # when the scenario enters directly and names none).
        rp_alt = arrival.periapsis_altitude_km if arrival.periapsis_altitude_km is not None else 250.0
        self.mars_rp = self.mars.radius_km + rp_alt
        if arrival.apoapsis_altitude_km is not None:
            self.mars_ra = self.mars.radius_km + arrival.apoapsis_altitude_km
        elif arrival.period_hours is not None:
            self.mars_ra = float(apoapsis_from_period(self.mars.gm_km3s2, self.mars_rp, arrival.period_hours * 3600.0))
        else:
            self.mars_ra = self.mars_rp
        ret = scenario.return_
        self.earth_interface = self.earth.radius_km + ret.entry_interface_altitude_km
        if ret.mode == "propulsive":
            self.earth_rp = self.earth.radius_km + ret.periapsis_altitude_km
            if ret.apoapsis_altitude_km is not None:
                self.earth_ra = self.earth.radius_km + ret.apoapsis_altitude_km
            elif ret.period_hours is not None:
                self.earth_ra = float(apoapsis_from_period(self.earth.gm_km3s2, self.earth_rp, ret.period_hours * 3600.0))
            else:
                self.earth_ra = self.earth_rp

    def plane_change_deg(self, dla_deg):
        """Plane change the parking orbit needs for asymptotes of declination ``dla_deg``, degrees (0 without
        an inclination)."""
        from sojourn.core.patched_conics import plane_change_deg

        incl = self.s.departure.parking_inclination_deg
        return np.zeros_like(np.asarray(dla_deg, dtype=float)) if incl is None else plane_change_deg(dla_deg, incl)

    def outbound(self, c3, vinf_arr, dla_deg=None):
        """(Earth departure Δv, Mars arrival Δv, Mars entry speed), km/s.

        With ``dla_deg`` and a parking-orbit inclination, the departure burn
        includes the plane change the asymptote needs (``plane_change = "charge"``).
        """
        from sojourn.core import patched_conics as pc

        mu_m = self.mars.gm_km3s2
        di = 0.0
        if dla_deg is not None and (self.s.departure.plane_change or "charge") == "charge":
            di = np.radians(self.plane_change_deg(dla_deg))
        dv_dep = pc.plane_change_departure_dv(self.earth.gm_km3s2, np.sqrt(c3), self.r_park, self.r_park, di)
        mode = self.s.arrival.mode
        if mode == "propulsive":
            dv_arr = pc.capture_dv(mu_m, vinf_arr, self.mars_rp, self.mars_ra)
        elif mode == "aerocapture":
            dv_arr = pc.aerocapture_dv(mu_m, self.mars_rp, self.mars_ra, self.mars_interface) + 0.0 * vinf_arr
        else:
            dv_arr = np.zeros_like(vinf_arr)
        return dv_dep, dv_arr, pc.entry_speed(mu_m, vinf_arr, self.mars_interface)

    def inbound(self, vinf_dep, vinf_arr):
        """(Mars departure Δv, Earth arrival Δv, Earth entry speed), km/s."""
        from sojourn.core import patched_conics as pc

        dv_dep = pc.mars_orbit_departure_dv(self.mars.gm_km3s2, vinf_dep, self.mars_rp, self.mars_ra)
        mu_e = self.earth.gm_km3s2
        if self.s.return_.mode == "propulsive":
            dv_arr = pc.capture_dv(mu_e, vinf_arr, self.earth_rp, self.earth_ra)
        else:
            dv_arr = np.zeros_like(vinf_arr)
        return dv_dep, dv_arr, pc.entry_speed(mu_e, vinf_arr, self.earth_interface)


def _constraint(scenario, key):
    return getattr(scenario.constraints, key, None)


def _where(scenario, key):
    return f"{scenario.source}: constraints.{key}"


def outbound_costs(eph, scenario, burns, t_first, t_last, step_days) -> LegCosts:
    """Feasible Earth → Mars transfers for launches between two epochs."""
    from sojourn.mission import electric

    if electric.flies(scenario):  # low-thrust legs: the estimate of each cell (sojourn.mission.electric)
        return electric.leg_costs(eph, scenario, burns, "outbound", t_first, t_last, step_days)
    tmin, tmax = scenario.transit_limits()
    t_dep, tof, t_arr, g = _leg_grid(eph, burns.earth, burns.mars, t_first, t_last, tmin, tmax, step_days,
                                     f"{scenario.source}: windows.launch")
    dv_dep, dv_arr, entry = burns.outbound(g["c3"], g["vinf_arr"], g["dla_deg"])
    feasible = g["ok"].copy()
    _require(feasible, scenario, "outbound transfer", [
        ("max_c3", g["c3"], "launch C3", "km²/s²"),
        ("max_arrival_entry_speed_kms", entry if scenario.arrival.mode == "entry" else None,
         "Mars entry speed", "km/s"),
    ])
    if scenario.departure.plane_change == "avoid":
        feasible &= burns.plane_change_deg(g["dla_deg"]) <= 1e-9
        if not feasible.any():
            raise NoSolutionError(f"no outbound transfer whose departure asymptote a "
                                  f"{scenario.departure.parking_inclination_deg:g}° parking orbit reaches",
                                  f"{scenario.source}: departure.plane_change")
    return LegCosts(t_dep, tof, t_arr, g["c3"], g["vinf_dep"], g["vinf_arr"], g["dla_deg"], g["type_ii"],
                    dv_dep, dv_arr, entry, feasible)


def return_costs(eph, scenario, burns, t_first, t_last, step_days) -> LegCosts:
    """Feasible Mars → Earth transfers for Mars departures between two epochs."""
    from sojourn.mission import electric

    if electric.flies(scenario):
        return electric.leg_costs(eph, scenario, burns, "return", t_first, t_last, step_days)
    tmin, tmax = scenario.transit_limits()
    # the return grid reaches as far as the launch window plus the longest transits and stay
    t_dep, tof, t_arr, g = _leg_grid(eph, burns.mars, burns.earth, t_first, t_last, tmin, tmax, step_days,
                                     f"{scenario.source}: windows.launch + transits and stay")
    dv_dep, dv_arr, entry = burns.inbound(g["vinf_dep"], g["vinf_arr"])
    feasible = g["ok"].copy()
    entry_limit = entry if scenario.return_.mode == "entry" else None
    _require(feasible, scenario, "return transfer", [
        ("max_entry_speed_kms", entry_limit, "Earth entry speed", "km/s"),
    ])
    return LegCosts(t_dep, tof, t_arr, g["c3"], g["vinf_dep"], g["vinf_arr"], g["dla_deg"], g["type_ii"],
                    dv_dep, dv_arr, entry, feasible)


def _require(feasible, scenario, what, limits):
    """Apply upper limits in place; if one empties the leg, name it as the binding constraint."""
    if not feasible.any():
        raise NoSolutionError(f"no {what} within the transit limits", _where(scenario, "max_transit_days"))
    for key, values, label, unit in limits:
        limit = _constraint(scenario, key)
        if limit is None or values is None:
            continue
        best = float(np.min(np.where(feasible, values, np.inf)))
        feasible &= values <= limit
        if not feasible.any():
            raise NoSolutionError(
                f"no {what} with {label} at most {limit:g} {unit} (the least is {best:.2f} {unit})",
                _where(scenario, key))


@dataclass
class _Best:
    """The best feasible leg for each arrival (outbound) or departure (return) epoch."""

    t_key: np.ndarray  # epoch the leg is indexed by
    score: np.ndarray  # objective of the leg; inf where none is feasible
    dv: np.ndarray
    t_other: np.ndarray  # the other end of the leg
    t_fly: np.ndarray | None = None  # (n, flybys) flyby epochs of each leg, in flight order; None for direct legs

    def flybys(self, i) -> tuple:
        """The flyby epochs of entry ``i`` (TDB s), in flight order."""
        return () if self.t_fly is None else tuple(float(t) for t in self.t_fly[i])


def _reduce_outbound(leg: LegCosts, key: np.ndarray) -> _Best:
    """For each Mars arrival epoch, the feasible outbound cell of least ``key``."""
    n, kk = key.shape
    m = (np.arange(n)[:, None] + np.arange(kk)[None, :]).ravel()
    score = np.where(leg.feasible, key, np.inf).ravel()
    order = np.lexsort((score, m))  # by arrival index, then score
    m_sorted = m[order]
    first = np.r_[True, m_sorted[1:] != m_sorted[:-1]]
    pick = order[first]
    best = np.full(leg.t_arr.size, np.inf)
    cell = np.full(leg.t_arr.size, -1)
    best[m_sorted[first]] = score[pick]
    cell[m_sorted[first]] = pick
    dv = (leg.dv_dep + leg.dv_arr).ravel()
    i = np.where(cell >= 0, cell // kk, 0)
    return _Best(leg.t_arr, best, np.where(cell >= 0, dv[np.maximum(cell, 0)], np.inf),
                 np.where(cell >= 0, leg.t_dep[i], np.nan))


def _reduce_return(leg: LegCosts, key: np.ndarray) -> _Best:
    """For each Mars departure epoch, the feasible return cell of least ``key``."""
    score = np.where(leg.feasible, key, np.inf)
    k = np.argmin(score, axis=1)
    rows = np.arange(score.shape[0])
    dv = (leg.dv_dep + leg.dv_arr)[rows, k]
    return _Best(leg.t_dep, score[rows, k], np.where(np.isfinite(score[rows, k]), dv, np.inf),
                 leg.t_arr[rows + k])


def _via_best(eph, scenario, leg: str, t_first, t_last, step) -> _Best:
    """A leg through flybys: the cheapest chain (Δv) for each Mars arrival (outbound) or departure (return) date.

    The sequence's own limit names are turned into the scenario's keys in its errors.
    """
    from sojourn.errors import InputError
    from sojourn.mission.chain import TIE_BREAK_KMS_PER_DAY, leg_problem, scenario_where
    from sojourn.transfer.sequence import sequence_grid

    tmin, tmax = scenario.transit_limits()
    try:
        p = leg_problem(scenario, leg, (t_first, t_last), eph)
        grid = sequence_grid(p, step, eph, tie_per_day=TIE_BREAK_KMS_PER_DAY)
    except (NoSolutionError, EphemerisRangeError) as exc:
        raise type(exc)(f"{leg} leg via {', '.join(scenario.flybys(leg))}: {exc.message}",
                        scenario_where(scenario, leg, exc.where)) from None
    except InputError as exc:
        if exc.where == "step_days":
            raise
        raise InputError(exc.message, scenario_where(scenario, leg, exc.where)) from None
    red = grid.by_arrival(tmin, tmax) if leg == "outbound" else grid.by_launch(tmin, tmax)
    if not np.isfinite(red.total).any():
        raise NoSolutionError(f"no {leg} leg via {', '.join(scenario.flybys(leg))} within "
                              f"{tmin:g}-{tmax:g} days on the grid", _where(scenario, "max_transit_days"))
    other = red.epochs[:, 0] if leg == "outbound" else red.epochs[:, -1]
    days = (red.epochs[:, -1] - red.epochs[:, 0]) / DAY  # the tie-break's share of the grid's cost, taken out
    dv = np.where(np.isfinite(red.total), red.total - TIE_BREAK_KMS_PER_DAY * np.nan_to_num(days), np.inf)
    return _Best(red.t_key, red.total.copy(), dv, other, red.epochs[:, 1:-1])


def _leg_best(eph, scenario, burns, leg, t_first, t_last, step, duration_first) -> tuple:
    """One leg's best per Mars arrival (outbound) or departure (return) date: (_Best, its grid or None)."""
    if scenario.flybys(leg):
        return _via_best(eph, scenario, leg, t_first, t_last, step), None
    if leg == "outbound":
        out = outbound_costs(eph, scenario, burns, t_first, t_last, step)
        dv = out.dv_dep + out.dv_arr
        key = (out.tof[None, :] / DAY + 1e-3 * dv) if scenario.mission.objective == "min_total_duration" else dv
        return _reduce_outbound(out, key), out
    ret = return_costs(eph, scenario, burns, t_first, t_last, step)
    dv = ret.dv_dep + ret.dv_arr
    return _reduce_return(ret, (ret.tof[None, :] / DAY + 1e-3 * dv) if duration_first else dv), ret


@dataclass
class Candidate:
    """A round trip: its epochs (TDB s), Δv and duration.

    ``t_out_flybys`` and ``t_ret_flybys`` are the flyby epochs of each leg, in
    flight order (empty for a direct leg).
    """

    t_launch: float
    t_mars_arrival: float
    t_mars_departure: float
    t_earth_arrival: float
    total_dv_kms: float
    t_out_flybys: tuple = ()
    t_ret_flybys: tuple = ()

    @property
    def total_days(self) -> float:
        return (self.t_earth_arrival - self.t_launch) / DAY

    @property
    def stay_days(self) -> float:
        return (self.t_mars_departure - self.t_mars_arrival) / DAY


def search_round_trips(scenario, t_first, t_last, *, ephemeris=None, step_days=None,
                       n_alternatives=5, progress=None) -> tuple[Candidate, list[Candidate], list[Candidate]]:
    """The best round trip launched between two epochs, its alternatives and the Pareto front.

    Parameters
    ----------
    scenario : Scenario
        Validated mission scenario.
    t_first, t_last : float
        Earth departure window, TDB s past J2000.
    ephemeris : Ephemeris or str, optional
    step_days : float, optional
        Grid step, days (default: the scenario's).
    n_alternatives : int
        How many runners-up to return.
    progress : callable, optional
        ``progress(done, total, label)`` over the search's four stages (:mod:`sojourn.progress`).

    Returns
    -------
    best : Candidate
        Refined below the grid step.
    alternatives : list of Candidate
        Next-best grid plans, each launching at least a week from the others.
    pareto : list of Candidate
        Grid plans no other beats in both total Δv and total days.

    Raises
    ------
    NoSolutionError
        Naming the binding constraint (``where`` is the scenario file and key).
    EphemerisRangeError
        A window outside the ephemeris.
    """
    from sojourn.ephemeris import resolve_ephemeris

    from sojourn.progress import reporting

    with reporting(progress, 4, "round-trip search") as advance:
        return _search(scenario, t_first, t_last, resolve_ephemeris(ephemeris),
                       step_days or scenario.windows.step_days, n_alternatives, advance)


def _search(scenario, t_first, t_last, eph, step, n_alternatives, advance):
    from sojourn.mission import chain as ch
    from sojourn.mission import electric
    from sojourn.mission.surface import keep_out_of_season, mask_dust_season

    burns = Burns(scenario)
    stay_min, stay_max = scenario.stay_limits()
    objective = scenario.mission.objective
    duration_first = objective in ("min_total_duration", "earliest_return")
    ob, _ = _leg_best(eph, scenario, burns, "outbound", t_first, t_last, step, duration_first)
    mask_dust_season(scenario, ob.t_key, ob.score, "landing")  # [surface] dust_storm_season = "avoid"
    arrivals = np.isfinite(ob.score)
    a_first, a_last = ob.t_key[arrivals][0], ob.t_key[arrivals][-1]
    d_first = a_first + stay_min * DAY
    d_last = a_last + stay_max * DAY
    # Mars departures lie on the same day grid as the arrivals.
    advance(1)
    rb, _ = _leg_best(eph, scenario, burns, "return", d_first, d_last, step, duration_first)
    advance(1)
    mask_dust_season(scenario, rb.t_key, rb.score, "ascent")

    # Join on the stay: every (arrival, departure) pair, vectorised.
    stay = (rb.t_key[None, :] - ob.t_key[:, None]) / DAY
    total_dv = ob.dv[:, None] + rb.dv[None, :]
    total_days = (rb.t_other[None, :] - ob.t_other[:, None]) / DAY
    ok = np.isfinite(ob.score)[:, None] & np.isfinite(rb.score)[None, :]
    ok &= (stay >= stay_min - 1e-6) & (stay <= stay_max + 1e-6)
    if not ok.any():
        raise NoSolutionError(f"no return leaves Mars within the allowed stay of {stay_min:g}-{stay_max:g} days",
                              _where(scenario, "min_stay_days"))
    c = scenario.constraints
    for key, values, label, unit in (
        ("max_total_days", total_days, "total duration", "days"),
        ("max_total_dv_kms", total_dv, "total Δv", "km/s"),
    ):
        limit = getattr(c, key, None)
        if limit is None:
            continue
        least = float(np.min(np.where(ok, values, np.inf)))
        ok &= values <= limit + 1e-9
        if not ok.any():
            raise NoSolutionError(f"no round trip with {label} at most {limit:g} {unit} "
                                  f"(the least is {least:.2f} {unit})", _where(scenario, key))
    if scenario.return_by is not None:
        ok &= rb.t_other[None, :] <= scenario.return_by
        if not ok.any():
            raise NoSolutionError(f"no round trip returns by {tdb_to_utc_iso(scenario.return_by)}",
                                  f"{scenario.source}: windows.return_by")

    if objective == "min_total_duration":
        score = total_days + 1e-3 * total_dv
    elif objective == "earliest_return":
        score = rb.t_other[None, :] / DAY + 1e-3 * total_dv
    else:  # min_total_dv; min_propellant is ranked by Δv, then by propellant below
        score = total_dv
    score = np.where(ok, score, np.inf)

    flat = np.argsort(score, axis=None)[: 4000]
    flat = flat[np.isfinite(score.ravel()[flat])]
    j, k = np.unravel_index(flat, score.shape)
    cands = _Ranked(ob, rb, j, k, total_dv)
    model = ch.RoundTripChain(scenario, eph, (t_first, t_last))
    if objective == "min_propellant" and scenario.vessel is not None and scenario.vessel.stages:
        cands = sorted(islice(cands, 300), key=lambda cd: evaluate(scenario, cd, eph, burns).budget.total_propellant_kg)

    advance(1)
    # Electric legs are optimised whole once the plan is chosen (sojourn.mission.electric): the ballistic
    # chain's refinement does not apply to them.
    best = cands[0] if electric.flies(scenario) else _refined(model, cands, scenario)
    best = keep_out_of_season(scenario, best, cands[0])
    advance(1)
    alternatives = []
    for cd in islice(cands, 1, None):
        if all(abs(cd.t_launch - o.t_launch) >= 7 * DAY for o in [best, *alternatives]):
            alternatives.append(cd)
        if len(alternatives) >= n_alternatives:
            break
    pareto = _pareto(ok, total_dv, total_days, ob, rb)
    return best, alternatives, pareto


#: Grid round trips (launches a week apart) refined before a search with unpowered flybys gives up.
MAX_UNPOWERED_TRIES = 6


def _refined(model, cands: Sequence, scenario) -> Candidate:
    """The best grid round trip refined; with unpowered flybys (which only the refinement makes ballistic) the
    next ones in turn, launches a week apart, until one is."""
    from sojourn.mission import chain as ch

    best = ch.refine(model, cands[0])
    if scenario.flyby_options.powered or not scenario.has_flybys:
        return best
    tried = [best]
    for cd in islice(cands, 1, None):
        if model.feasible(model.at(*ch.candidate_epochs(tried[-1]))):
            return tried[-1]
        if len(tried) >= MAX_UNPOWERED_TRIES:
            break
        if all(abs(cd.t_launch - o.t_launch) >= 7 * DAY for o in tried):
            tried.append(ch.refine(model, cd))
    if model.feasible(model.at(*ch.candidate_epochs(tried[-1]))):
        return tried[-1]
    raise NoSolutionError(f"no ballistic flyby (|v∞ in| = |v∞ out|) near the {len(tried)} best grid round trips: "
                          "allow powered flybys or widen the window", f"{scenario.source}: flyby.powered")


class _Ranked(Sequence):
    """The grid round trips in order of score, each made the first time it is asked for.

    A search ranks thousands of (arrival, departure) pairs and looks at a
    handful: the best, the alternatives a week apart, a few more with
    unpowered flybys. Iterate it with :func:`itertools.islice`, which makes
    only what the loop reaches.
    """

    def __init__(self, ob: _Best, rb: _Best, j: np.ndarray, k: np.ndarray, total_dv: np.ndarray):
        self._args = (ob, rb, j, k, total_dv)
        self._made: dict[int, Candidate] = {}

    def __len__(self) -> int:
        return len(self._args[2])

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[n] for n in range(*i.indices(len(self)))]
        ob, rb, j, k, total_dv = self._args
        i = range(len(self))[i]  # IndexError past the end, as a list
        if i not in self._made:
            self._made[i] = _joined(ob, rb, j[i], k[i], total_dv[j[i], k[i]])
        return self._made[i]


def _joined(ob: _Best, rb: _Best, a: int, b: int, total_dv: float) -> Candidate:
    """The round trip of outbound entry ``a`` and return entry ``b``."""
    return Candidate(float(ob.t_other[a]), float(ob.t_key[a]), float(rb.t_key[b]), float(rb.t_other[b]),
                     float(total_dv), ob.flybys(a), rb.flybys(b))


def _pareto(ok, total_dv, total_days, ob, rb) -> list[Candidate]:
    """Grid plans not beaten in both total Δv and total days (one per whole day of duration)."""
    dv = np.where(ok, total_dv, np.inf).ravel()
    days = np.round(np.where(ok, total_days, np.inf).ravel())
    order = np.lexsort((dv, days))
    order = order[np.isfinite(dv[order])]
    running = np.minimum.accumulate(dv[order])
    keep = np.r_[True, dv[order][1:] < running[:-1] - 1e-9]
    picks = order[keep]
    j, k = np.unravel_index(picks, total_dv.shape)
    return [_joined(ob, rb, a, b, total_dv[a, b]) for a, b in zip(j, k)]


def evaluate(scenario, cand: Candidate, eph, burns: Burns | None = None):
    """Both legs, every burn, the propellant budget and any broken constraint of one round trip.

    Returns
    -------
    sojourn.mission.chain.Evaluation
    """
    from sojourn.mission import electric
    from sojourn.mission.chain import RoundTripChain, evaluate as chain_evaluate

    if electric.flies(scenario):  # both legs estimated low-thrust (sojourn.mission.electric)
        return electric.evaluate(scenario, cand, eph, burns or Burns(scenario))
    return chain_evaluate(RoundTripChain(scenario, eph, (cand.t_launch, cand.t_launch + DAY)), cand)
