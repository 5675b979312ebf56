"""``sojourn crew`` and ``sojourn comms`` through the command line (sojourn.cli.main, in process).

The crew's mission is examples/dra5-conjunction.toml restricted to the 2033 opportunity
(2-day grid). Its dose is checked against the hand sum of the published rates over the
plan's own phase lengths (cruise 1.84 mSv/day, Zeitlin et al. 2013; Mars 0.64 mSv/day,
Hassler et al. 2014), and its blackout against the Earth-Mars solar conjunction of
August 2034 found independently by ``sojourn comms`` (the crew is at Mars then).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sojourn.cli import main
from sojourn.time import DAY, parse_utc

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "dra5-conjunction.toml"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    path = tmp_path_factory.mktemp("crew") / "dra5-2033.toml"
    path.write_text(EXAMPLE.read_text().replace('launch = "2031-01-01:2046-12-31"', 'launch = "2033-01-01:2033-12-31"'))
    return path


def _run(argv):
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def crew_run(scenario, tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("charts") / "out"
    status, out, err = _run(["crew", str(scenario), "--step", "2", "--json", "--out", str(out_dir)])
    assert status == 0, err
    return json.loads(out), out_dir


@pytest.fixture(scope="module")
def conjunction_2034():
    status, out, err = _run(["comms", "--from", "earth", "--to", "mars", "--start", "2034-06-01",
                             "--end", "2034-11-01", "--json"])
    assert status == 0, err
    return json.loads(out)


def test_crew_dose_matches_the_hand_sum_over_the_plan(crew_run):
    data, _ = crew_run
    s = data["summary"]
    out_days = (parse_utc(s["mars_arrival"]) - parse_utc(s["launch"])) / DAY
    stay = (parse_utc(s["mars_departure"]) - parse_utc(s["mars_arrival"])) / DAY
    back = (parse_utc(s["return"]) - parse_utc(s["mars_departure"])) / DAY
    hand = 1.84 * (out_days + back) + 0.64 * stay  # dates are to the minute: tolerance 3 x 1.84 / 1440 mSv
    assert s["dose"]["mission_msv"] == pytest.approx(hand, abs=0.01)
    assert s["days_since_leaving_earth"] == pytest.approx(out_days + stay + back, abs=3 / 1440)
    days = data["days"]
    assert sum(d["dose_msv"] for d in days) == pytest.approx(s["dose"]["mission_msv"], abs=1e-3)
    assert days[-1]["cumulative_msv"] == pytest.approx(s["dose"]["career_total_msv"], abs=1e-3)
    # a ~950-day conjunction-class mission is over the 600 mSv career limit: when is it reached?
    crossed = next(d["date"] for d in days if d["cumulative_msv"] >= 600.0)
    assert s["dose"]["limit_crossed"] and s["dose"]["limit_crossed_on"] == crossed
    assert {d["phase"] for d in days} == {"outbound", "mars", "return"}


def test_crew_records_and_summary(crew_run):
    data, _ = crew_run
    days = data["days"]
    for d in days:
        assert set(d) >= {"date", "phase", "dose_msv", "cumulative_msv", "light_time_min", "sep_angle_deg",
                          "blackout", "data_rate_bps", "distance_km"}
        assert d["light_time_min"] == pytest.approx(d["distance_km"] / 299792.458 / 60, abs=1e-5)
    c = data["summary"]["comms"]
    # Earth-Mars light time is at most about 22 minutes (references.md)
    assert 20.0 < c["longest_one_way_delay_min"] < 23.0
    assert c["longest_one_way_delay_min"] == pytest.approx(max(d["light_time_min"] for d in days), abs=1e-3)
    assert c["farthest_distance_km"] == pytest.approx(max(d["distance_km"] for d in days), abs=1)
    # the rate falls as the inverse square of the distance
    a, b = days[100], days[400]
    assert a["data_rate_bps"] / b["data_rate_bps"] == pytest.approx((b["distance_km"] / a["distance_km"]) ** 2,
                                                                    rel=1e-6)
    assert c["file_hours_at_lowest_rate"] == pytest.approx(8 * 2e9 / c["lowest_data_rate_bps"] / 3600, rel=1e-3)


def test_crew_blackout_is_the_mars_conjunction(crew_run, conjunction_2034):
    data, _ = crew_run
    crew_blackouts = data["summary"]["comms"]["blackouts"]
    assert len(crew_blackouts) == 1 and len(conjunction_2034["blackouts"]) == 1
    mine, theirs = crew_blackouts[0], conjunction_2034["blackouts"][0]
    for key in ("start", "end", "conjunction"):
        assert abs(parse_utc(mine[key]) - parse_utc(theirs[key])) <= 60.0
    assert data["summary"]["comms"]["longest_stretch_without_contact_days"] == pytest.approx(theirs["days"], abs=1e-3)
    flagged = [d["date"] for d in data["days"] if d["blackout"]]
    assert flagged[0] == mine["start"][:10] and flagged[-1] == mine["end"][:10]
    assert all(d["sep_angle_deg"] < 2.0 for d in data["days"] if mine["start"] < d["date"] < mine["end"][:10])


def test_crew_charts_written(crew_run):
    data, out_dir = crew_run
    for name in ("dose.png", "light-time.png"):
        assert (out_dir / name).read_bytes()[:8] == PNG_MAGIC
    assert sorted(Path(p).name for p in data["outputs"]) == ["dose.png", "light-time.png"]


def test_crew_table_and_options(scenario, tmp_path):
    cfg = tmp_path / "crew.toml"
    cfg.write_text("[dose]\nprior_career_msv = 50\n[[dose.solar_particle_events]]\n"
                   "date = 2034-02-01\ndose_msv = 30\n")
    status, out, err = _run(["crew", str(scenario), "--step", "2", "--crew-config", str(cfg),
                             "--shielding", "0.5", "--limit", "1000"])
    assert status == 0, err
    assert "career total / limit" in out and "limit not reached" in out
    assert "longest blackout" in out and "2034-08-14" in out


@pytest.mark.parametrize("argv,where", [
    (["--threshold", "0"], "--threshold"),
    (["--threshold", "-2"], "--threshold"),
    (["--shielding", "0"], "--shielding"),
    (["--solar-minimum", "2019-13-01"], "--solar-minimum"),
])
def test_crew_bad_options(scenario, argv, where):
    status, out, err = _run(["crew", str(scenario)] + argv)
    assert status == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and f"({where})" in err


def test_crew_bad_config(scenario, tmp_path):
    cfg = tmp_path / "crew.toml"
    cfg.write_text("[comms]\nthreshold = 2\n")
    status, _, err = _run(["crew", str(scenario), "--crew-config", str(cfg)])
    assert status == 2 and f"({cfg}: comms.threshold)" in err and "did you mean 'threshold_deg'" in err


# --- sojourn comms -----------------------------------------------------------------------------------


def test_comms_json(conjunction_2034):
    b = conjunction_2034["blackouts"][0]
    assert set(b) >= {"start", "end", "days", "min_angle_deg"}
    assert b["conjunction"].startswith("2034-08-19") and b["min_angle_deg"] < 2.0
    lo, hi = conjunction_2034["light_time_min_minutes"], conjunction_2034["light_time_max_minutes"]
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
])
def test_comms_bad_input(argv, where):
    status, out, err = _run(["comms"] + argv)
    assert status == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and f"({where})" in err
