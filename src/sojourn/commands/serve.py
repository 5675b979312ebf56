"""``sojourn serve``: the web app on this machine, offline."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from sojourn.cli import command, console


@command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", metavar="ADDRESS",
                             help="Address to listen on; the default answers this machine only."),
    port: int = typer.Option(8000, "--port", metavar="PORT", help="TCP port (0: any free port)."),
    workers: Optional[int] = typer.Option(None, "--workers", metavar="N", show_default=False,
                                          help="Worker processes for computations [default: one fewer than "
                                               "the cores, at least 1]."),
    queue: int = typer.Option(16, "--queue", metavar="N",
                              help="Computations that may wait for a worker; beyond, requests get 503."),
    cache_mb: int = typer.Option(512, "--cache-mb", metavar="MB", help="Memory for cached results."),
    open_browser: bool = typer.Option(False, "--open", help="Open the page in a browser once serving."),
) -> None:
    """Serve the web app: porkchops, opportunities, the mission planner and what goes wrong, in a browser."""
    from sojourn import checks

    checks.in_range(checks.integer(port, "port", "port"), 0, 65535, "port", "port")
    if workers is not None:
        checks.integer(workers, "workers", "workers", least=1)
    checks.integer(queue, "queue", "queue", least=0)
    checks.integer(cache_mb, "cache_mb", "cache", least=0)
    try:
        import uvicorn

        from sojourn.web.app import LOCAL_HOSTS, create_app
        from sojourn.web.jobs import Capacity, default_workers
    except ImportError as exc:
        from sojourn.errors import InputError

        raise InputError(f"the web app needs the web extra ({exc.name} is missing): "
                         "pip install 'sojourn[web]'", "serve") from None
    exposed = host not in LOCAL_HOSTS
    hosts = ("*",) if exposed else LOCAL_HOSTS
    workers = default_workers() if workers is None else workers
    app = create_app(Capacity(workers=workers, queue=queue, cache_mb=cache_mb), hosts=hosts)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=3)
    server = _Server(config, exposed=exposed, open_browser=open_browser)
    server.run()


class _Server:
    """uvicorn's server, which says where it listens once the socket is bound."""

    def __new__(cls, config, *, exposed: bool, open_browser: bool):
        import uvicorn

        class Server(uvicorn.Server):
            async def startup(self, sockets=None):
                await super().startup(sockets)
                if self.started:
                    _announce(self, exposed, open_browser)

        return Server(config)


def _announce(server, exposed: bool, open_browser: bool) -> None:
    sock = server.servers[0].sockets[0] if server.servers and server.servers[0].sockets else None
    host, port = (sock.getsockname()[:2] if sock is not None else (server.config.host, server.config.port))
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/"
    out = console()
    out.print(f"sojourn serving on {url}  (API docs: {url}docs; Ctrl-C to stop)")
    sys.stdout.flush()
    if exposed:
        err = console(stderr=True)
        err.print(f"[yellow]warning:[/yellow] listening on {host}: anyone who can reach this address can use "
                  "this server and its processors. It has no log-in; use --host 127.0.0.1 to keep it private.")
    if open_browser:
        import webbrowser

        webbrowser.open(url)
