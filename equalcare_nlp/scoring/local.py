"""Batch scoring: every row of a file, DataFrame or list of texts gets a label, probabilities and a status.

Rows stream through in chunks, so memory stays flat; chunks are scored in parallel worker
processes (forked after the model is loaded once, so they share it) and written back in input
order. A row is never dropped: rows that cannot be scored are flagged in ``status``. Results do
not depend on ``jobs`` or ``chunk_size``: each row's score depends only on its own text.

    score_file("survey.xlsx", "scored.csv", text_column="comment")
    score_texts(["Thank you all so much", ""])  # one row per text: text, label, p_*, status
"""

from __future__ import annotations

import collections
import contextlib
import functools
import itertools
import os
import re
import signal
import sys
import time
import warnings
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import tables
from ..core.choices import DEFAULT_CHUNK_SIZE
from ..core.labels import CODEBOOK_LABELS, FEAR, FLOW, LABELS, MIXED
from ..core.progress import Progress
from ..model.persist import load_model, model_digest
from ..model.text_classifier import LinearTextClassifier, check_texts
from ..privacy.redaction import name_recognizer, redact
from ..tables import Chunk, TableNote, TableWarning

#: Columns added to every output row, after the input columns.
SCORE_COLUMNS = ("label", *(f"p_{label}" for label in LABELS), "status")
TERMS_COLUMN = "top_terms"
SENTENCE_COLUMNS = ("n_sentences", "share_fear", "share_flow")
#: Row statuses, by precedence: the first that applies is reported.
#: ``empty`` and ``not_text`` rows are not scored; the others are.
STATUSES = ("empty", "not_text", "ragged", "truncated", "ok")
_NUMBER = re.compile(r"\s*[+-]?[\d.,]*\d[\d.,]*\s*%?\s*")


# -- what one worker does -------------------------------------------------------------------
@dataclass(frozen=True)
class ScoreOptions:
    """Extra steps and outputs: the ``explain`` strongest terms per row, per-sentence shares, and
    redaction of personal details before scoring (``names``: see :func:`redaction.name_recognizer`)."""

    explain: int = 0
    sentences: bool = False
    redact: bool = False
    redact_in_place: bool = False
    names: str | None = "auto"


class ChunkScorer:
    """Scores lists of texts with one model; one instance lives in each worker process."""

    def __init__(self, model: LinearTextClassifier, options: ScoreOptions = ScoreOptions()):
        self.model = model
        self.options = options
        self._names = _recognizer(options.names) if options.redact else None
        self._order = [list(map(str, model.classes_)).index(label) if label in model.classes_ else -1
                       for label in LABELS]  # fmt: skip

    def __call__(self, texts: list[str]) -> dict[str, Any]:
        """Label, probabilities (columns in :data:`LABELS` order) and extras of each text."""
        unique = list(dict.fromkeys(texts))  # identical texts score identically: score each once
        position = {text: i for i, text in enumerate(unique)}
        where = np.fromiter((position[text] for text in texts), dtype=np.intp, count=len(texts))
        if self.options.redact:
            unique = redact(unique, self._names)
        model_texts = [text.replace("\x00", " ") if "\x00" in text else text for text in unique]
        # with --sentences every text's parts are scored anyway: the parts rule reads them
        parts = self.model.parts(model_texts) if self.options.sentences else None
        proba, mixed = self._proba_mixed(model_texts, parts)
        labels = np.asarray(self.model.classes_, dtype=object)[np.argmax(proba, axis=1)]
        labels[mixed] = MIXED
        out: dict[str, Any] = {
            "label": labels[where],
            "proba": self._ordered(proba)[where],
            "truncated": np.array([len(text) > self.model.max_chars for text in unique], dtype=bool)[where],
        }
        if self.options.explain:
            terms = [_terms_text(self.model.explain(text, top=self.options.explain)) for text in model_texts]
            out["terms"] = np.asarray(terms, dtype=object)[where]
        if parts is not None:
            out["sentences"] = _sentence_shares(parts)[where]
        if self.options.redact:
            out["redacted"] = np.asarray(unique, dtype=object)[where]
        return out

    def _proba_mixed(self, texts: list[str], parts: list | None) -> tuple[np.ndarray, np.ndarray]:
        if not texts:
            return np.zeros((0, len(self.model.classes_))), np.zeros(0, dtype=bool)
        return self.model.predict_proba_mixed(texts, parts)

    def _ordered(self, proba: np.ndarray) -> np.ndarray:
        padded = np.hstack([proba, np.zeros((len(proba), 1))])  # a label the model lacks scores 0
        return padded[:, self._order]


