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

Between two bodies, :func:`comms` (``sj.comms``) gathers all three over a span
of years: every blackout, and the nearest and farthest the bodies come.

Everything is vectorised over epochs and distances; positions are heliocentric
ICRF km, epochs TDB seconds past J2000.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

from sojourn import checks
from sojourn.constants import SPEED_OF_LIGHT_KMS
from sojourn.errors import InputError
from sojourn.results import Result
from sojourn.time import DAY, tdb_to_datetime, tdb_to_utc_iso, year_span

__all__ = [
    "BOLTZMANN_J_PER_K",
    "Blackout",
    "Comms",
    "LinkBudget",
    "blackout_threshold",
    "comms",
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


def blackout_threshold(threshold_deg: float, where: str = "threshold_deg") -> float:
    """Check a blackout threshold: a finite angle strictly between 0 and 180 degrees."""
    return checks.in_range(threshold_deg, 0.0, 180.0, where, "threshold", "degrees", open_lo=True, open_hi=True)


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


@dataclass(frozen=True, repr=False)
class Blackout(Result):
    """One span in which the Sun-observer-target angle stays below the threshold.

    Attributes
    ----------
    start, end : float
        TDB seconds past J2000; refined below the sampling step.
    t_min : float
        Epoch of the smallest angle (least Sun separation), TDB s.
    min_angle_deg : float
        The smallest angle, degrees.
    t_conjunction : float
        The conjunction as almanacs date it: the target's ecliptic longitude,
        seen from the observer, equals the Sun's (TDB s; NaN when the
        longitudes do not cross within the blackout, or were not asked for).
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
    t_conjunction: float = math.nan

    @property
    def days(self) -> float:
        """Duration, days."""
        return (self.end - self.start) / DAY

    @property
    def start_date(self) -> _dt.datetime:
        """Start, UTC."""
        return tdb_to_datetime(self.start)

    @property
    def end_date(self) -> _dt.datetime:
        """End, UTC."""
        return tdb_to_datetime(self.end)

    @property
    def least_angle_date(self) -> _dt.datetime:
        """The smallest Sun separation, UTC."""
        return tdb_to_datetime(self.t_min)

    @property
    def conjunction_date(self) -> _dt.datetime | None:
        """The conjunction in ecliptic longitude, UTC (None when there is none in the blackout)."""
        return None if math.isnan(self.t_conjunction) else tdb_to_datetime(self.t_conjunction)

    def to_dict(self) -> dict:
        """UTC dates (to the minute), duration in days, smallest angle and the open-ended flags.

        ``conjunction`` is the conjunction in ecliptic longitude (the date almanacs
        publish; None when the longitudes do not cross inside the blackout) and
        ``least_angle`` the moment of the smallest Sun separation.
        """
        return {
            "start": tdb_to_utc_iso(self.start, "minute"),
            "end": tdb_to_utc_iso(self.end, "minute"),
            "days": round(self.days, 3),
            "min_angle_deg": round(self.min_angle_deg, 4),
            "conjunction": None if math.isnan(self.t_conjunction) else tdb_to_utc_iso(self.t_conjunction, "minute"),
            "least_angle": tdb_to_utc_iso(self.t_min, "minute"),
            "open_start": self.open_start,
            "open_end": self.open_end,
        }

    def summary(self) -> list[tuple[str, str]]:
        return [("start", tdb_to_utc_iso(self.start, "minute")), ("days", f"{self.days:.1f}"),
                ("min_angle_deg", f"{self.min_angle_deg:.2f}")]


def blackout_table(blackouts):
    """Blackouts as a pandas DataFrame: UTC start, end, conjunction and least angle, days, smallest angle, open ends."""
    import pandas as pd

    columns = ["start", "end", "days", "min_angle_deg", "conjunction", "least_angle", "open_start", "open_end"]
    rows = [{"start": b.start_date, "end": b.end_date, "days": b.days, "min_angle_deg": b.min_angle_deg,
             "conjunction": b.conjunction_date, "least_angle": b.least_angle_date, "open_start": b.open_start,
             "open_end": b.open_end} for b in blackouts]
    return pd.DataFrame.from_records(rows, columns=columns)


def find_blackouts(angle_deg: Callable, t_start: float, t_end: float, threshold_deg: float = DEFAULT_THRESHOLD_DEG,
                   *, step_s: float = DAY, samples: tuple | None = None,
                   positions: Callable | None = None) -> list[Blackout]:
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
    positions : callable, optional
        ``positions(t) -> (r_observer, r_target)``, heliocentric ICRF (km): with
        it each blackout also gets its conjunction in ecliptic longitude
        (:func:`conjunctions`).

    Returns
    -------
    list of Blackout
        In time order.
    """
    threshold = blackout_threshold(threshold_deg)
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
    brackets = _blackout_brackets(fn, t, f)
    if not brackets["open"]:
        return []
    t_min, f_min = golden_minimum(fn, brackets["min_a"], brackets["min_b"])
    open_start = np.array([s for s, _ in brackets["open"]])
    open_end = np.array([e for _, e in brackets["open"]])
    start = np.where(open_start, t[0], refine_crossings(fn, brackets["start_a"], brackets["start_b"]))
    end = np.where(open_end, t[-1], refine_crossings(fn, brackets["end_a"], brackets["end_b"]))
    t_conj = conjunctions(positions, start, end) if positions is not None else np.full(start.size, np.nan)
    out = [Blackout(float(s), float(e), float(tmin), float(fmin + threshold), bool(os_), bool(oe), float(tc))
           for s, e, tmin, fmin, os_, oe, tc in zip(start, end, t_min, f_min, open_start, open_end, t_conj)]
    return sorted(out, key=lambda b: b.start)


def conjunctions(positions: Callable, start, end) -> np.ndarray:
    """The epoch in each ``[start, end]`` at which the target's ecliptic longitude, seen from the observer,
    equals the Sun's: a solar conjunction as almanacs date it (geometric, ecliptic of J2000).

    Parameters
    ----------
    positions : callable
        ``positions(t) -> (r_observer, r_target)``, heliocentric ICRF, km.
    start, end : array_like
        Brackets, TDB s.

    Returns
    -------
    numpy.ndarray
        TDB s; NaN where the longitudes do not cross inside the bracket.
    """
    from sojourn.ephemeris import ecliptic_longitude_deg

    def gap(t):
        r_obs, r_tgt = positions(np.asarray(t, dtype=np.float64))
        d = ecliptic_longitude_deg(r_tgt - r_obs) - ecliptic_longitude_deg(-r_obs)
        return (d + 180.0) % 360.0 - 180.0

    a, b = np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)
    if a.size == 0:
        return a
    ga, gb = gap(a), gap(b)
    crosses = (np.sign(ga) != np.sign(gb)) & (np.abs(ga - gb) < 90.0)  # not the ±180° wrap
    out = np.full(a.size, np.nan)
    if crosses.any():
        out[crosses] = refine_crossings(gap, a[crosses], b[crosses])
    return out


