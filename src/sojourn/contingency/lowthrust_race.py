"""The race against a low-thrust rival: a vessel B with ``[vessel.electric]``.

:func:`sojourn.race` hands an electric B to :func:`race_electric`. B's
capability is its engine and its propellant: from each launch date it flies
the earliest arrival at the destination that its electric propellant allows
(a minimum-time low-thrust leg for a mass budget), and it wins from a launch
date when that arrival comes before A's. B may burn its whole electric tank on
the way out: its return is not part of the race, as for a ballistic rival.

Method
------
1. **Estimate** (every launch date of the grid at once): B's low-thrust legs
   over launch date × arrival date on one lattice, each estimated from its
   Lambert arc (MIMA, as the mission search does,
   :func:`sojourn.mission.electric.leg_costs`): a cell is *feasible* when it
   needs at most :data:`~sojourn.mission.electric.THRUST_MARGIN` times B's
   thrust by the estimate and its propellant fits B's tank. The earliest
   feasible arrival of each launch date estimates B's margin.
2. **Optimise** the launch dates worth it: those whose estimated margin is
   better than ``-ESTIMATE_SLACK_DAYS`` (MIMA is a screening estimate), at most
   :data:`DATES_OPTIMISED` of them spread evenly over the candidates (always
   the last), each a minimum-time leg (:func:`sojourn.lowthrust_leg`,
   ``objective="min_time"``) that must arrive before A and keep the mass
   budget, verified by DOP853.
3. **Bracket and bisect** the last winning launch: from the last winning date
   optimised, grid dates 1, 2, 4 ... steps further on until one loses, then
   bisection between the two, to ``max(1 day, step_days / 10)``.

Each minimum-time leg is tried from the most-mass leg arriving just before A;
when SLSQP stalls there or stops on a poorer optimum, again with a few more
segments and from a leg a little shorter (:data:`RETRIES`).

A date whose leg does not converge is not a win: the result says B does not
win from it *as far as the optimiser finds*.
"""

from __future__ import annotations

import math

import numpy as np

from sojourn.bodies import GM_SUN
from sojourn.errors import NoSolutionError
from sojourn.time import DAY, tdb_to_utc_iso

DATES_OPTIMISED = 8
"""Launch dates of the grid given a minimum-time optimisation, at most (the bisection adds its own)."""

RETRIES = ((1.0, 0), (1.0, 3), (0.96, 0))
"""Tries at a launch date: the longest flight as a share of the time left before A arrives, and segments
added to B's. A minimum-time leg starts from the most-mass leg of that length, which SLSQP may leave on a
poorer local optimum (or stall on); three nearby problems are three starts."""

ESTIMATE_SLACK_DAYS = 30.0
"""A launch date is optimised when its estimated margin is better than minus this, days."""


def _capability(scenario) -> dict:
    """B's mass after its departure burn, its mass budget (kg) and the leg's options."""
    from sojourn.mission import electric
    from sojourn.mission.roundtrip import Burns

    e = scenario.vessel.electric
    m0 = electric.leg_masses(scenario, Burns(scenario))[0]
    p = electric.propulsion(scenario)
    kw = dict(thrust_n=p.thrust_n, isp_s=p.isp_s, power_law=p.power_law, duty_cycle=p.duty_cycle,
              vinf_departure_kms=e.vinf_departure_kms, vinf_arrival_kms=e.vinf_arrival_kms, segments=e.segments)
    return {"m0": m0, "budget": max(m0 - e.propellant_kg, 1e-3 * m0), "kw": kw}


