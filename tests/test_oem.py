"""The CCSDS OEM export, read back with the independent ``oem`` package (PyPI).

The file is parsed by ``oem`` (which validates the KVN layout, the metadata and
the segment order, and raises on a malformed message), its epochs are turned
into TDB by astropy (not by sojourn.time), and its states are compared with
sojourn's own :func:`spacecraft_states` to 1 m and 1 mm/s. The legs must land:
the outbound segment starts at Earth and ends at Mars as DE421 read by skyfield
places them, and the planet-centred segments start and end at the planet's
centre with the leg's v-infinity.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

oem_pkg = pytest.importorskip("oem")
from astropy.time import Time  # noqa: E402  (astropy comes with oem)
from erfa import ErfaWarning  # noqa: E402

import sojourn as sj  # noqa: E402
from sojourn.cli import main  # noqa: E402
from sojourn.errors import InputError  # noqa: E402
from sojourn.export.oem import ascii_text, format_epochs, oem_text, sample_epochs  # noqa: E402
from sojourn.mission.trajectory import spacecraft_states  # noqa: E402
from sojourn.time import DAY, parse_utc, utc_to_tdb  # noqa: E402

# astropy, parsing the file's 2033 epochs, warns that they are past the leap-second table it knows
pytestmark = pytest.mark.filterwarnings("ignore::erfa.ErfaWarning")

ULYSSES = str(Path(__file__).resolve().parents[1] / "examples" / "ulysses.toml")
J2000 = 2451545.0


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def plan(ulysses_plan):
    return ulysses_plan


def _export(capsys, *args) -> dict:
    assert main(["export", ULYSSES, *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _read(path):
    """Open an OEM with the ``oem`` package; each segment as (metadata, TDB s, r km, v km/s)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ErfaWarning)  # 2033 is past the leap-second table: astropy warns
        message = oem_pkg.OrbitEphemerisMessage.open(path)
        segments = []
        for seg in message:
            states = list(seg.states)
            tdb = Time([s.epoch for s in states]).tdb
            t = (tdb.jd1 - J2000) * DAY + tdb.jd2 * DAY
            segments.append((seg.metadata, t, np.array([s.position for s in states]),
                             np.array([s.velocity for s in states])))
    return message, segments


def _epoch_tdb(epoch) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ErfaWarning)
        tdb = epoch.tdb
    return float((tdb.jd1 - J2000) * DAY + tdb.jd2 * DAY)


def _sojourn_states(plan, leg, t):
    """sojourn's states on ``leg`` at epochs ``t``, kept inside the leg.

    Printed epochs are rounded to the microsecond, so the first or last may
    fall a fraction of a microsecond outside the leg, where spacecraft_states
    would answer with the planet instead of the craft.
    """
    return spacecraft_states(plan, np.clip(t, leg.t_depart, leg.t_arrive))


def _skyfield_state(body, t):
    """Heliocentric ICRF state (km, km/s) of ``body`` at TDB ``t`` from DE421 read by skyfield."""
    from skyfield.api import load, load_file

    from sojourn.ephemeris import default_ephemeris_path

    eph = load_file(str(default_ephemeris_path()))
    ts = load.timescale(builtin=True)
    whole = math.floor(t / DAY)
    pos = (eph[body] - eph["sun"]).at(ts.tdb_jd(J2000 + whole, (t - whole * DAY) / DAY))
    return pos.position.km, pos.velocity.km_per_s


def _iers_frame_bias():
    """ICRS -> mean J2000 frame bias B = R1(-eta0) R2(xi0) R3(da0) from the published offsets.

    IERS Conventions (2010), section 5.4.4 and eq. (5.21): xi0 = -16.617 mas,
    eta0 = -6.8192 mas, da0 = -14.6 mas. Rotations as in the IERS Conventions:
    R1(a) = [[1, 0, 0], [0, cos a, sin a], [0, -sin a, cos a]], and so on.
    """
    mas = math.pi / 180.0 / 3600.0 / 1000.0
    xi0, eta0, da0 = -16.617 * mas, -6.8192 * mas, -14.6 * mas

    def r1(a):
        c, s = math.cos(a), math.sin(a)
        return np.array([[1, 0, 0], [0, c, s], [0, -s, c]])

    def r2(a):
        c, s = math.cos(a), math.sin(a)
        return np.array([[c, 0, -s], [0, 1, 0], [s, 0, c]])

    def r3(a):
        c, s = math.cos(a), math.sin(a)
        return np.array([[c, s, 0], [-s, c, 0], [0, 0, 1]])

    return r1(-eta0) @ r2(xi0) @ r3(da0)


