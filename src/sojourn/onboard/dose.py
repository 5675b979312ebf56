"""Radiation dose equivalent of a crew, day by day, by mission phase.

The model is a dose-equivalent *rate* per phase, integrated exactly over time:

- deep-space cruise (outbound and return transits): 1.84 mSv/day, measured by
  the Radiation Assessment Detector inside Curiosity's cruise stage between
  2011-12-06 and 2012-07-14 (Zeitlin et al. 2013, "Measurements of Energetic
  Particle Radiation in Transit to Mars on the Mars Science Laboratory",
  Science 340:1080);
- the stay at Mars: 0.64 mSv/day, measured by RAD on the surface in Gale
  crater between 2012-08-07 and 2013-06-01 (Hassler et al. 2014, "Mars' Surface
  Radiation Environment Measured with the Mars Science Laboratory's Curiosity
  Rover", Science 343:1244797). The whole stay is counted at this rate, as if
  the crew were on the surface;
- nothing before launch and after return (the crew is on Earth).

Options:

- a shielding factor multiplies both rates (1: shielded as Curiosity's RAD was);
- solar-cycle modulation of the galactic cosmic rays: the rate is multiplied by
  ``(1 + A cos(2 pi (t - t_min) / P)) / (1 + A cos(2 pi (t_meas - t_min) / P))``
  with a period P of 11 years and ``t_min`` a solar minimum (default December
  2019, as announced by the NASA/NOAA Solar Cycle 25 Prediction Panel in
  September 2020): GCR dose is highest at solar minimum, when the heliospheric
  field shields least. The denominator keeps each rate equal to its measured
  value at the middle of its measurement (``t_meas``), so A = 0 (the default)
  gives the published rates and A > 0 moves them with the cycle;
- solar particle events: a list of ``(date, dose_msv)``, each dose equivalent
  (received behind the crew's shielding, at 1 au from the Sun) added on its day
  when it falls within the mission, scaled by the crew's distance r from the
  Sun then as ECSS-E-ST-10-04C (Space environment, 2008, clause 9.2.2.2 d)
  scales solar particle fluences for interplanetary missions: by r^-2 inside
  1 au, by 1 beyond. A path past Venus (0.72 au) nearly doubles an event's
  dose; the galactic cosmic-ray rates, whose radial gradient is a few per cent
  per au, are kept.

The cumulative dose, with an optional dose carried from earlier missions, is
compared with the career limit, 600 mSv by default (NASA-STD-3001 Volume 1
Revision B, 2022, effective dose limit for a career).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sojourn import checks
from sojourn.errors import InputError
from sojourn.results import Result
from sojourn.time import DAY, parse_utc

__all__ = [
    "CAREER_LIMIT_MSV",
    "CRUISE_MSV_PER_DAY",
    "SURFACE_MSV_PER_DAY",
    "DoseHistory",
    "DoseModel",
    "PHASES",
    "SolarParticleEvent",
    "integrate_dose",
    "spe_distance_factor",
    "limit_crossing",
    "phase_at",
]

CRUISE_MSV_PER_DAY = 1.84
"""Deep-space cruise dose equivalent rate (mSv/day): Zeitlin et al. 2013, Science 340:1080 (MSL RAD)."""

SURFACE_MSV_PER_DAY = 0.64
"""Mars surface dose equivalent rate (mSv/day): Hassler et al. 2014, Science 343:1244797 (MSL RAD)."""

CAREER_LIMIT_MSV = 600.0
"""Career effective dose limit (mSv): NASA-STD-3001 Volume 1 Revision B (2022)."""

SOLAR_MINIMUM = "2019-12-15"
"""Reference solar minimum: December 2019 (NASA/NOAA Solar Cycle 25 Prediction Panel, September 2020)."""

SOLAR_CYCLE_YEARS = 11.0
"""Period of the modelled solar cycle (years, of 365.25 days)."""

CRUISE_MEASURED = "2012-03-26"
"""Middle of Curiosity RAD's cruise measurement, 2011-12-06 to 2012-07-14 (Zeitlin et al. 2013)."""

SURFACE_MEASURED = "2013-01-03"
"""Middle of Curiosity RAD's first surface measurement, 2012-08-07 to 2013-06-01 (Hassler et al. 2014)."""

PHASES = ("outbound", "mars", "return")
"""Phases of a round trip that count towards the dose, in flight order."""


