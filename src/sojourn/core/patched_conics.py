"""Patched-conic formulas: speeds and impulsive burns at either end of a leg.

A heliocentric transfer (from :mod:`sojourn.core.lambert`) gives the hyperbolic
excess speed v∞ at each planet; these formulas turn it into the burns a
vehicle makes in the planet's sphere of influence: leaving a parking orbit,
capturing into an orbit or raising periapsis after an aerocapture pass. Every
one is two-body energy (vis-viva) and angular momentum bookkeeping with
impulsive burns at periapsis or apoapsis, coplanar and tangential. Swing-bys
(turn angle, powered flybys, their B-plane) live in :mod:`sojourn.core.flyby`.

Units are km, s, km/s and radians (degrees only where a name says so). Every
public function takes scalars or array_like and broadcasts like a numpy ufunc;
underneath, one compiled loop (:mod:`sojourn.core.elementwise`, cached, loaded on
first use) applies a scalar ``njit`` formula to each element. No element raises:
an input outside a function's domain (a radius <= 0, v∞ < 0, an apoapsis
below the periapsis, mu <= 0 ...) gives NaN in that element (``False`` for the
boolean test), and NaN inputs give NaN. Differences of nearly equal speeds are
computed as (a² - b²)/(a + b) so that small burns keep their digits.

The scalar formulas (private names ``_departure_dv`` etc.) can be called from
other numba kernels.

Notes
-----
Sources for the formulas: Curtis, H. D., *Orbital Mechanics for Engineering
Students*, ch. 8 "Interplanetary trajectories" (planetary departure,
rendezvous and flyby); Vallado, D. A., *Fundamentals of Astrodynamics and
Applications*, 4th ed. (2013), ch. 12 "Interplanetary mission analysis".
Gravitational parameters and radii are not defined here: take them from
:func:`sojourn.bodies.get_body` (DE440 GM values, IAU radii).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = [
    "aerocapture_dv",
    "apoapsis_from_period",
    "capture_dv",
    "circular_speed",
    "declination_reachable",
    "departure_dv",
    "ellipse_hyperbola_dv",
    "entry_speed",
    "escape_speed",
    "hyperbola_periapsis_speed",
    "mars_orbit_departure_dv",
    "plane_change_deg",
    "plane_change_departure_dv",
]

from sojourn.constants import MARS_SOL_S  # noqa: E402  (for the examples below)
from sojourn.core.elementwise import apply  # noqa: E402

_NAN = math.nan
_PI = math.pi


# --------------------------------------------------------------------------
# scalar formulas (one element each; the domain checks are written so that a
# NaN input fails them) and the loop that applies them to arrays
# --------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def _circular_speed(mu, r):
    if not (mu > 0.0 and r > 0.0):
        return _NAN
    return math.sqrt(mu / r)


@njit(cache=True, error_model="numpy")
def _escape_speed(mu, r):
    if not (mu > 0.0 and r > 0.0):
        return _NAN
    return math.sqrt(2.0 * mu / r)


@njit(cache=True, error_model="numpy")
def _hyperbola_speed(mu, vinf, r):
    if not (mu > 0.0 and r > 0.0 and vinf >= 0.0):
        return _NAN
    return math.sqrt(vinf * vinf + 2.0 * mu / r)


@njit(cache=True, error_model="numpy")
def _departure_dv(mu, r, vinf):
    if not (mu > 0.0 and r > 0.0 and vinf >= 0.0):
        return _NAN
    vc2 = mu / r
    # sqrt(vinf² + 2 vc²) - vc, without cancellation
    return (vinf * vinf + vc2) / (math.sqrt(vinf * vinf + 2.0 * vc2) + math.sqrt(vc2))


@njit(cache=True, error_model="numpy")
def _ellipse_hyperbola_dv(mu, vinf, rp, ra):
    if not (mu > 0.0 and rp > 0.0 and ra >= rp and vinf >= 0.0):
        return _NAN
    vesc2 = 2.0 * mu / rp
    v_hyp2 = vinf * vinf + vesc2
    v_ell2 = vesc2 / (1.0 + rp / ra)  # 2mu/rp - 2mu/(rp+ra); ra = inf gives escape speed
    # v_hyp - v_ell = (v_hyp² - v_ell²)/(v_hyp + v_ell); v_hyp² - v_ell² = vinf² + 2mu/(rp+ra)
    return (vinf * vinf + 2.0 * mu / (rp + ra)) / (math.sqrt(v_hyp2) + math.sqrt(v_ell2))


@njit(cache=True, error_model="numpy")
def _apoapsis_from_period(mu, rp, period):
    if not (mu > 0.0 and rp > 0.0 and period > 0.0 and math.isfinite(period)):
        return _NAN
    n = period / (2.0 * _PI)
    a = (mu * n * n) ** (1.0 / 3.0)
    ra = 2.0 * a - rp
    if ra < rp * (1.0 - 1e-12):
        return _NAN  # the period is shorter than that of the circular orbit at rp
    return max(ra, rp)


@njit(cache=True, error_model="numpy")
def _aerocapture_dv(mu, rp_target, ra_target, r_atm):
    if not (mu > 0.0 and r_atm > 0.0 and rp_target >= r_atm and ra_target >= rp_target
            and math.isfinite(ra_target)):
        return _NAN
    ra = ra_target
    # apoapsis speed of an ellipse (rp, ra): sqrt(2mu/ra * rp/(rp+ra))
    x = rp_target / (rp_target + ra)
    y = r_atm / (r_atm + ra)
    x_minus_y = ra * (rp_target - r_atm) / ((rp_target + ra) * (r_atm + ra))
    return math.sqrt(2.0 * mu / ra) * x_minus_y / (math.sqrt(x) + math.sqrt(y))


@njit(cache=True, error_model="numpy")
def _plane_change_departure_dv(mu, vinf, rp, ra, di):
    if not (mu > 0.0 and rp > 0.0 and ra >= rp and vinf >= 0.0 and 0.0 <= di <= _PI):
        return _NAN
    vesc2 = 2.0 * mu / rp
    vh = math.sqrt(vinf * vinf + vesc2)
    ve = math.sqrt(vesc2 / (1.0 + rp / ra))
    # |vh - ve|² + 4 vh ve sin²(di/2) = vh² + ve² - 2 vh ve cos(di), without cancellation
    tangential = (vinf * vinf + 2.0 * mu / (rp + ra)) / (vh + ve)
    s = math.sin(0.5 * di)
    return math.sqrt(tangential * tangential + 4.0 * vh * ve * s * s)


@njit(cache=True, error_model="numpy")
def _plane_change_deg(dla_deg, inclination_deg):
    if not (0.0 <= inclination_deg <= 180.0) or not math.isfinite(dla_deg):
        return _NAN
    return max(0.0, abs(dla_deg) - min(inclination_deg, 180.0 - inclination_deg))


@njit(cache=True, error_model="numpy")
def _declination_reachable(dla_deg, inclination_deg):
    if not (0.0 <= inclination_deg <= 180.0):
        return False
    return abs(dla_deg) <= min(inclination_deg, 180.0 - inclination_deg)


# the formulas' numbers in _loop
(_CIRCULAR, _ESCAPE, _HYPERBOLA, _DEPARTURE, _ELLIPSE_HYPERBOLA, _APOAPSIS, _AEROCAPTURE,
 _PLANE_CHANGE_DEPARTURE, _PLANE_CHANGE, _REACHABLE) = range(10)


@njit(cache=True)
def _loop(which, x):
    """Formula ``which`` at every column of ``x`` (one argument a row), the module's one compiled loop."""
    n = x.shape[1]
    out = np.empty(n)
    for i in range(n):
        if which == _CIRCULAR:
            out[i] = _circular_speed(x[0, i], x[1, i])
        elif which == _ESCAPE:
            out[i] = _escape_speed(x[0, i], x[1, i])
        elif which == _HYPERBOLA:
            out[i] = _hyperbola_speed(x[0, i], x[1, i], x[2, i])
        elif which == _DEPARTURE:
            out[i] = _departure_dv(x[0, i], x[1, i], x[2, i])
        elif which == _ELLIPSE_HYPERBOLA:
            out[i] = _ellipse_hyperbola_dv(x[0, i], x[1, i], x[2, i], x[3, i])
        elif which == _APOAPSIS:
            out[i] = _apoapsis_from_period(x[0, i], x[1, i], x[2, i])
        elif which == _AEROCAPTURE:
            out[i] = _aerocapture_dv(x[0, i], x[1, i], x[2, i], x[3, i])
        elif which == _PLANE_CHANGE_DEPARTURE:
            out[i] = _plane_change_departure_dv(x[0, i], x[1, i], x[2, i], x[3, i], x[4, i])
        elif which == _PLANE_CHANGE:
            out[i] = _plane_change_deg(x[0, i], x[1, i])
        else:
            out[i] = 1.0 if _declination_reachable(x[0, i], x[1, i]) else 0.0
    return out


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


