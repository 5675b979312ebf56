"""Missions gone wrong: races, aborts, free returns, dispersions, n-body checks.

Each module answers one question a mission designer asks when a plan meets
trouble, through one verb of the public API:

* :func:`sojourn.race` (:mod:`~sojourn.contingency.race`): could a rival
  vessel launched later get there first, and until when?
* :func:`sojourn.aborts` (:mod:`~sojourn.contingency.aborts`): how the crew
  gets home from any day of a transit, and on which days it cannot.
* :func:`sojourn.free_returns` (:mod:`~sojourn.contingency.free_return`):
  which trajectories bring a crew home from a Mars flyby with no burn after
  leaving Earth.
* :func:`sojourn.dispersions` (:mod:`~sojourn.contingency.dispersions`):
  where a leg really arrives when its departure burn is off, what one
  correction burn costs and how often the capture or entry corridor is missed.
* :func:`sojourn.verify` (:mod:`~sojourn.contingency.nbody`): whether a
  patched-conic leg survives real gravity, what it misses by and what corrects it.

The verbs that stress a plan take the :class:`~sojourn.mission.plan.Plan`
itself or its scenario (planned first, once per session:
:func:`sojourn.mission.plan.as_plan`).
"""
