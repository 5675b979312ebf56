"""Inputs too big (or too coarse) for what is asked are one-line errors, not tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from sojourn.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ULYSSES, US_FAST = str(EXAMPLES / "ulysses.toml"), str(EXAMPLES / "us-fast.toml")


@pytest.mark.parametrize("argv, option", [
    (["race", ULYSSES, US_FAST, "--step", "1e-9"], "--step"),
    (["free-return", "--launch", "2033-01-01:2033-03-01", "--step", "0.05", "--max-days", "600"], "--step"),
    (["free-return", "--launch", "2033-01-01:2033-01-05", "--max-days", "1e12"], "--max-days"),
    (["aborts", ULYSSES, "--step", "0.01"], "--step"),
    (["dispersions", ULYSSES, "--samples", "100000000000"], "--samples"),
], ids=["race-step", "free-return-step", "free-return-max-days", "aborts-step", "dispersions-samples"])
def test_too_big_for_memory(argv, option, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and option in lines[0], captured.err


def test_a_race_step_longer_than_the_transit_cannot_be_drawn(tmp_path, capsys):
    out = tmp_path / "race.png"
    assert main(["race", ULYSSES, US_FAST, "--step", "500", "--out", str(out)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "--step" in lines[0] and not out.exists()


@pytest.mark.parametrize("argv, option", [
    (["dispersions", ULYSSES, "--corridor-deg", "5", "--samples", "1000"], "--corridor-deg"),
    (["dispersions", ULYSSES, "--leg", "return", "--corridor-km", "5", "--samples", "1000"], "--corridor-km"),
    (["verify", ULYSSES, "--entry-fpa-deg", "-5"], "--entry-fpa-deg"),
], ids=["entry-corridor-on-a-capture", "capture-corridor-on-an-entry", "entry-angle-on-a-capture"])
def test_an_option_for_the_other_kind_of_arrival_is_refused(argv, option, capsys):
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "does not apply" in lines[0] and option in lines[0]
