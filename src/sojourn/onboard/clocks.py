"""The crew's clocks: how far a clock aboard drifts from a clock on Earth, by relativity.

A clock's proper time tau runs at a rate set by the gravitational potential it
sits in and by its speed. To first post-Newtonian order, in the Barycentric
Celestial Reference System of IAU 2000 Resolution B1.3::

    d tau / d TCB = 1 - (U + v^2 / 2) / c^2,    U = sum_k GM_k / |x - x_k|,

with x and v the clock's barycentric position and velocity and the sum over the
Sun and the planets (point masses; each taken at no less than its equatorial
radius, so a trajectory resting at a planet's centre, as a surface stay does,
counts as on its surface). Ephemeris time is TDB, which IAU 2006 Resolution B3
defines from TCB by a fixed rate, d TDB / d TCB = 1 - L_B with
L_B = 1.550519768e-8, so::

    d tau / d TDB = (1 - (U + v^2 / 2) / c^2) / (1 - L_B).

A clock on Earth's geoid keeps TT, which IAU 2000 Resolution B1.9 defines from
the geocentric TCG by d TT / d TCG = 1 - L_G, L_G = 6.969290134e-10 (the
geoid's potential, rotation included, over c^2). L_B was chosen so that TT and
TDB keep the same mean rate; they differ only by a periodic term of at most
1.7 ms (the full Fairhead & Bretagnon series, ``erfa.dtdb``), added here at the
two ends of the interval. The crew's offset is

    offset = (tau(t1) - tau(t0)) - (TT(t1) - TT(t0)),

positive when the crew's clock is *ahead* of Earth's. The two clocks are read at
the same TDB (the barycentric notion of "at the same time", the only common one
once the crew is far from Earth); near Earth it differs from the geocentric
comparison by v_earth . r / c^2, 2 microseconds for a clock on the surface. The
integral is the trapezoid rule over the samples given: sample densely where the
integrand changes fast, near a planet.

What to expect
--------------
Farther from the Sun a clock sits higher in its potential and moves slower, so
it runs *faster* than a clock on Earth: in Mars's orbit by about 500 microseconds
a day, 488 at Mars's surface (this model, averaged over five Mars years; NIST's
Ashby & Patla, AJ 2025, find 477 microseconds a day on average for Mars's surface,
varying by up to 226 over the Mars year, against 372-583 here). A crew
on an Earth-Mars transfer gains tens of milliseconds on Earth's clocks (a
259-day Hohmann transfer: +83 ms, 320 microseconds a day), and a
conjunction-class round trip (two 200-day transits, 500 days on Mars) about
0.35 s. GPS clocks, for comparison, gain 38.6 microseconds a day. Only near Earth,
deep in its potential and fast in low orbit, do the crew's clocks fall behind
(about 25 microseconds a day at 400 km).

Checks (tests/test_clocks.py): the closed forms of a circular orbit and of half
an ellipse; a clock resting on Earth's surface, integrated over four years of
DE421, keeps TT (the periodic 1.7 ms included) to 0.01 microseconds beyond the
part of L_G a point mass leaves out; a GPS orbit gains 38.58 microseconds a day
(Ashby 2003: 38.6).
"""

from __future__ import annotations

from dataclasses import dataclass

import erfa
import numpy as np

from sojourn.bodies import GM_SUN, get_body
from sojourn.constants import SPEED_OF_LIGHT_KMS
from sojourn.errors import InputError
from sojourn.results import Result
from sojourn.time import DAY, tdb_to_jd_parts

__all__ = ["CLOCK_BODIES", "CLOCK_MODEL", "L_B", "L_G", "ClockOffset", "clock_offset", "clock_rate", "crew_clock"]

L_B = 1.550519768e-8
"""Rate of TCB over TDB, d TDB / d TCB = 1 - L_B (IAU 2006 Resolution B3; a defining constant)."""

L_G = 6.969290134e-10
"""Rate of TCG over TT, d TT / d TCG = 1 - L_G (IAU 2000 Resolution B1.9; a defining constant)."""

CLOCK_BODIES = ("mercury", "venus", "earth", "moon", "mars", "jupiter", "saturn", "uranus", "neptune")
"""Bodies whose potential counts besides the Sun's (the n-body check's set)."""

_C2 = SPEED_OF_LIGHT_KMS ** 2

