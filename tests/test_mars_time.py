"""Mars time: the Mars24 worked examples, Mars-year starts, a landing's local time, Ls against DE421.

Sources
-------
* NASA GISS, Mars24 "Algorithm and Worked Examples" (giss.nasa.gov/tools/mars24/help/algorithm.html),
  revision of 2015 and later: example A (2000-01-06 00:00:00 UTC, prime meridian) and example B
  (2004-01-03 13:46:31 UTC, 184.702 W, Spirit's planned site).
* Clancy et al. 2000, JGR 105:9553 (Mars year 1 began at Ls 0 on 1955-04-11); later year starts as
  tabulated in "Timekeeping on Mars" and by the Mars Society UK ("the new Martian year [37] started on
  the 26th of December [2022]").
* NASA/JPL, Perseverance landing, 2021-02-18: touchdown confirmed 12:55 p.m. PST (20:55 UTC, Earth
  received), one-way light time 11 min 22 s, landing site 18.44 N 77.45 E; the Mars 2020 team gave the
  landing time as "about 3:53 pm local [mean solar] time" (sol 0).
* NASA/JPL: Curiosity's sol 1,000 "corresponded to May 30, 2015"; its sol 2,000 was March 22, 2018
  (mission days in US Pacific time); MSL numbers the landing sol 0.
"""

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from sojourn.core.mars24 import orbit_one
from sojourn.errors import InputError
from sojourn.marstime import (
    DUST_STORM_SEASON_LS_DEG,
    MarsTime,
    SOL_S,
    daylight_hours,
    duration_sols,
    hms,
    in_dust_storm_season,
    local_sol_date,
    ls_from_ephemeris,
    mars_time,
    mars_time_tdb,
    mission_sol,
    northern_season,
    records,
    solar_declination_deg,
)
from sojourn.time import DAY, datetime64_to_tt, parse_utc

# --- the GISS worked examples, to their printed digits (one unit of the last printed digit) ---

EXAMPLE_A = "2000-01-06T00:00:00"
EXAMPLE_B = "2004-01-03T13:46:31"
SPIRIT_PLANNED_EAST = 360.0 - 184.702  # Mars24 takes west longitude


def _steps(when):
    m, fms, pbs, centre, _ = orbit_one(float(datetime64_to_tt(np.datetime64(when, "us"))) / DAY)
    return {"m_deg": m, "fms_deg": fms, "pbs_deg": pbs, "centre_deg": centre}


def test_worked_example_a_orbit_steps():
    assert datetime64_to_tt(np.datetime64(EXAMPLE_A)) / DAY == pytest.approx(4.50074, abs=1e-5)
    s = _steps(EXAMPLE_A)
    assert float(s["m_deg"]) == pytest.approx(21.74558, abs=1e-5)  # B-1
    assert float(s["fms_deg"]) == pytest.approx(272.74566, abs=1e-5)  # B-2
    assert float(s["pbs_deg"]) == pytest.approx(0.00142, abs=1e-5)  # B-3
    assert float(s["centre_deg"]) == pytest.approx(4.44193, abs=1e-5)  # B-4


def test_worked_example_a_clocks():
    a = mars_time(EXAMPLE_A)
    assert a.ls_deg == pytest.approx(277.18758, abs=1e-5)  # B-5
    assert a.eot_minutes / 4.0 == pytest.approx(-5.18774, abs=1e-5)  # C-1, degrees
    assert a.msd == pytest.approx(44795.99976, abs=1e-5)  # C-2
    assert a.mtc_hours == pytest.approx(23.99425, abs=1e-5)  # C-3
    assert (a.mtc, a.lmst, a.ltst) == ("23:59:39", "23:59:39", "23:38:54")  # C-3 to C-5
    assert a.mars_year == 24


def test_worked_example_b_orbit_steps():
    assert datetime64_to_tt(np.datetime64(EXAMPLE_B)) / DAY == pytest.approx(1463.07471, abs=1e-5)
    s = _steps(EXAMPLE_B)
    assert float(s["m_deg"]) % 360.0 == pytest.approx(66.06858, abs=1e-5)
    assert float(s["fms_deg"]) % 360.0 == pytest.approx(317.09457, abs=1e-5)
    assert float(s["pbs_deg"]) == pytest.approx(0.01614, abs=1e-5)
    assert float(s["centre_deg"]) == pytest.approx(10.22959, abs=1e-5)