@pytest.fixture(scope="module")
def default_oem(tmp_path_factory):
    """UTC, ICRF, default 6-hour step: written by the CLI."""
    path = tmp_path_factory.mktemp("oem") / "ulysses.oem"
    assert main(["export", ULYSSES, "--oem", str(path), "--json"]) == 0
    return path


@pytest.fixture(scope="module")
def planet_oem(tmp_path_factory):
    """TDB, EME2000, 12-hour step, planet-centred segments of 4 days."""
    path = tmp_path_factory.mktemp("oem") / "ulysses-planets.oem"
    assert main(["export", ULYSSES, "--oem", str(path), "--time-system", "TDB", "--frame", "EME2000",
                 "--step-hours", "12", "--planet-segments", "--planet-days", "4", "--json"]) == 0
    return path


# --------------------------------------------------------------------------- heliocentric legs


def test_oem_parses_with_the_mandatory_keys(default_oem, capsys):
    capsys.readouterr()
    message, segments = _read(default_oem)
    assert message.version == "2.0"
    assert message.header["ORIGINATOR"] == "SOJOURN"
    assert "CREATION_DATE" in message.header
    assert len(segments) == 2  # one per coasting leg; the stay at Mars is not a heliocentric coast
    for meta, t, r, v in segments:
        assert meta["OBJECT_NAME"] == "Ulysses"  # the vessel's name
        assert meta["OBJECT_ID"] == "-1000"
        assert meta["CENTER_NAME"] == "SUN"
        assert meta["REF_FRAME"] == "ICRF"
        assert meta["TIME_SYSTEM"] == "UTC"
        assert meta["INTERPOLATION"] == "HERMITE" and meta["INTERPOLATION_DEGREE"] == 7
        assert np.all(np.diff(t) > 0)
    text = default_oem.read_text(encoding="ascii")
    assert text.startswith("CCSDS_OEM_VERS       = 2.0\n")
    assert "stay at Mars is not included" in text


def test_oem_states_match_sojourn_to_a_metre(default_oem, plan):
    _, segments = _read(default_oem)
    for (meta, t, r, v), leg in zip(segments, plan.legs):
        # the segment spans the leg exactly: its end points are sampled
        assert abs(_epoch_tdb(meta["START_TIME"]) - leg.t_depart) < 1e-6
        assert abs(_epoch_tdb(meta["STOP_TIME"]) - leg.t_arrive) < 1e-6
        assert abs(t[0] - leg.t_depart) < 1e-6 and abs(t[-1] - leg.t_arrive) < 1e-6
        steps = np.diff(t)
        assert np.allclose(steps[:-1], 21600.0, atol=1e-5)  # the default 6-hour step (UTC carries no leap here)
        assert 0 < steps[-1] <= 21600.0 * 1.001
        rs, vs = _sojourn_states(plan, leg, t)
        assert np.abs(r - rs).max() < 1e-3  # km: 1 m
        assert np.abs(v - vs).max() < 1e-6  # km/s: 1 mm/s


def test_oem_legs_land_on_the_planets_of_an_independent_ephemeris_reader(default_oem, plan):
    """The outbound arc starts at Earth and ends at Mars (DE421 through skyfield), to 1 m."""
    _, segments = _read(default_oem)
    for (meta, t, r, v), leg in zip(segments, plan.legs):
        r0, v0 = _skyfield_state(leg.origin, t[0])
        r1, v1 = _skyfield_state(leg.destination, t[-1])
        # printed epochs are within 0.5 us of the burn: at ~30 km/s that is under 2 cm
        assert np.linalg.norm(r[0] - r0) < 1e-3
        assert np.linalg.norm(r[-1] - r1) < 1e-3
        # the velocity relative to the planet is the leg's hyperbolic excess speed
        assert abs(np.linalg.norm(v[0] - v0) - leg.vinf_departure) < 1e-6
        assert abs(np.linalg.norm(v[-1] - v1) - leg.vinf_arrival) < 1e-6


