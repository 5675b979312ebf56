"""Time on Mars in a mission: the [surface] table, local time at the site, sols, daylight, the
dust-storm season, Earth-received times and the crew's clocks over a plan.

The mission is Ulysses (examples/ulysses.toml, landing in Arcadia Planitia), planned once per run
(tests/conftest.py). Every figure is checked against something computed another way:

* Ls against the Sun seen from Mars in DE421 with the IAU 2015 pole (``ls_from_ephemeris``, not
  the Mars24 series the plan uses);
* sols against the Mars Sol Date of the Mars24 page's formula (C-2), written out here;
* Earth-received times by bisection on the light-time equation (the library iterates a fixed point);
* the crew's clock offset against the closed form of a Kepler arc (the time average of 1/r is
  Delta E / (n a)) on each transit and on Mars's orbit during the stay.

Sources
-------
* NASA/JPL, Perseverance landing, 2021-02-18: touchdown confirmed 20:55 UTC (Earth received), one-way
  light time 11 min 22 s; "about 3:53 pm local [mean solar] time" at 18.44 N, 77.45 E (sol 0).
* NASA GISS, Mars24 "Algorithm and Worked Examples": MSD = (JD_TT - 2451549.5) / 1.0274912517
  + 44796.0 - 0.0009626 (step C-2).
* Zurek & Martin 1993, JGR 98(E2):3247: the dust-storm season, southern spring and summer (Ls 180-360).
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from scipy.optimize import brentq

import sojourn as sj
from sojourn.cli import main
from sojourn.constants import SPEED_OF_LIGHT_KMS
from sojourn.ephemeris import load_ephemeris
from sojourn.errors import InputError, NoSolutionError, ScenarioError
from sojourn.marstime import ls_from_ephemeris
from sojourn.results import replace
from sojourn.time import DAY, parse_utc, tdb_minus_tt_s, tdb_to_utc_iso

SOL_S = 88775.244  # Allison & McEwen 2000


@pytest.fixture(scope="module")
def eph():
    return load_ephemeris()


def _with_surface(scenario, **surface):
    data = scenario.to_dict()
    if surface:
        data["surface"] = surface
    else:
        data.pop("surface", None)
    return sj.Scenario.from_dict(data, "test.toml")


def _msd(t_tdb):
    """Mars Sol Date from the Mars24 page's formula (C-2), on TT."""
    jd_tt = 2451545.0 + (np.asarray(t_tdb) - tdb_minus_tt_s(t_tdb)) / DAY
    return (jd_tt - 2451549.5) / 1.0274912517 + 44796.0 - 0.0009626


# --------------------------------------------------------------------------- the [surface] table


@pytest.mark.parametrize("surface,key,words", [
    ({"site": "jezero", "latitude_deg": 18.4}, "surface.latitude_deg", "not both"),
    ({"site": "gale", "east_longitude_deg": 137.4}, "surface.east_longitude_deg", "not both"),
    ({"latitude_deg": 18.4}, "surface.east_longitude_deg", "missing key"),
    ({"east_longitude_deg": 77.4}, "surface.latitude_deg", "missing key"),
    ({"dust_storm_season": "warn"}, "surface.latitude_deg", "name a site"),
    ({"site": "Atlantis"}, "surface.site", "known sites: jezero, gale, arcadia-planitia"),
    ({"site": "gale", "dust_storm_season": "never"}, "surface.dust_storm_season", "'warn', 'avoid' or 'ignore'"),
    ({"site": "gale", "dust_storm_season_ls_deg": [180, 400]}, "surface.dust_storm_season_ls_deg[1]", "at most 360"),
    ({"site": "gale", "dust_storm_season_ls_deg": [0, 360]}, "surface.dust_storm_season_ls_deg", "same Ls"),
    ({"latitude_deg": 91.0, "east_longitude_deg": 0.0}, "surface.latitude_deg", "at most 90"),
    ({"latitude_deg": 10.0, "east_longitude_deg": "77E"}, "surface.east_longitude_deg", "expected a number"),
    ({"site": "gale", "dust_season": "avoid"}, "surface.dust_season", "did you mean 'dust_storm_season'"),
])
def test_surface_table_errors_name_the_key(ulysses_scenario, surface, key, words):
    with pytest.raises(ScenarioError) as err:
        _with_surface(ulysses_scenario, **surface)
    assert err.value.key == key and words in err.value.message


