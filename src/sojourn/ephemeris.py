"""Heliocentric states of the planets from a JPL SPK ephemeris (DE421 by default).

The default kernel is ``de421.bsp`` from the ``skyfield-data`` package, opened
with jplephem; any SPK of Chebyshev segments (types 2 and 3) in the ICRF
(J2000) frame will do, such as DE440 or DE441. Nothing is ever downloaded,
and epochs outside the kernel are refused, never extrapolated.

The Chebyshev series are summed by one compiled loop over all the epochs of a
call (:func:`sojourn.core.chebyshev.chebyshev_add`, jplephem's arithmetic step for step, so the
states are the same to the last bit), straight from jplephem's memory map of
the file: a single epoch costs microseconds, as optimisers that ask for one
state at a time need, and a grid of epochs no temporaries the size of the grid
times the series' length.

States are heliocentric ICRF: the body relative to the Sun's centre, in km
and km/s, at epochs in TDB seconds past J2000 (see :mod:`sojourn.time`).
"""

from __future__ import annotations

import functools
import importlib.resources
import math
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np

from .bodies import Body, get_body
from .constants import OBLIQUITY_J2000_RAD
from .errors import EphemerisError, EphemerisRangeError, InputError, UnknownBodyError
from .time import DAY, datetime64_to_tdb, tdb_to_datetime64, tdb_to_jd_parts, tdb_to_utc_iso

SSB = 0
SUN = 10
_ICRF = 1  # NAIF frame code of J2000/ICRF, the frame of every JPL DE ephemeris
_CHEBYSHEV = (2, 3)  # the SPK types jplephem evaluates with position and velocity


def default_ephemeris_path() -> Path:
    """Path of ``de421.bsp`` as shipped in the ``skyfield-data`` package."""
    try:
        return Path(str(importlib.resources.files("skyfield_data") / "data" / "de421.bsp"))
    except ModuleNotFoundError:  # pragma: no cover - a declared dependency
        raise EphemerisError("cannot read SPK ephemeris: the skyfield-data package is not installed") from None