CLOCK_MODEL = ("the crew's clocks: proper time along the plan's trajectory to first post-Newtonian order (the "
               "Sun's, the Moon's and the planets' potentials, the barycentric speed; IAU 2000 B1.3), against TT, a "
               "clock on Earth's geoid (IAU 2000 B1.9, 2006 B3); on Mars, a clock on the surface")
"""How the crew's clocks are modelled, in a sentence (the assumptions of ``crew`` and the dossier)."""


def _check_samples(t_tdb, r_km, v_kms):
    t = np.asarray(t_tdb, dtype=np.float64)
    r = np.asarray(r_km, dtype=np.float64)
    v = np.asarray(v_kms, dtype=np.float64)
    if t.ndim != 1 or t.size < 2:
        raise InputError("a trajectory needs at least two epochs in a one-dimensional array", "t_tdb")
    if not np.all(np.isfinite(t)) or not np.all(np.diff(t) > 0):
        raise InputError("epochs must be finite and strictly increasing", "t_tdb")
    for name, x in (("r_km", r), ("v_kms", v)):
        if x.shape != t.shape + (3,):
            raise InputError(f"{name} must have shape ({t.size}, 3), got {x.shape}", name)
        if not np.all(np.isfinite(x)):
            raise InputError(f"{name} must be finite", name)
    return t, r, v


def clock_rate(t_tdb, r_km, v_kms, *, bodies=CLOCK_BODIES, barycentric: bool = True, ephemeris=None):
    """Fractional rate of a clock against TDB, d tau / d TDB - 1, at each sample.

    Parameters
    ----------
    t_tdb : array_like, shape (N,)
        Epochs, TDB seconds past J2000 (s).
    r_km, v_kms : array_like, shape (N, 3)
        Heliocentric ICRF position (km) and velocity (km/s) of the clock.
    bodies : sequence of str
        Bodies whose potential counts besides the Sun's; ``()`` for the Sun alone.
    barycentric : bool
        Add the Sun's barycentric velocity to ``v_kms`` (the BCRS speed that the
        metric needs). False treats the Sun as at rest, for comparison with
        closed forms of the two-body problem.
    ephemeris : Ephemeris or str, optional
        Default DE421.

    Returns
    -------
    numpy.ndarray, shape (N,)
        (1 - (U + v^2/2)/c^2) / (1 - L_B) - 1: positive where the clock runs
        faster than TDB (and, on average, than TT); about -1.5e-8 at 1 au in
        the Sun's field alone.

    Raises
    ------
    InputError
        Samples of the wrong shape, unordered epochs, non-finite values.
    EphemerisRangeError
        Epochs outside the ephemeris (when ``bodies`` or ``barycentric`` need it).
    """
    t, r, v = _check_samples(t_tdb, r_km, v_kms)
    return _rate(t, r, v, tuple(bodies), barycentric, ephemeris)


def _rate(t, r, v, bodies, barycentric, ephemeris):
    from sojourn.ephemeris import resolve_ephemeris

    sun = get_body("sun")
    potential = GM_SUN / np.maximum(np.linalg.norm(r, axis=-1), sun.radius_km)
    eph = resolve_ephemeris(ephemeris) if (bodies or barycentric) else None
    for name in bodies:
        body = get_body(name, "bodies")
        r_body, _ = eph.state(body, t)
        potential += body.gm_km3s2 / np.maximum(np.linalg.norm(r - r_body, axis=-1), body.radius_km)
    if barycentric:
        v = v + eph.sun_barycentric_state(t)[1]
    speed2 = np.einsum("...i,...i->...", v, v)
    # (1 - a) / (1 - L_B) - 1 = (L_B - a) / (1 - L_B), kept as a small number so no digits are lost
    return (L_B - (potential + 0.5 * speed2) / _C2) / (1.0 - L_B)