def test_a_surface_needs_mars_as_the_destination(ulysses_scenario):
    data = ulysses_scenario.to_dict()
    data["mission"]["destination"] = "venus"
    with pytest.raises(ScenarioError) as err:  # crewed round trips (and their surface) are Earth-Mars
        sj.Scenario.from_dict(data, "venus.toml")
    assert err.value.key == "mission.destination" and "venus" in err.value.message


def test_a_site_by_mission_name_or_coordinates(ulysses_scenario):
    by_alias = _with_surface(ulysses_scenario, site="Perseverance")
    assert by_alias.surface.site == "jezero"  # kept canonical: the same scenario as site = "jezero"
    assert by_alias.digest() == _with_surface(ulysses_scenario, site="jezero").digest()
    own = _with_surface(ulysses_scenario, latitude_deg=-4.5, east_longitude_deg=-30.0).surface
    assert own.location.east_longitude_deg == 330.0 and own.location.latitude_deg == -4.5
    assert own.dust_storm_season == "warn" and own.season_ls_deg == (180.0, 360.0)
    assert _with_surface(ulysses_scenario).surface is None


# --------------------------------------------------------------------------- Mars time of a plan


def test_a_public_landing_in_local_time_at_its_site():
    # Perseverance: received 20:55 UTC, 11 min 22 s of light earlier it touched down, about 15:53 LMST, sol 0
    from sojourn.mission.surface import site_time

    landed = parse_utc("2021-02-18T20:55") - (11 * 60 + 22)
    at = site_time(sj.get_site("Perseverance"), landed, landed)
    assert abs(at.lmst_hours - (15 + 53 / 60)) < 1 / 60 and at.sol == 0 and at.mars_year == 36
    tomorrow = site_time(sj.get_site("jezero"), landed + SOL_S, landed)
    assert tomorrow.sol == 1 and abs(tomorrow.lmst_hours - at.lmst_hours) < 1e-6


def test_events_at_mars_carry_local_time_ls_and_sol(ulysses_plan):
    p, site = ulysses_plan, ulysses_plan.surface.site
    at_mars = [e for e in p.events if e.mars is not None]
    assert {e.name for e in at_mars} >= {"Mars arrival", "Surface stay begins", "Surface stay ends"}
    assert all(p.legs[0].t_arrive - 1 <= e.t <= p.legs[1].t_depart + 1 for e in at_mars)
    for e in at_mars:
        one = sj.mars_time(e.date, site=site.name)
        assert e.mars.lmst == one.lmst and e.mars.mars_year == one.mars_year
        # sols counted from the landing's local mean midnight, by the Mars24 formula written out here
        lsd = _msd(np.array([e.t, p.legs[0].t_arrive])) + site.east_longitude_deg / 360.0
        assert e.mars.sol == int(math.floor(lsd[0]) - math.floor(lsd[1]))
    s = p.surface
    assert s.landing.sol == 0 and s.sols == s.ascent.sol + 1
    assert s.stay_sols == pytest.approx(p.stay_days * DAY / SOL_S, abs=1e-4)


def test_dust_storm_flags_agree_with_ls_from_the_ephemeris(ulysses_plan, eph):
    p = ulysses_plan
    for e in (e for e in p.events if e.mars is not None):
        ls = float(ls_from_ephemeris(e.t, ephemeris=eph))
        assert abs(ls - e.mars.ls_deg) < 0.01
        if min(abs(ls - 180.0), abs(ls - 360.0), ls) > 0.02:
            assert e.mars.dust_storm_season == (180.0 <= ls < 360.0)
    # Ulysses lands in late northern winter (Ls ~323) and leaves in northern summer: one warning, naming the source
    assert p.surface.in_season == ("landing",)
    dust = [w for w in p.warnings if "dust-storm season" in w]
    assert len(dust) == 1 and "Ls 180–360°" in dust[0] and "Zurek & Martin 1993" in dust[0]
    assert any("dust-storm season Ls 180–360° (Zurek & Martin 1993" in a for a in p.assumptions)
    # the season ends where Ls passes 360 in DE421: the stay's sols before it are the sols in season
    t0 = p.legs[0].t_arrive
    end = brentq(lambda t: np.unwrap(np.radians([323.0, float(ls_from_ephemeris(t, ephemeris=eph))]))[1]
                 - 2 * np.pi, t0, t0 + 200 * DAY)
    # (the landing's sol counts whole: its noon may come before a landing late in the local day, one sol more)
    assert -1.0 <= p.surface.sols_in_dust_season - (end - t0) / SOL_S <= 2.0


