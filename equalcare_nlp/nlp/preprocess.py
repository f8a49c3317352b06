"""The spaCy preprocessing stage: raw text -> the tokens the model sees.

The pipeline is built only from what PyPI ships: ``spacy.blank("en")``'s rule-based tokenizer,
a lookup lemmatizer backed by ``spacy-lookups-data`` and three small registered components:

``equalcare_lemmatizer``
    lemma of the lower-cased norm, so contractions expand (``n't`` -> ``not``) and sentence
    case does not split the vocabulary; elongations ("soooo") are squeezed before look-up.
``equalcare_normalize``
    placeholders for URLs, e-mail addresses, @handles, numbers and GoEmotions' ``[NAME]`` /
    ``[RELIGION]`` masks; marks clause boundaries and punctuation the model ignores.
``equalcare_negation``
    negation scope: tokens after a negator up to the next clause boundary (or ``window``
    tokens) are negated, so "not coping" differs from "coping".

Each is a spaCy factory whose settings are its ``default_config`` (:data:`NORMALIZE_CONFIG`,
:data:`NEGATION_CONFIG`), declaring what it ``assigns`` and ``requires``; names are in
:mod:`equalcare_nlp.core.components` and extensions start with ``ec_``.

:class:`Preprocessor` runs that pipeline fast on batches. spaCy's tokenizer cache stops
working for the rest of a text after a special-case token such as a contraction (spaCy issue
13950), which costs about 20x on comment-like text. spaCy tokenizes each whitespace-separated
chunk independently, so the preprocessor keeps its own cache keyed on the raw chunk and runs
only unseen chunks through ``nlp.pipe``; negation scope, which crosses chunks, is computed
afterwards by the spaCy component's own :meth:`Negation.scope`. A chunk's tokens are those of the
chunk alone: on a whole text spaCy's special-case matcher can also merge tokens of two neighbouring
chunks (in ``) :)!"`` it reads ``):`` across the space and the emoticon is lost), which the pipeline
run on that text then shows and the preprocessor does not. An unseen chunk whose tokenisation is
known (an ASCII word, alone or inside prefixes and suffixes; no special case) skips spaCy:
its records come from spaCy's own lexical attribute getters and the lemmatizer's lookup, as spaCy
would compute them (``Preprocessor._cache_known_chunks``; tests/test_known_chunks.py compares the
two on every corpus). Before either, a chunk of the training corpora is looked up in the shipped
table of spaCy's records (:mod:`equalcare_nlp.nlp.record_table`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np
import spacy
from sklearn.base import BaseEstimator, TransformerMixin
from spacy.attrs import IDX, IS_DIGIT, IS_PUNCT, IS_SPACE, LIKE_EMAIL, LIKE_NUM, LIKE_URL, LOWER
from spacy.language import Language
from spacy.lookups import Lookups
from spacy.pipeline import Lemmatizer
from spacy.symbols import NORM, ORTH
from spacy.tokens import Doc, Token
from thinc.api import Model

from ..core.components import LEMMATIZER, NEGATION, NORMALIZE

#: Texts longer than this many characters are truncated before preprocessing.
MAX_CHARS = 5_000
#: Prefix of a token inside a negation scope: "not coping" -> ["not", "not_cope"].
NEG_PREFIX = "not_"
#: Extra token emitted after an elongated word ("soooo" -> ["so", ELONGATED]).
ELONGATED = "<elong>"

#: The settings of ``equalcare_normalize`` (its ``default_config``): ``masks`` (GoEmotions' name and
#: religion masks) stay one token each and become placeholders; ``boundary_words`` and ``boundary_punct``
#: end a clause, and so a negation scope; punctuation is dropped unless it starts with a character of
#: ``kept_punct`` or is an emoticon.
NORMALIZE_CONFIG = {
    "masks": {"[NAME]": "<name>", "[RELIGION]": "<religion>"},
    "boundary_words": ["although", "and", "because", "but", "however", "or", "so", "though", "while", "yet"],
    "boundary_punct": [".", ",", ";", ":", "!", "?", "...", "…", "-", "--", "—", "–", "(", ")"],
    "kept_punct": ["!", "?"],
}
#: The settings of ``equalcare_negation`` (its ``default_config``): a scope opens after one of
#: ``negators`` and closes at a clause boundary or after ``window`` tokens. With ``counterfactual`` a
#: pair of norms of ``counterfactual_openers`` opens one too (codebook rule 6: "used to love this job"
#: is a loss, "would have been nice" an unmet need); "could have" is not among them, as the lemmatiser
#: reads "could" as "can", and "can have" is no opener.
NEGATION_CONFIG = {
    "negators": [
        "barely", "cannot", "hardly", "neither", "never", "no", "nobody", "none", "nor", "not", "nothing",
        "nowhere", "without",
    ],
    "counterfactual_openers": [["if", "only"], ["should", "have"], ["use", "to"], ["would", "have"]],
    "window": 6,
    "counterfactual": False,
}  # fmt: skip

#: Every placeholder token (numbers, URLs, e-mails, @handles, masks): a word of its own in no lexicon.
PLACEHOLDERS = frozenset({"<url>", "<email>", "<user>", "<num>", *NORMALIZE_CONFIG["masks"].values()})

_ELONGATION = re.compile(r"(.)\1{2,}")
#: A chunk whose spaCy tokenisation is known: an ASCII word (one token: no prefix, suffix or infix rule
#: matches only letters), alone or followed by one "," "!" "?" (suffixes) or by a "." where the suffix
#: rule splits it (after a lower-case letter or two capitals). Special cases (the chunk or the word a
#: tokenizer rule) are left to spaCy: see ``Preprocessor._cache_known_chunks``.
_KNOWN_CHUNK = re.compile(r"([A-Za-z]+)([,!?]|(?<=[a-z])\.|(?<=[A-Z]{2})\.)?")
#: Characters a word's prefixes and suffixes are made of, for a first look at a chunk (the split itself
#: follows the tokenizer's own patterns): ASCII punctuation, curly quotes, the ellipsis.
_AFFIX_CHARS = string.punctuation + "“”‘’…"
_HANDLE = re.compile(r"^@\w+$")
#: What ``Preprocessor._tokenize_chunks`` puts between chunks: a line break between spaces, one
#: whitespace token, so that no special case (emoticons, abbreviations) can span two chunks.
_CHUNK_SEPARATOR = " \n "
_PLACEHOLDER_CHECKS = (
    ("<url>", lambda t: t.like_url),
    ("<email>", lambda t: t.like_email),
    ("<user>", lambda t: bool(_HANDLE.match(t.text))),
    ("<num>", lambda t: t.like_num or t.is_digit),
)

# Flags of a token record; a record is what the model needs of one spaCy token.
BOUNDARY = 1
DROP = 2
ELONG = 4


class TokenRecord(NamedTuple):
    """One spaCy token as the model sees it: normalised form plus boundary/drop/elongation flags."""

    norm: str
    flags: int


# Per-Doc lists (one extension write per Doc: per-token writes cost ~5 us each), read per
# token through getters: token._.ec_norm, token._.ec_flags, token._.ec_negated.
for _name in ("ec_records", "ec_negated"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)
_TOKEN_GETTERS = {
    "ec_norm": lambda t: t.doc._.ec_records[t.i].norm if t.doc._.ec_records else None,
    "ec_flags": lambda t: t.doc._.ec_records[t.i].flags if t.doc._.ec_records else None,
    "ec_negated": lambda t: bool(t.doc._.ec_negated and t.doc._.ec_negated[t.i]),
}
for _name, _getter in _TOKEN_GETTERS.items():
    if not Token.has_extension(_name):
        Token.set_extension(_name, getter=_getter)


class NormLemmatizer(Lemmatizer):
    """spaCy's lookup lemmatizer applied to the lower-cased norm, aware of elongations."""

    @classmethod
    def get_lookups_config(cls, mode: str) -> tuple[list[str], list[str]]:
        return (["lemma_lookup"], []) if mode == "norm_lookup" else super().get_lookups_config(mode)

    def norm_lookup_lemmatize(self, token: Token) -> list[str]:
        return [self.lemma_of_norm(token.norm_)]

    def lemma_of_norm(self, norm: str) -> str:
        """The lemma of a token whose norm is ``norm`` (an elongation squeezed to a form the table has)."""
        table = self.lookups.get_table("lemma_lookup", {})
        if _ELONGATION.search(norm):
            double = _ELONGATION.sub(r"\1\1", norm)
            single = _ELONGATION.sub(r"\1", norm)
            norm = single if double not in table and single in table else double
        return table.get(norm, norm)