@dataclass(frozen=True, repr=False)
class ClockOffset(Result):
    """How far a clock carried along a trajectory drifts from a clock on Earth's geoid (TT).

    Attributes
    ----------
    t_start, t_end : float
        The interval, TDB seconds past J2000 (s).
    proper_time_s : float
        Time the crew's clock counts over the interval, s.
    tdb_elapsed_s, tt_elapsed_s : float
        TDB and TT elapsed over the interval, s.
    offset_s : float
        ``proper_time_s - tt_elapsed_s``: positive when the crew's clock ends
        ahead of Earth's, s.
    min_rate, max_rate : float
        Extremes of d tau / d TDB - 1 over the samples (fractional).
    bodies : tuple of str
        Bodies counted besides the Sun.
    ephemeris : str
        Name of the ephemeris used ("" when none was needed).
    """

    t_start: float
    t_end: float
    proper_time_s: float
    tdb_elapsed_s: float
    tt_elapsed_s: float
    offset_s: float
    min_rate: float
    max_rate: float
    bodies: tuple
    ephemeris: str = ""

    @property
    def days(self) -> float:
        """Length of the interval, days of TT."""
        return self.tt_elapsed_s / DAY

    @property
    def mean_rate_us_per_day(self) -> float:
        """Average gain of the crew's clock over Earth's, microseconds a day (negative: a loss)."""
        return self.offset_s / self.days * 1e6

    def in_words(self) -> str:
        """The offset said plainly, with why: what ``crew`` and the dossier print."""
        amount = _duration_text(abs(self.offset_s))
        if self.offset_s < 0:
            return (f"Over these {self.days:,.0f} days the crew's clocks fall {amount} behind clocks on Earth "
                    f"({-self.mean_rate_us_per_day:.1f} microseconds a day): deep in a planet's gravity and fast "
                    "around it, a clock runs slow (relativity).")
        return (f"Over these {self.days:,.0f} days the crew's clocks gain {amount} on clocks on Earth: they end "
                f"ahead, not behind ({self.mean_rate_us_per_day:.0f} microseconds a day on average). Relativity "
                "slows a clock deep in a gravity well and a clock that moves fast; away from Earth the crew sits "
                "higher in the Sun's well, out of Earth's, and on the whole moves more slowly around the Sun than "
                "Earth does, so both effects make their clocks run fast.")

    def to_dict(self) -> dict:
        from sojourn.time import tdb_to_utc_iso

        return {
            "start": tdb_to_utc_iso(self.t_start, "second"),
            "end": tdb_to_utc_iso(self.t_end, "second"),
            "days": round(self.days, 6),
            "offset_s": self.offset_s,
            "offset_ms": round(self.offset_s * 1e3, 6),
            "ahead": self.offset_s > 0,
            "mean_rate_us_per_day": round(self.mean_rate_us_per_day, 4),
            "proper_time_s": self.proper_time_s,
            "tt_elapsed_s": self.tt_elapsed_s,
            "tdb_elapsed_s": self.tdb_elapsed_s,
            "min_rate_us_per_day": round(self.min_rate * DAY * 1e6, 4),
            "max_rate_us_per_day": round(self.max_rate * DAY * 1e6, 4),
            "bodies": ["sun", *self.bodies],
            "ephemeris": self.ephemeris,
        }

    def summary(self) -> list[tuple[str, str]]:
        word = "ahead of" if self.offset_s > 0 else "behind"
        return [("offset", f"{abs(self.offset_s) * 1e3:.3f} ms {word} Earth"), ("days", f"{self.days:.2f}"),
                ("mean rate", f"{self.mean_rate_us_per_day:+.2f} us/day")]


def clock_offset(t_tdb, r_km, v_kms, *, bodies=CLOCK_BODIES, barycentric: bool = True,
                 ephemeris=None) -> ClockOffset:
    """Integrate proper time along a flown trajectory and compare it with Earth's clocks (TT).

    Parameters
    ----------
    t_tdb : array_like, shape (N,)
        Epochs, TDB seconds past J2000 (s), strictly increasing, N >= 2.
    r_km, v_kms : array_like, shape (N, 3)
        Heliocentric ICRF position (km) and velocity (km/s) of the crew.
    bodies, barycentric, ephemeris
        As :func:`clock_rate`.

    Returns
    -------
    ClockOffset
        ``offset_s`` > 0 when the crew's clock ends ahead of a clock on Earth's geoid.

    Raises
    ------
    InputError, EphemerisRangeError
        As :func:`clock_rate`.
    """
    from sojourn.ephemeris import resolve_ephemeris

    t, r, v = _check_samples(t_tdb, r_km, v_kms)
    bodies = tuple(get_body(b, "bodies").name for b in bodies)
    rate = _rate(t, r, v, bodies, barycentric, ephemeris)
    gained = float(np.sum(0.5 * (rate[1:] + rate[:-1]) * np.diff(t)))
    tdb_elapsed = float(t[-1] - t[0])
    whole, frac = tdb_to_jd_parts(np.array([t[0], t[-1]]))
    tdb_minus_tt = erfa.dtdb(whole, frac, 0.0, 0.0, 0.0, 0.0)  # geocentre: Fairhead & Bretagnon series
    periodic = float(tdb_minus_tt[1] - tdb_minus_tt[0])  # change of TDB - TT over the interval, s
    name = resolve_ephemeris(ephemeris).name if (bodies or barycentric) else ""
    return ClockOffset(
        t_start=float(t[0]), t_end=float(t[-1]), proper_time_s=tdb_elapsed + gained, tdb_elapsed_s=tdb_elapsed,
        tt_elapsed_s=tdb_elapsed - periodic, offset_s=gained + periodic,
        min_rate=float(rate.min()), max_rate=float(rate.max()), bodies=bodies, ephemeris=name,
    )