def test_daylight_over_the_stay(ulysses_plan):
    s = ulysses_plan.surface
    # 47 N: short days in northern winter (the landing), long ones in northern summer (the ascent)
    assert s.landing.northern_season == "winter" and s.landing_daylight_hours < 12.0
    assert s.ascent.northern_season == "summer" and s.ascent_daylight_hours > 12.0
    assert s.min_daylight_hours <= s.landing_daylight_hours and s.max_daylight_hours >= s.ascent_daylight_hours
    # never more than the longest day of the year there (the solstice, Ls 90), nor less than the shortest
    from sojourn.marstime import daylight_hours

    assert daylight_hours(270.0, 47.0) - 1e-9 <= s.min_daylight_hours
    assert s.max_daylight_hours <= daylight_hours(90.0, 47.0) + 1e-9


def test_earth_received_time_of_a_plan_event_by_bisection(ulysses_plan, eph):
    arrival = next(e for e in ulysses_plan.events if e.name == "Mars arrival")
    t_e = arrival.t
    x_event = eph.state("mars", t_e)[0] + eph.sun_barycentric_state(t_e)[0]

    def gap(t_r):
        x_earth = eph.state("earth", t_r)[0] + eph.sun_barycentric_state(t_r)[0]
        return np.linalg.norm(x_earth - x_event) - SPEED_OF_LIGHT_KMS * (t_r - t_e)

    t_r = brentq(gap, t_e, t_e + 30 * 60.0, xtol=1e-6)
    assert arrival.t_received == pytest.approx(t_r, abs=1e-3)
    assert 3 * 60 < arrival.light_time_s < 22.5 * 60  # Earth-Mars: 3 to 22 minutes (references.md)
    assert arrival.to_dict()["received"] == tdb_to_utc_iso(t_r, "minute")
    # at Earth, Earth hears at once
    assert ulysses_plan.events[0].light_time_s < 0.05 and ulysses_plan.events[-1].light_time_s < 0.05


def test_plan_json_only_adds(ulysses_plan):
    d = ulysses_plan.to_dict()
    assert {"scenario", "objective", "ephemeris", "launch", "events", "burns", "legs", "total_dv_kms",
            "total_days", "stay_days", "propellant", "alternatives", "pareto", "warnings", "assumptions"} < set(d)
    s = d["surface"]
    assert s["site"]["name"] == "arcadia-planitia" and s["landing"]["sol"] == 0
    assert s["dust_storm_season_ls_deg"] == [180.0, 360.0] and s["in_dust_storm_season"] == ["landing"]
    assert all(e["received"] >= e["date"] for e in d["events"])
    json.dumps(sj.to_dict(d), allow_nan=False)


def test_without_a_surface_only_received_times(ulysses_plan, ulysses_scenario, eph):
    from sojourn.mission.surface import annotate

    bare = replace(ulysses_plan, scenario=_with_surface(ulysses_scenario), surface=None, warnings=(),
                   events=tuple(replace(e, t_received=None, mars=None) for e in ulysses_plan.events))
    again = annotate(bare, eph)
    assert again.surface is None and not again.warnings and all(e.mars is None for e in again.events)
    assert [e.t_received for e in again.events] == [e.t_received for e in ulysses_plan.events]


def test_ignoring_the_season_warns_of_nothing(ulysses_plan, ulysses_scenario, eph):
    from sojourn.mission.surface import annotate

    quiet = _with_surface(ulysses_scenario, site="arcadia-planitia", dust_storm_season="ignore")
    p = annotate(replace(ulysses_plan, scenario=quiet, warnings=()), eph)
    assert p.surface.in_season == ("landing",) and not p.warnings  # still said in the data, not warned
    narrow = _with_surface(ulysses_scenario, site="arcadia-planitia", dust_storm_season_ls_deg=[180, 300])
    p = annotate(replace(ulysses_plan, scenario=narrow, warnings=()), eph)
    assert p.surface.in_season == () and p.surface.season_source.startswith("the scenario's")


