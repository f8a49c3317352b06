"""Run the CLI as ``python -m equalcare_nlp.cli``."""

from . import console

console()
