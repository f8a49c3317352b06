"""equalcare_nlp: tag feedback language as fear-state, flow-state, neutral or mixed, for group listening.

>>> import equalcare_nlp as eq
>>> model = eq.load_model()
>>> model.predict(["Thank you for all your hard work"])
array(['flow'], dtype=object)
"""

from typing import TYPE_CHECKING

from .lazy import lazy_exports

__version__ = "0.1.0"

#: Each submodule and the public names it defines, imported on first use: ``import equalcare_nlp``
#: loads no library, and a command imports only what it needs (spaCy and scikit-learn to score,
#: pandas for tables, ``datasets`` for the corpora, Dask only for ``score_dask``).
_EXPORTS = {
    "active": ("suggest",),
    "adaptation": ("AdaptedClassifier", "adapt"),
    "batch": ("score_file", "score_frame", "score_texts"),
    "corpora": ("load_codebook_labels", "load_corpus", "load_labelled", "to_labels"),
    "dask_engine": ("score_dask",),
    "errors": ("ModelCompatibilityError", "ModelIntegrityError"),
    "evaluation": ("evaluate",),
    "labelled": ("read_labelled",),
    "labels": ("CODEBOOK_LABELS", "FEAR", "FLOW", "LABELS", "MIXED", "NEUTRAL", "LabelMap", "load_label_map"),
    "model": ("Explanation", "FearFlowClassifier", "Part"),
    "persist": (
        "convert_model",
        "default_model_path",
        "load_model",
        "model_digest",
        "read_manifest",
        "save_model",
    ),
    "preprocess": ("MAX_CHARS", "Preprocessor", "make_nlp"),
    "redaction": ("redact", "redact_frame"),
    "report": ("build_report",),
    "report_html": ("render_html", "write_report"),
    "text_classifier": ("LinearTextClassifier", "LinearView"),
    "training": ("train", "train_and_save"),
    "vectors": ("WordVectors",),
}
__all__ = [name for names in _EXPORTS.values() for name in names]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # what the names are, for type checkers and editors
    from .active import suggest
    from .adaptation import AdaptedClassifier, adapt
    from .batch import score_file, score_frame, score_texts
    from .corpora import load_codebook_labels, load_corpus, load_labelled, to_labels
    from .dask_engine import score_dask
    from .errors import ModelCompatibilityError, ModelIntegrityError
    from .evaluation import evaluate
    from .labelled import read_labelled
    from .labels import CODEBOOK_LABELS, FEAR, FLOW, LABELS, MIXED, NEUTRAL, LabelMap, load_label_map
    from .model import Explanation, FearFlowClassifier, Part
    from .persist import (
        convert_model,
        default_model_path,
        load_model,
        model_digest,
        read_manifest,
        save_model,
    )
    from .preprocess import MAX_CHARS, Preprocessor, make_nlp
    from .redaction import redact, redact_frame
    from .report import build_report
    from .report_html import render_html, write_report
    from .text_classifier import LinearTextClassifier, LinearView
    from .training import train, train_and_save
    from .vectors import WordVectors
