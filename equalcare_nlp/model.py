"""The fear/flow/neutral classifier: spaCy preprocessing -> features -> calibrated linear model."""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from .features import make_features
from .labels import FEAR, FLOW, LABELS, MIXED
from .linear import NBLogisticRegression
from .preprocess import MAX_CHARS, Preprocessor
from .sentences import split_sentences


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


class FearFlowClassifier(ClassifierMixin, BaseEstimator):
    """Classify texts as ``fear``, ``flow`` or ``neutral`` (scikit-learn estimator over raw texts).

    Parameters
    ----------
    ngram_range : word n-gram sizes over the preprocessed tokens.
    min_df : n-grams seen in fewer training texts are ignored.
    lexicon_weight : scale of the valence-lexicon features (0 turns them off); a larger
        scale means weaker regularisation of what carries across domains.
    vector_weight : scale of the distilled word-vector features (:mod:`equalcare_nlp.vectors`;
        0 turns them off).
    C : inverse regularisation strength of the logistic regression.
    nb_scaling : fit :class:`~equalcare_nlp.linear.NBLogisticRegression` (n-grams scaled by their
        naive Bayes log-count ratios, one-vs-rest) instead of a plain multinomial logistic regression.
    class_weight : passed to :class:`~sklearn.linear_model.LogisticRegression`.
    calibration_cv : folds for temperature-scaling calibration of the probabilities
        (``None`` keeps the raw logistic regression probabilities).
    max_chars : texts are truncated to this many characters.
    max_iter : solver iterations.
    counterfactual_scope : read "used to", "would have", "should have" and "if only"
        as opening a negation-like scope (codebook rule 6).
    contrast_weight : scale of the lexicon scores of the tokens after a contrast word ("but",
        "however", ...; 0 turns them off), so the writer's point can outweigh a courtesy.
    mixed_threshold : a comment of several parts (:func:`~equalcare_nlp.sentences.split_sentences`)
        is predicted ``mixed`` when one part scores fear and another flow at this probability or
        more (codebook rule 9); None never predicts mixed. ``predict_proba`` keeps three columns.
    """

    #: Defaults for models saved before the parameters existed.
    counterfactual_scope = False
    contrast_weight = 0.0
    mixed_threshold = None

    def __init__(
        self,
        *,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 2,
        lexicon_weight: float = 1.0,
        vector_weight: float = 1.0,
        C: float = 1.0,  # noqa: N803 - scikit-learn's name
        nb_scaling: bool = True,
        class_weight: str | dict | None = "balanced",
        calibration_cv: int | None = 3,
        max_chars: int = MAX_CHARS,
        max_iter: int = 3000,
        counterfactual_scope: bool = False,
        contrast_weight: float = 0.0,
        mixed_threshold: float | None = None,
    ):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.lexicon_weight = lexicon_weight
        self.vector_weight = vector_weight
        self.C = C
        self.nb_scaling = nb_scaling
        self.class_weight = class_weight
        self.calibration_cv = calibration_cv
        self.max_chars = max_chars
        self.max_iter = max_iter
        self.counterfactual_scope = counterfactual_scope
        self.contrast_weight = contrast_weight
        self.mixed_threshold = mixed_threshold

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, X: Sequence[str], y: Sequence[str], sample_weight: Sequence[float] | None = None):  # noqa: N803
        """Learn from texts ``X`` and labels ``y`` (each one of ``fear``, ``flow``, ``neutral``;
        ``mixed`` comments are left out of the three-label fit, as the codebook says)."""
        X = _check_texts(X)  # noqa: N806
        y = np.asarray(y, dtype=object)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} texts but y has {len(y)} labels")
        if (y == MIXED).any():
            keep = np.flatnonzero(y != MIXED)
            X, y = [X[i] for i in keep], y[keep]  # noqa: N806
            sample_weight = None if sample_weight is None else np.asarray(sample_weight)[keep]
        unknown = sorted(set(y) - set(LABELS))
        if unknown:
            raise ValueError(f"Unknown labels {unknown}; labels must be among {list(LABELS)}")
        if len(set(y)) < 2:
            raise ValueError(f"Need at least two distinct labels to fit, got {sorted(set(y))}")
        self.preprocessor_ = Preprocessor(
            max_chars=self.max_chars, counterfactual_scope=self.counterfactual_scope
        )
        self.features_ = make_features(
            self.ngram_range, self.min_df, self.lexicon_weight, self.vector_weight, self.contrast_weight
        )
        features = self.features_.fit_transform(self.preprocessor_.pipe(X))
        self._drop_stop_words()
        linear = self._linear()
        folds = min(self.calibration_cv or 0, min(Counter(y).values()))
        if self.calibration_cv and folds < 2:
            warnings.warn(
                f"Too few examples of the rarest label ({folds}) for {self.calibration_cv}-fold "
                "calibration; probabilities are left uncalibrated",
                stacklevel=2,
            )
        if folds >= 2:
            calibrated = CalibratedClassifierCV(linear, method="temperature", cv=folds, ensemble=False).fit(
                features, y, sample_weight=sample_weight
            )
            # The inner estimator was fit on label-encoded y; its rows follow calibrated.classes_.
            self.linear_ = calibrated.calibrated_classifiers_[0].estimator
            self.inverse_temperature_ = float(calibrated.calibrated_classifiers_[0].calibrators[0].beta_)
            self.classes_ = calibrated.classes_
        else:
            self.linear_ = linear.fit(features, y, sample_weight=sample_weight)
            self.inverse_temperature_ = 1.0
            self.classes_ = self.linear_.classes_
        self.n_features_out_ = features.shape[1]
        return self

    def _linear(self) -> NBLogisticRegression | LogisticRegression:
        if not self.nb_scaling:
            return LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter)
        ngrams = len(dict(self.features_.transformer_list)["words"].vocabulary_)  # the union's first part
        return NBLogisticRegression(self.C, self.class_weight, nb_columns=ngrams, max_iter=self.max_iter)

    def _drop_stop_words(self) -> None:
        # TfidfVectorizer keeps every pruned n-gram in stop_words_, only for introspection;
        # it would dominate the saved model's size.
        words = dict(self.features_.transformer_list)["words"]
        words.stop_words_ = None

    # -- prediction ------------------------------------------------------------------------
    def tokens(self, X: Iterable[str]) -> list[list[str]]:  # noqa: N803
        """The preprocessed tokens the model sees for each text."""
        check_is_fitted(self)
        return self.preprocessor_.pipe(X)

    def _features(self, X: Iterable[str]):  # noqa: N803
        return self.features_.transform(self.tokens(X))

    def weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated coefficients and intercepts, one row per class (binary models too)."""
        coef = self.linear_.coef_ * self.inverse_temperature_
        intercept = self.linear_.intercept_ * self.inverse_temperature_
        if coef.shape[0] == 1:  # binary: the one row scores classes_[1] against classes_[0]
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        return coef, intercept

    def decision_function(self, X: Iterable[str]) -> np.ndarray:  # noqa: N803
        """Calibrated log-odds, one column per class in ``classes_``."""
        coef, intercept = self.weights()
        return np.asarray(self._features(X) @ coef.T) + intercept

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:  # noqa: N803
        """Calibrated probabilities, one column per class in ``classes_``."""
        return _softmax(self.decision_function(X))

    def predict(self, X: Iterable[str]) -> np.ndarray:  # noqa: N803
        """The most probable label of each text, or ``mixed`` where :meth:`mixed` says so."""
        X = _check_texts(X)  # noqa: N806
        labels = self.classes_[np.argmax(self.decision_function(X), axis=1)]
        if self.mixed_threshold is None:
            return labels
        labels = labels.astype(object)
        labels[self.mixed(X)] = MIXED
        return labels

    def parts(self, X: Iterable[str]) -> list[list[Part]]:  # noqa: N803
        """Each text's parts (:func:`~equalcare_nlp.sentences.split_sentences`) with their scores."""
        return self._scored_parts([split_sentences(text) for text in _check_texts(X)])

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
        """Whether each text is mixed: among its parts, one scores fear and another flow at
        ``mixed_threshold`` or more (always False without a threshold or a fear and flow class)."""
        X = _check_texts(X)  # noqa: N806
        out = np.zeros(len(X), dtype=bool)
        classes = list(self.classes_)
        if self.mixed_threshold is None or FEAR not in classes or FLOW not in classes:
            return out
        pieces = [split_sentences(text) for text in X]
        several = [i for i, text_pieces in enumerate(pieces) if len(text_pieces) > 1]
        for i, text_parts in zip(several, self._scored_parts([pieces[i] for i in several]), strict=True):
            out[i] = self.is_mixed(text_parts)
        return out

    def is_mixed(self, parts: Sequence[Part]) -> bool:
        """Whether one of a comment's :meth:`parts` scores fear and another flow at ``mixed_threshold``."""
        threshold = self.mixed_threshold
        if threshold is None or len(parts) < 2:
            return False
        fear = any(p.probabilities.get(FEAR, 0.0) >= threshold for p in parts)
        return fear and any(p.probabilities.get(FLOW, 0.0) >= threshold for p in parts)

    # -- explanation -----------------------------------------------------------------------
    def feature_names(self) -> np.ndarray:
        """Names of the model's features (n-grams as text, lexicon scores as ``lexicon:*``,
        word-vector dimensions as ``vectors:dim*``)."""
        check_is_fitted(self)
        if getattr(self, "_feature_names", None) is None:
            self._feature_names = readable_feature_names(self.features_)
        return self._feature_names

    def explain(self, text: str, top: int = 10) -> Explanation:
        """The ``top`` features that pushed ``text``'s prediction, with exact linear weights."""
        check_is_fitted(self)
        tokens = self.preprocessor_.pipe([text])[0]
        row = self.features_.transform([tokens]).tocsr()
        coef, intercept = self.weights()
        centred = coef - coef.mean(axis=0)
        scores = np.asarray(row @ centred.T) + (intercept - intercept.mean())
        k = int(np.argmax(scores))
        names, contributions = self._contributions(tokens, row, centred[k])
        order = np.argsort(-np.abs(contributions), kind="stable")[:top]
        parts = self.parts([text])[0]
        return Explanation(
            text=text,
            label=MIXED if self.is_mixed(parts) else str(self.classes_[k]),
            probabilities=dict(zip(map(str, self.classes_), _softmax(scores).ravel().tolist(), strict=True)),
            terms=[(str(names[i]), float(contributions[i])) for i in order],
            bias=float(intercept[k] - intercept.mean()),
            tokens=tokens,
            parts=parts,
        )

    def _contributions(self, tokens: list[str], row, coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each present feature's share of the score ``row @ coef``. The word-vector dimensions are
        shared out exactly over the words they came from, named ``~word`` (the word's meaning)."""
        names = self.feature_names()
        values = row.data * coef[row.indices]
        parts = dict(self.features_.transformer_list)
        if "vectors" not in parts:
            return names[row.indices], values
        vectors = parts["vectors"]
        start = self.n_features_out_ - vectors.vectors_.shape[1]  # the last part of the union
        keep = row.indices < start
        words = vectors.token_weights([tokens]).tocsr()
        shares = words.data * (vectors.vectors_[words.indices] @ coef[start:])
        word_names = np.array([f"~{w}" for w in vectors.words_[words.indices]], dtype=object)
        return np.concatenate([names[row.indices[keep]], word_names]), np.concatenate([values[keep], shares])

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_feature_names", None)
        return state


def readable_feature_names(features) -> np.ndarray:
    """Feature names of a fitted feature union: n-grams as text, lexicon scores as ``lexicon:*``."""
    names = features.get_feature_names_out()
    return np.array(
        [n.split("__", 1)[1] if n.startswith("words__") else n.replace("__", ":", 1) for n in names],
        dtype=object,
    )


def _check_texts(X: Iterable[str]) -> list[str]:  # noqa: N803
    """``X`` as a list of texts; a bare string (a common slip for ``[text]``) is an error."""
    if isinstance(X, str):
        raise TypeError("Expected a list of texts, got a single string: wrap it in a list, e.g. [text]")
    return list(X)


def _softmax(scores: np.ndarray) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float64)
    scores = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    return exp / exp.sum(axis=1, keepdims=True)
