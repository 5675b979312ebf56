"""The store of a trade study: a directory that fills tile by tile and survives interruptions.

Layout::

    STORE/
      manifest.json            the study's fingerprint, name, opportunities and grid (written once)
      tiles/<id>.parquet       one finished round-trip tile: one row (sojourn.trades.tiles.ROW_FIELDS)
      porkchop.zarr/           the porkchop grid: c3_launch, vinf_arrival (float32), transfer_type
                               (int8), launch_tdb, arrival_tdb; one Zarr chunk per tile
      porkchop-tiles/<id>.json one finished porkchop tile: its cells solved and least-C3 cells

A store is created whole in a temporary directory and renamed into place. Every
tile file is written to a temporary name and renamed, and a porkchop tile
counts as finished only once its ``.json`` is there, after its chunk: a study
interrupted at any moment resumes from exactly the tiles it had finished, and
nothing done is ever lost. A store whose fingerprint is not the study's is
refused, untouched.

A tile damaged from outside (a file emptied by a crash before the disk caught
up, a copy cut short) is found by :meth:`TradeStore.damaged` and recomputed.
One run at a time writes a store: :meth:`TradeStore.acquire` takes an
exclusive lock (``STORE/.lock``, ``flock``), and a second run on the same
store is refused with one line while the first holds it (the lock goes with
its process, so a killed run never leaves a stale one).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Optional

from sojourn.errors import InputError
from sojourn.interrupts import deferred
from sojourn.io import atomic_path, refusals_named, umask

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, one run at a time is the user's care
    fcntl = None

__all__ = ["TradeStore", "default_store_path"]

STORE_FORMAT = "sojourn-trade/1"
MANIFEST = "manifest.json"
_TABLES = "tiles"
_GRID = "porkchop.zarr"
_GRID_TILES = "porkchop-tiles"
LOCK = ".lock"
_ARRAYS = ("c3_launch", "vinf_arrival", "transfer_type")


def default_store_path(study_path: str | os.PathLike) -> Path:
    """``<study>.trade`` beside the study file (``trade-2026.toml`` -> ``trade-2026.trade``)."""
    p = Path(study_path)
    return p.with_name(p.stem + ".trade")


def _schema():
    import pyarrow as pa

    from sojourn.trades.tiles import ROW_FIELDS

    types = {"tile_id": pa.string(), "vehicle": pa.string(), "binding_constraint": pa.string(),
             "reason": pa.string(), "launch": pa.string(), "mars_arrival": pa.string(),
             "mars_departure": pa.string(), "earth_arrival": pa.string(), "opportunity": pa.int32(),
             "dispersion_samples": pa.int64(), "feasible": pa.bool_(), "propellant_closes": pa.bool_(),
             "flybys": pa.string()}
    return pa.schema([(name, types.get(name, pa.float64())) for name in ROW_FIELDS])


class TradeStore:
    """An open trade store (see the module docstring for its layout).

    Use :meth:`open` to reopen one or :meth:`create` to make one; both check
    the study's fingerprint.

    Attributes
    ----------
    path : pathlib.Path
    manifest : dict
        ``format``, ``fingerprint``, ``study``, ``opportunities`` (list of
        ``{year, start, end}``), ``porkchop`` (grid description or None).
    """

    def __init__(self, path: Path, manifest: dict):
        self.path = path
        self.manifest = manifest
        self._grid = None
        self._lock_fd: Optional[int] = None

    # -- opening and creating --------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike, fingerprint: str) -> Optional["TradeStore"]:
        """Reopen the store at ``path`` for the study of ``fingerprint``; None if there is none yet.

        Raises
        ------
        InputError
            ``path`` is a file, a non-empty directory that is not a trade store,
            a damaged store, or a store written by another study (``where``
            names the store).
        """
        path = Path(path)
        where = str(path)
        if not path.exists():
            return None
        if not path.is_dir():
            raise InputError("not a trade store: it is a file", where)
        manifest_file = path / MANIFEST
        if not manifest_file.exists():
            if any(path.iterdir()):
                raise InputError("not a trade store (no manifest.json): choose another store directory", where)
            return None
        try:
            manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
            fmt, theirs, their_name = manifest["format"], manifest["fingerprint"], manifest["study"]
        except (OSError, ValueError, KeyError, TypeError):
            raise InputError("damaged trade store: manifest.json is unreadable; remove the store to start "
                             "the study again", where) from None
        if fmt != STORE_FORMAT:
            raise InputError(f"trade store of another format ('{fmt}', expected '{STORE_FORMAT}')", where)
        if theirs != fingerprint:
            raise InputError(f"the store was written by another study ('{their_name}', fingerprint {theirs[:12]}): "
                             "its tiles are not this study's; use another store directory", where)
        return cls(path, manifest)

    @classmethod
    def create(cls, path: str | os.PathLike, fingerprint: str, study_name: str, opportunities: list[dict],
               grid=None) -> "TradeStore":
        """Make a new store at ``path`` (absent or an empty directory), whole or not at all.

        Parameters
        ----------
        path : str or os.PathLike
        fingerprint : str
            :meth:`sojourn.trades.study.Study.fingerprint`.
        study_name : str
        opportunities : list of dict
            :func:`sojourn.trades.tiles.plan_opportunities`.
        grid : PorkchopGrid, optional
            :func:`sojourn.trades.tiles.porkchop_grid`: creates the Zarr arrays.
        """
        path = Path(path)
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            raise InputError(f"output directory does not exist: '{parent}'", str(path))
        tmp = store = None
        try:
            # no interrupt before its name is known; one held back here is raised within this try
            with deferred(), refusals_named(path, "the trade store"):
                tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=parent))
            store = cls(path, {})
            store._lock_fd = _lock(tmp / LOCK, str(path))  # held from before the store is visible
            (tmp / _TABLES).mkdir()
            if grid is not None:
                (tmp / _GRID_TILES).mkdir()
                _create_grid(tmp / _GRID, grid)
            manifest = {"format": STORE_FORMAT, "fingerprint": fingerprint, "study": study_name,
                        "opportunities": opportunities,
                        "porkchop": grid.to_json() if grid is not None else None}
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
            os.chmod(tmp, 0o777 & ~umask())
            with deferred():
                if path.is_dir():
                    path.rmdir()  # empty (checked by open): rename needs the name free
                os.rename(tmp, path)
        except OSError as exc:
            if store is not None:
                store.release()
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST) and path.is_dir():
                # another run made the store first: use it (its lock says whether it is still writing)
                other = cls.open(path, fingerprint)
                if other is not None:
                    return other
            with refusals_named(path, "the trade store"):  # full, read-only, ...: one line naming it
                raise
        except BaseException:
            if store is not None:
                store.release()
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            raise
        store.manifest = manifest
        return store

    # -- one writer at a time ------------------------------------------------------

    def acquire(self) -> None:
        """Take the store's exclusive lock for this process (no-op if held already).

        Raises
        ------
        InputError
            Another run holds it: which process, and what to do.
        """
        if self._lock_fd is None:
            self._lock_fd = _lock(self.path / LOCK, str(self.path))

    def release(self) -> None:
        """Give the lock back (also done by the process's exit)."""
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            os.close(fd)

    # -- tiles -------------------------------------------------------------------

    def finished(self) -> set[str]:
        """Ids of every finished tile."""
        done = set()
        for sub, suffix in ((_TABLES, ".parquet"), (_GRID_TILES, ".json")):
            d = self.path / sub
            if d.is_dir():
                done.update(p.name[: -len(suffix)] for p in d.iterdir()
                            if p.name.endswith(suffix) and not p.name.startswith("."))
        return done

    def damaged(self, tiles) -> set[str]:
        """Ids of finished tiles whose files cannot be read back whole.

        A round-trip tile's Parquet file must hold its one row; a porkchop
        tile's marker must be its JSON, for its block, and its Zarr chunks must
        not be empty files. Read-only: :meth:`forget` removes them.
        """
        done = self.finished()
        bad = set()
        for tile in tiles:
            if tile.id in done and not self._tile_ok(tile):
                bad.add(tile.id)
        return bad

    def forget(self, tile_ids) -> None:
        """Remove these tiles' files, so that the next run recomputes them (hold the lock)."""
        for k in tile_ids:
            for f in (self.path / _TABLES / f"{k}.parquet", self.path / _GRID_TILES / f"{k}.json"):
                f.unlink(missing_ok=True)

    def _tile_ok(self, tile) -> bool:
        if tile.kind != "porkchop":
            import pyarrow.parquet as pq

            try:
                rows = pq.read_table(self.path / _TABLES / f"{tile.id}.parquet", schema=_schema()).to_pylist()
            except Exception:  # noqa: BLE001 - pyarrow raises ArrowInvalid, OSError, ... for a bad file
                return False
            return len(rows) == 1 and rows[0]["tile_id"] == tile.id
        try:
            marker = json.loads((self.path / _GRID_TILES / f"{tile.id}.json").read_text(encoding="utf-8"))
            ok = (marker["rows"] == list(tile.rows) and marker["cols"] == list(tile.cols)
                  and isinstance(marker["solved"], int) and isinstance(marker["best"], list))
        except (OSError, ValueError, KeyError, TypeError):
            return False
        if not ok:
            return False
        tr, tc = self.manifest["porkchop"]["tile_shape"]
        i, j = tile.rows[0] // tr, tile.cols[0] // tc
        for name in _ARRAYS:  # an absent chunk is the fill value (zarr does not write it); an empty one is damage
            chunk = self.path / _GRID / name / "c" / str(i) / str(j)
            if chunk.exists() and chunk.stat().st_size == 0:
                return False
        return True

    def write(self, tile, result) -> None:
        """Store one finished tile's result (atomically; a porkchop tile's chunk first, then its marker).

        Raises
        ------
        OutputError
            The file system refuses (full, read-only): every tile stored before stays.
        """
        if tile.kind == "porkchop":
            with refusals_named(self.path, "the trade store"):
                self._write_block(tile, result)
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist([result], schema=_schema())
        with atomic_path(self.path / _TABLES / f"{tile.id}.parquet") as tmp:
            pq.write_table(table, tmp)

    def _write_block(self, tile, block: dict) -> None:
        group = self.grid()
        (r0, r1), (c0, c1) = tile.rows, tile.cols
        for name in _ARRAYS:
            group[name][r0:r1, c0:c1] = block[name]
        marker = {"rows": list(tile.rows), "cols": list(tile.cols), "cells": tile.cells,
                  "solved": block["solved"], "best": block["best"]}
        with atomic_path(self.path / _GRID_TILES / f"{tile.id}.json") as tmp:
            tmp.write_text(json.dumps(marker) + "\n", encoding="utf-8")

    # -- reading back ------------------------------------------------------------

    def rows(self, tile_ids: Optional[list[str]] = None) -> list[dict]:
        """Round-trip rows, in the order of ``tile_ids`` (finished tiles only); all when None."""
        import pyarrow.parquet as pq

        d = self.path / _TABLES
        files = sorted(p for p in d.iterdir() if p.suffix == ".parquet" and not p.name.startswith(".")) \
            if d.is_dir() else []
        if not files:
            return []
        by_id = {r["tile_id"]: r for r in pq.read_table(d, schema=_schema()).to_pylist()}
        if tile_ids is None:
            return [by_id[k] for k in sorted(by_id)]
        return [by_id[k] for k in tile_ids if k in by_id]

    def grid(self):
        """The porkchop grid's Zarr group (opened once)."""
        if self._grid is None:
            import zarr

            if not (self.path / _GRID).is_dir():
                raise InputError("this trade store holds no porkchop grid", str(self.path))
            self._grid = zarr.open_group(str(self.path / _GRID), mode="r+")
        return self._grid

    def grid_markers(self, tile_ids: Optional[list[str]] = None) -> list[dict]:
        """The finished porkchop tiles' markers, in the order of ``tile_ids``."""
        d = self.path / _GRID_TILES
        if not d.is_dir():
            return []
        ids = tile_ids if tile_ids is not None else sorted(
            p.name[:-5] for p in d.iterdir() if p.suffix == ".json" and not p.name.startswith("."))
        out = []
        for k in ids:
            f = d / f"{k}.json"
            if f.exists():
                out.append(json.loads(f.read_text(encoding="utf-8")))
        return out


def _lock(path: Path, where: str) -> Optional[int]:
    """An exclusive ``flock`` on ``path`` (made if missing): its descriptor, held until closed.

    None where the file system has no locks (some network file systems):
    then one run at a time is the user's care.
    """
    if fcntl is None:  # pragma: no cover - Windows
        return None
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 200, 0).decode("utf-8", "replace").split()
        os.close(fd)
        who = f" (process {holder[0]} on {holder[1]})" if len(holder) >= 2 else ""
        raise InputError(f"another trade run is writing this store{who}: wait for it to finish, "
                         "or give this run another store", where) from None
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
            return None
        raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()} {socket.gethostname()}\n".encode(), 0)
    return fd



