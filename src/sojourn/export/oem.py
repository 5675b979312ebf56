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

Epochs are printed in ``UTC`` (leap seconds included, via erfa) or ``TDB``,
as ``YYYY-MM-DDThh:mm:ss.ffffff``: to the microsecond, so the printed epoch is
within 0.5 µs of the sampled one (under 2 cm along a 30 km/s track). Positions
are printed to the millimetre, velocities to the µm/s.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sojourn.errors import InputError
from sojourn.time import DAY, J2000_JD, tdb_to_jd_parts

__all__ = [
    "OemSegment",
    "TIME_SYSTEMS",
    "FRAMES",
    "DEFAULT_STEP_S",
    "MAX_STATES",
    "sample_epochs",
    "trajectory_segments",
    "format_epochs",
    "icrf_to_eme2000_matrix",
    "write_oem",
    "ascii_text",
]

#: Time systems an OEM can be written in.
TIME_SYSTEMS = ("UTC", "TDB")
#: Reference frames an OEM can be written in.
FRAMES = ("ICRF", "EME2000")
#: Default sampling step, s (6 hours: ~1,100 states per 280-day leg; interpolation
#: error of the 7th-degree Hermite polynomial between them stays far below 1 m).
DEFAULT_STEP_S = 21600.0
#: Most states one file may hold (a guard against a step typed in the wrong unit).
MAX_STATES = 1_000_000
#: Smallest sampling step, s.
MIN_STEP_S = 1.0
#: Degree of the interpolation the file advertises (Hermite on position and velocity, 4 states).
INTERPOLATION_DEGREE = 7
OEM_VERSION = "2.0"


