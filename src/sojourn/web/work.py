"""What the worker processes compute: each function calls the public API and returns plain data.

Every function here runs in a worker of the pool (:mod:`sojourn.web.jobs`), takes
its inputs already parsed and a ``progress`` callback, and returns something
that pickles: a result of the library, a dict of plain data, or bytes of a
download. None of them reads a path a request could name: scenarios arrive
as :class:`~sojourn.mission.scenario.Scenario` objects, downloads are written
to a private temporary directory and read back as bytes.

Positions for the page's charts are heliocentric, in the ecliptic of J2000
(:func:`sojourn.plot._trajectory.icrf_to_ecliptic`), in astronomical units.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from sojourn.constants import AU_KM, DAY


def warm(progress=None) -> None:
    """Load the compiled kernels and the default ephemeris (a tiny porkchop)."""
    import sojourn as sj

    sj.porkchop("earth", "mars", "2026-11-01:2026-11-03", "2027-08-01:2027-08-03", step_days=1)


def _ecliptic_au(r: np.ndarray) -> list:
    from sojourn.plot._trajectory import icrf_to_ecliptic

    return np.round(icrf_to_ecliptic(np.asarray(r)) / AU_KM, 6).tolist()


def _utc(t) -> list[str]:
    from sojourn.time import tdb_to_utc_iso

    return [tdb_to_utc_iso(float(x), "minute") for x in np.atleast_1d(t)]


def _orbit(eph, body: str, t0: float, n: int = 181) -> list:
    """One orbit of a planet from ``t0`` (its mean period from the ephemeris' states), AU."""
    from sojourn.bodies import GM_SUN

    r, v = eph.state(body, t0)
    a = 1.0 / (2.0 / np.linalg.norm(r) - np.dot(v, v) / GM_SUN)
    period = 2 * np.pi * np.sqrt(a**3 / GM_SUN)
    first, last = eph.coverage(body)
    start = t0 if t0 + period <= last else max(first, t0 - period)  # near the ephemeris' end: the orbit before
    t = np.linspace(start, min(start + period, last), n)
    return _ecliptic_au(eph.state(body, t)[0])


# ---------------------------------------------------------------------------------------------
# transfers


def porkchop(origin, destination, launch, arrive, step_days, *, progress=None):
    """The porkchop grid (:func:`sojourn.porkchop`), returned whole: the server cuts what it needs."""
    import sojourn as sj

    return sj.porkchop(origin, destination, launch, arrive, step_days, progress=progress)


def transfer(origin, destination, depart, arrive, *, n: int = 121, progress=None) -> dict:
    """One ballistic transfer: its numbers (:meth:`Leg.between`) and its arc and the planets', AU."""
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.plan import Leg
    from sojourn.mission.trajectory import leg_arc

    eph = resolve_ephemeris(None)
    leg = Leg.between(origin, destination, depart, arrive, ephemeris=eph)
    arc = leg_arc(leg, eph)
    t = np.linspace(leg.t_depart, leg.t_arrive, n)
    craft = _propagate(arc["r1"], arc["v1"], t - leg.t_depart)
    return {
        "leg": leg.to_dict(),
        "path": {
            "dates": _utc(t),
            "craft": _ecliptic_au(craft),
            "origin": _ecliptic_au(eph.state(leg.origin, t)[0]),
            "destination": _ecliptic_au(eph.state(leg.destination, t)[0]),
            "origin_orbit": _orbit(eph, leg.origin, leg.t_depart),
            "destination_orbit": _orbit(eph, leg.destination, leg.t_depart),
            "frame": "ecliptic of J2000, heliocentric, AU",
        },
    }


def _propagate(r0, v0, dt) -> np.ndarray:
    from sojourn.bodies import GM_SUN
    from sojourn.core.kepler import propagate_batch

    n = dt.size
    r, _, _ = propagate_batch(GM_SUN, np.repeat(r0[None], n, 0), np.repeat(v0[None], n, 0), dt)
    return r


def windows(origin, destination, start, end, step_days, c3_max, *, progress=None) -> dict:
    """Every launch opportunity in a span (:func:`sojourn.windows`): its JSON and its CSV."""
    import sojourn as sj

    result = sj.windows(origin, destination, start, end, step_days=step_days, c3_max=c3_max, progress=progress)
    table = result.table
    return {"doc": result.to_dict(), "csv": table.to_csv(index=False, float_format="%.6g")}


# ---------------------------------------------------------------------------------------------
# missions


def plan(scenario, step_days, *, progress=None):
    """The best plan of a scenario (:func:`sojourn.plan`), as the library returns it."""
    import sojourn as sj

    return sj.plan(scenario, step_days=step_days, progress=progress)


def flight(plan, *, n: int = 361, progress=None) -> dict:
    """The mission as the page animates it: the craft, the origin and the destination day by day, AU.

    Also each flyby body's path over the mission and where the craft meets it (``flybys``), and
    the electric legs' thrust arcs (``thrust_arcs``; ``thrusting``: whether the engine fires at each epoch).
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.trajectory import spacecraft_states

    eph = resolve_ephemeris(None)
    out, ret = plan.legs
    extra = [out.t_arrive, ret.t_depart] + [f.t_tdb for leg in plan.legs for f in leg.flybys]
    t = np.unique(np.concatenate([np.linspace(out.t_depart, ret.t_arrive, n), extra]))
    craft, _ = spacecraft_states(plan, t, eph)
    phase = np.where(t <= out.t_arrive, "outbound", np.where(t < ret.t_depart, "stay", "return"))
    events = [{"name": e.name, "date": _utc(e.t)[0], "position": _ecliptic_au(spacecraft_states(plan, e.t, eph)[0])}
              for e in plan.events]
    bodies = sorted({f.body for leg in plan.legs for f in leg.flybys})
    return {
        "dates": _utc(t),
        "days": np.round((t - t[0]) / DAY, 4).tolist(),
        "phase": phase.tolist(),
        "craft": _ecliptic_au(craft),
        "origin": _ecliptic_au(eph.state(out.origin, t)[0]),
        "destination": _ecliptic_au(eph.state(out.destination, t)[0]),
        "origin_name": out.origin,
        "destination_name": out.destination,
        "events": events,
        "thrusting": _thrusting(plan, t).tolist(),
        "thrust_arcs": [{"leg": name, "start": _utc(leg.t_depart + a)[0], "end": _utc(leg.t_depart + b)[0],
                         "days": round((b - a) / DAY, 3)}
                        for name, leg in zip(("outbound", "return"), plan.legs)
                        for a, b in (() if leg.lowthrust is None else leg.lowthrust.thrust_arcs)],
        "flyby_bodies": {b: _ecliptic_au(eph.state(b, t)[0]) for b in bodies},
        "flybys": [{"body": f.body, "leg": name, "date": _utc(f.t_tdb)[0],
                    "altitude_km": float(f.altitude_km),
                    "position": _ecliptic_au(eph.state(f.body, f.t_tdb)[0])}
                   for name, leg in zip(("outbound", "return"), plan.legs) for f in leg.flybys],
        "frame": "ecliptic of J2000, heliocentric, AU",
    }


def _thrusting(plan, t: np.ndarray) -> np.ndarray:
    """Whether an electric leg's engine thrusts at each epoch ``t`` (TDB s): inside one of its thrust arcs."""
    on = np.zeros(t.shape, dtype=bool)
    for leg in plan.legs:
        lt = getattr(leg, "lowthrust", None)
        for a, b in (() if lt is None else lt.thrust_arcs):
            on |= (t >= leg.t_depart + a) & (t <= leg.t_depart + b)
    return on


def crew(plan, *, progress=None) -> dict:
    """The crew's days (:func:`sojourn.crew`): dose, light time and blackouts, as its JSON."""
    import sojourn as sj

    return sj.crew(plan).to_dict()


# ---------------------------------------------------------------------------------------------
# downloads: made in memory (or in a private temporary directory) and returned as bytes


def download(plan, what: str, *, progress=None) -> dict:
    """One file of the plan, as ``{"name", "media_type", "content"}`` (bytes).

    ``what`` is ``"dossier"`` (HTML, :func:`sojourn.report`), ``"oem"`` (CCSDS OEM,
    :func:`sojourn.export.oem.oem_text`), ``"spk"`` (SPICE, :func:`sojourn.export_spk`) or ``"czml"``
    (Cesium, :func:`sojourn.export.czml.czml_document`).
    """
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in plan.scenario_name.lower()).strip("-") or "plan"
    suffix, media = DOWNLOADS[what]
    return {"name": f"{stem}{suffix}", "media_type": media, "content": _MAKERS[what](plan, progress)}


