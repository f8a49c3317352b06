"""Pieces of the default model's recipe: per-source weights, the mixed threshold and codebook scores."""

from __future__ import annotations

import pytest
from tiny_set import FEAR_TEXTS, FLOW_TEXTS, NEUTRAL_TEXTS

from equalcare_nlp.training.default_model import (
    MAX_FALSE_MIXED,
    balanced_weights,
    choose_mixed_threshold,
    training_data,
)
from equalcare_nlp.training.metrics import codebook_report


def test_each_label_of_a_source_weighs_the_same_and_the_source_its_weight_times_its_size():
    weights = balanced_weights(["fear", "fear", "fear", "flow"], 2.0)
    assert weights.tolist() == pytest.approx([4 / 3, 4 / 3, 4 / 3, 4.0])
    assert weights.sum() == pytest.approx(2.0 * 4)
    texts, labels, all_weights = training_data(
        [(["a", "b"], ["fear", "flow"], 1.0), (["c"], ["neutral"], 3.0)]
    )
    assert texts == ["a", "b", "c"] and labels == ["fear", "flow", "neutral"]
    assert all_weights.tolist() == pytest.approx([1.0, 1.0, 3.0])
    # mixed rows (left out of the three-label fit, read by the mixed detector) change no other weight
    with_mixed = balanced_weights(["fear", "fear", "fear", "flow", "mixed"], 2.0)
    assert with_mixed.tolist() == pytest.approx([*weights, 2.0])


def test_codebook_report_scores_single_tone_and_mixed_apart():
    report = codebook_report(
        ["fear", "flow", "mixed", "neutral", "mixed"],
        ["fear", "mixed", "mixed", "neutral", "flow"],
        ["staff", "staff", "staff", "service_user", "service_user"],
    )
    assert report["all"]["accuracy"] == pytest.approx(2 / 3)
    assert report["all"]["mixed_found"] == pytest.approx(1 / 2)
    assert report["all"]["false_mixed"] == pytest.approx(1 / 3)
    assert report["staff"]["accuracy"] == pytest.approx(1 / 2)
    assert report["service_user"] == {
        "n_single_tone": 1, "n_mixed": 1, "accuracy": 1.0, "macro_f1": pytest.approx(1 / 3),
        "false_mixed": 0.0, "mixed_found": 0.0,
    }  # fmt: skip


def test_the_mixed_threshold_is_right_most_often_within_the_false_mixed_limit(tiny_model):
    dev = [f"{FLOW_TEXTS[0]}. {FEAR_TEXTS[0]}", FLOW_TEXTS[1], NEUTRAL_TEXTS[0]]
    threshold, trials = choose_mixed_threshold(tiny_model, dev, ["mixed", "flow", "neutral"])
    chosen = next(t for t in trials if t["threshold"] == threshold)
    assert chosen["false_mixed"] <= MAX_FALSE_MIXED
    allowed = [t for t in trials if t["false_mixed"] <= MAX_FALSE_MIXED]
    assert chosen["accuracy"] == max(t["accuracy"] for t in allowed)
    assert chosen["accuracy"] == pytest.approx(1.0)  # the mixed comment found, the others not mixed
    assert tiny_model.mixed_threshold is None  # choosing leaves the model as it was
