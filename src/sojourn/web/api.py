"""The HTTP API: one endpoint per view of the page, each a call of the public API.

Every computing endpoint parses and checks its inputs in the event loop (cheap,
and before any work), then hands the computation to the job pool
(:mod:`sojourn.web.jobs`) under a key made of the parsed inputs, waits for it
(or, with ``Prefer: respond-async``, answers 202 with the job), and answers with
the result's ``to_dict()``: the same JSON as the command line's ``--json``.
"""

from __future__ import annotations

import asyncio
import base64
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Optional

import numpy as np
from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import Response, StreamingResponse

import sojourn
from sojourn import checks
from sojourn.web import limits as caps
from sojourn.web import models, work
from sojourn.web.errors import ApiError, StrictJSONResponse, error_response, from_job_error, strict_json
from sojourn.web.jobs import Job

router = APIRouter(prefix="/api")

TOML_BODY = {"requestBody": {"required": True, "content": {
    "application/toml": {"schema": {"type": "string"}},
    "text/plain": {"schema": {"type": "string"}},
}}}
"""OpenAPI for an endpoint whose body is a scenario's TOML text."""


# ---------------------------------------------------------------------------------------------
# running a job for a request

_ANSWERING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sojourn-answer")
"""Threads for the event loop's small blocking steps (parsing a scenario, writing a document): two,
not starlette's forty, since every thread that holds the interpreter makes the loop wait its turn."""


async def off_loop(fn: Callable, *args) -> Any:
    """``fn(*args)`` on one of :data:`_ANSWERING`'s threads, awaited."""
    return await asyncio.get_running_loop().run_in_executor(_ANSWERING, fn, *args)


def _jobs(request: Request):
    return request.app.state.jobs


def _limits(request: Request) -> caps.Limits:
    return request.app.state.limits


def _wants_async(request: Request) -> bool:
    return "respond-async" in request.headers.get("prefer", "").lower()


def _accepted(request: Request, job: Job) -> StrictJSONResponse:
    job.held = True
    body = {**job.status(), "result": str(request.url)}
    return StrictJSONResponse(body, status_code=202, headers={"Location": f"/api/jobs/{job.id}",
                                                        "Preference-Applied": "respond-async"})


async def _settle(request: Request, job: Job) -> Job | Response:
    """Wait for ``job`` (cancelled if the client leaves), or answer 202 when the client prefers."""
    if job.over:
        return job
    if _wants_async(request):
        return _accepted(request, job)
    job = await _jobs(request).wait(job, request.is_disconnected)
    if job.state == "cancelled":
        return error_response(409, "the computation was cancelled", None)
    return job


async def _run(request: Request, kind: str, key: tuple, fn: Callable, *args,
               present: Callable[[Any], Any], fields: Optional[dict] = None) -> Response:
    """Run ``fn(*args)`` as the job ``kind``/``key`` and answer with ``present(result)``."""
    job = _jobs(request).submit(kind, key, fn, *args)
    job = await _settle(request, job)
    if isinstance(job, Response):
        return job
    if job.state == "failed":
        return from_job_error(job.error, fields)
    value = await off_loop(present, job.result)
    # written off the event loop too: a large document (a plan, a Mars-time range) takes a while to encode
    return value if isinstance(value, Response) else await off_loop(StrictJSONResponse, value)


# ---------------------------------------------------------------------------------------------
# health and jobs


@router.get("/health", response_model=models.Health, summary="Is the server up, and how busy")
async def health(request: Request):
    """Answers at once, whatever the workers are doing: the event loop never computes."""
    lags = list(request.app.state.loop_lag)
    return {"status": "ok", "version": sojourn.__version__, **_jobs(request).stats(),
            "uptime_s": round(time.time() - request.app.state.started, 1),
            "loop_lag_ms_max": round(1000 * max(lags), 1) if lags else 0.0}


