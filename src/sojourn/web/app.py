"""The web app: a FastAPI application over the public API, its safety rules and its error answers.

:func:`create_app` builds the application that ``sojourn serve`` runs on uvicorn.
Its rules:

- **Nothing leaves the machine.** The page and every script it runs come from
  the package (Plotly.js from the ``plotly`` package, Swagger UI from
  ``fastapi-offline``); a strict Content-Security-Policy lets the page load
  and contact nothing but its own origin.
- **No request names a server file.** Scenarios arrive as text; outputs leave
  as downloads.
- **Every mistake is one line.** A :class:`~sojourn.errors.SojournError`, a
  malformed request, a body too large: JSON ``{"error", "where"}`` with HTTP
  4xx, never a traceback. A full queue is 503 with ``Retry-After``.
- **Requests from other sites are refused**: only the hosts it serves (against
  DNS rebinding) and, for requests that change or compute, only its own origin.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from contextlib import asynccontextmanager
from typing import Iterable, Optional
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

import sojourn
from sojourn.errors import SojournError
from sojourn.web.errors import ApiError, StrictJSONResponse, error_response, strict_json, where_in_api
from sojourn.web.jobs import Busy, Capacity, Jobs
from sojourn.web.limits import Limits

log = logging.getLogger("sojourn.web")

CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "font-src 'self'; connect-src 'self'; worker-src 'self' blob:; manifest-src 'self'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
"""The page's Content-Security-Policy: its own scripts only (no inline script, no eval), its own
origin only. Inline *styles* are allowed because Plotly.js styles its SVG through the style attribute."""

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def create_app(capacity: Capacity = Capacity(), limits: Limits = Limits(), *,
               hosts: Iterable[str] = LOCAL_HOSTS, warm: bool = True) -> FastAPI:
    """The web app.

    Parameters
    ----------
    capacity : Capacity
        Worker processes, queue and cache (:class:`sojourn.web.jobs.Capacity`).
    limits : Limits
        Caps on one request (:class:`sojourn.web.limits.Limits`).
    hosts : iterable of str
        Host names the app answers to (the ``Host`` header); others get 400.
        ``"*"`` answers any.
    warm : bool
        Start the workers and load the kernels at start-up, and import here
        what their results need (see :func:`_settle_server`).

    Returns
    -------
    fastapi.FastAPI
    """
    from sojourn.web import api, pages

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.jobs = Jobs(capacity)
        watch = asyncio.get_running_loop().create_task(_watch_loop(app.state.loop_lag))
        if warm:
            await asyncio.gather(app.state.jobs.warm(), asyncio.to_thread(_settle_server))
        try:
            yield
        finally:
            watch.cancel()
            app.state.jobs.close()

    app = FastAPI(
        title="sojourn",
        version=sojourn.__version__,
        summary="Plan, race and stress-test crewed missions between Earth and Mars from real JPL ephemerides.",
        description=_DESCRIPTION,
        docs_url=None, redoc_url=None, lifespan=lifespan, default_response_class=StrictJSONResponse,
    )
    app.state.limits = limits
    app.state.started = time.time()
    app.state.loop_lag = collections.deque(maxlen=1200)
    app.state.hosts = {h.lower() for h in hosts}
    app.include_router(api.router)
    app.include_router(pages.router)
    _handlers(app)
    app.add_middleware(_Guard, hosts=app.state.hosts, max_body=limits.max_body_bytes)
    return app


_DESCRIPTION = """
The same engine as the `sojourn` command line and `import sojourn as sj`, over HTTP.

