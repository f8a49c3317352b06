"""The terms that set a group apart: the model's own n-grams that most push its comments to a label.

Read from the model's exact linear weights, and listed only when enough of the group's comments use
them, so no single comment can be quoted.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse

from .statistics import STATES

if TYPE_CHECKING:  # the terms of a group need a model; the shares and trends need none
    from ..model.text_classifier import LinearTextClassifier, LinearView

#: Terms listed per group and label.
TOP_TERMS = 8
_WORD = re.compile(r"[a-z]")


@dataclass(frozen=True)
class Term:
    """A model term that marks a group's language, and in how many of its comments it appears."""

    term: str
    comments: int


def _shown_term(term: str, kind: str, negated: str, stop_words: Container[str]) -> str | None:
    """The word n-gram a feature column stands for, or ``None`` for a column not worth showing
    (a lexicon score, a word-vector dimension, a placeholder or ``stop_words`` only, with or
    without the ``negated`` prefix)."""
    words = term.removeprefix(negated).replace(" " + negated, " ").split()
    if kind != "ngram" or "<" in term or not _WORD.search(term):
        return None
    return None if all(w in stop_words for w in words) else term


def _term_matrix(view: LinearView) -> tuple[sparse.csr_matrix, list[str]]:
    """A 0/1 matrix summing the feature columns of each shown term (an adapted model's correction
    shares its n-gram with the base's), and the terms in its column order."""
    from spacy.lang.en.stop_words import STOP_WORDS  # the spaCy stage only for a report with terms

    from ..nlp.preprocess import NEG_PREFIX

    terms = [
        _shown_term(str(t), k, NEG_PREFIX, STOP_WORDS) for t, k in zip(view.terms, view.kinds, strict=True)
    ]
    shown = sorted({t for t in terms if t is not None})
    column = {t: j for j, t in enumerate(shown)}
    rows = [i for i, t in enumerate(terms) if t is not None]
    cols = [column[terms[i]] for i in rows]
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(terms), len(shown)))
    return matrix, shown


def distinguishing_terms(
    model: LinearTextClassifier,
    texts: list[str],
    groups: pd.Series,
    labels: pd.Series,
    min_comments: int,
    shown: list[str],
    top: int = TOP_TERMS,
) -> dict[str, dict[str, list[Term]]]:
    """Per shown group, the model terms that most mark its fear-state and flow-state comments.

    A term's weight in a comment is its exact contribution to that label in the model's linear
    explanation (:meth:`LinearTextClassifier.explain`). For the comments labelled ``fear`` (or
    ``flow``), a term scores its summed contribution per comment of the group minus the same in
    all other groups, so terms everyone uses rank below the ones that set a group apart. Only
    n-gram terms found in at least ``min_comments`` of the group's comments of that label are
    listed, so no single comment can be quoted.
    """
    view = model.linear_view()  # exact linear weights, as explain() uses them
    features = view.features(model.tokens(texts)).tocsr()
    centred = view.coef - view.coef.mean(axis=0)
    to_terms, names = _term_matrix(view)
    present = ((features != 0).astype(np.int64) @ to_terms > 0).astype(np.int64).tocsr()
    group_values = groups.to_numpy()
    label_values = labels.astype(str).to_numpy()
    out: dict[str, dict[str, list[Term]]] = {g: {} for g in shown}
    for label in STATES:
        if label not in model.classes_:
            continue
        row = centred[list(model.classes_).index(label)]
        contributions = (features.multiply(row).tocsr() @ to_terms).tocsr()
        of_label = label_values == label
        for group in shown:
            inside = group_values == group
            n_in, n_out = inside.sum(), (~inside).sum()
            rate_in = np.asarray(contributions[inside & of_label].sum(axis=0)).ravel() / n_in
            rate_out = np.asarray(contributions[~inside & of_label].sum(axis=0)).ravel() / max(n_out, 1)
            counts = np.asarray(present[inside & of_label].sum(axis=0)).ravel()
            score = rate_in - rate_out
            eligible = (counts >= min_comments) & (rate_in > 0) & (score > 0)
            best = [i for i in np.argsort(-score) if eligible[i]][:top]
            out[group][label] = [Term(str(names[i]), int(counts[i])) for i in best]
    return out
