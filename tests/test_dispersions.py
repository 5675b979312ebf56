"""Dispersions: the B-plane formulas, the Monte Carlo against a linearised propagation, the correction burn.

Independent checks: B-plane formulas against Kepler propagation of the hyperbola
they describe; the sample covariance of (B·T, B·R) and the mean squared
correction burn against a linear covariance propagation whose state transition
matrices come from finite differences of single two-body propagations.
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
from sojourn.contingency.dispersions import (
    BurnErrors,
    StateErrors,
    arrival_target,
    ellipse_from_covariance,
    run_dispersions,
)
from sojourn.core.bplane import (
    ECLIPTIC_POLE,
    bplane_axes,
    bplane_batch,
    flight_path_angle,
    hyperbola_from_bplane,
    impact_parameter,
    impact_parameter_for_fpa,
    linear_bplane,
    periapsis_radius,
)
from sojourn.core.kepler import propagate
from sojourn.errors import InputError
from sojourn.mission.plan import Leg
from sojourn.mission.trajectory import leg_arc
from sojourn.time import DAY

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MARS = get_body("mars")
EARTH = get_body("earth")

# Ulysses (examples/ulysses.toml): the plan's legs, fixed here so that no search runs.
OUTBOUND = ("earth", "mars", "2033-04-25", "2034-01-30")
RETURN = ("mars", "earth", "2035-02-06", "2035-11-13")


@pytest.fixture(scope="module")
def ulysses(ulysses_scenario):
    return ulysses_scenario


@pytest.fixture(scope="module")
def outbound():
    return Leg.between(*OUTBOUND)


@pytest.fixture(scope="module")
def target(ulysses):
    return arrival_target(ulysses, "outbound")


# --- the B-plane formulas -------------------------------------------------------------


def test_bplane_of_a_hyperbola_survives_kepler_propagation():
    # Build the hyperbola with a given v∞ and aim point, fly it back 3 and 30 days with the
    # Kepler kernel, and read its B-plane from each state: the aim point, v∞ and periapsis return.
    mu = MARS.gm_km3s2
    vinf = np.array([2.0, -3.0, 1.2])
    r, v = hyperbola_from_bplane(mu, vinf, 5000.0, -3000.0)
    rp = periapsis_radius(mu, np.linalg.norm(vinf), math.hypot(5000.0, 3000.0))
    assert np.linalg.norm(r) == pytest.approx(rp, rel=1e-12)
    assert np.dot(r, v) == pytest.approx(0.0, abs=1e-9)
    states = [propagate(mu, r, v, dt) for dt in (0.0, -3 * DAY, -30 * DAY)]
    out = bplane_batch(mu, np.array([s[0] for s in states]), np.array([s[1] for s in states]))
    assert np.all(out["status"] == 0)
    np.testing.assert_allclose(out["bt"], 5000.0, rtol=1e-9)
    np.testing.assert_allclose(out["br"], -3000.0, rtol=1e-9)
    np.testing.assert_allclose(out["vinf"], np.linalg.norm(vinf), rtol=1e-12)
    np.testing.assert_allclose(out["rp"], rp, rtol=1e-9)
    np.testing.assert_allclose(out["s"], np.broadcast_to(vinf / np.linalg.norm(vinf), (3, 3)), atol=1e-12)
    # 30 days out (about 10^7 km) the path is its asymptote: the straight-line B-plane agrees
    S, T, R = bplane_axes(vinf)
    bt, br, vi, dt_ca = linear_bplane(states[2][0][None], states[2][1][None], T, R)
    assert bt[0] == pytest.approx(5000.0, abs=5.0) and br[0] == pytest.approx(-3000.0, abs=5.0)
    assert dt_ca[0] == pytest.approx(30 * DAY, rel=0.01)
    # an ellipse has no B-plane
    bad = bplane_batch(mu, [[4000.0, 0.0, 0.0]], [[0.0, 3.0, 0.0]])
    assert bad["status"][0] == 1 and math.isnan(bad["bt"][0])


def test_aim_along_plus_t_is_prograde_about_the_ecliptic():
    mu = MARS.gm_km3s2
    vinf = np.array([1.0, 3.0, -0.5])
    r, v = hyperbola_from_bplane(mu, vinf, 8000.0, 0.0)
    h = np.cross(r, v)
    S = vinf / np.linalg.norm(vinf)
    # angular momentum along B × S = -R: towards the ecliptic north, and the least inclination
    # a plane containing S can have
    incl = math.degrees(math.acos(np.dot(h, ECLIPTIC_POLE) / np.linalg.norm(h)))
    assert incl == pytest.approx(abs(math.degrees(math.asin(np.dot(S, ECLIPTIC_POLE)))), abs=1e-9)


def test_flight_path_angle_against_a_propagated_hyperbola():
    # Fly an Earth approach hyperbola aimed by impact_parameter_for_fpa down to the entry interface
    # and measure the flight-path angle from the state itself.
    mu, r_ei, vinf = EARTH.gm_km3s2, EARTH.radius_km + 125.0, 3.25
    b = float(impact_parameter_for_fpa(mu, vinf, r_ei, math.radians(-6.5)))
    r, v = hyperbola_from_bplane(mu, [vinf, 0.0, 0.0], b, 0.0)
    # back from periapsis until the radius is the interface: bisection on time
    lo, hi = -3600.0, 0.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if np.linalg.norm(propagate(mu, r, v, mid)[0]) > r_ei:
            lo = mid
        else:
            hi = mid
    rr, vv = propagate(mu, r, v, lo)
    gamma = math.degrees(math.asin(np.dot(rr, vv) / (np.linalg.norm(rr) * np.linalg.norm(vv))))
    assert gamma == pytest.approx(-6.5, abs=1e-6)
    assert math.degrees(flight_path_angle(mu, vinf, b, r_ei)) == pytest.approx(-6.5, abs=1e-12)
    # a hyperbola whose periapsis is above the interface never enters
    assert math.isnan(flight_path_angle(mu, vinf, impact_parameter(mu, vinf, r_ei + 10.0), r_ei))


def test_ellipse_axes_and_angle():
    c, s = math.cos(math.radians(30.0)), math.sin(math.radians(30.0))
    rot = np.array([[c, -s], [s, c]])
    cov = rot @ np.diag([100.0**2, 10.0**2]) @ rot.T
    ell = ellipse_from_covariance(cov)
    assert ell["semi_major_km"] == pytest.approx(300.0) and ell["semi_minor_km"] == pytest.approx(30.0)
    assert ell["angle_deg"] == pytest.approx(30.0)


# --- the Monte Carlo ------------------------------------------------------------------


def test_zero_errors_land_on_the_aim_point_with_no_correction(outbound, target):
    d = run_dispersions(outbound, target, samples=500, seed=3, errors=BurnErrors(0.0, 0.0))
    # the aim point: |B| giving 250 km periapsis at the nominal v∞, along +T
    b = impact_parameter(MARS.gm_km3s2, d.vinf_arrival_kms, MARS.radius_km + 250.0)
    assert d.aim_bt_km == pytest.approx(b) and d.aim_br_km == 0.0
    t = d.table
    np.testing.assert_allclose(t["bt_km"], b, atol=1e-3)
    np.testing.assert_allclose(t["br_km"], 0.0, atol=1e-3)
    np.testing.assert_allclose(t["corridor_value"], 250.0, atol=1e-3)
    assert np.nanmax(t["tcm_dv_kms"]) < 1e-9  # km/s: no correction
    np.testing.assert_allclose(t["bt_after_tcm_km"], b, atol=1e-3)
    data = d.to_dict()
    assert data["corridor"]["misses"] == 0 and data["corridor_after_tcm"]["misses"] == 0
    assert data["corridor"]["upper_bound_95"] == pytest.approx(3.0 / 500)
    assert data["tcm"]["p99_ms"] < 1e-6
    json.dumps(data, allow_nan=False)


def test_same_seed_same_samples_and_prefix_stable(outbound, target):
    a = run_dispersions(outbound, target, samples=300, seed=11)
    b = run_dispersions(outbound, target, samples=300, seed=11)
    c = run_dispersions(outbound, target, samples=1000, seed=11)
    d = run_dispersions(outbound, target, samples=300, seed=12)
    for name in ("bt_km", "br_km", "tcm_dv_kms", "bt_after_tcm_km", "br_after_tcm_km"):
        np.testing.assert_array_equal(a.table[name], b.table[name])
        np.testing.assert_array_equal(a.table[name], c.table[name][:300])
    assert a.to_dict() == b.to_dict()
    assert not np.array_equal(a.table["bt_km"], d.table["bt_km"])


def _stm(mu, r, v, dt, dr=1.0, dv=1e-6):
    """6x6 state transition matrix of two-body motion by central finite differences of propagate()."""
    phi = np.empty((6, 6))
    x0 = np.concatenate([r, v])
    for k in range(6):
        h = dr if k < 3 else dv
        xp, xm = x0.copy(), x0.copy()
        xp[k] += h
        xm[k] -= h
        fp = np.concatenate(propagate(mu, xp[:3], xp[3:], dt))
        fm = np.concatenate(propagate(mu, xm[:3], xm[3:], dt))
        phi[:, k] = (fp - fm) / (2 * h)
    return phi


def _initial_covariance(g, errors: BurnErrors, state: StateErrors):
    vinf = g["vinf_dep"]
    s = vinf / np.linalg.norm(vinf)
    ss = np.outer(s, s)
    cov = np.zeros((6, 6))
    cov[:3, :3] = state.position_km_1sigma**2 * np.eye(3)
    cov[3:, 3:] = (np.dot(vinf, vinf) * (errors.sigma_fraction**2 * ss + errors.sigma_rad**2 * (np.eye(3) - ss))
                   + (state.velocity_ms_1sigma / 1000.0) ** 2 * np.eye(3))
    return cov


def test_sample_covariance_matches_linear_propagation(outbound, target):
    # Small errors, so that the map from departure errors to the B-plane is linear; every error source on.
    errors = BurnErrors(0.03, 0.03)
    state = StateErrors(position_km_1sigma=200.0, velocity_ms_1sigma=0.3)
    n = 20_000
    d = run_dispersions(outbound, target, samples=n, seed=5, errors=errors, state_errors=state,
                        tcm_errors=BurnErrors(0.0, 0.0))
    g = leg_arc(outbound)
    phi = _stm(GM_SUN, g["r1"], g["v1"], g["t2"] - g["t1"])
    _, T, R = bplane_axes(g["vinf_arr"])
    m = np.vstack([T, R]) @ phi[:3]
    lin = m @ _initial_covariance(g, errors, state) @ m.T
    bt, br = d.table["bt_km"].values, d.table["br_km"].values
    sample = np.cov(np.vstack([bt, br]))
    # sampling error of a covariance element: sqrt((S_ii S_jj + S_ij^2) / n)
    se = np.sqrt((np.outer(np.diag(lin), np.diag(lin)) + lin**2) / n)
    assert np.all(np.abs(sample - lin) < 4.0 * se + 1e-3 * np.abs(lin)), (sample, lin, se)
    e_lin, e_s = ellipse_from_covariance(lin), ellipse_from_covariance(sample)
    assert e_s["semi_major_km"] == pytest.approx(e_lin["semi_major_km"], rel=0.03)
    assert e_s["semi_minor_km"] == pytest.approx(e_lin["semi_minor_km"], rel=0.03)
    assert e_s["angle_deg"] == pytest.approx(e_lin["angle_deg"], abs=0.5)
    assert np.mean(bt) == pytest.approx(d.aim_bt_km, abs=4.0 * math.sqrt(lin[0, 0] / n))
    # the correction burn: linear targeting nulls the arrival position error,
    # dv = -Phi_rv(t2, tc)^-1 Phi_rr(t2, tc) dr_c - dv_c; compare the mean squared burn
    t_c = g["t1"] + d.tcm_days * DAY
    rc, vc = propagate(GM_SUN, g["r1"], g["v1"], t_c - g["t1"])
    phi_c = _stm(GM_SUN, g["r1"], g["v1"], t_c - g["t1"])
    phi_2 = _stm(GM_SUN, rc, vc, g["t2"] - t_c)
    a = -np.linalg.solve(phi_2[:3, 3:], phi_2[:3, :3]) @ phi_c[:3] - phi_c[3:]
    ms_lin = np.trace(a @ _initial_covariance(g, errors, state) @ a.T)
    assert np.mean(d.table["tcm_dv_kms"].values ** 2) == pytest.approx(ms_lin, rel=0.04)
    # with a perfect correction every sample lands on the aim point
    np.testing.assert_allclose(d.table["bt_after_tcm_km"], d.aim_bt_km, atol=0.05)
    np.testing.assert_allclose(d.table["br_after_tcm_km"], 0.0, atol=0.05)


def test_corridor_misses_grow_with_the_errors(outbound, target):
    # 3σ departure errors from 1e-6 % and 1e-6° (about 1 km 1σ on the B-plane) to 1e-3 %
    # (about 1000 km) against a ±50 km periapsis corridor: none missed, then more and more.
    scales = [1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 1e-3]
    p = []
    for k in scales:
        d = run_dispersions(outbound, target, samples=4000, seed=7, errors=BurnErrors(k, k * 1.0))
        p.append(d.to_dict()["corridor"]["miss_probability"])
    assert p[0] == 0.0 and p[1] == 0.0
    assert all(b >= a for a, b in zip(p, p[1:])), p
    assert p[3] > 0.01 and p[-1] > 0.9, p


def test_entry_corridor_on_the_return_leg(ulysses):
    leg = Leg.between(*RETURN)
    tgt = arrival_target(ulysses, "return")
    assert tgt.kind == "entry" and tgt.entry_fpa_deg == -6.5 and tgt.interface_altitude_km == 125.0
    d = run_dispersions(leg, tgt, samples=200, seed=1, errors=BurnErrors(0.0, 0.0))
    np.testing.assert_allclose(d.table["corridor_value"], -6.5, atol=1e-6)
    big = run_dispersions(leg, tgt, samples=2000, seed=1)
    cor = big.to_dict()["corridor"]
    assert cor["miss_probability"] > 0.5
    assert cor["steep"] + cor["shallow"] + cor["skip_out"] == cor["misses"]
    assert cor["skip_out"] > 0  # far misses never reach the interface


def test_bad_inputs(outbound, target, ulysses):
    for call, where in ((lambda: run_dispersions(outbound, target, samples=1), "samples"),
                        (lambda: run_dispersions(outbound, target, samples=100, tcm_days=400.0), "tcm_days"),
                        (lambda: run_dispersions(outbound, arrival_target(ulysses, "return"), samples=100), "target"),
                        (lambda: BurnErrors(-1.0, 0.5), "magnitude_pct_3sigma"),
                        (lambda: arrival_target(ulysses, "sideways"), "leg")):
        with pytest.raises(InputError) as err:
            call()
        assert err.value.where == where and "--" not in str(err.value)


@pytest.mark.parametrize("kwargs, where", [
    ({"samples": 1}, "samples"),
    ({"samples": 2.5}, "samples"),
    ({"seed": -1}, "seed"),
    ({"leg": "sideways"}, "leg"),
    ({"magnitude_pct": -1}, "magnitude_pct"),
    ({"pointing_deg": 91}, "pointing_deg"),
    ({"tcm_magnitude_pct": 100}, "tcm_magnitude_pct"),
    ({"tcm_pointing_deg": float("nan")}, "tcm_pointing_deg"),
    ({"position_km": -1}, "position_km"),
    ({"velocity_ms": "fast"}, "velocity_ms"),
    ({"tcm_days": 0}, "tcm_days"),
    ({"tcm_days": 400}, "tcm_days"),
    ({"corridor_km": 0}, "corridor_km"),
    ({"corridor_deg": 1.0}, "corridor_deg"),  # an entry corridor on a capture
    ({"entry_fpa_deg": -5.0}, "entry_fpa_deg"),
    ({"aim_angle_deg": float("inf")}, "aim_angle_deg"),
    ({"step_days": 1.0}, "step_days"),  # a grid step for a plan already made
])
def test_api_errors_name_the_parameter(ulysses_plan, kwargs, where):
    with pytest.raises(InputError) as err:
        sj.dispersions(ulysses_plan, **{"samples": 100, **kwargs})
    assert err.value.where == where and "--" not in str(err.value)


def test_the_verb_disperses_the_plans_leg(ulysses_plan, ulysses):
    # sj.dispersions on a plan is the engine on that plan's leg and the scenario's target
    d = sj.dispersions(ulysses_plan, leg="return", samples=500, seed=2, magnitude_pct=0.1, pointing_deg=0.2,
                       tcm_pointing_deg=0.05)
    leg = ulysses_plan.legs[1]
    ref = run_dispersions(leg, arrival_target(ulysses, "return"), samples=500, seed=2, errors=BurnErrors(0.1, 0.2),
                          tcm_errors=BurnErrors(0.1, 0.05))
    assert d.to_dict() == {**ref.to_dict(), "scenario": "Ulysses"}
    assert d.leg is leg and d.target.kind == "entry"
    # the statistics follow from the samples in the table
    t = d.table
    inside = np.abs(t["corridor_value"].values + 6.5) <= 1.0
    assert d.stats["corridor"]["misses"] == int((~inside).sum())
    assert d.stats["tcm"]["max_ms"] == pytest.approx(1000 * np.nanmax(t["tcm_dv_kms"].values))
    assert t["corridor_value"].attrs["units"] == "degrees" and t.sizes["sample"] == 500


def test_plot_into_the_callers_axes(outbound, target):
    from matplotlib.figure import Figure

    d = run_dispersions(outbound, target, samples=300, seed=3)
    fig = Figure()
    axes = fig.subplots(1, 2)
    assert sj.plot.bplane(d, ax=axes) is fig and fig._suptitle is None
    assert axes[0].get_title().startswith("Earth → Mars, without correction")
    assert axes[1].get_title().startswith("Earth → Mars, after one correction")
    own = sj.plot.bplane(d)
    assert own._suptitle.get_text().startswith("Earth → Mars B-plane dispersions: periapsis altitude 250 ± 50 km")


# --- the command ----------------------------------------------------------------------


def test_dispersions_command_json_and_plot(capsys, tmp_path):
    out = tmp_path / "bplane.png"
    args = ["dispersions", str(EXAMPLES / "ulysses.toml"), "--samples", "3000", "--seed", "4", "--json",
            "--out", str(out)]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["samples"] == 3000 and data["seed"] == 4 and data["leg"]["from"] == "earth"
    assert data["target"] == {"body": "mars", "kind": "periapsis", "unit": "km", "nominal": 250.0,
                              "corridor": [200.0, 300.0], "aim_angle_deg": 0.0}
    # 0.5 % / 0.5° (3σ) departure errors without a correction: the corridor is missed
    assert data["corridor"]["miss_probability"] > 0.99
    assert 5.0 < data["tcm"]["mean_ms"] < 200.0 and data["tcm"]["p95_ms"] <= data["tcm"]["p99_ms"]
    assert out.stat().st_size > 10_000 and data["outputs"] == [str(out)]


def test_dispersions_command_table_and_errors(capsys, tmp_path, terminal_80):
    with terminal_80():
        assert main(["dispersions", str(EXAMPLES / "ulysses.toml"), "--samples", "500", "--leg", "return"]) == 0
    text = capsys.readouterr().out
    assert "entry flight-path angle" in text and "Correction burn on 2035-02-16 (+10 d)" in text
    assert "2035-02-06 → 2035-11-13" in text and "…" not in text
    assert main(["dispersions", str(EXAMPLES / "ulysses.toml"), "--leg", "sideways"]) == 2
    assert "unknown leg" in capsys.readouterr().err
    assert main(["dispersions", str(EXAMPLES / "ulysses.toml"), "--out", str(tmp_path / "b.txt")]) == 2
    assert "unsupported output format" in capsys.readouterr().err
    assert main(["dispersions", str(EXAMPLES / "ulysses.toml"), "--pointing-deg", "-1"]) == 2
    assert "(--pointing-deg)" in capsys.readouterr().err
    assert main(["dispersions", str(EXAMPLES / "ulysses.toml"), "--tcm-magnitude-pct", "120"]) == 2
    assert "(--tcm-magnitude-pct)" in capsys.readouterr().err
    # an output that is the scenario it reads (here under a figure's name) is refused before any work
    scenario = tmp_path / "ulysses.png"
    scenario.write_bytes((EXAMPLES / "ulysses.toml").read_bytes())
    (tmp_path / "same.png").symlink_to(scenario)
    assert main(["dispersions", str(scenario), "--out", str(tmp_path / "same.png")]) == 2
    err = capsys.readouterr().err
    assert "is the scenario it reads" in err and "(--out)" in err
    assert scenario.read_bytes() == (EXAMPLES / "ulysses.toml").read_bytes()
