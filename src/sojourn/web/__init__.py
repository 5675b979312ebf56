"""``sojourn serve``: the mission in a browser, on the same public API as the CLI.

:func:`create_app` builds the FastAPI application (:mod:`sojourn.web.app`); the
page and its scripts are in ``static/`` and need no build step and no network.
This package needs the ``web`` extra: ``pip install 'sojourn[web]'``.
"""

from __future__ import annotations


def create_app(*args, **kwargs):
    """The web app (:func:`sojourn.web.app.create_app`)."""
    from sojourn.web.app import create_app as _create

    return _create(*args, **kwargs)


__all__ = ["create_app"]
