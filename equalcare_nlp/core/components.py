"""The names of the package's spaCy components, in a module that imports nothing, so every module that
adds, disables or looks up a component names it the same way."""

from __future__ import annotations

#: The preprocessing stage (:func:`equalcare_nlp.nlp.preprocess.make_nlp`), in pipeline order.
LEMMATIZER = "equalcare_lemmatizer"
NORMALIZE = "equalcare_normalize"
NEGATION = "equalcare_negation"
#: Personal details replaced by placeholders (:mod:`equalcare_nlp.privacy.redaction`).
REDACT = "equalcare_redact"
#: The fitted model as a component (:mod:`equalcare_nlp.model.spacy_component`), the one spaCy finds by
#: its entry point (``spacy_factories`` in ``pyproject.toml``) without an import.
FEARFLOW = "equalcare_fearflow"
