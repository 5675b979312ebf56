"""Errors as the web app answers them: HTTP 422 with ``{"error", "where"}``, in the CLI's words.

The library raises :class:`~sojourn.errors.SojournError` with ``where`` naming its
own Python parameter (``"step_days"``) or a scenario key; the command line turns
that into its option (``--step``); the web app turns it into the query parameter
or body field of the request (``step``). :data:`FIELDS` is the one map from the
library's parameter names to the HTTP API's names; every endpoint names its
parameters by it, so an error always points at something the request holds.
"""

from __future__ import annotations

import json
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
    "east_longitude_deg": "lon",
    "tof_days": "tof",
    "mass_kg": "mass",
    "thrust_n": "thrust",
    "isp_s": "isp",
    "vinf_departure_kms": "vinf_max",
    "vinf_arrival_kms": "vinf_arrival",
}
"""Library parameter → HTTP query parameter or body field."""


def where_in_api(where: Optional[str]) -> Optional[str]:
    """The library's ``where`` (a parameter name, maybe with detail after it) as the API's field name."""
    from sojourn.cli import where_in_command

    return where_in_command(where, FIELDS)


def strict_json(content: Any) -> str:
    """``content`` as strict JSON text: NaN and infinities as ``null`` (:func:`sojourn.results.json_safe`).

    Starlette writes NaN and infinities as the bare words ``NaN`` and ``Infinity``,
    which ``JSON.parse`` rejects; every answer of the app (bodies, errors, progress
    events) is written here instead.
    """
    from sojourn.results import json_safe

    return json.dumps(json_safe(content), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


class StrictJSONResponse(JSONResponse):
    """Every JSON answer of the app, written by :func:`strict_json` (numbers the physics could not give are null)."""

    def render(self, content: Any) -> bytes:
        return strict_json(content).encode("utf-8")


def error_body(message: str, where: Optional[str], **extra: Any) -> dict:
    """The JSON of every error: ``error`` and ``where``, then anything that helps (``key``, ``line``)."""
    body = {"error": message, "where": where}
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def error_response(status: int, message: str, where: Optional[str], headers: Optional[dict] = None,
                   **extra: Any) -> StrictJSONResponse:
    """An error answer: ``status`` with :func:`error_body`."""
    return StrictJSONResponse(error_body(message, where, **extra), status_code=status, headers=headers)


def from_job_error(err: dict, fields: Optional[dict] = None) -> StrictJSONResponse:
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
