"""The preprocessor's spaCy-free path for chunks whose tokenisation is known gives spaCy's records.

``Preprocessor._cache_known_chunks`` computes the records of plain ASCII words (alone, or inside
prefixes and suffixes such as quotes, brackets, ``!!`` and ``...``) without running spaCy. Every
check here compares it with spaCy run on the same chunks (``_tokenize_chunks``, and the pipeline on
each chunk alone), never with a stored table, so a spaCy or lookup-data version that changes a
record fails here. The corpus tests run every distinct chunk of the shipped data and of each corpus
in ``$EQUALCARE_DATA_DIR``.
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest
from spacy.symbols import ORTH
from test_compiled import corpus_texts

from equalcare_nlp import Preprocessor, make_nlp
from equalcare_nlp.nlp.preprocess import doc_tokens
from equalcare_nlp.training.corpora import CORPORA

DATA = Path(__file__).resolve().parents[1] / "data"
#: Chunks the known-chunk path takes: words in sentence case and capitals, number words, elongations,
#: boundary words, words that look like the start of a URL, the suffixes it splits, and words inside
#: prefixes and suffixes (quotes, brackets, repeated and mixed punctuation, ellipses).
KNOWN = [
    "word", "Word", "WORD", "ten", "Ten", "hundred", "first", "soooo", "Soooo!", "sooo,", "tired.",
    "OK.", "NHS.", "Ab.", "but", "But,", "However,", "so", "and!", "x", "why?", "nice!", "WOW!", "okay",
    "lol", "Em", "Cants", "www", "http", "com", "word...", "word!!", "(word)", '"word"', "wait?!",
    "tired.,", '"Whose', 'content."', "kids).", "*he*", "“For", "casket”", "Students:", ">Pay", "guys..",
    "FLY!!!", "(bc", "Yea…",
]  # fmt: skip
#: Chunks left to spaCy: special cases (contractions, abbreviations, "cannot", "gonna", emoticons,
#: the masks, inside affixes too), a "." spaCy does not split, anything whose word holds a character
#: outside ASCII letters, and chunks of punctuation alone.
LEFT_TO_SPACY = [
    "CAN'T", "don't", "Don't.", "dont", "cant.", "em?", "cannot", "Cannot,", "gonna", "Im", "em", "Wed",
    "U.K.", "e.g.", "a.m.", "Dr.", "St.", "Mr.", "vs.", "i.", "I.", "A.", "aB.", "XD", "xD", "co-op",
    "3pm", "10", "2nd", "@user", "www.x.com", "bob@x.org", "http://x.org/a", "[NAME]", "[RELIGION]",
    "A&E", "😡", ":(", "café", "naïve", "ﬁne", "Лондон", "word's", ".", "!", "!!!", "don't!", '"dont',
    "(U.K.)", '"café"', "re-up", "b/t", "(10)", '"[NAME]"', "...",
]  # fmt: skip


def spacy_records(chunks: list[str]) -> dict[str, tuple]:
    """Each chunk's records from spaCy, as the preprocessor runs it (chunks joined into large Docs)."""
    pre = Preprocessor()
    pre.nlp  # noqa: B018 - builds the pipeline and the cache
    pre._tokenize_chunks(list(chunks))
    return {chunk: pre.cache[chunk] for chunk in chunks}


def known_records(chunks: list[str]) -> tuple[dict[str, tuple], list[str]]:
    """The records the known-chunk path gives, and the chunks it leaves to spaCy."""
    pre = Preprocessor()
    pre._shipped = {}  # the lexeme path itself, not the shipped table's records
    rest = pre._cache_known_chunks(list(chunks))
    return {chunk: records for chunk, records in pre.cache.items()}, rest


def assert_known_equal_spacy(chunks: list[str]) -> dict[str, tuple]:
    chunks = list(dict.fromkeys(chunks))
    known, rest = known_records(chunks)
    assert set(known) | set(rest) == set(chunks) and not set(known) & set(rest)
    reference = spacy_records(list(known))
    different = {c: (known[c], reference[c]) for c in known if known[c] != reference[c]}
    assert not different, f"{len(different)} of {len(known)} known chunks differ from spaCy: {different}"
    return known


def test_hand_picked_chunks_give_spacy_records_of_each_chunk_alone():
    nlp = make_nlp()
    known, _ = known_records(KNOWN + LEFT_TO_SPACY)
    assert set(known) == set(KNOWN)
    for chunk, records in known.items():
        assert records == tuple(nlp(chunk)._.ec_records), chunk


