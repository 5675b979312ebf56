"""Tests of the rocket equation (sojourn.core.rocket).

Hand-computed cases with their arithmetic in comments (reference numbers
evaluated with Python's ``decimal`` at 40 digits, quoted to 16 significant
digits), identities between the functions (round trips), batch/scalar
equivalence, and NaN without warnings for inputs outside the domain.
"""

from __future__ import annotations

import math
import warnings
from decimal import Decimal, getcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sojourn.bodies import get_body
from sojourn.core.patched_conics import apoapsis_from_period, capture_dv
from sojourn.core.rocket import (
    dv_from_masses,
    exhaust_speed,
    final_mass,
    propellant_for_dv,
    stage_dv_capacity,
)

REL = 1e-14


def test_exhaust_speed():
    # g0 = 980.665 cm/s² exactly (3rd CGPM, 1901); 450 s * 9.80665 m/s² = 4412.99250 m/s = 4.4129925 km/s
    assert exhaust_speed(450.0) == pytest.approx(4.4129925, rel=1e-15)
    assert exhaust_speed(300.0) == pytest.approx(2.941995, rel=1e-15)


def test_closed_form_isp_450_dv_3_6():
    # ve = 4.4129925 km/s; dv/ve = 3.6 / 4.4129925 = 0.8157728...
    # exp(-0.8157728) = 0.4422973124719597 -> m_prop/m0 = 1 - 0.4422973124719597 = 0.5577026875280403
    assert propellant_for_dv(1.0, 3.6, 450.0) == pytest.approx(0.5577026875280403, rel=REL)
    assert propellant_for_dv(1.0, 3.6, 450.0) == pytest.approx(1.0 - math.exp(-3.6 / 4.4129925), rel=REL)
    assert final_mass(1.0, 3.6, 450.0) == pytest.approx(0.4422973124719597, rel=REL)
    # 100 t before the burn: 55.77026875280403 t of propellant
    assert propellant_for_dv(100_000.0, 3.6, 450.0) == pytest.approx(55770.26875280403, rel=REL)


def test_curtis_example_8_4_propellant_fraction():
    # Curtis Ex. 8.4: Δv = 3.589650599372648 km/s (see test_patched_conics), Isp = 300 s.
    # With G0 = 9.80665: ve = 2.941995 km/s, Δv/ve = 1.220142, 1 - exp(-1.220142) = 0.7048116460340030
    # (Curtis takes g0 = 9.81 m/s² and gets 0.7046886 -> "70.5 %"; both round to 70.5 %.)
    frac = propellant_for_dv(1.0, 3.589650599372648, 300.0)
    assert frac == pytest.approx(0.7048116460340030, rel=REL)
    assert round(float(frac) * 100.0, 1) == 70.5


def test_mars_capture_propellant():
    # 100 t arriving at v∞ = 2.65 km/s, capture into 250 km x 1 sol with Δv = 0.8982474089130108 km/s
    # (test_patched_conics), Isp = 320 s: ve = 3.138128 km/s, Δv/ve = 0.2862370,
    # m_prop = 1e5 (1 - exp(-0.2862370)) = 24891.51883102535 kg
    mars = get_body("mars")
    rp = mars.radius_km + 250.0
    ra = apoapsis_from_period(mars.gm_km3s2, rp, 88775.244)  # the sol as test_patched_conics works it
    dv = capture_dv(mars.gm_km3s2, 2.65, rp, ra)
    assert propellant_for_dv(100_000.0, dv, 320.0) == pytest.approx(24891.51883102535, rel=1e-13)


def test_stage_dv_capacity():
    # payload 10 t, dry 2 t, propellant 18 t, Isp 450 s:
    # Δv = 4.4129925 ln(30000/12000) = 4.4129925 * 0.9162907318741551 = 4.043584127580157 km/s
    dv = stage_dv_capacity(10_000.0, 2_000.0, 18_000.0, 450.0)
    assert dv == pytest.approx(4.043584127580157, rel=REL)
    assert dv == pytest.approx(dv_from_masses(30_000.0, 12_000.0, 450.0), rel=1e-15)
    # burning that Δv from 30 t uses exactly the 18 t
    assert propellant_for_dv(30_000.0, dv, 450.0) == pytest.approx(18_000.0, rel=REL)
    # no propellant, no Δv; no payload, still a finite Δv from the dry mass
    assert stage_dv_capacity(10_000.0, 2_000.0, 0.0, 450.0) == 0.0
    assert stage_dv_capacity(0.0, 2_000.0, 18_000.0, 450.0) == pytest.approx(4.4129925 * math.log(10.0), rel=REL)


