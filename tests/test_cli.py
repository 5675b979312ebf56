"""The command line, driven in-process through ``sojourn.cli.main``.

design.md: the CLI is thin; a user mistake prints one line ``error: <what>
(<where>)`` on stderr and exits with status 2, without a traceback, and files
are written to a temporary name and renamed so that a failure leaves no output.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

from sojourn.cli import main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NETCDF_MAGICS = (b"CDF\x01", b"CDF\x02", b"\x89HDF\r\n\x1a\n")

BEST_FIELDS = {"launch", "arrival", "c3", "transfer_type", "criterion"}
WINDOW_FIELDS = {"opportunity", "transfer_type", "criterion", "launch", "arrival", "tof_days", "c3",
                 "vinf_arrival"}

# a small grid over the 2026 opportunity: 25 x 50 cells at a 5-day step (both ends included)
PORKCHOP = ["porkchop", "--from", "earth", "--to", "mars",
            "--launch", "2026-09-01:2027-01-01", "--arrive", "2027-05-01:2028-01-01", "--step", "5"]


def _replace(argv: list[str], option: str, value: str) -> list[str]:
    """Set ``option`` to ``value``: replaced where the command has it, appended where not."""
    argv = list(argv)
    if option not in argv:
        return argv + [option, value]
    argv[argv.index(option) + 1] = value
    return argv


# --- help ---------------------------------------------------------------------------------


def test_help_in_a_subprocess():
    proc = subprocess.run([sys.executable, "-m", "sojourn", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    # the core commands and those that register themselves from sojourn/commands
    for command in ("porkchop", "windows", "plan", "survey", "race", "aborts", "crew", "report", "export"):
        assert command in proc.stdout
    assert "Traceback" not in proc.stderr


def test_command_help_in_process(capsys):
    assert main(["porkchop", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--from", "--to", "--launch", "--arrive", "--step", "--out", "--data", "--json"):
        assert option in out


# --- porkchop ----------------------------------------------------------------------------------


def test_porkchop_json(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(PORKCHOP + ["--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    summary = json.loads(captured.out)
    assert summary["from"] == "earth" and summary["to"] == "mars"
    assert summary["ephemeris"] == "de421.bsp"
    assert "centre" in summary["departure_point"]
    assert summary["launch_window"][0] == "2026-09-01T00:00:00"
    assert summary["arrival_window"][0] == "2027-05-01T00:00:00"
    assert summary["ridge_deg"] == 1.0 and summary["ridge_cells"] >= 0
    assert summary["cells"] == 25 * 50
    assert 0 < summary["solved"] <= summary["cells"]
    best = summary["best"]
    assert sorted((b["transfer_type"], b["criterion"]) for b in best) == [
        ("I", "min_c3"), ("I", "min_vinf"), ("II", "min_c3"), ("II", "min_vinf")]
    for b in best:
        assert BEST_FIELDS <= set(b)
        assert np.datetime64(b["launch"]) < np.datetime64(b["arrival"])
        assert b["launch_utc"].startswith(b["launch"]) and len(b["launch_utc"]) == 19
        assert 5.0 < b["c3"] < 30.0  # the 2026 opportunity is a cheap one
    assert summary["outputs"] == []
    assert list(tmp_path.iterdir()) == []  # nothing written without --out/--data


def test_porkchop_c3_max_json(capsys):
    assert main(PORKCHOP + ["--json", "--c3-max", "10"]) == 0
    best = json.loads(capsys.readouterr().out)["best"]
    assert best and all(b["c3"] <= 10.0 for b in best)


def test_porkchop_writes_plot_and_data(capsys, tmp_path):
    png, nc = tmp_path / "x.png", tmp_path / "x.nc"
    assert main(PORKCHOP + ["--json", "--out", str(png), "--data", str(nc)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["outputs"] == [str(png), str(nc)]
    assert png.read_bytes()[:8] == PNG_MAGIC
    assert nc.read_bytes()[:8].startswith(NETCDF_MAGICS)
    with xr.open_dataset(nc) as ds:
        assert ds.sizes == {"launch": 25, "arrival": 50}
        assert {"c3_launch", "vinf_arrival", "tof_days", "status", "transfer_type"} <= set(ds.data_vars)
        assert ds.launch.dtype.kind == "M"
        assert ds.attrs["departure_point"] == summary["departure_point"]
        c3 = ds.c3_launch.values
        assert np.nanmin(c3) == pytest.approx(min(b["c3"] for b in summary["best"]))
    # only the two outputs: no temporary file left beside them
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.nc", "x.png"]


def test_porkchop_table(capsys):
    assert main(PORKCHOP) == 0
    captured = capsys.readouterr()
    # a rich table (wrapped to the captured console's width): title and both types
    assert "earth → mars" in captured.out and "1,250 of 1,250 cells solved" in captured.out
    assert "II" in captured.out
    assert captured.err == ""


# --- windows -----------------------------------------------------------------------------------


def test_windows_json(capsys):
    assert main(["windows", "--start", "2005-01-01", "--end", "2005-12-31", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    records = json.loads(captured.out)
    assert isinstance(records, list) and len(records) == 4
    for r in records:
        assert WINDOW_FIELDS <= set(r)
        assert r["opportunity"] == 2005
    # NASA/TM-2010-216764 Appendix A (references.md): 2005 type II least C3 about 15.445 km^2/s^2
    (r,) = [r for r in records if (r["transfer_type"], r["criterion"]) == ("II", "min_c3")]
    assert r["c3"] == pytest.approx(15.445, rel=0.003)


# --- bad input ---------------------------------------------------------------------------------

GOOD_LAUNCH = "2026-09-01:2027-01-01"

BAD_PORKCHOP = [
    # (id, (option, value) replaced in a good command, option the error must name)
    ("launch-window-reversed", ("--launch", "2027-01-01:2026-09-01"), "--launch"),
    ("launch-window-empty", ("--launch", "2026-09-01:2026-09-01"), "--launch"),
    ("arrival-window-reversed", ("--arrive", "2028-01-01:2027-05-01"), "--arrive"),
    ("arrival-before-launch", ("--arrive", "2025-05-01:2026-01-01"), "--arrive"),
    ("unknown-body-to", ("--to", "vulcan"), "--to"),
    ("unknown-body-from", ("--from", "krypton"), "--from"),
    ("step-zero", ("--step", "0"), "--step"),
    ("step-negative", ("--step", "-5"), "--step"),
    ("step-nan", ("--step", "nan"), "--step"),
    ("step-not-a-number", ("--step", "abc"), "--step"),
    ("step-too-fine-for-memory", ("--step", "0.0001"), "--step"),
    ("c3-cap-negative", ("--c3-max", "-5"), "--c3-max"),
    ("c3-cap-nan", ("--c3-max", "nan"), "--c3-max"),
    ("launch-outside-ephemeris", ("--launch", "2060-09-01:2061-01-01", "--arrive", "2061-05-01:2062-01-01"),
     "--launch"),
    ("arrival-outside-ephemeris", ("--arrive", "2027-05-01:2060-01-01"), "--arrive"),
    ("malformed-date", ("--launch", "2026-13-01:2027-01-01"), "--launch"),
    ("impossible-date", ("--launch", "2026-02-30:2027-01-01"), "--launch"),
    ("not-a-window", ("--launch", "2026-09-01"), "--launch"),
    ("unsupported-out-suffix", ("--out", "x.jpg"), "--out"),
    ("out-in-missing-directory", ("--out", "missing/x.png"), "--out"),
    ("unsupported-data-suffix", ("--data", "x.csv"), "--data"),
    ("data-in-missing-directory", ("--data", "missing/x.nc"), "--data"),
]


def _assert_one_error_line(captured, option: str | None):
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in captured.err
    if option is not None:
        assert option in lines[0], lines[0]


@pytest.mark.parametrize("change, option", [(c, o) for _, c, o in BAD_PORKCHOP],
                         ids=[i for i, _, _ in BAD_PORKCHOP])
def test_porkchop_bad_input(capsys, tmp_path, change, option):
    png, nc = tmp_path / "out.png", tmp_path / "out.nc"
    argv = PORKCHOP + ["--out", str(png), "--data", str(nc)]
    for flag, value in zip(change[::2], change[1::2]):
        argv = _replace(argv, flag, str(tmp_path / value) if flag in ("--out", "--data") else value)
    assert main(argv) == 2
    _assert_one_error_line(capsys.readouterr(), option)
    # no output, not even a temporary file
    assert list(tmp_path.iterdir()) == []


def test_porkchop_missing_ephemeris_file(capsys, tmp_path):
    png = tmp_path / "out.png"
    assert main(PORKCHOP + ["--ephemeris", "/nonexistent.bsp", "--out", str(png)]) == 2
    captured = capsys.readouterr()
    _assert_one_error_line(captured, None)
    assert "/nonexistent.bsp" in captured.err
    assert list(tmp_path.iterdir()) == []


BAD_WINDOWS = [
    ("start-after-end", ["--start", "2030", "--end", "2026"], "--end"),
    ("start-date-after-end-date", ["--start", "2027-01-01", "--end", "2026-06-01"], "--end"),
    ("empty-span", ["--start", "2026-01-01", "--end", "2026-01-01"], "--end"),
    ("outside-ephemeris", ["--start", "2060", "--end", "2062"], "--start"),
    ("malformed-start", ["--start", "2026-13-01", "--end", "2027"], "--start"),
    ("step-zero", ["--start", "2026", "--end", "2027", "--step", "0"], "--step"),
    ("step-negative", ["--start", "2026", "--end", "2027", "--step", "-2"], "--step"),
    ("step-too-fine-for-memory", ["--start", "2026", "--end", "2027", "--step", "0.001"], "--step"),
    ("c3-cap-negative", ["--start", "2026", "--end", "2027", "--c3-max", "-1"], "--c3-max"),
    ("unknown-body", ["--start", "2026", "--end", "2027", "--to", "vulcan"], "--to"),
]


@pytest.mark.parametrize("args, option", [(a, o) for _, a, o in BAD_WINDOWS],
                         ids=[i for i, _, _ in BAD_WINDOWS])
def test_windows_bad_input(capsys, args, option):
    assert main(["windows", *args]) == 2
    _assert_one_error_line(capsys.readouterr(), option)


def test_windows_missing_ephemeris_file(capsys):
    assert main(["windows", "--start", "2026", "--end", "2027", "--ephemeris", "/nonexistent.bsp"]) == 2
    captured = capsys.readouterr()
    _assert_one_error_line(captured, None)
    assert "/nonexistent.bsp" in captured.err


def test_unknown_command_and_missing_option(capsys):
    assert main(["launch-rocket"]) == 2
    _assert_one_error_line(capsys.readouterr(), None)
    assert main(["porkchop", "--from", "earth", "--to", "mars", "--launch", GOOD_LAUNCH]) == 2
    _assert_one_error_line(capsys.readouterr(), "--arrive")


def test_out_is_an_existing_directory(capsys, tmp_path):
    # An --out that names a directory is a user mistake like a missing directory:
    # refused with one line before any work, not an IsADirectoryError traceback.
    (tmp_path / "plot.png").mkdir()
    assert main(PORKCHOP + ["--out", str(tmp_path / "plot.png")]) == 2
    _assert_one_error_line(capsys.readouterr(), "--out")
    assert [p.name for p in tmp_path.iterdir()] == ["plot.png"]
    assert list((tmp_path / "plot.png").iterdir()) == []


def test_data_is_an_existing_directory_leaves_no_plot(capsys, tmp_path):
    # The command fails as a whole: the plot asked for beside an unwritable --data
    # must not be left behind either (design.md: a failure leaves no output).
    (tmp_path / "grid.nc").mkdir()
    png = tmp_path / "plot.png"
    assert main(PORKCHOP + ["--out", str(png), "--data", str(tmp_path / "grid.nc")]) == 2
    _assert_one_error_line(capsys.readouterr(), "--data")
    assert [p.name for p in tmp_path.iterdir()] == ["grid.nc"]


def test_ctrl_c_is_one_line_and_status_130(monkeypatch, capsys):
    import sojourn

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sojourn, "porkchop", interrupted)
    monkeypatch.setattr(sojourn, "porkchop_summary", interrupted)  # what a --json-only porkchop calls
    assert main(["porkchop", "--from", "earth", "--to", "mars", "--launch", "2026-09-01:2026-09-02",
                 "--arrive", "2027-06-01:2027-06-02"]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "error: interrupted"
