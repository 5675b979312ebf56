"""What changes between two mission plans, and which input changes cause it.

:func:`diff` (``sj.diff``) compares two scenarios: the inputs that differ (both
scenarios' validated content flattened into dotted keys such as
``constraints.min_stay_days``), the timeline events of their best plans that
moved (and by how many days), appeared or vanished, and the first divergence.
It then attributes every moved event to the input changes that move it: plan A
is evaluated again with each changed input alone taken from B (the rest kept
from A), and an event is attributed to the changes that, alone, move it the
same way (same direction, and at least a tenth of the move). When no single
change does, only their combination moves the event, and the diff says so.

Inputs that cannot move a trajectory (the mission's name and description, the
crew list) are listed but not re-evaluated. A scenario with no feasible plan is
a side of the diff that says why and which constraint binds; its events are
then said to vanish (or appear).
"""

from __future__ import annotations

import copy
import datetime as _dt
import math
import re
from dataclasses import dataclass
from typing import Any, Optional

from sojourn.errors import ScenarioError, SojournError
from sojourn.results import Result, utc_text
from sojourn.time import DAY, tdb_to_datetime, tdb_to_utc_iso

__all__ = ["MOVE_TOLERANCE_S", "Diff", "DiffSide", "EventChange", "InputChange", "attribute", "changed_inputs",
           "diff", "flatten", "set_key"]

MOVE_TOLERANCE_S = 60.0
"""An event that shifts by less than this (s) has not moved: plan dates are given to the minute."""

SHARE = 0.1
"""A single change explains part of a move when it moves the event the same way by at least this
fraction of the whole move."""

_COSMETIC = re.compile(r"^(mission\.name|mission\.description|crew(\..*)?)$")
_MISSING = object()


# ---------------------------------------------------------------------------------------------
# inputs


def flatten(data, prefix: str = "") -> dict:
    """Nested tables as ``{dotted.key: value}``; lists of tables by index (``vessel.stages[0].isp_s``).

    Lists of plain values (a stage's ``burns``) stay whole values.
    """
    out = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        for i, value in enumerate(data):
            out.update(flatten(value, f"{prefix}[{i}]"))
    else:
        out[prefix] = data
    return out


def changed_inputs(a: dict, b: dict, prefix: str = "") -> list[tuple[str, object, object]]:
    """The inputs that differ between two scenario dicts: ``[(dotted key, a value, b value)]``.

    A key missing on one side has the value ``None`` there. Lists of tables of
    different lengths (a stage added) are one change of the whole list.
    """
    out = []
    keys = list(a) + [k for k in b if k not in a]
    for key in keys:
        path = f"{prefix}.{key}" if prefix else str(key)
        va, vb = a.get(key, _MISSING), b.get(key, _MISSING)
        if isinstance(va, dict) and isinstance(vb, dict):
            out.extend(changed_inputs(va, vb, path))
        elif (isinstance(va, list) and isinstance(vb, list) and len(va) == len(vb) and va
              and all(isinstance(x, dict) for x in va + vb)):
            for i, (x, y) in enumerate(zip(va, vb)):
                out.extend(changed_inputs(x, y, f"{path}[{i}]"))
        elif va != vb:
            out.append((path, None if va is _MISSING else va, None if vb is _MISSING else vb))
    return out


_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _tokens(key: str) -> list:
    return [int(i) if i else name for name, i in _TOKEN.findall(key)]


def set_key(data: dict, key: str, value) -> dict:
    """A deep copy of ``data`` with the dotted ``key`` set to ``value`` (removed when ``value`` is None)."""
    out = copy.deepcopy(data)
    parts = _tokens(key)
    node = out
    for part, nxt in zip(parts[:-1], parts[1:]):
        if isinstance(part, int):
            node = node[part]
            continue
        if part not in node or node[part] is None:
            node[part] = [] if isinstance(nxt, int) else {}
        node = node[part]
    last = parts[-1]
    if value is None:
        if isinstance(last, str):
            node.pop(last, None)
    else:
        node[last] = copy.deepcopy(value)
    return out


# ---------------------------------------------------------------------------------------------
# attribution


