"""How commands tell the user about repairs and choices made for them: one line each on standard error."""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Iterator


@contextlib.contextmanager
def reported_warnings(command: str, quiet: bool = False) -> Iterator[None]:
    """Inside the block, table warnings print as ``equalcare COMMAND: warning: ...`` (every time) and
    notes of a choice made for the user as ``... note: ...``, which ``quiet`` silences."""
    from ..tables import TableNote, TableWarning

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if not issubclass(category, TableNote):
            print(f"equalcare {command}: warning: {message}", file=sys.stderr)
        elif not quiet:
            print(f"equalcare {command}: note: {message}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.simplefilter("always", TableWarning)
        warnings.showwarning = show
        yield