def _blackout_brackets(fn: Callable, t: np.ndarray, f: np.ndarray) -> dict:
    """Brackets of each blackout's start, end and minimum, from samples ``f = angle - threshold`` at ``t``.

    A blackout is a run of samples below zero, or a dip between samples: a
    sampled local minimum above zero whose refined minimum is below it.
    ``open``: (open_start, open_end) of each, True where it runs past the samples.
    """
    below = f < 0.0
    n = t.size
    edges = np.diff(np.concatenate(([0], below.astype(np.int8), [0])))
    first = np.flatnonzero(edges == 1)
    last = np.flatnonzero(edges == -1) - 1
    interior = np.arange(1, n - 1)
    local = interior[(f[1:-1] <= f[:-2]) & (f[1:-1] < f[2:]) & ~below[1:-1] & np.isfinite(f[1:-1])]
    if local.size:
        tm, fm = golden_minimum(fn, t[local - 1], t[local + 1])
        local, tm = local[fm < 0.0], tm[fm < 0.0]
    else:
        tm = np.empty(0)
    out = {k: [] for k in ("open", "start_a", "start_b", "end_a", "end_b", "min_a", "min_b")}

    def add(is_open, start_ab, end_ab, min_ab):
        out["open"].append(is_open)
        for name, (a, b) in (("start", start_ab), ("end", end_ab), ("min", min_ab)):
            out[f"{name}_a"].append(a)
            out[f"{name}_b"].append(b)

    for i, j in zip(first.tolist(), last.tolist()):
        k = i + int(np.argmin(f[i:j + 1]))
        add((i == 0, j == n - 1), (t[i - 1] if i > 0 else t[0], t[i]), (t[j], t[j + 1] if j < n - 1 else t[-1]),
            (t[max(k - 1, 0)], t[min(k + 1, n - 1)]))
    for k, t_dip in zip(local.tolist(), tm.tolist()):
        add((False, False), (t[k - 1], t_dip), (t_dip, t[k + 1]), (t[k - 1], t[k + 1]))
    return out


# ---------------------------------------------------------------------------------------------
# link budget


