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

The states are sampled every ``step_s`` TDB seconds from each leg's departure,
both ends exactly (ET needs no rounding: nothing prints it). A step so coarse
that a leg would hold fewer than :data:`~sojourn.export.oem.MIN_STATES` states
is refused.

spiceypy is the optional extra ``sojourn[spice]``; without it
:func:`export_spk` (``sj.export_spk``) raises an
:class:`~sojourn.errors.InputError` that says how to install it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from sojourn import checks
from sojourn.errors import InputError
from sojourn.results import Result

__all__ = ["DEFAULT_NAIF_ID", "SPK_DEGREE", "SPK_SUFFIXES", "SUN_NAIF_ID", "SpkFile", "SpkSegment", "export_spk",
           "require_spiceypy"]

#: NAIF id given to the craft unless told otherwise.
DEFAULT_NAIF_ID = -1000
#: The Sun's NAIF id, the centre of every segment.
SUN_NAIF_ID = 10
#: Degree of the type 13 Hermite polynomials (odd; 4 states per window).
SPK_DEGREE = 7
#: File suffixes an SPK is written to.
SPK_SUFFIXES = (".bsp",)
#: Longest file name SPICE keeps (FILEN = 255 in the toolkit); longer ones are cut.
SPICE_MAX_PATH = 255
_INSTALL = "pip install 'sojourn[spice]'"


@dataclass(frozen=True, repr=False)
class SpkSegment(Result):
    """One type 13 segment: a coasting leg of the craft about the Sun.

    Attributes
    ----------
    label : str
        ``"outbound"`` or ``"return"``; ``"return 1"``, ``"return 2"`` for the
        arcs of a leg through a flyby (which splits it where the velocity jumps).
    segment_id : str
        The segment's identifier in the file (at most 40 characters).
    start_et, stop_et : float
        Coverage, ephemeris time (TDB seconds past J2000).
    states : int
    """

    label: str
    segment_id: str
    start_et: float
    stop_et: float
    states: int

    def to_dict(self) -> dict:
        return {"label": self.label, "segment_id": self.segment_id, "start_et": self.start_et,
                "stop_et": self.stop_et, "states": self.states}

    def summary(self) -> list[tuple[str, str]]:
        return [("label", self.label), ("states", str(self.states))]


@dataclass(frozen=True, repr=False)
class SpkFile(Result):
    """An SPK kernel written: the craft's NAIF id, sampling step and segments.

    Attributes
    ----------
    path : str
    naif_id : int
        The craft's NAIF id (negative); the centre is the Sun (10), the frame J2000 (= ICRF).
    step_s : float
        Sampling step, s.
    segments : tuple of SpkSegment
    """

    path: str
    naif_id: int
    step_s: float
    segments: tuple

    @property
    def states(self) -> int:
        return int(sum(s.states for s in self.segments))

    def to_dict(self) -> dict:
        return {"path": self.path, "format": "SPICE SPK type 13", "naif_id": self.naif_id, "center": SUN_NAIF_ID,
                "frame": "J2000", "type": 13, "degree": SPK_DEGREE, "states": self.states,
                "segments": [s.to_dict() for s in self.segments]}

    def summary(self) -> list[tuple[str, str]]:
        return [("path", self.path), ("naif_id", str(self.naif_id)), ("segments", str(len(self.segments))),
                ("states", f"{self.states:,}")]


def require_spiceypy(where: str = "path"):
    """Import spiceypy, or raise InputError saying how to install it."""
    try:
        import spiceypy
    except ImportError:
        raise InputError(f"writing an SPK needs spiceypy: {_INSTALL}", where) from None
    return spiceypy


def check_naif_id(naif_id, where: str = "naif_id") -> int:
    """A spacecraft NAIF id: a negative integer."""
    value = checks.integer(naif_id, where, "NAIF id")
    if value >= 0:
        raise InputError(f"a spacecraft's NAIF id must be a negative integer, not {naif_id!r}", where)
    return value


def _segment_id(text: str) -> str:
    from sojourn.export.oem import ascii_text

    return ascii_text(text)[:40]  # SPK segment identifiers hold at most 40 characters