def test_hand_picked_chunks_give_spacy_records_in_large_docs():
    assert_known_equal_spacy(KNOWN + LEFT_TO_SPACY)


def test_a_chunk_keeps_its_tokens_whatever_chunk_spacy_reads_before_it():
    # joined with plain spaces, ")" then ':)!"' made spaCy's special-case matcher see "):" across the
    # two chunks, and ':)!"' lost its emoticon (a Dask worker's history scored it differently)
    chunks = [")", ':)!"', "x:", ")y", "anymore...:(", ":", ")"]
    together = spacy_records(chunks)
    nlp = make_nlp()
    assert together == {chunk: tuple(nlp(chunk)._.ec_records) for chunk in chunks}


def test_special_cases_and_other_shapes_are_left_to_spacy():
    known, rest = known_records(LEFT_TO_SPACY)
    assert not known
    assert rest == LEFT_TO_SPACY


def test_a_special_case_added_later_is_left_to_spacy():
    pre = Preprocessor()
    assert pre("wow") == ["wow"]
    pre.nlp.tokenizer.add_special_case("yay", [{ORTH: "y"}, {ORTH: "ay"}])
    assert pre._cache_known_chunks(["yay", "yay!"]) == ["yay", "yay!"]
    assert pre("yay!") == doc_tokens(pre.nlp("yay!")) and len(pre("yay!")) == 3


def test_preprocessor_tokens_unchanged():
    texts = ["Soooo tired!!! but OK. Ten nurses, hundred beds", "I CAN'T cope, [NAME] said. Dr. Who?"]
    nlp, pre = make_nlp(), Preprocessor()
    assert pre.pipe(texts) == [doc_tokens(nlp(text)) for text in texts]


def test_the_word_memo_is_emptied_with_the_cache():
    pre = Preprocessor(cache_size=3)
    pre._shipped = {}
    assert pre.pipe(["a b c"]) == [["a", "b", "c"]]
    assert set(pre._words) == {"a", "b", "c"}
    assert pre.pipe(["x y"]) == [["x", "y"]]
    assert set(pre._words) == {"x", "y"} and set(pre.cache) == {"x", "y"}


# -- every corpus ----------------------------------------------------------------------------
SAMPLE = 2000


def shipped_texts() -> list[str]:
    """The shipped data: the domain corpus' CSVs, the sample feedback and the regression checks."""
    texts = []
    for path in sorted((DATA / "domain").glob("*.csv")):
        texts += pd.read_csv(path)["text"].dropna().tolist()
    texts += pd.read_csv(DATA / "sample_feedback.csv")["comment"].dropna().tolist()
    texts += pd.read_csv(DATA / "domain_regression.csv")["text"].dropna().tolist()
    return texts


def chunks_of(texts: list[str]) -> list[str]:
    """The distinct chunks of the texts, whole and as the preprocessor truncates them."""
    prepared = Preprocessor().prepare(texts)
    return list(dict.fromkeys(chunk for text in texts + prepared for chunk in text.split()))


PUBLIC = sorted(name for name, corpus in CORPORA.items() if not corpus.shipped)


def test_shipped_data():
    known = assert_known_equal_spacy(chunks_of(shipped_texts()))
    assert len(known) > 1000


def spacy_only() -> Preprocessor:
    """A preprocessor that runs every chunk through spaCy: no shipped table, no known-chunk path."""
    pre = Preprocessor()
    pre._shipped = {}
    pre._cache_known_chunks = lambda chunks: chunks
    return pre


@pytest.mark.parametrize("name", PUBLIC)
def test_every_corpus_sample(real_data_dir, name):
    texts = corpus_texts(real_data_dir, name, None)
    chunks = chunks_of(texts)
    sample = random.Random(0).sample(chunks, min(SAMPLE, len(chunks)))
    known = assert_known_equal_spacy(sample)
    assert len(known) > len(sample) / 2  # most chunks skip spaCy
    some = random.Random(1).sample(texts, min(300, len(texts)))
    assert Preprocessor().pipe(some) == spacy_only().pipe(some)


@pytest.mark.slow
@pytest.mark.parametrize("name", PUBLIC)
def test_every_corpus_whole(real_data_dir, name):
    assert_known_equal_spacy(chunks_of(corpus_texts(real_data_dir, name, None)))
