"""Where a leg really arrives: Monte Carlo of burn errors, the B-plane, the correction burn.

A designed leg is a Lambert arc: it leaves the departure planet's centre with
the heliocentric velocity ``v_planet + v∞`` and reaches the target's centre at
the nominal arrival epoch. The vessel aims not at the centre but at a point of
the target's B-plane (:mod:`sojourn.core.bplane`) chosen so that the approach
hyperbola has the scenario's periapsis (a capture) or flight-path angle at
the entry interface (an entry or aerocapture). Real burns miss their mark.
:func:`dispersions` (``sj.dispersions``) samples the errors and follows every sample:

1. **Departure errors.** The departure v∞ the burn delivers is dispersed in
   magnitude (``magnitude_pct``, % of v∞, 3σ) and direction
   (``pointing_deg``, degrees, 3σ per axis of two perpendicular axes);
   optionally the departure position (km, 1σ per axis) and velocity (m/s, 1σ per
   axis) are dispersed too. Errors are quoted on the delivered v∞ because that
   is how launch-vehicle injection accuracy is specified (C3, DLA, RLA), and it
   keeps the model free of parking-orbit geometry. A magnitude error ε of a
   parking-orbit burn Δv becomes an error of about ``ε Δv v_p / v∞`` in v∞
   (``v_p`` the periapsis speed on the departure hyperbola): give that.
2. **Coast.** Each sample is propagated heliocentrically (two-body, Sun only,
   like the Lambert arc: :func:`sojourn.core.kepler.propagate_batch`) to the
   correction epoch and on to the nominal arrival epoch.
3. **B-plane.** At the nominal arrival epoch the sample's offset from the
   nominal arrival point plus the nominal aim point B_aim, together with the
   sample's own velocity relative to the target planet, defines its straight
   incoming asymptote; its B vector is the closest point of that line to the
   planet's centre (:func:`sojourn.core.bplane.linear_bplane`). ``B·T`` and
   ``B·R`` are resolved on the nominal approach's axes: ``S`` along the nominal
   arrival v∞, ``T = unit(S × k)`` with ``k`` the **pole of the J2000 mean
   ecliptic**, ``R = S × T``. The aim point lies at angle ``aim_angle_deg`` from
   ``+T`` towards ``+R`` (default 0: ``+T``, a prograde orbit of least
   inclination to the ecliptic). The periapsis of each sample follows exactly
   from its ``|B|`` and v∞: ``rp = μ/v∞² (sqrt(1 + (B v∞²/μ)²) - 1)``.
4. **Correction (TCM).** At ``tcm_days`` after departure one impulsive burn
   re-targets the nominal arrival point at the nominal epoch: a Lambert arc
   from the sample's position to it (:func:`sojourn.core.lambert.lambert_batch`,
   prograde about the nominal transfer's angular momentum); the burn is
   ``|v_lambert - v_sample|``. The burn itself is then executed with its own
   proportional errors (``tcm_errors``, by default the departure burn's), and
   the corrected samples are propagated to arrival and mapped to the B-plane
   again: what one correction leaves.
5. **Corridor.** A capture (``mode = "propulsive"``) must arrive with its
   periapsis altitude within ``± corridor_km`` of the scenario's; an entry or
   aerocapture with its flight-path angle at the entry interface within
   ``± corridor_deg`` of ``entry_fpa_deg``. A sample whose hyperbola never
   reaches the interface (a skip-out) misses the entry corridor.

Everything is batched through the compiled kernels, in chunks of
:data:`CHUNK` samples, and seeded (``numpy.random.Generator(PCG64(seed))``):
the same seed gives the same samples, and a run of N samples begins with the
samples of any shorter run. Every sample draws the same twelve standard normals
whatever the error sizes, so runs with the same seed and different error sizes
are comparable sample by sample.

The 3σ ellipse reported is that of the sample covariance of (B·T, B·R): semi-axes
three times the square roots of its eigenvalues, which for a Gaussian spread holds
98.9 % of the samples (far dispersions bend into a banana the ellipse does not follow).
"""


from __future__ import annotations

import datetime as _dt
import functools
import math
from dataclasses import dataclass
from typing import Any, Literal, Optional

import numpy as np
from numba import njit, prange

from sojourn import checks
from sojourn.bodies import GM_SUN, get_body
from sojourn.errors import InputError
from sojourn.mission.trajectory import leg_arc
from sojourn.results import Result
from sojourn.time import DAY, tdb_to_utc_iso

__all__ = [
    "CHUNK",
    "CORRIDOR_DEG",
    "CORRIDOR_KM",
    "ENTRY_FPA_DEG",
    "ArrivalTarget",
    "BurnErrors",
    "Dispersions",
    "StateErrors",
    "arrival_target",
    "dispersions",
    "ellipse_from_covariance",
    "run_dispersions",
]

CHUNK = 65536
"""Samples per batch (fixed, so that a seed gives the same samples whatever the total)."""

MAX_SAMPLES = 20_000_000
"""Most samples in one run (about 80 bytes each are kept)."""

CORRIDOR_KM = 50.0
"""Default half-width of the capture corridor, km of periapsis altitude (a model default, not a published figure)."""

CORRIDOR_DEG = 1.0
"""Default half-width of the entry corridor, degrees of flight-path angle (a model default)."""

ENTRY_FPA_DEG = {"earth": -6.5, "mars": -12.0}
"""Default aimed flight-path angle at the entry interface, degrees, by target body.

Earth: -6.5°, near the nominal of Apollo's lunar-return entries at 11 km/s.
Mars: -12°, a model default within the range flown by Mars entry probes
(shallower for aerocapture). Give your vehicle's with ``entry_fpa_deg``.
"""