def circular_speed(mu, r):
    """Speed on a circular orbit, sqrt(mu / r).

    Parameters
    ----------
    mu : float or array_like
        Gravitational parameter of the central body, km^3/s^2.
    r : float or array_like
        Orbit radius (from the body's centre, not altitude), km.

    Returns
    -------
    float or ndarray
        Circular speed, km/s; NaN where mu <= 0 or r <= 0.
    """
    return apply(_loop, _CIRCULAR, mu, r)


def escape_speed(mu, r):
    """Escape speed (parabolic speed) at radius r, sqrt(2 mu / r).

    Parameters
    ----------
    mu : float or array_like
        Gravitational parameter, km^3/s^2.
    r : float or array_like
        Radius, km.

    Returns
    -------
    float or ndarray
        Escape speed, km/s; NaN where mu <= 0 or r <= 0.
    """
    return apply(_loop, _ESCAPE, mu, r)


def hyperbola_periapsis_speed(mu, vinf, rp):
    """Speed at periapsis of a hyperbola of excess speed vinf, sqrt(vinf² + 2 mu / rp).

    Parameters
    ----------
    mu : float or array_like
        Gravitational parameter, km^3/s^2.
    vinf : float or array_like
        Hyperbolic excess speed v∞, km/s (>= 0; 0 is the parabola).
    rp : float or array_like
        Periapsis radius, km.

    Returns
    -------
    float or ndarray
        Periapsis speed, km/s; NaN where mu <= 0, rp <= 0 or vinf < 0.
    """
    return apply(_loop, _HYPERBOLA, mu, vinf, rp)


