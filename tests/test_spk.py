"""The SPICE SPK export (type 13), read back with spiceypy and with jplephem.

SPICE itself evaluates the kernel (``spkgeo`` by ephemeris time, no leap-second
kernel needed), and its states are compared with sojourn's own
:func:`spacecraft_states` to 1 m and 1 mm/s, at the samples and between them.
With DE421 loaded beside it, SPICE puts the craft at Earth's centre at launch
and at Mars' at arrival, moving at the leg's v-infinity: the legs land.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import sojourn as sj
from sojourn.cli import main
from sojourn.errors import InputError
from sojourn.mission.trajectory import spacecraft_states

ULYSSES = str(Path(__file__).resolve().parents[1] / "examples" / "ulysses.toml")
NAIF = -1042


@pytest.fixture(scope="module")
def plan(ulysses_plan):
    return ulysses_plan


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    pytest.importorskip("spiceypy")
    path = tmp_path_factory.mktemp("spk") / "ulysses.bsp"
    assert main(["export", ULYSSES, "--spk", str(path), "--naif-id", str(NAIF), "--json"]) == 0
    return path


@pytest.fixture()
def spice(kernel):
    import spiceypy

    from sojourn.ephemeris import default_ephemeris_path

    spiceypy.kclear()
    spiceypy.furnsh(str(kernel))
    spiceypy.furnsh(str(default_ephemeris_path()))
    yield spiceypy
    spiceypy.kclear()


def _spice_states(spice, target, t, observer):
    return np.array([spice.spkgeo(target, float(et), "J2000", observer)[0] for et in t])


def test_spk_states_match_sojourn_to_a_metre(spice, plan):
    for leg in plan.legs:
        # the samples (every 6 h) and the points halfway between them, where Hermite interpolates
        t = np.linspace(leg.t_depart, leg.t_arrive, 2 * 1120 + 1)
        t = np.concatenate([t, t[:-1] + 0.37 * np.diff(t)])  # and some off-grid epochs
        got = _spice_states(spice, NAIF, t, 10)
        r, v = spacecraft_states(plan, t)
        assert np.abs(got[:, :3] - r).max() < 1e-3  # km
        assert np.abs(got[:, 3:] - v).max() < 1e-6  # km/s
        # spkezr by name (the NAIF id as text), geometric: the same state
        mid = 0.5 * (leg.t_depart + leg.t_arrive)
        state, _ = spice.spkezr(str(NAIF), mid, "J2000", "NONE", "SUN")
        r, v = spacecraft_states(plan, mid)
        assert np.linalg.norm(np.asarray(state[:3]) - r) < 1e-3


def test_spk_legs_land_on_the_planets(spice, plan):
    """SPICE, reading DE421 itself, puts the craft at the planets' centres at the burns."""
    ids = {"earth": 399, "mars": 499}
    for leg in plan.legs:
        dep = spice.spkgeo(NAIF, leg.t_depart, "J2000", ids[leg.origin])[0]
        arr = spice.spkgeo(NAIF, leg.t_arrive, "J2000", ids[leg.destination])[0]
        assert np.linalg.norm(dep[:3]) < 1e-3 and np.linalg.norm(arr[:3]) < 1e-3
        assert np.linalg.norm(dep[3:]) == pytest.approx(leg.vinf_departure, abs=1e-6)
        assert np.linalg.norm(arr[3:]) == pytest.approx(leg.vinf_arrival, abs=1e-6)


def test_spk_coverage_is_the_two_legs_and_not_the_stay(spice, kernel, plan):
    cover = spice.spkcov(str(kernel), NAIF)
    windows = [spice.wnfetd(cover, i) for i in range(spice.wncard(cover))]
    assert windows == [(leg.t_depart, leg.t_arrive) for leg in plan.legs]
    ids = spice.spkobj(str(kernel))
    assert [ids[i] for i in range(spice.card(ids))] == [NAIF]
    stay = 0.5 * (plan.legs[0].t_arrive + plan.legs[1].t_depart)
    with pytest.raises(spice.exceptions.SpiceyError, match="SPKINSUFFDATA"):
        spice.spkgeo(NAIF, stay, "J2000", 10)


def test_spk_segments_read_by_jplephem(kernel, plan):
    """An independent reader of the DAF layout: type 13, Sun-centred, frame 1 (J2000)."""
    from jplephem.spk import SPK

    spk = SPK.open(str(kernel))
    try:
        segs = list(spk.segments)
        assert [(s.target, s.center, s.frame, s.data_type) for s in segs] == [(NAIF, 10, 1, 13)] * 2
        assert [(s.start_second, s.end_second) for s in segs] == [(leg.t_depart, leg.t_arrive)
                                                                for leg in plan.legs]
        assert [s.source.decode().strip() for s in segs] == ["Ulysses outbound", "Ulysses return"]
        assert "stay at Mars is not included" in spk.comments()
    finally:
        spk.close()


def test_spk_json_summary(capsys, tmp_path):
    pytest.importorskip("spiceypy")
    assert main(["export", ULYSSES, "--spk", str(tmp_path / "u.bsp"), "--step-hours", "24", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    s = data["spk"]
    assert (s["type"], s["center"], s["frame"], s["naif_id"]) == (13, 10, "J2000", -1000)
    assert [seg["states"] for seg in s["segments"]] == [281, 281]  # 280 days at 1 day, both ends
    assert data["oem"] is None and data["outputs"] == [str(tmp_path / "u.bsp")]


def test_without_spiceypy_a_one_line_error(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "spiceypy", None)  # import spiceypy now raises ImportError
    path = tmp_path / "u.bsp"
    assert main(["export", ULYSSES, "--spk", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'sojourn[spice]'" in err and err.startswith("error: ")
    assert not path.exists()


@pytest.mark.parametrize("args, where", [
    (["--spk", "{d}/u.spk"], "--spk"),
    (["--spk", "{d}/u.bsp", "--naif-id", "10"], "--naif-id"),
    (["--spk", "{d}/u.bsp", "--oem", "{d}/u.bsp"], "--oem"),
])
def test_bad_spk_options(capsys, tmp_path, args, where):
    assert main(["export", ULYSSES, *(a.format(d=tmp_path) for a in args)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and f"({where})" in err
    assert list(tmp_path.iterdir()) == []


def test_export_spk_from_python(plan, tmp_path):
    pytest.importorskip("spiceypy")
    k = sj.export_spk(plan, tmp_path / "u.bsp", naif_id=-77, step_s=43200)
    assert (k.naif_id, k.step_s, k.states) == (-77, 43200.0, 1122)
    assert [(s.start_et, s.stop_et) for s in k.segments] == [(leg.t_depart, leg.t_arrive) for leg in plan.legs]
    assert k.to_dict()["segments"][1]["segment_id"] == "Ulysses return"
    for kwargs, where in (({"naif_id": 5}, "naif_id"), ({"naif_id": 1.5}, "naif_id"), ({"step_s": 0.5}, "step_s"),
                          ({"step_s": 150 * 86400}, "step_s")):
        with pytest.raises(InputError) as exc:
            sj.export_spk(plan, tmp_path / "v.bsp", **kwargs)
        assert exc.value.where == where
    assert sorted(p.name for p in tmp_path.iterdir()) == ["u.bsp"]
