"""`python -m sequences_mock`."""

import sys

from sequences_mock.cli import main

sys.exit(main())
