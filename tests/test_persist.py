"""Saving and loading: exact round trips, digests, and folders built by a hostile user.

A model folder is data users hand to each other, so no API call and no command may run code
from it: a pickle with a matching digest, a pickle that returns a real model after its payload,
an object array inside the arrays file and a description naming a foreign type are all refused
with a clear error, and the payload never runs.
"""

import contextlib
import copy
import hashlib
import importlib
import json
import os
import pickle
import shutil
import sys

import joblib
import numpy as np
import pytest
from tiny_set import LABELS, TEXTS

import equalcare_nlp as eq
from equalcare_nlp.cli import main
from equalcare_nlp.model import persist
from equalcare_nlp.model.persist import (
    ARRAYS_FILE,
    DEFAULT_MODEL_SHA256,
    DESCRIPTION_FILE,
    MANIFEST_FILE,
    convert_model,
    model_digest,
)


def _copy(folder, tmp_path, name="copy"):
    target = tmp_path / name
    shutil.copytree(folder, target)
    return target


def _rewrite_manifest(folder, change):
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    change(manifest)
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))


def _refresh_digest(folder, name):
    def change(manifest):
        manifest["files"][name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()

    _rewrite_manifest(folder, change)


# -- round trips ------------------------------------------------------------------------------
def _assert_same_predictions(model, loaded, texts):
    np.testing.assert_allclose(loaded.predict_proba(texts), model.predict_proba(texts), rtol=0, atol=1e-12)
    assert loaded.predict(texts).tolist() == model.predict(texts).tolist()
    assert loaded.explain(texts[0]).terms == model.explain(texts[0]).terms


def test_trained_model_round_trip(tiny_model, tiny_model_dir):
    loaded = eq.load_model(tiny_model_dir)
    _assert_same_predictions(tiny_model, loaded, TEXTS + ["a text with words it never saw"])
    manifest = eq.read_manifest(tiny_model_dir)
    assert manifest["format_version"] == 2 and manifest["labels"] == ["fear", "flow", "neutral"]
    assert set(manifest["files"]) == {ARRAYS_FILE, DESCRIPTION_FILE}
    assert manifest["versions"]["scikit-learn"] and manifest["training"]["n_examples"] == len(TEXTS)
    assert not list(tiny_model_dir.glob("*.joblib")) and not list(tiny_model_dir.glob("*.pkl"))


def test_adapted_model_round_trip(tiny_model, tmp_path):
    texts = ["the rota came out late again", "the rota was fair and early", "rota on the board", "datix"]
    adapted = eq.AdaptedClassifier(tiny_model).fit(texts, ["fear", "flow", "neutral", "neutral"])
    eq.save_model(adapted, tmp_path)
    loaded = eq.load_model(tmp_path)
    assert isinstance(loaded, eq.AdaptedClassifier) and not isinstance(loaded, eq.FearFlowClassifier)
    _assert_same_predictions(adapted, loaded, texts + TEXTS)


def test_default_model_round_trip(tmp_path):
    model = eq.load_model()
    eq.save_model(model, tmp_path)
    texts = ["Thank you for all your hard work", "Rota out two days before, again.", "n/a"]
    _assert_same_predictions(model, eq.load_model(tmp_path), texts)


def test_shipped_default_is_pinned_outside_its_folder():
    assert model_digest() == DEFAULT_MODEL_SHA256
    assert eq.load_model().predict(["Thank you for all your hard work"])[0] == "flow"


def test_shipped_default_changed_in_place_is_refused(tmp_path, monkeypatch):
    folder = _copy(eq.default_model_path(), tmp_path)
    _rewrite_manifest(folder, lambda m: m["metrics"].update(tampered=True))
    monkeypatch.setattr("equalcare_nlp.model.persist.default_model_path", lambda: folder)
    with pytest.raises(eq.ModelIntegrityError, match="record of its default model"):
        eq.load_model()


# -- digests ----------------------------------------------------------------------------------
def test_changed_bytes_are_refused(tiny_model_dir, tmp_path):
    folder = _copy(tiny_model_dir, tmp_path)
    data = bytearray((folder / ARRAYS_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / ARRAYS_FILE).write_bytes(bytes(data))
    with pytest.raises(eq.ModelIntegrityError, match="changed after it was saved"):
        eq.load_model(folder)


def test_pinned_digest_is_checked(tiny_model_dir):
    assert eq.load_model(tiny_model_dir, sha256=model_digest(tiny_model_dir)) is not None
    with pytest.raises(eq.ModelIntegrityError, match="the sha256 you gave"):
        eq.load_model(tiny_model_dir, sha256="0" * 64)


def test_missing_digest_is_refused(tiny_model_dir, tmp_path):
    folder = _copy(tiny_model_dir, tmp_path)
    _rewrite_manifest(folder, lambda m: m["files"].pop(ARRAYS_FILE))
    with pytest.raises(eq.ModelIntegrityError, match="no digest for arrays.npz"):
        eq.load_model(folder)
    _rewrite_manifest(folder, lambda m: m.pop("files"))
    with pytest.raises(eq.ModelIntegrityError, match="lists no file digests"):
        eq.load_model(folder)


def test_a_listed_file_outside_the_folder_is_refused(tiny_model_dir, tmp_path):
    folder = _copy(tiny_model_dir, tmp_path)
    _rewrite_manifest(folder, lambda m: m["files"].update({"../secret": "0" * 64}))
    with pytest.raises(eq.ModelIntegrityError, match="outside the folder"):
        eq.load_model(folder)


def test_not_a_model_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a saved equalcare_nlp model"):
        eq.load_model(tmp_path)


# -- hostile folders --------------------------------------------------------------------------
class _Payload:
    """Unpickling runs a shell command that leaves a marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


class _Stealthy:
    """Unpickling leaves the marker, then returns a real model, so nothing looks wrong."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        code = (
            f"__import__('pathlib').Path({str(self.marker)!r}).touch() or "
            "__import__('equalcare_nlp').FearFlowClassifier()"
        )
        return eval, (code,)


def _pickle_folder(folder, payload, with_digest=True):
    """A format-1 folder whose ``model.joblib`` is ``payload``, its digest rewritten to match."""
    folder.mkdir()
    data = pickle.dumps(payload)
    (folder / "model.joblib").write_bytes(data)
    manifest = {"format_version": 1, "model_file": "model.joblib", "labels": ["fear", "flow", "neutral"]}
    if with_digest:
        manifest["sha256"] = hashlib.sha256(data).hexdigest()
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))
    return folder


