"""Ctrl-C and SIGTERM: any command stops within moments, cleans up, and says so in one line.

Python turns SIGINT into :class:`KeyboardInterrupt` between two bytecodes, which
is prompt enough for Python code and for compiled kernels that return within a
second or so. Three things need help, and this module gives it:

* **SIGTERM** kills Python outright by default: no ``finally``, temporary files
  left behind. :func:`handling_signals` turns it into :class:`Terminated`, an
  exception that unwinds like :class:`KeyboardInterrupt` (it is not an
  :class:`Exception`, so ``except Exception`` does not swallow it).
* **Long blocking C calls** (a netCDF/HDF5 write of a large grid) do not return
  to Python until they finish, and an interrupt that lands inside a library's
  Python code holding a lock can deadlock its clean-up (xarray's netCDF writer
  does: the first Ctrl-C then hangs until a second). :func:`run_killable` runs
  such a call in a forked child process that the parent kills at once.
* **Critical sections** (creating or renaming a temporary file) must not be cut
  in the middle: :func:`deferred` holds signals back until the section ends.

While the first signal is being handled, a second is held back so that
clean-up runs to its end; a third forces the exit at once
(``os._exit``), for a clean-up that itself hangs. An interrupt raised while C
code was calling back into Python (numba's compiler does) would be printed as
"Exception ignored" and lost: it is raised again as soon as control is back in
Python.

The command line maps the exceptions to exit statuses with :func:`exit_status`
(130 for SIGINT, 143 for SIGTERM) and to one line with :func:`describe`.
Outside :func:`handling_signals` (a notebook, a web server) nothing is
installed and Python's own behaviour stays.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
import time
import warnings
from typing import Callable, Iterator, Optional, TypeVar

__all__ = ["INTERRUPTS", "Terminated", "deferred", "describe", "exit_status", "handling_signals",
           "hold_until_exit", "run_command", "run_killable"]

T = TypeVar("T")

HANDLED = (signal.SIGINT, signal.SIGTERM)
"""The signals :func:`handling_signals` turns into exceptions."""

FORCE_AFTER = 3
"""Signals that force an immediate exit when clean-up after the first has not finished."""


class Terminated(BaseException):
    """A terminating signal (SIGTERM) arrived: unwind, clean up, exit with status 128 + signal.

    Parameters
    ----------
    signum : int
        The signal number (default SIGTERM).
    """

    def __init__(self, signum: int = signal.SIGTERM):
        super().__init__(signum)
        self.signum = int(signum)

    def __str__(self) -> str:
        return "terminated"


INTERRUPTS = (KeyboardInterrupt, Terminated)
"""The exceptions an interrupt raises: catch these (not BaseException) to report one."""


def exit_status(exc: BaseException) -> Optional[int]:
    """The exit status for an interrupt exception (130 for Ctrl-C, 143 for SIGTERM), else None."""
    if isinstance(exc, Terminated):
        return 128 + exc.signum
    if isinstance(exc, KeyboardInterrupt):
        return 128 + signal.SIGINT
    return None


def describe(exc: BaseException) -> str:
    """The one word for an interrupt: ``"interrupted"`` (Ctrl-C) or ``"terminated"`` (SIGTERM)."""
    return "terminated" if isinstance(exc, Terminated) else "interrupted"


# ---------------------------------------------------------------------------
# Handlers


class _State:
    """Signals seen inside :func:`handling_signals` (main thread only)."""

    def __init__(self):
        self.active = 0  # nesting depth of handling_signals
        self.defer = 0  # nesting depth of deferred()
        self.pending: Optional[int] = None  # a signal held back by deferred()
        self.raised: Optional[int] = None  # the signal already turned into an exception
        self.count = 0  # signals seen since the first was raised
        self.hook = None  # the unraisable hook in place before handling_signals


_STATE = _State()


def _exception(signum: int) -> BaseException:
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated(signum)


def _handler(signum, frame) -> None:
    st = _STATE
    if st.raised is not None:  # clean-up of the first is under way: let it finish, unless pressed
        st.count += 1
        if st.count >= FORCE_AFTER:
            os._exit(128 + signum)
        return
    if st.defer:
        if st.pending is None:
            st.pending = signum
        return
    st.raised, st.count = signum, 1
    raise _exception(signum)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def handling_signals() -> Iterator[None]:
    """Within: SIGINT raises KeyboardInterrupt, SIGTERM raises :class:`Terminated`, once each.

    The previous handlers come back on exit (so a test runner or a host
    program keeps its own). A SIGINT that the process was started to ignore
    (``nohup``, a background job) stays ignored. Does nothing outside the
    main thread, where Python cannot install handlers.
    """
    if not _in_main_thread():
        yield
        return
    previous = {}
    for sig in HANDLED:
        old = signal.getsignal(sig)
        if sig == signal.SIGINT and old == signal.SIG_IGN:
            continue
        previous[sig] = old
        signal.signal(sig, _handler)
    if _STATE.active == 0:
        _STATE.hook, sys.unraisablehook = sys.unraisablehook, _unraisable
    _STATE.active += 1
    try:
        yield
    finally:
        _STATE.active -= 1
        if _STATE.active == 0:
            for sig, old in previous.items():
                signal.signal(sig, old if old is not None else signal.SIG_DFL)
            sys.unraisablehook, _STATE.hook = _STATE.hook or sys.__unraisablehook__, None
            _STATE.pending = _STATE.raised = None
            _STATE.count = 0


def _unraisable(unraisable) -> None:
    """An interrupt raised inside a C callback is swallowed by Python: send the signal again."""
    exc = unraisable.exc_value
    if not (isinstance(exc, INTERRUPTS) and _STATE.raised is not None):
        return (_STATE.hook or sys.__unraisablehook__)(unraisable)
    signum, _STATE.raised, _STATE.count = _STATE.raised, None, 0
    threading.Thread(target=_resend, args=(signum,), daemon=True).start()


def _resend(signum: int) -> None:
    time.sleep(0.02)  # let the C code take control back, then the handler raises in Python code
    os.kill(os.getpid(), signum)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back within; the interrupt is raised when the block ends.

    For short critical sections only: creating a temporary file and noting its
    name, renaming it into place, removing it. Effective inside
    :func:`handling_signals` (the command line); elsewhere a no-op.
    """
    if not (_STATE.active and _in_main_thread()):
        yield
        return
    _STATE.defer += 1
    try:
        yield
    finally:
        _STATE.defer -= 1
        if _STATE.defer == 0 and _STATE.pending is not None:
            signum, _STATE.pending = _STATE.pending, None
            if _STATE.raised is None:
                _STATE.raised, _STATE.count = signum, 1
                raise _exception(signum)


