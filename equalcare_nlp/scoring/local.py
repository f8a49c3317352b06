"""Batch scoring: every row of a file, DataFrame or list of texts gets a label, probabilities and a status.

Rows stream through in chunks, so memory stays flat; chunks are scored in parallel worker
processes (forked after the model is loaded once, so they share it) and written back in input
order. A row is never dropped: rows that cannot be scored are flagged in ``status``. Results do
not depend on ``jobs`` or ``chunk_size``: each row's score depends only on its own text.

    score_file("survey.xlsx", "scored.csv", text_column="comment")
    score_texts(["Thank you all so much", ""])  # one row per text: text, label, p_*, status
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import tables
from ..core.labels import CODEBOOK_LABELS
from ..core.progress import Progress
from ..model.text_classifier import LinearTextClassifier, check_texts
from ..tables import Chunk, TableWarning
from .columns import STATUSES, check_clash, resolve_text_column
from .options import ScoreOptions
from .scorer import as_model
from .workers import scored_chunks


def score_frame(
    frame: pd.DataFrame,
    text_column: str | None = None,
    *,
    model: LinearTextClassifier | str | os.PathLike | None = None,
    options: ScoreOptions | None = None,
    **settings: Any,
) -> pd.DataFrame:
    """``frame`` (unchanged, same index) with the score columns added after its own.

    ``model`` is a fitted model, a saved model folder, or None for the shipped model (a folder loads
    once per process: later calls reuse it while its manifest is unchanged). ``options`` (a
    :class:`ScoreOptions`), or any of its fields by keyword (``explain=3, jobs=1``), say what is
    added and how the work is split.
    """
    options = ScoreOptions.of(options, settings, "score_frame")
    options.check()
    column = resolve_text_column(frame, text_column)
    check_clash(frame, column, options)
    size = options.chunk_size
    chunks = (
        Chunk(frame.iloc[start : start + size], np.zeros(min(size, len(frame) - start), bool))
        for start in range(0, max(len(frame), 1), size)
    )
    parts = list(scored_chunks(chunks, column, as_model(model), options))
    return pd.concat(parts) if len(parts) > 1 else parts[0]


def score_texts(
    texts: Iterable[Any],
    *,
    model: LinearTextClassifier | str | os.PathLike | None = None,
    options: ScoreOptions | None = None,
    **settings: Any,
) -> pd.DataFrame:
    """One row per text, in order: the ``text`` and its score columns (``model``, ``options``: see
    :func:`score_frame`; with ``redact`` the text itself is redacted)."""
    options = ScoreOptions.of(options, settings, "score_texts")
    frame = pd.DataFrame({"text": pd.Series(check_texts(texts), dtype=object)})
    return score_frame(frame, "text", model=model, options=options, redact_in_place=options.redact)


@dataclass
class BatchSummary:
    """What a :func:`score_file` run did."""

    rows: int = 0
    labels: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    output: str = ""
    text_column: str = ""

    def add(self, scored: pd.DataFrame, prefix: str) -> None:
        self.rows += len(scored)
        for key, counts in ((self.labels, "label"), (self.statuses, "status")):
            for value, count in scored[prefix + counts].value_counts().items():
                key[value] = key.get(value, 0) + int(count)

    @property
    def flagged(self) -> int:
        """Rows not scored (empty or not text)."""
        return self.statuses.get("empty", 0) + self.statuses.get("not_text", 0)

    def __str__(self) -> str:
        labels = ", ".join(f"{label} {self.labels.get(label, 0):,}" for label in CODEBOOK_LABELS)
        flags = ", ".join(f"{s} {self.statuses[s]:,}" for s in STATUSES if s != "ok" and self.statuses.get(s))
        rate = self.rows / self.seconds if self.seconds else 0.0
        return (
            f"{self.rows:,} rows in {self.seconds:.1f} s ({rate:,.0f} rows/s): {labels}; "
            f"flagged: {flags or 'none'} -> {self.output}"
        )


def default_output(path: str | os.PathLike) -> str:
    """Where ``score_file`` writes when no output is given: ``NAME.scored.EXT`` beside the input."""
    if str(path) == tables.STDIO:
        return tables.STDIO
    source = Path(path)
    return str(source.with_name(f"{source.stem}.scored{source.suffix}"))


def score_file(
    source: str | os.PathLike,
    output: str | os.PathLike | None = None,
    *,
    text_column: str | None = None,
    model: LinearTextClassifier | str | os.PathLike | None = None,
    input_format: str | None = None,
    output_format: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    guard_formulas: bool = True,
    progress: bool | None = None,
    options: ScoreOptions | None = None,
    **settings: Any,
) -> BatchSummary:
    """Score every row of the table ``source`` into ``output`` (``-`` is standard input/output).

    Formats come from the extensions unless given; the output is written atomically and never
    over the input. ``progress`` None shows a bar only when standard error is a terminal.
    ``model``, ``options`` and its fields by keyword: see :func:`score_frame`.
    """
    options = ScoreOptions.of(options, settings, "score_file")
    options.check()
    output = default_output(source) if output is None else output
    started = time.monotonic()
    formats = tables.FileFormats(input_format, output_format, delimiter, sheet, guard_formulas)
    with tables.table_job(source, output, formats) as files, contextlib.ExitStack() as stack:
        reader = files.reader
        chunks = reader.chunks(options.chunk_size)
        first = next(chunks, None) or tables.empty_chunk(reader.columns)
        column = resolve_text_column(first.frame, text_column)
        check_clash(first.frame, column, options)
        fitted = as_model(model)
        show = _stderr_is_tty() if progress is None else progress
        bar = stack.enter_context(contextlib.closing(Progress(reader.fraction_done))) if show else None
        summary = BatchSummary(output=str(output), text_column=str(reader.columns[column]))
        scored = scored_chunks(itertools.chain([first], chunks), column, fitted, options)
        for part in stack.enter_context(contextlib.closing(scored)):  # closed on any exit: workers stop
            files.write(part)
            summary.add(part, options.prefix)
            if bar:
                bar.update(len(part))
    summary.seconds = time.monotonic() - started
    if summary.rows and summary.statuses.get("not_text", 0) == summary.rows:
        warnings.warn(
            f"Column {summary.text_column!r} holds no text in any row (every cell is a number or not text), "
            "so every row is flagged not_text: is it the comment column? Choose it with --text-column",
            TableWarning,
            stacklevel=2,
        )
    return summary


def _stderr_is_tty() -> bool:
    return sys.stderr.isatty()
