"""The crew's clocks: proper time against closed forms, against TT itself, GPS, and Mars's surface.

Sources
-------
* IAU 2000 Resolution B1.9 (L_G = 6.969290134e-10, TT from TCG) and IAU 2006 Resolution B3
  (L_B = 1.550519768e-8, TDB from TCB).
* Ashby, N. 2003, "Relativity in the Global Positioning System", Living Rev. Relativity 6:1: a GPS
  clock (circular orbit, a = 26 561.75 km) gains 45.7 us/day by altitude and loses 7.1 by speed,
  net +38.6 us/day against a clock on the geoid.
* Ashby, N. & Patla, B. R. (NIST), The Astronomical Journal, 2025 ("A Theoretical Framework for
  Establishing Coordinated Mars Time"): a clock on Mars's surface runs on average 477 us/day fast against
  one on Earth, varying by up to 226 us/day over the Mars year.
"""

import numpy as np
import pytest

from sojourn.bodies import BODIES, GM_SUN
from sojourn.constants import AU_KM, SPEED_OF_LIGHT_KMS
from sojourn.onboard.clocks import L_B, L_G, ClockOffset, clock_offset, clock_rate
from sojourn.errors import InputError
from sojourn.ephemeris import load_ephemeris
from sojourn.time import DAY, parse_utc

C2 = SPEED_OF_LIGHT_KMS ** 2
T0 = parse_utc("2033-04-25")


def _circle(radius_km, gm, t, phase=0.0, inclination=0.0):
    """Circular orbit (km, km/s) about the origin at epochs t (s from t[0])."""
    n = np.sqrt(gm / radius_km ** 3)
    th = n * (t - t[0]) + phase
    ci, si = np.cos(inclination), np.sin(inclination)
    r = radius_km * np.stack([np.cos(th), np.sin(th) * ci, np.sin(th) * si], axis=-1)
    v = n * radius_km * np.stack([-np.sin(th), np.cos(th) * ci, np.cos(th) * si], axis=-1)
    return r, v


def _ellipse_half(a_km, e, gm, n_samples):
    """Perihelion to aphelion of an ellipse: (elapsed s, r km, v km/s), by Kepler's equation."""
    period_half = np.pi * np.sqrt(a_km ** 3 / gm)
    t = np.linspace(0.0, period_half, n_samples)
    mean = np.sqrt(gm / a_km ** 3) * t
    ecc = mean.copy()
    for _ in range(50):
        ecc -= (ecc - e * np.sin(ecc) - mean) / (1.0 - e * np.cos(ecc))
    x, y = a_km * (np.cos(ecc) - e), a_km * np.sqrt(1 - e * e) * np.sin(ecc)
    edot = np.sqrt(gm / a_km ** 3) / (1.0 - e * np.cos(ecc))
    vx, vy = -a_km * np.sin(ecc) * edot, a_km * np.sqrt(1 - e * e) * np.cos(ecc) * edot
    zeros = np.zeros_like(t)
    return t, np.stack([x, y, zeros], -1), np.stack([vx, vy, zeros], -1)


def test_circular_heliocentric_orbit_matches_the_closed_form():
    # Sun alone, Sun at rest: d tau/d TCB = 1 - 3 GM / (2 r c^2); d TDB / d TCB = 1 - L_B
    t = T0 + np.linspace(0.0, 200 * DAY, 401)
    r, v = _circle(AU_KM, GM_SUN, t)
    res = clock_offset(t, r, v, bodies=(), barycentric=False)
    expected = (t[-1] - t[0]) * (1.0 - 1.5 * GM_SUN / (AU_KM * C2)) / (1.0 - L_B)
    assert res.proper_time_s == pytest.approx(expected, abs=1e-9)
    rate = clock_rate(t, r, v, bodies=(), barycentric=False)
    assert np.allclose(rate, (L_B - 1.5 * GM_SUN / (AU_KM * C2)) / (1.0 - L_B), rtol=1e-12, atol=0.0)


def test_half_an_ellipse_averages_three_halves_gm_over_a():
    # From perihelion to aphelion the time averages are <GM/r> = GM/a and <v^2/2> = GM/(2a):
    # the gained time is T ((1 - 3GM/(2 a c^2))/(1 - L_B) - 1) exactly. A Hohmann transfer to Mars.
    a, e = (AU_KM + 1.523679 * AU_KM) / 2.0, (1.523679 - 1.0) / (1.523679 + 1.0)
    dt, r, v = _ellipse_half(a, e, GM_SUN, 20001)
    res = clock_offset(T0 + dt, r, v, bodies=(), barycentric=False)
    expected = dt[-1] * ((L_B - 1.5 * GM_SUN / (a * C2)) / (1.0 - L_B))
    assert res.proper_time_s - res.tdb_elapsed_s == pytest.approx(expected, rel=1e-7)
    assert 0.08 < expected < 0.09  # 84 ms gained in 259 days


def test_a_clock_resting_on_earth_keeps_tt():
    # A clock at Earth's equatorial radius, not rotating, in the Sun's, the Moon's and the planets'
    # potentials, moving with Earth: it differs from a geoid clock (TT) only by the part of L_G the
    # point-mass model leaves out (rotation, oblateness): (L_G - GM_E / (R_E c^2)) per second. The
    # periodic TDB - TT (1.7 ms, from erfa's series) must come out of the integral over DE421 too.
    eph = load_ephemeris()
    t = parse_utc("2010-01-01") + np.arange(0.0, 4 * 365.25 * DAY, DAY / 8)
    r, v = eph.state("earth", t)
    res = clock_offset(t, r, v)
    earth = BODIES["earth"]
    expected = (L_G - earth.gm_km3s2 / (earth.radius_km * C2)) * res.tt_elapsed_s  # 199.5 us
    assert res.offset_s == pytest.approx(expected, abs=0.1e-6)
    assert res.max_rate - res.min_rate > 5e-10  # the rate against TDB swings with Earth's orbit


