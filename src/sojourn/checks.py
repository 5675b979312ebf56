"""The one validation layer for arguments: numbers, steps, dates, windows, bodies and file paths.

Every public function of sojourn checks its arguments here, so a mistake gives
the same one-line :class:`~sojourn.errors.InputError` whether it comes from
Python, the command line or the web app. Each check takes ``where``: the name
of the Python parameter (``"step_days"``, ``"arrive"``), which the faces map
to their own names (``--step``, a form field). Scenario files are checked by
their pydantic models (:mod:`sojourn.mission.scenario`); these checks are for
everything else.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

import numpy as np

from sojourn.errors import InputError

#: Most cells one grid may hold in memory (a porkchop Dataset takes 58 bytes a cell: six float64 fields,
#: the transfer type as two UCS4 characters, a status and a ridge byte; nothing else is grid-sized).
MAX_GRID_CELLS = 50_000_000


def number(value: Any, where: str, what: str = "value", unit: str = "") -> float:
    """A finite float; anything else is an InputError naming ``where``.

    Parameters
    ----------
    value : Any
        The argument.
    where : str
        The parameter's name.
    what, unit : str
        What the number is and its unit, for the message (``"step"``, ``"days"``).
    """
    if isinstance(value, bool):
        raise InputError(f"{what} must be a number{_of(unit)}, not {value!r}", where)
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a number{_of(unit)}, not {value!r}", where) from None
    if not math.isfinite(x):
        raise InputError(f"{what} must be a finite number{_of(unit)}, not {value!r}", where)
    return x


def _of(unit: str) -> str:
    return f" of {unit}" if unit else ""


def positive(value: Any, where: str, what: str = "value", unit: str = "") -> float:
    """A finite number above 0."""
    x = number(value, where, what, unit)
    if not x > 0.0:
        raise InputError(f"{what} must be a positive number{_of(unit)}, not {value!r}", where)
    return x


def non_negative(value: Any, where: str, what: str = "value", unit: str = "") -> float:
    """A finite number of at least 0."""
    x = number(value, where, what, unit)
    if x < 0.0:
        raise InputError(f"{what} must be at least 0{' ' + unit if unit else ''}, not {value!r}", where)
    return x


def in_range(value: Any, lo: float, hi: float, where: str, what: str = "value", unit: str = "",
             *, open_lo: bool = False, open_hi: bool = False) -> float:
    """A finite number between ``lo`` and ``hi`` (inclusive unless ``open_lo``/``open_hi``)."""
    x = number(value, where, what, unit)
    below = x <= lo if open_lo else x < lo
    above = x >= hi if open_hi else x > hi
    if below or above:
        ends = ("(exclusive)" if open_lo and open_hi else
                "(inclusive)" if not (open_lo or open_hi) else "")
        u = f" {unit}" if unit else ""
        raise InputError(f"{what} must be between {lo:g} and {hi:g}{u} {ends}, not {value!r}".replace("  ", " ")
                         .rstrip(), where)
    return x


def optional_positive(value: Any, where: str, what: str = "value", unit: str = "") -> Optional[float]:
    """None, or a finite number above 0."""
    return None if value is None else positive(value, where, what, unit)


def step_days(value: Any, where: str = "step_days", *, most: float | None = None) -> float:
    """A grid step in days: positive and finite (at most ``most`` days when given)."""
    step = positive(value, where, "step", "days")
    if most is not None and step > most:
        raise InputError(f"step must be at most {most:g} days, not {value!r}", where)
    return step


def c3_cap(value: Any, where: str = "c3_max") -> Optional[float]:
    """A launch-energy cap in km²/s²: positive and finite; None for no cap."""
    return None if value is None else positive(value, where, "C3 cap", "km²/s²")


def integer(value: Any, where: str, what: str = "value", *, least: int | None = None) -> int:
    """A whole number (an int, or a float with no fraction), at least ``least`` when given."""
    if isinstance(value, bool):
        raise InputError(f"{what} must be a whole number, not {value!r}", where)
    try:
        n = int(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{what} must be a whole number, not {value!r}", where) from None
    if n != value:
        raise InputError(f"{what} must be a whole number, not {value!r}", where)
    if least is not None and n < least:
        raise InputError(f"{what} must be at least {least}, not {value!r}", where)
    return n


def choice(value: Any, choices: Sequence[str], where: str, what: str = "value", *, upper: bool = False) -> str:
    """One of ``choices`` (compared case-insensitively; returned as written in ``choices``)."""
    text = str(value).strip()
    for c in choices:
        if text.lower() == c.lower():
            return c
    raise InputError(f"unknown {what} '{value}': use {', '.join(choices[:-1]) + ' or ' + choices[-1] if len(choices) > 1 else choices[0]}",
                     where)


def grid_cells(cells: float, where: str = "step_days", limit: int = MAX_GRID_CELLS) -> None:
    """Refuse a grid too large for memory before anything is allocated.

    Parameters
    ----------
    cells : float
        Cells the grid would hold.
    where : str
        The parameter that sets its size.
    limit : int
        The most cells allowed.
    """
    if cells > limit:
        raise InputError(f"this step makes a grid of {cells:,.0f} cells, more than {limit:,}: use a coarser step "
                         "(or a trade study, which outgrows memory)", where)


# ---------------------------------------------------------------------------------------------
# dates


def epoch(value: Any, where: str) -> float:
    """An instant as TDB seconds past J2000, from UTC text, a datetime or a numpy datetime64.

    Parameters
    ----------
    value : str, datetime.datetime, datetime.date, numpy.datetime64 or float
        ISO 8601 UTC text (a date alone is 00:00 UTC); a datetime (naive means
        UTC; an aware one is converted); a date (00:00 UTC); a datetime64 (UTC);
        or a float, taken as TDB seconds past J2000.
    where : str
        The parameter's name.
    """
    from sojourn.time import datetime64_to_tdb, parse_utc

    if isinstance(value, str):
        return parse_utc(value, where)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return float(datetime64_to_tdb(np.datetime64(value, "ms")))
    if isinstance(value, _dt.date):
        return float(datetime64_to_tdb(np.datetime64(value, "D")))
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise InputError("not a date (NaT)", where)
        return float(datetime64_to_tdb(value))
    if isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, bool):
        return number(value, where, "epoch", "TDB seconds past J2000")
    raise InputError(f"expected a UTC date (ISO text such as 2026-09-01, a datetime or a datetime64), "
                     f"not {value!r}", where)


def window(value: Any, where: str) -> tuple[float, float]:
    """A span of time as (start, end) TDB seconds, start before end.

    Parameters
    ----------
    value : str or (start, end)
        ``"2026-09-01:2027-01-15"`` (or ``..`` between the dates), or a pair of
        anything :func:`epoch` accepts.
    where : str
        The parameter's name.
    """
    from sojourn.time import parse_window, tdb_to_utc_iso

    if isinstance(value, str):
        return parse_window(value, where)
    try:
        start, end = value
    except (TypeError, ValueError):
        raise InputError(f"a window is START:END or a (start, end) pair, not {value!r}", where) from None
    t0, t1 = epoch(start, where), epoch(end, where)
    if t1 < t0:
        raise InputError(f"window ends before it starts: {tdb_to_utc_iso(t0)} to {tdb_to_utc_iso(t1)}", where)
    if t1 == t0:
        raise InputError(f"window is empty: it starts and ends at {tdb_to_utc_iso(t0, 'minute')}", where)
    return t0, t1


# ---------------------------------------------------------------------------------------------
# bodies


def transfer_bodies(origin: Any, destination: Any, where: tuple[str, str] = ("origin", "destination")):
    """The two ends of a heliocentric transfer, refused when they cannot be one.

    A transfer runs between two bodies that orbit the Sun on their own: not the
    Sun itself, not a body and its own barycentre (the Earth and the Earth-Moon
    barycentre are the same point for a heliocentric transfer), and not the
    Moon, which travels with the Earth (a lunar transfer is not a heliocentric
    Lambert arc).

    Parameters
    ----------
    origin, destination : str or Body
    where : (str, str)
        The two parameters' names.

    Returns
    -------
    (Body, Body)

    Raises
    ------
    InputError
        An unknown body, or a pair that cannot be the ends of a heliocentric transfer.
    """
    from sojourn.bodies import get_body

    a, b = get_body(origin, where[0]), get_body(destination, where[1])
    for body, here in ((a, where[0]), (b, where[1])):
        if body.name == "sun":
            raise InputError("the Sun cannot be an end of a heliocentric transfer", here)
        if body.name == "moon":
            raise InputError("the Moon moves with the Earth: it cannot be an end of a heliocentric transfer "
                             "(use earth or emb)", here)
    if a.name == b.name:
        raise InputError(f"departure and arrival are the same body: {a.name}", where[1])
    if a.barycenter_id == b.barycenter_id:
        raise InputError(f"{a.name} and {b.name} are one point for a heliocentric transfer: choose two "
                         "planets", where[1])
    return a, b


# ---------------------------------------------------------------------------------------------
# files


def output_file(path: Any, suffixes: Iterable[str], where: str) -> Optional[Path]:
    """An output file to write: right suffix, not a directory, in a directory that exists.

    None passes (no output asked for). The file itself is written later,
    atomically (:func:`sojourn.io.atomic_path`).
    """
    if path is None:
        return None
    p = Path(path)
    suffixes = tuple(suffixes)
    if p.is_dir():
        raise InputError(f"output path is a directory: '{p}'", where)
    if p.suffix.lower() not in suffixes:
        raise InputError(f"unsupported output format '{p.suffix or p.name}': use {', '.join(suffixes)}", where)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"output directory does not exist: '{parent}'", where)
    return p


def output_dir(path: Any, where: str) -> Optional[Path]:
    """An output directory: not a file, and its parent exists (the directory itself is made on writing)."""
    if path is None:
        return None
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise InputError(f"not a directory: '{p}'", where)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"output directory's parent does not exist: '{parent}'", where)
    return p


def input_file(path: Any, where: str, what: str = "file") -> Path:
    """A file to read: it exists and is not a directory."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"is a directory, not a {what}: '{p}'", where)
    if not p.exists():
        raise InputError(f"{what} not found: '{p}'", where)
    return p


def _same_file(a: Path, b: Path) -> bool:
    try:
        if os.path.realpath(a) == os.path.realpath(b):
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def distinct_outputs(outputs: Mapping[str, Any], inputs: Mapping[str, Any]) -> None:
    """Refuse, before any work, an output that is also an input or another output.

    Paths are compared as the files they name, whatever their spelling
    (relative, ``./``, ``..``, symbolic or hard links).

    Parameters
    ----------
    outputs : mapping
        ``{where: path}`` of every file a call will write (None: not written).
        A directory output is given as the files it will hold.
    inputs : mapping
        ``{where: path}`` of every file it reads (None: not given).

    Raises
    ------
    InputError
        Naming the output, and which input or output it would overwrite.
    """
    outs = [(k, Path(v)) for k, v in outputs.items() if v is not None]
    ins = [(k, Path(v)) for k, v in inputs.items() if v is not None]
    for i, (where, out) in enumerate(outs):
        for what, src in ins:
            if _same_file(out, src):
                raise InputError(f"the output '{out}' is the {what} it reads: refusing to overwrite an input",
                                 where)
        for other, out2 in outs[:i]:
            if _same_file(out, out2):
                raise InputError(f"the output '{out}' is also the {other} output: give two different files",
                                 where)