# ---------------------------------------------------------------------------
# Blocking C calls in a child process


def run_killable(fn: Callable[..., T], *args, **kwargs) -> T:
    """Call ``fn(*args, **kwargs)`` in a forked child process that an interrupt kills at once.

    For long writes done in C (netCDF/HDF5, Parquet, large images) that do not
    return to Python when a signal arrives. The child shares the parent's
    memory copy-on-write, so nothing is copied or pickled on the way in; its
    return value and any exception it raises come back pickled (keep the
    return value small: ``None`` for a writer). When the parent is
    interrupted it kills the child (SIGKILL), waits for it, and re-raises:
    the caller's clean-up (e.g. :func:`sojourn.io.atomic_path`) then removes
    what the child had written.

    Without ``os.fork`` (Windows) or outside the main thread, ``fn`` runs here.

    Raises
    ------
    Whatever ``fn`` raised (pickled across; an unpicklable exception becomes
    RuntimeError with its text); RuntimeError if the child died without an
    answer (killed by a signal, out of memory).
    """
    if not (hasattr(os, "fork") and _in_main_thread()):
        return fn(*args, **kwargs)
    read_fd, write_fd = os.pipe()
    pid = pipe = None
    try:
        # no interrupt between the fork and knowing the child's pid; one held back is raised within this try
        with deferred():
            with warnings.catch_warnings():  # Python >= 3.12 warns about fork() in a threaded process
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
            if pid == 0:  # pragma: no cover - the child (coverage does not follow it)
                _child(read_fd, write_fd, fn, args, kwargs)
            os.close(write_fd)
        pipe = os.fdopen(read_fd, "rb")  # closes read_fd from here on
        with pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
    except BaseException:
        with deferred():
            if pid is None:  # the fork failed
                os.close(write_fd)
            else:
                _kill(pid)
            if pipe is None:
                os.close(read_fd)
        raise
    if not data:
        how = (f"killed by signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
               else f"exit status {os.waitstatus_to_exitcode(status)}")
        raise RuntimeError(f"the writer process died without an answer ({how})")
    ok, payload = pickle.loads(data)
    if ok:
        return payload
    raise payload


def _child(read_fd: int, write_fd: int, fn, args, kwargs) -> None:  # pragma: no cover - runs in the child
    """Run ``fn`` and send ``(ok, value or exception)`` to the parent; never returns."""
    code = 1
    try:
        for sig in HANDLED:  # die at once: the parent decides what an interrupt means
            signal.signal(sig, signal.SIG_DFL)
        os.close(read_fd)
        try:
            answer = (True, fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - sent to the parent, which re-raises it
            answer = (False, exc)
        try:
            data = pickle.dumps(answer)
        except Exception:  # an unpicklable result or exception: send its text
            value = answer[1]
            data = pickle.dumps((False, RuntimeError(f"{type(value).__name__}: {value}")))
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(data)
        code = 0
    finally:
        os._exit(code)


def _kill(pid: int) -> None:
    """SIGKILL a child and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


# ---------------------------------------------------------------------------
# The command line's entry


def run_command(fn: Callable[..., int], *args) -> int:
    """Run a command-line entry ``fn(*args)`` with signals handled; return its exit status.

    An interrupt that ``fn`` does not turn into a status itself becomes one line
    on stderr, ``error: interrupted`` or ``error: terminated``, and the status
    130 or 143 (128 + the signal). For the command line only: the library
    never prints.
    """
    try:
        with handling_signals():
            try:
                return fn(*args)
            except INTERRUPTS as exc:
                return _report(exc)
    except INTERRUPTS as exc:  # one that landed while the handlers were being set or restored
        return _report(exc)


def hold_until_exit(status: int) -> int:
    """After the command has finished: ignore SIGINT and SIGTERM from here on; return ``status``.

    Called by the program's entry just before the interpreter shuts down: the
    command's outputs are complete and its status decided, so a late Ctrl-C or
    SIGTERM is ignored instead of killing the process during shut-down
    (Python restores the default handlers there, and the process would die by
    the signal with no message).
    """
    if _in_main_thread():
        for sig in HANDLED:
            signal.signal(sig, signal.SIG_IGN)
    return status


def _report(exc: BaseException) -> int:
    import sys

    with contextlib.suppress(Exception):
        sys.stderr.write(f"error: {describe(exc)}\n")
        sys.stderr.flush()
    return exit_status(exc)