def _job(request: Request, job_id: str) -> Job:
    job = _jobs(request).get(job_id)
    if job is None:
        raise ApiError("no such job (finished jobs are kept for a while, then forgotten)", "id", status=404)
    return job


JOB_ID = Path(..., description="The job's id, from a 202 answer.", max_length=64)


@router.get("/jobs/{job_id}", response_model=models.JobStatus, summary="A job's state and progress",
            responses={404: {"model": models.ErrorBody}})
async def job_status(request: Request, job_id: str = JOB_ID):
    return _job(request, job_id).status()


@router.delete("/jobs/{job_id}", response_model=models.JobStatus, summary="Cancel a job",
               responses={404: {"model": models.ErrorBody}})
async def job_cancel(request: Request, job_id: str = JOB_ID):
    """Stops the job at the library's next progress report; a finished job is left as it is."""
    job = _job(request, job_id)
    _jobs(request).cancel(job)
    return job.status()


@router.get("/jobs/{job_id}/events", summary="A job's progress as server-sent events",
            responses={200: {"content": {"text/event-stream": {}}}, 404: {"model": models.ErrorBody}})
async def job_events(request: Request, job_id: str = JOB_ID):
    """``progress`` events with the job's status, then one ``done``, ``failed`` or ``cancelled``."""
    job = _job(request, job_id)

    async def stream():
        last, quiet = None, 0.0
        while True:
            status = job.status()
            if job.over:
                yield f"event: {job.state}\ndata: {strict_json(status)}\n\n"
                return
            if status != last:
                yield f"event: progress\ndata: {strict_json(status)}\n\n"
                last, quiet = status, 0.0
            elif quiet > 15:
                yield ": still working\n\n"
                quiet = 0.0
            if await request.is_disconnected():
                return
            await asyncio.sleep(0.2)
            quiet += 0.2

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


# ---------------------------------------------------------------------------------------------
# transfers

FROM = Query("earth", alias="from", description="Departure body (earth, emb, mars, venus, …).", max_length=40)
TO = Query("mars", alias="to", description="Arrival body.", max_length=40)
LAUNCH = Query(..., description="Launch window, UTC: START:END (e.g. 2026-09-01:2027-01-15).", max_length=80)
ARRIVE = Query(..., description="Arrival window, UTC: START:END.", max_length=80)
STEP = Query(None, description="Grid step, days. Default: the finest of 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20 "
                                "or 30 days that keeps the grid within about a million cells.")
C3_MAX = Query(None, description="Best transfers only at or below this launch C3, km²/s².")


def _porkchop_inputs(request: Request, origin, destination, launch, arrive, step):
    dep, arr = checks.transfer_bodies(origin, destination)
    w_launch, w_arrive = checks.window(launch, "launch"), checks.window(arrive, "arrive")
    if w_arrive[1] <= w_launch[0]:
        raise ApiError("arrival window ends before the launch window opens", "arrive")
    step = caps.porkchop_step(w_launch, w_arrive, step, _limits(request))
    return (dep.name, arr.name, w_launch, w_arrive, step)


@router.get("/porkchop", response_model=models.PorkchopSummary, response_model_by_alias=True,
            summary="A porkchop's summary: the same JSON as `sojourn porkchop --json`",
            responses={**models.ERRORS, **models.ASYNC})
async def porkchop(request: Request, origin: str = FROM, destination: str = TO, launch: str = LAUNCH,
                   arrive: str = ARRIVE, step: Optional[float] = STEP, c3_max: Optional[float] = C3_MAX):
    """Launch C3 and arrival v∞ over every launch and arrival date: the best transfers of each type."""
    key = _porkchop_inputs(request, origin, destination, launch, arrive, step)
    c3 = checks.c3_cap(c3_max)
    return await _run(request, "porkchop", key, work.porkchop, *key, present=lambda ds: _summary(ds, c3))


