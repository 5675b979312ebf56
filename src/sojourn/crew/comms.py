"""Talking to Earth: light time, solar-conjunction blackouts and the downlink data rate.

Three pieces, each usable alone:

- :func:`light_time_s` — one-way light time of a distance, d / c, with the SI
  speed of light c = 299792.458 km/s (exact, 17th CGPM 1983). One astronomical
  unit (149597870.700 km, IAU 2012 Resolution B2) is 499.004784 s.
- :func:`sun_observer_target_angle_deg` and :func:`find_blackouts` — the angle
  at the observer between the Sun and the target, and every span in which it
  stays below a threshold. Radio links through the solar corona degrade near
  the Sun; Mars missions stop commanding while the Sun-Earth-Mars angle is
  below about 2 degrees (the default threshold). The spans are found on a
  sampled grid and their ends refined below the grid step by bisection on
  angle - threshold; dips whose minimum falls between samples are found too.
- :func:`light_time_to_earth_s` and :func:`earth_received_time` — when an
  event's signal reaches Earth, solving the one-way light time along the actual
  geometry (Earth where the signal arrives).
- :class:`LinkBudget` and :func:`data_rate_bps` — the downlink rate a link
  budget allows: Friis transmission Pr = Pt Gt Gr (lambda / 4 pi d)^2 with
  parabolic-dish gains G = eta (pi D / lambda)^2, and the rate
  R = Pr / (k T (Eb/N0) M) for a system noise temperature T, a required
  Eb/N0 and a margin M (both linear here, given in dB).

Everything is vectorised over epochs and distances; positions are heliocentric
ICRF km, epochs TDB seconds past J2000.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

from sojourn.bodies import SPEED_OF_LIGHT_KMS
from sojourn.errors import InputError
from sojourn.time import DAY, year_span

__all__ = [
    "BOLTZMANN_J_PER_K",
    "SPEED_OF_LIGHT_KMS",
    "Blackout",
    "LinkBudget",
    "blackout_threshold",
    "body_link",
    "data_rate_bps",
    "earth_received_time",
    "find_blackouts",
    "golden_minimum",
    "light_time_s",
    "light_time_to_earth_s",
    "received_power_w",
    "refine_crossings",
    "sun_observer_target_angle_deg",
    "transfer_time_s",
]

BOLTZMANN_J_PER_K = 1.380649e-23
"""Boltzmann constant (J/K), exact in the SI since 2019 (26th CGPM)."""

DEFAULT_THRESHOLD_DEG = 2.0
"""Sun-observer-target angle (deg) below which a link is taken as lost: Mars missions stop
commanding below about 2 degrees of Sun-Earth-Mars angle (references.md)."""


# ---------------------------------------------------------------------------------------------
# light time and geometry


def light_time_s(distance_km):
    """One-way light time of a distance, seconds.

    Parameters
    ----------
    distance_km : float or array_like
        Distance, km (>= 0).

    Returns
    -------
    float or numpy.ndarray
        d / c, s; 1 au gives 499.004784 s.
    """
    t = np.asarray(distance_km, dtype=np.float64) / SPEED_OF_LIGHT_KMS
    return float(t) if t.ndim == 0 else t


def sun_observer_target_angle_deg(r_observer, r_target):
    """Angle at the observer between the Sun and the target, degrees (0-180).

    Parameters
    ----------
    r_observer, r_target : array_like, shape (..., 3)
        Heliocentric positions, km (any common frame).

    Returns
    -------
    numpy.ndarray
        The angle, degrees, shape ``(...)``; NaN where the target is at the
        observer (the angle is undefined there). Computed as
        atan2(|a x b|, a . b), accurate at small angles.
    """
    r_obs = np.asarray(r_observer, dtype=np.float64)
    r_tgt = np.asarray(r_target, dtype=np.float64)
    to_sun = -r_obs
    to_tgt = r_tgt - r_obs
    cross = np.linalg.norm(np.cross(to_sun, to_tgt), axis=-1)
    dot = np.einsum("...i,...i->...", to_sun, to_tgt)
    angle = np.degrees(np.arctan2(cross, dot))
    same = np.linalg.norm(to_tgt, axis=-1) == 0.0
    return np.where(same, np.nan, angle)


def blackout_threshold(threshold_deg: float, where: str | None = "--threshold") -> float:
    """Check a blackout threshold: a finite angle strictly between 0 and 180 degrees."""
    try:
        value = float(threshold_deg)
    except (TypeError, ValueError):
        raise InputError(f"threshold must be a number of degrees, got {threshold_deg!r}", where) from None
    if not math.isfinite(value) or not 0.0 < value < 180.0:
        raise InputError(f"threshold must be between 0 and 180 degrees (exclusive), got {value:g}", where)
    return value


# ---------------------------------------------------------------------------------------------
# vectorised root finding and minimisation (one call of ``fn`` per iteration for all brackets)


def refine_crossings(fn: Callable, a, b, *, tol_s: float = 1e-3, max_iter: int = 80) -> np.ndarray:
    """Roots of ``fn`` in many brackets at once, by bisection.

    Parameters
    ----------
    fn : callable
        ``fn(t) -> values`` on an array of epochs (s); each bracket
        ``[a[i], b[i]]`` must hold a sign change of ``fn``. NaN counts as positive.
    a, b : array_like
        Bracket ends, s.
    tol_s : float
        Stop once every bracket is narrower than this, s.

    Returns
    -------
    numpy.ndarray
        The crossing epochs, s (the middles of the final brackets).
    """
    lo = np.array(a, dtype=np.float64, ndmin=1)
    hi = np.array(b, dtype=np.float64, ndmin=1)
    if lo.size == 0:
        return lo
    f_lo = np.nan_to_num(np.asarray(fn(lo), dtype=np.float64), nan=1.0) > 0.0
    for _ in range(max_iter):
        if np.all(hi - lo <= tol_s):
            break
        mid = 0.5 * (lo + hi)
        f_mid = np.nan_to_num(np.asarray(fn(mid), dtype=np.float64), nan=1.0) > 0.0
        same = f_mid == f_lo
        lo = np.where(same, mid, lo)
        hi = np.where(same, hi, mid)
    return 0.5 * (lo + hi)


_INV_PHI = (math.sqrt(5.0) - 1.0) / 2.0


def golden_minimum(fn: Callable, a, b, *, tol_s: float = 1e-2, max_iter: int = 100):
    """Minima of ``fn`` in many brackets at once, by golden-section search.

    Parameters
    ----------
    fn : callable
        ``fn(t) -> values`` on an array of epochs (s), unimodal in each bracket.
    a, b : array_like
        Bracket ends, s.
    tol_s : float
        Stop once every bracket is narrower than this, s.

    Returns
    -------
    t_min, f_min : numpy.ndarray
        Epochs of the minima (s) and the values there.
    """
    lo = np.array(a, dtype=np.float64, ndmin=1)
    hi = np.array(b, dtype=np.float64, ndmin=1)
    if lo.size == 0:
        return lo, lo.copy()
    x1 = hi - _INV_PHI * (hi - lo)
    x2 = lo + _INV_PHI * (hi - lo)
    f1 = np.asarray(fn(x1), dtype=np.float64)
    f2 = np.asarray(fn(x2), dtype=np.float64)
    for _ in range(max_iter):
        if np.all(hi - lo <= tol_s):
            break
        left = f1 <= f2  # the minimum lies in [lo, x2]
        hi = np.where(left, x2, hi)
        lo = np.where(left, lo, x1)
        new_x1 = np.where(left, hi - _INV_PHI * (hi - lo), x2)
        new_x2 = np.where(left, x1, lo + _INV_PHI * (hi - lo))
        probe = np.where(left, new_x1, new_x2)
        f_probe = np.asarray(fn(probe), dtype=np.float64)
        f1, f2 = np.where(left, f_probe, f2), np.where(left, f1, f_probe)
        x1, x2 = new_x1, new_x2
    t = 0.5 * (lo + hi)
    return t, np.asarray(fn(t), dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# blackouts


@dataclass(frozen=True)
class Blackout:
    """One span in which the Sun-observer-target angle stays below the threshold.

    Attributes
    ----------
    start, end : float
        TDB seconds past J2000; refined below the sampling step.
    t_min : float
        Epoch of the smallest angle (the conjunction), TDB s.
    min_angle_deg : float
        The smallest angle, degrees.
    open_start, open_end : bool
        True when the span was already under way at the start of the searched
        interval (or still under way at its end): ``start`` (``end``) is then the
        interval's edge, not a crossing.
    """

    start: float
    end: float
    t_min: float
    min_angle_deg: float
    open_start: bool = False
    open_end: bool = False

    @property
    def days(self) -> float:
        """Duration, days."""
        return (self.end - self.start) / DAY

    def to_json(self) -> dict:
        """UTC dates (to the minute), duration in days, smallest angle and the open-ended flags."""
        from sojourn.time import tdb_to_utc_iso

        return {
            "start": tdb_to_utc_iso(self.start, "minute"),
            "end": tdb_to_utc_iso(self.end, "minute"),
            "days": round(self.days, 3),
            "min_angle_deg": round(self.min_angle_deg, 4),
            "conjunction": tdb_to_utc_iso(self.t_min, "minute"),
            "open_start": self.open_start,
            "open_end": self.open_end,
        }


def find_blackouts(angle_deg: Callable, t_start: float, t_end: float, threshold_deg: float = DEFAULT_THRESHOLD_DEG,
                   *, step_s: float = DAY, samples: tuple | None = None) -> list[Blackout]:
    """Every span of ``[t_start, t_end]`` in which ``angle_deg(t)`` stays below a threshold.

    Parameters
    ----------
    angle_deg : callable
        ``angle_deg(t) -> degrees`` on an array of epochs (TDB s), such as the
        Sun-observer-target angle; NaN (an undefined angle) counts as above the
        threshold.
    t_start, t_end : float
        The interval searched, TDB s (``t_start < t_end``).
    threshold_deg : float
        Angle below which the link is lost, degrees (0 < threshold < 180).
    step_s : float
        Sampling step, s (default one day). Ends of spans are refined by
        bisection to 1 ms; a dip below the threshold shorter than the step
        is still found when its sampled neighbourhood shows a local minimum.
    samples : (t, angle) arrays, optional
        Pre-computed samples on ``[t_start, t_end]`` (sorted, both ends
        included) to use instead of sampling at ``step_s``.

    Returns
    -------
    list of Blackout
        In time order.
    """
    threshold = blackout_threshold(threshold_deg, where="threshold_deg")
    if not t_end > t_start:
        raise InputError("blackout search interval ends before it starts", "t_end")

    def fn(t):
        return np.asarray(angle_deg(t), dtype=np.float64) - threshold

    if samples is None:
        n = max(int(math.ceil((t_end - t_start) / step_s)), 1)
        t = np.linspace(t_start, t_end, n + 1)
        f = fn(t)
    else:
        t = np.asarray(samples[0], dtype=np.float64)
        f = np.asarray(samples[1], dtype=np.float64) - threshold
    f = np.where(np.isnan(f), np.inf, f)
    below = f < 0.0
    n = t.size
    # runs of samples below the threshold: [first, last] index
    edges = np.diff(np.concatenate(([0], below.astype(np.int8), [0])))
    first = np.flatnonzero(edges == 1)
    last = np.flatnonzero(edges == -1) - 1
    # local minima above the threshold: a dip may hide between samples
    interior = np.arange(1, n - 1)
    local = interior[(f[1:-1] <= f[:-2]) & (f[1:-1] < f[2:]) & ~below[1:-1] & np.isfinite(f[1:-1])]
    if local.size:
        tm, fm = golden_minimum(fn, t[local - 1], t[local + 1])
        hidden = fm < 0.0
        local, tm = local[hidden], tm[hidden]
    else:
        tm = np.empty(0)

    spans = []  # (lo_bracket, hi_bracket or None for open ends, minimum bracket) per span
    starts_a, starts_b, ends_a, ends_b = [], [], [], []
    min_a, min_b = [], []
    for i, j in zip(first.tolist(), last.tolist()):
        k = i + int(np.argmin(f[i:j + 1]))
        min_a.append(t[max(k - 1, 0)])
        min_b.append(t[min(k + 1, n - 1)])
        spans.append((i == 0, j == n - 1))
        starts_a.append(t[i - 1] if i > 0 else t[0])
        starts_b.append(t[i])
        ends_a.append(t[j])
        ends_b.append(t[j + 1] if j < n - 1 else t[-1])
    for k, t_dip in zip(local.tolist(), tm.tolist()):
        min_a.append(t[k - 1])
        min_b.append(t[k + 1])
        spans.append((False, False))
        starts_a.append(t[k - 1])
        starts_b.append(t_dip)
        ends_a.append(t_dip)
        ends_b.append(t[k + 1])
    if not spans:
        return []
    t_min, f_min = golden_minimum(fn, min_a, min_b)
    open_start = np.array([s for s, _ in spans])
    open_end = np.array([e for _, e in spans])
    start = np.where(open_start, t[0], refine_crossings(fn, starts_a, starts_b))
    end = np.where(open_end, t[-1], refine_crossings(fn, ends_a, ends_b))
    out = [Blackout(float(s), float(e), float(tmin), float(fmin + threshold), bool(os_), bool(oe))
           for s, e, tmin, fmin, os_, oe in zip(start, end, t_min, f_min, open_start, open_end)]
    return sorted(out, key=lambda b: b.start)


# ---------------------------------------------------------------------------------------------
# link budget


@dataclass(frozen=True)
class LinkBudget:
    """A downlink from the crew's vehicle to a ground station.

    The defaults describe an X-band link like Mars Reconnaissance Orbiter's
    (100 W transmitter, 3 m high-gain antenna) received by a 34 m Deep Space
    Network antenna: aperture efficiencies 0.55 and 0.6, a system noise
    temperature of 30 K, a required Eb/N0 of 1 dB (a turbo code at a low
    error rate) and a 3 dB margin. They are a stated model, not a mission's
    design; change them with ``--crew-config`` or the command's options.

    Attributes
    ----------
    transmit_power_w : float
        Radiated RF power, W.
    transmit_diameter_m, receive_diameter_m : float
        Dish diameters, m.
    transmit_efficiency, receive_efficiency : float
        Aperture efficiencies, 0-1.
    frequency_hz : float
        Carrier frequency, Hz (X band: 8.4 GHz).
    system_noise_temperature_k : float
        Receiving system noise temperature, K.
    required_ebn0_db : float
        Energy per bit over noise density the decoder needs, dB.
    margin_db : float
        Link margin kept above it, dB.
    max_rate_bps : float or None
        The radio's highest rate, bit/s; None for no cap (the link budget alone).
    """

    transmit_power_w: float = 100.0
    transmit_diameter_m: float = 3.0
    transmit_efficiency: float = 0.55
    receive_diameter_m: float = 34.0
    receive_efficiency: float = 0.6
    frequency_hz: float = 8.4e9
    system_noise_temperature_k: float = 30.0
    required_ebn0_db: float = 1.0
    margin_db: float = 3.0
    max_rate_bps: float | None = None

    def __post_init__(self):
        for name in ("transmit_power_w", "transmit_diameter_m", "receive_diameter_m", "frequency_hz",
                     "system_noise_temperature_k"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise InputError(f"{name} must be a positive number, got {value!r}", name)
        for name in ("transmit_efficiency", "receive_efficiency"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 < value <= 1):
                raise InputError(f"{name} must be in (0, 1], got {value!r}", name)
        for name in ("required_ebn0_db", "margin_db"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and -100.0 <= value <= 100.0):
                raise InputError(f"{name} must be a number of dB between -100 and 100, got {value!r}", name)
        for name in ("transmit_diameter_m", "receive_diameter_m"):
            try:
                gain = self.transmit_gain if name.startswith("transmit") else self.receive_gain
            except OverflowError:
                gain = math.inf
            if not math.isfinite(gain):
                raise InputError(f"antenna gain overflows: {name} {getattr(self, name)!r} at "
                                 f"{self.frequency_hz!r} Hz is not a physical antenna", name)
        if self.max_rate_bps is not None and not (math.isfinite(self.max_rate_bps) and self.max_rate_bps > 0):
            raise InputError(f"max_rate_bps must be a positive number, got {self.max_rate_bps!r}", "max_rate_bps")

    @property
    def wavelength_m(self) -> float:
        """Carrier wavelength, m."""
        return SPEED_OF_LIGHT_KMS * 1000.0 / self.frequency_hz

    @property
    def transmit_gain(self) -> float:
        """Transmit antenna gain (linear): eta (pi D / lambda)^2."""
        return self.transmit_efficiency * (math.pi * self.transmit_diameter_m / self.wavelength_m) ** 2

    @property
    def receive_gain(self) -> float:
        """Receive antenna gain (linear)."""
        return self.receive_efficiency * (math.pi * self.receive_diameter_m / self.wavelength_m) ** 2

    def to_json(self) -> dict:
        data = asdict(self)
        data["transmit_gain_dbi"] = round(10.0 * math.log10(self.transmit_gain), 3)
        data["receive_gain_dbi"] = round(10.0 * math.log10(self.receive_gain), 3)
        return data


def received_power_w(distance_km, link: LinkBudget = LinkBudget()):
    """Received carrier power by Friis transmission, W.

    Parameters
    ----------
    distance_km : float or array_like
        Transmitter-receiver distance, km (> 0).
    link : LinkBudget

    Returns
    -------
    numpy.ndarray
        Pt Gt Gr (lambda / 4 pi d)^2, W.
    """
    d_m = np.asarray(distance_km, dtype=np.float64) * 1000.0
    with np.errstate(divide="ignore"):
        path = (link.wavelength_m / (4.0 * math.pi * d_m)) ** 2
    return link.transmit_power_w * link.transmit_gain * link.receive_gain * path


def data_rate_bps(distance_km, link: LinkBudget = LinkBudget()):
    """Highest data rate the link budget closes at a distance, bit/s.

    Parameters
    ----------
    distance_km : float or array_like
        km (> 0; zero gives the cap, or infinity without one).
    link : LinkBudget

    Returns
    -------
    numpy.ndarray
        Pr / (k T (Eb/N0) M), bit/s, capped at ``link.max_rate_bps`` if set.
    """
    ebn0 = 10.0 ** (link.required_ebn0_db / 10.0)
    margin = 10.0 ** (link.margin_db / 10.0)
    rate = received_power_w(distance_km, link) / (BOLTZMANN_J_PER_K * link.system_noise_temperature_k * ebn0 * margin)
    if link.max_rate_bps is not None:
        rate = np.minimum(rate, link.max_rate_bps)
    return rate


def transfer_time_s(size_bytes: float, rate_bps):
    """Time to send ``size_bytes`` at ``rate_bps``, s (8 bits a byte; no protocol overhead)."""
    return 8.0 * float(size_bytes) / np.asarray(rate_bps, dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# between two bodies


def body_link(frm: str, to: str, start, end, threshold_deg: float = DEFAULT_THRESHOLD_DEG, *,
              step_days: float = 1.0, ephemeris=None) -> dict:
    """Solar-conjunction blackouts and the light-time range between two bodies over a span.

    Parameters
    ----------
    frm : str
        The observer (the ground station's body, e.g. ``"earth"``): the angle is
        measured at it, between the Sun and ``to``.
    to : str
        The other end of the link (e.g. ``"mars"``).
    start, end : str or int
        Years (``2026``, ``2045``: through the end of 2045) or UTC dates.
    threshold_deg : float
        Blackout below this Sun-observer-target angle, degrees (0 < t < 180).
    step_days : float
        Sampling step, days (> 0); blackout ends and light-time extremes are
        refined below it.
    ephemeris : Ephemeris or str, optional

    Returns
    -------
    dict
        ``from``, ``to``, ``start``, ``end``, ``threshold_deg``, ``ephemeris``,
        ``blackouts`` (list of :meth:`Blackout.to_json` records: ``start``,
        ``end``, ``days``, ``min_angle_deg``, ``conjunction``, ...),
        ``light_time_min_minutes``, ``light_time_max_minutes`` and their dates,
        ``distance_min_km``, ``distance_max_km``.

    Raises
    ------
    UnknownBodyError, InputError, EphemerisRangeError
    """
    from sojourn.bodies import get_body
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.time import tdb_to_utc_iso

    a = get_body(frm, "--from")
    b = get_body(to, "--to")
    if a.name == b.name:
        raise InputError(f"--from and --to are the same body ('{a.name}')", "--to")
    for body, option in ((a, "--from"), (b, "--to")):
        if body.name == "sun":
            raise InputError("the Sun cannot be an end of the link: blackouts are measured against it", option)
    threshold = blackout_threshold(threshold_deg)
    if not (isinstance(step_days, (int, float)) and math.isfinite(step_days) and 0 < step_days <= 30):
        raise InputError(f"step must be between 0 and 30 days, got {step_days!r}", "--step")
    t0, t1 = year_span(start, end)
    eph = resolve_ephemeris(ephemeris)
    for body, option in ((a, "--from"), (b, "--to")):
        eph.check_range(body, t0, t1, f"{option} {body.name}, --start/--end")

    def geometry(t):
        r_a, _ = eph.state(a, t)
        r_b, _ = eph.state(b, t)
        return r_a, r_b

    n = max(int(math.ceil((t1 - t0) / (step_days * DAY))), 2)
    t = np.linspace(t0, t1, n + 1)
    r_a, r_b = geometry(t)
    angle = sun_observer_target_angle_deg(r_a, r_b)
    blackouts = find_blackouts(lambda x: sun_observer_target_angle_deg(*geometry(x)), t0, t1, threshold,
                               samples=(t, angle))
    dist = np.linalg.norm(r_b - r_a, axis=-1)

    def distance(x, sign=1.0):
        ra, rb = geometry(x)
        return sign * np.linalg.norm(rb - ra, axis=-1)

    extremes = []
    for sign, i in ((1.0, int(np.argmin(dist))), (-1.0, int(np.argmax(dist)))):
        if 0 < i < t.size - 1:
            tx, fx = golden_minimum(lambda x: distance(x, sign), [t[i - 1]], [t[i + 1]])
            extremes.append((float(tx[0]), float(sign * fx[0])))
        else:  # at an end of the span
            extremes.append((float(t[i]), float(dist[i])))
    (t_near, d_near), (t_far, d_far) = extremes
    return {
        "from": a.name,
        "to": b.name,
        "start": tdb_to_utc_iso(t0),
        "end": tdb_to_utc_iso(t1),
        "threshold_deg": threshold,
        "step_days": float(step_days),
        "ephemeris": eph.name,
        "blackouts": [x.to_json() for x in blackouts],
        "blackout_days_total": round(sum(x.days for x in blackouts), 3),
        "longest_blackout_days": round(max((x.days for x in blackouts), default=0.0), 3),
        "light_time_min_minutes": round(light_time_s(d_near) / 60.0, 4),
        "light_time_min_date": tdb_to_utc_iso(t_near),
        "light_time_max_minutes": round(light_time_s(d_far) / 60.0, 4),
        "light_time_max_date": tdb_to_utc_iso(t_far),
        "distance_min_km": round(d_near, 0),
        "distance_max_km": round(d_far, 0),
    }


# ---------------------------------------------------------------------------------------------
# Earth-received time


def light_time_to_earth_s(t_event, r_event_km, *, ephemeris=None, tol_s: float = 1e-9, max_iter: int = 20):
    """One-way light time from events to Earth along the actual geometry: Earth where the signal arrives.

    Solves |x_earth(t_event + tau) - x_event| = c tau for tau by fixed-point
    iteration, tau <- |x_earth(t_event + tau) - x_event| / c, starting from
    Earth's position at the event. Positions are barycentric (the heliocentric
    ones plus the Sun's barycentric position), so the Sun's own motion during the
    light time is counted. Each step shrinks the error by about Earth's radial
    speed over c (1e-4): four steps reach ``tol_s``. The receiver is Earth's
    centre (a station on the surface hears the signal up to 21 ms sooner or
    later); the Shapiro delay in the Sun's field, under 0.25 ms even past the
    solar limb, is left out. Solving for tau rather than the reception epoch
    keeps it to picoseconds; an epoch of some 1e9 s holds only 0.1 microsecond.

    Parameters
    ----------
    t_event : float or array_like
        Event epochs, TDB seconds past J2000 (s).
    r_event_km : array_like, shape ``t_event.shape + (3,)``
        Heliocentric ICRF positions of the events, km.
    ephemeris : Ephemeris or str, optional
        Default DE421.
    tol_s : float
        Stop when every light time moves less than this in a step, s.
    max_iter : int
        Most steps.

    Returns
    -------
    float or numpy.ndarray
        Light times, s, the shape of ``t_event``.

    Raises
    ------
    InputError
        Mismatched shapes or non-finite values.
    EphemerisRangeError
        An event or its reception outside the ephemeris.
    NoSolutionError
        No convergence in ``max_iter`` steps (not seen for events in the solar system).
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.errors import NoSolutionError

    t = np.asarray(t_event, dtype=np.float64)
    r = np.asarray(r_event_km, dtype=np.float64)
    if r.shape != t.shape + (3,):
        raise InputError(f"event positions must have shape {t.shape + (3,)}, got {r.shape}", "r_event_km")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(r))):
        raise InputError("event epochs and positions must be finite", "t_event")
    eph = resolve_ephemeris(ephemeris)
    x_event = r + eph.sun_barycentric_state(t)[0]

    def light_time(tau):
        at = t + tau
        earth = eph.state("earth", at)[0] + eph.sun_barycentric_state(at)[0]
        return np.linalg.norm(earth - x_event, axis=-1) / SPEED_OF_LIGHT_KMS

    tau = light_time(np.zeros_like(t))
    for _ in range(max_iter):
        nxt = light_time(tau)
        done = np.all(np.abs(nxt - tau) < tol_s)
        tau = nxt
        if done:
            return float(tau) if tau.ndim == 0 else tau
    raise NoSolutionError(f"light time to Earth did not converge in {max_iter} steps", "t_event")


def earth_received_time(t_event, r_event_km, *, ephemeris=None):
    """When the signal of each event reaches Earth's centre: ``t_event`` + :func:`light_time_to_earth_s`.

    Parameters
    ----------
    t_event : float or array_like
        Event epochs, TDB seconds past J2000 (s).
    r_event_km : array_like, shape ``t_event.shape + (3,)``
        Heliocentric ICRF positions of the events, km.
    ephemeris : Ephemeris or str, optional
        Default DE421.

    Returns
    -------
    float or numpy.ndarray
        Reception epochs, TDB seconds past J2000 (s).

    Raises
    ------
    InputError, EphemerisRangeError, NoSolutionError
        As :func:`light_time_to_earth_s`.
    """
    tau = light_time_to_earth_s(t_event, r_event_km, ephemeris=ephemeris)
    out = np.asarray(t_event, dtype=np.float64) + tau
    return float(out) if out.ndim == 0 else out