def entry_speed(mu, vinf, r_interface):
    """Speed at the atmospheric entry interface on an arrival hyperbola.

    Energy conservation on the approach hyperbola: sqrt(vinf² + 2 mu / r).
    This is the inertial (planet-centred, non-rotating) speed; the speed
    relative to the rotating atmosphere differs by up to the surface rotation
    speed (0.24 km/s at the Mars equator).

    Parameters
    ----------
    mu : float or array_like
        Gravitational parameter, km^3/s^2.
    vinf : float or array_like
        Arrival hyperbolic excess speed, km/s (>= 0).
    r_interface : float or array_like
        Radius of the entry interface (body radius + interface altitude,
        e.g. 3396.19 + 125 km at Mars), km.

    Returns
    -------
    float or ndarray
        Entry speed, km/s; NaN where mu <= 0, r_interface <= 0 or vinf < 0.
    """
    return apply(_loop, _HYPERBOLA, mu, vinf, r_interface)


def departure_dv(mu, r_park, vinf):
    """Burn to leave a circular parking orbit onto a departure hyperbola.

    One tangential impulse at the hyperbola's periapsis:
    Δv = sqrt(vinf² + 2 mu / r_park) - sqrt(mu / r_park). The launch energy is
    C3 = vinf² (km²/s²), so pass ``vinf = sqrt(c3)``.

    Parameters
    ----------
    mu : float or array_like
        Gravitational parameter of the departure body, km^3/s^2.
    r_park : float or array_like
        Parking-orbit radius (body radius + altitude), km.
    vinf : float or array_like
        Hyperbolic excess speed v∞, km/s (>= 0).

    Returns
    -------
    float or ndarray
        Δv, km/s; NaN where mu <= 0, r_park <= 0 or vinf < 0.

    Notes
    -----
    Assumes the parking orbit's plane contains the outgoing asymptote; see
    :func:`declination_reachable` for when that needs no plane change.
    Computed as (vinf² + mu/r) / (sqrt(vinf² + 2mu/r) + sqrt(mu/r)), the same
    number without the cancellation of the difference form.

    Examples
    --------
    C3 = 9 km²/s² from a 400 km circular orbit about the Earth:

    >>> round(float(departure_dv(398600.435507, 6378.1366 + 400.0, 3.0)), 6)
    3.583711
    """
    return apply(_loop, _DEPARTURE, mu, r_park, vinf)


