"""Electric vessels in missions and races, the low-thrust figure and the ``sojourn lowthrust`` command.

Independent checks (no number here is copied from the code's own output):

* every optimised leg of a plan or a race, integrated again from its planet's
  ephemeris state with the test's own DOP853 and its own equations of motion,
  lands on the target planet's ephemeris state (1,000 km, 1 m/s) and keeps
  every throttle within the thrust available;
* the mass carried through the plan, worked out by hand from the scenario's
  masses and the rocket equation for the impulsive burns;
* the budget's electric propellant is what the legs' masses say they burnt;
* the escape burn from the Moon's distance and the capture from rest into the
  1-sol orbit, from the vis-viva equation;
* each race win arrives before A and keeps B's mass budget.
"""

from __future__ import annotations

import json
import math
import tomllib

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import sojourn as sj
from sojourn.bodies import GM_SUN, get_body
from sojourn.cli import main
from sojourn.errors import InputError, NoSolutionError, ScenarioError
from sojourn.mission.scenario import Scenario

from conftest import EXAMPLES

G0 = 9.80665e-3  # km/s² (standard gravity; the test's own copy)
DAY = 86400.0


def electric_ulysses(**electric) -> Scenario:
    """Ulysses with a nuclear-electric engine flying both legs (a lean search: 8 segments, 6-day grid)."""
    data = tomllib.loads((EXAMPLES / "ulysses.toml").read_text())
    data["windows"].update(launch="2033-03-01:2033-06-30", step_days=6.0)
    data["constraints"].pop("max_total_dv_kms")
    data["vessel"]["electric"] = {"name": "NEP", "thrust_n": 40.0, "isp_s": 3000.0, "dry_mass_kg": 20000.0,
                                  "propellant_kg": 40000.0, "segments": 8, "vinf_departure_kms": 2.5,
                                  "vinf_arrival_kms": 2.5, **electric}
    return Scenario.from_dict(data, "electric-ulysses.toml")


@pytest.fixture(scope="module")
def electric_plan():
    return sj.plan(electric_ulysses())


def fly_again(lt, eph_state, allowance_dep, engine):
    """The test's own integration of a leg's thrust history from the departure planet (km, km/s, kg)."""
    h = lt.history
    dur = float(h.attrs["duration_s"])
    u = np.nan_to_num(h.direction.values) * h.throttle.values[:, None]
    r0, v0 = eph_state(lt.departure, lt.t_launch)
    vinf = np.asarray(lt.departure_state[3:6]) - v0
    assert np.linalg.norm(vinf) <= allowance_dep + 1e-6
    assert np.allclose(lt.departure_state[:3], r0, atol=1e-3)
    ve = engine["isp_s"] * G0
    thrust = engine["thrust_n"] * engine.get("duty_cycle", 1.0) / 1000.0  # kN = kg km/s²

    def rhs(t, y, uk):
        r = y[:3]
        n = np.linalg.norm(uk)
        return np.r_[y[3:6], -GM_SUN * r / np.linalg.norm(r) ** 3 + thrust * uk / y[6], -thrust * n / ve]

    y = np.r_[r0, v0 + vinf, lt.initial_mass_kg]
    for k in range(u.shape[0]):
        assert np.linalg.norm(u[k]) <= 1.0 + 1e-9  # never above the thrust available
        y = solve_ivp(rhs, (0.0, dur), y, method="DOP853", rtol=1e-12, atol=1e-9, args=(u[k],)).y[:, -1]
    return y


def lands(lt, allowances, engine):
    """(miss in position km, v-infinity at arrival km/s, final mass kg) of the test's own integration."""
    from sojourn.ephemeris import resolve_ephemeris

    e = resolve_ephemeris(None)
    y = fly_again(lt, lambda b, t: e.state(b, t), allowances[0], engine)
    r1, v1 = e.state(lt.destination, lt.t_arrival)
    return np.linalg.norm(y[:3] - r1), np.linalg.norm(y[3:6] - v1), y[6]


# --------------------------------------------------------------------------- the scenario


@pytest.mark.parametrize("key, value, where", [
    ("power_law", "solar", "vessel.electric.power_law"),
    ("duty_cycle", 1.5, "vessel.electric.duty_cycle"),
    ("segments", 2, "vessel.electric.segments"),
    ("thrust", 3.0, "vessel.electric.thrust"),
])
def test_electric_keys_are_checked(key, value, where):
    with pytest.raises(ScenarioError) as err:
        electric_ulysses(**{key: value})
    assert err.value.where.endswith(where)


