"""The craft's trajectory as a CCSDS Orbit Ephemeris Message (OEM, KVN text).

The message follows CCSDS 502.0-B-2 (*Orbit Data Messages*, Blue Book, issue 2,
2009), version ``CCSDS_OEM_VERS = 2.0``, in the keyword = value notation (KVN):
a header (``CREATION_DATE``, ``ORIGINATOR``), then one segment per piece of
trajectory, each a metadata block (``OBJECT_NAME``, ``OBJECT_ID``,
``CENTER_NAME``, ``REF_FRAME``, ``TIME_SYSTEM``, ``START_TIME``, ``STOP_TIME``,
``INTERPOLATION``, ``INTERPOLATION_DEGREE``, and ``USEABLE_START_TIME`` /
``USEABLE_STOP_TIME`` where segments hand over to one another) and its state
vectors: epoch, position (km) and velocity (km/s).

What is in the file
-------------------
- **One heliocentric segment per coasting leg** (``CENTER_NAME = SUN``): the
  outbound transit from trans-Mars injection to Mars arrival, and the return
  transit from trans-Earth injection to Earth arrival. The burns are impulsive,
  so the velocity jumps there, and a segment never straddles one: each begins
  just after its departure burn and ends at its arrival, both end points
  sampled exactly.
- **The stay at Mars is not in the file.** There the craft is with Mars (a
  parking orbit or the surface), not coasting in heliocentric space; sojourn
  puts it at Mars' centre, which any reader already has from a planetary
  ephemeris. The file has a gap between the two legs, which the format allows.
- **With planet segments** (``planet_segments=True``) each leg also gets a
  segment centred on its departure planet for its first ``planet_days`` and one
  centred on its arrival planet for its last ``planet_days`` (``CENTER_NAME
  EARTH`` / ``MARS``). Their states are the heliocentric leg re-expressed about
  the planet: the craft's heliocentric state minus the planet's (same epochs,
  same frame). This is *not* a planetocentric hyperbola: in the patched-conic
  model the planet's gravity is not part of the leg, which starts and ends at
  the planet's centre with the hyperbolic excess velocity. The heliocentric
  segment then keeps all its states but is marked useable only between the
  planet segments (``USEABLE_START_TIME`` / ``USEABLE_STOP_TIME``), so at
  every epoch exactly one segment is useable, in time order, as the standard
  asks.

Frames and times
----------------
``REF_FRAME = ICRF`` writes sojourn's own states (the frame of the JPL DE
ephemerides). ``EME2000`` (mean equator and equinox of J2000) rotates them by
the ICRS frame bias matrix (IERS Conventions 2010, eq. 5.21: offsets of the
pole ξ0 = −16.617 mas, η0 = −6.819 mas and of the equinox dα0 = −14.6 mas),
from :func:`erfa.bp06`; at 1.5 AU the bias moves a position by about 15 km, so
the choice matters to anyone comparing at the kilometre level.

The states are sampled on whole milliseconds of UTC: every ``step_s`` from the
first whole millisecond of the leg, so a UTC file prints the sampled instants
exactly (``…:00.000000``, not ``…:00.000137``). A leg's first and last states
are on the whole milliseconds just inside it (exactly the burns when, as
usual, the plan's dates are whole UTC seconds; otherwise within 1 ms of them).
Epochs are printed in ``UTC`` (leap seconds included, via erfa) or ``TDB``,
as ``YYYY-MM-DDThh:mm:ss.ffffff``: to the microsecond, so a TDB epoch is
within 0.5 µs of the sampled one. Positions are printed to the millimetre,
velocities to the µm/s.

A step so coarse that a segment would hold fewer than :data:`MIN_STATES`
states is refused: the interpolation the file advertises (Hermite, degree 7,
on 4 states) could not follow the arc.

:func:`export_oem` (``sj.export_oem``) writes the file; :func:`oem_text` gives
the same message as text, for a download.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from sojourn import checks
from sojourn.errors import InputError
from sojourn.results import Result
from sojourn.time import DAY, J2000_JD, datetime64_to_tdb, tdb_to_datetime64, tdb_to_jd_parts

__all__ = [
    "DEFAULT_STEP_S",
    "FRAMES",
    "MAX_STATES",
    "MIN_STATES",
    "OEM_SUFFIXES",
    "OemFile",
    "OemSegment",
    "TIME_SYSTEMS",
    "ascii_text",
    "export_oem",
    "format_epochs",
    "icrf_to_eme2000_matrix",
    "oem_text",
    "sample_epochs",
    "trajectory_segments",
]

#: Time systems an OEM can be written in.
TIME_SYSTEMS = ("UTC", "TDB")
#: Reference frames an OEM can be written in.
FRAMES = ("ICRF", "EME2000")
#: File suffixes an OEM is written to.
OEM_SUFFIXES = (".oem", ".txt", ".kvn")
#: Default sampling step, s (6 hours: ~1,100 states per 280-day leg; interpolation
#: error of the 7th-degree Hermite polynomial between them stays far below 1 m).
DEFAULT_STEP_S = 21600.0
#: Most states one file may hold (a guard against a step typed in the wrong unit).
MAX_STATES = 1_000_000
#: Fewest states a segment may hold: the 7th-degree Hermite interpolation needs 4, and a
#: segment of 4 states is one interpolation window, not a sampled arc.
MIN_STATES = 5
#: Smallest sampling step, s.
MIN_STEP_S = 1.0
#: Degree of the interpolation the file advertises (Hermite on position and velocity, 4 states).
INTERPOLATION_DEGREE = 7
OEM_VERSION = "2.0"


@dataclass(frozen=True, repr=False)
class OemSegment(Result):
    """One segment of an OEM: states of the craft about one centre.

    Attributes
    ----------
    center : str
        ``CENTER_NAME``: ``"SUN"`` or the planet's name in capitals.
    label : str
        What the segment is, for its comment (``"outbound transit"``, ...).
    t : numpy.ndarray, shape (n,)
        Epochs, TDB seconds past J2000, strictly increasing.
    r, v : numpy.ndarray, shape (n, 3)
        Position (km) and velocity (km/s) of the craft relative to ``center``,
        in the segment's frame.
    useable : tuple of float or None
        (start, stop) of the useable span, TDB s, when narrower than the data.
    comments : tuple of str
    time_system : {"UTC", "TDB"}
        How its epochs are written.
    """

    center: str
    label: str
    t: np.ndarray
    r: np.ndarray
    v: np.ndarray
    useable: Optional[tuple] = None
    comments: tuple = ()
    time_system: str = "UTC"

    def to_dict(self) -> dict:
        """Centre, label, epochs (as printed in the file's time system) and number of states."""
        start, stop = format_epochs([self.t[0], self.t[-1]], self.time_system)
        out = {"center": self.center, "label": self.label, "start": start, "stop": stop,
               "states": int(self.t.size)}
        if self.useable is not None:
            out["useable_start"], out["useable_stop"] = format_epochs(list(self.useable), self.time_system)
        return out

    def summary(self) -> list[tuple[str, str]]:
        return [("center", self.center), ("label", self.label), ("states", str(self.t.size))]


@dataclass(frozen=True, repr=False)
class OemFile(Result):
    """An OEM written (or made as text): its settings and segments.

    Attributes
    ----------
    path : str or None
        Where it was written (None: text only, :func:`oem_text`).
    object_name, object_id : str
    time_system, frame : str
    step_s : float
        Sampling step, s.
    segments : tuple of OemSegment
    text : str
        The message itself (not part of :meth:`to_dict`).
    """

    path: Optional[str]
    object_name: str
    object_id: str
    time_system: str
    frame: str
    step_s: float
    segments: tuple
    text: str = field(default="", compare=False)

    @property
    def states(self) -> int:
        """States in all segments."""
        return int(sum(s.t.size for s in self.segments))

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "format": f"CCSDS OEM {OEM_VERSION} (KVN)",
            "time_system": self.time_system,
            "frame": self.frame,
            "step_s": self.step_s,
            "states": self.states,
            "segments": [s.to_dict() for s in self.segments],
        }

    def summary(self) -> list[tuple[str, str]]:
        return [("path", str(self.path)), ("frame", self.frame), ("time_system", self.time_system),
                ("segments", str(len(self.segments))), ("states", f"{self.states:,}")]