_N_NORMALS = 12  # departure burn 3, position 3, velocity 3, TCM burn 3


# ---------------------------------------------------------------------------
# inputs


def _check_burn(magnitude_pct, pointing_deg, where: tuple[str, str]) -> tuple[float, float]:
    """A burn's 3σ errors, checked: magnitude in [0, 100) %, pointing in [0, 90] degrees."""
    m = checks.in_range(magnitude_pct, 0.0, 100.0, where[0], "magnitude error", "% (3σ)", open_hi=True)
    p = checks.in_range(pointing_deg, 0.0, 90.0, where[1], "pointing error", "degrees (3σ)")
    return m, p


@dataclass(frozen=True)
class BurnErrors:
    """Proportional execution errors of an impulsive burn.

    Attributes
    ----------
    magnitude_pct_3sigma : float
        Magnitude error, percent of the burn, 3σ (Gaussian); below 100.
    pointing_deg_3sigma : float
        Pointing error, degrees, 3σ about each of two axes normal to the burn
        (so the total angle is Rayleigh-distributed); at most 90.
    """

    magnitude_pct_3sigma: float = 0.5
    pointing_deg_3sigma: float = 0.5

    def __post_init__(self):
        _check_burn(self.magnitude_pct_3sigma, self.pointing_deg_3sigma,
                    ("magnitude_pct_3sigma", "pointing_deg_3sigma"))

    @property
    def sigma_fraction(self) -> float:
        """1σ magnitude error as a fraction of the burn."""
        return self.magnitude_pct_3sigma / 300.0

    @property
    def sigma_rad(self) -> float:
        """1σ pointing error per axis, radians."""
        return math.radians(self.pointing_deg_3sigma) / 3.0


@dataclass(frozen=True)
class StateErrors:
    """Errors of the departure state itself (knowledge or insertion), 1σ per axis.

    Attributes
    ----------
    position_km_1sigma : float
        Position error, km, 1σ per ICRF axis.
    velocity_ms_1sigma : float
        Velocity error, m/s, 1σ per ICRF axis.
    """

    position_km_1sigma: float = 0.0
    velocity_ms_1sigma: float = 0.0

    def __post_init__(self):
        checks.non_negative(self.position_km_1sigma, "position_km_1sigma", "position error", "km")
        checks.non_negative(self.velocity_ms_1sigma, "velocity_ms_1sigma", "velocity error", "m/s")


@dataclass(frozen=True, repr=False)
class ArrivalTarget(Result):
    """What a leg aims at on arrival, and the corridor it must fly through.

    Attributes
    ----------
    body : str
        Target body.
    mu : float
        Its GM, km^3/s^2.
    radius_km : float
        Its equatorial radius, km.
    kind : {"periapsis", "entry"}
        A capture aimed at a periapsis altitude, or an entry (or aerocapture)
        aimed at a flight-path angle at the entry interface.
    periapsis_altitude_km : float or None
        The aimed periapsis altitude (kind ``"periapsis"``), km.
    interface_altitude_km : float or None
        Entry interface altitude (kind ``"entry"``), km.
    entry_fpa_deg : float or None
        Aimed flight-path angle at the interface (kind ``"entry"``), degrees (< 0).
    half_width : float
        Corridor half-width: km of periapsis altitude, or degrees of flight-path angle.
    aim_angle_deg : float
        Direction of the aim point in the B-plane, degrees from ``+T`` towards ``+R``.
    """

    body: str
    mu: float
    radius_km: float
    kind: Literal["periapsis", "entry"]
    periapsis_altitude_km: Optional[float] = None
    interface_altitude_km: Optional[float] = None
    entry_fpa_deg: Optional[float] = None
    half_width: float = CORRIDOR_KM
    aim_angle_deg: float = 0.0

    @property
    def unit(self) -> str:
        return "km" if self.kind == "periapsis" else "deg"

    @property
    def nominal(self) -> float:
        """The aimed value: periapsis altitude (km) or flight-path angle (deg)."""
        return self.periapsis_altitude_km if self.kind == "periapsis" else self.entry_fpa_deg

    def aim_b(self, vinf: float) -> float:
        """Aim-point distance ``|B_aim|`` (km) for an approach at ``vinf`` (km/s)."""
        from sojourn.core.bplane import impact_parameter, impact_parameter_for_fpa

        if self.kind == "periapsis":
            return float(impact_parameter(self.mu, vinf, self.radius_km + self.periapsis_altitude_km))
        return float(impact_parameter_for_fpa(self.mu, vinf, self.radius_km + self.interface_altitude_km,
                                              math.radians(self.entry_fpa_deg)))

    def corridor_value(self, vinf, b) -> np.ndarray:
        """Periapsis altitude (km) or entry flight-path angle (deg; NaN: never reaches the interface)."""
        from sojourn.core.bplane import flight_path_angle, periapsis_radius

        if self.kind == "periapsis":
            return periapsis_radius(self.mu, vinf, b) - self.radius_km
        return np.degrees(flight_path_angle(self.mu, vinf, b, self.radius_km + self.interface_altitude_km))

    def inside(self, value) -> np.ndarray:
        """True where ``value`` (from :meth:`corridor_value`) lies inside the corridor."""
        value = np.asarray(value, dtype=float)
        with np.errstate(invalid="ignore"):
            return np.abs(value - self.nominal) <= self.half_width

    def corridor_b(self, vinf: float) -> tuple[float, float]:
        """Impact parameters (km) of the corridor's edges at ``vinf`` (km/s): (inner, outer) ring of the B-plane.

        The inner ring is the lower periapsis, or the steeper entry.
        """
        from sojourn.core.bplane import impact_parameter, impact_parameter_for_fpa

        lo, hi = self.nominal - self.half_width, self.nominal + self.half_width
        if self.kind == "periapsis":
            return tuple(float(impact_parameter(self.mu, vinf, max(self.radius_km + a, 1e-9))) for a in (lo, hi))
        r = self.radius_km + self.interface_altitude_km
        return tuple(float(impact_parameter_for_fpa(self.mu, vinf, r, math.radians(max(min(a, 0.0), -90.0))))
                     for a in (lo, hi))

    def impact_b(self, vinf: float) -> float:
        """Impact parameter (km) below which the approach hyperbola hits the surface."""
        from sojourn.core.bplane import impact_parameter

        return float(impact_parameter(self.mu, vinf, self.radius_km))

    def summary(self) -> list[tuple[str, str]]:
        return [("body", self.body), ("kind", self.kind),
                ("corridor", f"{self.nominal:g} ± {self.half_width:g} {self.unit}")]

    def to_dict(self) -> dict:
        out = {"body": self.body, "kind": self.kind, "unit": self.unit, "nominal": self.nominal,
               "corridor": [self.nominal - self.half_width, self.nominal + self.half_width],
               "aim_angle_deg": self.aim_angle_deg}
        if self.kind == "entry":
            out["interface_altitude_km"] = self.interface_altitude_km
        return out


