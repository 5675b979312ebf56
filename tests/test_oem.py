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

from sojourn.cli import main  # noqa: E402
from sojourn.export.oem import ascii_text, format_epochs, sample_epochs  # noqa: E402
from sojourn.mission.plan import plan_mission  # noqa: E402
from sojourn.mission.scenario import load_scenario  # noqa: E402
from sojourn.mission.trajectory import spacecraft_states  # noqa: E402
from sojourn.time import DAY, utc_to_tdb  # noqa: E402

# astropy, parsing the file's 2033 epochs, warns that they are past the leap-second table it knows
pytestmark = pytest.mark.filterwarnings("ignore::erfa.ErfaWarning")

ULYSSES = str(Path(__file__).resolve().parents[1] / "examples" / "ulysses.toml")
J2000 = 2451545.0


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def plan():
    return plan_mission(load_scenario(ULYSSES))


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
    return spacecraft_states(plan, np.clip(t, leg["t_depart"], leg["t_arrive"]))


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
        assert abs(_epoch_tdb(meta["START_TIME"]) - leg["t_depart"]) < 1e-6
        assert abs(_epoch_tdb(meta["STOP_TIME"]) - leg["t_arrive"]) < 1e-6
        assert abs(t[0] - leg["t_depart"]) < 1e-6 and abs(t[-1] - leg["t_arrive"]) < 1e-6
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
        r0, v0 = _skyfield_state(leg["from"], t[0])
        r1, v1 = _skyfield_state(leg["to"], t[-1])
        # printed epochs are within 0.5 us of the burn: at ~30 km/s that is under 2 cm
        assert np.linalg.norm(r[0] - r0) < 1e-3
        assert np.linalg.norm(r[-1] - r1) < 1e-3
        # the velocity relative to the planet is the leg's hyperbolic excess speed
        assert abs(np.linalg.norm(v[0] - v0) - leg["vinf_departure"]) < 1e-6
        assert abs(np.linalg.norm(v[-1] - v1) - leg["vinf_arrival"]) < 1e-6


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
        # useable spans hand over without overlap: planet, Sun, planet
        assert abs(_epoch_tdb(helio[0]["USEABLE_START_TIME"]) - (leg["t_depart"] + pad)) < 1e-6
        assert abs(_epoch_tdb(helio[0]["USEABLE_STOP_TIME"]) - (leg["t_arrive"] - pad)) < 1e-6
        assert abs(first[1][-1] - (leg["t_depart"] + pad)) < 1e-6
        assert abs(last[1][0] - (leg["t_arrive"] - pad)) < 1e-6
        assert np.allclose(np.diff(helio[1])[:-1], 43200.0, atol=1e-5)  # TDB epochs: exact steps
        # heliocentric segment: sojourn's ICRF states through the published frame bias
        meta, t, r, v = helio
        rs, vs = _sojourn_states(plan, leg, t)
        assert np.abs(r - rs @ bias.T).max() < 1e-3
        assert np.abs(v - vs @ bias.T).max() < 1e-6
        # planet segments: the same arc minus the planet
        for (meta, t, r, v), body in ((first, leg["from"]), (last, leg["to"])):
            assert meta["CENTER_NAME"] == body.upper()
            rs, vs = _sojourn_states(plan, leg, t)
            rb, vb = eph.state(body, t)
            assert np.abs(r - (rs - rb) @ bias.T).max() < 1e-3
            assert np.abs(v - (vs - vb) @ bias.T).max() < 1e-6
        # the arc leaves the departure planet's centre at v-infinity and reaches the arrival planet's
        assert np.linalg.norm(first[2][0]) < 1e-3
        assert np.linalg.norm(first[3][0]) == pytest.approx(leg["vinf_departure"], abs=1e-6)
        assert np.linalg.norm(last[2][-1]) < 1e-3
        assert np.linalg.norm(last[3][-1]) == pytest.approx(leg["vinf_arrival"], abs=1e-6)
        # and moves away: 4 days at v-infinity of 2.8-3.7 km/s is roughly a million km
        assert np.linalg.norm(first[2][-1]) == pytest.approx(leg["vinf_departure"] * pad, rel=0.05)


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
    (["--oem", "{d}/x.oem", "--step", "0"], "--step"),
    (["--oem", "{d}/x.oem", "--step", "0.01"], "--step"),
    (["--oem", "{d}/x.oem", "--step-hours", "-1"], "--step-hours"),
    (["--oem", "{d}/x.oem", "--step", "60", "--step-hours", "1"], "--step-hours"),
    (["--oem", "{d}/x.oem", "--planet-segments", "--planet-days", "0"], "--planet-days"),
    (["--oem", "{d}/x.oem", "--naif-id", "5"], "--naif-id"),
])
def test_bad_options_one_line_exit_2_before_any_work(capsys, tmp_path, args, where):
    argv = ["export", ULYSSES, *(a.format(d=tmp_path) for a in args)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and f"({where})" in err
    assert list(tmp_path.iterdir()) == []


def test_errors_found_after_planning_leave_no_file_and_keep_an_old_one(capsys, tmp_path):
    path = tmp_path / "old.oem"
    path.write_text("previous content")
    # planet segments longer than half the 280-day legs
    assert main(["export", ULYSSES, "--oem", str(path), "--planet-segments", "--planet-days", "150"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: planet segments of 150 days would overlap") and err.count("\n") == 1
    # too many states for a 1 s step over 932 days
    assert main(["export", ULYSSES, "--oem", str(path), "--step", "1"]) == 2
    assert "more than 1,000,000" in capsys.readouterr().err
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
    assert [s["states"] for s in segs] == [round(leg["tof_days"]) + 1 for leg in plan.legs]
    assert data["oem"]["states"] == sum(s["states"] for s in segs)
    assert data["outputs"] == [str(tmp_path / "u.oem")]
