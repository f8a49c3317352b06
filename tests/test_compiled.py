"""The compiled inference path gives the reference path's tokens, features, probabilities and labels.

The reference is each model's token-list path (``tokens`` -> ``scores``, what ``explain`` uses);
predictions go through ``token_batch`` -> ``batch_scores``. Unit tests use small models on texts
that reach every branch (negation and counterfactual scope, elongation, multi-word lexicon terms,
tokens holding a space); the corpus tests run every corpus of ``$EQUALCARE_DATA_DIR``.
"""

from __future__ import annotations

import copy
import math
import random

import numpy as np
import pytest
from tiny_set import LABELS, TEXTS

from equalcare_nlp import AdaptedClassifier, FearFlowClassifier, load_model
from equalcare_nlp.core.labels import MIXED
from equalcare_nlp.features.compiled import IntTable, gate_values
from equalcare_nlp.features.parts import LearnedRegisterGate
from equalcare_nlp.model.text_classifier import Part, softmax
from equalcare_nlp.nlp.preprocess import NEG_PREFIX
from equalcare_nlp.nlp.sentences import split_sentences
from equalcare_nlp.training.corpora import CORPORA, load_corpus, to_labels

#: Texts for every branch of the token stage and the feature parts.
TRICKY = [
    "",
    "   ",
    "!!!",
    "I am not coping, and I don't feel safe at all",
    "No complaints at all. Nobody ever asks how we are",
    "I used to love this job; it would have been nice to be told",
    "if only they listened... we should have known",
    "soooo tired!!! cannot cope :( but thanks :)",
    "We moved from N.Y. to N.C. last year, not New York",  # norms with a space ("New York")
    "the rota is out two days before, impossible targets, tick box culture",
    "nothing was too much trouble, they took the time with dignity",
    "Lovely staff but the wait was far too long; however the nurse was kind",
    "CAN'T BELIEVE IT, @someone emailed me at a@b.com about www.example.com",
    "[NAME] was great 😀 and [RELIGION] chaplain too, 10/10, 3 nurses for 28 beds",
    "not not_bad at all, never not_ever",
    "I love my job but I am burnt out - and the managers only care about the numbers",
]


def reference_proba(model, texts):
    """The reference path's probabilities."""
    return softmax(model.scores(model.tokens(texts)))


def reference_labels(model, texts):
    """The reference path's labels, mixed included: the learned detector over the reference features
    (on texts of two parts or more), or else each text's parts scored and judged as Parts."""
    labels = model.classes_[np.argmax(reference_proba(model, texts), axis=1)].astype(object)
    pieces = [split_sentences(text) for text in texts]
    if getattr(model, "mixed_coef_", None) is not None:
        features = model.linear_view().features(model.tokens(texts))
        detector = 1 / (1 + np.exp(-(features @ model.mixed_coef_ + model.mixed_intercept_)))
        several = np.array([len(text_pieces) > 1 for text_pieces in pieces])
        labels[(detector >= model.mixed_threshold) & several] = MIXED
        return labels
    names = [str(c) for c in model.classes_]
    rows = iter(reference_proba(model, [piece for text in pieces for piece in text]))
    for i, text_pieces in enumerate(pieces):
        parts = [Part(p, "", dict(zip(names, next(rows).tolist(), strict=True))) for p in text_pieces]
        if model.is_mixed(parts):
            labels[i] = MIXED
    return labels


def assert_same(model, texts, *, labels=True):
    """Tokens and features identical, probabilities to 1e-9, labels (mixed too) identical."""
    batch = model.token_batch(texts)
    tokens = model.tokens(texts)
    assert batch.lists() == tokens
    difference = abs(model.batch_features(batch) - model.linear_view().features(tokens))
    assert difference.nnz == 0 or difference.max() == 0.0
    np.testing.assert_allclose(model.predict_proba(texts), reference_proba(model, texts), rtol=0, atol=1e-9)
    if labels:
        assert model.predict(texts).tolist() == reference_labels(model, texts).tolist()


class LengthGate:
    """A gate without ``token_opens``: the compiled path must call it on the token lists."""

    def __call__(self, token_lists):
        return np.array([1.0 if len(tokens) > 6 else 0.0 for tokens in token_lists])


