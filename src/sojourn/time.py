"""Dates in and out: UTC ISO 8601 at the boundary, TDB seconds past J2000 inside.

Every epoch inside sojourn is a float64 count of TDB seconds past J2000
(JD 2451545.0 TDB, i.e. 2000-01-01T12:00:00 TDB). Users speak UTC ISO 8601;
a date alone means 00:00 UTC. The conversions go UTC -> TAI -> TT -> TDB with
pyerfa (the IAU SOFA algorithms), leap seconds included, and TDB - TT from
the full Fairhead & Bretagnon series at the geocentre.

All functions accept numpy arrays as well as scalars.
"""

from __future__ import annotations

import contextlib
import re
import warnings

import erfa
import numpy as np

from .errors import InputError

from .constants import DAY  # noqa: F401  (re-exported: the day everything counts in)

J2000_JD = 2451545.0
"""Julian date of the J2000 epoch (TDB)."""

_MJD0 = 2400000.5  # Julian date of MJD 0
_UNIX_MJD = 40587  # MJD of 1970-01-01
_MS_PER_DAY = 86_400_000

_PRECISIONS = ("date", "minute", "second")

_DATE_RE = (
    r"(?P<{p}y>\d{{4}})"
    r"(?:-(?P<{p}mo>\d{{2}})"
    r"(?:-(?P<{p}d>\d{{2}})"
    r"(?:[T ](?P<{p}h>\d{{2}}):(?P<{p}mi>\d{{2}})"
    r"(?::(?P<{p}s>\d{{2}}(?:\.\d+)?))?)?)?)?Z?"
)
_ONE = re.compile(r"\s*" + _DATE_RE.format(p="") + r"\s*")
_TWO = re.compile(
    r"\s*(?P<a>" + _DATE_RE.format(p="a")
    + r")\s*(?:\.\.|:)\s*(?P<b>" + _DATE_RE.format(p="b") + r")\s*"
)


def _malformed(text: str, where: str | None) -> InputError:
    return InputError(
        f"malformed date '{text}': expected ISO 8601 UTC such as 2026-09-01 or 2026-09-01T12:00",
        where,
    )


@contextlib.contextmanager
def _quiet():
    """Hide erfa's 'dubious year' warning: dates past the leap-second table are fine."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*dubious year.*", category=erfa.ErfaWarning)
        yield


_REASONS = {
    "bad year": "year out of range",
    "bad month": "no such month",
    "bad day": "no such day in that month",
    "bad hour": "no such hour",
    "bad minute": "no such minute",
    "bad second": "no such second",
}


def _utc_jd(year, month, day, hour, minute, second):
    """Two-part UTC quasi Julian date (erfa.dtf2d); InputError(reason) if invalid."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", erfa.ErfaWarning)
        try:
            u1, u2 = erfa.dtf2d("UTC", year, month, day, hour, minute, second)
        except erfa.ErfaError as exc:
            m = re.search(r'of "([^"]+)"', str(exc))
            reason = m.group(1) if m else str(exc)
            raise InputError(_REASONS.get(reason, reason)) from None
    if any("end of day" in str(w.message) for w in caught):
        raise InputError("second 60 exists only in a leap second (such as 2016-12-31T23:59:60)")
    return u1, u2


def utc_to_tdb(year, month, day, hour=0, minute=0, second=0.0):
    """Convert a UTC calendar date and time to TDB seconds past J2000.

    Parameters
    ----------
    year, month, day : int or array_like of int
        UTC calendar date (Gregorian).
    hour, minute : int or array_like of int, optional
        UTC time of day (h, min); default 0.
    second : float or array_like, optional
        UTC seconds (s); 60.x is valid only in a leap second. Default 0.

    Returns
    -------
    float or numpy.ndarray
        TDB seconds past J2000 (s), float64, the broadcast shape of the inputs.

    Raises
    ------
    InputError
        An invalid date or time (month 13, 30 February, second 60 on a day
        without a leap second, ...).
    """
    try:
        u1, u2 = _utc_jd(year, month, day, hour, minute, second)
    except InputError as exc:
        raise InputError(f"invalid UTC date or time: {exc.message}") from None
    with _quiet():
        tai1, tai2 = erfa.utctai(u1, u2)
        tt1, tt2 = erfa.taitt(tai1, tai2)
        dtr = erfa.dtdb(tt1, tt2, 0.0, 0.0, 0.0, 0.0)
        tdb1, tdb2 = erfa.tttdb(tt1, tt2, dtr)
    t = ((tdb1 - J2000_JD) + tdb2) * DAY
    return float(t) if np.ndim(t) == 0 else np.asarray(t, dtype=np.float64)