Every computing endpoint answers with the same JSON as the matching command's `--json`.
Long computations run in worker processes. Send `Prefer: respond-async` to get `202` and a
job at once; follow it at `/api/jobs/{id}/events` (server-sent events), cancel it with
`DELETE /api/jobs/{id}`, and when it is done send the same request again: identical requests
are answered from a cache. Mistakes are `422` with `{"error", "where"}`, the command line's
words; a full queue is `503` with `Retry-After`.
"""


def _settle_server() -> None:
    """Import every verb's module before the first request, then take what is loaded out of the GC's sight.

    Results come back from the workers pickled: the first porkchop's Dataset
    would import xarray, pandas and numba in the server while it serves, and
    an import holds the interpreter for long stretches (the event loop woke
    0.6 s late). What is loaded then stays for the server's life, so the
    garbage collector's full passes (60 ms over it) need not walk it again.
    """
    import gc

    for name in sojourn.__all__:
        if name != "plot":  # figures are drawn in the page, not by matplotlib
            getattr(sojourn, name)
    import pandas  # noqa: F401  (tables and the Dataset's index)
    import xarray  # noqa: F401

    gc.collect()
    gc.freeze()


async def _watch_loop(lags: collections.deque, period: float = 0.05) -> None:
    """Record how late the event loop wakes up (s), every ``period``: the last minute is in ``lags``."""
    loop = asyncio.get_running_loop()
    while True:
        t = loop.time()
        await asyncio.sleep(period)
        lags.append(max(0.0, loop.time() - t - period))


# ---------------------------------------------------------------------------------------------
# errors


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return error_response(exc.status, exc.message, exc.where, **exc.extra)

    @app.exception_handler(SojournError)
    async def _sojourn_error(request: Request, exc: SojournError):
        return error_response(422, exc.message, where_in_api(exc.where), key=getattr(exc, "key", None),
                              line=getattr(exc, "line", None))

    @app.exception_handler(Busy)
    async def _busy(request: Request, exc: Busy):
        return error_response(503, "the server is busy: every worker and queue place is taken; retry later",
                              None, headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        message, where = _first_problem(exc.errors())
        return error_response(422, message, where)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            return error_response(422, "the request body is not valid JSON", "body")
        words = {404: "not found", 405: "method not allowed"}.get(exc.status_code, str(exc.detail))
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed(app, request.url.path))
        return error_response(exc.status_code, words, request.url.path, headers=headers or None)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception):  # a bug: logged here, one line for the client
        log.exception("unexpected error in %s %s", request.method, request.url.path)
        return error_response(500, "internal error: this is a bug in sojourn, please report it", None)


def _allowed(app: FastAPI, path: str) -> list[str]:
    """Every method some route answers on ``path`` (a 405's ``Allow``)."""
    methods = set()
    for route in app.routes:
        regex, allowed = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is not None and allowed and regex.match(path):
            methods |= set(allowed)
    return sorted(methods)


def _first_problem(errors: list) -> tuple[str, Optional[str]]:
    """One line from pydantic's errors about a request: the first problem and its field."""
    if not errors:
        return "invalid request", None
    err = errors[0]
    loc = [str(x) for x in err.get("loc", ()) if x not in ("query", "body", "path", "header")]
    where = ".".join(loc) or "body"
    kind = err.get("type", "")
    if kind == "missing":
        message = "missing value"
    else:
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return message[:1].lower() + message[1:] + more, where


# ---------------------------------------------------------------------------------------------
# the guard: hosts, origins, body size and security headers, as plain ASGI (no buffering)


class _Guard:
    """ASGI middleware: refuses unknown hosts, other origins and large bodies; adds security headers."""

    UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

    def __init__(self, app, hosts: set, max_body: int):
        self.app, self.hosts, self.max_body = app, hosts, max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            return await _send_error(send, *refusal)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise ApiError(self._too_large(), "body", status=413)
            return message

        async def secured_send(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()
                         if k.lower().encode() not in present]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, limited_receive, secured_send)

    def _too_large(self) -> str:
        return f"the request body is larger than {self.max_body // 1024} kB"

    def _refusal(self, scope, headers: dict):
        host = headers.get("host", "")
        name = urlsplit(f"//{host}").hostname or ""
        if "*" not in self.hosts and name.lower() not in {h.strip("[]") for h in self.hosts}:
            return 400, f"unknown host '{host}': this server answers to {', '.join(sorted(self.hosts))}", "host"
        origin = headers.get("origin")
        if scope["method"] in self.UNSAFE and origin and urlsplit(origin).netloc != host:
            return 403, "requests from other sites are refused", "origin"
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return 413, self._too_large(), "body"
        return None


async def _send_error(send, status: int, message: str, where: Optional[str]) -> None:
    body = strict_json({"error": message, "where": where}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
