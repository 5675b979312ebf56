"""Crewed round trips: the search, the plan, the survey and the vehicle, against physics and DRA 5.0."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import sojourn as sj
from sojourn.cli import main
from sojourn.ephemeris import load_ephemeris
from sojourn.mission.plan import trajectory_samples
from sojourn.mission.vehicle import fly_burns

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def dra5_survey():
    # the eight opportunities whose launch periods open in 2030-2045 (named as the handbooks name them:
    # 2030 is the one whose least C3 falls in February 2031, 2045 the one of February 2046)
    return sj.survey(EXAMPLES / "dra5-conjunction.toml", 2030, 2045).to_dict()


def _scenario(**changes) -> sj.Scenario:
    """The DRA 5.0 example over the 2033 opportunity only, with some sections changed."""
    data = sj.load_scenario(EXAMPLES / "dra5-conjunction.toml").to_dict()
    data["windows"]["launch"] = "2033-01-01:2033-08-01"
    for section, values in changes.items():
        data.setdefault(section, {}).update(values)
    return sj.Scenario.from_dict(data, source="test.toml")


def test_dra5_survey_lies_in_the_range_nasa_reports(dra5_survey):
    # NASA DRA 5.0 (NASA/SP-2009-566), ../shared/references.md: conjunction-class crewed
    # missions average about 7 ± 1 km/s of total Δv with about 500 days on the surface.
    # Ideal impulsive patched-conic burns (no gravity losses, no plane change at Mars)
    # are a lower bound of flown Δv, so they sit at the low end of that range.
    years = [r["opportunity"] for r in dra5_survey]
    assert years == [2030, 2033, 2035, 2037, 2039, 2041, 2043, 2045]
    assert all(r["feasible"] for r in dra5_survey)
    dv = np.array([r["total_dv_kms"] for r in dra5_survey])
    assert np.all((dv > 5.8) & (dv < 7.5)), dv
    assert 5.9 < dv.mean() < 7.0
    stays = np.array([r["stay_days"] for r in dra5_survey])
    assert np.all((stays >= 450 - 1e-6) & (stays <= 600 + 1e-6))
    assert 450 < stays.mean() < 560  # "about 500 days on the surface"
    for r in dra5_survey:
        assert r["total_days"] == pytest.approx(r["outbound_days"] + r["stay_days"] + r["return_days"], abs=1e-6)
        assert sum(b["dv_kms"] for b in r["burns"]) == pytest.approx(r["total_dv_kms"], rel=1e-12)
        assert r["earth_entry_speed_kms"] <= 12.5


def test_plan_legs_land_where_the_planets_are(ulysses_plan):
    # independent check: propagate each leg's Lambert arc and compare with the ephemeris
    eph = load_ephemeris()
    samples = trajectory_samples(ulysses_plan, n=50)
    for leg, path in zip(ulysses_plan.legs, samples["legs"]):
        r_to, _ = eph.state(leg.destination, leg.t_arrive)
        r_from, _ = eph.state(leg.origin, leg.t_depart)
        assert np.linalg.norm(path[0] - r_from) < 1e-3
        assert np.linalg.norm(path[-1] - r_to) < 1.0  # km


def test_plan_burns_follow_from_the_legs(ulysses_plan, ulysses_scenario):
    # Earth departure from the 400 km parking orbit: sqrt(C3 + 2mu/r) - sqrt(mu/r)
    mu = ulysses_scenario.origin_body.gm_km3s2
    r = ulysses_scenario.parking_radius_km
    c3 = ulysses_plan.legs[0].c3
    tmi = next(b for b in ulysses_plan.burns if b.name == "earth_departure")
    assert tmi.dv_kms == pytest.approx(math.sqrt(c3 + 2 * mu / r) - math.sqrt(mu / r), rel=1e-12)
    assert ulysses_plan.total_dv_kms == pytest.approx(sum(b.dv_kms for b in ulysses_plan.burns), rel=1e-12)
    assert ulysses_plan.total_days == pytest.approx(
        ulysses_plan.legs[0].tof_days + ulysses_plan.stay_days + ulysses_plan.legs[1].tof_days, abs=1e-6)
    # the story: about ten months outbound
    assert 280 - 1e-6 <= ulysses_plan.legs[0].tof_days <= 320 + 1e-6
    assert ulysses_plan.budget.closes


def test_the_plan_is_typed_data_with_utc_dates(ulysses_plan):
    import dataclasses
    import datetime as dt

    p = ulysses_plan
    assert all(isinstance(e.date, dt.datetime) and e.date.utcoffset() == dt.timedelta(0) for e in p.events)
    assert p.launch == p.legs[0].depart == p.events[0].date
    assert [b.name for b in p.burns] == ["earth_departure", "mars_arrival", "mars_departure", "earth_arrival"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.total_dv_kms = 0.0
    d = p.to_dict()
    first = d["events"][0]
    assert {k: first[k] for k in ("name", "date")} == {"name": p.events[0].name,
                                                      "date": p.events[0].date.strftime("%Y-%m-%dT%H:%M")}
    assert set(first) <= {"name", "date", "received", "light_time_s", "mars"}  # Mars time only adds
    assert "Plan" in repr(p) and len(repr(p)) < 200 and "<table" in p._repr_html_()


def test_plan_is_no_worse_than_its_runners_up(ulysses_plan):
    assert ulysses_plan.alternatives
    for alt in ulysses_plan.alternatives:
        assert ulysses_plan.total_dv_kms <= alt.total_dv_kms + 1e-9
    # Pareto front: sorted by duration, Δv strictly falls
    days = [p.total_days for p in ulysses_plan.pareto]
    dv = [p.total_dv_kms for p in ulysses_plan.pareto]
    assert days == sorted(days)
    assert all(b < a for a, b in zip(dv, dv[1:]))


def test_min_duration_objective_gives_a_shorter_mission():
    fast = sj.plan(_scenario(mission={"objective": "min_total_duration"}))
    cheap = sj.plan(_scenario())
    assert fast.total_days <= cheap.total_days
    assert cheap.total_dv_kms <= fast.total_dv_kms + 1e-9


@pytest.mark.parametrize("section, values, key, says", [
    # the least values are what the search finds for the 2033 opportunity with these limits lifted
    ("constraints", {"max_c3": 2.0}, "constraints.max_c3", "launch C3 at most 2 km²/s² (the least is 8."),
    ("constraints", {"max_entry_speed_kms": 9.0}, "constraints.max_entry_speed_kms",
     "Earth entry speed at most 9 km/s (the least is 11."),
])
def test_infeasible_mission_names_the_binding_constraint(section, values, key, says):
    with pytest.raises(sj.NoSolutionError) as err:
        sj.plan(_scenario(**{section: values}))
    assert err.value.where == f"test.toml: {key}"
    assert says in err.value.message


def test_a_total_dv_cap_below_the_least_names_it_and_the_least_on_the_grid():
    """The least total Δv the message gives is the grid's: the plan with the cap lifted, refined
    below the 1-day step, is no dearer and moves by little (the plane change included both times)."""
    import re

    with pytest.raises(sj.NoSolutionError) as err:
        sj.plan(_scenario(constraints={"max_total_dv_kms": 3.0}))
    assert err.value.where == "test.toml: constraints.max_total_dv_kms"
    least = float(re.search(r"total Δv at most 3 km/s \(the least is ([0-9.]+) km/s\)", err.value.message)[1])
    lifted = sj.plan(_scenario()).total_dv_kms
    assert lifted - 1e-9 <= least + 0.005 and least - lifted < 0.02


def test_rocket_budget_single_stage_closed_form():
    # one stage, one burn: m_prop = m0 (1 - exp(-dv / (Isp g0)))
    class Stage:
        name, isp_s, dry_mass_kg, propellant_kg, burns = "S", 450.0, 10_000.0, 50_000.0, ["earth_departure"]

    class Vessel:
        payload_kg, stages = 40_000.0, [Stage]

    budget = fly_burns(Vessel, [("earth_departure", 3.0), ("mars_arrival", 0.0)])
    m0 = 100_000.0
    expected = m0 * (1 - math.exp(-3.0 / (450 * 9.80665e-3)))  # 49,315 kg
    assert budget.burns[0].propellant_kg == pytest.approx(expected, rel=1e-12)
    assert budget.closes and budget.margins_kg["S"] == pytest.approx(50_000 - expected)
    budget = fly_burns(Vessel, [("earth_departure", 5.0)])
    assert not budget.closes and budget.breaking_burn == "earth_departure"


def test_vessel_too_small_names_the_burn_that_breaks_it():
    data = sj.load_scenario(EXAMPLES / "ulysses.toml").to_dict()
    data["vessel"]["stages"][-1]["propellant_kg"] = 5_000.0
    plan = sj.plan(sj.Scenario.from_dict(data, source="small.toml"))
    assert not plan.budget.closes
    assert plan.budget.breaking_burn in ("mars_arrival", "mars_departure")
    assert any("cannot afford" in w for w in plan.warnings)


def test_cli_plan_json_and_bad_scenario(tmp_path, capsys):
    assert main(["plan", str(EXAMPLES / "ulysses.toml"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {e["name"] for e in data["events"]} >= {"Mars arrival", "Surface stay ends"}
    assert all({"name", "date"} <= set(e) for e in data["events"])
    assert [b["name"] for b in data["burns"]] == ["earth_departure", "mars_arrival", "mars_departure", "earth_arrival"]
    for key in ("total_dv_kms", "total_days", "stay_days"):
        assert isinstance(data[key], float)

    bad = tmp_path / "bad.toml"
    bad.write_text((EXAMPLES / "ulysses.toml").read_text().replace('name = "Ulysses"', 'name = 3', 1))
    assert main(["plan", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "bad.toml" in err[0]

    tight = tmp_path / "tight.toml"
    tight.write_text((EXAMPLES / "dra5-conjunction.toml").read_text().replace("max_c3 = 25.0", "max_c3 = 2.0"))
    assert main(["plan", str(tight)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "constraints.max_c3" in err[0]


@pytest.mark.parametrize("example", ["dra5-conjunction.toml", "opposition-short-stay.toml"])
def test_every_example_plans_as_strict_json(example, capsys):
    # json.loads refuses nothing, but the CLI prints with allow_nan=False: a NaN would exit 1
    assert main(["plan", str(EXAMPLES / example), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    budget = data["propellant"]
    if not budget["margins_kg"]:  # a vessel without stages: no mass is known, and none is invented
        assert budget["total_propellant_kg"] is None
        assert all(use["mass_before_kg"] is None and use["propellant_kg"] is None for use in budget["burns"])


def test_cli_survey_json(capsys):
    assert main(["survey", "--mission", str(EXAMPLES / "dra5-conjunction.toml"),
                 "--start", "2033", "--end", "2033", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1
    for key in ("opportunity", "launch", "total_days", "stay_days", "total_dv_kms", "burns"):
        assert key in rows[0]
    assert rows[0]["opportunity"] == 2033


def test_a_step_too_fine_for_memory_is_refused_before_any_work(capsys):
    assert main(["plan", str(EXAMPLES / "ulysses.toml"), "--step", "0.01"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cells, more than" in err[0]


def test_an_opportunity_past_the_ephemeris_is_a_row_not_the_end_of_the_survey():
    data = sj.load_scenario(EXAMPLES / "dra5-conjunction.toml").to_dict()
    data["constraints"]["max_stay_days"] = 700.0  # the 2050 return could come after DE421 ends (2053-10-09)
    rows = sj.survey(sj.Scenario.from_dict(data, "long-stay"), "2048", "2050", step_days=4.0).to_dict()
    assert [r["opportunity"] for r in rows] == [2048, 2050]
    assert rows[0]["feasible"]
    assert not rows[1]["feasible"] and rows[1]["binding_constraint"] == "ephemeris"
    assert "outside the ephemeris" in rows[1]["reason"]


def test_plan_out_needs_a_parent_directory_and_checks_it_first(tmp_path, capsys):
    missing = tmp_path / "no" / "such"
    assert main(["plan", str(EXAMPLES / "ulysses.toml"), "--out", str(missing)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--out" in err[0] and not (tmp_path / "no").exists()


def test_survey_and_trade_agree_that_a_vessel_short_of_propellant_is_not_feasible():
    data = sj.load_scenario(EXAMPLES / "ulysses.toml").to_dict()
    data["vessel"]["stages"][-1]["propellant_kg"] = 5_000.0
    (row,) = sj.survey(sj.Scenario.from_dict(data, "short.toml"), "2033", "2033", step_days=4.0).to_dict()
    assert not row["feasible"] and row["binding_constraint"] == "vessel.stages"
    assert "runs out of propellant" in row["reason"]
    assert row["launch"] is not None and row["total_dv_kms"] > 0  # the plan is kept, with its dates and Δv


def test_refined_epochs_land_on_whole_utc_seconds(ulysses_plan):
    """The optimiser stops a fraction of a second from the optimum; the plan is put on whole UTC
    seconds (free to within 1e-7 of the objective)."""
    from sojourn.time import tdb_to_datetime64

    t = np.array([e.t for e in ulysses_plan.events])
    dt = tdb_to_datetime64(t)
    assert np.all(dt == dt.astype("datetime64[s]"))


def test_plan_and_survey_agree_on_one_opportunity(ulysses_plan):
    """The same opportunity planned from the scenario's window and from the survey's (which starts on
    another day, so its grid is another): the refinement leaves both grids for the same optimum.
    Ulysses' optimum lies on its shortest transits (280 days each way, both binding) at a launch hour
    no daily grid holds, so a refinement that stayed on the grid would give two answers here."""
    row = sj.survey(ulysses_plan.scenario, 2033, 2033).rows[0]
    assert row.opportunity == 2033 and row.feasible
    other = row.plan
    assert other.total_dv_kms == pytest.approx(ulysses_plan.total_dv_kms, abs=1e-7)
    assert other.total_days == pytest.approx(ulysses_plan.total_days, abs=1e-3)
    assert abs((other.launch - ulysses_plan.launch).total_seconds()) < 120
    # both transits on their lower limit, and the launch off the midnight grid; the optimiser stops
    # within a fraction of a second of the optimum and each epoch is then set on its nearest whole
    # UTC second, so a binding limit holds to a second
    assert [leg.tof_days for leg in ulysses_plan.legs] == pytest.approx([280.0, 280.0], abs=1.01 / 86400.0)
    assert ulysses_plan.launch.strftime("%H:%M") != "00:00"


def test_the_search_finds_the_brute_force_optimum_of_a_small_grid():
    """Every (launch, arrival, Mars departure, return) of a 5-day grid over the 2033 DRA 5.0
    opportunity, evaluated independently (ballistic transfers and the textbook burn formulas
    written here, every constraint applied), against the plan the decomposed search returns."""
    from sojourn.transfer.ballistic import transfers

    step = 5.0
    sc = _scenario(windows={"launch": "2033-03-01:2033-06-30", "step_days": step})
    c = sc.constraints
    earth, mars = sc.origin_body, sc.destination_body
    t0, t1 = sc.launch_window
    day = 86400.0
    launches = t0 + np.arange(0.0, (t1 - t0) / day + 1e-9, step) * day
    tofs = np.arange(c.min_transit_days, c.max_transit_days + 1e-9, step) * day
    # outbound: every launch x time of flight; Δv = departure from the circular parking orbit + capture
    L, T = np.meshgrid(launches, tofs, indexing="ij")
    o = transfers(earth, mars, L.ravel(), (L + T).ravel())
    r_park, mu_e, mu_m = sc.parking_radius_km, earth.gm_km3s2, mars.gm_km3s2
    rp, ra = sc.arrival_orbit_radii_km
    # the departure burn turns the plane when the asymptote's declination is beyond the 28.5° parking
    # orbit's reach: one combined burn at periapsis, sqrt(vc² + vp² - 2 vc vp cos Δi), Δi = max(0, |DLA| - i)
    vc, vp = np.sqrt(mu_e / r_park), np.sqrt(o["c3"] + 2 * mu_e / r_park)
    di = np.radians(np.maximum(0.0, np.abs(o["dla_deg"]) - sc.departure.parking_inclination_deg))
    dv_out = (np.sqrt(vc ** 2 + vp ** 2 - 2 * vc * vp * np.cos(di))
              + np.sqrt(o["vinf_arrival"] ** 2 + 2 * mu_m / rp) - np.sqrt(2 * mu_m * ra / (rp * (rp + ra))))
    ok_out = (o["status"] == 0) & (o["c3"] <= c.max_c3)
    # return: every Mars departure on the same day grid x time of flight; entry at Earth, no burn
    arrivals = (L + T).ravel()
    deps = np.unique(np.round((arrivals[:, None] + np.arange(c.min_stay_days, c.max_stay_days + 1e-9, step) * day)
                              .ravel(), 3))
    D, U = np.meshgrid(deps, tofs, indexing="ij")
    r = transfers(mars, earth, D.ravel(), (D + U).ravel())
    v_entry = np.sqrt(r["vinf_arrival"] ** 2 + 2 * mu_e / (earth.radius_km + 125.0))
    dv_ret = np.sqrt(r["vinf_departure"] ** 2 + 2 * mu_m / rp) - np.sqrt(2 * mu_m * ra / (rp * (rp + ra)))
    ok_ret = (r["status"] == 0) & (v_entry <= c.max_entry_speed_kms)
    best_ret = {}
    for d, dv, ok in zip(D.ravel(), dv_ret, ok_ret):
        if ok and dv < best_ret.get(round(d, 3), np.inf):
            best_ret[round(d, 3)] = dv
    brute = np.inf
    for a, dv, ok in zip(arrivals, dv_out, ok_out):
        if not ok:
            continue
        for stay in np.arange(c.min_stay_days, c.max_stay_days + 1e-9, step):
            brute = min(brute, dv + best_ret.get(round(a + stay * day, 3), np.inf))
    p = sj.plan(sc)
    # the refined plan is at least as good as the best grid round trip, and refinement below a
    # 5-day step moves Δv by little
    assert p.total_dv_kms <= brute + 1e-9
    assert p.total_dv_kms >= brute - 0.05


def test_a_vessel_without_a_stage_for_a_burn_the_mission_makes_cannot_plan_a_round_trip(capsys):
    """us-fast.toml is a race rival: its stages fly only the outbound burns. Planned as a whole round
    trip it is refused, naming the key, instead of planning a trip its vessel cannot fly home."""
    with pytest.raises(sj.ScenarioError) as err:
        sj.plan(EXAMPLES / "us-fast.toml")
    assert err.value.key == "vessel.stages" and "mars_departure" in err.value.message
    assert main(["plan", str(EXAMPLES / "us-fast.toml")]) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err.count("\n") == 1 and "vessel.stages" in out.err


def test_an_entry_faster_than_any_capsule_survived_is_a_warning():
    # NASA's short-stay example enters at about 18.7 km/s; Stardust's 12.9 km/s is the fastest survived
    p = sj.plan(EXAMPLES / "opposition-short-stay.toml")
    assert p.legs[1].entry_speed_kms > 12.9
    assert any("faster than any capsule has survived" in w for w in p.warnings)
    assert not any("capsule" in w for w in sj.plan(EXAMPLES / "dra5-conjunction.toml", step_days=4).warnings)
