"""Benchmark metrics: hand-computed examples, agreement with reference implementations, the bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from benchmarks.scoring import (
    Outcome,
    auc_batch,
    ece_batch,
    paired_difference,
    resample_rows,
    score_codebook,
    score_outcome,
    spearman_batch,
)
from equalcare_nlp.core.labels import CODEBOOK_LABELS, LABELS
from equalcare_nlp.training.metrics import expected_calibration_error

TWO = ("fear", "flow")


def outcome(y_true, y_pred=None, proba=None, score=None) -> Outcome:
    arr = lambda v: None if v is None else np.asarray(v, dtype=object if isinstance(v[0], str) else float)  # noqa: E731
    return Outcome(arr(y_true), arr(y_pred), arr(proba), arr(score), np.arange(len(y_true)))


IDENTITY = lambda n: resample_rows(n, 0, seed=0)  # noqa: E731


def test_three_label_protocol_by_hand():
    # fear: tp 1, predicted 2, true 2 -> P .5 R .5 F1 .5; flow: tp 2, predicted 3, true 2 -> P 2/3 R 1 F1 .8;
    # neutral: never predicted -> 0. Macro-F1 = (.5 + .8 + 0) / 3; accuracy 3/5.
    result = score_outcome(
        outcome(["fear", "fear", "flow", "flow", "neutral"], ["fear", "flow", "flow", "flow", "fear"]),
        LABELS,
        IDENTITY(5),
    )
    assert result["macro_f1"]["value"] == pytest.approx(1.3 / 3)
    assert result["accuracy"]["value"] == pytest.approx(0.6)
    assert result["per_class"]["flow"]["precision"]["value"] == pytest.approx(2 / 3)
    assert result["per_class"]["flow"]["f1"]["value"] == pytest.approx(0.8)
    assert result["per_class"]["neutral"]["recall"]["value"] == 0.0
    assert result["per_class"]["fear"]["support"] == 2
    assert result["confusion_matrix"]["rows_true_cols_pred"] == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    assert "roc_auc" not in result and "ece" not in result  # no probabilities, no score


def test_two_label_protocol_with_probabilities_by_hand():
    # p(flow) .9, .6, .4, .2 for flow, fear, flow, fear -> predictions flow, flow, fear, fear.
    proba = [[0.1, 0.9], [0.4, 0.6], [0.6, 0.4], [0.8, 0.2]]
    result = score_outcome(
        outcome(["flow", "fear", "flow", "fear"], ["flow", "flow", "fear", "fear"], proba), TWO, IDENTITY(4)
    )
    assert result["accuracy"]["value"] == 0.5
    assert result["macro_f1"]["value"] == 0.5
    # AUC: pairs (flow, fear) ranked right: (.9,.6) (.9,.2) (.4,.2) but not (.4,.6) -> 3/4.
    assert result["roc_auc"]["value"] == pytest.approx(0.75)
    # Brier per text: 2 * (1 - p_true)^2 -> .02, .72, .72, .08; mean .385.
    assert result["brier"]["value"] == pytest.approx(0.385)
    # Confidences .9, .6, .6, .8 fall in bins 13, 9, 9, 12 with correctness 1, 0, 0, 1:
    # ECE = (|1 - .9| + |0 - 1.2| + |1 - .8|) / 4 = .375.
    assert result["ece"]["value"] == pytest.approx(0.375)


def test_two_label_auc_from_a_score_when_there_are_no_probabilities():
    result = score_outcome(
        outcome(["flow", "fear", "fear"], ["flow", "fear", "flow"], score=[0.5, -0.3, 0.5]), TWO, IDENTITY(3)
    )
    assert result["roc_auc"]["value"] == pytest.approx(0.75)  # one pair tied: counts half
    assert "ece" not in result


def test_continuous_protocol_is_spearman_by_hand():
    # Ranks 1 2 3 4 against 1 3 2 4: sum d^2 = 2, rho = 1 - 6 * 2 / (4 * 15) = 0.8.
    result = score_outcome(outcome([1.0, 2.0, 3.0, 4.0], score=[0.1, 0.5, 0.3, 0.9]), None, IDENTITY(4))
    assert result == {"n": 4, "spearman": {"value": pytest.approx(0.8), "low": None, "high": None}}


def test_spearman_of_a_constant_score_is_undefined():
    assert np.isnan(spearman_batch(np.ones(5), np.arange(5.0), IDENTITY(5))[0])


def test_metrics_agree_with_reference_implementations():
    rng = np.random.default_rng(1)
    n = 300
    proba = rng.dirichlet(np.ones(3), size=n)
    y = np.asarray(LABELS, dtype=object)[rng.integers(0, 3, n)]
    codes = np.array([LABELS.index(v) for v in y])
    rows = IDENTITY(n)
    assert ece_batch(proba.argmax(1) == codes, proba.max(1), rows)[0] == pytest.approx(
        expected_calibration_error(y, proba, LABELS)
    )
    result = score_outcome(outcome(list(y), list(np.asarray(LABELS)[proba.argmax(1)]), proba), LABELS, rows)
    assert result["roc_auc"]["value"] == pytest.approx(roc_auc_score(codes, proba, multi_class="ovr"))
    score = np.round(rng.normal(size=n), 1)  # with ties
    assert auc_batch(score, codes == 1, rows)[0] == pytest.approx(roc_auc_score(codes == 1, score))
    assert spearman_batch(score, proba[:, 0], rows)[0] == pytest.approx(spearmanr(score, proba[:, 0])[0])


def noisy(n: int, seed: int = 3) -> Outcome:
    rng = np.random.default_rng(seed)
    y = rng.choice(list(TWO), n)
    flip = rng.random(n) < 0.25
    pred = np.where(flip, np.where(y == "fear", "flow", "fear"), y)
    return outcome(list(y), list(pred))


def test_bootstrap_is_deterministic_with_a_seed():
    data = noisy(200)
    first = score_outcome(data, TWO, resample_rows(200, 200, seed=7))["macro_f1"]
    assert score_outcome(data, TWO, resample_rows(200, 200, seed=7))["macro_f1"] == first
    assert score_outcome(data, TWO, resample_rows(200, 200, seed=8))["macro_f1"] != first


def test_bootstrap_interval_contains_the_point_estimate_and_narrows_with_n():
    widths = []
    for n in (100, 2000):
        f1 = score_outcome(noisy(n), TWO, resample_rows(n, 500, seed=0))["macro_f1"]
        assert f1["low"] < f1["value"] < f1["high"]
        assert 0.65 < f1["value"] < 0.85
        widths.append(f1["high"] - f1["low"])
    assert widths[1] < widths[0] / 2


def test_paired_difference():
    good, bad = noisy(400, seed=3), noisy(400, seed=3)
    assert paired_difference(good, bad, TWO, 200, 0)["verdict"] == "tied"
    assert paired_difference(good, bad, TWO, 200, 0)["difference"]["value"] == 0
    perfect = outcome(list(good.y_true), list(good.y_true))
    compared = paired_difference(perfect, good, TWO, 200, 0)
    assert compared["verdict"] == "better" and compared["difference"]["low"] > 0
    assert paired_difference(good, perfect, TWO, 200, 0)["verdict"] == "worse"


def test_paired_difference_uses_only_texts_both_systems_scored():
    full = noisy(100)
    half = Outcome(full.y_true[::2], full.y_pred[::2], None, None, np.arange(0, 100, 2))
    assert paired_difference(full, half, TWO, 50, 0)["n"] == 50


def test_unknown_label_is_a_clear_error():
    with pytest.raises(ValueError, match="'joy' is not among"):
        score_outcome(outcome(["joy", "fear"], ["fear", "fear"]), TWO, IDENTITY(2))


def test_codebook_scores_single_tone_comments_and_mixed_apart():
    # staff: fear->fear, flow->mixed (wrong), mixed->mixed (found); service users: neutral->neutral,
    # mixed->fear (missed), fear->flow (wrong)
    result = outcome(
        ["fear", "flow", "mixed", "neutral", "mixed", "fear"],
        ["fear", "mixed", "mixed", "neutral", "fear", "flow"],
    )
    sources = np.array(["staff"] * 3 + ["service_user"] * 3, dtype=object)
    report = score_codebook(result, sources, n_boot=50, seed=0)
    assert report["n"] == 6 and report["n_mixed"] == 2
    assert report["all"]["n_single_tone"] == 4
    assert report["accuracy"]["value"] == pytest.approx(2 / 4)  # a predicted mixed counts as wrong
    assert report["staff"]["accuracy"]["value"] == pytest.approx(1 / 2)
    assert report["service_user"]["accuracy"]["value"] == pytest.approx(1 / 2)
    assert report["all"]["mixed_found"]["value"] == pytest.approx(1 / 2)
    assert report["all"]["false_mixed"]["value"] == pytest.approx(1 / 4)
    # macro-F1 over fear, flow and neutral, on single-tone rows: fear P=1 R=1/2, flow 0, neutral 1
    assert report["macro_f1"]["value"] == pytest.approx((2 / 3 + 0 + 1) / 3)
    assert report["confusion_matrix"]["labels"] == list(CODEBOOK_LABELS)
    assert np.asarray(report["confusion_matrix"]["rows_true_cols_pred"]).sum() == 6
