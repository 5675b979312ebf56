"""Trade studies on Dask distributed: equal results everywhere, a killed worker, an interrupted study.

A small study (the 2026 and 2028 opportunities, two vehicles, a short Monte
Carlo, a porkchop grid in 8 tiles) runs on a LocalCluster of two worker
processes; every tile is also computed here, in the test process, and the
store must hold exactly the same numbers.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
pytest.importorskip("zarr")
pytest.importorskip("pyarrow")

from sojourn.cli import main  # noqa: E402
from sojourn.errors import InputError  # noqa: E402
from sojourn.trades.run import WORKER_ENV, run_study  # noqa: E402
from sojourn.trades.store import TradeStore  # noqa: E402
from sojourn.trades.study import load_study  # noqa: E402
from sojourn.trades.summary import summarize  # noqa: E402
from sojourn.trades.tiles import (PorkchopTile, RoundTripTile, compute_tile, plan_tiles,  # noqa: E402
                                 porkchop_grid)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

STUDY = """\
[study]
name = "test study"
scenario = "{scenario}"
step_days = 8.0

[opportunities]
start = 2026
end = 2028

[[vehicle]]
name = "NTP"
payload_kg = 40000
[[vehicle.stages]]
name = "TMI stage"
isp_s = 900.0
dry_mass_kg = 24000
propellant_kg = 80000
burns = ["earth_departure"]
[[vehicle.stages]]
name = "Core stage"
isp_s = 900.0
dry_mass_kg = 22000
propellant_kg = 40000
burns = ["mars_arrival", "mars_departure"]

[[vehicle]]
name = "Small tanks"
payload_kg = 40000
[vehicle.constraints]
max_c3 = 20.0
[[vehicle.stages]]
name = "Only stage"
isp_s = 450.0
dry_mass_kg = 10000
propellant_kg = 20000
burns = ["earth_departure", "mars_arrival", "mars_departure"]

[dispersions]
samples = 2000
seed = 1

