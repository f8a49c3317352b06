"""Retraining with new labelled data: label maps, skipped rows, conflicts, adaptation, evaluate, suggest."""

from __future__ import annotations

import csv
import json
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from tiny_set import FEAR_TEXTS, FLOW_TEXTS, LABELS, NEUTRAL_TEXTS, TEXTS

from equalcare_nlp import FearFlowClassifier, load_model, save_model
from equalcare_nlp.cli import main
from equalcare_nlp.model.linear import nb_ratios
from equalcare_nlp.reports.terms import distinguishing_terms
from equalcare_nlp.training.active import suggest, uncertainty
from equalcare_nlp.training.adaptation import AdaptedClassifier, adapt, base_training_data
from equalcare_nlp.training.corpora import fingerprint, load_codebook_labels, load_labelled
from equalcare_nlp.training.default_model import SOURCES, balanced_weights, source_entry
from equalcare_nlp.training.evaluation import evaluate
from equalcare_nlp.training.labelled_data import parse_label_map, prepare_labelled, read_labelled
from equalcare_nlp.training.train import train, train_and_save

#: The tiny set's fear and flow comments: data with no neutral examples.
FEAR_FLOW_TEXTS = FEAR_TEXTS + FLOW_TEXTS
FEAR_FLOW_LABELS = ["fear"] * len(FEAR_TEXTS) + ["flow"] * len(FLOW_TEXTS)


# -- label maps ------------------------------------------------------------------------------
def test_inline_label_map_maps_and_leaves_out():
    data = prepare_labelled(
        ["a", "b", "c", "d"], ["Stressed", "thanks", "other", "fear"], "stressed=fear,thanks=flow,other=none"
    )
    assert data.labels == ["fear", "flow", "fear"]
    assert data.left_out_rows == [3]


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_label_map_file(tmp_path, suffix):
    path = tmp_path / f"map{suffix}"
    path.write_text(
        '{"stressed": "fear", "thanks": "flow"}' if suffix == ".json" else "stressed: fear\nthanks: flow\n"
    )
    assert dict(parse_label_map(path).labels) == {"stressed": "fear", "thanks": "flow"}


def test_shipped_label_map_by_name():
    assert parse_label_map("tweeteval").labels["anger"] == "fear"


def test_label_map_to_unknown_target_is_rejected():
    with pytest.raises(ValueError, match="unknown targets"):
        parse_label_map("stressed=panic")


def test_unknown_labels_error_lists_them_and_shows_how_to_map():
    with pytest.raises(ValueError) as error:
        prepare_labelled(["a", "b", "c"], ["stressed", "stressed", "fear"], source="staff.csv")
    message = str(error.value)
    assert "'stressed' (2 rows)" in message and "staff.csv" in message
    assert "--label-map 'stressed=...'" in message


def test_empty_labels_and_texts_are_skipped_and_counted():
    data = prepare_labelled(["a", "b", "", "d"], ["fear", "  ", "flow", None])
    assert data.texts == ["a"]
    assert data.empty_label_rows == [2, 4] and data.empty_text_rows == [3]
    summary = data.summary()
    assert (
        summary["skipped_empty_label"] == 2 and summary["skipped_empty_text"] == 1 and summary["n_rows"] == 4
    )


def test_duplicates_merged_and_conflicts_resolved_by_majority():
    texts = ["Too busy", "too  busy", "too busy", "Thanks", "thanks", "ok", "ok"]
    labels = ["fear", "fear", "flow", "flow", "fear", "neutral", "neutral"]
    data = prepare_labelled(texts, labels)
    kept = dict(zip(data.texts, data.labels, strict=True))
    assert kept == {"Too busy": "fear", "ok": "neutral"}  # "Thanks" is a tie: left out
    conflicts = {c["text"]: c for c in data.conflicts}
    assert conflicts["Too busy"]["kept"] == "fear" and conflicts["Too busy"]["rows"] == [1, 2, 3]
    assert conflicts["Thanks"]["kept"] is None
    assert data.duplicate_rows == [2, 3, 7]