def _checked_date(value, where: str) -> str:
    """A UTC date as ISO text, from text, a date or a datetime (naive = UTC); checked."""
    from sojourn.mission.scenario import _date_text

    value = _date_text(value)
    if not isinstance(value, str):
        raise InputError(f"expected a UTC date (ISO text such as 2034-03-01), not {value!r}", where)
    parse_utc(value, where)
    return value


@dataclass(frozen=True)
class SolarParticleEvent:
    """A solar particle event: the dose equivalent (mSv) the crew receives on one UTC date.

    Attributes
    ----------
    date : str
        UTC date (or date and time) as ISO text; a ``datetime.date`` is accepted.
    dose_msv : float
        Dose equivalent behind the crew's shielding, mSv (>= 0).
    """

    date: str
    dose_msv: float

    def __post_init__(self):
        object.__setattr__(self, "date", _checked_date(self.date, "date"))
        object.__setattr__(self, "dose_msv", checks.non_negative(self.dose_msv, "dose_msv", "dose", "mSv"))

    @property
    def t(self) -> float:
        """The event's epoch, TDB seconds past J2000."""
        return parse_utc(self.date)


@dataclass(frozen=True)
class DoseModel:
    """How fast the crew accumulates dose equivalent, and against which limit.

    Attributes
    ----------
    cruise_msv_per_day, surface_msv_per_day : float
        Rates in transit and at Mars, mSv/day (defaults: MSL RAD, see module).
    shielding_factor : float
        Multiplies both rates (> 0).
    solar_modulation_amplitude : float
        A in the solar-cycle factor (0 <= A < 1); 0 turns modulation off.
    solar_minimum : str
        UTC date of a solar minimum, the phase of the cycle (a ``datetime.date`` is accepted).
    solar_cycle_years : float
        Period of the cycle, years.
    career_limit_msv : float
        Career limit, mSv.
    prior_career_msv : float
        Dose already received before this mission, mSv.
    solar_particle_events : tuple of SolarParticleEvent
        Events as :class:`SolarParticleEvent` or ``(date, dose_msv)`` pairs.

    Raises
    ------
    InputError
        A value out of range, naming the attribute.
    """

    cruise_msv_per_day: float = CRUISE_MSV_PER_DAY
    surface_msv_per_day: float = SURFACE_MSV_PER_DAY
    shielding_factor: float = 1.0
    solar_modulation_amplitude: float = 0.0
    solar_minimum: str = SOLAR_MINIMUM
    solar_cycle_years: float = SOLAR_CYCLE_YEARS
    career_limit_msv: float = CAREER_LIMIT_MSV
    prior_career_msv: float = 0.0
    solar_particle_events: tuple = field(default_factory=tuple)

    def __post_init__(self):
        def put(name, value):
            object.__setattr__(self, name, value)

        for name, what, unit in (("cruise_msv_per_day", "cruise dose rate", "mSv/day"),
                                 ("surface_msv_per_day", "surface dose rate", "mSv/day"),
                                 ("prior_career_msv", "prior career dose", "mSv")):
            put(name, checks.non_negative(getattr(self, name), name, what, unit))
        for name, what, unit in (("shielding_factor", "shielding factor", ""),
                                 ("solar_cycle_years", "solar cycle", "years"),
                                 ("career_limit_msv", "career limit", "mSv")):
            put(name, checks.positive(getattr(self, name), name, what, unit))
        put("solar_modulation_amplitude", checks.in_range(self.solar_modulation_amplitude, 0.0, 1.0,
                                                          "solar_modulation_amplitude",
                                                          "solar modulation amplitude", open_hi=True))
        put("solar_minimum", _checked_date(self.solar_minimum, "solar_minimum"))
        put("solar_particle_events", tuple(self._event(i, e) for i, e in enumerate(self.solar_particle_events)))

    @staticmethod
    def _event(i: int, event) -> SolarParticleEvent:
        if isinstance(event, SolarParticleEvent):
            return event
        try:
            date, dose = (event["date"], event["dose_msv"]) if isinstance(event, dict) else event
            return SolarParticleEvent(date, dose)
        except InputError as exc:
            raise InputError(exc.message, f"solar_particle_events[{i}].{exc.where}") from None
        except (TypeError, ValueError, KeyError):
            raise InputError(f"a solar particle event is (date, dose_msv), not {event!r}",
                             f"solar_particle_events[{i}]") from None

    # -- the solar cycle --------------------------------------------------------------------

    @property
    def _omega(self) -> float:
        return 2.0 * math.pi / (self.solar_cycle_years * 365.25 * DAY)

    def _phase(self, t):
        return self._omega * (np.asarray(t, dtype=np.float64) - parse_utc(self.solar_minimum))

    def _norm(self, measured: str) -> float:
        return 1.0 + self.solar_modulation_amplitude * math.cos(float(self._phase(parse_utc(measured))))

    def modulation(self, t, measured: str = CRUISE_MEASURED):
        """Solar-cycle factor on a rate measured at ``measured`` (1 there), at epochs ``t`` (TDB s)."""
        return (1.0 + self.solar_modulation_amplitude * np.cos(self._phase(t))) / self._norm(measured)

    def rate_msv_per_day(self, phase: str, t):
        """Dose-equivalent rate in a phase at epochs ``t``, mSv/day (shielding and modulation applied)."""
        base, measured = self._base(phase)
        return base * self.shielding_factor * self.modulation(t, measured)

    def _base(self, phase: str) -> tuple[float, str]:
        if phase in ("outbound", "return"):
            return self.cruise_msv_per_day, CRUISE_MEASURED
        if phase == "mars":
            return self.surface_msv_per_day, SURFACE_MEASURED
        raise InputError(f"unknown phase '{phase}': expected one of {', '.join(PHASES)}", "phase")

    def dose_msv(self, phase: str, a, b):
        """Dose equivalent received in a phase between epochs ``a`` and ``b`` (TDB s), mSv.

        The rate is integrated exactly: the integral of 1 + A cos(w (t - t_min))
        is (b - a) + A (sin(w (b - t_min)) - sin(w (a - t_min))) / w.
        """
        base, measured = self._base(phase)
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        span = np.maximum(b - a, 0.0)
        if self.solar_modulation_amplitude:
            integral = span + self.solar_modulation_amplitude * np.where(
                span > 0, (np.sin(self._phase(b)) - np.sin(self._phase(a))) / self._omega, 0.0)
        else:
            integral = span
        return base * self.shielding_factor * integral / DAY / self._norm(measured)

    def to_dict(self) -> dict:
        """The model's settings and the sources of its default values."""
        return {
            "cruise_msv_per_day": self.cruise_msv_per_day,
            "surface_msv_per_day": self.surface_msv_per_day,
            "shielding_factor": self.shielding_factor,
            "solar_modulation_amplitude": self.solar_modulation_amplitude,
            "solar_minimum": self.solar_minimum,
            "solar_cycle_years": self.solar_cycle_years,
            "career_limit_msv": self.career_limit_msv,
            "prior_career_msv": self.prior_career_msv,
            "solar_particle_events": [{"date": s.date, "dose_msv": s.dose_msv} for s in self.solar_particle_events],
            "sources": {
                "cruise": "Zeitlin et al. 2013, Science 340:1080 (MSL RAD, cruise)",
                "surface": "Hassler et al. 2014, Science 343:1244797 (MSL RAD, Gale crater)",
                "career_limit": "NASA-STD-3001 Volume 1 Revision B (2022)",
                "solar_minimum": "December 2019, NASA/NOAA Solar Cycle 25 Prediction Panel (2020)",
            },
        }