def _object_array_folder(folder, saved_folder, marker):
    """A format-2 folder whose arrays file holds a pickled object array, digests rewritten to match."""
    shutil.copytree(saved_folder, folder)
    with np.load(folder / ARRAYS_FILE) as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays["a0"] = np.array([_Payload(marker)], dtype=object)
    with open(folder / ARRAYS_FILE, "wb") as handle:
        np.savez(handle, **arrays)
    _refresh_digest(folder, ARRAYS_FILE)
    return folder


def _foreign_type_folder(folder, saved_folder):
    """A format-2 folder whose description names a type the package does not know."""
    shutil.copytree(saved_folder, folder)
    description = json.loads((folder / DESCRIPTION_FILE).read_text())
    description["classifier"]["type"] = "os.system"
    (folder / DESCRIPTION_FILE).write_text(json.dumps(description))
    _refresh_digest(folder, DESCRIPTION_FILE)
    return folder


@pytest.fixture
def hostile(tiny_model_dir, tmp_path):
    marker = tmp_path / "PAYLOAD_RAN"
    folders = {
        "payload pickle": (_pickle_folder(tmp_path / "p1", _Payload(marker)), "format-1"),
        "stealthy pickle": (_pickle_folder(tmp_path / "p2", _Stealthy(marker)), "format-1"),
        "pickle without digest": (_pickle_folder(tmp_path / "p3", _Payload(marker), False), "format-1"),
        "object array": (_object_array_folder(tmp_path / "p4", tiny_model_dir, marker), "can read"),
        "foreign type": (_foreign_type_folder(tmp_path / "p5", tiny_model_dir), "can read"),
    }
    return marker, folders


def test_no_api_call_runs_a_hostile_folder(hostile, tmp_path):
    marker, folders = hostile
    data = eq.read_labelled(_labelled_csv(tmp_path), "text", "label")
    for name, (folder, message) in folders.items():
        calls = {
            "load_model": lambda f=folder: eq.load_model(f),
            "score_texts": lambda f=folder: eq.score_texts(["hello there"], model=f),
            "train --base": lambda f=folder: eq.train(data, base=f, cv=0),
        }
        for call_name, call in calls.items():
            with pytest.raises((eq.ModelCompatibilityError, eq.ModelIntegrityError), match=message):
                call()
            assert not marker.exists(), f"{call_name} ran the payload of the {name} folder"


