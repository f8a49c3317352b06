"""Features over model tokens: word n-grams and valence-lexicon scores with negation handled.

The n-grams learn the training corpus' own vocabulary; the lexicon features carry what a
Reddit-trained bag of words cannot: words the corpus never saw still score through VADER's
general valence lexicon (MIT, shipped in ``vaderSentiment``) and our own workplace and care
lexicon (``data/lexicons/workplace.tsv``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from ..core.resources import resource_path
from ..nlp.preprocess import NEG_PREFIX, PLACEHOLDERS, Preprocessor
from ..nlp.sentences import CONTRAST_OPENERS
from .vectors import WordVectors

#: VADER's factor for a negated lexicon word.
NEGATION_SCALAR = -0.74
#: VADER's normalisation constant for the compound score.
COMPOUND_ALPHA = 15.0
#: Words after which the rest of a comment usually carries the writer's point (codebook rule 9).
CONTRAST_WORDS = frozenset(word for word in CONTRAST_OPENERS if " " not in word)
#: Which tokens a :class:`LexiconFeatures` reads: all of them, or those after the last contrast word.
SPANS = ("all", "after_contrast")


def after_contrast(tokens: Sequence[str]) -> Sequence[str]:
    """The tokens after the last :data:`CONTRAST_WORDS` token (none when there is no contrast)."""
    for i in range(len(tokens) - 1, -1, -1):
        if tokens[i].removeprefix(NEG_PREFIX) in CONTRAST_WORDS:
            return tokens[i + 1 :]
    return ()


def base_words(tokens: Sequence[str]) -> list[str]:
    """The tokens with any negation prefix taken off (the words, whatever their scope)."""
    return [t.removeprefix(NEG_PREFIX) for t in tokens]


def word_ngrams(tokens: Sequence[str], ngram_range: tuple[int, int] = (1, 2)) -> list[str]:
    """Space-joined n-grams of ``tokens`` for every n in ``ngram_range`` (inclusive)."""
    low, high = ngram_range
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), high + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def ngram_vectorizer(ngram_range: tuple[int, int] = (1, 2), min_df: int = 2) -> TfidfVectorizer:
    """Sublinear TF-IDF over word n-grams of already-preprocessed token lists."""
    return TfidfVectorizer(
        analyzer=partial(word_ngrams, ngram_range=tuple(ngram_range)),
        min_df=min_df,
        sublinear_tf=True,
        dtype=np.float32,
    )


def vader_lexicon() -> dict[str, float]:
    """VADER's word -> mean valence table, read from the installed ``vaderSentiment`` package."""
    import vaderSentiment

    path = Path(vaderSentiment.__file__).with_name("vader_lexicon.txt")
    table = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            table[parts[0]] = float(parts[1])
    return table


def read_lexicon_tsv(path: Path) -> dict[str, float]:
    """A ``term<TAB>valence`` file; ``#`` lines are comments."""
    table = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            term, valence = line.rsplit("\t", 1)
            table[term] = float(valence)
    return table


def load_lexicons(names: Iterable[str] = ("vader", "workplace")) -> dict[str, float]:
    """Term -> valence of the named lexicons merged in order: ``vader``, ``workplace`` or a TSV path."""
    table: dict[str, float] = {}
    for name in names:
        if name == "vader":
            table.update(vader_lexicon())
        elif name == "workplace":
            table.update(read_lexicon_tsv(resource_path("data", "lexicons", "workplace.tsv")))
        else:
            table.update(read_lexicon_tsv(Path(name)))
    return table


_WORD = re.compile(r"[a-z]{2,}", re.IGNORECASE)
_LETTER = re.compile(r"[a-z]", re.IGNORECASE)


def usable_term(term: str, key: Sequence[str]) -> bool:
    """Whether a lexicon term, preprocessed to ``key``, stands for itself in a text.

    VADER's emoticons and chat codes would otherwise turn into common words or placeholders and
    score every text that has them: "(8", "143" and "0:)" become the number placeholder, ":d" and
    "d:" the word "have" (spaCy reads the "d" as "'d").
    """
    if not key or PLACEHOLDERS.intersection(key):
        return False
    return bool(_WORD.search(term)) or not any(_LETTER.search(token) for token in key)