def declination_reachable(dla_deg, inclination_deg):
    """Can a parking orbit reach this outgoing asymptote without a plane change?

    Every direction in the plane of an orbit of inclination i has a
    declination |δ| <= min(i, 180° - i) (i for prograde orbits, the usual
    case; 180° - i for retrograde ones). So the departure asymptote's
    declination (DLA) can lie in the parking-orbit plane only if
    |DLA| <= min(i, 180° - i); then the right node (launch time) puts it
    there. Otherwise the departure burn must also turn the plane.

    Parameters
    ----------
    dla_deg : float or array_like
        Declination of the launch asymptote (equatorial frame of the body),
        degrees.
    inclination_deg : float or array_like
        Parking-orbit inclination to the same equator, degrees, in [0, 180].

    Returns
    -------
    bool or ndarray of bool
        True where reachable. ``False`` (not NaN: the result is boolean)
        where an input is NaN or the inclination lies outside [0, 180].
    """
    return apply(_loop, _REACHABLE, dla_deg, inclination_deg, boolean=True)


def plane_change_deg(dla_deg, inclination_deg):
    """The plane change a parking orbit needs to hold a departure asymptote, degrees.

    Δi = max(0, |DLA| - min(i, 180° - i)): nothing when the asymptote's
    declination is reachable (:func:`declination_reachable`), else the
    smallest rotation of the orbit plane that brings the asymptote into it.

    Parameters
    ----------
    dla_deg : float or array_like
        Declination of the departure asymptote, degrees.
    inclination_deg : float or array_like
        Parking-orbit inclination to the same equator, degrees, in [0, 180].

    Returns
    -------
    float or ndarray
        Degrees (>= 0); NaN where an input is NaN or the inclination is outside [0, 180].

    Examples
    --------
    DRA 5.0's 2037 departure asymptote (DLA -54.8°) from a 28.5° orbit:

    >>> round(float(plane_change_deg(-54.8, 28.5)), 1)
    26.3
    """
    return apply(_loop, _PLANE_CHANGE, dla_deg, inclination_deg)