def _duration_text(seconds: float) -> str:
    """A short span in the unit that reads best: ``0.39 s``, ``83 ms``, ``25 microseconds``."""
    if seconds >= 0.995:
        return f"{seconds:.2f} s"
    if seconds >= 0.0995:
        return f"{seconds:.2f} s ({seconds * 1e3:.0f} ms)"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} microseconds"


#: Offsets (s) from each end of a transit at which the crew's clock is sampled besides the regular
#: step: the potential of the planet left or reached changes fast there.
_NEAR_PLANET_S = np.concatenate([[1.0], np.geomspace(10.0, 6 * 3600.0, 12)])


def crew_clock(plan_or_scenario, *, step_hours: float = 6.0, bodies=CLOCK_BODIES, barycentric: bool = True,
               step_days=None, ephemeris=None, progress=None) -> ClockOffset:
    """How far the crew's clocks drift from Earth's over a mission, launch to return.

    Proper time is integrated (:func:`clock_offset`: the Sun's, the Moon's and
    the planets' potentials and the crew's barycentric speed, first
    post-Newtonian order) along the plan's trajectory
    (:func:`sojourn.mission.trajectory.spacecraft_states`): each transit's
    Lambert arc, and Mars's surface between them (a surface clock; the
    planets' rotation is left out, 0.03 km²/s² at Mars's equator against the
    Sun's 590). Samples every ``step_hours``, closer together near each end of
    each transit, where a planet's potential changes fast.

    Parameters
    ----------
    plan_or_scenario : Plan, Scenario, str or os.PathLike
        A plan, or a scenario (object or TOML file) whose best plan is searched first.
    step_hours : float
        Sampling step, hours (> 0); on the Ulysses plan 6-hour and 1-hour
        samples agree to a microsecond.
    bodies, barycentric
        As :func:`clock_rate`: the bodies whose potential counts besides the
        Sun's, and whether the Sun's own motion counts (``()`` and False: the
        two-body problem, for closed forms).
    step_days : float, optional
        Search grid step when a scenario is given, days.
    ephemeris : Ephemeris or str, optional
        Default DE421.
    progress : callable, optional
        ``progress(done, total, label)`` while a scenario's plan is searched.

    Returns
    -------
    ClockOffset
        ``offset_s`` > 0 when the crew's clocks end ahead of Earth's
        (a conjunction-class mission: about +0.4 s).

    Raises
    ------
    InputError
        A step that is not a positive number of hours (``step_hours``).

    Examples
    --------
    >>> import sojourn as sj
    >>> clock = sj.crew_clock("examples/ulysses.toml")
    >>> 0.3 < clock.offset_s < 0.5       # seconds ahead of Earth's clocks
    True
    """
    from sojourn import checks
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.plan import as_plan
    from sojourn.mission.trajectory import spacecraft_states

    step = checks.positive(step_hours, "step_hours", "sampling step", "hours") * 3600.0
    eph = resolve_ephemeris(ephemeris)
    plan = as_plan(plan_or_scenario, step_days=step_days, ephemeris=eph, progress=progress)
    t0, t1 = plan.legs[0].t_depart, plan.legs[-1].t_arrive
    checks.grid_cells((t1 - t0) / step, "step_hours", limit=10_000_000)
    ends = np.array([t for leg in plan.legs for t in (leg.t_depart, leg.t_arrive)])
    near = np.concatenate([ends[:, None] + _NEAR_PLANET_S, ends[:, None] - _NEAR_PLANET_S]).ravel()
    t = np.unique(np.concatenate([np.arange(t0, t1, step), ends, near]))
    t = t[(t >= t0) & (t <= t1)]
    r, v = spacecraft_states(plan, t, eph)
    return clock_offset(t, r, v, bodies=bodies, barycentric=barycentric, ephemeris=eph)
