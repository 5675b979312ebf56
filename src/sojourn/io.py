"""Writing output files so that a failure or an interrupt never leaves a half-written one.

Every output goes to a temporary file beside it (``.sojourn-XXXX<suffix>``) and
is renamed into place only once whole (:func:`atomic_path`). A writer that
blocks in C for long (a large netCDF grid) runs in a child process an
interrupt can kill (:func:`write_atomically` with ``killable=True``, see
:func:`sojourn.interrupts.run_killable`). Output directories are made by
:func:`output_dir`, which removes one it made if the command fails before
writing anything into it.

When the file system says no (no space left, permission denied, a read-only
file system, a quota) the error is one :class:`~sojourn.errors.OutputError`
naming the output, and nothing partial is left.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from sojourn.errors import InputError, OutputError, SojournError

__all__ = ["TEMP_PREFIX", "atomic_path", "atomic_paths", "output_dir", "refusals_named", "umask",
           "write_atomically"]

TEMP_PREFIX = ".sojourn-"
"""Prefix of every temporary output file (hidden; removed on any failure)."""

_REFUSALS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EFBIG: "file too large for the file system",
    errno.EIO: "input/output error",
}
"""What the file system can refuse, in the words of the one-line error."""

_OPEN: set[str] = set()
"""Temporary paths that an :func:`atomic_path` has handed out and not yet committed or removed.
A writer given one of them (a plot function inside :func:`atomic_paths`) writes it directly."""

FULL_BELOW_BYTES = 16 * 2**20
"""A writer that fails without saying why (netCDF's "HDF error") on a file system
with less room than this is reported as having run out of space."""


def _refusal(exc: OSError, what: str, where: Path) -> OutputError | None:
    """The OutputError for an OSError the file system raised, or None if it is not one."""
    reason = _REFUSALS.get(exc.errno)
    return OutputError(f"cannot write {what}: {reason}", str(where)) if reason else None


@contextlib.contextmanager
def refusals_named(where: str | os.PathLike, what: str = "the output") -> Iterator[None]:
    """Within: an OSError by which the file system refuses (full, read-only, ...) becomes an OutputError.

    For outputs written without :func:`atomic_path` (a trade store's directories
    and Zarr chunks); ``where`` names the output in the one-line error.
    """
    try:
        yield
    except OSError as exc:
        refusal = _refusal(exc, what, Path(where))
        if refusal is None:
            raise
        raise refusal from None


def _full(directory: Path) -> bool:
    try:
        st = os.statvfs(directory)
    except (OSError, AttributeError):  # pragma: no cover - no statvfs (Windows)
        return False
    return st.f_bavail * st.f_frsize < FULL_BELOW_BYTES


def _directory(final: Path) -> Path:
    return final.parent if str(final.parent) else Path(".")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    The temporary file keeps the suffix of ``path`` so that writers that pick a
    format by suffix (matplotlib, netCDF) still do. Given a temporary path that
    an enclosing ``atomic_path`` handed out, it yields that path as it is: the
    enclosing one commits, cleans up and names the output. On any exception, an
    interrupt included, the temporary file is removed and ``path`` is left as
    it was; the temporary file is created and renamed with signals held back
    (:func:`sojourn.interrupts.deferred`), so no interrupt can orphan it.

    Parameters
    ----------
    path : str or os.PathLike
        The final output file.

    Raises
    ------
    InputError
        The directory of ``path`` does not exist, or ``path`` is a directory.
    OutputError
        The file system refuses the file: no space left, permission denied,
        read-only, over quota (``where`` is ``path``).
    """
    from sojourn.interrupts import deferred

    final = Path(path)
    if str(final) in _OPEN:  # already another atomic_path's temporary: that one commits, cleans up, names
        yield final
        return
    directory = _directory(final)
    if not directory.is_dir():
        raise InputError(f"output directory does not exist: '{directory}'", str(final))
    tmp_path = None
    try:
        # an interrupt held back here is raised as the block ends: within the try that removes the file
        with deferred():
            try:
                # a short fixed prefix: the temporary name is no longer than the final one needs
                fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=final.suffix, dir=directory)
            except OSError as exc:
                raise (_refusal(exc, "here", final)
                       or InputError(f"cannot write here: {exc.strerror or exc}", str(final))) from None
            tmp_path = Path(tmp)
            _OPEN.add(tmp)
            os.close(fd)
            os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes 0600; outputs get the usual mode
        try:
            yield tmp_path
        except OSError as exc:
            if exc.filename not in (None, tmp, str(tmp_path)):
                raise  # about another file (an input, say): not this output's fault
            refusal = _refusal(exc, "the output file", final)
            if refusal is None:
                raise
            raise refusal from None
        except SojournError:
            raise
        except Exception:
            if _full(directory):  # a writer that hides ENOSPC (netCDF: "HDF error")
                raise OutputError("cannot write the output file: no space left on the device",
                                  str(final)) from None
            raise
        with deferred():
            try:
                os.replace(tmp_path, final)
            except OSError as exc:  # e.g. the output path is a directory
                raise (_refusal(exc, "the output file", final)
                       or InputError(f"cannot write the output file: {exc.strerror or exc}", str(final))) from None
    except BaseException:
        if tmp_path is not None:
            with deferred():
                tmp_path.unlink(missing_ok=True)
        raise
    finally:
        if tmp_path is not None:
            _OPEN.discard(str(tmp_path))


