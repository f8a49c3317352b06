"""Benchmark metrics with bootstrap 95% intervals, vectorised over the resamples.

Every metric is computed on a batch of index rows at once: row 0 is the identity (the point
estimate), rows 1..B are bootstrap resamples drawn with a seeded generator, so the same seed
gives the same intervals, and two systems scored on the same texts share their resamples
(paired comparisons). Intervals are the 2.5th and 97.5th percentiles of the resamples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

from equalcare_nlp.core.labels import CODEBOOK_LABELS, LABELS, MIXED

#: Equal-width confidence bins of the expected calibration error (as in ``equalcare_nlp.training.metrics``).
ECE_BINS = 15


@dataclass(frozen=True)
class Outcome:
    """What one system produced on one evaluation set.

    ``y_true``: gold labels (classification) or gold valence (continuous). ``y_pred``: predicted
    labels. ``proba``: probabilities, columns in the protocol's label order (None when the system
    has none). ``score``: a continuous score (two labels: higher means flow; continuous: the
    valence estimate). ``positions``: which texts of the evaluation set were scored.
    """

    y_true: np.ndarray
    y_pred: np.ndarray | None
    proba: np.ndarray | None
    score: np.ndarray | None
    positions: np.ndarray


def resample_rows(n: int, n_boot: int, seed: int) -> np.ndarray:
    """Index rows: the identity first, then ``n_boot`` bootstrap resamples of ``range(n)``."""
    rng = np.random.default_rng(seed)
    return np.vstack([np.arange(n), rng.integers(0, n, size=(n_boot, n))])


def interval(values: np.ndarray) -> dict[str, float | None]:
    """Point estimate (row 0) and percentile 95% interval (rows 1..) of a batch of metric values."""
    point, boot = float(values[0]), values[1:]
    boot = boot[~np.isnan(boot)]
    if np.isnan(point) or boot.size == 0:
        return {"value": None if np.isnan(point) else point, "low": None, "high": None}
    low, high = np.percentile(boot, [2.5, 97.5])
    return {"value": point, "low": float(low), "high": float(high)}


def confusion_batch(true_codes: np.ndarray, pred_codes: np.ndarray, k: int, rows: np.ndarray) -> np.ndarray:
    """Confusion matrices (rows true, columns predicted) for every index row: shape (B, k, k)."""
    codes = (true_codes * k + pred_codes)[rows] + np.arange(len(rows))[:, None] * k * k
    return np.bincount(codes.ravel(), minlength=len(rows) * k * k).reshape(len(rows), k, k)


def classification_batch(cm: np.ndarray) -> dict[str, np.ndarray]:
    """Per-class precision/recall/F1 (B, k), macro-F1 and accuracy (B,) from confusion matrices.

    A class never predicted has precision 0, never present has recall 0 (scikit-learn's
    ``zero_division=0``); macro-F1 averages over all ``k`` classes.
    """
    tp = np.einsum("bii->bi", cm).astype(float)
    predicted, actual = cm.sum(axis=1), cm.sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(actual > 0, tp / actual, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
        accuracy = tp.sum(axis=1) / cm.sum(axis=(1, 2))  # NaN for a resample with no comment
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "macro_f1": f1.mean(axis=1),
        "accuracy": accuracy,
    }


def ece_batch(
    correct: np.ndarray, confidence: np.ndarray, rows: np.ndarray, n_bins: int = ECE_BINS
) -> np.ndarray:
    """Top-label expected calibration error for every index row (same bins as ``metrics``)."""
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    codes = (bins[rows] + np.arange(len(rows))[:, None] * n_bins).ravel()
    size = len(rows) * n_bins
    hits = np.bincount(codes, weights=correct[rows].ravel().astype(float), minlength=size)
    conf = np.bincount(codes, weights=confidence[rows].ravel(), minlength=size)
    return np.abs(hits - conf).reshape(len(rows), n_bins).sum(axis=1) / rows.shape[1]


def brier_per_text(proba: np.ndarray, true_codes: np.ndarray) -> np.ndarray:
    """Multi-class Brier score of each text: sum over classes of (p - 1[true])^2, from 0 to 2."""
    onehot = np.zeros_like(proba, dtype=float)
    onehot[np.arange(len(true_codes)), true_codes] = 1.0
    return ((proba - onehot) ** 2).sum(axis=1)


def auc_batch(score: np.ndarray, positive: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """ROC-AUC of ``score`` for ``positive`` texts, per index row (Mann-Whitney U over mid-ranks)."""
    ranks = rankdata(score[rows], axis=1)
    pos = positive[rows]
    n_pos = pos.sum(axis=1).astype(float)
    n_neg = pos.shape[1] - n_pos
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = ((ranks * pos).sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return np.where((n_pos > 0) & (n_neg > 0), auc, np.nan)


def spearman_batch(x: np.ndarray, y: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Spearman rank correlation of ``x`` and ``y`` per index row (NaN when either is constant)."""
    rx, ry = rankdata(x[rows], axis=1), rankdata(y[rows], axis=1)
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (rx * ry).sum(axis=1) / np.sqrt((rx**2).sum(axis=1) * (ry**2).sum(axis=1))


