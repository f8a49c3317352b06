"""Chunks scored in parallel: forked worker processes that share the loaded model, a bounded
look-ahead that keeps memory flat, and results back in input order."""

from __future__ import annotations

import collections
import itertools
import signal
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

import pandas as pd

from ..model.text_classifier import LinearTextClassifier
from ..tables import Chunk
from .columns import assemble, prepare
from .options import ScoreOptions
from .scorer import ChunkScorer

_WORKER: ChunkScorer | None = None


def stop_workers(pool: ProcessPoolExecutor, grace: float = 10.0) -> None:
    """Stop a pool's workers: pending work dropped, each worker ends after its current chunk (a
    second or so) and is killed if it has not within ``grace`` seconds, so none outlives the run.

    Letting the workers end on their own keeps the executor's manager thread able to finish; a
    worker killed mid-task can leave it waiting at interpreter exit.
    """
    processes = list((pool._processes or {}).values())  # the executor has no public handle on them
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(timeout=max(deadline - time.monotonic(), 0.1))
        if process.is_alive():
            process.kill()
            process.join(timeout=5)


def _init_worker(model: LinearTextClassifier, options: ScoreOptions) -> None:
    # Ctrl-C reaches the whole process group: the parent stops the workers, so they ignore it
    # (no traceback from each); SIGTERM kills a worker outright, not through the parent's handler.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    global _WORKER
    _WORKER = ChunkScorer(model, options)


def _score_in_worker(texts: list[str]) -> dict[str, Any]:
    return _WORKER(texts)


def scored_chunks(
    chunks: Iterable[Chunk],
    column: int,
    model: LinearTextClassifier,
    options: ScoreOptions,
) -> Iterator[pd.DataFrame]:
    """Each chunk with its score columns, in input order, scored by ``options.workers`` processes.

    Input of one chunk is scored in this process: forking workers would cost more than it saves.
    """
    chunks = iter(chunks)
    ahead = list(itertools.islice(chunks, 2))
    chunks = itertools.chain(ahead, chunks)
    jobs = options.workers
    if jobs == 1 or len(ahead) < 2:
        scorer = ChunkScorer(model, options)
        for chunk in chunks:
            status, scored, texts = prepare(chunk, column)
            yield assemble(chunk, column, status, scored, scorer(texts), options)
        return
    # Forked workers share the loaded model and libraries with this process (copy-on-write)
    # instead of each importing and loading them again; the readers start no threads to fork.
    context = get_context("fork")
    pool = ProcessPoolExecutor(jobs, context, initializer=_init_worker, initargs=(model, options))
    try:
        pending: collections.deque = collections.deque()
        for chunk in chunks:
            status, scored, texts = prepare(chunk, column)
            pending.append((chunk, status, scored, pool.submit(_score_in_worker, texts)))
            if len(pending) > 2 * jobs:  # bounded look-ahead keeps memory flat
                chunk, status, scored, future = pending.popleft()
                yield assemble(chunk, column, status, scored, future.result(), options)
        while pending:
            chunk, status, scored, future = pending.popleft()
            yield assemble(chunk, column, status, scored, future.result(), options)
    except BaseException:  # an error, Ctrl-C, SIGTERM or a consumer that stopped: no worker outlives us
        stop_workers(pool)
        raise
    pool.shutdown()