# The tokenizer sets the norms it reads; spaCy's analysis counts only what components assign.
@Language.factory(
    LEMMATIZER,
    default_config={"mode": "norm_lookup", "overwrite": True, "model": None, "scorer": None},
    assigns=["token.lemma"],
    requires=[],
)
def make_norm_lemmatizer(
    nlp: Language, model: Model | None, name: str, mode: str, overwrite: bool, scorer: Callable | None
) -> NormLemmatizer:
    """The ``equalcare_lemmatizer`` stage (its lookups come from ``initialize``, as spaCy's own)."""
    return NormLemmatizer(nlp.vocab, model, name, mode=mode, overwrite=overwrite, scorer=scorer)


class Normalizer:
    """The ``equalcare_normalize`` stage: each token's :class:`TokenRecord` (a placeholder, or its lemma,
    with boundary, drop and elongation flags) as ``doc._.ec_records``, read per token as
    ``token._.ec_norm`` and ``token._.ec_flags``; settings as in :data:`NORMALIZE_CONFIG`."""

    def __init__(
        self,
        masks: Mapping[str, str],
        boundary_words: Iterable[str],
        boundary_punct: Iterable[str],
        kept_punct: Iterable[str],
    ):
        self.masks = dict(masks)
        self.boundary_words = frozenset(boundary_words)
        self.boundary_punct = frozenset(boundary_punct)
        self.kept_punct = frozenset(kept_punct)

    def __call__(self, doc: Doc) -> Doc:
        doc._.ec_records = [self.record(token) for token in doc]
        return doc

    def record(self, token: Token | LexemeToken) -> TokenRecord:
        """The record of one token (a spaCy token, or the :class:`LexemeToken` of a known chunk's word)."""
        text = token.text
        if text in self.masks:
            return TokenRecord(self.masks[text], 0)
        for placeholder, check in _PLACEHOLDER_CHECKS:
            if check(token):
                return TokenRecord(placeholder, 0)
        norm = token.lemma_ or token.norm_
        flags = ELONG if _ELONGATION.search(token.lower_) and not token.is_punct else 0
        if token.is_punct or token.is_space:
            squeezed = _ELONGATION.sub(r"\1\1", token.norm_)
            kept = squeezed[:1] in self.kept_punct
            if squeezed in self.boundary_punct or kept:
                flags |= BOUNDARY
            is_emoticon = len(squeezed) > 1 and len(set(squeezed)) > 1 and squeezed not in self.boundary_punct
            if token.is_space or not (kept or is_emoticon):
                flags |= DROP
            return TokenRecord(squeezed, flags)
        if norm in self.boundary_words:
            flags |= BOUNDARY
        return TokenRecord(norm, flags)


