"""The compiled inference path: a fitted feature union computed for a whole :class:`TokenBatch` at once.

The reference transformers (:mod:`~equalcare_nlp.features.parts`, :mod:`~equalcare_nlp.features.vectors`) walk
each text's token strings in Python. Compiled once per fitted model, their tables become integer-indexed:
n-gram vocabularies and multi-word lexicon terms as :class:`Trie` levels over token codes, word
vectors as a row index per token. Per batch every part is then a few numpy operations over all the
batch's token ids, and each part ends in the reference's own arithmetic (sklearn's TF-IDF transform,
:meth:`LexiconFeatures.scores`, :meth:`WordVectors.unit_weights`), so the features are the same
float32 numbers, not just close ones. A part of any other type is computed by its own ``transform``
on the batch's token lists (:class:`ReferencePart`), so every model compiles.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from ..nlp.preprocess import NEG_PREFIX
from ..nlp.token_batch import TokenBatch
from .parts import CONTRAST_WORDS, NEGATION_SCALAR, LearnedRegisterGate, LexiconFeatures, word_ngrams
from .vectors import WordVectors


class IntTable:
    """Distinct non-negative int64 keys to int64 values, looked up in bulk: open addressing with
    linear probing in a power-of-two table at most half full, so a lookup is one or two gathers
    (``np.searchsorted`` into sorted keys is a binary search that misses the cache at every step)."""

    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: 2**64 / the golden ratio

    def __init__(self, keys: np.ndarray, values: np.ndarray):
        keys, values = np.asarray(keys, dtype=np.int64), np.asarray(values, dtype=np.int64)
        self._bits = max(4, (2 * len(keys)).bit_length())
        self._keys = np.full(1 << self._bits, -1, dtype=np.int64)
        self._values = np.full(1 << self._bits, -1, dtype=np.int64)
        slot, pending = self._slots(keys), np.arange(len(keys))
        while len(pending):  # each round, the first key to reach a free slot takes it; the rest move on
            free = self._keys[slot[pending]] == -1
            _, first = np.unique(slot[pending[free]], return_index=True)
            placed = pending[free][first]
            self._keys[slot[placed]], self._values[slot[placed]] = keys[placed], values[placed]
            pending = pending[self._keys[slot[pending]] != keys[pending]]
            slot[pending] = (slot[pending] + 1) & ((1 << self._bits) - 1)

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        hashed = keys.astype(np.uint64) * self._MULTIPLIER  # wraps modulo 2**64, as meant
        return (hashed >> np.uint64(64 - self._bits)).astype(np.int64)

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The value of each key (-1 for a key not in the table; keys must be >= 0)."""
        keys = np.asarray(keys, dtype=np.int64)
        slot = self._slots(keys)
        found = self._keys[slot]
        out = np.where(found == keys, self._values[slot], -1)  # most keys end at their first slot
        pending = np.flatnonzero((found != keys) & (found != -1))  # an empty slot: not in the table
        while len(pending):
            slot[pending] = (slot[pending] + 1) & ((1 << self._bits) - 1)
            found = self._keys[slot[pending]]
            hit = found == keys[pending]
            out[pending[hit]] = self._values[slot[pending[hit]]]
            pending = pending[~hit & (found != -1)]
        return out


