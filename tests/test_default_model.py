"""The shipped default model does what its model card promises: the acceptance targets, re-measured."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest

from benchmarks.systems import Vader
from equalcare_nlp import load_model
from equalcare_nlp.core.labels import LABELS
from equalcare_nlp.training.corpora import load_corpus, to_labels, trust_rows
from equalcare_nlp.training.default_model import domain_check
from equalcare_nlp.training.metrics import classification_report, codebook_report, fear_flow_predictions

DOMAIN = Path(__file__).resolve().parents[1] / "data" / "domain_regression.csv"


@pytest.fixture(scope="module")
def model():
    return load_model()


def test_default_model_gets_nine_in_ten_single_tone_domain_sentences_right(model):
    check = domain_check(model)["single_tone"]
    assert check["n"] >= 40
    assert check["correct"] / check["n"] >= 0.90, domain_check(model)["wrong"]


def test_every_domain_regression_sentence_comes_out_as_expected(model):
    assert domain_check(model)["wrong"] == []


@pytest.mark.slow
def test_default_model_macro_f1_on_the_goemotions_test_split(model, real_data_dir):
    texts, labels = to_labels(load_corpus("goemotions", "test", real_data_dir / "goemotions"), "goemotions")
    # three labels: the argmax of the three probabilities (mixed is not a GoEmotions label)
    report = classification_report(labels, model.classes_[model.predict_proba(texts).argmax(axis=1)], LABELS)
    assert report["macro_f1"] >= 0.69


@pytest.mark.slow
@pytest.mark.parametrize(
    "corpus,folder",
    [("carer", "carer_emotion"), ("tweeteval", "tweeteval_emotion")],
)
def test_default_model_does_not_lose_to_vader_out_of_domain(model, real_data_dir, corpus, folder):
    texts, labels = to_labels(load_corpus(corpus, "test", real_data_dir / folder), corpus)
    ours = fear_flow_predictions(model.predict_proba(texts), model.classes_)
    vader = Vader().predict(texts, "two").labels
    f1 = {name: classification_report(labels, np.asarray(pred), ["fear", "flow"])["macro_f1"]
          for name, pred in (("ours", ours), ("vader", vader))}  # fmt: skip
    assert f1["ours"] >= f1["vader"], f1


def test_domain_check_sentences_are_in_no_training_data():
    def texts(name: str) -> set[str]:
        with open(DOMAIN.parent / name, encoding="utf-8", newline="") as handle:
            return {" ".join(re.findall(r"\w+", row["text"].lower())) for row in csv.DictReader(handle)}

    held_out = texts("domain_regression.csv")
    for name in ("domain/train.csv", "domain/dev.csv", "domain/test.csv"):
        if (DOMAIN.parent / name).exists():
            assert not held_out & texts(name), name


def test_default_model_reads_the_frozen_domain_test_better_than_vader_and_reports_mixed(model):
    test = load_corpus("domain", "test")
    texts, gold = list(test["text"]), [emotions[0] for emotions in test["emotions"]]
    ours = codebook_report(gold, model.predict(texts), test["source"])
    vader = codebook_report(gold, Vader().predict(texts, "codebook").labels, test["source"])
    for group in ("all", "staff", "service_user"):
        assert ours[group]["accuracy"] >= vader[group]["accuracy"] + 0.10, (group, ours, vader)
    assert ours["all"]["mixed_found"] >= 0.5 and ours["all"]["false_mixed"] <= 0.10, ours["all"]


@pytest.mark.slow
def test_default_model_beats_vader_on_every_nhs_trust(model, real_data_dir):
    test = load_corpus("nhs_phase1", "test", real_data_dir / "nhs_phase1")
    for trust in sorted(set(test["trust"])):
        part = trust_rows(test, trust)
        texts, labels = to_labels(part, "nhs_phase1")
        ours = fear_flow_predictions(model.predict_proba(texts), model.classes_)
        vader = Vader().predict(texts, "two").labels
        f1 = {name: classification_report(labels, np.asarray(pred), ["fear", "flow"])["macro_f1"]
              for name, pred in (("ours", ours), ("vader", vader))}  # fmt: skip
        assert f1["ours"] > f1["vader"], (trust, f1)
