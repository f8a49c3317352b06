"""Temperature scaling fitted by the project: out-of-fold scores, then one number by 1-D minimisation.

A linear model's softmax probabilities are usually over- or under-confident; dividing its scores
by one temperature fitted on scores it did not train on (Guo et al., 2017) fixes that without
changing any prediction, so the calibrated model stays exactly linear.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold

#: Search range of the inverse temperature's logarithm (a factor of e**-7 to e**7).
_LOG_BETA_BOUNDS = (-7.0, 7.0)


def class_scores(estimator, X) -> np.ndarray:  # noqa: N803
    """``estimator.decision_function(X)`` with one column per class (a binary score split ``-s/2, s/2``)."""
    scores = np.asarray(estimator.decision_function(X), dtype=np.float64)
    if scores.ndim == 1:
        scores = np.column_stack([-scores / 2, scores / 2])
    return scores


def out_of_fold_scores(estimator, X, y, folds: int, sample_weight=None) -> np.ndarray:  # noqa: N803
    """Each row's class scores from a clone of ``estimator`` fitted on the other stratified folds."""
    y = np.asarray(y)
    scores = np.zeros((len(y), len(np.unique(y))))
    for train, test in StratifiedKFold(n_splits=folds).split(np.zeros(len(y)), y):
        weight = None if sample_weight is None else np.asarray(sample_weight)[train]
        fitted = clone(estimator).fit(X[train], y[train], sample_weight=weight)
        scores[test] = class_scores(fitted, X[test])
    return scores


def fit_inverse_temperature(scores: np.ndarray, target: np.ndarray, sample_weight=None) -> float:
    """The factor ``beta`` that minimises the (weighted) log-loss of ``softmax(beta * scores)``.

    ``target`` holds each row's column index. The loss is convex in ``beta``, so a bounded
    one-dimensional search over ``log(beta)`` finds its minimum.
    """
    scores = np.asarray(scores, dtype=np.float64)
    rows = np.arange(len(scores))
    weight = np.ones(len(scores)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)

    def loss(log_beta: float) -> float:
        log_proba = log_softmax(np.exp(log_beta) * scores, axis=1)
        return -float(np.sum(weight * log_proba[rows, target]) / weight.sum())

    result = minimize_scalar(loss, bounds=_LOG_BETA_BOUNDS, method="bounded", options={"xatol": 1e-6})
    return float(np.exp(result.x))