@Language.factory(
    NORMALIZE,
    default_config=NORMALIZE_CONFIG,
    assigns=["doc._.ec_records", "token._.ec_norm", "token._.ec_flags"],
    requires=["token.lemma"],
)
def make_normalizer(
    nlp: Language,
    name: str,
    masks: dict[str, str],
    boundary_words: list[str],
    boundary_punct: list[str],
    kept_punct: list[str],
) -> Normalizer:
    """The ``equalcare_normalize`` stage; its masks become tokenizer special cases (one token each)."""
    for mask in masks:
        nlp.tokenizer.add_special_case(mask, [{ORTH: mask}])
    return Normalizer(masks, boundary_words, boundary_punct, kept_punct)


class Negation:
    """The ``equalcare_negation`` stage: whether each token lies inside a negation scope, as
    ``doc._.ec_negated``, read per token as ``token._.ec_negated``; settings as in :data:`NEGATION_CONFIG`."""

    def __init__(
        self,
        negators: Iterable[str],
        counterfactual_openers: Iterable[Sequence[str]],
        window: int,
        counterfactual: bool = False,
    ):
        openers = [tuple(pair) for pair in counterfactual_openers]
        if window < 0:
            raise ValueError(f"{NEGATION}: window must be 0 or more tokens, got {window}")
        if any(len(pair) != 2 for pair in openers):
            raise ValueError(f"{NEGATION}: counterfactual_openers must be pairs of norms, got {openers}")
        self.negators = frozenset(negators)
        self.counterfactual_openers = frozenset(openers)
        self.window = window
        self.counterfactual = counterfactual

    def __call__(self, doc: Doc) -> Doc:
        doc._.ec_negated = self.scope(doc_records(doc), self.counterfactual)
        return doc

    def scope(self, records: Sequence[TokenRecord], counterfactual: bool) -> list[bool]:
        """For each record, whether it lies inside a negation scope.

        A scope opens after a negator (and, when ``counterfactual``, after a counterfactual opener pair
        such as "used to" or "would have") and closes at a clause boundary (punctuation, "but", "and",
        ...) or after ``window`` tokens. The opener itself is not negated.
        """
        negators, openers, window = self.negators, self.counterfactual_openers, self.window
        out = [False] * len(records)
        remaining = 0
        previous = ""
        for i, (norm, flags) in enumerate(records):
            opens = norm in negators or (counterfactual and (previous, norm) in openers)
            previous = norm
            if flags & BOUNDARY:
                remaining = 0
            elif opens:
                remaining = window
            elif remaining:
                out[i] = True
                remaining -= 1
        return out


