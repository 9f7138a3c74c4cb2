"""`python -m greendc`."""

import sys

from greendc.cli import main

sys.exit(main())