def _create_grid(path: Path, grid) -> None:
    """The empty Zarr arrays of a porkchop grid, chunked one chunk per tile."""
    import numpy as np
    import zarr

    from sojourn.trades.tiles import porkchop_axes
    from sojourn.time import tdb_to_utc_iso

    group = zarr.open_group(str(path), mode="w")
    shape, chunks = tuple(grid.shape), tuple(grid.tile_shape)
    for name, dtype, fill, attrs in (
        ("c3_launch", "float32", np.nan, {"units": "km2 s-2", "long_name": "launch C3"}),
        ("vinf_arrival", "float32", np.nan, {"units": "km s-1", "long_name": "arrival v-infinity"}),
        ("transfer_type", "int8", 0, {"long_name": "0 no solution, 1 type I, 2 type II"}),
    ):
        arr = group.create_array(name, shape=shape, chunks=chunks, dtype=dtype, fill_value=fill,
                                 dimension_names=("launch", "arrival"))
        arr.attrs.update(attrs)
    t_dep, t_arr = porkchop_axes(grid)
    for name, values, dim in (("launch_tdb", t_dep, "launch"), ("arrival_tdb", t_arr, "arrival")):
        arr = group.create_array(name, shape=values.shape, dtype="float64", dimension_names=(dim,))
        arr[:] = values
        arr.attrs.update(units="s", long_name=f"{dim}, TDB seconds past J2000")
    group.attrs.update(from_body=grid.frm, to_body=grid.to, step_days=grid.step_days,
                       launch_window=[tdb_to_utc_iso(grid.launch[0]), tdb_to_utc_iso(grid.launch[1])],
                       arrival_window=[tdb_to_utc_iso(grid.arrive[0]), tdb_to_utc_iso(grid.arrive[1])],
                       model="ballistic zero-revolution Lambert transfers (Izzo 2015), patched conics")