def test_oem_interpolates_between_states_to_a_metre(default_oem, plan):
    """The advertised Hermite interpolation (by the oem package) reproduces the arc between samples."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ErfaWarning)
        message = oem_pkg.OrbitEphemerisMessage.open(default_oem)
        worst = 0.0
        for seg, leg in zip(message, plan.legs):
            states = list(seg.states)
            for i in range(0, len(states) - 1, 37):  # ~30 midpoints per leg
                mid = states[i].epoch + (states[i + 1].epoch - states[i].epoch) / 2
                got = seg(mid)
                rs, vs = _sojourn_states(plan, leg, np.array([_epoch_tdb(mid)]))
                worst = max(worst, float(np.linalg.norm(got.position - rs[0])))
    assert worst < 1e-3, f"interpolation error {worst * 1e3:.3f} m"


def test_the_oem_parser_is_a_real_check(default_oem, tmp_path):
    """The oem package refuses malformed messages, so its accepting ours means something."""
    text = default_oem.read_text(encoding="ascii")
    lines = text.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith("2033-"))  # the first state row
    broken = {
        "no STOP_TIME": "\n".join(ln for ln in lines if not ln.startswith("STOP_TIME")),
        "no version line": "\n".join(lines[1:]),
        "a short state row": text.replace(lines[-2], " ".join(lines[-2].split()[:5]), 1),
        "epochs out of order": "\n".join(lines[:i] + [lines[i + 1], lines[i]] + lines[i + 2:]),
        "a state row with a letter": text.replace(lines[i + 3], lines[i + 3].replace(".", "x", 2), 1),
    }
    for what, content in broken.items():
        bad = tmp_path / "bad.oem"
        bad.write_text(content)
        with pytest.raises((ValueError, KeyError)):  # KeyError: a missing mandatory keyword
            oem_pkg.OrbitEphemerisMessage.open(bad)


# --------------------------------------------------------------------------- planet segments, TDB, EME2000


def test_planet_segments_tdb_eme2000(planet_oem, plan):
    _, segments = _read(planet_oem)
    assert [m["CENTER_NAME"] for m, *_ in segments] == ["EARTH", "SUN", "MARS", "MARS", "SUN", "EARTH"]
    assert {m["TIME_SYSTEM"] for m, *_ in segments} == {"TDB"}
    assert {m["REF_FRAME"] for m, *_ in segments} == {"EME2000"}
    bias = _iers_frame_bias()
    # 23 mas moves a position at 1.5 AU by ~17 km: the frame choice is not cosmetic
    assert np.degrees(np.arccos((np.trace(bias) - 1) / 2)) * 3.6e6 == pytest.approx(23.0, abs=1.0)
    from sojourn.ephemeris import load_ephemeris

    eph = load_ephemeris()
    pad = 4 * DAY
    for k, leg in enumerate(plan.legs):
        first, helio, last = segments[3 * k: 3 * k + 3]
        # useable spans hand over without overlap: planet, Sun, planet (at the whole UTC millisecond
        # nearest to 4 days from the burn)
        assert abs(_epoch_tdb(helio[0]["USEABLE_START_TIME"]) - (leg.t_depart + pad)) < 5e-4
        assert abs(_epoch_tdb(helio[0]["USEABLE_STOP_TIME"]) - (leg.t_arrive - pad)) < 5e-4
        assert abs(first[1][-1] - _epoch_tdb(helio[0]["USEABLE_START_TIME"])) < 1e-6
        assert abs(last[1][0] - _epoch_tdb(helio[0]["USEABLE_STOP_TIME"])) < 1e-6
        # 12 h of UTC is 12 h of TDB to a few microseconds (TDB - UTC drifts by ~1.7 ms over a year)
        assert np.allclose(np.diff(helio[1])[:-1], 43200.0, atol=1e-5)
        # heliocentric segment: sojourn's ICRF states through the published frame bias
        meta, t, r, v = helio
        rs, vs = _sojourn_states(plan, leg, t)
        assert np.abs(r - rs @ bias.T).max() < 1e-3
        assert np.abs(v - vs @ bias.T).max() < 1e-6
        # planet segments: the same arc minus the planet
        for (meta, t, r, v), body in ((first, leg.origin), (last, leg.destination)):
            assert meta["CENTER_NAME"] == body.upper()
            rs, vs = _sojourn_states(plan, leg, t)
            rb, vb = eph.state(body, t)
            assert np.abs(r - (rs - rb) @ bias.T).max() < 1e-3
            assert np.abs(v - (vs - vb) @ bias.T).max() < 1e-6
        # the arc leaves the departure planet's centre at v-infinity and reaches the arrival planet's
        assert np.linalg.norm(first[2][0]) < 1e-3
        assert np.linalg.norm(first[3][0]) == pytest.approx(leg.vinf_departure, abs=1e-6)
        assert np.linalg.norm(last[2][-1]) < 1e-3
        assert np.linalg.norm(last[3][-1]) == pytest.approx(leg.vinf_arrival, abs=1e-6)
        # and moves away: 4 days at v-infinity of 2.8-3.7 km/s is roughly a million km
        assert np.linalg.norm(first[2][-1]) == pytest.approx(leg.vinf_departure * pad, rel=0.05)


# --------------------------------------------------------------------------- pieces


def test_sample_epochs_keep_both_ends_exactly():
    t = sample_epochs(100.0, 100.0 + 10 * 3600.0 + 5.0, 3600.0)
    assert t[0] == 100.0 and t[-1] == 100.0 + 10 * 3600.0 + 5.0
    assert np.allclose(np.diff(t)[:-1], 3600.0) and np.diff(t)[-1] == pytest.approx(5.0)
    # a regular epoch within a thousandth of a step of the end is dropped, not duplicated
    t = sample_epochs(0.0, 7200.0 + 10.0, 3600.0)
    assert list(t) == [0.0, 3600.0, 7200.0, 7210.0]
    t = sample_epochs(0.0, 7200.0 + 1.0, 3600.0)
    assert list(t) == [0.0, 3600.0, 7201.0]


def test_epochs_print_leap_seconds_and_tdb():
    leap = utc_to_tdb(2016, 12, 31, 23, 59, 60.25)
    assert format_epochs([leap], "UTC") == ["2016-12-31T23:59:60.250000"]
    # J2000 is 2000-01-01T12:00:00 TDB, which is 11:58:55.816 UTC (TT - UTC = 64.184 s then; TDB - TT ~ 0)
    assert format_epochs([0.0], "TDB") == ["2000-01-01T12:00:00.000000"]
    assert format_epochs([0.0], "UTC")[0].startswith("2000-01-01T11:58:55.81")


def test_kvn_text_is_ascii():
    assert ascii_text("Sofía Delgado Ruiz, Δv 3 km/s") == "Sofia Delgado Ruiz, dv 3 km/s"


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("args, where", [
    ([], "export"),
    (["--oem", "{d}/x.png"], "--oem"),
    (["--oem", "{d}/missing/x.oem"], "--oem"),
    (["--oem", "{d}/x.oem", "--time-system", "TT"], "--time-system"),
    (["--oem", "{d}/x.oem", "--frame", "ECLIPJ2000"], "--frame"),
    (["--oem", "{d}/x.oem", "--step-seconds", "0"], "--step-seconds"),
    (["--oem", "{d}/x.oem", "--step-seconds", "0.01"], "--step-seconds"),
    (["--oem", "{d}/x.oem", "--step-hours", "-1"], "--step-hours"),
    (["--oem", "{d}/x.oem", "--step-hours", "0.0001"], "--step-hours"),
    (["--oem", "{d}/x.oem", "--step-seconds", "60", "--step-hours", "1"], "--step-hours"),
    (["--oem", "{d}/x.oem", "--ephemeris", "{d}/missing.bsp"], "--ephemeris"),
    (["--oem", "{d}/x.oem", "--planet-segments", "--planet-days", "0"], "--planet-days"),
    (["--oem", "{d}/x.oem", "--naif-id", "5"], "--naif-id"),
])
def test_bad_options_one_line_exit_2_before_any_work(capsys, tmp_path, args, where):
    argv = ["export", ULYSSES, *(a.format(d=tmp_path) for a in args)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and f"({where})" in err
    assert list(tmp_path.iterdir()) == []


def test_errors_found_after_planning_leave_no_file_and_keep_an_old_one(capsys, tmp_path, plan):
    path = tmp_path / "old.oem"
    path.write_text("previous content")
    # planet segments longer than half the 280-day legs; too many states for a 1 s step over 932 days
    for kwargs, where, words in (({"planet_segments": True, "planet_days": 150}, "planet_days",
                                  "planet segments of 150 days would overlap"),
                                 ({"step_s": 1}, "step_s", "more than 1,000,000")):
        with pytest.raises(InputError) as exc:
            sj.export_oem(plan, path, **kwargs)
        assert exc.value.where == where and words in exc.value.message
    # through the command: a step so coarse that a 280-day leg has 4 states, naming the option used
    assert main(["export", ULYSSES, "--oem", str(path), "--step-hours", "2500"]) == 2
    err = capsys.readouterr().err
    assert "only 4 states: at least 5" in err and "(--step-hours)" in err and err.count("\n") == 1
    assert path.read_text() == "previous content"
    assert [p.name for p in tmp_path.iterdir()] == ["old.oem"]


def test_missing_scenario_is_a_one_line_error(capsys, tmp_path):
    assert main(["export", str(tmp_path / "nope.toml"), "--oem", str(tmp_path / "x.oem")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: scenario file not found") and err.count("\n") == 1


def test_json_summary(capsys, tmp_path, plan):
    data = _export(capsys, "--oem", str(tmp_path / "u.oem"), "--step-hours", "24")
    assert data["oem"]["format"] == "CCSDS OEM 2.0 (KVN)"
    assert data["object_name"] == "Ulysses" and data["spk"] is None
    assert data["oem"]["step_s"] == 86400.0
    segs = data["oem"]["segments"]
    assert [s["label"] for s in segs] == ["outbound transit", "return transit"]
    # 280-day legs at a 1-day step: 281 states each (both ends)
    assert [s["states"] for s in segs] == [round(leg.tof_days) + 1 for leg in plan.legs]
    assert data["oem"]["states"] == sum(s["states"] for s in segs)
    assert data["outputs"] == [str(tmp_path / "u.oem")]


# --------------------------------------------------------------------------- the library


def _odd_plan():
    """A plan made by hand whose burns fall between whole milliseconds (0.4321234 s past the minute)."""
    from sojourn.mission.plan import Leg, Plan

    t = [parse_utc(d) + 0.4321234 for d in ("2033-04-25T00:00", "2034-01-30T00:00", "2035-02-06T00:00",
                                            "2035-11-13T00:00")]
    legs = (Leg.between("earth", "mars", t[0], t[1]), Leg.between("mars", "earth", t[2], t[3]))
    return Plan(scenario_name="Odd", objective="min_total_dv", ephemeris="de421.bsp", events=(), burns=(),
                legs=legs, total_dv_kms=0.0, total_days=(t[3] - t[0]) / DAY, stay_days=(t[2] - t[1]) / DAY,
                budget=None)


@pytest.mark.parametrize("time_system", ["UTC", "TDB"])
def test_epochs_land_on_whole_milliseconds_of_utc(time_system):
    """Issue 12: the sampled instants are whole UTC milliseconds, the burns' included (rounded inward)."""
    plan = _odd_plan()
    text = oem_text(plan, time_system=time_system, step_s=6 * 3600 + 0.25, planet_segments=True)
    rows = [ln.split()[0] for ln in text.splitlines() if ln[:4].isdigit()]
    assert len(rows) > 2000
    t = np.array([utc_to_tdb(*_fields(r)) if time_system == "UTC" else _tdb(r) for r in rows])
    # within a microsecond of a whole millisecond of UTC (a TDB epoch is printed to the microsecond)
    off = [min(int(u[-3:]), 1000 - int(u[-3:])) for u in format_epochs(t, "UTC")]
    assert max(off) <= 1
    if time_system == "UTC":
        assert all(r.endswith("000") for r in rows)
    # the first state of each leg is the first whole millisecond after its burn: inside the leg, within 1 ms
    for leg in plan.legs:
        inside = t[(t >= leg.t_depart - 1e-6) & (t <= leg.t_arrive + 1e-6)]
        assert 0 <= inside.min() - leg.t_depart < 1e-3 and 0 <= leg.t_arrive - inside.max() < 1e-3


