"""The evaluation sets and training splits of the benchmark, loaded through ``equalcare_nlp.corpora``.

Protocols: ``three`` (fear/flow/neutral, argmax), ``two`` (fear vs flow, argmax over those two;
texts whose gold label is neutral are left out) and ``continuous`` (Spearman correlation of a
valence estimate, p_flow - p_fear, with gold valence).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from equalcare_nlp.corpora import load_corpus, to_labels
from equalcare_nlp.labels import FEAR, FLOW, LABELS

#: Labels of each protocol, in probability-column order; None: continuous.
PROTOCOL_LABELS: dict[str, tuple[str, ...] | None] = {
    "three": LABELS,
    "two": (FEAR, FLOW),
    "continuous": None,
}


@dataclass(frozen=True)
class EvalSpec:
    """One evaluation set: a corpus' test split scored with one protocol."""

    name: str
    corpus: str
    protocol: str
    folder: str


#: The evaluation sets, in table order. GoEmotions is scored both ways, so models trained on
#: two-label corpora (no neutral class) can be compared on it too.
EVAL_SPECS: tuple[EvalSpec, ...] = (
    EvalSpec("goemotions", "goemotions", "three", "goemotions"),
    EvalSpec("goemotions_fear_flow", "goemotions", "two", "goemotions"),
    EvalSpec("carer", "carer", "two", "carer_emotion"),
    EvalSpec("tweeteval", "tweeteval", "two", "tweeteval_emotion"),
    EvalSpec("isear", "isear", "two", "isear"),
    EvalSpec("emobank", "emobank", "continuous", "emobank"),
)
#: Corpora with labels to train on (our model, TF-IDF, majority class), in transfer-matrix order.
TRAIN_CORPORA: tuple[str, ...] = ("goemotions", "carer", "tweeteval", "isear")
_FOLDERS = {spec.corpus: spec.folder for spec in EVAL_SPECS}


@dataclass(frozen=True)
class EvalSet:
    """Loaded texts and gold targets (labels, or valence for the continuous protocol)."""

    spec: EvalSpec
    texts: list[str]
    targets: np.ndarray

    @property
    def labels(self) -> tuple[str, ...] | None:
        return PROTOCOL_LABELS[self.spec.protocol]


def load_eval_set(spec: EvalSpec, data_dir: Path, limit: int | None = None, seed: int = 0) -> EvalSet:
    """The test split of ``spec``'s corpus under ``data_dir``, at most ``limit`` texts (seeded sample)."""
    dataset = load_corpus(spec.corpus, "test", data_dir / spec.folder)
    if spec.protocol == "continuous":
        texts, targets = list(dataset["text"]), np.asarray(dataset["valence"], dtype=float)
    else:
        texts, labels = to_labels(dataset, spec.corpus)
        keep = [i for i, label in enumerate(labels) if label in PROTOCOL_LABELS[spec.protocol]]
        texts, targets = [texts[i] for i in keep], np.asarray([labels[i] for i in keep], dtype=object)
    chosen = sample_positions(len(texts), limit, seed)
    return EvalSet(spec, [texts[i] for i in chosen], targets[chosen])


def load_training(corpus: str, data_dir: Path, limit: int | None = None, seed: int = 0) -> tuple[list, list]:
    """Texts and fear/flow/neutral labels of ``corpus``' train split, at most ``limit`` (seeded sample)."""
    texts, labels = to_labels(load_corpus(corpus, "train", data_dir / _FOLDERS[corpus]), corpus)
    chosen = sample_positions(len(texts), limit, seed)
    return [texts[i] for i in chosen], [labels[i] for i in chosen]


def load_texts(corpus: str, split: str, data_dir: Path, limit: int | None = None, seed: int = 0) -> list[str]:
    """The texts of one split of ``corpus`` under ``data_dir``: at most ``limit``, seeded sample, shuffled."""
    texts = load_corpus(corpus, split, data_dir / _FOLDERS[corpus])["text"]
    chosen = sample_positions(len(texts), limit, seed)
    return [texts[i] for i in np.random.default_rng(seed).permutation(chosen)]


def sample_positions(n: int, limit: int | None, seed: int) -> np.ndarray:
    """Sorted positions of a seeded sample of ``limit`` out of ``n`` (all when ``limit`` is None or >= n)."""
    if limit is None or limit >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


def subset(items: Sequence, positions: np.ndarray) -> list:
    """``items`` at ``positions``."""
    return [items[i] for i in positions]
