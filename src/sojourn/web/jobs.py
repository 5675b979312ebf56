"""Long work off the event loop: a process pool, jobs with progress and cancel, and a cache.

Every computation the web app runs is a *job*: a function of :mod:`sojourn.web.work`
called in a worker process of a :class:`~concurrent.futures.ProcessPoolExecutor`.
The event loop never computes; it only waits.

- **Progress.** The worker builds the library's ``progress(done, total, label)``
  callback (:mod:`sojourn.progress`) from the job's *slot*: it sends
  ``(slot, done, total, label)`` through one multiprocessing queue, at most ten
  times a second; a thread of the server reads the queue and updates the job.
- **Cancel.** Each slot has a flag in shared memory; the callback raises when its
  flag is set, which stops the library at its next report.
- **Cache.** Jobs are keyed by their inputs (already parsed: dates as TDB
  seconds, scenarios by their digest). A request whose key is cached is answered
  at once; one whose key is running joins that job. Results are kept in a
  least-recently-used cache bounded by entries and bytes; errors the inputs
  cause (a :class:`~sojourn.errors.SojournError`) are cached too, a cancel never.
- **Capacity.** At most ``workers + queue`` jobs are queued or running; beyond
  that :class:`Busy` (HTTP 503 with ``Retry-After``) before any work.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import os
import secrets
import threading
import time
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

log = logging.getLogger("sojourn.web")

#: The states of a job, in the order a job goes through them.
STATES = ("queued", "running", "done", "failed", "cancelled")


class Busy(Exception):
    """The queue is full: try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"the server is busy: {retry_after} s")
        self.retry_after = retry_after


@dataclass
class Job:
    """One computation and what the page may ask about it.

    Attributes
    ----------
    id : str
        Random and unguessable (the job's URL).
    kind : str
        What is computed (``"porkchop"``, ``"plan"`` …).
    key : tuple
        The parsed inputs: equal keys give equal results.
    state : str
        One of :data:`STATES`.
    done, total : float
        Progress in the units the library counts (cells, days, samples).
    label : str
        What is counted.
    result : Any
        The worker's return value when ``state == "done"``.
    error : dict or None
        ``{"error", "where", ...}`` when ``state == "failed"`` (``status``: the HTTP status).
    """

    id: str
    kind: str
    key: tuple
    state: str = "queued"
    done: float = 0.0
    total: float = 0.0
    label: str = ""
    created: float = field(default_factory=time.time)
    finished: Optional[float] = None
    result: Any = None
    error: Optional[dict] = None
    cached: bool = False
    slot: Optional[int] = None
    held: bool = False
    waiters: int = 0
    future: Optional[asyncio.Future] = None

    @property
    def fraction(self) -> float:
        """Share of the work done, 0 to 1."""
        if self.state == "done":
            return 1.0
        return min(1.0, self.done / self.total) if self.total > 0 else 0.0

    @property
    def over(self) -> bool:
        return self.state in ("done", "failed", "cancelled")

    def status(self) -> dict:
        """The job as the page sees it (no result)."""
        return {"id": self.id, "kind": self.kind, "state": self.state, "fraction": round(self.fraction, 4),
                "done": self.done, "total": self.total, "label": self.label, "cached": self.cached,
                "error": self.error}


# ---------------------------------------------------------------------------------------------
# the worker side


class Cancelled(Exception):
    """Raised by a job's progress callback when the page cancelled it."""


_WORKER: dict = {}


def _worker_init(queue, flags) -> None:  # pragma: no cover - runs in the worker processes
    _WORKER["queue"], _WORKER["flags"] = queue, flags
    # The library's kernels use every core when asked; a worker is one of the pool's cores.
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    # Computations yield to the server's event loop, so the page and /api/health answer at once.
    try:
        os.nice(10)
    except OSError:
        pass


def _progress_for(slot: int) -> Callable[[float, float, str], None]:  # pragma: no cover - in workers
    queue, flags = _WORKER["queue"], _WORKER["flags"]
    last = [0.0]

    def progress(done: float, total: float, label: str) -> None:
        if flags[slot]:
            raise Cancelled()
        now = time.monotonic()
        if now - last[0] >= 0.1 or done >= total:
            last[0] = now
            queue.put((slot, float(done), float(total), str(label)))

    return progress


def _run_in_worker(fn: Callable, slot: int, args: tuple, kwargs: dict):  # pragma: no cover - in workers
    """Call ``fn(*args, progress=..., **kwargs)``; errors come back as data (exceptions may not pickle whole)."""
    from sojourn.errors import SojournError

    _WORKER["queue"].put((slot, -1.0, 0.0, "started"))
    try:
        return ("ok", fn(*args, progress=_progress_for(slot), **kwargs))
    except Cancelled:
        return ("cancelled", None)
    except SojournError as exc:
        return ("error", {"error": exc.message, "where": exc.where, "key": getattr(exc, "key", None),
                          "line": getattr(exc, "line", None), "type": type(exc).__name__})


