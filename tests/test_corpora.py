"""Corpus loaders (local-folder form) and the label maps that turn their emotions into fear/flow/neutral."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from conftest import NHS_HEADER
from tiny_set import FEAR_TEXTS

from equalcare_nlp.core.labels import MIXED, LabelMap, load_label_map
from equalcare_nlp.training.corpora import (
    CORPORA,
    NHS_NON_ANSWER,
    is_suggestion,
    load_corpus,
    load_labelled,
    nhs_codebook_labels,
    nhs_split,
    to_labels,
)

ISEAR_EMOTIONS = tuple(load_label_map("isear").labels)

FOLDERS = {"goemotions": "goemotions", "carer": "carer_emotion", "tweeteval": "tweeteval_emotion"}
FOLDERS |= {"isear": "isear", "emobank": "emobank", "nhs_phase1": "nhs_phase1"}
SPLITS = ("train", "validation", "test")


# -- tiny folders in the official formats --------------------------------------------------------
def test_goemotions_reads_multi_labels_and_quoted_texts(fake_data_dir):
    dataset = load_corpus("goemotions", "dev", fake_data_dir / "goemotions")
    assert dataset.column_names == ["text", "emotions"]
    assert dataset["emotions"][:3] == [["fear"], ["joy"], ["neutral"]]
    assert dataset["emotions"][3] == ["anger", "fear"]
    assert 'she said "thanks, so kind" to us' in dataset["text"]
    texts, labels = to_labels(dataset, "goemotions")
    assert "love it but I am scared" not in texts  # fear + flow emotions: mixed, left out
    assert Counter(labels) == {"fear": 12, "flow": 13, "neutral": 12}


def test_carer_splits_on_the_last_semicolon_and_leaves_surprise_out(fake_data_dir):
    dataset = load_corpus("carer", "val", fake_data_dir / "carer_emotion")
    assert "i feel odd; really 0" in dataset["text"]
    texts, labels = load_labelled("carer", "validation", fake_data_dir / "carer_emotion")
    assert Counter(labels) == {"fear": 10, "flow": 10}
    assert not any("odd" in t for t in texts)


def test_tweeteval_maps_label_ids_and_strips_trailing_space(fake_data_dir):
    texts, labels = load_labelled("tweeteval", "test", fake_data_dir / "tweeteval_emotion")
    assert texts[0] == f"{FEAR_TEXTS[0]} number 0"
    assert labels[:4] == ["fear", "flow", "fear", "flow"]


def test_isear_parses_pipes_in_text_and_removes_wrap_marks(fake_data_dir):
    rows = {split: load_corpus("isear", split, fake_data_dir / "isear") for split in SPLITS}
    texts = [t for split in SPLITS for t in rows[split]["text"]]
    assert len(texts) == 70 and len(set(texts)) == 70  # every row in exactly one split
    assert "When I met her again after a long time joy." in texts
    assert not any("á" in t or "|" in t for t in texts)
    emotions = {split: Counter(e[0] for e in rows[split]["emotions"]) for split in SPLITS}
    assert emotions["train"] == dict.fromkeys(ISEAR_EMOTIONS, 8)  # stratified 80/10/10
    assert emotions["validation"] == emotions["test"] == dict.fromkeys(ISEAR_EMOTIONS, 1)


def test_isear_split_is_fixed(fake_data_dir):
    first = load_corpus("isear", "test", fake_data_dir / "isear")["text"]
    assert load_corpus("isear", "test", fake_data_dir / "isear")["text"] == first


def test_isear_row_with_too_few_fields_is_an_error(tmp_path):
    (tmp_path / "isear.csv").write_text("A|B|Field1|SIT|STATE|\n1|joy|short\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: 3 fields, need 6"):
        load_corpus("isear", "test", tmp_path)


def test_emobank_has_official_splits_and_a_valence_column(fake_data_dir):
    test = load_corpus("emobank", "test", fake_data_dir / "emobank")
    assert test.column_names == ["text", "emotions", "valence"]
    assert len(test) == 7 and len(load_corpus("emobank", "dev", fake_data_dir / "emobank")) == 4
    assert test["valence"][:2] == [4.0, 1.9]
    assert test["text"][-1] == 'Remember what she said? "'
    assert test["emotions"][0] == []
    assert to_labels(test, "isear") == ([], [])  # no emotion names: nothing to map


@pytest.mark.parametrize("name", ["isear", "emobank"])
def test_corpora_without_a_hub_id_need_a_folder(name, monkeypatch, tmp_path):
    monkeypatch.delenv("EQUALCARE_DATA_DIR", raising=False)
    with pytest.raises(FileNotFoundError, match="no canonical hub id"):
        load_corpus(name, "test")
    with pytest.raises(FileNotFoundError, match="local folder only"):
        load_corpus(name, "test", tmp_path / "missing")


def test_nhs_phase1_keeps_trust_question_topic_and_maps_criticality(fake_data_dir):
    folder = fake_data_dir / "nhs_phase1"
    everything = [load_corpus("nhs_phase1", split, folder) for split in SPLITS]
    assert sum(len(d) for d in everything) == 3 * 33  # every row lands in exactly one split
    test = everything[2]
    assert {"text", "emotions", "trust", "question", "topic", "criticality"} <= set(test.column_names)
    rows = [row for d in everything for row in d]
    second_line = next(row for row in rows if "second line" in row["text"])
    assert "\r\n" in second_line["text"]  # a comment with a line break is one comment
    nothing = [row for row in rows if row["text"] == "Nothing"]
    assert len(nothing) == 3 and {row["emotions"][0] for row in nothing} == {NHS_NON_ANSWER}
    assert all(row["emotions"] == [] for row in rows if row["criticality"] == "-o")  # malformed: unlabelled
    texts, labels = to_labels(test, "nhs_phase1")
    assert set(labels) <= {"fear", "flow"} and "Nothing" not in texts
    assert not any(text.startswith("plain praise") for text in texts)  # criticality 0 is left out


def test_nhs_split_keeps_equal_comments_together():
    assert len({nhs_split(text) for text in ("Nothing", "nothing.", " NOTHING ")}) == 1
    shares = [nhs_split(f"comment number {i}") for i in range(2000)]
    assert 0.25 < shares.count("test") / 2000 + shares.count("validation") / 2000 < 0.35


def test_unknown_split_is_rejected(fake_data_dir):
    with pytest.raises(ValueError, match="splits"):
        load_corpus("emobank", "holdout", fake_data_dir / "emobank")


# -- label maps ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "fear", "flow", "neutral", "left_out"),
    [
        (
            "goemotions",
            {"anger", "grief", "nervousness"},
            {"gratitude", "caring", "curiosity"},
            {"neutral"},
            set(),
        ),
        ("carer", {"sadness", "anger", "fear"}, {"joy", "love"}, set(), {"surprise"}),
        ("tweeteval", {"anger", "sadness"}, {"joy", "optimism"}, set(), set()),
        ("isear", set(ISEAR_EMOTIONS) - {"joy"}, {"joy"}, set(), set()),
    ],
)
def test_label_maps(name, fear, flow, neutral, left_out):
    label_map = load_label_map(name)
    assert label_map.why
    for expected, labels in (("fear", fear), ("flow", flow), ("neutral", neutral), (None, left_out)):
        assert {label_map.map(label) for label in labels} <= {expected}


def test_goemotions_fear_and_flow_together_is_mixed():
    label_map = load_label_map("goemotions")
    assert label_map.map_many(["joy", "fear"]) == MIXED
    assert label_map.map_many(["joy", "neutral"]) == "flow"


def test_a_label_map_may_map_to_mixed_but_not_to_an_unknown_label():
    assert load_label_map("domain").map_many(["mixed"]) == MIXED
    with pytest.raises(ValueError, match="unknown targets"):
        LabelMap("x", {"both": "ambivalent"})


def test_nhs_label_map_reads_criticality_as_the_codebook_does():
    label_map = load_label_map("nhs_phase1")
    assert {label_map.map(str(v)) for v in range(-5, 0)} == {"fear"}
    assert {label_map.map(str(v)) for v in range(1, 6)} == {"flow"}
    assert label_map.map("0") is None and label_map.map(NHS_NON_ANSWER) is None


# -- the real corpora (skipped without EQUALCARE_DATA_DIR) -----------------------------------------
EXPECTED_SIZES = {
    "goemotions": (43410, 5426, 5427),
    "carer": (16000, 2000, 2000),
    "tweeteval": (3257, 374, 1421),
    "isear": (6132, 767, 767),  # our seeded 80/10/10 split of 7,666 rows
    "emobank": (8062, 1000, 1000),
    "nhs_phase1": (7381, 1095, 1858),  # our split, grouped on the normalised text
}


@pytest.mark.parametrize("name", sorted(EXPECTED_SIZES))
def test_real_corpus_sizes(name, real_data_dir):
    sizes = tuple(len(load_corpus(name, split, real_data_dir / FOLDERS[name])) for split in SPLITS)
    assert sizes == EXPECTED_SIZES[name]


@pytest.mark.parametrize("name", ["goemotions", "carer", "tweeteval", "isear"])
def test_label_map_covers_every_real_label(name, real_data_dir):
    seen = {e for row in load_corpus(name, "train", real_data_dir / FOLDERS[name])["emotions"] for e in row}
    assert seen == set(load_label_map(name).labels)


def test_real_nhs_phase1_every_labelled_score_is_mapped(real_data_dir):
    dataset = load_corpus("nhs_phase1", "train", real_data_dir / "nhs_phase1")
    seen = {e for row in dataset["emotions"] for e in row}
    assert seen <= set(load_label_map("nhs_phase1").labels)  # the scale is -5..5; +-5 never occur
    assert set(dataset["trust"]) == {"Trust A", "Trust B", "Trust C"}


def test_real_emobank_valence_is_on_the_rating_scale(real_data_dir):
    valence = load_corpus("emobank", "test", real_data_dir / "emobank")["valence"]
    assert 1.0 <= min(valence) < 2.0 and 4.0 < max(valence) <= 5.0


def test_every_corpus_is_registered():
    assert set(FOLDERS) <= set(CORPORA)
    assert {name: CORPORA[name].folder for name in FOLDERS} == FOLDERS


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("More fans on the ward please", True),
        ("Food could be better", True),
        ("It would be nice to have a leaflet", True),
        ("More staff, nobody came when I rang", False),  # what happened: a complaint
        ("The nurse was rude to my dad", False),
        ("Waited four hours in the corridor", False),
    ],
)
def test_a_feeling_free_suggestion_is_told_from_a_complaint(text, suggestion):
    assert is_suggestion(text) is suggestion


def test_nhs_codebook_labels_make_critical_suggestions_neutral(fake_data_dir, tmp_path):
    rows = [NHS_HEADER]
    rows += [["cc", "x", "x", "More parking spaces would help", "-2", "Trust A", "Q2", "0"]]
    rows += [["cc", "x", "x", "Nobody told us anything for hours", "-3", "Trust A", "Q2", "1"]]
    rows += [["cc", "x", "x", "Lovely kind nurses", "3", "Trust A", "Q1", "2"]]
    folder = tmp_path / "nhs"
    folder.mkdir()
    with open(folder / "text_data.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    every = [load_corpus("nhs_phase1", split, folder) for split in SPLITS]
    labelled = dict(pair for d in every for pair in zip(*nhs_codebook_labels(d), strict=True))
    assert labelled == {
        "More parking spaces would help": "neutral",
        "Nobody told us anything for hours": "fear",
        "Lovely kind nurses": "flow",
    }