# --------------------------------------------------------------------------- checks


def check_step(step_s, where: str = "step_s") -> float:
    """A sampling step in seconds, checked: finite and at least :data:`MIN_STEP_S`."""
    step = checks.number(step_s, where, "step", "seconds")
    if step < MIN_STEP_S:
        raise InputError(f"step must be at least {MIN_STEP_S:g} s, not {step_s!r}", where)
    return step


def check_state_count(seconds: float, step_s: float, where: str = "step_s") -> None:
    """Refuse a step that would write more than :data:`MAX_STATES` states over ``seconds`` of flight."""
    expected = seconds / step_s
    if expected > MAX_STATES:
        raise InputError(f"a {step_s:g} s step gives about {expected:,.0f} states, more than {MAX_STATES:,}: "
                         "use a longer step", where)


def check_segment_states(label: str, t: np.ndarray, step_s: float, where: str = "step_s") -> None:
    """Refuse a segment with fewer than :data:`MIN_STATES` states: the step is too coarse to follow the arc."""
    if t.size < MIN_STATES:
        span = t[-1] - t[0]
        raise InputError(f"a {step_s:g} s step gives the {label} only {t.size} states: at least {MIN_STATES} are "
                         f"needed for the interpolation to follow the arc (a step of at most "
                         f"{math.floor(span / (MIN_STATES - 1)):g} s)", where)


