"""Evaluation metrics shared by training, ``evaluate`` and the benchmark harness."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from ..core.labels import FEAR, FLOW, LABELS, MIXED


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


def codebook_report(
    y_true: Sequence[str], y_pred: Sequence[str], sources: Sequence[str] | None = None
) -> dict[str, Any]:
    """Scores on codebook labels (``mixed`` included): accuracy and macro-F1 on the single-tone
    comments (a predicted ``mixed`` is wrong), per source when ``sources`` are given, and the share
    of mixed comments reported as mixed (``mixed_found``) and of single-tone ones (``false_mixed``)."""
    y_true, y_pred = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    groups = {"all": np.ones(len(y_true), dtype=bool)}
    if sources is not None:
        sources = np.asarray(sources, dtype=object)
        groups |= {str(s): sources == s for s in sorted(set(sources))}
    out: dict[str, Any] = {}
    for name, member in groups.items():
        single = member & (y_true != MIXED)
        mixed = member & (y_true == MIXED)
        entry = {"n_single_tone": int(single.sum()), "n_mixed": int(mixed.sum())}
        if single.any():
            report = classification_report(y_true[single], y_pred[single], LABELS)
            entry |= {"accuracy": report["accuracy"], "macro_f1": report["macro_f1"]}
            entry["false_mixed"] = float(np.mean(y_pred[single] == MIXED))
        if mixed.any():
            entry["mixed_found"] = float(np.mean(y_pred[mixed] == MIXED))
        out[name] = entry
    return out
