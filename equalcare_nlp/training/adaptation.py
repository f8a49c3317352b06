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
data has no neutral examples. How much sharper the new data would make the base's log-odds is
learnt beside the correction and left out of it (``free_scale``): otherwise 200 tweets, every one
of them fear or flow, made the default surer of fear or flow on every comment, and GoEmotions
(three labels) lost 0.09 macro-F1 as neutral comments went to fear.

``refit`` refits the base model's estimator on its own training data (when the corpus is
available and matches the fingerprint in its manifest) plus the new data, the new examples
up-weighted (:data:`NEW_WEIGHT`). It gained less and takes minutes instead of seconds."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.choices import METHODS
from ..core.labels import MIXED
from ..features.parts import LearnedRegisterGate
from ..model.adapted import VOCABULARIES, AdaptedClassifier
from ..model.classifier import FearFlowClassifier
from ..model.persist import read_manifest
from ..model.text_classifier import LinearTextClassifier
from .corpora import fingerprint, load_codebook_labels, load_labelled
from .default_model import balanced_weights

#: Weight of each new example against one base training example in ``refit`` (measured in
#: benchmarks/adaptation.py: 3, 10 and 30 tried on held-out TweetEval train; 10 and 30 tie).
NEW_WEIGHT = 10.0
__all__ = ["METHODS", "NEW_WEIGHT", "VOCABULARIES", "AdaptedClassifier", "adapt", "base_training_data"]


def base_training_data(
    folder: str | os.PathLike, source: str | os.PathLike | None = None
) -> tuple[list[str], list[str], np.ndarray, np.ndarray] | None:
    """The training examples recorded in a saved model's manifest, if loadable and unchanged.

    Returns ``(texts, labels, sample_weights, labels_mixed)``: the corpus, then any extra labelled
    files the manifest lists (``training["extra"]``, such as the default model's domain corpus) with
    their weights, and which texts come from a source that labels mixed comments. Returns ``None``
    when the manifest names no loadable corpus or the corpus cannot be read (no
    ``$EQUALCARE_DATA_DIR`` copy and no network); raises ``ValueError`` when some data loads but its
    fingerprint differs from the manifest's, since refitting on other data is not adapting.
    """
    training = read_manifest(folder).get("training", {})
    corpus, split = training.get("label_map"), training.get("split")
    if not corpus or not split:
        return None
    try:
        texts, labels = load_labelled(corpus, split, source)
    except (ValueError, FileNotFoundError, OSError, ConnectionError):
        return None
    _check_fingerprint(
        texts, labels, training.get("fingerprint_sha256"), f"The {corpus} {split} data", folder
    )
    balanced = training.get("weighting") == "balanced per label"
    weights = [balanced_weights(labels, 1.0) if balanced else np.ones(len(texts))]
    labels_mixed = [np.zeros(len(texts), dtype=bool)]
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
        labels_mixed.append(np.full(len(more_texts), bool(extra.get("labels_mixed", False))))
    return texts, labels, np.concatenate(weights), np.concatenate(labels_mixed)


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
    | tuple[Sequence[str], Sequence[str], np.ndarray, np.ndarray]
    | None = None,
    new_weight: float = NEW_WEIGHT,
    **offset_params: Any,
) -> LinearTextClassifier:
    """Adapt the fitted ``base`` model to new labelled ``texts``; ``base`` itself is unchanged.

    ``method="offset"`` builds an :class:`AdaptedClassifier` with ``offset_params``;
    ``"refit"`` needs ``base_data``: the base's training texts and labels, optionally with their
    sample weights and which of them label mixed comments (see :func:`base_training_data`). ``labels``
    may hold ``mixed``: the offset correction leaves such comments out (it keeps the base's mixed
    rule); a refit learns from them, and the new comments count as labelling mixed when any does.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if method == "refit":
        if base_data is None:
            raise ValueError("method='refit' needs base_data: the base model's training texts and labels")
        base_texts, base_labels, *more = base_data
        base_weights = more[0] if more else np.ones(len(base_texts))
        weights = np.concatenate([np.asarray(base_weights, float), np.full(len(texts), float(new_weight))])
        base_mixed = more[1] if len(more) > 1 else np.asarray(base_labels, dtype=object) == MIXED
        labels_mixed = np.concatenate([base_mixed, np.full(len(texts), MIXED in set(labels))]).astype(bool)
        register = None
        if isinstance(getattr(base, "gate_", None), LearnedRegisterGate):
            # the base's texts as its gate reads them, the new comments as feedback
            read = base.gate_.opens(base.tokens(base_texts))
            register = np.concatenate([read, np.ones(len(texts), dtype=bool)])
        model = FearFlowClassifier(**base.get_params())
        return model.fit([*base_texts, *texts], [*base_labels, *labels], weights, register, labels_mixed)
    return AdaptedClassifier(base, **offset_params).fit(texts, labels)
