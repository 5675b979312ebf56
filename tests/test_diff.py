"""Plan diffs: inputs that differ, events that move, and the input change that moves each one.

The two scenarios are copies of examples/dra5-conjunction.toml restricted to the 2033
opportunity, without the parking orbit's inclination (so that no launch plane change shapes
the launch date: the window does). B opens the launch window on 2033-05-01 (plan A launches on 2033-04-17)
and asks for min_stay_days = 600 = max_stay_days (plan A stays 551 days). The physics
says what must happen: B launches the moment its window opens, and stays exactly 600
days; the launch moves because of the window, the stay's ends and the return because
of the stay.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import sojourn as sj
from sojourn.cli import main
from sojourn.errors import InputError
from sojourn.mission.diff import attribute, changed_inputs, flatten, set_key
from sojourn.mission.scenario import Scenario, load_scenario
from sojourn.time import DAY, parse_utc

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "dra5-conjunction.toml"
STEP = 2.0


def _copy(tmp, name, **subs):
    text = EXAMPLE.read_text()
    text = re.sub(r"\nparking_inclination_deg = [\d.]+\n", "\n", text)
    text = text.replace('launch = "2031-01-01:2046-12-31"', f'launch = "{subs.get("launch", "2033-01-01:2033-12-31")}"')
    if "min_stay_days" in subs:
        text = re.sub(r"min_stay_days = \d+", f"min_stay_days = {subs['min_stay_days']}", text)
    if "max_c3" in subs:
        text = re.sub(r"max_c3 = [\d.]+", f"max_c3 = {subs['max_c3']}", text)
    path = tmp / name
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("diff")
    a = _copy(tmp, "a.toml")
    b = _copy(tmp, "b.toml", launch="2033-05-01:2033-12-31", min_stay_days=600)
    return a, b


@pytest.fixture(scope="module")
def result(files):
    """The diff through the command line (``--json``), run once for the module."""
    import contextlib
    import io

    a, b = files
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["diff", str(a), str(b), "--step", str(STEP), "--json"]) == 0
    return json.loads(buf.getvalue())


# --- inputs ------------------------------------------------------------------------------------------


def test_flatten_and_changed_inputs():
    sc = load_scenario(EXAMPLE)
    flat = flatten(sc.to_dict())
    assert flat["constraints.min_stay_days"] == 450.0 and flat["arrival.period_hours"] == 24.6597
    a = {"x": {"y": 1.0, "z": [{"k": 1}, {"k": 2}]}, "w": [1, 2]}
    b = {"x": {"y": 2.0, "z": [{"k": 1}, {"k": 3}]}, "w": [1, 2], "v": {"u": "new"}}
    assert changed_inputs(a, b) == [("x.y", 1.0, 2.0), ("x.z[1].k", 2, 3), ("v", None, {"u": "new"})]
    assert flatten(b) == {"x.y": 2.0, "x.z[0].k": 1, "x.z[1].k": 3, "w": [1, 2], "v.u": "new"}
    assert set_key(a, "x.z[1].k", 3)["x"]["z"][1]["k"] == 3 and a["x"]["z"][1]["k"] == 2
    assert "y" not in set_key(a, "x.y", None)["x"]
    assert set_key(a, "v.u", "new")["v"] == {"u": "new"}


def test_attribution_rule():
    d = DAY
    # one change explains it; a tiny same-way side effect of the other does not count
    assert attribute(30 * d, {"p": 29 * d, "q": 0.5 * d}) == (["p"], False)
    # both move it the same way by a fair share: both are named
    assert attribute(30 * d, {"p": 15 * d, "q": 14 * d}) == (["p", "q"], False)
    # neither moves it alone (or only the other way): only the combination does
    assert attribute(30 * d, {"p": 0.0, "q": -10 * d}) == (["p", "q"], True)
    assert attribute(30 * d, {"p": None, "q": 0.0}) == (["p", "q"], True)
    assert attribute(10.0, {"p": 5 * d}) == ([], False)  # under a minute is no move


# --- a diff of two scenarios differing in two inputs --------------------------------------------------


def test_inputs_changed(result):
    keys = {row["key"]: row for row in result["inputs_changed"]}
    assert set(keys) == {"windows.launch", "constraints.min_stay_days"}
    assert keys["constraints.min_stay_days"]["a"] == 450.0 and keys["constraints.min_stay_days"]["b"] == 600.0
    assert all(row["alone"] == "moves events" for row in keys.values())


def test_plans_obey_the_changed_inputs(result):
    b = result["b"]
    assert b["stay_days"] == pytest.approx(600.0, abs=1e-3)  # min = max = 600
    assert b["launch"] == "2033-05-01T00:00"  # the least-Δv launch now sits at the window's opening
    assert result["a"]["launch"] < "2033-05-01" and result["a"]["stay_days"] < 600


def test_each_moved_event_is_attributed(result):
    events = {e["name"].split(":")[0]: e for e in result["events"]}
    assert all(e["status"] == "moved" for e in events.values())
    launch = events["Launch"]
    assert launch["attributed_to"] == ["windows.launch"] and not launch["combination_only"]
    # the window alone reproduces the launch's move
    assert launch["single_moves_days"]["windows.launch"] == pytest.approx(launch["moved_days"], abs=1e-3)
    for name in ("Mars arrival", "Surface stay begins", "Surface stay ends",
                 "Trans-Earth injection (Mars departure)", "Earth entry"):
        e = events[name]
        assert e["attributed_to"] == ["constraints.min_stay_days"], name
        assert not e["combination_only"]
    # the stay grew: its start moved earlier and its end later
    assert events["Surface stay begins"]["moved_days"] < 0 < events["Surface stay ends"]["moved_days"]
    gap = parse_utc(events["Surface stay ends"]["b_date"]) - parse_utc(events["Surface stay begins"]["b_date"])
    assert gap / DAY == pytest.approx(600.0, abs=1 / 1440)
    # moved_days agrees with the dates shown (to the minute)
    for e in events.values():
        shown = (parse_utc(e["b_date"]) - parse_utc(e["a_date"])) / DAY
        assert shown == pytest.approx(e["moved_days"], abs=1.5 / 1440)
    assert result["first_divergence"]["name"].startswith("Launch")


def test_a_move_only_the_combination_explains(files, tmp_path):
    """min_stay_days 620 is invalid alone (above A's max_stay_days 600), and max_stay_days 650 alone
    changes nothing (A stays 551 days): only the two together move the stay, and the diff says so."""
    text = files[0].read_text().replace("min_stay_days = 450", "min_stay_days = 620")
    path = tmp_path / "c.toml"
    path.write_text(text.replace("max_stay_days = 600", "max_stay_days = 650"))
    res = sj.diff(files[0], path, step_days=STEP)
    alone = {c.key: c.alone for c in res.inputs}
    assert alone["constraints.min_stay_days"].startswith("invalid alone: min_stay_days (620) exceeds max_stay_days")
    assert alone["constraints.max_stay_days"] == "no effect on the timeline"
    assert res.b.plan.stay_days >= 620.0 - 1e-6
    for e in res.events:
        assert e.status == "moved" and e.combination_only, e.name
        assert e.attributed_to == ("constraints.min_stay_days", "constraints.max_stay_days")
        assert e.to_dict()["single_moves_days"] == {"constraints.min_stay_days": None,
                                                   "constraints.max_stay_days": 0.0}
    # the tables hold the same
    assert res.inputs_table["key"].tolist() == ["constraints.min_stay_days", "constraints.max_stay_days"]
    assert (res.events_table["status"] == "moved").all() and len(res.events_table) == len(res.events)


def test_identical_scenarios_have_no_diff(files):
    import io

    from rich.console import Console

    from sojourn.commands.diff import _render

    sc = load_scenario(files[0])
    same = sj.diff(sc, Scenario.from_dict(sc.to_dict(), "copy"), step_days=STEP)
    assert same.inputs == () and same.first_divergence is None
    assert all(e.status == "unchanged" and e.moved_days == 0.0 for e in same.events)
    assert same.to_dict()["first_divergence"] is None
    # and the command's table says so (the command itself is run on other diffs below)
    buf = io.StringIO()
    _render(Console(file=buf, width=80), same.to_dict())
    out = buf.getvalue()
    assert "the two scenarios have the same inputs" in out and "the two timelines are the same" in out


def test_diff_json_fields(result):
    assert set(result) == {"a", "b", "step_days", "ephemeris", "inputs_changed", "events", "first_divergence",
                           "outputs"}
    assert set(result["a"]) == {"source", "feasible", "launch", "total_dv_kms", "total_days", "stay_days"}
    for e in result["events"]:
        assert set(e) == {"name", "a_date", "b_date", "moved_days", "attributed_to", "combination_only",
                          "single_moves_days", "status"}
    assert set(result["first_divergence"]) == {"name", "a_date", "b_date", "moved_days", "status"}


def test_diff_with_an_infeasible_plan_prints_whole_tables(files, capsys, tmp_path):
    """Issue 12: B with max_c3 = 5 has no plan. The table said half, then a TypeError; now it says why."""
    b = _copy(tmp_path, "cheap.toml", max_c3=5.0)
    assert main(["diff", str(files[0]), str(b), "--step", str(STEP)]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert captured.err == ""
    flat = " ".join(out.split())  # the terminal wraps long lines
    said = f"B: {b} — no feasible plan (binding: constraints.max_c3): no outbound transfer"
    assert "".join(said.split()) in "".join(out.split())  # a path longer than a line is folded inside
    assert "infeasible alone:" in flat and flat.count("vanished") == 7
    assert "first divergence: Launch" in flat and "Earth entry" in flat  # the whole timeline, to its end
    # and as data: the infeasible side says which constraint binds; every event of A vanished
    res = sj.diff(files[0], b, step_days=STEP)
    assert not res.b.feasible and res.b.binding_constraint == "constraints.max_c3"
    assert res.to_dict()["b"] == {"source": str(b), "feasible": False, "reason": res.b.reason,
                                  "binding_constraint": "constraints.max_c3"}
    assert [e.status for e in res.events] == ["vanished"] * 7
    assert [e.attributed_to for e in res.events] == [("constraints.max_c3",)] * 7
    # both infeasible: nothing to compare, still whole
    assert main(["diff", str(b), str(b), "--step", str(STEP)]) == 0
    flat = " ".join(capsys.readouterr().out.split())
    assert "neither scenario has a feasible plan" in flat and flat.count("no feasible plan") == 2


def test_diff_cli_bad_input(files, capsys, tmp_path):
    assert main(["diff", str(files[0]), str(tmp_path / "missing.toml")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: scenario file not found") and "\n" not in err
    assert main(["diff", str(files[0]), str(files[1]), "--step", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: step must be") and "(--step)" in err
    with pytest.raises(InputError) as exc:
        sj.diff(files[0], files[1], step_days=-1)
    assert exc.value.where == "step_days"
    with pytest.raises(InputError) as exc:
        sj.diff(files[0], 42)
    assert exc.value.where == "b"


def test_a_plan_past_the_ephemeris_is_reported_not_fatal(tmp_path):
    """B's longer stays take its return past DE421's end (2053-10-09): B, and the change that
    does it alone, are reported as not plannable, and the diff still compares A with the rest."""
    text = EXAMPLE.read_text().replace('launch = "2031-01-01:2046-12-31"', 'launch = "2050-01-01:2050-12-31"')
    a = tmp_path / "late.toml"
    a.write_text(text)
    b = tmp_path / "late-long.toml"
    b.write_text(re.sub(r"max_stay_days = \d+", "max_stay_days = 1000",
                        re.sub(r"min_stay_days = \d+", "min_stay_days = 900", text)))
    res = sj.diff(a, b, step_days=4.0)
    assert res.a.feasible and not res.b.feasible and res.b.binding_constraint == "ephemeris"
    assert "outside the ephemeris" in res.b.reason
    alone = {c.key: c.alone for c in res.inputs}
    assert alone["constraints.max_stay_days"].startswith("infeasible alone:")
    assert all(e.status == "vanished" for e in res.events)
