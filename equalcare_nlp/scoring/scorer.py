"""Scoring one chunk of texts with one model: labels (mixed included), probabilities in
:data:`~equalcare_nlp.core.labels.LABELS` order, and the extras the options ask for."""

from __future__ import annotations

import functools
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..core.labels import FEAR, FLOW, LABELS, MIXED
from ..model.persist import load_model, model_digest
from ..model.spacy_component import model_text
from ..model.text_classifier import LinearTextClassifier
from ..privacy.redaction import name_recognizer, redact
from .options import ScoreOptions


class ChunkScorer:
    """Scores lists of texts with one model; one instance lives in each worker process."""

    def __init__(self, model: LinearTextClassifier, options: ScoreOptions | None = None):
        self.model = model
        self.options = options = options or ScoreOptions()
        self._names = _recognizer(options.names) if options.redact else None
        self._order = [list(map(str, model.classes_)).index(label) if label in model.classes_ else -1
                       for label in LABELS]  # fmt: skip

    def __call__(self, texts: list[str]) -> dict[str, Any]:
        """Label, probabilities (columns in :data:`LABELS` order) and extras of each text."""
        unique = list(dict.fromkeys(texts))  # identical texts score identically: score each once
        position = {text: i for i, text in enumerate(unique)}
        where = np.fromiter((position[text] for text in texts), dtype=np.intp, count=len(texts))
        if self.options.redact:
            unique = redact(unique, self._names)
        model_texts = [model_text(text) for text in unique]
        # with --sentences every text's parts are scored anyway: the parts rule reads them
        parts = self.model.parts(model_texts) if self.options.sentences else None
        proba, mixed = self._proba_mixed(model_texts, parts)
        labels = np.asarray(self.model.classes_, dtype=object)[np.argmax(proba, axis=1)]
        labels[mixed] = MIXED
        out: dict[str, Any] = {
            "label": labels[where],
            "proba": self._ordered(proba)[where],
            "truncated": np.array([len(text) > self.model.max_chars for text in unique], dtype=bool)[where],
        }
        if self.options.explain:
            terms = [_terms_text(self.model.explain(text, top=self.options.explain)) for text in model_texts]
            out["terms"] = np.asarray(terms, dtype=object)[where]
        if parts is not None:
            out["sentences"] = _sentence_shares(parts)[where]
        if self.options.redact:
            out["redacted"] = np.asarray(unique, dtype=object)[where]
        return out

    def _proba_mixed(self, texts: list[str], parts: list | None) -> tuple[np.ndarray, np.ndarray]:
        if not texts:
            return np.zeros((0, len(self.model.classes_))), np.zeros(0, dtype=bool)
        return self.model.predict_proba_mixed(texts, parts)

    def _ordered(self, proba: np.ndarray) -> np.ndarray:
        padded = np.hstack([proba, np.zeros((len(proba), 1))])  # a label the model lacks scores 0
        return padded[:, self._order]


def _sentence_shares(parts: list[list]) -> np.ndarray:
    """Per text: the number of parts and the shares of them labelled fear and flow."""
    out = np.zeros((len(parts), 3))
    for i, text_parts in enumerate(parts):
        own = np.asarray([part.label for part in text_parts], dtype=object)
        out[i] = (len(text_parts), np.mean(own == FEAR), np.mean(own == FLOW))
    return out


def _recognizer(names: str | None):
    """The name recogniser for redaction; its warning about a missing pipeline is the caller's to give."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return name_recognizer(names)


def _terms_text(explanation) -> str:
    return "; ".join(f"{term} {weight:+.2f}" for term, weight in explanation.terms)


def as_model(model: LinearTextClassifier | str | os.PathLike | None) -> LinearTextClassifier:
    """A fitted model as given, or loaded (and verified) from its folder; None is the shipped model.

    A folder loads once per process and model digest (:func:`_loaded_model`), so scoring call after
    call does not load the model and build its spaCy pipeline each time.
    """
    if isinstance(model, LinearTextClassifier):
        return model
    try:
        digest = model_digest(model)
    except OSError:  # no manifest to read: load_model says what is wrong with the folder
        return load_model(model)
    return _loaded_model(None if model is None else str(Path(model).resolve()), digest)


@functools.lru_cache(maxsize=4)
def _loaded_model(folder: str | None, digest: str) -> LinearTextClassifier:
    """The model of ``folder`` (None: the shipped one) whose manifest has ``digest``, as first loaded.

    Only the scoring functions use it and none hands it to its caller, so no caller can change a
    model another call shares; a changed manifest is a new digest, so the folder is loaded anew.
    """
    return load_model(folder)
