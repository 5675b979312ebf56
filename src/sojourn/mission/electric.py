"""Electric legs in missions: a vessel with ``[vessel.electric]`` flies both transits low-thrust.

The round-trip search (:mod:`sojourn.mission.roundtrip`) is the same for every
vessel; for an electric one this module supplies its three electric parts:

1. **Leg costs** (:func:`leg_costs`): every cell of a transit's (departure,
   time of flight) grid is estimated as a low-thrust leg from its Lambert arc
   (the MIMA of :func:`sojourn.core.lowthrust.mima_grid`). The departure burn
   gives the v-infinity allowance (``vinf_departure_kms``) and the thrust arcs
   the rest; the arrival keeps at most ``vinf_arrival_kms`` for its capture
   burn or entry. The thrust arcs' Δv is counted with the departure burn's, so
   the search ranks a leg by all it spends. A cell is kept when its estimated
   acceleration needs at most :data:`THRUST_MARGIN` times the thrust the
   engine has (MIMA's constant acceleration overstates what an optimised leg
   needs) and its propellant fits the tank.
2. **Evaluation** (:func:`evaluate`): a round trip's four epochs with both legs
   estimated the same way, every burn, the budget and the limits broken.
3. **The plan** (:func:`build_plan`): the chosen round trip's two legs are
   optimised for the most final mass on their dates (Sims–Flanagan, then
   continuous thrust, verified by DOP853: :func:`sojourn.lowthrust_leg`), the
   mass carried from one to the next; a plan whose leg does not converge gives
   way to the next round trip the search found.

The budget counts the electric system as a stage that performs the two
pseudo-burns ``outbound_thrust`` and ``return_thrust`` (Δv = ve ln(m0/mf) of
each optimised leg, so the rocket equation gives back the leg's propellant),
carried from launch and dropped after its last thrust arc, like every stage
after its last burn. Each departure burn is charged for the full allowance
(the stage is sized for it); the leg may use less.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sojourn.bodies import GM_SUN
from sojourn.constants import AU_KM
from sojourn.errors import NoSolutionError
from sojourn.time import DAY

THRUST_MARGIN = 1.5
"""A grid cell is kept when MIMA's acceleration needs at most this many times the thrust available."""

THRUST_BURNS = ("outbound_thrust", "return_thrust")
"""The pseudo-burns of the budget: the thrust arcs of each leg."""

PLANS_TRIED = 3
"""Round trips of the search whose legs are optimised, in order, before the plan is given up."""

_ORDER = ("earth_departure", "outbound_thrust", "mars_arrival", "mars_departure", "return_thrust", "earth_arrival")


def flies(scenario) -> bool:
    """True when the scenario's vessel has electric propulsion (``[vessel.electric]``)."""
    vessel = getattr(scenario, "vessel", None)
    return vessel is not None and getattr(vessel, "electric", None) is not None


def propulsion(scenario):
    """The scenario's engine as an :class:`~sojourn.transfer.lowthrust.ElectricPropulsion`."""
    from sojourn.transfer.lowthrust import ElectricPropulsion

    e = scenario.vessel.electric
    return ElectricPropulsion(e.thrust_n, e.isp_s, e.power_law, e.duty_cycle)


def _where(scenario, key: str) -> str:
    return f"{scenario.source}: vessel.electric.{key}"


# ---------------------------------------------------------------------------
# the budget


@dataclass(frozen=True)
class _System:
    """The electric system as a stage of :func:`sojourn.mission.vehicle.fly_burns`."""

    name: str
    isp_s: float
    dry_mass_kg: float
    propellant_kg: float
    burns: tuple = THRUST_BURNS


@dataclass(frozen=True)
class _Stack:
    payload_kg: float
    stages: tuple


