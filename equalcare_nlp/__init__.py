"""equalcare_nlp: tag feedback language as fear-state, flow-state, neutral or mixed, for group listening.

>>> import equalcare_nlp as eq
>>> model = eq.load_model()
>>> model.predict(["Thank you for all your hard work"])
array(['flow'], dtype=object)
"""

from typing import TYPE_CHECKING

from .core.lazy import lazy_exports

__version__ = "0.1.0"

#: Each submodule and the public names it defines, imported on first use: ``import equalcare_nlp``
#: loads no library, and a command imports only what it needs (spaCy and scikit-learn to score,
#: pandas for tables, ``datasets`` for the corpora, Dask only for ``score_dask``).
_EXPORTS = {
    "training.active": ("suggest",),
    "training.adaptation": ("AdaptedClassifier", "adapt"),
    "scoring.local": ("score_file", "score_frame", "score_texts"),
    "scoring.options": ("ScoreOptions",),
    "training.corpora": ("load_codebook_labels", "load_corpus", "load_labelled", "to_labels"),
    "scoring.dask_engine": ("score_dask",),
    "core.errors": ("ModelCompatibilityError", "ModelIntegrityError"),
    "training.evaluation": ("evaluate",),
    "training.labelled_data": ("read_labelled",),
    "core.labels": (
        "CODEBOOK_LABELS",
        "FEAR",
        "FLOW",
        "LABELS",
        "MIXED",
        "NEUTRAL",
        "LabelMap",
        "load_label_map",
    ),
    "model.classifier": ("Explanation", "FearFlowClassifier", "Part"),
    "model.persist": (
        "convert_model",
        "default_model_path",
        "load_model",
        "model_digest",
        "read_manifest",
        "save_model",
    ),
    "nlp.preprocess": ("MAX_CHARS", "Preprocessor", "make_nlp"),
    "privacy.redaction": ("redact", "redact_frame"),
    "reports.report": ("build_report",),
    "reports.html": ("render_html", "write_report"),
    "model.text_classifier": ("LinearTextClassifier", "LinearView"),
    "training.train": ("train", "train_and_save"),
    "features.vectors": ("WordVectors",),
}
__all__ = [name for names in _EXPORTS.values() for name in names]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # what the names are, for type checkers and editors
    from .core.errors import ModelCompatibilityError, ModelIntegrityError
    from .core.labels import CODEBOOK_LABELS, FEAR, FLOW, LABELS, MIXED, NEUTRAL, LabelMap, load_label_map
    from .features.vectors import WordVectors
    from .model.classifier import Explanation, FearFlowClassifier, Part
    from .model.persist import (
        convert_model,
        default_model_path,
        load_model,
        model_digest,
        read_manifest,
        save_model,
    )
    from .model.text_classifier import LinearTextClassifier, LinearView
    from .nlp.preprocess import MAX_CHARS, Preprocessor, make_nlp
    from .privacy.redaction import redact, redact_frame
    from .reports.html import render_html, write_report
    from .reports.report import build_report
    from .scoring.dask_engine import score_dask
    from .scoring.local import score_file, score_frame, score_texts
    from .scoring.options import ScoreOptions
    from .training.active import suggest
    from .training.adaptation import AdaptedClassifier, adapt
    from .training.corpora import load_codebook_labels, load_corpus, load_labelled, to_labels
    from .training.evaluation import evaluate
    from .training.labelled_data import read_labelled
    from .training.train import train, train_and_save
