"""The names of the package's spaCy components, in a module that imports nothing, so every module that
adds, disables or looks up a component (and the ``spacy_factories`` entry points in ``pyproject.toml``)
names it the same way."""

from __future__ import annotations

#: The preprocessing stage (:func:`equalcare_nlp.nlp.preprocess.make_nlp`), in pipeline order.
LEMMATIZER = "equalcare_lemmatizer"
NORMALIZE = "equalcare_normalize"
NEGATION = "equalcare_negation"
#: Personal details replaced by placeholders (:mod:`equalcare_nlp.privacy.redaction`).
REDACT = "equalcare_redact"
