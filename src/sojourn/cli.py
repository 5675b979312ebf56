"""The ``sojourn`` command line: a thin face over the public API.

Each command (one module of :mod:`sojourn.commands`, registered from the list
there) parses its options, calls the library, and prints the result as a table
or, with ``--json``, as the result's ``to_dict()``. Nothing numerical happens
here. This module holds the app, the map from the library's parameter names to
the command's options, the one error printer, and the printing helpers every
command shares.

Every :class:`~sojourn.errors.SojournError` and every usage mistake becomes one
line, ``error: <what> (<where>)``, on stderr with exit status 2; an interrupt
ends with status 130 (SIGINT) or 143 (SIGTERM). Heavy modules are imported
inside the commands so that ``sojourn --help`` answers at once.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import typer

import sojourn

app = typer.Typer(
    name="sojourn",
    help="Plan, race and stress-test crewed missions between Earth and Mars from real JPL ephemerides.",
    add_completion=False,
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"sojourn {sojourn.__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Plan, race and stress-test crewed missions between Earth and Mars from real JPL ephemerides."""


EphemerisOption = typer.Option(
    None, "--ephemeris", metavar="PATH",
    help="JPL SPK kernel to use instead of the shipped DE421 (e.g. de440.bsp).",
)
JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON on stdout.")


# ---------------------------------------------------------------------------------------------
# registering commands: library parameter names are the command's parameter names


def _option_names(fn: Callable) -> dict[str, str]:
    """``{parameter: option}`` of a command function, read from its typer defaults."""
    names = {}
    for name, param in inspect.signature(fn).parameters.items():
        info = param.default
        decls = [d for d in (getattr(info, "param_decls", None) or ()) if d.startswith("--")]
        if decls:
            names[name] = decls[0]
        elif getattr(info, "metavar", None):
            names[name] = info.metavar
        elif type(info).__name__ == "ArgumentInfo":
            names[name] = name.upper()
    return names


def where_in_command(where: str | None, options: dict[str, str]) -> str | None:
    """The library's ``where`` (a parameter name, maybe followed by detail) as the command's option."""
    if not where:
        return where
    m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)(\b.*)$", where, re.S)
    if m and m.group(1) in options:
        return options[m.group(1)] + m.group(2)
    return where


def command(name: str) -> Callable[[Callable], Callable]:
    """Register ``fn`` as the command ``name``; its errors name its options instead of parameters."""

    def register(fn: Callable) -> Callable:
        options = _option_names(fn)

        @functools.wraps(fn)
        def run(*args, **kwargs):
            from sojourn.errors import SojournError

            try:
                return fn(*args, **kwargs)
            except SojournError as exc:
                exc.where = where_in_command(exc.where, options)
                raise

        run.options = options
        app.command(name)(run)
        return run

    return register


def _register_commands() -> None:
    """Import the command modules in :data:`sojourn.commands.COMMANDS`; each registers with :func:`command`."""
    import importlib

    from sojourn.commands import COMMANDS

    for module in COMMANDS:
        importlib.import_module(f"sojourn.commands.{module}")


# ---------------------------------------------------------------------------------------------
# printing