def attribute(moved_s: float, singles: dict, tolerance_s: float = MOVE_TOLERANCE_S) -> tuple[list[str], bool]:
    """Which input changes explain an event's move.

    Parameters
    ----------
    moved_s : float
        How far the event moved from plan A to plan B, s.
    singles : dict
        ``{key: shift}``: how far the event moves when only ``key`` changes
        (s), or None when that change could not be evaluated alone (invalid or
        infeasible by itself).
    tolerance_s : float
        Shifts smaller than this are no move.

    Returns
    -------
    attributed_to : list of str
        The keys whose change alone moves the event the same way by at least
        :data:`SHARE` of the move; when there is none, every key (only their
        combination moves it).
    combination_only : bool
        True when no single change explains the move.
    """
    if abs(moved_s) <= tolerance_s:
        return [], False
    need = max(tolerance_s, SHARE * abs(moved_s))
    keys = [k for k, d in singles.items()
            if d is not None and math.copysign(1.0, d) == math.copysign(1.0, moved_s) and abs(d) >= need]
    if keys:
        return keys, False
    return list(singles), True


# ---------------------------------------------------------------------------------------------
# results


@dataclass(frozen=True, repr=False)
class DiffSide(Result):
    """One side of a diff: a scenario's best plan, or why it has none.

    Attributes
    ----------
    source : str
        The scenario's file (or what stands for it).
    plan : Plan or None
        Its best plan; None when it has none.
    status : {"ok", "invalid", "infeasible"}
    reason : str or None
        Why there is no plan.
    binding_constraint : str or None
        The scenario key that binds when the search finds no plan (``"ephemeris"``
        when it runs past the ephemeris).
    """

    source: str
    plan: Any
    status: str = "ok"
    reason: Optional[str] = None
    binding_constraint: Optional[str] = None

    @property
    def feasible(self) -> bool:
        return self.plan is not None

    @property
    def events(self) -> dict:
        """``{matching key: (event name, TDB s)}`` of the plan's events ({} without a plan)."""
        return _event_times(self.plan) if self.plan is not None else {}

    def to_dict(self) -> dict:
        out = {"source": self.source, "feasible": self.feasible}
        if self.plan is None:
            out["reason"] = self.reason
            if self.binding_constraint is not None:
                out["binding_constraint"] = self.binding_constraint
            return out
        p = self.plan
        out.update(launch=utc_text(p.launch, "minute"), total_dv_kms=p.total_dv_kms, total_days=p.total_days,
                   stay_days=p.stay_days)
        return out

    def summary(self) -> list[tuple[str, str]]:
        if self.plan is None:
            return [("source", self.source), ("feasible", "no"), ("binding", str(self.binding_constraint))]
        return [("source", self.source), ("launch", utc_text(self.plan.launch, "date")),
                ("total_dv_kms", f"{self.plan.total_dv_kms:.2f}")]


@dataclass(frozen=True, repr=False)
class InputChange(Result):
    """One input that differs: its dotted key, both values and what the change does alone.

    ``alone`` is ``moves events``, ``no effect on the timeline``, ``invalid
    alone: ...``, ``infeasible alone: ...``, ``not a trajectory input`` or
    ``not evaluated (neither plan is feasible)``.
    """

    key: str
    a: Any
    b: Any
    alone: str

    def to_dict(self) -> dict:
        return {"key": self.key, "a": self.a, "b": self.b, "alone": self.alone}

    def summary(self) -> list[tuple[str, str]]:
        return [("key", self.key), ("a", repr(self.a)), ("b", repr(self.b))]


@dataclass(frozen=True, repr=False)
class EventChange(Result):
    """What became of one timeline event between plan A and plan B.

    Attributes
    ----------
    name : str
        The event (B's wording when both have it).
    t_a, t_b : float or None
        When it happens in each plan, TDB s (None: not in that plan).
    status : {"moved", "unchanged", "appeared", "vanished"}
    attributed_to : tuple of str
        The input keys whose change explains it.
    combination_only : bool
        No single change explains it; only their combination does.
    single_moves_s : dict
        ``{key: s}``: how far the event moves when only that key changes
        (None where that change cannot be planned alone); empty unless the
        event is in both plans.
    """

    name: str
    t_a: Optional[float]
    t_b: Optional[float]
    status: str
    attributed_to: tuple = ()
    combination_only: bool = False
    single_moves_s: Any = None

    @property
    def a_date(self) -> Optional[_dt.datetime]:
        return None if self.t_a is None else tdb_to_datetime(self.t_a)

    @property
    def b_date(self) -> Optional[_dt.datetime]:
        return None if self.t_b is None else tdb_to_datetime(self.t_b)

    @property
    def moved_days(self) -> Optional[float]:
        """B minus A, days (rounded to 1e-4 day); None unless the event is in both plans."""
        return None if self.t_a is None or self.t_b is None else _days(self.t_b - self.t_a)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "a_date": None if self.t_a is None else tdb_to_utc_iso(self.t_a, "minute"),
            "b_date": None if self.t_b is None else tdb_to_utc_iso(self.t_b, "minute"),
            "moved_days": self.moved_days,
            "attributed_to": list(self.attributed_to),
            "combination_only": self.combination_only,
            "single_moves_days": {k: _days(v) for k, v in (self.single_moves_s or {}).items()},
            "status": self.status,
        }

    def summary(self) -> list[tuple[str, str]]:
        return [("event", self.name), ("status", self.status), ("moved_days", str(self.moved_days))]