DOWNLOADS = {
    "dossier": (".html", "text/html; charset=utf-8"),
    "oem": (".oem", "text/plain; charset=us-ascii"),
    "spk": (".bsp", "application/octet-stream"),
    "czml": (".czml", "application/json"),
}
"""What a plan can be downloaded as: suffix and media type."""


def _dossier(plan, progress) -> bytes:
    import sojourn as sj

    return sj.report(plan, progress=progress).html.encode("utf-8")


def _oem(plan, progress) -> bytes:
    from sojourn.export.oem import oem_text

    return oem_text(plan).encode("ascii")


def _spk(plan, progress) -> bytes:
    import sojourn as sj

    with tempfile.TemporaryDirectory(prefix="sojourn-web-") as tmp:
        path = Path(tmp) / "plan.bsp"
        sj.export_spk(plan, path, progress=progress)
        return path.read_bytes()


def _czml(plan, progress) -> bytes:
    import json

    from sojourn.export.czml import czml_document

    return json.dumps(czml_document(plan), separators=(",", ":"), allow_nan=False).encode("utf-8")


_MAKERS = {"dossier": _dossier, "oem": _oem, "spk": _spk, "czml": _czml}


# ---------------------------------------------------------------------------------------------
# what goes wrong


def race(plan, rival, step_days, *, progress=None) -> dict:
    """The race of the rival scenario against the plan (:func:`sojourn.race`), as its JSON."""
    import sojourn as sj

    return sj.race(plan, rival, step_days=step_days, progress=progress).to_dict()


