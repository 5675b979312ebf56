"""Faults a user does not choose: interrupts, a file system that says no, damaged inputs, a busy machine.

issue 12, classes 2, 3, 4 and 8. Every fault injected while writing must leave
no temporary file (``.sojourn-*``), the earlier output byte for byte as it was,
the right exit status, and one line on stderr with no traceback. The command
line runs in a subprocess (``python -m sojourn``) wherever a signal or the real
file system is involved; a writer is slowed or blocked by a patch loaded
before the command starts. Trade studies (Dask) have their own tests in
test_trade.py.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from sojourn.errors import EphemerisError, InputError, OutputError, SojournError
from sojourn.interrupts import (Terminated, deferred, describe, exit_status, handling_signals, run_command,
                                run_killable)
from sojourn.io import atomic_path, atomic_paths, output_dir, write_atomically

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
EXAMPLES = ROOT / "examples"

# a small porkchop (31 x 31 cells): quick, and its netCDF file is written the usual way
PORKCHOP = ["porkchop", "--from", "earth", "--to", "mars", "--launch", "2026-09-01:2026-10-01",
            "--arrive", "2027-06-01:2027-07-01", "--step", "1"]

HANG_S = 600
"""How long a blocked writer would block: far beyond any test's patience."""


# --------------------------------------------------------------------------- helpers


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))


def _sojourn(*args, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m sojourn ARGS`` to the end."""
    return subprocess.run([sys.executable, "-m", "sojourn", *map(str, args)], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=timeout)


def _start_patched(patch: str, *args, cwd: Path) -> subprocess.Popen:
    """The command line in a subprocess of its own process group, after ``patch`` (Python) has run.

    SIGINT gets its default handler first: a test runner started in the background
    (SIGINT ignored) must not pass that on, or there is no Ctrl-C to test.
    """
    code = "\n".join([
        "import signal, sys",
        "signal.signal(signal.SIGINT, signal.default_int_handler)",
        textwrap.dedent(patch),
        f"sys.argv = ['sojourn'] + {[str(a) for a in args]!r}",
        "from sojourn.__main__ import main",
        "sys.exit(main())",
    ])
    return subprocess.Popen([sys.executable, "-c", code], cwd=cwd, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            pytest.fail(f"the command ended before {path.name} appeared: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"{path.name} never appeared")
        time.sleep(0.05)


def _signal_and_wait(proc: subprocess.Popen, sig: int, timeout: float = 30) -> tuple[int, str]:
    """Send ``sig`` as a terminal would (Ctrl-C: the whole group) or a supervisor (SIGTERM: the process).

    Returns the exit status and stderr; a process still alive after ``timeout`` s is a hang.
    """
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"still running {timeout} s after {signal.Signals(sig).name}: the interrupt hangs")
    return proc.returncode, err


def _temporaries(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob(".sojourn-*"))


def _assert_one_line(err: str, start: str = "error: ") -> None:
    assert err.startswith(start), err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err


def _snapshot(directory: Path) -> dict:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


# a writer that blocks in the middle of its work, with signals blocked as in a long C call
# (netCDF/HDF5 writing a large grid): only being killed from outside can stop it
_BLOCKED_NETCDF = f"""
import os, signal, time
import xarray
_real = xarray.Dataset.to_netcdf
def _blocked(self, path, *args, **kwargs):
    _real(self, path, *args, **kwargs)              # the file is there, whole but not yet renamed
    open(os.path.join(os.path.dirname(os.path.abspath(path)), "writing"), "w").close()
    signal.pthread_sigmask(signal.SIG_BLOCK, {{signal.SIGINT, signal.SIGTERM}})
    time.sleep({HANG_S})
xarray.Dataset.to_netcdf = _blocked
"""

# the second figure of a command takes its time (in Python), after writing part of its file:
# the first is whole by then, and must not replace an earlier one alone
_SLOW_SECOND_FIGURE = f"""
import os, time
import matplotlib.figure
_real, _calls = matplotlib.figure.Figure.savefig, []
def _slow(self, fname, *args, **kwargs):
    _calls.append(fname)
    if len(_calls) == 1:
        return _real(self, fname, *args, **kwargs)
    with open(fname, "wb") as fh:
        fh.write(b"half a figure")
    open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(fname))), "writing"), "w").close()
    time.sleep({HANG_S})