def _sentence_shares(parts: list[list]) -> np.ndarray:
    """Per text: the number of parts and the shares of them labelled fear and flow."""
    out = np.zeros((len(parts), 3))
    for i, text_parts in enumerate(parts):
        own = np.asarray([part.label for part in text_parts], dtype=object)
        out[i] = (len(text_parts), np.mean(own == FEAR), np.mean(own == FLOW))
    return out


def _recognizer(names: str | None):
    """The name recogniser for redaction; its warning about a missing pipeline is the caller's to give."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return name_recognizer(names)


def _terms_text(explanation) -> str:
    return "; ".join(f"{term} {weight:+.2f}" for term, weight in explanation.terms)


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


def _as_model(model: LinearTextClassifier | str | os.PathLike | None) -> LinearTextClassifier:
    """A fitted model as given, or loaded (and verified) from its folder; None is the shipped model.

    A folder loads once per process and model digest (:func:`_loaded_model`), so scoring call after
    call does not load the model and build its spaCy pipeline each time.
    """
    if isinstance(model, LinearTextClassifier):
        return model
    try:
        digest = model_digest(model)
    except OSError:  # no manifest to read: load_model says what is wrong with the folder
        return load_model(model)
    return _loaded_model(None if model is None else str(Path(model).resolve()), digest)


@functools.lru_cache(maxsize=4)
def _loaded_model(folder: str | None, digest: str) -> LinearTextClassifier:
    """The model of ``folder`` (None: the shipped one) whose manifest has ``digest``, as first loaded.

    Only the scoring functions use it and none hands it to its caller, so no caller can change a
    model another call shares; a changed manifest is a new digest, so the folder is loaded anew.
    """
    return load_model(folder)


# -- rows -> statuses and texts ---------------------------------------------------------------
def text_status(value: Any) -> str | None:
    """``empty`` or ``not_text`` for a cell that cannot be scored, None for a text to score."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return "empty"
    if not isinstance(value, str):
        return "not_text"
    if not value.strip():
        return "empty"
    if _NUMBER.fullmatch(value):
        return "not_text"
    return None


def _score_columns(options: ScoreOptions) -> list[str]:
    names = list(SCORE_COLUMNS)
    if options.explain:
        names.append(TERMS_COLUMN)
    if options.sentences:
        names.extend(SENTENCE_COLUMNS)
    return names


