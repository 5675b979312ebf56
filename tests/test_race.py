"""The race: Liberty (examples/us-fast.toml) against Ulysses (examples/ulysses.toml), checked by flying it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import sojourn as sj
from sojourn.bodies import GM_SUN, get_body
from sojourn.cli import main
from sojourn.contingency.race import BEFORE_S, REFINE_TOLERANCE_S
from sojourn.core.kepler import propagate_batch
from sojourn.ephemeris import load_ephemeris
from sojourn.time import DAY, parse_utc, tdb_to_datetime
from sojourn.transfer.ballistic import transfers

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
A_FILE = EXAMPLES / "ulysses.toml"
B_FILE = EXAMPLES / "us-fast.toml"


@pytest.fixture(scope="module")
def result():
    # A is planned once here; the command-line tests below reuse that plan (same scenario digest)
    return sj.race(A_FILE, B_FILE)


def _independent_dv(c3, vinf_arr, dla_deg):
    """Liberty's two burns from the textbook formulas (Curtis ch. 8), not from sojourn.core.

    Departure from a 400 km circular orbit inclined 28.5° (the file's), one combined burn at periapsis that
    also turns the plane by Δi = max(0, |DLA| - 28.5°): sqrt(vc² + vp² - 2 vc vp cos Δi), vc = sqrt(mu/r),
    vp = sqrt(C3 + 2 mu/r). Capture at periapsis into 250 km x 1 sol:
    sqrt(v∞² + 2 mu/rp) - sqrt(2 mu/rp - 2 mu/(rp + ra)), ra = 2a - rp with a from Kepler's third law for the
    file's 24.6597 h.
    """
    earth, mars = get_body("earth"), get_body("mars")
    r = earth.radius_km + 400.0
    vc, vp = np.sqrt(earth.gm_km3s2 / r), np.sqrt(c3 + 2 * earth.gm_km3s2 / r)
    di = np.radians(np.maximum(0.0, np.abs(dla_deg) - 28.5))
    dep = np.sqrt(vc ** 2 + vp ** 2 - 2 * vc * vp * np.cos(di))
    rp = mars.radius_km + 250.0
    a = (mars.gm_km3s2 * (24.6597 * 3600.0 / (2 * math.pi)) ** 2) ** (1 / 3)  # period_hours in the file
    ra = 2 * a - rp
    cap = np.sqrt(vinf_arr**2 + 2 * mars.gm_km3s2 / rp) - np.sqrt(2 * mars.gm_km3s2 / rp - 2 * mars.gm_km3s2 / (rp + ra))
    return dep + cap


def _fly(t_launch, t_arrival):
    """Launch from Earth on the Lambert solution's departure v∞ and propagate by Kepler."""
    eph = load_ephemeris()
    res = transfers("earth", "mars", t_launch, t_arrival)
    dla, rla = np.radians(res["dla_deg"]), np.radians(res["rla_deg"])
    vinf = res["vinf_departure"][:, None] * np.stack(
        [np.cos(dla) * np.cos(rla), np.cos(dla) * np.sin(rla), np.sin(dla)], axis=-1)
    r0, v0 = eph.state("earth", np.atleast_1d(t_launch))
    r1, _, status = propagate_batch(GM_SUN, r0, v0 + vinf, np.atleast_1d(t_arrival - t_launch))
    assert np.all(status == 0)
    r_mars, _ = eph.state("mars", np.atleast_1d(t_arrival))
    return res, np.linalg.norm(r1 - r_mars, axis=1)


def test_a_arrival_is_ulysses_plan(result, ulysses_plan):
    assert result.a_arrival == ulysses_plan.legs[0].t_arrive
    assert result.a_launch == ulysses_plan.legs[0].t_depart
    assert result.launch_tdb[0] == pytest.approx(result.a_launch, abs=1e-3)  # UTC days from A's launch (ms)
    assert result.launch_tdb[-1] <= result.a_arrival
    assert np.allclose(np.diff(result.launch_tdb), DAY)


def test_liberty_wins_though_it_leaves_weeks_later(result):
    # the story: Liberty leaves after Ulysses and still arrives first
    assert result.wins and result.last is not None
    last = result.last
    assert last.t_launch > result.a_launch + 60 * DAY
    assert last.t_arrival < result.a_arrival
    # the grid's last winning date is the day of the refined last launch
    assert result.wins[-1].t_launch <= last.t_launch < result.wins[-1].t_launch + DAY


def test_last_winning_launch_flown_arrives_before_ulysses(result):
    last = result.last
    res, miss = _fly(np.array([last.t_launch]), np.array([last.t_arrival]))
    assert miss[0] < 1.0  # km: the propagated arc meets Mars at the claimed epoch
    assert last.t_arrival <= result.a_arrival - BEFORE_S
    assert last.margin_days == pytest.approx((result.a_arrival - last.t_arrival) / DAY, abs=1e-12)
    assert res["c3"][0] == pytest.approx(last.c3, rel=1e-9)
    assert res["dla_deg"][0] == pytest.approx(last.dla_deg, abs=1e-9)
    assert res["c3"][0] <= 55.0
    assert _independent_dv(res["c3"], res["vinf_arrival"], res["dla_deg"])[0] <= 8.0 + 1e-9
    assert _independent_dv(res["c3"], res["vinf_arrival"], res["dla_deg"])[0] == pytest.approx(last.dv_total_kms,
                                                                                                abs=1e-9)


@pytest.mark.parametrize("later_s", [REFINE_TOLERANCE_S, 3600.0, DAY])
def test_no_winning_transfer_just_after_the_last(result, later_s):
    # a launch one refinement step (or an hour, or a day) later: search arrivals on a fine grid
    # (every 0.002 day = 2.9 min, and 1 s before Ulysses) for any transfer within Liberty's limits
    t0 = result.last.t_launch + later_s
    t_arr = np.append(np.arange(t0 + 100 * DAY, result.a_arrival - BEFORE_S, 0.002 * DAY),
                      result.a_arrival - BEFORE_S)
    res = transfers("earth", "mars", np.full(t_arr.size, t0), t_arr)
    ok = res["status"] == 0
    dv = _independent_dv(res["c3"][ok], res["vinf_arrival"][ok], res["dla_deg"][ok])
    feasible = (res["c3"][ok] <= 55.0) & (dv <= 8.0)
    assert ok.sum() > 0.99 * t_arr.size
    assert not feasible.any()
    assert dv.min() > 8.0  # the Δv budget is what stops Liberty (C3 is about 51 here)


def test_every_win_is_within_liberty_capability_and_first(result):
    t1 = np.array([w.t_launch for w in result.wins])
    t2 = np.array([w.t_arrival for w in result.wins])
    res, miss = _fly(t1, t2)
    assert np.all(miss < 1.0)
    dv = _independent_dv(res["c3"], res["vinf_arrival"], res["dla_deg"])
    assert np.all(res["c3"] <= 55.0)
    assert np.all(dv <= 8.0 + 1e-9)
    assert np.all(t2 < result.a_arrival)
    assert np.all(t2 - t1 >= 100 * DAY)
    margins = np.array([w.margin_days for w in result.wins])
    assert np.allclose(margins, (result.a_arrival - t2) / DAY)
    assert np.all([w.t_earliest_arrival <= w.t_arrival for w in result.wins])


def test_each_win_is_the_cheapest_that_arrives_first(result):
    # an independent fine search (0.02 day) over every arrival before Ulysses for ten launch dates
    wins = result.wins[:: max(1, len(result.wins) // 10)]
    rows, arrs = [], []
    for k, w in enumerate(wins):
        a = np.arange(w.t_launch + 100 * DAY, result.a_arrival - BEFORE_S, 0.02 * DAY)
        rows.append(np.full(a.size, k))
        arrs.append(a)
    rows, arrs = np.concatenate(rows), np.concatenate(arrs)
    launches = np.array([w.t_launch for w in wins])[rows]
    res = transfers("earth", "mars", launches, arrs)
    dv = _independent_dv(res["c3"], res["vinf_arrival"], res["dla_deg"])
    dv = np.where((res["status"] == 0) & (res["c3"] <= 55.0) & (dv <= 8.0), dv, np.inf)
    for k, w in enumerate(wins):
        assert w.dv_total_kms <= dv[rows == k].min() + 1e-4


def test_the_wins_as_a_table_and_the_grid_as_a_dataset(result):
    import pandas as pd

    tab = result.table
    assert len(tab) == len(result.wins) and tab["launch"].is_monotonic_increasing
    # margins follow from the table's own UTC timestamps (to the millisecond the timestamps keep)
    a_arrival = pd.Timestamp(tdb_to_datetime(result.a_arrival))
    np.testing.assert_allclose((a_arrival - tab["arrival"]).dt.total_seconds() / DAY, tab["margin_days"], atol=1e-6)
    assert (tab["earliest_arrival"] <= tab["arrival"]).all()
    # the porkchop grid: a handful of cells marked feasible, solved again and costed independently
    g = result.grid
    assert g["c3"].dims == ("launch", "arrival") and str(g["launch"].dtype).startswith("datetime64")
    i, j = np.nonzero(g["feasible"].values)
    assert i.size > 100
    pick = np.linspace(0, i.size - 1, 7).astype(int)
    t1, t2 = g["t_launch"].values[i[pick]], g["t_arrival"].values[j[pick]]
    res = transfers("earth", "mars", t1, t2)
    np.testing.assert_allclose(res["c3"], g["c3"].values[i[pick], j[pick]], rtol=1e-9)
    assert np.all(res["c3"] <= 55.0)
    assert np.all(_independent_dv(res["c3"], res["vinf_arrival"], res["dla_deg"]) <= 8.0 + 1e-9)
    assert np.all((t2 - t1) / DAY >= 100.0 - 1e-9)


def test_a_plan_races_as_its_scenario_does(ulysses_plan):
    # A given as the plan already made, on a coarse grid: the same race as A's scenario file
    by_plan = sj.race(ulysses_plan, B_FILE, step_days=10)
    by_file = sj.race(A_FILE, B_FILE, step_days=10)
    assert by_plan.to_dict() == by_file.to_dict()
    # Liberty wins from every launch date up to its last (the story's "weeks after Ulysses")
    assert len(by_plan.wins) == np.sum(by_plan.launch_tdb <= by_plan.last.t_launch)


def test_plot_into_the_callers_axes(result):
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.subplots()
    assert sj.plot.race(result, ax=ax) is fig
    assert ax.get_title().startswith("The race to Mars: Liberty against Ulysses")
    assert ax.get_legend() is not None and fig._suptitle is None
    own = sj.plot.race(result)
    assert own._suptitle.get_text() == "The race to Mars: Liberty against Ulysses"


def test_race_cli_json_and_plot(tmp_path, capsys, result):
    out = tmp_path / "race.png"
    assert main(["race", str(A_FILE), str(B_FILE), "--json", "--out", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["b_name"] == "Liberty" and data["a_name"] == "Ulysses"
    assert data["a_arrival"] == result.to_dict()["a_arrival"]
    assert data["last_winning_launch"] == result.to_dict()["last_winning_launch"]
    assert parse_utc(data["last_winning_launch"]) == pytest.approx(result.last.t_launch, abs=60.0)
    assert data["last_margin_days"] == pytest.approx(result.last.margin_days)
    assert len(data["wins"]) == len(result.wins)
    for w in data["wins"]:
        assert {"launch", "arrival", "c3", "margin_days"} <= set(w)
        assert w["c3"] <= 55.0 and w["dv_total_kms"] <= 8.0 + 1e-9 and w["margin_days"] > 0
    assert out.stat().st_size > 10_000 and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert data["outputs"] == [str(out)]


def test_race_cli_table(capsys, terminal_80, result, in_one_row):
    with terminal_80():
        assert main(["race", str(A_FILE), str(B_FILE)]) == 0
    text = capsys.readouterr().out
    assert "Liberty beats Ulysses" in text and "last winning launch" in text
    # on 80 columns every date stays whole: each win's launch date and arrival minute
    for w in result.wins:
        d = w.to_dict()
        assert in_one_row(text, d["launch"], d["arrival"])


def test_a_vessel_that_never_wins_is_a_result_not_an_error(capsys):
    # Ulysses racing itself: at least 280 days in transit from on or after its own launch,
    # so it can never arrive before itself
    assert main(["race", str(A_FILE), str(A_FILE), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["wins"] == [] and data["last_winning_launch"] is None and data["last_margin_days"] is None
    assert "never" in data["message"]
    assert main(["race", str(A_FILE), str(A_FILE)]) == 0
    assert "can never reach Mars before Ulysses" in capsys.readouterr().out


def _variant(tmp_path, name, old, new):
    text = B_FILE.read_text()
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new))
    return path


@pytest.mark.parametrize("case, where", [
    ("missing", "nowhere.toml"),
    ("c3", "constraints.max_c3"),
    ("capability", "constraints"),
    ("bodies", "mission.destination"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, case, where):
    if case == "missing":
        b = tmp_path / "nowhere.toml"
    elif case == "c3":  # a launcher that cannot even reach Mars
        b = _variant(tmp_path, "weak.toml", "max_c3 = 55.0", "max_c3 = 1.0")
    elif case == "capability":
        b = _variant(tmp_path, "vague.toml", "max_c3 = 55.0\n", "")
        b.write_text(b.read_text().replace("max_total_dv_kms = 8.0\n", ""))
    else:
        b = _variant(tmp_path, "venus.toml", 'destination = "mars"', 'destination = "venus"')
    assert main(["race", str(A_FILE), str(b)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert where in err
    if case == "c3":
        assert "cannot reach Mars" in err and "least is" in err