def budget(scenario, dv: dict):
    """The propellant budget of six burns in flight order (the four burns and the two legs' thrust).

    Parameters
    ----------
    scenario : Scenario
        With ``[vessel.electric]``.
    dv : dict
        Δv of each name of ``earth_departure``, ``outbound_thrust``, ``mars_arrival``,
        ``mars_departure``, ``return_thrust``, ``earth_arrival``, km/s (missing: 0).

    Returns
    -------
    Budget
    """
    from sojourn.mission.vehicle import fly_burns

    v, e = scenario.vessel, scenario.vessel.electric
    stack = _Stack(v.payload_kg, tuple(v.stages) + (_System(e.name, e.isp_s, e.dry_mass_kg, e.propellant_kg),))
    return fly_burns(stack, [(name, float(dv.get(name, 0.0))) for name in _ORDER])


def _departure_dv(burns) -> tuple[float, float]:
    """Δv of the two departure burns to the v-infinity allowance, km/s (Earth, then Mars)."""
    vd = burns.s.vessel.electric.vinf_departure_kms
    d1 = float(burns.outbound(np.float64(vd * vd), np.float64(0.0))[0])
    d3 = float(burns.inbound(np.float64(vd), np.float64(0.0))[0])
    return d1, d3


def leg_masses(scenario, burns) -> tuple[float, float]:
    """Mass at the start of each leg for the estimates, kg: after its departure burn, nothing else spent.

    The return leg's mass is an upper bound (no outbound thrust, no capture
    burn), so the estimates' acceleration is never optimistic.
    """
    d1, d3 = _departure_dv(burns)
    uses = {u.name: u for u in budget(scenario, {"earth_departure": d1, "mars_departure": d3}).burns}
    return float(uses["outbound_thrust"].mass_before_kg), float(uses["return_thrust"].mass_before_kg)


# ---------------------------------------------------------------------------
# 1. leg costs for the search


def leg_costs(eph, scenario, burns, leg: str, t_first, t_last, step_days):
    """The low-thrust estimate of every cell of one transit's grid, as the search's :class:`LegCosts`.

    Parameters
    ----------
    eph : Ephemeris
    scenario : Scenario
        With ``[vessel.electric]``.
    burns : sojourn.mission.roundtrip.Burns
    leg : {"outbound", "return"}
    t_first, t_last : float
        First and last departure, TDB s.
    step_days : float
        Grid step, days.

    Returns
    -------
    LegCosts
        ``c3`` and ``vinf_dep`` are the allowance's; ``vinf_arr`` what the arrival
        keeps; ``dv_dep`` the departure burn plus the thrust arcs' Δv (km/s).

    Raises
    ------
    NoSolutionError
        No cell within the transit limits and the engine's thrust and propellant.
    """
    from sojourn.mission import roundtrip as rt

    e = scenario.vessel.electric
    out = leg == "outbound"
    tmin, tmax = scenario.transit_limits()
    dep, arr = (burns.earth, burns.mars) if out else (burns.mars, burns.earth)
    where = f"{scenario.source}: windows.launch" + ("" if out else " + transits and stay")
    t_dep, tof, t_arr, g = rt._leg_grid(eph, dep, arr, t_first, t_last, tmin, tmax, step_days, where)
    m0 = leg_masses(scenario, burns)[0 if out else 1]
    dv_lt, fits = _estimate(eph, scenario, dep, arr, t_dep, t_arr, g["c3"].shape, m0)
    vd = np.full(g["c3"].shape, e.vinf_departure_kms)
    va = np.minimum(g["vinf_arr"], e.vinf_arrival_kms)
    if out:
        dv_dep, dv_arr, entry = burns.outbound(vd * vd, va)
    else:
        dv_dep, dv_arr, entry = burns.inbound(vd, va)
    feasible = g["ok"].copy()
    rt._require(feasible, scenario, f"{leg} transfer", [
        ("max_c3", vd * vd if out else None, "launch C3", "km²/s²"),
        ("max_arrival_entry_speed_kms" if out else "max_entry_speed_kms",
         entry if (scenario.arrival if out else scenario.return_).mode == "entry" else None,
         "Mars entry speed" if out else "Earth entry speed", "km/s"),
    ])
    _require_thrust(feasible, fits, scenario, leg)
    return rt.LegCosts(t_dep, tof, t_arr, vd * vd, vd, va, g["dla_deg"], g["type_ii"], dv_dep + dv_lt,
                       dv_arr, entry, feasible)