# --------------------------------------------------------------------------- avoiding the season


def test_avoiding_the_season_moves_the_landing_out_of_it(ulysses_plan, ulysses_scenario, eph):
    avoid = _with_surface(ulysses_scenario, site="arcadia-planitia", dust_storm_season="avoid")
    p = sj.plan(avoid, step_days=2.0)
    for t in (p.legs[0].t_arrive, p.legs[1].t_depart):  # out of it, to the 0.0083 deg Mars24 and DE421 agree
        assert not 180.01 <= float(ls_from_ephemeris(t, ephemeris=eph)) < 359.99
    assert not p.surface.in_season and not any("dust-storm" in w for w in p.warnings)
    assert p.total_dv_kms > ulysses_plan.total_dv_kms  # the warned plan's landing was the cheaper one
    # refined up to the season's end (Ls 360), not left on the 2-day grid (0.9 deg of Ls): the cheap side of it
    assert p.surface.landing.ls_deg < 0.01 and p.surface.landing.mars_year == ulysses_plan.surface.landing.mars_year + 1


def test_a_window_whose_every_landing_is_in_season_names_the_key(ulysses_scenario):
    data = _with_surface(ulysses_scenario, site="jezero", dust_storm_season="avoid").to_dict()
    # the cheap launches of 2033, 280-320 days out: Mars arrivals from late December 2033 to mid-March 2034,
    # all before the season ends (Ls 360 on 2034-04-09)
    data["windows"]["launch"] = "2033-03-20:2033-04-30"
    with pytest.raises(NoSolutionError) as err:
        sj.plan(sj.Scenario.from_dict(data, "early.toml"), step_days=2.0)
    assert err.value.where == "early.toml: surface.dust_storm_season" and "landing" in err.value.message


# --------------------------------------------------------------------------- the crew's clocks


def _kepler_gain(a, e1, e2, seconds, mu):
    """Proper time gained over TDB on a Kepler arc, Sun alone: the rate (L_B - (2 mu / r - mu / 2a) / c^2)
    / (1 - L_B) integrated exactly, since the time average of 1/r between eccentric anomalies is
    (E2 - E1) / (n a seconds)."""
    from sojourn.onboard.clocks import L_B

    n = math.sqrt(mu / a ** 3)
    potential_and_speed = 2 * mu * (e2 - e1) / (n * a) - mu * seconds / (2 * a)  # integral of 2 mu/r - mu/2a
    return (L_B * seconds - potential_and_speed / SPEED_OF_LIGHT_KMS ** 2) / (1 - L_B)


def _elements(r, v, mu):
    rn = np.linalg.norm(r)
    a = 1.0 / (2.0 / rn - v @ v / mu)
    e = np.linalg.norm(((v @ v - mu / rn) * r - (r @ v) * v) / mu)
    return a, e, math.atan2((r @ v) / math.sqrt(mu * a), 1.0 - rn / a)


def test_the_crews_clock_offset_against_the_closed_form(ulysses_plan, eph):
    import erfa

    from sojourn.bodies import BODIES, GM_SUN
    from sojourn.mission.trajectory import leg_arc
    from sojourn.onboard.clocks import L_B
    from sojourn.time import tdb_to_jd_parts

    p = ulysses_plan
    closed = 0.0
    for leg in p.legs:  # each transit, exactly
        g = leg_arc(leg, eph)
        a, _, e1 = _elements(g["r1"], g["v1"], GM_SUN)
        e2 = _elements(g["r2"], g["v2"], GM_SUN)[2]
        closed += _kepler_gain(a, e1, e2 + (2 * math.pi if e2 < e1 else 0.0), g["t2"] - g["t1"], GM_SUN)
    t1, t2 = p.legs[0].t_arrive, p.legs[1].t_depart  # the stay: Mars's osculating orbit, and its surface
    a, ecc, e1 = _elements(*eph.state("mars", t1), GM_SUN)
    mean2 = e1 - ecc * math.sin(e1) + math.sqrt(GM_SUN / a ** 3) * (t2 - t1)
    e2 = mean2
    for _ in range(30):
        e2 -= (e2 - ecc * math.sin(e2) - mean2) / (1 - ecc * math.cos(e2))
    mars = BODIES["mars"]
    closed += _kepler_gain(a, e1, e2, t2 - t1, GM_SUN)
    closed -= mars.gm_km3s2 / mars.radius_km / SPEED_OF_LIGHT_KMS ** 2 * (t2 - t1) / (1 - L_B)
    whole, frac = tdb_to_jd_parts(np.array([p.legs[0].t_depart, p.legs[1].t_arrive]))
    closed += float(np.diff(erfa.dtdb(whole, frac, 0.0, 0.0, 0.0, 0.0))[0])  # TT's periodic part, by definition

    two_body = sj.crew_clock(p, bodies=("mars",), barycentric=False)
    assert two_body.offset_s == pytest.approx(closed, abs=20e-6)  # the sampled integral: within 20 us
    full = sj.crew_clock(p)  # the planets and the Sun's own motion move it by a few parts in 10^4
    assert full.offset_s == pytest.approx(closed, rel=2e-3)
    assert 0.3 < full.offset_s < 0.5 and full.to_dict()["ahead"]  # ahead of Earth's, not behind
    assert "ahead, not behind" in full.in_words() and "0.39 s" in full.in_words()