@Language.factory(
    NEGATION,
    default_config=NEGATION_CONFIG,
    assigns=["doc._.ec_negated", "token._.ec_negated"],
    requires=["doc._.ec_records"],
)
def make_negation(
    nlp: Language,
    name: str,
    negators: list[str],
    counterfactual_openers: list[list[str]],
    window: int,
    counterfactual: bool,
) -> Negation:
    """The ``equalcare_negation`` stage."""
    return Negation(negators, counterfactual_openers, window, counterfactual)


class LexemeToken:
    """What :meth:`Normalizer.record` reads of a token that is one plain lexeme (no special case set its
    norm): spaCy's lexical attribute getters (``vocab.lex_attr_getters``, what spaCy stores on a new
    lexeme) applied to its text, and the lemmatizer's lemma of its norm."""

    __slots__ = (
        "text", "norm_", "lower_", "lemma_", "like_url", "like_email", "like_num", "is_digit", "is_punct",
        "is_space",
    )  # fmt: skip

    def __init__(self, text: str, getters: dict, lemmatizer: NormLemmatizer):
        self.text = text
        self.norm_ = getters[NORM](text)
        self.lower_ = getters[LOWER](text)
        self.lemma_ = lemmatizer.lemma_of_norm(self.norm_)
        self.like_num = bool(getters[LIKE_NUM](text))
        if text.isascii() and text.isalpha():  # what spaCy's getters give a word of ASCII letters
            self.like_url = self.like_email = self.is_digit = self.is_punct = self.is_space = False
            return
        self.like_url = bool(getters[LIKE_URL](text))
        self.like_email = bool(getters[LIKE_EMAIL](text))
        self.is_digit = bool(getters[IS_DIGIT](text))
        self.is_punct = bool(getters[IS_PUNCT](text))
        self.is_space = bool(getters[IS_SPACE](text))


def doc_records(doc: Doc) -> list[TokenRecord]:
    """The token records of a processed Doc (after ``equalcare_normalize``)."""
    return doc._.ec_records


def model_tokens(records: Sequence[TokenRecord], negated: Sequence[bool]) -> list[str]:
    """The token strings the model sees: dropped punctuation removed, negation prefixed."""
    tokens: list[str] = []
    for (norm, flags), neg in zip(records, negated, strict=True):
        if flags & DROP:
            continue
        tokens.append(NEG_PREFIX + norm if neg else norm)
        if flags & ELONG:
            tokens.append(ELONGATED)
    return tokens


def doc_tokens(doc: Doc) -> list[str]:
    """The model tokens of a Doc processed by :func:`make_nlp`'s pipeline."""
    return model_tokens(doc_records(doc), doc._.ec_negated)