def check_planet_days(planet_days, plan=None, where: str = "planet_days") -> float:
    """Length of the planet-centred segments, days: positive, and under half the shortest arc of ``plan``."""
    days = checks.positive(planet_days, where, "planet days", "days")
    if plan is not None:
        shortest = min(arc.t_arrive - arc.t_depart for leg in plan.legs for arc in leg.arcs)
        if 2.0 * days * DAY >= shortest:
            what = "arc" if any(leg.flybys for leg in plan.legs) else "leg"
            raise InputError(f"planet segments of {days:g} days would overlap: the shorter {what} lasts "
                             f"{shortest / DAY:.1f} days", where)
    return days


# --------------------------------------------------------------------------- sampling


def _utc_ms(t) -> np.ndarray:
    """Milliseconds since 1970 (UTC, no leap seconds) of the nearest whole UTC millisecond to ``t`` (TDB s)."""
    return np.atleast_1d(tdb_to_datetime64(t)).astype(np.int64)


def _ms_to_tdb(ms) -> np.ndarray:
    return datetime64_to_tdb(np.atleast_1d(np.asarray(ms, dtype=np.int64)).astype("datetime64[ms]"))


def nearest_whole_ms(t: float) -> float:
    """The whole millisecond of UTC nearest to ``t`` (TDB s), as TDB s."""
    return float(_ms_to_tdb(_utc_ms(t))[0])


def sample_epochs(t0: float, t1: float, step_s: float, whole_ms: bool = False) -> np.ndarray:
    """Epochs from ``t0`` to ``t1`` every ``step_s``, both ends included.

    A regular epoch closer to the end than a thousandth of a step is dropped,
    so the last interval is between 0.001 and 1.001 steps long and every
    printed epoch differs from the next.

    Parameters
    ----------
    t0, t1 : float
        First and last epoch, TDB seconds past J2000, ``t0 < t1``.
    step_s : float
        Step, s.
    whole_ms : bool
        False: ``t0`` and ``t1`` exactly, steps of exactly ``step_s`` TDB
        seconds between them. True: every epoch on a whole millisecond of UTC,
        from the first at or after ``t0`` to the last at or before ``t1`` (1 µs
        of slack, so an end already on a whole millisecond is kept), every
        ``step_s`` of UTC rounded to the millisecond.

    Returns
    -------
    numpy.ndarray
        Epochs, TDB s, strictly increasing.
    """
    if not whole_ms:
        n = int(math.ceil((t1 - t0) / step_s))
        t = t0 + step_s * np.arange(max(n, 1), dtype=np.float64)
        t = t[t < t1 - 1e-3 * step_s]
        if t.size == 0 or t[0] != t0:
            t = np.concatenate([[t0], t])
        return np.concatenate([t, [t1]])
    a, b = (int(x) for x in _utc_ms(np.array([t0, t1])))
    a += 1 if _ms_to_tdb(a)[0] < t0 - 1e-6 else 0
    b -= 1 if _ms_to_tdb(b)[0] > t1 + 1e-6 else 0
    step_ms = max(int(round(step_s * 1000.0)), 1)
    ms = a + step_ms * np.arange(max(int(math.ceil((b - a) / step_ms)), 1), dtype=np.int64)
    ms = ms[ms < b - 1e-3 * step_ms]
    return _ms_to_tdb(np.concatenate([ms, [b]]))