@contextlib.contextmanager
def atomic_paths(*paths: str | os.PathLike) -> Iterator[list[Path]]:
    """Several outputs written together: temporary paths, all renamed only when the block succeeds.

    Each behaves as :func:`atomic_path`; a failure or interrupt anywhere in the
    block leaves every output as it was.
    """
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(atomic_path(p)) for p in paths]


def write_atomically(path: str | os.PathLike, write: Callable[[Path], object], *, killable: bool = False) -> Path:
    """Write one output with ``write(tmp)`` and rename it into place; return ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        The final output file.
    write : callable
        ``write(tmp_path)``: writes the whole file at ``tmp_path`` (same suffix as ``path``).
    killable : bool
        Run ``write`` in a child process that an interrupt kills at once
        (:func:`sojourn.interrupts.run_killable`): for writes that block in C
        for long, such as a large grid to netCDF. Its return value is dropped.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    InputError, OutputError
        As :func:`atomic_path`.
    """
    from sojourn.interrupts import run_killable

    final = Path(path)
    with atomic_path(final) as tmp:
        if killable:
            run_killable(_call_dropping_result, write, tmp)
        else:
            write(tmp)
    return final


def _call_dropping_result(write, tmp) -> None:
    write(tmp)


@contextlib.contextmanager
def output_dir(path: str | os.PathLike, where: str | None = None) -> Iterator[Path]:
    """Make the output directory ``path`` if it is missing (not its parents); yield it.

    If this call made the directory and the block fails or is interrupted
    while the directory is still empty, the directory is removed again: a
    failed command leaves no trace.

    Parameters
    ----------
    path : str or os.PathLike
    where : str, optional
        Where to say the error is (e.g. an option name); default ``path``.

    Raises
    ------
    InputError
        ``path`` is a file, or its parent does not exist.
    OutputError
        The file system refuses to make it (permission denied, read-only, full).
    """
    from sojourn.interrupts import deferred

    d = Path(path)
    where = where or str(d)
    made = False
    try:
        with deferred():  # an interrupt held back here is raised as the block ends, within this try
            try:
                d.mkdir()
                made = True
            except FileExistsError:
                if not d.is_dir():
                    raise InputError(f"not a directory: '{d}'", where) from None
            except FileNotFoundError:
                raise InputError(f"output directory's parent does not exist: '{_directory(d)}'", where) from None
            except OSError as exc:
                raise (_refusal(exc, "the directory", d)
                       or InputError(f"cannot make the directory: {exc.strerror or exc}", where)) from None
        yield d
    except BaseException:
        if made:
            with deferred(), contextlib.suppress(OSError):
                d.rmdir()  # only when empty
        raise


def umask() -> int:
    """The process's file-mode creation mask (read without changing it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