def _summary(ds, c3_max) -> dict:
    import sojourn as sj
    from sojourn.results import json_safe

    return json_safe(sj.porkchop_summary(ds, c3_max=c3_max))


@router.get("/porkchop/grid", response_model=models.PorkchopGrid,
            summary="The porkchop grid in compact form (float32, base64)",
            responses={**models.ERRORS, **models.ASYNC})
async def porkchop_grid(request: Request, origin: str = FROM, destination: str = TO, launch: str = LAUNCH,
                        arrive: str = ARRIVE, step: Optional[float] = STEP, c3_max: Optional[float] = C3_MAX,
                        max_cells: Optional[int] = Query(None, ge=1, description="Most cells to send (every k-th "
                                                         "date beyond); default and cap: the server's.")):
    """C3, v∞, DLA and time of flight of every cell (every k-th date when the grid is larger than
    ``max_cells``), with the summary; the same job and cache as ``/api/porkchop``."""
    key = _porkchop_inputs(request, origin, destination, launch, arrive, step)
    c3 = checks.c3_cap(c3_max)
    cap = min(max_cells or _limits(request).display_cells, _limits(request).display_cells)
    return await _run(request, "porkchop", key, work.porkchop, *key,
                      present=lambda ds: {**_grid(ds, cap), "summary": _summary(ds, c3)})


def _grid(ds, max_cells: int) -> dict:
    """The grid as little-endian float32 arrays in base64, every ``stride``-th date when it is large."""
    n, m = ds.sizes["launch"], ds.sizes["arrival"]
    stride = max(1, int(np.ceil(np.sqrt(n * m / max_cells))))
    sub = ds.isel(launch=slice(None, None, stride), arrival=slice(None, None, stride))

    def b64(a: np.ndarray, dtype: str) -> str:
        return base64.b64encode(np.ascontiguousarray(a, dtype=dtype).tobytes()).decode("ascii")

    def dates(values) -> list[str]:
        return [str(v)[:16] for v in values.astype("datetime64[m]")]

    kind = np.select([sub.transfer_type.values == "I", sub.transfer_type.values == "II"], [1, 2], 0)
    step = float(ds.attrs["step_days"])
    return {
        "launch": {"dates": dates(sub.launch.values), "step_days": step * stride},
        "arrival": {"dates": dates(sub.arrival.values), "step_days": step * stride},
        "stride": [stride, stride],
        "encoding": "base64 of little-endian float32, row-major: index = launch * n_arrival + arrival",
        "fields": {f: b64(sub[f].values, "<f4") for f in
                   ("c3_launch", "vinf_departure", "vinf_arrival", "dla_deg", "tof_days")},
        "transfer_type": b64(kind, "u1"),
        "units": {"c3_launch": "km²/s²", "vinf_departure": "km/s", "vinf_arrival": "km/s", "dla_deg": "deg",
                  "tof_days": "day"},
    }


@router.get("/transfer", response_model=models.Transfer, summary="One ballistic transfer and its path",
            responses={**models.ERRORS, **models.ASYNC})
async def transfer(request: Request, origin: str = FROM, destination: str = TO,
                   launch: str = Query(..., description="Launch, UTC (ISO 8601).", max_length=40),
                   arrive: str = Query(..., description="Arrival, UTC (ISO 8601).", max_length=40)):
    """The transfer a porkchop cell stands for: its numbers, and its arc with the planets' orbits."""
    dep, arr = checks.transfer_bodies(origin, destination)
    t1, t2 = checks.epoch(launch, "launch"), checks.epoch(arrive, "arrive")
    if not t2 > t1:
        raise ApiError("the arrival must come after the launch", "arrive")
    key = (dep.name, arr.name, t1, t2)
    return await _run(request, "transfer", key, work.transfer, *key, present=lambda d: d,
                      fields={"depart": "launch"})


