"""Saving and loading: round trip, manifest, tamper detection, compatibility."""

import json

import pytest
from test_model import LABELS, TEXTS

import equalcare_nlp as eq
from equalcare_nlp.persist import MANIFEST_FILE, MODEL_FILE


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    model = eq.FearFlowClassifier(min_df=1, calibration_cv=None).fit(TEXTS, LABELS)
    folder = tmp_path_factory.mktemp("model")
    eq.save_model(model, folder, training={"n_examples": len(TEXTS)}, metrics={"macro_f1": 1.0})
    return model, folder


def test_round_trip(saved):
    model, folder = saved
    loaded = eq.load_model(folder)
    assert (loaded.predict_proba(TEXTS) == model.predict_proba(TEXTS)).all()
    manifest = eq.read_manifest(folder)
    assert manifest["labels"] == ["fear", "flow", "neutral"]
    assert manifest["versions"]["scikit-learn"] and manifest["training"]["n_examples"] == len(TEXTS)


def test_changed_bytes_are_refused(saved, tmp_path):
    _, folder = saved
    for name in (MODEL_FILE, MANIFEST_FILE):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    data = bytearray((tmp_path / MODEL_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / MODEL_FILE).write_bytes(bytes(data))
    with pytest.raises(eq.ModelIntegrityError, match="changed after it was saved"):
        eq.load_model(tmp_path)


def test_wrong_expected_digest_is_refused(saved):
    with pytest.raises(eq.ModelIntegrityError):
        eq.load_model(saved[1], sha256="0" * 64)


def test_incompatible_version_is_refused(saved, tmp_path):
    _, folder = saved
    (tmp_path / MODEL_FILE).write_bytes((folder / MODEL_FILE).read_bytes())
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    manifest["versions"]["scikit-learn"] = "0.1.0"
    (tmp_path / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(eq.ModelCompatibilityError, match="scikit-learn"):
        eq.load_model(tmp_path)


def test_not_a_model_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a saved equalcare_nlp model"):
        eq.load_model(tmp_path)


def test_shipped_default_loads_and_classifies():
    model = eq.load_model()
    assert model.predict(["Thank you for all your hard work"])[0] == "flow"
