"""What changes between two mission plans, and which input changes cause it.

:func:`diff_scenarios` compares two scenarios: the inputs that differ (both
scenarios' validated content flattened into dotted keys such as
``constraints.min_stay_days``), the timeline events of their best plans that
moved (and by how many days), appeared or vanished, and the first divergence.
It then attributes every moved event to the input changes that move it: plan A
is evaluated again with each changed input alone taken from B (the rest kept
from A), and an event is attributed to the changes that, alone, move it the
same way (same direction, and at least a tenth of the move). When no single
change does, only their combination moves the event, and the diff says so.

Inputs that cannot move a trajectory (the mission's name and description, the
crew list) are listed but not re-evaluated.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass

from sojourn.errors import ScenarioError, SojournError
from sojourn.time import DAY, tdb_to_utc_iso

__all__ = ["MOVE_TOLERANCE_S", "attribute", "changed_inputs", "diff_scenarios", "flatten", "set_key"]

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
# plans


@dataclass
class _Evaluated:
    plan: object | None
    status: str  # "ok", "invalid", "infeasible"
    message: str = ""

    @property
    def events(self) -> dict:
        return _event_times(self.plan) if self.plan is not None else {}


def _event_key(name: str) -> str:
    """Events are matched by name up to a colon ("Launch: trans-Mars injection from 400 km ..." is "Launch")."""
    return name.split(":", 1)[0].strip()


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


def _evaluate(data: dict, source: str, eph, step_days) -> _Evaluated:
    from sojourn.mission.plan import plan_mission
    from sojourn.mission.scenario import Scenario

    try:
        sc = Scenario.from_dict(data, source=source)
    except ScenarioError as exc:
        return _Evaluated(None, "invalid", str(exc))
    try:
        return _Evaluated(plan_mission(sc, ephemeris=eph, step_days=step_days), "ok")
    except SojournError as exc:  # no solution, or a window past the ephemeris: this plan, not the diff, fails
        return _Evaluated(None, "infeasible", str(exc))


def _plan_summary(ev: _Evaluated, source: str) -> dict:
    out = {"source": source, "feasible": ev.plan is not None}
    if ev.plan is None:
        out["reason"] = ev.message
        return out
    p = ev.plan
    out.update(launch=p.launch, total_dv_kms=p.total_dv_kms, total_days=p.total_days, stay_days=p.stay_days)
    return out


def _days(seconds: float | None):
    return None if seconds is None else round(seconds / DAY, 4)


def diff_scenarios(a, b, *, ephemeris=None, step_days=None, progress=None) -> dict:
    """Compare two scenarios' inputs and best plans; attribute every moved event to input changes.

    Parameters
    ----------
    a, b : Scenario
        The reference plan (A) and the changed one (B).
    ephemeris : Ephemeris or str, optional
    step_days : float, optional
        Grid step for every plan evaluated (default: each scenario's own).
    progress : callable, optional
        ``progress(done, total, label)`` as work proceeds (:mod:`sojourn.progress`).

    Returns
    -------
    dict
        ``a``, ``b``: each plan's ``source``, ``feasible`` and, when feasible,
        ``launch``, ``total_dv_kms``, ``total_days``, ``stay_days`` (else
        ``reason``); ``inputs_changed``: ``[{key, a, b, alone}]`` where
        ``alone`` says what that change does by itself (``moves events``, ``no
        effect on the timeline``, ``invalid alone: ...``, ``infeasible alone:
        ...``, ``not a trajectory input``); ``events``: ``[{name, a_date,
        b_date, moved_days, status, attributed_to, combination_only,
        single_moves_days}]`` with ``status`` one of ``moved``, ``unchanged``,
        ``appeared``, ``vanished``; ``first_divergence``: the earliest event
        that differs, or None; ``step_days``.
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.progress import reporting

    eph = resolve_ephemeris(ephemeris)
    da, db = a.to_dict(), b.to_dict()
    changes = changed_inputs(da, db)
    tested = [(k, va, vb) for k, va, vb in changes if not _COSMETIC.match(k)]
    with reporting(progress, 2 + len(tested), "plans") as advance:
        ev_a = _evaluate(da, a.source, eph, step_days)
        advance(1)
        ev_b = _evaluate(db, b.source, eph, step_days)
        advance(1)
        singles: dict[str, _Evaluated] = {}
        if ev_a.plan is not None or ev_b.plan is not None:
            for key, _, vb in tested:
                singles[key] = _evaluate(set_key(da, key, vb), f"{a.source} with {key} from {b.source}",
                                         eph, step_days)
                advance(1)

    ea, eb = ev_a.events, ev_b.events
    keys = list(ea) + [k for k in eb if k not in ea]  # flight order; sorted() below is stable
    order = sorted(keys, key=lambda k: min(x[1] for x in (ea.get(k), eb.get(k)) if x is not None))
    events = []
    for k in order:
        in_a, in_b = ea.get(k), eb.get(k)
        rec = {"name": (in_b or in_a)[0], "a_date": None, "b_date": None, "moved_days": None,
               "attributed_to": [], "combination_only": False, "single_moves_days": {}}
        if in_a is not None:
            rec["a_date"] = tdb_to_utc_iso(in_a[1], "minute")
        if in_b is not None:
            rec["b_date"] = tdb_to_utc_iso(in_b[1], "minute")
        if in_a is not None and in_b is not None:
            moved = in_b[1] - in_a[1]
            rec["moved_days"] = _days(moved)
            shifts = {}
            for key, ev in singles.items():
                here = ev.events.get(k)
                shifts[key] = None if (here is None or ev.plan is None) else here[1] - in_a[1]
            rec["single_moves_days"] = {key: _days(s) for key, s in shifts.items()}
            if abs(moved) > MOVE_TOLERANCE_S:
                rec["status"] = "moved"
                rec["attributed_to"], rec["combination_only"] = attribute(moved, shifts)
            else:
                rec["status"] = "unchanged"
        else:
            rec["status"] = "vanished" if in_b is None else "appeared"
            # a single change explains it when, alone, it makes the event vanish (appear) too
            keys = [key for key, ev in singles.items() if ev.plan is not None and ((k in ev.events) == (in_b is not None))]
            rec["attributed_to"] = keys or list(singles)
            rec["combination_only"] = not keys and bool(singles)
        events.append(rec)

    alone = {}
    for key, va, vb in changes:
        if _COSMETIC.match(key):
            alone[key] = "not a trajectory input"
            continue
        ev = singles.get(key)
        if ev is None:
            alone[key] = "not evaluated (neither plan is feasible)"
        elif ev.plan is None:
            alone[key] = f"{ev.status} alone: {ev.message}"
        else:
            diff = any(abs(ev.events.get(k, (None, math.inf))[1] - t) > MOVE_TOLERANCE_S for k, (_, t) in ea.items())
            diff = diff or set(ev.events) != set(ea)
            alone[key] = "moves events" if diff else "no effect on the timeline"
        if key == "windows.step_days" and step_days is not None:
            alone[key] += f" (the grid step is set to {step_days:g} days for every plan)"

    first = next((e for e in events if e["status"] != "unchanged"), None)
    return {
        "a": _plan_summary(ev_a, a.source),
        "b": _plan_summary(ev_b, b.source),
        "step_days": step_days,
        "ephemeris": eph.name,
        "inputs_changed": [{"key": k, "a": va, "b": vb, "alone": alone[k]}
                           for k, va, vb in changes],
        "events": events,
        "first_divergence": None if first is None else {k: first[k] for k in ("name", "a_date", "b_date",
                                                                               "moved_days", "status")},
    }

