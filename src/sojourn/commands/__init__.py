"""The command line's commands, one module each, registered in the order of :data:`COMMANDS`.

Each module defines one command with :func:`sojourn.cli.command` and keeps its
top-level imports light (typer, stdlib): numerics are imported inside the
command, so ``sojourn --help`` answers at once.
"""

COMMANDS = (
    "porkchop", "windows",
    "plan", "survey",
    "race", "aborts", "free_return", "dispersions", "verify",
    "crew", "comms", "marstime", "diff",
    "export", "report",
    "trade",
    "serve",
)
"""Command modules, in the order ``sojourn --help`` lists them."""