class Ephemeris:
    """A JPL SPK ephemeris, read with jplephem.

    Parameters
    ----------
    path : str or os.PathLike, optional
        SPK file; default ``de421.bsp`` from ``skyfield-data``.

    Attributes
    ----------
    path : pathlib.Path
        The file.
    name : str
        Its file name, such as ``"de421.bsp"``.

    Raises
    ------
    EphemerisError
        A missing or unreadable file, or one with no usable segments.
    """

    def __init__(self, path=None):
        from jplephem.spk import SPK

        self.path = default_ephemeris_path() if path is None else Path(path)
        self.name = self.path.name
        try:
            self._spk = SPK.open(str(self.path))
        except FileNotFoundError:
            raise EphemerisError("cannot read SPK ephemeris: no such file", str(self.path)) from None
        except IsADirectoryError:
            raise EphemerisError("cannot read SPK ephemeris: it is a directory", str(self.path)) from None
        except struct.error:  # a summary record cut short
            raise EphemerisError("cannot read SPK ephemeris: the file is truncated or damaged",
                                 str(self.path)) from None
        except Exception as exc:  # jplephem raises ValueError, OSError, struct.error, ...
            reason = str(exc) or type(exc).__name__
            raise EphemerisError(f"cannot read SPK ephemeris: {reason}", str(self.path)) from None
        # (center, target) -> segments, in file order (a later segment wins where they overlap).
        self._pairs: dict[tuple[int, int], list] = {}
        self._parent: dict[int, int] = {}
        self._series: dict[int, tuple] = {}  # id(segment) -> its coefficients, read on first use
        self._plans: dict[Body, tuple] = {}  # body -> (signed pairs, coverage), built on first use
        for seg in self._spk.segments:
            if seg.data_type not in _CHEBYSHEV or seg.frame != _ICRF:
                continue
            self._parent.setdefault(seg.target, seg.center)
            if self._parent[seg.target] == seg.center:
                self._pairs.setdefault((seg.center, seg.target), []).append(seg)
        if SUN not in self._parent:
            self.close()
            raise EphemerisError(
                "cannot read SPK ephemeris: no Sun segment of type 2 or 3 in the ICRF frame", str(self.path)
            )
        damage = self._damage()
        if damage is not None:
            self.close()
            raise EphemerisError(f"cannot read SPK ephemeris: the file is truncated or damaged ({damage})",
                                 str(self.path))

    def _damage(self) -> str | None:
        """What is wrong with the segments this ephemeris uses, or None: a cheap check at open.

        A truncated copy (an interrupted download) still opens, since the
        segment directory sits at the start of the file, and would fail only at
        the first state. Each segment must lie inside the file, and the four
        numbers that close a Chebyshev segment (first epoch, interval, record
        size, record count) must agree with its length and its time span.
        """
        try:
            size = os.fstat(self._spk.daf.file.fileno()).st_size
        except (AttributeError, OSError, ValueError):  # pragma: no cover - jplephem always has a real file
            return None
        if (self._spk.daf.free - 1) * 8 > size:
            return f"{size:,} bytes where the file says {(self._spk.daf.free - 1) * 8:,}"
        for segments in self._pairs.values():
            for seg in segments:
                name = f"segment {seg.center} -> {seg.target}"
                if seg.end_i * 8 > size or seg.start_i < 1 or seg.end_i - seg.start_i < 4:
                    return f"{name} lies outside the file's {size:,} bytes"
                init, intlen, rsize, n = (float(x) for x in seg.daf.read_array(seg.end_i - 3, seg.end_i))
                components = 3 if seg.data_type == 2 else 6
                consistent = (all(np.isfinite((init, intlen, rsize, n))) and n >= 1 and intlen > 0
                              and rsize >= 2 + components and n == int(n) and rsize == int(rsize)
                              and (rsize - 2) % components == 0
                              and n * rsize + 4 == seg.end_i - seg.start_i + 1
                              and init <= seg.start_second + 1.0 and init + n * intlen >= seg.end_second - 1.0)
                if not consistent:
                    return f"{name} has an inconsistent record directory"
        return None

    def __repr__(self) -> str:
        return f"Ephemeris({str(self.path)!r})"

    def close(self) -> None:
        """Release the file."""
        if getattr(self, "_spk", None) is not None:
            self._series = {}
            self._spk.close()
            self._spk = None

    def __del__(self):
        self.close()

    # -- which segments a body needs ------------------------------------------------

    def _chain(self, naif_id: int) -> list[tuple[int, int]] | None:
        """(center, target) pairs from the solar-system barycentre to ``naif_id``."""
        chain, node = [], naif_id
        while node != SSB:
            if node not in self._parent or len(chain) > 20:
                return None
            chain.append((self._parent[node], node))
            node = self._parent[node]
        return chain

    def _resolve(self, body: str | Body) -> tuple[Body, int, list[tuple[int, int]]]:
        b = body if isinstance(body, Body) else get_body(body)
        for naif in (b.naif_id, b.barycenter_id):
            chain = self._chain(naif)
            if chain is not None:
                return b, naif, chain
        raise UnknownBodyError(
            f"body '{b.name}' (NAIF {b.naif_id} or {b.barycenter_id}) is not in the ephemeris {self.name}",
            str(self.path),
        )

    def target_id(self, body: str | Body) -> int:
        """NAIF id this ephemeris uses for ``body``: its centre if held, else its barycentre."""
        return self._resolve(body)[1]

    def _terms(self, body) -> tuple[dict[tuple[int, int], int], list[tuple[int, int]]]:
        """Signed segment pairs summing to (body - Sun), and every pair involved."""
        _, _, chain = self._resolve(body)
        sun = self._chain(SUN)
        signs: dict[tuple[int, int], int] = {}
        for pair in chain:
            signs[pair] = signs.get(pair, 0) + 1
        for pair in sun:
            signs[pair] = signs.get(pair, 0) - 1
        return {p: s for p, s in signs.items() if s}, chain + sun

    # -- coverage -------------------------------------------------------------------

    def _pair_span(self, pair: tuple[int, int]) -> tuple[float, float]:
        spans = sorted((s.start_second, s.end_second) for s in self._pairs[pair])
        start, end = spans[0]
        for s0, s1 in spans[1:]:
            if s0 > end:
                raise EphemerisError(
                    f"cannot read SPK ephemeris: segments {pair[0]} -> {pair[1]} leave a gap", str(self.path)
                )
            end = max(end, s1)
        return float(start), float(end)

    def _plan(self, body: str | Body) -> tuple[dict[tuple[int, int], int], tuple[float, float]]:
        """The signed pairs of :meth:`_terms` and the :meth:`coverage` of a body, worked out once."""
        b = get_body(body)
        plan = self._plans.get(b)
        if plan is None:
            terms, pairs = self._terms(b)
            spans = [self._pair_span(p) for p in pairs]
            plan = self._plans[b] = (terms, (max(s for s, _ in spans), min(e for _, e in spans)))
        return plan

    def coverage(self, body: str | Body) -> tuple[float, float]:
        """Span of epochs at which the ephemeris gives ``body``'s heliocentric state.

        Parameters
        ----------
        body : str or Body

        Returns
        -------
        tuple of float
            ``(t_start, t_end)``, TDB seconds past J2000 (s), both included:
            the intersection of the spans of every segment needed.
        """
        return self._plan(body)[1]

    def check_range(self, body: str | Body, t_start: float, t_end: float, where: str | None = None) -> None:
        """Raise unless ``[t_start, t_end]`` (TDB s past J2000) lies inside :meth:`coverage`.

        Raises
        ------
        EphemerisRangeError
            Naming the first epoch outside, and the span the file covers.
        """
        start, end = self.coverage(body)
        for t in (t_start, t_end):
            if not np.isfinite(t):
                raise InputError("epoch is not a finite number of seconds", where)
            if not start <= t <= end:
                raise EphemerisRangeError(self._range_message(t, start, end), where)

    def _range_message(self, t: float, start: float, end: float) -> str:
        when, s, e = _when(t, 0), _when(start, 180), _when(end, 180)
        if min(abs(t - start), abs(t - end)) < 2 * DAY:  # near an end: show why it is outside
            when, s, e = (tdb_to_utc_iso(x, "second") for x in (t, start, end))
        return f"{when} is outside the ephemeris {self.name} (covers {s} to {e})"

    # -- states ---------------------------------------------------------------------

    def state(self, body: str | Body, t) -> tuple[np.ndarray, np.ndarray]:
        """Heliocentric ICRF position and velocity of ``body``.

        Parameters
        ----------
        body : str or Body
            A name :func:`sojourn.bodies.get_body` knows, or a Body. The body
            centre is used where the kernel holds it, else its system
            barycentre (DE421 holds only barycentres for Jupiter to Pluto).
        t : float or array_like
            Epochs, TDB seconds past J2000 (s).

        Returns
        -------
        r : numpy.ndarray
            Position relative to the Sun's centre (km), shape ``t.shape + (3,)``.
        v : numpy.ndarray
            Velocity relative to the Sun's centre (km/s), same shape.

        Raises
        ------
        UnknownBodyError
            A body sojourn or the ephemeris does not know.
        EphemerisRangeError
            An epoch outside :meth:`coverage`.
        """
        terms, _ = self._plan(body)
        t = np.asarray(t, dtype=np.float64)
        flat = t.ravel()
        r = np.zeros((flat.size, 3))
        v = np.zeros((flat.size, 3))
        if flat.size:
            self.check_range(body, flat.min(), flat.max())
            whole, frac = tdb_to_jd_parts(flat)
            for pair, sign in terms.items():
                self._add(pair, sign, flat, whole, frac, r, v)
            v /= DAY
        return r.reshape(t.shape + (3,)), v.reshape(t.shape + (3,))

    def sun_barycentric_state(self, t) -> tuple[np.ndarray, np.ndarray]:
        """Position and velocity of the Sun's centre relative to the solar-system barycentre.

        Add it to a heliocentric state to get a barycentric (BCRS) one, as light
        travel and relativistic clock rates need: the Sun moves up to about 15 m/s
        and 0.01 au about the barycentre, mostly with Jupiter's period.

        Parameters
        ----------
        t : float or array_like
            Epochs, TDB seconds past J2000 (s).

        Returns
        -------
        r, v : numpy.ndarray
            ICRF km and km/s, shape ``t.shape + (3,)``.

        Raises
        ------
        EphemerisRangeError
            An epoch outside :meth:`coverage` of the Sun.
        """
        t = np.asarray(t, dtype=np.float64)
        flat = t.ravel()
        r = np.zeros((flat.size, 3))
        v = np.zeros((flat.size, 3))
        if flat.size:
            self.check_range("sun", flat.min(), flat.max())
            whole, frac = tdb_to_jd_parts(flat)
            for pair in self._chain(SUN):
                self._add(pair, 1, flat, whole, frac, r, v)
            v /= DAY
        return r.reshape(t.shape + (3,)), v.reshape(t.shape + (3,))

    def _add(self, pair, sign, t, whole, frac, r, v) -> None:
        """Add ``sign`` times the state of one (center, target) pair, km and km/day."""
        segments = self._pairs[pair]
        if len(segments) == 1:
            picks = [(segments[0], None)]
        else:  # several spans: each epoch from the last segment that covers it
            which = np.full(t.shape, -1)
            for i, seg in enumerate(segments):
                which[(t >= seg.start_second) & (t <= seg.end_second)] = i
            picks = [(seg, np.flatnonzero(which == i)) for i, seg in enumerate(segments) if (which == i).any()]
        from sojourn.core.chebyshev import chebyshev_add

        for seg, rows in picks:
            records, init, intlen, components = self._coefficients(seg)
            if rows is None:
                bad = chebyshev_add(records, init, intlen, components, whole, frac, float(sign), r, v)
            else:
                rs, vs = np.zeros((rows.size, 3)), np.zeros((rows.size, 3))
                bad = chebyshev_add(records, init, intlen, components, whole[rows], frac[rows], float(sign),
                                     rs, vs)
                r[rows] += rs
                v[rows] += vs
            if bad:  # the record directory does not cover an epoch the segment claims
                raise EphemerisError("cannot read SPK ephemeris: the file is damaged (an epoch outside "
                                     f"segment {seg.center} -> {seg.target}'s records)", str(self.path))

    def _coefficients(self, seg) -> tuple[np.ndarray, float, float, int]:
        """A segment's Chebyshev records ``(n, rsize)`` (memory-mapped), first epoch, interval (s), components."""
        series = self._series.get(id(seg))
        if series is None:
            try:
                init, intlen, rsize, n = (float(x) for x in seg.daf.read_array(seg.end_i - 3, seg.end_i))
                records = seg.daf.map_array(seg.start_i, seg.end_i - 4).reshape((int(n), int(rsize)))
                if not records.dtype.isnative:  # a kernel written on a machine of the other byte order
                    records = records.astype(np.float64)
            except (ValueError, TypeError, OSError) as exc:  # a file damaged past what __init__ checks
                raise EphemerisError(f"cannot read SPK ephemeris: the file is damaged ({exc})",
                                     str(self.path)) from None
            series = self._series[id(seg)] = (records, init, intlen, 3 if seg.data_type == 2 else 6)
        return series