def parse_utc(text: str, where: str | None = None) -> float:
    """Parse a UTC ISO 8601 date or date-time into TDB seconds past J2000.

    Accepted forms: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM``,
    ``YYYY-MM-DDTHH:MM:SS(.fff)``, with an optional trailing ``Z`` and a space
    allowed in place of ``T``. Missing fields are the start of the period: a
    date alone is 00:00 UTC.

    Parameters
    ----------
    text : str
        The date, in UTC.
    where : str, optional
        Where the text came from (an option, a file and key), for the error.

    Returns
    -------
    float
        TDB seconds past J2000 (s).

    Raises
    ------
    InputError
        Malformed text or an impossible date such as 2026-02-30.
    """
    m = _ONE.fullmatch(text) if isinstance(text, str) else None
    if m is None:
        raise _malformed(text, where)
    return _from_match(m, "", text, where)


def _from_match(m: re.Match, p: str, text: str, where: str | None) -> float:
    g = m.groupdict()
    fields = [g[p + k] for k in ("y", "mo", "d", "h", "mi")]
    y, mo, d, h, mi = (int(f) if f is not None else dflt for f, dflt in zip(fields, (0, 1, 1, 0, 0)))
    s = float(g[p + "s"]) if g[p + "s"] is not None else 0.0
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h <= 23 and mi <= 59 and s < 61.0):
        raise _malformed(text, where)
    try:
        _utc_jd(y, mo, d, h, mi, s)
    except InputError as exc:
        raise InputError(f"invalid date '{text}': {exc.message}", where) from None
    return utc_to_tdb(y, mo, d, h, mi, s)


def parse_window(text: str, where: str | None = None) -> tuple[float, float]:
    """Parse a UTC window ``START:END`` (or ``START..END``) into TDB seconds.

    Either end may be any form :func:`parse_utc` accepts, including times
    with colons: ``2026-09-01T12:00:2027-01-15`` is 12:00 UTC on 1 September
    2026 to 00:00 UTC on 15 January 2027.

    Parameters
    ----------
    text : str
        The window, in UTC.
    where : str, optional
        Where the text came from, for the error.

    Returns
    -------
    tuple of float
        ``(start, end)`` in TDB seconds past J2000 (s), ``start < end``.

    Raises
    ------
    InputError
        Not two dates, an invalid date, an end before the start, or an empty
        window.
    """
    m = _TWO.fullmatch(text) if isinstance(text, str) else None
    if m is None:
        raise InputError(
            f"malformed window '{text}': expected START:END in ISO 8601 UTC such as 2026-09-01:2027-01-15",
            where,
        )
    start = _from_match(m, "a", m.group("a"), where)
    end = _from_match(m, "b", m.group("b"), where)
    if end < start:
        raise InputError(f"window ends before it starts: '{text}'", where)
    if end == start:
        raise InputError(f"window is empty: '{text}' starts and ends at the same instant", where)
    return start, end


def tdb_to_jd_parts(t):
    """Split TDB seconds past J2000 into a two-part TDB Julian date.

    Parameters
    ----------
    t : float or array_like
        TDB seconds past J2000 (s).

    Returns
    -------
    whole, fraction : numpy.ndarray
        ``whole`` is J2000 plus a whole number of days, ``fraction`` the rest
        in days, ``0 <= fraction < 1``; their sum is the TDB Julian date. Kept
        apart, they hold the epoch to about 1e-11 s (the form jplephem and
        erfa take).
    """
    t = np.asarray(t, dtype=np.float64)
    days = np.floor(t / DAY)
    return J2000_JD + days, (t - days * DAY) / DAY


