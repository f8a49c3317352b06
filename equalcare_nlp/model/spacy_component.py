"""The fitted model as a spaCy component: ``nlp.add_pipe("equalcare_fearflow")`` on any English pipeline.

Each Doc gets ``doc.cats``, the model's probability of each of :data:`~equalcare_nlp.core.labels.LABELS`;
``doc._.ec_label``, its label (``mixed`` included); and, with ``parts`` (the default), the comment's parts
(:func:`~equalcare_nlp.nlp.sentences.split_sentences`: sentences, list items, contrast clauses) as
``doc.spans["ec_parts"]``, each labelled with its own most probable label and scored in
``span._.ec_cats``. The model reads ``doc.text`` with its own spaCy stage, so the host pipeline is only
the container (its tokens, tags and entities change no score), and ``nlp.pipe`` scores each batch in
one call: the probabilities and labels are those of :func:`~equalcare_nlp.scoring.local.score_texts`.
spaCy finds the factory through the package's ``spacy_factories`` entry point, or once this module is
imported. spaCy imports every such entry point whenever it loads a language, so this module imports only
what spaCy has already loaded; the model and its libraries load when the component is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from ..core.components import FEARFLOW
from ..core.labels import LABELS, MIXED

if TYPE_CHECKING:
    from .text_classifier import LinearTextClassifier, Part

#: The ``model`` setting that means the shipped default model.
DEFAULT_MODEL = "default"
#: The ``doc.spans`` key of a comment's scored parts.
PARTS_KEY = "ec_parts"

for _cls, _name in ((Doc, "ec_label"), (Span, "ec_cats")):
    if not _cls.has_extension(_name):
        _cls.set_extension(_name, default=None)


class FearFlowComponent:
    """Scores Docs with a fitted model: ``doc.cats`` and ``doc._.ec_label``, and with ``parts`` each
    part's span in ``doc.spans["ec_parts"]`` with its own ``span._.ec_cats``."""

    def __init__(self, model: LinearTextClassifier, parts: bool = True):
        self.model = model
        self.parts = parts
        self._classes = [str(label) for label in model.classes_]

    def __call__(self, doc: Doc) -> Doc:
        self.score([doc])
        return doc

    def pipe(self, docs: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        """Score ``docs`` ``batch_size`` at a time (``nlp.pipe`` passes its own), a batch per model call."""
        for batch in minibatch(docs, size=batch_size):
            self.score(batch)
            yield from batch

    def score(self, docs: Sequence[Doc]) -> None:
        """Set the scores of ``docs``, all in one call of the model."""
        texts = [model_text(doc.text) for doc in docs]
        parts = self.model.parts(texts) if self.parts else None
        proba, mixed = self.model.predict_proba_mixed(texts, parts)
        for i, doc in enumerate(docs):
            row = dict(zip(self._classes, proba[i].tolist(), strict=True))
            doc.cats = label_scores(row)
            doc._.ec_label = MIXED if mixed[i] else self._classes[int(np.argmax(proba[i]))]
            if parts is not None:
                doc.spans[PARTS_KEY] = part_spans(doc, texts[i], parts[i])


def model_text(text: str) -> str:
    """``text`` as the model scores it: NUL bytes read as spaces, as batch scoring reads them."""
    return text.replace("\x00", " ") if "\x00" in text else text


def label_scores(probabilities: Mapping[str, float]) -> dict[str, float]:
    """The probability of each of :data:`LABELS`, in that order (0 for a label the model lacks)."""
    return {label: probabilities.get(label, 0.0) for label in LABELS}


def part_spans(doc: Doc, text: str, parts: Sequence[Part]) -> list[Span]:
    """The spans of ``doc`` that hold ``parts`` of its ``text``, in order, labelled and scored (a part
    that covers no token, the one part of an empty text, has none)."""
    spans, end = [], 0
    for part in parts:
        start = text.find(part.text, end)
        end = start + len(part.text)
        span = doc.char_span(start, end, label=part.label, alignment_mode="expand")
        if span is not None:
            span._.ec_cats = label_scores(part.probabilities)
            spans.append(span)
    return spans


@Language.factory(
    FEARFLOW,
    default_config={"model": DEFAULT_MODEL, "sha256": None, "parts": True},
    assigns=["doc.cats", "doc.spans", "doc._.ec_label", "span._.ec_cats"],
    requires=[],
)
def make_fearflow(nlp: Language, name: str, model: str, sha256: str | None, parts: bool) -> FearFlowComponent:
    """The ``equalcare_fearflow`` stage: ``model`` is ``"default"`` (the shipped model) or a saved model
    folder, loaded and verified by :func:`~equalcare_nlp.model.persist.load_model` (against ``sha256``
    when given); ``parts`` scores each part of a comment too."""
    from .persist import load_model  # the model's libraries, loaded only for a component in use

    if model != DEFAULT_MODEL and not Path(model).is_dir():
        raise ValueError(
            f"{FEARFLOW}: model must be {DEFAULT_MODEL!r} (the shipped model) or the folder of a saved "
            f"model; {model!r} is no folder"
        )
    return FearFlowComponent(load_model(None if model == DEFAULT_MODEL else model, sha256=sha256), parts)
