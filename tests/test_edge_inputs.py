"""Edge inputs through every layer, with the shipped model: the spaCy stage's tokens, the model's
labels and probabilities, and batch scoring's rows and statuses."""

import numpy as np
import pytest

from equalcare_nlp import LABELS, MAX_CHARS, MIXED, Preprocessor, load_model, score_texts
from equalcare_nlp.core.labels import PROBA_COLUMNS

#: A comment the shipped model reports mixed, scored between two copies of each edge input.
MIDDLE = "I love my job but I am burnt out"

#: Each edge input, the tokens the spaCy stage gives it, and the status of its row in batch scoring.
EDGE_INPUTS = [
    pytest.param("", [], "empty", id="empty"),
    pytest.param("   ", [], "empty", id="spaces"),
    pytest.param("\n\t", [], "empty", id="newline and tab"),
    pytest.param("!!!", ["!", "!", "!"], "ok", id="punctuation only"),
    pytest.param("😡🙂", ["😡", "🙂"], "ok", id="emoji only"),
    pytest.param("42", ["<num>"], "not_text", id="a number"),
    pytest.param("-3.5 %", ["<num>"], "not_text", id="a percentage"),
    pytest.param("12 beds, 3 nurses", ["<num>", "bed", "<num>", "nurse"], "ok", id="numbers in a comment"),
    pytest.param("Лондон 中文 ¿¿", ["лондон", "中文"], "ok", id="not English"),
    pytest.param("tired\x00and scared", ["tired\x00and", "scare"], "ok", id="NUL inside"),
    pytest.param("\x00", ["\x00"], "ok", id="NUL alone"),
    # truncated at the last space within MAX_CHARS: its first MAX_CHARS // 5 words
    pytest.param("word " * MAX_CHARS, ["word"] * (MAX_CHARS // 5), "truncated", id="longer than MAX_CHARS"),
]


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.mark.parametrize(("text", "tokens", "status"), EDGE_INPUTS)
def test_edge_inputs_do_not_crash(model, text, tokens, status):
    assert Preprocessor()(text) == tokens
    texts = [text, MIDDLE, text]
    proba = model.predict_proba(texts)
    assert proba.shape == (3, len(model.classes_)) and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(proba[0], proba[2])  # the same text, the same scores
    if not tokens:  # nothing to read: the scores of the empty text
        np.testing.assert_array_equal(proba[0], model.predict_proba([""])[0])
    labels = model.predict(texts)
    assert labels.tolist()[1] == MIXED and labels[0] == labels[2]
    assert set(labels) <= {*model.classes_, MIXED}

    out = score_texts(texts, model=model)
    assert out["text"].tolist() == texts and out["status"].tolist() == [status, "ok", status]
    scored = out["status"].isin(["ok", "truncated"]).to_numpy()
    read = [t.replace("\x00", " ") for t in texts]  # batch scoring reads a NUL as a space
    assert list(model.classes_) == list(LABELS)  # so the columns follow the model's classes
    np.testing.assert_allclose(out.loc[scored, list(PROBA_COLUMNS)], model.predict_proba(read)[scored])
    assert out.loc[scored, "label"].tolist() == model.predict(read)[scored].tolist()
    assert out.loc[~scored, "label"].isna().all() and out.loc[~scored, list(PROBA_COLUMNS)].isna().all().all()