def test_worked_example_b_is_true_solar_midnight_at_spirits_planned_site():
    b = mars_time(EXAMPLE_B, SPIRIT_PLANNED_EAST)
    assert b.ls_deg == pytest.approx(327.32416, abs=1e-5)
    assert b.mtc_hours == pytest.approx(13.16537, abs=1e-5)
    assert (b.mtc, b.lmst) == ("13:09:55", "00:51:07")
    # LTST 00:00:00: within one Mars second of midnight, on either side
    assert min(b.ltst_hours, 24.0 - b.ltst_hours) < 1.0 / 3600.0


def test_west_longitude_of_mars24_is_360_minus_east():
    east = mars_time(EXAMPLE_B, SPIRIT_PLANNED_EAST)
    negative = mars_time(EXAMPLE_B, -184.702)
    assert east.lmst_hours == pytest.approx(negative.lmst_hours, abs=1e-12)


# --- Mars years (Clancy et al. 2000 numbering) ---

YEAR_STARTS = {1: "1955-04-11", 24: "1998-07-14", 34: "2017-05-05", 35: "2019-03-23",
               36: "2021-02-07", 37: "2022-12-26"}


@pytest.mark.parametrize("year, day", sorted(YEAR_STARTS.items()))
def test_mars_year_starts_on_the_published_day(year, day):
    start = np.datetime64(day, "m")
    minutes = start + np.arange(0, 24 * 60 + 1, 10).astype("timedelta64[m]")
    ds = mars_time(minutes)
    years = ds["mars_year"].values
    assert years[0] == year - 1 and years[-1] == year  # the year turns during that UTC day
    turn = np.flatnonzero(np.diff(years))[0]
    assert ds["ls_deg"].values[turn] > 359.9 and ds["ls_deg"].values[turn + 1] < 0.1  # ... where Ls wraps


# --- a landing's local time ---


def test_perseverance_landed_at_about_1553_lmst():
    received = datetime(2021, 2, 18, 20, 55, tzinfo=timezone.utc)
    landed = received - timedelta(minutes=11, seconds=22)  # NASA: one-way light time 11 min 22 s
    lmst = mars_time(landed, 77.45).lmst_hours
    assert abs(lmst - (15 + 53 / 60)) < 1.0 / 60.0  # within a Mars minute of 15:53


