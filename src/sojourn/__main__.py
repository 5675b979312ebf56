"""``python -m sojourn``: the same program as the ``sojourn`` command.

Signals are handled before the command line is even imported, so a Ctrl-C or
SIGTERM during start-up is also one line and status 130 or 143.
"""

import sys

from sojourn.interrupts import hold_until_exit, run_command


def _run() -> int:
    from sojourn.cli import main as cli_main

    return cli_main()


def main() -> int:
    """The ``sojourn`` program (the console script's entry point)."""
    return hold_until_exit(run_command(_run))


if __name__ == "__main__":
    sys.exit(main())
