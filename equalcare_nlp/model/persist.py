"""Save and load models as data: a folder of JSON and numeric arrays that loading cannot run.

A saved model (format 2) is ``manifest.json`` (versions, training record, the SHA-256 of every
other file), ``model.json`` (what the model is: types, parameters, which array holds what),
``arrays.npz`` (weights, vocabularies, tables; read with ``allow_pickle=False``) and
``MODEL_CARD.md``. Loading reads data only (:mod:`equalcare_nlp.model.model_format`), so a folder from
a stranger can at worst hold a bad model, never run code. The folder's own digests catch
accidents; the **model digest** (:func:`model_digest`, the SHA-256 of ``manifest.json``, which
covers every file through its digests) is what a user pins with ``sha256=`` / ``--sha256`` when
they got it from someone they trust. The shipped default is checked against a digest written in
this module, not in its folder. Format-1 folders (pickles) are refused; :func:`convert_model`
turns one into format 2 only when told the pickle is trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import io
import json
import os
import platform
import sys
import tempfile
import zipfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import ModelCompatibilityError, ModelIntegrityError
from ..core.resources import resource_path
from .model_format import ModelFormatError, model_data, model_from_data
from .text_classifier import LinearTextClassifier

MANIFEST_FILE = "manifest.json"
DESCRIPTION_FILE = "model.json"
ARRAYS_FILE = "arrays.npz"
CARD_FILE = "MODEL_CARD.md"
#: Bumped when the saved layout changes incompatibly (1: a joblib pickle; 2: data only).
FORMAT_VERSION = 2
#: The model digest of the shipped default (``models/default``), kept apart from its folder.
DEFAULT_MODEL_SHA256 = "5a523e48108344d6acbf3b5adfe0d74163281eaf750685176966699f16ee2435"
#: Libraries whose version is recorded in the manifest (informative: loading needs none of them to match).
_RECORDED = (
    "equalcare-nlp",
    "scikit-learn",
    "numpy",
    "scipy",
    "spacy",
    "spacy-lookups-data",
    "vaderSentiment",
)
#: The array file's members are ``<key>.npy``; a loaded model has at most this many.
_MAX_ARRAYS = 10_000


def versions() -> dict[str, str | None]:
    """Installed versions of the package and the libraries a saved model depends on."""
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in _RECORDED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_digest(path: str | os.PathLike | None = None) -> str:
    """The model digest of a saved folder (None: the shipped default): SHA-256 of its manifest."""
    folder = Path(path) if path is not None else default_model_path()
    return file_sha256(folder / MANIFEST_FILE)


def save_model(
    model: LinearTextClassifier,
    path: str | os.PathLike,
    *,
    training: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
    card: str | None = None,
) -> Path:
    """Write ``model`` to folder ``path`` with its manifest (and model card, if given).

    ``training`` describes the training data (corpus, split, size, fingerprint, label map);
    ``metrics`` holds evaluation results. Each file is written to a temporary name and renamed,
    the manifest last, so an interrupted save never leaves a folder that loads.
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    description, arrays = model_data(model)
    _atomic_write(folder / ARRAYS_FILE, lambda tmp: _write_arrays(tmp, arrays))
    _atomic_write(folder / DESCRIPTION_FILE, lambda tmp: _write_text(tmp, json.dumps(description, indent=1)))
    files = [ARRAYS_FILE, DESCRIPTION_FILE]
    if card is not None:
        _atomic_write(folder / CARD_FILE, lambda tmp: _write_text(tmp, card))
        files.append(CARD_FILE)
    manifest = {
        "format_version": FORMAT_VERSION,
        "files": {name: file_sha256(folder / name) for name in files},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "labels": [str(c) for c in model.classes_],
        "params": {k: _jsonable(v) for k, v in model.get_params(deep=False).items() if k != "base"},
        "versions": versions(),
        "training": training or {},
        "metrics": metrics or {},
    }
    _atomic_write(folder / MANIFEST_FILE, lambda tmp: _write_text(tmp, json.dumps(manifest, indent=2)))
    return folder


