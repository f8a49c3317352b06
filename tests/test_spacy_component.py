"""The fitted model as a spaCy component: scores on a blank pipeline and on a trained one where installed,
the same as batch scoring, and found by spaCy by name through the package's entry points."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
import spacy
from confection import ConfigValidationError
from tiny_set import FEAR_TEXTS, FLOW_TEXTS, NEUTRAL_TEXTS

import equalcare_nlp as eq
from equalcare_nlp.core.components import FEARFLOW
from equalcare_nlp.core.labels import LABELS, MIXED, PROBA_COLUMNS
from equalcare_nlp.model.spacy_component import PARTS_KEY
from equalcare_nlp.privacy.redaction import NAME_PIPELINES

ROOT = Path(eq.__file__).resolve().parents[1]
MIXED_TEXT = "I love my job but I am burnt out"
#: Comments of one and of several parts, a repeat, a NUL byte and a text past the model's max_chars.
TEXTS = [
    MIXED_TEXT,
    "The team is wonderful, the targets are crushing us. Nobody listens!",
    *FEAR_TEXTS[:3],
    *FLOW_TEXTS[:3],
    *NEUTRAL_TEXTS[:3],
    FEAR_TEXTS[0],
    "I am exhausted\x00and scared",
    "so tired of this " * 400,
]
#: A trained English pipeline, when one is installed.
TRAINED = next((name for name in NAME_PIPELINES if spacy.util.is_package(name)), None)


def with_fearflow(nlp: spacy.language.Language, **config) -> spacy.language.Language:
    nlp.add_pipe(FEARFLOW, config=config)
    return nlp


@pytest.fixture(scope="module")
def blank():
    return with_fearflow(spacy.blank("en"))


@pytest.fixture(scope="module")
def model():
    return eq.load_model()


def cats(docs) -> np.ndarray:
    return np.array([[doc.cats[label] for label in LABELS] for doc in docs])


def test_blank_pipeline_sets_cats_label_and_scored_parts(blank, model):
    doc = blank(MIXED_TEXT)
    assert list(doc.cats) == list(LABELS)
    assert sum(doc.cats.values()) == pytest.approx(1.0)
    assert doc._.ec_label == MIXED == model.predict([MIXED_TEXT])[0]
    parts = model.parts([MIXED_TEXT])[0]
    spans = doc.spans[PARTS_KEY]
    assert [(span.text, span.label_) for span in spans] == [(part.text, part.label) for part in parts]
    assert [span._.ec_cats for span in spans] == [part.probabilities for part in parts]


def test_nlp_pipe_matches_score_texts(blank):
    reference = eq.score_texts(TEXTS, sentences=True)
    docs = list(blank.pipe(TEXTS, batch_size=4))
    np.testing.assert_allclose(cats(docs), reference[list(PROBA_COLUMNS)].to_numpy(float), rtol=0, atol=1e-12)
    assert [doc._.ec_label for doc in docs] == reference["label"].tolist()
    assert [len(doc.spans[PARTS_KEY]) for doc in docs] == reference["n_sentences"].tolist()


def test_a_saved_folder_scores_as_score_texts_does_under_the_parts_rule(tiny_model_dir, tmp_path):
    parts_rule = eq.load_model(tiny_model_dir).set_params(mixed_threshold=0.4)  # a copy of the tiny model
    folder = eq.save_model(parts_rule, tmp_path / "tiny")
    nlp = with_fearflow(spacy.blank("en"), model=str(folder), sha256=eq.model_digest(folder))
    reference = eq.score_texts(TEXTS, model=folder)
    docs = list(nlp.pipe(TEXTS))
    np.testing.assert_allclose(cats(docs), reference[list(PROBA_COLUMNS)].to_numpy(float), rtol=0, atol=1e-12)
    assert [doc._.ec_label for doc in docs] == reference["label"].tolist()
    assert MIXED in reference["label"].tolist()


def test_host_components_change_no_score(blank):
    host = spacy.blank("en")
    host.add_pipe("sentencizer")
    host.add_pipe("equalcare_redact")
    docs = list(with_fearflow(host, parts=False).pipe(TEXTS[:3]))
    assert (cats(docs) == cats(blank.pipe(TEXTS[:3]))).all()
    assert all(PARTS_KEY not in doc.spans and doc.has_annotation("SENT_START") for doc in docs)


def test_an_empty_doc_is_scored_and_has_no_parts(blank, model):
    doc = blank("")
    assert [doc.cats[label] for label in LABELS] == model.predict_proba([""])[0].tolist()
    assert list(doc.spans[PARTS_KEY]) == []


@pytest.mark.skipif(TRAINED is None, reason=f"no trained English pipeline is installed ({NAME_PIPELINES})")
def test_trained_pipeline_keeps_its_own_annotations_and_gets_the_same_scores(blank):
    trained = with_fearflow(spacy.load(TRAINED))
    docs = list(trained.pipe(TEXTS))
    np.testing.assert_array_equal(cats(docs), cats(blank.pipe(TEXTS)))
    assert all(doc.has_annotation("SENT_START") for doc in docs)


def test_component_declares_its_config_and_what_it_assigns(blank):
    meta = blank.get_pipe_meta(FEARFLOW)
    assert meta.assigns == ["doc.cats", "doc.spans", "doc._.ec_label", "span._.ec_cats"]
    assert meta.requires == []
    assert dict(blank.config["components"][FEARFLOW]) == {
        "factory": FEARFLOW,
        "model": "default",
        "sha256": None,
        "parts": True,
    }
    assert not any(blank.analyze_pipes(pretty=False)["problems"].values())


@pytest.mark.parametrize(
    ("config", "error", "message"),
    [
        ({"model": "no/such/folder"}, ValueError, "'default' .* or the folder of a saved model"),
        ({"model": "."}, FileNotFoundError, "not a saved equalcare_nlp model"),
        ({"sha256": "0" * 64}, eq.ModelIntegrityError, "not the model you expect"),
        ({"parts": "often"}, ConfigValidationError, "parts"),
    ],
)
def test_bad_settings_are_clear_errors(config, error, message):
    with pytest.raises(error, match=message):
        with_fearflow(spacy.blank("en"), **config)


def entry_points() -> dict[str, str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["spacy_factories"]


def test_the_entry_point_names_the_registered_factory():
    assert list(entry_points()) == [FEARFLOW]
    module, function = entry_points()[FEARFLOW].split(":")
    assert spacy.registry.factories.get(FEARFLOW) is getattr(importlib.import_module(module), function)


def added_without_import(extra_path: Path | None = None) -> dict[str, float]:
    """``doc.cats`` from a fresh interpreter that adds the component without importing the package; the
    entry point, which spaCy imports with every language, loads no library spaCy has not."""
    code = f"""
