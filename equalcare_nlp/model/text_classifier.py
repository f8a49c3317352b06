"""The one interface of the package's linear text classifiers, and what they share on top of it.

A classifier here maps texts -> tokens -> features -> one linear score per label. Each one says
how in the open, as a :class:`LinearView` (its feature blocks with their kinds and names, its
calibrated weights, intercepts and temperature); predicting, splitting a comment into parts,
the mixed rule and :meth:`~LinearTextClassifier.explain` are written once, here, over it.
Reports, active learning and persistence use this interface only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin

from ..core.gc_pause import paused_gc
from ..core.labels import FEAR, FLOW, MIXED
from ..nlp.sentences import split_sentences

if TYPE_CHECKING:
    from ..nlp.token_batch import TokenBatch

#: What a feature block holds: word n-grams, lexicon scores or word-vector dimensions.
KINDS = ("ngram", "lexicon", "vectors")


@dataclass(frozen=True)
class Part:
    """One part of a comment (a sentence, list item or contrast clause) with its own scores."""

    text: str
    label: str
    probabilities: dict[str, float]


@dataclass(frozen=True)
class Explanation:
    """Why the model chose ``label`` for one text.

    ``terms`` are ``(feature, weight)`` pairs sorted by absolute weight: each weight is the
    feature's exact contribution to the chosen label's calibrated log-odds against the mean of
    all labels (positive pushes towards ``label``). Summed with ``bias`` they give that
    log-odds exactly, because the model is linear. When ``label`` is ``mixed``, the terms explain
    the whole comment's most probable label and ``parts`` show which part said what.
    """

    text: str
    label: str
    probabilities: dict[str, float]
    terms: list[tuple[str, float]]
    bias: float
    tokens: list[str] = field(default_factory=list)
    #: The comment's parts with their own scores (one part: the comment itself).
    parts: list[Part] = field(default_factory=list)


@dataclass(frozen=True)
class FeatureBlock:
    """Columns ``start:stop`` of a linear view, computed from token lists by ``transformer``.

    ``name`` prefixes the names of non-n-gram features (``lexicon:compound``); ``prefix`` marks
    columns that are a copy of others: ``feedback:`` the register-gated copy, ``adapted:`` the
    correction an adapted model learnt on top of its base.
    """

    name: str
    kind: str
    transformer: Any
    start: int
    stop: int
    prefix: str = ""


@dataclass(frozen=True)
class LinearView:
    """A classifier's scores as one linear map: ``features(tokens) @ coef.T + intercept``.

    ``coef`` and ``intercept`` are calibrated (the fitted weights divided by ``temperature``).
    ``featurize`` is the classifier's own way to compute all the blocks' columns at once (a block
    that copies another is not computed twice). An adapted model's scores add a per-text shift to
    this (the renormalisation that keeps the probability of labels its new data lacked), which
    changes no term's contribution.
    """

    classes: np.ndarray
    blocks: tuple[FeatureBlock, ...]
    coef: np.ndarray
    intercept: np.ndarray
    temperature: float
    featurize: Callable[[Sequence[Sequence[str]]], Any]

    def features(self, tokens: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """The feature rows of token lists, one column per column of ``coef``."""
        return sp.csr_matrix(self.featurize(tokens))

    @cached_property
    def kinds(self) -> np.ndarray:
        """Each column's kind (:data:`KINDS`)."""
        return np.concatenate([np.full(b.stop - b.start, b.kind, dtype=object) for b in self.blocks])

    @cached_property
    def terms(self) -> np.ndarray:
        """Each column's bare feature: the n-gram itself, or ``name:feature`` for other kinds."""
        return np.concatenate([_block_terms(block) for block in self.blocks])

    @cached_property
    def names(self) -> np.ndarray:
        """Each column's readable name: its term after its block's prefix (``feedback:``, ``adapted:``)."""
        prefixes = np.concatenate([np.full(b.stop - b.start, b.prefix, dtype=object) for b in self.blocks])
        return np.array([p + t for p, t in zip(prefixes, self.terms, strict=True)], dtype=object)

    def contributions(self, tokens: Sequence[str], label: int) -> tuple[np.ndarray, np.ndarray]:
        """Names and exact shares of one token list's score for class ``label`` against the mean
        of all classes. Word-vector dimensions are shared out over the words they came from,
        named ``~word`` (the word's meaning)."""
        row = self.features([tokens]).tocsr()
        centred = self.coef[label] - self.coef.mean(axis=0)
        names, values = [], []
        for block in self.blocks:
            inside = (row.indices >= block.start) & (row.indices < block.stop)
            if block.kind == "vectors":
                words = block.transformer.token_weights([tokens]).tocsr()
                shares = words.data * (
                    block.transformer.vectors_[words.indices] @ centred[block.start : block.stop]
                )
                prefix = block.prefix + "~"
                names.append(
                    np.array([prefix + str(w) for w in block.transformer.words_[words.indices]], object)
                )
                values.append(shares)
            else:
                names.append(self.names[row.indices[inside]])
                values.append(row.data[inside] * centred[row.indices[inside]])
        return np.concatenate(names), np.concatenate(values).astype(np.float64)