class Trie:
    """Sequences of codes (``0 <= code < width``) as nodes: a node is a prefix of one or more
    sequences, ``value[node]`` the value of the sequence that ends there (NaN for none)."""

    def __init__(self, sequences: Sequence[Sequence[int]], values: Sequence[float], width: int):
        children: dict[tuple[int, int], int] = {}
        ends: dict[int, float] = {}
        for sequence, value in zip(sequences, values, strict=True):
            node = 0
            for code in sequence:
                node = children.setdefault((node, int(code)), len(children) + 1)
            ends[node] = value
        self.width = width
        # the root's children by code, the others by parent * width + code (sorted, searched)
        self._first = np.full(width + 1, -1, dtype=np.int64)  # code -1 reads the last: -1
        deeper = [(parent * width + code, child) for (parent, code), child in children.items() if parent]
        for (parent, code), child in children.items():
            if not parent:
                self._first[code] = child
        self._children = IntTable(
            np.array([key for key, _ in deeper], dtype=np.int64),
            np.array([child for _, child in deeper], dtype=np.int64),
        )
        self.value = np.full(len(children) + 1, np.nan)
        self.value[list(ends)] = list(ends.values())

    def first(self, code: np.ndarray) -> np.ndarray:
        """The root's child by each ``code`` (-1 for none; ``code`` -1 gives -1)."""
        return self._first[code]

    def child(self, node: np.ndarray, code: np.ndarray) -> np.ndarray:
        """The child of each non-root ``node`` by ``code`` (-1 for none; ``node`` or ``code`` -1 give -1)."""
        ok = (node >= 0) & (code >= 0)
        return np.where(ok, self._children.get(np.where(ok, node * self.width + code, 0)), -1)

    def walks(self, codes: np.ndarray, starts: np.ndarray, ends: np.ndarray, depth: int):
        """For ``d`` in ``1..depth``: the starts still inside a sequence after ``d`` codes, and their nodes.

        Sequence ``i`` reads ``codes[starts[i]:ends[i]]`` (so no walk crosses its end).
        """
        node = np.zeros(len(starts), dtype=np.int64)
        alive = np.arange(len(starts))
        for d in range(depth):
            at = starts[alive] + d
            inside = at < ends[alive]
            alive, at, node = alive[inside], at[inside], node[inside]
            node = self.child(node, codes[at]) if d else self.first(codes[at])
            keep = node >= 0
            alive, node = alive[keep], node[keep]
            if not len(alive):
                return
            yield d + 1, alive, node


def _codes(words: dict[str, int], strings: list[str]) -> np.ndarray:
    """Each string's code in ``words`` (-1 for none); ``map`` over the dict's ``get`` runs in C."""
    return np.fromiter(map(words.get, strings, itertools.repeat(-1)), dtype=np.int64, count=len(strings))


def _flags(test, strings: list[str], *args) -> np.ndarray:
    """``test(s, *args)`` of each string, as booleans (``test`` a C method such as ``str.startswith``)."""
    repeated = [itertools.repeat(a) for a in args]
    return np.fromiter(map(test, strings, *repeated), dtype=bool, count=len(strings))


def _bases(strings: list[str]) -> list[str]:
    """The strings without the negation prefix."""
    return list(map(str.removeprefix, strings, itertools.repeat(NEG_PREFIX)))


