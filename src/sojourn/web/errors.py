"""Errors as the web app answers them: HTTP 422 with ``{"error", "where"}``, in the CLI's words.

The library raises :class:`~sojourn.errors.SojournError` with ``where`` naming its
own Python parameter (``"step_days"``) or a scenario key; the command line turns
that into its option (``--step``); the web app turns it into the query parameter
or body field of the request (``step``). :data:`FIELDS` is the one map from the
library's parameter names to the HTTP API's names; every endpoint names its
parameters by it, so an error always points at something the request holds.
"""

from __future__ import annotations

from typing import Any, Optional

from fastapi.responses import JSONResponse

FIELDS: dict[str, str] = {
    "origin": "from",
    "destination": "to",
    "launch": "launch",
    "arrive": "arrive",
    "depart": "launch",
    "step_days": "step",
    "c3_max": "c3_max",
    "start": "start",
    "end": "end",
    "scenario": "scenario",
    "a": "scenario",
    "b": "other",
}
"""Library parameter → HTTP query parameter or body field."""


def where_in_api(where: Optional[str]) -> Optional[str]:
    """The library's ``where`` (a parameter name, maybe with detail after it) as the API's field name."""
    from sojourn.cli import where_in_command

    return where_in_command(where, FIELDS)


def error_body(message: str, where: Optional[str], **extra: Any) -> dict:
    """The JSON of every error: ``error`` and ``where``, then anything that helps (``key``, ``line``)."""
    body = {"error": message, "where": where}
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def error_response(status: int, message: str, where: Optional[str], headers: Optional[dict] = None,
                   **extra: Any) -> JSONResponse:
    """An error answer: ``status`` with :func:`error_body`."""
    return JSONResponse(error_body(message, where, **extra), status_code=status, headers=headers)


def from_job_error(err: dict, fields: Optional[dict] = None) -> JSONResponse:
    """A failed job's error as the answer to the request that started it.

    Parameters
    ----------
    err : dict
        ``{"error", "where", "key", "line", "status"}`` as :mod:`sojourn.web.jobs` records it.
    fields : dict, optional
        Extra parameter names of this endpoint, over :data:`FIELDS`.
    """
    where = err.get("where")
    if fields:
        from sojourn.cli import where_in_command

        where = where_in_command(where, fields)
    where = where_in_api(where)
    return error_response(err.get("status", 422), err["error"], where, key=err.get("key"), line=err.get("line"))


class ApiError(Exception):
    """An error an endpoint raises before any work: answered as :func:`error_response`."""

    def __init__(self, message: str, where: Optional[str], status: int = 422, **extra: Any):
        super().__init__(message)
        self.message, self.where, self.status, self.extra = message, where, status, extra