def _estimate(eph, scenario, dep, arr, t_dep, t_arr, shape, m0):
    """MIMA over the lattice (cell (i, k) arrives at ``t_arr[i + k]``): Δv (km/s) and (thrust ok, tank ok)."""
    from sojourn.core.lowthrust import mima_grid

    e = scenario.vessel.electric
    eng = propulsion(scenario)
    n, kk = shape
    r1, v1 = eph.state(dep, t_dep)
    r2, v2 = eph.state(arr, t_arr)
    idx = np.arange(n)[:, None] + np.arange(kk)[None, :]
    thrust = eng.thrust_n * eng.duty_cycle / 1000.0
    dv, acc, _, _, _, _ = mima_grid(GM_SUN, r1, v1, r2[idx], v2[idx], t_arr[idx] - t_dep[:, None],
                                    vinf_dep=e.vinf_departure_kms, vinf_arr=e.vinf_arrival_kms, m0=m0,
                                    tmax=thrust, law=eng.law_code, r_ref=AU_KM, ve=eng.exhaust_speed_kms)
    return np.nan_to_num(dv, nan=np.inf), _fits(eng, e, m0, dv, acc, r1, r2[idx])


def _fits(eng, e, m0, dv, acc, r1, r2):
    """(thrust enough, propellant enough) of estimated legs: MIMA's need within THRUST_MARGIN, the tank."""
    with np.errstate(invalid="ignore", over="ignore"):
        mf = m0 * np.exp(-dv / eng.exhaust_speed_kms)
        t1 = eng.available_thrust_n(np.linalg.norm(r1, axis=-1))[:, None]
        t2 = eng.available_thrust_n(np.linalg.norm(r2, axis=-1))
        need = m0 * acc * 1000.0 * (1.0 + mf / m0) / (t1 + t2)  # MIMA: m0 a (1 + e^-dv/ve) / 2 against the mean
        return np.where(np.isfinite(need), need, np.inf), np.where(np.isfinite(mf), m0 - mf, np.inf)


def _require_thrust(feasible, fits, scenario, leg: str) -> None:
    """Keep the cells the engine can fly; name the binding key when none is left."""
    need, propellant = fits
    e = scenario.vessel.electric
    least = float(np.min(np.where(feasible, need, np.inf)))
    feasible &= need <= THRUST_MARGIN
    if not feasible.any():
        raise NoSolutionError(f"no {leg} leg the engine can fly within the transit limits: the least demanding "
                              f"needs {least:.2f} times its thrust by the estimate (at most {THRUST_MARGIN:g} kept)",
                              _where(scenario, "thrust_n"))
    least = float(np.min(np.where(feasible, propellant, np.inf)))
    feasible &= propellant <= e.propellant_kg
    if not feasible.any():
        raise NoSolutionError(f"no {leg} leg within the electric propellant: the least needs {least:,.0f} kg "
                              f"by the estimate (the tank holds {e.propellant_kg:,.0f} kg)",
                              _where(scenario, "propellant_kg"))


# ---------------------------------------------------------------------------
# 2. one round trip, estimated


