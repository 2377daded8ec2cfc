"""Run the cardkit CLI from a checkout: ``python cli.py ...`` (same app as the ``cardkit`` script)."""

import sys

from cardkit.cli import main

if __name__ == "__main__":
    sys.exit(main())
