"""Mars24: solar longitude, sol date and solar times of Mars from Terrestrial Time, compiled and batched.

The steps of NASA GISS's Mars24 algorithm (Allison & McEwen 2000, Planet. Space
Sci. 48:215, with the revisions of giss.nasa.gov/tools/mars24/help/algorithm.html),
on days of TT past J2000 (JD 2451545.0 TT):

* B-1 mean anomaly M = 19.3871 + 0.52402073 d (deg);
* B-2 fictitious mean Sun alpha_FMS = 270.3871 + 0.524038496 d (deg);
* B-3 perturbers PBS = sum A_i cos(0.985626 d / tau_i + phi_i) (deg, seven terms);
* B-4 equation of centre nu - M = (10.691 + 3e-7 d) sin M + 0.623 sin 2M
  + 0.050 sin 3M + 0.005 sin 4M + 0.0005 sin 5M + PBS (deg);
* B-5 Ls = alpha_FMS + (nu - M);
* C-1 EOT = 2.861 sin 2Ls - 0.071 sin 4Ls + 0.002 sin 6Ls - (nu - M) (deg);
* C-2 MSD = (d - 4.5) / 1.0274912517 + 44796.0 - 0.0009626 (sols);
* C-3 to C-5 MTC = 24 frac(MSD), LMST = MTC + east longitude / 15, LTST = LMST + EOT / 15 (hours);
* D-5 solar declination = asin(0.42565 sin Ls) + 0.25 sin Ls (deg).

Plain floats in and out, no dates; one element never affects another.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sojourn.constants import MARS_SOL_DAYS
from sojourn.core.threads import SERIAL_BELOW

_DAY_S = 86400.0
_M0, _M_RATE = 19.3871, 0.52402073  # B-1, deg and deg/day
_FMS0, _FMS_RATE = 270.3871, 0.524038496  # B-2, deg and deg/day
_PBS_A = (0.0071, 0.0057, 0.0039, 0.0037, 0.0021, 0.0020, 0.0018)  # B-3 amplitudes, deg
_PBS_TAU = (2.2353, 2.7543, 1.1177, 15.7866, 2.1354, 2.4694, 32.8493)  # periods, Julian years
_PBS_PHI = (49.409, 168.173, 191.837, 21.736, 15.704, 95.528, 49.095)  # phases, deg
_PBS_RATE = 0.985626  # deg/day, 360 / 365.25
_MSD_OFFSET_DAYS = 4.5  # C-2: MSD counts from 2000-01-06 00:00 TT ...
_MSD_AT_OFFSET = 44796.0 - 0.0009626  # ... where it is 44 796 less 0.0009626 sol
MARS_YEAR_OF_FIRST_TURN = 24
"""Mars year (Clancy et al. 2000) of unwrapped Ls in [0, 360): year 24 ran from 1998-07-14 to 2000-05-31."""
_RAD = math.pi / 180.0


@njit(cache=True)
def orbit_one(days):
    """Steps B-1 to B-5 for one epoch, days of TT past J2000.

    Returns
    -------
    m, fms, pbs, centre, ls_unwrapped : float
        Mean anomaly, fictitious mean Sun, perturbers, equation of centre (nu - M)
        and Ls before reduction to 0-360, all degrees.
    """
    m_deg = _M0 + _M_RATE * days
    pbs = 0.0
    for k in range(7):
        pbs += _PBS_A[k] * math.cos((_PBS_RATE * days / _PBS_TAU[k] + _PBS_PHI[k]) * _RAD)
    s1 = math.sin(m_deg * _RAD)
    c1 = math.cos(m_deg * _RAD)
    s2 = 2.0 * s1 * c1
    c2 = 1.0 - 2.0 * s1 * s1
    s3 = s2 * c1 + c2 * s1
    s4 = 2.0 * s2 * c2
    c4 = 1.0 - 2.0 * s2 * s2
    s5 = s4 * c1 + c4 * s1
    centre = (10.691 + 3.0e-7 * days) * s1 + 0.623 * s2 + 0.050 * s3 + 0.005 * s4 + 0.0005 * s5 + pbs
    fms = _FMS0 + _FMS_RATE * days
    return m_deg, fms, pbs, centre, fms + centre


def _mars24_loop(tt_s, lon_deg, msd, mtc, lmst, ltst, eot_min, ls_deg, year, dec_deg):
    n = tt_s.shape[0]
    one_lon = lon_deg.shape[0] == 1
    for i in prange(n):
        days = tt_s[i] / _DAY_S
        _, _, _, centre, ls_unwrapped = orbit_one(days)
        turns = math.floor(ls_unwrapped / 360.0)
        ls = ls_unwrapped - 360.0 * turns
        sl2 = math.sin(2.0 * ls * _RAD)
        cl2 = math.cos(2.0 * ls * _RAD)
        sl4 = 2.0 * sl2 * cl2
        cl4 = 1.0 - 2.0 * sl2 * sl2
        sl6 = sl4 * cl2 + cl4 * sl2
        eot = 2.861 * sl2 - 0.071 * sl4 + 0.002 * sl6 - centre
        sol = (days - _MSD_OFFSET_DAYS) / MARS_SOL_DAYS + _MSD_AT_OFFSET
        clock = 24.0 * (sol - math.floor(sol))
        lon = lon_deg[0] if one_lon else lon_deg[i]
        local = clock + lon / 15.0
        local -= 24.0 * math.floor(local / 24.0)
        true = local + eot / 15.0
        true -= 24.0 * math.floor(true / 24.0)
        sin_ls = math.sin(ls * _RAD)
        msd[i] = sol
        mtc[i] = clock
        lmst[i] = local
        ltst[i] = true
        eot_min[i] = 4.0 * eot
        ls_deg[i] = ls
        year[i] = np.int64(turns) + MARS_YEAR_OF_FIRST_TURN
        dec_deg[i] = math.asin(0.42565 * sin_ls) / _RAD + 0.25 * sin_ls


_mars24_parallel = njit(cache=True, parallel=True)(_mars24_loop)
_mars24_serial = njit(cache=True)(_mars24_loop)


def mars24_batch(tt_s, east_lon_deg):
    """Mars24 for many epochs at one longitude or one longitude each.

    Parameters
    ----------
    tt_s : array_like, shape (N,)
        TT seconds past J2000 (s).
    east_lon_deg : array_like, shape (N,) or (1,)
        Planetocentric east longitude, degrees.

    Returns
    -------
    tuple of numpy.ndarray, shape (N,)
        MSD (sols), MTC, LMST, LTST (hours, 0-24), EOT (LTST - LMST, minutes),
        Ls (deg, 0-360), Mars year (int64), solar declination (deg).
    """
    tt = np.ascontiguousarray(tt_s, dtype=np.float64)
    lon = np.ascontiguousarray(east_lon_deg, dtype=np.float64)
    n = tt.shape[0]
    out = [np.empty(n) for _ in range(6)]
    year = np.empty(n, dtype=np.int64)
    dec = np.empty(n)
    kernel = _mars24_serial if n < SERIAL_BELOW else _mars24_parallel
    kernel(tt, lon, *out, year, dec)
    return (*out, year, dec)
