"""Radiation dose equivalent of the crew (sojourn.onboard.dose) and the crew timeline on a small fake plan.

Published figures: deep-space cruise 1.84 mSv/day (Zeitlin et al. 2013, Science 340:1080);
Mars surface 0.64 mSv/day (Hassler et al. 2014, Science 343:1244797); career limit
600 mSv (NASA-STD-3001 Vol. 1 Rev. B). The totals below are computed by hand from
phase lengths chosen for the test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sojourn as sj
from sojourn.onboard.dose import DoseModel, SolarParticleEvent, integrate_dose, limit_crossing, phase_at
from sojourn.onboard.timeline import CrewSettings, crew_settings, day_edges
from sojourn.errors import InputError, ScenarioError
from sojourn.time import DAY, parse_utc

LAUNCH = parse_utc("2033-04-17T06:00")
OUT_DAYS, STAY_DAYS, BACK_DAYS = 200.25, 500.0, 199.5
BOUNDS = (LAUNCH, LAUNCH + OUT_DAYS * DAY, LAUNCH + (OUT_DAYS + STAY_DAYS) * DAY,
          LAUNCH + (OUT_DAYS + STAY_DAYS + BACK_DAYS) * DAY)
HAND_TOTAL = 1.84 * OUT_DAYS + 0.64 * STAY_DAYS + 1.84 * BACK_DAYS  # 1055.54 mSv


def _fake_plan():
    """A plan made by hand: two ballistic legs between the test's dates (no search)."""
    from sojourn.mission.plan import Leg, Plan

    legs = (Leg.between("earth", "mars", BOUNDS[0], BOUNDS[1]), Leg.between("mars", "earth", BOUNDS[2], BOUNDS[3]))
    return Plan(scenario_name="fake", objective="min_total_dv", ephemeris="de421.bsp", events=(), burns=(),
                legs=legs, total_dv_kms=0.0, total_days=(BOUNDS[3] - BOUNDS[0]) / DAY,
                stay_days=STAY_DAYS, budget=None)


def _dates(days):
    return [str(d) for d in days]


def test_dose_integrates_to_the_hand_computed_total():
    days, edges = day_edges(BOUNDS[0], BOUNDS[3])
    assert str(days[0]) == "2033-04-17" and len(days) == len(edges) - 1
    d = integrate_dose(DoseModel(), BOUNDS, edges)
    assert d.mission_msv == pytest.approx(HAND_TOTAL, rel=1e-12)
    assert d.by_phase["outbound"].sum() == pytest.approx(1.84 * OUT_DAYS, rel=1e-12)
    assert d.by_phase["mars"].sum() == pytest.approx(0.64 * STAY_DAYS, rel=1e-12)
    assert d.by_phase["return"].sum() == pytest.approx(1.84 * BACK_DAYS, rel=1e-12)
    # launch at 06:00 UTC: three quarters of a cruise day on the first day, whole days after
    assert d.dose_msv[0] == pytest.approx(0.75 * 1.84, rel=1e-9)
    assert d.dose_msv[1] == pytest.approx(1.84, rel=1e-9)
    assert d.cumulative_msv[-1] == pytest.approx(HAND_TOTAL, rel=1e-12)
    # the career limit: 600 - 1.84 x 200.25 = 231.54 mSv more at 0.64 mSv/day on Mars
    t = limit_crossing(DoseModel(), edges, d.cumulative_msv)
    assert t == pytest.approx(BOUNDS[1] + (600.0 - 1.84 * OUT_DAYS) / 0.64 * DAY, abs=1.0)


def test_phases():
    t = np.array([BOUNDS[0] - 1, BOUNDS[0] + 1, BOUNDS[1] + 1, BOUNDS[2] + 1, BOUNDS[3] + 1])
    assert phase_at(BOUNDS, t).tolist() == ["before", "outbound", "mars", "return", "after"]


def test_shielding_prior_dose_and_solar_particle_events():
    days, edges = day_edges(BOUNDS[0], BOUNDS[3])
    spe = (SolarParticleEvent("2034-01-10T12:00", 40.0), ("2030-01-01", 99.0))  # an event or a (date, dose) pair
    model = DoseModel(shielding_factor=0.5, prior_career_msv=10.0, solar_particle_events=spe)
    d = integrate_dose(model, BOUNDS, edges)
    assert d.mission_msv == pytest.approx(0.5 * HAND_TOTAL + 40.0, rel=1e-12)
    i = _dates(days).index("2034-01-10")
    assert d.spe_msv[i] == 40.0 and d.spe_msv.sum() == 40.0
    assert [s.date for s in d.spe_outside] == ["2030-01-01"]
    assert d.cumulative_msv[-1] == pytest.approx(10.0 + 0.5 * HAND_TOTAL + 40.0, rel=1e-12)
    assert limit_crossing(model, edges, d.cumulative_msv) is None
    assert d.phase_totals()["solar_particle_events"] == 40.0