def plane_change_departure_dv(mu, vinf, rp, ra, plane_change_rad):
    """One burn at periapsis from an ellipse rp × ra onto a hyperbola in a plane turned by Δi.

    The burn joins the ellipse's periapsis velocity v_e and the hyperbola's
    periapsis velocity v_h (sharing the periapsis, their planes Δi apart):
    Δv = sqrt(v_e² + v_h² - 2 v_e v_h cos Δi). With Δi = 0 it is
    :func:`ellipse_hyperbola_dv` (:func:`departure_dv` for a circular orbit,
    ``ra = rp``).

    Parameters
    ----------
    mu : float or array_like
        Gravitational parameter, km^3/s^2.
    vinf : float or array_like
        Hyperbolic excess speed, km/s (>= 0).
    rp, ra : float or array_like
        Periapsis and apoapsis radii of the parking orbit, km (ra >= rp).
    plane_change_rad : float or array_like
        Plane change Δi, radians, in [0, π] (:func:`plane_change_deg`).

    Returns
    -------
    float or ndarray
        Δv, km/s; NaN outside the domain.

    Notes
    -----
    Computed as sqrt((v_h - v_e)² + 4 v_h v_e sin²(Δi/2)) with v_h - v_e in the
    cancellation-free form of :func:`ellipse_hyperbola_dv`. The whole plane
    change is made at periapsis, combined with the departure burn; splitting
    it (part at a distant apoapsis) would cost less and is not modelled.

    Examples
    --------
    C3 = 9 km²/s² from a 400 km circular Earth orbit, with and without a 10° plane change:

    >>> r = 6378.1366 + 400.0
    >>> round(float(plane_change_departure_dv(398600.435507, 3.0, r, r, 0.0)), 6)
    3.583711
    >>> round(float(plane_change_departure_dv(398600.435507, 3.0, r, r, np.radians(10.0))), 3)
    3.933
    """
    return apply(_loop, _PLANE_CHANGE_DEPARTURE, mu, vinf, rp, ra, plane_change_rad)


def ellipse_hyperbola_dv(mu, vinf, rp, ra):
    """Burn at periapsis between an ellipse rp × ra and a hyperbola of excess vinf.

    The two conics share the periapsis rp and the burn is tangential there:
    Δv = sqrt(vinf² + 2 mu / rp) - sqrt(2 mu / rp - 2 mu / (rp + ra)). By
    symmetry it is the same burn whether it captures (hyperbola to ellipse,
    :func:`capture_dv`) or departs (ellipse to hyperbola,
    :func:`mars_orbit_departure_dv`).

    Parameters
    ----------
    mu : float or array_like
        Gravitational parameter, km^3/s^2.
    vinf : float or array_like
        Hyperbolic excess speed, km/s (>= 0).
    rp : float or array_like
        Periapsis radius of both conics, km.
    ra : float or array_like
        Apoapsis radius of the ellipse, km, >= rp; ``ra = rp`` is the circular
        orbit and ``ra = inf`` the parabola.

    Returns
    -------
    float or ndarray
        Δv (a positive magnitude), km/s; NaN where mu <= 0, rp <= 0,
        ra < rp or vinf < 0.

    Notes
    -----
    Computed as (vinf² + 2mu/(rp + ra)) / (v_hyp + v_ell), the same number
    without cancellation. For an orbit given by its period instead of its
    apoapsis use :func:`apoapsis_from_period`.
    """
    return apply(_loop, _ELLIPSE_HYPERBOLA, mu, vinf, rp, ra)


def capture_dv(mu, vinf, rp, ra):
    """Orbit-insertion burn: from the arrival hyperbola into an ellipse rp × ra.

    Δv = sqrt(vinf² + 2 mu / rp) - sqrt(2 mu / rp - 2 mu / (rp + ra)), a
    retrograde tangential burn at the hyperbola's periapsis rp (see
    :func:`ellipse_hyperbola_dv`, which this calls).

    Parameters
    ----------
    mu : float or array_like
        Gravitational parameter of the arrival body, km^3/s^2.
    vinf : float or array_like
        Arrival hyperbolic excess speed, km/s (>= 0).
    rp : float or array_like
        Periapsis radius (body radius + altitude), km.
    ra : float or array_like
        Apoapsis radius of the capture orbit, km, >= rp (``ra = rp`` for a
        circular orbit).

    Returns
    -------
    float or ndarray
        Δv, km/s; NaN where mu <= 0, rp <= 0, ra < rp or vinf < 0.

    Examples
    --------
    Into a 250 km × 1 sol orbit at Mars from v∞ = 2.65 km/s:

    >>> mu, rp = 42828.375816, 3396.19 + 250.0
    >>> ra = apoapsis_from_period(mu, rp, MARS_SOL_S)
    >>> round(float(capture_dv(mu, 2.65, rp, ra)), 6)
    0.898247
    """
    return apply(_loop, _ELLIPSE_HYPERBOLA, mu, vinf, rp, ra)