@dataclass(frozen=True, repr=False)
class Diff(Result):
    """Two scenarios compared: their plans, the inputs that differ, and what moved because of which.

    Attributes
    ----------
    a, b : DiffSide
        The reference (A) and the changed scenario (B).
    step_days : float or None
        The grid step every plan was searched with (None: each scenario's own).
    ephemeris : str
    inputs : tuple of InputChange
    events : tuple of EventChange
        In flight order.
    """

    a: DiffSide
    b: DiffSide
    step_days: Optional[float]
    ephemeris: str
    inputs: tuple
    events: tuple

    @property
    def first_divergence(self) -> Optional[EventChange]:
        """The earliest event that differs, or None when the timelines are the same."""
        return next((e for e in self.events if e.status != "unchanged"), None)

    @property
    def inputs_table(self):
        """The inputs that differ as a pandas DataFrame (key, a, b, alone)."""
        import pandas as pd

        return pd.DataFrame.from_records([c.to_dict() for c in self.inputs], columns=["key", "a", "b", "alone"])

    @property
    def events_table(self):
        """The events as a pandas DataFrame (UTC dates, days moved, status, causes)."""
        import pandas as pd

        rows = [{"name": e.name, "a_date": e.a_date, "b_date": e.b_date, "moved_days": e.moved_days,
                 "status": e.status, "attributed_to": list(e.attributed_to), "combination_only": e.combination_only}
                for e in self.events]
        return pd.DataFrame.from_records(rows, columns=["name", "a_date", "b_date", "moved_days", "status",
                                                        "attributed_to", "combination_only"])

    def to_dict(self) -> dict:
        first = self.first_divergence
        return {
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "step_days": self.step_days,
            "ephemeris": self.ephemeris,
            "inputs_changed": [c.to_dict() for c in self.inputs],
            "events": [e.to_dict() for e in self.events],
            "first_divergence": None if first is None else {k: first.to_dict()[k] for k in (
                "name", "a_date", "b_date", "moved_days", "status")},
        }

    def summary(self) -> list[tuple[str, str]]:
        first = self.first_divergence
        return [("a", self.a.source), ("b", self.b.source), ("inputs_changed", str(len(self.inputs))),
                ("moved", str(sum(e.status != "unchanged" for e in self.events))),
                ("first_divergence", "none" if first is None else first.name)]

    def _repr_html_(self) -> str:
        return super()._repr_html_() + self.inputs_table._repr_html_() + self.events_table._repr_html_()


# ---------------------------------------------------------------------------------------------
# plans


def _event_key(name: str) -> str:
    """Events are matched by name up to a colon ("Launch: trans-Mars injection from 400 km ..." is "Launch"), a
    flyby without its altitude ("Venus flyby (8 496 km)" is "Venus flyby": a flyby that moves stays itself)."""
    key = name.split(":", 1)[0].strip()
    return key.split(" (", 1)[0] if " flyby (" in key else key


def _event_times(plan) -> dict:
    out: dict = {}
    for e in plan.events:
        key = _event_key(e.name)
        n, k = 1, key
        while k in out:
            n += 1
            k = f"{key} #{n}"
        out[k] = (e.name, float(e.t))
    return out


def _evaluate(data: dict, source: str, eph, step_days) -> DiffSide:
    """The best plan of a scenario given as data, or why there is none (invalid, or infeasible and why)."""
    from sojourn.mission.plan import plan_window
    from sojourn.mission.scenario import Scenario

    try:
        sc = Scenario.from_dict(data, source=source)
    except ScenarioError as exc:
        return DiffSide(source, None, "invalid", str(exc))
    try:
        found, binding, reason = plan_window(sc, *sc.launch_window, eph, step_days)
    except SojournError as exc:  # this plan, not the diff, fails
        return DiffSide(source, None, "infeasible", str(exc))
    if found is None:
        return DiffSide(source, None, "infeasible", reason, binding or None)
    return DiffSide(source, found)


def _days(seconds: float | None):
    return None if seconds is None else round(seconds / DAY, 4)