def test_an_event_dated_on_launch_day_counts():
    """Events are given by UTC date (00:00); one on the launch day (launch 06:00) is the crew's."""
    import datetime

    days, edges = day_edges(BOUNDS[0], BOUNDS[3])
    model = DoseModel(solar_particle_events=(SolarParticleEvent(datetime.date(2033, 4, 17), 25.0),))
    d = integrate_dose(model, BOUNDS, edges)
    assert d.spe_msv[0] == 25.0 and d.spe_outside == ()
    assert d.mission_msv == pytest.approx(HAND_TOTAL + 25.0, rel=1e-12)


def test_solar_cycle_modulation():
    a = 0.3
    model = DoseModel(solar_modulation_amplitude=a)
    # the measured rate is reproduced at the middle of its measurement
    assert model.rate_msv_per_day("outbound", parse_utc("2012-03-26")) == pytest.approx(1.84, rel=1e-12)
    assert model.rate_msv_per_day("mars", parse_utc("2013-01-03")) == pytest.approx(0.64, rel=1e-12)
    # GCR dose is highest at solar minimum and lowest half a cycle later
    t_min = parse_utc("2019-12-15")
    half = 5.5 * 365.25 * DAY
    r = model.rate_msv_per_day("outbound", np.array([t_min, t_min + half, t_min + 2 * half]))
    assert r[0] == pytest.approx(r[2]) and r[0] / r[1] == pytest.approx((1 + a) / (1 - a))
    # the closed-form integral against quadrature, over a year that straddles phases of the cycle
    t0, t1 = parse_utc("2031-02-01"), parse_utc("2032-02-01")
    tt = np.linspace(t0, t1, 200001)
    quad = np.trapezoid(model.rate_msv_per_day("return", tt), tt) / DAY
    assert model.dose_msv("return", t0, t1) == pytest.approx(quad, rel=1e-9)
    # over a whole cycle the cosine averages out
    whole = model.dose_msv("outbound", t_min, t_min + 2 * half)
    assert whole == pytest.approx(1.84 * (2 * half / DAY) / model._norm("2012-03-26"), rel=1e-12)


@pytest.mark.parametrize("kwargs, where", [
    (dict(shielding_factor=0.0), "shielding_factor"),
    (dict(solar_modulation_amplitude=1.0), "solar_modulation_amplitude"),
    (dict(cruise_msv_per_day=-1.0), "cruise_msv_per_day"),
    (dict(career_limit_msv=float("nan")), "career_limit_msv"),
    (dict(solar_minimum="2019-13-01"), "solar_minimum"),
    (dict(solar_particle_events=[("2034-01-10", -1.0)]), "solar_particle_events[0].dose_msv"),
    (dict(solar_particle_events=[("2034-02-30", 1.0)]), "solar_particle_events[0].date"),
    (dict(solar_particle_events=[5]), "solar_particle_events[0]"),
])
def test_dose_model_refuses_nonsense_naming_the_attribute(kwargs, where):
    with pytest.raises(InputError) as exc:
        DoseModel(**kwargs)
    assert exc.value.where == where


def test_crew_timeline_on_a_fake_plan():
    tl = sj.crew(_fake_plan(), CrewSettings())
    s = tl.overview()
    assert s["dose"]["mission_msv"] == pytest.approx(HAND_TOTAL, abs=1e-3)
    assert s["days_since_leaving_earth"] == pytest.approx(OUT_DAYS + STAY_DAYS + BACK_DAYS)
    assert s["dose"]["limit_crossed"] and s["dose"]["limit_crossed_on"] == "2034-10-31"  # 2033-11-03T12:00 + 361.78 d
    records = tl.records()
    assert len(records) == len(tl.dates)
    assert sum(r["dose_msv"] for r in records) == pytest.approx(HAND_TOTAL, abs=1e-3)
    # light time is distance over c, and during the stay the crew is at Mars
    r = records[300]
    assert r["phase"] == "mars"
    assert r["light_time_min"] == pytest.approx(r["distance_km"] / 299792.458 / 60, abs=1e-5)
    from sojourn.ephemeris import load_ephemeris

    eph = load_ephemeris()
    t = tl.series["t_sample"].values[300]
    d = np.linalg.norm(eph.state("mars", t)[0] - eph.state("earth", t)[0])
    assert r["distance_km"] == pytest.approx(d, abs=0.1)
    # no NaN anywhere in what goes out
    for rec in records:
        for v in rec.values():
            assert not (isinstance(v, float) and not math.isfinite(v))
    # the series: one entry per UTC day, the dose adding up to the career total
    ds = tl.series
    assert ds.sizes["date"] == len(records) and str(ds["date"].values[0])[:10] == "2033-04-17"
    assert np.allclose(np.cumsum(ds["dose_msv"].values), ds["cumulative_msv"].values)
    assert ds["dose_msv"].attrs["units"] == "mSv"
    # a plan already searched has no grid step to set
    with pytest.raises(InputError) as exc:
        sj.crew(_fake_plan(), step_days=2.0)
    assert exc.value.where == "step_days"


