"""The web app's HTTP API through FastAPI's test client: every endpoint, good and bad input.

The computing endpoints must answer with the library's own documents (the JSON
of the CLI's ``--json``), so they are compared with the public API called here;
the numbers themselves are checked independently: a clicked cell's transfer is
solved again by another path (``Leg.between``) and must equal the grid's cell;
its arc must end at the destination's ephemeris position; the CZML craft must
start at the Earth's centre and reach Mars where the ephemeris puts it.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

import sojourn as sj  # noqa: E402
from sojourn.web.app import create_app  # noqa: E402
from sojourn.web.jobs import Capacity  # noqa: E402
from sojourn.web.limits import Limits  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ULYSSES = (EXAMPLES / "ulysses.toml").read_text(encoding="utf-8")
BASE = "http://127.0.0.1"
PORKCHOP = {"from": "earth", "to": "mars", "launch": "2026-10-20:2026-11-30", "arrive": "2027-07-20:2027-09-30",
            "step": 2}
TOML = {"content-type": "application/toml"}


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Capacity(workers=2, queue=4)), base_url=BASE) as c:
        yield c


def _wait(client, job_id, timeout=240):
    end = time.time() + timeout
    while time.time() < end:
        status = client.get(f"/api/jobs/{job_id}").json()
        if status["state"] in ("done", "failed", "cancelled"):
            return status
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still running after {timeout} s")


# --------------------------------------------------------------------------- health, pages, safety


def test_health_says_ok_and_version(client):
    r = client.get("/api/health")
    assert r.status_code == 200
    doc = r.json()
    assert doc["status"] == "ok" and doc["version"] == sj.__version__
    assert doc["workers"] == 2


def test_every_answer_carries_a_strict_content_security_policy(client):
    for path in ("/", "/api/health", "/nope", "/docs"):
        csp = client.get(path).headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-eval" not in csp
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


def test_page_and_its_scripts_come_from_this_server(client):
    html = client.get("/").text
    assert '<script src="/vendor/plotly.min.js">' in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    js = client.get("/vendor/plotly.min.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert b"plotly.js" in js.content[:200]
    for name in ("main.js", "api.js", "ui.js", "porkchop.js", "windows.js", "planner.js", "editor.js", "risk.js",
                 "lowthrust.js", "marstime.js"):
        body = client.get(f"/static/js/{name}")
        assert body.status_code == 200, name
        assert "https://" not in body.text and "http://" not in body.text, name


def test_docs_work_offline(client):
    docs = client.get("/docs").text
    assert "/vendor/swagger/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    assert "<script>" not in docs  # started by a file, so the CSP needs no inline script
    assert client.get("/vendor/swagger/swagger-ui-bundle.js").status_code == 200
    assert client.get("/vendor/swagger/swagger-ui.css").status_code == 200
    assert "validatorUrl: null" in client.get("/static/docs.js").text  # no call to swagger.io's validator
    spec = client.get("/openapi.json").json()
    assert {"/api/health", "/api/porkchop", "/api/porkchop/grid", "/api/plan", "/api/windows",
            "/api/transfer", "/api/race", "/api/aborts", "/api/diff", "/api/lowthrust", "/api/marstime",
            "/api/sites"} <= set(spec["paths"])


@pytest.mark.parametrize("path", ["/static/../app.py", "/static/%2e%2e/app.py", "/static/.hidden",
                                  "/static//etc/passwd", "/vendor/swagger/../../__init__.py", "/static/js/nope.js"])
def test_no_request_reaches_a_file_outside_the_static_folders(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert set(r.json()) == {"error", "where"}


def test_unknown_hosts_are_refused_against_dns_rebinding(client):
    r = client.get("/api/health", headers={"host": "attacker.example:8000"})
    assert r.status_code == 400
    assert r.json()["where"] == "host"


def test_a_post_from_another_origin_is_refused(client):
    r = client.post("/api/scenario/check", content=ULYSSES, headers={"origin": "http://attacker.example", **TOML})
    assert r.status_code == 403
    assert r.json() == {"error": "requests from other sites are refused", "where": "origin"}
    same = client.post("/api/scenario/check", content=ULYSSES, headers={"origin": BASE, **TOML})
    assert same.status_code == 200


def test_bodies_beyond_the_limit_are_refused(client):
    big = "#" * (Limits().max_body_bytes + 1)
    r = client.post("/api/plan", content=big, headers=TOML)
    assert r.status_code == 413 and r.json()["where"] == "body"

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(300):
            yield b"#" * 1024

    r = client.post("/api/plan", content=chunks(), headers=TOML)
    assert r.status_code == 413


def test_unknown_paths_and_methods_are_json(client):
    assert client.get("/api/nothing").json() == {"error": "not found", "where": "/api/nothing"}
    r = client.delete("/api/health")
    assert r.status_code == 405 and r.json()["error"] == "method not allowed"


# --------------------------------------------------------------------------- porkchop


def test_porkchop_summary_is_the_librarys(client):
    r = client.get("/api/porkchop", params=PORKCHOP)
    assert r.status_code == 200
    ds = sj.porkchop("earth", "mars", PORKCHOP["launch"], PORKCHOP["arrive"], step_days=2)
    assert r.json() == json.loads(json.dumps(sj.to_dict(sj.porkchop_summary(ds))))


def test_porkchop_grid_decodes_to_the_cells_of_the_summary(client):
    g = client.get("/api/porkchop/grid", params=PORKCHOP).json()
    n, m = len(g["launch"]["dates"]), len(g["arrival"]["dates"])
    c3 = np.frombuffer(base64.b64decode(g["fields"]["c3_launch"]), "<f4").reshape(n, m)
    kind = np.frombuffer(base64.b64decode(g["transfer_type"]), "u1").reshape(n, m)
    assert g["stride"] == [1, 1] and n * m == g["summary"]["cells"]
    for best in g["summary"]["best"]:
        if best["criterion"] != "min_c3":
            continue
        mask = kind == (1 if best["transfer_type"] == "I" else 2)
        i, j = np.unravel_index(np.argmin(np.where(mask, c3, np.inf)), c3.shape)
        assert c3[i, j] == pytest.approx(best["c3"], rel=1e-6)  # float32 of the same cell
        assert g["launch"]["dates"][i][:10] == best["launch"] and g["arrival"]["dates"][j][:10] == best["arrival"]


def test_grid_larger_than_the_display_cap_is_thinned_evenly(client):
    g = client.get("/api/porkchop/grid", params={**PORKCHOP, "max_cells": 100}).json()
    assert g["stride"][0] >= 2 and len(g["launch"]["dates"]) * len(g["arrival"]["dates"]) <= 100 * 1.5
    assert g["launch"]["step_days"] == 2 * g["stride"][0]


def test_default_step_keeps_about_a_million_cells(client):
    from sojourn.web.limits import porkchop_step
    from sojourn import checks

    long = (checks.window("2026-01-01:2030-01-01", "launch"), checks.window("2026-06-01:2031-01-01", "arrive"))
    step = porkchop_step(*long, None, Limits())
    days_l, days_a = 1461, 1675
    assert (days_l / step + 1) * (days_a / step + 1) <= 1_000_000 < (days_l / 1 + 1) * (days_a / 1 + 1)
    assert step == 2  # the finest nice step within the million


def test_clicked_cell_is_the_same_transfer_and_its_arc_lands(client):
    g = client.get("/api/porkchop/grid", params=PORKCHOP).json()
    n, m = len(g["launch"]["dates"]), len(g["arrival"]["dates"])
    i, j = n // 2, m // 2
    t = client.get("/api/transfer", params={"from": "earth", "to": "mars", "launch": g["launch"]["dates"][i],
                                            "arrive": g["arrival"]["dates"][j]})
    assert t.status_code == 200
    leg, path = t.json()["leg"], t.json()["path"]
    cell = {f: float(np.frombuffer(base64.b64decode(g["fields"][f]), "<f4").reshape(n, m)[i, j])
            for f in ("c3_launch", "vinf_arrival", "dla_deg")}
    assert leg["c3"] == pytest.approx(cell["c3_launch"], rel=1e-5)
    assert leg["vinf_arrival"] == pytest.approx(cell["vinf_arrival"], rel=1e-5)
    assert leg["dla_deg"] == pytest.approx(cell["dla_deg"], abs=1e-4)
    # the arc, propagated from launch, ends where the ephemeris puts Mars on the arrival date (AU, 6 decimals)
    assert np.allclose(path["craft"][-1], path["destination"][-1], atol=2e-6)
    assert np.allclose(path["craft"][0], path["origin"][0], atol=2e-6)


@pytest.mark.parametrize("params, where, words", [
    ({**PORKCHOP, "launch": "2027-01-01:2027-02-01", "arrive": "2026-01-01:2026-02-01"}, "arrive",
     "arrival window ends before the launch window opens"),
    ({**PORKCHOP, "from": "pluton"}, "from", "pluton"),
    ({**PORKCHOP, "to": "earth"}, "to", "same body"),
    ({**PORKCHOP, "to": "sun"}, "to", "Sun"),
    ({**PORKCHOP, "step": -1}, "step", "positive"),
    ({**PORKCHOP, "step": "abc"}, "step", "number"),
    ({**PORKCHOP, "launch": "2026-13-01:2027-01-01"}, "launch", ""),
    ({**PORKCHOP, "launch": "2057-01-01:2057-02-01", "arrive": "2057-09-01:2058-02-01"}, "launch", "ephemeris"),
    ({**PORKCHOP, "c3_max": 0}, "c3_max", "positive"),
    ({k: v for k, v in PORKCHOP.items() if k != "launch"}, "launch", "missing"),
])
def test_porkchop_mistakes_are_422_in_the_clis_words(client, params, where, words):
    r = client.get("/api/porkchop", params=params)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["where"] == where and words in body["error"]
    assert "Traceback" not in r.text


def test_a_grid_over_the_cap_is_refused_before_any_work(client):
    before = client.get("/api/health").json()
    r = client.get("/api/porkchop", params={**PORKCHOP, "launch": "2020-01-01:2030-01-01",
                                            "arrive": "2020-06-01:2031-01-01", "step": 0.5})
    assert r.status_code == 422 and r.json()["where"] == "step" and "2,000,000" in r.json()["error"]
    after = client.get("/api/health").json()
    assert after["active"] == before["active"] == 0 and after["completed"] == before["completed"]


# --------------------------------------------------------------------------- jobs: async, progress, cache, cancel


def test_respond_async_gives_a_job_then_the_same_request_is_answered_from_the_cache(client):
    params = {**PORKCHOP, "step": 1.5}
    r = client.get("/api/porkchop", params=params, headers={"prefer": "respond-async"})
    assert r.status_code in (200, 202)
    if r.status_code == 202:
        job = r.json()
        assert r.headers["location"] == f"/api/jobs/{job['id']}"
        assert job["state"] in ("queued", "running") and job["result"].startswith(BASE + "/api/porkchop")
        events = client.get(f"/api/jobs/{job['id']}/events").text
        assert "event: done" in events
    hits = client.get("/api/health").json()["cache_hits"]
    again = client.get("/api/porkchop", params=params)
    assert again.status_code == 200 and again.json()["step_days"] == 1.5
    assert client.get("/api/health").json()["cache_hits"] == hits + 1


def test_a_cancelled_job_stops_and_frees_its_worker(client):
    params = {**PORKCHOP, "launch": "2026-01-01:2029-01-01", "arrive": "2026-06-01:2030-01-01", "step": 1}
    r = client.get("/api/porkchop", params=params, headers={"prefer": "respond-async"})
    assert r.status_code == 202
    job = r.json()
    end = time.time() + 60
    while client.get(f"/api/jobs/{job['id']}").json()["state"] == "queued" and time.time() < end:
        time.sleep(0.01)  # cancelled while under way: the 1.4 million cells take about half a second in all
    _cancel_and_drain(client, job["id"])
    assert client.get(f"/api/jobs/{job['id']}").json()["state"] == "cancelled"


def _cancel_and_drain(client, job_id) -> None:
    """Cancel a job, then wait for its worker to stop: no job is left active."""
    c = client.delete(f"/api/jobs/{job_id}")
    assert c.status_code == 200 and c.json()["state"] == "cancelled"
    end = time.time() + 120
    while client.get("/api/health").json()["active"] and time.time() < end:
        time.sleep(0.2)
    assert client.get("/api/health").json()["active"] == 0


def test_unknown_job_is_404(client):
    for path in ("/api/jobs/nope", "/api/jobs/nope/events"):
        r = client.get(path)
        assert r.status_code == 404 and r.json()["where"] == "id"
    assert client.delete("/api/jobs/nope").status_code == 404


def test_a_full_queue_is_503_with_retry_after_before_any_work():
    with TestClient(create_app(Capacity(workers=1, queue=0), warm=False), base_url=BASE) as c:
        first = c.get("/api/porkchop", params={**PORKCHOP, "step": 3}, headers={"prefer": "respond-async"})
        assert first.status_code == 202
        second = c.get("/api/porkchop", params={**PORKCHOP, "step": 4})
        assert second.status_code == 503
        assert int(second.headers["retry-after"]) >= 1
        assert set(second.json()) == {"error", "where"}
        # the same request as the running one joins it instead of queueing again
        joined = c.get("/api/porkchop", params={**PORKCHOP, "step": 3}, headers={"prefer": "respond-async"})
        assert joined.status_code == 202 and joined.json()["id"] == first.json()["id"]
        _wait(c, first.json()["id"])


# --------------------------------------------------------------------------- windows


def test_windows_json_and_csv_are_the_same_table(client):
    params = {"from": "emb", "to": "mars", "start": "2026-09-01", "end": "2027-01-31", "step": 4}
    doc = client.get("/api/windows", params=params)
    assert doc.status_code == 200
    rows = doc.json()
    want = sj.windows("emb", "mars", "2026-09-01", "2027-01-31", step_days=4).to_dict()
    assert rows == json.loads(json.dumps(want))
    csv = client.get("/api/windows", params={**params, "format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["content-disposition"].startswith("attachment;")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("opportunity,transfer_type,criterion") and len(lines) == len(rows) + 1


@pytest.mark.parametrize("params, where", [
    ({"start": "2026", "end": "2099"}, "end"),
    ({"start": "1900", "end": "1999"}, "end"),
    ({"start": "2026", "end": "2030", "step": 0.1}, "step"),
    ({"start": "2026", "end": "2030", "format": "xml"}, "format"),
    ({"start": "2030", "end": "2026"}, "end"),
    ({"start": "2026", "end": "2030", "from": "moon"}, "from"),
])
def test_windows_mistakes_are_422(client, params, where):
    r = client.get("/api/windows", params=params)
    assert r.status_code == 422 and r.json()["where"] == where


# --------------------------------------------------------------------------- scenarios and plans


def test_examples_are_the_scenarios_shipped(client):
    names = [e["name"] for e in client.get("/api/examples").json()]
    assert "ulysses" in names and "trade-2026-2050" not in names  # a study is not a scenario
    text = client.get("/api/examples/ulysses")
    assert text.status_code == 200 and text.text == ULYSSES
    assert client.get("/api/examples/nope").status_code == 404
    assert client.get("/api/examples/..%2Fpyproject").status_code == 404


def _line_of(text: str, start: str) -> int:
    """The 1-based line of ``text`` that starts with ``start`` (found here, not by the server)."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(start))


