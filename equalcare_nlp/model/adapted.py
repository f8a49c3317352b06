"""The adapted classifier: a frozen base model plus a learned log-odds correction.

The base model's calibrated log-odds are kept as a fixed offset and an L2-regularised linear
correction is learnt on features of the new data (its own n-grams, naive-Bayes scaled, plus the
base's lexicon and word-vector parts), so with little data the correction stays near zero (the
base model's knowledge) and with more data it moves as far as the data supports. The correction
only redistributes probability among the labels the new data contains, and it is learnt beside a
free scale of the offset that is then left out (``free_scale``), so it changes which of those labels
the base prefers, not how sure the base is. How it is used, and why it is the default way to adapt:
:mod:`equalcare_nlp.training.adaptation`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn.base import clone
from sklearn.pipeline import FeatureUnion
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import check_is_fitted

from ..core.gc_pause import paused_gc
from ..core.labels import MIXED
from ..features.compiled import CompiledUnion
from ..features.parts import ngram_vectorizer
from ..nlp.token_batch import TokenBatch
from .classifier import feature_blocks
from .linear import fit_offset_softmax, nb_ratios
from .text_classifier import LinearTextClassifier, LinearView, check_texts

VOCABULARIES = ("new", "base", "both")


class AdaptedClassifier(LinearTextClassifier):
    """A fitted ``base`` classifier adapted to new texts by a learned log-odds correction.

    It holds ``base`` frozen (never refitted, kept as it is by :func:`~sklearn.base.clone`) and
    adds the correction on top, so it predicts, explains, saves and loads like any classifier
    of the package (:class:`~equalcare_nlp.model.text_classifier.LinearTextClassifier`).

    Parameters
    ----------
    base : the fitted model to adapt (e.g. ``load_model()``).
    C : inverse strength of the pull of the correction towards zero (towards the base model).
    vocabulary : ``"new"``: n-grams learnt from the new data (local words such as "rota") plus
        the base's other feature parts (lexicon scores, word vectors);
        ``"base"``: the base model's own features (a warm start whose prior is the base's weights);
        ``"both"``: the base model's features and n-grams of the new data.
    ngram_range, min_df : the new data's n-grams (``vocabulary`` ``"new"`` or ``"both"``).
    class_weight : ``"balanced"`` or ``None``, over the new data's labels.
    fit_intercept : learn a per-label shift of the correction.
    nb_scaling : scale the new data's n-grams by their naive Bayes log-count ratios
        (:func:`nb_ratios`), so rare but telling local words are held back less.
    free_scale : learn how much sharper (or softer) the new data wants the base's log-odds, and leave
        that out of the correction (``offset_scale_``): new comments that all carry a clear state
        (tweets, only fear and flow) would otherwise teach the correction to make the base surer of
        fear or flow everywhere, and ``neutral``, whose probability is kept, would lose its comments.
    max_iter : L-BFGS iterations.
    """

    def __init__(
        self,
        base: LinearTextClassifier | None = None,
        *,
        C: float = 2.0,  # noqa: N803 - scikit-learn's name
        vocabulary: str = "new",
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 1,
        class_weight: str | None = "balanced",
        fit_intercept: bool = True,
        nb_scaling: bool = True,
        free_scale: bool = True,
        max_iter: int = 500,
    ):
        self.base = base
        self.C = C
        self.vocabulary = vocabulary
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.class_weight = class_weight
        self.fit_intercept = fit_intercept
        self.nb_scaling = nb_scaling
        self.free_scale = free_scale
        self.max_iter = max_iter

    def __sklearn_clone__(self) -> AdaptedClassifier:
        """An unfitted copy with the same parameters and the same (frozen, fitted) ``base``."""
        params = self.get_params(deep=False)
        base = params.pop("base")
        return type(self)(base, **{k: clone(v, safe=False) for k, v in params.items()})

    @property
    def mixed_threshold(self) -> float | None:
        """The base model's rule for mixed comments: adaptation does not change it."""
        return getattr(self.base, "mixed_threshold", None)

    @property
    def max_chars(self) -> int:
        """The base model's truncation length (it preprocesses the texts)."""
        return self.base.max_chars

    def fit(self, X: Sequence[str], y: Sequence[str], sample_weight: Sequence[float] | None = None):  # noqa: N803
        """Learn the correction from texts ``X`` and labels ``y`` (at least two distinct labels;
        ``mixed`` comments are left out: the base model's mixed rule stays)."""
        if self.base is None:
            raise ValueError("AdaptedClassifier needs a fitted base model, e.g. base=load_model()")
        check_is_fitted(self.base)
        if self.vocabulary not in VOCABULARIES:
            raise ValueError(f"vocabulary must be one of {VOCABULARIES}, not {self.vocabulary!r}")
        X = check_texts(X)  # noqa: N806
        y = np.asarray(y, dtype=object)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} texts but y has {len(y)} labels")
        if (y == MIXED).any():  # the correction is of the three labels; the base's mixed rule stays
            keep = np.flatnonzero(y != MIXED)
            X, y = [X[i] for i in keep], y[keep]  # noqa: N806
            sample_weight = None if sample_weight is None else np.asarray(sample_weight)[keep]
        classes = [str(c) for c in self.base.classes_]
        unknown = sorted(set(y) - set(classes))
        if unknown:
            raise ValueError(f"Labels {unknown} are not among the base model's labels {classes}")
        present = [c for c in classes if c in set(y)]
        if len(present) < 2:
            raise ValueError(f"Need at least two distinct labels to adapt, got {present}")
        self.classes_ = self.base.classes_
        self.adapted_labels_ = np.array(present, dtype=object)
        self.columns_ = np.array([classes.index(c) for c in present])
        tokens = self.base.tokens(X)
        self.own_features_ = None
        if self.vocabulary != "base":
            words = ngram_vectorizer(self.ngram_range, self.min_df).fit(tokens)
            # "new": the base's other parts (lexicon, word vectors) as the base fitted them; shared
            # with the base, not copied, so a saved adapted model holds their tables once.
            view = self.base.linear_view()
            shared = [(b.name, b.transformer) for b in view.blocks if b.kind != "ngram" and not b.prefix]
            parts = [("words", words), *(shared if self.vocabulary == "new" else [])]
            self.own_features_ = FeatureUnion(parts)
        features = self._raw_features(tokens)
        offset = self.base.scores(tokens)[:, self.columns_]
        target = np.array([present.index(v) for v in y])
        weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if self.class_weight == "balanced":
            weight = weight * compute_sample_weight("balanced", y)
        elif self.class_weight is not None:
            raise ValueError(f"class_weight must be 'balanced' or None, not {self.class_weight!r}")
        features = sp.csr_matrix(features, dtype=np.float64)
        scale = np.ones(features.shape[1])
        if self.nb_scaling and self.own_features_ is not None:
            scale[self._words_columns()] = nb_ratios(features[:, self._words_columns()], target, weight)
        self.coef_, self.intercept_, self.offset_scale_ = fit_offset_softmax(
            features @ sp.diags(scale),
            offset,
            target,
            weight,
            self.C,
            self.fit_intercept,
            self.max_iter,
            self.free_scale,
        )
        self.coef_ = self.coef_ * scale
        self.n_features_out_ = features.shape[1]
        self._view = self._compiled = None
        return self

    def _words_columns(self) -> slice:
        """Columns of the new data's n-grams in the correction's features."""
        start = 0 if self.vocabulary == "new" else self.base.linear_view().coef.shape[1]
        words = dict(self.own_features_.transformer_list)["words"]
        return slice(start, start + len(words.vocabulary_))

    def _raw_features(self, tokens: Sequence[Sequence[str]] | TokenBatch) -> sp.csr_matrix:
        """The correction's features of token lists, or of a token batch (compiled)."""
        compiled = isinstance(tokens, TokenBatch)
        parts = []
        if self.vocabulary != "new":
            base = self.base.batch_features if compiled else self.base.linear_view().features
            parts.append(base(tokens))
        if self.own_features_ is not None:
            parts.append((self.compile()._compiled if compiled else self.own_features_).transform(tokens))
        return sp.hstack(parts).tocsr()

    def compile(self) -> AdaptedClassifier:
        """Build the compiled path's tables now, the base's too (else the first prediction does)."""
        check_is_fitted(self, "coef_")
        self.base.compile()
        if self.own_features_ is not None and getattr(self, "_compiled", None) is None:
            with paused_gc():
                self._compiled = CompiledUnion(self.own_features_)
        return self

    # -- the linear-model interface ------------------------------------------------------
    def tokens(self, X: Iterable[str]) -> list[list[str]]:  # noqa: N803
        """The base model's tokens (adaptation keeps its preprocessing)."""
        check_is_fitted(self, "coef_")
        return self.base.tokens(X)

    def token_batch(self, X: Iterable[str]) -> TokenBatch:  # noqa: N803
        """The base model's token batch."""
        check_is_fitted(self, "coef_")
        return self.base.token_batch(X)

    def _batch_mixed(self, batch: TokenBatch) -> np.ndarray | None:
        """The base model's mixed detector: adaptation does not change it."""
        return self.base._batch_mixed(batch)

    def scores(self, tokens: Sequence[Sequence[str]]) -> np.ndarray:
        """The base's log-odds with the correction added to the adapted labels, keeping their total
        probability (the base's probability of labels the new data lacked is unchanged)."""
        check_is_fitted(self, "coef_")
        return self._corrected(self.base.scores(tokens), self._raw_features(tokens))

    def batch_scores(self, batch: TokenBatch) -> np.ndarray:
        """:meth:`scores` of a token batch, compiled."""
        check_is_fitted(self, "coef_")
        return self._corrected(self.base.batch_scores(batch), self._raw_features(batch))

    def batch_features(self, batch: TokenBatch) -> sp.csr_matrix:
        """The linear view's columns of a token batch, compiled: the base's, then the correction's."""
        return sp.hstack([self.base.batch_features(batch), self._raw_features(batch)], format="csr")

    def _corrected(self, scores: np.ndarray, raw_features: sp.csr_matrix) -> np.ndarray:
        correction = np.asarray(raw_features @ self.coef_.T) + self.intercept_
        columns = self.columns_
        before = logsumexp(scores[:, columns], axis=1, keepdims=True)
        moved = scores[:, columns] + correction
        out = scores.copy()
        out[:, columns] = moved - logsumexp(moved, axis=1, keepdims=True) + before
        return out

    def linear_view(self) -> LinearView:
        """The base's view followed by the correction's blocks (marked ``adapted``).

        The adapted scores are this view's plus a per-text shift (the renormalisation that keeps
        the other labels' probability), so per-term contributions are exact.
        """
        check_is_fitted(self, "coef_")
        if getattr(self, "_view", None) is None:
            base = self.base.linear_view()
            width = base.coef.shape[1]
            blocks = list(base.blocks)
            if self.vocabulary != "new":
                blocks += [replace(b, prefix="adapted:" + b.prefix) for b in base.blocks]
            if self.own_features_ is not None:
                start = width if self.vocabulary == "new" else 2 * width
                blocks += feature_blocks(self.own_features_, prefix="adapted:", start=start)
            correction = np.zeros((len(self.classes_), self.coef_.shape[1]))
            correction[self.columns_] = self.coef_
            shift = np.zeros(len(self.classes_))
            shift[self.columns_] = self.intercept_
            self._view = LinearView(
                self.classes_,
                tuple(blocks),
                np.hstack([base.coef, correction]),
                base.intercept + shift,
                base.temperature,
                self._view_features,
            )
        return self._view

    def _view_features(self, tokens: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """The linear view's columns: the base's, then the correction's."""
        return sp.hstack([self.base.linear_view().features(tokens), self._raw_features(tokens)], format="csr")

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_view", None)
        state.pop("_compiled", None)
        return state
