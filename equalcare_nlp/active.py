"""Active learning: which unlabelled comments would teach the model most if someone labelled them.

Uncertainty (one minus the margin between the model's two most probable labels) balanced with
diversity (maximal marginal relevance over TF-IDF n-grams of the model's tokens), with
near-duplicates removed, so a labelling budget is not spent on many copies of one question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .features import ngram_vectorizer
from .model import FearFlowClassifier

#: Texts at least this similar (cosine over TF-IDF n-grams) count as near-duplicates.
NEAR_DUPLICATE = 0.8


@dataclass(frozen=True)
class Suggestion:
    """One comment to label: its position in the input, the model's guess and how unsure it is."""

    index: int
    text: str
    guess: str
    confidence: float
    uncertainty: float
    probabilities: dict[str, float]


def suggest(
    model: FearFlowClassifier,
    texts: Sequence[str],
    n: int,
    *,
    diversity: float = 0.3,
    pool_factor: int = 10,
) -> list[Suggestion]:
    """The ``n`` texts whose labels would help ``model`` most, most useful first.

    Candidates are the ``n * pool_factor`` most uncertain texts; from them texts are picked
    greedily by ``(1 - diversity) * uncertainty + diversity * (1 - similarity to those already
    picked)``, skipping near-duplicates (cosine >= :data:`NEAR_DUPLICATE`) of picked texts.
    Blank texts are never suggested. Deterministic.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if not 0.0 <= diversity <= 1.0:
        raise ValueError(f"diversity must be between 0 and 1, got {diversity}")
    usable = np.array([i for i, t in enumerate(texts) if t and t.strip()], dtype=int)
    if usable.size == 0:
        return []
    candidates = [texts[i] for i in usable]
    proba = model.predict_proba(candidates)
    ranked = np.sort(proba, axis=1)
    uncertainty = 1.0 - (ranked[:, -1] - ranked[:, -2])
    pool = np.argsort(-uncertainty, kind="stable")[: n * pool_factor]
    tokens = model.tokens([candidates[i] for i in pool])
    vectors = ngram_vectorizer(min_df=1).fit_transform(tokens)
    similarity = np.asarray((vectors @ vectors.T).todense())
    closest = np.zeros(len(pool))
    available = np.ones(len(pool), dtype=bool)
    picked: list[int] = []
    while len(picked) < n and available.any():
        score = (1 - diversity) * uncertainty[pool] + diversity * (1 - closest)
        best = int(np.argmax(np.where(available, score, -np.inf)))
        picked.append(best)
        available &= similarity[best] < NEAR_DUPLICATE
        available[best] = False
        closest = np.maximum(closest, similarity[best])
    classes = [str(c) for c in model.classes_]
    out = []
    for j in picked:
        k = pool[j]
        out.append(
            Suggestion(
                index=int(usable[k]),
                text=candidates[k],
                guess=classes[int(np.argmax(proba[k]))],
                confidence=float(proba[k].max()),
                uncertainty=float(uncertainty[k]),
                probabilities=dict(zip(classes, proba[k].tolist(), strict=True)),
            )
        )
    return out