def test_read_labelled_missing_column_names_the_columns(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("comment,tag\nhello,fear\n")
    with pytest.raises(ValueError, match=r"no column 'text'.*\['comment', 'tag'\]"):
        read_labelled(path, "text", "tag")


# -- training ---------------------------------------------------------------------------------
def _data(n_flow: int | None = None):
    """The tiny set's fear comments and its first ``n_flow`` flow comments (all by default)."""
    flow = FLOW_TEXTS[:n_flow]
    return prepare_labelled(FEAR_TEXTS + flow, ["fear"] * len(FEAR_TEXTS) + ["flow"] * len(flow))


def test_train_from_scratch_reports_cross_validation():
    data = prepare_labelled(TEXTS, LABELS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, report = train(data, "none", cv=3, min_df=1, calibration_cv=None)
    cv = report["cross_validation"]
    assert cv["folds"] == 3 and len(cv["macro_f1_per_fold"]) == 3
    assert np.isclose(cv["macro_f1_mean"], np.mean(cv["macro_f1_per_fold"]))
    assert np.sum(cv["out_of_fold"]["confusion_matrix"]["rows_true_cols_pred"]) == len(TEXTS)
    counts = {"fear": len(FEAR_TEXTS), "flow": len(FLOW_TEXTS), "neutral": len(NEUTRAL_TEXTS)}
    assert report["data"]["label_counts"] == counts
    assert set(model.classes_) == {"fear", "flow", "neutral"}


def test_tiny_class_warns_but_trains(tiny_model_dir):
    data = _data(n_flow=2)
    with pytest.warns(UserWarning, match="'flow' has only 2 examples"):
        model, report = train(data, tiny_model_dir, cv=5)
    assert report["cross_validation"]["folds"] == 2
    with pytest.warns(UserWarning, match="only 1 example"):
        _, report = train(_data(n_flow=1), tiny_model_dir, cv=5)
    assert report["cross_validation"] is None


def test_adaptation_learns_new_words_and_keeps_neutral(tiny_model):
    # "datix" and "ace": words the tiny set never uses
    texts = ["datix again, the rota is a nightmare", "datix filed, awful night"] * 3 + [
        "ace rota, thanks everyone",
        "the bank staff were ace",
    ] * 3
    labels = ["fear"] * 6 + ["flow"] * 6
    adapted = adapt(tiny_model, texts, labels, C=10.0)
    assert isinstance(adapted, AdaptedClassifier)
    probe = ["datix", "ace", "lunch is served at noon"]
    before, after = tiny_model.predict_proba(probe), adapted.predict_proba(probe)
    fear, flow, neutral = (list(tiny_model.classes_).index(c) for c in ("fear", "flow", "neutral"))
    # the correction moves what the base did not read as the new data does ("datix" fear); what it
    # read right stays as it was ("ace" flow), not surer: how sure it is stays the base's
    assert after[0, fear] > before[0, fear]
    assert after[1].argmax() == before[1].argmax() == flow
    # No neutral examples in the new data: neutral probability is exactly the base's.
    np.testing.assert_allclose(after[:, neutral], before[:, neutral])
    assert adapted.predict(probe)[2] == tiny_model.predict(probe)[2]


@pytest.mark.parametrize("vocabulary", ["new", "base", "both"])
def test_adapted_explanation_is_exact(tiny_model, vocabulary):
    adapted = adapt(
        tiny_model, FEAR_TEXTS[:4] + FLOW_TEXTS[:4], ["fear"] * 4 + ["flow"] * 4, vocabulary=vocabulary
    )
    explanation = adapted.explain("the rota is crushing us", top=1000)
    scores = adapted.decision_function(["the rota is crushing us"])[0]
    k = list(adapted.classes_).index(explanation.label)
    assert explanation.label == adapted.predict(["the rota is crushing us"])[0]
    assert np.isclose(sum(w for _, w in explanation.terms) + explanation.bias, scores[k] - scores.mean())


def test_adapted_linear_view_gives_the_explanation_terms_and_group_report_terms(tiny_model):
    adapted = adapt(tiny_model, FEAR_TEXTS[:5] + FLOW_TEXTS[:5], ["fear"] * 5 + ["flow"] * 5)
    text = "the rota is crushing us"
    explanation = adapted.explain(text, top=100_000)
    view = adapted.linear_view()
    row = view.features(adapted.tokens([text])).tocsr()
    centred = view.coef - view.coef.mean(axis=0)
    k = list(adapted.classes_).index(explanation.label)
    shares = {j: v * centred[k, j] for j, v in zip(row.indices, row.data, strict=True)}
    linear = {str(view.names[j]): w for j, w in shares.items() if view.kinds[j] != "vectors"}
    terms = dict(explanation.terms)
    # Word-vector dimensions are shared out over their words (~word), the rest is term by term.
    by_word = {n: w for n, w in terms.items() if n.startswith(("~", "adapted:~"))}
    assert set(terms) - set(by_word) == {n for n, w in linear.items() if w != 0}
    for name in set(terms) - set(by_word):
        assert terms[name] == pytest.approx(linear[name])
    vectors = sum(w for j, w in shares.items() if view.kinds[j] == "vectors")
    assert sum(by_word.values()) == pytest.approx(vectors, abs=1e-6)  # float32 vectors
    groups = pd.Series(["a"] * len(FEAR_TEXTS) + ["b"] * len(FLOW_TEXTS))
    terms = distinguishing_terms(adapted, FEAR_FLOW_TEXTS, groups, pd.Series(FEAR_FLOW_LABELS), 1, ["a"])
    assert terms["a"]["fear"]


def test_nb_ratios_favour_words_that_tell_the_labels_apart():
    # columns: only in label 0, in both equally, only in label 1
    present = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 1, 1], [0, 1, 1]], dtype=float))
    ratios = nb_ratios(present, np.array([0, 0, 1, 1]), np.ones(4))
    assert ratios[1] == pytest.approx(0.0) and ratios[0] == pytest.approx(ratios[2]) and ratios[0] > 0.5
    # weights count like repeated rows
    weighted = nb_ratios(present[[0, 2, 3]], np.array([0, 1, 1]), np.array([2.0, 1.0, 1.0]))
    np.testing.assert_allclose(weighted, ratios)


