"""Where the crew is: the spacecraft's heliocentric state at any epoch of a plan.

On a transit leg the craft coasts on the leg's Lambert arc (two-body, Sun only),
or flies its verified low-thrust trajectory when the leg has one; between the
legs it is at Mars; before launch and after return, at Earth.
"""

from __future__ import annotations

import numpy as np

from sojourn.bodies import GM_SUN


def leg_arc(leg: "Leg", ephemeris=None) -> dict:
    """Heliocentric states at both ends of a leg's Lambert arc (ICRF, km, km/s).

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

    if getattr(leg, "lowthrust", None) is not None:
        from sojourn.errors import InputError

        raise InputError(f"the {leg.origin} → {leg.destination} leg is flown low-thrust: it has no ballistic arc",
                         "leg")
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
        km and km/s. At Mars during the stay; at Earth before launch and after return.
    """
    from sojourn.core.kepler import propagate_batch
    from sojourn.ephemeris import resolve_ephemeris

    eph = resolve_ephemeris(ephemeris)
    t = np.asarray(t, dtype=np.float64)
    flat = np.atleast_1d(t).ravel()
    r = np.empty((flat.size, 3))
    v = np.empty((flat.size, 3))
    out, ret = plan.legs
    origin, dest = out.origin, out.destination
    spans = [
        (flat < out.t_depart, origin, None),
        ((flat >= out.t_depart) & (flat <= out.t_arrive), None, out),
        ((flat > out.t_arrive) & (flat < ret.t_depart), dest, None),
        ((flat >= ret.t_depart) & (flat <= ret.t_arrive), None, ret),
        (flat > ret.t_arrive, origin, None),
    ]
    for mask, body, leg in spans:
        if not mask.any():
            continue
        if body is not None:
            r[mask], v[mask] = eph.state(body, flat[mask])
            continue
        if getattr(leg, "lowthrust", None) is not None:  # the verified thrusting trajectory
            from sojourn.mission.electric import states

            r[mask], v[mask] = states(leg, flat[mask])
            continue
        g = leg_arc(leg, eph)
        r0, v0 = g["r1"], g["v1"]
        n = int(mask.sum())
        r[mask], v[mask], _ = propagate_batch(GM_SUN, np.repeat(r0[None], n, 0), np.repeat(v0[None], n, 0),
                                              flat[mask] - leg.t_depart)
    return r.reshape(t.shape + (3,)), v.reshape(t.shape + (3,))