class LexiconFeatures(TransformerMixin, BaseEstimator):
    """Valence-lexicon scores of token lists, with negation and multi-word terms.

    Each lexicon term is preprocessed like the text, so it matches lemmas. A term found in a
    negation scope counts ``NEGATION_SCALAR`` times its valence. Output columns (see
    :meth:`get_feature_names_out`), multiplied by ``weight`` so the scale, and hence how much
    the linear model's regularisation holds them back, is a tunable choice:
    VADER-style compound score, positive and negative share, log of positive and negative sums.
    ``span="after_contrast"`` scores only the tokens after the last contrast word ("lovely staff but
    [the wait was far too long]"), so the model can weigh the writer's point apart.
    """

    def __init__(
        self, lexicons: Sequence[str] = ("vader", "workplace"), weight: float = 1.0, span: str = "all"
    ):
        self.lexicons = lexicons
        self.weight = weight
        self.span = span

    def fit(self, X: Iterable[Sequence[str]] = None, y: object = None) -> LexiconFeatures:  # noqa: N803
        if self.span not in SPANS:
            raise ValueError(f"span must be one of {SPANS}, not {self.span!r}")
        table = load_lexicons(self.lexicons)
        preprocess = Preprocessor()
        terms = list(table)
        lexicon: dict[tuple[str, ...], float] = {}
        for term, tokens in zip(terms, preprocess.pipe(terms), strict=True):
            key = tuple(t.removeprefix(NEG_PREFIX) for t in tokens)
            if not usable_term(term, key):
                continue
            if key and (len(key) > 1 or key not in lexicon):
                lexicon[key] = table[term]
        self.lexicon_ = lexicon
        self.max_term_len_ = max(len(k) for k in lexicon)
        return self

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array(["compound", "pos_share", "neg_share", "log_pos", "log_neg"], dtype=object)

    def valences(self, tokens: Sequence[str]) -> list[tuple[int, int, float]]:
        """Matched lexicon spans of one token list as ``(start, end, signed valence)``."""
        lexicon, longest = self.lexicon_, self.max_term_len_
        base = base_words(tokens)
        spans = []
        i = 0
        while i < len(tokens):
            for n in range(min(longest, len(tokens) - i), 0, -1):
                valence = lexicon.get(tuple(base[i : i + n]))
                if valence is not None:
                    if tokens[i].startswith(NEG_PREFIX):
                        valence *= NEGATION_SCALAR
                    spans.append((i, i + n, valence))
                    i += n
                    break
            else:
                i += 1
        return spans

    def transform(self, X: Iterable[Sequence[str]]) -> sp.csr_matrix:  # noqa: N803
        rows, values = [], []
        span = after_contrast if getattr(self, "span", "all") == "after_contrast" else None
        n = 0
        for n, tokens in enumerate(X, start=1):
            for _, _, value in self.valences(span(tokens) if span else tokens):
                rows.append(n - 1)
                values.append(value)
        return self.scores(np.asarray(rows, dtype=np.int64), np.asarray(values, dtype=np.float64), n)

    def scores(self, rows: np.ndarray, values: np.ndarray, n_texts: int) -> sp.csr_matrix:
        """The output columns of ``n_texts`` texts from their matched valences (``values[k]`` is one
        of text ``rows[k]``'s, in text order; summed in that order, as Python's ``sum`` did before 3.12)."""
        positive = values > 0
        pos = np.bincount(rows[positive], values[positive], minlength=n_texts)
        neg = np.bincount(rows[values < 0], -values[values < 0], minlength=n_texts)
        total = pos - neg
        columns = (
            total / np.sqrt(total * total + COMPOUND_ALPHA),
            pos / (pos + neg + 1.0),
            neg / (pos + neg + 1.0),
            _log1p(pos),
            _log1p(neg),
        )
        matrix = np.column_stack(columns).astype(np.float32).reshape(-1, 5) * self.weight
        return sp.csr_matrix(matrix)


def _log1p(values: np.ndarray) -> np.ndarray:
    """``math.log1p`` of each value (the C library's, as the reference always used; numpy's own may
    differ in the last bit)."""
    return np.fromiter(map(math.log1p, values.tolist()), dtype=np.float64, count=len(values))