def test_small_burn_keeps_its_digits():
    # dv = 1e-9 km/s (1 µm/s), Isp 300 s: m_prop = m0 (1 - exp(-x)), x = 1e-9/2.941995,
    # evaluated at 40 digits; the naive 1 - exp(-x) would keep only ~7 digits here.
    getcontext().prec = 40
    x = Decimal("1e-9") / (Decimal(300) * Decimal("9.80665") / 1000)
    ref = 1000 * (1 - (-x).exp())
    assert propellant_for_dv(1000.0, 1e-9, 300.0) == pytest.approx(float(ref), rel=1e-15)


@settings(max_examples=300, deadline=None)
@given(
    m0=st.floats(1.0, 1e7),
    dv=st.floats(0.01, 12.0),
    isp=st.floats(200.0, 1000.0),
)
def test_round_trip(m0, dv, isp):
    # propellant_for_dv -> final mass -> dv_from_masses gives dv back to rounding:
    # the only error is the rounding of mf = m0 - m_prop, relative ~ulp / (dv/ve)
    # < 1e-16 / 1e-3 here.
    mp = propellant_for_dv(m0, dv, isp)
    mf = m0 - mp
    assert dv_from_masses(m0, mf, isp) == pytest.approx(dv, rel=1e-12)
    assert final_mass(m0, dv, isp) == pytest.approx(mf, rel=1e-13)
    assert dv_from_masses(m0, final_mass(m0, dv, isp), isp) == pytest.approx(dv, rel=1e-12)


def test_zero_burn():
    assert propellant_for_dv(1000.0, 0.0, 450.0) == 0.0
    assert final_mass(1000.0, 0.0, 450.0) == 1000.0
    assert dv_from_masses(1000.0, 1000.0, 450.0) == 0.0


_CASES = [
    (exhaust_speed, (np.array([300.0, 450.0, 900.0]),)),
    (propellant_for_dv, (np.array([1e3, 5e4, 2e5]), np.array([0.0, 1.0, 3.6]), np.array([320.0, 450.0, 900.0]))),
    (final_mass, (1e5, np.array([0.5, 1.0, 3.6]), 450.0)),
    (dv_from_masses, (np.array([1e3, 5e4, 2e5]), np.array([1e3, 3e4, 1e4]), 450.0)),
    (stage_dv_capacity, (np.array([0.0, 1e4, 5e4]), 2e3, np.array([1e3, 18e3, 0.0]), 320.0)),
]


@pytest.mark.parametrize("func,args", _CASES, ids=[c[0].__name__ for c in _CASES])
def test_batch_equals_scalar_calls(func, args):
    out = func(*args)
    assert out.shape == (3,) and np.all(np.isfinite(out))
    bargs = np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in args])
    for i in range(3):
        one = func(*[float(b[i]) for b in bargs])
        assert np.ndim(one) == 0 and one == out[i]
    assert np.array_equal(func(*[b.tolist() for b in bargs]), out)


def test_broadcasting_grid():
    m0 = np.array([[1e4], [1e5]])
    dv = np.linspace(0.0, 6.0, 5)
    grid = propellant_for_dv(m0, dv, 450.0)
    assert grid.shape == (2, 5)
    assert grid[1, 3] == propellant_for_dv(1e5, 4.5, 450.0)


_BAD = [
    (exhaust_speed, [(0.0,), (-300.0,), (np.nan,), (np.inf,)]),
    (propellant_for_dv, [(-1.0, 1.0, 450.0), (1e3, -1.0, 450.0), (1e3, 1.0, 0.0), (np.inf, 1.0, 450.0),
                         (1e3, np.nan, 450.0)]),
    (final_mass, [(-1.0, 1.0, 450.0), (1e3, -0.1, 450.0), (1e3, 1.0, -450.0)]),
    (dv_from_masses, [(1e3, 0.0, 450.0), (1e3, 2e3, 450.0), (1e3, -5.0, 450.0), (1e3, 500.0, 0.0),
                      (np.inf, 500.0, 450.0)]),
    (stage_dv_capacity, [(-1.0, 2e3, 1e4, 450.0), (1e4, -2e3, 1e4, 450.0), (1e4, 2e3, -1.0, 450.0),
                         (0.0, 0.0, 1e4, 450.0), (1e4, 2e3, 1e4, 0.0)]),
]


@pytest.mark.parametrize("func,bad", _BAD, ids=[b[0].__name__ for b in _BAD])
def test_invalid_inputs_give_nan_without_warnings(func, bad):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for args in bad:
            assert np.isnan(func(*args)), args
        good = next(c[1] for c in _CASES if c[0] is func)
        mixed = [
            np.concatenate([np.broadcast_to(np.asarray(gi, dtype=float), (3,)), [bi]])
            for gi, bi in zip(good, bad[0])
        ]
        out = func(*mixed)
        assert np.all(np.isfinite(out[:3])) and np.isnan(out[3])