@pytest.fixture(scope="module")
def gated():
    model = FearFlowClassifier(
        min_df=1, calibration_cv=2, register_gate=True, contrast_weight=2.0, counterfactual_scope=True,
        ngram_range=(1, 3), mixed_threshold=0.4,
    )  # fmt: skip
    return model.fit(TEXTS + TRICKY[3:], LABELS + ["fear", "fear", "fear", "fear", "fear"] + ["neutral"] * 8)


def test_small_model_matches_reference(tiny_model):
    assert_same(tiny_model, TEXTS + TRICKY)


def test_gated_contrast_counterfactual_trigram_model_matches_reference(gated):
    assert_same(gated, TEXTS + TRICKY)


def test_weighted_word_gate_and_learned_gate_models_match_reference(gated):
    params = gated.get_params() | {"gate_weight": 2.0}
    texts, labels = TEXTS + TRICKY[3:], LABELS + ["fear", "fear", "fear", "fear", "fear"] + ["neutral"] * 8
    assert_same(FearFlowClassifier(**params).fit(texts, labels), TEXTS + TRICKY)
    register = [i % 3 != 0 for i in range(len(texts))]
    for pairs in ((1, 1), (1, 2)):  # a gate of words, and one of words and word pairs
        learned = FearFlowClassifier(**params | {"register_gate": "learned", "gate_ngram_range": pairs})
        learned.fit(texts, labels, register=register)
        assert len(learned.gate_.words_) > 0
        assert_same(learned, TEXTS + TRICKY)


def test_a_learned_gate_of_word_pairs_reads_pairs_and_is_compiled_exactly():
    """Pairs of adjacent words open the gate where the words alone would not ("on shift" is the
    register, "on" and "shift" are not); a text with a token that holds a space (spaCy's norm of
    "N.Y." is "new york") gives pairs that could spell others, and opens as the reference says."""
    tokens = [["on", "shift", "again"], ["shift", "on", "again"], ["again", "not_on", "shift"]]
    gate = LearnedRegisterGate(min_df=1, ngram_range=(1, 2), C=100.0).fit(
        tokens * 3 + [["on", "the", "shift", "key"], ["shift", "it", "on"]] * 3,
        [True, False, True] * 3 + [False, False] * 3,
    )
    assert {"on shift", "shift on", "shift again"} <= set(gate.words_)
    opens = gate.opens(tokens)
    assert opens[0] and not opens[1] and opens[2]  # "not_on shift" reads as "on shift"
    model = load_model()
    batch = model.token_batch(TEXTS + TRICKY + ["We moved to N.Y. on shift", "on shift"])
    assert any(" " in token for tokens in batch.lists() for token in tokens)
    for intercept in (gate.intercept_, -1.0, 0.0, 1.0):
        gate.intercept_ = intercept
        np.testing.assert_array_equal(gate_values(gate, batch) > 0, gate.opens(batch.lists()))


def test_a_gate_without_token_opens_is_called_on_token_lists(gated):
    model = FearFlowClassifier(**gated.get_params()).fit(TEXTS, LABELS)
    model.gate_ = LengthGate()
    model._view = None
    assert_same(model, TEXTS + TRICKY)


def test_the_learned_gate_opens_as_the_reference_at_its_threshold():
    """Texts whose word weights sum to the gate's threshold, to the last bit, open as the reference's
    exactly rounded sum says, though numpy's sum of the same weights may differ in that bit."""
    model = load_model()
    batch = model.token_batch([t for t in TEXTS + TRICKY if len(set(t.split())) > 3])
    gate = copy.deepcopy(model.gate_)
    logit = math.log(gate.threshold / (1.0 - gate.threshold))
    weights = dict(zip(gate.words_.tolist(), gate.coef_.tolist(), strict=True))
    on_threshold = []
    for i, tokens in enumerate(batch.lists()):
        total = math.fsum(weights.get(w.removeprefix(NEG_PREFIX), 0.0) for w in set(tokens))
        at = logit - total  # the intercept that puts this text on the threshold, and a bit either side
        for intercept in (at, np.nextafter(at, -np.inf), np.nextafter(at, np.inf)):
            gate.intercept_ = float(intercept)
            reference = gate.opens(batch.lists())
            np.testing.assert_array_equal(gate_values(gate, batch) > 0, reference)
            on_threshold.append(reference[i])
    assert len(set(on_threshold)) == 2  # some of these texts open and some stay shut


