"""The crew's journey (``sj.crew``) and the ``sojourn crew`` and ``sojourn comms`` commands.

The crew's mission is Ulysses (examples/ulysses.toml), planned once per run
(tests/conftest.py). Its dose is checked against the hand sum of the published
rates over the plan's own phase lengths (cruise 1.84 mSv/day, Zeitlin et al.
2013; Mars 0.64 mSv/day, Hassler et al. 2014), and its blackout against the
Earth-Mars solar conjunction of August 2034 found independently by
``sj.comms`` (the crew is at Mars then). The commands are run in process
through :func:`sojourn.cli.main`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import sojourn as sj
from sojourn.cli import main
from sojourn.time import DAY

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ulysses.toml"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _run(argv):
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def timeline(ulysses_plan):
    return sj.crew(ulysses_plan)


@pytest.fixture(scope="module")
def crew_run(tmp_path_factory):
    """``sojourn crew ulysses.toml --json --out DIR``, run once for the module."""
    out_dir = tmp_path_factory.mktemp("charts") / "out"
    status, out, err = _run(["crew", str(EXAMPLE), "--json", "--out", str(out_dir)])
    assert status == 0, err
    return json.loads(out), out_dir, err


@pytest.fixture(scope="module")
def conjunction_2034():
    return sj.comms("earth", "mars", "2034-06-01", "2034-11-01")


def test_crew_dose_matches_the_hand_sum_over_the_plan(timeline, ulysses_plan):
    out_leg, ret_leg = ulysses_plan.legs
    stay = (ret_leg.t_depart - out_leg.t_arrive) / DAY
    hand = 1.84 * (out_leg.tof_days + ret_leg.tof_days) + 0.64 * stay
    assert timeline.mission_msv == pytest.approx(hand, rel=1e-9)
    assert timeline.mission_days == pytest.approx(out_leg.tof_days + stay + ret_leg.tof_days, rel=1e-12)
    ds = timeline.series
    assert ds["dose_msv"].sum().item() == pytest.approx(hand, rel=1e-9)
    assert ds["cumulative_msv"].values[-1] == pytest.approx(hand, rel=1e-9)
    # a ~930-day conjunction-class mission is over the 600 mSv career limit: when is it reached?
    # 280 days out give 515.2 mSv; the other 84.8 mSv take 132.5 days at Mars
    expected = out_leg.t_arrive + (600.0 - 1.84 * out_leg.tof_days) / 0.64 * DAY
    assert timeline.limit_t == pytest.approx(expected, abs=1.0)
    s = timeline.overview()
    assert s["dose"]["limit_crossed"] and s["dose"]["limit_crossed_on"] == timeline.limit_date.date().isoformat()
    assert set(ds["phase"].values.tolist()) <= {"outbound", "mars", "return", "after"}


def test_crew_series_and_summary(timeline):
    ds = timeline.series
    assert np.allclose(ds["light_time_s"], ds["distance_km"] / 299792.458, rtol=0, atol=1e-9)
    c = timeline.overview()["comms"]
    # Earth-Mars light time is at most about 22 minutes (references.md)
    assert 20.0 < c["longest_one_way_delay_min"] < 23.0
    assert c["longest_one_way_delay_min"] == pytest.approx(ds["light_time_s"].max().item() / 60, abs=1e-3)
    assert c["farthest_distance_km"] == pytest.approx(ds["distance_km"].max().item(), abs=1)
    # the rate falls as the inverse square of the distance, up to the radio's 6 Mbit/s cap near Earth
    d, r = ds["distance_km"].values, ds["data_rate_bps"].values
    free = np.flatnonzero(r < 6e6)
    i, j = free[np.argmin(d[free])], free[np.argmax(d[free])]
    assert r[i] / r[j] == pytest.approx((d[j] / d[i]) ** 2, rel=1e-9) and d[j] > 2 * d[i]
    assert r.max() == 6e6 and r[0] == 6e6
    assert c["file_hours_at_lowest_rate"] == pytest.approx(8 * 2e9 / c["lowest_data_rate_bps"] / 3600, rel=1e-3)
    # no time to send a file in a blackout: undefined, not zero
    assert np.isnan(ds["file_hours"].values[ds["blackout"].values]).all()


def test_crew_blackout_is_the_mars_conjunction(timeline, conjunction_2034):
    assert len(timeline.blackouts) == 1 and len(conjunction_2034.blackouts) == 1
    mine, theirs = timeline.blackouts[0], conjunction_2034.blackouts[0]
    for key in ("start", "end", "t_min"):
        assert abs(getattr(mine, key) - getattr(theirs, key)) <= 60.0
    assert timeline.longest_blackout == mine
    flagged = [d for d, b in zip(timeline.dates, timeline.series["blackout"].values) if b]
    assert flagged[0] == mine.start_date.date().isoformat() and flagged[-1] == mine.end_date.date().isoformat()
    angle = timeline.series["sep_angle_deg"].values
    inside = (timeline.series["t_sample"].values > mine.start) & (timeline.series["t_sample"].values < mine.end)
    assert inside.sum() >= 9 and (angle[inside] < 2.0).all()
    assert timeline.blackout_table["days"].tolist() == [mine.days]


def test_crew_json_is_the_timeline(crew_run, timeline):
    data, _, err = crew_run
    assert set(data) == {"summary", "model", "ephemeris", "warnings", "assumptions", "days", "outputs"}
    expected = sj.to_dict(timeline.to_dict())
    assert data["summary"] == expected["summary"] and data["days"] == expected["days"]
    for d in data["days"]:
        assert set(d) == {"date", "phase", "dose_msv", "cumulative_msv", "light_time_min", "sep_angle_deg",
                          "blackout", "blackout_hours", "data_rate_bps", "file_hours", "distance_km",
                          "sun_distance_au"}
    # the career-limit warning is in the JSON, and on stderr
    assert data["warnings"] == ["the career limit of 600 mSv is reached on " + data["summary"]["dose"]
                                ["limit_crossed_on"]]
    assert "warning: the career limit of 600 mSv is reached" in err


def test_crew_charts_written(crew_run):
    data, out_dir, _ = crew_run
    for name in ("dose.png", "light-time.png"):
        assert (out_dir / name).read_bytes()[:8] == PNG_MAGIC
    assert sorted(Path(p).name for p in data["outputs"]) == ["dose.png", "light-time.png"]


def test_crew_plots_draw_into_given_axes(timeline):
    from sojourn.plot.figure import new_figure

    fig = new_figure((12, 4))
    left, right = fig.subplots(1, 2)
    assert sj.plot.dose(timeline, ax=left) is fig
    assert sj.plot.light_time(timeline, ax=right) is fig
    y = left.lines[0].get_ydata()
    assert y[-1] == pytest.approx(timeline.series["cumulative_msv"].values[-1])
    assert right.lines[0].get_ydata().max() == pytest.approx(timeline.series["light_time_s"].max().item() / 60)


def test_crew_table_and_options(tmp_path):
    cfg = tmp_path / "crew.toml"
    cfg.write_text("[dose]\nprior_career_msv = 50\n[[dose.solar_particle_events]]\n"
                   "date = 2034-02-01\ndose_msv = 30\n")
    status, out, err = _run(["crew", str(EXAMPLE), "--crew-config", str(cfg), "--shielding", "0.4",
                             "--limit", "1000", "--threshold", "3"])
    assert status == 0, err
    assert "career total / limit" in out and "limit not reached" in out
    # 0.4 x 1268.5 + 30 from the event: 537 mSv on the mission, 587 with the prior dose
    assert "537 mSv" in out and "587 / 1000 mSv" in out
    assert "longest blackout" in out and "2034-08-" in out
    # the blackout table below 3 degrees, its dates whole
    assert "angle < 3°" in out and re.search(r"2034-08-\d\dT\d\d:\d\d", out.split("Blackouts")[1])
    assert err == ""


@pytest.mark.parametrize("argv,where", [
    (["--threshold", "0"], "--threshold"),
    (["--threshold", "-2"], "--threshold"),
    (["--shielding", "0"], "--shielding"),
    (["--solar-minimum", "2019-13-01"], "--solar-minimum"),
    (["--frequency", "-1"], "--frequency"),
    (["--step", "0"], "--step"),
    (["--crew-config", "{d}/missing.toml"], "--crew-config"),
    (["--ephemeris", "{d}/missing.bsp"], "--ephemeris"),
    (["--out", "{d}/no/such/dir"], "--out"),
])
def test_crew_bad_options_before_any_work(argv, where, tmp_path):
    status, out, err = _run(["crew", str(EXAMPLE)] + [a.format(d=tmp_path) for a in argv])
    assert status == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and f"({where})" in err
    assert list(tmp_path.iterdir()) == []


def test_crew_bad_config(tmp_path):
    cfg = tmp_path / "crew.toml"
    cfg.write_text("[comms]\nthreshold = 2\n")
    status, _, err = _run(["crew", str(EXAMPLE), "--crew-config", str(cfg)])
    assert status == 2 and f"({cfg}: comms.threshold)" in err and "did you mean 'threshold_deg'" in err


def test_crew_refuses_to_write_over_its_inputs(tmp_path, monkeypatch):
    """--out DIR would hold dose.png: the scenario, crew config or ephemeris there is refused, however spelt."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "dose.png").write_bytes(EXAMPLE.read_bytes())
    (tmp_path / "link.toml").symlink_to(out / "dose.png")
    cfg = out / "light-time.png"
    cfg.write_text("[dose]\n")
    for argv, what in ((["out/dose.png", "--out", "out"], "scenario"),
                       (["./out/../out/dose.png", "--out", "./out"], "scenario"),
                       (["link.toml", "--out", str(out)], "scenario"),
                       ([str(EXAMPLE), "--out", "out", "--crew-config", "out/light-time.png"], "crew config")):
        status, stdout, err = _run(["crew", *argv])
        assert status == 2 and stdout == "" and f"is the {what} it reads" in err and "(--out (" in err, err
    assert (out / "dose.png").read_bytes() == EXAMPLE.read_bytes() and cfg.read_text() == "[dose]\n"


