"""CZML for Cesium: the craft, Mars and the Sun moving through the mission, as Cesium reads them.

CZML (Cesium Language, https://github.com/AnalyticalGraphicsInc/czml-writer/wiki/CZML-Guide)
is a JSON array of *packets*. Cesium's globe is centred on the Earth, and its
``INERTIAL`` reference frame is the ICRF about the Earth's centre, so every
position here is **geocentric ICRF in metres**: the craft's heliocentric state
(:func:`sojourn.mission.trajectory.spacecraft_states`) less the Earth's, from the
same ephemeris; Mars and the Sun likewise. Sample times are seconds after the
packet's ``epoch`` (UTC ISO 8601), counted in TDB seconds, which differ from the
SI seconds Cesium counts by at most 2 ms over a mission.

The craft's position is split into one interval per phase (outbound, stay,
return), so that Cesium's Lagrange interpolation never runs across a burn, where
the velocity jumps; its label names the phase.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from sojourn import checks
from sojourn.constants import DAY
from sojourn.errors import InputError

#: Most position samples one document may hold (each is four numbers of JSON text).
MAX_SAMPLES = 1_000_000

_COLORS = {"craft": [255, 255, 255, 255], "outbound": [167, 112, 214, 255], "return": [40, 196, 170, 255],
           "mars": [214, 110, 70, 255], "venus": [230, 200, 140, 255], "sun": [255, 204, 51, 255]}


def _iso(t: float) -> str:
    from sojourn.time import tdb_to_utc_iso

    return tdb_to_utc_iso(float(t), "second") + "Z"


def _interval(t0: float, t1: float) -> str:
    return f"{_iso(t0)}/{_iso(t1)}"


def _samples(t: np.ndarray, r_km: np.ndarray) -> list[float]:
    """``[dt, x, y, z, dt, x, y, z, …]``: seconds after ``t[0]`` and metres."""
    rows = np.column_stack([t - t[0], np.asarray(r_km) * 1000.0])
    return [round(x, 3) for x in rows.ravel().tolist()]


def _epochs(t0: float, t1: float, step_s: float) -> np.ndarray:
    n = max(2, int(np.ceil((t1 - t0) / step_s)) + 1)
    return np.linspace(t0, t1, n)


def _craft_positions(plan, eph, step_s: float) -> list[dict]:
    from sojourn.mission.trajectory import arc_states, spacecraft_states

    out, ret = plan.legs
    # one interval per arc (a flyby bends the path: no interpolation across it) and one for the stay
    phases = ([(a.t_depart, a.t_arrive, a) for a in out.arcs] + [(out.t_arrive, ret.t_depart, None)]
              + [(a.t_depart, a.t_arrive, a) for a in ret.arcs])
    intervals = []
    for t0, t1, arc in phases:
        if t1 <= t0:
            continue
        t = _epochs(t0, t1, step_s)
        craft = arc_states(arc, t, eph)[0] if arc is not None else spacecraft_states(plan, t, eph)[0]
        earth, _ = eph.state(out.origin, t)
        intervals.append({"interval": _interval(t0, t1), "epoch": _iso(t0), "interpolationAlgorithm": "LAGRANGE",
                          "interpolationDegree": 5, "referenceFrame": "INERTIAL",
                          "cartesian": _samples(t, craft - earth)})
    return intervals


def _body_packet(name: str, body: str, plan, eph, step_s: float) -> dict:
    out, ret = plan.legs
    t = _epochs(out.t_depart, ret.t_arrive, step_s)
    r, _ = eph.state(body, t)
    earth, _ = eph.state(out.origin, t)
    return {
        "id": f"sojourn/{body}", "name": name, "availability": _interval(t[0], t[-1]),
        "position": {"epoch": _iso(t[0]), "interpolationAlgorithm": "LAGRANGE", "interpolationDegree": 5,
                     "referenceFrame": "INERTIAL", "cartesian": _samples(t, r - earth)},
        "point": {"pixelSize": 10, "color": {"rgba": _COLORS.get(body, [200, 200, 200, 255])}},
        "label": {"text": name, "pixelOffset": {"cartesian2": [12, 0]}, "horizontalOrigin": "LEFT"},
    }


def czml_document(plan, *, step_s: float = DAY, ephemeris=None) -> list[dict]:
    """The mission as a CZML document: a clock over the mission, the craft, Mars and the Sun.

    Parameters
    ----------
    plan : Plan
        From :func:`sojourn.plan`.
    step_s : float
        Sampling step, s (default one day). Cesium interpolates between samples
        (Lagrange, degree 5).
    ephemeris : Ephemeris or str, optional
        Default DE421 (use the plan's own ephemeris).

    Returns
    -------
    list of dict
        CZML packets: ``document`` first, then ``sojourn/craft``, the destination,
        each body flown by and ``sojourn/sun``; positions geocentric ICRF
        (Cesium's ``INERTIAL``), m.

    Raises
    ------
    InputError
        A step that is not positive, or one so fine the document would exceed
        :data:`MAX_SAMPLES` samples.

    Examples
    --------
    >>> import sojourn as sj
    >>> doc = czml_document(sj.plan("examples/ulysses.toml"), step_s=10 * 86400)
    >>> [p["id"] for p in doc]
    ['document', 'sojourn/craft', 'sojourn/mars', 'sojourn/sun']
    """
    from sojourn.ephemeris import resolve_ephemeris

    step = checks.positive(step_s, "step_s", "step", "s")
    out, ret = plan.legs
    span = ret.t_arrive - out.t_depart
    if span / step * 2 > MAX_SAMPLES:
        raise InputError(f"a step of {step:g} s makes more than {MAX_SAMPLES:,} samples over this mission: "
                         "use a coarser step", "step_s")
    eph = resolve_ephemeris(ephemeris)
    whole = _interval(out.t_depart, ret.t_arrive)
    labels = [{"interval": _interval(t0, t1), "string": f"{plan.scenario_name}: {what}"}
              for what, t0, t1 in (("outbound", out.t_depart, out.t_arrive), ("at " + out.destination.capitalize(),
                                   out.t_arrive, ret.t_depart), ("return", ret.t_depart, ret.t_arrive)) if t1 > t0]
    events = "".join(f"<li>{e.date.strftime('%Y-%m-%d %H:%M')} UTC: {_escape(e.name)}</li>" for e in plan.events)
    return [
        {"id": "document", "name": plan.scenario_name, "version": "1.0",
         "clock": {"interval": whole, "currentTime": _iso(out.t_depart), "multiplier": 86400.0,
                   "range": "LOOP_STOP", "step": "SYSTEM_CLOCK_MULTIPLIER"}},
        {"id": "sojourn/craft", "name": plan.scenario_name, "availability": whole,
         "description": f"<p>{_escape(plan.scenario_name)}: {plan.total_dv_kms:.2f} km/s in all, "
                        f"{plan.total_days:.0f} days (sojourn, {_escape(plan.ephemeris)})</p><ul>{events}</ul>",
         "position": _craft_positions(plan, eph, step),
         "point": {"pixelSize": 8, "color": {"rgba": _COLORS["craft"]}},
         "path": {"width": 2, "leadTime": 0, "trailTime": span, "resolution": step,
                  "material": {"solidColor": {"color": {"rgba": _COLORS["outbound"]}}}},
         "label": {"text": labels, "pixelOffset": {"cartesian2": [12, 0]}, "horizontalOrigin": "LEFT"}},
        _body_packet(out.destination.capitalize(), out.destination, plan, eph, step),
        *[_body_packet(b.capitalize(), b, plan, eph, step)
          for b in dict.fromkeys(f.body for f in plan.flybys if f.body != out.destination)],
        _body_packet("Sun", "sun", plan, eph, step),
    ]


def _escape(text: str) -> str:
    import html

    return html.escape(str(text))


def write_czml(plan, path: str | os.PathLike, *, step_s: float = DAY, ephemeris=None) -> dict:
    """Write :func:`czml_document` as a ``.czml`` file, atomically.

    Parameters
    ----------
    plan : Plan
    path : str or os.PathLike
        The output file; written to a temporary name and renamed.
    step_s : float
        Sampling step, s.
    ephemeris : Ephemeris or str, optional

    Returns
    -------
    dict
        ``path``, ``packets`` and ``samples`` (position samples in all).
    """
    from sojourn.io import atomic_path

    doc = czml_document(plan, step_s=step_s, ephemeris=ephemeris)
    final = Path(path)
    with atomic_path(final) as tmp:
        tmp.write_text(json.dumps(doc, separators=(",", ":"), allow_nan=False), encoding="utf-8")
    samples = sum(len(p["cartesian"]) // 4 for p in doc[1]["position"])
    samples += sum(len(p["position"]["cartesian"]) // 4 for p in doc[2:])
    return {"path": str(final), "packets": len(doc), "samples": samples}
