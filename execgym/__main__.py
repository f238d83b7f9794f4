"""``python -m execgym`` runs the console script."""

import sys

from execgym.cli import main

sys.exit(main())
