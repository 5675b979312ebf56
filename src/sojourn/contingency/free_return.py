"""Free returns: Earth → Mars flyby → Earth with no burn after leaving Earth, directly or past Venus.

A free return is two heliocentric arcs joined by an unpowered Mars swing-by
(patched conics). The outbound Lambert arc, Earth at launch L to Mars at the
flyby F, arrives with v∞_in; the return arc, Mars at F to Earth at the return
R, leaves with v∞_out. The swing-by costs nothing when

* |v∞_in| = |v∞_out| (a flyby turns v∞, it cannot change its length), and
* the turn angle δ = angle(v∞_in, v∞_out) is one a hyperbola of periapsis at
  least R_mars + the minimum altitude can make: δ ≤ δ_max = 2 asin(1/e),
  e = 1 + rp_min v∞² / μ (:func:`sojourn.core.flyby.flyby_turn_angle`),
  with the periapsis inside Mars's sphere of influence.

The flyby altitude reported is the periapsis that gives exactly δ
(:func:`~sojourn.core.flyby.flyby_periapsis_for_turn`) minus Mars's
equatorial radius; the flyby plane is the plane of v∞_in and v∞_out.

Method
------
1. Launch dates L and flyby dates F on one lattice of ``step_days``; return
   dates R on the same lattice. Every outbound arc (L, F) and every return arc
   (F, R) is solved once, in two batched calls of the compiled Lambert kernel
   (zero-revolution, prograde about Earth's orbit normal at the window's
   start); each leg lasts at least :data:`MIN_LEG_DAYS`, the whole trip at
   most ``max_days``.
2. For each launch date the mismatch |v∞_in(L, F)| − |v∞_out(F, R)| over the
   whole (F, R) grid (a compiled scan); where it changes sign between two
   neighbouring return dates and the turn interpolated there is within reach
   (with 2° of slack) is a candidate.
3. All candidates at once: the return date solved by a vectorised
   regula falsi (Illinois) inside its one-step bracket to |mismatch| below
   1e-7 km/s, then the turn angle and flyby periapsis checked exactly.
4. The best feasible free return of each launch date by the ranking
   criterion (launch C3, or Earth entry speed at the 125 km interface).
5. Its flyby epoch refined off the grid, the launch held: SLSQP on the two
   times of flight with |v∞_in| = |v∞_out| as an equality and the turn within
   reach (and the periapsis within the highest altitude) as inequalities, so
   that the answer does not move with the grid step.

Several returns can exist for one launch date (a fast 1.4-year family and
slower ones); only each date's best by the ranking is kept.

Through other flybys (``via``, e.g. Venus): Earth - Venus - Mars - Earth and
Earth - Mars - Venus - Earth are sequences (:mod:`sojourn.transfer.sequence`):
their arcs on one lattice (0.3 to 2 Hohmann times each, the trip at most
``max_days``), the cheapest chain of each launch date found by the compiled
join over powered flybys, then made ballistic by the same refinement (every
flyby epoch free, the launch held) where its flybys need little burn.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from typing import Optional

import numpy as np
from numba import njit, prange

from sojourn import checks
from sojourn.bodies import GM_SUN, get_body
from sojourn.constants import ENTRY_INTERFACE_ALTITUDE_KM
from sojourn.errors import InputError, NoSolutionError
from sojourn.results import Result
from sojourn.time import DAY, tdb_to_datetime, tdb_to_utc_iso

__all__ = ["FreeReturn", "FreeReturnSearch", "free_returns", "RANKS"]

REFINE_MAX_ITER = 40
"""SLSQP iterations of one free return's refinement (a ballistic neighbour converges in 7-17)."""

SEED_FLYBY_WEIGHT = 10.0
"""In the grid of a search through other flybys, each (powered) flyby burn counts this many times its Δv: the
cheapest chain of a launch date is then one near ballistic, the seed a free return is refined from."""

SEED_FLYBY_DV_KMS = 1.0
"""A grid chain through flybys whose powered flybys need more than this in all (km/s) is not refined into a
ballistic one: too far from ballistic to converge to a nearby free return."""

DEFAULT_MIN_FLYBY_ALT_KM = 200.0
"""Lowest flyby periapsis altitude above Mars's equatorial radius by default, km."""

DEFAULT_MAX_DAYS = 1200.0
"""Longest free return searched by default, days: covers the 3-year family."""

MIN_LEG_DAYS = 60.0
"""Shortest leg (Earth to Mars, Mars to Earth), days."""

VINF_TOLERANCE_KMS = 1e-6
"""Largest |v∞_in| − |v∞_out| accepted after refinement, km/s (1 mm/s)."""

RANKS = ("c3", "entry")
"""Ranking criteria: least launch C3, least Earth entry speed."""

_SLACK_RAD = math.radians(2.0)  # interpolated turn over the allowed one, before refinement
_JUMP_KMS = 2.0  # a sign change across a larger step in the mismatch is a discontinuity, not a root
_SOLVE_KMS = 1e-7
_MAX_ITER = 60