@router.get("/windows", summary="Every launch opportunity in a span: the same JSON as `sojourn windows --json`",
            responses={**models.ERRORS, **models.ASYNC,
                       200: {"content": {"application/json": {}, "text/csv": {}}}})
async def windows(request: Request, origin: str = Query("emb", alias="from", max_length=40,
                                                        description="Departure body (handbooks use emb)."),
                  destination: str = TO,
                  start: str = Query(..., description="First launch year or UTC date.", max_length=40),
                  end: str = Query(..., description="Last launch year (inclusive) or UTC date.", max_length=40),
                  step: float = Query(2.0, description="Search grid step, days; results are refined below it."),
                  c3_max: Optional[float] = C3_MAX,
                  format: str = Query("json", pattern="^(json|csv)$", description="json, or csv to download.")):
    """Least-C3 and least-arrival-v∞ transfers of types I and II of every opportunity."""
    from sojourn.time import year_span

    dep, arr = checks.transfer_bodies(origin, destination)
    step = checks.step_days(step)
    c3 = checks.c3_cap(c3_max)
    t0, t1 = year_span(start, end)
    caps.windows_span(t0, t1, step, _limits(request))
    key = (dep.name, arr.name, str(start).strip(), str(end).strip(), step, c3)
    if format == "csv":
        name = f"windows-{dep.name}-{arr.name}-{key[2]}-{key[3]}.csv".replace(":", "")
        present = lambda r: Response(r["csv"], media_type="text/csv; charset=utf-8",  # noqa: E731
                                     headers={"Content-Disposition": f'attachment; filename="{name}"'})
    else:
        present = lambda r: r["doc"]  # noqa: E731
    return await _run(request, "windows", key, work.windows, *key, present=present)


# ---------------------------------------------------------------------------------------------
# low thrust

@router.get("/lowthrust", response_model=models.LowThrust,
            summary="The best low-thrust leg: the same JSON as `sojourn lowthrust --json`, and what the page draws",
            responses={**models.ERRORS, **models.ASYNC})
async def lowthrust(request: Request, origin: str = FROM, destination: str = TO,
                    launch: str = Query(..., max_length=80, description="Launch date, or a window START:END to "
                                                                        "search (UTC)."),
                    tof: str = Query(..., max_length=40, description="Time of flight, or the shortest and longest "
                                                                     "to search, days: DAYS or LO:HI."),
                    mass: float = Query(..., description="Mass at departure, kg."),
                    thrust: float = Query(..., description="Maximum thrust, N (at 1 AU if solar-electric)."),
                    isp: float = Query(..., description="Specific impulse, s."),
                    vinf_max: float = Query(0.0, description="Largest departure v∞ the launcher gives, km/s."),
                    vinf_arrival: float = Query(0.0, description="Largest v∞ kept at arrival (0: rendezvous), km/s."),
                    power_law: str = Query("constant", max_length=20, description="constant (nuclear-electric) or "
                                                                                  "inverse_square (solar-electric)."),
                    duty_cycle: float = Query(1.0, description="Share of the time the engine fires, (0, 1]."),
                    segments: Optional[int] = Query(None, description="Segments of each optimised leg (default: one "
                                                                      "per 10 days of the longest flight)."),
                    step: float = Query(2.0, description="Step of the estimate grid, days."),
                    candidates: int = Query(3, description="Best estimate cells the optimiser starts from.")):
    """A window (or a range of flight times) is screened by the MIMA estimate on a grid, then the optimiser
    starts from its best cells; one date and one flight time optimise that leg. Every leg is verified by
    integrating its thrust (DOP853). ``plot`` holds the thrust profile, the path and the estimate grid."""
    key = _lowthrust_inputs(request, origin, destination, launch, tof, mass, thrust, isp, vinf_max, vinf_arrival,
                            power_law, duty_cycle, segments, step, candidates)
    dep, arr, window, tofs, engine, step, candidates = key
    return await _run(request, "lowthrust", key, work.lowthrust, dep, arr, window, tofs, dict(engine), step,
                      candidates, present=lambda d: d)