def icrf_to_eme2000_matrix() -> np.ndarray:
    """The ICRS frame bias matrix: ICRF vectors to the mean equator and equinox of J2000 (EME2000).

    ``r_eme2000 = B @ r_icrf``, from :func:`erfa.bp06` (IAU 2006 frame bias,
    IERS Conventions 2010 eq. 5.21). A rotation of about 23 mas.
    """
    import erfa

    rb, _, _ = erfa.bp06(J2000_JD, 0.0)
    return np.asarray(rb, dtype=np.float64)


def _craft_states(plan, arc, t, eph):
    """The craft's states at ``t`` on one arc (an epoch a rounding outside it is its end; at a flyby, this arc's
    side of it)."""
    from sojourn.mission.trajectory import arc_states

    return arc_states(arc, np.clip(t, arc.t_depart, arc.t_arrive), eph)


def _body(name: str) -> str:
    return str(name).capitalize()


def _planet_segment(plan, leg, name, body, where, a, b, opts, rotate, eph) -> OemSegment:
    days = opts["planet_days"]
    tp = sample_epochs(a, b, opts["step_s"], whole_ms=True)
    check_segment_states(f"{name}'s {where} {days:g} days about {_body(body)}", tp, opts["step_s"])
    rc, vc = _craft_states(plan, leg, tp, eph)
    rb, vb = eph.state(body, tp)
    return OemSegment(
        body.upper(), f"{name}, {where} {days:g} days about {_body(body)}", tp, rotate(rc - rb), rotate(vc - vb),
        comments=(f"{name}, {where} {days:g} days: the heliocentric arc re-expressed about {_body(body)} "
                  f"(craft minus {_body(body)}, same epochs)",
                  f"not a hyperbola: {_body(body)}'s gravity is not in the patched-conic leg, which passes "
                  "through the planet's centre"),
        time_system=opts["time_system"])


def _thrust_text(lt) -> str:
    """What a low-thrust leg's segment holds, for its comment."""
    p = lt.propulsion
    return (f"low-thrust leg ({p.thrust_n:g} N, Isp {p.isp_s:g} s): {len(lt.thrust_arcs)} thrust arcs, "
            f"{lt.thrusting_days:.0f} days thrusting, the thrust history integrated by DOP853 (Sun and thrust); "
            "the acceleration jumps where the thrust switches")


def _leg_segments(plan, leg, name, opts, rotate, eph) -> list:
    """The heliocentric segment of one leg, between its two planet-centred segments when asked."""
    t0, t1 = float(leg.t_depart), float(leg.t_arrive)
    t = sample_epochs(t0, t1, opts["step_s"], whole_ms=True)
    check_segment_states(name, t, opts["step_s"])
    r, v = _craft_states(plan, leg, t, eph)
    comments = (f"{name}: {_body(leg.origin)} to {_body(leg.destination)}, {leg.tof_days:.2f} days, "
                + (f"type {leg.transfer_type} ballistic arc (two-body, Sun only)" if leg.lowthrust is None
                   else _thrust_text(leg.lowthrust)),
                f"from just after the {_body(leg.origin)} departure burn (or flyby) to {_body(leg.destination)} "
                "arrival (or flyby), on whole milliseconds within 1 ms of both")
    if not opts["planet_segments"]:
        return [OemSegment("SUN", name, t, rotate(r), rotate(v), comments=comments, time_system=opts["time_system"])]
    pad = opts["planet_days"] * DAY  # the hand-over epochs: whole milliseconds too
    ends = nearest_whole_ms(t0 + pad), nearest_whole_ms(t1 - pad)
    first = _planet_segment(plan, leg, name, leg.origin, "first", t[0], ends[0], opts, rotate, eph)
    last = _planet_segment(plan, leg, name, leg.destination, "last", ends[1], t[-1], opts, rotate, eph)
    helio = OemSegment("SUN", name, t, rotate(r), rotate(v), useable=(float(first.t[-1]), float(last.t[0])),
                       comments=comments + ("useable only between the planet-centred segments before and after it",),
                       time_system=opts["time_system"])
    return [first, helio, last]


