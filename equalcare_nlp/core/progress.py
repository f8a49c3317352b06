"""One-line progress on standard error for long runs: rows done, rows/s and time left while scoring
(:class:`Progress`); stage, time so far and time left while training (:class:`Stages`)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
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


class Stages:
    """Progress through the named stages of a long job (training): stage k of n, time so far and an
    estimate of the time left, on standard error.

    Each stage has an expected share of the job's time. Time left is the time so far scaled by the
    shares still to come, with the stage under way counted as done in proportion to the time it has
    had against what the stages before it took per share (at most 95%), so a long stage still
    shows time passing. The line is drawn only on a terminal (as :class:`Progress` is), redrawn every
    ``interval`` seconds by a background thread; :meth:`log` messages go above it.
    """

    def __init__(
        self,
        stages: Sequence[tuple[str, float]],
        stream: TextIO | None = None,
        interval: float = 1.0,
        redraw: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        if not stages or any(share <= 0 for _, share in stages):
            raise ValueError(f"stages need a name and a positive share each, got {list(stages)}")
        self._names = [name for name, _ in stages]
        total = sum(share for _, share in stages)
        self._shares = [share / total for _, share in stages]
        self._stream = stream or sys.stderr
        self._redraw = self._stream.isatty() if redraw is None else redraw
        self._interval = interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._now = clock
        self._start = self._stage_start = clock()
        self._current = -1

    def __enter__(self) -> Stages:
        self._start = self._stage_start = self._now()
        if self._redraw:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._redraw:
            self._stream.write("\r\x1b[K")
            self._stream.flush()

    def stage(self, name: str) -> None:
        """Start the stage ``name`` (the stages before it count as done)."""
        with self._lock:
            self._current = self._names.index(name)
            self._stage_start = self._now()
            self._draw(self._now())

    def log(self, message: str) -> None:
        """Print ``message`` on its own line above the bar."""
        with self._lock:
            if self._redraw:
                self._stream.write("\r\x1b[K")
            self._stream.write(message + "\n")
            self._draw(self._now())

    def done_fraction(self, now: float) -> float:
        """The estimated share of the job done at time ``now`` (of ``clock``)."""
        if self._current < 0:
            return 0.0
        before = sum(self._shares[: self._current])
        share = self._shares[self._current]
        if before > 0:
            per_share = (self._stage_start - self._start) / before
            within = min(0.95, (now - self._stage_start) / (per_share * share)) if per_share > 0 else 0.0
        else:
            within = 0.0
        return before + share * within

    def line(self, now: float) -> str:
        """The text of the progress line at time ``now`` (of ``clock``)."""
        elapsed = now - self._start
        fraction = self.done_fraction(now)
        filled = round(_WIDTH * fraction)
        left = (
            f"about {_clock(elapsed * (1 - fraction) / fraction)} left"
            if fraction > 0
            else "time left: after this stage"
        )
        name = self._names[self._current] if self._current >= 0 else "starting"
        return (
            f"[{'#' * filled}{'.' * (_WIDTH - filled)}] stage {self._current + 1} of {len(self._names)}: "
            f"{name}  {_clock(elapsed)} so far, {left}"
        )

    def _draw(self, now: float) -> None:
        if self._redraw:
            self._stream.write("\r" + self.line(now) + "\x1b[K")
        self._stream.flush()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            with self._lock:
                self._draw(self._now())