def mars_orbit_departure_dv(mu, vinf, rp, ra):
    """Burn to leave an ellipse rp × ra from its periapsis onto a hyperbola.

    The trans-Earth injection from a Mars parking orbit: the reverse of
    :func:`capture_dv`, and the same number by symmetry,
    Δv = sqrt(vinf² + 2 mu / rp) - sqrt(2 mu / rp - 2 mu / (rp + ra)).
    Works for any body, despite the name.

    Parameters
    ----------
    mu : float or array_like
        Gravitational parameter, km^3/s^2.
    vinf : float or array_like
        Departure hyperbolic excess speed, km/s (>= 0).
    rp : float or array_like
        Periapsis radius of the parking ellipse, km; the burn is made there.
    ra : float or array_like
        Apoapsis radius, km, >= rp.

    Returns
    -------
    float or ndarray
        Δv, km/s; NaN where mu <= 0, rp <= 0, ra < rp or vinf < 0.

    Notes
    -----
    Assumes the ellipse's line of apsides is aligned with the departure
    asymptote (periapsis where the hyperbola needs it); a misaligned orbit
    needs more.
    """
    return apply(_loop, _ELLIPSE_HYPERBOLA, mu, vinf, rp, ra)


def apoapsis_from_period(mu, rp, period_s):
    """Apoapsis radius of the ellipse with periapsis rp and the given period.

    a = (mu (T / 2π)²)^(1/3) and ra = 2a - rp, so that an orbit such as
    "250 km × 1 sol" at Mars can be given by its period
    (``period_s = MARS_SOL_S``).

    Parameters
    ----------
    mu : float or array_like
        Gravitational parameter, km^3/s^2.
    rp : float or array_like
        Periapsis radius, km.
    period_s : float or array_like
        Orbital period, s.

    Returns
    -------
    float or ndarray
        Apoapsis radius, km; NaN where mu <= 0, rp <= 0, the period is not
        positive and finite, or the period is shorter than the circular
        orbit's at rp (then no ellipse has that periapsis). A period equal to
        the circular one, to 1e-12 relative in ra, returns ``rp``.
    """
    return apply(_loop, _APOAPSIS, mu, rp, period_s)


def aerocapture_dv(mu, rp_target, ra_target, r_atm):
    """Periapsis-raise burn that ends an aerocapture.

    After the atmospheric pass the vehicle leaves the atmosphere on an ellipse
    whose periapsis r_atm lies inside it and whose apoapsis is ra_target. At
    that apoapsis one prograde burn raises the periapsis to rp_target:
    Δv = v_apo(rp_target, ra_target) - v_apo(r_atm, ra_target), with
    v_apo(rp, ra) = sqrt(2 mu rp / (ra (rp + ra))). Only that burn is
    counted: not the drag pass, nor any apoapsis correction for exit errors.

    Parameters
    ----------
    mu : float or array_like
        Gravitational parameter, km^3/s^2.
    rp_target : float or array_like
        Periapsis radius of the target orbit, km, >= r_atm.
    ra_target : float or array_like
        Apoapsis radius of the target orbit (and of the exit ellipse), km,
        finite and >= rp_target.
    r_atm : float or array_like
        Radius of the atmospheric interface (body radius + interface
        altitude, e.g. 3396.19 + 125 km at Mars), km; the periapsis of the
        exit ellipse.

    Returns
    -------
    float or ndarray
        Δv, km/s; NaN where mu <= 0, r_atm <= 0, rp_target < r_atm,
        ra_target < rp_target or ra_target is not finite.

    Notes
    -----
    Computed as sqrt(2mu/ra) (x - y)/(sqrt x + sqrt y), x = rp/(rp + ra),
    y = r_atm/(r_atm + ra), with x - y formed exactly in closed form.
    """
    return apply(_loop, _AEROCAPTURE, mu, rp_target, ra_target, r_atm)