import json, sys, spacy
nlp = spacy.blank("en")
assert "equalcare_nlp.model.spacy_component" in sys.modules
assert not {{"sklearn", "pandas", "equalcare_nlp.model.persist"}} & set(sys.modules), sorted(sys.modules)
nlp.add_pipe({FEARFLOW!r})
print(json.dumps(nlp({MIXED_TEXT!r}).cats))
"""
    paths = [str(extra_path or ""), str(ROOT), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_spacy_finds_the_factories_by_their_entry_points(tmp_path, blank):
    # The pyproject's entry points as an installed distribution declares them, beside the tree under test.
    info = tmp_path / "equalcare_entry_points-0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: equalcare-entry-points\nVersion: 0\n")
    lines = [f"{name} = {target}" for name, target in entry_points().items()]
    (info / "entry_points.txt").write_text("[spacy_factories]\n" + "\n".join(lines) + "\n")
    assert added_without_import(tmp_path) == blank(MIXED_TEXT).cats


def test_the_installed_package_declares_its_entry_points(blank):
    names = [
        ep.name
        for ep in metadata.entry_points(group="spacy_factories")
        if ep.dist is not None and ep.dist.metadata["Name"] == "equalcare-nlp"
    ]
    if not names:
        pytest.skip("the installed equalcare-nlp's metadata predates its spacy_factories entry point")
    assert names == [FEARFLOW]
    assert added_without_import() == blank(MIXED_TEXT).cats