def test_new_data_words_enter_the_correction(tiny_model):
    texts = [
        "another escalation, awful",
        "escalation again tonight",
        "kudos to the porters",
        "kudos everyone",
    ]
    adapted = adapt(tiny_model, texts, ["fear", "fear", "flow", "flow"])
    words = set(tiny_model.tokens(["escalation kudos"])[0])
    assert len(words) == 2 and not words & set(tiny_model.feature_names())
    assert {f"adapted:{w}" for w in words} <= set(adapted.feature_names())
    fear, flow = (list(tiny_model.classes_).index(c) for c in ("fear", "flow"))
    proba = adapted.predict_proba(["escalation", "kudos"])
    assert proba[0, fear] > proba[0, flow] and proba[1, flow] > proba[1, fear]


def test_refit_method_uses_base_data(tiny_model):
    model = adapt(
        tiny_model, ["the datix was awful"] * 2, ["fear"] * 2, method="refit", base_data=(TEXTS, LABELS)
    )
    assert type(model) is FearFlowClassifier and "datix" in set(model.feature_names())
    with pytest.raises(ValueError, match="needs base_data"):
        adapt(tiny_model, ["x"], ["fear"], method="refit")


def test_refit_of_a_learned_gate_model_reads_the_new_comments_as_feedback():
    texts = TEXTS + ["lol this game is great", "my cat is so funny"] * 3
    labels = LABELS + ["flow"] * 6
    register = [True] * len(TEXTS) + [False] * 6
    base = FearFlowClassifier(min_df=1, calibration_cv=None, register_gate="learned")
    base.fit(texts, labels, register=register)
    new = ["the datix was awful", "huge kudos to the porters"]
    model = adapt(base, new, ["fear", "flow"], method="refit", base_data=(texts, labels))
    assert model.register_gate == "learned"
    assert model.gate_.opens(model.tokens(new)).all()


