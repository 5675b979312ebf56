"""Heliocentric states from DE421, checked against skyfield reading the same kernel."""

import importlib.resources
from pathlib import Path

import numpy as np
import pytest

from sojourn.bodies import get_body
from sojourn.ephemeris import Ephemeris, load_ephemeris
from sojourn.errors import EphemerisError, EphemerisRangeError, InputError, UnknownBodyError
from sojourn.time import DAY, parse_utc, parse_window

skyfield_api = pytest.importorskip("skyfield.api")

AU_KM = 149597870.7
DE421 = Path(str(importlib.resources.files("skyfield_data") / "data" / "de421.bsp"))
DATES = ["1975-06-30T06:00", "2005-08-10", "2018-05-05T11:05", "2026-09-01T12:00", "2050-02-28"]


@pytest.fixture(scope="module")
def eph():
    return load_ephemeris()


@pytest.fixture(scope="module")
def sky():
    ts = skyfield_api.load.timescale(builtin=True)
    planets = skyfield_api.load_file(str(DE421))
    yield ts, planets
    planets.close()


def _skyfield_state(sky, name, tdb_seconds):
    ts, planets = sky
    days = np.floor(tdb_seconds / DAY)
    t = ts.tdb_jd(2451545.0 + days, (tdb_seconds - days * DAY) / DAY)
    pos = (planets[name] - planets["sun"]).at(t)
    return pos.position.km.T, pos.velocity.km_per_s.T


def test_default_is_de421_from_skyfield_data(eph):
    assert eph.name == "de421.bsp" and eph.path.samefile(DE421)
    assert load_ephemeris() is eph
    assert load_ephemeris(str(DE421)) is eph


@pytest.mark.parametrize(
    "ours, theirs",
    [("earth", "earth"), ("mars", "mars"), ("emb", "earth barycenter"), ("moon", "moon"),
     ("jupiter", "jupiter barycenter"), ("venus", "venus")],
)
def test_states_match_skyfield(eph, sky, ours, theirs):
    t = np.array([parse_utc(d) for d in DATES])
    r, v = eph.state(ours, t)
    r_ref, v_ref = _skyfield_state(sky, theirs, t)
    assert r.shape == v.shape == (len(DATES), 3)
    assert np.max(np.linalg.norm(r - r_ref, axis=-1)) < 1e-3  # 1 m
    assert np.max(np.linalg.norm(v - v_ref, axis=-1)) < 1e-6  # 1 mm/s


def test_scalar_and_array_shapes(eph):
    t = parse_utc("2026-09-01")
    r, v = eph.state("mars", t)
    assert r.shape == v.shape == (3,)
    grid = t + DAY * np.arange(12.0).reshape(3, 4)
    rg, vg = eph.state(get_body("mars"), grid)
    assert rg.shape == vg.shape == (3, 4, 3)
    np.testing.assert_array_equal(rg[0, 0], r)
    np.testing.assert_array_equal(vg[0, 0], v)


def test_velocity_is_the_derivative_of_position(eph):
    t = parse_utc("2026-09-01") + np.array([-30.0, 30.0])
    r, v = eph.state("earth", t)
    assert np.allclose((r[1] - r[0]) / 60.0, v.mean(axis=0), atol=1e-5)


def test_earth_distance_over_a_year(eph):
    t = parse_utc("2026-01-01") + DAY * np.arange(366)
    d_au = np.linalg.norm(eph.state("earth", t)[0], axis=-1) / AU_KM
    assert 0.983 < d_au.min() < 0.984 and 1.016 < d_au.max() < 1.017


def test_moon_and_earth_sit_around_the_barycentre(eph):
    # The barycentre is 1/(1 + EMRAT) of the way from Earth to Moon.
    t = parse_utc("2026-09-01")
    re, rm, rb = (eph.state(b, t)[0] for b in ("earth", "moon", "emb"))
    mu = get_body("moon").gm_km3s2 / get_body("emb").gm_km3s2
    assert np.linalg.norm(rb - (re + mu * (rm - re))) < 1.0  # DE421 EMRAT differs slightly from DE440
    assert 356_000 < np.linalg.norm(rm - re) < 407_000


