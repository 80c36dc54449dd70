"""Run the command line as ``python -m feeds``."""

import sys

from .cli import main

sys.exit(main())