def _estimated_leg(eph, scenario, dep, arr, t1, t2, m0) -> dict:
    """One leg's Lambert record (``transfers``) with its MIMA Δv (``dv_thrust``, km/s; inf when the
    engine cannot fly it within THRUST_MARGIN or the tank) and the v-infinity the arrival keeps."""
    from sojourn.transfer.ballistic import transfers

    rec = {k: v[0] for k, v in transfers(dep, arr, t1, t2, ephemeris=eph).items()}
    dv, fits = _estimate(eph, scenario, dep, arr, np.array([t1]), np.array([t2]), (1, 1), m0)
    ok = fits[0][0, 0] <= THRUST_MARGIN and fits[1][0, 0] <= scenario.vessel.electric.propellant_kg
    rec["dv_thrust"] = float(dv[0, 0]) if ok and rec["status"] == 0 else math.inf
    rec["vinf_kept"] = min(float(rec["vinf_arrival"]), scenario.vessel.electric.vinf_arrival_kms)
    return rec


def evaluate(scenario, cand, eph, burns):
    """Both legs estimated low-thrust, every burn, the budget and the limits broken, from four epochs.

    Returns
    -------
    sojourn.mission.chain.Evaluation
        Its ``burns`` are the four impulsive burns; ``candidate.total_dv_kms``
        adds the two legs' estimated thrust Δv to them; the budget has all six.
    """
    from sojourn.mission.chain import Evaluation

    e = scenario.vessel.electric
    m_out, m_ret = leg_masses(scenario, burns)
    o = _estimated_leg(eph, scenario, burns.earth, burns.mars, cand.t_launch, cand.t_mars_arrival, m_out)
    r = _estimated_leg(eph, scenario, burns.mars, burns.earth, cand.t_mars_departure, cand.t_earth_arrival, m_ret)
    vd = e.vinf_departure_kms
    d1, d2, mars_entry = (float(x) for x in burns.outbound(np.float64(vd * vd), np.float64(o["vinf_kept"])))
    d3, d4, earth_entry = (float(x) for x in burns.inbound(np.float64(vd), np.float64(r["vinf_kept"])))
    dry = e.exhaust_velocity_kms * math.log(m_out / max(m_out - e.propellant_kg, 1e-3 * m_out))
    dv = {"earth_departure": d1, "outbound_thrust": min(o["dv_thrust"], dry), "mars_arrival": d2,
          "mars_departure": d3, "return_thrust": min(r["dv_thrust"], dry), "earth_arrival": d4}
    cand.total_dv_kms = sum(dv.values())
    burn_list = [(name, dv[name]) for name in ("earth_departure", "mars_arrival", "mars_departure", "earth_arrival")]
    spent = budget(scenario, dv)
    broken = _violations(scenario, cand, (o["tof_days"], r["tof_days"]), vd * vd, mars_entry, earth_entry)
    if not (math.isfinite(o["dv_thrust"]) and math.isfinite(r["dv_thrust"])):  # charged the whole tank above
        broken.append(("vessel.electric.thrust_n", "vessel.electric.thrust_n"))
    elif spent.breaking_burn in THRUST_BURNS:
        broken.append(("vessel.electric.propellant_kg", "vessel.electric.propellant_kg"))
    return Evaluation(cand, [o, r], burn_list, spent, not broken, broken)


def _violations(scenario, cand, tofs, c3, mars_entry, earth_entry) -> list:
    """The scenario's limits a round trip breaks, as (key, key) pairs (as the ballistic evaluation)."""
    c = scenario.constraints
    stay_min, stay_max = scenario.stay_limits()
    tmin, tmax = scenario.transit_limits()
    checks = [
        ("max_c3", c.max_c3 is not None and c3 > c.max_c3),
        ("max_transit_days", max(tofs) > tmax + 1e-6),
        ("min_transit_days", min(tofs) < tmin - 1e-6),
        ("min_stay_days", cand.stay_days < stay_min - 1e-6),
        ("max_stay_days", cand.stay_days > stay_max + 1e-6),
        ("max_total_days", c.max_total_days is not None and cand.total_days > c.max_total_days + 1e-6),
        ("max_total_dv_kms", c.max_total_dv_kms is not None and cand.total_dv_kms > c.max_total_dv_kms + 1e-9),
        ("max_entry_speed_kms", scenario.return_.mode == "entry" and c.max_entry_speed_kms is not None
         and earth_entry > c.max_entry_speed_kms),
        ("max_arrival_entry_speed_kms", scenario.arrival.mode == "entry"
         and c.max_arrival_entry_speed_kms is not None and mars_entry > c.max_arrival_entry_speed_kms),
        ("return_by", scenario.return_by is not None and cand.t_earth_arrival > scenario.return_by + 1e-6),
    ]
    return [(key, key) for key, broken in checks if broken]


