"""What a report says about the model that scored its table, read from that model's manifest.

A scored table does not record its model, so a report knows it only when told (``equalcare report
--model``, ``build_report(scored_by=...)``); it then names the model by its digest and says what
the training record in its manifest (written by ``equalcare train`` and ``train-default``) lists.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import Any

from ..tables.formats import FORMAT_REGISTRY

#: Extensions of the labelled files ``equalcare train`` reads (it records the file's path as its corpus).
_TABLE_SUFFIXES = tuple(ext for fmt in FORMAT_REGISTRY.values() for ext in fmt.extensions)


@dataclass(frozen=True)
class TrainingSet:
    """One corpus a model was trained on, and how many examples of it (None: not recorded)."""

    corpus: str
    examples: int | None


@dataclass(frozen=True)
class ModelInfo:
    """The model that scored a table: its digest, what it was trained on (empty: no training record)
    and, for a model ``equalcare train`` adapted from another, how and from which (by digest)."""

    digest: str
    trained_on: list[TrainingSet] = field(default_factory=list)
    method: str | None = None
    base_digest: str | None = None


def describe_model(folder: str | os.PathLike) -> ModelInfo:
    """The model in ``folder`` (``"default"``: the shipped one) as its manifest describes it."""
    from ..model.persist import default_model_path, model_digest, read_manifest  # only when told a model

    path = default_model_path() if str(folder) == "default" else Path(folder)
    training = read_manifest(path).get("training")
    record = training if isinstance(training, dict) else {}
    extra = record.get("extra")
    sets = [record, *(e for e in extra if isinstance(e, dict))] if isinstance(extra, list) else [record]
    base = record.get("base_sha256")
    return ModelInfo(
        digest=model_digest(path),
        trained_on=[_training_set(s) for s in sets if s.get("corpus")],
        method=str(record["method"]) if base and record.get("method") else None,
        base_digest=str(base) if base else None,
    )


def _training_set(entry: dict[str, Any]) -> TrainingSet:
    examples = entry.get("n_examples")
    return TrainingSet(_corpus_name(str(entry["corpus"])), examples if isinstance(examples, int) else None)


def _corpus_name(corpus: str) -> str:
    """A corpus recorded as the path of a labelled file is named by its file name alone: the folders
    of a path can name the person who trained the model, and a report is read far from that machine."""
    name = PureWindowsPath(corpus).name  # splits at both / and \
    return name if name != corpus and name.lower().endswith(_TABLE_SUFFIXES) else corpus