def test_crew_config_file(tmp_path):
    path = tmp_path / "crew.toml"
    path.write_text("""
[dose]
shielding_factor = 0.5
solar_minimum = 2019-12-01
[[dose.solar_particle_events]]
date = 2034-01-10
dose_msv = 40
[comms]
threshold_deg = 3
frequency_ghz = 32.0
file_gb = 1
""")
    s = crew_settings(path, shielding_factor=0.25, margin_db=None)
    assert s.dose.shielding_factor == 0.25  # the override wins over the file
    assert s.dose.solar_minimum == "2019-12-01"
    assert s.dose.solar_particle_events == (SolarParticleEvent("2034-01-10", 40.0),)
    assert s.threshold_deg == 3.0 and s.link.frequency_hz == 32e9 and s.file_bytes == 1e9
    assert s.link.margin_db == 3.0
    # the same settings from a dict, and sj.crew takes either
    assert crew_settings({"dose": {"shielding_factor": 0.25, "solar_minimum": "2019-12-01",
                                   "solar_particle_events": [{"date": "2034-01-10", "dose_msv": 40}]},
                          "comms": {"threshold_deg": 3, "frequency_ghz": 32.0, "file_gb": 1}}) == s


@pytest.mark.parametrize("text,key,words", [
    ("[dose]\nshieldng_factor = 0.5\n", "dose.shieldng_factor", "did you mean 'shielding_factor'"),
    ("[dose]\nshielding_factor = '0.5'\n", "dose.shielding_factor", "expected a number"),
    ("[dose]\nshielding_factor = 0\n", "dose.shielding_factor", "must be a positive number"),
    ("[comms]\nthreshold_deg = -2\n", "comms.threshold_deg", "between 0 and 180 degrees"),
    ("[comms]\nfrequency_ghz = -8.4\n", "comms.frequency_ghz", "frequency must be a positive number of GHz"),
    ("[radiation]\nx = 1\n", "radiation", "unknown key"),
    ("[[dose.solar_particle_events]]\ndate = '2034-01-10'\n", "dose.solar_particle_events[0].dose_msv",
     "missing key"),
    ("[[dose.solar_particle_events]]\ndate = '2034-01-10'\ndose_msv = -3\n",
     "dose.solar_particle_events[0].dose_msv", "at least 0"),
    ("[dose]\nsolar_minimum = '2019-02-30'\n", "dose.solar_minimum", "invalid date"),
    ("[dose\n", "", "TOML syntax error at line 1"),
])
def test_crew_config_errors_name_file_and_key(tmp_path, text, key, words):
    path = tmp_path / "crew.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as exc:
        crew_settings(path)
    assert exc.value.where == (f"{path}: {key}" if key else str(path))
    assert words in exc.value.message


def test_crew_settings_errors_name_the_override_or_the_dict():
    with pytest.raises(InputError) as exc:
        crew_settings(None, shielding_factor=0.0)
    assert exc.value.where == "shielding_factor" and not isinstance(exc.value, ScenarioError)
    with pytest.raises(InputError) as exc:
        crew_settings(None, frequency_ghz="high")
    assert exc.value.where == "frequency_ghz" and "expected a number" in exc.value.message
    with pytest.raises(InputError) as exc:
        crew_settings(None, shielding=0.5)
    assert exc.value.where == "shielding"
    with pytest.raises(ScenarioError) as exc:
        sj.crew(_fake_plan(), {"dose": {"shielding_factor": -1}})
    assert exc.value.where == "settings: dose.shielding_factor"
    with pytest.raises(ScenarioError) as exc:
        crew_settings("/nonexistent/crew.toml")
    assert exc.value.message == "crew config file not found"
