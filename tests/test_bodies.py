"""Body names, NAIF ids and constants."""

import math

import pytest

from sojourn.bodies import BODIES, GM_SUN, Body, get_body
from sojourn.errors import InputError, UnknownBodyError

AU_KM = 149597870.7  # IAU 2012 Resolution B2


def test_names_are_case_insensitive():
    assert get_body("MARS") is get_body("mars") is get_body(" Mars ")


@pytest.mark.parametrize(
    "alias", ["emb", "EMB", "earth-moon barycenter", "Earth_Moon_Barycenter", "earth-moon-barycenter"]
)
def test_earth_moon_barycenter_aliases(alias):
    assert get_body(alias).name == "earth-moon-barycenter"


def test_unknown_body_lists_the_known_ones():
    with pytest.raises(UnknownBodyError) as info:
        get_body("Vulcan", "scenario.toml: target")
    text = str(info.value)
    assert "unknown body 'Vulcan'" in text and "mars" in text and "earth-moon-barycenter" in text
    assert info.value.where == "scenario.toml: target"
    assert isinstance(info.value, InputError)


def test_all_twelve_bodies():
    assert set(BODIES) == {"sun", "mercury", "venus", "earth", "moon", "earth-moon-barycenter", "mars",
                           "jupiter", "saturn", "uranus", "neptune", "pluto"}
    for body in BODIES.values():
        assert isinstance(body, Body) and body.gm_km3s2 > 0 and body.radius_km >= 0
        assert "Park" in body.gm_source and body.source


def test_naif_ids():
    assert (get_body("mars").naif_id, get_body("mars").barycenter_id) == (499, 4)
    assert (get_body("earth").naif_id, get_body("earth").barycenter_id) == (399, 3)
    assert get_body("moon").naif_id == 301
    assert get_body("emb").naif_id == get_body("emb").barycenter_id == 3
    assert get_body("sun").naif_id == 10


def test_bodies_are_frozen():
    with pytest.raises(Exception):
        get_body("mars").gm_km3s2 = 1.0


def test_gm_sun_gives_kepler_third_law_year():
    # Gaussian gravitational constant k = 0.01720209895 au^(3/2)/day: GM_sun = k^2 au^3/day^2.
    k = 0.01720209895
    assert GM_SUN == pytest.approx(k**2 * AU_KM**3 / 86400.0**2, rel=1e-9)


def test_earth_moon_mass_ratio_of_de440():
    earth, moon, emb = get_body("earth"), get_body("moon"), get_body("emb")
    assert earth.gm_km3s2 / moon.gm_km3s2 == pytest.approx(81.3005682214972154, rel=1e-9)  # DE440 EMRAT
    assert emb.gm_km3s2 == pytest.approx(earth.gm_km3s2 + moon.gm_km3s2, rel=1e-15)
    assert emb.radius_km == 0.0


def test_surface_gravity_is_familiar():
    # g = GM / R^2: Earth 9.80 m/s^2 at the equator (without rotation), Mars 3.71, Moon 1.62.
    for name, g in (("earth", 9.798), ("mars", 3.713), ("moon", 1.624)):
        body = get_body(name)
        assert body.gm_km3s2 / body.radius_km**2 * 1000 == pytest.approx(g, abs=0.005)


def test_radii_from_archinal_2018():
    assert get_body("mars").radius_km == 3396.19
    assert get_body("earth").radius_km == 6378.1366
    assert math.isclose(get_body("sun").radius_km, 695700.0)


def test_mars_pole_of_iau_2015_is_the_2009_pole_by_another_route():
    # Archinal et al. 2018 moved Mars's pole polynomial to 317.269202 / 54.432516 and added periodic
    # terms that carry it back: at J2000 and in 2030 it stays within 0.01 deg of the IAU 2009 pole
    # (317.68143 - 0.1061 T, 52.88650 - 0.0609 T); without the terms the two differ by 0.41 and 1.55 deg.
    import numpy as np

    from sojourn.bodies import mars_north_pole

    for t in (0.0, 946_728_000.0):
        p = mars_north_pole(t)
        ra = math.degrees(math.atan2(p[1], p[0])) % 360.0
        dec = math.degrees(math.asin(p[2]))
        T = t / (86400.0 * 36525.0)
        assert abs(ra - (317.68143 - 0.1061 * T)) < 0.01
        assert abs(dec - (52.88650 - 0.0609 * T)) < 0.01
        assert float(np.linalg.norm(p)) == pytest.approx(1.0, abs=1e-15)
    assert mars_north_pole(np.zeros((4, 2))).shape == (4, 2, 3)


def test_spheres_of_influence_are_laplaces():
    # a (m/M)^(2/5): Earth about 0.93 million km and Mars about 0.58 million km (Curtis, Orbital Mechanics
    # for Engineering Students, Table A.2: 925,000 km and 577,000 km)
    assert get_body("earth").sphere_of_influence_km == pytest.approx(925_000, rel=2e-3)
    assert get_body("mars").sphere_of_influence_km == pytest.approx(577_000, rel=2e-3)
    assert get_body("venus").sphere_of_influence_km == pytest.approx(616_000, rel=2e-3)
    assert get_body("sun").sphere_of_influence_km is None and get_body("moon").sphere_of_influence_km is None