@dataclass(frozen=True, repr=False)
class FreeReturn(Result):
    """One free return (epochs TDB s past J2000; km, km/s, km^2/s^2).

    Attributes
    ----------
    t_launch, t_flyby, t_return : float
        Earth departure, Mars periapsis passage, Earth arrival.
    c3 : float
        Launch energy.
    dla_deg : float
        Declination of the departure asymptote (ICRF), degrees.
    vinf_mars_in, vinf_mars_out : float
        |v∞| of the arriving and leaving arcs at Mars (equal within
        :data:`VINF_TOLERANCE_KMS`).
    turn_angle_deg, max_turn_angle_deg : float
        The turn the flyby makes, and the most it could at the minimum altitude.
    flyby_periapsis_km, flyby_altitude_km : float
        Periapsis radius that makes exactly that turn, and its altitude above
        Mars's equatorial radius.
    vinf_earth_return : float
        Hyperbolic excess speed on return to Earth.
    entry_speed_kms : float
        Inertial speed at Earth's entry interface (:data:`sojourn.constants.ENTRY_INTERFACE_ALTITUDE_KM`).
    outbound_type, return_type : str
        ``"I"`` or ``"II"`` (transfer angle below or above 180°); joined by
        ``-`` for the arcs of a leg through another flyby (``"I-II"``).
    sequence : tuple of str
        The bodies in flight order, ``("earth", "mars", "earth")`` or through
        Venus, e.g. ``("earth", "venus", "mars", "earth")``.
    flybys : tuple of Flyby
        Every flyby (:class:`sojourn.transfer.sequence.Flyby`), in flight order.
    refined : bool
        True when every epoch but the launch was refined off the grid (False:
        the grid's flyby date kept, the optimiser having found nothing better).
    """

    t_launch: float
    t_flyby: float
    t_return: float
    c3: float
    dla_deg: float
    vinf_mars_in: float
    vinf_mars_out: float
    turn_angle_deg: float
    max_turn_angle_deg: float
    flyby_periapsis_km: float
    flyby_altitude_km: float
    vinf_earth_return: float
    entry_speed_kms: float
    outbound_type: str
    return_type: str
    sequence: tuple = ("earth", "mars", "earth")
    flybys: tuple = ()
    refined: bool = False

    @property
    def launch(self) -> _dt.datetime:
        """Earth departure, UTC."""
        return tdb_to_datetime(self.t_launch)

    @property
    def flyby(self) -> _dt.datetime:
        """Mars periapsis passage, UTC."""
        return tdb_to_datetime(self.t_flyby)

    @property
    def earth_return(self) -> _dt.datetime:
        """Earth arrival, UTC."""
        return tdb_to_datetime(self.t_return)

    @property
    def total_days(self) -> float:
        """Launch to Earth return, days."""
        return (self.t_return - self.t_launch) / DAY

    @property
    def outbound_days(self) -> float:
        """Launch to the Mars flyby, days."""
        return (self.t_flyby - self.t_launch) / DAY

    @property
    def return_days(self) -> float:
        """Mars flyby to Earth return, days."""
        return (self.t_return - self.t_flyby) / DAY

    def to_dict(self) -> dict:
        return {
            "launch": tdb_to_utc_iso(self.t_launch, "minute"),
            "flyby": tdb_to_utc_iso(self.t_flyby, "minute"),
            "earth_return": tdb_to_utc_iso(self.t_return, "minute"),
            "total_days": self.total_days,
            "outbound_days": self.outbound_days,
            "return_days": self.return_days,
            "c3": self.c3,
            "dla_deg": self.dla_deg,
            "vinf_mars_kms": 0.5 * (self.vinf_mars_in + self.vinf_mars_out),
            "vinf_mismatch_kms": self.vinf_mars_in - self.vinf_mars_out,
            "turn_angle_deg": self.turn_angle_deg,
            "max_turn_angle_deg": self.max_turn_angle_deg,
            "flyby_altitude_km": self.flyby_altitude_km,
            "vinf_earth_return_kms": self.vinf_earth_return,
            "entry_speed_kms": self.entry_speed_kms,
            "outbound_type": self.outbound_type,
            "return_type": self.return_type,
            "sequence": list(self.sequence),
            "flybys": [{"body": f.body, "date": tdb_to_utc_iso(f.t_tdb, "minute"), "altitude_km": f.altitude_km,
                        "vinf_kms": 0.5 * (f.vinf_in_kms + f.vinf_out_kms), "turn_angle_deg": f.turn_angle_deg}
                       for f in self.flybys],
            "refined": self.refined,
        }

    def summary(self) -> list[tuple[str, str]]:
        return [("launch", tdb_to_utc_iso(self.t_launch, "minute")), ("total_days", f"{self.total_days:.1f}"),
                ("c3", f"{self.c3:.2f}"), ("entry_speed_kms", f"{self.entry_speed_kms:.2f}")]


TABLE_COLUMNS = ("launch", "flyby", "earth_return", "total_days", "outbound_days", "return_days", "c3", "dla_deg",
                 "vinf_mars_kms", "vinf_mismatch_kms", "turn_angle_deg", "max_turn_angle_deg", "flyby_altitude_km",
                 "vinf_earth_return_kms", "entry_speed_kms", "outbound_type", "return_type", "sequence", "flybys",
                 "refined")
"""Columns of :attr:`FreeReturnSearch.table`: the fields of :meth:`FreeReturn.to_dict`."""


@dataclass(frozen=True, repr=False, eq=False)
class FreeReturnSearch(Result):
    """The free returns a search found, best first by ``rank``.

    Attributes
    ----------
    records : tuple of FreeReturn
        The best free return of each launch date that has one, ranked.
    launch_tdb : ndarray
        Launch dates searched, TDB s.
    rank : {"c3", "entry"}
    max_days, min_flyby_alt_km, step_days : float
        The search's limits (days, km) and grid step (days).
    max_flyby_alt_km : float or None
    via : tuple of str
        Bodies flown by besides Mars (empty: Earth - Mars - Earth).
    grid_arcs : int
        Lambert arcs solved on the (launch, flyby) and (flyby, return) grids.
    combinations : int
        (launch, flyby, return) grid triples scanned for a sign change.
    candidates : int
        Sign changes of the mismatch refined.
    ephemeris : str
    assumptions : tuple of str
    """

    records: tuple
    launch_tdb: np.ndarray
    rank: str
    max_days: float
    min_flyby_alt_km: float
    max_flyby_alt_km: Optional[float]
    step_days: float
    grid_arcs: int
    combinations: int
    candidates: int
    ephemeris: str
    assumptions: tuple = ()
    via: tuple = ()

    @property
    def table(self):
        """The free returns as a pandas DataFrame, best first (``launch``, ``flyby`` and
        ``earth_return`` as UTC timestamps; the other columns as in :meth:`to_dict`)."""
        import pandas as pd

        rows = []
        for r in self.records:
            row = r.to_dict()
            row.update(launch=pd.Timestamp(r.launch), flyby=pd.Timestamp(r.flyby),
                       earth_return=pd.Timestamp(r.earth_return), sequence="-".join(r.sequence),
                       flybys=", ".join(f"{f.body} {f.altitude_km:.0f} km" for f in r.flybys))
            rows.append(row)
        return pd.DataFrame.from_records(rows, columns=list(TABLE_COLUMNS))

    def to_dict(self) -> list:
        """One record per free return, best first: the list ``sojourn free-return --json`` prints."""
        return [r.to_dict() for r in self.records]

    def summary(self) -> list[tuple[str, str]]:
        best = self.records[0] if self.records else None
        return [("found", str(len(self.records))), ("rank", self.rank),
                ("best_launch", tdb_to_utc_iso(best.t_launch, "date") if best else "—"),
                ("best_c3", f"{best.c3:.2f}" if best else "—")]

    def _repr_html_(self) -> str:
        return super()._repr_html_() + self.table._repr_html_()


