"""Aborts: direct returns and Mars swing-bys from every day of a transit, checked by propagation.

Every way home the analysis reports is flown again independently: the abort
arc is propagated with the Kepler kernel from the craft's state plus the
abort Δv vector and must land on the planet's ephemeris position; flybys are
checked against hyperbolas propagated out to their asymptotes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import sojourn as sj
from sojourn.bodies import GM_SUN, get_body
from sojourn.cli import main
from sojourn.contingency.aborts import (
    SWINGBY_DV_CAP_KMS,
    _swingby_loop,
    direct_return_table,
    dv_left,
    longest_gap,
    uncovered_runs,
)
from sojourn.core.flyby import flyby_periapsis_for_turn, flyby_turn_angle, powered_flyby
from sojourn.core.kepler import propagate_batch
from sojourn.core.patched_conics import entry_speed
from sojourn.ephemeris import load_ephemeris
from sojourn.mission.scenario import Scenario
from sojourn.mission.trajectory import spacecraft_states
from sojourn.results import replace
from sojourn.time import DAY

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MARS = get_body("mars")
EARTH = get_body("earth")


@pytest.fixture(scope="module")
def ulysses(ulysses_scenario, ulysses_plan):
    return ulysses_scenario, ulysses_plan


@pytest.fixture(scope="module")
def analysis(ulysses_plan):
    return sj.aborts(ulysses_plan, step_days=1.0)


@pytest.fixture(scope="module")
def swingby_analysis(ulysses):
    """Ulysses with a 20 km/s heat shield: late outbound aborts then swing by Mars (fast, hot returns)."""
    sc, plan = ulysses
    data = sc.to_dict()
    data["constraints"]["max_entry_speed_kms"] = 20.0
    return sj.aborts(replace(plan, scenario=Scenario.from_dict(data, "hot.toml")), step_days=5.0)


def _land(r0, v0, dt):
    r, v, status = propagate_batch(GM_SUN, np.atleast_2d(r0), np.atleast_2d(v0), np.atleast_1d(dt))
    assert np.all(status == 0)
    return r, v


# --- direct returns ---------------------------------------------------------------------------


def test_day0_direct_returns_land_at_earth(ulysses, analysis):
    # Independent check: from the craft's state on day 0 of the outbound leg plus the abort Δv
    # vector, propagate each return arc; it must arrive at Earth's ephemeris position.
    sc, plan = ulysses
    eph = load_ephemeris()
    leg = analysis.legs[0]
    table = leg.direct
    t_abort = leg.table["t_abort"].values
    r_sc, v_sc = spacecraft_states(plan, t_abort[:1], eph)
    cols = np.flatnonzero(leg.valid[0])
    assert cols.size > 100
    picks = np.unique(np.concatenate([cols[:: max(1, cols.size // 12)],
                                      [np.nanargmin(np.where(leg.valid[0], leg.total_dv[0], np.nan))]]))
    dv_vec = table.v_depart[0, picks] - v_sc[0]
    np.testing.assert_allclose(np.linalg.norm(dv_vec, axis=1), table.dv_kms[0, picks], rtol=1e-12)
    dt = table.return_days[picks] * DAY
    r, v = _land(np.repeat(r_sc, picks.size, 0), v_sc[0] + dv_vec, dt)
    r_e, v_e = eph.state("earth", t_abort[0] + dt)
    assert np.max(np.linalg.norm(r - r_e, axis=1)) < 1.0  # km
    # the entry speed follows from the arrival v-infinity of the propagated arc
    vinf = np.linalg.norm(v - v_e, axis=1)
    r_ei = EARTH.radius_km + sc.return_.entry_interface_altitude_km
    np.testing.assert_allclose(table.entry_speed_kms[0, picks], entry_speed(EARTH.gm_km3s2, vinf, r_ei), atol=1e-6)
    # the day's "cheapest within 365 days" is the least Δv among those cells
    within = leg.valid[0] & (table.return_days <= 365.0)
    assert leg.table["cheapest_dv_kms"].values[0] == pytest.approx(np.min(leg.total_dv[0][within]), rel=1e-15)


def test_retargeting_to_the_planned_arrival_costs_nothing(ulysses):
    # On the return leg the plan's own arc reaches Earth at the planned epoch: a Lambert arc
    # to that epoch from any day of the leg is the same arc, so its abort burn is zero.
    sc, plan = ulysses
    eph = load_ephemeris()
    leg = plan.legs[1]
    t_abort = leg.t_depart + np.array([3.0, 100.0, 250.0]) * DAY
    r_sc, v_sc = spacecraft_states(plan, t_abort, eph)
    for i in range(3):
        remaining = (leg.t_arrive - t_abort[i]) / DAY
        tab = direct_return_table(r_sc[i:i + 1], v_sc[i:i + 1], t_abort[i:i + 1], [remaining - 20.0, remaining],
                                  ephemeris=eph, reference=np.cross(r_sc[0], v_sc[0]))
        assert tab.dv_kms[0, 1] < 1e-6  # km/s
        assert tab.dv_kms[0, 0] > 0.05
        assert tab.entry_speed_kms[0, 1] == pytest.approx(leg.entry_speed_kms, abs=1e-6)


def test_cheapest_and_fastest_read_the_table_right(analysis):
    budget_ok_days = 0
    for leg in analysis.legs:
        days = leg.direct.return_days
        limit = analysis.settings["max_entry_speed_kms"]
        assert np.all(leg.direct.entry_speed_kms[leg.valid] <= limit + 1e-9)
        assert not np.any(leg.valid & ~leg.direct.solved)
        t = {k: v.values for k, v in leg.table.variables.items()}
        for i in range(0, t["day"].size, 7):
            ok = leg.valid[i] & (leg.total_dv[i] <= leg.dv_left_kms + 1e-9)
            if t["fastest_is_nominal"][i]:
                assert t["fastest_dv_kms"][i] == 0.0 and (not ok.any() or days[ok][0] >= t["fastest_days"][i])
                continue
            if ok.any():
                budget_ok_days += 1
                assert t["fastest_days"][i] == days[ok][0]
                assert t["fastest_dv_kms"][i] <= leg.dv_left_kms + 1e-9
                assert not np.any(ok[days < t["fastest_days"][i]])
            else:
                assert np.isnan(t["fastest_days"][i])
    assert budget_ok_days > 5


def test_dv_left_follows_the_rocket_equation(ulysses):
    sc, plan = ulysses
    # Outbound: only the core stage is still attached, full (35 t of propellant on 22 t dry,
    # 40 t payload, Isp 900 s): 900 g0 ln(97/62) = 3.95 km/s, as examples/ulysses.toml sizes it.
    dv, rule = dv_left(sc, plan, 0)
    assert dv == pytest.approx(900.0 * 9.80665e-3 * math.log(97.0 / 62.0), rel=1e-12)
    assert "Core stage" in rule
    # Return: the core stage made its last planned burn (TEI) and was dropped.
    assert dv_left(sc, plan, 1)[0] == 0.0
    # Without a vessel: the Δv limit minus what was spent; without a limit either: the burns to come.
    data = sc.to_dict()
    del data["vessel"]
    no_vessel = Scenario.from_dict(data, "t.toml")
    burns = {b.name: b.dv_kms for b in plan.burns}
    assert dv_left(no_vessel, plan, 0)[0] == pytest.approx(8.0 - burns["earth_departure"])
    del data["constraints"]["max_total_dv_kms"]
    bare = Scenario.from_dict(data, "t.toml")
    assert dv_left(bare, plan, 0)[0] == pytest.approx(burns["mars_arrival"] + burns["mars_departure"])


# --- flybys ---------------------------------------------------------------------------------


def test_unpowered_flyby_keeps_vinf_and_costs_nothing():
    mu = MARS.gm_km3s2
    rp_min = MARS.radius_km + 200.0
    v = 2.7
    turn = 0.8 * flyby_turn_angle(mu, v, rp_min)  # reachable above rp_min
    vin = np.array([[v, 0.0, 0.0]])
    vout = np.array([[v * math.cos(turn), v * math.sin(turn), 0.0]])
    dv, rp, ok = powered_flyby(mu, vin, vout, rp_min)
    assert ok[0] and dv[0] == 0.0
    assert rp[0] > rp_min
    assert rp[0] == pytest.approx(flyby_periapsis_for_turn(mu, v, turn), rel=1e-10)
    assert flyby_turn_angle(mu, v, rp[0]) == pytest.approx(turn, rel=1e-12)
    # a turn sharper than the closest allowed pass can give is infeasible
    sharp = 1.05 * flyby_turn_angle(mu, v, rp_min)
    dv, rp, ok = powered_flyby(mu, vin, [[v * math.cos(sharp), v * math.sin(sharp), 0.0]], rp_min)
    assert not ok[0] and np.isnan(dv[0])


def test_powered_flyby_against_propagated_hyperbolas():
    # Build a powered flyby from its periapsis: incoming hyperbola with v∞ = 2.4 km/s and
    # outgoing one with 3.1 km/s, tangential burn at rp = 4200 km. Propagate each branch
    # 30 years away from Mars to read its asymptotic velocity; the flyby model, given
    # those two v∞ vectors, must find that periapsis and that burn.
    mu = MARS.gm_km3s2
    rp_true, vi, vo = 4200.0, 2.4, 3.1
    vp_in, vp_out = math.sqrt(vi**2 + 2 * mu / rp_true), math.sqrt(vo**2 + 2 * mu / rp_true)
    r0 = np.array([[rp_true, 0.0, 0.0]] * 2)
    v0 = np.array([[0.0, vp_in, 0.0], [0.0, vp_out, 0.0]])
    t = 1e9  # s
    r, v, status = propagate_batch(mu, r0, v0, np.array([-t, t]))
    assert np.all(status == 0)
    assert np.linalg.norm(r[0]) > 2e9
    # asymptote directions; magnitudes from the energy (v² - 2mu/r = v∞²)
    vin = v[0] / np.linalg.norm(v[0]) * vi
    vout = v[1] / np.linalg.norm(v[1]) * vo
    dv, rp, ok = powered_flyby(mu, vin, vout, MARS.radius_km + 200.0)
    assert ok[0]
    assert rp[0] == pytest.approx(rp_true, rel=1e-4)
    assert dv[0] == pytest.approx(vp_out - vp_in, abs=1e-5)
    # and not reachable if the lowest pass allowed is above that periapsis
    assert not powered_flyby(mu, vin, vout, rp_true * 1.01)[2][0]


def test_swingby_search_matches_brute_force():
    # The compiled branch-and-bound search against every cell evaluated with powered_flyby.
    rng = np.random.default_rng(7)
    n, nf, ne = 5, 7, 9
    mu, rp_min = MARS.gm_km3s2, MARS.radius_km + 200.0
    t_abort = np.arange(n) * 5.0 * DAY
    t_earth = 100.0 * DAY + np.arange(ne) * 20.0 * DAY
    horizon = 230.0 * DAY
    dv1 = rng.uniform(0.0, 3.0, (n, nf))
    vin = rng.normal(0.0, 2.0, (n, nf, 3))
    ok1 = rng.random((n, nf)) > 0.2
    vout = rng.normal(0.0, 2.0, (nf, ne, 3))
    vout2 = np.einsum("ijk,ijk->ij", vout, vout)
    extra = rng.uniform(0.0, 0.5, (nf, ne))
    ok2 = rng.random((nf, ne)) > 0.2
    out = [np.empty(n), np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n), np.empty(n)]
    _swingby_loop(mu, rp_min, SWINGBY_DV_CAP_KMS, t_abort, t_earth, horizon, dv1, vin, ok1, vout, vout2, extra,
                  ok2, *out)
    fb, _, feas = powered_flyby(mu, np.repeat(vin[:, :, None, :], ne, 2).reshape(-1, 3),
                                np.broadcast_to(vout, (n, nf, ne, 3)).reshape(-1, 3), rp_min)
    total = (dv1[:, :, None] + extra[None] + fb.reshape(n, nf, ne))
    good = feas.reshape(n, nf, ne) & ok1[:, :, None] & ok2[None] & (
        t_earth[None, None, :] - t_abort[:, None, None] <= horizon)
    best = np.where(good, total, np.inf).reshape(n, -1).min(axis=1)
    assert np.isfinite(best).sum() >= 3
    np.testing.assert_allclose(np.where(np.isfinite(best), best, np.nan), out[0], rtol=1e-12)


def test_swingby_returns_fly_to_mars_and_home(ulysses, swingby_analysis):
    sc, plan = ulysses
    eph = load_ephemeris()
    leg = swingby_analysis.legs[0]
    sw = {k: v.values for k, v in leg.table.variables.items()}
    t_abort = sw["t_abort"]
    rows = np.flatnonzero(np.isfinite(sw["swingby_total_dv_kms"]))
    assert rows.size >= 3
    # searched only where no direct return is affordable
    assert not np.any(sw["swingby_searched"] & np.isfinite(sw["fastest_days"]))
    r_sc, v_sc = spacecraft_states(plan, t_abort[rows], eph)
    # abort arc: craft + Δv -> Mars at the flyby date
    t_flyby, t_return = sw["swingby_t_flyby"][rows], sw["swingby_t_return"][rows]
    r_m, v_m = eph.state("mars", t_flyby)
    r, v = _land(r_sc, sw["swingby_v_depart"][rows], t_flyby - t_abort[rows])
    assert np.max(np.linalg.norm(r - r_m, axis=1)) < 1.0
    np.testing.assert_allclose(np.linalg.norm(sw["swingby_v_depart"][rows] - v_sc, axis=1),
                               sw["swingby_abort_dv_kms"][rows], atol=1e-9)
    # Mars -> Earth arc
    r_e, v_e = eph.state("earth", t_return)
    r2, v2 = _land(r_m, sw["swingby_v_mars_depart"][rows], t_return - t_flyby)
    assert np.max(np.linalg.norm(r2 - r_e, axis=1)) < 1.0
    # the flyby joins the two v-infinities above 200 km and costs what the model says
    vin, vout = v - v_m, sw["swingby_v_mars_depart"][rows] - v_m
    dv, rp, ok = powered_flyby(MARS.gm_km3s2, vin, vout, MARS.radius_km + 200.0)
    assert np.all(ok)
    np.testing.assert_allclose(dv, sw["swingby_flyby_dv_kms"][rows], atol=1e-6)
    assert np.all(sw["swingby_flyby_altitude_km"][rows] >= 200.0 - 1e-6)
    np.testing.assert_allclose(sw["swingby_flyby_altitude_km"][rows], rp - MARS.radius_km, rtol=1e-6)
    np.testing.assert_allclose(sw["swingby_total_dv_kms"][rows],
                               sw["swingby_abort_dv_kms"][rows] + sw["swingby_flyby_dv_kms"][rows], rtol=1e-12)
    # entry below the limit, home within the horizon
    vinf_e = np.linalg.norm(v2 - v_e, axis=1)
    entry = entry_speed(EARTH.gm_km3s2, vinf_e, EARTH.radius_km + 125.0)
    assert np.all(entry <= 20.0 + 1e-6)
    np.testing.assert_allclose(entry, sw["swingby_entry_speed_kms"][rows], atol=1e-6)
    assert np.all(t_return - t_abort[rows] <= 900.0 * DAY + 1e-3)
    # late aborts fly on to Mars on the planned arc (abort burn ~0) and pay at the flyby
    late = rows[sw["day"][rows] > 250]
    assert late.size and np.all(sw["swingby_abort_dv_kms"][late] < 1e-6)
    # the JSON record of a swing-by day says the same
    rec = leg.records()[rows[0]]["swingby"]
    assert rec["total_dv_kms"] == pytest.approx(sw["swingby_total_dv_kms"][rows[0]])
    assert rec["flyby_altitude_km"] == pytest.approx(sw["swingby_flyby_altitude_km"][rows[0]])
    assert rec["powered"] == (sw["swingby_flyby_dv_kms"][rows[0]] > 1e-6)


# --- coverage -------------------------------------------------------------------------------


@pytest.mark.parametrize("flags, expected", [
    ([True, False, False, True, False, False, False, True], (3, 4, 6)),
    ([True] * 6, (0, None, None)),
    ([False] * 5, (5, 0, 4)),
    ([False, False, True, False, False], (2, 0, 1)),  # a tie: the first
    ([True, True, False], (1, 2, 2)),
    ([], (0, None, None)),
])
def test_longest_gap_on_constructed_sequences(flags, expected):
    assert longest_gap(np.array(flags, dtype=bool)) == expected


def test_gap_dates_and_fraction_on_a_constructed_leg(analysis):
    leg = analysis.legs[0]
    n = leg.table.sizes["abort"]
    flags = np.ones(n, dtype=bool)
    flags[[2, 3, 10, 11, 12, 13, 40]] = False
    fake = replace(leg, table=leg.table.assign(covered=("abort", flags)))
    cov = fake.coverage()
    assert cov["covered_days"] == n - 7 and cov["total_days"] == n
    assert cov["fraction"] == pytest.approx((n - 7) / n)
    assert cov["longest_gap_days"] == 4 * leg.step_days
    assert cov["gap_start"] == fake.records()[10]["date"] and cov["gap_end"] == fake.records()[13]["date"]
    np.testing.assert_array_equal(uncovered_runs(flags), [[2, 3], [10, 13], [40, 40]])


def test_coverage_is_consistent_with_the_days(analysis):
    data = analysis.to_dict()
    json.dumps(data, allow_nan=False)  # never NaN
    for leg in analysis.legs:
        recs = [r for r in data["days"] if r["leg"] == leg.leg]
        flags = np.array([r["covered"] for r in recs])
        cov = data["coverage"][leg.leg]
        assert cov["total_days"] == len(recs) == leg.table.sizes["abort"]
        assert cov["covered_days"] == flags.sum()
        assert cov["fraction"] == pytest.approx(flags.mean())
        # covered exactly when a way home is within the Δv left
        for r in recs:
            d, s = r["direct"], r["swingby"]
            affordable = (d is not None and d["fastest_return_within_budget"] is not None) or (
                s is not None and s["total_dv_kms"] <= r["dv_left_kms"] + 1e-9)
            assert r["covered"] == affordable
            if d is not None and d["fastest_dv_kms"] is not None:
                assert d["fastest_dv_kms"] <= r["dv_left_kms"] + 1e-9
    out, ret = data["coverage"]["outbound"], data["coverage"]["return"]
    # Ulysses: early outbound aborts are affordable (3.95 km/s left), late ones are not; on the
    # return leg the planned arc itself brings the crew home every day.
    assert 0.1 < out["fraction"] < 0.9 and out["longest_gap_days"] > 100
    assert ret["fraction"] == 1.0 and ret["gap_start"] is None
    assert data["days"][0]["covered"] and not data["days"][out["total_days"] - 1]["covered"]


def test_the_per_day_table_is_the_json_as_data(analysis):
    ds = analysis.table
    records = analysis.to_dict()["days"]
    assert ds.sizes["abort"] == len(records) == sum(leg.table.sizes["abort"] for leg in analysis.legs)
    assert list(ds["leg"].values) == [r["leg"] for r in records]
    assert list(ds["covered"].values) == [r["covered"] for r in records]
    # the UTC date coordinate (datetime64) names the same minute the JSON writes (two conversions from TDB)
    assert [str(d)[:16] for d in ds["date"].values] == [r["date"] for r in records]
    cheapest = [np.nan if r["direct"] is None or r["direct"]["cheapest_dv_kms"] is None
                else r["direct"]["cheapest_dv_kms"] for r in records]
    np.testing.assert_array_equal(ds["cheapest_dv_kms"].values, cheapest)
    assert ds["cheapest_dv_kms"].attrs["units"] == "km/s" and ds["day"].attrs["units"] == "days"


@pytest.mark.parametrize("kwargs, where", [
    ({"step_days": 0}, "step_days"),
    ({"step_days": 31}, "step_days"),
    ({"max_return_days": 10}, "max_return_days"),
    ({"max_return_days": float("nan")}, "max_return_days"),
    ({"min_flyby_alt_km": -1}, "min_flyby_alt_km"),
])
def test_api_errors_name_the_parameter(ulysses_plan, kwargs, where):
    with pytest.raises(sj.InputError) as err:
        sj.aborts(ulysses_plan, **kwargs)
    assert err.value.where == where and "--" not in str(err.value)


def test_a_plan_without_its_scenario_is_refused(ulysses_plan):
    with pytest.raises(sj.InputError) as err:
        sj.aborts(replace(ulysses_plan, scenario=None))
    assert err.value.where == "plan_or_scenario"


def test_plot_into_the_callers_axes(analysis):
    from matplotlib.figure import Figure

    fig = Figure()
    axes = fig.subplots(1, 2)
    assert sj.plot.aborts(analysis, ax=axes) is fig
    titles = [ax.get_title(loc="left") for ax in axes]
    assert titles[0].startswith("Ulysses, outbound leg") and titles[1].startswith("Ulysses, return leg")
    assert fig._suptitle is None  # the caller's figure keeps its own title
    own = sj.plot.aborts(analysis)
    assert own is not fig and own.get_axes()[0].get_title(loc="left").startswith("Outbound leg")


# --- command line ---------------------------------------------------------------------------


def test_cli_json_and_plot(capsys, tmp_path):
    out = tmp_path / "aborts.png"
    code = main(["aborts", str(EXAMPLES / "ulysses.toml"), "--step", "5", "--max-return-days", "300",
                 "--out", str(out), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    assert data["settings"]["step_days"] == 5.0 and data["settings"]["max_return_days"] == 300.0
    assert data["settings"]["max_entry_speed_kms"] == 12.0
    assert set(data["coverage"]) == {"outbound", "return"}
    rec = data["days"][0]
    assert {"leg", "day", "date", "dv_left_kms", "direct", "swingby", "covered"} <= set(rec)
    assert {"cheapest_dv_kms", "cheapest_return", "fastest_return_within_budget", "fastest_days"} <= set(rec["direct"])
    assert [r["day"] for r in data["days"][:3]] == [0.0, 5.0, 10.0]
    for r in data["days"]:
        if r["direct"] and r["direct"]["cheapest_days"] is not None:
            assert r["direct"]["cheapest_days"] <= 300.0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert data["outputs"] == [str(out)]


@pytest.mark.parametrize("args, where", [
    (["--step", "0"], "--step"),
    (["--step", "nan"], "--step"),
    (["--max-return-days", "10"], "--max-return-days"),
    (["--max-return-days", "5000"], "--max-return-days"),
    (["--min-flyby-alt", "-1"], "--min-flyby-alt"),
    (["--out", "aborts.txt"], "--out"),
])
def test_bad_options_exit_2_with_one_line(capsys, tmp_path, monkeypatch, args, where):
    monkeypatch.chdir(tmp_path)
    assert main(["aborts", str(EXAMPLES / "ulysses.toml"), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and f"({where})" in err
    assert list(tmp_path.iterdir()) == []


def test_cli_table_keeps_dates_whole_on_80_columns(capsys, terminal_80, analysis, in_one_row):
    with terminal_80():
        assert main(["aborts", str(EXAMPLES / "ulysses.toml"), "--step", "1"]) == 0
    text = capsys.readouterr().out
    assert "Abort coverage" in text and "Outbound leg" in text and "Return leg" in text
    cov = analysis.coverage()["outbound"]
    assert in_one_row(text, cov["gap_start"][:10], cov["gap_end"][:10])
    for r in analysis.to_dict()["days"][::14]:  # every 14th day of 280 per leg is a listed row
        d = r["direct"] or {}
        assert in_one_row(text, r["date"][:10])
        if d.get("cheapest_return"):
            assert d["cheapest_return"][:10] in text


def test_missing_scenario_exits_2(capsys, tmp_path):
    assert main(["aborts", str(tmp_path / "nope.toml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