def make_nlp(counterfactual_scope: bool = False) -> Language:
    """Build the preprocessing pipeline: blank English tokenizer, lemmatizer, normalizer, negation (its
    scope extended to counterfactual openers when ``counterfactual_scope``)."""
    nlp = spacy.blank("en")
    _add_shouted_contractions(nlp)
    lemmatizer = nlp.add_pipe(LEMMATIZER)
    nlp.add_pipe(NORMALIZE)
    nlp.add_pipe(NEGATION, config={"counterfactual": counterfactual_scope})
    lemmatizer.initialize(lookups=_lemma_lookups())
    return nlp


def _add_shouted_contractions(nlp: Language) -> None:
    """Split upper-case contractions ("CAN'T") like spaCy's own mixed-case ones ("Can't")."""
    rules = nlp.tokenizer.rules
    for orth, pieces in list(rules.items()):
        upper = orth.upper()
        if upper != orth and upper not in rules and ("'" in orth or "’" in orth):
            nlp.tokenizer.add_special_case(
                upper,
                [{ORTH: piece[ORTH].upper(), NORM: piece.get(NORM, piece[ORTH].lower())} for piece in pieces],
            )


def _lemma_lookups() -> Lookups:
    from spacy_lookups_data import en  # noqa: F401 - make sure the data package is installed

    return spacy.lookups.load_lookups("en", ["lemma_lookup"])