def headline_batch(outcome: Outcome, labels: Sequence[str] | None, rows: np.ndarray) -> np.ndarray:
    """The protocol's headline metric per index row: macro-F1, or Spearman when ``labels`` is None."""
    if labels is None:
        return spearman_batch(outcome.score, outcome.y_true, rows)
    if tuple(labels) == CODEBOOK_LABELS:
        return single_tone_batch(outcome, rows)["macro_f1"]
    k = len(labels)
    cm = confusion_batch(_codes(outcome.y_true, labels), _codes(outcome.y_pred, labels), k, rows)
    return classification_batch(cm)["macro_f1"]


def score_outcome(outcome: Outcome, labels: Sequence[str] | None, rows: np.ndarray) -> dict:
    """Every metric of one outcome with its interval; ``labels`` None means the continuous protocol."""
    n = len(outcome.y_true)
    if labels is None:
        return {"n": n, "spearman": interval(spearman_batch(outcome.score, outcome.y_true, rows))}
    labels = list(labels)
    true_codes, pred_codes = _codes(outcome.y_true, labels), _codes(outcome.y_pred, labels)
    cm = confusion_batch(true_codes, pred_codes, len(labels), rows)
    stats = classification_batch(cm)
    report: dict = {
        "n": n,
        "macro_f1": interval(stats["macro_f1"]),
        "accuracy": interval(stats["accuracy"]),
        "per_class": {
            label: {
                **{name: interval(stats[name][:, i]) for name in ("precision", "recall", "f1")},
                "support": int(cm[0].sum(axis=1)[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion_matrix": {"labels": labels, "rows_true_cols_pred": cm[0].tolist()},
    }
    if outcome.proba is not None:
        aucs = [auc_batch(outcome.proba[:, i], true_codes == i, rows) for i in range(len(labels))]
        # Two labels: the AUC of p(flow); three: the unweighted mean of one-vs-rest AUCs.
        report["roc_auc"] = interval(aucs[1] if len(labels) == 2 else np.nanmean(np.vstack(aucs), axis=0))
        confidence = outcome.proba.max(axis=1)
        correct = outcome.proba.argmax(axis=1) == true_codes
        report["ece"] = interval(ece_batch(correct, confidence, rows))
        report["brier"] = interval(brier_per_text(outcome.proba, true_codes)[rows].mean(axis=1))
    elif outcome.score is not None and len(labels) == 2:
        report["roc_auc"] = interval(auc_batch(outcome.score, true_codes == 1, rows))
    return report


def single_tone_batch(outcome: Outcome, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Accuracy and macro-F1 over fear/flow/neutral of the comments whose gold label is not mixed.

    The index rows run over all comments; mixed ones are skipped inside each row, so a resample
    of the whole test keeps the pairing between systems. A predicted ``mixed`` is a wrong answer.
    """
    single = outcome.y_true[rows] != MIXED
    true = _codes(outcome.y_true, CODEBOOK_LABELS)[rows]
    pred = _codes(outcome.y_pred, CODEBOOK_LABELS)[rows]
    k = len(CODEBOOK_LABELS)
    codes = np.where(single, true * k + pred + np.arange(len(rows))[:, None] * k * k, -1).ravel()
    cm = np.bincount(codes[codes >= 0], minlength=len(rows) * k * k).reshape(len(rows), k, k)
    stats = classification_batch(cm)
    return {
        "accuracy": stats["accuracy"],
        "macro_f1": stats["f1"][:, : len(LABELS)].mean(axis=1),
        "f1": stats["f1"][:, : len(LABELS)],
    }


def score_codebook(outcome: Outcome, sources: np.ndarray, n_boot: int, seed: int) -> dict:
    """The frozen domain test: single-tone accuracy and macro-F1 (all, staff, service users apart),
    the share of mixed comments reported as mixed and of single-tone ones reported as mixed.

    Each group is resampled on its own with the same seed, so systems share their resamples.
    """
    report: dict = {"n": len(outcome.y_true), "n_mixed": int((outcome.y_true == MIXED).sum())}
    groups = {"all": np.ones(len(sources), bool), **{s: sources == s for s in sorted(set(sources))}}
    for group, member in groups.items():
        keep = np.flatnonzero(member)
        part = _restrict(outcome, outcome.positions[keep], keep)
        part_rows = resample_rows(len(keep), n_boot, seed)
        stats = single_tone_batch(part, part_rows)
        single = part.y_true != MIXED
        entry = {
            "n_single_tone": int(single.sum()),
            "accuracy": interval(stats["accuracy"]),
            "macro_f1": interval(stats["macro_f1"]),
        }
        if group == "all":
            entry["per_class_f1"] = {label: interval(stats["f1"][:, i]) for i, label in enumerate(LABELS)}
        said_mixed = (part.y_pred == MIXED)[part_rows]
        gold_mixed = (part.y_true == MIXED)[part_rows]
        with np.errstate(invalid="ignore", divide="ignore"):
            entry["mixed_found"] = interval((said_mixed & gold_mixed).sum(1) / gold_mixed.sum(1))
            entry["false_mixed"] = interval((said_mixed & ~gold_mixed).sum(1) / (~gold_mixed).sum(1))
        report[group] = entry
    report["accuracy"], report["macro_f1"] = report["all"]["accuracy"], report["all"]["macro_f1"]
    k = len(CODEBOOK_LABELS)
    every = _codes(outcome.y_true, CODEBOOK_LABELS) * k + _codes(outcome.y_pred, CODEBOOK_LABELS)
    cm = np.bincount(every, minlength=k * k).reshape(k, k)
    report["confusion_matrix"] = {"labels": list(CODEBOOK_LABELS), "rows_true_cols_pred": cm.tolist()}
    return report


def paired_difference(
    first: Outcome, second: Outcome, labels: Sequence[str] | None, n_boot: int, seed: int
) -> dict:
    """Headline metric of ``first`` minus ``second`` on the texts both scored, with a paired interval.

    ``verdict`` is ``better``/``worse`` when the interval excludes 0, else ``tied``.
    """
    common = np.intersect1d(first.positions, second.positions)
    a, b = _restrict(first, common), _restrict(second, common)
    rows = resample_rows(len(common), n_boot, seed)
    diff = interval(headline_batch(a, labels, rows) - headline_batch(b, labels, rows))
    if diff["low"] is None:
        verdict = "undefined"
    else:
        verdict = "better" if diff["low"] > 0 else "worse" if diff["high"] < 0 else "tied"
    return {"n": len(common), "difference": diff, "verdict": verdict}


def _restrict(outcome: Outcome, positions: np.ndarray, keep: np.ndarray | None = None) -> Outcome:
    keep = np.searchsorted(outcome.positions, positions) if keep is None else keep
    pick = lambda array: None if array is None else array[keep]  # noqa: E731
    return Outcome(
        pick(outcome.y_true), pick(outcome.y_pred), pick(outcome.proba), pick(outcome.score), positions
    )


def _codes(values: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    index = {label: i for i, label in enumerate(labels)}
    try:
        return np.fromiter((index[v] for v in values), dtype=np.int64, count=len(values))
    except KeyError as error:
        raise ValueError(
            f"Label {error.args[0]!r} is not among the protocol's labels {list(labels)}"
        ) from None