def test_gps_clocks_gain_38_6_microseconds_a_day():
    eph = load_ephemeris()
    gm, a = BODIES["earth"].gm_km3s2, 26561.75
    period = 2.0 * np.pi * np.sqrt(a ** 3 / gm)
    t = T0 + np.linspace(0.0, 2.0 * period, 4001)  # two whole orbits, one sidereal day
    r_sat, v_sat = _circle(a, gm, t, phase=0.3, inclination=np.radians(55.0))
    r_e, v_e = eph.state("earth", t)
    res = clock_offset(t, r_e + r_sat, v_e + v_sat)
    # Clocks are compared at the same TDB, so Earth's change of barycentric velocity over the day
    # shifts simultaneity by -(v_E(t1) - v_E(t0)) . r_sat / c^2 (0.15 us at most); take it out.
    v_bary = v_e + eph.sun_barycentric_state(t)[1]
    simultaneity = -np.dot(v_bary[-1] - v_bary[0], r_sat[0]) / C2
    per_day = (res.offset_s - simultaneity) / res.tt_elapsed_s * DAY * 1e6
    assert per_day == pytest.approx((L_G - 1.5 * gm / (a * C2)) * DAY * 1e6, abs=0.05)
    assert per_day == pytest.approx(38.6, abs=0.1)  # Ashby 2003: +45.7 - 7.1


def test_a_clock_on_mars_runs_about_477_microseconds_a_day_fast():
    # Mars's centre, taken at its equatorial radius, over three Mars years: 488 us/day here against
    # NIST's 477 (their areoid and averaging; the 2 % is not traced), the swing 372-583 against
    # "up to 226 us/day".
    eph = load_ephemeris()
    t = parse_utc("2000-01-01") + np.arange(0.0, 3 * 686.98 * DAY, DAY / 4)
    r, v = eph.state("mars", t)
    res = clock_offset(t, r, v)
    assert res.mean_rate_us_per_day == pytest.approx(477.0, rel=0.03)
    swing = (res.max_rate - res.min_rate) * DAY * 1e6
    assert 150.0 < swing < 260.0


def test_a_crew_on_a_transfer_to_mars_gains_tens_of_milliseconds():
    # Realistic: a Hohmann-type arc leaving from Earth's position, with every planet and the Sun's
    # motion. The Sun-only closed form (84 ms) holds to 2 %; the crew's clock ends *ahead*.
    eph = load_ephemeris()
    a, e = (AU_KM + 1.523679 * AU_KM) / 2.0, (1.523679 - 1.0) / (1.523679 + 1.0)
    dt, r, v = _ellipse_half(a, e, GM_SUN, 6001)
    r_e, _ = eph.state("earth", T0)
    angle = np.arctan2(r_e[1], r_e[0])
    rot = np.array([[np.cos(angle), -np.sin(angle), 0.0], [np.sin(angle), np.cos(angle), 0.0], [0.0, 0.0, 1.0]])
    r, v = r @ rot.T, v @ rot.T
    r[0] = r_e  # it starts at Earth's centre (taken at Earth's surface)
    res = clock_offset(T0 + dt, r, v)
    closed = dt[-1] * ((L_B - 1.5 * GM_SUN / (a * C2)) / (1.0 - L_B))
    assert res.offset_s > 0.0
    assert res.offset_s == pytest.approx(closed, rel=0.02)
    assert res.to_dict()["ahead"] is True


def test_result_record_and_summary():
    t = T0 + np.linspace(0.0, 10 * DAY, 11)
    r, v = _circle(AU_KM, GM_SUN, t)
    res = clock_offset(t, r, v, bodies=("Mars",))
    assert isinstance(res, ClockOffset) and res.bodies == ("mars",)
    d = res.to_dict()
    assert d["bodies"] == ["sun", "mars"] and d["ephemeris"] == "de421.bsp"
    assert d["days"] == pytest.approx(10.0, abs=1e-6)
    assert d["offset_ms"] == pytest.approx(res.offset_s * 1e3, abs=1e-6)
    assert repr(res).startswith("<ClockOffset offset=")


@pytest.mark.parametrize("t, r, where", [
    ([0.0], np.zeros((1, 3)), "t_tdb"),
    ([0.0, 0.0], np.ones((2, 3)), "t_tdb"),
    ([1.0, 0.0], np.ones((2, 3)), "t_tdb"),
    ([0.0, 1.0], np.ones((3, 3)), "r_km"),
    ([0.0, 1.0], np.full((2, 3), np.nan), "r_km"),
])
def test_bad_samples_are_refused(t, r, where):
    with pytest.raises(InputError) as err:
        clock_offset(t, r, np.ones_like(r), bodies=(), barycentric=False)
    assert err.value.where == where


def test_unknown_body_is_refused():
    t = np.array([0.0, DAY])
    with pytest.raises(InputError) as err:
        clock_offset(t, np.ones((2, 3)) * AU_KM, np.ones((2, 3)), bodies=("vulcan",))
    assert err.value.where == "bodies"