def tdb_to_jd(t):
    """TDB Julian date (days) of TDB seconds past J2000, as one float64.

    One float holds a Julian date to about 40 microseconds; use
    :func:`tdb_to_jd_parts` where that matters.
    """
    return J2000_JD + np.asarray(t, dtype=np.float64) / DAY


def _tdb_to_utc_fields(t):
    """UTC calendar fields of TDB seconds past J2000, rounded to the millisecond.

    Returns year, month, day, hour, minute, second, millisecond arrays
    (second is 60 inside a leap second).
    """
    t = np.asarray(t, dtype=np.float64)
    if not np.all(np.isfinite(t)):
        raise InputError("epoch is not a finite number of seconds")
    tdb1, tdb2 = tdb_to_jd_parts(t)
    with _quiet():
        dtr = erfa.dtdb(tdb1, tdb2, 0.0, 0.0, 0.0, 0.0)
        tt1, tt2 = erfa.tdbtt(tdb1, tdb2, dtr)
        tai1, tai2 = erfa.tttai(tt1, tt2)
        u1, u2 = erfa.taiutc(tai1, tai2)
        try:
            iy, im, iday, hmsf = erfa.d2dtf("UTC", 3, u1, u2)
        except erfa.ErfaError as exc:
            raise InputError(f"epoch cannot be written as a UTC date: {exc}") from None
    return iy, im, iday, hmsf["h"], hmsf["m"], hmsf["s"], hmsf["f"]


def tdb_to_utc_iso(t, precision: str = "date"):
    """Write TDB seconds past J2000 as UTC ISO 8601 text.

    The instant is rounded to the nearest millisecond, then the fields below
    ``precision`` are dropped (truncated), so 1 microsecond before midnight
    prints as the next day and 12:00:59 prints as 12:00. A leap second
    prints as ``23:59:60``.

    Parameters
    ----------
    t : float or array_like
        TDB seconds past J2000 (s).
    precision : {"date", "minute", "second"}
        ``2026-09-01``, ``2026-09-01T12:00`` or ``2026-09-01T12:00:00``.

    Returns
    -------
    str or list of str
        A string for a scalar, a flat list of strings for an array.
    """
    if precision not in _PRECISIONS:
        raise InputError(f"unknown precision '{precision}': expected one of {', '.join(_PRECISIONS)}")
    scalar = np.ndim(t) == 0
    fields = _tdb_to_utc_fields(np.ravel(t))
    out = []
    for y, mo, d, h, mi, s, _ in zip(*(f.tolist() for f in fields)):
        text = f"{y:04d}-{mo:02d}-{d:02d}"
        if precision != "date":
            text += f"T{h:02d}:{mi:02d}"
        if precision == "second":
            text += f":{s:02d}"
        out.append(text)
    return out[0] if scalar else out


def tdb_to_datetime64(t) -> np.ndarray:
    """UTC ``datetime64[ms]`` of TDB seconds past J2000, for axes and coordinates.

    numpy's datetime64 has no leap seconds: an instant inside one
    (23:59:60.x UTC) maps to the following 00:00:00.x. NaN maps to NaT.

    Parameters
    ----------
    t : float or array_like
        TDB seconds past J2000 (s).

    Returns
    -------
    numpy.ndarray
        dtype ``datetime64[ms]``, UTC, the shape of ``t``.
    """
    t = np.asarray(t, dtype=np.float64)
    ok = np.isfinite(t)
    out = np.full(t.shape, np.datetime64("NaT", "ms"))
    if ok.any():
        y, mo, d, h, mi, s, f = _tdb_to_utc_fields(t[ok])
        mjd0, mjd = erfa.cal2jd(y, mo, d)
        days = (mjd0 - _MJD0 + mjd).astype(np.int64) - _UNIX_MJD
        ms = days * _MS_PER_DAY + ((h.astype(np.int64) * 60 + mi) * 60 + s) * 1000 + f
        out[ok] = ms.astype("datetime64[ms]")
    return out