def _labelled_csv(tmp_path):
    path = tmp_path / "labelled.csv"
    rows = [f"{t.replace(',', '')},{label}" for t, label in zip(TEXTS, LABELS, strict=True)]
    path.write_text("text,label\n" + "\n".join(rows) + "\n")
    return path


def _scored_csv(tmp_path):
    path = tmp_path / "scored.csv"
    lines = ["team,text,label,p_fear,p_flow,p_neutral,status"]
    lines += [f"t{i % 2},{t.replace(',', '')},fear,0.6,0.2,0.2,ok" for i, t in enumerate(TEXTS)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.slow
def test_no_command_runs_a_hostile_folder(hostile, tmp_path, capsys):
    marker, folders = hostile
    labelled, scored = _labelled_csv(tmp_path), _scored_csv(tmp_path)
    for name, (folder, message) in folders.items():
        out = tmp_path / f"out-{folder.name}"
        columns = ["--text-column", "text", "--label-column", "label"]
        commands = {
            "score": ["score", str(labelled), "-o", f"{out}.csv", "--model", str(folder), "-q"],
            "explain": ["explain", "hello", "--model", str(folder)],
            "evaluate": ["evaluate", str(folder), str(labelled), *columns],
            "suggest": ["suggest", str(labelled), "-n", "2", "--model", str(folder)],
            "report": ["report", str(scored), "--group-by", "team", "--text-column", "text", "--model",
                       str(folder), "--min-group-size", "1", "-o", f"{out}.html"],
            "train --base": ["train", str(labelled), *columns, "--base", str(folder), "--cv", "0",
                             "-o", str(out)],
            "convert": ["convert", str(folder), str(out)],
        }  # fmt: skip
        for command, argv in commands.items():
            code = main(argv)
            err = capsys.readouterr().err.strip()
            assert code == 2, f"{command} on the {name} folder exited {code}"
            assert len(err.splitlines()) == 1 and err.startswith(f"equalcare {argv[0]}: error:"), err
            assert message in err or (command == "convert" and "not a format-1" in err) or "pickle" in err
            assert not marker.exists(), f"{command} ran the payload of the {name} folder"


@contextlib.contextmanager
def _flat_module_names():
    """Pickle as the package did before its subpackages: each class named by its old flat module."""
    before = {old: sys.modules.get(old) for old in persist.FORMAT_1_MODULES}
    renamed = []
    for old, new in persist.FORMAT_1_MODULES.items():
        module = sys.modules[old] = importlib.import_module(new)
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == new:
                value.__module__ = old
                renamed.append((value, new))
    try:
        yield
    finally:
        for cls, new in renamed:
            cls.__module__ = new
        for old, module in before.items():
            if module is None:
                del sys.modules[old]
            else:
                sys.modules[old] = module


@pytest.mark.parametrize("older", [False, True], ids=["current", "before-newer-parameters"])
def test_convert_needs_trust_and_rewrites_a_real_format_1_folder(tiny_model, tmp_path, capsys, older):
    model = tiny_model
    if older:  # a model pickled by an earlier version, without the parameters added since
        model = copy.deepcopy(model)
        for name in ("register_gate", "counterfactual_scope", "mixed_threshold"):
            model.__dict__.pop(name)
        dict(model.features_.transformer_list)["lexicon"].__dict__.pop("span")
    old = tmp_path / "old"
    old.mkdir()
    with _flat_module_names() if older else contextlib.nullcontext():
        joblib.dump(model, old / "model.joblib")
    if older:
        assert b"equalcare_nlp.model.classifier" not in (old / "model.joblib").read_bytes()
    digest = hashlib.sha256((old / "model.joblib").read_bytes()).hexdigest()
    manifest = {"format_version": 1, "model_file": "model.joblib", "sha256": digest}
    (old / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(eq.ModelCompatibilityError, match="equalcare convert"):
        eq.load_model(old)
    with pytest.raises(PermissionError, match="trust"):
        convert_model(old, tmp_path / "new")
    assert main(["convert", str(old), str(tmp_path / "new"), "--trust-pickle"]) == 0
    assert "model digest" in capsys.readouterr().out
    _assert_same_predictions(model, eq.load_model(tmp_path / "new"), TEXTS)


def test_cli_pins_a_digest(tiny_model_dir, capsys):
    folder = str(tiny_model_dir)
    assert main(["explain", "thank you", "--model", folder, "--sha256", model_digest(folder)]) == 0
    capsys.readouterr()
    assert main(["explain", "thank you", "--model", folder, "--sha256", "0" * 64]) == 2
    assert "the sha256 you gave" in capsys.readouterr().err
