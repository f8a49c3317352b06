"""Texts -> model-token ids for a whole batch at once: the compiled form of the preprocessing.

:meth:`Preprocessor.pipe <equalcare_nlp.nlp.preprocess.Preprocessor.pipe>` (the reference) builds each
text's token strings in Python, record by record. Here every distinct whitespace chunk is kept once
as a run of record ids, and every distinct token record once as integer codes (its token id, plain
and negated, its flags, whether it opens a scope), so a batch becomes a few numpy operations over
all its records: gather the chunks' records, mark negation scope with a running maximum, drop and
expand. Token strings are interned in a :class:`TokenTable`; feature blocks map its ids to their own
columns (:mod:`equalcare_nlp.features.compiled`). The result, a :class:`TokenBatch`, gives exactly the
reference's token lists (:meth:`TokenBatch.lists`), which the tests check on every corpus.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .preprocess import BOUNDARY, DROP, ELONG, ELONGATED, NEG_PREFIX, Negation, TokenRecord


class Growing:
    """An int64 array that grows by appending, with amortised copies."""

    def __init__(self):
        self._data = np.zeros(1024, dtype=np.int64)
        self._size = 0

    def extend(self, values: Sequence[int]) -> None:
        """Append ``values``."""
        need = self._size + len(values)
        if need > len(self._data):
            self._data = np.resize(self._data, max(need, 2 * len(self._data)))
        self._data[self._size : need] = values
        self._size = need

    def __len__(self) -> int:
        return self._size

    @property
    def array(self) -> np.ndarray:
        """The values so far (a view: valid until the next :meth:`extend`)."""
        return self._data[: self._size]


class TokenTable:
    """Model-token strings interned as ids (in order of first sight), and per-id columns derived from them.

    A feature block asks for a column once per table (:meth:`column`): e.g. each token's n-gram
    column, or its lexicon code. New tokens extend the columns already asked for.
    """

    def __init__(self):
        self.strings: list[str] = []
        self.index: dict[str, int] = {}
        self._columns: dict[object, np.ndarray] = {}

    def intern(self, token: str) -> int:
        """The id of ``token`` (a new one the first time)."""
        found = self.index.get(token)
        if found is None:
            found = self.index[token] = len(self.strings)
            self.strings.append(token)
        return found

    def column(self, key: object, derive: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """``derive(strings)`` for every token id, computed once per token (``key`` names the column)."""
        values = self._columns.get(key)
        done = 0 if values is None else len(values)
        if done < len(self.strings):
            new = np.asarray(derive(self.strings[done:]))
            values = new if values is None else np.concatenate([values, new])
            self._columns[key] = values
        return values


@dataclass
class TokenBatch:
    """The model tokens of a batch of texts: ``ids`` (into ``table``) of all texts, concatenated;
    text ``i`` holds ``ids[offsets[i]:offsets[i + 1]]``."""

    ids: np.ndarray
    offsets: np.ndarray
    table: TokenTable
    _lists: list[list[str]] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def rows(self) -> np.ndarray:
        """The text (row) of each token."""
        return np.repeat(np.arange(len(self)), np.diff(self.offsets))

    def lists(self) -> list[list[str]]:
        """The token strings of each text, as :meth:`Preprocessor.pipe` gives them."""
        if self._lists is None:
            strings = np.array(self.table.strings, dtype=object)[self.ids]
            self._lists = [part.tolist() for part in np.split(strings, self.offsets[1:-1])]
        return self._lists


@dataclass(eq=False)
class ChunkIds:
    """Chunks and token records as integer codes, and batches of texts turned into :class:`TokenBatch`.

    ``records_of(chunks)`` gives each chunk's :class:`~equalcare_nlp.nlp.preprocess.TokenRecord` tuple
    (the preprocessor's spaCy stage and cache); it is asked only for chunks seen for the first time.
    Negation scope follows the settings of ``negation`` (the preprocessor's spaCy stage), counterfactual
    openers included when ``counterfactual``.
    At most ``max_chunks`` chunks are kept (then everything starts afresh, as the spaCy stage's cache does).
    """

    records_of: Callable[[list[str]], list[tuple[TokenRecord, ...]]]
    negation: Negation
    counterfactual: bool = False
    max_chunks: int = 500_000

    def __post_init__(self):
        openers = self.negation.counterfactual_openers
        firsts = sorted({first for first, _ in openers})
        seconds = sorted({second for _, second in openers})
        self._first_code = {word: i for i, word in enumerate(firsts)}
        self._second_code = {word: i for i, word in enumerate(seconds)}
        # pairs[first, second]; code -1 (not an opener word) picks the all-False last row or column
        self._pairs = np.zeros((len(firsts) + 1, len(seconds) + 1), dtype=bool)
        for first, second in openers:
            self._pairs[self._first_code[first], self._second_code[second]] = True
        self.reset()

    def reset(self) -> None:
        """Forget every chunk, record and token."""
        self.table = TokenTable()
        self._elongated = self.table.intern(ELONGATED)
        self._chunks: dict[str, int] = {}
        self._chunk_start, self._chunk_length, self._chunk_records = Growing(), Growing(), Growing()
        self._records: dict[TokenRecord, int] = {}
        self._norms: list[str] = []  # per record
        # per record: token id, token id negated (-1 until a batch negates it), flags, negator,
        # counterfactual first / second word code
        self._codes = [Growing() for _ in range(6)]

    def batch(self, texts: Sequence[str]) -> TokenBatch:
        """The model tokens of ``texts`` (already truncated), as ids."""
        split = list(map(str.split, texts))
        chunks = list(itertools.chain.from_iterable(split))
        try:  # most batches find every chunk known
            chunk_ids = np.fromiter(map(self._chunks.__getitem__, chunks), dtype=np.int64, count=len(chunks))
        except KeyError:
            distinct = dict.fromkeys(chunks)
            missing = [chunk for chunk in distinct if chunk not in self._chunks]
            if len(self._chunks) + len(missing) > self.max_chunks:
                self.reset()
                missing = list(distinct)
            self._add_chunks(missing)
            chunk_ids = np.fromiter(map(self._chunks.__getitem__, chunks), dtype=np.int64, count=len(chunks))
        per_text = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
        records, record_offsets = self._gather(chunk_ids, per_text)
        return self._tokens(records, record_offsets)

    def _add_chunks(self, chunks: list[str]) -> None:
        start = len(self._chunk_records)
        records_of = self.records_of(chunks)
        if len(records_of) != len(chunks):
            raise ValueError(f"{len(chunks)} chunks but records for {len(records_of)}")
        flat = list(itertools.chain.from_iterable(records_of))
        known = self._records
        new = [record for record in dict.fromkeys(flat) if record not in known]  # in order of first sight
        known.update(zip(new, range(len(known), len(known) + len(new)), strict=True))
        self._add_records(new)
        first = len(self._chunks)
        self._chunks.update(zip(chunks, range(first, first + len(chunks)), strict=True))
        lengths = np.fromiter(map(len, records_of), dtype=np.int64, count=len(chunks))
        self._chunk_start.extend(start + np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64))
        self._chunk_length.extend(lengths)
        self._chunk_records.extend(list(map(known.__getitem__, flat)))

    def _add_records(self, records: list[TokenRecord]) -> None:
        """The codes of records seen for the first time (numbered in this order), one column at a time."""
        if not records:
            return
        intern, negators = self.table.intern, self.negation.negators
        self._norms.extend(norm for norm, _ in records)
        rows = [
            (
                intern(norm),
                -1,
                flags,
                norm in negators,
                self._first_code.get(norm, -1),
                self._second_code.get(norm, -1),
            )
            for norm, flags in records
        ]
        for column, values in zip(self._codes, zip(*rows, strict=True), strict=True):
            column.extend(values)

    def _gather(self, chunk_ids: np.ndarray, per_text: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The record ids of all texts' chunks in order, and each text's first record."""
        starts = self._chunk_start.array[chunk_ids]
        lengths = self._chunk_length.array[chunk_ids]
        ends = np.cumsum(lengths)
        positions = np.repeat(starts - (ends - lengths), lengths) + np.arange(ends[-1] if len(ends) else 0)
        chunk_offsets = np.concatenate([[0], np.cumsum(per_text)])
        record_offsets = np.concatenate([[0], ends])[chunk_offsets]
        return self._chunk_records.array[positions], record_offsets

    def _tokens(self, records: np.ndarray, offsets: np.ndarray) -> TokenBatch:
        """Negation scope over the records, then the model tokens (as :func:`preprocess.model_tokens`)."""
        plain, negated_id, flags, negator, first, second = (column.array[records] for column in self._codes)
        position = np.arange(len(records))
        text_start = np.repeat(offsets[:-1], np.diff(offsets))
        boundary = (flags & BOUNDARY) != 0
        opener = negator.astype(bool)
        if self.counterfactual:
            after = position > text_start
            previous = np.where(after, np.roll(first, 1), -1)
            opener |= self._pairs[previous, second] & after
        opener &= ~boundary
        event = boundary | opener
        last = np.maximum.accumulate(np.where(event, position, -1))
        before = np.concatenate([[-1], last[:-1]]) if len(last) else last
        negated = ~event & (before >= text_start) & opener[np.maximum(before, 0)]
        negated &= position - before <= self.negation.window

        kept = (flags & DROP) == 0
        unnamed = negated & kept & (negated_id < 0)
        if unnamed.any():  # negated for the first time: its negated token gets an id now
            need = np.unique(records[unnamed])
            intern, norms = self.table.intern, self._norms
            self._codes[1].array[need] = [intern(NEG_PREFIX + norms[r]) for r in need.tolist()]
            negated_id = self._codes[1].array[records]
        elongated = kept & ((flags & ELONG) != 0)
        width = kept.astype(np.int64) + elongated
        ends = np.cumsum(width)
        ids = np.empty(ends[-1] if len(ends) else 0, dtype=np.int64)
        ids[(ends - width)[kept]] = np.where(negated, negated_id, plain)[kept]
        ids[(ends - width)[elongated] + 1] = self._elongated
        token_offsets = np.concatenate([[0], ends])[offsets]
        return TokenBatch(ids, token_offsets, self.table)