def _when(t: float, tolerance_s: float) -> str:
    """UTC text for an epoch: the date alone within ``tolerance_s`` of midnight."""
    if not abs(t) < 3e11:  # beyond about 7500 years from J2000: no calendar date to write
        return f"an epoch {t / (365.25 * DAY):+,.0f} years from J2000"
    dt = tdb_to_datetime64(t)
    midnight = (dt + np.timedelta64(12, "h")).astype("datetime64[D]")
    if abs((dt - midnight) / np.timedelta64(1, "s")) <= tolerance_s:
        return tdb_to_utc_iso(datetime64_to_tdb(midnight), "date")
    whole_minute = (dt - dt.astype("datetime64[m]")) == np.timedelta64(0, "ms")
    return tdb_to_utc_iso(t, "minute" if whole_minute else "second")


@functools.lru_cache(maxsize=8)
def _load(path: str) -> Ephemeris:
    return Ephemeris(path)


def load_ephemeris(path=None) -> Ephemeris:
    """The :class:`Ephemeris` for ``path`` (default DE421), opened once per resolved path.

    Parameters
    ----------
    path : str or os.PathLike, optional
        SPK file; ``~`` is expanded. Default ``de421.bsp`` from ``skyfield-data``.

    Returns
    -------
    Ephemeris
        Shared between callers: do not close it.
    """
    p = default_ephemeris_path() if path is None else Path(path).expanduser()
    return _load(str(p.resolve()))


