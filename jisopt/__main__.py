"""``python -m jisopt``: the command line."""

import sys

from jisopt.cli import main

sys.exit(main())
