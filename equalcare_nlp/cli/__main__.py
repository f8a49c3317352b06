"""Run the CLI as ``python -m equalcare_nlp.cli``."""

import sys

from . import main

sys.exit(main())
