"""Per-element status codes shared by the batched kernels.

A batched kernel never raises for one element: it writes one of these codes.
"""

OK = 0
"""The element was solved and the answer verified."""

NO_SOLUTION = 1
"""The problem has no solution (e.g. too short a time for the revolutions asked)."""

NOT_CONVERGED = 2
"""The iteration did not reach its tolerance; the answer is withheld."""

TURN_BEYOND_REACH = 3
"""A flyby whose turn needs a periapsis below the lowest allowed (:mod:`sojourn.core.flyby`)."""

NAMES = {OK: "ok", NO_SOLUTION: "no solution", NOT_CONVERGED: "not converged",
         TURN_BEYOND_REACH: "turn beyond reach"}