def test_crew_clock_refuses_a_bad_step(ulysses_plan):
    for bad in (0.0, -6.0, float("nan"), "six"):
        with pytest.raises(InputError) as err:
            sj.crew_clock(ulysses_plan, step_hours=bad)
        assert err.value.where == "step_hours"


# --------------------------------------------------------------------------- the faces


def test_plan_command_shows_when_earth_hears_and_the_time_on_mars(ulysses_plan, monkeypatch, capsys, terminal_80,
                                                                   in_one_row):
    monkeypatch.setattr(sj, "plan", lambda *a, **k: ulysses_plan)
    with terminal_80():
        assert main(["plan", "examples/ulysses.toml"]) == 0
    out, err = capsys.readouterr()
    arrival = next(e for e in ulysses_plan.events if e.name == "Mars arrival")
    assert in_one_row(out, arrival.to_dict()["date"], arrival.to_dict()["received"], "Mars arrival")
    assert "Time on Mars at Arcadia Planitia" in out
    assert in_one_row(out, "Mars arrival", "0", arrival.mars.lmst[:5], arrival.mars.ltst[:5])
    assert "warning: the entry, descent and landing" in err


def test_crew_command_and_dossier_say_the_clocks_plainly(ulysses_plan, monkeypatch, capsys, terminal_80, in_one_row):
    import sojourn.mission.plan as plan_mod
    from sojourn.dossier import report as dossier_mod

    monkeypatch.setattr(plan_mod, "plan", lambda *a, **k: ulysses_plan)
    with terminal_80():
        assert main(["crew", "examples/ulysses.toml"]) == 0
    out = capsys.readouterr().out
    assert "the crew's clocks" in out and "ahead of" in out and "they end ahead, not behind" in out
    last = ulysses_plan.events[-2].to_dict()
    assert in_one_row(out, last["date"], last["received"], "Trans-Earth injection")
    tl = sj.crew(ulysses_plan)
    assert tl.overview()["clock"]["in_words"] == tl.clock.in_words()
    assert tl.overview()["events"] == [e.to_dict() for e in ulysses_plan.events]

    monkeypatch.setattr(dossier_mod, "_abort_analysis", lambda *a: None)
    monkeypatch.setattr(dossier_mod, "_crew_timeline", lambda *a: tl)
    monkeypatch.setattr(dossier_mod, "_outbound_porkchop", lambda p, e: (_tiny_porkchop(p), []))
    monkeypatch.setattr(dossier_mod, "_draw_figures", lambda d, e, f: {})
    page = dossier_mod.render_html(dossier_mod.build_dossier(ulysses_plan))
    assert 'id="time"' in page and "Time on Mars and aboard" in page and "they end ahead, not behind" in page
    assert "Earth hears (UTC)" in page and f"sol 0 · {ulysses_plan.surface.landing.lmst[:5]} LMST" in page


def _tiny_porkchop(plan):
    leg = plan.legs[0]
    return sj.porkchop(leg.origin, leg.destination, f"{tdb_to_utc_iso(leg.t_depart)}:"
                       f"{tdb_to_utc_iso(leg.t_depart + 2 * DAY)}", f"{tdb_to_utc_iso(leg.t_arrive)}:"
                       f"{tdb_to_utc_iso(leg.t_arrive + 2 * DAY)}", 1.0)