@pytest.mark.parametrize("change, key", [
    (("max_c3 = 15.0", "max_c3 = -1"), "constraints.max_c3"),
    (("min_stay_days = 300", "min_stay_days = \"long\""), "constraints.min_stay_days"),
    (("[mission]", "[mission"), None),
    (("class = \"conjunction\"", "class = \"sprint\""), "mission.class"),
])
def test_scenario_errors_name_the_key_and_its_line(client, change, key):
    text = ULYSSES.replace(*change)
    line = _line_of(text, change[1])
    for path in ("/api/scenario/check", "/api/plan"):
        r = client.post(path, content=text, headers=TOML)
        assert r.status_code == 422
        body = r.json()
        assert body["line"] == line and body.get("key") == key
        assert body["where"] == ("scenario" if key is None else f"scenario: {key}")


@pytest.mark.parametrize("body, words", [(b"", "empty"), (b"   \n", "empty"), (b"\xff\xfe[mission]", "UTF-8")])
def test_empty_or_binary_scenarios_are_422(client, body, words):
    r = client.post("/api/plan", content=body, headers=TOML)
    assert r.status_code == 422 and words in r.json()["error"] and r.json()["where"] == "scenario"


def test_a_search_over_the_cap_is_refused_before_any_work(client):
    r = client.post("/api/plan", params={"step": 0.01}, content=ULYSSES, headers=TOML)
    assert r.status_code == 422 and r.json()["where"] == "step"
    r = client.post("/api/plan", params={"step": -2}, content=ULYSSES, headers=TOML)
    assert r.status_code == 422 and r.json()["where"] == "step"


