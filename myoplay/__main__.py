"""``python -m myoplay``: the same command line as the ``myoplay`` console script."""

import sys

from myoplay.cli import main

sys.exit(main())
