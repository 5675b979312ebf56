"""``python -m sojourn``: the same program as the ``sojourn`` command."""

import sys

from sojourn.cli import main

sys.exit(main())
