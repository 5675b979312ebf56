"""The rocket equation: propellant, masses and Δv of impulsive burns.

Tsiolkovsky's equation Δv = ve ln(m0 / mf) with the effective exhaust speed
ve = Isp g0. Masses are in kg (any one mass unit works: only ratios enter),
Δv in km/s and specific impulse in s; so ve = Isp · G0 / 1000 km/s.

Every public function takes scalars or array_like and broadcasts like a numpy
ufunc; underneath, one compiled loop (:mod:`sojourn.core.elementwise`, cached,
loaded on first use) applies a scalar ``njit`` formula to each element. No element
raises: an input outside a function's domain (a negative mass or Δv, Isp <= 0,
a final mass above the initial one ...) gives NaN in that element, and NaN
inputs give NaN. Forms with ``expm1`` and ``log1p`` keep small burns exact to
rounding.

Notes
-----
G0 is the standard acceleration of gravity, 980.665 cm/s², fixed by the 3rd
General Conference on Weights and Measures (CGPM, 1901); it converts Isp in
seconds into an exhaust speed and has nothing to do with local gravity.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = [
    "dv_from_masses",
    "exhaust_speed",
    "final_mass",
    "propellant_for_dv",
    "stage_dv_capacity",
]

from sojourn.constants import G0_MS2
from sojourn.core.elementwise import apply

_KM_G0 = G0_MS2 / 1000.0  # km/s²: Isp (s) * _KM_G0 = exhaust speed (km/s)
_NAN = math.nan


@njit(cache=True, error_model="numpy")
def _exhaust_speed(isp):
    if not (isp > 0.0 and math.isfinite(isp)):
        return _NAN
    return isp * _KM_G0


@njit(cache=True, error_model="numpy")
def _propellant_for_dv(m0, dv, isp):
    if not (m0 >= 0.0 and math.isfinite(m0) and dv >= 0.0 and isp > 0.0 and math.isfinite(isp)):
        return _NAN
    # m0 (1 - exp(-dv/ve)) without cancellation for small dv
    return -m0 * math.expm1(-dv / (isp * _KM_G0))


@njit(cache=True, error_model="numpy")
def _final_mass(m0, dv, isp):
    if not (m0 >= 0.0 and math.isfinite(m0) and dv >= 0.0 and isp > 0.0 and math.isfinite(isp)):
        return _NAN
    return m0 * math.exp(-dv / (isp * _KM_G0))


@njit(cache=True, error_model="numpy")
def _dv_from_masses(m0, mf, isp):
    if not (mf > 0.0 and m0 >= mf and math.isfinite(m0) and isp > 0.0 and math.isfinite(isp)):
        return _NAN
    # ve ln(m0/mf) = ve ln(1 + (m0 - mf)/mf); m0 - mf is exact when mf >= m0/2
    return isp * _KM_G0 * math.log1p((m0 - mf) / mf)


@njit(cache=True, error_model="numpy")
def _stage_dv_capacity(payload, dry, propellant, isp):
    if not (payload >= 0.0 and dry >= 0.0 and propellant >= 0.0 and payload + dry > 0.0
            and math.isfinite(payload + dry + propellant) and isp > 0.0 and math.isfinite(isp)):
        return _NAN
    return isp * _KM_G0 * math.log1p(propellant / (payload + dry))


# the formulas' numbers in _loop
_EXHAUST, _PROPELLANT, _FINAL, _DV, _CAPACITY = range(5)


@njit(cache=True)
def _loop(which, x):
    """Formula ``which`` at every column of ``x`` (one argument a row), the module's one compiled loop."""
    n = x.shape[1]
    out = np.empty(n)
    for i in range(n):
        if which == _EXHAUST:
            out[i] = _exhaust_speed(x[0, i])
        elif which == _PROPELLANT:
            out[i] = _propellant_for_dv(x[0, i], x[1, i], x[2, i])
        elif which == _FINAL:
            out[i] = _final_mass(x[0, i], x[1, i], x[2, i])
        elif which == _DV:
            out[i] = _dv_from_masses(x[0, i], x[1, i], x[2, i])
        else:
            out[i] = _stage_dv_capacity(x[0, i], x[1, i], x[2, i], x[3, i])
    return out


def exhaust_speed(isp):
    """Effective exhaust speed of an engine, ve = Isp · G0 / 1000.

    Parameters
    ----------
    isp : float or array_like
        Specific impulse, s.

    Returns
    -------
    float or ndarray
        Exhaust speed, km/s; NaN where isp is not positive and finite.

    Examples
    --------
    >>> float(exhaust_speed(450.0))  # 450 * 9.80665 / 1000
    4.4129925
    """
    return apply(_loop, _EXHAUST, isp)


def propellant_for_dv(m0, dv, isp):
    """Propellant a burn of dv uses, starting from mass m0.

    m_prop = m0 (1 - exp(-dv / ve)), ve = Isp · G0 / 1000.

    Parameters
    ----------
    m0 : float or array_like
        Mass before the burn, kg (>= 0).
    dv : float or array_like
        Δv of the burn, km/s (>= 0).
    isp : float or array_like
        Specific impulse, s (> 0).

    Returns
    -------
    float or ndarray
        Propellant mass, kg; NaN where m0 < 0, dv < 0, isp <= 0 or m0 or isp
        is not finite.
    """
    return apply(_loop, _PROPELLANT, m0, dv, isp)


def final_mass(m0, dv, isp):
    """Mass left after a burn of dv from mass m0: m0 exp(-dv / ve).

    Parameters
    ----------
    m0 : float or array_like
        Mass before the burn, kg (>= 0).
    dv : float or array_like
        Δv of the burn, km/s (>= 0).
    isp : float or array_like
        Specific impulse, s (> 0).

    Returns
    -------
    float or ndarray
        Final mass, kg; NaN where m0 < 0, dv < 0, isp <= 0 or m0 or isp is
        not finite.
    """
    return apply(_loop, _FINAL, m0, dv, isp)


def dv_from_masses(m0, mf, isp):
    """Tsiolkovsky's equation: Δv = ve ln(m0 / mf).

    Parameters
    ----------
    m0 : float or array_like
        Mass before the burn, kg.
    mf : float or array_like
        Mass after the burn, kg, with 0 < mf <= m0.
    isp : float or array_like
        Specific impulse, s (> 0).

    Returns
    -------
    float or ndarray
        Δv, km/s; NaN where mf <= 0, mf > m0, isp <= 0 or m0 or isp is not
        finite.

    Notes
    -----
    Computed as ve log1p((m0 - mf) / mf). With ``mf = m0 -
    propellant_for_dv(m0, dv, isp)`` it returns ``dv`` to a relative error of
    a few ulp divided by dv / ve (the digits lost in forming mf itself).
    """
    return apply(_loop, _DV, m0, mf, isp)


def stage_dv_capacity(payload, dry, propellant, isp):
    """Δv a stage gives a payload by burning all its propellant.

    Δv = ve ln((payload + dry + propellant) / (payload + dry)).

    Parameters
    ----------
    payload : float or array_like
        Mass carried by the stage, kg (>= 0).
    dry : float or array_like
        Stage dry mass (structure, engines, tanks, residuals), kg (>= 0).
    propellant : float or array_like
        Usable propellant, kg (>= 0).
    isp : float or array_like
        Specific impulse, s (> 0).

    Returns
    -------
    float or ndarray
        Δv, km/s; NaN where a mass is negative or not finite,
        payload + dry = 0, or isp is not positive and finite.
    """
    return apply(_loop, _CAPACITY, payload, dry, propellant, isp)