@dataclass(frozen=True)
class LinkBudget:
    """A downlink from the crew's vehicle to a ground station.

    The defaults describe an X-band link like Mars Reconnaissance Orbiter's
    (100 W transmitter, 3 m high-gain antenna) received by a 34 m Deep Space
    Network antenna: aperture efficiencies 0.55 and 0.6, a system noise
    temperature of 30 K, a required Eb/N0 of 1 dB (a turbo code at a low
    error rate), a 3 dB margin, and MRO's fastest X-band downlink, 6 Mbit/s
    (Taylor, Lee & Shambayati, *Mars Reconnaissance Orbiter Telecommunications*,
    JPL DESCANSO Design and Performance Summary Series, 2006), as the radio's
    cap: near Earth the budget alone would promise rates no radio sends. They
    are a stated model, not a mission's design; change them with a crew-config
    file or keyword overrides
    (:func:`sojourn.onboard.timeline.crew_settings`).

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
        The radio's highest rate, bit/s (default 6e6); None for no cap (the link budget alone).
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
    max_rate_bps: float | None = 6e6

    def __post_init__(self):
        for name in ("transmit_power_w", "transmit_diameter_m", "receive_diameter_m", "frequency_hz",
                     "system_noise_temperature_k"):
            checks.positive(getattr(self, name), name, name.replace("_", " "))
        for name in ("transmit_efficiency", "receive_efficiency"):
            checks.in_range(getattr(self, name), 0.0, 1.0, name, name.replace("_", " "), open_lo=True)
        for name in ("required_ebn0_db", "margin_db"):
            checks.in_range(getattr(self, name), -100.0, 100.0, name, name.replace("_", " "), "dB")
        for name in ("transmit_diameter_m", "receive_diameter_m"):
            try:
                gain = self.transmit_gain if name.startswith("transmit") else self.receive_gain
            except OverflowError:
                gain = math.inf
            if not math.isfinite(gain):
                raise InputError(f"antenna gain overflows: {name} {getattr(self, name)!r} at "
                                 f"{self.frequency_hz!r} Hz is not a physical antenna", name)
        checks.optional_positive(self.max_rate_bps, "max_rate_bps", "max rate", "bit/s")

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

    def to_dict(self) -> dict:
        """The link's settings, with both antenna gains in dBi."""
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


@dataclass(frozen=True, repr=False)
class Comms(Result):
    """Solar-conjunction blackouts and the light-time range between two bodies over a span.

    Attributes
    ----------
    origin, destination : str
        The observer (where the angle is measured: the ground station's body)
        and the other end of the link.
    t_start, t_end : float
        The span, TDB seconds past J2000.
    threshold_deg : float
        Blackout below this Sun-observer-target angle, degrees.
    step_days : float
        Sampling step, days (ends and extremes are refined below it).
    ephemeris : str
    blackouts : tuple of Blackout
        In time order.
    t_nearest, distance_min_km, t_farthest, distance_max_km : float
        When the bodies are nearest and farthest (TDB s), and those distances (km).
    """

    origin: str
    destination: str
    t_start: float
    t_end: float
    threshold_deg: float
    step_days: float
    ephemeris: str
    blackouts: tuple
    t_nearest: float
    distance_min_km: float
    t_farthest: float
    distance_max_km: float

    @property
    def table(self):
        """The blackouts as a pandas DataFrame (UTC dates, days, smallest angle, open ends)."""
        return blackout_table(self.blackouts)

    @property
    def light_time_min_s(self) -> float:
        """Shortest one-way light time in the span, s."""
        return light_time_s(self.distance_min_km)

    @property
    def light_time_max_s(self) -> float:
        """Longest one-way light time in the span, s."""
        return light_time_s(self.distance_max_km)

    def to_dict(self) -> dict:
        return {
            "from": self.origin,
            "to": self.destination,
            "start": tdb_to_utc_iso(self.t_start),
            "end": tdb_to_utc_iso(self.t_end),
            "threshold_deg": self.threshold_deg,
            "step_days": self.step_days,
            "ephemeris": self.ephemeris,
            "blackouts": [b.to_dict() for b in self.blackouts],
            "blackout_days_total": round(sum(b.days for b in self.blackouts), 3),
            "longest_blackout_days": round(max((b.days for b in self.blackouts), default=0.0), 3),
            "light_time_min_minutes": round(self.light_time_min_s / 60.0, 4),
            "light_time_min_date": tdb_to_utc_iso(self.t_nearest),
            "light_time_max_minutes": round(self.light_time_max_s / 60.0, 4),
            "light_time_max_date": tdb_to_utc_iso(self.t_farthest),
            "distance_min_km": round(self.distance_min_km, 0),
            "distance_max_km": round(self.distance_max_km, 0),
        }

    def summary(self) -> list[tuple[str, str]]:
        return [("link", f"{self.origin} → {self.destination}"),
                ("span", f"{tdb_to_utc_iso(self.t_start)} to {tdb_to_utc_iso(self.t_end)}"),
                ("blackouts", str(len(self.blackouts))),
                ("light_time_minutes", f"{self.light_time_min_s / 60:.1f} to {self.light_time_max_s / 60:.1f}")]

    def _repr_html_(self) -> str:
        return super()._repr_html_() + self.table._repr_html_()


