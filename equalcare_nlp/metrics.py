"""Evaluation metrics shared by training, ``evaluate`` and the benchmark harness."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from .labels import FEAR, FLOW


def expected_calibration_error(
    y_true: Sequence[str], proba: np.ndarray, classes: Sequence[str], n_bins: int = 15
) -> float:
    """Top-label expected calibration error: mean |accuracy - confidence| over equal-width bins."""
    proba = np.asarray(proba, dtype=float)
    classes = np.asarray(classes, dtype=object)
    confidence = proba.max(axis=1)
    correct = classes[proba.argmax(axis=1)] == np.asarray(y_true, dtype=object)
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    error = 0.0
    for b in range(n_bins):
        in_bin = bins == b
        if in_bin.any():
            error += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(error)


def fear_flow_predictions(proba: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """Two-label protocol: ``fear`` or ``flow``, whichever of the two has more probability."""
    classes = list(classes)
    proba = np.asarray(proba)
    fear, flow = proba[:, classes.index(FEAR)], proba[:, classes.index(FLOW)]
    return np.where(fear >= flow, FEAR, FLOW).astype(object)


def classification_report(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    labels: Sequence[str],
    proba: np.ndarray | None = None,
    classes: Sequence[str] | None = None,
) -> dict:
    """Macro-F1, accuracy, per-label precision/recall/F1/support and confusion matrix as a dict.

    With ``proba`` (columns in ``classes`` order) the expected calibration error is added.
    """
    labels = list(labels)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    report = {
        "n": len(y_true),
        "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "per_label": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
        "confusion_matrix": {
            "labels": labels,
            "rows_true_cols_pred": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        },
    }
    if proba is not None:
        report["ece"] = expected_calibration_error(y_true, proba, classes if classes is not None else labels)
    return report
