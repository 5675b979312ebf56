"""The page, its scripts, and the libraries it uses, all served from installed packages.

- ``/`` and ``/static/…``: the app's own page, styles and ES modules (``static/``).
- ``/vendor/plotly.min.js``: Plotly.js as the ``plotly`` Python package ships it
  (MIT licence, in its header; ``/vendor/plotly.LICENSE.txt``).
- ``/vendor/swagger/…`` and ``/docs``: Swagger UI 5 (Apache 2.0; it reads OpenAPI
  3.1, which FastAPI writes) as the ``fastapi-offline`` package ships it, started
  by a script of ours instead of an inline one, so that ``/docs`` works offline
  under the same Content-Security-Policy.

Only files from a fixed list of folders are served, by name; no request reaches
any other file.
"""

from __future__ import annotations

import importlib.resources
import mimetypes
from functools import lru_cache
from pathlib import Path as FsPath

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse, HTMLResponse, Response

from sojourn.web.errors import ApiError

router = APIRouter(include_in_schema=False)

STATIC = FsPath(str(importlib.resources.files("sojourn.web") / "static"))


@lru_cache(maxsize=1)
def _plotly_js() -> FsPath:
    import plotly

    return FsPath(plotly.__file__).parent / "package_data" / "plotly.min.js"


@lru_cache(maxsize=1)
def _swagger_dir() -> FsPath:
    import fastapi_offline

    return FsPath(fastapi_offline.__file__).parent / "static"


def _file(folder: FsPath, name: str, cache: str = "no-cache") -> FileResponse:
    """A file of ``folder`` by a plain relative name, or 404 (no ``..``, no absolute path, no hidden file)."""
    parts = name.split("/")
    if not name or any(p in ("", ".", "..") or p.startswith(".") for p in parts) or "\\" in name:
        raise ApiError("not found", name, status=404)
    path = folder.joinpath(*parts)
    try:
        inside = path.resolve().is_relative_to(folder.resolve())
    except OSError:
        inside = False
    if not inside or not path.is_file():
        raise ApiError("not found", name, status=404)
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix in (".js", ".mjs"):
        media = "text/javascript"
    return FileResponse(path, media_type=media, headers={"Cache-Control": cache})


@router.get("/")
async def index():
    return _file(STATIC, "index.html")


@router.get("/favicon.ico")
async def favicon():
    return _file(STATIC, "favicon.svg")


@router.get("/static/{name:path}")
async def static(name: str = Path(...)):
    return _file(STATIC, name)


@router.get("/vendor/plotly.min.js")
async def plotly_js():
    return _file(_plotly_js().parent, _plotly_js().name, cache="max-age=86400")


@router.get("/vendor/plotly.LICENSE.txt")
async def plotly_licence():
    head = _plotly_js().read_text(encoding="utf-8", errors="replace")[:400].split("*/")[0]
    return Response(head + "*/\n(the header of plotly.min.js as shipped by the plotly Python package: "
                    "MIT licence)\n", media_type="text/plain; charset=utf-8")


@router.get("/vendor/swagger/{name:path}")
async def swagger(name: str = Path(...)):
    return _file(_swagger_dir(), name, cache="max-age=86400")


DOCS = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>sojourn API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/vendor/swagger/swagger-ui.css">
<link rel="icon" href="/static/favicon.svg"></head>
<body><div id="swagger-ui"></div>
<script src="/vendor/swagger/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script></body></html>
"""


@router.get("/docs")
async def docs():
    """Swagger UI for ``/openapi.json``, entirely from this server."""
    return HTMLResponse(DOCS)