def test_plan_is_the_same_document_as_the_cli(client, ulysses_plan):
    r = client.post("/api/plan", content=ULYSSES, headers=TOML)
    assert r.status_code == 200
    assert r.json() == json.loads(json.dumps(sj.to_dict(ulysses_plan.to_dict())))
    check = client.post("/api/scenario/check", content=ULYSSES, headers=TOML).json()
    assert check == {"ok": True, "name": "Ulysses", "digest": ulysses_plan.scenario.digest()}


def test_an_infeasible_scenario_says_which_constraint_binds(client):
    r = client.post("/api/plan", content=ULYSSES.replace("max_c3 = 15.0", "max_c3 = 2.0"), headers=TOML)
    assert r.status_code == 422
    assert r.json()["where"].startswith("scenario") and "Traceback" not in r.text


def test_flight_puts_the_craft_at_mars_on_arrival_and_home_on_return(client, ulysses_plan):
    f = client.post("/api/plan/flight", content=ULYSSES, headers=TOML).json()
    arrive = f["dates"].index(ulysses_plan.legs[0].to_dict()["arrive"])
    assert np.allclose(f["craft"][arrive], f["destination"][arrive], atol=2e-6)
    assert np.allclose(f["craft"][0], f["origin"][0], atol=2e-6)
    assert np.allclose(f["craft"][-1], f["origin"][-1], atol=2e-6)
    assert f["phase"][0] == "outbound" and f["phase"][-1] == "return" and "stay" in f["phase"]
    assert [e["name"] for e in f["events"]] == [e.name for e in ulysses_plan.events]