def _estimate_grid(eph, sb, burns, t_launch, t_arr, m0):
    """B's estimate over launch × arrival: thrust Δv (km/s), feasible, and the arrival each cell keeps."""
    from sojourn.core.lowthrust import mima_grid
    from sojourn.mission import electric

    e = sb.vessel.electric
    p = electric.propulsion(sb)
    r1, v1 = eph.state(burns.earth, t_launch)
    r2, v2 = eph.state(burns.mars, t_arr)
    n, m = t_launch.size, t_arr.size
    tof = t_arr[None, :] - t_launch[:, None]
    tof_ok = tof >= sb.constraints.min_transit_days * DAY - 1e-6
    if sb.constraints.max_transit_days is not None:
        tof_ok &= tof <= sb.constraints.max_transit_days * DAY + 1e-6
    dv, acc, _, _, _, _ = mima_grid(GM_SUN, r1, v1, np.broadcast_to(r2, (n, m, 3)),
                                         np.broadcast_to(v2, (n, m, 3)), np.where(tof_ok, tof, DAY),
                                         vinf_dep=e.vinf_departure_kms, vinf_arr=e.vinf_arrival_kms, m0=m0,
                                         tmax=p.thrust_n * p.duty_cycle / 1000.0, law=p.law_code, r_ref=_AU(),
                                         ve=p.exhaust_speed_kms)
    need, propellant = electric._fits(p, e, m0, dv, acc, r1, np.broadcast_to(r2, (n, m, 3)))
    feasible = tof_ok & np.isfinite(dv) & (need <= electric.THRUST_MARGIN) & (propellant <= e.propellant_kg)
    return np.where(tof_ok, dv, np.nan), feasible, tof_ok


def _AU() -> float:
    from sojourn.constants import AU_KM

    return AU_KM


def _grid(eph, sb, burns, need, a_launch, a_arrival, step):
    """The race grid (launch × arrival, as the ballistic race's) with B's estimate, and each date's estimate."""
    import xarray as xr

    from sojourn import checks
    from sojourn.contingency.race import ARRIVAL_PAD_DAYS
    from sojourn.time import tdb_to_datetime64, utc_steps

    n = int(math.floor((a_arrival - a_launch) / (step * DAY) + 1e-6)) + 1
    k0 = int(math.ceil(sb.constraints.min_transit_days / step - 1e-9))
    m = max(2, int(math.floor((a_arrival + ARRIVAL_PAD_DAYS * DAY - a_launch) / (step * DAY) + 1e-9)) - k0 + 1)
    checks.grid_cells(n * m)
    lattice = utc_steps(a_launch, step, max(n, k0 + m))
    t_launch = lattice[:n][lattice[:n] <= a_arrival]
    t_arr = lattice[k0:k0 + m]
    eph.check_range(burns.earth, t_launch[0], t_launch[-1], "a")
    eph.check_range(burns.mars, t_arr[0], t_arr[-1], "a")
    dv, feasible, tof_ok = _estimate_grid(eph, sb, burns, t_launch, t_arr, need["m0"])
    vd = sb.vessel.electric.vinf_departure_kms
    c3 = np.where(tof_ok, vd * vd, np.nan)
    dims = ("launch", "arrival")
    grid = xr.Dataset(
        {"c3": (dims, c3, {"units": "km2/s2"}), "dv_total_kms": (dims, dv, {"units": "km/s"}),
         "thrust_dv_kms": (dims, dv, {"units": "km/s", "method": "MIMA estimate (Hennes, Izzo & Landau 2016)"}),
         "feasible": (dims, feasible), "status": (dims, np.where(np.isfinite(dv), 0, 1).astype(np.int8))},
        coords={"launch": tdb_to_datetime64(t_launch), "arrival": tdb_to_datetime64(t_arr),
                "t_launch": ("launch", t_launch, {"units": "s TDB past J2000"}),
                "t_arrival": ("arrival", t_arr, {"units": "s TDB past J2000"})})
    first = np.where(feasible, t_arr[None, :], np.inf).min(axis=1)
    return grid, (a_arrival - first) / DAY  # estimated margin of each launch date (−inf: none)


def _dates(t_launch, margin) -> list:
    """Indices of the launch dates worth optimising (module notes, step 2)."""
    good = np.flatnonzero(margin > -ESTIMATE_SLACK_DAYS)
    if good.size == 0:  # the estimate finds nothing: the optimiser still has its say on the best two
        good = np.sort(np.argsort(-margin)[:2])
    if good.size <= DATES_OPTIMISED:
        return list(good)
    pick = np.unique(np.round(np.linspace(0, good.size - 1, DATES_OPTIMISED)).astype(int))
    return list(good[pick])