class CompiledNgrams:
    """A fitted word n-gram :class:`~sklearn.feature_extraction.text.TfidfVectorizer` over token ids.

    A token that holds a space or is empty could make two different n-grams the same string
    ("North Carolina" is one token); texts with one are counted by the vectorizer's own analyzer.
    """

    def __init__(self, vectorizer: TfidfVectorizer):
        analyzer = vectorizer.analyzer
        if not (isinstance(analyzer, functools.partial) and analyzer.func is word_ngrams):
            raise TypeError("not a word n-gram vectorizer of this package")
        if vectorizer.binary:
            raise TypeError("binary counts are not compiled")
        self.vectorizer = vectorizer
        self.low, self.high = analyzer.keywords.get("ngram_range", (1, 2))
        vocabulary = vectorizer.vocabulary_
        self.width = len(vocabulary)
        multi = [(gram.split(" "), column) for gram, column in vocabulary.items() if " " in gram]
        multi = [(parts, column) for parts, column in multi if all(parts) and len(parts) <= self.high]
        self._words = {word: i for i, word in enumerate(sorted({w for parts, _ in multi for w in parts}))}
        self._trie = Trie(
            [[self._words[w] for w in parts] for parts, _ in multi],
            [column for _, column in multi],
            len(self._words),
        )

    def _columns(self, strings: list[str]) -> np.ndarray:
        out = np.full((len(strings), 3), -1, dtype=np.int64)
        if self.low <= 1:
            out[:, 0] = _codes(self.vectorizer.vocabulary_, strings)
        out[:, 1] = _codes(self._words, strings)
        lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
        out[:, 2] = _flags(str.__contains__, strings, " ") | (lengths == 0)
        return out

    def transform(self, batch: TokenBatch) -> sp.csr_matrix:
        """The TF-IDF rows of the batch, as the vectorizer's ``transform`` of its token lists."""
        columns = batch.table.column(self, self._columns)[batch.ids]
        rows = batch.rows
        unsafe_rows = np.unique(rows[columns[:, 2] == 1])
        unsafe = np.zeros(len(batch), dtype=bool)
        unsafe[unsafe_rows] = True
        safe = ~unsafe[rows]
        unigram = safe & (columns[:, 0] >= 0)
        entry_rows, entry_columns = [rows[unigram]], [columns[unigram, 0]]
        if self.high == 2 and self.low <= 2:  # word pairs: one lookup per adjacent pair in a text
            codes = columns[:, 1]
            pair = safe[:-1] & (rows[1:] == rows[:-1]) & (codes[:-1] >= 0) & (codes[1:] >= 0)
            at = np.flatnonzero(pair)
            node = self._trie.child(self._trie.first(codes[at]), codes[at + 1])
            found = self._trie.value[node[node >= 0]]
            hit = ~np.isnan(found)
            entry_rows.append(rows[at[node >= 0][hit]])
            entry_columns.append(found[hit].astype(np.int64))
        else:
            starts = np.flatnonzero(safe)
            ends = batch.offsets[1:][rows[starts]]
            for n, alive, node in self._trie.walks(columns[:, 1], starts, ends, self.high):
                found = self._trie.value[node]
                hit = ~np.isnan(found) if n >= self.low else np.zeros(len(node), dtype=bool)
                entry_rows.append(rows[starts[alive[hit]]])
                entry_columns.append(found[hit].astype(np.int64))
        analyze, vocabulary = self.vectorizer.build_analyzer(), self.vectorizer.vocabulary_
        lists = batch.lists() if len(unsafe_rows) else []
        for row in unsafe_rows.tolist():
            grams = [vocabulary[g] for g in analyze(lists[row]) if g in vocabulary]
            entry_rows.append(np.full(len(grams), row, dtype=np.int64))
            entry_columns.append(np.array(grams, dtype=np.int64))
        entry_rows, entry_columns = np.concatenate(entry_rows), np.concatenate(entry_columns)
        counts = sp.csr_matrix(
            (np.ones(len(entry_rows), dtype=np.float32), (entry_rows, entry_columns)),
            shape=(len(batch), self.width),
        )
        counts.sum_duplicates()
        return self.vectorizer._tfidf.transform(counts, copy=False)

    values = transform  # sparse: the linear path multiplies it as it is


class CompiledLexicon:
    """A fitted :class:`~equalcare_nlp.features.parts.LexiconFeatures` over token ids: terms (multi-word ones
    too) as a :class:`Trie` of their tokens, matched longest first and left to right as the reference."""

    def __init__(self, lexicon: LexiconFeatures):
        self.lexicon = lexicon
        self.after_contrast = getattr(lexicon, "span", "all") == "after_contrast"
        terms = lexicon.lexicon_
        self._words = {word: i for i, word in enumerate(sorted({w for term in terms for w in term}))}
        self._trie = Trie(
            [[self._words[w] for w in term] for term in terms], list(terms.values()), len(self._words)
        )

    def _columns(self, strings: list[str]) -> np.ndarray:
        bases = _bases(strings)
        return np.column_stack(
            [
                _codes(self._words, bases),
                _flags(str.startswith, strings, NEG_PREFIX),
                _flags(CONTRAST_WORDS.__contains__, bases),
            ]
        ).astype(np.int64)

    def transform(self, batch: TokenBatch) -> sp.csr_matrix:
        """The lexicon scores of the batch, as the part's ``transform`` of its token lists."""
        columns = batch.table.column(self, self._columns)[batch.ids]
        rows, position = batch.rows, np.arange(len(batch.ids))
        starts = batch.offsets[:-1][rows]
        if self.after_contrast:  # the tokens after the last contrast word; none without one
            last = np.full(len(batch), -1)
            contrast = np.flatnonzero(columns[:, 2])
            np.maximum.at(last, rows[contrast], contrast)
            last[last < 0] = len(position)  # past every token: nothing to read
            starts = last[rows] + 1
        begin = np.flatnonzero(position >= starts)
        begin = begin[self._trie.first(columns[begin, 0]) >= 0]  # where a term could start
        length = np.zeros(len(begin), dtype=np.int64)
        valence = np.zeros(len(begin))
        ends = batch.offsets[1:][rows[begin]]
        for n, alive, node in self._trie.walks(columns[:, 0], begin, ends, self.lexicon.max_term_len_):
            ends_here = ~np.isnan(self._trie.value[node])
            length[alive[ends_here]] = n  # a longer term found later overrides
            valence[alive[ends_here]] = self._trie.value[node[ends_here]]
        chosen = length > 0
        for i in np.flatnonzero(length > 1).tolist():  # a multi-word match hides the matches it covers
            if chosen[i]:
                covered = begin[i] + length[i]
                chosen[i + 1 : i + 1 + np.searchsorted(begin[i + 1 :], covered)] = False
        negated = columns[begin[chosen], 1] == 1
        values = np.where(negated, valence[chosen] * NEGATION_SCALAR, valence[chosen])
        return self.lexicon.scores(rows[begin[chosen]], values, len(batch))

    values = transform