def read_manifest(path: str | os.PathLike) -> dict[str, Any]:
    """The manifest of a saved model folder."""
    return _manifest(path)[0]


def _manifest(path: str | os.PathLike) -> tuple[dict[str, Any], str]:
    """A folder's manifest and the model digest, from one read of ``manifest.json``."""
    manifest_file = Path(path) / MANIFEST_FILE
    if not manifest_file.is_file():
        raise FileNotFoundError(f"{path} is not a saved equalcare_nlp model: no {MANIFEST_FILE}")
    data = manifest_file.read_bytes()
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelIntegrityError(f"{manifest_file} is not a JSON manifest: {error}") from error
    if not isinstance(manifest, dict):
        raise ModelIntegrityError(f"{manifest_file} is not a JSON object")
    return manifest, hashlib.sha256(data).hexdigest()


def default_model_path() -> Path:
    """Folder of the default model shipped with the package."""
    return resource_path("models", "default")


def load_model(path: str | os.PathLike | None = None, *, sha256: str | None = None) -> LinearTextClassifier:
    """Load a saved model (the shipped default when ``path`` is None), verifying it first.

    Raises :class:`ModelIntegrityError` when the model digest differs from ``sha256`` (or, for
    the default, from :data:`DEFAULT_MODEL_SHA256`), when a file differs from its digest in the
    manifest or a file has none, or when the files do not describe a model; raises
    :class:`ModelCompatibilityError` for another format (a format-1 pickle folder says how to
    convert it). Nothing read can run code.
    """
    folder = Path(path) if path is not None else default_model_path()
    expected = sha256 if sha256 is not None or path is not None else DEFAULT_MODEL_SHA256
    manifest, actual = _manifest(folder)
    if expected is not None:
        if actual != expected.strip().lower():
            source = (
                "the sha256 you gave" if sha256 is not None else "the package's record of its default model"
            )
            raise ModelIntegrityError(
                f"{folder} has model digest {actual}, but {source} says {expected}: it is not the model "
                "you expect (or was changed after it was saved); refusing to load it"
            )
    _check_format(folder, manifest)
    _check_files(folder, manifest)
    try:
        description = json.loads((folder / DESCRIPTION_FILE).read_text(encoding="utf-8"))
        model = model_from_data(description, _read_arrays(folder / ARRAYS_FILE))
    except (ModelFormatError, UnicodeDecodeError, json.JSONDecodeError, zipfile.BadZipFile) as error:
        raise ModelIntegrityError(f"{folder} does not hold a model this package can read: {error}") from error
    return model


def _check_format(folder: Path, manifest: dict[str, Any]) -> None:
    found = manifest.get("format_version")
    if found == 1:
        raise ModelCompatibilityError(
            f"{folder} is a format-1 model: a pickle, which can run any code when opened, so this "
            "version does not open it. If you trust where it came from, convert it once with "
            f"`equalcare convert {folder} NEW_FOLDER --trust-pickle` (needs scikit-learn 1.9, which "
            "wrote it), or retrain it"
        )
    if found != FORMAT_VERSION:
        raise ModelCompatibilityError(
            f"{folder}: model format {found!r}; this package reads format {FORMAT_VERSION}. Upgrade "
            "equalcare-nlp, or retrain the model with this version"
        )


def _check_files(folder: Path, manifest: dict[str, Any]) -> None:
    """Every file the model needs has a digest in the manifest, and every listed file matches it."""
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise ModelIntegrityError(f"{folder}/{MANIFEST_FILE} lists no file digests; refusing to load it")
    for name in (DESCRIPTION_FILE, ARRAYS_FILE):
        if name not in files:
            raise ModelIntegrityError(
                f"{folder}/{MANIFEST_FILE} has no digest for {name}; refusing to load it"
            )
    for name, expected in files.items():
        if Path(name).name != name or name in (".", ".."):
            raise ModelIntegrityError(f"{folder}/{MANIFEST_FILE} lists a file outside the folder: {name!r}")
        file = folder / name
        if not file.is_file():
            raise ModelIntegrityError(f"{folder} is incomplete: {name} is missing")
        actual = file_sha256(file)
        if actual != expected:
            raise ModelIntegrityError(
                f"{file} has SHA-256 {actual}, but the manifest says {expected}: the file was changed "
                "after it was saved; refusing to load it"
            )