_NOT_FOR = {"corridor_km": "a capture corridor in km", "corridor_deg": "an entry corridor in degrees",
            "entry_fpa_deg": "an entry flight-path angle"}


def flyby_target(flyby, *, corridor_km: Optional[float] = None) -> ArrivalTarget:
    """The aim of a planned flyby (:class:`sojourn.transfer.sequence.Flyby`): its periapsis altitude, in the
    direction of its B-plane point, with a corridor of ``corridor_km`` (default :data:`CORRIDOR_KM`).

    The arc that arrives at a flyby is aimed like one that arrives at its
    destination: its departure's errors, and their correction, land in the
    flyby's B-plane (same axes: ``T = unit(S x k)``, ``k`` the J2000 ecliptic pole).
    """
    body = get_body(flyby.body)
    corridor_km = checks.optional_positive(corridor_km, "corridor_km", "corridor half-width", "km")
    return ArrivalTarget(body.name, body.gm_km3s2, body.radius_km, "periapsis",
                         periapsis_altitude_km=float(flyby.altitude_km),
                         half_width=CORRIDOR_KM if corridor_km is None else corridor_km,
                         aim_angle_deg=math.degrees(math.atan2(flyby.br_km, flyby.bt_km)))


def leg_target(scenario, plan_leg, leg: str = "outbound", **options):
    """What a dispersion or n-body analysis of a plan's leg aims its departure at: (arc, target).

    A direct leg and its destination's :func:`arrival_target`; a leg through a
    flyby, its first arc and that flyby's :func:`flyby_target` (``options``:
    ``corridor_km`` only).
    """
    if plan_leg.flybys:
        return plan_leg.arcs[0], flyby_target(plan_leg.flybys[0], corridor_km=options.get("corridor_km"))
    return plan_leg, arrival_target(scenario, leg, **options)


def arrival_target(scenario, leg: str = "outbound", *, corridor_km: Optional[float] = None,
                   corridor_deg: Optional[float] = None, entry_fpa_deg: Optional[float] = None,
                   aim_angle_deg: float = 0.0) -> ArrivalTarget:
    """The arrival aim and corridor of a scenario's leg.

    Parameters
    ----------
    scenario : Scenario
    leg : {"outbound", "return"}
        Outbound arrives at the destination (``[arrival]``), return at the
        origin (``[return]``).
    corridor_km : float, optional
        Capture corridor half-width, km; default :data:`CORRIDOR_KM`.
    corridor_deg : float, optional
        Entry corridor half-width, degrees; default :data:`CORRIDOR_DEG`.
    entry_fpa_deg : float, optional
        Aimed entry flight-path angle, degrees (between -90 and 0); default
        :data:`ENTRY_FPA_DEG` for the body (-10° for a body not listed).
    aim_angle_deg : float
        Aim-point direction in the B-plane, degrees from ``+T`` towards ``+R``.

    Returns
    -------
    ArrivalTarget
        A ``"periapsis"`` target for ``mode = "propulsive"``; an ``"entry"``
        target for ``"entry"`` and ``"aerocapture"`` (the aerocapture pass is
        aimed like an entry; its exit orbit is not modelled here).

    Raises
    ------
    InputError
        An unknown leg, a corridor that is not positive, an entry angle out of
        range, or an option for the other kind of arrival (naming the parameter).
    """
    leg = checks.choice(leg, ("outbound", "return"), "leg", "leg")
    section = scenario.arrival if leg == "outbound" else scenario.return_
    body = get_body(scenario.mission.destination if leg == "outbound" else scenario.mission.origin)
    corridor_km = checks.optional_positive(corridor_km, "corridor_km", "corridor half-width", "km")
    corridor_deg = checks.optional_positive(corridor_deg, "corridor_deg", "corridor half-width", "degrees")
    aim_angle_deg = checks.number(aim_angle_deg, "aim_angle_deg", "aim angle", "degrees")
    # an option for the other kind of arrival would be silently ignored: say so instead
    unused = (("corridor_deg", corridor_deg), ("entry_fpa_deg", entry_fpa_deg)) if section.mode == "propulsive" \
        else (("corridor_km", corridor_km),)
    kind = "propulsive capture" if section.mode == "propulsive" else section.mode
    for name, value in unused:
        if value is not None:
            raise InputError(f"the {leg} leg ends in {kind}: {_NOT_FOR[name]} does not apply to it", name)
    if section.mode == "propulsive":
        return ArrivalTarget(body.name, body.gm_km3s2, body.radius_km, "periapsis",
                             periapsis_altitude_km=float(section.periapsis_altitude_km),
                             half_width=CORRIDOR_KM if corridor_km is None else corridor_km,
                             aim_angle_deg=aim_angle_deg)
    fpa = ENTRY_FPA_DEG.get(body.name, -10.0) if entry_fpa_deg is None else entry_fpa_deg
    fpa = checks.in_range(fpa, -90.0, 0.0, "entry_fpa_deg", "entry flight-path angle", "degrees",
                          open_lo=True, open_hi=True)
    return ArrivalTarget(body.name, body.gm_km3s2, body.radius_km, "entry",
                         interface_altitude_km=float(section.entry_interface_altitude_km), entry_fpa_deg=fpa,
                         half_width=CORRIDOR_DEG if corridor_deg is None else corridor_deg,
                         aim_angle_deg=aim_angle_deg)