def trajectory_segments(plan, *, step_s: float = DEFAULT_STEP_S, planet_segments: bool = False,
                        planet_days: float = 3.0, frame: str = "ICRF", time_system: str = "UTC",
                        ephemeris=None) -> list[OemSegment]:
    """Sample the craft's coasting legs into OEM segments, in time order.

    Parameters
    ----------
    plan : Plan
    step_s : float
        Sampling step, s (at least 1 s).
    planet_segments : bool
        Add planet-centred segments for the first and last ``planet_days`` of
        each leg (see the module notes: the heliocentric arc re-expressed).
    planet_days : float
        Length of each planet-centred segment, days; less than half of the
        shorter leg.
    frame : {"ICRF", "EME2000"}
    time_system : {"UTC", "TDB"}
        How the epochs will be written (they are whole milliseconds of UTC either way).
    ephemeris : Ephemeris or str, optional

    Returns
    -------
    list of OemSegment
        One per arc (two for direct legs: one more per flyby, which splits its
        leg where the velocity jumps), or three per arc with planet segments
        (departure planet, Sun, arrival or flyby planet).

    Raises
    ------
    InputError
        A step below 1 s, more than :data:`MAX_STATES` states in all, a
        segment of fewer than :data:`MIN_STATES` states, a ``planet_days``
        that is not positive or overlaps the two ends of a leg, or an unknown
        frame or time system.
    """
    from sojourn.ephemeris import resolve_ephemeris

    eph = resolve_ephemeris(ephemeris)
    opts = {"step_s": check_step(step_s), "planet_segments": bool(planet_segments),
            "time_system": checks.choice(time_system, TIME_SYSTEMS, "time_system", "time system"),
            "planet_days": check_planet_days(planet_days, plan) if planet_segments else 0.0}
    frame = checks.choice(frame, FRAMES, "frame", "frame")
    rot = icrf_to_eme2000_matrix() if frame == "EME2000" else None
    check_state_count(sum(leg.t_arrive - leg.t_depart for leg in plan.legs) + 4 * opts["planet_days"] * DAY,
                      opts["step_s"])

    def rotate(a):
        return a if rot is None else a @ rot.T

    segments = []
    for name, leg in zip(("outbound transit", "return transit"), plan.legs):
        for arc in leg.arcs:
            label = name if len(leg.arcs) == 1 else f"{name}, {_body(arc.origin)} to {_body(arc.destination)}"
            segments.extend(_leg_segments(plan, arc, label, opts, rotate, eph))
    return segments


# --------------------------------------------------------------------------- text