@dataclass
class OemSegment:
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
    comments : list of str
    """

    center: str
    label: str
    t: np.ndarray
    r: np.ndarray
    v: np.ndarray
    useable: tuple[float, float] | None = None
    comments: list[str] = field(default_factory=list)

    def to_json(self, time_system: str = "UTC") -> dict:
        """Centre, label, epochs (as printed in ``time_system``) and number of states."""
        start, stop = format_epochs([self.t[0], self.t[-1]], time_system)
        out = {"center": self.center, "label": self.label, "start": start, "stop": stop,
               "states": int(self.t.size)}
        if self.useable is not None:
            out["useable_start"], out["useable_stop"] = format_epochs(list(self.useable), time_system)
        return out


# --------------------------------------------------------------------------- sampling


def check_step(step_s: float, where: str = "--step") -> float:
    """A sampling step in seconds, checked: finite and at least :data:`MIN_STEP_S`."""
    try:
        step = float(step_s)
    except (TypeError, ValueError):
        raise InputError(f"step must be a number of seconds, got {step_s!r}", where) from None
    if not math.isfinite(step) or step < MIN_STEP_S:
        raise InputError(f"step must be at least {MIN_STEP_S:g} s, got {step_s!r}", where)
    return step


def check_state_count(seconds: float, step_s: float) -> None:
    """Refuse a step that would write more than :data:`MAX_STATES` states over ``seconds`` of flight."""
    expected = seconds / step_s
    if expected > MAX_STATES:
        raise InputError(f"a {step_s:g} s step gives about {expected:,.0f} states, more than {MAX_STATES:,}: "
                         "use a longer step", "--step")


def sample_epochs(t0: float, t1: float, step_s: float) -> np.ndarray:
    """Epochs from ``t0`` to ``t1`` every ``step_s``, both ends included exactly.

    A regular epoch closer to ``t1`` than a thousandth of a step is dropped, so
    the last interval is between 0.001 and 1.001 steps long and every printed
    epoch differs from the next.

    Parameters
    ----------
    t0, t1 : float
        First and last epoch, TDB seconds past J2000, ``t0 < t1``.
    step_s : float
        Step, s.

    Returns
    -------
    numpy.ndarray
        Epochs, TDB s, strictly increasing; ``[0] == t0`` and ``[-1] == t1``.
    """
    n = int(math.ceil((t1 - t0) / step_s))
    t = t0 + step_s * np.arange(max(n, 1), dtype=np.float64)
    t = t[t < t1 - 1e-3 * step_s]
    if t.size == 0 or t[0] != t0:
        t = np.concatenate([[t0], t])
    return np.concatenate([t, [t1]])


def icrf_to_eme2000_matrix() -> np.ndarray:
    """The ICRS frame bias matrix: ICRF vectors to the mean equator and equinox of J2000 (EME2000).

    ``r_eme2000 = B @ r_icrf``, from :func:`erfa.bp06` (IAU 2006 frame bias,
    IERS Conventions 2010 eq. 5.21). A rotation of about 23 mas.
    """
    import erfa

    rb, _, _ = erfa.bp06(J2000_JD, 0.0)
    return np.asarray(rb, dtype=np.float64)


def _check_choice(value: str, choices: tuple[str, ...], where: str) -> str:
    v = str(value).strip().upper()
    if v not in choices:
        raise InputError(f"unknown {where.lstrip('-').replace('-', ' ')} '{value}': use {' or '.join(choices)}",
                         where)
    return v


def trajectory_segments(plan, *, step_s: float = DEFAULT_STEP_S, planet_segments: bool = False,
                        planet_days: float = 3.0, frame: str = "ICRF", ephemeris=None) -> list[OemSegment]:
    """Sample the craft's coasting legs into OEM segments, in time order.

    Parameters
    ----------
    plan : Plan
        From :func:`sojourn.mission.plan.plan_mission`.
    step_s : float
        Sampling step, s (at least 1 s).
    planet_segments : bool
        Add planet-centred segments for the first and last ``planet_days`` of
        each leg (see the module notes: the heliocentric arc re-expressed).
    planet_days : float
        Length of each planet-centred segment, days; less than half of the
        shorter leg.
    frame : {"ICRF", "EME2000"}
    ephemeris : Ephemeris or str, optional

    Returns
    -------
    list of OemSegment
        Two (the legs) or six (each leg: departure planet, Sun, arrival planet).

    Raises
    ------
    InputError
        A step below 1 s, more than :data:`MAX_STATES` states in all, a
        ``planet_days`` that is not positive or overlaps the two ends of a leg,
        or an unknown frame.
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.trajectory import spacecraft_states

    eph = resolve_ephemeris(ephemeris)
    step = check_step(step_s)
    frame = _check_choice(frame, FRAMES, "--frame")
    rot = icrf_to_eme2000_matrix() if frame == "EME2000" else None
    pad = None
    if planet_segments:
        try:
            pad = float(planet_days) * DAY
        except (TypeError, ValueError):
            raise InputError(f"planet days must be a number, got {planet_days!r}", "--planet-days") from None
        if not math.isfinite(pad) or pad <= 0.0:
            raise InputError(f"planet days must be a positive number of days, got {planet_days!r}",
                             "--planet-days")
        shortest = min(leg.t_arrive - leg.t_depart for leg in plan.legs)
        if 2.0 * pad >= shortest:
            raise InputError(f"planet segments of {planet_days:g} days would overlap: the shorter leg lasts "
                             f"{shortest / DAY:.1f} days", "--planet-days")

    check_state_count(sum(leg.t_arrive - leg.t_depart for leg in plan.legs)
                      + (4 * pad if planet_segments else 0.0), step)

    def rotate(a):
        return a if rot is None else a @ rot.T

    segments = []
    names = ("outbound transit", "return transit")
    for name, leg in zip(names, plan.legs):
        t0, t1 = float(leg.t_depart), float(leg.t_arrive)
        t = sample_epochs(t0, t1, step)
        r, v = spacecraft_states(plan, t, eph)
        helio = OemSegment(
            "SUN", name, t, rotate(r), rotate(v),
            comments=[f"{name}: {_body(leg.origin)} to {_body(leg.destination)}, {leg.tof_days:.2f} days, "
                      f"type {leg.transfer_type} ballistic arc (two-body, Sun only)",
                      f"from just after the {_body(leg.origin)} departure burn to {_body(leg.destination)} arrival"],
        )
        if not planet_segments:
            segments.append(helio)
            continue
        helio.useable = (t0 + pad, t1 - pad)
        helio.comments.append("useable only between the planet-centred segments before and after it")
        parts = []
        for body, a, b, where in ((leg.origin, t0, t0 + pad, "first"), (leg.destination, t1 - pad, t1, "last")):
            tp = sample_epochs(a, b, step)
            rc, vc = spacecraft_states(plan, tp, eph)
            rb, vb = eph.state(body, tp)
            parts.append(OemSegment(
                body.upper(), f"{name}, {where} {planet_days:g} days about {_body(body)}", tp,
                rotate(rc - rb), rotate(vc - vb),
                comments=[f"{name}, {where} {planet_days:g} days: the heliocentric arc re-expressed about "
                          f"{_body(body)} (craft minus {_body(body)}, same epochs)",
                          f"not a hyperbola: {_body(body)}'s gravity is not in the patched-conic leg, "
                          "which passes through the planet's centre"],
            ))
        segments.extend([parts[0], helio, parts[1]])
    return segments


