"""Searching Earth → Mars → Earth round trips without brute force in four dimensions.

A round trip is four epochs: Earth departure L, Mars arrival A, Mars departure
D and Earth arrival E. The search decomposes it:

1. the outbound leg on a (launch, time of flight) grid, reduced to the best
   feasible outbound for each Mars arrival date A;
2. the return leg on a (Mars departure, time of flight) grid, reduced to the
   best feasible return for each Mars departure date D;
3. the two joined over every (A, D) whose stay D − A is allowed, with the
   whole-mission constraints (total days, total Δv, return-by date);
4. the best joined plan refined below the grid step by Nelder-Mead on the four
   continuous epochs.

Grids run through the compiled Lambert kernel in single batched calls, so a
whole opportunity is a few hundred thousand transfers and a survey of 2026-2050
takes seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sojourn.bodies import GM_SUN, get_body
from sojourn.errors import EphemerisRangeError, NoSolutionError
from sojourn.time import DAY, datetime64_to_tdb, tdb_to_datetime64, tdb_to_utc_iso, utc_steps

_PENALTY = 1e9


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

    def outbound(self, c3, vinf_arr):
        """(Earth departure Δv, Mars arrival Δv, Mars entry speed), km/s."""
        from sojourn.core import patched_conics as pc

        mu_m = self.mars.gm_km3s2
        dv_dep = pc.departure_dv(self.earth.gm_km3s2, self.r_park, np.sqrt(c3))
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
    dv_dep, dv_arr, entry = burns.outbound(g["c3"], g["vinf_arr"])
    feasible = g["ok"].copy()
    _require(feasible, scenario, "outbound transfer", [
        ("max_c3", g["c3"], "launch C3", "km²/s²"),
        ("max_arrival_entry_speed_kms", entry if scenario.arrival.mode == "entry" else None,
         "Mars entry speed", "km/s"),
    ])
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


@dataclass
class Candidate:
    """A round trip: four epochs (TDB s) and its Δv and duration."""

    t_launch: float
    t_mars_arrival: float
    t_mars_departure: float
    t_earth_arrival: float
    total_dv_kms: float

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
    from sojourn.mission.surface import keep_out_of_season, mask_dust_season

    burns = Burns(scenario)
    stay_min, stay_max = scenario.stay_limits()
    out = outbound_costs(eph, scenario, burns, t_first, t_last, step)
    objective = scenario.mission.objective
    duration_first = objective in ("min_total_duration", "earliest_return")
    out_dv = out.dv_dep + out.dv_arr
    out_key = (out.tof[None, :] / DAY + 1e-3 * out_dv) if objective == "min_total_duration" else out_dv
    ob = _reduce_outbound(out, out_key)
    mask_dust_season(scenario, ob.t_key, ob.score, "landing")  # [surface] dust_storm_season = "avoid"
    arrivals = np.isfinite(ob.score)
    a_first, a_last = ob.t_key[arrivals][0], ob.t_key[arrivals][-1]
    d_first = a_first + stay_min * DAY
    d_last = a_last + stay_max * DAY
    # Mars departures lie on the same day grid as the arrivals.
    advance(1)
    ret = return_costs(eph, scenario, burns, d_first, d_last, step)
    advance(1)
    ret_dv = ret.dv_dep + ret.dv_arr
    ret_key = (ret.tof[None, :] / DAY + 1e-3 * ret_dv) if duration_first else ret_dv
    rb = _reduce_return(ret, ret_key)
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
    cands = [Candidate(float(ob.t_other[a]), float(ob.t_key[a]), float(rb.t_key[b]), float(rb.t_other[b]),
                       float(total_dv[a, b])) for a, b in zip(j, k)]
    if objective == "min_propellant" and scenario.vessel is not None and scenario.vessel.stages:
        cands = sorted(cands[:300], key=lambda cd: evaluate(scenario, cd, eph, burns).budget.total_propellant_kg)

    advance(1)
    best = refine(scenario, cands[0], eph, burns, (t_first, t_last), step)
    best = keep_out_of_season(scenario, best, cands[0])
    advance(1)
    alternatives = []
    for cd in cands[1:]:
        if all(abs(cd.t_launch - o.t_launch) >= 7 * DAY for o in [best, *alternatives]):
            alternatives.append(cd)
        if len(alternatives) >= n_alternatives:
            break
    pareto = _pareto(ok, total_dv, total_days, ob, rb)
    return best, alternatives, pareto


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
    return [Candidate(float(ob.t_other[a]), float(ob.t_key[a]), float(rb.t_key[b]), float(rb.t_other[b]),
                      float(total_dv[a, b])) for a, b in zip(j, k)]


@dataclass
class Evaluation:
    """A round trip evaluated from its four epochs."""

    candidate: Candidate
    legs: list  # two dicts: outbound, return (transfers() records with burn Δv)
    burns: list  # (name, dv_kms)
    budget: object  # vehicle.Budget
    feasible: bool
    violations: list  # (constraint key, message)


def evaluate(scenario, cand: Candidate, eph, burns: Burns | None = None) -> Evaluation:
    """Both legs, every burn, the propellant budget and any broken constraint of one round trip."""
    from sojourn.mission import electric
    from sojourn.mission.surface import breaks_dust_season
    from sojourn.mission.vehicle import fly_burns
    from sojourn.transfer.ballistic import transfers

    burns = burns or Burns(scenario)
    if electric.flies(scenario):  # both legs estimated low-thrust
        return electric.evaluate(scenario, cand, eph, burns)
    o = transfers(burns.earth, burns.mars, cand.t_launch, cand.t_mars_arrival, ephemeris=eph)
    r = transfers(burns.mars, burns.earth, cand.t_mars_departure, cand.t_earth_arrival, ephemeris=eph)
    o = {k: v[0] for k, v in o.items()}
    r = {k: v[0] for k, v in r.items()}
    violations = []
    if o["status"] != 0 or r["status"] != 0:
        return Evaluation(cand, [o, r], [], None, False, [("status", "no ballistic transfer")])
    d1, d2, mars_entry = (float(x) for x in burns.outbound(np.float64(o["c3"]), np.float64(o["vinf_arrival"])))
    d3, d4, earth_entry = (float(x) for x in burns.inbound(np.float64(r["vinf_departure"]), np.float64(r["vinf_arrival"])))
    o.update(dv_departure=d1, dv_arrival=d2, entry_speed=mars_entry)
    r.update(dv_departure=d3, dv_arrival=d4, entry_speed=earth_entry)
    cand.total_dv_kms = d1 + d2 + d3 + d4
    c = scenario.constraints
    stay_min, stay_max = scenario.stay_limits()
    tmin, tmax = scenario.transit_limits()
    checks = [
        ("max_c3", c.max_c3 is not None and o["c3"] > c.max_c3),
        ("max_transit_days", max(o["tof_days"], r["tof_days"]) > tmax + 1e-6),
        ("min_transit_days", min(o["tof_days"], r["tof_days"]) < tmin - 1e-6),
        ("min_stay_days", cand.stay_days < stay_min - 1e-6),
        ("max_stay_days", cand.stay_days > stay_max + 1e-6),
        ("max_total_days", c.max_total_days is not None and cand.total_days > c.max_total_days + 1e-6),
        ("max_total_dv_kms", c.max_total_dv_kms is not None and cand.total_dv_kms > c.max_total_dv_kms + 1e-9),
        ("max_entry_speed_kms", scenario.return_.mode == "entry" and c.max_entry_speed_kms is not None
         and earth_entry > c.max_entry_speed_kms),
        ("max_arrival_entry_speed_kms", scenario.arrival.mode == "entry"
         and c.max_arrival_entry_speed_kms is not None and mars_entry > c.max_arrival_entry_speed_kms),
        ("return_by", scenario.return_by is not None and cand.t_earth_arrival > scenario.return_by + 1e-6),
        ("surface.dust_storm_season", breaks_dust_season(scenario, cand.t_mars_arrival, cand.t_mars_departure)),
    ]
    violations = [(key, key) for key, broken in checks if broken]
    burn_list = [("earth_departure", d1), ("mars_arrival", d2), ("mars_departure", d3), ("earth_arrival", d4)]
    budget = fly_burns(scenario.vessel, burn_list)
    return Evaluation(cand, [o, r], burn_list, budget, not violations, violations)


def refine(scenario, cand: Candidate, eph, burns: Burns, launch_window, step_days) -> Candidate:
    """Nelder-Mead on the four epochs (days) from a grid plan, never leaving the feasible set."""
    from scipy.optimize import minimize

    objective = scenario.mission.objective
    base = np.array([cand.t_launch, cand.t_mars_arrival, cand.t_mars_departure, cand.t_earth_arrival])

    def score(ev: Evaluation) -> float:
        if objective == "min_total_duration":
            return ev.candidate.total_days + 1e-3 * ev.candidate.total_dv_kms
        if objective == "earliest_return":
            return ev.candidate.t_earth_arrival / DAY + 1e-3 * ev.candidate.total_dv_kms
        if objective == "min_propellant" and ev.budget is not None and ev.budget.burns and (ev.budget.total_propellant_kg or 0.0) > 0:
            return ev.budget.total_propellant_kg
        return ev.candidate.total_dv_kms

    def cost(p):
        t = base + np.asarray(p) * DAY
        if not (launch_window[0] - 1e-6 <= t[0] <= launch_window[1] + 1e-6) or not np.all(np.diff(t) > 0):
            return _PENALTY
        try:
            ev = evaluate(scenario, Candidate(*t, 0.0), eph, burns)
        except EphemerisRangeError:
            return _PENALTY
        return score(ev) if ev.feasible else _PENALTY

    start = cost(np.zeros(4))
    if start >= _PENALTY:  # the grid plan sits on a constraint boundary: keep it
        return evaluate(scenario, cand, eph, burns).candidate
    simplex = np.vstack([np.zeros(4), 0.5 * step_days * np.eye(4)])
    res = minimize(cost, np.zeros(4), method="Nelder-Mead",
                   options={"initial_simplex": simplex, "xatol": 1e-3, "fatol": 1e-7, "maxiter": 800})
    p = res.x if res.fun < start else np.zeros(4)
    t = base + p * DAY
    best = min(res.fun, start)
    # The optimiser stops within a fraction of a second of the optimum; on whole UTC seconds the
    # plan reads as people write it (00:00, not 23:59:59.8), when that costs nothing measurable.
    snapped = datetime64_to_tdb(tdb_to_datetime64(t).astype("datetime64[s]") +
                                (tdb_to_datetime64(t) - tdb_to_datetime64(t).astype("datetime64[s]")
                                 >= np.timedelta64(500, "ms")).astype("timedelta64[s]"))
    if cost((snapped - base) / DAY) <= best + 1e-7 * max(1.0, abs(best)):
        t = snapped
    return evaluate(scenario, Candidate(*t, 0.0), eph, burns).candidate
