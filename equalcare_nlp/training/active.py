"""Active learning: which unlabelled comments would teach the model most if someone labelled them.

Uncertainty (a small margin between the two most probable of the labels the user will label)
narrows the texts to a pool; diversity (k-means over TF-IDF n-grams of the pool, one text per
cluster, the one nearest its centre) spreads the budget over the kinds of text in the pool;
near-duplicates are skipped, so a labelling budget is not spent on many copies of one question.
Measured against random picks in ``benchmarks/adaptation.py`` (why: ``docs/training.md``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning

from ..core.choices import POOL_SHARE
from ..features.parts import ngram_vectorizer
from ..model.text_classifier import LinearTextClassifier

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


def uncertainty(proba: np.ndarray, classes: Sequence[str], labels: Sequence[str] | None = None) -> np.ndarray:
    """One minus the margin between the two most probable of ``labels`` (default: all ``classes``).

    The probabilities are renormalised over ``labels`` first, so a text the model thinks neutral
    but cannot place between fear and flow counts as uncertain when only fear and flow are labelled.
    """
    classes = [str(c) for c in classes]
    labels = classes if labels is None else list(labels)
    unknown = sorted(set(labels) - set(classes))
    if unknown or len(set(labels)) < 2:
        raise ValueError(f"labels must be at least two of the model's labels {classes}, got {labels}")
    kept = proba[:, [classes.index(label) for label in dict.fromkeys(labels)]]
    kept = kept / np.maximum(kept.sum(axis=1, keepdims=True), 1e-12)
    ranked = np.sort(kept, axis=1)
    return 1.0 - (ranked[:, -1] - ranked[:, -2])


def suggest(
    model: LinearTextClassifier,
    texts: Sequence[str],
    n: int,
    *,
    labels: Sequence[str] | None = None,
    pool_share: float = POOL_SHARE,
    seed: int = 0,
) -> list[Suggestion]:
    """The ``n`` texts whose labels would help ``model`` most, most uncertain first.

    The pool is the most uncertain ``pool_share`` of the texts (by :func:`uncertainty` over
    ``labels``, at least ``n`` texts); it is split into ``n`` k-means clusters of TF-IDF
    n-gram vectors (initialised with ``seed``) and the text nearest each centre is picked,
    skipping near-duplicates (cosine >= :data:`NEAR_DUPLICATE`) of texts already picked; any
    shortfall is filled with the most uncertain remaining texts. Blank texts are never suggested.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if not 0.0 < pool_share <= 1.0:
        raise ValueError(f"pool_share must be above 0 and at most 1, got {pool_share}")
    usable = np.array([i for i, t in enumerate(texts) if t and t.strip()], dtype=int)
    if usable.size == 0:
        return []
    candidates = [texts[i] for i in usable]
    proba = model.predict_proba(candidates)
    unsure = uncertainty(proba, model.classes_, labels)
    size = min(len(candidates), max(n, int(np.ceil(pool_share * len(candidates)))))
    pool = np.argsort(-unsure, kind="stable")[:size]
    vectors = ngram_vectorizer(min_df=1).fit_transform(model.tokens([candidates[i] for i in pool]))
    picked = _diverse(vectors, min(n, size), seed)
    seen = set(picked)
    picked += [j for j in range(size) if j not in seen]  # the pool is most uncertain first
    chosen: list[int] = []
    for j in picked:
        if len(chosen) == n:
            break
        if not chosen or (vectors[chosen] @ vectors[j].T).max() < NEAR_DUPLICATE:
            chosen.append(j)
    classes = [str(c) for c in model.classes_]
    out = []
    for k in sorted((pool[j] for j in chosen), key=lambda k: -unsure[k]):
        out.append(
            Suggestion(
                index=int(usable[k]),
                text=candidates[k],
                guess=classes[int(np.argmax(proba[k]))],
                confidence=float(proba[k].max()),
                uncertainty=float(unsure[k]),
                probabilities=dict(zip(classes, proba[k].tolist(), strict=True)),
            )
        )
    return out


def _diverse(vectors, n: int, seed: int) -> list[int]:
    """Rows nearest the centres of ``n`` k-means clusters of ``vectors``, largest clusters first."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # fewer distinct texts than clusters
        kmeans = KMeans(n_clusters=n, n_init=1, random_state=seed).fit(vectors)
    distance = kmeans.transform(vectors)
    sizes = np.bincount(kmeans.labels_, minlength=n)
    rows = []
    for cluster in np.argsort(-sizes, kind="stable"):
        members = np.flatnonzero(kmeans.labels_ == cluster)
        if members.size:
            rows.append(int(members[np.argmin(distance[members, cluster])]))
    return rows
