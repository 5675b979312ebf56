"""The craft's trajectory as a SPICE SPK kernel (type 13), through spiceypy.

An SPK is what every SPICE-based tool reads (the SPICE toolkits, Cosmographia,
WebGeoCalc-style scripts). sojourn writes one **type 13** segment per coasting
leg: Hermite interpolation of position and velocity on unequally spaced states
(the regular step plus the exact end points of each leg). Type 13 fits both the
positions and their derivatives, so a few states a day reproduce a smooth
heliocentric arc to well under a metre.

- Target: the craft, NAIF id ``naif_id`` (default −1000; spacecraft ids are
  negative). Centre: the Sun (10). Frame: ``"J2000"``. sojourn's states are in
  the ICRF, the frame of the JPL DE ephemerides, which SPICE also labels
  ``J2000`` (NAIF treats the two as one; the 23 mas frame bias between ICRF and
  the dynamical J2000 is not applied, just as it is not in the DE kernels).
- Epochs: ephemeris time, ET = TDB seconds past J2000, which is sojourn's own
  time scale, so no leap-second kernel is needed to write or to read the file
  by ET (``spkgeo``/``spkez``).
- The stay at Mars is a gap, as in the OEM: there the craft is at Mars (read
  Mars from a planetary kernel). Asking for the craft during the stay gives
  SPICE's ``SPKINSUFFDATA`` error.

spiceypy is the optional extra ``sojourn[spice]``; without it
:func:`write_spk` raises an :class:`~sojourn.errors.InputError` that says how
to install it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from sojourn.errors import InputError

__all__ = ["write_spk", "require_spiceypy", "DEFAULT_NAIF_ID", "SPK_DEGREE", "SUN_NAIF_ID"]

#: NAIF id given to the craft unless told otherwise.
DEFAULT_NAIF_ID = -1000
#: The Sun's NAIF id, the centre of every segment.
SUN_NAIF_ID = 10
#: Degree of the type 13 Hermite polynomials (odd; 4 states per window).
SPK_DEGREE = 7
#: Longest file name SPICE keeps (FILEN = 255 in the toolkit); longer ones are cut.
SPICE_MAX_PATH = 255
_INSTALL = "pip install 'sojourn[spice]'"


def require_spiceypy(where: str = "--spk"):
    """Import spiceypy, or raise InputError saying how to install it."""
    try:
        import spiceypy
    except ImportError:
        raise InputError(f"writing an SPK needs spiceypy: {_INSTALL}", where) from None
    return spiceypy


def check_naif_id(naif_id, where: str = "--naif-id") -> int:
    """A spacecraft NAIF id: a negative integer."""
    try:
        value = int(naif_id)
    except (TypeError, ValueError):
        raise InputError(f"NAIF id must be an integer, got {naif_id!r}", where) from None
    if value != naif_id or value >= 0:
        raise InputError(f"a spacecraft's NAIF id must be a negative integer, got {naif_id!r}", where)
    return value


def _segment_id(text: str) -> str:
    from sojourn.export.oem import ascii_text

    return ascii_text(text)[:40]  # SPK segment identifiers hold at most 40 characters


def write_spk(plan, path: str | os.PathLike, *, naif_id: int = DEFAULT_NAIF_ID, step_s: float | None = None,
              ephemeris=None, object_name: str | None = None, comments=()) -> dict:
    """Write the craft's two coasting legs as an SPK of type 13 segments, atomically.

    Parameters
    ----------
    plan : Plan
        From :func:`sojourn.mission.plan.plan_mission`.
    path : str or os.PathLike
        Output file (``.bsp``). Written to a temporary name and renamed, so a
        failure leaves no partial file.
    naif_id : int
        The craft's NAIF id (negative).
    step_s : float, optional
        Sampling step, s; default :data:`sojourn.export.oem.DEFAULT_STEP_S`.
    ephemeris : Ephemeris or str, optional
    object_name : str, optional
        Name for the segment identifiers and comments; default the scenario name.
    comments : sequence of str
        Lines for the kernel's comment area (ASCII; others are replaced).

    Returns
    -------
    dict
        ``path``, ``naif_id``, ``center`` (10), ``frame`` (``"J2000"``),
        ``type`` (13), ``degree``, ``states`` and ``segments`` (``label``,
        ``segment_id``, ``start_et``, ``stop_et``, ``states``).

    Raises
    ------
    InputError
        spiceypy is not installed, a bad NAIF id or step, or a missing output
        directory.
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.export.oem import DEFAULT_STEP_S, ascii_text, check_state_count, check_step, sample_epochs
    from sojourn.io import atomic_path
    from sojourn.mission.trajectory import spacecraft_states

    spice = require_spiceypy()
    body = check_naif_id(naif_id)
    step = check_step(DEFAULT_STEP_S if step_s is None else step_s)
    check_state_count(sum(leg.t_arrive - leg.t_depart for leg in plan.legs), step)
    eph = resolve_ephemeris(ephemeris)
    name = object_name or plan.scenario_name
    segments = []
    for label, leg in zip(("outbound", "return"), plan.legs):
        t = sample_epochs(float(leg.t_depart), float(leg.t_arrive), step)
        r, v = spacecraft_states(plan, t, eph)
        segments.append((label, _segment_id(f"{name} {label}"), t, np.column_stack([r, v])))

    lines = [ascii_text(c)[:1000] for c in comments] or [""]
    final = Path(path)
    with atomic_path(final) as tmp:
        tmp.unlink()  # spkopn creates the file itself and refuses an existing one
        if len(str(tmp)) > SPICE_MAX_PATH:  # SPICE would cut the name and write elsewhere
            raise InputError(f"path too long for SPICE ({len(str(tmp))} > {SPICE_MAX_PATH} characters "
                             "with the temporary name): write to a shorter path", str(final))
        handle = spice.spkopn(str(tmp), _segment_id(f"sojourn {name}")[:60], 4096 + sum(len(c) + 1 for c in lines))
        closed = False
        try:
            for label, segid, t, states in segments:
                degree = min(SPK_DEGREE, 2 * t.size - 1)
                spice.spkw13(handle, body, SUN_NAIF_ID, "J2000", float(t[0]), float(t[-1]), segid, degree,
                             int(t.size), np.ascontiguousarray(states), np.ascontiguousarray(t))
            spice.dafac(handle, lines)
            spice.spkcls(handle)
            closed = True
        finally:
            if not closed:
                try:
                    spice.dafcls(handle)
                except Exception:  # pragma: no cover - the write already failed
                    pass
    return {
        "path": str(final),
        "format": "SPICE SPK type 13",
        "naif_id": body,
        "center": SUN_NAIF_ID,
        "frame": "J2000",
        "type": 13,
        "degree": SPK_DEGREE,
        "states": int(sum(s[2].size for s in segments)),
        "segments": [{"label": label, "segment_id": segid, "start_et": float(t[0]), "stop_et": float(t[-1]),
                      "states": int(t.size)} for label, segid, t, _ in segments],
    }