def aborts(plan, step_days, *, progress=None) -> dict:
    """Aborts from every day of each transit (:func:`sojourn.aborts`), as its JSON."""
    import sojourn as sj

    return sj.aborts(plan, step_days=step_days, progress=progress).to_dict()


def diff(a, b, step_days, *, progress=None) -> dict:
    """The diff of two scenarios with each moved event attributed (:func:`sojourn.diff`), as its JSON."""
    import sojourn as sj

    return sj.diff(a, b, step_days=step_days, progress=progress).to_dict()


# ---------------------------------------------------------------------------------------------
# low thrust


def lowthrust(origin, destination, window, tofs, engine: dict, step_days, candidates, *, progress=None) -> dict:
    """The best low-thrust leg (:func:`sojourn.best_lowthrust_leg`, or :func:`sojourn.lowthrust_leg` for one
    launch date and one flight time): its JSON, as ``sojourn lowthrust --json``, and under ``plot`` what the
    page draws (:func:`lowthrust_plot`).

    Parameters
    ----------
    origin, destination : str
    window : (float, float)
        Launch window, TDB s (equal ends: one date).
    tofs : (float, float)
        Shortest and longest flight, days (equal: one).
    engine : dict
        ``mass_kg``, ``thrust_n``, ``isp_s``, ``power_law``, ``duty_cycle``, ``vinf_departure_kms``,
        ``vinf_arrival_kms``, ``segments``: the keywords of both library functions.
    step_days : float
        Step of the estimate grid, days.
    candidates : int
        Estimate cells the optimiser starts from.
    """
    import sojourn as sj
    from sojourn.progress import reporting

    if window[0] == window[1] and tofs[0] == tofs[1]:
        with reporting(progress, 1, "optimised leg") as advance:
            result = sj.lowthrust_leg(origin, destination, window[0], tofs[0], **engine)
            advance(1)
    else:
        result = sj.best_lowthrust_leg(origin, destination, window, tofs, step_days=step_days,
                                       candidates=candidates, progress=progress, **engine)
    return {**result.to_dict(), "plot": lowthrust_plot(result)}


