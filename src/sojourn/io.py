"""Writing output files so that a failure never leaves a half-written one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

from sojourn.errors import InputError


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    The temporary file keeps the suffix of ``path`` so that writers that pick a
    format by suffix (matplotlib, netCDF) still do. On any exception the temporary
    file is removed and ``path`` is left as it was.

    Parameters
    ----------
    path : str or os.PathLike
        The final output file.

    Raises
    ------
    InputError
        If the directory of ``path`` does not exist.
    """
    final = Path(path)
    directory = final.parent if str(final.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"output directory does not exist: '{directory}'", str(final))
    try:
        # a short fixed prefix: the temporary name is no longer than the final one needs
        fd, tmp = tempfile.mkstemp(prefix=".sojourn-", suffix=final.suffix, dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write here: {exc.strerror or exc}", str(final)) from None
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs get the usual mode
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        try:
            os.replace(tmp_path, final)
        except OSError as exc:  # e.g. the output path is a directory
            raise InputError(f"cannot write the output file: {exc.strerror or exc}", str(final)) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def output_directory(path: str | os.PathLike, where: str) -> Path:
    """Make an output directory (not its parents) if it is missing; a refusal is one InputError.

    Parameters
    ----------
    path : str or os.PathLike
        The directory.
    where : str
        The parameter that names it.
    """
    p = Path(path)
    try:
        p.mkdir(exist_ok=True)
    except FileNotFoundError:
        raise InputError(f"output directory's parent does not exist: '{p.parent}'", where) from None
    except OSError as exc:
        raise InputError(f"cannot make the output directory '{p}': {exc.strerror or exc}", where) from None
    if not p.is_dir():
        raise InputError(f"not a directory: '{p}'", where)
    return p


def write_netcdf(ds, path: str | os.PathLike) -> Path:
    """Write an xarray Dataset as netCDF, atomically (a failure leaves no partial file)."""
    final = Path(path)
    with atomic_path(final) as tmp:
        ds.to_netcdf(tmp)
    return final