def test_base_training_data_is_the_corpus_plus_the_weighted_extras(tiny_model, fake_data_dir, tmp_path):
    source = fake_data_dir / "goemotions"
    texts, labels = load_labelled("goemotions", "train", source)
    domain = load_codebook_labels("domain", "train")
    extra = source_entry(SOURCES[0], *domain)
    training = {"label_map": "goemotions", "split": "train", "fingerprint_sha256": fingerprint(texts, labels)}
    training |= {"weighting": "balanced per label"}
    save_model(tiny_model, tmp_path / "m", training=training | {"extra": [extra]})
    got_texts, got_labels, weights, labels_mixed = base_training_data(tmp_path / "m", source)
    assert got_texts[: len(texts)] == texts and len(got_texts) == len(texts) + extra["n_examples"]
    assert got_labels[len(texts) :] == domain[1] and "mixed" in domain[1]
    expected = [*balanced_weights(labels, 1.0), *balanced_weights(domain[1], SOURCES[0].weight)]
    np.testing.assert_allclose(weights, expected)
    # the domain corpus labels mixed comments (the mixed detector learns from it), GoEmotions does not
    assert labels_mixed.tolist() == [False] * len(texts) + [True] * len(domain[1])
    save_model(
        tiny_model,
        tmp_path / "other",
        training=training | {"extra": [extra | {"fingerprint_sha256": "0" * 64}]},
    )
    with pytest.raises(ValueError, match="not the data the model was trained on"):
        base_training_data(tmp_path / "other", source)


def test_adapted_model_save_load_round_trip(tiny_model_dir, tmp_path):
    data = _data()
    model, report = train_and_save(data, tmp_path / "adapted", tiny_model_dir, cv=2)
    loaded = load_model(tmp_path / "adapted")
    probe = ["the rota is crushing us", "thank you all", "forms are in the office"]
    np.testing.assert_allclose(loaded.predict_proba(probe), model.predict_proba(probe))
    assert loaded.offset_scale_ == model.offset_scale_ != 1.0
    manifest = json.loads((tmp_path / "adapted" / "manifest.json").read_text())
    assert manifest["training"]["method"] == "offset"
    assert manifest["training"]["n_examples"] == len(FEAR_FLOW_TEXTS)
    assert manifest["training"]["base"] == str(tiny_model_dir)
    assert len(manifest["training"]["fingerprint_sha256"]) == 64
    card = (tmp_path / "adapted" / "MODEL_CARD.md").read_text()
    assert manifest["training"]["fingerprint_sha256"] in card and "Cross-validated macro-F1" in card


def test_training_is_deterministic_with_a_fixed_seed(tiny_model_dir):
    runs = [train(_data(), tiny_model_dir, cv=3, seed=7) for _ in range(2)]
    probe = FEAR_FLOW_TEXTS
    np.testing.assert_array_equal(runs[0][0].predict_proba(probe), runs[1][0].predict_proba(probe))
    assert runs[0][1]["cross_validation"] == runs[1][1]["cross_validation"]


# -- evaluate and suggest ---------------------------------------------------------------------
def test_evaluate_uses_fear_vs_flow_without_neutral(tiny_model):
    report = evaluate(tiny_model, FEAR_FLOW_TEXTS, FEAR_FLOW_LABELS)
    assert report["confusion_matrix"]["labels"] == ["fear", "flow"]
    assert report["macro_f1"] > 0.9 and 0 <= report["ece"] <= 1


