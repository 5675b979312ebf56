"""Where the crew is: the spacecraft's heliocentric state at any epoch of a plan.

On a transit leg the craft coasts on the leg's Lambert arc (two-body, Sun only);
between the legs it is at Mars; before launch and after return, at Earth.
"""

from __future__ import annotations

import numpy as np

from sojourn.bodies import GM_SUN


def leg_initial_state(leg: dict, ephemeris=None) -> tuple[np.ndarray, np.ndarray]:
    """Heliocentric ICRF state (km, km/s) of the craft just after a leg's departure burn.

    Parameters
    ----------
    leg : dict
        A leg of :class:`sojourn.mission.plan.Plan` (``from``, ``to``,
        ``t_depart``, ``t_arrive`` in TDB s).
    ephemeris : Ephemeris or str, optional

    Returns
    -------
    r, v : ndarray, shape (3,)
    """
    from sojourn.core.lambert import solve_lambert
    from sojourn.ephemeris import resolve_ephemeris

    eph = resolve_ephemeris(ephemeris)
    t1, t2 = leg["t_depart"], leg["t_arrive"]
    r1, vb = eph.state(leg["from"], t1)
    r2, _ = eph.state(leg["to"], t2)
    # the same sense as the search: prograde about the departure body's orbit normal
    v1, _ = solve_lambert(GM_SUN, r1, r2, t2 - t1, reference=np.cross(r1, vb))
    return r1, v1


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
    origin, dest = out["from"], out["to"]
    spans = [
        (flat < out["t_depart"], origin, None),
        ((flat >= out["t_depart"]) & (flat <= out["t_arrive"]), None, out),
        ((flat > out["t_arrive"]) & (flat < ret["t_depart"]), dest, None),
        ((flat >= ret["t_depart"]) & (flat <= ret["t_arrive"]), None, ret),
        (flat > ret["t_arrive"], origin, None),
    ]
    for mask, body, leg in spans:
        if not mask.any():
            continue
        if body is not None:
            r[mask], v[mask] = eph.state(body, flat[mask])
            continue
        r0, v0 = leg_initial_state(leg, eph)
        n = int(mask.sum())
        r[mask], v[mask], _ = propagate_batch(GM_SUN, np.repeat(r0[None], n, 0), np.repeat(v0[None], n, 0),
                                              flat[mask] - leg["t_depart"])
    return r.reshape(t.shape + (3,)), v.reshape(t.shape + (3,))
