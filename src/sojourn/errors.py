"""Exception types for everything a user can get wrong or the physics can refuse.

The command line maps every :class:`SojournError` to one line on stderr,
``error: <what> (<where>)``, and exit status 2. Anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations


class SojournError(Exception):
    """Base of every error sojourn reports to a user.

    Parameters
    ----------
    message : str
        What is wrong, in one line.
    where : str, optional
        Where it is wrong: an option, a file and key, a date.
    """

    def __init__(self, message: str, where: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.message} ({self.where})" if self.where else self.message

    def __reduce__(self):
        # keep ``where`` across pickling (a Dask worker's error, a writer process's error)
        return type(self), (self.message, self.where)


class InputError(SojournError):
    """A malformed or inconsistent input: a date, a window, a step, an option."""


class UnknownBodyError(InputError):
    """A body name sojourn does not know, or the ephemeris does not hold."""


class ScenarioError(InputError):
    """A scenario file that is missing a key, has a wrong type or an impossible constraint."""


class OutputError(SojournError):
    """An output the file system refuses: no space left, permission denied, a read-only file system.

    ``where`` names the file or directory that could not be written. Nothing
    partial is left behind (see :mod:`sojourn.io`).
    """


class EphemerisError(SojournError):
    """An ephemeris file that cannot be read."""


class EphemerisRangeError(EphemerisError):
    """An epoch outside the span an ephemeris covers (never extrapolated)."""


class NoSolutionError(SojournError):
    """A problem the physics cannot solve: no Lambert solution, no feasible transfer."""