def ascii_text(text: str) -> str:
    """``text`` in printable ASCII, as KVN requires: accents dropped, other characters replaced by ``?``."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    out = "".join(c for c in decomposed if not unicodedata.combining(c))
    out = out.replace("Δ", "d").replace("∞", "inf").replace("–", "-").replace("—", "-").replace("°", " deg")
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in out)


def format_epochs(t, time_system: str = "UTC") -> list[str]:
    """TDB seconds past J2000 as OEM epochs ``YYYY-MM-DDThh:mm:ss.ffffff`` in UTC or TDB.

    Parameters
    ----------
    t : array_like
        TDB seconds past J2000 (s).
    time_system : {"UTC", "TDB"}
        UTC goes TDB -> TT -> TAI -> UTC with erfa (leap seconds included; a
        leap second prints as ``23:59:60``); TDB is the TDB calendar date.

    Returns
    -------
    list of str
        Rounded to the microsecond.
    """
    import erfa

    from sojourn.time import _quiet, utc_calendar

    ts = checks.choice(time_system, TIME_SYSTEMS, "time_system", "time system")
    t = np.atleast_1d(np.asarray(t, dtype=np.float64))
    if not np.all(np.isfinite(t)):
        raise InputError("epoch is not a finite number of seconds", "t")
    d1, d2 = tdb_to_jd_parts(t)
    with _quiet():
        if ts == "UTC":
            dtr = erfa.dtdb(d1, d2, 0.0, 0.0, 0.0, 0.0)
            tt1, tt2 = erfa.tdbtt(d1, d2, dtr)
            tai1, tai2 = erfa.tttai(tt1, tt2)
            d1, d2 = erfa.taiutc(tai1, tai2)
        try:
            if ts == "UTC":
                fields = [f.tolist() for f in utc_calendar(d1, d2, 6)]
            else:
                iy, im, iday, hmsf = erfa.d2dtf(ts, 6, d1, d2)
                fields = [iy.tolist(), im.tolist(), iday.tolist(), *(hmsf[k].tolist() for k in "hmsf")]
        except erfa.ErfaError as exc:
            raise InputError(f"epoch cannot be written as a {ts} date: {exc}", "t") from None
    return [f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}.{f:06d}" for y, mo, d, h, mi, s, f in zip(*fields)]


def _kv(key: str, value) -> str:
    return f"{key:<20} = {value}"


def _creation_date() -> str:
    """Now in UTC, or ``SOURCE_DATE_EPOCH`` (reproducible builds) when it is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        now = _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)
    else:
        now = _dt.datetime.now(_dt.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S")


def _segment_lines(seg: OemSegment, object_name: str, object_id: str, ts: str, frame: str) -> list[str]:
    n = seg.t.size
    if n < 2:
        raise InputError(f"segment '{seg.label}' has fewer than two states", "segments")
    epochs = format_epochs(seg.t, ts)
    lines = ["META_START", *(f"COMMENT {ascii_text(c)}" for c in seg.comments),
             _kv("OBJECT_NAME", ascii_text(object_name)), _kv("OBJECT_ID", ascii_text(object_id)),
             _kv("CENTER_NAME", seg.center), _kv("REF_FRAME", frame), _kv("TIME_SYSTEM", ts),
             _kv("START_TIME", epochs[0])]
    if seg.useable is not None:
        ua, ub = format_epochs(list(seg.useable), ts)
        lines += [_kv("USEABLE_START_TIME", ua), _kv("USEABLE_STOP_TIME", ub)]
    # the degree the data can carry: Hermite on n states reaches 2n - 1
    lines += [_kv("STOP_TIME", epochs[-1]), _kv("INTERPOLATION", "HERMITE"),
              _kv("INTERPOLATION_DEGREE", min(INTERPOLATION_DEGREE, 2 * n - 1)), "META_STOP", ""]
    r, v = np.asarray(seg.r, dtype=np.float64), np.asarray(seg.v, dtype=np.float64)
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(v))):
        raise InputError(f"segment '{seg.label}' has a state that is not finite", "segments")
    rows = np.column_stack([r, v]).tolist()
    lines += [f"{e} {x:.6f} {y:.6f} {z:.6f} {vx:.9f} {vy:.9f} {vz:.9f}" for e, (x, y, z, vx, vy, vz) in zip(epochs, rows)]
    return lines + [""]