def phase_at(bounds, t) -> np.ndarray:
    """The phase at epochs ``t``: ``"before"``, ``"outbound"``, ``"mars"``, ``"return"`` or ``"after"``.

    Parameters
    ----------
    bounds : sequence of 4 floats
        Launch, arrival at Mars, departure from Mars, return to Earth, TDB s.
    t : array_like
        Epochs, TDB s.

    Returns
    -------
    numpy.ndarray of str
    """
    names = np.array(("before",) + PHASES + ("after",))
    return names[np.searchsorted(np.asarray(bounds, dtype=np.float64), np.asarray(t, dtype=np.float64), "right")]


@dataclass(frozen=True, repr=False)
class DoseHistory(Result):
    """Dose equivalent received interval by interval (e.g. UTC day by day), by phase.

    Attributes
    ----------
    dose_msv : numpy.ndarray, shape (n,)
        Received in each interval (phases and solar particle events), mSv.
    by_phase : dict of str to numpy.ndarray
        ``{"outbound", "mars", "return"}``: received in each interval in that phase, mSv.
    spe_msv : numpy.ndarray, shape (n,)
        From solar particle events, mSv.
    cumulative_msv : numpy.ndarray, shape (n,)
        Career total at each interval's end (prior dose included), mSv.
    spe_outside : tuple of SolarParticleEvent
        Events outside the mission (not counted).
    """

    dose_msv: np.ndarray
    by_phase: dict
    spe_msv: np.ndarray
    cumulative_msv: np.ndarray
    spe_outside: tuple = ()

    @property
    def mission_msv(self) -> float:
        """The mission's total, mSv."""
        return float(self.dose_msv.sum())

    def phase_totals(self) -> dict:
        """Mission dose by phase and from solar particle events, mSv."""
        out = {k: float(v.sum()) for k, v in self.by_phase.items()}
        out["solar_particle_events"] = float(self.spe_msv.sum())
        return out

    def to_dict(self) -> dict:
        return {"mission_msv": self.mission_msv, "by_phase_msv": self.phase_totals(),
                "spe_outside": [{"date": s.date, "dose_msv": s.dose_msv} for s in self.spe_outside]}

    def summary(self) -> list[tuple[str, str]]:
        return [("intervals", str(self.dose_msv.size)), ("mission_msv", f"{self.mission_msv:.1f}")]