#: Words of the feedback register (lemmas, one or more per line, ``#`` comments), see :class:`RegisterGate`.
REGISTER_WORDS = ("data", "lexicons", "register.txt")


def register_words(path: str | Path | None = None) -> list[str]:
    """The words of a register list (None: the shipped ``data/lexicons/register.txt``)."""
    path = resource_path(*REGISTER_WORDS) if path is None else Path(path)
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [word for line in lines if not line.startswith("#") for word in line.split()]


class _Gate(BaseEstimator):
    """A per-text gate over token lists: ``weight`` where the subclass' ``opens`` holds, else 0."""

    #: Gates saved before the weight existed open at 1.
    weight = 1.0

    def __call__(self, X: Iterable[Sequence[str]]) -> np.ndarray:  # noqa: N803
        """``weight`` for each token list the gate opens for, else 0.0."""
        return self.opens(X) * float(self.weight)


class RegisterGate(_Gate):
    """Whether a token list is in the feedback register: it names one of ``words`` (work, care,
    services, their people and their figures; None: the shipped list).

    Gated copies of the features (:class:`GatedPart`) let one linear model weigh the same words
    differently in comments about work and services than on Reddit ("the figures", "cover", "rota"
    carry strain there), while other texts keep the shared weights. The words are preprocessed like
    the text, so they match lemmas. ``weight`` scales the gated copy: above 1 its weights cost less
    regularisation than the shared ones, so register texts lean on weights of their own.
    """

    def __init__(self, words: Sequence[str] | None = None, weight: float = 1.0):
        self.words = words
        self.weight = weight

    def fit(self, X: object = None, y: object = None) -> RegisterGate:  # noqa: N803
        words = register_words() if self.words is None else list(self.words)
        self.words_ = frozenset(w for tokens in Preprocessor().pipe(words) for w in base_words(tokens))
        return self

    def opens(self, X: Iterable[Sequence[str]]) -> np.ndarray:  # noqa: N803
        return np.array([any(map(self.token_opens, tokens)) for tokens in X], dtype=bool)

    def token_opens(self, token: str) -> bool:
        """Whether ``token`` puts its text in the register (the gate is open when any token does;
        the compiled path reads the gate token by token through this)."""
        return token.removeprefix(NEG_PREFIX) in self.words_


#: Words the learned register gate never reads: the verb of reporting a feeling, which survey comments
#: ("I feel undervalued") and first-person posts anywhere ("i feel so alone") share. Read, it opened the
#: gate (at 0.5) for 29% of CARER validation tweets; left out, for 14%, and still for 94% of domain dev.
REGISTER_IGNORED = ("feel", "feeling")


