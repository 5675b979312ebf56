"""Landing sites by name: lookup, aliases, and the coordinates against a second source."""

import pytest

from sojourn.errors import InputError
from sojourn.mission.sites import SITES, Site, get_site, site_names


def test_the_sites_the_issue_names_and_more():
    assert {"jezero", "gale", "arcadia-planitia", "gusev", "meridiani", "elysium", "utopia",
            "chryse"} <= set(site_names())


@pytest.mark.parametrize("site", list(SITES.values()), ids=list(SITES))
def test_every_site_is_on_the_planet_and_cited(site):
    assert -90.0 <= site.latitude_deg <= 90.0
    assert 0.0 <= site.east_longitude_deg < 360.0  # planetocentric, positive east
    assert len(site.source) > 20 and site.title


@pytest.mark.parametrize("name, expected", [
    ("Jezero", "jezero"), ("  GALE  ", "gale"), ("Arcadia Planitia", "arcadia-planitia"),
    ("arcadia_planitia", "arcadia-planitia"), ("arcadia", "arcadia-planitia"), ("Perseverance", "jezero"),
    ("InSight", "elysium"), ("Viking 1", "chryse"), ("viking-1", "chryse"), ("Zhurong", "utopia"),
    ("Spirit", "gusev"), ("Opportunity", "meridiani"), ("Curiosity", "gale"),
])
def test_names_are_case_and_separator_insensitive(name, expected):
    assert get_site(name).name == expected


def test_a_site_is_returned_as_it_is():
    mine = Site("home", "Home base", 10.0, 20.0, "my own survey")
    assert get_site(mine) is mine


def test_unknown_site_lists_the_known_ones_and_says_where():
    with pytest.raises(InputError) as err:
        get_site("Atlantis", "surface.site")
    assert "unknown site 'Atlantis'" in err.value.message
    assert all(name in err.value.message for name in SITES)
    assert err.value.where == "surface.site"
    with pytest.raises(InputError):
        get_site(42)


@pytest.mark.parametrize("name, east, lat, tol", [
    # NASA GISS Mars24 'Mars Landers' list, a second source for each: InSight "roughly 135.625E 4.5N",
    # MSL "137.44E 4.59" (south), Viking Lander 1 "312.05E 22.27N", the Mars 2020 site announced in
    # 2018 "about 77.3E 18.3N" (before the landing, so to 0.2 deg)
    ("elysium", 135.625, 4.5, 0.01),
    ("gale", 137.44, -4.59, 0.01),
    ("chryse", 312.05, 22.27, 1e-9),
    ("jezero", 77.3, 18.3, 0.2),
])
def test_coordinates_agree_with_the_mars24_landers_list(name, east, lat, tol):
    site = get_site(name)
    assert site.east_longitude_deg == pytest.approx(east, abs=tol)
    assert site.latitude_deg == pytest.approx(lat, abs=max(tol, 0.005))


def test_to_dict():
    d = get_site("jezero").to_dict()
    assert d["latitude_deg"] == 18.44 and d["east_longitude_deg"] == 77.45 and "NASA" in d["source"]