# --- sojourn comms -----------------------------------------------------------------------------------


def test_comms_json():
    status, out, err = _run(["comms", "--from", "earth", "--to", "mars", "--start", "2034-06-01",
                             "--end", "2034-11-01", "--json"])
    assert status == 0, err
    data = json.loads(out)
    assert set(data) == {"from", "to", "start", "end", "threshold_deg", "step_days", "ephemeris", "blackouts",
                         "blackout_days_total", "longest_blackout_days", "light_time_min_minutes",
                         "light_time_min_date", "light_time_max_minutes", "light_time_max_date", "distance_min_km",
                         "distance_max_km", "outputs"}
    b = data["blackouts"][0]
    assert set(b) == {"start", "end", "days", "min_angle_deg", "conjunction", "least_angle", "open_start", "open_end"}
    assert b["conjunction"].startswith("2034-08-19") and b["min_angle_deg"] < 2.0
    lo, hi = data["light_time_min_minutes"], data["light_time_max_minutes"]
    assert 15.0 < lo < hi < 23.0


def test_comms_table():
    status, out, err = _run(["comms", "--start", "2026", "--end", "2026", "--threshold", "3"])
    assert status == 0, err
    assert "2026-01-" in out and "one-way light time" in out


@pytest.mark.parametrize("argv,where", [
    (["--from", "earth", "--to", "vulcan", "--start", "2026", "--end", "2027"], "--to"),
    (["--from", "krypton", "--start", "2026", "--end", "2027"], "--from"),
    (["--to", "earth", "--start", "2026", "--end", "2027"], "--to"),
    (["--start", "2026", "--end", "2027", "--threshold", "0"], "--threshold"),
    (["--start", "2026", "--end", "2027", "--threshold", "-1"], "--threshold"),
    (["--start", "2028", "--end", "2026-06-01"], "--end"),
    (["--start", "2026-13-01", "--end", "2027"], "--start"),
    (["--start", "2026", "--end", "2027", "--step", "0"], "--step"),
    (["--start", "2050", "--end", "2060"], "--end"),
])
def test_comms_bad_input(argv, where):
    status, out, err = _run(["comms"] + argv)
    assert status == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and f"({where})" in err