matplotlib.figure.Figure.savefig = _slow
"""


# --------------------------------------------------------------------------- class 2: interrupts, the mechanism


@pytest.fixture
def ctrl_c():
    """SIGINT as a terminal delivers it, even when the test run itself was started with SIGINT ignored.

    A shell starts a background job (``make test &``) with SIGINT ignored, and
    :func:`handling_signals` rightly leaves an ignored SIGINT ignored; the tests
    of what Ctrl-C does need it caught.
    """
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def test_exit_status_and_words():
    assert exit_status(KeyboardInterrupt()) == 130 and describe(KeyboardInterrupt()) == "interrupted"
    assert exit_status(Terminated()) == 143 and describe(Terminated()) == "terminated"
    assert exit_status(ValueError()) is None
    assert not isinstance(Terminated(), Exception)  # `except Exception` must not swallow it


def test_sigterm_becomes_terminated_and_handlers_come_back():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated):
        with handling_signals():
            signal.raise_signal(signal.SIGTERM)
            time.sleep(5)  # the handler raises at the next bytecode: never reached
    assert signal.getsignal(signal.SIGTERM) == before


def test_deferred_holds_the_signal_to_the_end_of_the_block(ctrl_c):
    done = []
    with pytest.raises(KeyboardInterrupt):
        with handling_signals():
            with deferred():
                signal.raise_signal(signal.SIGINT)  # to this (the main) thread: no other thread may take it late
                time.sleep(0.05)
                done.append("whole")  # the critical section runs to its end
            done.append("after")  # not reached: raised as the block ends
    assert done == ["whole"]


def test_a_second_signal_does_not_cut_the_clean_up(ctrl_c):
    cleaned = []
    with handling_signals():
        try:
            signal.raise_signal(signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt:
            signal.raise_signal(signal.SIGINT)  # pressed again while cleaning up
            time.sleep(0.05)
            cleaned.append(True)
    assert cleaned == [True]


def test_an_interrupt_swallowed_by_a_c_callback_is_raised_again(ctrl_c):
    """numba's compiler calls back into Python from C: an interrupt raised there is 'ignored' by Python."""
    import ctypes

    def inside_c():
        signal.raise_signal(signal.SIGINT)
        for _ in range(1000):  # the handler runs here and raises; Python swallows it at the C boundary
            pass

    callback = ctypes.CFUNCTYPE(None)(inside_c)
    reached = []
    unraisable = []
    previous = sys.unraisablehook
    sys.unraisablehook = unraisable.append  # what Python would print as "Exception ignored"
    try:
        with pytest.raises(KeyboardInterrupt):
            with handling_signals():
                callback()
                reached.append("back in Python")
                time.sleep(5)  # raised again within moments
    finally:
        sys.unraisablehook = previous
    assert reached == ["back in Python"] and unraisable == []


def test_run_command_maps_interrupts_to_one_line(capsys):
    def interrupted():
        raise Terminated()

    assert run_command(interrupted) == 143
    assert capsys.readouterr().err == "error: terminated\n"
    assert run_command(lambda: 0) == 0


def test_run_killable_brings_back_value_and_errors():
    assert run_killable(sum, [1, 2, 3]) == 6
    with pytest.raises(InputError) as info:
        run_killable(_raise, InputError("a bad step", "step_days"))
    assert info.value.where == "step_days"  # SojournError keeps `where` across pickling
    with pytest.raises(OSError) as info:
        run_killable(_raise, OSError(errno.ENOSPC, "No space left on device"))
    assert info.value.errno == errno.ENOSPC


