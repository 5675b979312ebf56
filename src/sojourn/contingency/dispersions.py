"""Where a leg really arrives: Monte Carlo of burn errors, the B-plane, the correction burn.

A designed leg is a Lambert arc: it leaves the departure planet's centre with
the heliocentric velocity ``v_planet + v∞`` and reaches the target's centre at
the nominal arrival epoch. The vessel aims not at the centre but at a point of
the target's B-plane (:mod:`sojourn.core.bplane`) chosen so that the approach
hyperbola has the scenario's periapsis (a capture) or flight-path angle at
the entry interface (an entry or aerocapture). Real burns miss their mark.
:func:`run_dispersions` samples the errors and follows every sample:

1. **Departure errors.** The departure v∞ the burn delivers is dispersed in
   magnitude (``magnitude_pct_3sigma``, % of v∞, 3σ) and direction
   (``pointing_deg_3sigma``, degrees, 3σ per axis of two perpendicular axes);
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

import math
from dataclasses import dataclass, field
from typing import Literal, Optional

import numpy as np
from numba import njit, prange

from sojourn.bodies import GM_SUN, get_body
from sojourn.errors import InputError
from sojourn.mission.trajectory import leg_arc
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
    "ellipse_from_covariance",
    "run_dispersions",
]

CHUNK = 65536
#: Most samples in one run (about 80 bytes each are kept).
MAX_SAMPLES = 20_000_000
"""Samples per batch (fixed, so that a seed gives the same samples whatever the total)."""

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


@dataclass(frozen=True)
class BurnErrors:
    """Proportional execution errors of an impulsive burn.

    Attributes
    ----------
    magnitude_pct_3sigma : float
        Magnitude error, percent of the burn, 3σ (Gaussian).
    pointing_deg_3sigma : float
        Pointing error, degrees, 3σ about each of two axes normal to the burn
        (so the total angle is Rayleigh-distributed).
    """

    magnitude_pct_3sigma: float = 0.5
    pointing_deg_3sigma: float = 0.5

    def __post_init__(self):
        for name in ("magnitude_pct_3sigma", "pointing_deg_3sigma"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0.0):
                raise InputError(f"{name} must be a finite number >= 0, got {value}", name)
        if self.magnitude_pct_3sigma >= 100.0:
            raise InputError("magnitude_pct_3sigma must be below 100 %", "magnitude_pct_3sigma")
        if self.pointing_deg_3sigma > 90.0:
            raise InputError("pointing_deg_3sigma must be at most 90°", "pointing_deg_3sigma")

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
        for name in ("position_km_1sigma", "velocity_ms_1sigma"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0.0):
                raise InputError(f"{name} must be a finite number >= 0, got {value}", name)


@dataclass(frozen=True)
class ArrivalTarget:
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

    def to_json(self) -> dict:
        out = {"body": self.body, "kind": self.kind, "unit": self.unit, "nominal": self.nominal,
               "corridor": [self.nominal - self.half_width, self.nominal + self.half_width],
               "aim_angle_deg": self.aim_angle_deg}
        if self.kind == "entry":
            out["interface_altitude_km"] = self.interface_altitude_km
        return out


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
        Aimed entry flight-path angle, degrees (< 0); default
        :data:`ENTRY_FPA_DEG` for the body (-10° for a body not listed).
    aim_angle_deg : float
        Aim-point direction in the B-plane, degrees from ``+T`` towards ``+R``.

    Returns
    -------
    ArrivalTarget
        A ``"periapsis"`` target for ``mode = "propulsive"``; an ``"entry"``
        target for ``"entry"`` and ``"aerocapture"`` (the aerocapture pass is
        aimed like an entry; its exit orbit is not modelled here).
    """
    if leg not in ("outbound", "return"):
        raise InputError(f"unknown leg '{leg}': use outbound or return", "--leg")
    section = scenario.arrival if leg == "outbound" else scenario.return_
    body = get_body(scenario.mission.destination if leg == "outbound" else scenario.mission.origin)
    for name, value in (("corridor_km", corridor_km), ("corridor_deg", corridor_deg)):
        if value is not None and not (math.isfinite(value) and value > 0.0):
            raise InputError(f"the corridor half-width must be > 0, got {value}", f"--{name.replace('_', '-')}")
    if not math.isfinite(aim_angle_deg):
        raise InputError("the aim angle must be a finite number", "--aim-angle-deg")
    # an option for the other kind of arrival would be silently ignored: say so instead
    unused = (("corridor_deg", corridor_deg), ("entry_fpa_deg", entry_fpa_deg)) if section.mode == "propulsive" \
        else (("corridor_km", corridor_km),)
    kind = "propulsive capture" if section.mode == "propulsive" else section.mode
    for name, value in unused:
        option = f"--{name.replace('_', '-')}"
        if value is not None:
            raise InputError(f"the {leg} leg ends in {kind}: {option} does not apply to it", option)
    if section.mode == "propulsive":
        return ArrivalTarget(body.name, body.gm_km3s2, body.radius_km, "periapsis",
                             periapsis_altitude_km=float(section.periapsis_altitude_km),
                             half_width=CORRIDOR_KM if corridor_km is None else float(corridor_km),
                             aim_angle_deg=float(aim_angle_deg))
    fpa = ENTRY_FPA_DEG.get(body.name, -10.0) if entry_fpa_deg is None else float(entry_fpa_deg)
    if not (-90.0 < fpa < 0.0):
        raise InputError(f"the entry flight-path angle must be between -90° and 0°, got {fpa}", "--entry-fpa-deg")
    return ArrivalTarget(body.name, body.gm_km3s2, body.radius_km, "entry",
                         interface_altitude_km=float(section.entry_interface_altitude_km), entry_fpa_deg=fpa,
                         half_width=CORRIDOR_DEG if corridor_deg is None else float(corridor_deg),
                         aim_angle_deg=float(aim_angle_deg))


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


