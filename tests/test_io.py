"""Output files are written whole or not at all, and an OS refusal is a one-line input error."""

from __future__ import annotations

import pytest

from sojourn.errors import InputError
from sojourn.io import atomic_path


def test_success_renames_and_leaves_nothing_else(tmp_path):
    out = tmp_path / "a.txt"
    with atomic_path(out) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".txt"
        tmp.write_text("whole")
    assert out.read_text() == "whole"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_failure_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    out = tmp_path / "a.txt"
    out.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(out) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_an_output_that_is_a_directory_is_an_input_error(tmp_path):
    (tmp_path / "dose.png").mkdir()
    with pytest.raises(InputError, match="cannot write the output file") as err:
        with atomic_path(tmp_path / "dose.png") as tmp:
            tmp.write_bytes(b"png")
    assert err.value.where == str(tmp_path / "dose.png")
    assert [p.name for p in tmp_path.iterdir()] == ["dose.png"]  # no temporary left


def test_a_long_name_does_not_overflow_the_temporary_name(tmp_path):
    out = tmp_path / ("n" * 240 + ".oem")  # 244 characters: allowed, but not twice over
    with atomic_path(out) as tmp:
        tmp.write_text("x")
    assert out.read_text() == "x"


def test_missing_directory(tmp_path):
    with pytest.raises(InputError, match="output directory does not exist"):
        with atomic_path(tmp_path / "nope" / "a.txt"):
            pass