class CompiledVectors:
    """A fitted :class:`~.vectors.WordVectors` over token ids: each token's table row."""

    def __init__(self, vectors: WordVectors):
        self.vectors = vectors

    def _columns(self, strings: list[str]) -> np.ndarray:
        negated = _flags(str.startswith, strings, NEG_PREFIX)
        return np.column_stack([_codes(self.vectors.vocabulary_, _bases(strings)), negated])

    def values(self, batch: TokenBatch) -> np.ndarray:
        """The word-vector features of the batch as a dense float32 array (:meth:`transform`'s numbers)."""
        columns = batch.table.column(self, self._columns)[batch.ids]
        weight = float(self.vectors.negated)
        negated = columns[:, 1] == 1
        keep = (columns[:, 0] >= 0) & (~negated if weight == 0.0 else True)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(batch.rows[keep], minlength=len(batch)))])
        counts = sp.csr_matrix(
            (
                np.where(negated[keep], weight, 1.0).astype(np.float32),
                columns[keep, 0].astype(np.int32),
                indptr.astype(np.int64),
            ),
            shape=(len(batch), len(self.vectors.words_)),
        )
        return self.vectors.dense_features_of(self.vectors.unit_weights(counts))

    def transform(self, batch: TokenBatch) -> sp.csr_matrix:
        """The word-vector features of the batch, as the part's ``transform`` of its token lists."""
        return sp.csr_matrix(self.values(batch))


class ReferencePart:
    """Any other fitted part: its own ``transform`` of the batch's token lists."""

    def __init__(self, part: Any):
        self.part = part

    def transform(self, batch: TokenBatch) -> sp.csr_matrix:
        return sp.csr_matrix(self.part.transform(batch.lists()))

    values = transform


def compile_part(part: Any) -> CompiledNgrams | CompiledLexicon | CompiledVectors | ReferencePart:
    """The compiled form of a fitted feature part (:class:`ReferencePart` for a type it does not know)."""
    for kind, compiled in (
        (TfidfVectorizer, CompiledNgrams),
        (LexiconFeatures, CompiledLexicon),
        (WordVectors, CompiledVectors),
    ):
        if type(part) is kind:  # a subclass may compute something else
            try:
                return compiled(part)
            except TypeError:  # a configuration this module does not compile
                break
    return ReferencePart(part)


class CompiledUnion:
    """A fitted :class:`~sklearn.pipeline.FeatureUnion` of token-list parts, compiled part by part."""

    def __init__(self, union: Any):
        if union.transformer_weights is not None:
            raise ValueError("a feature union with transformer_weights is not compiled")
        self.parts = [compile_part(part) for _, part in union.transformer_list]

    def transform(self, batch: TokenBatch) -> sp.csr_matrix:
        """The union's columns for the batch, as its ``transform`` of the token lists."""
        return sp.hstack([part.transform(batch) for part in self.parts], format="csr")