# ---------------------------------------------------------------------------
# the result


def ellipse_from_covariance(cov, k: float = 3.0) -> dict:
    """The k-σ ellipse of a 2-D covariance (B·T, B·R).

    Returns
    -------
    dict
        ``semi_major_km``, ``semi_minor_km`` (k times the square roots of the
        eigenvalues) and ``angle_deg``, the major axis's angle from ``+T``
        towards ``+R``, in (-90, 90]. For a Gaussian, the 3σ ellipse holds
        1 - exp(-9/2) = 98.9 % of the samples.
    """
    cov = np.asarray(cov, dtype=float)
    w, vec = np.linalg.eigh(cov)
    w = np.clip(w, 0.0, None)
    major = vec[:, 1]
    angle = math.degrees(math.atan2(major[1], major[0]))
    if angle <= -90.0:
        angle += 180.0
    elif angle > 90.0:
        angle -= 180.0
    return {"semi_major_km": k * math.sqrt(w[1]), "semi_minor_km": k * math.sqrt(w[0]), "angle_deg": angle}


def _bplane_stats(bt, br) -> dict:
    ok = np.isfinite(bt) & np.isfinite(br)
    if ok.sum() < 2:
        return {"mean_bt_km": None, "mean_br_km": None, "covariance_km2": None, "ellipse_3sigma": None}
    cov = np.cov(np.vstack([bt[ok], br[ok]]))
    return {"mean_bt_km": float(bt[ok].mean()), "mean_br_km": float(br[ok].mean()),
            "covariance_km2": cov.tolist(), "ellipse_3sigma": ellipse_from_covariance(cov)}


def _corridor_stats(target: ArrivalTarget, value, valid) -> dict:
    inside = target.inside(value) & valid
    n = value.size
    misses = int(n - inside.sum())
    out = {"miss_probability": misses / n if n else None, "misses": misses, "samples": n,
           # with no miss in n samples the probability is below 3/n at 95 % confidence ("rule of three")
           "upper_bound_95": (3.0 / n if misses == 0 else None) if n else None}
    with np.errstate(invalid="ignore"):
        if target.kind == "periapsis":
            out["below"] = int(((value < target.nominal - target.half_width) & valid).sum())
            out["above"] = int(((value > target.nominal + target.half_width) & valid).sum())
            out["impact"] = int(((value < 0.0) & valid).sum())
        else:
            out["steep"] = int(((value < target.nominal - target.half_width) & valid).sum())
            out["shallow"] = int(((value > target.nominal + target.half_width) & valid).sum())
            out["skip_out"] = int((~np.isfinite(value) & valid).sum())
    return out


