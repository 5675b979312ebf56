"""A round trip as one chain of epochs: both legs, direct or through flybys, evaluated and refined together.

Each leg is a sequence of bodies (:mod:`sojourn.transfer.sequence`): the
outbound ``origin, *via, destination`` and the return ``destination, *via,
origin``, one Lambert arc between each pair, joined by flybys. The whole round
trip is one vector of epoch variables (days)::

    x = [launch - window start, outbound arcs' times of flight...,
         stay, return arcs' times of flight...]

so the stay, every transit and every flyby epoch are continuous together.
:class:`RoundTripChain` evaluates every burn, flyby and limit of such a
vector, exactly as the plan reports them; :func:`refine` moves all the
epochs at once by SLSQP from a grid candidate (the limits as constraints, so
a plan whose optimum lies on a limit - a shortest transit, a shortest stay -
slides along it instead of staying on the grid), and :func:`evaluate` gives
the plan's legs, burns and propellant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sojourn.errors import NoSolutionError
from sojourn.time import DAY

LEGS = ("outbound", "return")

_SNAP_TOL = 1e-7  # relative objective loss accepted for whole-second epochs

TIE_BREAK_KMS_PER_DAY = 1e-6
"""Between round trips of equal Δv (or propellant), the shorter is preferred: the refinement's objective
counts each day this much (1 mm/s per 1000 days). A return by atmospheric entry whose last arc costs nothing
whatever its length would otherwise leave the Earth arrival to chance."""
_SCENARIO_KEYS = {
    "max_c3": "constraints.max_c3",
    "min_flyby_alt_km": "flyby.min_altitude_km",
    "max_total_days": "constraints.max_transit_days",
    "min_total_days": "constraints.min_transit_days",
    "parking_inclination_deg": "departure.plane_change",
    "launch": "windows.launch",
}
"""Scenario keys of the sequence search's parameters, for the errors of a round trip's leg."""


def arc_days(scenario, leg: str, eph, t: float) -> tuple:
    """(min, max) days of each arc of a leg: the scenario's ``leg_days``, or 0.3-2 Hohmann times within the transit.

    Parameters
    ----------
    scenario : Scenario
    leg : {"outbound", "return"}
    eph : Ephemeris
        For the bodies' osculating semi-major axes at ``t``.
    t : float
        Epoch of those axes, TDB s.
    """
    from sojourn.transfer.sequence import arc_bounds

    tmin, tmax = scenario.transit_limits()
    route = scenario.outbound if leg == "outbound" else scenario.return_
    chain = leg_bodies(scenario, leg)
    if len(chain) == 2:
        return ((tmin, tmax),)
    if route.leg_days is not None:
        return tuple((float(lo), float(min(hi, tmax))) for lo, hi in route.leg_days)
    return arc_bounds(chain, t, longest=tmax, ephemeris=eph)


def leg_bodies(scenario, leg: str) -> tuple:
    """The bodies of a leg in flight order: ``(origin, *via, destination)`` or the way back."""
    a, b = scenario.mission.origin, scenario.mission.destination
    ends = (a, b) if leg == "outbound" else (b, a)
    return (ends[0], *scenario.flybys(leg), ends[1])


def leg_problem(scenario, leg: str, window, eph):
    """The sequence problem of one leg of a round trip (:func:`sojourn.transfer.sequence.sequence_problem`).

    Parameters
    ----------
    scenario : Scenario
    leg : {"outbound", "return"}
    window : (float, float)
        The leg's departure window, TDB s.
    eph : Ephemeris
    """
    from sojourn.mission.roundtrip import Burns
    from sojourn.transfer.sequence import sequence_problem

    burns = Burns(scenario)
    tmin, tmax = scenario.transit_limits()
    fb = scenario.flyby_options
    c = scenario.constraints
    mars_orbit = (burns.mars_rp - burns.mars.radius_km, burns.mars_ra - burns.mars.radius_km)
    common = dict(min_flyby_alt_km=fb.min_altitude_km, powered=fb.powered, max_total_days=tmax,
                  min_total_days=tmin)
    days = arc_days(scenario, leg, eph, window[0])
    if leg == "outbound":
        mode = {"propulsive": "capture", "aerocapture": "aerocapture", "entry": "entry"}[scenario.arrival.mode]
        return sequence_problem(
            leg_bodies(scenario, leg), window, days, departure_orbit_km=scenario.departure.parking_altitude_km,
            arrival=mode, capture_orbit_km=mars_orbit,
            entry_interface_km=scenario.arrival.entry_interface_altitude_km, max_c3=c.max_c3,
            max_entry_speed_kms=c.max_arrival_entry_speed_kms if mode == "entry" else None,
            parking_inclination_deg=scenario.departure.parking_inclination_deg,
            plane_change=scenario.departure.plane_change or "charge", **common)
    ret = scenario.return_
    earth_orbit = None
    if ret.mode == "propulsive":
        earth_orbit = (burns.earth_rp - burns.earth.radius_km, burns.earth_ra - burns.earth.radius_km)
    return sequence_problem(
        leg_bodies(scenario, leg), window, days, departure_orbit_km=mars_orbit,
        arrival="entry" if ret.mode == "entry" else "capture", capture_orbit_km=earth_orbit or 250.0,
        entry_interface_km=ret.entry_interface_altitude_km,
        max_entry_speed_kms=c.max_entry_speed_kms if ret.mode == "entry" else None, **common)


def scenario_where(scenario, leg: str, where: str | None) -> str:
    """The scenario key behind a sequence parameter named in an error of one leg's search."""
    key = _SCENARIO_KEYS.get(where or "")
    if where == "max_entry_speed_kms":
        key = "constraints.max_arrival_entry_speed_kms" if leg == "outbound" else "constraints.max_entry_speed_kms"
    elif where == "leg_days":
        key = f"{leg}.leg_days"
    return f"{scenario.source}: {key or where}"


