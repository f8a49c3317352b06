"""Save and load models: a folder with ``model.joblib``, ``manifest.json`` and ``MODEL_CARD.md``.

Loading a joblib (pickle) file runs code, so :func:`load_model` reads the manifest first and
refuses to unpickle a ``model.joblib`` whose SHA-256 differs from the manifest's (or from the
``sha256`` the caller got from someone they trust), or that was written by incompatible
versions of the package or scikit-learn.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import joblib

from .model import FearFlowClassifier
from .resources import resource_path

MODEL_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"
CARD_FILE = "MODEL_CARD.md"
#: Bumped when the saved layout changes incompatibly.
FORMAT_VERSION = 1
#: Libraries whose version is recorded; those in ``_MUST_MATCH`` must match on load (major.minor).
_RECORDED = (
    "equalcare-nlp",
    "scikit-learn",
    "numpy",
    "scipy",
    "spacy",
    "spacy-lookups-data",
    "vaderSentiment",
    "joblib",
)
_MUST_MATCH = ("scikit-learn",)


class ModelIntegrityError(RuntimeError):
    """A model file does not match its manifest (changed after saving, or not ours)."""


class ModelCompatibilityError(RuntimeError):
    """A model was saved by versions this installation cannot load safely."""


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


def save_model(
    model: FearFlowClassifier,
    path: str | os.PathLike,
    *,
    training: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
    card: str | None = None,
) -> Path:
    """Write ``model`` to folder ``path`` with its manifest (and model card, if given).

    ``training`` describes the training data (corpus, split, size, fingerprint, label map);
    ``metrics`` holds evaluation results. Files are written to temporary names and renamed,
    so an interrupted save never leaves a folder that looks complete.
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    model_file = folder / MODEL_FILE
    _atomic_write(model_file, lambda tmp: joblib.dump(model, tmp, compress=3))
    manifest = {
        "format_version": FORMAT_VERSION,
        "model_file": MODEL_FILE,
        "sha256": file_sha256(model_file),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "labels": [str(c) for c in model.classes_],
        "params": {k: _jsonable(v) for k, v in model.get_params().items()},
        "versions": versions(),
        "training": training or {},
        "metrics": metrics or {},
    }
    _atomic_write(
        folder / MANIFEST_FILE, lambda tmp: Path(tmp).write_text(json.dumps(manifest, indent=2) + "\n")
    )
    if card is not None:
        _atomic_write(folder / CARD_FILE, lambda tmp: Path(tmp).write_text(card, encoding="utf-8"))
    return folder


def read_manifest(path: str | os.PathLike) -> dict[str, Any]:
    """The manifest of a saved model folder."""
    manifest_file = Path(path) / MANIFEST_FILE
    if not manifest_file.is_file():
        raise FileNotFoundError(f"{path} is not a saved equalcare_nlp model: no {MANIFEST_FILE}")
    return json.loads(manifest_file.read_text(encoding="utf-8"))


def default_model_path() -> Path:
    """Folder of the default model shipped with the package."""
    return resource_path("models", "default")


def load_model(path: str | os.PathLike | None = None, *, sha256: str | None = None) -> FearFlowClassifier:
    """Load a saved model (the shipped default when ``path`` is None), verifying it first.

    Raises :class:`ModelIntegrityError` when the model file's digest differs from the
    manifest's or from ``sha256``, and :class:`ModelCompatibilityError` when it was saved by
    an incompatible format or scikit-learn version. Nothing is unpickled before both checks.
    """
    folder = Path(path) if path is not None else default_model_path()
    manifest = read_manifest(folder)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelCompatibilityError(
            f"{folder}: model format {manifest.get('format_version')!r}, this package reads "
            f"format {FORMAT_VERSION}; retrain the model with this version"
        )
    model_file = folder / manifest.get("model_file", MODEL_FILE)
    if model_file.parent.resolve() != folder.resolve():
        raise ModelIntegrityError(f"{folder}: manifest points outside the model folder: {model_file}")
    actual = file_sha256(model_file)
    for expected, source in ((manifest.get("sha256"), "its manifest"), (sha256, "the sha256 you gave")):
        if expected is not None and actual != expected:
            raise ModelIntegrityError(
                f"{model_file} has SHA-256 {actual}, but {source} says {expected}: the file was "
                "changed after it was saved (or is not the model you expect); refusing to load it"
            )
    _check_versions(folder, manifest.get("versions", {}))
    model = joblib.load(model_file)
    if not isinstance(model, FearFlowClassifier):
        raise ModelIntegrityError(f"{model_file} holds a {type(model).__name__}, not a FearFlowClassifier")
    return model


def _check_versions(folder: Path, saved: dict[str, str | None]) -> None:
    installed = versions()
    for name in _MUST_MATCH:
        if _minor(saved.get(name)) != _minor(installed.get(name)):
            raise ModelCompatibilityError(
                f"{folder} was saved with {name} {saved.get(name)}, but {installed.get(name)} is "
                f"installed; install {name}=={saved.get(name)} or retrain the model"
            )


def _minor(version: str | None) -> tuple[str, ...] | None:
    return tuple(version.split(".")[:2]) if version else None


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