def _event_change(k: str, ea: dict, eb: dict, singles: dict) -> EventChange:
    in_a, in_b = ea.get(k), eb.get(k)
    name = (in_b or in_a)[0]
    t_a = None if in_a is None else in_a[1]
    t_b = None if in_b is None else in_b[1]
    if in_a is not None and in_b is not None:
        moved = t_b - t_a
        shifts = {}
        for key, side in singles.items():
            here = side.events.get(k)
            shifts[key] = None if here is None else here[1] - t_a
        if abs(moved) <= MOVE_TOLERANCE_S:
            return EventChange(name, t_a, t_b, "unchanged", single_moves_s=shifts)
        causes, combination = attribute(moved, shifts)
        return EventChange(name, t_a, t_b, "moved", tuple(causes), combination, shifts)
    status = "vanished" if in_b is None else "appeared"
    # a single change explains it when, alone, it makes the event vanish (with its plan, or from it) or appear too
    keys = [key for key, side in singles.items() if (k in side.events) == (in_b is not None)]
    return EventChange(name, t_a, t_b, status, tuple(keys or singles), not keys and bool(singles), {})


def _event_changes(side_a: DiffSide, side_b: DiffSide, singles: dict) -> tuple:
    ea, eb = side_a.events, side_b.events
    keys = list(ea) + [k for k in eb if k not in ea]  # flight order; sorted() below is stable
    order = sorted(keys, key=lambda k: min(x[1] for x in (ea.get(k), eb.get(k)) if x is not None))
    return tuple(_event_change(k, ea, eb, singles) for k in order)


def _alone(key: str, singles: dict, events_a: dict, step_days) -> str:
    """What changing ``key`` alone does to plan A."""
    if _COSMETIC.match(key):
        return "not a trajectory input"
    side = singles.get(key)
    if side is None:
        text = "not evaluated (neither plan is feasible)"
    elif side.plan is None:
        text = f"{side.status} alone: {side.reason}"
    else:
        moves = any(abs(side.events.get(k, (None, math.inf))[1] - t) > MOVE_TOLERANCE_S
                    for k, (_, t) in events_a.items())
        text = "moves events" if moves or set(side.events) != set(events_a) else "no effect on the timeline"
    if key == "windows.step_days" and step_days is not None:
        text += f" (the grid step is set to {step_days:g} days for every plan)"
    return text


def diff(a, b, *, step_days=None, ephemeris=None, progress=None) -> Diff:
    """Compare two scenarios' inputs and best plans; attribute every moved event to input changes.

    Parameters
    ----------
    a, b : Scenario, str or os.PathLike
        The reference scenario (A) and the changed one (B), or their TOML files.
    step_days : float, optional
        Grid step for every plan evaluated, days (default: each scenario's own).
    ephemeris : Ephemeris or str, optional
    progress : callable, optional
        ``progress(done, total, label)`` over the plans searched (:mod:`sojourn.progress`).

    Returns
    -------
    Diff
        ``a`` and ``b`` (each plan, or why it has none and the constraint that
        binds), ``inputs`` (each changed key and what it does alone), ``events``
        (moved, unchanged, appeared or vanished, and because of which keys),
        ``first_divergence``; also as DataFrames (``inputs_table``,
        ``events_table``).

    Raises
    ------
    ScenarioError
        An invalid scenario (naming the file and key).
    InputError
        A bad step.

    Examples
    --------
    >>> import sojourn as sj
    >>> a = sj.load_scenario("examples/ulysses.toml")
    >>> b = a.from_dict({**a.to_dict(), "mission": {**a.to_dict()["mission"], "name": "Odysseus"}}, "odysseus")
    >>> d = sj.diff(a, b)
    >>> [(c.key, c.alone) for c in d.inputs], d.first_divergence
    ([('mission.name', 'not a trajectory input')], None)
    """
    from sojourn import checks
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.mission.scenario import as_scenario
    from sojourn.progress import reporting

    sa, sb = as_scenario(a, "a"), as_scenario(b, "b")
    step = None if step_days is None else checks.step_days(step_days)
    eph = resolve_ephemeris(ephemeris)
    da, db = sa.to_dict(), sb.to_dict()
    changes = changed_inputs(da, db)
    tested = [(k, vb) for k, _, vb in changes if not _COSMETIC.match(k)]
    with reporting(progress, 2 + len(tested), "plans") as advance:
        side_a = _evaluate(da, sa.source, eph, step)
        advance(1)
        side_b = _evaluate(db, sb.source, eph, step)
        advance(1)
        singles: dict = {}
        if side_a.feasible or side_b.feasible:
            for key, vb in tested:
                singles[key] = _evaluate(set_key(da, key, vb), f"{sa.source} with {key} from {sb.source}", eph, step)
                advance(1)
    inputs = tuple(InputChange(k, va, vb, _alone(k, singles, side_a.events, step)) for k, va, vb in changes)
    return Diff(side_a, side_b, step, eph.name, inputs, _event_changes(side_a, side_b, singles))