class CompiledLinear:
    """``features @ weights + intercept`` of a batch, part by part, without building its feature matrix.

    ``weights`` has one row per column of the union, then one per column of its gated copy: the
    ``copied`` parts (by index, in order), each scaled per text by the gate's value. Each part's
    features (:meth:`CompiledVectors.values` dense) meet only their own rows, so no stacked matrix,
    gated copy or dense-to-sparse conversion is built; the sums differ from the stacked product's
    only by float64 rounding.
    """

    def __init__(
        self,
        union: CompiledUnion,
        widths: Sequence[int],
        weights: np.ndarray,
        intercept: np.ndarray,
        copied: Sequence[int] = (),
    ):
        bounds = np.cumsum([0, *widths])
        if len(widths) != len(union.parts) or bounds[-1] + sum(widths[i] for i in copied) != len(weights):
            raise ValueError("the weights do not match the union's parts and their gated copy")
        self.union, self.intercept = union, np.asarray(intercept, dtype=np.float64)
        # per part its rows of the weights, beside them the rows of its gated copy: one product each
        blocks = [weights[start:stop] for start, stop in zip(bounds[:-1], bounds[1:], strict=True)]
        start = bounds[-1]
        for i in copied:
            blocks[i], start = np.hstack([blocks[i], weights[start : start + widths[i]]]), start + widths[i]
        self.blocks = [np.ascontiguousarray(block) for block in blocks]

    def outputs(self, batch: TokenBatch, gate: np.ndarray | None) -> np.ndarray:
        """One row per text, one column per column of ``weights`` (``gate``: per text, None for no copy).

        The word vectors' dense product is small: run on one BLAS thread, so that BLAS threads do not
        spin beside the other scoring processes (5,000-row chunks took twice the CPU without it)."""
        width = len(self.intercept)
        out = np.tile(self.intercept, (len(batch), 1))
        gated = np.zeros_like(out)
        with _blas().limit(limits=1, user_api="blas"):
            for part, block in zip(self.union.parts, self.blocks, strict=True):
                product = np.asarray(part.values(batch) @ block)
                out += product[:, :width]
                if block.shape[1] > width:
                    gated += product[:, width:]
        if gate is not None:
            out += np.asarray(gate, dtype=np.float64)[:, None] * gated
        return out


