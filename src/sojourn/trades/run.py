"""Running a trade study's tiles on Dask distributed, streaming each result into its store.

:func:`run_study` connects to a scheduler (``tcp://HOST:PORT``), or starts a
:class:`distributed.LocalCluster` of ``workers`` single-threaded processes (all
local cores by default): one code path either way. It submits the tiles the
store has not finished, at most ``max_in_flight`` at a time, and writes each
result to the store as soon as it arrives (:func:`distributed.as_completed`),
so memory holds a bounded number of tiles whatever the size of the sweep. A
tile whose worker dies is recomputed elsewhere (the scheduler reschedules it;
``retries`` covers errors raised inside a tile); a study that is stopped keeps
every tile it has stored and resumes from there.

The ephemeris travels to the workers through Dask (:mod:`sojourn.trades.workers`),
so workers need not share a file system with the client. One run at a time
writes a store (its lock); tiles damaged from outside are recomputed. A Ctrl-C
or SIGTERM stops the client, which cancels its tiles and closes the cluster it
started; the workers of that cluster ignore the terminal's Ctrl-C and print
nothing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

from sojourn.errors import InputError
from sojourn.results import Result

__all__ = ["RunReport", "dask_client", "run_study"]

CONNECT_TIMEOUT_S = 5
"""Seconds to wait for a scheduler before giving up on it."""

RETRIES = 2
"""Times a tile that raised is retried (a killed worker's tile is rescheduled regardless)."""

_ADDRESS = re.compile(r"^([a-z]+://)?(\[[0-9a-fA-F:]+\]|[^\s/:\[\]]+):\d{1,5}$")
"""A scheduler address: ``[protocol://]host:port`` (IPv6 hosts in brackets)."""

WORKER_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "OPENBLAS_NUM_THREADS": "1"}
"""Environment of local workers: one process per core, so one thread each. Numba's thread pool
otherwise spins on every core of every worker and slows a round-trip search several times."""


@dataclass
class RunReport:
    """What a run did.

    Attributes
    ----------
    store : pathlib.Path
    tiles : int
        Tiles of the study.
    computed : int
        Tiles computed by this run.
    resumed : int
        Tiles found finished in the store and not recomputed.
    workers : int
        Workers of the cluster (0 when nothing had to be computed).
    computed_ids : list of str
    repaired : int
        Finished tiles found damaged in the store, and computed again.
    trade_store : TradeStore
        The open store, to read the results back.
    plan : list
        Every tile of the study, in order (:func:`sojourn.trades.tiles.plan_tiles`).
    """

    store: Path
    tiles: int
    computed: int
    resumed: int
    workers: int = 0
    computed_ids: list = field(default_factory=list)
    repaired: int = 0
    trade_store: object = field(default=None, repr=False)
    plan: list = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        return {"store": str(self.store), "tiles": self.tiles, "computed": self.computed,
                "resumed": self.resumed, "repaired": self.repaired, "workers": self.workers}


@contextlib.contextmanager
def dask_client(scheduler: Optional[str] = None, workers: Optional[int] = None) -> Iterator:
    """A :class:`distributed.Client` on a scheduler, or on a new local cluster.

    Parameters
    ----------
    scheduler : str, optional
        Scheduler address, e.g. ``"tcp://10.0.0.5:8786"``.
    workers : int, optional
        Without ``scheduler``: worker processes of the local cluster (one thread
        each); default the number of local cores.

    Raises
    ------
    InputError
        Both given, ``workers`` < 1, Dask not installed, or a scheduler that does
        not answer within :data:`CONNECT_TIMEOUT_S` seconds.
    """
    _check_cluster(scheduler, workers)
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("trade studies need Dask: pip install 'sojourn[dask]'", "distributed") from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            if len(reason) > 120:
                reason = reason[:117] + "..."
            raise InputError(f"cannot reach the Dask scheduler {scheduler}: {reason}", "scheduler") from None
        with client:
            yield client
        return
    from sojourn.core.threads import usable_cores
    from sojourn.interrupts import INTERRUPTS, deferred
    from sojourn.trades.workers import IgnoreInterrupts

    n = workers or usable_cores()
    with contextlib.ExitStack() as stack:
        # An interrupt while the cluster starts is raised once it is up (a second or two), so that
        # it is closed whole; its first workers write to /dev/null, not the user's terminal.
        with deferred(), _children_stderr_quiet():
            cluster = stack.enter_context(LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                silence_logs=logging.ERROR, env=dict(WORKER_ENV)))
            client = stack.enter_context(Client(cluster, set_as_default=False))
            client.register_plugin(IgnoreInterrupts())
        try:
            yield client
        except INTERRUPTS:
            # The study stops here: what the scheduler says about the tiles it loses ("couldn't gather
            # keys") is not news to the user, who sees one line.
            logging.getLogger("distributed").setLevel(logging.CRITICAL)
            _kill_workers(cluster)  # their tiles are lost anyway: do not wait for them to finish
            raise