def test_too_little_thrust_names_the_thrust_key():
    with pytest.raises(NoSolutionError) as err:
        sj.plan(electric_ulysses(thrust_n=0.05))
    assert err.value.where.endswith("vessel.electric.thrust_n")


# --------------------------------------------------------------------------- the plan


def test_every_leg_of_an_electric_plan_lands(electric_plan):
    engine = {"thrust_n": 40.0, "isp_s": 3000.0}
    for leg in electric_plan.legs:
        lt = leg.lowthrust
        assert leg.transfer_type == "low-thrust" and lt.converged
        miss_km, vinf_arr, mf = lands(lt, (2.5, 2.5), engine)
        assert miss_km < 1000.0 and vinf_arr <= 2.5 + 1e-3  # lands, keeping at most the arrival allowance
        assert mf == pytest.approx(lt.final_mass_kg, rel=1e-6)
        assert leg.vinf_arrival == pytest.approx(vinf_arr, abs=1e-3)


def test_the_mass_is_carried_from_leg_to_leg(electric_plan):
    """By hand, from examples/ulysses.toml's masses: each stage dropped after its last burn, the electric
    system (20 t dry, 40 t of propellant) carried through both legs."""
    ve = 900.0 * G0  # both chemical stages, Isp 900 s
    out, ret = (leg.lowthrust for leg in electric_plan.legs)
    # after the TMI burn the TMI stage (24 t dry, 73 t loaded) is gone, whatever it burnt
    assert out.initial_mass_kg == pytest.approx(40000.0 + 22000.0 + 35000.0 + 20000.0 + 40000.0, rel=1e-12)
    burns = {b.name: b for b in electric_plan.burns}
    m = out.final_mass_kg
    capture = m * (1.0 - math.exp(-burns["mars_arrival"].dv_kms / ve))
    m -= capture
    leave = m * (1.0 - math.exp(-burns["mars_departure"].dv_kms / ve))
    m -= leave
    m -= 22000.0 + (35000.0 - capture - leave)  # the core stage goes after its last burn, with what it has left
    assert ret.initial_mass_kg == pytest.approx(m, rel=1e-9)


def test_the_budget_counts_what_the_legs_burn(electric_plan):
    uses = {u.name: u for u in electric_plan.budget.burns}
    out, ret = (leg.lowthrust for leg in electric_plan.legs)
    assert uses["outbound_thrust"].propellant_kg == pytest.approx(out.initial_mass_kg - out.final_mass_kg, rel=1e-9)
    assert uses["return_thrust"].propellant_kg == pytest.approx(ret.initial_mass_kg - ret.final_mass_kg, rel=1e-9)
    assert uses["return_thrust"].stage_left_kg == pytest.approx(
        40000.0 - uses["outbound_thrust"].propellant_kg - uses["return_thrust"].propellant_kg)
    impulsive = sum(b.dv_kms for b in electric_plan.burns)
    assert electric_plan.total_dv_kms == pytest.approx(impulsive + out.delta_v_kms + ret.delta_v_kms)


def test_the_craft_flies_the_thrusting_path(electric_plan):
    from sojourn.mission.trajectory import leg_arc, spacecraft_states

    leg = electric_plan.legs[0]
    t = np.linspace(leg.t_depart, leg.t_arrive, 5)
    r, v = spacecraft_states(electric_plan, t)
    y = sj.lowthrust_states(leg.lowthrust, t - leg.t_depart)
    assert np.allclose(r, y[:, :3], atol=1e-6) and np.allclose(v, y[:, 3:6], atol=1e-9)
    with pytest.raises(InputError) as err:  # a low-thrust leg has no Lambert arc to hand out
        leg_arc(leg)
    assert err.value.where == "leg"


def test_thrust_arcs_are_on_the_timeline(electric_plan):
    from sojourn.mission.electric import is_thrust_event

    arcs = [e for e in electric_plan.events if is_thrust_event(e)]
    expected = sum(2 * len(leg.lowthrust.thrust_arcs) for leg in electric_plan.legs)
    assert len(arcs) == expected > 0
    ts = [e.t for e in electric_plan.events]
    assert ts == sorted(ts)
    for leg in electric_plan.legs:
        for a, b in leg.lowthrust.thrust_arcs:
            h = leg.lowthrust.history
            inside = (h.t_start_s.values >= a - 1) & (h.t_start_s.values < b - 1)
            assert np.all(h.throttle.values[inside] > 0.01)