def _fields(epoch: str):
    date, clock = epoch.split("T")
    y, mo, d = (int(x) for x in date.split("-"))
    h, mi, sec = clock.split(":")
    return y, mo, d, int(h), int(mi), float(sec)


def _tdb(epoch: str) -> float:
    from erfa import dtf2d

    y, mo, d, h, mi, sec = _fields(epoch)
    d1, d2 = dtf2d("TDB", y, mo, d, h, mi, sec)
    return float(((d1 - J2000) + d2) * DAY)


def test_a_step_too_coarse_for_a_leg_is_refused():
    with pytest.raises(InputError) as exc:
        oem_text(_odd_plan(), step_s=100 * DAY)
    assert exc.value.where == "step_s" and "only 4 states" in exc.value.message
    assert "(a step of at most" in exc.value.message
    with pytest.raises(InputError) as exc:
        oem_text(_odd_plan(), step_s=DAY, planet_segments=True)  # 3-day planet segments: 4 states
    assert exc.value.where == "step_s" and "first 3 days about Earth only 4 states" in exc.value.message


def test_export_oem_writes_what_oem_text_gives(plan, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    f = sj.export_oem(plan, tmp_path / "u.oem", step_s=86400, frame="eme2000", time_system="tdb")
    assert (tmp_path / "u.oem").read_text(encoding="ascii") == oem_text(plan, step_s=86400, frame="EME2000",
                                                                          time_system="TDB")
    assert (f.frame, f.time_system, f.states, f.path) == ("EME2000", "TDB", 562, str(tmp_path / "u.oem"))
    assert f.to_dict()["segments"][0]["states"] == 281


def test_export_refuses_to_overwrite_an_input(plan, tmp_path, monkeypatch, capsys):
    """Issue 12: an output that is the scenario, the ephemeris or the other output is refused before any
    work, however it is spelt (relative, ./, .., symbolic link), by the command and by the library."""
    from sojourn.ephemeris import default_ephemeris_path

    monkeypatch.chdir(tmp_path)
    scenario = tmp_path / "u.txt"
    scenario.write_text(Path(ULYSSES).read_text())
    (tmp_path / "link.txt").symlink_to(scenario)
    mine = tmp_path / "mine.bsp"
    mine.write_bytes(default_ephemeris_path().read_bytes())
    eph_txt = tmp_path / "eph.txt"
    eph_txt.symlink_to(mine)
    (tmp_path / "a.oem").write_text("old")
    (tmp_path / "b.bsp").symlink_to(tmp_path / "a.oem")
    cases = [
        (["u.txt", "--oem", "u.txt"], "--oem", "is the scenario it reads"),
        (["u.txt", "--oem", "./u.txt"], "--oem", "is the scenario it reads"),
        (["./u.txt", "--oem", "../" + tmp_path.name + "/u.txt"], "--oem", "is the scenario it reads"),
        (["link.txt", "--oem", "u.txt"], "--oem", "is the scenario it reads"),
        ([ULYSSES, "--spk", "mine.bsp", "--ephemeris", "mine.bsp"], "--spk", "is the ephemeris it reads"),
        ([ULYSSES, "--spk", "./mine.bsp", "--ephemeris", str(mine)], "--spk", "is the ephemeris it reads"),
        ([ULYSSES, "--oem", "eph.txt", "--ephemeris", "mine.bsp"], "--oem", "is the ephemeris it reads"),
        ([ULYSSES, "--oem", "a.oem", "--spk", "b.bsp"], "--spk", "is also the oem output"),
    ]
    for argv, where, words in cases:
        assert main(["export", *argv]) == 2
        err = capsys.readouterr().err
        assert words in err and f"({where})" in err and err.count("\n") == 1, err
    assert scenario.read_text() == Path(ULYSSES).read_text()
    assert mine.read_bytes() == default_ephemeris_path().read_bytes()
    assert (tmp_path / "a.oem").read_text() == "old"
    # the library refuses the same, naming its parameter
    for call in (lambda: sj.export_oem("u.txt", "./u.txt"),
                 lambda: sj.export_oem(plan, "eph.txt", ephemeris="mine.bsp"),
                 lambda: sj.export_spk(plan, "mine.bsp", ephemeris=str(mine)),
                 lambda: sj.export_spk(plan, str(default_ephemeris_path().with_suffix(".bsp")))):
        with pytest.raises(InputError) as exc:
            call()
        assert exc.value.where == "path" and "it reads" in exc.value.message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.oem", "b.bsp", "eph.txt", "link.txt", "mine.bsp",
                                                          "u.txt"]
