"""Python's cyclic garbage collector paused while a batch is scored.

A loaded model holds a few hundred thousand Python objects (vocabularies, lexicon terms, the
chunk cache). Scoring a batch of unseen texts, or compiling a model's tables, creates tens of
thousands of objects that live on (cache entries, table rows); each few hundred of them set off a
generational collection, and the older generations' collections walk the model's whole heap:
compiling the shipped default took 1.0 s with the collector running and 0.19 s without, and a
first pass over GoEmotions test about 1.7x as long. What a batch creates is freed by reference
counting or kept on purpose, so the collector can wait until the batch is done.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic garbage collector inside the block (if it was enabled), then restore it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
