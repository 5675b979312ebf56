"""A battery of user mistakes on every command: one line, exit status 2, nothing written or changed.

Each case runs in a scratch directory holding a copy of the Ulysses scenario (``u.toml``), a second
scenario (``b.toml``), a crew file, a symbolic link to the scenario and an existing figure. After the
command, the directory must hold exactly the same files with exactly the same bytes: no output, no
temporary file, no input overwritten. stderr is one line, ``error: <what> (<where>)``, naming the
option (or the file and key) at fault, and stdout is empty.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sojourn.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

PORK = ["porkchop", "--from", "earth", "--to", "mars", "--launch", "2026-09-01:2026-10-01",
        "--arrive", "2027-06-01:2027-07-01"]

CASES = [
    # --- bodies that cannot be the ends of a transfer (the same rule everywhere) ---
    (["porkchop", "--from", "earth", "--to", "moon", "--launch", "2026-09-01:2026-10-01",
      "--arrive", "2027-06-01:2027-07-01"], "--to", "Moon moves with the Earth"),
    (["porkchop", "--from", "sun", "--to", "mars", "--launch", "2026-09-01:2026-10-01",
      "--arrive", "2027-06-01:2027-07-01"], "--from", "the Sun cannot"),
    (["porkchop", "--from", "earth", "--to", "emb", "--launch", "2026-09-01:2026-10-01",
      "--arrive", "2027-06-01:2027-07-01"], "--to", "one point"),
    (["porkchop", "--from", "earth", "--to", "earth", "--launch", "2026-09-01:2026-10-01",
      "--arrive", "2027-06-01:2027-07-01"], "--to", "same body"),
    (["porkchop", "--from", "vulcan", "--to", "mars", "--launch", "2026-09-01:2026-10-01",
      "--arrive", "2027-06-01:2027-07-01"], "--from", "unknown body"),
    (["windows", "--from", "earth", "--to", "moon", "--start", "2026", "--end", "2027"], "--to", "Moon"),
    # --- dates and windows ---
    (PORK[:6] + ["2026-13-01:2026-10-01", "--arrive", "2027-06-01:2027-07-01"], "--launch", "malformed date"),
    (PORK[:6] + ["2026-10-01:2026-09-01", "--arrive", "2027-06-01:2027-07-01"], "--launch", "ends before"),
    (PORK[:6] + ["2026-09-01:2026-09-01", "--arrive", "2027-06-01:2027-07-01"], "--launch", "empty"),
    (PORK[:6] + ["2026-09-01:2026-10-01", "--arrive", "2026-01-01:2026-02-01"], "--arrive", "before the launch"),
    (PORK[:6] + ["1850-01-01:1850-02-01", "--arrive", "1851-01-01:1851-02-01"], "--launch", "outside the ephemeris"),
    (["windows", "--start", "2030", "--end", "2026"], "--end", "ends before it starts"),
    (["windows", "--start", "twenty", "--end", "2026"], "--start", "malformed date"),
    (["comms", "--start", "2026", "--end", "2027", "--from", "earth", "--to", "earth"], "--to", "same body"),
    (["free-return", "--launch", "2018-01-01:2017-01-01"], "--launch", "ends before"),
    (["survey", "--mission", "u.toml", "--start", "2026", "--end", "2025"], "--end", "span"),
    # --- steps, caps and counts ---
    (PORK + ["--step", "0"], "--step", "positive"),
    (PORK + ["--step", "-1"], "--step", "positive"),
    (PORK + ["--step", "nan"], "--step", "finite"),
    (PORK + ["--step", "abc"], "--step", "expected a number"),
    (PORK + ["--step", "0.0001"], "--step", "cells, more than"),
    (PORK + ["--c3-max", "0"], "--c3-max", "positive"),
    (PORK + ["--c3-max", "-5"], "--c3-max", "positive"),
    (["plan", "u.toml", "--step", "0"], "--step", "positive"),
    (["plan", "u.toml", "--step", "0.001"], "--step", "cells, more than"),
    (["race", "u.toml", "b.toml", "--step", "0"], "--step", "positive"),
    (["aborts", "u.toml", "--step", "40"], "--step", "at most 30"),
    (["aborts", "u.toml", "--max-return-days", "5"], "--max-return-days", "between"),
    (["aborts", "u.toml", "--min-flyby-alt", "-10"], "--min-flyby-alt", "at least 0"),
    (["free-return", "--launch", "2018-01-01:2018-02-01", "--max-days", "10"], "--max-days", "at least"),
    (["free-return", "--launch", "2018-01-01:2018-02-01", "--rank", "cheapest"], "--rank", "unknown"),
    (["free-return", "--launch", "2018-01-01:2018-02-01", "--top", "0"], "--top", "at least 1"),
    (["dispersions", "u.toml", "--samples", "1"], "--samples", "at least 2"),
    (["dispersions", "u.toml", "--seed", "-3"], "--seed", "at least 0"),
    (["dispersions", "u.toml", "--pointing-deg", "-1"], "--pointing-deg", ""),
    (["dispersions", "u.toml", "--leg", "sideways"], "--leg", "unknown leg"),
    (["verify", "u.toml", "--leg", "sideways"], "--leg", "unknown leg"),
    (["crew", "u.toml", "--shielding", "-1"], "--shielding", "positive"),
    (["crew", "u.toml", "--solar-amplitude", "1.5"], "--solar-amplitude", ""),
    (["crew", "u.toml", "--solar-minimum", "sometime"], "--solar-minimum", "malformed date"),
    (["comms", "--start", "2026", "--end", "2027", "--threshold", "200"], "--threshold", "between"),
    (["export", "u.toml"], "export", "nothing to write"),
    (["export", "u.toml", "--oem", "x.oem", "--time-system", "GPS"], "--time-system", "unknown"),
    (["export", "u.toml", "--oem", "x.oem", "--frame", "ITRF"], "--frame", "unknown"),
    (["export", "u.toml", "--oem", "x.oem", "--step-seconds", "0.01"], "--step-seconds", ""),
    (["export", "u.toml", "--spk", "x.bsp", "--naif-id", "42"], "--naif-id", "negative"),
    (["report", "u.toml", "--out", "x.html", "--images", "gif"], "--images", "unknown"),
    (["trade", "u.toml", "--workers", "0"], "--workers", "at least 1"),
    # --- outputs: wrong kind, missing directory, or an input (however it is spelt) ---
    (PORK + ["--out", "plot.jpg"], "--out", "unsupported"),
    (PORK + ["--out", "nowhere/plot.png"], "--out", "does not exist"),
    (PORK + ["--out", "old.png", "--data", "old.png"], "--data", "unsupported"),
    (PORK + ["--out", "."], "--out", "directory"),
    (["plan", "u.toml", "--out", "u.toml"], "--out", "not a directory"),
    (["plan", "u.toml", "--out", "no/such/dir"], "--out", "parent does not exist"),
    (["export", "u.toml", "--spk", "mine.bsp", "--ephemeris", "mine.bsp"], "--spk", "ephemeris"),
    (["export", "u.toml", "--oem", "a.oem", "--spk", "a.oem"], "--spk", ""),
    (["export", "link.toml", "--oem", "u.oem"], None, None),  # a valid run, not a mistake: skipped below
    (["report", "u.toml", "--out", "u.toml"], "--out", "unsupported"),
    (["report", "u.toml", "--out", "./dossier.html", "--ephemeris", "dossier.html"], "--out", "ephemeris"),
    (["crew", "u.toml", "--crew-config", "crew.toml", "--out", "crew.toml"], "--out", "not a directory"),
    # --- inputs that cannot be read ---
    (["plan", "nothere.toml"], "nothere.toml", "not found"),
    (["plan", "."], ".", "directory"),
    (["plan", "old.png"], "old.png", ""),
    (["diff", "u.toml", "nothere.toml"], "nothere.toml", "not found"),
    (["crew", "u.toml", "--crew-config", "nothere.toml"], "nothere.toml", "not found"),
    (["plan", "u.toml", "--ephemeris", "nothere.bsp"], "nothere.bsp", ""),
    (["plan", "u.toml", "--ephemeris", "u.toml"], "u.toml", ""),
    (["trade", "nothere.toml"], "nothere.toml", "not found"),
    (["race", "u.toml", "nothere.toml"], "nothere.toml", "not found"),
    # --- the command line itself ---
    (["porkchop", "--from", "earth"], "sojourn porkchop", "Missing option"),
    (["plan", "u.toml", "--bogus"], "sojourn plan", "No such option"),
    (["launch-the-rocket"], "", "No such command"),
]
CASES = [c for c in CASES if c[1] is not None]


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A directory with the inputs the cases name; returns a snapshot function of its files."""
    shutil.copy(EXAMPLES / "ulysses.toml", tmp_path / "u.toml")
    shutil.copy(EXAMPLES / "us-fast.toml", tmp_path / "b.toml")
    (tmp_path / "crew.toml").write_text("[dose]\ncruise_msv_per_day = 1.5\n")
    (tmp_path / "old.png").write_bytes(b"\x89PNG\r\n\x1a\n an earlier figure")
    (tmp_path / "mine.bsp").write_bytes((EXAMPLES.parent / "examples" / "ulysses.toml").read_bytes())
    (tmp_path / "dossier.html").write_text("an earlier dossier")
    (tmp_path / "link.toml").symlink_to(tmp_path / "u.toml")
    monkeypatch.chdir(tmp_path)

    def snapshot():
        return {p.name: (p.read_bytes() if p.is_file() else None) for p in sorted(tmp_path.iterdir())}

    return snapshot