@njit(cache=True, inline="always")
def _turn(ax, ay, az, an, bx, by, bz, bn):
    c = (ax * bx + ay * by + az * bz) / (an * bn)
    return math.acos(min(1.0, max(-1.0, c)))


@njit(cache=True, inline="always")
def _scan_cell(vin, vin_mag, reach, vout, vout_mag, i, f, k):
    """Does |v∞_in(i, f)| - |v∞_out(f, k..k+1)| change sign, with the turn nearly within reach?"""
    level = vin_mag[i, f]
    a = level - vout_mag[f, k]
    b = level - vout_mag[f, k + 1]
    if not (a * b <= 0.0 and a != b and abs(a - b) < _JUMP_KMS):  # NaN fails too
        return False
    x, y, z = vin[i, f, 0], vin[i, f, 1], vin[i, f, 2]
    da = _turn(x, y, z, level, vout[f, k, 0], vout[f, k, 1], vout[f, k, 2], vout_mag[f, k])
    db = _turn(x, y, z, level, vout[f, k + 1, 0], vout[f, k + 1, 1], vout[f, k + 1, 2], vout_mag[f, k + 1])
    # the turn where the mismatch vanishes, interpolated along the return date
    return da + (db - da) * a / (a - b) <= reach[i, f] + _SLACK_RAD


@njit(cache=True, parallel=True)
def _scan(vin, vin_mag, reach, vout, vout_mag, m0, m_total, counts, offsets, out, fill):
    """Count (``fill`` False) or write (``fill`` True) the candidates of each launch row.

    Flyby index f is lattice index m0 + f, so launch i flies out for f - i + m0 steps
    (``m0`` .. ``m_total - m0``); return cell k leaves ``m0 + k`` steps after the flyby,
    and the whole trip must last at most ``m_total`` steps.
    """
    n_l, n_f = vin_mag.shape
    n_k = vout_mag.shape[1]
    for i in prange(n_l):
        c = 0
        f_end = min(n_f, i + m_total - 2 * m0 + 1)
        for f in range(i, f_end):
            if not vin_mag[i, f] > 0.0:
                continue
            lag = f - i + m0
            k_end = min(n_k - 1, m_total - m0 - lag)  # k + 1 < k_end + 1 keeps the trip in time
            for k in range(k_end):
                if _scan_cell(vin, vin_mag, reach, vout, vout_mag, i, f, k):
                    if fill:
                        p = offsets[i] + c
                        out[p, 0] = i
                        out[p, 1] = f
                        out[p, 2] = k
                    c += 1
        if not fill:
            counts[i] = c


def _candidates(vin, vin_mag, reach, vout, vout_mag, m0, m_total):
    """(launch, flyby, return-cell) index triples where the v∞ mismatch changes sign."""
    n_l = vin_mag.shape[0]
    counts = np.zeros(n_l, dtype=np.int64)
    offsets = np.zeros(n_l, dtype=np.int64)
    out = np.empty((0, 3), dtype=np.int64)
    _scan(vin, vin_mag, reach, vout, vout_mag, m0, m_total, counts, offsets, out, False)
    offsets[1:] = np.cumsum(counts)[:-1]
    out = np.empty((int(counts.sum()), 3), dtype=np.int64)
    _scan(vin, vin_mag, reach, vout, vout_mag, m0, m_total, counts, offsets, out, True)
    return out


def _combinations(n_l, n_f, n_k, m0, m_total) -> int:
    """How many (launch, flyby, return-step) triples :func:`_scan` visits."""
    d = np.arange(m_total - 2 * m0 + 1)  # flyby index minus launch index
    per = np.minimum(n_k - 1, m_total - 2 * m0 - d)
    f = np.arange(n_l)[:, None] + d[None, :]
    return int(np.sum(np.where(f < n_f, per[None, :], 0)))


def _unit_normal(r, v):
    h = np.cross(r, v)
    return h / np.linalg.norm(h)


def _angle(a, b):
    """Angle between rows of a and b, radians (atan2 form, accurate near 0 and π)."""
    cross = np.linalg.norm(np.cross(a, b), axis=-1)
    return np.arctan2(cross, np.einsum("...i,...i->...", a, b))


def _check(launch, max_days, min_alt, max_alt, step, rank):
    """The search's arguments, checked: (window, max_days, min_alt, max_alt, step, rank)."""
    window = checks.window(launch, "launch")
    step = checks.step_days(step)
    max_days = checks.number(max_days, "max_days", "longest trip", "days")
    shortest = 2.0 * MIN_LEG_DAYS + 2.0 * step
    if max_days < shortest:
        raise InputError(f"the longest trip must be at least {shortest:g} days (two legs of at least "
                         f"{MIN_LEG_DAYS:g} days), not {max_days:g}", "max_days")
    min_alt = checks.non_negative(min_alt, "min_flyby_alt_km", "minimum flyby altitude", "km")
    if max_alt is not None:
        max_alt = checks.number(max_alt, "max_flyby_alt_km", "maximum flyby altitude", "km")
        if not max_alt > min_alt:
            raise InputError(f"the maximum flyby altitude ({max_alt:g} km) must exceed the minimum ({min_alt:g} km)",
                             "max_flyby_alt_km")
    rank = checks.choice(rank, RANKS, "rank", "ranking")
    return window, max_days, min_alt, max_alt, step, rank