@pytest.mark.parametrize("vocabulary", ["new", "base", "both"])
def test_adapted_matches_reference(gated, vocabulary):
    adapted = AdaptedClassifier(gated, vocabulary=vocabulary).fit(TRICKY[3:], ["fear", "flow"] * 6 + ["fear"])
    assert_same(adapted, TEXTS + TRICKY)


def test_default_model_matches_reference():
    assert_same(load_model(), TEXTS + TRICKY)


def test_compile_builds_the_tables_before_any_text():
    model = FearFlowClassifier(min_df=1, calibration_cv=2).fit(TEXTS, LABELS)  # its own: its cache is emptied
    model.preprocessor_.cache.clear()
    assert model.compile() is model and model._compiled is not None
    assert not model.preprocessor_.cache


@pytest.mark.parametrize("size", [0, 1, 7, 5000])
def test_int_table_answers_as_a_dict(size):
    rng = np.random.default_rng(size)
    # clustered keys (as parent * width + code are) collide in the low bits; misses include neighbours
    keys = np.unique(rng.integers(0, 50, size) * 1000 + rng.integers(0, 3, size))
    values = rng.integers(0, 10**9, len(keys))
    table, expected = IntTable(keys, values), dict(zip(keys.tolist(), values.tolist(), strict=True))
    queries = np.concatenate([keys, keys + 1, rng.integers(0, 10**6, 500), [0, 2**40]])
    assert table.get(queries).tolist() == [expected.get(q, -1) for q in queries.tolist()]


def test_tokens_with_a_space_fall_back_to_the_analyzer(tiny_model):
    tokens = tiny_model.tokens(["we moved to N.Y. from N.C."])[0]
    assert "New York" in tokens  # a norm with a space: n-grams could collide as strings
    assert_same(tiny_model, ["we moved to N.Y. from N.C.", "New York"])


def test_batches_after_a_full_chunk_cache_stay_right():
    model = FearFlowClassifier(min_df=1, calibration_cv=2).fit(TEXTS, LABELS)  # its own: its cache shrinks
    model.preprocessor_.cache_size = 20
    for start in range(0, len(TRICKY), 3):
        assert_same(model, TRICKY[start : start + 3] + TEXTS[:2], labels=False)


# -- every corpus -----------------------------------------------------------------------------
SAMPLE = 1500


def corpus_texts(data_dir, name, sample):
    texts = []
    for split in CORPORA[name].splits:
        texts += list(
            load_corpus(name, split, None if CORPORA[name].shipped else data_dir / CORPORA[name].folder)[
                "text"
            ]
        )
    return random.Random(0).sample(texts, sample) if sample and len(texts) > sample else texts


@pytest.fixture(scope="module")
def models(real_data_dir):
    """The shipped default, a small fresh model, a gated one and an adapted default."""
    train = (
        load_corpus("goemotions", "train", real_data_dir / "goemotions").shuffle(seed=0).select(range(1000))
    )
    texts, labels = to_labels(train, "goemotions")
    default = load_model()
    domain_texts, domain_labels = to_labels(load_corpus("domain", "validation").select(range(300)), "domain")
    return {
        "default": default,
        "fresh": FearFlowClassifier(calibration_cv=None).fit(texts, labels),
        "gated": FearFlowClassifier(calibration_cv=None, register_gate=True, contrast_weight=1.0).fit(
            texts, labels
        ),
        "adapted": AdaptedClassifier(default, vocabulary="both").fit(domain_texts, domain_labels),
    }


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_every_corpus_sample(real_data_dir, models, name):
    texts = corpus_texts(real_data_dir, name, SAMPLE)
    for model in models.values():
        assert_same(model, texts, labels=False)
    assert_same(models["default"], texts[:300])


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CORPORA))
def test_every_corpus_whole(real_data_dir, models, name):
    """The shipped default on every text of the corpus (the other models, whose parts it shares, on
    samples above)."""
    assert_same(models["default"], corpus_texts(real_data_dir, name, None), labels=False)
