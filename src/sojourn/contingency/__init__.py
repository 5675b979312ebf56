"""Missions gone wrong: races, aborts, free returns, dispersions, n-body checks.

Each module answers one question a mission designer asks when a plan meets
trouble. Among them: could a rival vessel launched later get there first
(:mod:`sojourn.contingency.race`), and which trajectories bring a crew home
from a Mars flyby with no burn after leaving Earth
(:mod:`sojourn.contingency.free_return`), and how the crew gets home from any
day of a transit, and on which days it cannot (:mod:`sojourn.contingency.aborts`).
Where a leg really arrives when its departure burn is off, what one correction
burn costs and how often the capture or entry corridor is missed
(:mod:`sojourn.contingency.dispersions`); and whether a patched-conic leg
survives real gravity, what it misses by and what corrects it
(:mod:`sojourn.contingency.nbody`).
"""
