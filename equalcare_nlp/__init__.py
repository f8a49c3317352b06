"""equalcare_nlp: tag feedback language as fear-state, flow-state, neutral or mixed, for group listening.

>>> import equalcare_nlp as eq
>>> model = eq.load_model()
>>> model.predict(["Thank you for all your hard work"])
array(['flow'], dtype=object)
"""

from .active import suggest
from .adaptation import AdaptedClassifier, adapt
from .batch import score_file, score_frame, score_texts
from .corpora import load_codebook_labels, load_corpus, load_labelled, to_labels
from .dask_engine import score_dask  # Dask itself is imported only when score_dask is called
from .evaluation import evaluate
from .labelled import read_labelled
from .labels import CODEBOOK_LABELS, FEAR, FLOW, LABELS, MIXED, NEUTRAL, LabelMap, load_label_map
from .model import Explanation, FearFlowClassifier, Part
from .persist import (
    ModelCompatibilityError,
    ModelIntegrityError,
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

__version__ = "0.1.0"

__all__ = [
    "CODEBOOK_LABELS",
    "FEAR",
    "FLOW",
    "LABELS",
    "MAX_CHARS",
    "MIXED",
    "NEUTRAL",
    "AdaptedClassifier",
    "Explanation",
    "FearFlowClassifier",
    "LabelMap",
    "LinearTextClassifier",
    "LinearView",
    "ModelCompatibilityError",
    "ModelIntegrityError",
    "Part",
    "Preprocessor",
    "WordVectors",
    "adapt",
    "convert_model",
    "default_model_path",
    "evaluate",
    "load_codebook_labels",
    "load_corpus",
    "load_label_map",
    "load_labelled",
    "load_model",
    "model_digest",
    "make_nlp",
    "read_labelled",
    "read_manifest",
    "save_model",
    "score_dask",
    "score_file",
    "score_frame",
    "score_texts",
    "suggest",
    "to_labels",
    "train",
    "train_and_save",
    "build_report",
    "redact",
    "redact_frame",
    "render_html",
    "write_report",
]
