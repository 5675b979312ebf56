"""What the contingency verbs share: the plan they stress, given as a Plan or planned from a scenario."""

from __future__ import annotations

from sojourn.errors import InputError

_PLANS: dict = {}
_PLANS_KEPT = 8


def mission_plan(plan_or_scenario, eph, *, step_days=None, where: str = "plan_or_scenario", progress=None):
    """The plan a contingency analysis stresses, and its scenario.

    A :class:`~sojourn.mission.plan.Plan` is used as it is (its ``scenario``
    must be attached, as :func:`sojourn.plan` attaches it). A scenario, or the
    path of its file, is planned with :func:`sojourn.plan`; plans are
    remembered by scenario content, ephemeris file and grid step (a plan is
    deterministic), so several analyses of one mission in a session plan it once.

    Parameters
    ----------
    plan_or_scenario : Plan, Scenario, str or os.PathLike
    eph : Ephemeris
    step_days : float, optional
        The plan's grid step, days (default the scenario's); only for a scenario.
    where : str
        The caller's name for ``plan_or_scenario``, for errors.
    progress : callable, optional
        ``progress(done, total, label)`` while planning.

    Returns
    -------
    (Plan, Scenario)

    Raises
    ------
    InputError
        A Plan without its scenario, or a step given with a Plan.
    ScenarioError, NoSolutionError
        From loading or planning the scenario.
    """
    from sojourn import checks
    from sojourn.mission.plan import Plan, plan

    sc = scenario_of(plan_or_scenario, where)
    if isinstance(plan_or_scenario, Plan):
        if step_days is not None:
            raise InputError("a grid step applies only when a scenario is planned, not to a Plan", "step_days")
        return plan_or_scenario, sc
    step = None if step_days is None else checks.step_days(step_days)
    key = (sc.digest(), str(eph.path), step)
    found = _PLANS.get(key)
    if found is None:
        found = plan(sc, step_days=step, ephemeris=eph, progress=progress)
        if len(_PLANS) >= _PLANS_KEPT:
            _PLANS.pop(next(iter(_PLANS)))
        _PLANS[key] = found
    if found.scenario is not sc:  # the same content under another source name: keep the caller's
        from sojourn.results import replace

        found = replace(found, scenario=sc)
    return found, sc


def scenario_of(plan_or_scenario, where: str = "plan_or_scenario"):
    """The scenario of a Plan (attached to it), or a scenario or the path of its file, loaded; nothing planned.

    Raises
    ------
    InputError
        A Plan without its scenario, or something else than a Plan, a Scenario or a path.
    ScenarioError
        A scenario file that cannot be read.
    """
    from sojourn.mission.plan import Plan
    from sojourn.mission.scenario import as_scenario

    if isinstance(plan_or_scenario, Plan):
        if plan_or_scenario.scenario is None:
            raise InputError("this Plan carries no scenario: make it with sojourn.plan", where)
        return plan_or_scenario.scenario
    return as_scenario(plan_or_scenario, where)


def transit_leg(plan, leg: str, where: str = "leg"):
    """The outbound or return leg of a plan.

    Raises
    ------
    InputError
        ``leg`` is neither ``"outbound"`` nor ``"return"``.
    """
    from sojourn import checks

    name = checks.choice(leg, ("outbound", "return"), where, "leg")
    return name, plan.legs[0 if name == "outbound" else 1]