class _Flyer:
    """B's minimum-time leg from a launch epoch, as a race Transfer (None: no win found from it)."""

    def __init__(self, eph, sb, cap, burns, a_arrival):
        from sojourn.contingency.race import BEFORE_S

        self.eph, self.sb, self.cap, self.burns = eph, sb, cap, burns
        self.deadline = a_arrival - BEFORE_S
        self.a_arrival = a_arrival
        self.need = _capability(sb)
        self.flown = {}

    def __call__(self, t: float):
        from sojourn.transfer.lowthrust import MAX_SEGMENTS, default_segments, lowthrust_leg

        c = self.sb.constraints
        longest = (self.deadline - t) / DAY
        if c.max_transit_days is not None:
            longest = min(longest, c.max_transit_days)
        if longest < c.min_transit_days:
            return None
        kw = dict(self.need["kw"])
        segments = kw.pop("segments") or default_segments(longest)
        for share, more in RETRIES:  # SLSQP can stall, or stop on a poorer optimum, where a nearby problem does not
            leg = lowthrust_leg(self.burns.earth.name, self.burns.mars.name, float(t), max(share * longest,
                                c.min_transit_days), mass_kg=self.need["m0"], objective="min_time",
                                min_final_mass_kg=self.need["budget"], min_tof_days=c.min_transit_days,
                                segments=min(segments + more, MAX_SEGMENTS), ephemeris=self.eph, strict=False, **kw)
            if leg.converged:
                break
        self.flown[float(t)] = leg
        return _transfer(self.eph, self.sb, self.cap, self.burns, leg, self.a_arrival) if leg.converged else None


def _transfer(eph, sb, cap, burns, leg, a_arrival):
    """A race Transfer of a converged leg, or None when it breaks one of B's limits or arrives too late."""
    from sojourn.contingency.race import BEFORE_S, Transfer
    from sojourn.mission import electric

    vd = sb.vessel.electric.vinf_departure_kms
    d_dep, d_arr, entry = (float(x) for x in burns.outbound(np.float64(vd * vd), np.float64(leg.vinf_arrival_kms)))
    pleg = electric._leg(eph, leg, entry)
    values = {"max_c3": pleg.c3, "max_total_dv_kms": d_dep + d_arr, "max_arrival_entry_speed_kms": entry}
    if any(values[key] > limit + 1e-9 for key, _, _, limit in cap.limits()):
        return None
    if leg.t_arrival > a_arrival - BEFORE_S:
        return None
    return Transfer(t_launch=float(leg.t_launch), t_arrival=float(leg.t_arrival), c3=pleg.c3,
                    vinf_departure=pleg.vinf_departure, vinf_arrival=pleg.vinf_arrival, dla_deg=pleg.dla_deg,
                    dv_departure_kms=d_dep, dv_arrival_kms=d_arr, type_ii=False,
                    margin_days=(a_arrival - leg.t_arrival) / DAY, t_earliest_arrival=float(leg.t_arrival),
                    lowthrust=leg)


def _last_win(fly, tried: dict, t_launch, a_arrival, tolerance_s, advance):
    """The last winning launch (module notes, step 3): from the last win optimised, launch dates of the grid
    further and further on (1, 2, 4 ... steps) until one loses, then bisection between the two."""
    wins = [t for t in sorted(tried) if tried[t] is not None]
    if not wins:
        return None
    lo, best = wins[-1], tried[wins[-1]]
    i, jump, hi = int(np.searchsorted(t_launch, lo)), 1, None
    while hi is None:
        if i + jump >= t_launch.size:
            hi = min(float(t_launch[-1]) + (t_launch[-1] - t_launch[0]) / max(t_launch.size - 1, 1), a_arrival)
            break
        t = float(t_launch[i + jump])
        if t not in tried:  # a grid date: its leg is one of the wins when it wins
            tried[t] = fly(t)
        trial = tried[t]
        advance(0)
        if trial is None:
            hi = t
        else:
            lo, best, i, jump = t, trial, i + jump, 2 * jump
    while hi - lo > tolerance_s:
        mid = 0.5 * (lo + hi)
        trial = fly(mid)
        advance(0)
        if trial is not None:
            lo, best = mid, trial
        else:
            hi = mid
    return best