def _lowthrust_inputs(request, origin, destination, launch, tof, mass, thrust, isp, vinf_max, vinf_arrival,
                      power_law, duty_cycle, segments, step, candidates) -> tuple:
    """The parsed inputs of ``/api/lowthrust`` (its cache key), every one checked before any work."""
    from sojourn.transfer.lowthrust import ElectricPropulsion, _tof_range, _window

    dep, arr = checks.transfer_bodies(origin, destination)
    window, tofs = _window(launch, "launch"), _tof_range(tof)
    engine = ElectricPropulsion(thrust, isp, power_law, duty_cycle)
    m0 = checks.positive(mass, "mass_kg", "mass", "kg")
    vd = checks.non_negative(vinf_max, "vinf_departure_kms", "departure v-infinity", "km/s")
    va = checks.non_negative(vinf_arrival, "vinf_arrival_kms", "arrival v-infinity", "km/s")
    step = checks.step_days(step)
    candidates = checks.integer(candidates, "candidates", "candidates", least=1)
    segments = None if segments is None else checks.integer(segments, "segments", "segments", least=1)
    caps.lowthrust_work(window, tofs, step, segments, candidates, _limits(request))
    kw = (("mass_kg", m0), ("thrust_n", engine.thrust_n), ("isp_s", engine.isp_s), ("power_law", engine.power_law),
          ("duty_cycle", engine.duty_cycle), ("vinf_departure_kms", vd), ("vinf_arrival_kms", va),
          ("segments", segments))
    return (dep.name, arr.name, window, tofs, kw, step, candidates)


# ---------------------------------------------------------------------------------------------
# Mars time


@router.get("/marstime", response_model=list[models.MarsTimeRecord], responses=models.ERRORS,
            summary="Mars time of a UTC instant or of every step of a range: the same JSON as "
                    "`sojourn marstime --json`")
async def marstime(request: Request,
                   when: str = Query(..., max_length=80, description="A UTC instant (2021-02-18T20:44) or a range "
                                                                     "START:END, stepped by step."),
                   lon: Optional[float] = Query(None, description="Planetocentric east longitude of the local "
                                                                  "times, degrees (default 0)."),
                   site: Optional[str] = Query(None, max_length=60, description="A landing site instead of lon "
                                                                                "(see /api/sites)."),
                   step: Optional[float] = Query(None, description="Step of a range, days (default 1).")):
    """Mars Sol Date, MTC, local mean and true solar time, the equation of time, Ls, the Mars year and
    whether it is the dust-storm season (Mars24, Allison & McEwen 2000); daylight at a site's latitude.

    One instant is answered in a thread at once (the page's clock asks every second); a range is a
    job of the pool (its records are made one by one, which would hold up the event loop)."""
    from sojourn.time import is_window

    caps.marstime_rows(when, step, _limits(request))
    if not is_window(when):
        return StrictJSONResponse(await off_loop(work.marstime, when, lon, site, step))
    return await _run(request, "marstime", (when.strip(), lon, site, step), work.marstime, when, lon, site, step,
                      present=lambda d: d)


@router.get("/sites", response_model=list[models.Site], summary="The landing sites sojourn knows, with their sources")
async def sites():
    """Planetocentric latitude and east longitude of each site, and where they come from."""
    from sojourn.mission.sites import SITES

    return [s.to_dict() for s in SITES.values()]


# ---------------------------------------------------------------------------------------------
# missions


async def _scenario_text(request: Request, where: str = "scenario") -> str:
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError("the scenario is not UTF-8 text", where) from None
    return text


async def _scenario(text: str, where: str, request: Request):
    """A scenario from TOML text (its errors name ``where`` and the key and line), parsed off the event loop."""
    import sojourn as sj

    caps.scenario_text(text, where, _limits(request))
    return await off_loop(sj.Scenario.from_toml, text, where)


