"""A trade study's result read back from its store: the best of each opportunity and vehicle.

The summary is data first (records for ``--json``); the command line prints it
as a table and :func:`sojourn.plot.trade.plot_trade` draws it. Nothing here
recomputes a trajectory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sojourn.results import Result
from sojourn.time import tdb_to_utc_iso

__all__ = ["TradeSummary", "summarize"]

SUMMARY_FIELDS = (
    "opportunity", "vehicle", "feasible", "total_dv_kms", "launch", "mars_arrival", "mars_departure",
    "earth_arrival", "outbound_days", "stay_days", "return_days", "total_days", "propellant_kg",
    "parking_altitude_km", "stay_min_days", "stay_max_days", "earth_entry_speed_kms",
    "miss_probability_after_tcm", "tcm_p99_ms", "combinations", "feasible_combinations", "binding_constraint", "reason",
)
"""Keys of a summary record. Numbers of an infeasible record are None (JSON null), never NaN."""


@dataclass(frozen=True)
class TradeSummary(Result):
    """The best plan of every (opportunity, vehicle) of a study.

    Attributes
    ----------
    study : str
        Study name.
    objective : str
        What each tile's search minimised.
    records : list of dict
        One per opportunity and vehicle, keys :data:`SUMMARY_FIELDS`: the
        feasible combination (parking orbit, stay range) of least total Δv,
        or, when none is feasible, ``feasible`` False with the binding
        constraint and reason of the first combination.
    vehicles : list of str
        In study order.
    tiles : int
        Tiles of the study; ``finished``: those in the store.
    finished : int
    porkchop : dict or None
        The porkchop grid's cells, cells solved, and least-C3 transfer of each type.
    """

    study: str
    objective: str
    records: list
    vehicles: list
    tiles: int
    finished: int
    porkchop: dict | None = None
    store: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.finished == self.tiles

    @property
    def table(self):
        """The best plan of every opportunity and vehicle as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame.from_records(self.records)

    def summary(self) -> list[tuple[str, str]]:
        feasible = sum(1 for r in self.records if r["feasible"])
        return [("study", self.study), ("tiles", f"{self.finished} of {self.tiles}"),
                ("feasible", f"{feasible} of {len(self.records)}")]

    def to_dict(self) -> dict:
        return {"study": self.study, "objective": self.objective, "store": self.store,
                "tiles": self.tiles, "finished": self.finished, "vehicles": self.vehicles,
                "records": self.records, "porkchop": self.porkchop, **self.extra}


def _best(rows: list[dict]) -> dict:
    feasible = [r for r in rows if r["feasible"]]
    if feasible:
        pick = min(feasible, key=lambda r: (r["total_dv_kms"], r["parking_altitude_km"], r["stay_min_days"],
                                            r["stay_max_days"]))
        rec = {k: pick.get(k) for k in SUMMARY_FIELDS}
        rec.update(binding_constraint=None, reason=None)
    else:
        rec = {k: None for k in SUMMARY_FIELDS}
        first = rows[0]
        rec.update(opportunity=first["opportunity"], vehicle=first["vehicle"], feasible=False,
                   binding_constraint=first["binding_constraint"], reason=first["reason"])
    rec["combinations"] = len(rows)
    rec["feasible_combinations"] = len(feasible)
    for k, v in rec.items():  # a NaN would be a bug upstream; never let one through
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"non-finite {k} in trade row of {rec['opportunity']} {rec['vehicle']}")
    return rec


def summarize(study, store, tiles) -> TradeSummary:
    """Read a study's finished tiles back from its store.

    Parameters
    ----------
    study : Study
    store : TradeStore
    tiles : list
        The study's tiles (:func:`sojourn.trades.tiles.plan_tiles`), which fix the order.

    Returns
    -------
    TradeSummary
    """
    from sojourn.trades.tiles import PorkchopTile

    rt_ids = [t.id for t in tiles if not isinstance(t, PorkchopTile)]
    pc_ids = [t.id for t in tiles if isinstance(t, PorkchopTile)]
    rows = store.rows(rt_ids)
    groups: dict[tuple, list] = {}
    for r in rows:
        groups.setdefault((r["opportunity"], r["vehicle"]), []).append(r)
    vehicles = list(dict.fromkeys(c.vehicle for c in study.combinations))
    order = {v: i for i, v in enumerate(vehicles)}
    records = [_best(groups[k]) for k in sorted(groups, key=lambda k: (k[0], order.get(k[1], 0)))]
    markers = store.grid_markers(pc_ids)
    porkchop = _porkchop_summary(store, markers, len(pc_ids)) if pc_ids else None
    return TradeSummary(study.name, study.scenario.mission.objective if study.study.objective is None
                        else study.study.objective, records, vehicles, len(tiles), len(rows) + len(markers),
                        porkchop, str(store.path))


def _porkchop_summary(store, markers: list[dict], n_tiles: int) -> dict:
    from sojourn.transfer.opportunities import RIDGE_DEG

    grid = store.manifest["porkchop"]
    cells = int(grid["shape"][0]) * int(grid["shape"][1])
    best = {}
    for m in markers:
        for b in m["best"]:
            cur = best.get(b["type"])
            if cur is None or (b["c3"], b["row"], b["col"]) < (cur["c3"], cur["row"], cur["col"]):
                best[b["type"]] = b
    out_best = []
    if best:
        g = store.grid()
        t_dep, t_arr = g["launch_tdb"], g["arrival_tdb"]
        for ttype in sorted(best):
            b = best[ttype]
            out_best.append({"transfer_type": ttype, "launch": tdb_to_utc_iso(float(t_dep[b["row"]]), "minute"),
                             "arrival": tdb_to_utc_iso(float(t_arr[b["col"]]), "minute"),
                             "c3": b["c3"], "vinf_arrival": b["vinf_arrival"]})
    return {"from": grid["from"], "to": grid["to"], "shape": grid["shape"], "cells": cells,
            "step_days": grid["step_days"], "tiles": n_tiles, "finished_tiles": len(markers),
            "cells_done": sum(m["cells"] for m in markers), "solved": sum(m["solved"] for m in markers),
            "ridge_deg": RIDGE_DEG, "least_c3": out_best}
