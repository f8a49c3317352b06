"""Lexicon features: what scores, what never scores, and the part after a contrast word."""

from __future__ import annotations

import pytest

from equalcare_nlp import Preprocessor
from equalcare_nlp.features.parts import LexiconFeatures, RegisterGate, after_contrast


@pytest.fixture(scope="module")
def lexicon():
    return LexiconFeatures().fit()


@pytest.fixture(scope="module")
def pre():
    return Preprocessor()


@pytest.mark.parametrize(
    "text",
    ["I have worked here for 6 years", "3 nurses for 28 beds on nights", "We had 143 calls", "Call 0:00"],
)
def test_numbers_and_common_words_carry_no_valence(lexicon, pre, text):
    # VADER's "(8", "143" and ":d" would otherwise score every number and every "have"
    assert lexicon.valences(pre(text)) == []


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("Management only care about the numbers", -1),
        ("nobody asks us before the rota changes", -1),
        ("They treated my mum with dignity", 1),
        ("nothing was too much trouble", 1),
        ("thanks :)", 1),
    ],
)
def test_workplace_terms_and_emoticons_still_score(lexicon, pre, text, sign):
    values = [v for _, _, v in lexicon.valences(pre(text))]
    assert values and all(v * sign > 0 for v in values)


def test_contrast_span_scores_only_what_follows_the_last_contrast_word(pre):
    tokens = pre("lovely staff but the wait was awful")
    assert list(after_contrast(tokens)) == ["the", "wait", "be", "awful"]
    assert list(after_contrast(pre("lovely staff"))) == []
    after = LexiconFeatures(span="after_contrast").fit()
    assert (
        after.transform([tokens]).toarray()[0, 0]
        < 0
        < LexiconFeatures().fit().transform([pre("lovely")])[0, 0]
    )
    with pytest.raises(ValueError, match="span must be one of"):
        LexiconFeatures(span="before").fit()


def test_register_gate_reads_tokens_through_token_opens():
    gate = RegisterGate(words=["nurse", "ward"]).fit()
    assert gate.token_opens("nurse") and gate.token_opens("not_ward") and not gate.token_opens("kind")
    assert gate([["the", "nurse"], ["kind"], []]).tolist() == [1.0, 0.0, 0.0]