def _warm() -> int:  # pragma: no cover - in workers
    """Load the compiled kernels and the default ephemeris, so a worker's first job is not slow."""
    from sojourn.web.work import warm

    warm()
    return os.getpid()


# ---------------------------------------------------------------------------------------------
# the cache


def nbytes(value: Any) -> int:
    """About how many bytes a result holds (arrays and text counted, the rest guessed)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, (bytes, bytearray, str)):
        return len(value)
    if isinstance(value, dict):
        return 64 + sum(nbytes(k) + nbytes(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return 64 + sum(nbytes(v) for v in value)
    if hasattr(value, "nbytes"):  # xarray Datasets, pandas frames
        try:
            return int(value.nbytes)
        except Exception:  # noqa: BLE001 - a guess is enough
            return 1 << 16
    return 256


class Cache:
    """Finished jobs by key, least recently used first out, within ``entries`` and ``max_bytes``."""

    def __init__(self, entries: int, max_bytes: int):
        self.entries = entries
        self.max_bytes = max_bytes
        self._data: OrderedDict[tuple, tuple[Job, int]] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple) -> Optional[Job]:
        item = self._data.get(key)
        if item is None:
            self.misses += 1
            return None
        self._data.move_to_end(key)
        self.hits += 1
        return item[0]

    def put(self, job: Job) -> None:
        size = nbytes(job.result) + nbytes(job.error or {})
        if size > self.max_bytes:
            return
        old = self._data.pop(job.key, None)
        if old is not None:
            self.bytes -= old[1]
        self._data[job.key] = (job, size)
        self.bytes += size
        while len(self._data) > self.entries or self.bytes > self.max_bytes:
            _, (_, s) = self._data.popitem(last=False)
            self.bytes -= s

    def __len__(self) -> int:
        return len(self._data)


# ---------------------------------------------------------------------------------------------
# the server side


def default_workers() -> int:
    """Worker processes by default: one fewer than the cores this process may use, at least one."""
    from sojourn.core.threads import usable_cores

    return max(1, usable_cores() - 1)


@dataclass(frozen=True)
class Capacity:
    """How much work the server takes on.

    Attributes
    ----------
    workers : int
        Worker processes (each computes one job at a time). Default: one
        fewer than the machine's cores, at least one, so that the event loop
        (which answers every request, ``/api/health`` among them) keeps a core.
    queue : int
        Jobs that may wait for a worker beyond those running.
    cache_entries, cache_mb : int
        Bounds of the result cache.
    keep_s : float
        How long a finished job stays reachable by its id, s.
    """

    workers: int = field(default_factory=default_workers)
    queue: int = 16
    cache_entries: int = 128
    cache_mb: int = 512
    keep_s: float = 900.0


class Jobs:
    """The pool, the running jobs, the cache. Create inside the event loop; :meth:`close` at shutdown."""

    def __init__(self, capacity: Capacity = Capacity()):
        self.capacity = capacity
        ctx = mp.get_context("spawn")  # no fork of a threaded server
        self._slots = capacity.workers + capacity.queue
        self._flags = ctx.Array("b", self._slots, lock=False)
        self._queue = ctx.Queue()
        self._ctx = ctx
        self._pool = self._new_pool()
        self._free = list(range(self._slots))
        self._by_slot: dict[int, Job] = {}
        self._by_id: dict[str, Job] = {}
        self._running: dict[tuple, Job] = {}
        self.cache = Cache(capacity.cache_entries, capacity.cache_mb << 20)
        self._loop = asyncio.get_running_loop()
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read_progress, name="sojourn-progress", daemon=True)
        self._reader.start()
        self.started = time.time()
        self.completed = 0

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.capacity.workers, mp_context=self._ctx, initializer=_worker_init,
                                   initargs=(self._queue, self._flags))

    async def warm(self) -> None:
        """Start every worker and load the kernels in it (the first requests are then quick)."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self._pool, _warm) for _ in range(self.capacity.workers)))

    def _read_progress(self) -> None:
        while not self._stop.is_set():
            try:
                slot, done, total, label = self._queue.get(timeout=0.2)
            except Exception:  # noqa: BLE001 - queue.Empty, or the queue closed at shutdown
                continue
            try:
                self._loop.call_soon_threadsafe(self._progress, slot, done, total, label)
            except RuntimeError:  # the loop is closed: the server is stopping
                return

    def _progress(self, slot: int, done: float, total: float, label: str) -> None:
        job = self._by_slot.get(slot)
        if job is None or job.over:
            return
        job.state = "running"
        if done >= 0:
            job.done, job.total, job.label = done, total, label

    # -- asking ---------------------------------------------------------------------------

    def get(self, job_id: str) -> Optional[Job]:
        """A job by its id, if it is still kept."""
        self._forget_old()
        return self._by_id.get(job_id)

    @property
    def active(self) -> int:
        """Jobs queued or running."""
        return self._slots - len(self._free)

    def submit(self, kind: str, key: tuple, fn: Callable, *args, **kwargs) -> Job:
        """The job for ``key``: finished from the cache, the one already running, or a new one.

        Raises
        ------
        Busy
            Every slot is taken (before any work is done).
        """
        key = (kind, *key)
        cached = self.cache.get(key)
        if cached is not None:
            job = Job(_new_id(), kind, key, state=cached.state, done=cached.total, total=cached.total,
                      label=cached.label, finished=time.time(), result=cached.result, error=cached.error,
                      cached=True)
            self._by_id[job.id] = job
            return job
        running = self._running.get(key)
        if running is not None:
            return running
        if not self._free:
            raise Busy(self.retry_after())
        job = Job(_new_id(), kind, key, slot=self._free.pop())
        self._flags[job.slot] = 0
        self._by_slot[job.slot] = job
        self._by_id[job.id] = job
        self._running[key] = job
        job.future = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().create_task(self._run(job, fn, args, kwargs))
        return job

    def retry_after(self) -> int:
        """Seconds a client should wait before asking again when the queue is full."""
        return max(1, min(30, 2 * self.active // max(1, self.capacity.workers)))

    async def _run(self, job: Job, fn: Callable, args: tuple, kwargs: dict) -> None:
        loop = asyncio.get_running_loop()
        try:
            outcome, value = await loop.run_in_executor(self._pool, _run_in_worker, fn, job.slot, args, kwargs)
        except BrokenProcessPool:
            log.error("a worker process died while computing %s: starting new workers", job.kind)
            self._pool = self._new_pool()
            outcome, value = "crash", None
        except Exception:  # noqa: BLE001 - a bug in a job must not take the server down
            log.exception("job %s (%s) failed", job.id, job.kind)
            outcome, value = "crash", None
        self._finish(job, outcome, value)

    def _finish(self, job: Job, outcome: str, value: Any) -> None:
        self._by_slot.pop(job.slot, None)
        self._free.append(job.slot)
        if job.state == "cancelled":  # already told; the slot was held until the worker stopped
            self.completed += 1
            return
        if outcome == "cancelled":
            job.state = "cancelled"
        elif outcome == "ok":
            job.state, job.result, job.done = "done", value, max(job.done, job.total)
        elif outcome == "error":
            job.state, job.error = "failed", {**value, "status": 422}
        else:
            job.state = "failed"
            job.error = {"error": "the computation failed inside the server", "where": None, "status": 500}
        job.finished = time.time()
        if self._running.get(job.key) is job:
            del self._running[job.key]
        if job.state == "done" or (job.state == "failed" and job.error["status"] == 422):
            self.cache.put(job)
        self.completed += 1
        if job.future is not None and not job.future.done():
            job.future.set_result(job)

    def cancel(self, job: Job) -> None:
        """Stop a job at the library's next progress report (a finished job stays as it is)."""
        if job.over:
            return
        self._flags[job.slot] = 1
        job.state = "cancelled"
        job.finished = time.time()
        if self._running.get(job.key) is job:  # a new request for the same inputs starts afresh
            del self._running[job.key]
        if job.future is not None and not job.future.done():
            job.future.set_result(job)

    async def wait(self, job: Job, disconnected: Optional[Callable] = None, poll_s: float = 0.25) -> Job:
        """Wait for ``job``; cancel it when ``disconnected()`` turns true and nobody else waits for it."""
        if job.over:
            return job
        job.waiters += 1
        try:
            while True:
                try:
                    return await asyncio.wait_for(asyncio.shield(job.future), poll_s)
                except asyncio.TimeoutError:
                    if disconnected is not None and await disconnected():
                        break
        finally:
            job.waiters -= 1
        if job.waiters == 0 and not job.held:
            self.cancel(job)
        return job

    def _forget_old(self) -> None:
        now = time.time()
        for job_id, job in list(self._by_id.items()):
            if job.over and job.finished is not None and now - job.finished > self.capacity.keep_s:
                del self._by_id[job_id]

    def stats(self) -> dict:
        """Counts for ``/api/health``."""
        return {"workers": self.capacity.workers, "active": self.active, "queue_limit": self._slots,
                "cache_entries": len(self.cache), "cache_mb": round(self.cache.bytes / 2**20, 1),
                "cache_hits": self.cache.hits, "completed": self.completed}

    def close(self) -> None:
        """Cancel what runs and stop the workers."""
        for job in list(self._running.values()):
            self.cancel(job)
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _new_id() -> str:
    return secrets.token_urlsafe(12)