def race_electric(plan, sa, sb, cap, eph, step: float, progress=None):
    """Race a low-thrust vessel B against mission A's plan (module notes).

    Parameters
    ----------
    plan : Plan
        A's plan: its outbound leg fixes the race window and the deadline.
    sa, sb : Scenario
        A's and B's scenarios; B has ``[vessel.electric]``.
    cap : Capability
        B's capability (:class:`sojourn.contingency.race.Capability`).
    eph : Ephemeris
    step : float
        B's launch grid step, days.
    progress : callable, optional
        ``progress(done, total, label)``, counted in optimised legs.

    Returns
    -------
    RaceResult
        ``wins`` are the launch dates optimised from which B arrives first (each
        Transfer carries its ``lowthrust`` leg), ``last`` the bisected last win,
        ``grid`` B's estimate over the race window (with ``thrust_dv_kms``).

    Raises
    ------
    NoSolutionError
        B's departure allowance breaks its own C3 limit, or neither the estimate
        nor the optimiser finds B any way to the destination before A.
    """
    from sojourn.contingency.race import RaceResult
    from sojourn.mission.roundtrip import Burns
    from sojourn.progress import reporting

    a_launch, a_arrival = float(plan.legs[0].t_depart), float(plan.legs[0].t_arrive)
    vd = sb.vessel.electric.vinf_departure_kms
    if cap.max_c3 is not None and vd * vd > cap.max_c3:
        raise NoSolutionError(f"{cap.name}'s departure v-infinity allowance ({vd:g} km/s) is above its launch C3 "
                              f"limit ({cap.max_c3:g} km²/s²)", f"{sb.source}: vessel.electric.vinf_departure_kms")
    burns = Burns(sb)
    fly = _Flyer(eph, sb, cap, burns, a_arrival)
    grid, margin = _grid(eph, sb, burns, fly.need, a_launch, a_arrival, step)
    t_launch = grid["t_launch"].values
    picks = _dates(t_launch, margin)
    tolerance = max(1.0, step / 10.0) * DAY
    tried = {}
    with reporting(progress, len(picks), "race: low-thrust legs") as advance:
        for i in picks:
            tried[float(t_launch[i])] = fly(float(t_launch[i]))
            advance(1)
        last = _last_win(fly, tried, t_launch, a_arrival, tolerance, advance)
    wins = tuple(tried[t] for t in sorted(tried) if tried[t] is not None)
    if not wins and not grid["feasible"].values.any():
        raise NoSolutionError(f"{cap.name} cannot reach Mars before {sa.mission.name} from any launch between "
                              f"{tdb_to_utc_iso(t_launch[0])} and {tdb_to_utc_iso(t_launch[-1])}: no leg within its "
                              "thrust and propellant by the estimate, and none found by the optimiser",
                              f"{sb.source}: vessel.electric.thrust_n")
    return RaceResult(
        a_name=sa.mission.name, a_source=sa.source, a_launch=a_launch, a_arrival=a_arrival, capability=cap,
        wins=wins, last=last, grid=grid, ephemeris=eph.name, step_days=step,
        assumptions=assumptions(eph, sb, sa, cap, a_launch, a_arrival, step, len(tried), tolerance),
    )


def assumptions(eph, sb, sa, cap, a_launch, a_arrival, step, optimised: int, tolerance_s: float) -> tuple:
    """What an electric race assumes, in words."""
    e = sb.vessel.electric
    return (
        f"ephemeris {eph.name}; B flies low-thrust legs ({e.thrust_n:g} N at duty cycle {e.duty_cycle:g}, "
        f"Isp {e.isp_s:g} s, {e.power_law} thrust law) from the Earth's centre, as the mission planner does",
        f"A ({sa.mission.name}) arrives {tdb_to_utc_iso(a_arrival, 'minute')} UTC by its plan "
        f"(launch {tdb_to_utc_iso(a_launch, 'minute')})",
        f"B's departure burn gives at most {e.vinf_departure_kms:g} km/s of v-infinity, its arrival keeps at most "
        f"{e.vinf_arrival_kms:g} km/s; B may burn all {e.propellant_kg:,.0f} kg of its electric propellant on the "
        "way out (its return is not part of the race)",
        f"launch dates every {step:g} day(s) estimated (MIMA); {optimised} of them optimised as minimum-time legs "
        f"verified by DOP853, then the last winning launch bisected to {tolerance_s / DAY:g} day(s)",
        "a launch date whose optimised leg does not converge is not counted as a win",
    )