# ---------------------------------------------------------------------------
# the chain


@dataclass
class ChainEval:
    """One round trip evaluated from its epochs (km/s, days, TDB s)."""

    out: dict  # the outbound leg's sequence evaluation (sojourn.transfer.sequence._Evaluator)
    ret: dict  # the return leg's
    signed: np.ndarray  # every flyby's signed periapsis burn, flight order, km/s
    ineq: np.ndarray  # >= 0 when the round trip keeps its limits
    eq: np.ndarray  # 0 for unpowered flybys
    fixed_dv: float  # the four end burns, km/s
    t_launch: float
    t_home: float

    def __getitem__(self, key):  # the sequence programme reads an evaluation as a dict
        return getattr(self, key)

    @property
    def total_days(self) -> float:
        return (self.t_home - self.t_launch) / DAY


class RoundTripChain:
    """Costs, flybys and limits of a round trip from its epoch variables (see the module notes).

    Parameters
    ----------
    scenario : Scenario
    eph : Ephemeris
    window : (float, float)
        The launch window, TDB s.
    """

    def __init__(self, scenario, eph, window):
        from sojourn.transfer.sequence import _Evaluator

        self.scenario = scenario
        self.eph = eph
        self.window = (float(window[0]), float(window[1]))
        self.p_out = leg_problem(scenario, "outbound", self.window, eph)
        self.p_ret = leg_problem(scenario, "return", self.window, eph)
        self.ev_out, self.ev_ret = _Evaluator(self.p_out, eph), _Evaluator(self.p_ret, eph)
        self.n_out, self.n_ret = self.p_out.n_legs, self.p_ret.n_legs
        self.stay = scenario.stay_limits()
        surface = getattr(scenario, "surface", None)
        self.avoid_dust = surface is not None and surface.dust_storm_season == "avoid"
        self._memo: dict = {}

    # -- variables ------------------------------------------------------------

    def bounds(self) -> list:
        """Bounds of each epoch variable, days."""
        return ([(0.0, (self.window[1] - self.window[0]) / DAY)] + list(self.p_out.leg_days) + [self.stay]
                + list(self.p_ret.leg_days))

    def epochs(self, x) -> tuple[np.ndarray, np.ndarray]:
        """The outbound and return legs' epochs (TDB s) of a vector of epoch variables."""
        x = np.asarray(x, dtype=float)
        out = self.window[0] + np.concatenate([[x[0]], x[0] + np.cumsum(x[1:1 + self.n_out])]) * DAY
        stay = x[1 + self.n_out]
        back = out[-1] + np.concatenate([[stay], stay + np.cumsum(x[2 + self.n_out:])]) * DAY
        return out, back

    def variables(self, t_out, t_ret) -> np.ndarray:
        """The epoch variables of two legs' epochs (the inverse of :meth:`epochs`)."""
        return np.concatenate([[(t_out[0] - self.window[0]) / DAY], np.diff(t_out) / DAY,
                               [(t_ret[0] - t_out[-1]) / DAY], np.diff(t_ret) / DAY])

    # -- evaluation -----------------------------------------------------------

    def __call__(self, x) -> ChainEval | None:
        key = np.asarray(x, dtype=float).tobytes()
        if key not in self._memo:
            self.many(np.asarray(x, dtype=float)[None])
        return self._memo[key]

    def many(self, xs) -> list:
        """Evaluations of the rows of ``xs`` (epoch variables), in one batch per leg, remembered."""
        xs = np.atleast_2d(np.asarray(xs, dtype=float))
        keys = [x.tobytes() for x in xs]
        if len(self._memo) > 512:  # before looking: what is found stays found
            self._memo.clear()
        todo = [i for i, k in enumerate(keys) if k not in self._memo]
        if todo:
            pairs = [self.epochs(xs[i]) for i in todo]
            outs = self.ev_out._evaluate_batch(np.array([a for a, _ in pairs]))
            rets = self.ev_ret._evaluate_batch(np.array([b for _, b in pairs]))
            for i, (t_out, t_ret), e_out, e_ret in zip(todo, pairs, outs, rets):
                self._memo[keys[i]] = self._joined(t_out, t_ret, e_out, e_ret)
        return [self._memo[k] for k in keys]

    def at(self, t_out, t_ret) -> ChainEval | None:
        """The round trip with these epochs (None where an arc has no Lambert solution or leaves the ephemeris)."""
        t_out, t_ret = np.asarray(t_out, dtype=float), np.asarray(t_ret, dtype=float)
        return self._joined(t_out, t_ret, self.ev_out._evaluate(t_out), self.ev_ret._evaluate(t_ret))

    def _joined(self, t_out, t_ret, e_out, e_ret) -> ChainEval | None:
        """Both legs' evaluations as one round trip, with its whole-mission limits."""
        if not (np.all(np.diff(t_out) > 0) and np.all(np.diff(t_ret) > 0) and t_ret[0] >= t_out[-1]):
            return None
        if e_out is None or e_ret is None:
            return None
        sc, c = self.scenario, self.scenario.constraints
        t0, t_home = float(t_out[0]), float(t_ret[-1])
        ineq = [e_out["ineq"], e_ret["ineq"]]
        total_days = (t_home - t0) / DAY
        if c.max_total_days is not None:
            ineq.append([c.max_total_days - total_days])
        if sc.return_by is not None:
            ineq.append([(sc.return_by - t_home) / DAY])
        if self.avoid_dust:  # landing and ascent out of the dust-storm season (degrees of Ls)
            from sojourn.mission.surface import season_margin_deg

            ineq.append(season_margin_deg(sc, [t_out[-1], t_ret[0]]))
        return ChainEval(out=e_out, ret=e_ret, signed=np.concatenate([e_out["signed"], e_ret["signed"]]),
                         ineq=np.concatenate([np.atleast_1d(a) for a in ineq]),
                         eq=np.concatenate([e_out["eq"], e_ret["eq"]]),
                         fixed_dv=e_out["dep"] + e_out["dv_arr"] + e_ret["dep"] + e_ret["dv_arr"],
                         t_launch=t0, t_home=t_home)

    def burns(self, e: ChainEval, d=None) -> list:
        """(name, Δv km/s) of every burn in flight order; ``d`` replaces |signed| for the flyby burns."""
        sc = self.scenario
        d = np.abs(e.signed) if d is None else np.asarray(d)
        extra_out = 0.0 if e.out["fb"] is None else e.out["fb"]["turn_dv"]
        extra_ret = 0.0 if e.ret["fb"] is None else e.ret["fb"]["turn_dv"]
        n = e.out["signed"].size
        out_names, ret_names = sc.flyby_burns("outbound"), sc.flyby_burns("return")
        return ([("earth_departure", float(e.out["dep"]))]
                + [(nm, float(d[k] + np.take(extra_out, k))) for k, nm in enumerate(out_names)]
                + [("mars_arrival", float(e.out["dv_arr"])), ("mars_departure", float(e.ret["dep"]))]
                + [(nm, float(d[n + k] + np.take(extra_ret, k))) for k, nm in enumerate(ret_names)]
                + [("earth_arrival", float(e.ret["dv_arr"]))])

    def total_dv(self, e: ChainEval, d=None) -> float:
        """Every burn, km/s."""
        return float(sum(dv for _, dv in self.burns(e, d)))

    def feasible(self, e: ChainEval | None) -> bool:
        """Within every limit (flyby turns within reach, unpowered flybys balanced)."""
        from sojourn.transfer.sequence import VINF_TOLERANCE_KMS

        if e is None:
            return False
        for fb in (e.out["fb"], e.ret["fb"]):
            if fb is not None and not np.all(fb["status"] == 0):
                return False
        if self.scenario.constraints.max_total_dv_kms is not None:
            if self.total_dv(e) > self.scenario.constraints.max_total_dv_kms + 1e-9:
                return False
        stay = (e.ret["t"][0] - e.out["t"][-1]) / DAY
        lo, hi = self.stay
        return bool(np.all(e.ineq >= -1e-7) and np.all(np.abs(e.eq) <= VINF_TOLERANCE_KMS)
                    and lo - 1e-6 <= stay <= hi + 1e-6)

    # -- the objective --------------------------------------------------------

    def objective(self, e: ChainEval, d) -> float:
        """What the scenario minimises, from an evaluation and the flyby burns' bounds ``d``."""
        goal = self.scenario.mission.objective
        if goal == "min_total_duration":
            return e.total_days + 1e-3 * self.total_dv(e, d)
        if goal == "earliest_return":
            return (e.t_home - self.window[0]) / DAY + 1e-3 * self.total_dv(e, d)
        tie = TIE_BREAK_KMS_PER_DAY * e.total_days
        if goal == "min_propellant":
            from sojourn.mission.vehicle import fly_burns

            budget = fly_burns(self.scenario.vessel, self.burns(e, d))
            if budget.total_propellant_kg:
                return budget.total_propellant_kg / 1000.0 + tie  # tonnes: SLSQP likes numbers near 1
        return self.total_dv(e, d) + tie

    def score(self, e: ChainEval) -> float:
        """The objective of an evaluated round trip (flyby burns as they are)."""
        return self.objective(e, np.abs(e.signed))

    def dv_limit(self, e: ChainEval, d):
        """``constraints.max_total_dv_kms`` as an inequality on the burns (empty without it)."""
        limit = self.scenario.constraints.max_total_dv_kms
        return np.zeros(0) if limit is None else np.array([limit - self.total_dv(e, d)])