class LearnedRegisterGate(_Gate):
    """Whether a token list reads like the feedback register, by a logistic regression over which
    words it names, fitted on texts marked in the register (survey and service feedback) or not
    (Reddit).

    It reads the register from many weak cues ("we", "shift", "appointment", "manager", "rota"; with
    ``ngram_range`` (1, 2) also pairs of adjacent words, "on shift", "the ward") rather than from one
    listed word, so short comments that name no institution ("just a number
    here") are still gated. ``y`` of :meth:`fit` is True for texts in the register; the gate opens
    where the regression's probability of the register is above ``threshold``. Words in ``ignored``
    are never read (:data:`REGISTER_IGNORED`: the gate reads what a text is about, not that it reports
    a feeling, so "i feel ..." posts elsewhere do not open it).
    """

    #: Gates saved before word pairs were read read single words.
    ngram_range = (1, 1)

    def __init__(
        self,
        weight: float = 1.0,
        threshold: float = 0.5,
        C: float = 1.0,  # noqa: N803 - scikit-learn's name
        min_df: int = 3,
        ignored: tuple[str, ...] = REGISTER_IGNORED,
        ngram_range: tuple[int, int] = (1, 1),
    ):
        self.weight = weight
        self.threshold = threshold
        self.C = C
        self.min_df = min_df
        self.ignored = ignored
        self.ngram_range = ngram_range

    def fit(self, X: Iterable[Sequence[str]], y: Sequence[bool]) -> LearnedRegisterGate:  # noqa: N803
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.linear_model import LogisticRegression

        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"threshold must be a probability between 0 and 1, not {self.threshold!r}")
        y = np.asarray(y, dtype=bool)
        if y.all() or not y.any():
            raise ValueError("a learned register gate needs texts both in and out of the register")
        if tuple(self.ngram_range) not in ((1, 1), (1, 2)):
            raise ValueError(f"ngram_range must be (1, 1) or (1, 2), not {self.ngram_range!r}")
        ignored = frozenset(self.ignored)
        # sorted: the same column order in every process, whatever the hash seed, so refits are equal
        words = CountVectorizer(analyzer=sorted, binary=True, min_df=self.min_df, dtype=np.float64)
        counts = words.fit_transform([self.grams(tokens, ignored) for tokens in X])
        model = LogisticRegression(C=self.C, class_weight="balanced", max_iter=3000).fit(counts, y)
        kept = np.flatnonzero(model.coef_[0])
        self.words_ = words.get_feature_names_out()[kept]
        self.coef_ = model.coef_[0][kept]
        self.intercept_ = float(model.intercept_[0])
        self._table = self._compiled = None
        return self

    def opens(self, X: Iterable[Sequence[str]]) -> np.ndarray:  # noqa: N803
        if getattr(self, "_table", None) is None:
            self._table = dict(zip(self.words_.tolist(), self.coef_.tolist(), strict=True))
        table, intercept = self._table, self.intercept_
        logit = self.threshold_logit()
        return np.array(
            [intercept + math.fsum(table.get(g, 0.0) for g in self.grams(tokens)) > logit for tokens in X],
            dtype=bool,
        )

    def grams(self, tokens: Sequence[str], ignored: frozenset[str] = frozenset()) -> set[str]:
        """What the gate reads of a token list: its distinct words (negation prefix taken off) and,
        with ``ngram_range`` (1, 2), its distinct pairs of adjacent words; none with an ``ignored`` word."""
        words = base_words(tokens)
        grams = {w for w in words if w not in ignored}
        if tuple(self.ngram_range) == (1, 2):
            pairs = zip(words, words[1:], strict=False)
            grams.update(f"{a} {b}" for a, b in pairs if a not in ignored and b not in ignored)
        return grams

    def threshold_logit(self) -> float:
        """The log-odds the gate opens above: ``threshold`` as a logit."""
        return math.log(self.threshold / (1.0 - self.threshold))

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_table", None)
        state.pop("_compiled", None)
        return state


class GatedPart(BaseEstimator):
    """A fitted feature ``part`` seen through ``gate``: its columns' names, and for word vectors their
    word weights on the texts the gate opens (zeros elsewhere), so explanations stay exact."""

    def __init__(self, part: object, gate: _Gate):
        self.part = part
        self.gate = gate

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return self.part.get_feature_names_out()

    def token_weights(self, X: Iterable[Sequence[str]]) -> sp.csr_matrix:  # noqa: N803
        """The word-vector part's word weights, gated (for exact explanations)."""
        X = list(X)  # noqa: N806
        return sp.csr_matrix(sp.diags(self.gate(X)) @ self.part.token_weights(X))

    @property
    def vectors_(self) -> np.ndarray:
        return self.part.vectors_

    @property
    def words_(self) -> np.ndarray:
        return self.part.words_


def make_features(
    ngram_range: tuple[int, int] = (1, 2),
    min_df: int = 2,
    lexicon_weight: float = 1.0,
    vector_weight: float = 0.0,
    contrast_weight: float = 0.0,
) -> FeatureUnion:
    """Word n-grams plus lexicon scores (of the whole text and after a contrast word) and word
    vectors (a weight of 0 leaves a part out), over token lists from :class:`Preprocessor`."""
    parts = [("words", ngram_vectorizer(ngram_range, min_df))]
    if lexicon_weight:
        parts.append(("lexicon", LexiconFeatures(weight=lexicon_weight)))
    if contrast_weight:
        parts.append(("contrast", LexiconFeatures(weight=contrast_weight, span="after_contrast")))
    if vector_weight:
        parts.append(("vectors", WordVectors(weight=vector_weight)))
    return FeatureUnion(parts)