def console(stderr: bool = False):
    """A rich console on stdout (or stderr): the terminal's width, or 100 columns when piped."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    return Console(file=stream, width=None if stream.isatty() else 100, highlight=False)


def table(title: str, columns: Iterable[str | tuple[str, str]]):
    """A rich table whose dates and numbers are never wrapped or cut; text wraps between words.

    On a narrow terminal (80 columns) headers wrap and text columns give up their
    width first; a date or a number always stays on one line, whole.

    Parameters
    ----------
    title : str
    columns : iterable of str or (str, kind)
        A header, or (header, kind) with kind ``"date"``, ``"num"`` (right-aligned)
        or ``"text"``.
    """
    from rich import box
    from rich.table import Table

    def longest_word(text: str) -> int:
        return max((len(w) for w in text.split()), default=0)

    class _Whole(Table):
        """Keeps each column at least as wide as its longest date or number, or its longest word."""

        kinds: list[str] = []

        def add_row(self, *cells, **kwargs):
            for column, kind, cell in zip(self.columns, self.kinds, cells):
                if isinstance(cell, str):
                    need = min(longest_word(cell), 16) if kind == "text" else len(cell)
                    column.min_width = max(column.min_width or 0, need)
            super().add_row(*cells, **kwargs)

    t = _Whole(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
               collapse_padding=True)
    t.kinds = []
    for col in columns:
        head, kind = (col, "text") if isinstance(col, str) else col
        t.kinds.append(kind)
        t.add_column(head, justify="right" if kind == "num" else "left", min_width=longest_word(head))
    return t


def fmt(value: Any, digits: int = 2) -> str:
    """A number for a table: fixed digits, or an em dash for None."""
    return "—" if value is None else f"{value:.{digits}f}"


def print_json(doc: Any) -> None:
    """Write a JSON document on stdout (NaN refused: results say None where there is no value)."""
    from sojourn.results import json_safe

    sys.stdout.write(json.dumps(json_safe(doc), indent=2, allow_nan=False, ensure_ascii=False) + "\n")


def show(result: Any, *, as_json: bool, outputs: Iterable[Any] = (), render: Optional[Callable] = None,
         warnings: Iterable[str] = (), data: Any = None) -> None:
    """Print a result: its JSON (``to_dict()`` plus ``outputs``) or its tables, then the files written.

    Parameters
    ----------
    result : Result or None
        What the library returned.
    as_json : bool
        Print JSON on stdout instead of tables.
    outputs : iterable of path
        Files the command wrote (listed as ``outputs`` in JSON, ``wrote …`` otherwise).
    render : callable, optional
        ``render(console)`` prints the tables.
    warnings : iterable of str
        Printed on stderr in either mode (they are in the JSON too).
    data : dict or list, optional
        The JSON document, when it is not ``result.to_dict()``.
    """
    from sojourn.results import json_safe

    outputs = [str(p) for p in outputs]
    err = console(stderr=True) if warnings else None
    for w in warnings:
        err.print(f"[yellow]warning:[/yellow] {w}")
    if as_json:
        doc = json_safe(result.to_dict() if data is None else data)
        if isinstance(doc, dict):
            doc["outputs"] = outputs
        print_json(doc)
        return
    out = console()
    if render is not None:
        render(out)
    for p in outputs:
        out.print(f"wrote {p}")


def save(fig: Any, path: Path) -> Path:
    """Write a figure atomically to ``path`` (format by suffix)."""
    from sojourn.plot.figure import save_figure

    return save_figure(fig, path)


def write_outputs(outputs: dict, *, directory: Optional[Path] = None, where: str = "out") -> list[Path]:
    """Write a command's outputs together: all of them, or (on a failure or an interrupt) none.

    Parameters
    ----------
    outputs : dict
        ``{path: write}``: ``write(tmp_path)`` writes the whole file at a
        temporary path of the same suffix; a matplotlib Figure stands for
        :func:`save`; ``("netcdf", dataset)`` is written in a child process an
        interrupt can kill (a large grid blocks in C for seconds).
    directory : Path, optional
        The output directory the paths lie in, made if missing (and removed
        again if the command fails while it is still empty).
    where : str
        The option that names the directory.

    Returns
    -------
    list of Path
        The files written, in order.
    """
    import contextlib

    from sojourn.io import atomic_paths, output_dir, write_atomically

    paths = [Path(p) for p in outputs]
    with (output_dir(directory, where) if directory is not None else contextlib.nullcontext()):
        with atomic_paths(*paths) as tmps:
            for tmp, write in zip(tmps, outputs.values()):
                if isinstance(write, tuple) and write[0] == "netcdf":
                    write_atomically(tmp, write[1].to_netcdf, killable=True)
                elif hasattr(write, "savefig"):
                    save(write, tmp)
                else:
                    write(tmp)
    return paths


# ---------------------------------------------------------------------------------------------
# progress


class TerminalProgress:
    """A progress callback (:mod:`sojourn.progress`) drawn as a rich bar on stderr.

    The bar appears only once the work has run ``show_after_s`` seconds and is
    not done, so a quick command prints nothing; a new label starts a new bar.
    """

    def __init__(self, show_after_s: float = 1.0):
        import time

        self._clock = time.perf_counter
        self._start = self._clock()
        self._show_after_s = show_after_s
        self._bar = None
        self._tasks: dict[str, int] = {}

    def __call__(self, done: float, total: float, label: str) -> None:
        if self._bar is None:
            if self._clock() - self._start < self._show_after_s or done >= total:
                return
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                 TextColumn("{task.percentage:>3.0f} %"), TimeRemainingColumn(),
                                 console=console(stderr=True), transient=True)
            self._bar.start()
        if label not in self._tasks:
            self._tasks[label] = self._bar.add_task(label, total=total)
        self._bar.update(self._tasks[label], completed=done, total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


_PROGRESS: list[TerminalProgress] = []


def progress_bar() -> Optional[TerminalProgress]:
    """The progress callback for a command: a bar when stderr is a terminal, else None."""
    if not sys.stderr.isatty():
        return None
    bar = TerminalProgress()
    _PROGRESS.append(bar)
    return bar


# ---------------------------------------------------------------------------------------------
# the entry point


def _usage_line(exc) -> str:
    """One line for a usage mistake: what is wrong, then the option at fault (or the command)."""
    import re

    message = exc.format_message()
    param = getattr(exc, "param", None)
    opts = [o for o in (getattr(param, "opts", None) or []) if o.startswith("--")]
    if opts and type(exc).__name__ == "BadParameter":
        message = re.sub(r"^Invalid value for '[^']*': ", "", message)
        if "valid number" in message or "valid integer" in message:
            message = "expected a " + ("whole number" if "integer" in message else "number")
        return f"error: {message[:1].lower() + message[1:]} ({opts[0]})\n"
    ctx = getattr(exc, "ctx", None)
    where = f" ({ctx.command_path})" if ctx is not None else ""
    return f"error: {message}{where}\n"


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app; map user mistakes to one line and exit status 2.

    Ctrl-C and SIGTERM at any moment end the command with ``error: interrupted``
    (status 130) or ``error: terminated`` (143) once its temporary files are gone
    (:func:`sojourn.interrupts.run_command`).
    """
    from sojourn.interrupts import run_command

    return run_command(_main, argv)


def _main(argv: list[str] | None) -> int:
    from sojourn.errors import SojournError

    args = sys.argv[1:] if argv is None else list(argv)
    if not args:  # bare `sojourn`: usage on stderr, and a status that says nothing was done
        command_ = typer.main.get_command(app)
        with command_.context_class(command_, info_name="sojourn", **app.info.context_settings) as ctx:
            sys.stderr.write(ctx.get_help() + "\n")
        return 2
    try:
        try:
            result = app(args=args, standalone_mode=False, prog_name="sojourn")
        finally:
            while _PROGRESS:
                _PROGRESS.pop().close()
    except SojournError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except typer.Abort:  # click's own word for a Ctrl-C it caught (run_command handles the rest)
        sys.stderr.write("error: interrupted\n")
        return 130
    except typer.Exit as exc:
        return exc.exit_code
    except typer.TyperException as exc:  # click's usage errors (an unknown option, a missing argument …)
        sys.stderr.write(_usage_line(exc))
        return 2
    if result == 130:  # typer hands Ctrl-C back as exit status 130
        sys.stderr.write("error: interrupted\n")
    return result if isinstance(result, int) else 0


_register_commands()