def _plan_step(request: Request, scenario, step) -> Optional[float]:
    step = None if step is None else checks.step_days(step)
    caps.plan_cells(scenario, step, _limits(request))
    return step


PLAN_STEP = Query(None, description="Search grid step, days (default: the scenario's windows.step_days).")


@router.post("/scenario/check", response_model=models.ScenarioCheck, openapi_extra=TOML_BODY,
             summary="Validate a scenario without planning it", responses=models.ERRORS)
async def scenario_check(request: Request):
    """422 names the key and its line when the scenario is wrong."""
    sc = await _scenario(await _scenario_text(request), "scenario", request)
    return {"ok": True, "name": sc.name, "digest": sc.digest()}


@router.post("/plan", openapi_extra=TOML_BODY, responses={**models.ERRORS, **models.ASYNC},
             summary="The best round trip of a scenario: the same JSON as `sojourn plan --json`")
async def plan(request: Request, step: Optional[float] = PLAN_STEP) -> dict[str, Any]:
    """The request body is the scenario's TOML text."""
    sc = await _scenario(await _scenario_text(request), "scenario", request)
    step = _plan_step(request, sc, step)
    return await _run(request, "plan", (sc.digest(), step), work.plan, sc, step, present=lambda p: p.to_dict())


async def _with_plan(request: Request, step, kind: str, fn: Callable, *args, present=lambda d: d) -> Response:
    """Plan the scenario in the body (or take its plan from the cache), then run ``fn(plan, *args)``."""
    sc = await _scenario(await _scenario_text(request), "scenario", request)
    step = _plan_step(request, sc, step)
    planned = await _settle(request, _jobs(request).submit("plan", (sc.digest(), step), work.plan, sc, step))
    if isinstance(planned, Response):
        return planned
    if planned.state == "failed":
        return from_job_error(planned.error)
    return await _run(request, kind, (sc.digest(), step, *args), fn, planned.result, *args, present=present)


@router.post("/plan/flight", openapi_extra=TOML_BODY, responses={**models.ERRORS, **models.ASYNC},
             summary="The plan's flight day by day, for the animation")
async def plan_flight(request: Request, step: Optional[float] = PLAN_STEP) -> dict[str, Any]:
    """Heliocentric positions of the craft, the origin and the destination (ecliptic of J2000, AU)
    at about 360 epochs from launch to return, and where each event happens."""
    return await _with_plan(request, step, "flight", work.flight)


@router.post("/plan/crew", openapi_extra=TOML_BODY, responses={**models.ERRORS, **models.ASYNC},
             summary="The crew's days: the same JSON as `sojourn crew --json`")
async def plan_crew(request: Request, step: Optional[float] = PLAN_STEP) -> dict[str, Any]:
    """Dose day by day, light time, and the solar-conjunction blackouts."""
    return await _with_plan(request, step, "crew", work.crew)


@router.post("/plan/download/{what}", openapi_extra=TOML_BODY,
             responses={**models.ERRORS, **models.ASYNC, 200: {"content": {
                 "text/html": {}, "text/plain": {}, "application/octet-stream": {}, "application/json": {}}}},
             summary="The plan as a file: dossier (HTML), OEM, SPK or CZML")
async def plan_download(request: Request, what: str = Path(..., pattern="^(dossier|oem|spk|czml)$"),
                        step: Optional[float] = PLAN_STEP):
    """``dossier``: the self-contained HTML report; ``oem``: CCSDS OEM; ``spk``: SPICE kernel (type 13);
    ``czml``: for Cesium (geocentric ICRF)."""
    def present(f: dict) -> Response:
        return Response(f["content"], media_type=f["media_type"],
                        headers={"Content-Disposition": f'attachment; filename="{f["name"]}"'})

    return await _with_plan(request, step, f"download-{what}", work.download, what, present=present)


# ---------------------------------------------------------------------------------------------
# examples