def _kill_workers(cluster) -> None:
    """SIGKILL a local cluster's worker processes, telling their nannies not to restart them."""
    import signal

    for nanny in list(getattr(cluster, "workers", {}).values()):
        with contextlib.suppress(Exception):
            nanny.close_gracefully(reason="sojourn-interrupted")
            if nanny.pid:
                os.kill(nanny.pid, signal.SIGKILL)


@contextlib.contextmanager
def _children_stderr_quiet() -> Iterator[None]:
    """Within: file descriptor 2 is /dev/null, so that processes started here inherit it."""
    import sys

    with contextlib.suppress(Exception):
        sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def _check_cluster(scheduler, workers) -> None:
    if scheduler is not None and workers is not None:
        raise InputError("give a scheduler or a number of local workers, not both", "workers")
    if workers is not None and workers < 1:
        raise InputError(f"the number of workers must be at least 1, got {workers}", "workers")
    if scheduler is not None and not _ADDRESS.match(scheduler):
        raise InputError(f"not a scheduler address: '{scheduler}' (expected tcp://HOST:PORT)", "scheduler")


def run_study(study, store_path, *, scheduler: Optional[str] = None, workers: Optional[int] = None,
              client=None, ephemeris=None, progress=None, max_in_flight: Optional[int] = None,
              on_tile: Optional[Callable[[str], None]] = None) -> RunReport:
    """Compute every tile of a study that its store has not finished.

    Parameters
    ----------
    study : Study
        From :func:`sojourn.trades.study.load_study`.
    store_path : str or os.PathLike
        The store directory; created when absent.
    scheduler, workers
        See :func:`dask_client`.
    client : distributed.Client, optional
        Use this client instead (``scheduler`` and ``workers`` are then ignored).
    ephemeris : str or os.PathLike, optional
        SPK file (default DE421), read here and sent to the workers through Dask
        (:func:`sojourn.trades.workers.ship_ephemeris`): workers need no copy of their own.
    progress : callable, optional
        ``progress(done, total, label)`` as work proceeds (:mod:`sojourn.progress`).
    max_in_flight : int, optional
        Tiles submitted and not yet stored at any time; default twice the workers.
    on_tile : callable, optional
        Called with each tile's id once it is stored.

    Returns
    -------
    RunReport

    Raises
    ------
    InputError
        A store of another study, a store another run is writing, an unreachable scheduler, ...
    EphemerisRangeError
        Opportunities or a grid outside the ephemeris.
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.trades.store import TradeStore
    from sojourn.trades.tiles import plan_opportunities, plan_tiles, porkchop_grid

    if client is None:
        _check_cluster(scheduler, workers)
    eph = resolve_ephemeris(ephemeris)
    fingerprint = study.fingerprint(eph.name)
    store = TradeStore.open(store_path, fingerprint)
    grid = porkchop_grid(study, eph)
    with contextlib.ExitStack() as stack:
        if store is None:
            # a new study: reach the cluster before any planning, so a bad scheduler fails at once
            client = client or stack.enter_context(dask_client(scheduler, workers))
            store = TradeStore.create(store_path, fingerprint, study.name, plan_opportunities(study, eph), grid)
            stack.callback(store.release)  # create() returns it locked
        tiles = plan_tiles(study, store.manifest["opportunities"], grid)
        todo, repaired = _todo(store, tiles), 0
        if todo:
            client = client or stack.enter_context(dask_client(scheduler, workers))
            # one writer at a time: lock (a new store is locked already), then look again
            store.acquire()
            stack.callback(store.release)
            damaged = store.damaged(tiles)
            store.forget(damaged)
            repaired, done = len(damaged), store.finished()
            todo = [t for t in tiles if t.id not in done]
        report = RunReport(Path(store_path), len(tiles), 0, len(tiles) - len(todo), trade_store=store, plan=tiles,
                           repaired=repaired)
        if todo:
            _compute(client, store, todo, eph, report, stack, progress, max_in_flight, on_tile)
    return report


def _todo(store, tiles) -> list:
    """The tiles still to compute: not finished, or finished but damaged."""
    done = store.finished() - store.damaged(tiles)
    return [t for t in tiles if t.id not in done]


def _compute(client, store, todo, eph, report, stack, progress, max_in_flight, on_tile) -> None:
    """Submit ``todo`` with at most ``max_in_flight`` tiles out; store each result as it arrives."""
    from distributed import as_completed

    from sojourn.progress import reporting
    from sojourn.trades.tiles import compute_tile
    from sojourn.trades.workers import ship_ephemeris

    shipped = ship_ephemeris(client, eph)

    info = client.scheduler_info(n_workers=-1) if _takes_n_workers(client) else client.scheduler_info()
    report.workers = len(info["workers"])
    limit = max_in_flight or max(2, 2 * max(report.workers, 1))
    pending = iter(todo)
    out: dict = {}  # key -> (future, tile): the tiles in flight

    def submit_next():
        tile = next(pending, None)
        if tile is None:
            return None
        fut = client.submit(compute_tile, tile, shipped, pure=False, retries=RETRIES,
                            key=f"sojourn-trade-{tile.id}-{os.urandom(4).hex()}")
        out[fut.key] = (fut, tile)
        return fut

    ac = as_completed([f for f in (submit_next() for _ in range(limit)) if f is not None], loop=client.loop)
    bar = stack.enter_context(reporting(progress, report.tiles, "trade tiles"))
    bar(report.resumed)
    try:
        for fut in ac:
            _, tile = out.pop(fut.key)
            result = fut.result()
            fut.release()
            store.write(tile, result)
            del result
            report.computed += 1
            report.computed_ids.append(tile.id)
            bar(1)
            if on_tile is not None:
                on_tile(tile.id)
            nxt = submit_next()
            if nxt is not None:
                ac.add(nxt)
    except BaseException as exc:
        from sojourn.interrupts import INTERRUPTS

        if isinstance(exc, INTERRUPTS):
            logging.getLogger("distributed").setLevel(logging.CRITICAL)
        with contextlib.suppress(Exception):
            client.cancel([f for f, _ in out.values()])
        raise


def _takes_n_workers(client) -> bool:
    import inspect

    return "n_workers" in inspect.signature(client.scheduler_info).parameters


def trade(study, store=None, *, scheduler: Optional[str] = None, workers: Optional[int] = None,
          ephemeris=None, progress=None):
    """Run a trade study on Dask, resuming from its store, and summarise it.

    Every tile (an opportunity and a vehicle, parking orbit and stay, or a block
    of a porkchop grid too large for memory) runs as a Dask task; its result
    streams into the store as soon as it is done, so memory stays bounded and a
    study started again computes only what is missing.

    Parameters
    ----------
    study : Study, str or os.PathLike
        A :class:`~sojourn.trades.study.Study` or the path of its TOML file.
    store : str or os.PathLike, optional
        The store directory; default ``<study>.trade`` beside the study file.
    scheduler : str, optional
        ``tcp://HOST:PORT`` of a running Dask scheduler; the workers need no
        shared file system (the ephemeris travels through Dask).
    workers : int, optional
        Otherwise a local cluster of this many single-threaded worker processes
        (default one per core).
    ephemeris : str or os.PathLike, optional
        SPK file; default DE421.
    progress : callable, optional
        ``progress(done, total, label)`` over tiles (:mod:`sojourn.progress`).

    Returns
    -------
    TradeResult

    Raises
    ------
    InputError
        An invalid study, a store of another study or in use by another run, an
        unreachable scheduler, both ``scheduler`` and ``workers``.
    """
    from sojourn.trades.store import default_store_path
    from sojourn.trades.study import Study, load_study
    from sojourn.trades.summary import summarize

    _check_cluster(scheduler, workers)
    if not isinstance(study, Study):
        path = study
        study = load_study(path)
        store = default_store_path(path) if store is None else store
    elif store is None:
        if study.source.startswith("<"):
            raise InputError("a study not read from a file needs a store directory", "store")
        store = default_store_path(study.source)
    report = run_study(study, store, scheduler=scheduler, workers=workers, ephemeris=ephemeris, progress=progress)
    return TradeResult(summarize(study, report.trade_store, report.plan), report)


@dataclass(frozen=True)
class TradeResult(Result):
    """A trade study's summary and what its run did.

    Attributes
    ----------
    trade_summary : TradeSummary
        The best plan of every opportunity and vehicle (``.table`` is a DataFrame).
    run : RunReport
        Tiles of the study, computed now, resumed and repaired; the store.
    """

    trade_summary: object
    run: object = field(repr=False)

    @property
    def table(self):
        """The best plan of every opportunity and vehicle, a pandas DataFrame."""
        return self.trade_summary.table

    def summary(self) -> list[tuple[str, str]]:
        return self.trade_summary.summary() + [("computed now", str(self.run.computed))]

    def to_dict(self) -> dict:
        return {**self.trade_summary.to_dict(), "run": self.run.to_dict()}
