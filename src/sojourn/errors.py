"""Exception types for everything a user can get wrong or the physics can refuse.

Every error a user can cause is an :class:`InputError`: a malformed argument, an
invalid scenario, an unreadable ephemeris or a date outside it, or a request the
physics cannot meet. The command line maps every :class:`SojournError` to one
line on stderr, ``error: <what> (<where>)``, and exit status 2; the web app
answers 422 with ``{"error", "where"}``. Anything else is a bug and keeps its
traceback.
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
    """A scenario file that is missing a key, has a wrong type or an impossible constraint.

    Parameters
    ----------
    message, where : str
        As for :class:`SojournError`; ``where`` is ``"<file>: <dotted.key>"``.
    key : str, optional
        The dotted key at fault (``"constraints.max_c3"``).
    line : int, optional
        Its line in the TOML text (1-based), when known.
    """

    def __init__(self, message: str, where: str | None = None, *, key: str | None = None, line: int | None = None):
        super().__init__(message, where)
        self.key = key
        self.line = line

    def __reduce__(self):
        return _scenario_error, (self.message, self.where, self.key, self.line)


def _scenario_error(message, where, key, line) -> ScenarioError:
    """Rebuild a pickled ScenarioError with its key and line."""
    return ScenarioError(message, where, key=key, line=line)


class OutputError(SojournError):
    """An output the file system refuses: no space left, permission denied, a read-only file system.

    ``where`` names the file or directory that could not be written. Nothing
    partial is left behind (see :mod:`sojourn.io`).
    """


class EphemerisError(InputError):
    """An ephemeris file that cannot be read."""


class EphemerisRangeError(EphemerisError):
    """An epoch outside the span an ephemeris covers (never extrapolated)."""


class NoSolutionError(InputError):
    """A problem the physics cannot solve as asked: no Lambert solution, no feasible transfer.

    Its ``where`` names what binds (a scenario key, a parameter), so a user can change it.
    """
