"""A one-line progress bar on standard error for long runs: rows done, rows/s and time left."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

_WIDTH = 24


class Progress:
    """Redraws at most every ``interval`` seconds; ``fraction`` estimates the share of input read."""

    def __init__(
        self,
        fraction: Callable[[], float | None] = lambda: None,
        stream: TextIO | None = None,
        interval: float = 0.2,
    ):
        self._fraction = fraction
        self._stream = stream or sys.stderr
        self._interval = interval
        self._start = time.monotonic()
        self._last = 0.0
        self.rows = 0

    def update(self, rows: int) -> None:
        """Count ``rows`` more rows done and redraw if it is time."""
        self.rows += rows
        now = time.monotonic()
        if now - self._last >= self._interval:
            self._last = now
            self._stream.write("\r" + self.line(now - self._start) + "\x1b[K")
            self._stream.flush()

    def line(self, elapsed: float) -> str:
        """The text of the bar after ``elapsed`` seconds."""
        rate = self.rows / elapsed if elapsed > 0 else 0.0
        fraction = self._fraction()
        text = f"{self.rows:,} rows  {rate:,.0f} rows/s"
        if fraction:
            filled = round(_WIDTH * fraction)
            left = elapsed * (1 - fraction) / fraction
            text = f"[{'#' * filled}{'.' * (_WIDTH - filled)}] {fraction:4.0%}  {text}  ETA {_clock(left)}"
        return text

    def close(self) -> None:
        """Erase the bar."""
        self._stream.write("\r\x1b[K")
        self._stream.flush()


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
