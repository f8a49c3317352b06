"""The evaluation sets and training splits of the benchmark, loaded through
``equalcare_nlp.training.corpora``.

Protocols: ``three`` (fear/flow/neutral, argmax), ``two`` (fear vs flow, argmax over those two;
texts whose gold label is neutral are left out), ``continuous`` (Spearman correlation of a
valence estimate, p_flow - p_fear, with gold valence) and ``codebook`` (the frozen domain test:
gold labels are the codebook's four, each system predicts its own labels, ``mixed`` included when
it can; scored by ``scoring.score_codebook``).

NHS patient feedback is scored across trusts: each trust's test part is scored by systems trained on
the train part of the other two trusts (:data:`TRAIN_SPECS`), and by the systems that do not train.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from equalcare_nlp.core.labels import CODEBOOK_LABELS, FEAR, FLOW, LABELS
from equalcare_nlp.training.corpora import CorpusFolders, load_corpus, to_labels, trust_rows

#: Labels of each protocol, in probability-column order; None: continuous.
PROTOCOL_LABELS: dict[str, tuple[str, ...] | None] = {
    "three": LABELS,
    "two": (FEAR, FLOW),
    "continuous": None,
    "codebook": CODEBOOK_LABELS,
}


@dataclass(frozen=True)
class EvalSpec:
    """One evaluation set: a corpus' test split scored with one protocol."""

    name: str
    corpus: str
    protocol: str
    folder: str
    #: NHS phase 1: the one trust scored.
    trust: str | None = None

    @property
    def home(self) -> str:
        """The training set that is in-domain for this set: for an NHS trust, the other two trusts."""
        return f"nhs_without_{self.trust[-1].lower()}" if self.trust else self.corpus


#: The evaluation sets, in table order. GoEmotions is scored both ways, so models trained on
#: two-label corpora (no neutral class) can be compared on it too. The domain corpus ships with
#: the package; every other folder is looked up under the data dir.
EVAL_SPECS: tuple[EvalSpec, ...] = (
    EvalSpec("domain", "domain", "codebook", "domain"),
    EvalSpec("nhs_trust_a", "nhs_phase1", "two", "nhs_phase1", "Trust A"),
    EvalSpec("nhs_trust_b", "nhs_phase1", "two", "nhs_phase1", "Trust B"),
    EvalSpec("nhs_trust_c", "nhs_phase1", "two", "nhs_phase1", "Trust C"),
    EvalSpec("goemotions", "goemotions", "three", "goemotions"),
    EvalSpec("goemotions_fear_flow", "goemotions", "two", "goemotions"),
    EvalSpec("carer", "carer", "two", "carer_emotion"),
    EvalSpec("tweeteval", "tweeteval", "two", "tweeteval_emotion"),
    EvalSpec("isear", "isear", "two", "isear"),
    EvalSpec("emobank", "emobank", "continuous", "emobank"),
)
#: The NHS trusts whose mean cross-trust macro-F1 is the headline (Trust B codes praise as 0,
#: which the label map leaves out, so it has few flow comments).
NHS_HEADLINE_TRUSTS: tuple[str, ...] = ("nhs_trust_a", "nhs_trust_c")


@dataclass(frozen=True)
class TrainSpec:
    """A training set: a corpus' train split, optionally without one NHS trust (cross-trust)."""

    name: str
    corpus: str
    without_trust: str | None = None

    def scores(self, spec: EvalSpec) -> bool:
        """Whether a system trained here is scored on ``spec``: a cross-trust set only on its own trust."""
        return self.without_trust is None or spec.trust == self.without_trust

    def in_domain(self, spec: EvalSpec) -> bool:
        """Whether ``spec`` is drawn from this set's corpus (and, cross-trust, from its held-out trust)."""
        return spec.corpus == self.corpus and self.scores(spec)


#: Training sets (our model, TF-IDF, majority class), in transfer-matrix order.
TRAIN_SPECS: tuple[TrainSpec, ...] = (
    TrainSpec("goemotions", "goemotions"),
    TrainSpec("carer", "carer"),
    TrainSpec("tweeteval", "tweeteval"),
    TrainSpec("isear", "isear"),
    TrainSpec("domain", "domain"),
    *(TrainSpec(spec.home, spec.corpus, spec.trust) for spec in EVAL_SPECS if spec.trust),
)
TRAIN_CORPORA: tuple[str, ...] = tuple(spec.name for spec in TRAIN_SPECS)


@dataclass(frozen=True)
class EvalSet:
    """Loaded texts and gold targets (labels, or valence for the continuous protocol)."""

    spec: EvalSpec
    texts: list[str]
    targets: np.ndarray
    #: The domain corpus: who wrote each comment (``staff`` or ``service_user``).
    sources: np.ndarray | None = None

    @property
    def labels(self) -> tuple[str, ...] | None:
        return PROTOCOL_LABELS[self.spec.protocol]


def load_eval_set(spec: EvalSpec, data_dir: Path, limit: int | None = None, seed: int = 0) -> EvalSet:
    """The test split of ``spec``'s corpus under ``data_dir``, at most ``limit`` texts (seeded sample)."""
    dataset = _load(spec.corpus, "test", data_dir, spec.trust)
    sources = None
    if spec.protocol == "continuous":
        texts, targets = list(dataset["text"]), np.asarray(dataset["valence"], dtype=float)
    elif spec.protocol == "codebook":  # every codebook label, mixed included
        texts = list(dataset["text"])
        targets = np.asarray([emotions[0] for emotions in dataset["emotions"]], dtype=object)
        sources = np.asarray(dataset["source"], dtype=object)
    else:
        texts, labels = to_labels(dataset, spec.corpus)
        keep = [i for i, label in enumerate(labels) if label in PROTOCOL_LABELS[spec.protocol]]
        texts, targets = [texts[i] for i in keep], np.asarray([labels[i] for i in keep], dtype=object)
    chosen = sample_positions(len(texts), limit, seed)
    return EvalSet(spec, subset(texts, chosen), targets[chosen], None if sources is None else sources[chosen])


def load_training(
    spec: TrainSpec | str, data_dir: Path, limit: int | None = None, seed: int = 0
) -> tuple[list, list]:
    """Texts and fear/flow/neutral labels of a training set, at most ``limit`` (seeded sample).

    Mixed comments are left out (``to_labels``), as in the default model's own training.
    """
    spec = spec if isinstance(spec, TrainSpec) else TrainSpec(spec, spec)
    dataset = _load(spec.corpus, "train", data_dir)
    if spec.without_trust:
        dataset = trust_rows(dataset, spec.without_trust, without=True)
    texts, labels = to_labels(dataset, spec.corpus)
    chosen = sample_positions(len(texts), limit, seed)
    return subset(texts, chosen), subset(labels, chosen)


def _load(corpus: str, split: str, data_dir: Path, trust: str | None = None):
    """One split of a corpus: the shipped domain corpus, else its folder under ``data_dir``."""
    source = CorpusFolders(data_dir)(corpus)
    if source is not None and not source.is_dir():
        raise FileNotFoundError(f"{source} is not a folder")
    dataset = load_corpus(corpus, split, source)
    if trust:
        dataset = trust_rows(dataset, trust)
    return dataset


def load_texts(corpus: str, split: str, data_dir: Path, limit: int | None = None, seed: int = 0) -> list[str]:
    """The texts of one split of ``corpus`` under ``data_dir``: at most ``limit``, seeded sample, shuffled."""
    texts = load_corpus(corpus, split, CorpusFolders(data_dir)(corpus))["text"]
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