@functools.cache
def _blas() -> Any:
    """The process's thread-pool controller, found once (it inspects the loaded libraries)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def gate_values(gate: Any, batch: TokenBatch) -> np.ndarray:
    """``gate(batch.lists())``: per text the gate's value (its weight where open, else 0). A
    :class:`~.parts.LearnedRegisterGate` is read per token id (:func:`learned_gate_opens`), and so is a
    gate with ``token_opens(token)`` (open when any token opens it, as :class:`~.parts.RegisterGate`)."""
    token_opens = getattr(gate, "token_opens", None)
    if isinstance(gate, LearnedRegisterGate):
        opens = learned_gate_opens(gate, batch)
    elif token_opens is not None:
        open_ids = batch.table.column(
            gate, lambda strings: np.fromiter(map(token_opens, strings), bool, len(strings))
        )
        opens = np.bincount(batch.rows[open_ids[batch.ids]], minlength=len(batch)) > 0
    else:
        return np.asarray(gate(batch.lists()))
    return np.where(opens, float(getattr(gate, "weight", 1.0)), 0.0)


def learned_gate_opens(gate: LearnedRegisterGate, batch: TokenBatch) -> np.ndarray:
    """:meth:`LearnedRegisterGate.opens` of the batch's token lists: the weights of each text's distinct
    words (and word pairs) summed with numpy, and exactly (``math.fsum``, as the reference) for the
    texts whose sum lies within its rounding error bound of the threshold, so every text opens exactly
    as it does there. A text with a token that holds a space or is empty (whose pairs could spell
    another pair's string) is read by the reference."""
    tables = compile_gate(gate)

    def word_codes(strings: list[str]) -> np.ndarray:  # new tokens only: the table keeps the column
        return _codes(tables.grams, _bases(strings))

    word = batch.table.column((gate, "words"), word_codes)[batch.ids]
    rows, named = batch.rows, word >= 0
    gram_rows, grams = [rows[named]], [word[named]]
    unsafe = np.zeros(0, dtype=np.int64)
    if tables.pairs is not None:

        def pair_columns(strings: list[str]) -> np.ndarray:
            bases = _bases(strings)
            lengths = np.fromiter(map(len, bases), dtype=np.int64, count=len(bases))
            spaced = _flags(str.__contains__, bases, " ") | (lengths == 0)
            return np.column_stack([_codes(tables.pair_words, bases), spaced])

        columns = batch.table.column((gate, "pairs"), pair_columns)[batch.ids]
        code = columns[:, 0]
        at = np.flatnonzero((rows[1:] == rows[:-1]) & (code[:-1] >= 0) & (code[1:] >= 0))
        found = tables.pairs.get(code[at] * len(tables.pair_words) + code[at + 1])
        gram_rows.append(rows[at[found >= 0]])
        grams.append(found[found >= 0])
        unsafe = np.unique(rows[columns[:, 1] == 1])
    opens = _opens(gate, np.concatenate(gram_rows), np.concatenate(grams), len(batch))
    if len(unsafe):
        lists = batch.lists()
        opens[unsafe] = gate.opens([lists[row] for row in unsafe.tolist()])
    return opens


@dataclasses.dataclass(frozen=True)
class _GateTables:
    """A learned gate's grams by index, and for a gate of word pairs its pairs' words by code and the
    pairs by ``first code * len(pair_words) + second code``."""

    grams: dict[str, int]
    pair_words: dict[str, int]
    pairs: IntTable | None


def compile_gate(gate: LearnedRegisterGate) -> _GateTables:
    """The learned gate's tables (:class:`_GateTables`), built once per fitted gate: by ``compile()``,
    else by the first prediction."""
    tables = getattr(gate, "_compiled", None)
    if tables is None:
        grams = {gram: i for i, gram in enumerate(gate.words_.tolist())}
        pairs = None
        split = [(gram.split(" "), i) for gram, i in grams.items() if " " in gram]
        split = [(parts, i) for parts, i in split if len(parts) == 2 and all(parts)]
        words = {w: code for code, w in enumerate(sorted({w for parts, _ in split for w in parts}))}
        if tuple(gate.ngram_range) != (1, 1):
            keys = [words[a] * len(words) + words[b] for (a, b), _ in split]
            pairs = IntTable(np.array(keys, dtype=np.int64), np.array([i for _, i in split], dtype=np.int64))
        tables = gate._compiled = _GateTables(grams, words, pairs)
    return tables


def _opens(gate: LearnedRegisterGate, rows: np.ndarray, grams: np.ndarray, n: int) -> np.ndarray:
    """Whether the gate opens for each of ``n`` texts, given each (text, gram index) found in them."""
    # each (text, gram) once: the reference sums over the set of a text's grams
    width = max(len(gate.words_), 1)
    pairs = np.sort(rows * width + grams)  # np.unique's hashing is slower here
    distinct = np.ones(len(pairs), dtype=bool)
    distinct[1:] = pairs[1:] != pairs[:-1]
    pairs = pairs[distinct]
    rows, word = np.divmod(pairs, width)
    coef = np.asarray(gate.coef_, dtype=np.float64)[word]
    logit = gate.threshold_logit()
    margin = gate.intercept_ + np.bincount(rows, coef, minlength=n) - logit
    # a sum of k terms in float64 is off the exact sum by at most (k - 1) * 2**-53 * their absolute sum;
    # the bound is doubled and the intercept's own rounding added, for room
    terms = np.bincount(rows, minlength=n)
    bound = (terms + 2) * 2.0**-52 * (np.bincount(rows, np.abs(coef), minlength=n) + abs(gate.intercept_) + 1)
    opens = margin > 0
    close = np.flatnonzero(np.abs(margin) <= bound)
    if len(close):
        starts = np.searchsorted(rows, close)
        stops = np.searchsorted(rows, close, side="right")
        for text, start, stop in zip(close.tolist(), starts.tolist(), stops.tolist(), strict=True):
            opens[text] = gate.intercept_ + math.fsum(coef[start:stop].tolist()) > logit
    return opens