@dataclass
class Dispersions:
    """Result of :func:`run_dispersions`: samples on the B-plane and their statistics.

    Attributes
    ----------
    leg : dict
        ``from``, ``to``, ``depart``, ``arrive`` (UTC), ``t_depart``, ``t_arrive``.
    target : ArrivalTarget
    errors, tcm_errors : BurnErrors
    state_errors : StateErrors
    samples, seed : int
    tcm_days : float
        Days from departure to the correction burn.
    vinf_arrival_kms : float
        Nominal approach v∞, km/s.
    aim_bt_km, aim_br_km : float
        The aim point, km.
    bt, br : ndarray, shape (samples,)
        Each sample's B-plane point without the correction burn, km.
    corridor_value : ndarray
        Its periapsis altitude (km) or entry flight-path angle (deg, NaN: skip-out).
    tcm_dv_kms : ndarray
        The correction burn of each sample, km/s (NaN where Lambert failed).
    bt_tcm, br_tcm, corridor_value_tcm : ndarray
        The same after the correction burn (executed with ``tcm_errors``).
    tcm_failures : int
        Samples whose correction Lambert problem had no solution.
    stats : dict
        Everything :meth:`to_json` reports.
    """

    leg: "Leg"
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
    bt: np.ndarray
    br: np.ndarray
    corridor_value: np.ndarray
    tcm_dv_kms: np.ndarray
    bt_tcm: np.ndarray
    br_tcm: np.ndarray
    corridor_value_tcm: np.ndarray
    tcm_failures: int
    ephemeris: str = ""
    stats: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """The statistics as a JSON-ready dict (no arrays; None where the physics gives no number)."""
        leg = {k: (float(v) if isinstance(v, (float, np.floating)) else v)
               for k, v in self.leg.to_dict().items() if k in ("from", "to", "depart", "arrive", "tof_days")}
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
            "target": self.target.to_json(),
            "vinf_arrival_kms": self.vinf_arrival_kms,
            "aim_point": {"bt_km": self.aim_bt_km, "br_km": self.aim_br_km,
                          "b_km": math.hypot(self.aim_bt_km, self.aim_br_km),
                          "corridor_b_km": list(self.target.corridor_b(self.vinf_arrival_kms)),
                          "impact_b_km": self.target.impact_b(self.vinf_arrival_kms)},
            **self.stats,
        }


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