# ---------------------------------------------------------------------------
# refinement and evaluation of one candidate


def candidate_epochs(cand) -> tuple[np.ndarray, np.ndarray]:
    """The two legs' epochs of a :class:`~sojourn.mission.roundtrip.Candidate`, TDB s."""
    return (np.array([cand.t_launch, *cand.t_out_flybys, cand.t_mars_arrival]),
            np.array([cand.t_mars_departure, *cand.t_ret_flybys, cand.t_earth_arrival]))


def _candidate(chain: RoundTripChain, t_out, t_ret, e: ChainEval | None):
    from sojourn.mission.roundtrip import Candidate

    return Candidate(float(t_out[0]), float(t_out[-1]), float(t_ret[0]), float(t_ret[-1]),
                     chain.total_dv(e) if e is not None else math.inf,
                     tuple(float(t) for t in t_out[1:-1]), tuple(float(t) for t in t_ret[1:-1]))


def refine(chain: RoundTripChain, cand):
    """Every epoch of a grid candidate refined at once by SLSQP, never leaving the feasible set.

    Returns
    -------
    Candidate
        The refined round trip, on whole UTC seconds when that costs nothing
        measurable; the candidate itself (its Δv re-evaluated) when no feasible
        improvement is found.
    """
    from sojourn.transfer.sequence import _Programme

    t_out, t_ret = candidate_epochs(cand)
    x0 = chain.variables(t_out, t_ret)
    bounds = chain.bounds()
    x0 = np.clip(x0, [b[0] for b in bounds], [b[1] for b in bounds])
    start = chain(x0)
    best, best_score = (x0, chain.score(start)) if chain.feasible(start) else (None, math.inf)
    if start is not None:
        prog = _Programme(chain, bounds, start, chain.scenario.flyby_options.powered, chain.objective,
                          chain.dv_limit)
        x = prog.solve(prog.start(x0, start))
        e = chain(x)
        if chain.feasible(e) and chain.score(e) < best_score:
            best, best_score = x, chain.score(e)
    if best is None:
        return _candidate(chain, t_out, t_ret, start)
    best = _snapped(chain, best, best_score)
    return _candidate(chain, *chain.epochs(best), chain(best))


