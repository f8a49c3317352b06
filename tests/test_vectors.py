"""Distilled word vectors: the shipped table, the transform, negation, and exact explanations."""

import numpy as np
import pytest
from tiny_set import LABELS, TEXTS

from equalcare_nlp import FearFlowClassifier, Preprocessor
from equalcare_nlp.features.vectors import WordVectors, build_table, load_table, save_table, table_vocabulary


@pytest.fixture(scope="module")
def vectors():
    return WordVectors().fit()


def token(word: str) -> str:
    return Preprocessor()(word)[0]


def test_shipped_table_covers_everyday_lexicon_and_domain_words():
    words, table = load_table()
    assert table.ndim == 2 and len(words) == len(table) > 10_000
    wanted = {token(w) for w in ("exhausted", "grateful", "rota", "knackered", "kind", "understaffed")}
    assert wanted <= set(words.tolist())


def test_related_words_lie_closer_than_unrelated_ones(vectors):
    def cos(a, b):
        x, y = (vectors.vectors_[vectors.vocabulary_[token(w)]] for w in (a, b))
        return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))

    assert cos("exhausted", "tired") > cos("exhausted", "grateful")
    assert cos("thank", "grateful") > cos("thank", "angry")


def test_feature_is_the_unit_sum_of_word_vectors_and_unknown_words_count_nothing(vectors):
    features = vectors.transform([["tire", "kind", "qqqzzz"], ["qqqzzz"], []]).toarray()
    expected = vectors.vectors_[vectors.vocabulary_["tire"]] + vectors.vectors_[vectors.vocabulary_["kind"]]
    np.testing.assert_allclose(features[0], expected / np.linalg.norm(expected), rtol=1e-5)
    assert not features[1].any() and not features[2].any()


def test_negated_words_scale_by_the_negated_weight():
    ignored = WordVectors(negated=0.0).fit().transform([["not_happy", "day"], ["day"]]).toarray()
    np.testing.assert_allclose(ignored[0], ignored[1])
    kept = WordVectors(negated=1.0).fit().transform([["not_happy"], ["happy"]]).toarray()
    np.testing.assert_allclose(kept[0], kept[1])


def test_a_table_round_trips_and_a_wrong_file_is_refused(tmp_path):
    path = save_table(tmp_path / "t.npz", ["a", "b"], np.eye(2))
    words, table = load_table(path)
    assert words.tolist() == ["a", "b"] and table.dtype == np.float16
    np.savez(tmp_path / "bad.npz", words=np.array(["a"]), vectors=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="not a word-vector table"):
        load_table(tmp_path / "bad.npz")


def test_build_table_embeds_each_word_and_reduces_it():
    class Encoder:  # stands in for a sentence encoder: one vector per word
        def encode(self, words, batch_size, show_progress_bar):
            return np.array([[len(w), w.count("a"), w.count("e"), 1.0] for w in words])

    table = build_table(["tea", "banana", "apple", "kettle"], dims=2, encoder=Encoder())
    assert table.shape == (4, 2) and table.dtype == np.float32


def test_vocabulary_keeps_frequent_tokens_and_every_extra_term_with_its_surface_form():
    texts = ["I was tired", "so tired", "tires on the car", "the rota is awful", "the rota again", "once"]
    words = table_vocabulary(texts, ["burnt out"], min_count=2)
    assert words["tire"] == "tired"  # the lemma is embedded as its most frequent word
    assert words["rota"] == "rota" and words["out"] == "out" and token("burnt") in words
    assert "awful" not in words and "once" not in words


def test_explanations_stay_exact_with_word_vectors():
    model = FearFlowClassifier(min_df=1, calibration_cv=None, vector_weight=2.0).fit(TEXTS, LABELS)
    explanation = model.explain("knackered and not thankful", top=10_000)
    assert any(term.startswith("~knackered") for term, _ in explanation.terms)
    scores = model.decision_function([explanation.text])[0]
    k = list(model.classes_).index(explanation.label)
    total = sum(w for _, w in explanation.terms) + explanation.bias
    assert total == pytest.approx(scores[k] - scores.mean(), abs=1e-5)