# ---------------------------------------------------------------------------
# 3. the plan: both legs optimised


@dataclass
class _Flown:
    """A round trip flown: both optimised legs, the six Δv (km/s), the entry speeds and the budget."""

    out: object
    ret: object
    dv: dict
    mars_entry: float
    earth_entry: float
    budget: object


def fly(scenario, cand, eph, burns):
    """Optimise both legs of a round trip on its four epochs, the mass carried from one to the next.

    Returns
    -------
    (_Flown or None, str)
        The legs flown, or None and why not (a leg that did not converge).
    """
    from sojourn.transfer.lowthrust import lowthrust_leg

    e = scenario.vessel.electric
    p = propulsion(scenario)
    kw = dict(thrust_n=p.thrust_n, isp_s=p.isp_s, power_law=p.power_law, duty_cycle=p.duty_cycle,
              vinf_departure_kms=e.vinf_departure_kms, vinf_arrival_kms=e.vinf_arrival_kms, segments=e.segments,
              ephemeris=eph, strict=False)
    d1, d3 = _departure_dv(burns)
    dv = {"earth_departure": d1, "mars_departure": d3}
    legs = []
    for name, (a, b), (t1, t2) in (("outbound", (burns.earth, burns.mars), (cand.t_launch, cand.t_mars_arrival)),
                                   ("return", (burns.mars, burns.earth),
                                    (cand.t_mars_departure, cand.t_earth_arrival))):
        uses = {u.name: u for u in budget(scenario, dv).burns}
        m0 = float(uses[f"{name}_thrust"].mass_before_kg)
        leg = lowthrust_leg(a.name, b.name, t1, (t2 - t1) / DAY, mass_kg=m0, **kw)
        if not leg.converged:
            return None, f"the {name} leg of the round trip launched {_day(cand.t_launch)}: {leg.message}"
        legs.append(leg)
        dv[f"{name}_thrust"] = leg.delta_v_kms
        if name == "outbound":
            dv["mars_arrival"] = float(burns.outbound(np.float64(0.0), np.float64(leg.vinf_arrival_kms))[1])
    out, ret = legs
    mars_entry = float(burns.outbound(np.float64(0.0), np.float64(out.vinf_arrival_kms))[2])
    _, d4, earth_entry = (float(x) for x in burns.inbound(np.float64(0.0), np.float64(ret.vinf_arrival_kms)))
    dv["earth_arrival"] = d4
    return _Flown(out, ret, dv, mars_entry, earth_entry, budget(scenario, dv)), ""


def _day(t: float) -> str:
    from sojourn.time import tdb_to_utc_iso

    return tdb_to_utc_iso(t)


def build_plan(scenario, best, alternatives, pareto, eph):
    """The plan of an electric vessel: the first round trip of the search whose two legs converge.

    Parameters
    ----------
    scenario : Scenario
        With ``[vessel.electric]``.
    best, alternatives, pareto
        From :func:`sojourn.mission.roundtrip.search_round_trips`; ``best``
        and then the alternatives are flown until one converges (at most
        :data:`PLANS_TRIED`).
    eph : Ephemeris

    Returns
    -------
    Plan
        Legs carry their :class:`~sojourn.transfer.lowthrust.LowThrustLeg`;
        the timeline has the thrust arcs; ``total_dv_kms`` is the four burns
        plus both legs' thrust Δv; the budget has six burns.

    Raises
    ------
    NoSolutionError
        No round trip tried has two converged legs (``where`` names
        ``vessel.electric.thrust_n``).
    """
    from sojourn.mission.roundtrip import Burns

    burns = Burns(scenario)
    why = []
    for cand in [best, *alternatives][:PLANS_TRIED]:
        flown, reason = fly(scenario, cand, eph, burns)
        if flown is not None:
            return _plan(scenario, cand, flown, alternatives, pareto, eph, burns)
        why.append(reason)
    raise NoSolutionError(f"no low-thrust round trip converged ({'; '.join(why)})", _where(scenario, "thrust_n"))