def test_oem_download_reads_back_with_the_oem_package(client, tmp_path):
    oem = pytest.importorskip("oem")
    r = client.post("/api/plan/download/oem", content=ULYSSES, headers=TOML)
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="ulysses.oem"'
    path = tmp_path / "u.oem"
    path.write_bytes(r.content)
    msg = oem.OrbitEphemerisMessage.open(path)
    assert len(list(msg.segments)) >= 2


def test_czml_download_starts_at_earth_and_meets_mars(client, ulysses_plan):
    from sojourn.ephemeris import resolve_ephemeris

    r = client.post("/api/plan/download/czml", content=ULYSSES, headers=TOML)
    assert r.status_code == 200 and r.headers["content-disposition"].endswith('ulysses.czml"')
    doc = r.json()
    assert [p["id"] for p in doc] == ["document", "sojourn/craft", "sojourn/mars", "sojourn/sun"]
    outbound = doc[1]["position"][0]
    samples = np.array(outbound["cartesian"]).reshape(-1, 4)
    assert np.allclose(samples[0, 1:], 0.0, atol=1e-3)  # launch from the Earth's centre (patched conics)
    eph = resolve_ephemeris(None)
    leg = ulysses_plan.legs[0]
    want = (eph.state("mars", leg.t_arrive)[0] - eph.state("earth", leg.t_arrive)[0]) * 1000.0
    assert samples[-1, 0] == pytest.approx(leg.t_arrive - leg.t_depart)
    assert np.allclose(samples[-1, 1:], want, rtol=0, atol=1.0)  # metres, ~2.3e11 m away
    assert doc[0]["clock"]["interval"].startswith(leg.depart.strftime("%Y-%m-%dT%H:%M:%SZ/"))