_CHUNK = 250_000  # Lambert problems per kernel call: bounds the scratch memory
#: Most floats in one of the search's (launch or flyby) x (leg length) x 3 tables (8 bytes each).
MAX_ARC_CELLS = 60_000_000


@dataclass(frozen=True)
class _Context:
    """What every block of launch dates shares: the lattice, the planets' states, the limits."""

    eph: object
    earth: object
    mars: object
    t_lat: np.ndarray
    r_e: np.ndarray
    v_e: np.ndarray
    r_m: np.ndarray
    v_m: np.ndarray
    ref: np.ndarray
    m0: int
    m_total: int
    rp_min: float
    rp_max: float
    max_days: float
    rank: str


def _arcs(ctx, r1, r2, tof):
    """Lambert arcs in chunks: (v1, v2, status)."""
    from sojourn.core.lambert import lambert_batch

    n = tof.size
    v1, v2, st = np.empty((n, 3)), np.empty((n, 3)), np.empty(n, dtype=np.int8)
    for a in range(0, n, _CHUNK):
        b = min(n, a + _CHUNK)
        v1[a:b], v2[a:b], st[a:b] = lambert_batch(GM_SUN, r1[a:b], r2[a:b], tof[a:b], reference=ctx.ref)
    return v1, v2, st