def _plan(scenario, cand, flown: _Flown, alternatives, pareto, eph, burns):
    """The Plan of a flown round trip (events, burns, legs, budget, warnings, assumptions)."""
    from sojourn.mission import plan as pl

    dates = {"earth_departure": cand.t_launch, "mars_arrival": cand.t_mars_arrival,
             "mars_departure": cand.t_mars_departure, "earth_arrival": cand.t_earth_arrival}
    legs = (_leg(eph, flown.out, flown.mars_entry), _leg(eph, flown.ret, flown.earth_entry))
    uses = {u.name: u for u in flown.budget.burns}
    labels = _burn_labels(scenario)
    plan_burns = tuple(pl.Burn(name, labels[name], float(t), flown.dv[name], uses[name].stage,
                               uses[name].propellant_kg, uses[name].stage_left_kg) for name, t in dates.items())
    events = tuple(sorted(pl._events(scenario, cand, legs, None) + thrust_events(legs), key=_event_order))
    total_days = (cand.t_earth_arrival - cand.t_launch) / DAY
    stay_days = (cand.t_mars_departure - cand.t_mars_arrival) / DAY
    return pl.Plan(
        scenario_name=scenario.mission.name, objective=scenario.mission.objective, ephemeris=eph.name,
        events=events, burns=plan_burns, legs=legs, total_dv_kms=float(sum(flown.dv.values())),
        total_days=total_days, stay_days=stay_days, budget=flown.budget,
        alternatives=tuple(pl.RoundTrip.of(c) for c in alternatives),
        pareto=tuple(pl.RoundTrip.of(c) for c in pareto),
        warnings=pl._warnings(scenario, _no_plane_change(scenario, legs[0]), flown.budget, legs[1])
        + _warnings(scenario, flown),
        assumptions=(f"ephemeris {eph.name}",) + pl._assumptions(scenario, burns, eph)[1:] + assumptions(scenario),
        scenario=scenario,
    )


def _no_plane_change(scenario, outbound):
    """The launch geometry of an electric departure: the launcher's v∞ allowance, no plane change charged."""
    from sojourn.mission.plan import LaunchGeometry

    return LaunchGeometry(outbound.dla_deg, scenario.departure.parking_inclination_deg, 0.0, 0.0, "none")


def _burn_labels(scenario) -> dict:
    from sojourn.mission.plan import BURN_LABELS

    labels = dict(BURN_LABELS)
    mode = scenario.arrival.mode
    if mode != "propulsive":
        labels["mars_arrival"] = "Periapsis raise after aerocapture" if mode == "aerocapture" else "Mars entry (no burn)"
    if scenario.return_.mode == "entry":
        labels["earth_arrival"] = "Earth entry (no burn)"
    return labels


def _leg(eph, lt, entry_speed: float):
    """A plan's Leg from an optimised low-thrust leg (its v-infinities and departure asymptote)."""
    from sojourn.mission.plan import Leg

    _, v_planet = eph.state(lt.departure, lt.t_launch)
    vinf = np.asarray(lt.departure_state[3:6]) - v_planet
    speed = float(np.linalg.norm(vinf))
    dla = math.degrees(math.asin(max(-1.0, min(1.0, vinf[2] / speed)))) if speed > 1e-9 else 0.0
    return Leg(lt.departure, lt.destination, float(lt.t_launch), float(lt.t_arrival), float(lt.tof_days),
               speed * speed, speed, float(lt.vinf_arrival_kms), dla, "low-thrust", float(entry_speed), lowthrust=lt)