def test_sun_is_the_origin(eph):
    r, v = eph.state("sun", parse_utc("2026-09-01"))
    assert not r.any() and not v.any()


def test_planet_centre_or_barycentre(eph):
    assert eph.target_id("mars") == 499
    assert eph.target_id("jupiter") == 5  # DE421 holds no Jupiter centre


def test_coverage_of_de421(eph):
    start, end = eph.coverage("mars")
    # DE421 covers JD 2414864.5 to 2471184.5 TDB.
    assert start == (2414864.5 - 2451545.0) * DAY and end == (2471184.5 - 2451545.0) * DAY


@pytest.mark.parametrize("date", ["2060-01-01", "1850-06-01T12:00"])
def test_out_of_range_is_refused(eph, date):
    with pytest.raises(EphemerisRangeError) as info:
        eph.state("mars", np.array([parse_utc("2026-01-01"), parse_utc(date)]))
    text = str(info.value)
    assert date in text and "de421.bsp" in text and "1899-07-29 to 2053-10-09" in text


def test_just_past_the_end_is_refused(eph):
    _, end = eph.coverage("earth")
    eph.state("earth", end)  # the last epoch itself is covered
    with pytest.raises(EphemerisRangeError):
        eph.state("earth", end + 1e-3)


def test_check_range_for_a_window(eph):
    eph.check_range("mars", *parse_window("2026-09-01:2027-01-15"))
    with pytest.raises(EphemerisRangeError) as info:
        eph.check_range("mars", *parse_window("2053-01-01:2054-01-01"), where="--window")
    assert "2054-01-01 is outside" in str(info.value) and info.value.where == "--window"


def test_nan_epoch_is_an_input_error(eph):
    with pytest.raises(InputError):
        eph.state("earth", np.nan)


def test_unknown_body(eph):
    with pytest.raises(UnknownBodyError):
        eph.state("vulcan", 0.0)


def _kernel_without_mars(path):
    """Copy DE421 with the Mars segments renumbered to ids no body uses (1004, 1499)."""
    from jplephem.daf import DAF

    path.write_bytes(DE421.read_bytes())
    with open(path, "r+b") as f:
        daf = DAF(f)
        for record_number, n, data in list(daf.summary_records()):
            data = bytearray(data)
            for i in range(int(n)):
                j = daf.summary_control_struct.size + i * daf.summary_step
                values = list(daf.summary_struct.unpack(data[j:j + daf.summary_length]))
                target, center = values[2], values[3]  # (start, end, target, center, frame, type, i0, i1)
                if target in (4, 499):
                    values[2] = target + 1000
                    values[3] = center + 1000 if center == 4 else center
                data[j:j + daf.summary_length] = daf.summary_struct.pack(*values)
            daf.write_record(record_number, bytes(data))
    return path


def test_body_missing_from_the_kernel(tmp_path):
    eph = Ephemeris(_kernel_without_mars(tmp_path / "nomars.bsp"))
    try:
        r, _ = eph.state("earth", 0.0)
        np.testing.assert_array_equal(r, load_ephemeris().state("earth", 0.0)[0])
        with pytest.raises(UnknownBodyError) as info:
            eph.state("mars", 0.0)
        assert "nomars.bsp" in str(info.value)
    finally:
        eph.close()


@pytest.mark.parametrize("content", [None, b"", b"not an ephemeris at all" * 100])
def test_unreadable_files(tmp_path, content):
    path = tmp_path / "broken.bsp"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(EphemerisError) as info:
        Ephemeris(path)
    assert "cannot read SPK ephemeris" in str(info.value) and str(path) in str(info.value)


def test_sun_barycentric_state_matches_skyfield(eph, sky):
    ts, planets = sky
    t = np.array([-1.0e9, 0.0, 7.5e8, 1.5e9])
    r, v = eph.sun_barycentric_state(t)
    days = np.floor(t / DAY)
    st = ts.tdb_jd(2451545.0 + days, (t - days * DAY) / DAY)
    ref = planets["sun"].at(st)
    assert np.max(np.abs(r - ref.position.km.T)) < 1e-3
    assert np.max(np.abs(v - ref.velocity.km_per_s.T)) < 1e-9
    assert 0.005 < np.linalg.norm(v[1]) < 0.02  # the Sun moves some 10 m/s about the barycentre
