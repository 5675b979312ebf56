"""Light time, solar-conjunction blackouts and the link budget (sojourn.onboard.comms).

Published figures: the light time for one astronomical unit, tau_A = 499.004784 s
(IERS Conventions 2010, Table 1.1; au = 149597870.700 km by IAU 2012 Resolution B2);
Earth-Mars one-way light time from about 3 to about 22 minutes (references.md);
Mars solar conjunctions on 2021-10-08, 2023-11-18 and 2026-01-09 (NASA's announced
dates, the last one shared with Venus's superior conjunction of 2026-01-06);
Mars's synodic period, 779.94 days on average (NASA Mars Fact Sheet), between about
764 and 811 days; the free-space path loss in decibels, 20 log10(d/km) + 20 log10(f/GHz)
+ 92.45, and Boltzmann's constant, -228.6 dBW/(K Hz) (any telecommunications text,
e.g. Sklar, Digital Communications, ch. 5).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sojourn as sj
from sojourn.constants import AU_KM, SPEED_OF_LIGHT_KMS
from sojourn.onboard.comms import (
    LinkBudget,
    data_rate_bps,
    find_blackouts,
    light_time_s,
    received_power_w,
    sun_observer_target_angle_deg,
    transfer_time_s,
)
from sojourn.errors import EphemerisRangeError, InputError, UnknownBodyError
from sojourn.time import DAY, parse_utc

# --- light time and geometry -------------------------------------------------------------------


def test_light_time_of_one_au():
    assert light_time_s(AU_KM) == pytest.approx(499.004784, abs=1e-6)
    assert np.allclose(light_time_s(np.array([0.0, 2 * AU_KM])), [0.0, 2 * 499.00478383615643])


def test_angle_at_the_observer():
    obs = np.array([AU_KM, 0.0, 0.0])
    # target straight "up" from the observer: 90 degrees from the Sun
    assert sun_observer_target_angle_deg(obs, obs + [0.0, 1e6, 0.0]) == pytest.approx(90.0, abs=1e-12)
    # target behind the Sun, offset by a known small angle: atan2 keeps it exact
    far = 2.5 * AU_KM  # observer-target distance along -x
    tgt = np.array([AU_KM - far, far * math.tan(math.radians(1e-4)), 0.0])
    assert sun_observer_target_angle_deg(obs, tgt) == pytest.approx(1e-4, rel=1e-9)
    # the target at the observer: undefined, never a number pretending to be one
    assert np.isnan(sun_observer_target_angle_deg(obs, obs))


# --- blackouts on a constructed geometry --------------------------------------------------------


def _passing_target(offset_deg: float, speed_kms: float, t_c: float, behind_km: float = 1.5 * AU_KM):
    """Observer fixed at 1 au on +x; the target crosses the far side of the Sun on a straight line
    (y = v (t - t_c)) at a distance L = 1 au + behind_km from the observer, offset so that its
    closest angle is ``offset_deg``. tan(angle) = sqrt(y^2 + z^2) / L exactly."""
    obs = np.array([AU_KM, 0.0, 0.0])
    L = AU_KM + behind_km
    z = L * math.tan(math.radians(offset_deg))

    def angle(t):
        t = np.asarray(t, dtype=np.float64)
        tgt = np.stack([np.full(t.shape, -behind_km), speed_kms * (t - t_c), np.full(t.shape, z)], axis=-1)
        return sun_observer_target_angle_deg(obs, tgt)

    def half_width(threshold_deg):
        return math.sqrt((L * math.tan(math.radians(threshold_deg))) ** 2 - z ** 2) / speed_kms

    return angle, half_width


def test_blackout_on_a_constructed_geometry():
    t_c = 10.37 * DAY
    angle, half = _passing_target(0.5, 20.0, t_c)
    w = half(2.0)
    assert 4 * DAY < w < 8 * DAY  # a blackout of about ten days
    found = find_blackouts(angle, 0.0, 30 * DAY, 2.0)
    assert len(found) == 1
    b = found[0]
    assert b.start == pytest.approx(t_c - w, abs=0.01)
    assert b.end == pytest.approx(t_c + w, abs=0.01)
    assert b.days == pytest.approx(2 * w / DAY, abs=1e-6)
    assert b.t_min == pytest.approx(t_c, abs=60.0)
    assert b.min_angle_deg == pytest.approx(0.5, abs=1e-7)
    assert not b.open_start and not b.open_end
    # the ends are where the angle equals the threshold
    assert np.allclose(angle(np.array([b.start, b.end])), 2.0, atol=1e-8)


def test_blackout_shorter_than_the_sampling_step_is_found():
    t_c = 5.5 * DAY  # half-way between daily samples
    angle, half = _passing_target(1.9, 200.0, t_c)
    w = half(2.0)
    assert w < 0.5 * DAY  # every daily sample is above the threshold
    assert np.all(angle(np.arange(0.0, 11 * DAY, DAY)) > 2.0)
    found = find_blackouts(angle, 0.0, 10 * DAY, 2.0)
    assert len(found) == 1
    assert found[0].start == pytest.approx(t_c - w, abs=0.01)
    assert found[0].end == pytest.approx(t_c + w, abs=0.01)
    assert found[0].min_angle_deg == pytest.approx(1.9, abs=1e-7)


def test_blackout_already_under_way_is_open_ended():
    angle, half = _passing_target(0.5, 20.0, 0.0)
    w = half(2.0)
    found = find_blackouts(angle, -2 * DAY, 20 * DAY, 2.0)
    assert len(found) == 1 and found[0].open_start and not found[0].open_end
    assert found[0].start == -2 * DAY
    assert found[0].end == pytest.approx(w, abs=0.01)
    assert find_blackouts(angle, 10 * DAY, 20 * DAY, 2.0) == []


@pytest.mark.parametrize("threshold", [0.0, -1.0, 180.0, float("nan")])
def test_blackout_threshold_must_be_an_angle(threshold):
    angle, _ = _passing_target(0.5, 20.0, 0.0)
    with pytest.raises(InputError):
        find_blackouts(angle, 0.0, DAY, threshold)


# --- link budget -----------------------------------------------------------------------------------


def test_link_budget_against_the_decibel_link_equation():
    link = LinkBudget()
    d_km = 2.0 * AU_KM
    f_ghz = link.frequency_hz / 1e9
    fspl_db = 20 * math.log10(d_km) + 20 * math.log10(f_ghz) + 92.45
    gt_db = 10 * math.log10(link.transmit_efficiency) + 20 * math.log10(math.pi * link.transmit_diameter_m
                                                                        * link.frequency_hz / 299792458.0)
    gr_db = 10 * math.log10(link.receive_efficiency) + 20 * math.log10(math.pi * link.receive_diameter_m
                                                                       * link.frequency_hz / 299792458.0)
    pr_dbw = 10 * math.log10(link.transmit_power_w) + gt_db + gr_db - fspl_db
    assert 10 * math.log10(received_power_w(d_km, link)) == pytest.approx(pr_dbw, abs=0.01)
    n0_dbw = -228.6 + 10 * math.log10(link.system_noise_temperature_k)
    rate_db = pr_dbw - n0_dbw - link.required_ebn0_db - link.margin_db
    assert 10 * math.log10(data_rate_bps(d_km, link)) == pytest.approx(rate_db, abs=0.01)


def test_link_budget_scales_as_the_physics_says():
    link = LinkBudget(max_rate_bps=None)  # the budget alone, uncapped
    r1, r2 = data_rate_bps(np.array([1.0, 3.0]) * AU_KM, link)
    assert r1 / r2 == pytest.approx(9.0, rel=1e-12)  # inverse square
    bigger = LinkBudget(receive_diameter_m=70.0, max_rate_bps=None)
    assert data_rate_bps(AU_KM, bigger) / r1 == pytest.approx((70 / 34) ** 2, rel=1e-12)
    louder = LinkBudget(margin_db=0.0, required_ebn0_db=0.0, max_rate_bps=None)
    assert data_rate_bps(AU_KM, louder) / r1 == pytest.approx(10 ** 0.4, rel=1e-12)
    capped = LinkBudget(max_rate_bps=1e6)
    assert data_rate_bps(0.1 * AU_KM, capped) == 1e6
    # 2 GB (SI) at 1 Mbit/s: 16,000 s
    assert transfer_time_s(2e9, 1e6) == pytest.approx(16000.0)


@pytest.mark.parametrize("field,value", [("transmit_power_w", 0.0), ("receive_efficiency", 1.5),
                                         ("frequency_hz", -1.0), ("margin_db", float("inf"))])
def test_link_budget_refuses_nonsense(field, value):
    with pytest.raises(InputError):
        LinkBudget(**{field: value})


# --- Earth and Mars from the ephemeris -----------------------------------------------------------


@pytest.fixture(scope="module")
def earth_mars():
    return sj.comms("earth", "mars", 2026, 2045)


def _ecliptic_longitude(r):
    eps = math.radians(84381.406 / 3600.0)  # J2000 obliquity, IAU 2006
    y = r[..., 1] * math.cos(eps) + r[..., 2] * math.sin(eps)
    return np.arctan2(y, r[..., 0])


def test_earth_mars_light_time_range(earth_mars):
    lo, hi = earth_mars.light_time_min_s / 60, earth_mars.light_time_max_s / 60
    assert 3.0 <= lo < 4.0 and 21.0 < hi <= 23.0
    assert lo == pytest.approx(earth_mars.distance_min_km / 299792.458 / 60, abs=1e-12)
    # the extremes are refined between samples: no sampled day is nearer or farther
    from sojourn.ephemeris import load_ephemeris

    eph = load_ephemeris()
    t = np.linspace(earth_mars.t_start, earth_mars.t_end, 20001)
    d = np.linalg.norm(eph.state("mars", t)[0] - eph.state("earth", t)[0], axis=-1)
    assert earth_mars.distance_min_km <= d.min() + 1e-3 and earth_mars.distance_max_km >= d.max() - 1e-3


def test_earth_mars_conjunctions(earth_mars):
    from sojourn.ephemeris import load_ephemeris

    blackouts = earth_mars.blackouts
    assert len(blackouts) == 10  # 2026, 2028, ..., 2043, 2045: one per synodic period
    t_conj = np.array([b.t_min for b in blackouts])
    gaps = np.diff(t_conj) / DAY
    assert np.all((gaps > 760) & (gaps < 815)) and gaps.mean() == pytest.approx(779.94, abs=10)
    # NASA: Mars solar conjunction on 2026-01-09
    assert abs(t_conj[0] - parse_utc("2026-01-09T12:00")) < DAY
    # independent check: at each conjunction the heliocentric ecliptic longitudes differ by 180 degrees
    eph = load_ephemeris()
    for t in t_conj:
        tt = t + np.linspace(-2, 2, 401) * DAY
        dl = np.unwrap(_ecliptic_longitude(eph.state("mars", tt)[0]) - _ecliptic_longitude(eph.state("earth", tt)[0]))
        dl = np.degrees(dl) % 360.0 - 180.0
        t_lon = np.interp(0.0, dl if dl[0] < dl[-1] else dl[::-1], tt if dl[0] < dl[-1] else tt[::-1])
        assert abs(t_lon - t) < DAY
    for b in blackouts:
        assert b.min_angle_deg < 2.0 and 5.0 < b.days < 25.0
        # propagate the answer: the angle at the refined ends is the threshold
        ends = np.array([b.start, b.end])
        ang = sun_observer_target_angle_deg(eph.state("earth", ends)[0], eph.state("mars", ends)[0])
        assert np.allclose(ang, 2.0, atol=1e-6)
    # the table holds the same blackouts, dates in UTC
    table = earth_mars.table
    assert len(table) == 10 and list(table["days"]) == [b.days for b in blackouts]
    assert table["conjunction"][0].isoformat()[:10] == earth_mars.to_dict()["blackouts"][0]["conjunction"][:10]


def test_published_conjunctions_of_2021_and_2023():
    result = sj.comms("earth", "mars", "2021-06-01", "2024-01-01")
    dates = [b.conjunction_date.date().isoformat() for b in result.blackouts]
    assert len(dates) == 2
    for got, published in zip(dates, ("2021-10-08", "2023-11-18")):
        assert abs(parse_utc(got) - parse_utc(published)) <= DAY


@pytest.mark.parametrize("args, kwargs, error, where", [
    (("earth", "vulcan", 2026, 2027), {}, UnknownBodyError, "destination"),
    (("earth", "earth", 2026, 2027), {}, InputError, "destination"),
    (("sun", "mars", 2026, 2027), {}, InputError, "origin"),
    (("earth", "mars", 2027, "2026-06-01"), {}, InputError, "end"),
    (("earth", "mars", 2026, 2027), {"threshold_deg": 0.0}, InputError, "threshold_deg"),
    (("earth", "mars", 2026, 2027), {"step_days": 0.0}, InputError, "step_days"),
    (("earth", "mars", 2026, 2027), {"step_days": 31.0}, InputError, "step_days"),
    (("earth", "mars", 2050, 2060), {}, EphemerisRangeError, "end"),
    (("earth", "mars", 1890, 1900), {}, EphemerisRangeError, "start"),
])
def test_comms_refuses_bad_input_naming_the_parameter(args, kwargs, error, where):
    with pytest.raises(error) as exc:
        sj.comms(*args, **kwargs)
    assert exc.value.where == where and "--" not in exc.value.message


@pytest.mark.parametrize("kwargs, where", [
    ({"transmit_diameter_m": 1e200}, "transmit_diameter_m"),
    ({"receive_diameter_m": 1e200}, "receive_diameter_m"),
    ({"margin_db": 4000.0}, "margin_db"),
    ({"required_ebn0_db": -400.0}, "required_ebn0_db"),
])
def test_an_unphysical_link_is_refused_not_overflowed(kwargs, where):
    with pytest.raises(InputError) as err:
        LinkBudget(**kwargs)
    assert err.value.where == where


# --- Earth-received time ---


def test_received_time_is_the_light_time_to_where_earth_will_be():
    # Built backwards: pick the reception epoch, put the event 1.5 au from where Earth will be then
    # (barycentric), and date it one light time earlier; the solver must find that reception epoch.
    from sojourn.onboard.comms import earth_received_time
    from sojourn.ephemeris import load_ephemeris

    eph = load_ephemeris()
    t_rx = parse_utc("2034-06-01") + np.array([0.0, 3.3e6, 7.1e7])
    direction = np.array([[1.0, 0.0, 0.0], [0.0, 0.6, 0.8], [-0.48, 0.6, -0.64]])
    distance = 1.5 * AU_KM
    x_event = eph.state("earth", t_rx)[0] + eph.sun_barycentric_state(t_rx)[0] + distance * direction
    t_event = t_rx - distance / SPEED_OF_LIGHT_KMS
    r_event = x_event - eph.sun_barycentric_state(t_event)[0]  # the heliocentric position the caller has
    got = earth_received_time(t_event, r_event)
    assert np.max(np.abs(got - t_rx)) < 1e-6


def test_received_time_solves_its_own_equation_to_a_metre():
    # |x_earth(t + tau) - x_event| = c tau, in the light time itself (an epoch of 1e9 s holds only
    # 0.1 us, 36 m of light: the reception epoch is t + tau rounded to that).
    from sojourn.onboard.comms import earth_received_time, light_time_to_earth_s
    from sojourn.ephemeris import load_ephemeris

    eph = load_ephemeris()
    t = parse_utc("2035-01-01") + np.linspace(0.0, 600 * DAY, 7)
    r, _ = eph.state("mars", t)
    tau = light_time_to_earth_s(t, r)
    earth = eph.state("earth", t + tau)[0] + eph.sun_barycentric_state(t + tau)[0]
    event = r + eph.sun_barycentric_state(t)[0]
    residual_km = np.linalg.norm(earth - event, axis=-1) - SPEED_OF_LIGHT_KMS * tau
    assert np.max(np.abs(residual_km)) < 1e-3
    assert np.all((tau > 3 * 60) & (tau < 23 * 60))  # 3 to 22 minutes, references.md
    assert np.max(np.abs(earth_received_time(t, r) - (t + tau))) < 1e-6


def test_perseverance_landing_was_received_11_minutes_22_seconds_later():
    # NASA (Mars 2020 blog, 2021-02-18): touchdown confirmed about 12:55 p.m. PST (20:55 UTC), one-way
    # light time 11 min 22 s. The event at Mars's centre (Jezero is within 11 ms of light of it).
    from sojourn.onboard.comms import earth_received_time
    from sojourn.ephemeris import load_ephemeris
    from sojourn.time import tdb_to_utc_iso

    t = parse_utc("2021-02-18T20:43:38")
    r, _ = load_ephemeris().state("mars", t)
    t_rx = earth_received_time(t, r)
    assert t_rx - t == pytest.approx(11 * 60 + 22, abs=0.5)
    assert tdb_to_utc_iso(t_rx, "minute") == "2021-02-18T20:55"


def test_received_time_refuses_mismatched_positions():
    from sojourn.onboard.comms import earth_received_time

    with pytest.raises(InputError) as err:
        earth_received_time([0.0, 1.0], np.zeros((3, 3)))
    assert err.value.where == "r_event_km"


def test_conjunctions_fall_on_the_published_dates():
    """Mars solar conjunctions as published: 2017-07-27 (Powell, nakedeyeplanets.com, 'The Mars apparition of
    2017-2019'), 2019-09-02, 2021-10-08, 2023-11-18 and 2026-01-09 (NASA Mars mission announcements of
    'Mars solar conjunction'). Each is the day the ecliptic longitudes of the Sun and Mars meet; the least
    separation, named for what it is, falls within a day of it."""
    link = sj.comms("earth", "mars", 2017, 2026)
    published = ["2017-07-27", "2019-09-02", "2021-10-08", "2023-11-18", "2026-01-09"]
    assert [b.conjunction_date.date().isoformat() for b in link.blackouts] == published
    for b in link.blackouts:
        assert abs(b.t_conjunction - b.t_min) < 86400.0
        d = b.to_dict()
        assert d["conjunction"] != d["least_angle"] or b.t_conjunction == b.t_min