def _block_terms(block: FeatureBlock) -> np.ndarray:
    names = block.transformer.get_feature_names_out()
    if block.kind == "ngram":
        return np.asarray(names, dtype=object)
    return np.array([f"{block.name}:{n}" for n in names], dtype=object)


class LinearTextClassifier(ClassifierMixin, BaseEstimator):
    """What every classifier of the package shares, given its :meth:`tokens`, :meth:`linear_view`
    and :meth:`scores` (calibrated log-odds from token lists: the reference path, used by
    :meth:`explain`), and their compiled forms :meth:`token_batch` and :meth:`batch_features`
    (used by the predictions; :mod:`equalcare_nlp.features.compiled`), which give the same numbers.

    ``mixed_threshold`` (an attribute or property of the subclass) turns on the mixed rule.
    """

    mixed_threshold: float | None = None

    def tokens(self, X: Iterable[str]) -> list[list[str]]:  # noqa: N803
        """The preprocessed tokens the model sees for each text."""
        raise NotImplementedError

    def linear_view(self) -> LinearView:
        """The model as one linear map (:class:`LinearView`)."""
        raise NotImplementedError

    def scores(self, tokens: Sequence[Sequence[str]]) -> np.ndarray:
        """Calibrated log-odds of token lists, one column per class in ``classes_``."""
        return self._linear_scores(self.linear_view().features(tokens))

    def token_batch(self, X: Iterable[str]) -> TokenBatch:  # noqa: N803
        """The preprocessed tokens of the texts as one batch of ids (:meth:`tokens`, compiled)."""
        raise NotImplementedError

    def batch_features(self, batch: TokenBatch) -> sp.csr_matrix:
        """The linear view's columns of a token batch (:meth:`LinearView.features`, compiled)."""
        raise NotImplementedError

    def compile(self) -> LinearTextClassifier:
        """Build the compiled path's tables now (else the first prediction does); returns the model."""
        raise NotImplementedError

    def batch_scores(self, batch: TokenBatch) -> np.ndarray:
        """Calibrated log-odds of a token batch (:meth:`scores`, compiled)."""
        return self._linear_scores(self.batch_features(batch))

    def _linear_scores(self, features: sp.csr_matrix) -> np.ndarray:
        view = self.linear_view()
        return np.asarray(features @ view.coef.T) + view.intercept

    # -- prediction ------------------------------------------------------------------------
    def decision_function(self, X: Iterable[str]) -> np.ndarray:  # noqa: N803
        """Calibrated log-odds, one column per class in ``classes_``."""
        with paused_gc():
            return self.batch_scores(self.token_batch(check_texts(X)))

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:  # noqa: N803
        """Calibrated probabilities, one column per class in ``classes_``."""
        return softmax(self.decision_function(X))

    def predict(self, X: Iterable[str]) -> np.ndarray:  # noqa: N803
        """The most probable label of each text, or ``mixed`` where :meth:`mixed` says so."""
        proba, mixed = self.predict_proba_mixed(X)
        labels = self.classes_[np.argmax(proba, axis=1)]
        if self.mixed_threshold is None:
            return labels
        labels = labels.astype(object)
        labels[mixed] = MIXED
        return labels

    def predict_proba_mixed(
        self,
        X: Iterable[str],  # noqa: N803
        parts: Sequence[Sequence[Part]] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`predict_proba` and :meth:`mixed` together, from one pass over the features
        (``parts``: the texts' :meth:`parts` when already scored, which the parts rule then reads)."""
        X = check_texts(X)  # noqa: N806
        with paused_gc():
            scores, learned = self.batch_outputs(self.token_batch(X))
        return softmax(scores), self._mixed_flags(X, learned, parts)

    def batch_outputs(self, batch: TokenBatch) -> tuple[np.ndarray, np.ndarray | None]:
        """:meth:`batch_scores` and the learned mixed detector's probabilities (None: the parts rule)."""
        return self.batch_scores(batch), self._batch_mixed(batch)

    def _batch_mixed(self, batch: TokenBatch) -> np.ndarray | None:
        """The learned mixed detector's probability of each text of ``batch``; None when the model
        has no detector and the parts rule decides."""
        return None

    def feature_names(self) -> np.ndarray:
        """Readable names of the linear view's features (:attr:`LinearView.names`)."""
        return self.linear_view().names

    def weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated coefficients and intercepts of the linear view, one row per class."""
        view = self.linear_view()
        return view.coef, view.intercept

    # -- parts and mixed -------------------------------------------------------------------
    def parts(self, X: Iterable[str]) -> list[list[Part]]:  # noqa: N803
        """Each text's parts (:func:`~equalcare_nlp.nlp.sentences.split_sentences`) with their scores."""
        return self._scored_parts([split_sentences(text) for text in check_texts(X)])

    def _scored_parts(self, pieces: list[list[str]]) -> list[list[Part]]:
        flat = [piece for text_pieces in pieces for piece in text_pieces]
        proba = self.predict_proba(flat) if flat else np.zeros((0, len(self.classes_)))
        names = [str(label) for label in self.classes_]
        out, start = [], 0
        for text_pieces in pieces:
            rows = proba[start : start + len(text_pieces)]
            start += len(text_pieces)
            out.append(
                [
                    Part(piece, names[int(np.argmax(row))], dict(zip(names, row.tolist(), strict=True)))
                    for piece, row in zip(text_pieces, rows, strict=True)
                ]
            )
        return out

    def mixed(self, X: Iterable[str]) -> np.ndarray:  # noqa: N803
        """Whether each text is mixed: its learned mixed detector's probability, or else (the parts
        rule) one part's fear and another part's flow, at ``mixed_threshold`` or more; a text of one
        part (:func:`~equalcare_nlp.nlp.sentences.split_sentences`) never is. Always False without a
        threshold or a fear and flow class."""
        X = check_texts(X)  # noqa: N806
        if self.mixed_threshold is None:
            return np.zeros(len(X), dtype=bool)
        with paused_gc():
            learned = self._batch_mixed(self.token_batch(X))
        return self._mixed_flags(X, learned)

    def _mixed_flags(
        self,
        X: list[str],  # noqa: N803
        learned: np.ndarray | None,
        parts: Sequence[Sequence[Part]] | None = None,
    ) -> np.ndarray:
        out = np.zeros(len(X), dtype=bool)
        classes = list(self.classes_)
        if self.mixed_threshold is None or FEAR not in classes or FLOW not in classes:
            return out
        if learned is not None:  # a comment of one part is never mixed (codebook rule 9 combines parts)
            out = learned >= self.mixed_threshold
            for i in np.flatnonzero(out):
                out[i] = len(parts[i]) > 1 if parts is not None else len(split_sentences(X[i])) > 1
            return out
        if parts is not None:
            return np.array([self.is_mixed(text_parts) for text_parts in parts], dtype=bool)
        pieces = [split_sentences(text) for text in X]
        several = [i for i, text_pieces in enumerate(pieces) if len(text_pieces) > 1]
        if several:
            proba = self.predict_proba([piece for i in several for piece in pieces[i]])
            fear, flow = proba[:, classes.index(FEAR)], proba[:, classes.index(FLOW)]
            out[several] = mixed_groups(fear, flow, [len(pieces[i]) for i in several], self.mixed_threshold)
        return out

    def is_mixed(self, parts: Sequence[Part]) -> bool:
        """The parts rule: whether one of a comment's :meth:`parts` scores fear and another flow at
        ``mixed_threshold``."""
        threshold = self.mixed_threshold
        if threshold is None or len(parts) < 2:
            return False
        fear, flow = ([p.probabilities.get(label, 0.0) for p in parts] for label in (FEAR, FLOW))
        return bool(mixed_groups(np.array(fear), np.array(flow), [len(parts)], threshold)[0])

    # -- explanation -----------------------------------------------------------------------
    def explain(self, text: str, top: int = 10) -> Explanation:
        """The ``top`` features that pushed ``text``'s prediction, with exact linear weights.

        The terms plus ``bias`` give the chosen label's calibrated log-odds against the mean of
        all labels; ``bias`` holds the intercept (and an adapted model's per-text shift).
        """
        if not isinstance(text, str):
            raise TypeError(f"explain takes one text (a str), got {type(text).__name__}")
        tokens = self.tokens([text])
        scores = self.scores(tokens)
        centred = scores[0] - scores[0].mean()
        k = int(np.argmax(centred))
        names, values = self.linear_view().contributions(tokens[0], k)
        keep = values != 0.0
        names, values = names[keep], values[keep]
        order = np.argsort(-np.abs(values), kind="stable")[:top]
        parts = self.parts([text])[0]
        mixed = self._mixed_flags([text], self._batch_mixed(self.token_batch([text])), [parts])[0]
        return Explanation(
            text=text,
            label=MIXED if mixed else str(self.classes_[k]),
            probabilities=dict(zip(map(str, self.classes_), softmax(scores).ravel().tolist(), strict=True)),
            terms=[(str(names[i]), float(values[i])) for i in order],
            bias=float(centred[k] - values.sum()),
            tokens=tokens[0],
            parts=parts,
        )


def mixed_groups(fear: np.ndarray, flow: np.ndarray, sizes: Sequence[int], threshold: float) -> np.ndarray:
    """Whether each group of parts is mixed: the parts' fear and flow probabilities in order, group
    ``g`` the next ``sizes[g]`` (at least 2) of them; mixed when one part's fear and one part's flow
    reach ``threshold``."""
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
    return (np.maximum.reduceat(fear, starts) >= threshold) & (np.maximum.reduceat(flow, starts) >= threshold)


def check_texts(X: Iterable[str]) -> list[str]:  # noqa: N803
    """``X`` as a list of texts; a bare string (a common slip for ``[text]``) is an error."""
    if isinstance(X, str | bytes):
        what = "string" if isinstance(X, str) else "bytes object"
        raise TypeError(f"Expected a list of texts, got a single {what}: wrap it in a list, e.g. [text]")
    return list(X)


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax of log-odds."""
    scores = np.asarray(scores, dtype=np.float64)
    scores = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    return exp / exp.sum(axis=1, keepdims=True)
