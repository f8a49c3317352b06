"""Train a model on an organisation's own labelled data, from scratch or adapting a base model.

:func:`train` cross-validates the chosen recipe, fits it on all the data and returns the model
with a report (data sizes, skipped rows, duplicates and conflicts, cross-validated macro-F1 and
its spread, out-of-fold confusion matrix, the base model's score on the same data);
:func:`train_and_save` also writes the model, its manifest and model card.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from ..model.classifier import FearFlowClassifier
from ..model.persist import default_model_path, load_model, model_digest, read_manifest, save_model
from ..model.text_classifier import LinearTextClassifier
from .adaptation import adapt, base_training_data
from .corpora import fingerprint
from .evaluation import confusion_table, evaluate, score_predictions
from .labelled_data import LabelledData

#: Folds of the cross-validation estimate (fewer when a label has fewer examples).
CV_FOLDS = 5


def resolve_base(
    base: str | os.PathLike | None, sha256: str | None = None
) -> tuple[LinearTextClassifier | None, Path | None]:
    """``"default"`` (the shipped model), ``"none"``/None (train from scratch) or a model folder,
    checked against the model digest ``sha256`` when given."""
    if base is None or str(base) == "none":
        if sha256 is not None:
            raise ValueError("a base model digest was given, but no base model (base='none')")
        return None, None
    if str(base) == "default":
        return load_model(None, sha256=sha256), default_model_path()
    return load_model(base, sha256=sha256), Path(base)


def stages(cv: int = CV_FOLDS) -> list[tuple[str, float]]:
    """The stages of :func:`train_and_save` with their shares of its time (each fit's share is the
    share of the data it learns from), for :class:`~equalcare_nlp.core.progress.Stages`."""
    folds = (
        [(f"cross-validation fold {k} of {cv}", (cv - 1) / cv) for k in range(1, cv + 1)] if cv >= 2 else []
    )
    return [*folds, (FINAL_FIT, 1.0), (SAVING, 0.05)]


#: Names of the last stages of :func:`train_and_save` (:func:`stages`).
FINAL_FIT, SAVING = "fitting on all the data", "saving"


def train(
    data: LabelledData,
    base: str | os.PathLike | None = "default",
    *,
    method: str = "offset",
    cv: int = CV_FOLDS,
    seed: int = 0,
    base_sha256: str | None = None,
    stage: Callable[[str], None] | None = None,
    **params: Any,
) -> tuple[LinearTextClassifier, dict[str, Any]]:
    """Fit a model on ``data`` and report how well the recipe generalises (``cv``-fold).

    ``base_sha256`` pins the base model's digest (:func:`~equalcare_nlp.model.persist.model_digest`);
    ``stage`` (e.g. :meth:`equalcare_nlp.core.progress.Stages.stage`) is called with each of :func:`stages`.

    With a ``base`` the model is adapted (:func:`equalcare_nlp.training.adaptation.adapt`; ``method`` as
    there: ``"offset"`` by default, ``"refit"`` on the base's own training corpus); with
    ``base="none"`` a :class:`FearFlowClassifier` is trained from ``data`` alone with ``params``.
    """
    if len(set(data.labels)) < 2:
        raise ValueError(f"Need at least two distinct labels to train, got {dict(Counter(data.labels))}")
    base_model, base_folder = resolve_base(base, base_sha256)
    base_data = None
    if base_model is not None and method == "refit":
        base_data = base_training_data(base_folder)
        if base_data is None:
            raise FileNotFoundError(
                f"method='refit' needs {base_folder}'s training corpus; "
                "set EQUALCARE_DATA_DIR or use method='offset'"
            )
    used = "scratch" if base_model is None else method

    def fit(texts: list[str], labels: list[str]) -> LinearTextClassifier:
        if base_model is None:
            return FearFlowClassifier(**params).fit(texts, labels)
        return adapt(base_model, texts, labels, method=used, base_data=base_data, **params)

    report: dict[str, Any] = {"data": data.summary(), "method": used, "seed": seed}
    stage = stage or (lambda name: None)
    report["cross_validation"] = cross_validate(fit, data.texts, data.labels, cv, seed, stage)
    if base_model is not None:
        report["base"] = {
            "path": str(base_folder),
            "sha256": model_digest(base_folder),
            "created": read_manifest(base_folder).get("created"),
            "score_on_this_data": evaluate(base_model, data.texts, data.labels),
        }
    stage(FINAL_FIT)
    model = fit(data.texts, data.labels)
    return model, report


def cross_validate(
    fit,
    texts: list[str],
    labels: list[str],
    folds: int,
    seed: int,
    stage: Callable[[str], None] | None = None,
) -> dict[str, Any] | None:
    """Out-of-fold macro-F1 per fold, its mean and spread, and the pooled confusion matrix.

    Labels with fewer examples than ``folds`` reduce the folds, with a warning; with a label
    seen only once there is no honest estimate, so ``None`` is returned (with a warning).
    """
    asked = folds
    rarest_label, rarest = min(Counter(labels).items(), key=lambda item: item[1])
    if folds < 2 or rarest < 2:
        if folds >= 2:
            warnings.warn(
                f"Label {rarest_label!r} has only {rarest} example: no cross-validation estimate; "
                "label more examples of it",
                stacklevel=3,
            )
        return None
    if rarest < folds:
        warnings.warn(
            f"Label {rarest_label!r} has only {rarest} examples: {rarest}-fold cross-validation "
            f"instead of {folds}; the estimate is rough, label more examples of it",
            stacklevel=3,
        )
        folds = rarest
    texts_arr, labels_arr = np.asarray(texts, dtype=object), np.asarray(labels, dtype=object)
    proba, classes, per_fold = None, None, []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for k, (train_idx, test_idx) in enumerate(splitter.split(texts_arr, labels_arr), start=1):
        if stage is not None:
            stage(f"cross-validation fold {k} of {asked}")  # the stage names follow the folds asked for
        model = fit(list(texts_arr[train_idx]), list(labels_arr[train_idx]))
        fold_proba = model.predict_proba(list(texts_arr[test_idx]))
        if proba is None:
            classes = [str(c) for c in model.classes_]
            proba = np.zeros((len(texts), len(classes)))
        proba[np.ix_(test_idx, [classes.index(str(c)) for c in model.classes_])] = fold_proba
        per_fold.append(score_predictions(labels_arr[test_idx], fold_proba, model.classes_)["macro_f1"])
    pooled = score_predictions(labels, proba, classes)
    return {
        "folds": folds,
        "macro_f1_per_fold": per_fold,
        "macro_f1_mean": float(np.mean(per_fold)),
        "macro_f1_std": float(np.std(per_fold)),
        "out_of_fold": pooled,
    }


def format_training_report(report: dict[str, Any]) -> str:
    """What :func:`train` did, as plain text."""
    data = report["data"]
    lines = [
        f"{data['source'] or 'data'}: {data['n_rows']} rows -> {data['n_examples']} training examples",
        "  per label: " + ", ".join(f"{k} {v}" for k, v in data["label_counts"].items()),
        f"  skipped: {data['skipped_empty_label']} without a label, "
        f"{data['skipped_empty_text']} without text, "
        f"{data['left_out_by_label_map']} left out by the label map",
        f"  duplicates merged: {data['duplicates_merged']}; conflicting texts: {data['conflicting_texts']}",
    ]
    for conflict in data["conflicts"][:10]:
        kept = conflict["kept"] or "left out (tie)"
        lines.append(
            f"    rows {conflict['rows']}: {conflict['labels']} -> {kept}: {conflict['text'][:60]!r}"
        )
    lines.append(
        f"method: {report['method']}" + (f" (base {report['base']['path']})" if "base" in report else "")
    )
    cv = report["cross_validation"]
    if cv is None:
        lines.append("cross-validation: not possible (a label has a single example)")
    else:
        lines += [
            f"cross-validated macro-F1 ({cv['folds']} folds): "
            f"{cv['macro_f1_mean']:.3f} ± {cv['macro_f1_std']:.3f}",
            "out-of-fold confusion matrix (rows: true, columns: predicted)",
            confusion_table(cv["out_of_fold"]["confusion_matrix"]),
        ]
    if "base" in report:
        lines.append(
            f"base model alone on this data: macro-F1 {report['base']['score_on_this_data']['macro_f1']:.3f}"
        )
    return "\n".join(lines)


def model_card(report: dict[str, Any], training: dict[str, Any]) -> str:
    """The Markdown model card written beside a trained model."""
    data, cv = report["data"], report["cross_validation"]
    base = report.get("base")
    cv_text = (
        "not estimated (a label has a single example)"
        if cv is None
        else f"**{cv['macro_f1_mean']:.3f} ± {cv['macro_f1_std']:.3f}** ({cv['folds']}-fold, "
        f"{cv['out_of_fold']['protocol']})\n\n```\n{confusion_table(cv['out_of_fold']['confusion_matrix'])}\n```"
    )
    base_text = (
        "none: trained from this data alone"
        if base is None
        else f"`{base['path']}` (model SHA-256 `{base['sha256']}`, created {base['created']}), adapted by "
        f"`{report['method']}`; the base alone scores macro-F1 "
        f"{base['score_on_this_data']['macro_f1']:.3f} on this data"
    )
    return f"""# Model card: equalcare_nlp model trained on local data

## Intended use
Group-level listening: the share of fear-state and flow-state language per team, service or
month. **Not** for judging, ranking or monitoring individual people, and not a clinical tool.

## Training data
- Source: `{data["source"] or "in-memory data"}`: {data["n_rows"]} rows, {data["n_examples"]} examples used
  ({data["label_counts"]}).
- Skipped: {data["skipped_empty_label"]} rows without a label, {data["skipped_empty_text"]} without text,
  {data["left_out_by_label_map"]} left out by the label map;
  {data["duplicates_merged"]} duplicate rows merged;
  {data["conflicting_texts"]} texts had conflicting labels (majority kept, ties left out).
- Label map: `{data["label_map"] or "canonical labels only"}`.
- Training data fingerprint (SHA-256): `{training["fingerprint_sha256"]}`.

## Base model
{base_text}.

## Metrics
Cross-validated macro-F1: {cv_text}

## Known limits
- Scores are only as good as the labels: check the conflicts listed in the training report.
- A few hundred examples give a rough estimate (see the spread above); re-evaluate on new data
  with `equalcare evaluate`.
"""


def train_and_save(
    data: LabelledData,
    output: str | os.PathLike,
    base: str | os.PathLike | None = "default",
    **kwargs: Any,
) -> tuple[LinearTextClassifier, dict[str, Any]]:
    """:func:`train`, then save the model with its manifest and model card to ``output``."""
    model, report = train(data, base, **kwargs)
    (kwargs.get("stage") or (lambda name: None))(SAVING)
    training = {
        "corpus": data.source or "in-memory data",
        "n_examples": len(data.texts),
        "label_counts": report["data"]["label_counts"],
        "fingerprint_sha256": fingerprint(data.texts, data.labels),
        "label_map": data.label_map,
        "method": report["method"],
        "base": report.get("base", {}).get("path"),
        "base_sha256": report.get("base", {}).get("sha256"),
        "skipped": {k: v for k, v in report["data"].items() if k.startswith(("skipped", "left_out", "dupl"))},
    }
    metrics = {"cross_validation": report["cross_validation"]}
    if "base" in report:
        metrics["base_on_this_data"] = report["base"]["score_on_this_data"]
    save_model(model, output, training=training, metrics=metrics, card=model_card(report, training))
    return model, report
