"""sojourn: plan, race and stress-test crewed missions between Earth and Mars.

The public API is the mission designer's verbs, each a function of this package::

    import sojourn as sj
    ds = sj.porkchop("earth", "mars", "2026-09-01:2027-01-15", "2027-06-01:2028-02-01", step_days=1)
    p = sj.plan("examples/ulysses.toml")
    fig = sj.plot.porkchop(ds)

Units are km, s, km/s and km²/s² (C3), degrees at the boundary; a parameter or
field names its unit when it is another (``tof_days``, ``dla_deg``). Dates go in
as UTC (ISO text, ``datetime`` — naive means UTC — or ``numpy.datetime64``) and
come out as UTC. Every mistake raises :class:`InputError` (a
:class:`SojournError`) naming the parameter or scenario key at fault.

Heavy modules (numba kernels, xarray, matplotlib) are imported only when a verb
is first used, so ``import sojourn`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from sojourn.errors import (
    EphemerisError,
    EphemerisRangeError,
    InputError,
    NoSolutionError,
    ScenarioError,
    SojournError,
    UnknownBodyError,
)

__version__ = "0.1.0"

#: Each verb and where it lives, imported the first time it is used. No verb shares its name with a
#: subpackage (``sojourn.onboard``, ``sojourn.dossier``, ``sojourn.trades``), so importing one never
#: hides a verb.
_LAZY = {
    # transfers
    "porkchop": "sojourn.transfer.porkchop:porkchop",
    "porkchop_summary": "sojourn.transfer.porkchop:summary",
    "best_transfers": "sojourn.transfer.porkchop:best_transfers",
    "windows": "sojourn.transfer.opportunities:windows",
    # missions
    "Scenario": "sojourn.mission.scenario:Scenario",
    "load_scenario": "sojourn.mission.scenario:load_scenario",
    "plan": "sojourn.mission.plan:plan",
    "Plan": "sojourn.mission.plan:Plan",
    "survey": "sojourn.mission.plan:survey",
    "diff": "sojourn.mission.diff:diff",
    # missions gone wrong
    "race": "sojourn.contingency.race:race",
    "aborts": "sojourn.contingency.aborts:aborts",
    "free_returns": "sojourn.contingency.free_return:free_returns",
    "dispersions": "sojourn.contingency.dispersions:dispersions",
    "verify": "sojourn.contingency.nbody:verify",
    # the crew
    "crew": "sojourn.onboard.timeline:crew",
    "comms": "sojourn.onboard.comms:comms",
    # time on Mars and the crew's clocks
    "mars_time": "sojourn.marstime:mars_time",
    "mars_time_tdb": "sojourn.marstime:mars_time_tdb",
    "get_site": "sojourn.mission.sites:get_site",
    "clock_offset": "sojourn.onboard.clocks:clock_offset",
    "crew_clock": "sojourn.onboard.clocks:crew_clock",
    "earth_received_time": "sojourn.onboard.comms:earth_received_time",
    # interchange, reports, scale
    "export_oem": "sojourn.export.oem:export_oem",
    "export_spk": "sojourn.export.spk:export_spk",
    "report": "sojourn.dossier.report:report",
    "trade": "sojourn.trades.run:trade",
    # plain data for JSON
    "to_dict": "sojourn.results:json_safe",
}

__all__ = sorted([*_LAZY, "plot", "SojournError", "InputError", "ScenarioError", "UnknownBodyError",
                  "EphemerisError", "EphemerisRangeError", "NoSolutionError", "__version__"])


def __getattr__(name: str) -> Any:
    """Import a verb's module the first time the verb is used (PEP 562)."""
    if name == "plot":
        module = importlib.import_module("sojourn.plot")
        globals()["plot"] = module
        return module
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'sojourn' has no attribute '{name}'")
    module_name, attr = target.split(":")
    value = getattr(importlib.import_module(module_name), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