def truncate(text: str, max_chars: int = MAX_CHARS) -> str:
    """Cut ``text`` to ``max_chars`` characters, at the last whitespace before the limit if any."""
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", 0, max_chars + 1)
    return text[: cut if cut > max_chars // 2 else max_chars]


class Preprocessor(TransformerMixin, BaseEstimator):
    """Turn texts into model tokens with the spaCy pipeline, fast on batches.

    Works as a scikit-learn transformer (``fit`` is a no-op, ``transform`` returns one token
    list per text) and as a callable on one text. Texts longer than ``max_chars`` are
    truncated (:func:`truncate`). The chunk cache holds at most ``cache_size`` entries.
    ``counterfactual_scope`` extends negation scope to past and counterfactual openers
    (``counterfactual_openers`` of :data:`NEGATION_CONFIG`).
    """

    #: Default for models saved before the parameter existed.
    counterfactual_scope = False

    def __init__(
        self, max_chars: int = MAX_CHARS, cache_size: int = 500_000, counterfactual_scope: bool = False
    ):
        self.max_chars = max_chars
        self.cache_size = cache_size
        self.counterfactual_scope = counterfactual_scope

    @property
    def nlp(self) -> Language:
        """The spaCy pipeline, built on first use (not pickled with the model)."""
        if getattr(self, "_nlp", None) is None:
            self._nlp = make_nlp(self.counterfactual_scope)
            self._cache: dict[str, tuple[TokenRecord, ...]] = {}
            self._words: dict[str, TokenRecord] = {}
            self.shipped  # noqa: B018 - read with the pipeline, so a first batch does not pay for it
        return self._nlp

    @property
    def cache(self) -> dict[str, tuple[TokenRecord, ...]]:
        """Raw whitespace-separated chunk -> its token records."""
        self.nlp  # noqa: B018 - builds the pipeline and the cache on first use
        return self._cache

    @property
    def negation(self) -> Negation:
        """The pipeline's negation stage, whose settings the fast path and the compiled path read too."""
        return self.nlp.get_pipe(NEGATION)

    def __call__(self, text: str) -> list[str]:
        return self.pipe([text])[0]

    def pipe(self, texts: Iterable[str]) -> list[list[str]]:
        """Model tokens for each text, in order."""
        chunked = [text.split() for text in self.prepare(texts)]
        cache = self.cache
        self.records(list(dict.fromkeys(chunk for chunks in chunked for chunk in chunks)))
        scope = self.negation.scope
        out = []
        for chunks in chunked:
            records = [record for chunk in chunks for record in cache[chunk]]
            out.append(model_tokens(records, scope(records, self.counterfactual_scope)))
        return out

    def prepare(self, texts: Iterable[str]) -> list[str]:
        """``texts`` checked (each a str) and truncated to ``max_chars``, as the pipeline reads them."""
        texts = list(texts)
        if set(map(type, texts)) <= {str} and max(map(len, texts), default=0) <= self.max_chars:
            return texts  # the usual batch: nothing to check or cut, one pass in C
        return [truncate(_check_text(t, i), self.max_chars) for i, t in enumerate(texts)]

    def records(self, chunks: Sequence[str]) -> list[tuple[TokenRecord, ...]]:
        """The token records of distinct whitespace-free ``chunks``, through the cache (spaCy runs on
        the chunks it does not hold; a full cache is emptied first, so all of ``chunks`` stay in it)."""
        cache = self.cache
        missing = [chunk for chunk in chunks if chunk not in cache]
        if missing and len(cache) + len(missing) > self.cache_size:
            cache.clear()
            self._words.clear()
            missing = list(chunks)
        if missing:
            missing = self._cache_shipped_chunks(missing)
        if missing:
            missing = self._cache_known_chunks(missing)
        if missing:
            self._tokenize_chunks(missing)
        return [cache[chunk] for chunk in chunks]

    @property
    def shipped(self) -> Mapping[str, tuple[TokenRecord, ...]]:
        """The shipped chunk-record table (:mod:`equalcare_nlp.nlp.record_table`; empty where it was built
        with another spaCy or lookup data), read with the pipeline; an empty dict here turns it off."""
        if getattr(self, "_shipped", None) is None:
            from .record_table import shipped_records  # the table module reads this one's settings

            self._shipped = shipped_records()
            self._shipped_rules = len(self.nlp.tokenizer.rules)
        return self._shipped

    def _cache_shipped_chunks(self, chunks: list[str]) -> list[str]:
        """Cache the records of the chunks the shipped table holds, and return the others. The table
        is set aside for good once the tokenizer's special cases change (it was built without them)."""
        if self.shipped and len(self.nlp.tokenizer.rules) != self._shipped_rules:
            self._shipped = {}
        cache, shipped, rest = self._cache, self.shipped, []
        for chunk in chunks:
            found = shipped.get(chunk)
            if found is None:
                rest.append(chunk)
            else:
                cache[chunk] = found
        return rest

    def _cache_known_chunks(self, chunks: list[str]) -> list[str]:
        """Cache the records of the chunks whose spaCy tokenisation is known without running spaCy, and
        return the others (for :meth:`_tokenize_chunks`).

        A known chunk matches :data:`_KNOWN_CHUNK` and neither it nor its word nor its suffix is a
        tokenizer special case (``nlp.tokenizer.rules``, read as it is now). Its tokens are then plain
        lexemes (the word, and the suffix if any), whose records :meth:`_lexeme_record` computes.
        """
        rules = self.nlp.tokenizer.rules
        cache, lexeme_record, match = self._cache, self._lexeme_record, _KNOWN_CHUNK.fullmatch
        rest = []
        for chunk in chunks:
            found = match(chunk)
            if found is None:
                pieces = self._affix_pieces(chunk, rules)
                if pieces is None:
                    rest.append(chunk)
                else:
                    cache[chunk] = tuple(map(lexeme_record, pieces))
                continue
            word, suffix = found.groups()
            if chunk in rules or word in rules or suffix in rules:
                rest.append(chunk)
            elif suffix is None:
                cache[chunk] = (lexeme_record(word),)
            else:
                cache[chunk] = (lexeme_record(word), lexeme_record(suffix))
        return rest

    def _affix_pieces(self, chunk: str, rules: Mapping) -> list[str] | None:
        """The tokens of a chunk that is an ASCII word inside prefixes and suffixes (``"Whose``,
        ``me!!``, ``funnier...``, ``content."``), split as spaCy's tokenizer splits affixes (its
        ``_split_affixes``, with the pipeline's own prefix and suffix patterns); None for any other
        chunk, and wherever a special case could take part (the chunk, a piece or a run of pieces, or
        what is left after a prefix or a suffix is one)."""
        core = chunk.strip(_AFFIX_CHARS)
        if not core or not core.isascii() or not core.isalpha():
            return None  # no ASCII word inside affixes: not worth the tokenizer's patterns
        tokenizer = self.nlp.tokenizer
        prefix_search, suffix_search = tokenizer.prefix_search, tokenizer.suffix_search
        prefixes, suffixes, left, last = [], [], chunk, -1
        while left and len(left) != last:
            if left in rules:
                return None
            last = len(left)
            found = prefix_search(left)
            pre_len = found.end() - found.start() if found else 0
            found = suffix_search(left[pre_len:])
            suf_len = found.end() - found.start() if found else 0
            if (pre_len and left[pre_len:] in rules) or (suf_len and left[:-suf_len] in rules):
                return None
            if pre_len and suf_len and pre_len + suf_len <= len(left):
                prefixes.append(left[:pre_len])
                suffixes.append(left[-suf_len:])
                left = left[pre_len:-suf_len]
            elif pre_len:
                prefixes.append(left[:pre_len])
                left = left[pre_len:]
            elif suf_len:
                suffixes.append(left[-suf_len:])
                left = left[:-suf_len]
        if not (prefixes or suffixes) or not left.isascii() or not left.isalpha():
            return None  # a plain word is _KNOWN_CHUNK's; anything else may hold an infix or a URL
        pieces = [*prefixes, left, *reversed(suffixes)]
        # spaCy merges any run of tokens that spells a special case (")" ":" is the emoticon "):")
        runs = ("".join(pieces[i:j]) for i in range(len(pieces)) for j in range(i + 1, len(pieces) + 1))
        return None if any(run in rules for run in runs) else pieces

    def _lexeme_record(self, text: str) -> TokenRecord:
        """The record spaCy's pipeline gives a token that is the plain lexeme ``text`` (one no special
        case made): :meth:`Normalizer.record` of its :class:`LexemeToken`, kept until the cache is emptied."""
        record = self._words.get(text)
        if record is None and len(found := self.shipped.get(text, ())) == 1:
            record = self._words[text] = found[0]  # the word alone is a chunk of one plain lexeme
        if record is None:
            nlp = self.nlp
            token = LexemeToken(text, nlp.vocab.lex_attr_getters, nlp.get_pipe(LEMMATIZER))
            record = self._words[text] = nlp.get_pipe(NORMALIZE).record(token)
        return record

    def _tokenize_chunks(self, chunks: list[str], per_doc: int = 2000) -> None:
        """Run unseen chunks through spaCy and cache their records.

        Chunks are joined into large Docs to pay spaCy's per-Doc cost once per ``per_doc`` chunks;
        each token goes back to its chunk by character offset. spaCy tokenizes each space-separated
        chunk on its own, but its special-case matcher then reads the Doc's tokens across chunks
        (after ``)`` the chunk ``:)!"`` lost its emoticon to ``):``), so chunks are kept apart by
        :data:`_CHUNK_SEPARATOR`, whose line-break token no special case holds; it is left out.
        """
        groups = [chunks[i : i + per_doc] for i in range(0, len(chunks), per_doc)]
        gap = len(_CHUNK_SEPARATOR)
        with self.nlp.select_pipes(disable=[NEGATION]):
            docs = self.nlp.pipe(_CHUNK_SEPARATOR.join(group) for group in groups)
            for group, doc in zip(groups, docs, strict=True):
                lengths = np.fromiter(map(len, group), np.int64, len(group))
                ends = np.cumsum(lengths + gap)  # where the next chunk starts
                starts = doc.to_array(IDX)
                owner = np.searchsorted(ends, starts, side="right")
                inside = (starts < ends[np.minimum(owner, len(group) - 1)] - gap).tolist()
                records = [[] for _ in group]
                for k, kept, record in zip(owner.tolist(), inside, doc._.ec_records, strict=True):
                    if kept:
                        records[k].append(record)
                for chunk, chunk_records in zip(group, records, strict=True):
                    self._cache[chunk] = tuple(chunk_records)

    def fit(self, X: Iterable[str], y: object = None) -> Preprocessor:  # noqa: N803
        """Nothing to learn; present for the scikit-learn transformer protocol."""
        return self

    def transform(self, X: Iterable[str]) -> list[list[str]]:  # noqa: N803
        """Same as :meth:`pipe`."""
        return self.pipe(X)

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def __getstate__(self) -> dict:
        # The spaCy pipeline and the cache are rebuilt on first use, never pickled.
        state = super().__getstate__()
        state.pop("_nlp", None)
        state.pop("_cache", None)
        state.pop("_words", None)
        state.pop("_shipped", None)
        state.pop("_shipped_rules", None)
        return state


def _check_text(text: object, index: int) -> str:
    if not isinstance(text, str):
        raise TypeError(f"texts[{index}] is {type(text).__name__}, expected str: {text!r:.60}")
    return text