def _prepare(chunk: Chunk, column: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    values = chunk.frame.iloc[:, column].to_numpy(dtype=object)
    status = np.array([text_status(v) for v in values], dtype=object)
    scored = np.flatnonzero(status == None)  # noqa: E711 - elementwise
    status[scored] = np.where(chunk.ragged[scored], "ragged", "ok")
    return status, scored, values[scored].tolist()


def _redacted_column(values: np.ndarray, scored: np.ndarray, result: dict[str, Any]) -> np.ndarray:
    """The text column with personal details redacted: scored texts as the worker redacted them;
    other present values (numbers, blanks) redacted here, as text, and kept as they were if unchanged."""
    out = values.copy()
    if len(scored):
        out[scored] = result["redacted"]
    rest = [i for i in np.setdiff1d(np.arange(len(values)), scored) if text_status(values[i]) != "empty"]
    for i, text in zip(rest, redact([str(values[i]) for i in rest], names=None), strict=True):
        if text != str(values[i]):
            out[i] = text
    return out


def _with_redaction(chunk: Chunk, column: int, scored, result, options: ScoreOptions) -> pd.DataFrame:
    frame = chunk.frame.copy()
    values = _redacted_column(frame.iloc[:, column].to_numpy(dtype=object), scored, result)
    if options.redact_in_place:
        frame.isetitem(column, pd.Series(values, index=frame.index, dtype=object))
    else:
        frame[redacted_name(frame.columns[column])] = pd.Series(values, index=frame.index, dtype=object)
    return frame


def redacted_name(column: Any) -> str:
    """The column that holds the redacted text when redaction is not in place."""
    return f"{column}_redacted"


def _assemble(
    chunk: Chunk, column: int, status, scored, result, options: ScoreOptions, prefix: str
) -> pd.DataFrame:
    n = len(chunk.frame)
    label = np.full(n, None, dtype=object)
    proba = np.full((n, len(LABELS)), np.nan)
    if len(scored):
        label[scored] = result["label"]
        proba[scored] = result["proba"]
        truncated = scored[result["truncated"] & (status[scored] == "ok")]
        status[truncated] = "truncated"
    columns: dict[str, Any] = {"label": label}
    columns.update({f"p_{name}": proba[:, i] for i, name in enumerate(LABELS)})
    columns["status"] = status
    if options.explain:
        terms = np.full(n, None, dtype=object)
        terms[scored] = result["terms"] if len(scored) else []
        columns[TERMS_COLUMN] = terms
    if options.sentences:
        shares = np.full((n, 3), np.nan)
        shares[scored] = result["sentences"] if len(scored) else np.empty((0, 3))
        counts = pd.array(np.where(np.isnan(shares[:, 0]), 0, shares[:, 0]).astype(np.int64), dtype="Int64")
        counts[np.isnan(shares[:, 0])] = pd.NA
        columns.update({"n_sentences": counts, "share_fear": shares[:, 1], "share_flow": shares[:, 2]})
    # object arrays stay object (pandas would infer a string dtype only for chunks without gaps)
    scores = pd.DataFrame(
        {prefix + k: pd.Series(v, index=chunk.frame.index, dtype=object if v.dtype == object else None)
         for k, v in columns.items()}
    )  # fmt: skip
    frame = _with_redaction(chunk, column, scored, result, options) if options.redact else chunk.frame
    return pd.concat([frame, scores], axis=1)


def _scored_chunks(
    chunks: Iterable[Chunk],
    column: int,
    model: LinearTextClassifier,
    options: ScoreOptions,
    jobs: int,
    prefix: str,
) -> Iterator[pd.DataFrame]:
    """Each chunk with its score columns, in input order, scored by ``jobs`` processes.

    Input of one chunk is scored in this process: forking workers would cost more than it saves.
    """
    chunks = iter(chunks)
    ahead = list(itertools.islice(chunks, 2))
    chunks = itertools.chain(ahead, chunks)
    if jobs == 1 or len(ahead) < 2:
        scorer = ChunkScorer(model, options)
        for chunk in chunks:
            status, scored, texts = _prepare(chunk, column)
            yield _assemble(chunk, column, status, scored, scorer(texts), options, prefix)
        return
    # Forked workers share the loaded model and libraries with this process (copy-on-write)
    # instead of each importing and loading them again; the readers start no threads to fork.
    context = get_context("fork")
    pool = ProcessPoolExecutor(jobs, context, initializer=_init_worker, initargs=(model, options))
    try:
        pending: collections.deque = collections.deque()
        for chunk in chunks:
            status, scored, texts = _prepare(chunk, column)
            pending.append((chunk, status, scored, pool.submit(_score_in_worker, texts)))
            if len(pending) > 2 * jobs:  # bounded look-ahead keeps memory flat
                chunk, status, scored, future = pending.popleft()
                yield _assemble(chunk, column, status, scored, future.result(), options, prefix)
        while pending:
            chunk, status, scored, future = pending.popleft()
            yield _assemble(chunk, column, status, scored, future.result(), options, prefix)
    except BaseException:  # an error, Ctrl-C, SIGTERM or a consumer that stopped: no worker outlives us
        stop_workers(pool)
        raise
    pool.shutdown()


# -- choosing the text column -----------------------------------------------------------------
def looks_like_free_text(values: Iterable[Any]) -> bool:
    """Whether a column sample reads as free text: mostly strings of four or more words."""
    texts = [v for v in values if isinstance(v, str) and v.strip()]
    if not texts:
        return False
    words = np.array([len(t.split()) for t in texts])
    return bool(np.median(words) >= 4 and np.mean(words >= 3) >= 0.5)


def resolve_text_column(frame: pd.DataFrame, text_column: str | None) -> int:
    """Position of the text column: the one named, else the only column that looks like free text."""
    names = [str(c) for c in frame.columns]
    if text_column is not None:
        if text_column not in names:
            raise ValueError(f"No column {text_column!r}; the columns are {names}")
        if names.count(text_column) > 1:
            raise ValueError(f"Several columns are named {text_column!r}; rename them first")
        return names.index(text_column)
    candidates = [i for i in range(len(names)) if looks_like_free_text(frame.iloc[:, i].tolist())]
    twice = sorted({names[i] for i in candidates if names.count(names[i]) > 1})
    if twice:
        raise ValueError(
            f"Several columns are named {twice[0]!r} and look like free text: rename them so each name is "
            "used once, then choose one with --text-column"
        )
    if len(candidates) != 1:
        found = "none looks" if not candidates else f"{[names[i] for i in candidates]} all look"
        raise ValueError(f"Choose the text column (--text-column): {found} like free text; columns: {names}")
    warnings.warn(f"Scoring column {names[candidates[0]]!r}, the only one that looks like free text",
                  TableNote, stacklevel=3)  # fmt: skip
    return candidates[0]


def _check_clash(frame: pd.DataFrame, column: int, options: ScoreOptions, prefix: str) -> None:
    ours = {prefix + name for name in _score_columns(options)}
    if options.redact and not options.redact_in_place:
        ours.add(redacted_name(frame.columns[column]))
    clash = sorted(ours & {str(c) for c in frame.columns})
    if clash:
        raise ValueError(
            f"The input already has columns {clash}; give a prefix for the new columns (--prefix) "
            "or redact in place"
        )


# -- public API -------------------------------------------------------------------------------
def _score_options(
    explain: int, sentences: bool, redact: bool, redact_in_place: bool, names: str | None
) -> ScoreOptions:
    """The options, checked here once: a bad ``explain`` or a missing names pipeline fails before any work."""
    if explain < 0:
        raise ValueError(f"explain must be 0 or more terms, got {explain}")
    if redact:
        name_recognizer(names)  # raises for a pipeline that is not installed; warns when none is
    return ScoreOptions(explain, sentences, redact, redact_in_place, names)


def _check_chunk_size(chunk_size: int) -> int:
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    return chunk_size


def _jobs(jobs: int | None) -> int:
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if jobs is None or jobs == 0:
        return available
    if jobs < 0:
        raise ValueError(f"jobs must be positive (or 0 for all cores), got {jobs}")
    return jobs


def score_frame(
    frame: pd.DataFrame,
    text_column: str | None = None,
    *,
    model: LinearTextClassifier | str | os.PathLike | None = None,
    explain: int = 0,
    sentences: bool = False,
    redact: bool = False,
    redact_in_place: bool = False,
    names: str | None = "auto",
    jobs: int | None = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    prefix: str = "",
) -> pd.DataFrame:
    """``frame`` (unchanged, same index) with the score columns added after its own.

    ``model`` is a fitted model, a saved model folder, or None for the shipped model (a folder loads
    once per process: later calls reuse it while its manifest is unchanged). With ``redact``,
    personal details are replaced by placeholders before scoring and the redacted text goes to a
    new column ``<text column>_redacted`` (or replaces the text with ``redact_in_place``).
    """
    options = _score_options(explain, sentences, redact, redact_in_place, names)
    _check_chunk_size(chunk_size)
    column = resolve_text_column(frame, text_column)
    _check_clash(frame, column, options, prefix)
    chunks = (
        Chunk(frame.iloc[start : start + chunk_size], np.zeros(min(chunk_size, len(frame) - start), bool))
        for start in range(0, max(len(frame), 1), chunk_size)
    )
    parts = list(_scored_chunks(chunks, column, _as_model(model), options, _jobs(jobs), prefix))
    return pd.concat(parts) if len(parts) > 1 else parts[0]


def score_texts(
    texts: Iterable[Any],
    *,
    model: LinearTextClassifier | str | os.PathLike | None = None,
    explain: int = 0,
    sentences: bool = False,
    redact: bool = False,
    jobs: int | None = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> pd.DataFrame:
    """One row per text, in order: the ``text`` and its score columns (``redact``: see :func:`score_frame`;
    the text itself is then redacted in place)."""
    frame = pd.DataFrame({"text": pd.Series(check_texts(texts), dtype=object)})
    return score_frame(
        frame,
        "text",
        model=model,
        explain=explain,
        sentences=sentences,
        redact=redact,
        redact_in_place=True,
        jobs=jobs,
        chunk_size=chunk_size,
    )


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
    explain: int = 0,
    sentences: bool = False,
    redact: bool = False,
    redact_in_place: bool = False,
    names: str | None = "auto",
    jobs: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    guard_formulas: bool = True,
    prefix: str = "",
    progress: bool | None = None,
) -> BatchSummary:
    """Score every row of the table ``source`` into ``output`` (``-`` is standard input/output).

    Formats come from the extensions unless given; the output is written atomically and never
    over the input. ``progress`` None shows a bar only when standard error is a terminal.
    ``redact``, ``redact_in_place``, ``names``: see :func:`score_frame`.
    """
    output = default_output(source) if output is None else output
    options = _score_options(explain, sentences, redact, redact_in_place, names)
    started = time.monotonic()
    formats = tables.FileFormats(input_format, output_format, delimiter, sheet, guard_formulas)
    with tables.table_job(source, output, formats) as files, contextlib.ExitStack() as stack:
        reader = files.reader
        chunks = reader.chunks(_check_chunk_size(chunk_size))
        first = next(chunks, None) or tables.empty_chunk(reader.columns)
        column = resolve_text_column(first.frame, text_column)
        _check_clash(first.frame, column, options, prefix)
        fitted = _as_model(model)
        show = _stderr_is_tty() if progress is None else progress
        bar = stack.enter_context(contextlib.closing(Progress(reader.fraction_done))) if show else None
        summary = BatchSummary(output=str(output), text_column=str(reader.columns[column]))
        all_chunks = itertools.chain([first], chunks)
        scored = _scored_chunks(all_chunks, column, fitted, options, _jobs(jobs), prefix)
        for part in stack.enter_context(contextlib.closing(scored)):  # closed on any exit: workers stop
            files.write(part)
            summary.add(part, prefix)
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