def _raise(exc):
    raise exc


def _block(marker: str) -> None:
    Path(marker).write_text(str(os.getpid()))
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    time.sleep(HANG_S)


def test_run_killable_kills_a_blocked_child_on_interrupt(tmp_path):
    marker = tmp_path / "blocked"

    def interrupt_when_blocked():
        while not marker.exists():
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=interrupt_when_blocked, daemon=True).start()
    t0 = time.monotonic()
    with pytest.raises(Terminated):
        with handling_signals():
            run_killable(_block, str(marker))
    assert time.monotonic() - t0 < 60  # the child blocks for HANG_S: it was killed, not waited for
    with pytest.raises(ChildProcessError):  # and reaped: no child left behind, not even a zombie
        os.waitpid(int(marker.read_text()), os.WNOHANG)


# --------------------------------------------------------------------------- class 2: interrupts, the command line


@pytest.fixture(scope="module")
def porkchop_nc(tmp_path_factory):
    """An earlier output: the small porkchop's grid, written by an uninterrupted run."""
    d = tmp_path_factory.mktemp("earlier")
    proc = _sojourn(*PORKCHOP, "--data", "grid.nc", "--json", cwd=d)
    assert proc.returncode == 0, proc.stderr
    return (d / "grid.nc").read_bytes()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_during_a_blocked_netcdf_write(tmp_path, porkchop_nc, sig):
    """issue 12: Ctrl-C while --data writes hung inside the write and left its temporary file."""
    (tmp_path / "grid.nc").write_bytes(porkchop_nc)
    (tmp_path / "plot.png").write_bytes(b"an earlier plot")
    args = [*PORKCHOP, "--out", "plot.png", "--data", "grid.nc", "--json"]
    proc = _start_patched(_BLOCKED_NETCDF, *args, cwd=tmp_path)
    _wait_for(tmp_path / "writing", proc)  # the plot is drawn; the grid is being written
    (tmp_path / "writing").unlink()
    assert _temporaries(tmp_path)  # both outputs are temporary files still
    status, err = _signal_and_wait(proc, sig)
    assert status == (130 if sig == signal.SIGINT else 143)
    assert err == ("error: interrupted\n" if sig == signal.SIGINT else "error: terminated\n")
    assert _temporaries(tmp_path) == []
    assert (tmp_path / "grid.nc").read_bytes() == porkchop_nc  # the earlier outputs, untouched, both
    assert (tmp_path / "plot.png").read_bytes() == b"an earlier plot"
    if sig == signal.SIGTERM:
        return  # starting again is the same whatever stopped the run: once is enough
    # started again, the run gives the same file as an uninterrupted one
    proc = _sojourn(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "grid.nc").read_bytes() == porkchop_nc
    assert (tmp_path / "plot.png").read_bytes().startswith(b"\x89PNG")


def test_sigterm_while_plan_draws_its_second_figure(tmp_path):
    """The first figure is whole by then: it must not replace the earlier one alone.

    (A directory the run made itself would be removed: test_output_dir_made_and_removed_on_failure.)
    """
    out = tmp_path / "ulysses"
    out.mkdir()
    (out / "trajectory.png").write_bytes(b"an earlier trajectory")
    (out / "timeline.png").write_bytes(b"an earlier timeline")
    before = _snapshot(tmp_path)
    proc = _start_patched(_SLOW_SECOND_FIGURE, "plan", EXAMPLES / "ulysses.toml", "--out", out, "--json", cwd=tmp_path)
    _wait_for(tmp_path / "writing", proc)
    status, err = _signal_and_wait(proc, signal.SIGTERM)
    (tmp_path / "writing").unlink()
    assert status == 143 and err == "error: terminated\n"
    assert _temporaries(tmp_path) == []
    assert _snapshot(tmp_path) == before  # both earlier figures unchanged