def test_suggest_prefers_uncertain_and_drops_near_duplicates(tiny_model):
    pool = (
        ["the rota is crushing us"] * 5
        + ["the ward rota, thanks, ok"] * 5
        + FLOW_TEXTS
        + NEUTRAL_TEXTS
        + [""]
    )
    picked = suggest(tiny_model, pool, 5)
    texts = [s.text for s in picked]
    assert len(texts) == len(set(texts)) == 5 and "" not in texts
    margins = 1 - np.array([s.uncertainty for s in picked])
    proba = tiny_model.predict_proba(pool[:-1])
    top2 = np.sort(proba, axis=1)[:, -2:]
    assert margins.min() <= np.median(top2[:, 1] - top2[:, 0])
    assert all(pool[s.index] == s.text for s in picked)


def test_uncertainty_over_the_labels_to_be_labelled():
    proba = np.array([[0.1, 0.1, 0.8], [0.6, 0.3, 0.1]])
    classes = ["fear", "flow", "neutral"]
    np.testing.assert_allclose(uncertainty(proba, classes), [0.3, 0.7])
    np.testing.assert_allclose(uncertainty(proba, classes, ["fear", "flow"]), [1.0, 1 - 1 / 3])
    with pytest.raises(ValueError, match="at least two of the model's labels"):
        uncertainty(proba, classes, ["fear", "angry"])


def test_suggest_is_deterministic_per_seed_and_covers_the_pool(tiny_model):
    pool = TEXTS
    first = suggest(tiny_model, pool, 6, labels=["fear", "flow"], pool_share=1.0, seed=3)
    again = suggest(tiny_model, pool, 6, labels=["fear", "flow"], pool_share=1.0, seed=3)
    assert [s.index for s in first] == [s.index for s in again]
    assert len({s.index for s in first}) == 6
    assert [s.uncertainty for s in first] == sorted((s.uncertainty for s in first), reverse=True)
    # more than the pool has: every usable text once
    assert sorted(s.index for s in suggest(tiny_model, pool[:4] + ["  "], 10)) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="pool_share"):
        suggest(tiny_model, pool, 3, pool_share=0)


def test_cli_train_evaluate_suggest(tiny_model_dir, tmp_path, capsys):
    data = tmp_path / "labelled.csv"
    with open(data, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["comment", "tag"])
        writer.writerows(
            [(t, "stressed") for t in FEAR_TEXTS] + [(t, "thanks") for t in FLOW_TEXTS] + [("x", "")]
        )
    args = ["--text-column", "comment", "--label-column", "tag"]
    into = ["--base", str(tiny_model_dir), "--cv", "2", "-o", str(tmp_path / "m")]
    assert main(["train", str(data), *args, *into]) == 2
    assert "--label-map 'stressed=...,thanks=...'" in capsys.readouterr().err
    mapped = [*args, "--label-map", "stressed=fear,thanks=flow"]
    assert main(["train", str(data), *mapped, *into]) == 0
    out = capsys.readouterr().out
    assert "1 without a label" in out and "cross-validated macro-F1 (2 folds)" in out
    assert main(["evaluate", str(tmp_path / "m"), str(data), *mapped, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == len(FEAR_FLOW_TEXTS) and set(report["per_label"]) == {"fear", "flow"}
    assert (
        main(
            [
                "suggest",
                str(data),
                "--text-column",
                "comment",
                "-n",
                "3",
                "--labels",
                "fear,flow",
                "--model",
                str(tmp_path / "m"),
                "-o",
                str(tmp_path / "s.csv"),
            ]
        )
        == 0
    )
    rows = list(csv.DictReader(open(tmp_path / "s.csv")))
    # The suggested rows keep their own columns (and input order), with what to label added.
    assert len(rows) == 3 and list(rows[0]) == ["comment", "tag", "row", "model_guess", "confidence", "label"]
    assert [int(r["row"]) for r in rows] == sorted(int(r["row"]) for r in rows)


def test_mixed_labels_are_left_out_of_users_training_data(tmp_path):
    path = tmp_path / "labelled.csv"
    path.write_text("text,tag\nlovely team,flow\ngreat team but awful rota,mixed\nso tired,fear\n")
    data = read_labelled(path, "text", "tag")
    assert data.labels == ["flow", "fear"] and data.left_out_rows == [2]
