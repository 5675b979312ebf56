"""What sojourn gives its Dask workers: the ephemeris, by Dask itself, and quiet on Ctrl-C.

**The ephemeris.**

Workers on other machines need not share a file system with the client, nor
have the SPK file at the same path: :func:`ship_ephemeris` registers an
:class:`EphemerisPlugin` carrying the file's bytes and SHA-256 digest. The
scheduler hands the plugin to every worker, now and as workers join or
restart; each writes the file once into its own local directory
(``<worker local directory>/sojourn-ephemeris/<digest>/<name>``) after checking
the digest. A tile then names its ephemeris by :class:`ShippedEphemeris`
(file name and digest) and :func:`worker_ephemeris` opens the worker's copy,
checking the digest again the first time in each worker process. The shipped
DE421 travels the same way (16.8 MB), so every worker computes with exactly
the client's file.

**Interrupts.** A Ctrl-C at the terminal reaches every process of its group,
the workers of a local cluster included, which would each print a traceback.
:class:`IgnoreInterrupts` makes a local cluster's workers ignore SIGINT (a
worker the nanny restarts gets it again); the client alone handles the
interrupt and closes the cluster. Only for clusters sojourn starts: the
workers of a user's own scheduler keep their handlers.
"""

from __future__ import annotations

import hashlib
import os
import signal
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from distributed import WorkerPlugin

from sojourn.errors import EphemerisError

__all__ = ["EphemerisPlugin", "IgnoreInterrupts", "ShippedEphemeris", "file_digest", "ship_ephemeris",
           "worker_ephemeris"]

SUBDIR = "sojourn-ephemeris"
"""Directory, inside each worker's local directory, that holds shipped SPK files."""

_CHUNK = 1 << 20


@dataclass(frozen=True)
class ShippedEphemeris:
    """How a tile names an ephemeris that :func:`ship_ephemeris` sent to the workers.

    Attributes
    ----------
    name : str
        The file's name (``"de421.bsp"``): results and fingerprints use it.
    sha256 : str
        Hex digest of the file's bytes.
    size : int
        Bytes.
    """

    name: str
    sha256: str
    size: int


def file_digest(path: str | os.PathLike) -> str:
    """SHA-256 hex digest of a file, read in 1 MiB pieces."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for piece in iter(lambda: fh.read(_CHUNK), b""):
            h.update(piece)
    return h.hexdigest()


def _local_path(root: str | os.PathLike, ref: ShippedEphemeris) -> Path:
    return Path(root) / SUBDIR / ref.sha256 / ref.name


class EphemerisPlugin(WorkerPlugin):
    """A worker plugin that writes one SPK file into each worker's local directory.

    Parameters
    ----------
    ref : ShippedEphemeris
    data : bytes
        The file's bytes; their digest must be ``ref.sha256``.
    """

    def __init__(self, ref: ShippedEphemeris, data: bytes):
        self.ref = ref
        self.data = data
        self.name = f"sojourn-ephemeris-{ref.sha256[:16]}"  # one registration per file, whatever the run

    def setup(self, worker) -> None:
        """Write the file unless this worker already holds it whole; check the digest first."""
        install(worker.local_directory, self.ref, self.data)


def install(root: str | os.PathLike, ref: ShippedEphemeris, data: bytes) -> Path:
    """Write ``data`` as the shipped file under ``root`` (atomically; kept if already there whole).

    Raises
    ------
    EphemerisError
        The bytes are not those of ``ref`` (damaged on the way).
    """
    if hashlib.sha256(data).hexdigest() != ref.sha256 or len(data) != ref.size:
        raise EphemerisError(f"the ephemeris {ref.name} reached this worker damaged (digest mismatch)",
                             f"sha256 {ref.sha256[:16]}")
    target = _local_path(root, ref)
    if target.is_file() and target.stat().st_size == ref.size:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".sojourn-", suffix=".bsp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def ship_ephemeris(client, eph) -> ShippedEphemeris:
    """Send an ephemeris file to every worker of ``client`` (and every worker that joins later).

    Parameters
    ----------
    client : distributed.Client
    eph : sojourn.ephemeris.Ephemeris
        The client's open ephemeris (its file is read once, here).

    Returns
    -------
    ShippedEphemeris
        What a tile passes as its ``ephemeris`` (:func:`sojourn.trades.tiles.compute_tile`).
    """
    data = Path(eph.path).read_bytes()
    ref = ShippedEphemeris(eph.name, hashlib.sha256(data).hexdigest(), len(data))
    client.register_plugin(EphemerisPlugin(ref, data))
    return ref


_VERIFIED: dict[str, Path] = {}
"""Digest -> path of a shipped file this worker process has checked."""


def worker_ephemeris(ref: ShippedEphemeris, root: str | os.PathLike | None = None):
    """Open the worker's copy of a shipped ephemeris (digest checked once per process).

    Parameters
    ----------
    ref : ShippedEphemeris
    root : str or os.PathLike, optional
        The worker's local directory; default that of the worker running this task.

    Raises
    ------
    EphemerisError
        The file never reached this worker, or its bytes are not the client's.
    """
    from sojourn.ephemeris import load_ephemeris

    if root is None:
        from distributed import get_worker

        root = get_worker().local_directory
    path = _local_path(root, ref)
    if _VERIFIED.get(ref.sha256) != path:
        if not path.is_file():
            raise EphemerisError(f"the ephemeris {ref.name} has not reached this worker", str(path))
        if file_digest(path) != ref.sha256:
            raise EphemerisError(f"this worker's copy of {ref.name} is not the client's (digest mismatch)",
                                 str(path))
        _VERIFIED[ref.sha256] = path
    return load_ephemeris(path)


class IgnoreInterrupts(WorkerPlugin):
    """A worker plugin that makes the worker process ignore SIGINT (for local clusters only)."""

    name = "sojourn-ignore-interrupts"

    def setup(self, worker) -> None:
        # a nanny's worker runs its event loop, and so this, in the process's main thread;
        # a thread-based worker shares the client's process and must keep its handler
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