def test_plan_json_keeps_every_key_and_adds_the_legs_thrust(electric_plan, ulysses_plan):
    doc = electric_plan.to_dict()
    json.dumps(sj.to_dict(doc), allow_nan=False)
    ballistic = ulysses_plan.to_dict()
    assert set(ballistic) == set(doc)
    assert set(doc["legs"][0]) == set(ballistic["legs"][0]) | {"lowthrust"}
    assert "lowthrust" not in ballistic["legs"][0]
    assert doc["legs"][0]["lowthrust"]["converged"] is True
    assert [b["name"] for b in doc["propellant"]["burns"]] == [
        "earth_departure", "outbound_thrust", "mars_arrival", "mars_departure", "return_thrust", "earth_arrival"]


def test_mission_figures_show_the_thrust_arcs(electric_plan):
    from matplotlib.colors import same_color

    from sojourn.plot._lowthrust import THRUST_COLOR

    ax = sj.plot.trajectory(electric_plan).axes[0]
    assert any(same_color(line.get_color(), THRUST_COLOR) for line in ax.lines)
    ax = sj.plot.timeline(electric_plan).axes[0]
    bands = [p for p in ax.patches if same_color(p.get_facecolor(), THRUST_COLOR)]
    assert len(bands) == sum(len(leg.lowthrust.thrust_arcs) for leg in electric_plan.legs)


def test_export_and_dossier_of_an_electric_plan(electric_plan, tmp_path):
    oem = sj.export_oem(electric_plan, tmp_path / "e.oem")
    text = (tmp_path / "e.oem").read_text()
    assert "low-thrust leg" in text and oem.segments
    rep = sj.report(electric_plan, image_format="png")
    assert "Electric propulsion" in rep.html and "lowthrust_outbound" in rep.figures


# --------------------------------------------------------------------------- the race


def test_prometheus_example_numbers_from_vis_viva():
    """examples/us-nep.toml: escape from the Moon's distance, capture from rest into the 1-sol orbit."""
    sc = sj.load_scenario(EXAMPLES / "us-nep.toml")
    earth, mars = get_body("earth"), get_body("mars")
    r = earth.radius_km + sc.departure.parking_altitude_km
    escape = math.sqrt(2 * earth.gm_km3s2 / r) - math.sqrt(earth.gm_km3s2 / r)
    assert escape == pytest.approx(0.42, abs=0.005)
    rp = mars.radius_km + 250.0
    a = (mars.gm_km3s2 * (88775.244 / (2 * math.pi)) ** 2) ** (1 / 3)
    capture = math.sqrt(2 * mars.gm_km3s2 / rp) - math.sqrt(mars.gm_km3s2 * (2 / rp - 1 / a))
    assert capture == pytest.approx(0.22, abs=0.005)
    # T = 2 eta P / (g0 Isp) with eta = 0.6, P = 10 MWe, Isp = 5000 s
    assert sc.vessel.electric.thrust_n == pytest.approx(2 * 0.6 * 10e6 / (9.80665 * 5000.0), abs=0.5)


def test_a_low_thrust_rival_races_on_optimised_legs(ulysses_plan, tmp_path):
    data = tomllib.loads((EXAMPLES / "us-nep.toml").read_text())
    data["vessel"]["electric"]["segments"] = 8
    b = Scenario.from_dict(data, "us-nep-lean.toml")
    r = sj.race(ulysses_plan, b, step_days=60.0)
    a_arrival = ulysses_plan.legs[0].t_arrive
    assert r.capability.electric["thrust_n"] == 245.0
    assert r.wins and r.last is not None and r.last.t_launch >= r.wins[-1].t_launch - 1.0
    tank = b.vessel.electric.propellant_kg
    for w in (*r.wins, r.last):
        lt = w.lowthrust
        assert w.t_arrival < a_arrival and w.margin_days > 0
        assert lt.initial_mass_kg - lt.final_mass_kg <= tank * (1 + 1e-8)  # within the NLP tolerance
        miss_km, vinf_arr, _ = lands(lt, (0.0, 0.0), {"thrust_n": 245.0, "isp_s": 5000.0})
        assert miss_km < 1000.0 and vinf_arr < 1e-3
    doc = r.to_dict()
    json.dumps(sj.to_dict(doc), allow_nan=False)
    assert doc["wins"][0]["transfer_type"] == "low-thrust" and doc["b"]["electric"]["isp_s"] == 5000.0
    fig = sj.plot.race(r)
    assert any("thrust Δv" in t.get_text() for t in fig.legends[0].get_texts())


# --------------------------------------------------------------------------- the figure and the command


@pytest.fixture(scope="module")
def small_search():
    return sj.best_lowthrust_leg("earth", "mars", "2020-05-01:2020-07-01", (250, 350), mass_kg=1500, thrust_n=0.6,
                                 isp_s=3000, segments=10, step_days=10, candidates=1)