[porkchop]
launch = "2026-09-01:2026-12-31"
arrive = "2027-06-01:2027-12-31"
step_days = 2.0
tile_cells = 1000
"""


def _write_study(directory: Path, name: str = "study.toml", text: str = STUDY) -> Path:
    path = directory / name
    path.write_text(text.format(scenario=(EXAMPLES / "dra5-conjunction.toml").as_posix()))
    return path


def _table(store: TradeStore, tiles) -> dict:
    """Everything the store holds for these tiles: rows by id, and the porkchop arrays."""
    rows = {r["tile_id"]: r for r in store.rows([t.id for t in tiles if isinstance(t, RoundTripTile)])}
    grid = None
    if any(isinstance(t, PorkchopTile) for t in tiles):
        g = store.grid()
        grid = {k: g[k][:] for k in ("c3_launch", "vinf_arrival", "transfer_type")}
    return {"rows": rows, "grid": grid, "markers": store.grid_markers([t.id for t in tiles
                                                                       if isinstance(t, PorkchopTile)])}


def _assert_same(a: dict, b: dict) -> None:
    assert a["rows"] == b["rows"]  # exact: floats, dates, None
    assert a["markers"] == b["markers"]
    for k in ("c3_launch", "vinf_arrival", "transfer_type"):
        np.testing.assert_array_equal(a["grid"][k], b["grid"][k])  # NaN == NaN here, bit for bit otherwise


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=40, env=dict(WORKER_ENV)) as cluster:
        with distributed.Client(cluster, set_as_default=False) as c:
            yield c


@pytest.fixture(scope="module")
def reference(tmp_path_factory, client):
    """The study run once on the 2-process cluster, and every tile computed in this process."""
    d = tmp_path_factory.mktemp("trade")
    study = load_study(_write_study(d))
    store_path = d / "ref.trade"
    report = run_study(study, store_path, client=client)
    store = TradeStore.open(store_path, study.fingerprint("de421.bsp"))
    tiles = plan_tiles(study, store.manifest["opportunities"], porkchop_grid(study))
    local = {"rows": {}, "markers": [], "grid": None}
    shape = tuple(store.manifest["porkchop"]["shape"])
    local["grid"] = {"c3_launch": np.full(shape, np.nan, np.float32),
                     "vinf_arrival": np.full(shape, np.nan, np.float32),
                     "transfer_type": np.zeros(shape, np.int8)}
    for tile in tiles:
        result = compute_tile(tile)
        if isinstance(tile, RoundTripTile):
            local["rows"][tile.id] = result
        else:
            (r0, r1), (c0, c1) = tile.rows, tile.cols
            for k in local["grid"]:
                local["grid"][k][r0:r1, c0:c1] = result[k]
            local["markers"].append({"rows": list(tile.rows), "cols": list(tile.cols), "cells": tile.cells,
                                     "solved": result["solved"], "best": result["best"]})
    local["rows"] = {k: local["rows"][k] for k in sorted(local["rows"])}
    return {"dir": d, "study": study, "store": store, "tiles": tiles, "report": report,
            "cluster": _table(store, tiles), "local": local}


# --- the study file ------------------------------------------------------------------------


def test_example_study_is_valid():
    study = load_study(EXAMPLES / "trade-2026-2050.toml")
    assert study.opportunities.start == 2026 and study.opportunities.end == 2050
    assert [c.vehicle for c in study.combinations] == ["NTP, propulsive capture", "Chemical, aerocapture"]
    chem = study.combinations[1].scenario
    assert chem.arrival.mode == "aerocapture" and chem.constraints.max_c3 == 15.0
    assert chem.constraints.max_entry_speed_kms == 12.5  # the base scenario's, kept
    assert study.combinations[0].scenario.constraints.max_c3 == 25.0


def test_fingerprint_ignores_layout_but_not_content(tmp_path):
    a = load_study(_write_study(tmp_path, "a.toml"))
    reformatted = "# a comment\n" + STUDY.replace("step_days = 8.0", "step_days = 8").replace("seed = 1", "seed = 1  # x")
    b = load_study(_write_study(tmp_path, "b.toml", reformatted))
    c = load_study(_write_study(tmp_path, "c.toml", STUDY.replace("seed = 1", "seed = 2")))
    assert a.fingerprint("de421.bsp") == b.fingerprint("de421.bsp")
    assert a.fingerprint("de421.bsp") != c.fingerprint("de421.bsp")
    assert a.fingerprint("de421.bsp") != a.fingerprint("de440.bsp")
    opps = [{"year": 2026, "start": 1.0, "end": 2.0}]
    ids_a = [t.id for t in plan_tiles(a, opps)]
    assert ids_a == [t.id for t in plan_tiles(b, opps)]  # stable tile ids
    assert len(set(ids_a)) == len(ids_a) == 2
    assert set(ids_a).isdisjoint(t.id for t in plan_tiles(c, opps))


@pytest.mark.parametrize("edit, where, message", [
    (("seed = 1", "sed = 1"), "dispersions.sed", "unknown key 'sed' (did you mean 'seed'?)"),
    (("isp_s = 900.0", 'isp_s = "900"'), "vehicle[0].stages[0].isp_s", "expected a number"),
    (("end = 2028", "end = 2020"), "opportunities.end", "end (2020) is before start (2026)"),
    (('name = "Small tanks"', 'name = "NTP"'), "vehicle[1].name", "vehicle name 'NTP' is used twice"),
    (("step_days = 2.0\n", "step_days = -2.0\n"), "porkchop.step_days", "must be greater than 0"),
    (('launch = "2026-09-01:2026-12-31"', 'launch = "2026-13-01:2026-12-31"'), "porkchop.launch", ""),
])
def test_malformed_study_is_one_line_exit_2(tmp_path, capsys, edit, where, message):
    path = _write_study(tmp_path, text=STUDY.replace(*edit))
    assert main(["trade", str(path), "--out", str(tmp_path / "s.trade")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert f"({path}: {where})" in err
    assert message in err
    assert not (tmp_path / "s.trade").exists()


def test_missing_scenario_and_toml_syntax(tmp_path, capsys):
    path = tmp_path / "study.toml"
    path.write_text(STUDY.format(scenario="nowhere.toml"))
    assert main(["trade", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: scenario file not found: '{tmp_path / 'nowhere.toml'}' ({path}: study.scenario)\n"
    path.write_text("[study\nname = 1\n")
    assert main(["trade", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: TOML syntax error at line 1") and err.count("\n") == 1


def test_infeasible_tile_is_a_row_that_says_so(reference):
    tile = next(t for t in reference["tiles"] if isinstance(t, RoundTripTile))
    scenario = json.loads(json.dumps(tile.scenario))
    scenario["constraints"]["max_c3"] = 1.0
    row = compute_tile(RoundTripTile("x", tile.opportunity, tile.t_first, tile.t_last, "NTP", 400.0, None,
                                     scenario, tile.source))
    assert row["feasible"] is False and row["binding_constraint"] == "constraints.max_c3"
    assert "launch C3 at most 1" in row["reason"]
    assert row["total_dv_kms"] is None and row["launch"] is None
    assert not any(isinstance(v, float) and not np.isfinite(v) for v in row.values())


# --- distributed == local -----------------------------------------------------------------


def test_cluster_results_equal_local_results_exactly(reference):
    report = reference["report"]
    assert report.tiles == len(reference["tiles"]) == 4 + 8
    assert report.computed == report.tiles and report.resumed == 0 and report.workers == 2
    _assert_same(reference["cluster"], reference["local"])
    rows = list(reference["cluster"]["rows"].values())
    ntp = [r for r in rows if r["vehicle"] == "NTP"]
    small = [r for r in rows if r["vehicle"] == "Small tanks"]
    assert [r["opportunity"] for r in sorted(ntp, key=lambda r: r["opportunity"])] == [2026, 2028]
    for r in ntp:  # a DRA 5.0 conjunction-class mission: about 6 km/s (dra5-conjunction.toml)
        assert r["feasible"] and 5.5 < r["total_dv_kms"] < 6.6 and r["propellant_closes"]
        assert r["dispersion_samples"] == 2000 and 0.0 <= r["miss_probability_after_tcm"] <= 1.0
        assert 450 - 1e-6 <= r["stay_days"] <= 600 + 1e-6
    for r in small:  # 20 t of propellant cannot push 70 t through 6 km/s
        assert not r["feasible"] and r["binding_constraint"] == "vessel.stages"
        assert r["propellant_closes"] is False and r["total_dv_kms"] is not None
    solved = sum(m["solved"] for m in reference["cluster"]["markers"])
    assert 0 < solved <= sum(m["cells"] for m in reference["cluster"]["markers"]) == 61 * 107


def test_killed_worker_study_still_completes(reference, client, tmp_path):
    pids = client.run(os.getpid)
    victim = sorted(pids.items())[0]
    killed = []

    def kill_once(tile_id):
        if not killed:
            os.kill(victim[1], signal.SIGKILL)
            killed.append(tile_id)

    report = run_study(reference["study"], tmp_path / "k.trade", client=client, max_in_flight=4, on_tile=kill_once)
    assert killed and report.computed == report.tiles
    store = TradeStore.open(tmp_path / "k.trade", reference["study"].fingerprint("de421.bsp"))
    _assert_same(_table(store, reference["tiles"]), reference["local"])
    deadline = time.time() + 30  # the nanny restarts the worker: the cluster is whole again
    while len(client.scheduler_info(n_workers=-1)["workers"]) < 2 and time.time() < deadline:
        time.sleep(0.2)
    assert victim[0] not in client.run(os.getpid)


def test_interrupted_study_resumes_without_recomputing(reference, client, tmp_path, monkeypatch, capsys):
    done = []

    def stop_after_three(tile_id):
        done.append(tile_id)
        if len(done) == 3:
            raise KeyboardInterrupt

    path = tmp_path / "i.trade"
    with pytest.raises(KeyboardInterrupt):
        run_study(reference["study"], path, client=client, on_tile=stop_after_three)
    store = TradeStore.open(path, reference["study"].fingerprint("de421.bsp"))
    assert store.finished() == set(done)
    # bad input on the way (an unreachable scheduler) loses no finished tile
    monkeypatch.setattr("sojourn.trades.run.CONNECT_TIMEOUT_S", 2)
    files = sorted((p.name, p.stat().st_mtime_ns) for p in path.rglob("*"))
    assert main(["trade", str(reference["dir"] / "study.toml"), "--out", str(path),
                 "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert capsys.readouterr().err.startswith("error: cannot reach the Dask scheduler")
    assert sorted((p.name, p.stat().st_mtime_ns) for p in path.rglob("*")) == files
    report = run_study(reference["study"], path, client=client)
    assert report.resumed == 3 and report.computed == report.tiles - 3
    assert set(report.computed_ids).isdisjoint(done)
    _assert_same(_table(store, reference["tiles"]), reference["local"])
    again = run_study(reference["study"], path, client=client)
    assert again.computed == 0 and again.resumed == again.tiles


# --- the command line ---------------------------------------------------------------------------


def test_cli_local_workers_json_summary_and_plot(reference, tmp_path, capsys):
    study_file = _write_study(tmp_path)
    plot = tmp_path / "trade.png"
    store = tmp_path / "study.trade"  # the default: <study>.trade beside the study
    assert main(["trade", str(study_file), "--workers", "2", "--json", "--plot", str(plot)]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["run"]["computed"] == data["tiles"] == 12 and data["run"]["workers"] == 2
    assert data["store"] == str(store) and data["outputs"] == [str(plot)]
    assert plot.read_bytes().startswith(PNG_MAGIC)
    # the same records as the cluster run's store
    expected = summarize(reference["study"], reference["store"], reference["tiles"]).to_dict()["records"]
    assert data["records"] == expected
    assert [(r["opportunity"], r["vehicle"]) for r in data["records"]] == [
        (2026, "NTP"), (2026, "Small tanks"), (2028, "NTP"), (2028, "Small tanks")]
    for r in data["records"]:
        if r["vehicle"] == "Small tanks":
            assert r["feasible"] is False and r["binding_constraint"] == "vessel.stages"
            assert r["total_dv_kms"] is None and r["reason"].startswith("the vessel cannot afford")
        else:
            assert r["feasible"] is True and r["binding_constraint"] is None
    pc = data["porkchop"]
    assert pc["cells"] == pc["cells_done"] == 61 * 107 and pc["finished_tiles"] == 8
    assert {b["transfer_type"] for b in pc["least_c3"]} == {"I", "II"}
    # --summary from the finished store: nothing recomputed, a table
    assert main(["trade", str(study_file), "--summary"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # the terminal wraps long lines (the store's path)
    assert "all already done" in out and "NTP" in out and "Small tanks" in out and "2028" in out
    assert "vessel.stages" in out


def test_store_of_another_study_is_refused_untouched(reference, tmp_path, capsys):
    other = _write_study(tmp_path, text=STUDY.replace("seed = 1", "seed = 7"))
    store = reference["store"].path
    before = sorted((p.relative_to(store), p.stat().st_mtime_ns) for p in store.rglob("*"))
    assert main(["trade", str(other), "--out", str(store)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the store was written by another study ('test study'")
    assert err.endswith(f"({store})\n") and err.count("\n") == 1
    assert sorted((p.relative_to(store), p.stat().st_mtime_ns) for p in store.rglob("*")) == before


def test_unreachable_scheduler_is_one_line_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sojourn.trades.run.CONNECT_TIMEOUT_S", 2)
    study_file = _write_study(tmp_path)
    t0 = time.perf_counter()
    assert main(["trade", str(study_file), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert time.perf_counter() - t0 < 15
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach the Dask scheduler") and err.count("\n") == 1
    assert "tcp://127.0.0.1:1" in err and err.endswith("(--scheduler)\n")
    assert not (tmp_path / "study.trade").exists()
    assert main(["trade", str(study_file), "--scheduler", "tcp://127.0.0.1:1", "--workers", "2"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["trade", str(study_file), "--scheduler", "localhost"]) == 2
    assert capsys.readouterr().err == "error: not a scheduler address: 'localhost' (expected tcp://HOST:PORT) (--scheduler)\n"


# --- faults: damaged tiles, two runs on one store, interrupts, no shared file system (issues 12, 16) ----


def _copy_store(reference, dst: Path) -> TradeStore:
    import shutil

    shutil.copytree(reference["store"].path, dst)
    (dst / ".lock").unlink(missing_ok=True)
    return TradeStore.open(dst, reference["study"].fingerprint("de421.bsp"))


def test_damaged_tiles_are_found_and_recomputed(reference, client, tmp_path):
    """A crash before the disk caught up can leave a tile's file empty: it is computed again, nothing else."""
    store = _copy_store(reference, tmp_path / "d.trade")
    rt = [t for t in reference["tiles"] if isinstance(t, RoundTripTile)]
    pc = [t for t in reference["tiles"] if isinstance(t, PorkchopTile)]
    (store.path / "tiles" / f"{rt[0].id}.parquet").write_bytes(b"")  # empty
    (store.path / "tiles" / f"{rt[1].id}.parquet").write_bytes(b"PAR1 not really")  # garbage
    (store.path / "porkchop-tiles" / f"{pc[0].id}.json").write_text('{"rows": [0,')  # cut short
    tr, tc = store.manifest["porkchop"]["tile_shape"]
    chunk = store.path / "porkchop.zarr" / "c3_launch" / "c" / str(pc[1].rows[0] // tr) / str(pc[1].cols[0] // tc)
    assert chunk.stat().st_size > 0
    chunk.write_bytes(b"")  # an emptied Zarr chunk
    damaged = {rt[0].id, rt[1].id, pc[0].id, pc[1].id}
    assert store.damaged(reference["tiles"]) == damaged
    report = run_study(reference["study"], store.path, client=client)
    assert report.repaired == 4 and set(report.computed_ids) == damaged and report.resumed == report.tiles - 4
    assert store.damaged(reference["tiles"]) == set()
    _assert_same(_table(store, reference["tiles"]), reference["local"])


def test_a_store_another_run_is_writing_is_refused_in_one_line(reference, client, tmp_path, capsys):
    store = _copy_store(reference, tmp_path / "busy.trade")
    victim = next(t for t in reference["tiles"] if isinstance(t, RoundTripTile))
    (store.path / "tiles" / f"{victim.id}.parquet").unlink()  # work left to do
    other = TradeStore.open(store.path, reference["study"].fingerprint("de421.bsp"))
    other.acquire()  # another run holds the store
    before = sorted((p.relative_to(store.path), p.stat().st_mtime_ns) for p in store.path.rglob("*"))
    try:
        assert main(["trade", str(reference["dir"] / "study.toml"), "--out", str(store.path),
                     "--scheduler", client.scheduler.address]) == 2
        err = capsys.readouterr().err
        assert err == (f"error: another trade run is writing this store (process {os.getpid()} on "
                       f"{__import__('socket').gethostname()}): wait for it to finish, or give this run "
                       f"another store ({store.path})\n")
        assert sorted((p.relative_to(store.path), p.stat().st_mtime_ns) for p in store.path.rglob("*")) == before
    finally:
        other.release()
    report = run_study(reference["study"], store.path, client=client)  # free again: it resumes
    assert report.computed_ids == [victim.id]


def test_two_runs_creating_one_store_at_once(reference, tmp_path):
    """The second to create the store finds the first's and is refused while the first holds it."""
    fp = reference["study"].fingerprint("de421.bsp")
    opps = reference["store"].manifest["opportunities"]
    first = TradeStore.create(tmp_path / "s.trade", fp, "test study", opps)
    try:
        second = TradeStore.create(tmp_path / "s.trade", fp, "test study", opps)  # lost the race
        assert second.manifest == first.manifest
        with pytest.raises(InputError, match="another trade run is writing this store"):
            second.acquire()
    finally:
        first.release()
    second.acquire()  # the first is done: the second may go on
    second.release()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.trade"]  # no temporary directory left


SMALL_STUDY = """\
[study]
name = "small study"
scenario = "{scenario}"
step_days = 8.0

[opportunities]
start = 2026
end = 2026

[[vehicle]]
name = "NTP"
payload_kg = 40000
[[vehicle.stages]]
name = "Only stage"
isp_s = 900.0
dry_mass_kg = 30000
propellant_kg = 120000
burns = ["earth_departure", "mars_arrival", "mars_departure"]

[porkchop]
launch = "2026-09-01:2026-12-31"
arrive = "2027-06-01:2027-12-31"
step_days = 4.0
tile_cells = 1000
"""


def _local_results(study, tiles) -> dict:
    """Every tile computed here, with the shipped DE421: what any cluster must store."""
    rows = {t.id: compute_tile(t) for t in tiles if isinstance(t, RoundTripTile)}
    blocks = {t.id: compute_tile(t) for t in tiles if isinstance(t, PorkchopTile)}
    return {"rows": rows, "blocks": blocks}


def _assert_store_holds(store: TradeStore, tiles, local: dict) -> None:
    assert {r["tile_id"]: r for r in store.rows()} == local["rows"]
    g = store.grid()
    for t in tiles:
        if isinstance(t, PorkchopTile):
            (r0, r1), (c0, c1) = t.rows, t.cols
            for k in ("c3_launch", "vinf_arrival", "transfer_type"):
                np.testing.assert_array_equal(g[k][r0:r1, c0:c1], local["blocks"][t.id][k])


def test_workers_get_the_ephemeris_through_dask_not_a_shared_path(tmp_path, monkeypatch, capsys):
    """issue 16: a cluster whose workers share no file system with the client (nor its working directory).

    The client's SPK is a relative path in the client's directory; the workers run in
    another directory, and the client's file is deleted as soon as it has been shipped:
    only Dask can have brought it to them. The study runs through --scheduler against
    this existing cluster.
    """
    import sojourn.trades.workers as workers_module
    from sojourn.ephemeris import default_ephemeris_path

    client_dir, worker_dir = tmp_path / "client", tmp_path / "elsewhere"
    client_dir.mkdir(), worker_dir.mkdir()
    (client_dir / "mine.bsp").write_bytes(default_ephemeris_path().read_bytes())
    study_file = _write_study(client_dir, text=SMALL_STUDY)
    real_ship = workers_module.ship_ephemeris
    shipped = []

    def ship_then_delete(client, eph):
        ref = real_ship(client, eph)
        (client_dir / "mine.bsp").unlink()  # from here on, no file at the client's path
        shipped.append(ref)
        return ref

    monkeypatch.setattr(workers_module, "ship_ephemeris", ship_then_delete)
    monkeypatch.chdir(worker_dir)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=40, env=dict(WORKER_ENV)) as cluster:
        with distributed.Client(cluster, set_as_default=False) as c:
            assert list(c.run(os.getcwd).values()) == [str(worker_dir)]
            monkeypatch.chdir(client_dir)
            assert main(["trade", "study.toml", "--scheduler", cluster.scheduler_address,
                         "--ephemeris", "mine.bsp", "--json"]) == 0
            local_dir = Path(next(iter(c.run(lambda dask_worker: dask_worker.local_directory).values())))
            (ref,) = shipped
            assert (local_dir / "sojourn-ephemeris" / ref.sha256 / "mine.bsp").is_file()  # the worker's own copy
    data = json.loads(capsys.readouterr().out)
    assert data["run"]["computed"] == data["tiles"] == data["finished"] == 1 + 2  # a round trip, 2 porkchop blocks
    assert not (client_dir / "mine.bsp").exists()
    assert ref.name == "mine.bsp" and ref.size == default_ephemeris_path().stat().st_size
    study = load_study(study_file)
    store = TradeStore.open(client_dir / "study.trade", study.fingerprint("mine.bsp"))
    tiles = plan_tiles(study, store.manifest["opportunities"], porkchop_grid(study))
    _assert_store_holds(store, tiles, _local_results(study, tiles))  # the same bytes as DE421: same numbers