def _link_ends(origin, destination):
    from sojourn.bodies import get_body

    a, b = get_body(origin, "origin"), get_body(destination, "destination")
    if a.name == b.name:
        raise InputError(f"the two ends of the link are the same body ('{a.name}')", "destination")
    for body, where in ((a, "origin"), (b, "destination")):
        if body.name == "sun":
            raise InputError("the Sun cannot be an end of the link: blackouts are measured against it", where)
    return a, b


def _extremes(distance: Callable, t: np.ndarray, dist: np.ndarray) -> list[tuple[float, float]]:
    """(epoch, km) of the smallest and largest distance, refined between the samples around each."""
    out = []
    for sign, i in ((1.0, int(np.argmin(dist))), (-1.0, int(np.argmax(dist)))):
        if 0 < i < t.size - 1:
            tx, fx = golden_minimum(lambda x: sign * distance(x), [t[i - 1]], [t[i + 1]])
            out.append((float(tx[0]), float(sign * fx[0])))
        else:  # at an end of the span
            out.append((float(t[i]), float(dist[i])))
    return out


def comms(origin, destination, start, end, *, threshold_deg: float = DEFAULT_THRESHOLD_DEG,
          step_days: float = 1.0, ephemeris=None) -> Comms:
    """Solar-conjunction blackouts and the light-time range between two bodies over a span.

    Parameters
    ----------
    origin : str
        The observer (the ground station's body, e.g. ``"earth"``): the angle is
        measured at it, between the Sun and ``destination``.
    destination : str
        The other end of the link (e.g. ``"mars"``).
    start, end : str or int
        Years (``2026``, ``2045``: through the end of 2045) or UTC dates.
    threshold_deg : float
        Blackout below this Sun-observer-target angle, degrees (0 < t < 180).
    step_days : float
        Sampling step, days (0 < step <= 30); blackout ends and light-time
        extremes are refined below it.
    ephemeris : Ephemeris or str, optional

    Returns
    -------
    Comms
        Its ``blackouts`` (also as a DataFrame, ``.table``) and the nearest and
        farthest the bodies come.

    Raises
    ------
    UnknownBodyError, InputError, EphemerisRangeError

    Examples
    --------
    >>> import sojourn as sj
    >>> link = sj.comms("earth", "mars", "2026-01-01", "2026-03-01")
    >>> [b.conjunction_date.date().isoformat() for b in link.blackouts]  # NASA: 9 January 2026
    ['2026-01-09']
    >>> round(link.light_time_max_s / 60, 1)
    20.0
    """
    from sojourn.ephemeris import resolve_ephemeris

    a, b = _link_ends(origin, destination)
    threshold = blackout_threshold(threshold_deg)
    step = checks.step_days(step_days, most=30.0)
    t0, t1 = year_span(start, end)
    eph = resolve_ephemeris(ephemeris)
    for body in (a, b):
        eph.check_range(body, t0, t1, "start" if t0 < eph.coverage(body)[0] else "end")

    def geometry(t):
        return eph.state(a, t)[0], eph.state(b, t)[0]

    def distance(x):
        ra, rb = geometry(x)
        return np.linalg.norm(rb - ra, axis=-1)

    n = max(int(math.ceil((t1 - t0) / (step * DAY))), 2)
    t = np.linspace(t0, t1, n + 1)
    r_a, r_b = geometry(t)
    angle = sun_observer_target_angle_deg(r_a, r_b)
    blackouts = find_blackouts(lambda x: sun_observer_target_angle_deg(*geometry(x)), t0, t1, threshold,
                               samples=(t, angle), positions=geometry)
    (t_near, d_near), (t_far, d_far) = _extremes(distance, t, np.linalg.norm(r_b - r_a, axis=-1))
    return Comms(a.name, b.name, t0, t1, threshold, step, eph.name, tuple(blackouts), t_near, d_near, t_far, d_far)


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