def lowthrust_plot(result) -> dict:
    """What the page draws of a low-thrust result: the thrust profile, the path, and the estimate grid.

    Returns
    -------
    dict
        ``profile``: per segment ``t_start_days``, ``thrust_n``, ``available_thrust_n``, ``throttle``,
        with ``segment_days``, the mass along the verified integration (``t_days``, ``mass_kg``) and the
        ``thrust_arcs`` (days from departure);
        ``path``: the verified trajectory (``craft``, AU, ecliptic of J2000; ``dates``; ``thrusting``
        per sample), each thrusting segment's ``arrows`` (start and unit direction in the ecliptic,
        throttle), the two bodies' orbits and their places at launch and arrival; ``estimate``: the
        final-mass estimate over launch date × time of flight (None for a single leg).
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.plot._trajectory import icrf_to_ecliptic
    from sojourn.transfer.lowthrust import THRUSTING

    leg = getattr(result, "best", result)
    h, tr = leg.history, leg.trajectory
    seg_s = float(h.attrs["duration_s"])
    r = tr["position_km"].values
    avail = leg.propulsion.available_thrust_n(np.linalg.norm(r, axis=1))
    on = h["throttle"].values > THRUSTING
    starts = np.clip(np.searchsorted(tr["t_s"].values, h["t_start_s"].values[on]), 0, tr["t_s"].size - 1)
    eph = resolve_ephemeris(None)
    ends = (leg.t_launch, leg.t_arrival)
    return {
        "profile": {
            "segment_days": seg_s / DAY,
            "t_start_days": np.round(h["t_start_s"].values / DAY, 5).tolist(),
            "thrust_n": h["thrust_n"].values.tolist(),
            "available_thrust_n": h["available_thrust_n"].values.tolist(),
            "throttle": h["throttle"].values.tolist(),
            "t_days": np.round(tr["t_s"].values / DAY, 5).tolist(),
            "mass_kg": np.round(tr["mass_kg"].values, 3).tolist(),
            "thrust_arcs": [{"start_days": a / DAY, "end_days": b / DAY} for a, b in leg.thrust_arcs],
        },
        "path": {
            "dates": _utc(leg.t_launch + tr["t_s"].values),
            "craft": _ecliptic_au(r),
            "thrusting": (tr["thrust_n"].values > THRUSTING * np.maximum(avail, 1e-300)).tolist(),
            "arrows": {"start": _ecliptic_au(r[starts]),
                       "direction": np.round(icrf_to_ecliptic(h["direction"].values[on]), 6).tolist(),
                       "throttle": h["throttle"].values[on].tolist()},
            "origin_orbit": _orbit(eph, leg.departure, ends[0]),
            "destination_orbit": _orbit(eph, leg.destination, ends[0]),
            "origin": _ecliptic_au(eph.state(leg.departure, ends[0])[0]),
            "destination": _ecliptic_au(eph.state(leg.destination, ends[1])[0]),
            "frame": "ecliptic of J2000, heliocentric, AU",
        },
        "estimate": _estimate(result.estimate) if hasattr(result, "estimate") else None,
    }


def _estimate(ds) -> dict:
    """The MIMA estimate grid for a heatmap: launch dates, times of flight, final mass (launch × flight)."""
    return {
        "launch": [str(v)[:16] for v in ds["launch"].values.astype("datetime64[m]")],
        "tof_days": ds["tof_days"].values.tolist(),
        "final_mass_kg": np.round(ds["final_mass_kg"].values, 1).tolist(),
        "method": ds.attrs.get("method", ""),
    }


# ---------------------------------------------------------------------------------------------
# Mars time


def marstime(when, east_longitude_deg, site, step_days, *, progress=None) -> list[dict]:
    """Mars time of an instant or of every step of a range (:func:`sojourn.mars_time`): the records of
    ``sojourn marstime --json``. One instant is cheap (the server calls it in a thread); a range runs
    in the pool."""
    import sojourn as sj
    from sojourn.marstime import records

    return records(sj.mars_time(when, east_longitude_deg, site=site, step_days=step_days))