@dataclass(frozen=True, repr=False, eq=False)
class Dispersions(Result):
    """Samples of a leg's arrival on the target's B-plane, before and after one correction, and their statistics.

    Attributes
    ----------
    leg : Leg
        The leg dispersed (:class:`sojourn.mission.plan.Leg`).
    target : ArrivalTarget
    errors, tcm_errors : BurnErrors
        Departure and correction burn errors (3σ).
    state_errors : StateErrors
    samples, seed : int
    tcm_days : float
        Days from departure to the correction burn.
    vinf_arrival_kms : float
        Nominal approach v∞, km/s.
    aim_bt_km, aim_br_km : float
        The aim point, km.
    table : xarray.Dataset
        One row per sample along ``sample``: ``bt_km``, ``br_km`` (the B-plane
        point without the correction, km), ``vinf_kms`` (its approach v∞,
        km/s), ``corridor_value`` (periapsis altitude in km, or entry
        flight-path angle in degrees, NaN where it never reaches the
        interface), ``tcm_dv_kms`` (the correction burn, km/s; NaN where its
        Lambert problem failed), and ``bt_after_tcm_km``, ``br_after_tcm_km``,
        ``corridor_value_after_tcm`` after the correction (executed with
        ``tcm_errors``).
    ephemeris : str
    scenario_name : str or None
        The mission, when the leg is a plan's.
    """

    leg: Any
    target: ArrivalTarget
    errors: BurnErrors
    tcm_errors: BurnErrors
    state_errors: StateErrors
    samples: int
    seed: int
    tcm_days: float
    vinf_arrival_kms: float
    aim_bt_km: float
    aim_br_km: float
    table: Any
    ephemeris: str = ""
    scenario_name: Optional[str] = None

    @property
    def tcm_epoch(self) -> _dt.datetime:
        """The correction burn, UTC."""
        from sojourn.time import tdb_to_datetime

        return tdb_to_datetime(float(self.leg.t_depart) + self.tcm_days * DAY)

    @property
    def tcm_failures(self) -> int:
        """Samples whose correction Lambert problem had no solution."""
        return int((self.table["tcm_status"].values != 0).sum())

    @functools.cached_property
    def stats(self) -> dict:
        """The statistics :meth:`to_dict` reports: ``bplane``, ``corridor``, ``tcm``,
        ``bplane_after_tcm``, ``corridor_after_tcm`` (None where the physics gives no number)."""
        t = {k: v.values for k, v in self.table.data_vars.items()}
        bt, br, bt_c, br_c = t["bt_km"], t["br_km"], t["bt_after_tcm_km"], t["br_after_tcm_km"]
        valid = np.isfinite(bt) & np.isfinite(br)
        valid_c = np.isfinite(bt_c) & np.isfinite(br_c)
        return {
            "bplane": _bplane_stats(bt, br),
            "corridor": _corridor_stats(self.target, t["corridor_value"], valid),
            "tcm": _tcm_stats(t["tcm_dv_kms"], t["tcm_status"], float(self.leg.t_depart), self.tcm_days),
            "bplane_after_tcm": _bplane_stats(bt_c, br_c),
            "corridor_after_tcm": _corridor_stats(self.target, t["corridor_value_after_tcm"], valid_c),
        }

    def to_dict(self) -> dict:
        """The statistics as JSON (no samples; None where the physics gives no number)."""
        leg = {k: v for k, v in self.leg.to_dict().items() if k in ("from", "to", "depart", "arrive", "tof_days")}
        return {
            "leg": leg,
            "ephemeris": self.ephemeris,
            "samples": self.samples,
            "seed": self.seed,
            "model": {
                "departure_burn": {"magnitude_pct_3sigma": self.errors.magnitude_pct_3sigma,
                                   "pointing_deg_3sigma": self.errors.pointing_deg_3sigma,
                                   "applied_to": "departure v-infinity vector"},
                "departure_state": {"position_km_1sigma": self.state_errors.position_km_1sigma,
                                    "velocity_ms_1sigma": self.state_errors.velocity_ms_1sigma},
                "tcm_burn": {"magnitude_pct_3sigma": self.tcm_errors.magnitude_pct_3sigma,
                             "pointing_deg_3sigma": self.tcm_errors.pointing_deg_3sigma},
                "propagation": "heliocentric two-body (Sun only), as the Lambert arc",
                "bplane_frame": "S along the nominal arrival v-infinity, T = unit(S x k), R = S x T, "
                                "k = pole of the J2000 mean ecliptic (ICRF)",
                "bplane_mapping": "straight-line asymptote of each sample's planet-relative state at the "
                                  "nominal arrival epoch; periapsis from |B| and the sample's v-infinity",
            },
            "target": self.target.to_dict(),
            "vinf_arrival_kms": self.vinf_arrival_kms,
            "aim_point": {"bt_km": self.aim_bt_km, "br_km": self.aim_br_km,
                          "b_km": math.hypot(self.aim_bt_km, self.aim_br_km),
                          "corridor_b_km": list(self.target.corridor_b(self.vinf_arrival_kms)),
                          "impact_b_km": self.target.impact_b(self.vinf_arrival_kms)},
            **self.stats,
            "scenario": self.scenario_name,
        }

    def summary(self) -> list[tuple[str, str]]:
        before, after = self.stats["corridor"], self.stats["corridor_after_tcm"]
        return [("leg", f"{self.leg.origin} → {self.leg.destination}"), ("samples", f"{self.samples:,}"),
                ("outside_corridor", f"{100 * before['miss_probability']:.2f} %"),
                ("after_tcm", f"{100 * after['miss_probability']:.2f} %"),
                ("tcm_p95_ms", "—" if self.stats["tcm"]["p95_ms"] is None else f"{self.stats['tcm']['p95_ms']:.1f}")]


def _tcm_stats(dv_kms, status, t_depart, tcm_days) -> dict:
    """Mean, median, 95th and 99th percentiles and the largest correction burn, m/s (None without any)."""
    ok_dv = dv_kms[np.isfinite(dv_kms)] * 1000.0
    if ok_dv.size:
        p50, p95, p99 = np.percentile(ok_dv, [50.0, 95.0, 99.0])
        out = {"mean_ms": float(ok_dv.mean()), "median_ms": float(p50), "p95_ms": float(p95),
               "p99_ms": float(p99), "max_ms": float(ok_dv.max())}
    else:  # every Lambert problem failed
        out = {"mean_ms": None, "median_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    out.update(epoch=tdb_to_utc_iso(t_depart + tcm_days * DAY, "minute"), days_after_departure=float(tcm_days),
               failures=int((status != 0).sum()))
    return out


# ---------------------------------------------------------------------------
# the computation