def _snapped(chain: RoundTripChain, x, score: float):
    """The epochs on whole UTC seconds, when that keeps the round trip feasible and costs nothing measurable.

    The optimiser stops within a fraction of a second of the optimum; on whole
    seconds the plan reads as people write it (00:00, not 23:59:59.8).
    """
    from sojourn.time import datetime64_to_tdb, tdb_to_datetime64

    t = np.concatenate(chain.epochs(x))
    when = tdb_to_datetime64(t)
    whole = when.astype("datetime64[s]")
    up = (when - whole >= np.timedelta64(500, "ms")).astype("timedelta64[s]")
    snapped = datetime64_to_tdb(whole + up)
    y = chain.variables(snapped[:chain.n_out + 1], snapped[chain.n_out + 1:])
    e = chain(y)
    if chain.feasible(e) and chain.score(e) <= score + _SNAP_TOL * max(1.0, abs(score)):
        return y
    return x


@dataclass
class Evaluation:
    """A round trip evaluated from its epochs: what the plan is built from.

    Attributes
    ----------
    candidate : Candidate
        Its epochs, with ``total_dv_kms`` set.
    legs : tuple of SequenceTransfer
        Outbound and return, each with its arcs and flybys.
    burns : list of (str, float)
        Every burn in flight order (the scenario's :attr:`burn_names`), km/s.
    budget : Budget
    feasible : bool
    violations : list of (str, str)
        The limits broken: (scenario key, what).
    plane_change_deg : float
        Plane change the launch asymptote needs from the parking orbit, degrees.
    """

    candidate: Any
    legs: tuple
    burns: list
    budget: Any
    feasible: bool
    violations: list
    plane_change_deg: float = 0.0


