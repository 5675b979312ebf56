"""Where the crew is: the spacecraft's heliocentric state at any epoch of a plan.

On a transit leg the craft coasts on the leg's Lambert arcs (two-body, Sun
only): one arc for a direct leg, one between each pair of bodies for a leg
that flies by others (the flyby itself is instantaneous, patched conics), or
flies its verified low-thrust trajectory when the leg has one; between the
legs it is at Mars; before launch and after return, at Earth.
"""

from __future__ import annotations

import numpy as np

from sojourn.bodies import GM_SUN


def leg_arc(leg: "Leg", ephemeris=None) -> dict:
    """Heliocentric states at both ends of one Lambert arc (ICRF, km, km/s).

    ``leg`` is a direct leg, or one arc of a leg through flybys (an element of
    :attr:`Leg.arcs <sojourn.mission.plan.Leg.arcs>`): its origin, destination
    and two epochs.

    Returns
    -------
    dict
        ``t1``, ``t2`` (TDB s); ``r1``, ``v1`` the craft just after departure;
        ``r_dep``, ``v_dep`` the departure planet; ``r2``, ``v2`` the craft on
        arrival; ``r_arr``, ``v_arr`` the target planet; ``vinf_dep``,
        ``vinf_arr`` (vectors); ``h`` the transfer's angular momentum.
    """
    from sojourn.core.lambert import solve_lambert
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.errors import InputError

    if getattr(leg, "lowthrust", None) is not None:
        raise InputError(f"the {leg.origin} → {leg.destination} leg is flown low-thrust: it has no ballistic arc",
                         "leg")
    if getattr(leg, "segments", ()):
        raise InputError(f"a leg through a flyby ({', '.join(leg.via)}) is several Lambert arcs: take one of its "
                         "arcs (leg.arcs)", "leg")
    eph = resolve_ephemeris(ephemeris)
    t1, t2 = float(leg.t_depart), float(leg.t_arrive)
    r_dep, v_dep = eph.state(leg.origin, t1)
    r_arr, v_arr = eph.state(leg.destination, t2)
    # prograde about the departure body's orbit normal, as the search
    v1, v2 = solve_lambert(GM_SUN, r_dep, r_arr, t2 - t1, reference=np.cross(r_dep, v_dep))
    return {"t1": t1, "t2": t2, "r1": r_dep.copy(), "v1": v1, "r_dep": r_dep, "v_dep": v_dep,
            "r2": r_arr.copy(), "v2": v2, "r_arr": r_arr, "v_arr": v_arr,
            "vinf_dep": v1 - v_dep, "vinf_arr": v2 - v_arr, "h": np.cross(r_dep, v1)}


def spacecraft_states(plan, t, ephemeris=None) -> tuple[np.ndarray, np.ndarray]:
    """Heliocentric ICRF states of the craft at epochs ``t`` (TDB s), vectorised.

    Parameters
    ----------
    plan : Plan
    t : float or array_like
        Epochs, TDB seconds past J2000.
    ephemeris : Ephemeris or str, optional

    Returns
    -------
    r, v : ndarray, shape t.shape + (3,)
        km and km/s. At Mars during the stay; at Earth before launch and after
        return. At a flyby epoch itself, on the arc that arrives (the craft is
        at the flyby body's centre in patched conics).
    """
    from sojourn.ephemeris import resolve_ephemeris

    eph = resolve_ephemeris(ephemeris)
    t = np.asarray(t, dtype=np.float64)
    flat = np.atleast_1d(t).ravel()
    r = np.empty((flat.size, 3))
    v = np.empty((flat.size, 3))
    out, ret = plan.legs
    origin, dest = out.origin, out.destination
    spans = [(flat < out.t_depart, origin, None)]
    spans += _arc_spans(flat, out)
    spans.append(((flat > out.t_arrive) & (flat < ret.t_depart), dest, None))
    spans += _arc_spans(flat, ret)
    spans.append((flat > ret.t_arrive, origin, None))
    for mask, body, arc in spans:
        if not mask.any():
            continue
        if body is not None:
            r[mask], v[mask] = eph.state(body, flat[mask])
            continue
        r[mask], v[mask] = arc_states(arc, flat[mask], eph)
    return r.reshape(t.shape + (3,)), v.reshape(t.shape + (3,))


def arc_states(arc, t, ephemeris=None) -> tuple[np.ndarray, np.ndarray]:
    """Heliocentric ICRF states on one arc at epochs ``t`` (TDB s), whatever the plan does then.

    Unlike :func:`spacecraft_states`, which puts a flyby epoch on the arc that
    arrives, this follows ``arc`` (a direct leg, or one of a leg's
    :attr:`~sojourn.mission.plan.Leg.arcs`) through both its ends: what an
    export of that arc alone samples. A Lambert arc is propagated; a low-thrust
    leg follows its verified thrusting trajectory.

    Returns
    -------
    r, v : ndarray, shape t.shape + (3,)
        km and km/s.
    """
    from sojourn.core.kepler import propagate_batch

    if getattr(arc, "lowthrust", None) is not None:
        from sojourn.mission.electric import states

        return states(arc, t)
    t = np.asarray(t, dtype=np.float64)
    flat = np.atleast_1d(t).ravel()
    g = leg_arc(arc, ephemeris)
    n = flat.size
    r, v, _ = propagate_batch(GM_SUN, np.repeat(g["r1"][None], n, 0), np.repeat(g["v1"][None], n, 0),
                              flat - arc.t_depart)
    return r.reshape(t.shape + (3,)), v.reshape(t.shape + (3,))


def _arc_spans(flat: np.ndarray, leg) -> list:
    """(mask, None, arc) of the epochs on each arc of a leg: [t_depart, t_arrive] of the first, (t_depart, t_arrive]
    of the others (a flyby epoch belongs to the arc that arrives)."""
    spans = []
    for k, arc in enumerate(leg.arcs):
        lower = flat >= arc.t_depart if k == 0 else flat > arc.t_depart
        spans.append((lower & (flat <= arc.t_arrive), None, arc))
    return spans


def arc_at(leg, t: float):
    """The arc of a leg the craft is on at ``t`` (TDB s; at a flyby epoch, the one that arrives)."""
    for arc in leg.arcs:
        if t <= arc.t_arrive:
            return arc
    return leg.arcs[-1]