def _outbound_arcs(ctx: _Context, i0: int, i1: int, j_first: int, n_f: int):
    """Outbound arcs (launch i0..i1-1, flyby column f = lattice j_first + f): v∞ in at Mars, C3 and DLA.

    Returns
    -------
    vin : ndarray (n_l, n_f, 3); c3, dla : ndarray (n_l, n_f); arcs : int
        NaN where the arc is out of span or unsolved.
    """
    t_lat, m0, m_total = ctx.t_lat, ctx.m0, ctx.m_total
    n_l = i1 - i0
    t_launch = t_lat[i0:i1]
    r_l, v_l = ctx.r_e[i0:i1], ctx.v_e[i0:i1]
    vin = np.full((n_l, n_f, 3), np.nan)
    c3_grid = np.full((n_l, n_f), np.nan)
    dla_grid = np.full((n_l, n_f), np.nan)
    span = m_total - 2 * m0 + 1  # flyby columns i .. i + span - 1 of launch row i
    rows = max(1, _CHUNK // span)
    arcs = 0
    for a in range(0, n_l, rows):
        ii, ff = np.meshgrid(np.arange(a, min(n_l, a + rows)), np.arange(span), indexing="ij")
        ff = ff + ii
        keep = ff < n_f
        oi, of = ii[keep], ff[keep]
        oj = of + j_first
        v1, v2, st = _arcs(ctx, r_l[oi], ctx.r_m[oj], t_lat[oj] - t_launch[oi])
        good = st == 0
        oi, of, oj = oi[good], of[good], oj[good]
        vin[oi, of] = v2[good] - ctx.v_m[oj]
        vd = v1[good] - v_l[oi]
        c3_grid[oi, of] = np.sum(vd * vd, axis=1)
        dla_grid[oi, of] = np.degrees(np.arcsin(vd[:, 2] / np.linalg.norm(vd, axis=1)))
        arcs += keep.sum()
    return vin, c3_grid, dla_grid, int(arcs)


def _return_arcs(ctx: _Context, j_first: int, n_f: int, k_ret: int):
    """Return arcs (flyby column f, return m0 + k steps later): v∞ out at Mars, (n_f, k_ret, 3), and arcs solved."""
    t_lat, m0 = ctx.t_lat, ctx.m0
    vout = np.full((n_f, k_ret, 3), np.nan)
    rows = max(1, _CHUNK // k_ret)
    arcs = 0
    for a in range(0, n_f, rows):
        ff, kk = np.meshgrid(np.arange(a, min(n_f, a + rows)), np.arange(k_ret), indexing="ij")
        fj = ff + j_first
        rk = fj + m0 + kk
        keep = rk < t_lat.size
        ff, kk, fj, rk = ff[keep], kk[keep], fj[keep], rk[keep]
        w1, _, st = _arcs(ctx, ctx.r_m[fj], ctx.r_e[rk], t_lat[rk] - t_lat[fj])
        good = st == 0
        vout[ff[good], kk[good]] = w1[good] - ctx.v_m[fj[good]]
        arcs += keep.sum()
    return vout, int(arcs)


def _solve_returns(ctx: _Context, t_f, rm_f, vm_f, target, lo, hi, f_lo, f_hi):
    """The return date of every candidate at once: Illinois regula falsi on the v∞ mismatch.

    Parameters
    ----------
    t_f, rm_f, vm_f : ndarray
        Flyby epoch and Mars's state there, per candidate.
    target : ndarray
        |v∞ in| of each candidate, km/s.
    lo, hi, f_lo, f_hi : ndarray
        The bracket of return epochs (TDB s) and the mismatch at its ends (modified).

    Returns
    -------
    t_r, vout, v_earth, status, fail
        Return epochs; v∞ leaving Mars (vectors) and arriving at Earth
        (vectors) there; Lambert status; candidates whose iteration failed.
    """
    def evaluate(t_r, sel):
        r_er, v_er = ctx.eph.state(ctx.earth, t_r)
        u1, u2, status = _arcs(ctx, rm_f[sel], r_er, t_r - t_f[sel])
        return u1 - vm_f[sel], u2 - v_er, status

    t_r = lo.copy()
    active = np.ones(t_r.size, dtype=bool)
    side = np.zeros(t_r.size, dtype=np.int8)
    fail = np.zeros(t_r.size, dtype=bool)
    for _ in range(_MAX_ITER):
        sel = np.flatnonzero(active)
        if sel.size == 0:
            break
        with np.errstate(invalid="ignore", divide="ignore"):
            x = (lo[sel] * f_hi[sel] - hi[sel] * f_lo[sel]) / (f_hi[sel] - f_lo[sel])
        x = np.where(np.isfinite(x), np.clip(x, lo[sel], hi[sel]), 0.5 * (lo[sel] + hi[sel]))
        vo, _, status = evaluate(x, sel)
        fx = target[sel] - np.linalg.norm(vo, axis=-1)
        bad = status != 0
        fail[sel[bad]] = True
        active[sel[bad]] = False
        t_r[sel] = x
        done = (np.abs(fx) < _SOLVE_KMS) | (hi[sel] - lo[sel] < 1e-3)
        # keep the bracket: replace the end whose sign fx shares; Illinois halves the other end's value
        left = (np.sign(fx) == np.sign(f_lo[sel])) & ~bad
        right = ~left & ~bad
        sl, sr = sel[left], sel[right]
        lo[sl], f_lo[sl] = x[left], fx[left]
        f_hi[sl] = np.where(side[sl] == -1, 0.5 * f_hi[sl], f_hi[sl])
        side[sl] = -1
        hi[sr], f_hi[sr] = x[right], fx[right]
        f_lo[sr] = np.where(side[sr] == 1, 0.5 * f_lo[sr], f_lo[sr])
        side[sr] = 1
        active[sel[done]] = False
    vo, ve_ret, status = evaluate(t_r, np.arange(t_r.size))
    return t_r, vo, ve_ret, status, fail


def _block(ctx: _Context, i0: int, i1: int):
    """The best free return of each launch date i0 .. i1 - 1 (lattice indices), and counts.

    Returns
    -------
    records : list of FreeReturn
    counts : (grid arcs, combinations scanned, candidates)
    """
    from sojourn.core.flyby import flyby_periapsis_for_turn, flyby_turn_angle
    from sojourn.core.patched_conics import entry_speed

    t_lat, m0, m_total = ctx.t_lat, ctx.m0, ctx.m_total
    mu_m = ctx.mars.gm_km3s2
    n_l = i1 - i0
    j_first = i0 + m0  # flyby lattice index of column 0
    n_f = (i1 - 1) + m_total - m0 - j_first + 1
    k_ret = m_total - 2 * m0 + 1  # return-leg lengths m0 .. m_total - m0 steps
    # 1. every outbound and return arc of the block's grid
    vin, c3_grid, dla_grid, arcs_out = _outbound_arcs(ctx, i0, i1, j_first, n_f)
    vout, arcs_back = _return_arcs(ctx, j_first, n_f, k_ret)
    vin_mag, vout_mag = np.linalg.norm(vin, axis=-1), np.linalg.norm(vout, axis=-1)
    # 2. candidates: sign changes of the mismatch along the return date (compiled scan)
    with np.errstate(invalid="ignore"):
        reach_grid = np.where(np.isfinite(vin_mag), flyby_turn_angle(mu_m, np.nan_to_num(vin_mag), ctx.rp_min),
                              np.nan)
    cand = _candidates(vin, vin_mag, reach_grid, vout, vout_mag, m0, m_total)
    counts = (arcs_out + arcs_back, _combinations(n_l, n_f, k_ret, m0, m_total), cand.shape[0])
    if cand.shape[0] == 0:
        return [], counts
    # 3. solve the return date of every candidate at once
    ci, cf, ck = cand[:, 0], cand[:, 1], cand[:, 2]
    jf = cf + j_first
    target = vin_mag[ci, cf]
    t_r, vo, ve_ret, status, fail = _solve_returns(
        ctx, t_lat[jf], ctx.r_m[jf], ctx.v_m[jf], target, t_lat[jf + m0 + ck].copy(), t_lat[jf + m0 + ck + 1].copy(),
        target - vout_mag[cf, ck], target - vout_mag[cf, ck + 1])
    vout_r = np.linalg.norm(vo, axis=-1)
    delta = _angle(vin[ci, cf], vo)
    vinf = 0.5 * (target + vout_r)
    with np.errstate(invalid="ignore"):
        rp = np.where(delta > 0.0, flyby_periapsis_for_turn(mu_m, vinf, np.maximum(delta, 1e-300)), np.inf)
        total = (t_r - t_lat[i0:i1][ci]) / DAY
        feasible = ((status == 0) & ~fail & (np.abs(target - vout_r) <= VINF_TOLERANCE_KMS)
                    & (rp >= ctx.rp_min) & (rp <= ctx.rp_max) & (total <= ctx.max_days + 1e-9))
    vearth = np.linalg.norm(ve_ret, axis=-1)
    found = {"ci": ci, "t_f": t_lat[jf], "r_m": ctx.r_m[jf], "t_r": t_r, "c3": c3_grid[ci, cf], "dla": dla_grid[ci, cf],
             "target": target, "vout": vout_r, "delta": delta, "reach": flyby_turn_angle(mu_m, vinf, ctx.rp_min),
             "rp": rp, "vearth": vearth, "feasible": feasible,
             "entry": entry_speed(ctx.earth.gm_km3s2, vearth, ctx.earth.radius_km + ENTRY_INTERFACE_ALTITUDE_KM)}
    return _best_of_each_launch(ctx, i0, i1, found), counts


def _best_of_each_launch(ctx: _Context, i0: int, i1: int, c: dict) -> list:
    """Step 4, then step 5: each launch date's best candidate, its flyby epoch refined."""
    t0 = float(ctx.t_lat[0])
    refiner = _Refiner(ctx.eph, ("earth", "mars", "earth"),
                       _Limits(t0, t0, ctx.rp_min, ctx.rp_max, ctx.max_days, ctx.rank))
    return [refiner.refined(rec) for rec in _grid_best(ctx, i0, i1, c)]


def _grid_best(ctx: _Context, i0: int, i1: int, c: dict) -> list:
    """Step 4: each launch date's best feasible candidate by the ranking, as FreeReturn records."""
    ci = c["ci"]
    score = np.where(c["feasible"], c["c3"] if ctx.rank == "c3" else c["entry"], np.inf)
    order = np.lexsort((score, ci))
    first = np.r_[True, ci[order][1:] != ci[order][:-1]]
    picks = np.array([p for p in order[first] if np.isfinite(score[p])], dtype=np.int64)
    if picks.size == 0:
        return []
    t_launch = ctx.t_lat[i0:i1]
    r1 = ctx.r_e[i0:i1][ci[picks]]
    r2 = c["r_m"][picks]
    r3, _ = ctx.eph.state(ctx.earth, c["t_r"][picks])
    out_ii = np.einsum("ij,j->i", np.cross(r1, r2), ctx.ref) < 0.0
    ret_ii = np.einsum("ij,j->i", np.cross(r2, r3), ctx.ref) < 0.0
    return [FreeReturn(
        t_launch=float(t_launch[ci[p]]), t_flyby=float(c["t_f"][p]), t_return=float(c["t_r"][p]),
        c3=float(c["c3"][p]), dla_deg=float(c["dla"][p]),
        vinf_mars_in=float(c["target"][p]), vinf_mars_out=float(c["vout"][p]),
        turn_angle_deg=float(np.degrees(c["delta"][p])), max_turn_angle_deg=float(np.degrees(c["reach"][p])),
        flyby_periapsis_km=float(c["rp"][p]), flyby_altitude_km=float(c["rp"][p] - ctx.mars.radius_km),
        vinf_earth_return=float(c["vearth"][p]), entry_speed_kms=float(c["entry"][p]),
        outbound_type="II" if o else "I", return_type="II" if r else "I",
    ) for p, o, r in zip(picks, out_ii, ret_ii)]


# ---------------------------------------------------------------------------
# step 5: every epoch but the launch refined; free returns through other flybys


class _Refiner:
    """A free return's epochs but the launch, refined by SLSQP: ballistic at every flyby, the turn within reach.

    Parameters
    ----------
    eph : Ephemeris
    bodies : tuple of str
        The sequence, ``("earth", "mars", "earth")`` or through other flybys.
    limits : object
        ``rp_min`` (Mars), ``max_days``, ``rank`` and ``rp_max`` (Mars), as in :class:`_Context`.
    """

    def __init__(self, eph, bodies, limits):
        from sojourn.transfer.sequence import _Evaluator, sequence_problem

        self.bodies = tuple(bodies)
        flybys = [get_body(b) for b in self.bodies[1:-1]]
        min_alt = limits.rp_min - get_body("mars").radius_km
        self.rp_max = np.array([limits.rp_max if b.name == "mars" else _soi_km(b) for b in flybys])
        self.rank = limits.rank
        shortest = MIN_LEG_DAYS if len(self.bodies) == 3 else 10.0
        self.p = sequence_problem(self.bodies, (limits.t0, limits.t1 + DAY),
                                  [(shortest, limits.max_days)] * (len(self.bodies) - 1), min_flyby_alt_km=min_alt,
                                  powered=False, departure_orbit_km=None, arrival="entry",
                                  entry_interface_km=ENTRY_INTERFACE_ALTITUDE_KM, max_total_days=limits.max_days)
        self.ev = _Evaluator(self.p, eph)

    def objective(self, e, d=None) -> float:
        return float(e["dep"] if self.rank == "c3" else e["entry"])

    def extra_ineq(self, e, d=None):
        """Each periapsis within its highest radius (km, scaled to thousands)."""
        return (self.rp_max - e["fb"]["rp"]) / 1000.0

    def ok(self, e) -> bool:
        return bool(self.ev.feasible(e) and np.all(self.extra_ineq(e) >= -1e-9))

    def refined(self, rec: "FreeReturn") -> "FreeReturn":
        """A grid free return with its flyby (and return) epochs refined; as found when nothing better is."""
        out = self.from_epochs(np.array([rec.t_launch, rec.t_flyby, rec.t_return]))
        return out if out is not None else rec

    def from_epochs(self, t) -> "FreeReturn | None":
        """The free return refined from a chain of epochs (launch held), or None when none is feasible near it."""
        from sojourn.transfer.sequence import _Programme

        x0 = np.concatenate([[(t[0] - self.p.start) / DAY], np.diff(t) / DAY])
        held = _Held(self.ev, x0[0])
        start = held(x0[1:])
        if start is None:
            return None
        best = (start, False) if self.ok(start) else None
        prog = _Programme(held, list(self.p.leg_days), start, False, self.objective, self.extra_ineq,
                          max_iter=REFINE_MAX_ITER)
        e = held(prog.solve(prog.start(x0[1:], start)))
        if e is not None and self.ok(e) and (best is None or self.objective(e) <= self.objective(start) + 1e-12):
            best = (e, True)
        return None if best is None else self.record(*best)

    def record(self, e, refined: bool) -> "FreeReturn":
        """The FreeReturn of one evaluated chain."""
        from sojourn.transfer.sequence import _transfer

        tr = _transfer(self.p, e, refined)
        k = self.bodies[1:-1].index("mars")
        fm = tr.flybys[k]
        types = [leg.type for leg in tr.legs]
        return FreeReturn(
            t_launch=float(e["t"][0]), t_flyby=fm.t_tdb, t_return=float(e["t"][-1]), c3=tr.c3_km2s2,
            dla_deg=tr.dla_deg, vinf_mars_in=fm.vinf_in_kms, vinf_mars_out=fm.vinf_out_kms,
            turn_angle_deg=fm.turn_angle_deg, max_turn_angle_deg=fm.max_turn_angle_deg,
            flyby_periapsis_km=fm.periapsis_radius_km, flyby_altitude_km=fm.altitude_km,
            vinf_earth_return=tr.arrival_vinf_kms, entry_speed_kms=float(e["entry"]),
            outbound_type="-".join(types[:k + 1]), return_type="-".join(types[k + 1:]), sequence=self.bodies,
            flybys=tr.flybys, refined=refined)


class _Held:
    """A sequence evaluator with the launch variable held: the variables are the times of flight (days)."""

    def __init__(self, ev, x_launch: float):
        self.ev, self.x_launch = ev, float(x_launch)

    def __call__(self, x):
        return self.ev(np.concatenate([[self.x_launch], x]))

    def many(self, xs):
        xs = np.atleast_2d(xs)
        return self.ev.many(np.column_stack([np.full(xs.shape[0], self.x_launch), xs]))


@dataclass(frozen=True)
class _Limits:
    """What the refinement of a via search needs of the search's limits."""

    t0: float
    t1: float
    rp_min: float
    rp_max: float
    max_days: float
    rank: str


def _via_sequences(via: tuple) -> tuple:
    """The two sequences through the other flybys: before Mars, and after it."""
    return (("earth", *via, "mars", "earth"), ("earth", "mars", *via, "earth"))


def _via_search(eph, window, via, limits: _Limits, step, advance):
    """Free returns through other flybys: the best of each launch date of each sequence, made ballistic.

    Returns
    -------
    (records, counts) : (list of FreeReturn, (grid arcs, flyby pairs joined, chains refined))
    """
    from sojourn.transfer.sequence import arc_bounds, sequence_grid, sequence_problem

    records, counts = [], np.zeros(3, dtype=np.int64)
    for bodies in _via_sequences(via):
        p = sequence_problem(bodies, window, arc_bounds(bodies, window[0], longest=limits.max_days, ephemeris=eph),
                             min_flyby_alt_km=limits.rp_min - get_body("mars").radius_km, powered=True,
                             departure_orbit_km=None, arrival="entry" if limits.rank == "c3" else "vinf",
                             max_total_days=limits.max_days)
        try:
            grid = sequence_grid(p, step, eph, flyby_weight=SEED_FLYBY_WEIGHT)
        except NoSolutionError:  # no chain of this sequence at all: none found is a result
            advance(1)
            continue
        red = grid.by_launch(None, limits.max_days)
        refiner = _Refiner(eph, bodies, limits)
        counts += (grid.arcs, grid.costs.combinations, 0)
        for i in np.flatnonzero(np.isfinite(red.total)):
            seed = refiner.ev._evaluate(red.epochs[i])
            if seed is None or seed["flyby_dv"] > SEED_FLYBY_DV_KMS:
                continue
            counts[2] += 1
            rec = refiner.from_epochs(red.epochs[i])
            if rec is not None and rec.refined:
                records.append(rec)
        advance(1)
    return records, counts


def _check_via(via) -> tuple:
    """The bodies flown by besides Mars, canonical; () for none."""
    if via is None or via == "" or via == ():
        return ()
    names = (via,) if isinstance(via, str) else tuple(via)
    out = []
    for name in names:
        body = get_body(name, "via")
        if body.name in ("earth", "mars", "sun") or not body.radius_km > 0.0:
            raise InputError(f"cannot fly by {body.name} on the way: a free return already leaves and comes back to "
                             "Earth and flies by Mars; give another planet, e.g. venus", "via")
        out.append(body.name)
    return tuple(out)


def _context(eph, window, step, max_days, min_alt, max_alt, rank):
    """The lattice of dates and the planets' states on it (checked against the ephemeris and memory)."""
    from sojourn.time import utc_steps

    earth, mars = get_body("earth"), get_body("mars")
    rp_max = _soi_km(mars) if max_alt is None else min(_soi_km(mars), mars.radius_km + max_alt)
    t0, t1 = window
    eph.check_range(earth, t0, t1 + max_days * DAY, "max_days")
    n_l = int(math.floor((t1 - t0) / (step * DAY) + 1e-6)) + 1
    m0 = int(math.ceil(MIN_LEG_DAYS / step - 1e-9))  # shortest leg, in steps
    m_total = int(math.floor(max_days / step + 1e-9))  # longest trip, in steps
    # the arc tables hold a 3-vector per (launch or flyby, leg length) cell: bound them before allocating
    checks.grid_cells(3.0 * (n_l + m_total) ** 2, "step_days", limit=MAX_ARC_CELLS)
    # one lattice of UTC days for launch, flyby and return dates (launch i is lattice point i)
    t_lat = utc_steps(t0, step, n_l + m_total)
    eph.check_range(earth, t_lat[0], t_lat[n_l - 1], "launch")
    eph.check_range(earth, t_lat[0], t_lat[-1], "max_days")
    eph.check_range(mars, t_lat[m0], t_lat[n_l - 1 + m_total - m0], "max_days")
    r_e, v_e = eph.state(earth, t_lat)
    r_m, v_m = eph.state(mars, t_lat)
    return _Context(eph=eph, earth=earth, mars=mars, t_lat=t_lat, r_e=r_e, v_e=v_e, r_m=r_m, v_m=v_m,
                    ref=_unit_normal(r_e[0], v_e[0]), m0=m0, m_total=m_total, rp_min=mars.radius_km + min_alt,
                    rp_max=rp_max, max_days=max_days, rank=rank), n_l


def _soi_km(body) -> float:
    """A flyby body's sphere of influence at its mean distance from the Sun, km
    (:attr:`sojourn.bodies.Body.sphere_of_influence_km`)."""
    return body.sphere_of_influence_km


def _assumptions(eph, step, min_alt, max_alt, mars, via=()) -> tuple:
    r_soi = _soi_km(mars)
    out = [
        f"ephemeris {eph.name}; patched conics: zero-revolution ballistic Lambert arcs about the Sun, "
        "prograde about Earth's orbit normal, joined by an instantaneous unpowered Mars flyby",
        f"Earth departure from the geocentre; each leg at least {MIN_LEG_DAYS:g} days; launch and flyby dates "
        f"every {step:g} day(s), return dates solved to |Δv∞| < {_SOLVE_KMS:g} km/s",
        f"flyby periapsis from {min_alt:g} km altitude (Mars equatorial radius {mars.radius_km:g} km) "
        + (f"to {max_alt:g} km altitude" if max_alt is not None and mars.radius_km + max_alt < r_soi
           else f"to the edge of Mars's sphere of influence ({r_soi:,.0f} km from its centre)"),
        f"entry speed: inertial, at a {ENTRY_INTERFACE_ALTITUDE_KM:g} km interface above Earth's equatorial radius",
        "refinement: with the launch held, the flyby and return epochs by SLSQP (|v∞ in| = |v∞ out| to "
        f"{VINF_TOLERANCE_KMS:g} km/s, the turn within reach), off the grid of flyby dates",
    ]
    if via:
        names = ", ".join(via)
        out[0] = (f"ephemeris {eph.name}; patched conics: zero-revolution ballistic Lambert arcs about the Sun, "
                  "each prograde about its departure planet's orbit normal, joined by instantaneous unpowered flybys")
        out[1] = (f"sequences Earth-{names}-Mars-Earth and Earth-Mars-{names}-Earth: each arc 0.3 to 2 Hohmann "
                  f"transfer times, on a {step:g}-day lattice; the cheapest chain of each launch date (powered "
                  f"flybys on the grid) refined into a ballistic one when its flybys need under "
                  f"{SEED_FLYBY_DV_KMS:g} km/s in all")
        out.insert(3, f"{names} flyby at least {min_alt:g} km high, below its sphere of influence")
    return tuple(out)


def free_returns(launch, *, max_days: float = DEFAULT_MAX_DAYS, min_flyby_alt_km: float = DEFAULT_MIN_FLYBY_ALT_KM,
                 max_flyby_alt_km: Optional[float] = None, step_days: float = 1.0, rank: str = "c3", ephemeris=None,
                 progress=None, via=None) -> FreeReturnSearch:
    """Earth → Mars flyby → Earth free returns launched in a window, directly or past another planet.

    Parameters
    ----------
    launch : str or (start, end)
        Launch window: ``"2017-12-15:2018-01-25"`` (UTC), or a pair of UTC
        ISO strings, datetimes (naive = UTC), datetime64 values or TDB seconds.
    max_days : float
        Longest trip, launch to Earth return, days.
    min_flyby_alt_km : float
        Lowest flyby periapsis altitude above Mars's equatorial radius, km.
    max_flyby_alt_km : float, optional
        Highest flyby periapsis altitude, km; default the edge of Mars's
        sphere of influence (passes far from Mars are free returns too: an
        orbit that comes back to Earth by itself and meets Mars on the way).
    step_days : float
        Step of the launch and flyby date grids, days (return dates are solved).
    rank : {"c3", "entry"}
        Keep and order by least launch C3 or least Earth entry speed.
    ephemeris : Ephemeris or str, optional
        An :class:`~sojourn.ephemeris.Ephemeris` or the path of an SPK file; default DE421.
    progress : callable, optional
        ``progress(done, total, label)`` as work proceeds (:mod:`sojourn.progress`).
    via : str or sequence of str, optional
        Another planet to fly by as well (``"venus"``): both Earth - Venus -
        Mars - Earth and Earth - Mars - Venus - Earth are searched, every flyby
        unpowered and at least ``min_flyby_alt_km`` high (below its sphere of
        influence; ``max_flyby_alt_km`` bounds the Mars flyby).

    Returns
    -------
    FreeReturnSearch
        The best free return of each launch date that has one (of each
        sequence, with ``via``), best first (``records``, and as a DataFrame
        ``table``); none found is a result.

    Raises
    ------
    InputError
        A malformed window, step, duration, altitude or ranking, naming the parameter.
    EphemerisRangeError
        Dates outside the ephemeris.

    Examples
    --------
    Inspiration Mars (Tito et al. 2013): launch 2018-01-05, Mars flyby 2018-08-20, 501.3 days in all.

    >>> import sojourn as sj
    >>> fr = sj.free_returns("2018-01-04:2018-01-06", max_days=520)
    >>> best = fr.records[0]
    >>> best.flyby.date().isoformat(), abs(best.total_days - 501.3) < 2.0
    ('2018-08-20', True)
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.progress import reporting

    window, max_days, min_alt, max_alt, step, rank = _check(launch, max_days, min_flyby_alt_km, max_flyby_alt_km,
                                                            step_days, rank)
    via = _check_via(via)
    eph = resolve_ephemeris(ephemeris)
    ctx, n_l = _context(eph, window, step, max_days, min_alt, max_alt, rank)
    if via:
        return _free_returns_via(ctx, n_l, window, via, step, min_alt, max_alt, progress)
    # launches in blocks, so that memory stays bounded for long windows: each block needs the
    # outbound arcs of its launches and the return arcs of its flyby dates
    block = max(128, ctx.m_total - 2 * ctx.m0 + 1)
    records, counts = [], np.zeros(3, dtype=np.int64)
    with reporting(progress, n_l, "free returns (launch dates)") as advance:
        for i0 in range(0, n_l, block):
            i1 = min(n_l, i0 + block)
            found, c = _block(ctx, i0, i1)
            records += found
            counts += c
            advance(i1 - i0)
    return _search_result(ctx, n_l, records, counts, step, min_alt, max_alt, ())


def _free_returns_via(ctx: _Context, n_l: int, window, via: tuple, step, min_alt, max_alt, progress):
    """:func:`free_returns` through another planet besides Mars."""
    from sojourn.progress import reporting

    limits = _Limits(float(window[0]), float(window[1]), ctx.rp_min, ctx.rp_max, ctx.max_days, ctx.rank)
    with reporting(progress, 2, f"free-return sequences via {', '.join(via)}") as advance:
        records, counts = _via_search(ctx.eph, window, via, limits, step, advance)
    return _search_result(ctx, n_l, records, counts, step, min_alt, max_alt, via)


def _search_result(ctx: _Context, n_l: int, records: list, counts, step, min_alt, max_alt, via) -> FreeReturnSearch:
    """The ranked records as a :class:`FreeReturnSearch`."""
    rank, max_days, eph = ctx.rank, ctx.max_days, ctx.eph
    records.sort(key=lambda r: r.c3 if rank == "c3" else r.entry_speed_kms)
    return FreeReturnSearch(records=tuple(records), launch_tdb=ctx.t_lat[:n_l], rank=rank, max_days=max_days,
                            min_flyby_alt_km=min_alt, max_flyby_alt_km=max_alt, step_days=step,
                            grid_arcs=int(counts[0]), combinations=int(counts[1]), candidates=int(counts[2]),
                            ephemeris=eph.name, assumptions=_assumptions(eph, step, min_alt, max_alt, ctx.mars, via),
                            via=via)