def test_download_kind_is_checked(client):
    r = client.post("/api/plan/download/exe", content=ULYSSES, headers=TOML)
    assert r.status_code == 422 and r.json()["where"] == "what"


# --------------------------------------------------------------------------- what goes wrong


def test_race_and_diff_name_the_scenario_at_fault(client):
    bad = ULYSSES.replace("max_c3 = 15.0", "max_c3 = -1")
    r = client.post("/api/race", json={"scenario": ULYSSES, "other": bad})
    assert r.status_code == 422 and r.json()["where"] == "other: constraints.max_c3"
    assert r.json()["line"] == _line_of(bad, "max_c3 = -1")
    r = client.post("/api/diff", json={"scenario": bad, "other": ULYSSES})
    assert r.status_code == 422 and r.json()["where"] == "scenario: constraints.max_c3"
    r = client.post("/api/race", json={"scenario": ULYSSES})
    assert r.status_code == 422 and r.json()["where"] == "other"
    r = client.post("/api/race", json={"scenario": ULYSSES, "other": ULYSSES, "step": 0})
    assert r.status_code == 422 and r.json()["where"] == "step"
    r = client.post("/api/aborts", params={"step": 45}, content=ULYSSES, headers=TOML)
    assert r.status_code == 422 and r.json()["where"] == "step"


def test_crew_is_the_librarys_timeline(client, ulysses_plan):
    r = client.post("/api/plan/crew", content=ULYSSES, headers=TOML)
    assert r.status_code == 200
    doc = r.json()
    days = doc["days"]
    # the curve the page draws adds up: each day's dose accumulates into the next day's total
    assert np.allclose(np.cumsum([d["dose_msv"] for d in days]), [d["cumulative_msv"] for d in days], atol=0.01)
    assert days[0]["date"] == ulysses_plan.launch.strftime("%Y-%m-%d")
    assert doc["summary"]["comms"]["longest_blackout_days"] == max(b["days"] for b in doc["summary"]["comms"]["blackouts"])


def test_race_wins_arrive_before_the_mission_does(client, ulysses_plan):
    rival = (EXAMPLES / "us-fast.toml").read_text(encoding="utf-8")
    r = client.post("/api/race", json={"scenario": ULYSSES, "other": rival, "step": 5})
    assert r.status_code == 200
    doc = r.json()
    assert doc["a_launch"][:10] == ulysses_plan.launch.strftime("%Y-%m-%d")
    assert doc["b_can_win"] and doc["wins"]
    assert all(w["arrival"] <= doc["a_arrival"] and w["launch"] >= doc["a_launch"][:10] for w in doc["wins"])