def evaluate(chain: RoundTripChain, cand) -> Evaluation:
    """Both legs, every burn, the propellant budget and any broken constraint of one round trip.

    Raises
    ------
    NoSolutionError
        An arc of the round trip has no ballistic solution.
    """
    from sojourn.mission.vehicle import fly_burns
    from sojourn.transfer.sequence import _transfer

    t_out, t_ret = candidate_epochs(cand)
    e = chain.at(t_out, t_ret)
    if e is None:
        raise NoSolutionError("no ballistic transfer between the round trip's epochs", "epochs")
    burns = chain.burns(e)
    cand.total_dv_kms = float(sum(dv for _, dv in burns))
    legs = (_transfer(chain.p_out, e.out, True), _transfer(chain.p_ret, e.ret, True))
    violations = _violations(chain, e, cand)
    return Evaluation(cand, legs, burns, fly_burns(chain.scenario.vessel, burns), not violations, violations,
                      float(e.out["plane_change_deg"]))


def _violations(chain: RoundTripChain, e: ChainEval, cand) -> list:
    """(scenario key, what) of every limit the round trip breaks."""
    from sojourn.mission.surface import breaks_dust_season

    sc, c = chain.scenario, chain.scenario.constraints
    tmin, tmax = sc.transit_limits()
    lo, hi = chain.stay
    days = [cand.t_mars_arrival - cand.t_launch, cand.t_earth_arrival - cand.t_mars_departure]
    days = [d / DAY for d in days]
    vd = e.out["vd"][0]
    checks = [
        ("max_c3", c.max_c3 is not None and float(vd @ vd) > c.max_c3 + 1e-9),
        ("max_transit_days", max(days) > tmax + 1e-6),
        ("min_transit_days", min(days) < tmin - 1e-6),
        ("min_stay_days", cand.stay_days < lo - 1e-6),
        ("max_stay_days", cand.stay_days > hi + 1e-6),
        ("max_total_days", c.max_total_days is not None and cand.total_days > c.max_total_days + 1e-6),
        ("max_total_dv_kms", c.max_total_dv_kms is not None and cand.total_dv_kms > c.max_total_dv_kms + 1e-9),
        ("max_entry_speed_kms", sc.return_.mode == "entry" and c.max_entry_speed_kms is not None
         and e.ret["entry"] > c.max_entry_speed_kms + 1e-9),
        ("max_arrival_entry_speed_kms", sc.arrival.mode == "entry" and c.max_arrival_entry_speed_kms is not None
         and e.out["entry"] > c.max_arrival_entry_speed_kms + 1e-9),
        ("return_by", sc.return_by is not None and cand.t_earth_arrival > sc.return_by + 1e-6),
        ("flyby.min_altitude_km", any(fb is not None and not np.all(fb["status"] == 0) for fb in (e.out["fb"],
                                                                                                e.ret["fb"]))),
        ("flyby.powered", not sc.flyby_options.powered and e.eq.size > 0
         and float(np.max(np.abs(e.eq))) > 1e-6),
        ("departure.plane_change", sc.departure.plane_change == "avoid" and e.out["plane_change_deg"] > 1e-6),
        ("surface.dust_storm_season", breaks_dust_season(sc, cand.t_mars_arrival, cand.t_mars_departure)),
    ]
    return [(key, key) for key, broken in checks if broken]