def test_a_shipped_ephemeris_is_checked_by_its_digest(tmp_path):
    from sojourn.errors import EphemerisError
    from sojourn.trades.workers import ShippedEphemeris, install, worker_ephemeris

    data = b"DAF/SPK " + bytes(2000)
    ref = ShippedEphemeris("x.bsp", __import__("hashlib").sha256(data).hexdigest(), len(data))
    with pytest.raises(EphemerisError, match="reached this worker damaged"):
        install(tmp_path, ref, data[:-1] + b"!")  # a byte changed on the way
    with pytest.raises(EphemerisError, match="has not reached this worker"):
        worker_ephemeris(ref, root=tmp_path)
    path = install(tmp_path, ref, data)
    assert path.read_bytes() == data and path.parent.name == ref.sha256
    path.write_bytes(data[:-1] + b"!")  # the worker's copy changed since
    with pytest.raises(EphemerisError, match="not the client's"):
        worker_ephemeris(ref, root=tmp_path)


def _start_trade(study_file: Path, *args) -> "subprocess.Popen":
    import subprocess
    import sys

    src = Path(__file__).resolve().parent.parent / "src"
    code = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            f"sys.argv = ['sojourn', 'trade', {str(study_file)!r}] + {list(args)!r}; "
            "from sojourn.__main__ import main; sys.exit(main())")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, cwd=study_file.parent)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_cli_trade_is_one_line_and_resumes(reference, client, tmp_path, sig):
    """Ctrl-C (to the whole process group, as a terminal sends it) or SIGTERM (to the client) mid-study."""
    import subprocess

    study_file = _write_study(tmp_path)
    store = tmp_path / "study.trade"
    proc = _start_trade(study_file, "--workers", "2", "--json")
    deadline = time.monotonic() + 240
    while not [p for p in (*store.glob("tiles/*.parquet"), *store.glob("porkchop-tiles/*.json"))
               if not p.name.startswith(".")]:  # a finished tile (not one being written)
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "no tile finished"
        time.sleep(0.05)
    os.killpg(proc.pid, sig) if sig == signal.SIGINT else proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("the study did not stop")
    assert proc.returncode == (130 if sig == signal.SIGINT else 143)
    assert err == ("error: interrupted\n" if sig == signal.SIGINT else "error: terminated\n")  # no worker traceback
    assert out == ""
    deadline = time.monotonic() + 30  # and no worker process outlives the client
    while True:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "worker processes left running"
        time.sleep(0.2)
    finished = TradeStore.open(store, reference["study"].fingerprint("de421.bsp")).finished()
    assert 1 <= len(finished) < len(reference["tiles"])
    assert not list(tmp_path.rglob(".sojourn-*"))  # no tile half written
    if sig == signal.SIGTERM:
        return  # resuming is the same whatever stopped the study: once is enough
    report = run_study(reference["study"], store, client=client)  # started again: the rest, and the same numbers
    assert report.resumed == len(finished) and report.computed == report.tiles - len(finished)
    _assert_same(_table(report.trade_store, reference["tiles"]), reference["local"])