def test_aborts_cover_every_day_of_both_transits(client, ulysses_plan):
    r = client.post("/api/aborts", params={"step": 5}, content=ULYSSES, headers=TOML)
    assert r.status_code == 200
    doc = r.json()
    for leg, plan_leg in zip(doc["legs"], ulysses_plan.legs):
        days = [d for d in doc["days"] if d["leg"] == leg["leg"]]
        assert days[0]["date"] == plan_leg.to_dict()["depart"]
        assert days[-1]["date"] <= plan_leg.to_dict()["arrive"]
        assert doc["coverage"][leg["leg"]]["covered_days"] == sum(d["covered"] for d in days)


def test_diff_attributes_each_moved_event_to_the_one_input_changed(client):
    changed = ULYSSES.replace("min_stay_days = 300", "min_stay_days = 400")  # Ulysses stays 372 days: binding
    r = client.post("/api/diff", json={"scenario": ULYSSES, "other": changed, "step": 2})
    assert r.status_code == 200
    doc = r.json()
    assert [c["key"] for c in doc["inputs_changed"]] == ["constraints.min_stay_days"]
    moved = [e for e in doc["events"] if e["status"] == "moved"]
    assert moved and all(e["attributed_to"] == ["constraints.min_stay_days"] for e in moved)


def test_spk_download_is_a_spice_kernel(client, tmp_path, ulysses_plan):
    spice = pytest.importorskip("spiceypy")
    r = client.post("/api/plan/download/spk", content=ULYSSES, headers=TOML)
    assert r.status_code == 200 and r.headers["content-disposition"].endswith('ulysses.bsp"')
    path = tmp_path / "u.bsp"
    path.write_bytes(r.content)
    ids = spice.spkobj(str(path))
    assert len(ids) == 1


def test_a_waiting_request_whose_client_leaves_cancels_its_job():
    import asyncio

    from sojourn.web import work
    from sojourn.web.jobs import Jobs

    async def scenario():
        jobs = Jobs(Capacity(workers=1, queue=1))
        try:
            launch, arrive = (0.0, 6.0e7), (1.0e7, 7.0e7)  # TDB s: two years each, 7.7 million cells at 0.25 d
            job = jobs.submit("porkchop", ("test",), work.porkchop, "earth", "mars", launch, arrive, 0.25)
            calls = []

            async def gone():
                calls.append(1)
                return len(calls) > 2

            await jobs.wait(job, gone, poll_s=0.05)
            assert job.state == "cancelled"
            for _ in range(1200):  # the worker stops at its next progress report and frees its slot
                if jobs.active == 0:
                    break
                await asyncio.sleep(0.1)
            return jobs.active, job.state
        finally:
            jobs.close()

    assert asyncio.run(scenario()) == (0, "cancelled")


# --------------------------------------------------------------------------- strict JSON