def tdb_to_datetime(t):
    """UTC :class:`datetime.datetime` (timezone-aware, to the millisecond) of TDB seconds past J2000.

    The dates results carry for Python users (see :mod:`sojourn.results`);
    numerics keep the TDB seconds alongside. As :func:`tdb_to_datetime64`, an
    instant inside a leap second maps to the following 00:00:00.x, since
    ``datetime`` has no second 60.

    Parameters
    ----------
    t : float or array_like
        TDB seconds past J2000 (s).

    Returns
    -------
    datetime.datetime, None or list of them
        One for a scalar (None for NaN), a flat list for an array.
    """
    import datetime as _dt

    d64 = np.atleast_1d(tdb_to_datetime64(t)).astype("datetime64[ms]").ravel()
    epoch = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
    out = [None if np.isnat(d) else epoch + _dt.timedelta(milliseconds=int(d.astype(np.int64))) for d in d64]
    return out[0] if np.ndim(t) == 0 else out


def datetime64_to_tdb(dt64) -> np.ndarray:
    """TDB seconds past J2000 of UTC ``datetime64`` values (inverse of :func:`tdb_to_datetime64`).

    Parameters
    ----------
    dt64 : numpy.datetime64 or array_like of datetime64
        UTC instants, any unit (resolved to the millisecond). NaT maps to NaN.

    Returns
    -------
    numpy.ndarray
        TDB seconds past J2000 (s), float64, the shape of ``dt64``.
    """
    dt = np.asarray(dt64).astype("datetime64[ms]")
    ok = ~np.isnat(dt)
    out = np.full(dt.shape, np.nan)
    if ok.any():
        ms = dt[ok].astype(np.int64)
        days, msod = np.divmod(ms, _MS_PER_DAY)
        y, mo, d, _ = erfa.jd2cal(_MJD0, (days + _UNIX_MJD).astype(np.float64))
        out[ok] = utc_to_tdb(
            y, mo, d, msod // 3_600_000, (msod // 60_000) % 60, (msod % 60_000) / 1000.0
        )
    return out


def utc_steps(t_start: float, step_days: float, n: int) -> np.ndarray:
    """``n`` epochs from ``t_start``, ``step_days`` apart on the UTC calendar.

    Stepping in whole TDB days drifts off UTC midnight (by milliseconds over a
    year, by a second across a leap second); stepping on the UTC calendar keeps
    a grid that starts at 00:00 UTC on 00:00 UTC, so each cell is named by the
    right day.

    Parameters
    ----------
    t_start : float
        First epoch, TDB seconds past J2000 (s).
    step_days : float
        Step, UTC days.
    n : int
        Number of epochs.

    Returns
    -------
    numpy.ndarray
        TDB seconds past J2000, shape (n,).
    """
    start = tdb_to_datetime64(t_start)
    offsets = np.round(np.arange(n) * step_days * _MS_PER_DAY).astype(np.int64).astype("timedelta64[ms]")
    return datetime64_to_tdb(start + offsets)


def year_span(start, end) -> tuple[float, float]:
    """(start, end) in TDB seconds from years or UTC dates; a year as ``end`` means through its last day.

    Raises
    ------
    InputError
        A malformed bound (naming ``start`` or ``end``), or an empty or reversed span.
    """
    def bound(value, where, is_end):
        text = str(value).strip()
        if text.isdigit() and len(text) == 4:
            year = int(text) + (1 if is_end else 0)
            return float(utc_to_tdb(year, 1, 1))
        return parse_utc(text, where)

    t0 = bound(start, "start", False)
    t1 = bound(end, "end", True)
    if t1 == t0:
        raise InputError(f"span is empty: {start} to {end}", "end")
    if t1 < t0:
        raise InputError(f"span ends before it starts: {start} to {end}", "end")
    return t0, t1
