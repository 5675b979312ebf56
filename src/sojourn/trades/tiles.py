"""Cutting a trade study into tiles, and computing one tile.

A tile is the unit of work a Dask worker runs: either one round trip search
(:class:`RoundTripTile`: one opportunity, one vehicle, one parking orbit, one
stay range) or one block of a porkchop grid (:class:`PorkchopTile`). Each tile
carries everything it needs as plain data, and its ``id`` is a hash of those
inputs, so the same tile has the same id in every run and on every machine.
:func:`compute_tile` is pure and deterministic: the same tile gives the same
bytes in any process, which is what lets a study resume and lets a distributed
run be checked against a local one.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Optional, Union

import numpy as np

from sojourn.trades.study import Study, normalised

__all__ = ["PorkchopTile", "RoundTripTile", "compute_tile", "plan_opportunities", "plan_tiles"]

TYPE_CODES = {0: "", 1: "I", 2: "II"}
"""``transfer_type`` codes of porkchop tiles: 0 no solution, 1 type I, 2 type II."""


def _tile_id(kind: str, inputs: dict) -> str:
    return hashlib.sha256(normalised({"kind": kind, **inputs}).encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class RoundTripTile:
    """The best round trip of one opportunity for one (vehicle, parking orbit, stay range).

    Attributes
    ----------
    id : str
        Hash of the inputs below (except ``source``).
    opportunity : int
        Year of the opportunity's least-C3 launch.
    t_first, t_last : float
        The opportunity's launch dates, TDB seconds past J2000.
    vehicle : str
    parking_altitude_km : float
    stay_days : (float, float) or None
        Stay range, days; None: the scenario's.
    scenario : dict
        The combination's scenario, TOML-shaped (:meth:`Scenario.to_dict`).
    source : str
        Where the scenario came from (for the binding constraint's name).
    dispersions : dict or None
        ``samples``, ``seed``, ``tcm_days`` of a Monte Carlo of the outbound leg.
    """

    id: str
    opportunity: int
    t_first: float
    t_last: float
    vehicle: str
    parking_altitude_km: float
    stay_days: Optional[tuple]
    scenario: dict = field(repr=False)
    source: str = ""
    dispersions: Optional[dict] = None

    kind = "roundtrip"


@dataclass(frozen=True)
class PorkchopTile:
    """One block of a porkchop grid: launch rows ``rows`` by arrival columns ``cols``.

    Attributes
    ----------
    id : str
    frm, to : str
        Departure and arrival bodies (canonical names).
    launch, arrive : (float, float)
        The grid's windows, TDB seconds past J2000.
    step_days : float
        Grid step on both axes, days.
    rows, cols : (int, int)
        Half-open index ranges of the block in the whole grid.
    """

    id: str
    frm: str
    to: str
    launch: tuple
    arrive: tuple
    step_days: float
    rows: tuple
    cols: tuple

    kind = "porkchop"

    @property
    def cells(self) -> int:
        return (self.rows[1] - self.rows[0]) * (self.cols[1] - self.cols[0])


Tile = Union[RoundTripTile, PorkchopTile]


def plan_opportunities(study: Study, ephemeris=None) -> list[dict]:
    """The launch opportunities of the study's span, as plain records.

    Cut exactly as :func:`sojourn.mission.plan.survey` cuts a span, by
    :func:`sojourn.transfer.opportunities.opportunity_slots`.

    Returns
    -------
    list of dict
        ``year``, ``start`` and ``end`` (launch dates, TDB seconds past J2000), in launch order;
        empty when the study has no ``[opportunities]``.
    """
    from sojourn.transfer.opportunities import opportunity_slots

    if study.opportunities is None:
        return []
    sc = study.scenario
    slots = opportunity_slots(sc.mission.origin, sc.mission.destination, study.opportunities.start,
                              study.opportunities.end, ephemeris=ephemeris)
    return [{"year": s.year, "start": float(s.start), "end": float(s.end)} for s in slots]


def porkchop_axes(tile_or_sweep) -> tuple[np.ndarray, np.ndarray]:
    """Launch and arrival epochs (TDB s) of a porkchop sweep's whole grid."""
    from sojourn.transfer.porkchop import Window

    return (Window(*tile_or_sweep.launch).epochs(tile_or_sweep.step_days),
            Window(*tile_or_sweep.arrive).epochs(tile_or_sweep.step_days))


@dataclass(frozen=True)
class PorkchopGrid:
    """The whole grid of a ``[porkchop]`` sweep and how it is cut.

    Attributes
    ----------
    frm, to : str
    launch, arrive : (float, float)
        TDB seconds past J2000.
    step_days : float
    shape : (int, int)
        Launch epochs by arrival epochs.
    tile_shape : (int, int)
        Rows and columns of a (full) tile; the Zarr chunks.
    """

    frm: str
    to: str
    launch: tuple
    arrive: tuple
    step_days: float
    shape: tuple
    tile_shape: tuple

    def to_json(self) -> dict:
        return {"from": self.frm, "to": self.to, "launch": list(self.launch), "arrive": list(self.arrive),
                "step_days": self.step_days, "shape": list(self.shape), "tile_shape": list(self.tile_shape)}


def porkchop_grid(study: Study, ephemeris=None) -> Optional[PorkchopGrid]:
    """The study's porkchop grid, checked against the ephemeris; None without ``[porkchop]``.

    Raises
    ------
    InputError, EphemerisRangeError
        An unknown body, windows in the wrong order, dates outside the ephemeris.
    """
    from sojourn.bodies import get_body
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.errors import InputError
    from sojourn.transfer.porkchop import Window

    p = study.porkchop
    if p is None:
        return None
    where = f"{study.source}: porkchop"
    dep = get_body(p.from_ or study.scenario.mission.origin, f"{where}.from")
    arr = get_body(p.to or study.scenario.mission.destination, f"{where}.to")
    if dep.name == arr.name:
        raise InputError(f"departure and arrival are the same body: {dep.name}", f"{where}.to")
    launch = Window.parse(p.launch, f"{where}.launch")
    arrive = Window.parse(p.arrive, f"{where}.arrive")
    if arrive.end <= launch.start:
        raise InputError("arrival window ends before the launch window opens", f"{where}.arrive")
    eph = resolve_ephemeris(ephemeris)
    eph.check_range(dep, launch.start, launch.end, f"{where}.launch")
    eph.check_range(arr, arrive.start, arrive.end, f"{where}.arrive")
    n = launch.epochs(p.step_days).size
    m = arrive.epochs(p.step_days).size
    cols = min(m, max(1, math.isqrt(p.tile_cells)))
    rows = min(n, max(1, p.tile_cells // cols))
    return PorkchopGrid(dep.name, arr.name, (launch.start, launch.end), (arrive.start, arrive.end),
                        float(p.step_days), (n, m), (rows, cols))


def plan_tiles(study: Study, opportunities: list[dict], grid: Optional[PorkchopGrid] = None) -> list[Tile]:
    """Every tile of a study, in a fixed order.

    Parameters
    ----------
    study : Study
    opportunities : list of dict
        From :func:`plan_opportunities` (or a store's manifest).
    grid : PorkchopGrid, optional
        From :func:`porkchop_grid`.

    Returns
    -------
    list of RoundTripTile and PorkchopTile
        Round trips by opportunity, then vehicle, parking altitude and stay;
        then porkchop blocks row by row.
    """
    tiles: list[Tile] = []
    disp = study.dispersions.model_dump() if study.dispersions is not None else None
    scenarios = [combo.scenario.to_dict() for combo in study.combinations]  # shared by every opportunity's tile
    for opp in opportunities:
        for combo, scenario in zip(study.combinations, scenarios):
            stay = list(combo.stay_days) if combo.stay_days is not None else None
            inputs = {"opportunity": opp["year"], "t": [opp["start"], opp["end"]], "vehicle": combo.vehicle,
                      "parking_altitude_km": combo.parking_altitude_km, "stay_days": stay,
                      "scenario": scenario, "dispersions": disp}
            tiles.append(RoundTripTile(_tile_id("roundtrip", inputs), opp["year"], opp["start"], opp["end"],
                                       combo.vehicle, combo.parking_altitude_km,
                                       tuple(stay) if stay else None, scenario, combo.scenario.source, disp))
    if grid is not None:
        (n, m), (tr, tc) = grid.shape, grid.tile_shape
        for r0 in range(0, n, tr):
            for c0 in range(0, m, tc):
                rows, cols = (r0, min(n, r0 + tr)), (c0, min(m, c0 + tc))
                inputs = {"from": grid.frm, "to": grid.to, "launch": list(grid.launch), "arrive": list(grid.arrive),
                          "step_days": grid.step_days, "rows": list(rows), "cols": list(cols)}
                tiles.append(PorkchopTile(_tile_id("porkchop", inputs), grid.frm, grid.to, grid.launch,
                                          grid.arrive, grid.step_days, rows, cols))
    return tiles


# ---------------------------------------------------------------------------
# Computing a tile (runs on a worker)


def compute_tile(tile: Tile, ephemeris=None):
    """Compute one tile; pure and deterministic.

    Parameters
    ----------
    tile : RoundTripTile or PorkchopTile
    ephemeris : ShippedEphemeris or str, optional
        The ephemeris :func:`sojourn.trades.workers.ship_ephemeris` sent to
        this worker, or an SPK file path readable where the tile runs; default
        DE421.

    Returns
    -------
    dict
        A round trip's row (:func:`round_trip_row`) or a porkchop block
        (:func:`porkchop_block`).
    """
    if type(ephemeris).__name__ == "ShippedEphemeris":  # no import of distributed unless on a worker
        from sojourn.trades.workers import worker_ephemeris

        ephemeris = worker_ephemeris(ephemeris)
    if isinstance(tile, PorkchopTile):
        return porkchop_block(tile, ephemeris)
    return round_trip_row(tile, ephemeris)


ROW_FIELDS = (
    "tile_id", "opportunity", "vehicle", "parking_altitude_km", "stay_min_days", "stay_max_days",
    "feasible", "binding_constraint", "reason",
    "launch", "mars_arrival", "mars_departure", "earth_arrival",
    "outbound_days", "stay_days", "return_days", "total_days",
    "total_dv_kms", "dv_earth_departure_kms", "dv_mars_arrival_kms", "dv_mars_departure_kms",
    "dv_earth_arrival_kms", "c3_launch", "earth_entry_speed_kms", "dv_flybys_kms", "flybys",
    "propellant_kg", "propellant_closes",
    "dispersion_samples", "miss_probability", "miss_probability_after_tcm", "tcm_p99_ms",
)
"""Columns of a round-trip row, in order. Dates are UTC (minute); a value the tile has not
(no trajectory, no stages, no dispersions) is None, never NaN."""


def round_trip_row(tile: RoundTripTile, ephemeris: Optional[str] = None) -> dict:
    """The best round trip of a tile's opportunity, as one row of :data:`ROW_FIELDS`.

    An infeasible combination is a row with ``feasible`` False, the binding
    constraint (``"constraints.max_c3"``, ``"vessel.stages"`` ...) and the reason;
    a trajectory whose propellant does not close keeps its dates and Δv.
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.plan import plan_window
    from sojourn.mission.scenario import Scenario
    from sojourn.results import utc_text

    eph = resolve_ephemeris(ephemeris)
    sc = Scenario.from_dict(tile.scenario, source=tile.source)
    row = dict.fromkeys(ROW_FIELDS)
    stay = tile.stay_days
    if stay is None:
        stay = sc.stay_limits()
    row.update(tile_id=tile.id, opportunity=tile.opportunity, vehicle=tile.vehicle,
               parking_altitude_km=tile.parking_altitude_km, stay_min_days=float(stay[0]),
               stay_max_days=float(stay[1]))
    plan, binding, reason = plan_window(sc, tile.t_first, tile.t_last, eph)
    if plan is None:
        row.update(feasible=False, binding_constraint=binding, reason=reason)
        return row
    out, back = plan.legs
    dv = {b.name: b.dv_kms for b in plan.burns}
    minute = lambda when: utc_text(when, "minute")  # noqa: E731
    row.update(
        feasible=True, launch=minute(out.depart), mars_arrival=minute(out.arrive), mars_departure=minute(back.depart),
        earth_arrival=minute(back.arrive), outbound_days=out.tof_days, stay_days=plan.stay_days,
        return_days=back.tof_days, total_days=plan.total_days, total_dv_kms=plan.total_dv_kms,
        dv_earth_departure_kms=dv["earth_departure"], dv_mars_arrival_kms=dv["mars_arrival"],
        dv_mars_departure_kms=dv["mars_departure"], dv_earth_arrival_kms=dv["earth_arrival"],
        c3_launch=out.c3, earth_entry_speed_kms=back.entry_speed_kms,
        dv_flybys_kms=sum(b.dv_kms for b in plan.burns if b.name.endswith("_flyby") or "_flyby_" in b.name),
        flybys=", ".join(f"{f.body} {utc_text(f.date, 'date')}" for f in plan.flybys),
    )
    if sc.vessel is not None and sc.vessel.stages:
        row.update(propellant_kg=plan.budget.total_propellant_kg, propellant_closes=plan.budget.closes)
    if binding is not None:  # the vessel runs out of propellant: dates and Δv kept, not feasible
        row.update(feasible=False, binding_constraint=binding, reason=reason)
    if tile.dispersions is not None:
        from sojourn.contingency.dispersions import leg_target, run_dispersions

        d = tile.dispersions
        result = run_dispersions(*leg_target(sc, plan.legs[0], "outbound"), samples=int(d["samples"]),
                                 seed=int(d["seed"]), tcm_days=float(d["tcm_days"]), ephemeris=eph)
        row.update(dispersion_samples=int(d["samples"]),
                   miss_probability=result.stats["corridor"]["miss_probability"],
                   miss_probability_after_tcm=result.stats["corridor_after_tcm"]["miss_probability"],
                   tcm_p99_ms=result.stats["tcm"]["p99_ms"])
    return row


def porkchop_block(tile: PorkchopTile, ephemeris: Optional[str] = None) -> dict:
    """One block of a porkchop grid, in one pass of the compiled kernel.

    Returns
    -------
    dict
        ``c3_launch`` (km^2/s^2) and ``vinf_arrival`` (km/s): float32 arrays of
        the block's shape, NaN without a solution; ``transfer_type``: int8
        (:data:`TYPE_CODES`); ``solved``: cells with a solution; ``best``: for
        each transfer type, the block's least-C3 cell as ``{type, row, col,
        c3, vinf_arrival}`` (whole-grid indices, float64 values), off the 180°
        ridge (:data:`~sojourn.transfer.opportunities.RIDGE_DEG`) as ``porkchop``
        and ``windows`` take it.
    """
    from sojourn.bodies import GM_SUN
    from sojourn.core.transfer_grid import BEST, Grid, fill_grid
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.transfer.opportunities import RIDGE_DEG

    eph = resolve_ephemeris(ephemeris)
    t_dep, t_arr = porkchop_axes(tile)
    t_dep = t_dep[tile.rows[0]:tile.rows[1]]
    t_arr = t_arr[tile.cols[0]:tile.cols[1]]
    r_dep, v_dep = eph.state(tile.frm, t_dep)
    r_arr, v_arr = eph.state(tile.to, t_arr)
    g = Grid.empty(t_dep.size, t_arr.size)
    fill_grid(GM_SUN, r_dep, v_dep, t_dep, r_arr, v_arr, t_arr, g, asymptote=False, ridge_deg=RIDGE_DEG)
    ok = g.status == 0
    kind = np.where(ok, np.where(g.transfer_type == "II", 2, 1), 0).astype(np.int8)
    best = []
    for code in (1, 2):
        cols = g.best[:, BEST.index(f"{TYPE_CODES[code]} min_c3")]  # each launch row's least C3 off the ridge
        rows = np.flatnonzero(cols >= 0)
        if rows.size == 0:
            continue
        i = int(rows[np.argmin(g.c3[rows, cols[rows]])])
        j = int(cols[i])
        best.append({"type": TYPE_CODES[code], "row": tile.rows[0] + i, "col": tile.cols[0] + j,
                     "c3": float(g.c3[i, j]), "vinf_arrival": float(g.vinf_arr[i, j])})
    return {"c3_launch": g.c3.astype(np.float32), "vinf_arrival": g.vinf_arr.astype(np.float32),
            "transfer_type": kind, "solved": int(ok.sum()), "best": best}