def _body(name: str) -> str:
    return str(name).capitalize()


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

    from sojourn.time import _quiet

    ts = _check_choice(time_system, TIME_SYSTEMS, "--time-system")
    t = np.atleast_1d(np.asarray(t, dtype=np.float64))
    if not np.all(np.isfinite(t)):
        raise InputError("epoch is not a finite number of seconds")
    d1, d2 = tdb_to_jd_parts(t)
    with _quiet():
        if ts == "UTC":
            dtr = erfa.dtdb(d1, d2, 0.0, 0.0, 0.0, 0.0)
            tt1, tt2 = erfa.tdbtt(d1, d2, dtr)
            tai1, tai2 = erfa.tttai(tt1, tt2)
            d1, d2 = erfa.taiutc(tai1, tai2)
        try:
            iy, im, iday, hmsf = erfa.d2dtf(ts, 6, d1, d2)
        except erfa.ErfaError as exc:
            raise InputError(f"epoch cannot be written as a {ts} date: {exc}") from None
    fields = (iy.tolist(), im.tolist(), iday.tolist(), hmsf["h"].tolist(), hmsf["m"].tolist(),
              hmsf["s"].tolist(), hmsf["f"].tolist())
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


def oem_text(segments: list[OemSegment], *, object_name: str, object_id: str, time_system: str = "UTC",
             frame: str = "ICRF", originator: str = "SOJOURN", comments=(),
             creation_date: str | None = None) -> str:
    """The KVN text of an OEM holding ``segments`` (see :func:`write_oem`)."""
    ts = _check_choice(time_system, TIME_SYSTEMS, "--time-system")
    frame = _check_choice(frame, FRAMES, "--frame")
    lines = [_kv("CCSDS_OEM_VERS", OEM_VERSION)]
    lines += [f"COMMENT {ascii_text(c)}" for c in comments]
    lines += [_kv("CREATION_DATE", creation_date or _creation_date()), _kv("ORIGINATOR", ascii_text(originator)),
              ""]
    for seg in segments:
        n = seg.t.size
        if n < 2:
            raise InputError(f"segment '{seg.label}' has fewer than two states")
        epochs = format_epochs(seg.t, ts)
        # The degree the data can carry: Hermite on n states reaches 2n - 1.
        degree = min(INTERPOLATION_DEGREE, 2 * n - 1)
        lines += ["META_START"]
        lines += [f"COMMENT {ascii_text(c)}" for c in seg.comments]
        lines += [
            _kv("OBJECT_NAME", ascii_text(object_name)),
            _kv("OBJECT_ID", ascii_text(object_id)),
            _kv("CENTER_NAME", seg.center),
            _kv("REF_FRAME", frame),
            _kv("TIME_SYSTEM", ts),
            _kv("START_TIME", epochs[0]),
        ]
        if seg.useable is not None:
            ua, ub = format_epochs(list(seg.useable), ts)
            lines += [_kv("USEABLE_START_TIME", ua), _kv("USEABLE_STOP_TIME", ub)]
        lines += [
            _kv("STOP_TIME", epochs[-1]),
            _kv("INTERPOLATION", "HERMITE"),
            _kv("INTERPOLATION_DEGREE", degree),
            "META_STOP",
            "",
        ]
        r, v = np.asarray(seg.r, dtype=np.float64), np.asarray(seg.v, dtype=np.float64)
        if not (np.all(np.isfinite(r)) and np.all(np.isfinite(v))):
            raise InputError(f"segment '{seg.label}' has a state that is not finite")
        rows = np.column_stack([r, v]).tolist()
        lines += [f"{e} {x:.6f} {y:.6f} {z:.6f} {vx:.9f} {vy:.9f} {vz:.9f}"
                  for e, (x, y, z, vx, vy, vz) in zip(epochs, rows)]
        lines.append("")
    return "\n".join(lines)


