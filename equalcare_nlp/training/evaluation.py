"""Score a model on labelled data, and print the scores as a table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.labels import FEAR, FLOW, LABELS, NEUTRAL
from ..model.text_classifier import LinearTextClassifier
from .metrics import classification_report, fear_flow_predictions


def evaluate(model: LinearTextClassifier, texts: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Macro-F1, accuracy, per-label P/R/F1, confusion matrix and calibration error of ``model``.

    Data without any ``neutral`` example is scored fear vs flow (whichever of the two is more
    probable), the protocol used for corpora that have no neutral class.
    """
    proba = model.predict_proba(texts)
    return score_predictions(labels, proba, model.classes_)


def score_predictions(labels: Sequence[str], proba: np.ndarray, classes: Sequence[str]) -> dict[str, Any]:
    """:func:`evaluate` from already computed probabilities (columns in ``classes`` order)."""
    classes = [str(c) for c in classes]
    if NEUTRAL in classes and NEUTRAL not in set(labels):
        predicted = fear_flow_predictions(proba, classes)
        report = classification_report(labels, predicted, [FEAR, FLOW])
        report["protocol"] = "fear vs flow (the data has no neutral examples)"
    else:
        predicted = np.asarray(classes, dtype=object)[np.argmax(proba, axis=1)]
        report = classification_report(labels, predicted, [c for c in LABELS if c in classes])
        report["protocol"] = "all labels"
    report["ece"] = classification_report(
        labels, predicted, report["confusion_matrix"]["labels"], proba, classes
    )["ece"]
    return report


def format_report(report: dict[str, Any]) -> str:
    """A plain-text table of a :func:`evaluate` report."""
    lines = [
        f"n = {report['n']}  ({report.get('protocol', 'all labels')})",
        f"macro-F1 {report['macro_f1']:.3f}   accuracy {report['accuracy']:.3f}"
        + (f"   calibration error (ECE) {report['ece']:.3f}" if "ece" in report else ""),
        "",
        f"{'label':<10}{'precision':>10}{'recall':>10}{'F1':>10}{'support':>10}",
    ]
    for label, m in report["per_label"].items():
        lines.append(
            f"{label:<10}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}{m['support']:>10}"
        )
    lines += ["", "confusion matrix (rows: true, columns: predicted)"]
    lines.append(confusion_table(report["confusion_matrix"]))
    return "\n".join(lines)


def confusion_table(confusion: dict[str, Any]) -> str:
    """A confusion matrix dict (``labels``, ``rows_true_cols_pred``) as aligned text."""
    labels = confusion["labels"]
    rows = [f"{'':<10}" + "".join(f"{label:>10}" for label in labels)]
    for label, counts in zip(labels, confusion["rows_true_cols_pred"], strict=True):
        rows.append(f"{label:<10}" + "".join(f"{c:>10}" for c in counts))
    return "\n".join(rows)