@njit(cache=True)
def _burn_error_one(dx, dy, dz, z0, z1, z2, sig_m, sig_p):
    """One burn (dx, dy, dz) executed with errors; see :func:`_apply_burn_errors`."""
    mag = math.sqrt(dx * dx + dy * dy + dz * dz)
    if mag == 0.0:
        return 0.0, 0.0, 0.0
    ux = dx / mag
    uy = dy / mag
    uz = dz / mag
    # e1 = unit(u × a), a the axis (x or y) least aligned with u; e2 = u × e1
    if abs(ux) < 0.9:
        e1x, e1y, e1z = 0.0, uz, -uy
    else:
        e1x, e1y, e1z = -uz, 0.0, ux
    n1 = math.sqrt(e1x * e1x + e1y * e1y + e1z * e1z)
    e1x /= n1
    e1y /= n1
    e1z /= n1
    e2x = uy * e1z - uz * e1y
    e2y = uz * e1x - ux * e1z
    e2z = ux * e1y - uy * e1x
    a1 = sig_p * z1
    a2 = sig_p * z2
    alpha = math.sqrt(a1 * a1 + a2 * a2)
    sinc = math.sin(alpha) / alpha if alpha > 0.0 else 1.0
    c = math.cos(alpha)
    m = mag * (1.0 + sig_m * z0)
    return (m * (c * ux + sinc * (a1 * e1x + a2 * e2x)),
            m * (c * uy + sinc * (a1 * e1y + a2 * e2y)),
            m * (c * uz + sinc * (a1 * e1z + a2 * e2z)))


@njit(cache=True, parallel=True)
def _burn_errors_kernel(dv, z, sig_m, sig_p, out):
    for i in prange(dv.shape[0]):
        out[i, 0], out[i, 1], out[i, 2] = _burn_error_one(dv[i, 0], dv[i, 1], dv[i, 2], z[i, 0], z[i, 1], z[i, 2],
                                                          sig_m, sig_p)


def _apply_burn_errors(dv, z, errors: BurnErrors):
    """Burns ``dv`` (N, 3) executed with proportional errors; ``z`` (N, 3) standard normals.

    Magnitude times ``1 + σ_m z0``; direction turned by the small-angle vector
    ``σ_p (z1, z2)`` (on two axes normal to the burn) by an exact rotation of
    its length. A zero burn stays zero.
    """
    dv = np.ascontiguousarray(np.broadcast_to(dv, z.shape), dtype=np.float64)
    out = np.empty_like(dv)
    _burn_errors_kernel(dv, np.ascontiguousarray(z), errors.sigma_fraction, errors.sigma_rad, out)
    return out


def _check_sampling(samples, seed, tcm_days) -> tuple[int, int, float]:
    """The sample count (2 to :data:`MAX_SAMPLES`), the seed (>= 0) and the correction epoch (> 0 days), checked."""
    n = checks.integer(samples, "samples", "the number of samples", least=2)
    if n > MAX_SAMPLES:
        raise InputError(f"{n:,} samples would not fit in memory here: at most {MAX_SAMPLES:,} "
                         "(for more, run several seeds)", "samples")
    seed = checks.integer(seed, "seed", "the seed", least=0)
    tcm = checks.positive(tcm_days, "tcm_days", "the correction's time after departure", "days")
    return n, seed, tcm


def _fly_samples(g, aim_vec, axes, t_tcm, n_total, seed, errors, state_errors, tcm_errors, progress) -> dict:
    """Steps 1 to 4 of the module notes for every sample, in chunks: the arrays of :attr:`Dispersions.table`."""
    from sojourn.core.bplane import linear_bplane
    from sojourn.core.kepler import propagate_batch
    from sojourn.core.lambert import lambert_batch
    from sojourn.core.status import OK
    from sojourn.progress import reporting

    T, R = axes
    t1, t2 = g["t1"], g["t2"]
    names = ("bt_km", "br_km", "vinf_kms", "bt_after_tcm_km", "br_after_tcm_km", "vinf_after_tcm_kms", "tcm_dv_kms")
    out = {k: np.empty(n_total) for k in names}
    out["tcm_status"] = np.empty(n_total, dtype=np.int8)
    rng = np.random.Generator(np.random.PCG64(int(seed)))
    sig_r = state_errors.position_km_1sigma
    sig_v = state_errors.velocity_ms_1sigma / 1000.0
    with reporting(progress, n_total, "dispersion samples") as advance:
        for start in range(0, n_total, CHUNK):
            n = min(CHUNK, n_total - start)
            sl = slice(start, start + n)
            z = rng.standard_normal((n, _N_NORMALS))
            vinf = _apply_burn_errors(g["vinf_dep"], z[:, 0:3], errors)
            r0 = g["r1"] + sig_r * z[:, 3:6]
            v0 = g["v_dep"] + vinf + sig_v * z[:, 6:9]
            # coast to the correction epoch, then on to the nominal arrival epoch
            rc, vc, _ = propagate_batch(GM_SUN, r0, v0, t_tcm - t1)
            ra, va, _ = propagate_batch(GM_SUN, rc, vc, t2 - t_tcm)
            out["bt_km"][sl], out["br_km"][sl], out["vinf_kms"][sl], _ = linear_bplane(
                ra - g["r2"] + aim_vec, va - g["v_arr"], T, R)
            # the correction: re-target the nominal arrival point at the nominal epoch
            vl, _, st = lambert_batch(GM_SUN, rc, np.broadcast_to(g["r2"], (n, 3)), t2 - t_tcm, reference=g["h"])
            dv = vl - vc
            out["tcm_status"][sl] = st
            out["tcm_dv_kms"][sl] = np.where(st == OK, np.linalg.norm(dv, axis=1), np.nan)
            dv_exec = _apply_burn_errors(np.where((st == OK)[:, None], dv, 0.0), z[:, 9:12], tcm_errors)
            ra2, va2, _ = propagate_batch(GM_SUN, rc, vc + dv_exec, t2 - t_tcm)
            out["bt_after_tcm_km"][sl], out["br_after_tcm_km"][sl], out["vinf_after_tcm_kms"][sl], _ = linear_bplane(
                ra2 - g["r2"] + aim_vec, va2 - g["v_arr"], T, R)
            advance(n)
    failed = out["tcm_status"] != OK
    out["bt_after_tcm_km"][failed] = np.nan
    out["br_after_tcm_km"][failed] = np.nan
    return out


