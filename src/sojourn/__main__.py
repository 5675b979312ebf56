"""``python -m sojourn``: the same program as the ``sojourn`` command.

Signals are handled before the command line is even imported, so a Ctrl-C or
SIGTERM during start-up is also one line and status 130 or 143.
"""

import gc
import sys

from sojourn.interrupts import hold_until_exit, run_command


def _run() -> int:
    from sojourn.cli import main as cli_main

    return cli_main()


def main() -> int:
    """The ``sojourn`` program (the console script's entry point); call it only to end the process."""
    status = hold_until_exit(run_command(_run))
    _spare_final_collections()
    return status


def _spare_final_collections() -> None:
    """Collect the garbage now, then keep the interpreter's shut-down from walking every live object again.

    A command that ran numba and scipy leaves a few million objects (their
    type registries, compiled-function wrappers, docstrings), and the
    collections of the interpreter's shut-down walked them all: 0.3 s of
    every such command, after its output. ``gc.collect()`` first runs the
    finalizers of whatever is already garbage (a file dropped unclosed is
    still flushed); ``gc.freeze()`` then leaves the survivors, live until the
    process ends, out of the last collections. Modules are still torn down
    and ``atexit`` handlers still run.
    """
    gc.collect()
    gc.freeze()


if __name__ == "__main__":
    sys.exit(main())