def _interrupted_after(monkeypatch, owner, name: str, sig: int) -> list:
    """Patch ``owner.name`` to do its work and then receive ``sig``: a signal that arrives inside one
    of the critical sections :func:`deferred` holds back, to be raised as it ends. Returns the list
    of what the patched function returned."""
    original = getattr(owner, name)
    returned = []

    def interrupted(*args, **kwargs):
        done = original(*args, **kwargs)
        if done != 0:  # os.fork: the parent only (the child runs the writer and never returns)
            returned.append(done)
            signal.raise_signal(sig)  # to this (the main) thread
        return done

    monkeypatch.setattr(owner, name, interrupted)
    return returned


SIGNALS = [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated)]


@pytest.mark.parametrize("sig, raised", SIGNALS)
def test_an_interrupt_while_the_temporary_is_created_leaves_none(tmp_path, monkeypatch, ctrl_c, sig, raised):
    """The signal arrives while the temporary file is being created: removed all the same, no output."""
    import tempfile

    _interrupted_after(monkeypatch, tempfile, "mkstemp", sig)
    out = tmp_path / "tile.parquet"
    written = []
    with pytest.raises(raised):
        with handling_signals():
            with atomic_path(out) as tmp:
                written.append(tmp)
    assert written == [] and not out.exists() and _temporaries(tmp_path) == []


@pytest.mark.parametrize("sig, raised", SIGNALS)
def test_an_interrupt_while_the_output_directory_is_made_removes_it(tmp_path, monkeypatch, ctrl_c, sig, raised):
    _interrupted_after(monkeypatch, Path, "mkdir", sig)
    with pytest.raises(raised):
        with handling_signals():
            with output_dir(tmp_path / "new"):
                pass
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("sig, raised", SIGNALS)
def test_an_interrupt_while_a_trade_store_is_made_leaves_nothing(tmp_path, monkeypatch, ctrl_c, sig, raised):
    import tempfile

    from sojourn.trades.store import TradeStore

    _interrupted_after(monkeypatch, tempfile, "mkdtemp", sig)
    with pytest.raises(raised):
        with handling_signals():
            TradeStore.create(tmp_path / "study.trade", "fingerprint", "a study", [])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("sig, raised", SIGNALS)
def test_an_interrupt_as_the_killable_writer_starts_kills_it(tmp_path, monkeypatch, ctrl_c, sig, raised):
    """The signal arrives between the fork and the parent's knowing the child: the child is killed
    and reaped all the same (not left writing, nor a zombie)."""
    forked = _interrupted_after(monkeypatch, os, "fork", sig)
    t0 = time.monotonic()
    with pytest.raises(raised):
        with handling_signals():
            run_killable(_block, str(tmp_path / "blocked"))
    assert time.monotonic() - t0 < 60  # the child blocks for HANG_S: it was killed, not waited for
    assert len(forked) == 1
    with pytest.raises(ChildProcessError):  # and reaped
        os.waitpid(forked[0], os.WNOHANG)


# --------------------------------------------------------------------------- class 3: the file system says no


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "no space left on the device"),
                                         (errno.EACCES, "permission denied"),
                                         (errno.EROFS, "read-only file system"),
                                         (errno.EDQUOT, "disk quota exceeded")])
def test_a_refusal_while_writing_is_one_output_error(tmp_path, code, words):
    out = tmp_path / "grid.nc"
    out.write_bytes(b"earlier")
    with pytest.raises(OutputError) as info:
        with atomic_path(out) as tmp:
            tmp.write_bytes(b"half")
            raise OSError(code, os.strerror(code))
    assert str(info.value) == f"cannot write the output file: {words} ({out})"
    assert out.read_bytes() == b"earlier" and _temporaries(tmp_path) == []


@pytest.mark.parametrize("code", [errno.EACCES, errno.EROFS, errno.ENOSPC])
def test_a_refusal_to_create_the_temporary_file(tmp_path, monkeypatch, code):
    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr("tempfile.mkstemp", refuse)
    with pytest.raises(OutputError) as info:
        with atomic_path(tmp_path / "a.png"):
            pass
    assert info.value.where == str(tmp_path / "a.png") and "cannot write here" in info.value.message