def test_curiosity_sols_1000_and_2000_fall_on_the_published_days():
    landing = parse_utc("2012-08-06T05:17:57")  # touchdown, spacecraft event time
    pacific = timezone(timedelta(hours=-7))  # PDT on both days
    for sol, day in ((1000, datetime(2015, 5, 30, tzinfo=pacific)), (2000, datetime(2018, 3, 22, tzinfo=pacific))):
        start = parse_utc(day.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M"))
        span = start + np.array([0.0, DAY - 1.0])
        first, last = mission_sol(span, landing, 137.4417, first_sol=0)
        assert first <= sol <= last
    assert mission_sol(landing, landing, 137.4417) == 0


def test_a_sol_begins_at_local_mean_midnight():
    t = parse_utc("2030-01-01") + np.linspace(0.0, 3 * SOL_S, 3001)
    lon = 100.0
    sols = mission_sol(t, t[0], lon)
    lmst = mars_time_tdb(t, lon)["lmst_hours"]
    turns = np.flatnonzero(np.diff(sols))
    assert np.all(np.diff(sols) >= 0) and turns.size in (2, 3)
    assert np.all(lmst[turns] > 23.9) and np.all(lmst[turns + 1] < 0.1)


def test_duration_in_sols_and_the_local_sol_date():
    t0 = parse_utc("2033-04-25")
    # sols count TT; 500 sols of TDB differ from 500 sols of TT by the change of TDB - TT (< 3.4 ms)
    assert float(duration_sols(t0, t0 + 500 * SOL_S)) == pytest.approx(500.0, abs=3.4e-3 / SOL_S)
    assert float(local_sol_date(t0, 90.0) - local_sol_date(t0, 0.0)) == pytest.approx(0.25, abs=1e-12)


# --- Ls against the ephemeris ---


def test_mars24_ls_agrees_with_de421_and_the_iau_pole_as_measured():
    # Measured over the whole of DE421 (1900-2053) every 6 hours: at most 0.0083 deg, rms 0.0025 deg,
    # against the apparent Ls (the Sun seen from Mars with aberration, as Allison & McEwen fitted it).
    # Daily samples here; 0.0085 deg leaves room for nothing but sampling.
    from sojourn.ephemeris import load_ephemeris

    start, end = load_ephemeris().coverage("mars")
    t = np.arange(start + DAY, end - DAY, DAY)
    diff = (mars_time_tdb(t)["ls_deg"] - ls_from_ephemeris(t) + 180.0) % 360.0 - 180.0
    assert np.abs(diff).max() < 0.0085
    assert np.sqrt(np.mean(diff ** 2)) < 0.003


def test_geometric_ls_without_aberration_is_farther_off():
    # Without aberration the mean difference is the aberration itself, v/c = 0.0046 deg (measured -0.0039).
    t = parse_utc("2000-01-01") + np.arange(0.0, 3 * 687.0, 1.0) * DAY
    diff = (mars_time_tdb(t)["ls_deg"] - ls_from_ephemeris(t, aberration=False) + 180.0) % 360.0 - 180.0
    assert -0.0055 < diff.mean() < -0.003


@pytest.fixture()
def spice_mars():
    """SPICE with DE421 and the IAU 2015 Mars model of pck00011.tpc (Archinal et al. 2018)."""
    sp = pytest.importorskip("spiceypy")
    from sojourn.ephemeris import default_ephemeris_path

    sp.kclear()
    sp.furnsh(str(default_ephemeris_path()))
    sp.pdpool("BODY499_POLE_RA", [317.269202, -0.10927547, 0.0])
    sp.pdpool("BODY499_POLE_DEC", [54.432516, -0.05827105, 0.0])
    sp.pdpool("BODY499_PM", [176.049863, 350.891982443297, 0.0])
    sp.pdpool("BODY499_NUT_PREC_RA", [0.0] * 10 + [0.000068, 0.000238, 0.000052, 0.000009, 0.419057])
    sp.pdpool("BODY499_NUT_PREC_DEC", [0.0] * 15 + [0.000051, 0.000141, 0.000031, 0.000005, 1.591274])
    sp.pdpool("BODY499_NUT_PREC_PM", [0.0] * 20 + [0.000145, 0.000157, 0.000040, 0.000001, 0.000001, 0.584542])
    angles = [190.72646643, 15917.10818695, 21.46892470, 31834.27934054, 332.86082793, 19139.89694742,
              394.93256437, 38280.79631835, 189.63271560, 41215158.18420050, 121.46893664, 660.22803474,
              231.05028581, 660.99123540, 251.37314025, 1320.50145245, 217.98635955, 38279.96125550,
              196.19729402, 19139.83628608, 198.991226, 19139.4819985, 226.292679, 38280.8511281,
              249.663391, 57420.7251593, 266.183510, 76560.6367950, 79.398797, 0.5042615,
              122.433576, 19139.9407476, 43.058401, 38280.8753272, 57.663379, 57420.7517205,
              79.476401, 76560.6495004, 166.325722, 0.5042615, 129.071773, 19140.0328244,
              36.352167, 38281.0473591, 56.668646, 57420.9295360, 67.364003, 76560.2552215,
              104.792680, 95700.4387578, 95.391654, 0.5042615]
    sp.pdpool("BODY4_NUT_PREC_ANGLES", angles)
    yield sp
    sp.kclear()


def test_ephemeris_ls_matches_spice_lspcn(spice_mars):
    # An independent implementation of the same definition (SPICE's planetocentric solar longitude).
    t = np.linspace(-3.0e9, 1.6e9, 25)
    geometric = np.array([np.degrees(spice_mars.lspcn("MARS", x, "NONE")) for x in t])
    apparent = np.array([np.degrees(spice_mars.lspcn("MARS", x, "LT+S")) for x in t])
    for theirs, ours in ((geometric, ls_from_ephemeris(t, aberration=False)), (apparent, ls_from_ephemeris(t))):
        assert np.abs((theirs - ours + 180.0) % 360.0 - 180.0).max() < 1e-6


# --- many instants, the array core and the records ---


def test_a_dataset_holds_the_same_values_as_single_instants():
    days = np.array(["2000-01-06", "2004-01-03T13:46:31", "2031-07-01T06:30"], dtype="datetime64[ms]")
    ds = mars_time(days, 175.298)
    assert ds.sizes == {"utc": 3} and ds.attrs["east_longitude_deg"] == 175.298
    for i, day in enumerate(days):
        one = mars_time(str(day), 175.298)
        for name in ("msd", "mtc_hours", "lmst_hours", "ltst_hours", "ls_deg"):
            # text goes through TDB and the short TDB-TT series: the two paths agree to about 10 us
            assert float(ds[name].values[i]) == pytest.approx(getattr(one, name), abs=1e-8)
        assert int(ds["mars_year"].values[i]) == one.mars_year
        assert float(ds["t_tdb"].values[i]) == pytest.approx(one.t_tdb, abs=1e-4)


def test_tdb_core_agrees_with_utc_entry_point():
    t = parse_utc("2040-03-03T03:03:03")
    core = mars_time_tdb(np.array([t, t + 1000.0]), 40.0)
    one = mars_time("2040-03-03T03:03:03", 40.0)
    assert core["lmst_hours"][0] == pytest.approx(one.lmst_hours, abs=1e-9)
    assert core["lmst_hours"][1] - core["lmst_hours"][0] == pytest.approx(1000.0 / SOL_S * 24.0, abs=1e-9)


def test_inputs_of_every_kind_give_the_same_instant():
    forms = ["2000-01-06", datetime(2000, 1, 6), datetime(2000, 1, 6, 1, tzinfo=timezone(timedelta(hours=1))),
             np.datetime64("2000-01-06T00:00:00")]
    values = [mars_time(x).mtc_hours for x in forms]
    assert max(values) - min(values) < 1e-9
    assert isinstance(mars_time(["2000-01-06", "2000-01-07"]), type(mars_time(np.array(forms[3:]))))


def test_a_leap_second_is_an_instant_too():
    before = mars_time("2016-12-31T23:59:59")
    inside = mars_time("2016-12-31T23:59:60")
    assert (inside.msd - before.msd) * SOL_S == pytest.approx(1.0, abs=1e-4)


def test_records_are_the_cli_json():
    ds = mars_time(np.array(["2000-01-06"], dtype="datetime64[ms]"))
    rec = records(ds)[0]
    assert rec == mars_time("2000-01-06").to_dict()
    assert {"utc", "msd", "mtc", "lmst", "ltst", "ls_deg", "mars_year"} <= set(rec)
    assert rec["utc"] == "2000-01-06T00:00:00.000" and rec["mtc"] == "23:59:39"
    assert records(mars_time("2000-01-06")) == [rec]


def test_summary_names_the_clocks():
    text = repr(mars_time("2000-01-06"))
    assert text.startswith("<MarsTime") and "MTC=23:59:39" in text


def test_hms_rounds_to_the_second_and_wraps():
    assert hms(23.99999) == "00:00:00"
    assert hms(0.85190) == "00:51:07"
    assert hms(-0.5) == "23:30:00"
    assert hms(float("nan")) == "--:--:--"


@pytest.mark.parametrize("bad", ["2000-13-01", "yesterday", 2000.0, None, [], np.array([["2000-01-01"]]),
                                 np.array(["NaT"], dtype="datetime64[ms]")])
def test_bad_instants_are_refused_naming_when(bad):
    with pytest.raises(InputError) as err:
        mars_time(bad)
    assert err.value.where == "when"


@pytest.mark.parametrize("bad", [float("nan"), "east", True, [1.0, 2.0]])
def test_bad_longitudes_are_refused(bad):
    with pytest.raises(InputError) as err:
        mars_time("2000-01-06", bad)
    assert err.value.where == "east_longitude_deg"


# --- seasons and daylight ---


def test_dust_storm_season_is_the_second_half_of_the_year():
    assert DUST_STORM_SEASON_LS_DEG == (180.0, 360.0)
    got = in_dust_storm_season([0.0, 90.0, 179.999, 180.0, 270.0, 359.999, 360.0, -90.0])
    assert got.tolist() == [False, False, False, True, True, True, False, True]
    assert mars_time(EXAMPLE_A).dust_storm_season  # Ls 277


def test_a_season_may_wrap_through_zero_or_be_the_narrower_classical_one():
    assert in_dust_storm_season([340.0, 10.0, 40.0], season=(330.0, 30.0)).tolist() == [True, True, False]
    assert in_dust_storm_season([160.0, 345.0], season=(150.0, 340.0)).tolist() == [True, False]
    with pytest.raises(InputError):
        in_dust_storm_season(10.0, season=(30.0, 30.0))


def test_northern_seasons():
    assert [northern_season(x) for x in (0.0, 95.0, 180.0, 359.0)] == ["spring", "summer", "autumn", "winter"]


def test_solar_declination_follows_the_obliquity():
    # D-5: asin(0.42565) = 25.19 deg (Mars's obliquity), plus 0.25 deg at the solstices: 25.441
    assert float(solar_declination_deg(90.0)) == pytest.approx(25.4418, abs=1e-4)
    assert float(solar_declination_deg(0.0)) == 0.0
    assert mars_time(EXAMPLE_A).solar_declination_deg == pytest.approx(
        float(solar_declination_deg(277.18758)), abs=1e-4)


def test_daylight():
    assert np.allclose(daylight_hours(0.0, [-60.0, 0.0, 60.0]), 12.0)  # equinox: 12 h everywhere
    assert np.allclose(daylight_hours([45.0, 135.0, 300.0], 0.0), 12.0)  # the equator: always 12 h
    assert float(daylight_hours(90.0, 80.0)) == 24.0 and float(daylight_hours(90.0, -80.0)) == 0.0
    north, south = daylight_hours(60.0, 30.0), daylight_hours(240.0, -30.0)
    assert float(north) > 12.0 and float(north) == pytest.approx(float(south), abs=1e-9)  # the mirror season
    with pytest.raises(InputError):
        daylight_hours(0.0, 91.0)


def test_mars_time_is_a_result():
    assert isinstance(mars_time(EXAMPLE_A), MarsTime)


# --- the verb, a site, a range ---


def test_the_verb_is_not_hidden_by_its_module():
    import sojourn as sj
    import sojourn.marstime  # noqa: F401  (a submodule import sets an attribute on the package)

    assert callable(sj.mars_time) and sj.mars_time("2000-01-06").mtc == "23:59:39"
    assert sj.mars_time_tdb is mars_time_tdb


def test_a_site_gives_its_longitude_and_its_daylight():
    one = mars_time("2021-02-18T20:43:38", site="Perseverance")  # the mission's name finds Jezero
    bare = mars_time("2021-02-18T20:43:38", 77.45)
    assert one.site.name == "jezero" and one.lmst == bare.lmst and one.ltst == bare.ltst
    assert abs(one.lmst_hours - (15 + 53 / 60)) < 1 / 60  # "about 3:53 pm", NASA/JPL
    assert one.daylight_hours == pytest.approx(float(daylight_hours(one.ls_deg, 18.44)), abs=1e-12)
    rec = one.to_dict()
    assert rec["site"] == "jezero" and rec["latitude_deg"] == 18.44 and "daylight_hours" in rec
    assert "site" not in bare.to_dict()


def test_a_range_steps_on_the_utc_calendar_and_includes_its_end():
    ds = mars_time("2030-01-01:2030-01-31", step_days=10, site="gale")
    assert [str(d)[:10] for d in ds["utc"].values] == ["2030-01-01", "2030-01-11", "2030-01-21", "2030-01-31"]
    assert ds.attrs["site"] == "gale" and ds["daylight_hours"].size == 4
    for i, day in enumerate(("2030-01-01", "2030-01-11", "2030-01-21", "2030-01-31")):
        one = mars_time(day, site="gale")
        assert float(ds["lmst_hours"].values[i]) == pytest.approx(one.lmst_hours, abs=1e-8)
    assert records(ds)[3] == {**mars_time("2030-01-31", site="gale").to_dict(), "utc": "2030-01-31T00:00:00.000"}
    # times with colons on both ends; a daily step by default; an end off the grid is not reached
    ds = mars_time("2030-01-01T12:00:2030-01-03")
    assert [str(d)[:16] for d in ds["utc"].values] == ["2030-01-01T12:00", "2030-01-02T12:00"]


@pytest.mark.parametrize("kwargs,where", [
    ({"when": "2030-01-01", "east_longitude_deg": 10.0, "site": "gale"}, "site"),
    ({"when": "2030-01-01", "site": "Atlantis"}, "site"),
    ({"when": "2030-01-01", "step_days": 1.0}, "step_days"),
    ({"when": ["2030-01-01", "2030-01-02"], "step_days": 1.0}, "step_days"),
    ({"when": "2030-01-01:2030-01-31", "step_days": 0.0}, "step_days"),
    ({"when": "2000-01-01:2040-01-01", "step_days": 1e-6}, "step_days"),
    ({"when": "2030-01-31:2030-01-01"}, "when"),
    ({"when": "2030-01-01:2030-02-30"}, "when"),
])
def test_sites_and_ranges_refuse_nonsense_naming_the_parameter(kwargs, where):
    with pytest.raises(InputError) as err:
        mars_time(**kwargs)
    assert err.value.where == where


# --- the command ---


def _run(argv, capsys):
    from sojourn.cli import main

    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_marstime_command_json_is_records(capsys):
    import json

    status, out, err = _run(["marstime", "2000-01-06", "--json"], capsys)
    assert status == 0 and err == ""
    rows = json.loads(out)
    assert rows == [mars_time("2000-01-06").to_dict()] and rows[0]["mtc"] == "23:59:39"  # worked example A
    status, out, _ = _run(["marstime", "2030-01-01:2030-01-31", "--step", "10", "--site", "gale", "--json"], capsys)
    rows = json.loads(out)
    assert status == 0 and rows == records(mars_time("2030-01-01:2030-01-31", step_days=10, site="gale"))
    for r in rows:
        assert {"utc", "msd", "mtc", "lmst", "ltst", "ls_deg", "mars_year"} <= set(r)
        assert all(len(r[k]) == 8 and r[k][2] == r[k][5] == ":" for k in ("mtc", "lmst", "ltst"))


def test_marstime_command_tables_keep_dates_whole_at_80_columns(capsys, terminal_80, in_one_row):
    with terminal_80():
        status, out, _ = _run(["marstime", "2021-02-18T20:43:38", "--site", "jezero"], capsys)
    one = mars_time("2021-02-18T20:43:38", site="jezero")
    assert status == 0 and "Jezero crater" in out and in_one_row(out, "(LMST)", one.lmst)
    assert in_one_row(out, "Mars year", "36") and "Zurek &" in out and "Martin 1993" in out
    with terminal_80():
        status, out, _ = _run(["marstime", "2030-01-01:2030-03-01", "--step", "10", "--lon", "77.45"], capsys)
    ds = mars_time("2030-01-01:2030-03-01", step_days=10, east_longitude_deg=77.45)
    for r in records(ds):
        assert in_one_row(out, r["utc"][:19], f"{r['msd']:.4f}", r["mtc"], r["lmst"], r["ltst"])
    assert max(len(line) for line in out.splitlines()) <= 80


@pytest.mark.parametrize("argv,where", [
    (["marstime", "2000-13-01"], "(WHEN)"),
    (["marstime", "2000-01-06", "--lon", "10", "--site", "gale"], "(--site)"),
    (["marstime", "2000-01-06", "--site", "Atlantis"], "(--site)"),
    (["marstime", "2000-01-06:2000-02-01", "--step", "0"], "(--step)"),
    (["marstime", "2000-01-06", "--lon", "nan"], "(--lon)"),
])
def test_marstime_command_errors_name_the_option(argv, where, capsys):
    status, out, err = _run(argv, capsys)
    assert status == 2 and out == "" and err.startswith("error: ") and err.strip().endswith(where)