def test_lowthrust_figure_panels(small_search):
    import matplotlib.figure

    fig = sj.plot.lowthrust(small_search)
    assert isinstance(fig, matplotlib.figure.Figure)
    titles = " ".join(ax.get_title() for ax in fig.axes)
    assert "estimate" in titles and "Thrust profile" in titles and "Verified path" in titles
    leg_fig = sj.plot.lowthrust(small_search.best)
    assert "estimate" not in " ".join(ax.get_title() for ax in leg_fig.axes)
    axes = __import__("matplotlib.figure", fromlist=["Figure"]).Figure().subplots(1, 2)
    assert sj.plot.lowthrust(small_search.best, ax=axes) is axes[0].figure


def test_lowthrust_figure_refuses_what_it_cannot_draw(small_search):
    from sojourn.results import replace

    with pytest.raises(InputError) as err:
        sj.plot.lowthrust(replace(small_search.best, converged=False, trajectory=None))
    assert err.value.where == "result"
    with pytest.raises(InputError):
        sj.plot.lowthrust(small_search.best, ax=[None])


def test_lowthrust_command_json_and_figure(tmp_path, capsys):
    out = tmp_path / "leg.png"
    assert main(["lowthrust", "--from", "earth", "--to", "mars", "--launch", "2020-05-26", "--tof", "350",
                 "--mass", "1500", "--thrust", "0.6", "--isp", "3000", "--segments", "10", "--out", str(out),
                 "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    for key in ("launch", "arrival", "tof_days", "final_mass_kg", "propellant_kg", "converged"):
        assert key in doc
    assert doc["converged"] is True and doc["launch"].startswith("2020-05-26") and doc["tof_days"] == 350.0
    # pykep's tutorial optimum for this leg (30 segments, launch 2020-05-26) is 1,234 kg: within 2 %
    assert doc["final_mass_kg"] == pytest.approx(1234.16, rel=0.02)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and doc["outputs"] == [str(out)]


@pytest.mark.parametrize("args, option", [
    (["--tof", "350:200"], "--tof"),
    (["--tof", "300", "--thrust", "-1"], "--thrust"),
    (["--tof", "300", "--power-law", "solar"], "--power-law"),
    (["--tof", "200:300", "--data", "grid.png"], "--data"),
    (["--tof", "300", "--data", "grid.nc"], "--data"),
])
def test_lowthrust_command_errors_name_the_option(args, option, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    base = ["lowthrust", "--from", "earth", "--to", "mars", "--launch", "2020-05-01", "--mass", "1500",
            "--isp", "3000"]
    if "--thrust" not in args:
        base += ["--thrust", "0.6"]
    assert main(base + args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and f"({option}" in err[0]


def test_plan_command_shows_the_electric_legs(tmp_path, capsys):
    text = (EXAMPLES / "ulysses.toml").read_text()
    text = text.replace('launch = "2033-01-01:2033-12-31"', 'launch = "2033-03-01:2033-06-30"')
    text = text.replace("max_total_dv_kms = 8.0", "")
    text += ('\n[vessel.electric]\nthrust_n = 40.0\nisp_s = 3000.0\ndry_mass_kg = 20000\npropellant_kg = 40000\n'
             'segments = 8\nvinf_departure_kms = 2.5\nvinf_arrival_kms = 2.5\n')
    scenario = tmp_path / "electric.toml"
    scenario.write_text(text)
    assert main(["plan", str(scenario), "--step", "6"]) == 0
    out = capsys.readouterr().out
    assert "Electric legs" in out and "low-thrust" in out and "Electric thrust on: outbound" in out


def test_a_round_trip_the_engine_cannot_fly_is_infeasible_with_a_finite_budget():
    """The search's evaluation (refinement, min_propellant ranking) of a round trip whose legs need more thrust
    than 0.5 N: infeasible, naming the thrust, and costed as a tank burnt dry rather than NaN."""
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission import electric
    from sojourn.mission.roundtrip import Burns, Candidate
    from sojourn.time import parse_utc

    sc = electric_ulysses(thrust_n=0.5)
    t = parse_utc("2033-04-01")
    ev = electric.evaluate(sc, Candidate(t, t + 280 * DAY, t + 680 * DAY, t + 960 * DAY, 0.0),
                           resolve_ephemeris(None), Burns(sc))
    assert not ev.feasible and ("vessel.electric.thrust_n", "vessel.electric.thrust_n") in ev.violations
    thrust = [u for u in ev.budget.burns if u.name in electric.THRUST_BURNS]
    assert thrust[0].propellant_kg == pytest.approx(40000.0) and math.isfinite(ev.budget.total_propellant_kg)