def test_an_error_about_another_file_is_not_blamed_on_the_output(tmp_path):
    with pytest.raises(PermissionError):
        with atomic_path(tmp_path / "a.txt"):
            raise PermissionError(errno.EACCES, "Permission denied", "/some/input.toml")
    assert _temporaries(tmp_path) == []


def test_a_writer_that_hides_enospc_on_a_full_file_system(tmp_path, monkeypatch):
    """netCDF reports a full disk as RuntimeError('NetCDF: HDF error'): the free space says why."""

    class Full:
        f_bavail, f_frsize = 0, 4096

    monkeypatch.setattr("os.statvfs", lambda path: Full())
    with pytest.raises(OutputError, match="no space left"):
        with atomic_path(tmp_path / "grid.nc"):
            raise RuntimeError("NetCDF: HDF error")
    monkeypatch.undo()
    with pytest.raises(RuntimeError):  # with room to spare, a writer's error is its own
        with atomic_path(tmp_path / "grid.nc"):
            raise RuntimeError("NetCDF: HDF error")
    assert _temporaries(tmp_path) == []


def test_atomic_paths_all_or_nothing(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("earlier a")
    with pytest.raises(KeyboardInterrupt):
        with atomic_paths(a, b) as (ta, tb):
            ta.write_text("new a")
            tb.write_text("new b")
            raise KeyboardInterrupt
    assert a.read_text() == "earlier a" and not b.exists() and _temporaries(tmp_path) == []
    with atomic_paths(a, b) as (ta, tb):
        ta.write_text("new a")
        tb.write_text("new b")
    assert a.read_text() == "new a" and b.read_text() == "new b"


def test_write_atomically_in_a_killable_child(tmp_path):
    out = write_atomically(tmp_path / "x.txt", lambda p: p.write_text("whole"), killable=True)
    assert out.read_text() == "whole" and _temporaries(tmp_path) == []


def test_output_dir_made_and_removed_on_failure(tmp_path, monkeypatch):
    d = tmp_path / "new"
    with pytest.raises(KeyboardInterrupt):
        with output_dir(d):
            raise KeyboardInterrupt
    assert not d.exists()
    (tmp_path / "old").mkdir()
    with pytest.raises(SojournError):
        with output_dir(tmp_path / "old"):
            raise SojournError("later failure")
    assert (tmp_path / "old").is_dir()  # not made by this call: kept
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a directory"):
        with output_dir(tmp_path / "file", "--out"):
            pass
    with pytest.raises(InputError, match="parent does not exist"):
        with output_dir(tmp_path / "no" / "such"):
            pass

    def refuse(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(OutputError) as info:
        with output_dir(d):
            pass
    assert "permission denied" in info.value.message and info.value.where == str(d)


@pytest.fixture
def tiny_fs(tmp_path):
    """A 64 KiB tmpfs (root only); skipped where mounting is not allowed."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_disk_full_on_a_real_tmpfs(tiny_fs):
    """--data and --out on a 64 KiB file system: one line naming the file, nothing partial, earlier kept."""
    (tiny_fs / "grid.nc").write_bytes(b"earlier grid")
    st = os.statvfs(tiny_fs)
    (tiny_fs / "filler").write_bytes(bytes(max(0, st.f_bavail * st.f_frsize - 8192)))  # 8 KiB left
    proc = _sojourn(*PORKCHOP, "--data", tiny_fs / "grid.nc", "--json", cwd=tiny_fs.parent)
    assert proc.returncode == 2 and proc.stdout == ""
    _assert_one_line(proc.stderr)
    assert proc.stderr == f"error: cannot write the output file: no space left on the device ({tiny_fs / 'grid.nc'})\n"
    assert (tiny_fs / "grid.nc").read_bytes() == b"earlier grid" and _temporaries(tiny_fs) == []
    assert sorted(p.name for p in tiny_fs.iterdir()) == ["filler", "grid.nc"]


def test_read_only_file_system(tiny_fs):
    (tiny_fs / "old.png").write_bytes(b"earlier")
    assert subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)]).returncode == 0
    with pytest.raises(OutputError) as info:  # plan --out DIR, crew --out DIR
        with output_dir(tiny_fs / "plots", "--out"):
            pass
    assert str(info.value) == f"cannot write the directory: read-only file system ({tiny_fs / 'plots'})"
    proc = _sojourn(*PORKCHOP, "--out", tiny_fs / "old.png", cwd=tiny_fs.parent)
    assert proc.returncode == 2
    assert proc.stderr == f"error: cannot write here: read-only file system ({tiny_fs / 'old.png'})\n"
    assert sorted(p.name for p in tiny_fs.iterdir()) == ["old.png"]
    assert (tiny_fs / "old.png").read_bytes() == b"earlier"


# --------------------------------------------------------------------------- class 4: damaged inputs


def _de421() -> bytes:
    from sojourn.ephemeris import default_ephemeris_path

    return default_ephemeris_path().read_bytes()


@pytest.mark.parametrize("damage", ["half", "first 5000 bytes", "last 10% cut", "zeroed tail", "garbage",
                                    "header only"])
def test_a_damaged_spk_is_one_ephemeris_error_naming_it(tmp_path, damage):
    from sojourn.ephemeris import Ephemeris

    data = _de421()
    damaged = {"half": data[: len(data) // 2], "first 5000 bytes": data[:5000],
               "last 10% cut": data[: len(data) * 9 // 10],
               "zeroed tail": data[: len(data) // 2] + bytes(len(data) - len(data) // 2),
               "garbage": os.urandom(200_000), "header only": data[:1024]}[damage]
    path = tmp_path / "de421-copy.bsp"
    path.write_bytes(damaged)
    with pytest.raises(EphemerisError) as info:
        Ephemeris(path).state("mars", 0.0)  # refused at open: a truncated copy still has its directory
    assert info.value.where == str(path) and info.value.message.startswith("cannot read SPK ephemeris")
    assert "\n" not in str(info.value)


def test_a_truncated_spk_on_the_command_line(tmp_path):
    (tmp_path / "cut.bsp").write_bytes(_de421()[:3_000_000])  # a download cut short
    proc = _sojourn(*PORKCHOP, "--ephemeris", "cut.bsp", "--json", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    _assert_one_line(proc.stderr)
    assert proc.stderr == ("error: cannot read SPK ephemeris: the file is truncated or damaged "
                           f"(3,000,000 bytes where the file says 16,788,128) ({tmp_path.resolve() / 'cut.bsp'})\n")


def test_a_whole_copy_of_de421_still_opens(tmp_path):
    """The check at open refuses damage, not a good file (only padding past the data cut off)."""
    from sojourn.ephemeris import Ephemeris, load_ephemeris

    data = _de421()
    (tmp_path / "copy.bsp").write_bytes(data[:-8])
    eph = Ephemeris(tmp_path / "copy.bsp")
    try:
        assert (eph.state("mars", 1e8)[0] == load_ephemeris().state("mars", 1e8)[0]).all()
    finally:
        eph.close()


def test_a_scenario_with_a_utf8_byte_order_mark_is_accepted(tmp_path):
    from sojourn.mission.scenario import load_scenario

    text = (EXAMPLES / "ulysses.toml").read_bytes()
    (tmp_path / "bom.toml").write_bytes(b"\xef\xbb\xbf" + text)
    (tmp_path / "plain.toml").write_bytes(text)
    assert load_scenario(tmp_path / "bom.toml").to_dict() == load_scenario(tmp_path / "plain.toml").to_dict()
    # only a leading BOM is forgiven: one before a table header is still not TOML
    i = text.index(b"\n[") + 1
    (tmp_path / "mid.toml").write_bytes(text[:i] + b"\xef\xbb\xbf" + text[i:])
    with pytest.raises(InputError):
        load_scenario(tmp_path / "mid.toml")


# --------------------------------------------------------------------------- class 8: a busy package manager


def test_make_browser_skips_when_the_package_manager_is_locked(tmp_path, monkeypatch):
    """`make test` must not fail because apt/dpkg is locked by another process: the browser test skips."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("no make")
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for tool in ("id", "grep", "mktemp", "rm", "tee", "tail", "cat", "mkdir"):
        found = shutil.which(tool)
        if found is None:
            pytest.skip(f"no {tool}")
        (stubs / tool).symlink_to(found)
    apt = stubs / "apt-get"  # what apt-get says while another process holds the lock
    apt.write_text("#!/bin/sh\n"
                   "echo 'E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)' >&2\n"
                   "echo 'E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), "
                   "is another process using it?' >&2\n"
                   "exit 100\n")
    apt.chmod(0o755)
    venv = tmp_path / "venv"
    env = {"PATH": str(stubs), "HOME": str(tmp_path)}  # no chromium on this PATH
    proc = subprocess.run([make, "-s", "-C", str(ROOT), "browser", f"VENV={venv}"], env=env,
                          capture_output=True, text=True, timeout=60)
    if "not root" in proc.stdout:
        pytest.skip("not root: the Makefile does not try to install chromium")
    assert proc.returncode == 0, proc.stderr
    assert "locked by another process" in proc.stdout and "will be skipped" in proc.stdout
    reason = (venv / ".no-browser").read_text().strip()
    assert "locked by another process" in reason
    # and the dossier's browser test turns that reason into a skip, not a failure (even as root)
    import importlib.util

    spec = importlib.util.spec_from_file_location("_report_tests", ROOT / "tests" / "test_report.py")
    report_tests = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report_tests)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("SOJOURN_SKIP_BROWSER", reason)
    with pytest.raises(pytest.skip.Exception, match="locked by another process"):
        report_tests._chromium()


def test_a_writer_inside_atomic_paths_names_the_final_output(tmp_path):
    """A plot function saves atomically by itself; inside atomic_paths its failure still names the output."""
    out = tmp_path / "plot.png"
    with pytest.raises(OutputError) as info:
        with atomic_paths(out) as (tmp,):
            with atomic_path(tmp) as inner:  # what save_figure does with the path it is given
                assert inner == tmp
                raise OSError(errno.ENOSPC, "No space left on device")
    assert info.value.where == str(out) and _temporaries(tmp_path) == []


def test_a_trade_store_on_a_full_file_system(tiny_fs):
    """A trade store's directories and Zarr chunks are not written through atomic_path: same one line."""
    pytest.importorskip("zarr")
    from sojourn.trades.store import TradeStore
    from sojourn.trades.study import load_study
    from sojourn.trades.tiles import porkchop_grid

    study_file = tiny_fs.parent / "study.toml"
    study_file.write_text(textwrap.dedent(f"""\
        [study]
        name = "full"
        scenario = "{(EXAMPLES / 'dra5-conjunction.toml').as_posix()}"
        [porkchop]
        launch = "2026-09-01:2026-12-31"
        arrive = "2027-06-01:2028-06-01"
        step_days = 0.5
        """))
    study = load_study(study_file)
    st = os.statvfs(tiny_fs)
    (tiny_fs / "filler").write_bytes(bytes(max(0, st.f_bavail * st.f_frsize - 4096)))
    with pytest.raises(OutputError) as info:
        TradeStore.create(tiny_fs / "s.trade", study.fingerprint("de421.bsp"), "full", [], porkchop_grid(study))
    assert str(info.value) == f"cannot write the trade store: no space left on the device ({tiny_fs / 's.trade'})"
    assert sorted(p.name for p in tiny_fs.iterdir()) == ["filler"]  # no half-made store