def _strict(text: str):
    """JSON as a browser's JSON.parse reads it: NaN and Infinity are not JSON."""
    def refuse(word):
        raise AssertionError(f"{word} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_numbers_the_physics_could_not_give_are_null():
    from sojourn.web.errors import StrictJSONResponse

    body = StrictJSONResponse({"a": float("nan"), "b": [float("inf"), np.float32(1.5)], "c": np.int64(2)}).body
    assert _strict(body.decode()) == {"a": None, "b": [None, 1.5], "c": 2}


# --------------------------------------------------------------------------- Mars time and sites


def test_marstime_is_the_clis_records_and_mars24s_worked_example(client):
    from sojourn.marstime import records

    r = client.get("/api/marstime", params={"when": "2000-01-06"})
    assert r.status_code == 200
    assert _strict(r.text) == json.loads(json.dumps(records(sj.mars_time("2000-01-06"))))
    assert r.json()[0]["mtc"] == "23:59:39"  # Mars24 (NASA GISS) worked example A
    # Perseverance landed at Jezero on 2021-02-18 at 20:44 UTC (spacecraft time), about 15:53 local mean solar time
    landing = client.get("/api/marstime", params={"when": "2021-02-18T20:44", "site": "perseverance"}).json()[0]
    assert landing["site"] == "jezero" and landing["lmst"].startswith("15:5")
    span = client.get("/api/marstime", params={"when": "2030-01-01:2030-03-01", "step": 10, "lon": 137.44}).json()
    assert [row["utc"][:10] for row in span] == ["2030-01-01", "2030-01-11", "2030-01-21", "2030-01-31",
                                                 "2030-02-10", "2030-02-20"]
    assert all(row["east_longitude_deg"] == 137.44 for row in span)


@pytest.mark.parametrize("params, where, words", [
    ({"when": "2030-13-01"}, "when", "malformed date"),
    ({"when": "2030-01-01", "site": "atlantis"}, "site", "unknown site 'atlantis'"),
    ({"when": "2030-01-01", "site": "gale", "lon": 10}, "site", "not both"),
    ({"when": "2030-01-01", "lon": "nan"}, "lon", "finite"),
    ({"when": "2030-01-01", "step": 2}, "step", "range"),
    ({"when": "2030-02-01:2030-01-01"}, "when", ""),
    ({"when": "2030-01-01:2040-01-01", "step": 0.1}, "step", "more than this server's"),
    ({}, "when", "missing"),
])
def test_marstime_mistakes_are_422_in_the_clis_words(client, params, where, words):
    r = client.get("/api/marstime", params=params)
    assert r.status_code == 422
    assert r.json()["where"] == where and words in r.json()["error"]


def test_sites_are_the_librarys_with_their_sources(client):
    from sojourn.mission.sites import SITES

    sites = client.get("/api/sites").json()
    assert [s["name"] for s in sites] == list(SITES)
    jezero = next(s for s in sites if s["name"] == "jezero")
    assert (jezero["latitude_deg"], jezero["east_longitude_deg"]) == (18.44, 77.45)  # NASA/JPL's landing release
    assert all(s["source"] for s in sites)


# --------------------------------------------------------------------------- low thrust

# pykep's Sims-Flanagan tutorial (1,500 kg, 0.6 N, Isp 3,000 s), coarse enough to run in seconds
LOWTHRUST = {"from": "earth", "to": "mars", "launch": "2020-05-01:2020-07-01", "tof": "250:350", "mass": 1500,
             "thrust": 0.6, "isp": 3000, "segments": 8, "step": 10, "candidates": 1}


@pytest.fixture(scope="module")
def lowthrust_doc(client):
    r = client.get("/api/lowthrust", params=LOWTHRUST)
    assert r.status_code == 200
    return _strict(r.text)


def test_lowthrust_is_the_clis_document(lowthrust_doc):
    found = sj.best_lowthrust_leg("earth", "mars", "2020-05-01:2020-07-01", (250, 350), mass_kg=1500, thrust_n=0.6,
                                  isp_s=3000, segments=8, step_days=10, candidates=1)
    doc = {k: v for k, v in lowthrust_doc.items() if k != "plot"}
    assert doc == json.loads(json.dumps(found.to_dict()))
    assert doc["converged"] and doc["final_mass_kg"] == pytest.approx(1234, rel=0.03)  # pykep's optimum, 1,234 kg


def test_lowthrust_plot_is_the_flown_leg(lowthrust_doc):
    from sojourn.constants import AU_KM
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.plot._trajectory import icrf_to_ecliptic
    from sojourn.time import parse_utc

    plot, doc = lowthrust_doc["plot"], lowthrust_doc
    profile = plot["profile"]
    assert len(profile["thrust_n"]) == doc["segments"]
    assert all(t <= a * (1 + 1e-9) for t, a in zip(profile["thrust_n"], profile["available_thrust_n"]))
    assert profile["mass_kg"][0] == doc["initial_mass_kg"]
    assert profile["mass_kg"][-1] == pytest.approx(doc["final_mass_kg"], abs=1e-3)
    assert profile["t_days"][-1] == pytest.approx(doc["tof_days"], abs=1e-3)
    eph = resolve_ephemeris(None)
    path = plot["path"]
    for end, body, when in ((0, "earth", doc["launch"]), (-1, "mars", doc["arrival"])):
        where = icrf_to_ecliptic(eph.state(body, parse_utc(when))[0]) / AU_KM
        assert np.allclose(path["craft"][end], where, atol=2e-5)  # the verified landing, within about 3,000 km
    assert any(path["thrusting"]) and not all(path["thrusting"])  # thrust arcs and coasts
    est = plot["estimate"]
    assert len(est["final_mass_kg"]) == len(est["launch"]) and len(est["final_mass_kg"][0]) == len(est["tof_days"])


@pytest.mark.parametrize("change, where, words", [
    ({"mass": -1}, "mass", "mass must be a positive number"),
    ({"thrust": 0}, "thrust", "thrust n must be a positive number"),
    ({"isp": "nan"}, "isp", "isp s must be a positive number"),
    ({"power_law": "warp"}, "power_law", "unknown power law"),
    ({"duty_cycle": 1.5}, "duty_cycle", "duty cycle"),
    ({"vinf_max": -1}, "vinf_max", "departure v-infinity"),
    ({"tof": "350:250"}, "tof", "ends before it starts"),
    ({"tof": "1:2:3"}, "tof", "LO:HI"),
    ({"launch": "2020-05-40:2020-07-01"}, "launch", ""),
    ({"to": "atlantis"}, "to", "atlantis"),
    ({"step": 0.1}, "step", "more than this server's"),
    ({"candidates": 9}, "candidates", "at most 5"),
    ({"segments": 100}, "segments", "at most 60"),
    ({"candidates": 0}, "candidates", "at least 1"),
])
def test_lowthrust_mistakes_are_422_before_any_work(client, change, where, words):
    done = client.get("/api/health").json()["completed"]
    r = client.get("/api/lowthrust", params={**LOWTHRUST, **change})
    assert r.status_code == 422
    assert r.json()["where"] == where and words in r.json()["error"]
    assert client.get("/api/health").json()["completed"] == done  # refused before any job


def test_a_leg_the_engine_cannot_fly_is_422_naming_the_thrust(client):
    r = client.get("/api/lowthrust", params={**LOWTHRUST, "thrust": 0.0001})
    assert r.status_code == 422 and r.json()["where"] == "thrust"
    assert r.json()["error"].startswith("no converged low-thrust leg")


def test_a_lowthrust_search_reports_progress_and_can_be_cancelled(client):
    params = {**LOWTHRUST, "launch": "2020-03-01:2020-09-01", "tof": "150:400", "segments": 40, "step": 2,
              "candidates": 5}
    r = client.get("/api/lowthrust", params=params, headers={"prefer": "respond-async"})
    assert r.status_code == 202
    job = r.json()
    assert job["kind"] == "lowthrust"
    end = time.time() + 60
    while client.get(f"/api/jobs/{job['id']}").json()["total"] == 0 and time.time() < end:
        time.sleep(0.1)
    status = client.get(f"/api/jobs/{job['id']}").json()
    assert status["label"] == "low-thrust search" and status["total"] == 6  # the estimate, then five starts
    _cancel_and_drain(client, job["id"])


# --------------------------------------------------------------------------- the newer plans: flybys, electric legs

VENUS = (EXAMPLES / "opposition-venus.toml").read_text(encoding="utf-8").replace(
    'launch = "2033-01-01:2033-12-31"\nstep_days = 2.0', 'launch = "2033-03-25:2033-05-05"\nstep_days = 1.0')
NEP = (EXAMPLES / "us-nep.toml").read_text(encoding="utf-8").replace(
    'launch = "2033-04-25:2034-01-30"', 'launch = "2033-06-01:2033-06-15"')


def test_flight_meets_venus_at_the_flyby(client):
    assert 'launch = "2033-03-25:2033-05-05"' in VENUS
    p = client.post("/api/plan", content=VENUS, headers=TOML)
    assert p.status_code == 200
    plan = _strict(p.text)
    f = _strict(client.post("/api/plan/flight", content=VENUS, headers=TOML).text)
    assert [b["body"] for b in f["flybys"]] == ["venus"] and set(f["flyby_bodies"]) == {"venus"}
    flyby = f["flybys"][0]
    assert flyby["date"] == plan["flybys"][0]["date"][:16] and flyby["leg"] == "return"
    k = f["dates"].index(flyby["date"])
    assert np.allclose(f["craft"][k], f["flyby_bodies"]["venus"][k], atol=2e-6)  # patched conics: at Venus' centre
    assert np.allclose(f["craft"][k], flyby["position"], atol=2e-6)
    assert f["thrust_arcs"] == [] and not any(f["thrusting"])
    names = [e["name"] for e in plan["events"]]
    assert any(n.startswith("Venus flyby (") for n in names)
    assert all("received" in e for e in plan["events"])


def test_flight_of_an_electric_plan_marks_its_thrust_arcs(client):
    assert 'launch = "2033-06-01:2033-06-15"' in NEP
    plan = _strict(client.post("/api/plan", content=NEP, headers=TOML).text)
    f = _strict(client.post("/api/plan/flight", content=NEP, headers=TOML).text)
    on = [e["date"] for e in plan["events"] if e["name"].startswith("Electric thrust on")]
    off = [e["date"] for e in plan["events"] if e["name"].startswith("Electric thrust off")]
    assert [a["start"] for a in f["thrust_arcs"]] == on and [a["end"] for a in f["thrust_arcs"]] == off
    assert {a["leg"] for a in f["thrust_arcs"]} == {"outbound", "return"}
    day = np.array(f["days"])
    firing = np.array(f["thrusting"])
    assert firing.any() and not firing.all()
    assert not firing[np.array(f["phase"]) == "stay"].any()  # no thrust at Mars
    assert f["flybys"] == [] and day[-1] == pytest.approx(plan["total_days"], abs=1e-3)
