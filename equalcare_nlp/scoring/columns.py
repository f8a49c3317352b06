"""The columns of scored output: which input column holds the text, each row's status, and the
score columns added after the input's own, so every row comes out, in order, with its cells."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..core.labels import FEAR, FLOW, LABELS, PROBA_COLUMNS
from ..privacy.redaction import redact, redacted_name, with_redacted
from ..tables import Chunk, TableNote
from .options import ScoreOptions

SCORE_COLUMNS = ("label", *PROBA_COLUMNS, "status")
TERMS_COLUMN = "top_terms"
SENTENCE_COLUMNS = ("n_sentences", f"share_{FEAR}", f"share_{FLOW}")
#: Row statuses: ``ok`` and ``truncated`` rows are scored; ``ragged`` rows are scored but were
#: repaired when read; ``empty`` and ``not_text`` rows keep empty score cells.
STATUSES = ("empty", "not_text", "ragged", "truncated", "ok")
_NUMBER = re.compile(r"\s*[+-]?[\d.,]*\d[\d.,]*\s*%?\s*")


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


def score_columns(options: ScoreOptions) -> list[str]:
    """The names of the columns scoring adds (before ``options.prefix``), in order."""
    names = list(SCORE_COLUMNS)
    if options.explain:
        names.append(TERMS_COLUMN)
    if options.sentences:
        names.extend(SENTENCE_COLUMNS)
    return names


def check_clash(frame: pd.DataFrame, column: int, options: ScoreOptions) -> None:
    """Refuse an input that already has a column scoring would add: nothing is overwritten."""
    ours = {options.prefix + name for name in score_columns(options)}
    if options.redact and not options.redact_in_place:
        ours.add(redacted_name(frame.columns[column]))
    clash = sorted(ours & {str(c) for c in frame.columns})
    if clash:
        raise ValueError(
            f"The input already has columns {clash}; give a prefix for the new columns (--prefix) "
            "or redact in place"
        )


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


def prepare(chunk: Chunk, column: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Each row's status (None-free), the positions of the rows to score and their texts."""
    values = chunk.frame.iloc[:, column].to_numpy(dtype=object)
    status = np.array([text_status(v) for v in values], dtype=object)
    scored = np.flatnonzero(status == None)  # noqa: E711 - elementwise
    status[scored] = np.where(chunk.ragged[scored], "ragged", "ok")
    return status, scored, values[scored].tolist()


# -- scores -> columns ------------------------------------------------------------------------
def _redacted_values(values: np.ndarray, scored: np.ndarray, result: dict[str, Any]) -> np.ndarray:
    """The text column with personal details redacted: scored texts as the scorer redacted them;
    other present values (numbers, blanks) redacted here, as text, and kept as they were if unchanged."""
    out = values.copy()
    if len(scored):
        out[scored] = result["redacted"]
    rest = [i for i in np.setdiff1d(np.arange(len(values)), scored) if text_status(values[i]) != "empty"]
    for i, text in zip(rest, redact([str(values[i]) for i in rest], names=None), strict=True):
        if text != str(values[i]):
            out[i] = text
    return out


def assemble(
    chunk: Chunk,
    column: int,
    status: np.ndarray,
    scored: np.ndarray,
    result: dict[str, Any],
    options: ScoreOptions,
) -> pd.DataFrame:
    """The chunk's rows and cells as they came, then the score columns; rows not scored keep them empty."""
    n = len(chunk.frame)
    label = np.full(n, None, dtype=object)
    proba = np.full((n, len(LABELS)), np.nan)
    if len(scored):
        label[scored] = result["label"]
        proba[scored] = result["proba"]
        truncated = scored[result["truncated"] & (status[scored] == "ok")]
        status[truncated] = "truncated"
    columns: dict[str, Any] = {"label": label}
    columns.update({name: proba[:, i] for i, name in enumerate(PROBA_COLUMNS)})
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
        columns.update(dict(zip(SENTENCE_COLUMNS, (counts, shares[:, 1], shares[:, 2]), strict=True)))
    # object arrays stay object (pandas would infer a string dtype only for chunks without gaps)
    index = chunk.frame.index
    scores = pd.DataFrame(
        {options.prefix + k: pd.Series(v, index=index, dtype=object if v.dtype == object else None)
         for k, v in columns.items()}
    )  # fmt: skip
    frame = chunk.frame
    if options.redact:
        values = _redacted_values(frame.iloc[:, column].to_numpy(dtype=object), scored, result)
        frame = with_redacted(frame, column, values, in_place=options.redact_in_place)
    return pd.concat([frame, scores], axis=1)
