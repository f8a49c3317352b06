"""Public emotion corpora through the ``datasets`` library: from the hub or from a local folder.

Every loader returns a :class:`datasets.Dataset` with the same two columns, ``text`` and
``emotions`` (the corpus' own label names, a list because GoEmotions is multi-label), so one
label map turns any of them into fear/flow/neutral (:func:`to_labels`).

``source`` is either a folder holding the corpus' official files (as published; see the
``SOURCE.md`` of each folder under ``$EQUALCARE_DATA_DIR``) or a hub id. When it is omitted,
``$EQUALCARE_DATA_DIR/<folder>`` is used if it exists, else the hub id, which needs network.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import datasets

from .labels import MIXED, LabelMap, load_label_map

DATA_DIR_ENV = "EQUALCARE_DATA_DIR"
_SPLIT_ALIASES = {"dev": "validation", "val": "validation", "valid": "validation"}


@dataclass(frozen=True)
class Corpus:
    """Where a corpus lives on the hub and on disk, and how to read its local files."""

    name: str
    hub_id: str
    hub_config: str | None
    folder: str
    read_local: Callable[[Path, str], tuple[list[str], list[list[str]]]]
    splits: tuple[str, ...] = ("train", "validation", "test")


def _read_goemotions(folder: Path, split: str) -> tuple[list[str], list[list[str]]]:
    names = (folder / "emotions.txt").read_text(encoding="utf-8").split()
    file = {"train": "train.tsv", "validation": "dev.tsv", "test": "test.tsv"}[split]
    texts, emotions = [], []
    with open(folder / file, encoding="utf-8", newline="") as handle:
        # The authors quote some texts CSV-style ("..." with doubled inner quotes).
        for row in csv.reader(handle, delimiter="\t"):
            texts.append(row[0])
            emotions.append([names[int(i)] for i in row[1].split(",")])
    return texts, emotions


def _read_carer(folder: Path, split: str) -> tuple[list[str], list[list[str]]]:
    file = {"train": "train.txt", "validation": "val.txt", "test": "test.txt"}[split]
    texts, emotions = [], []
    for line in (folder / file).read_text(encoding="utf-8").splitlines():
        if line:
            text, label = line.rsplit(";", 1)
            texts.append(text)
            emotions.append([label])
    return texts, emotions


def _read_tweeteval(folder: Path, split: str) -> tuple[list[str], list[list[str]]]:
    prefix = {"train": "train", "validation": "val", "test": "test"}[split]
    names = dict(
        line.split("\t") for line in (folder / "mapping.txt").read_text(encoding="utf-8").splitlines()
    )
    texts = (folder / f"{prefix}_text.txt").read_text(encoding="utf-8").splitlines()
    labels = (folder / f"{prefix}_labels.txt").read_text(encoding="utf-8").split()
    if len(texts) != len(labels):
        raise ValueError(f"{folder}: {len(texts)} texts but {len(labels)} labels in split {split}")
    return [t.rstrip() for t in texts], [[names[label]] for label in labels]


CORPORA: dict[str, Corpus] = {
    c.name: c
    for c in (
        Corpus(
            "goemotions", "google-research-datasets/go_emotions", "simplified", "goemotions", _read_goemotions
        ),
        Corpus("carer", "dair-ai/emotion", "split", "carer_emotion", _read_carer),
        Corpus("tweeteval", "cardiffnlp/tweet_eval", "emotion", "tweeteval_emotion", _read_tweeteval),
    )
}


def register_corpus(corpus: Corpus) -> None:
    """Make another corpus loadable by name with :func:`load_corpus`."""
    CORPORA[corpus.name] = corpus


def default_source(name: str) -> str:
    """``$EQUALCARE_DATA_DIR/<folder>`` when that folder exists, else the corpus' hub id."""
    corpus = _corpus(name)
    data_dir = os.environ.get(DATA_DIR_ENV)
    if data_dir and (Path(data_dir) / corpus.folder).is_dir():
        return str(Path(data_dir) / corpus.folder)
    return corpus.hub_id


def load_corpus(name: str, split: str, source: str | os.PathLike | None = None) -> datasets.Dataset:
    """Load one split of a public corpus as a Dataset with ``text`` and ``emotions`` columns.

    ``split`` is ``train``, ``validation`` (alias ``dev``/``val``) or ``test``. ``source`` is a
    local folder with the official files or a hub id (see the module docstring).
    """
    corpus = _corpus(name)
    split = _SPLIT_ALIASES.get(split, split)
    if split not in corpus.splits:
        raise ValueError(f"{name} has splits {corpus.splits}, not {split!r}")
    source = str(source) if source is not None else default_source(name)
    if Path(source).is_dir():
        texts, emotions = corpus.read_local(Path(source), split)
        return datasets.Dataset.from_dict({"text": texts, "emotions": emotions})
    return _from_hub(corpus, source, split)


def _from_hub(corpus: Corpus, hub_id: str, split: str) -> datasets.Dataset:
    dataset = datasets.load_dataset(hub_id, corpus.hub_config, split=split)
    label_column = "labels" if "labels" in dataset.column_names else "label"
    feature = dataset.features[label_column]
    names = (feature.feature if isinstance(feature, datasets.Sequence | list) else feature).names

    def to_names(label: int | list[int]) -> list[str]:
        return [names[i] for i in label] if isinstance(label, list) else [names[label]]

    return datasets.Dataset.from_dict(
        {"text": dataset["text"], "emotions": [to_names(v) for v in dataset[label_column]]}
    )


def to_labels(dataset: datasets.Dataset, label_map: LabelMap | str) -> tuple[list[str], list[str]]:
    """Texts and fear/flow/neutral labels; mixed examples and unmapped labels are left out."""
    label_map = load_label_map(label_map) if isinstance(label_map, str) else label_map
    texts, labels = [], []
    for text, emotions in zip(dataset["text"], dataset["emotions"], strict=True):
        label = label_map.map_many(emotions)
        if label is not None and label != MIXED:
            texts.append(text)
            labels.append(label)
    return texts, labels


def load_labelled(
    name: str, split: str, source: str | os.PathLike | None = None, label_map: LabelMap | str | None = None
) -> tuple[list[str], list[str]]:
    """Shortcut: :func:`load_corpus` then :func:`to_labels` with the corpus' shipped label map."""
    return to_labels(load_corpus(name, split, source), label_map or name)


def fingerprint(texts: Sequence[str], labels: Sequence[str]) -> str:
    """A SHA-256 over the training examples, recorded in a model's manifest."""
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(json.dumps([text, label]).encode("utf-8"))
    return digest.hexdigest()


def _corpus(name: str) -> Corpus:
    try:
        return CORPORA[name]
    except KeyError:
        raise KeyError(f"Unknown corpus {name!r}; known: {sorted(CORPORA)}") from None