def write_oem(plan, path: str | os.PathLike, *, object_name: str | None = None, object_id: str = "-1000",
              time_system: str = "UTC", frame: str = "ICRF", step_s: float = DEFAULT_STEP_S,
              planet_segments: bool = False, planet_days: float = 3.0, ephemeris=None,
              originator: str = "SOJOURN", comments=(), creation_date: str | None = None) -> dict:
    """Write the craft's trajectory as a CCSDS OEM (KVN), atomically.

    Parameters
    ----------
    plan : Plan
        From :func:`sojourn.mission.plan.plan_mission`.
    path : str or os.PathLike
        Output file (conventionally ``.oem``). Written to a temporary name and
        renamed, so a failure leaves no partial file.
    object_name : str, optional
        ``OBJECT_NAME``; default the plan's scenario name.
    object_id : str
        ``OBJECT_ID``; default ``"-1000"`` (the NAIF id sojourn's SPK uses).
    time_system : {"UTC", "TDB"}
    frame : {"ICRF", "EME2000"}
    step_s : float
        Sampling step, s.
    planet_segments : bool
        Add planet-centred segments at both ends of each leg.
    planet_days : float
        Their length, days.
    ephemeris : Ephemeris or str, optional
    originator : str
    comments : sequence of str
        Header comment lines (ASCII; other characters are replaced).
    creation_date : str, optional
        ``CREATION_DATE`` (UTC ISO); default now, or ``SOURCE_DATE_EPOCH``.

    Returns
    -------
    dict
        ``path``, ``time_system``, ``frame``, ``step_s``, ``states`` and
        ``segments`` (see :meth:`OemSegment.to_json`).

    Raises
    ------
    InputError
        Bad options (see :func:`trajectory_segments`) or a missing output directory.
    """
    from sojourn.io import atomic_path

    ts = _check_choice(time_system, TIME_SYSTEMS, "--time-system")
    frame = _check_choice(frame, FRAMES, "--frame")
    segments = trajectory_segments(plan, step_s=step_s, planet_segments=planet_segments,
                                   planet_days=planet_days, frame=frame, ephemeris=ephemeris)
    text = oem_text(segments, object_name=object_name or plan.scenario_name, object_id=object_id,
                    time_system=ts, frame=frame, originator=originator, comments=comments,
                    creation_date=creation_date)
    final = Path(path)
    with atomic_path(final) as tmp:
        tmp.write_text(text, encoding="ascii", newline="\n")
    return {
        "path": str(final),
        "format": f"CCSDS OEM {OEM_VERSION} (KVN)",
        "time_system": ts,
        "frame": frame,
        "step_s": float(step_s),
        "states": int(sum(s.t.size for s in segments)),
        "segments": [s.to_json(ts) for s in segments],
    }