def _samples_table(out: dict, target: ArrivalTarget):
    """The samples as an xarray Dataset along ``sample``, with the corridor values (see :attr:`Dispersions.table`)."""
    import xarray as xr

    value = target.corridor_value(out["vinf_kms"], np.hypot(out["bt_km"], out["br_km"]))
    value_c = target.corridor_value(out["vinf_after_tcm_kms"], np.hypot(out["bt_after_tcm_km"],
                                                                         out["br_after_tcm_km"]))
    unit = {"km": "km", "deg": "degrees"}[target.unit]
    what = "periapsis altitude" if target.kind == "periapsis" else "entry flight-path angle"
    units = {"bt_km": "km", "br_km": "km", "vinf_kms": "km/s", "bt_after_tcm_km": "km", "br_after_tcm_km": "km",
             "vinf_after_tcm_kms": "km/s", "tcm_dv_kms": "km/s"}
    data = {k: ("sample", out[k], {"units": u}) for k, u in units.items()}
    data["tcm_status"] = ("sample", out["tcm_status"], {"long_name": "Lambert status of the correction (0: solved)"})
    data["corridor_value"] = ("sample", value, {"units": unit, "long_name": what})
    data["corridor_value_after_tcm"] = ("sample", value_c, {"units": unit, "long_name": f"{what} after the correction"})
    return xr.Dataset(data, coords={"sample": np.arange(out["bt_km"].size)})


def run_dispersions(leg, target: ArrivalTarget, *, samples: int = 100_000, seed: int = 0,
                    errors: BurnErrors = BurnErrors(), state_errors: StateErrors = StateErrors(),
                    tcm_errors: Optional[BurnErrors] = None, tcm_days: float = 10.0, ephemeris=None,
                    scenario_name: Optional[str] = None, progress=None) -> Dispersions:
    """Monte Carlo of a leg's departure errors, mapped to the target's B-plane, with one correction.

    The engine of :func:`dispersions`, for a leg and a target already made.

    Parameters
    ----------
    leg : Leg
        A leg of a :class:`~sojourn.mission.plan.Plan`, or one from
        :meth:`sojourn.mission.plan.Leg.between`.
    target : ArrivalTarget
        Aim and corridor (:func:`arrival_target`); its body must be ``leg.destination``.
    samples : int
        Number of samples (2 to :data:`MAX_SAMPLES`).
    seed : int
        Seed of ``numpy.random.Generator(PCG64(seed))``.
    errors : BurnErrors
        Departure v∞ errors (3σ).
    state_errors : StateErrors
        Departure position and velocity errors (1σ per axis).
    tcm_errors : BurnErrors, optional
        Execution errors of the correction burn; default ``errors``.
    tcm_days : float
        Days from departure to the correction burn, strictly inside the leg.
    ephemeris : Ephemeris or str, optional
    scenario_name : str, optional
        The mission's name, for the result.
    progress : callable, optional
        ``progress(done, total, label)`` as samples are done (:mod:`sojourn.progress`).

    Returns
    -------
    Dispersions

    Raises
    ------
    InputError
        Too few or too many samples, a negative seed, a correction epoch
        outside the leg, a target that is not the leg's.
    NoSolutionError
        The nominal leg itself has no Lambert solution.
    """
    from sojourn.core.bplane import bplane_axes
    from sojourn.ephemeris import resolve_ephemeris

    n_total, seed, tcm_days = _check_sampling(samples, seed, tcm_days)
    if get_body(leg.destination).name != target.body:
        raise InputError(f"the target is {target.body} but the leg arrives at {leg.destination}", "target")
    tof = float(leg.t_arrive) - float(leg.t_depart)
    if not tcm_days * DAY < tof:
        raise InputError(f"the correction must fall inside the leg: 0 < tcm_days < {tof / DAY:.1f}, not {tcm_days:g}",
                         "tcm_days")
    tcm_errors = errors if tcm_errors is None else tcm_errors
    eph = resolve_ephemeris(ephemeris)
    g = leg_arc(leg, eph)
    vinf_arr = float(np.linalg.norm(g["vinf_arr"]))
    _, T, R = bplane_axes(g["vinf_arr"])
    b_aim, th = target.aim_b(vinf_arr), math.radians(target.aim_angle_deg)
    aim_bt, aim_br = b_aim * math.cos(th), b_aim * math.sin(th)
    out = _fly_samples(g, aim_bt * T + aim_br * R, (T, R), g["t1"] + tcm_days * DAY, n_total, seed, errors,
                       state_errors, tcm_errors, progress)
    return Dispersions(
        leg=leg, target=target, errors=errors, tcm_errors=tcm_errors, state_errors=state_errors,
        samples=n_total, seed=seed, tcm_days=tcm_days, vinf_arrival_kms=vinf_arr, aim_bt_km=aim_bt,
        aim_br_km=aim_br, table=_samples_table(out, target), ephemeris=eph.name, scenario_name=scenario_name)


