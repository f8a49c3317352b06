"""The model shipped to Dask workers as bytes: a saved model's files with its digest, written to a
private folder and verified by :func:`~equalcare_nlp.model.persist.load_model` on each worker.

Bytes, not a folder path, because workers on Kubernetes, YARN or HPC rarely share the client's disk.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..model.persist import (
    MANIFEST_FILE,
    default_model_path,
    load_model,
    model_digest,
    read_manifest,
    save_model,
)
from ..model.text_classifier import LinearTextClassifier


@dataclass(frozen=True)
class ModelPayload:
    """A saved model's files as bytes (manifest and the files it lists) with the model digest."""

    files: dict[str, bytes]
    sha256: str

    @classmethod
    def read(cls, folder: str | os.PathLike) -> ModelPayload:
        """The bytes of the saved model in ``folder`` and its model digest."""
        names = [MANIFEST_FILE, *read_manifest(folder).get("files", {})]
        files = {Path(name).name: (Path(folder) / Path(name).name).read_bytes() for name in names}
        return cls(files, model_digest(folder))

    def load(self) -> LinearTextClassifier:
        """The model, loaded by :func:`load_model` (every digest checked) from a private copy."""
        with tempfile.TemporaryDirectory(prefix="equalcare-model-") as folder:
            for name, data in self.files.items():
                Path(folder, name).write_bytes(data)
            return load_model(folder, sha256=self.sha256)


def model_payload(
    model: LinearTextClassifier | str | os.PathLike | None = None, sha256: str | None = None
) -> tuple[LinearTextClassifier, ModelPayload]:
    """The model, verified here by :func:`load_model` (None: the shipped one), and its bytes to ship."""
    if isinstance(model, LinearTextClassifier):
        with tempfile.TemporaryDirectory(prefix="equalcare-model-") as folder:
            return model, ModelPayload.read(save_model(model, folder))
    folder = Path(model) if model is not None else default_model_path()
    return load_model(model, sha256=sha256), ModelPayload.read(folder)
