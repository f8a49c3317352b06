"""The benchmark's systems under each protocol: decision rules, tie rules, probability handling."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.systems import Majority, System, Tfidf, Vader, over_labels


class Fixed(System):
    """Returns the same probabilities (fear, flow, neutral) for every text."""

    def __init__(self, row):
        self.row = np.asarray(row, dtype=float)

    def probabilities(self, texts):
        return np.tile(self.row, (len(texts), 1))


def test_three_label_protocol_is_argmax_over_all_labels():
    prediction = Fixed([0.2, 0.3, 0.5]).predict(["a"], "three")
    assert list(prediction.labels) == ["neutral"]
    assert prediction.proba.tolist() == [[0.2, 0.3, 0.5]]


def test_two_label_protocol_renormalises_fear_and_flow():
    prediction = Fixed([0.2, 0.3, 0.5]).predict(["a"], "two")
    assert list(prediction.labels) == ["flow"]
    assert prediction.proba.tolist() == [pytest.approx([0.4, 0.6])]
    assert prediction.score.tolist() == [pytest.approx(0.6)]


def test_two_label_tie_goes_to_fear_and_zero_mass_gives_half():
    assert list(Fixed([0.25, 0.25, 0.5]).predict(["a"], "two").labels) == ["fear"]
    assert Fixed([0.0, 0.0, 1.0]).predict(["a"], "two").proba.tolist() == [[0.5, 0.5]]


def test_continuous_protocol_is_flow_minus_fear():
    prediction = Fixed([0.1, 0.7, 0.2]).predict(["a"], "continuous")
    assert prediction.labels is None and prediction.score.tolist() == [pytest.approx(0.6)]


def test_unknown_protocol_is_an_error():
    with pytest.raises(ValueError, match="Unknown protocol 'five'"):
        Fixed([1, 0, 0]).predict(["a"], "five")
    with pytest.raises(ValueError, match="Unknown protocol 'five'"):
        Vader().predict(["a"], "five")


def test_over_labels_reorders_and_fills_missing_classes():
    assert over_labels(np.array([[0.7, 0.3]]), ["flow", "fear"]).tolist() == [[0.3, 0.7, 0.0]]


def test_vader_thresholds_and_tie_rule():
    texts = ["I love this, it is wonderful", "I hate this, it is awful", "The form has two pages"]
    vader = Vader()
    compound = vader.compound(texts)
    assert compound[0] >= 0.05 and compound[1] <= -0.05 and compound[2] == 0
    assert list(vader.predict(texts, "three").labels) == ["flow", "fear", "neutral"]
    two = vader.predict(texts, "two")
    assert list(two.labels) == ["flow", "fear", "flow"]  # compound exactly 0 counts as flow
    assert two.proba is None and two.score.tolist() == compound.tolist()
    assert vader.predict(texts, "continuous").score.tolist() == compound.tolist()


def test_majority_predicts_the_most_frequent_training_label():
    majority = Majority().fit(["a"] * 6, ["flow", "flow", "flow", "neutral", "neutral", "fear"])
    three = majority.predict(["x", "y"], "three")
    assert list(three.labels) == ["flow", "flow"]
    assert three.proba[0].tolist() == pytest.approx([1 / 6, 1 / 2, 1 / 3])
    assert list(majority.predict(["x"], "two").labels) == ["flow"]


def test_tfidf_baseline_learns_words_without_spacy():
    texts = ["awful stress", "so scared", "tired and angry", "thank you", "lovely team", "so grateful"]
    tfidf = Tfidf()
    tfidf.fit(
        texts * 3, ["fear"] * 3 + ["flow"] * 3 + ["fear"] * 3 + ["flow"] * 3 + ["fear"] * 3 + ["flow"] * 3
    )
    prediction = tfidf.predict(["awful stress", "thank you"], "two")
    assert list(prediction.labels) == ["fear", "flow"]
    assert prediction.proba.shape == (2, 2)
