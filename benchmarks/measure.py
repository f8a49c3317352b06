"""Throughput and peak memory of a system, measured in the benchmark run itself.

Each measurement works on a fresh deep copy of the fitted system (so no cache built while
scoring the evaluation sets helps it) and first warms it up on a few other texts (lazy loading
of spaCy or torch is not counted as scoring time).

- ``texts_per_s``: texts scored per second of wall-clock time (three-label protocol, one call).
- ``peak_rss_mb``: rise of the process' peak resident set size (Linux ``VmHWM``, reset through
  ``/proc/self/clear_refs``) above the RSS before copying the system and scoring the texts:
  the memory the system needs, including model weights and native (torch, spaCy) buffers.
  None where the peak cannot be reset (not Linux).
- ``peak_python_mb``: tracemalloc peak of Python-level allocations (numpy included, torch's own
  allocator not) over the same copy-and-score; measured in a second pass, because tracing slows
  Python code down and would distort the throughput.
"""

from __future__ import annotations

import copy
import ctypes
import gc
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

from .systems import System

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def measure_system(system: System, texts: Sequence[str], warmup: Sequence[str]) -> dict:
    """Throughput and peak memory of ``system`` scoring ``texts`` (after warming up on ``warmup``)."""
    fresh = copy.deepcopy(system)
    fresh.predict(list(warmup), "three")
    start = time.perf_counter()
    fresh.predict(list(texts), "three")
    seconds = time.perf_counter() - start
    del fresh

    _release_memory()
    baseline = _status_kb("VmRSS")
    can_reset = _reset_peak_rss()
    tracemalloc.start()
    fresh = copy.deepcopy(system)
    fresh.predict(list(warmup), "three")
    fresh.predict(list(texts), "three")
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak = _status_kb("VmHWM")
    del fresh
    return {
        "n_texts": len(texts),
        "seconds": seconds,
        "texts_per_s": len(texts) / seconds,
        "peak_rss_mb": (peak - baseline) / 1024 if can_reset and peak and baseline else None,
        "peak_python_mb": traced_peak / 2**20,
    }


def _status_kb(field: str) -> int | None:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def _release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS, so the RSS baseline is honest."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
