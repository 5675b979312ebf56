"""Tests of the sequence search (sojourn.transfer.sequence).

Evidence, as design.md asks:

1. Brute force: on small lattices every chain of epochs is solved and costed
   independently (batched Lambert arcs, the flyby and patched-conic formulas,
   numpy), and the search's grid must find exactly its least cost and the
   least for every (launch, arrival) pair - with one flyby and with two.
2. Independent checks of a refined answer: each leg propagated with the Kepler
   kernel lands on the next body's ephemeris position; each flyby's reported
   aim point, rebuilt into a hyperbola and flown through periapsis (with its
   burn), leaves along the next leg's v∞; the refined epochs do not depend on
   the grid step, and no small move of one epoch lowers the cost.
3. A published opportunity: the Earth-Venus-Mars-Earth free return launched
   in November 2021 (Hughes, Edelman, Longuski, Loucks, Carrico & Tito, "Fast
   Mars Free-Returns via Venus Gravity Assist", AIAA 2014-4109): launch
   2021-11-22, Earth launch v∞ 4.50 km/s, Earth arrival v∞ 6.53 km/s, 582
   days in all. Their ranking and constraints differ from ours (we minimise
   launch + arrival v∞), so the test is a sanity range, not digits.
4. Inputs refused with the parameter named; results are JSON-safe.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sojourn.bodies import GM_SUN, get_body
from sojourn.core.bplane import ECLIPTIC_POLE, hyperbola_from_bplane
from sojourn.core.flyby import powered_flyby
from sojourn.core.kepler import propagate_batch
from sojourn.core.lambert import lambert_batch
from sojourn.core.patched_conics import capture_dv, departure_dv
from sojourn.ephemeris import load_ephemeris
from sojourn.errors import InputError, NoSolutionError
from sojourn.time import DAY, datetime64_to_tdb, parse_utc, utc_steps
from sojourn.transfer.sequence import search_sequence

EARTH, VENUS, MARS = get_body("earth"), get_body("venus"), get_body("mars")
EPH = load_ephemeris()


def _arcs(b1, b2, t1, t2):
    """v∞ vectors at both ends of the Lambert arcs b1(t1) -> b2(t2), and a solved mask.

    Prograde about the ecliptic pole here, about the departure body's orbit normal in the search:
    the same sense for every arc not within a few degrees of a 180-degree transfer (the planets'
    orbits are within 3.4 degrees of the ecliptic); the brute-force comparisons below would fail
    on any arc where the two differ.
    """
    r1, v1 = EPH.state(b1, t1)
    r2, v2 = EPH.state(b2, t2)
    w1, w2, st = lambert_batch(GM_SUN, r1, r2, t2 - t1, reference=ECLIPTIC_POLE)
    return w1 - v1, w2 - v2, st == 0


def _brute_force(bodies, t, launch_idx, m_ranges, rp_min, max_c3=None):
    """Every chain of lattice epochs: (epoch indices (N, n+1), total Δv (N,)), NaN where infeasible."""
    grids = np.meshgrid(launch_idx, *[np.arange(a, b + 1) for a, b in m_ranges], indexing="ij")
    steps = np.stack([g.ravel() for g in grids], axis=1)
    idx = np.cumsum(steps, axis=1)
    total = np.zeros(idx.shape[0])
    v_prev = None
    for k in range(len(bodies) - 1):
        vd, va, ok = _arcs(bodies[k], bodies[k + 1], t[idx[:, k]], t[idx[:, k + 1]])
        total[~ok] = np.nan
        if k == 0:
            c3 = np.einsum("ij,ij->i", vd, vd)
            total += departure_dv(EARTH.gm_km3s2, EARTH.radius_km + 400.0, np.sqrt(c3))
            if max_c3 is not None:
                total[c3 > max_c3] = np.nan
        else:
            dv, _, good = powered_flyby(bodies[k].gm_km3s2, v_prev, vd, rp_min[k - 1])
            total += np.where(good, dv, np.nan)
        v_prev = va
    last = bodies[-1]
    r_cap = last.radius_km + 250.0
    total += capture_dv(last.gm_km3s2, np.linalg.norm(v_prev, axis=1), r_cap, r_cap)
    return idx, total


@pytest.mark.parametrize("case", ["earth-venus-mars", "earth-venus-earth-mars"])
def test_grid_search_matches_brute_force(case):
    if case == "earth-venus-mars":
        bodies, window, step = [EARTH, VENUS, MARS], ("2030-01-10", "2030-02-20"), 5.0
        legs, alts, max_c3 = [(140, 185), (190, 240)], [300.0], 30.0
    else:
        bodies, window, step = [EARTH, VENUS, EARTH, MARS], ("2030-01-01", "2030-03-01"), 10.0
        legs, alts, max_c3 = [(100, 160), (200, 300), (150, 230)], [300.0, 300.0], None
    found = search_sequence([b.name for b in bodies], window, legs, min_flyby_alt_km=alts, max_c3=max_c3,
                            step_days=step, refine=False, n_refine=1)
    start = parse_utc(window[0])
    n_launch = int(round((parse_utc(window[1]) - start) / (step * DAY))) + 1
    m_ranges = [(int(math.ceil(a / step)), int(math.floor(b / step))) for a, b in legs]
    t = utc_steps(start, step, n_launch + sum(b for _, b in m_ranges))
    rp_min = [b.radius_km + a for b, a in zip(bodies[1:-1], alts)]
    idx, total = _brute_force(bodies, t, np.arange(n_launch), m_ranges, rp_min, max_c3)
    assert np.isfinite(total).sum() > 20
    k = int(np.nanargmin(total))
    best = found.best
    assert not best.refined
    assert best.total_dv_kms == pytest.approx(total[k], rel=1e-12)
    np.testing.assert_allclose(best.epochs_tdb, t[idx[k]], atol=1e-3)
    # the picture, exact: the least total through every (launch, first leg) cell, every launch
    # date and every arrival date
    grid = found.grid
    fin = np.isfinite(total)
    first = np.full(grid.total_dv_kms.shape, np.nan)
    np.fmin.at(first, (idx[fin, 0], idx[fin, 1] - idx[fin, 0] - m_ranges[0][0]), total[fin])
    np.testing.assert_allclose(grid.total_dv_kms.values, first, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(grid.best_total_dv_kms.values, np.fmin.reduce(first, axis=1), rtol=1e-12,
                               equal_nan=True)
    arrival_t = datetime64_to_tdb(grid.arrival.values)
    by_arrival = np.full(arrival_t.size, np.nan)
    np.fmin.at(by_arrival, np.searchsorted(arrival_t, t[idx[fin, -1]] - 1.0), total[fin])
    np.testing.assert_allclose(grid.arrival_total_dv_kms.values, by_arrival, rtol=1e-12, equal_nan=True)
    # each launch date's and each arrival date's chain: its dates are those of a chain of that cost
    for i in np.flatnonzero(np.isfinite(grid.best_total_dv_kms.values)):
        chain = np.concatenate([[t[i]], datetime64_to_tdb(grid.best_flyby_date.values[i]),
                                [datetime64_to_tdb(grid.best_arrival.values[i])]])
        match = np.all(np.abs(t[idx] - chain) < 1.0, axis=1)
        assert total[match][0] == pytest.approx(grid.best_total_dv_kms.values[i], rel=1e-12)
    for i in np.flatnonzero(np.isfinite(grid.arrival_total_dv_kms.values)):
        chain = np.concatenate([[datetime64_to_tdb(grid.arrival_launch.values[i])],
                                datetime64_to_tdb(grid.arrival_flyby_date.values[i]), [arrival_t[i]]])
        match = np.all(np.abs(t[idx] - chain) < 1.0, axis=1)
        assert total[match][0] == pytest.approx(grid.arrival_total_dv_kms.values[i], rel=1e-12)
    assert found.flyby_evaluations <= found.flyby_combinations


@pytest.fixture(scope="module")
def evm():
    """Earth-Venus-Mars launched in early 2030 (a Venus swing-by opportunity), refined."""
    return search_sequence(["earth", "venus", "mars"], "2030-01-01:2030-03-31", [(100, 220), (150, 280)],
                           step_days=2.0, n_refine=2)


def test_refinement_improves_on_the_grid_and_respects_the_limits(evm):
    best = evm.best
    assert best.refined
    assert best.total_dv_kms <= float(evm.grid.total_dv_kms.min()) + 1e-12
    fb = best.flybys[0]
    assert fb.body == "venus" and fb.altitude_km >= 300.0 - 1e-6
    assert fb.turn_angle_deg <= fb.max_turn_angle_deg
    assert best.total_dv_kms == pytest.approx(best.departure_dv_kms + best.flyby_dv_kms + best.arrival_dv_kms,
                                              rel=1e-14)
    # the flyby is off the 2-day lattice: every epoch was refined
    offset_days = (fb.t_tdb - best.epochs_tdb[0]) / DAY
    assert abs(offset_days / 2.0 - round(offset_days / 2.0)) > 1e-3


def test_refined_epochs_do_not_depend_on_the_step(evm):
    # The free-return flyby used to stay on the launch grid (its C3 moved by 0.5 % with the step);
    # refined epochs must not.
    finer = search_sequence(["earth", "venus", "mars"], "2030-01-01:2030-03-31", [(100, 220), (150, 280)],
                            step_days=1.0, n_refine=1)
    assert finer.best.total_dv_kms == pytest.approx(evm.best.total_dv_kms, abs=1e-9)
    np.testing.assert_allclose(finer.best.epochs_tdb, evm.best.epochs_tdb, atol=60.0)  # a minute
    assert finer.best.c3_km2s2 == pytest.approx(evm.best.c3_km2s2, rel=1e-6)
    assert finer.best.flybys[0].altitude_km == pytest.approx(evm.best.flybys[0].altitude_km, abs=0.1)


def test_no_small_move_of_one_epoch_lowers_the_cost(evm):
    best = evm.best
    t = np.array(best.epochs_tdb)
    for k in range(t.size):
        for d in (-0.02, 0.02):
            moved = t.copy()
            moved[k] += d * DAY
            vd1, va1, ok1 = _arcs("earth", "venus", moved[:1], moved[1:2])
            vd2, va2, ok2 = _arcs("venus", "mars", moved[1:2], moved[2:3])
            dv, _, good = powered_flyby(VENUS.gm_km3s2, va1, vd2, VENUS.radius_km + 300.0)
            if not (ok1[0] and ok2[0] and good[0]):
                continue
            r = MARS.radius_km + 250.0
            cost = (departure_dv(EARTH.gm_km3s2, EARTH.radius_km + 400.0, np.linalg.norm(vd1[0]))
                    + dv[0] + capture_dv(MARS.gm_km3s2, np.linalg.norm(va2[0]), r, r))
            assert cost >= best.total_dv_kms - 1e-9


def test_refined_transfer_flies(evm):
    # Each leg, propagated from the departure body's state plus its v∞, lands on the next body;
    # the flyby hyperbola rebuilt from the reported aim point turns v∞_in into the next leg's v∞_out.
    best = evm.best
    t = np.array(best.epochs_tdb)
    names = list(best.bodies)
    vd, va = [], []
    for k in range(2):
        d, a, ok = _arcs(names[k], names[k + 1], t[k:k + 1], t[k + 1:k + 2])
        assert ok[0]
        r1, v1 = EPH.state(names[k], t[k])
        r2, _ = EPH.state(names[k + 1], t[k + 1])
        r, _, st = propagate_batch(GM_SUN, r1[None], (v1 + d[0])[None], [t[k + 1] - t[k]])
        assert st[0] == 0 and np.linalg.norm(r[0] - r2) < 1.0  # km
        vd.append(d[0])
        va.append(a[0])
        assert best.legs[k].vinf_departure_kms == pytest.approx(np.linalg.norm(d[0]), rel=1e-9)
    assert best.c3_km2s2 == pytest.approx(float(vd[0] @ vd[0]), rel=1e-9)
    fb = best.flybys[0]
    mu = VENUS.gm_km3s2
    r_p, v_p = hyperbola_from_bplane(mu, va[0], fb.bt_km, fb.br_km)
    assert np.linalg.norm(r_p) == pytest.approx(fb.periapsis_radius_km, rel=1e-9)
    speed_out = math.sqrt(np.linalg.norm(vd[1]) ** 2 + 2.0 * mu / fb.periapsis_radius_km)
    assert speed_out - np.linalg.norm(v_p) == pytest.approx(
        math.copysign(fb.dv_kms, np.linalg.norm(vd[1]) - np.linalg.norm(va[0])), abs=1e-9)
    v_after = v_p / np.linalg.norm(v_p) * speed_out
    rr, vv, st = propagate_batch(mu, r_p[None], v_after[None], [3e8])
    assert st[0] == 0
    assert np.linalg.norm(vv[0] / np.linalg.norm(vv[0]) - vd[1] / np.linalg.norm(vd[1])) < 1e-5


def test_inspiration_mars_2021_earth_venus_mars_earth_free_return():
    # Hughes et al. 2014 (AIAA 2014-4109): launch 2021-11-22, v∞ 4.50 km/s out, 6.53 km/s back, 582 days.
    found = search_sequence(["earth", "venus", "mars", "earth"], "2021-11-01:2021-12-15",
                            [(80, 250), (80, 300), (100, 400)], min_flyby_alt_km=[300.0, 200.0], powered=False,
                            departure_orbit_km=None, arrival="vinf", step_days=2.0, n_refine=3)
    best = found.best
    assert best.refined
    for f in best.flybys:  # ballistic: no burn, |v∞| kept
        assert abs(f.vinf_in_kms - f.vinf_out_kms) <= 1e-6 and f.dv_kms < 1e-6
        assert f.altitude_km >= f.min_altitude_km - 1e-6
    assert abs((best.legs[0].t_depart - parse_utc("2021-11-22")) / DAY) <= 7.0
    assert best.total_days == pytest.approx(582.0, abs=10.0)
    assert best.legs[0].vinf_departure_kms == pytest.approx(4.50, abs=0.25)
    assert best.arrival_vinf_kms == pytest.approx(6.53, abs=0.3)
    assert [f.body for f in best.flybys] == ["venus", "mars"]


def test_two_bodies_is_a_porkchop_cell():
    # No flyby: the grid picture is the porkchop kernel's (launch, time of flight) grid, v∞ out + v∞ in.
    from sojourn.core.transfer_grid import transfer_pairs

    found = search_sequence(["earth", "mars"], "2026-10-01:2026-11-30", [(180, 300)], step_days=10.0,
                            departure_orbit_km=None, arrival="vinf", refine=False)
    grid = found.grid
    t_l = datetime64_to_tdb(grid.launch.values)
    tof = grid.leg1_days.values
    t_l2, tof2 = np.meshgrid(t_l, tof, indexing="ij")
    t_a = utc_steps(t_l[0], 10.0, t_l.size + int(tof[-1] / 10.0))
    t_a2 = t_a[np.arange(t_l.size)[:, None] + (tof / 10.0).astype(int)[None, :]]
    r1, v1 = EPH.state("earth", t_l2.ravel())
    r2, v2 = EPH.state("mars", t_a2.ravel())
    c3, _, vinf_arr, *_, status = transfer_pairs(GM_SUN, r1, v1, t_l2.ravel(), r2, v2, t_a2.ravel())
    have = np.isfinite(grid.total_dv_kms.values.ravel())
    assert have.sum() > 50
    np.testing.assert_array_equal(have, status == 0)
    np.testing.assert_allclose(grid.total_dv_kms.values.ravel()[have], (np.sqrt(c3) + vinf_arr)[have], rtol=1e-9)
    assert found.best.flybys == ()


def test_results_are_json_safe_and_report_progress(evm):
    text = json.dumps(evm.to_dict())
    back = json.loads(text)
    assert back["best"]["flybys"][0]["body"] == "venus"
    assert back["best"]["entry_speed_kms"] is None  # a capture, not an entry
    assert back["settings"]["bodies"] == ["earth", "venus", "mars"]
    assert "venus" in repr(evm.best.flybys[0]) and "earth-venus-mars" in repr(evm)
    assert evm.best.launch.tzinfo is not None
    seen = []
    search_sequence(["earth", "venus", "mars"], "2030-01-01:2030-01-31", [(100, 220), (150, 280)], step_days=5.0,
                    n_refine=1, progress=lambda d, t, label: seen.append((d, t)))
    assert seen[0][0] == 0.0 and seen[-1][0] == seen[-1][1] and all(b[0] >= a[0] for a, b in zip(seen, seen[1:]))


def test_entry_speed_cap_is_honoured_by_the_search():
    # Mars - Venus - Earth returns of late 2035 (from a 250 x 33 000 km Mars orbit): the cheapest
    # enters at about 11.8 km/s; capped at 11.5 km/s the search pays for it (a powered flyby) and
    # enters at the cap, not above; no return of the window enters below 11 km/s.
    args = (["mars", "venus", "earth"], "2035-07-01:2035-12-31", [(100, 300), (80, 250)])
    kw = dict(departure_orbit_km=(250.0, 33000.0), arrival="entry", step_days=4.0, n_refine=2)
    free = search_sequence(*args, **kw).best
    capped = search_sequence(*args, max_entry_speed_kms=11.5, **kw).best
    assert free.entry_speed_kms > 11.5
    assert capped.entry_speed_kms <= 11.5 + 1e-9
    assert capped.total_dv_kms >= free.total_dv_kms
    assert capped.arrival_dv_kms == 0.0
    with pytest.raises(NoSolutionError) as err:
        search_sequence(*args, max_entry_speed_kms=11.0, **kw)
    assert err.value.where == "max_entry_speed_kms"


@pytest.mark.parametrize("kwargs,where", [
    (dict(bodies=["earth"]), "bodies"),
    (dict(bodies=["earth", "sun", "mars"]), "bodies"),
    (dict(bodies=["earth", "vulcan", "mars"]), "bodies"),
    (dict(leg_days=[(100, 200)]), "leg_days"),
    (dict(leg_days=[(100, 50), (150, 250)]), "leg_days"),
    (dict(launch="2030-02-01:2030-01-01"), "launch"),
    (dict(min_flyby_alt_km=-5.0), "min_flyby_alt_km"),
    (dict(min_flyby_alt_km=[300.0, 300.0]), "min_flyby_alt_km"),
    (dict(arrival="orbit"), "arrival"),
    (dict(capture_orbit_km=(500.0, 300.0)), "capture_orbit_km"),
    (dict(max_total_days=200.0), "max_total_days"),
    (dict(step_days=0.0), "step_days"),
    (dict(n_refine=0), "n_refine"),
    (dict(powered=False, refine=False), "refine"),
    (dict(max_c3=-1.0), "max_c3"),
])
def test_bad_inputs_name_their_parameter(kwargs, where):
    args = dict(bodies=["earth", "venus", "mars"], launch="2030-01-01:2030-01-31", leg_days=[(100, 220), (150, 280)],
                step_days=5.0)
    args.update(kwargs)
    with pytest.raises(InputError) as err:
        search_sequence(args.pop("bodies"), args.pop("launch"), args.pop("leg_days"), **args)
    assert err.value.where == where


@pytest.mark.parametrize("kwargs,where", [
    (dict(max_c3=1.0), "max_c3"),
    (dict(min_flyby_alt_km=5e6), "min_flyby_alt_km"),
    (dict(max_arrival_vinf_kms=0.01), "max_arrival_vinf_kms"),
])
def test_impossible_limits_are_named(kwargs, where):
    with pytest.raises(NoSolutionError) as err:
        search_sequence(["earth", "venus", "mars"], "2030-01-01:2030-01-31", [(100, 220), (150, 280)],
                        step_days=5.0, **kwargs)
    assert err.value.where == where