def kvn(segments, *, object_name: str, object_id: str, time_system: str = "UTC", frame: str = "ICRF",
        originator: str = "SOJOURN", comments=(), creation_date: Optional[str] = None) -> str:
    """The KVN text of an OEM holding ``segments`` (:class:`OemSegment`), with header ``comments``."""
    ts = checks.choice(time_system, TIME_SYSTEMS, "time_system", "time system")
    frame = checks.choice(frame, FRAMES, "frame", "frame")
    lines = [_kv("CCSDS_OEM_VERS", OEM_VERSION), *(f"COMMENT {ascii_text(c)}" for c in comments),
             _kv("CREATION_DATE", creation_date or _creation_date()), _kv("ORIGINATOR", ascii_text(originator)), ""]
    for seg in segments:
        lines += _segment_lines(seg, object_name, object_id, ts, frame)
    return "\n".join(lines)


# --------------------------------------------------------------------------- the verbs


def object_name_of(plan) -> str:
    """What to call the craft: the vessel's name when the scenario gives one, else the mission's."""
    vessel = getattr(plan.scenario, "vessel", None)
    return vessel.name if vessel is not None and vessel.name else plan.scenario_name


def plan_comments(plan) -> list[str]:
    """Header comments of an exported trajectory: where it comes from and what it leaves out."""
    import sojourn
    from sojourn.results import utc_text

    out_leg, ret_leg = plan.legs
    lines = []
    sc = plan.scenario
    if sc is not None:
        lines.append(f"sojourn {sojourn.__version__}: {sc.mission.name} ({sc.mission.mission_class} class, objective "
                     f"{sc.mission.objective}), scenario {Path(sc.source).name} sha256 {sc.digest()[:16]}")
    return lines + [
        f"ephemeris {plan.ephemeris}; heliocentric legs are " + (
            "two-body ballistic Lambert arcs between impulsive burns (patched conics)"
            if all(leg.lowthrust is None for leg in plan.legs) else
            "low-thrust legs (the Sun's gravity and the electric thrust) between impulsive burns (patched conics)"),
        f"launch {utc_text(out_leg.depart, 'minute')} UTC, {_body(out_leg.destination)} arrival "
        f"{utc_text(out_leg.arrive, 'minute')}, {_body(ret_leg.origin)} departure {utc_text(ret_leg.depart, 'minute')}, "
        f"{_body(ret_leg.destination)} arrival {utc_text(ret_leg.arrive, 'minute')}",
        f"one segment per transit leg; the {plan.stay_days:.1f}-day stay at {_body(out_leg.destination)} is not "
        f"included (the craft is with {_body(out_leg.destination)}: use a planetary ephemeris)",
    ]


def _oem(plan_or_scenario, path, opts: dict, ephemeris, progress=None) -> OemFile:
    """Check everything that needs no plan, plan (unless given), sample and format: the OEM as an OemFile."""
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.plan import as_plan, input_paths

    eph = resolve_ephemeris(ephemeris)
    if path is not None:
        checks.output_file(path, OEM_SUFFIXES, "path")
        checks.distinct_outputs({"path": path}, input_paths(plan_or_scenario, eph))
    ts = checks.choice(opts["time_system"], TIME_SYSTEMS, "time_system", "time system")
    frame = checks.choice(opts["frame"], FRAMES, "frame", "frame")
    step = check_step(opts["step_s"])
    if opts["planet_segments"]:
        check_planet_days(opts["planet_days"])
    plan = as_plan(plan_or_scenario, ephemeris=eph, progress=progress)
    segments = trajectory_segments(plan, step_s=step, planet_segments=opts["planet_segments"],
                                   planet_days=opts["planet_days"], frame=frame, time_system=ts, ephemeris=eph)
    name = opts["object_name"] or object_name_of(plan)
    object_id = str(opts["object_id"])
    text = kvn(segments, object_name=name, object_id=object_id, time_system=ts, frame=frame,
               comments=plan_comments(plan))
    return OemFile(None if path is None else str(path), name, object_id, ts, frame, step, tuple(segments), text)