@router.get("/examples", response_model=list[models.Example], summary="The example scenarios shipped with sojourn")
async def examples_list():
    return [{"name": name, "title": sc.name, "description": sc.mission.description or ""}
            for name, (sc, _) in _examples().items()]


@router.get("/examples/{name}", summary="An example scenario's TOML text",
            responses={200: {"content": {"application/toml": {}}}, 404: {"model": models.ErrorBody}})
async def example(name: str = Path(..., max_length=80)):
    found = _examples().get(name)
    if found is None:
        raise ApiError(f"no example named '{name}'", "name", status=404)
    return Response(found[1], media_type="application/toml; charset=utf-8")


_EXAMPLES: dict = {}


def _examples() -> dict:
    """Example scenarios by file stem: (Scenario, text); files that are not scenarios (studies) are left out."""
    if not _EXAMPLES:
        import importlib.resources

        import sojourn as sj
        from sojourn.errors import SojournError

        folder = importlib.resources.files("sojourn.web") / "examples"
        for item in sorted(folder.iterdir(), key=lambda p: p.name):
            if not item.name.endswith(".toml"):
                continue
            text = item.read_text(encoding="utf-8")
            try:
                _EXAMPLES[item.name[:-5]] = (sj.Scenario.from_toml(text, item.name), text)
            except SojournError:
                continue
    return _EXAMPLES


# ---------------------------------------------------------------------------------------------
# what goes wrong


async def _two(request: Request, body) -> tuple:
    """The two scenarios of a race or a diff request (errors name ``scenario`` or ``other``)."""
    return await _scenario(body.scenario, "scenario", request), await _scenario(body.other, "other", request)


@router.post("/race", responses={**models.ERRORS, **models.ASYNC},
             summary="The race of a rival vessel against the mission: the same JSON as `sojourn race --json`")
async def race(request: Request, body: models.RaceRequest = Body(...)) -> dict[str, Any]:
    """B's winning launch dates against A's plan (A planned first, or its plan taken from the cache)."""
    a, b = await _two(request, body)
    step = checks.step_days(body.step, "step_days", most=30)
    caps.plan_cells(a, None, _limits(request))
    planned = await _settle(request, _jobs(request).submit("plan", (a.digest(), None), work.plan, a, None))
    if isinstance(planned, Response):
        return planned
    if planned.state == "failed":
        return from_job_error(planned.error)
    return await _run(request, "race", (a.digest(), b.digest(), step), work.race, planned.result, b, step,
                      present=lambda d: d, fields={"b": "other", "a": "scenario"})


@router.post("/aborts", openapi_extra=TOML_BODY, responses={**models.ERRORS, **models.ASYNC},
             summary="Aborts from every day of each transit: the same JSON as `sojourn aborts --json`")
async def aborts(request: Request, step: float = Query(2.0, description="Spacing of the abort days and of the "
                                                                       "return durations, days (at most 30).")):
    """The cheapest way home from every day of the plan's transits, and the days with none."""
    step = checks.step_days(step, "step_days", most=30)
    if step < 0.5:
        raise ApiError(f"step must be at least 0.5 days on this server, not {step:g}", "step")
    return await _with_plan(request, None, "aborts", work.aborts, step)


@router.post("/diff", responses={**models.ERRORS, **models.ASYNC},
             summary="Two scenarios compared, each moved event attributed: the same JSON as `sojourn diff --json`")
async def diff(request: Request, body: models.DiffRequest = Body(...)) -> dict[str, Any]:
    a, b = await _two(request, body)
    step = None if body.step is None else checks.step_days(body.step)
    caps.plan_cells(a, step, _limits(request))
    caps.plan_cells(b, step, _limits(request))
    return await _run(request, "diff", (a.digest(), b.digest(), step), work.diff, a, b, step, present=lambda d: d,
                      fields={"a": "scenario", "b": "other"})
