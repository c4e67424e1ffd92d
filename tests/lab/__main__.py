"""``python -m tests.lab``: see tests/lab/cli.py."""

import sys

from tests.lab.cli import main

sys.exit(main())
