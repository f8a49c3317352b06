"""Domain adaptation: teach a trained model new labelled data without losing what it knew.

Two methods, measured in ``benchmarks/adaptation.py`` (why ``offset`` is the default:
``docs/training.md``):

``offset`` (the default; needs only the saved model) wraps the base model in an
:class:`AdaptedClassifier`: the base model's calibrated log-odds are kept as a fixed offset
and an L2-regularised linear correction is learnt on features of the new data (its own
n-grams, naive-Bayes scaled, plus the base's lexicon and word-vector parts), so with little
data the correction stays near zero (the base model's knowledge) and with more data it moves
as far as the data supports. The correction only redistributes probability among the labels
the new data contains: a base model's ``neutral`` probability is kept exactly when the new
data has no neutral examples.

``refit`` refits the base model's estimator on its own training data (when the corpus is
available and matches the fingerprint in its manifest) plus the new data, the new examples
up-weighted (:data:`NEW_WEIGHT`). It gained less and takes minutes instead of seconds."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import logsumexp
from sklearn.pipeline import FeatureUnion
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import check_is_fitted

from .corpora import fingerprint, load_codebook_labels, load_labelled
from .default_model import balanced_weights
from .features import ngram_vectorizer
from .labels import MIXED
from .linear import log_count_ratios
from .model import Explanation, FearFlowClassifier, _softmax, readable_feature_names
from .persist import read_manifest

#: Weight of each new example against one base training example in ``refit`` (measured in
#: benchmarks/adaptation.py: 3, 10 and 30 tried on held-out TweetEval train; 10 and 30 tie).
NEW_WEIGHT = 10.0
METHODS = ("offset", "refit")
VOCABULARIES = ("new", "base", "both")


def base_training_data(
    folder: str | os.PathLike, source: str | os.PathLike | None = None
) -> tuple[list[str], list[str], np.ndarray] | None:
    """The training examples recorded in a saved model's manifest, if loadable and unchanged.

    Returns ``(texts, labels, sample_weights)``: the corpus, then any extra labelled files the
    manifest lists (``training["extra"]``, such as the default model's domain seed) with their
    weights. Returns ``None`` when the manifest names no loadable corpus or the corpus cannot be
    read (no ``$EQUALCARE_DATA_DIR`` copy and no network); raises ``ValueError`` when some data
    loads but its fingerprint differs from the manifest's, since refitting on other data is not
    adapting.
    """
    training = read_manifest(folder).get("training", {})
    corpus, split = training.get("label_map"), training.get("split")
    if not corpus or not split:
        return None
    try:
        texts, labels = load_labelled(corpus, split, source)
    except (KeyError, FileNotFoundError, OSError, ConnectionError):
        return None
    _check_fingerprint(
        texts, labels, training.get("fingerprint_sha256"), f"The {corpus} {split} data", folder
    )
    balanced = training.get("weighting") == "balanced per label"
    weights = [balanced_weights(labels, 1.0) if balanced else np.ones(len(texts))]
    for extra in training.get("extra", []):
        try:
            more_texts, more_labels = load_codebook_labels(extra["corpus"], extra["split"])
        except (FileNotFoundError, OSError, ConnectionError):
            return None
        what = f"The {extra['corpus']} {extra['split']} data"
        _check_fingerprint(more_texts, more_labels, extra.get("fingerprint_sha256"), what, folder)
        texts, labels = [*texts, *more_texts], [*labels, *more_labels]
        weight = float(extra.get("weight", 1.0))
        more_weights = balanced_weights(more_labels, weight) if balanced else np.full(len(more_texts), weight)
        weights.append(more_weights)
    return texts, labels, np.concatenate(weights)


def _check_fingerprint(texts: list[str], labels: list[str], expected: str | None, what: str, folder) -> None:
    found = fingerprint(texts, labels)
    if expected not in (None, found):
        raise ValueError(
            f"{what} found has fingerprint {found}, but {folder}'s manifest records {expected}: it is "
            "not the data the model was trained on; use method='offset' or point EQUALCARE_DATA_DIR at "
            "the original corpus"
        )


def adapt(
    base: FearFlowClassifier,
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    method: str = "offset",
    base_data: tuple[Sequence[str], Sequence[str]]
    | tuple[Sequence[str], Sequence[str], np.ndarray]
    | None = None,
    new_weight: float = NEW_WEIGHT,
    **offset_params: Any,
) -> FearFlowClassifier:
    """Adapt the fitted ``base`` model to new labelled ``texts``; ``base`` itself is unchanged.

    ``method="offset"`` builds an :class:`AdaptedClassifier` with ``offset_params``;
    ``"refit"`` needs ``base_data``: the base's training texts and labels, optionally with their
    sample weights (see :func:`base_training_data`).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if method == "refit":
        if base_data is None:
            raise ValueError("method='refit' needs base_data: the base model's training texts and labels")
        base_texts, base_labels, *base_weights = base_data
        base_weights = base_weights[0] if base_weights else np.ones(len(base_texts))
        weights = np.concatenate([np.asarray(base_weights, float), np.full(len(texts), float(new_weight))])
        model = FearFlowClassifier(**base.get_params())
        return model.fit([*base_texts, *texts], [*base_labels, *labels], sample_weight=weights)
    return AdaptedClassifier(base, **offset_params).fit(texts, labels)


class AdaptedClassifier(FearFlowClassifier):
    """A fitted ``base`` classifier adapted to new texts by a learned log-odds correction.

    A subclass of :class:`FearFlowClassifier` so it predicts, explains, saves and loads like
    one; ``base`` is never refitted.

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
    base_scores : scale of the base model's own log-odds added as correction features (0: none,
        so the correction cannot flip the base's judgement wholesale on a few examples).
    fit_intercept : learn a per-label shift of the correction.
    nb_scaling : scale the new data's n-grams by their naive Bayes log-count ratios
        (:func:`nb_ratios`), so rare but telling local words are held back less.
    max_iter : L-BFGS iterations.
    """

    @property
    def mixed_threshold(self) -> float | None:
        """The base model's rule for mixed comments: adaptation does not change it."""
        return getattr(self.base, "mixed_threshold", None)

    def __init__(
        self,
        base: FearFlowClassifier | None = None,
        *,
        C: float = 2.0,  # noqa: N803 - scikit-learn's name
        vocabulary: str = "new",
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 1,
        class_weight: str | None = "balanced",
        base_scores: float = 0.0,
        fit_intercept: bool = True,
        nb_scaling: bool = True,
        max_iter: int = 500,
    ):
        self.base = base
        self.C = C
        self.vocabulary = vocabulary
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.class_weight = class_weight
        self.base_scores = base_scores
        self.fit_intercept = fit_intercept
        self.nb_scaling = nb_scaling
        self.max_iter = max_iter

    def fit(self, X: Sequence[str], y: Sequence[str], sample_weight: Sequence[float] | None = None):  # noqa: N803
        """Learn the correction from texts ``X`` and labels ``y`` (at least two distinct labels)."""
        if self.base is None:
            raise ValueError("AdaptedClassifier needs a fitted base model, e.g. base=load_model()")
        check_is_fitted(self.base)
        if self.vocabulary not in VOCABULARIES:
            raise ValueError(f"vocabulary must be one of {VOCABULARIES}, not {self.vocabulary!r}")
        y = np.asarray(y, dtype=object)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} texts but y has {len(y)} labels")
        classes = [str(c) for c in self.base.classes_]
        unknown = sorted(set(y) - set(classes))
        if unknown:
            raise ValueError(f"Labels {unknown} are not among the base model's labels {classes}")
        present = [c for c in classes if c in set(y)]
        if len(present) < 2:
            raise ValueError(f"Need at least two distinct labels to adapt, got {present}")
        self.classes_ = self.base.classes_
        self.preprocessor_ = self.base.preprocessor_
        self.adapted_labels_ = np.array(present, dtype=object)
        self._columns = np.array([classes.index(c) for c in present])
        tokens = self.base.tokens(X)
        self.own_features_ = None
        if self.vocabulary != "base":
            words = ngram_vectorizer(self.ngram_range, self.min_df).fit(tokens)
            # "new": the base's other parts (lexicon, word vectors) as the base fitted them; shared
            # with the base, not copied, so a saved adapted model holds their tables once.
            shared = [p for p in self.base.features_.transformer_list if p[0] != "words"]
            parts = [("words", words), *(shared if self.vocabulary == "new" else [])]
            self.own_features_ = FeatureUnion(parts)
        features = self._raw_features(tokens)
        offset = self.base.decision_function(X)[:, self._columns]
        features = self._with_scores(features, offset)
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
        self.coef_, self.intercept_ = _fit_offset_softmax(
            features @ sp.diags(scale),
            offset,
            target,
            weight,
            self.C,
            self.fit_intercept,
            self.max_iter,
        )
        self.coef_ = self.coef_ * scale
        self.n_features_out_ = features.shape[1]
        return self

    def _words_columns(self) -> slice:
        """Columns of the new data's n-grams in the correction's features."""
        start = 0 if self.vocabulary == "new" else len(self.base.feature_names())
        words = dict(self.own_features_.transformer_list)["words"]
        return slice(start, start + len(words.vocabulary_))

    def _with_scores(self, features, offset: np.ndarray) -> sp.csr_matrix:
        if not self.base_scores:
            return sp.csr_matrix(features)
        centred = offset - offset.mean(axis=1, keepdims=True)
        return sp.hstack([features, sp.csr_matrix(centred * self.base_scores)]).tocsr()

    def _raw_features(self, tokens: list[list[str]]) -> sp.csr_matrix:
        parts = [self.base.features_.transform(tokens)] if self.vocabulary != "new" else []
        if self.own_features_ is not None:
            parts.append(self.own_features_.transform(tokens))
        return sp.hstack(parts).tocsr()

    def _raw_feature_names(self) -> np.ndarray:
        names = [self.base.feature_names()] if self.vocabulary != "new" else []
        if self.own_features_ is not None:
            names.append(readable_feature_names(self.own_features_))
        return np.concatenate(names)

    def _correction(self, tokens: list[list[str]], scores: np.ndarray) -> sp.csr_matrix:
        return self._with_scores(self._raw_features(tokens), scores[:, self._columns])

    def decision_function(self, X: Iterable[str]) -> np.ndarray:  # noqa: N803
        """Log-probabilities (up to a per-text constant), one column per class in ``classes_``."""
        check_is_fitted(self)
        texts = list(X)
        scores = self.base.decision_function(texts)
        features = self._correction(self.base.tokens(texts), scores)
        return self._adapt(scores, np.asarray(features @ self.coef_.T) + self.intercept_)

    def _adapt(self, scores: np.ndarray, correction: np.ndarray) -> np.ndarray:
        """Add ``correction`` to the adapted labels' scores, keeping their total probability."""
        columns = self._columns
        before = logsumexp(scores[:, columns], axis=1, keepdims=True)
        moved = scores[:, columns] + correction
        out = scores.copy()
        out[:, columns] = moved - logsumexp(moved, axis=1, keepdims=True) + before
        return out

    @property
    def features_(self) -> FeatureUnion:
        """Features of the linear view (:meth:`weights`): the base's, then the correction's."""
        check_is_fitted(self, "coef_")
        parts = [("base", self.base.features_)]
        if self.vocabulary != "new":
            parts.append(("adapted_base", self.base.features_))
        if self.own_features_ is not None:
            parts.append(("adapted", self.own_features_))
        return FeatureUnion(parts)

    def feature_names(self) -> np.ndarray:
        """Names of :attr:`features_`: the base's, then the correction's prefixed ``adapted:``."""
        check_is_fitted(self, "coef_")
        own = [f"adapted:{name}" for name in self._raw_feature_names()]
        return np.concatenate([self.base.feature_names(), np.array(own, dtype=object)])

    def weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Linear weights over :attr:`features_`, one row per class, giving :meth:`explain`'s terms.

        The adapted scores are these plus a per-text shift (the renormalisation that keeps the
        other labels' probability), so per-term contributions are exact; absolute scores are not.
        """
        check_is_fitted(self, "coef_")
        if self.base_scores:
            raise ValueError("an AdaptedClassifier with base_scores has no linear view over its features")
        coef, intercept = self.base.weights()
        correction = np.zeros((len(self.classes_), self.coef_.shape[1]))
        correction[self._columns] = self.coef_
        shift = np.zeros(len(self.classes_))
        shift[self._columns] = self.intercept_
        return np.hstack([coef, correction]), intercept + shift

    def explain(self, text: str, top: int = 10) -> Explanation:
        """The ``top`` features behind ``text``'s label: the base model's terms plus the correction's.

        Correction terms are prefixed ``adapted:``; the shift that keeps the other labels'
        probability unchanged is folded into ``bias``, so terms plus bias still give the
        chosen label's log-odds against the mean of all labels exactly.
        """
        check_is_fitted(self)
        base = self.base
        tokens = base.tokens([text])
        base_row = base.features_.transform(tokens).tocsr()
        coef, intercept = base.weights()
        base_scores = np.asarray(base_row @ coef.T) + intercept
        row = self._correction(tokens, base_scores).tocsr()
        correction = np.zeros((len(self.classes_), row.shape[1]))
        correction[self._columns] = self.coef_
        scores = self._adapt(base_scores, np.asarray(row @ self.coef_.T) + self.intercept_)
        centred = scores - scores.mean(axis=1, keepdims=True)
        k = int(np.argmax(scores))
        base_centred = coef - coef.mean(axis=0)
        correction_centred = correction - correction.mean(axis=0)
        names = base.feature_names()
        own_names = self._raw_feature_names()
        if self.base_scores:
            own_names = np.concatenate([own_names, [f"base_score:{c}" for c in self.adapted_labels_]])
        terms = [
            (str(names[j]), float(v * base_centred[k, j]))
            for j, v in zip(base_row.indices, base_row.data, strict=True)
        ]
        terms += [
            (f"adapted:{own_names[j]}", float(v * correction_centred[k, j]))
            for j, v in zip(row.indices, row.data, strict=True)
        ]
        explained = sum(w for _, w in terms)
        terms = sorted((t for t in terms if t[1] != 0.0), key=lambda t: -abs(t[1]))[:top]
        parts = self.parts([text])[0]
        return Explanation(
            text=text,
            label=MIXED if self.is_mixed(parts) else str(self.classes_[k]),
            probabilities=dict(zip(map(str, self.classes_), _softmax(scores).ravel().tolist(), strict=True)),
            terms=terms,
            bias=float(centred[0, k]) - explained,
            tokens=tokens[0],
            parts=parts,
        )


def nb_ratios(
    features: sp.csr_matrix, target: np.ndarray, weight: np.ndarray, alpha: float = 1.0
) -> np.ndarray:
    """Largest |naive Bayes log-count ratio| of each column over the labels (one against the rest).

    Wang and Manning (2012): scaling a bag-of-words column by it lets rare but telling n-grams
    start larger, so the regularisation holds them back less.
    """
    labels = np.unique(target)
    ratios = [
        log_count_ratios(features, target == k, weight, alpha)
        for k in (labels[1:] if len(labels) == 2 else labels)
    ]
    return np.max(ratios, axis=0, initial=0.0)


def _fit_offset_softmax(
    features: sp.csr_matrix,
    offset: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray,
    C: float,  # noqa: N803 - scikit-learn's name
    fit_intercept: bool,
    max_iter: int,  # noqa: N803
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression with a fixed per-row ``offset`` added to the scores.

    Minimises ``C * sum_i weight_i * cross_entropy_i + ||coef||^2 / 2`` (scikit-learn's scaling;
    the intercept is not penalised) with L-BFGS; returns ``(coef, intercept)``.
    """
    n, d = features.shape
    k = offset.shape[1]
    onehot = np.zeros((n, k))
    onehot[np.arange(n), target] = 1.0
    features_t = features.T.tocsr()

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        coef = params[: k * d].reshape(k, d)
        intercept = params[k * d :]
        scores = offset + np.asarray(features @ coef.T) + intercept
        log_norm = logsumexp(scores, axis=1, keepdims=True)
        value = -np.sum(weight * np.sum(onehot * (scores - log_norm), axis=1))
        residual = (np.exp(scores - log_norm) - onehot) * weight[:, None]
        grad_coef = C * np.asarray(features_t @ residual).T + coef
        grad_intercept = C * residual.sum(axis=0) if fit_intercept else np.zeros(k)
        return C * value + 0.5 * float(np.sum(coef * coef)), np.concatenate(
            [grad_coef.ravel(), grad_intercept]
        )

    result = minimize(loss, np.zeros(k * d + k), jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    return result.x[: k * d].reshape(k, d), result.x[k * d :]
