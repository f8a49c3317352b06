"""The linear models: NB-weighted logistic regression, a classifier that scales n-gram features by how
much they tell, and the offset softmax regression that adaptation fits on top of a base model.

Wang and Manning (2012, "Baselines and bigrams") scale each binary n-gram feature by its naive
Bayes log-count ratio for a class before fitting a linear model of that class against the rest.
Rare but telling n-grams then start larger, so regularisation holds them back less; measured on
GoEmotions dev it beats a plain multinomial logistic regression (``docs/model.md``). The scaling is
folded into ``coef_``, so the result is one linear score per class, like
:class:`~sklearn.linear_model.LogisticRegression`, and explanations stay exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data


def log_count_ratios(X, positive: np.ndarray, weight: np.ndarray, alpha: float = 1.0) -> np.ndarray:  # noqa: N803
    """|Naive Bayes log-count ratio| of each column of ``X`` for the ``positive`` rows against the rest.

    Counts are the weighted numbers of rows where the column is present, smoothed by ``alpha``.
    """
    present = (X > 0).astype(np.float64)
    p = present.T @ (weight * positive) + alpha
    q = present.T @ (weight * ~positive) + alpha
    return np.abs(np.log((p / p.sum()) / (q / q.sum())))


@dataclass(eq=False, repr=False)  # the parameters as fields: scikit-learn reads them off __init__
class NBLogisticRegression(ClassifierMixin, BaseEstimator):
    """One-vs-rest logistic regression over features whose first ``nb_columns`` are NB-scaled.

    Parameters
    ----------
    C, max_iter : passed to each class's :class:`~sklearn.linear_model.LogisticRegression`.
    class_weight : ``"balanced"`` balances each one-vs-rest problem; a dict or None weights
        the examples by their own class.
    alpha : smoothing of the naive Bayes counts.
    nb_columns : which columns (the n-grams) are scaled: how many leading ones, or ``(start, stop)``
        ranges; None scales all. Dense columns such as lexicon scores should be left out: they are
        present in every text.
    """

    C: float = 1.0
    class_weight: str | dict | None = "balanced"
    alpha: float = 1.0
    nb_columns: int | tuple[tuple[int, int], ...] | None = None
    max_iter: int = 3000

    def fit(self, X, y, sample_weight=None) -> NBLogisticRegression:  # noqa: N803
        """Fit one scaled logistic regression per class (one in all for two classes)."""
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32])  # noqa: N806
        check_classification_targets(y)
        X = sp.csr_matrix(X)  # noqa: N806
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(
                f"Need samples of at least two classes to fit; the data holds one class: {self.classes_[0]!r}"
            )
        weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        balanced = self.class_weight == "balanced"
        if not balanced and self.class_weight is not None:
            weight = weight * compute_sample_weight(self.class_weight, y)
        targets = self.classes_[1:] if len(self.classes_) == 2 else self.classes_
        coefs, intercepts, iterations = [], [], []
        for target in targets:
            positive = y == target
            scale = self._scale(X, positive, weight)
            binary = LogisticRegression(
                C=self.C, class_weight="balanced" if balanced else None, max_iter=self.max_iter
            ).fit(X @ sp.diags(scale), positive, sample_weight=weight)
            coefs.append(binary.coef_[0] * scale)
            intercepts.append(binary.intercept_[0])
            iterations.append(int(binary.n_iter_[0]))
        self.coef_ = np.vstack(coefs)
        self.intercept_ = np.asarray(intercepts)
        self.n_iter_ = np.asarray(iterations)
        return self

    def _scale(self, X: sp.csr_matrix, positive: np.ndarray, weight: np.ndarray) -> np.ndarray:  # noqa: N803
        """|log-count ratio| of each scaled column for ``positive`` against the rest; 1 elsewhere."""
        if self.nb_columns is None:
            ranges = [(0, X.shape[1])]
        elif isinstance(self.nb_columns, int | np.integer):
            ranges = [(0, int(self.nb_columns))]
        else:
            ranges = [(int(start), int(stop)) for start, stop in self.nb_columns]
        scale = np.ones(X.shape[1])
        for start, stop in ranges:
            scale[start:stop] = log_count_ratios(X[:, start:stop], positive, weight, self.alpha)
        return scale

    def decision_function(self, X) -> np.ndarray:  # noqa: N803
        """One score per class in ``classes_`` (for two classes, one score for ``classes_[1]``)."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False)  # noqa: N806
        scores = np.asarray(X @ self.coef_.T) + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict_proba(self, X) -> np.ndarray:  # noqa: N803
        """Softmax of the class scores (calibrate them with temperature scaling)."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            scores = np.column_stack([-scores / 2, scores / 2])
        scores = scores - scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:  # noqa: N803
        """The class with the highest score."""
        best = np.argmax(self.predict_proba(X), axis=1)
        return self.classes_[best]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


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


def fit_offset_softmax(
    features: sp.csr_matrix,
    offset: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray,
    C: float,  # noqa: N803 - scikit-learn's name
    fit_intercept: bool,
    max_iter: int,  # noqa: N803
    free_scale: bool = False,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Multinomial logistic regression with a fixed per-row ``offset`` added to the scores.

    Minimises ``C * sum_i weight_i * cross_entropy_i + ||coef||^2 / 2`` (scikit-learn's scaling;
    the intercept is not penalised) with L-BFGS; returns ``(coef, intercept, scale)``. With
    ``free_scale`` the offset enters as ``scale * offset``, ``scale`` learnt too (its logarithm
    penalised as a weight is, so an offset that already separates the labels does not send it to
    infinity), and the result is divided by it: ``offset + features @ coef.T + intercept`` then has
    the fitted decision boundaries at the offset's own scale, the correction only what the data says
    beyond sharpening it. Otherwise ``scale`` is 1.
    """
    n, d = features.shape
    k = offset.shape[1]
    onehot = np.zeros((n, k))
    onehot[np.arange(n), target] = 1.0
    features_t = features.T.tocsr()

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        coef = params[: k * d].reshape(k, d)
        intercept = params[k * d : k * d + k]
        log_scale = params[-1] if free_scale else 0.0
        scale = np.exp(log_scale)
        scores = scale * offset + np.asarray(features @ coef.T) + intercept
        log_norm = logsumexp(scores, axis=1, keepdims=True)
        value = -np.sum(weight * np.sum(onehot * (scores - log_norm), axis=1))
        residual = (np.exp(scores - log_norm) - onehot) * weight[:, None]
        grad_coef = C * np.asarray(features_t @ residual).T + coef
        grad_intercept = C * residual.sum(axis=0) if fit_intercept else np.zeros(k)
        grad_scale = [C * float(np.sum(residual * offset)) * scale + log_scale] if free_scale else []
        penalty = 0.5 * (float(np.sum(coef * coef)) + log_scale**2)
        return C * value + penalty, np.concatenate([grad_coef.ravel(), grad_intercept, grad_scale])

    start = np.zeros(k * d + k + int(free_scale))
    result = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    scale = float(np.exp(result.x[-1])) if free_scale else 1.0
    return result.x[: k * d].reshape(k, d) / scale, result.x[k * d : k * d + k] / scale, scale