def oem_text(plan_or_scenario, *, object_name=None, object_id="-1000", time_system="UTC", frame="ICRF",
             step_s=DEFAULT_STEP_S, planet_segments=False, planet_days=3.0, ephemeris=None) -> str:
    """The craft's trajectory as the text of a CCSDS OEM (KVN), written nowhere (e.g. for a download).

    Parameters
    ----------
    plan_or_scenario : Plan, Scenario, str or os.PathLike
        A plan (:func:`sojourn.plan`), or a scenario (object or TOML file)
        whose best plan is searched first.
    object_name : str, optional
        ``OBJECT_NAME``; default the vessel's name, else the mission's.
    object_id : str
        ``OBJECT_ID``; default ``"-1000"`` (the NAIF id sojourn's SPK uses).
    time_system : {"UTC", "TDB"}
        Epochs are written in this time scale (they are whole milliseconds of UTC).
    frame : {"ICRF", "EME2000"}
    step_s : float
        Sampling step, s (at least 1 s; default 6 hours).
    planet_segments : bool
        Add planet-centred segments at both ends of each leg.
    planet_days : float
        Their length, days.
    ephemeris : Ephemeris or str, optional

    Returns
    -------
    str
        The message, printable ASCII with ``\\n`` line ends.

    Raises
    ------
    InputError
        A bad option (see :func:`trajectory_segments`), naming it.

    Examples
    --------
    >>> import sojourn as sj
    >>> from sojourn.export.oem import oem_text
    >>> text = oem_text(sj.plan("examples/ulysses.toml"), step_s=86400)
    >>> text.splitlines()[0], text.count("META_START")
    ('CCSDS_OEM_VERS       = 2.0', 2)
    """
    opts = dict(object_name=object_name, object_id=object_id, time_system=time_system, frame=frame,
                step_s=step_s, planet_segments=planet_segments, planet_days=planet_days)
    return _oem(plan_or_scenario, None, opts, ephemeris).text


def export_oem(plan_or_scenario, path, *, object_name=None, object_id="-1000", time_system="UTC", frame="ICRF",
               step_s=DEFAULT_STEP_S, planet_segments=False, planet_days=3.0, ephemeris=None,
               progress=None) -> OemFile:
    """Write the craft's trajectory as a CCSDS Orbit Ephemeris Message (KVN), atomically.

    Parameters
    ----------
    plan_or_scenario : Plan, Scenario, str or os.PathLike
        A plan (:func:`sojourn.plan`), or a scenario (object or TOML file)
        whose best plan is searched first.
    path : str or os.PathLike
        The file (.oem, .txt or .kvn), written to a temporary name and renamed:
        a failure leaves no partial file.
    object_name : str, optional
        ``OBJECT_NAME``; default the vessel's name, else the mission's.
    object_id : str
        ``OBJECT_ID``; default ``"-1000"`` (the NAIF id sojourn's SPK uses).
    time_system : {"UTC", "TDB"}
        Epochs are written in this time scale (they are whole milliseconds of UTC).
    frame : {"ICRF", "EME2000"}
    step_s : float
        Sampling step, s (at least 1 s; default 6 hours).
    planet_segments : bool
        Add planet-centred segments at both ends of each leg.
    planet_days : float
        Their length, days.
    ephemeris : Ephemeris or str, optional
    progress : callable, optional
        ``progress(done, total, label)`` while a scenario is planned.

    Returns
    -------
    OemFile
        The file's path, settings and segments; ``to_dict()`` is the ``oem``
        part of ``sojourn export --json``.

    Raises
    ------
    InputError
        A bad option (naming it); ``path`` with a suffix other than .oem, .txt
        or .kvn, in a missing directory, or naming the scenario file or the
        ephemeris (refused before any work, however spelt).

    Examples
    --------
    >>> import sojourn as sj, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "ulysses.oem"
    >>> f = sj.export_oem("examples/ulysses.toml", out, step_s=86400)
    >>> [s.center for s in f.segments], f.states
    (['SUN', 'SUN'], 562)
    """
    from sojourn.io import atomic_path

    if path is None:
        raise InputError("give the file to write (or use oem_text for the text alone)", "path")
    opts = dict(object_name=object_name, object_id=object_id, time_system=time_system, frame=frame,
                step_s=step_s, planet_segments=planet_segments, planet_days=planet_days)
    result = _oem(plan_or_scenario, path, opts, ephemeris, progress)
    with atomic_path(Path(path)) as tmp:
        tmp.write_text(result.text, encoding="ascii", newline="\n")
    return result