def _sample(plan, step: float, name: str, eph) -> list:
    """(label, segment id, epochs, states) of each leg's arcs, every ``step`` s with both ends exact."""
    from sojourn.export.oem import check_segment_states, check_state_count, sample_epochs
    from sojourn.mission.trajectory import arc_states

    check_state_count(sum(leg.t_arrive - leg.t_depart for leg in plan.legs), step)
    out = []
    for label, leg in zip(("outbound", "return"), plan.legs):
        for k, arc in enumerate(leg.arcs):  # a flyby splits its leg: the velocity jumps there
            part = label if len(leg.arcs) == 1 else f"{label} {k + 1}"
            t = sample_epochs(float(arc.t_depart), float(arc.t_arrive), step)  # ET: exact ends, nothing prints it
            check_segment_states(f"{part} transit", t, step)
            r, v = arc_states(arc, t, eph)
            out.append((part, _segment_id(f"{name} {part}"), t, np.column_stack([r, v])))
    return out


def _write(spice, final: Path, segments: list, body: int, name: str, comments: list) -> None:
    """The kernel, written to a temporary name beside ``final`` and renamed (no partial file on failure)."""
    from sojourn.export.oem import ascii_text
    from sojourn.io import atomic_path

    lines = [ascii_text(c)[:1000] for c in comments] or [""]
    with atomic_path(final) as tmp:
        tmp.unlink()  # spkopn creates the file itself and refuses an existing one
        if len(str(tmp)) > SPICE_MAX_PATH:  # SPICE would cut the name and write elsewhere
            raise InputError(f"path too long for SPICE ({len(str(tmp))} > {SPICE_MAX_PATH} characters "
                             "with the temporary name): write to a shorter path", "path")
        handle = spice.spkopn(str(tmp), _segment_id(f"sojourn {name}")[:60], 4096 + sum(len(c) + 1 for c in lines))
        closed = False
        try:
            for _, segid, t, states in segments:
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


def export_spk(plan_or_scenario, path, *, naif_id: int = DEFAULT_NAIF_ID, step_s: Optional[float] = None,
               ephemeris=None, progress=None) -> SpkFile:
    """Write the craft's two coasting legs as a SPICE SPK of type 13 segments, atomically.

    Parameters
    ----------
    plan_or_scenario : Plan, Scenario, str or os.PathLike
        A plan (:func:`sojourn.plan`), or a scenario (object or TOML file)
        whose best plan is searched first.
    path : str or os.PathLike
        Output file (``.bsp``). Written to a temporary name and renamed, so a
        failure leaves no partial file.
    naif_id : int
        The craft's NAIF id (negative).
    step_s : float, optional
        Sampling step, s (at least 1 s); default
        :data:`sojourn.export.oem.DEFAULT_STEP_S` (6 hours).
    ephemeris : Ephemeris or str, optional
    progress : callable, optional
        ``progress(done, total, label)`` while a scenario is planned.

    Returns
    -------
    SpkFile
        ``to_dict()`` is the ``spk`` part of ``sojourn export --json``.

    Raises
    ------
    InputError
        spiceypy is not installed, a bad NAIF id or step (naming it), or a
        ``path`` that is not a .bsp in an existing directory or that names the
        scenario file or the ephemeris (refused before any work, however spelt).

    Examples
    --------
    >>> import sojourn as sj, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "ulysses.bsp"
    >>> k = sj.export_spk("examples/ulysses.toml", out, naif_id=-1042)
    >>> [(s.label, s.states) for s in k.segments]
    [('outbound', 1121), ('return', 1121)]
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.export.oem import DEFAULT_STEP_S, check_step, object_name_of, plan_comments
    from sojourn.mission.plan import as_plan, input_paths

    eph = resolve_ephemeris(ephemeris)
    checks.output_file(path, SPK_SUFFIXES, "path")
    checks.distinct_outputs({"path": path}, input_paths(plan_or_scenario, eph))
    spice = require_spiceypy()
    body = check_naif_id(naif_id)
    step = check_step(DEFAULT_STEP_S if step_s is None else step_s)
    plan = as_plan(plan_or_scenario, ephemeris=eph, progress=progress)
    name = object_name_of(plan)
    segments = _sample(plan, step, name, eph)
    final = Path(path)
    _write(spice, final, segments, body, name, plan_comments(plan))
    return SpkFile(str(final), body, step, tuple(SpkSegment(label, segid, float(t[0]), float(t[-1]), int(t.size))
                                                 for label, segid, t, _ in segments))