def test_a_porkchop_tile_takes_its_best_off_the_180_degree_ridge_as_porkchop_does():
    """One ridge rule everywhere: a trade's porkchop block picks the same least-C3 cells as sj.porkchop.

    In the 2026 opportunity at a half-day step the least type I C3 of the whole grid (10.52) lies on the
    180° ridge, where C3 jumps with the step; off it the least is 10.70, so a block that ignored the rule
    would pick another cell.
    """
    import sojourn as sj
    from sojourn.checks import epoch
    from sojourn.trades.tiles import porkchop_block

    launch, arrive = ("2026-09-01", "2027-01-15"), ("2027-06-01", "2028-02-01")
    ds = sj.porkchop("earth", "mars", launch, arrive, step_days=0.5)
    n, m = ds.sizes["launch"], ds.sizes["arrival"]
    tile = PorkchopTile("whole", "earth", "mars", tuple(epoch(d, "launch") for d in launch),
                        tuple(epoch(d, "arrive") for d in arrive), 0.5, (0, n), (0, m))
    block = porkchop_block(tile)
    on_ridge = np.where(ds["transfer_type"].values == "I", ds["c3_launch"].values, np.inf)
    assert ds["ridge"].values.flat[np.argmin(on_ridge)]  # the case the rule is for
    times = {str(t): i for i, t in enumerate(ds.launch.values.astype("datetime64[s]"))}
    for record in (r for r in sj.best_transfers(ds) if r["criterion"] == "min_c3"):
        ours = next(b for b in block["best"] if b["type"] == record["transfer_type"])
        assert ours["row"] == times[record["launch_utc"]]
        assert ours["c3"] == pytest.approx(record["c3"], rel=1e-12)
        assert not ds["ridge"].values[ours["row"], ours["col"]]