SPE_INNER_EXPONENT = 2.0
"""Solar particle fluences scale as r^-2 inside 1 au, and not at all beyond (ECSS-E-ST-10-04C, 9.2.2.2 d)."""


def spe_distance_factor(r_au):
    """The factor on a solar particle event's 1-au dose at ``r_au`` au from the Sun: max(1, r^-2) (ECSS).

    Examples
    --------
    >>> float(spe_distance_factor(0.5)), float(spe_distance_factor(1.5))
    (4.0, 1.0)
    """
    r = np.asarray(r_au, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(r < 1.0, r ** -SPE_INNER_EXPONENT, 1.0)


def integrate_dose(model: DoseModel, bounds, edges, sun_distance_au=None) -> DoseHistory:
    """Dose equivalent received in each interval ``[edges[i], edges[i+1])``, by phase.

    Parameters
    ----------
    model : DoseModel
    bounds : sequence of 4 floats
        Launch, Mars arrival, Mars departure, Earth return, TDB s, in order.
    edges : array_like, shape (n + 1,)
        Interval edges (e.g. UTC midnights), TDB s, increasing.
    sun_distance_au : callable, optional
        ``sun_distance_au(t)``: the crew's distance from the Sun (au) at epochs
        ``t`` (TDB s); solar particle events are scaled by
        :func:`spe_distance_factor` there. Without it, every event is taken at 1 au.

    Returns
    -------
    DoseHistory
    """
    b = np.asarray(bounds, dtype=np.float64)
    if b.shape != (4,) or np.any(np.diff(b) < 0):
        raise InputError("phase bounds must be 4 epochs in order: launch, Mars arrival, Mars departure, return",
                         "bounds")
    e = np.asarray(edges, dtype=np.float64)
    lo, hi = e[:-1], e[1:]
    by_phase = {}
    for phase, a, z in zip(PHASES, b[:-1], b[1:]):
        by_phase[phase] = model.dose_msv(phase, np.clip(lo, a, z), np.clip(hi, a, z))
    spe = np.zeros(lo.size)
    outside = []
    if model.solar_particle_events:
        t_spe = np.array([s.t for s in model.solar_particle_events])
        # an event dated by day alone (00:00 UTC) on launch day still counts: from the
        # start of the first interval (the launch day's midnight) to the return
        inside = (t_spe >= min(b[0], e[0])) & (t_spe < b[-1])
        which = np.searchsorted(e, t_spe, "right") - 1
        counted = inside & (which >= 0) & (which < lo.size)
        doses = np.array([s.dose_msv for s in model.solar_particle_events])
        if sun_distance_au is not None and counted.any():
            doses[counted] *= spe_distance_factor(sun_distance_au(t_spe[counted]))
        np.add.at(spe, which[counted], doses[counted])
        outside = [s for s, c in zip(model.solar_particle_events, counted) if not c]
    dose = sum(by_phase.values()) + spe
    return DoseHistory(dose, by_phase, spe, model.prior_career_msv + np.cumsum(dose), tuple(outside))


def limit_crossing(model: DoseModel, edges, cumulative_msv) -> float | None:
    """Epoch (TDB s) at which the career total reaches the limit, or None.

    Within the interval in which it is crossed, the dose is taken as received
    at a steady rate (linear interpolation).
    """
    cum = np.asarray(cumulative_msv, dtype=np.float64)
    over = np.flatnonzero(cum >= model.career_limit_msv)
    if over.size == 0:
        return None
    i = int(over[0])
    before = cum[i - 1] if i > 0 else model.prior_career_msv
    if before >= model.career_limit_msv:
        return float(edges[0])
    frac = (model.career_limit_msv - before) / (cum[i] - before)
    return float(edges[i] + frac * (edges[i + 1] - edges[i]))
