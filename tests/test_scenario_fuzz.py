"""Property test: any scenario file, valid, mutated or malformed, either plans or fails with InputError.

Scenario files are generated from the shipped examples by hypothesis: keys dropped, values replaced
by other types, signs, zeros, huge numbers, infinities and NaN (from TOML), dates swapped or mangled,
unknown keys and bodies added, and the text itself cut, doubled or sprinkled with stray characters.
Nothing may end in anything but a plan or an :class:`sojourn.InputError` (scenario errors, an
infeasible mission, a date past the ephemeris are all input errors): no TypeError, no ValueError,
no NaN in a plan.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import sojourn as sj

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BASES = {name: sj.load_scenario(EXAMPLES / f"{name}.toml").to_dict()
         for name in ("ulysses", "dra5-conjunction", "opposition-short-stay", "us-fast")}

#: Short launch windows keep each plan quick; the grid step is coarse for the same reason.
WINDOWS = {"ulysses": "2033-04-01:2033-05-15", "dra5-conjunction": "2033-04-01:2033-05-15",
           "opposition-short-stay": "2033-01-15:2033-03-01", "us-fast": "2033-07-01:2033-08-15"}
STEP_DAYS = 6.0

ODD_VALUES = st.one_of(
    st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 0.0, 1e308, -1e-300, "", "abc", "2033-13-45", "2040-01-01:2030-01-01",
                     "earth", "sun", "moon", "pluto", "venus", True, False, [], [1, 2], {}, {"x": 1}]),
    st.text(max_size=12),
)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return '"' + v.replace("\\\\", "\\\\\\\\").replace('"', '\\\\"').replace("\\n", "\\\\n") + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(v)


def to_toml(data: dict) -> str:
    """A scenario dict as TOML text (tables, arrays of tables, inline values)."""
    lines = []
    for table, body in data.items():
        if not isinstance(body, dict):
            lines.append(f"{table} = {_toml_value(body)}")
            continue
        simple = {k: v for k, v in body.items() if not (isinstance(v, list) and v and all(isinstance(x, dict) for x in v))}
        lines.append(f"[{table}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in simple.items()]
        for k, v in body.items():
            if k not in simple:
                for item in v:
                    lines.append(f"[[{table}.{k}]]")
                    lines += [f"{kk} = {_toml_value(vv)}" for kk, vv in item.items()]
    return "\n".join(lines) + "\n"


def _paths(data, prefix=()):
    for k, v in data.items():
        yield prefix + (k,)
        if isinstance(v, dict):
            yield from _paths(v, prefix + (k,))


@st.composite
def scenario_texts(draw) -> str:
    name = draw(st.sampled_from(sorted(BASES)))
    data = __import__("copy").deepcopy(BASES[name])
    data["windows"]["launch"] = WINDOWS[name]
    data["windows"]["step_days"] = STEP_DAYS
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(list(_paths(data))))
        node = data
        for k in path[:-1]:
            node = node[k]
        action = draw(st.sampled_from(["drop", "replace", "replace", "add"]))
        if action == "drop":
            node.pop(path[-1], None)
        elif action == "replace":
            node[path[-1]] = draw(ODD_VALUES)
        else:
            node[draw(st.sampled_from(["extra", "max_c3", "mode", "launch", "stages", "class"]))] = draw(ODD_VALUES)
    text = to_toml(data)
    damage = draw(st.sampled_from(["none", "none", "cut", "noise", "bom"]))
    if damage == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif damage == "noise":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.text(alphabet="[]{}=\"'#\n.,x1", min_size=1, max_size=4)) + text[at:]
    elif damage == "bom":
        text = "\ufeff" + text
    return text


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenario_texts())
def test_any_scenario_plans_or_is_an_input_error(text):
    try:
        sc = sj.Scenario.from_toml(text, "fuzz.toml")
        plan = sj.plan(sc)
    except sj.InputError as err:
        assert err.message and "\n" not in str(err)  # one line, saying what is wrong
        event(f"refused: {type(err).__name__}")
        return
    event("planned")
    assert math.isfinite(plan.total_dv_kms) and math.isfinite(plan.total_days)
    assert all(math.isfinite(b.dv_kms) for b in plan.burns)