def run_dispersions(leg: "Leg", target: ArrivalTarget, *, samples: int = 100_000, seed: int = 0,
                    errors: BurnErrors = BurnErrors(), state_errors: StateErrors = StateErrors(),
                    tcm_errors: Optional[BurnErrors] = None, tcm_days: float = 10.0, ephemeris=None,
                    progress=None) -> Dispersions:
    """Monte Carlo of a leg's departure errors, mapped to the target's B-plane, with one correction.

    Parameters
    ----------
    leg : dict
        ``from``, ``to``, ``t_depart``, ``t_arrive`` (TDB s): a leg of a
        :class:`~sojourn.mission.plan.Plan` or from :meth:`sojourn.mission.plan.Leg.between`.
    target : ArrivalTarget
        Aim and corridor (:func:`arrival_target`); its body must be ``leg.destination``.
    samples : int
        Number of samples (>= 2).
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
    progress : callable, optional
        ``progress(done, total, label)`` as samples are done (:mod:`sojourn.progress`).

    Returns
    -------
    Dispersions

    Raises
    ------
    InputError
        Too few samples, a negative seed, a correction epoch outside the leg,
        a target that is not the leg's.
    NoSolutionError
        The nominal leg itself has no Lambert solution.
    """
    from sojourn.core.bplane import bplane_axes, linear_bplane
    from sojourn.core.kepler import propagate_batch
    from sojourn.core.lambert import lambert_batch
    from sojourn.core.status import OK
    from sojourn.ephemeris import resolve_ephemeris

    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 2:
        raise InputError(f"the number of samples must be an integer >= 2, got {samples}", "--samples")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"the seed must be an integer >= 0, got {seed}", "--seed")
    if get_body(leg.destination).name != target.body:
        raise InputError(f"the target is {target.body} but the leg arrives at {leg.destination}", "target")
    tof = float(leg.t_arrive) - float(leg.t_depart)
    if not (math.isfinite(tcm_days) and 0.0 < tcm_days * DAY < tof):
        raise InputError(f"the correction must fall inside the leg: 0 < tcm_days < {tof / DAY:.1f}, got {tcm_days}",
                         "--tcm-days")
    tcm_errors = errors if tcm_errors is None else tcm_errors
    eph = resolve_ephemeris(ephemeris)
    g = leg_arc(leg, eph)
    t1, t2 = g["t1"], g["t2"]
    t_tcm = t1 + tcm_days * DAY
    vinf_dep = g["vinf_dep"]
    vinf_arr = float(np.linalg.norm(g["vinf_arr"]))
    S, T, R = bplane_axes(g["vinf_arr"])
    b_aim = target.aim_b(vinf_arr)
    th = math.radians(target.aim_angle_deg)
    aim_bt, aim_br = b_aim * math.cos(th), b_aim * math.sin(th)
    aim_vec = aim_bt * T + aim_br * R

    n_total = int(samples)
    if n_total > MAX_SAMPLES:
        raise InputError(f"{n_total:,} samples would not fit in memory here: at most {MAX_SAMPLES:,} "
                         "(for more, run several seeds)", "--samples")
    bt = np.empty(n_total)
    br = np.empty(n_total)
    vinf_s = np.empty(n_total)
    bt_c = np.empty(n_total)
    br_c = np.empty(n_total)
    vinf_c = np.empty(n_total)
    dv_tcm = np.empty(n_total)
    tcm_status = np.empty(n_total, dtype=np.int8)
    rng = np.random.Generator(np.random.PCG64(int(seed)))
    sig_r = state_errors.position_km_1sigma
    sig_v = state_errors.velocity_ms_1sigma / 1000.0
    for start in range(0, n_total, CHUNK):
        n = min(CHUNK, n_total - start)
        sl = slice(start, start + n)
        z = rng.standard_normal((n, _N_NORMALS))
        vinf = _apply_burn_errors(vinf_dep, z[:, 0:3], errors)
        r0 = g["r1"] + sig_r * z[:, 3:6]
        v0 = g["v_dep"] + vinf + sig_v * z[:, 6:9]
        # coast to the correction epoch, then on to the nominal arrival epoch
        rc, vc, _ = propagate_batch(GM_SUN, r0, v0, t_tcm - t1)
        ra, va, _ = propagate_batch(GM_SUN, rc, vc, t2 - t_tcm)
        bt[sl], br[sl], vinf_s[sl], _ = linear_bplane(ra - g["r2"] + aim_vec, va - g["v_arr"], T, R)
        # the correction: re-target the nominal arrival point at the nominal epoch
        vl, _, st = lambert_batch(GM_SUN, rc, np.broadcast_to(g["r2"], (n, 3)), t2 - t_tcm, reference=g["h"])
        dv = vl - vc
        tcm_status[sl] = st
        dv_tcm[sl] = np.where(st == OK, np.linalg.norm(dv, axis=1), np.nan)
        dv_exec = _apply_burn_errors(np.where((st == OK)[:, None], dv, 0.0), z[:, 9:12], tcm_errors)
        ra2, va2, _ = propagate_batch(GM_SUN, rc, vc + dv_exec, t2 - t_tcm)
        bt_c[sl], br_c[sl], vinf_c[sl], _ = linear_bplane(ra2 - g["r2"] + aim_vec, va2 - g["v_arr"], T, R)
        if progress is not None:
            progress(start + n, n_total, "dispersion samples")

    failed = tcm_status != OK
    bt_c[failed] = np.nan
    br_c[failed] = np.nan
    value = target.corridor_value(vinf_s, np.hypot(bt, br))
    value_c = target.corridor_value(vinf_c, np.hypot(bt_c, br_c))
    valid = np.isfinite(bt) & np.isfinite(br)
    valid_c = np.isfinite(bt_c) & np.isfinite(br_c)
    ok_dv = dv_tcm[np.isfinite(dv_tcm)] * 1000.0
    if ok_dv.size:
        p50, p95, p99 = np.percentile(ok_dv, [50.0, 95.0, 99.0])
        tcm_stats = {"mean_ms": float(ok_dv.mean()), "median_ms": float(p50), "p95_ms": float(p95),
                     "p99_ms": float(p99), "max_ms": float(ok_dv.max())}
    else:  # pragma: no cover - every Lambert problem failed
        tcm_stats = {"mean_ms": None, "median_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    tcm_stats.update(epoch=tdb_to_utc_iso(t_tcm, "minute"), days_after_departure=float(tcm_days),
                     failures=int(failed.sum()))
    stats = {
        "bplane": _bplane_stats(bt, br),
        "corridor": _corridor_stats(target, value, valid),
        "tcm": tcm_stats,
        "bplane_after_tcm": _bplane_stats(bt_c, br_c),
        "corridor_after_tcm": _corridor_stats(target, value_c, valid_c),
    }
    return Dispersions(
        leg=leg, target=target, errors=errors, tcm_errors=tcm_errors, state_errors=state_errors,
        samples=n_total, seed=int(seed), tcm_days=float(tcm_days), vinf_arrival_kms=vinf_arr,
        aim_bt_km=aim_bt, aim_br_km=aim_br, bt=bt, br=br, corridor_value=value, tcm_dv_kms=dv_tcm,
        bt_tcm=bt_c, br_tcm=br_c, corridor_value_tcm=value_c, tcm_failures=int(failed.sum()),
        ephemeris=eph.name, stats=stats,
    )