def resolve_ephemeris(ephemeris=None) -> Ephemeris:
    """An :class:`Ephemeris` from what a caller passed: None (DE421), a path, or an Ephemeris."""
    return ephemeris if isinstance(ephemeris, Ephemeris) else load_ephemeris(ephemeris)


def icrf_to_ecliptic(r: Any) -> np.ndarray:
    """Rotate ICRF (J2000 equatorial) vectors into the ecliptic of J2000.

    A rotation by the obliquity :data:`sojourn.constants.OBLIQUITY_J2000_RAD` about the x axis,
    which both frames share (toward the March equinox):
    ``x' = x``, ``y' = y cos ε + z sin ε``, ``z' = -y sin ε + z cos ε``.

    Parameters
    ----------
    r : array_like, shape (..., 3)
        Vectors in ICRF, any unit.

    Returns
    -------
    numpy.ndarray, shape (..., 3)
        The same vectors in the ecliptic frame, same unit.
    """
    r = np.asarray(r, dtype=np.float64)
    c, s = math.cos(OBLIQUITY_J2000_RAD), math.sin(OBLIQUITY_J2000_RAD)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    return np.stack([x, c * y + s * z, -s * y + c * z], axis=-1)


def ecliptic_longitude_deg(r) -> np.ndarray:
    """Longitude (0-360 degrees) of ICRF vectors in the ecliptic of J2000."""
    e = icrf_to_ecliptic(r)
    return np.degrees(np.arctan2(e[..., 1], e[..., 0])) % 360.0