def _error_model(magnitude_pct, pointing_deg, position_km, velocity_ms, tcm_magnitude_pct, tcm_pointing_deg):
    """(departure BurnErrors, correction BurnErrors, StateErrors) from :func:`dispersions`' arguments, checked."""
    errors = BurnErrors(*_check_burn(magnitude_pct, pointing_deg, ("magnitude_pct", "pointing_deg")))
    tcm_errors = BurnErrors(*_check_burn(magnitude_pct if tcm_magnitude_pct is None else tcm_magnitude_pct,
                                         pointing_deg if tcm_pointing_deg is None else tcm_pointing_deg,
                                         ("tcm_magnitude_pct", "tcm_pointing_deg")))
    state_errors = StateErrors(checks.non_negative(position_km, "position_km", "position error", "km"),
                               checks.non_negative(velocity_ms, "velocity_ms", "velocity error", "m/s"))
    return errors, tcm_errors, state_errors


def dispersions(plan_or_scenario, *, leg: str = "outbound", samples: int = 100_000, seed: int = 0,
                magnitude_pct: float = 0.5, pointing_deg: float = 0.5, position_km: float = 0.0,
                velocity_ms: float = 0.0, tcm_days: float = 10.0, tcm_magnitude_pct: Optional[float] = None,
                tcm_pointing_deg: Optional[float] = None, corridor_km: Optional[float] = None,
                corridor_deg: Optional[float] = None, entry_fpa_deg: Optional[float] = None,
                aim_angle_deg: float = 0.0, step_days: Optional[float] = None, ephemeris=None,
                progress=None) -> Dispersions:
    """Burn errors on a plan's leg, mapped to the target's B-plane; one correction burn; corridor misses.

    The method is in the module notes (:mod:`sojourn.contingency.dispersions`).

    Parameters
    ----------
    plan_or_scenario : Plan, Scenario, str or os.PathLike
        A plan from :func:`sojourn.plan`, or a scenario (or its TOML file), planned first.
    leg : {"outbound", "return"}
        Which leg of the plan.
    samples, seed : int
        Monte Carlo samples (2 to 20,000,000) and the PCG64 seed: the same seed
        gives the same numbers, and a longer run begins with a shorter one's samples.
    magnitude_pct, pointing_deg : float
        Departure v∞ errors: magnitude (% of v∞) and pointing (degrees, per axis), 3σ.
    position_km, velocity_ms : float
        Departure position (km) and velocity (m/s) errors, 1σ per axis.
    tcm_days : float
        Days after departure of the correction burn (inside the leg).
    tcm_magnitude_pct, tcm_pointing_deg : float, optional
        The correction burn's errors (3σ); default the departure burn's.
    corridor_km, corridor_deg : float, optional
        Corridor half-width: ± periapsis altitude for a propulsive arrival (km,
        default 50), ± flight-path angle for an entry or aerocapture (degrees, default 1).
    entry_fpa_deg : float, optional
        Aimed entry flight-path angle, degrees (default Earth -6.5, Mars -12).
    aim_angle_deg : float
        Aim point direction in the B-plane, degrees from ``+T`` towards ``+R``.
    step_days : float, optional
        The plan's grid step when a scenario is planned (default the scenario's).
    ephemeris : Ephemeris or str, optional
        An :class:`~sojourn.ephemeris.Ephemeris` or the path of an SPK file; default DE421.
    progress : callable, optional
        ``progress(done, total, label)`` while planning and sampling (:mod:`sojourn.progress`).

    Returns
    -------
    Dispersions
        The samples as an xarray Dataset (``table``), their statistics
        (``stats``) and ``to_dict()`` as the command line's JSON.

    Raises
    ------
    InputError
        An argument out of range or one that does not apply to the leg's
        arrival, naming the parameter; a Plan without its scenario.
    ScenarioError, NoSolutionError
        A scenario that cannot be read or planned.

    Examples
    --------
    >>> import sojourn as sj
    >>> d = sj.dispersions("examples/ulysses.toml", samples=2000, seed=1)
    >>> d.target.kind, d.target.nominal
    ('periapsis', 250.0)
    >>> d.stats["corridor_after_tcm"]["miss_probability"] < d.stats["corridor"]["miss_probability"]
    True
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.plan import Plan, as_plan, scenario_of, transit_leg

    # every argument is checked before the plan is searched
    errors, tcm_errors, state_errors = _error_model(magnitude_pct, pointing_deg, position_km, velocity_ms,
                                                    tcm_magnitude_pct, tcm_pointing_deg)
    _check_sampling(samples, seed, tcm_days)
    scenario = scenario_of(plan_or_scenario)
    target = arrival_target(scenario, leg, corridor_km=corridor_km, corridor_deg=corridor_deg,
                            entry_fpa_deg=entry_fpa_deg, aim_angle_deg=aim_angle_deg)
    eph = resolve_ephemeris(ephemeris)
    plan = as_plan(plan_or_scenario if isinstance(plan_or_scenario, Plan) else scenario, ephemeris=eph,
                   step_days=step_days, progress=progress)
    _, chosen = transit_leg(plan, leg)
    if chosen.flybys:  # the departure's errors land first at the flyby: its aim, on the first arc
        if entry_fpa_deg is not None or corridor_deg is not None:
            raise InputError(f"the {leg} leg flies by {chosen.flybys[0].body} first: its dispersions are mapped to "
                             "that flyby's periapsis, not to an entry",
                             "entry_fpa_deg" if entry_fpa_deg is not None else "corridor_deg")
        chosen, target = chosen.arcs[0], flyby_target(chosen.flybys[0], corridor_km=corridor_km)
    return run_dispersions(chosen, target, samples=samples, seed=seed, errors=errors, state_errors=state_errors,
                           tcm_errors=tcm_errors, tcm_days=tcm_days, ephemeris=eph, scenario_name=plan.scenario_name,
                           progress=progress)