THRUST_ON, THRUST_OFF = "Electric thrust on", "Electric thrust off"
"""How the events of the thrust arcs' ends begin."""


def is_thrust_event(event) -> bool:
    """True for the start or end of a thrust arc (:func:`thrust_events`)."""
    return event.name.startswith((THRUST_ON, THRUST_OFF))


def thrust_events(legs) -> tuple:
    """Events for the start and end of every thrust arc of the legs flown low-thrust, in flight order."""
    from sojourn.mission.plan import Event

    out = []
    for name, leg in zip(("outbound", "return"), legs):
        lt = getattr(leg, "lowthrust", None)
        if lt is None:
            continue
        arcs = lt.thrust_arcs
        for k, (a, b) in enumerate(arcs, start=1):
            which = f"{name} thrust arc {k} of {len(arcs)}"
            out += [Event(f"{THRUST_ON}: {which}", leg.t_depart + a),
                    Event(f"{THRUST_OFF}: {which} ({(b - a) / DAY:.0f} days)", leg.t_depart + b)]
    return tuple(out)


def _event_order(ev) -> tuple:
    """Time order; at one instant the engine stops before an arrival and starts after a departure."""
    rank = 0 if ev.name.startswith(THRUST_OFF) else 2 if ev.name.startswith(THRUST_ON) else 1
    return (round(ev.t, 3), rank)


def _warnings(scenario, flown: _Flown) -> tuple:
    e = scenario.vessel.electric
    spent = flown.out.propellant_kg + flown.ret.propellant_kg
    if spent > e.propellant_kg:
        return (f"the electric legs burn {spent:,.0f} kg of propellant, more than the {e.propellant_kg:,.0f} kg "
                f"loaded (vessel.electric.propellant_kg)",)
    return ()


def assumptions(scenario) -> tuple:
    """What an electric plan assumes, in words."""
    e = scenario.vessel.electric
    law = "constant with distance (nuclear-electric)" if e.power_law == "constant" else \
        "falling as (1 AU / r)² beyond 1 AU (solar-electric)"
    return (
        f"heliocentric legs are low-thrust: {e.thrust_n:g} N (duty cycle {e.duty_cycle:g}), Isp {e.isp_s:g} s, "
        f"thrust {law}; each leg optimised for the most final mass on the plan's dates (Sims-Flanagan, then "
        "continuous thrust) and verified by integrating its thrust with DOP853",
        f"the search ranks legs by a Lambert-based estimate (MIMA, Hennes, Izzo & Landau 2016), keeping legs "
        f"that need at most {THRUST_MARGIN:g} times the thrust by the estimate; the runners-up and the Pareto "
        "front keep the estimate's Δv, which the optimised legs usually beat",
        f"each departure burn gives a v-infinity of {e.vinf_departure_kms:g} km/s and is charged for it in full; "
        f"each arrival keeps at most {e.vinf_arrival_kms:g} km/s for its capture burn or entry",
        f"the electric system ({e.dry_mass_kg:,.0f} kg dry, {e.propellant_kg:,.0f} kg of propellant) is carried "
        "from launch and dropped after its last thrust arc",
        "no planetocentric spiral: the legs start and end at the planets' centres, as the patched conics do",
    )


# ---------------------------------------------------------------------------
# where the craft is


def states(leg, t) -> tuple[np.ndarray, np.ndarray]:
    """Heliocentric position (km) and velocity (km/s) on a leg flown low-thrust, at epochs ``t`` (TDB s)."""
    from sojourn.transfer.lowthrust import lowthrust_states

    lt = leg.lowthrust
    span = lt.tof_days * DAY
    y = lowthrust_states(lt, np.clip(np.asarray(t, dtype=float) - leg.t_depart, 0.0, span))
    return y[:, :3], y[:, 3:6]