@pytest.mark.parametrize("args, where, words", CASES, ids=[" ".join(c[0])[:60] for c in CASES])
def test_a_mistake_is_one_line_exit_2_and_writes_nothing(args, where, words, scratch, capsys):
    before = scratch()
    assert main(list(args)) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert out == "" and len(lines) == 1, err
    assert lines[0].startswith("error: ") and "Traceback" not in err
    assert where in lines[0] and words in lines[0], lines[0]
    assert scratch() == before  # no file written, none changed, no temporary left


@pytest.mark.parametrize("output", ["u.toml", "./u.toml", "../{dir}/u.toml", "link.toml"])
def test_an_output_that_is_the_scenario_is_refused_however_it_is_spelt(output, scratch, capsys, tmp_path):
    """export's OEM accepts .txt, so a scenario renamed .txt could be overwritten: refused by identity."""
    shutil.copy("u.toml", "u.txt")
    before = scratch()
    spelt = output.replace("u.toml", "u.txt").replace("{dir}", tmp_path.name)
    if output == "link.toml":
        Path("link.txt").symlink_to(tmp_path / "u.txt")
        before = scratch()
        spelt = "link.txt"
    assert main(["export", "u.txt", "--oem", spelt]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--oem" in err and "scenario" in err
    assert scratch() == before


def test_the_bare_command_prints_usage_and_exits_2(capsys):
    assert main([]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Usage: sojourn" in err and "-h, --help" in err


def test_h_is_help_and_version_is_the_package_version(capsys):
    import sojourn

    assert main(["-h"]) == 0 and "Commands" in capsys.readouterr().out
    assert main(["plan", "-h"]) == 0 and "--step" in capsys.readouterr().out
    assert main(["--version"]) == 0 and capsys.readouterr().out.strip() == f"sojourn {sojourn.__version__}"


def test_help_spells_defaults_and_day_steps_the_same_way_everywhere(capsys):
    import re

    from sojourn.commands import COMMANDS

    for module in COMMANDS:
        name = module.replace("_", "-")
        assert main([name, "-h"]) == 0
        text = " ".join(capsys.readouterr().out.split())
        assert not re.search(r"\(default", text), (name, "a default outside [default: ...]")
        if "--step " in text:  # every --step counts days; export samples in seconds under another name
            assert "--step DAYS" in text, name