#: Where the classes a format-1 pickle names by module now live: the package's flat modules
#: before they moved into subpackages (``equalcare_nlp.model`` held the classifier then).
FORMAT_1_MODULES = {
    "equalcare_nlp.model": "equalcare_nlp.model.classifier",
    "equalcare_nlp.features": "equalcare_nlp.features.parts",
    "equalcare_nlp.vectors": "equalcare_nlp.features.vectors",
    "equalcare_nlp.linear": "equalcare_nlp.model.linear",
    "equalcare_nlp.text_classifier": "equalcare_nlp.model.text_classifier",
    "equalcare_nlp.adapted": "equalcare_nlp.model.adapted",
    "equalcare_nlp.calibration": "equalcare_nlp.model.calibration",
    "equalcare_nlp.preprocess": "equalcare_nlp.nlp.preprocess",
}


@contextlib.contextmanager
def format_1_modules():
    """Let a pickle find its classes under the module names of :data:`FORMAT_1_MODULES` while it is
    opened; every module is imported first, so nothing is imported while the names point elsewhere."""
    now = {old: importlib.import_module(new) for old, new in FORMAT_1_MODULES.items()}
    before = {old: sys.modules.get(old) for old in now}
    sys.modules.update(now)
    try:
        yield
    finally:
        for old, module in before.items():
            if module is None:
                del sys.modules[old]
            else:
                sys.modules[old] = module


def convert_model(old: str | os.PathLike, new: str | os.PathLike, *, trust_pickle: bool = False) -> Path:
    """Rewrite a format-1 (joblib pickle) model folder as a format-2 folder at ``new``.

    Opening the pickle runs whatever code it holds, so this refuses unless ``trust_pickle`` is
    True: say so only for a model whose source you trust. The pickle must match the digest in
    its manifest, and must hold one of the package's classifiers.
    """
    old, new = Path(old), Path(new)
    manifest = read_manifest(old)
    if manifest.get("format_version") != 1:
        raise ModelCompatibilityError(
            f"{old} is not a format-1 model (format {manifest.get('format_version')!r})"
        )
    if not trust_pickle:
        raise PermissionError(
            f"{old} holds a pickle, which runs code when opened; convert it only if you trust its "
            "source, with trust_pickle=True (`--trust-pickle`)"
        )
    if new.resolve() == old.resolve():
        raise ValueError("convert writes a new folder: give a NEW path, not the old model's folder")
    pickle_file = old / Path(manifest.get("model_file", "model.joblib")).name
    if manifest.get("sha256") != file_sha256(pickle_file):
        raise ModelIntegrityError(f"{pickle_file} does not match its manifest's sha256; refusing to open it")
    import joblib  # the one place a pickle is ever opened

    with format_1_modules():
        model = joblib.load(pickle_file)
    if not isinstance(model, LinearTextClassifier):
        raise ModelIntegrityError(
            f"{pickle_file} holds a {type(model).__name__}, not a model of this package"
        )
    card = old / CARD_FILE
    return save_model(
        model,
        new,
        training=manifest.get("training"),
        metrics=manifest.get("metrics"),
        card=card.read_text(encoding="utf-8") if card.is_file() else None,
    )


def _write_arrays(path: str, arrays: dict[str, np.ndarray]) -> None:
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` file, with object (pickled) arrays refused."""
    data = path.read_bytes()
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            if len(archive.files) > _MAX_ARRAYS:
                raise ModelFormatError(f"{path.name} holds {len(archive.files)} arrays")
            return {key: archive[key] for key in archive.files}
    except ValueError as error:  # an object array: numpy refuses to unpickle it
        raise ModelFormatError(f"{path.name}: {error}") from error


def _write_text(path: str, text: str) -> None:
    Path(path).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def _atomic_write(target: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    return repr(value)
