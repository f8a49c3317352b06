"""Public emotion corpora through the ``datasets`` library: from the hub or from a local folder.

Every loader returns a :class:`datasets.Dataset` with the same two columns, ``text`` and
``emotions`` (the corpus' own label names, a list because GoEmotions is multi-label), so one
label map turns any of them into fear/flow/neutral (:func:`to_labels`).

``source`` is either a folder holding the corpus' official files (as published; see the
``SOURCE.md`` of each folder under ``$EQUALCARE_DATA_DIR``) or a hub id. When it is omitted,
``$EQUALCARE_DATA_DIR/<folder>`` is used if it exists, else the hub id, which needs network.
ISEAR and EmoBank have no canonical hub id (only third-party re-uploads), so they load from a
local folder only.

ISEAR has no official split: a fixed stratified 80/10/10 split (seed 0) is made on loading.
EmoBank is rated on continuous scales, not emotion names: its Dataset has an extra ``valence``
column (1 = very negative ... 5 = very positive) and an empty ``emotions`` list per row.

Two corpora speak the language this project reads. ``domain`` is our own corpus of staff and
service-user comments written to ``docs/codebook.md`` (shipped in ``data/domain/``; the label is the
codebook's, ``mixed`` included, with ``source``, ``construct`` and ``service`` columns). ``nhs_phase1``
is real NHS patient feedback from three trusts (MIT, The Strategy Unit's ``pxtextmining``): its
"emotion" is the coder's criticality score, with ``trust``, ``question`` and ``topic`` columns, and a
grouped split of our own (:func:`nhs_split`).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.labels import FEAR, MIXED, NEUTRAL, LabelMap, load_label_map
from ..core.resources import resource_path

if TYPE_CHECKING:  # `datasets` is imported by the loaders, not with the module (fingerprint needs none)
    import datasets

DATA_DIR_ENV = "EQUALCARE_DATA_DIR"
_SPLIT_ALIASES = {"dev": "validation", "val": "validation", "valid": "validation"}
#: What a local reader returns: texts, emotion names per text and, optionally, extra numeric columns.
LocalRows = tuple[list[str], list[list[str]]] | tuple[list[str], list[list[str]], dict[str, list]]


@dataclass(frozen=True)
class Corpus:
    """Where a corpus lives on the hub (``hub_id`` None: nowhere canonical) and on disk."""

    name: str
    hub_id: str | None
    hub_config: str | None
    folder: str
    read_local: Callable[[Path, str], LocalRows]
    splits: tuple[str, ...] = ("train", "validation", "test")
    #: Shipped with the package (``data/<folder>``) instead of found under ``$EQUALCARE_DATA_DIR``.
    shipped: bool = False


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


#: ISEAR's own split (it has none): stratified by emotion, seeded, 80% train, 10% validation, 10% test.
ISEAR_SPLIT_SEED = 0
_ISEAR_FIELDS_BEFORE_SIT = 40
# Line-wrap marks of the original database export: every "á" in SIT is one (the texts are English),
# sometimes followed by the "|" that makes a row have too many fields.
_ISEAR_WRAP = re.compile(r"á\|?")


def _read_isear(folder: Path, split: str) -> tuple[list[str], list[list[str]]]:
    lines = (folder / "isear.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("|")
    emotion_field = header.index("Field1")
    texts, emotions = [], []
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        fields = line.split("|")
        if len(fields) < len(header):
            raise ValueError(
                f"{folder / 'isear.csv'} line {number}: {len(fields)} fields, need {len(header)}"
            )
        # SIT may itself contain "|": it is everything between the first 40 fields and STATE + "".
        sit = "|".join(fields[_ISEAR_FIELDS_BEFORE_SIT:-2])
        texts.append(" ".join(_ISEAR_WRAP.sub(" ", sit).split()))
        emotions.append([fields[emotion_field]])
    return _seeded_split(texts, emotions, split)


def _seeded_split(
    texts: list[str], emotions: list[list[str]], split: str
) -> tuple[list[str], list[list[str]]]:
    """The fixed 80/10/10 split, stratified on the (single) emotion of each text."""
    from sklearn.model_selection import train_test_split

    index = list(range(len(texts)))
    strata = [e[0] for e in emotions]
    train, rest = train_test_split(index, test_size=0.2, random_state=ISEAR_SPLIT_SEED, stratify=strata)
    validation, test = train_test_split(
        rest, test_size=0.5, random_state=ISEAR_SPLIT_SEED, stratify=[strata[i] for i in rest]
    )
    chosen = sorted({"train": train, "validation": validation, "test": test}[split])
    return [texts[i] for i in chosen], [emotions[i] for i in chosen]


def _read_emobank(folder: Path, split: str) -> LocalRows:
    wanted = {"train": "train", "validation": "dev", "test": "test"}[split]
    texts, valence = [], []
    with open(folder / "emobank.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["split"] == wanted:
                texts.append(row["text"])
                valence.append(float(row["V"]))
    return texts, [[] for _ in texts], {"valence": valence}


def _read_domain(folder: Path, split: str) -> LocalRows:
    file = {"train": "train.csv", "validation": "dev.csv", "test": "test.csv"}[split]
    with open(folder / file, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    extra = {column: [row[column] for row in rows] for column in DOMAIN_COLUMNS}
    return [row["text"] for row in rows], [[row["label"]] for row in rows], extra


#: The domain corpus' columns besides ``text`` and ``label``.
DOMAIN_COLUMNS = ("id", "source", "construct", "service")
#: NHS phase 1: the ``topic`` code of "Nothing to improve" answers, the coders' non-answers.
NHS_NON_ANSWER_TOPIC = "xn"
#: The emotion given to non-answers instead of their criticality (the label map leaves it out).
NHS_NON_ANSWER = "nothing_to_improve"
#: Percent of each trust's distinct comments in train and validation; the rest is test.
NHS_SPLIT = (70, 80)
_NHS_CRITICALITY = {str(value) for value in range(-5, 6)}


#: A comment that asks for something in the future rather than telling what happened: "More fans on
#: the ward", "Food could be better", "It would help to have a leaflet" (codebook rule 7).
_SUGGESTION_START = re.compile(
    r"^\W*(more|less|fewer|better|longer|shorter|quicker|faster|earlier|bigger|extra|maybe|perhaps|"
    r"possibly|please|could|would|should|it would|i would like|i'd like|would like|if |provide|make |"
    r"give |offer |allow |improve|increase|reduce|put |add |bring |keep |turn |open |install|introduce|"
    r"employ|hire|recruit|update|change|consider|ensure|to have|to be |need|needs|have more|have a|a |"
    r"an )",
    re.IGNORECASE,
)
_SUGGESTION_ANYWHERE = re.compile(
    r"would (be|have been) (nice|good|great|helpful|better|useful|lovely)|could (be|do with|have been) "
    r"(better|improved|more)|could do with|needs? (to be |some )?improv|would help|would like",
    re.IGNORECASE,
)
#: What happened to the writer: a complaint, not a suggestion, even when it starts like one.
_WHAT_HAPPENED = re.compile(
    r"\b(was|were|wasn't|weren't|had|did|didn't|doesn't|don't|waited|waiting|told|left|never|rude|"
    r"ignored|no one|nobody|not|cancel\w*|lost|forgot\w*)\b",
    re.IGNORECASE,
)


def is_suggestion(text: str) -> bool:
    """Whether a critical comment reads as a feeling-free suggestion (codebook rule 7), not a complaint."""
    asks = _SUGGESTION_START.search(text) or _SUGGESTION_ANYWHERE.search(text)
    return bool(asks) and not _WHAT_HAPPENED.search(text)


def nhs_codebook_labels(dataset: datasets.Dataset) -> tuple[list[str], list[str]]:
    """NHS phase 1 as training labels by the codebook: praise is flow, criticism fear, but a critical
    comment that is a feeling-free suggestion is neutral (the coders score it critical; rule 7).

    Criticality 0, malformed scores and "Nothing to improve" answers are left out, as in
    :func:`to_labels` with the ``nhs_phase1`` label map.
    """
    texts, labels = [], []
    for text, label in zip(*to_labels(dataset, "nhs_phase1"), strict=True):
        texts.append(text)
        labels.append(NEUTRAL if label == FEAR and is_suggestion(text) else label)
    return texts, labels


#: Training sets read by the codebook (``mixed`` comments left out): how the default model and its
#: adaptations reload the data a manifest names.
def domain_codebook_labels(dataset: datasets.Dataset) -> tuple[list[str], list[str]]:
    """The domain corpus' texts and codebook labels, ``mixed`` included (a mixed detector learns
    from them; the three-label fit leaves them out)."""
    return list(dataset["text"]), [emotions[0] for emotions in dataset["emotions"]]


#: How each training source besides GoEmotions is read by the codebook.
CODEBOOK_READERS: dict[str, Callable[[datasets.Dataset], tuple[list[str], list[str]]]] = {
    "domain": domain_codebook_labels,
    "nhs_phase1": nhs_codebook_labels,
}


def load_codebook_labels(
    name: str, split: str, source: str | os.PathLike | None = None
) -> tuple[list[str], list[str]]:
    """Texts and codebook labels of a corpus read by :data:`CODEBOOK_READERS` (fear, flow and neutral;
    mixed too where the corpus labels it)."""
    try:
        reader = CODEBOOK_READERS[name]
    except KeyError:
        raise ValueError(f"No codebook reading of {name!r}; known: {sorted(CODEBOOK_READERS)}") from None
    return reader(load_corpus(name, split, source))


def trust_rows(dataset: datasets.Dataset, trust: str, *, without: bool = False) -> datasets.Dataset:
    """The NHS comments of one ``trust`` (``without=True``: of every other trust)."""
    return dataset.select([i for i, value in enumerate(dataset["trust"]) if (value == trust) != without])


def nhs_split(text: str) -> str:
    """The split of one NHS comment: a hash of its normalised words, so equal comments share a split.

    "Nothing", "Very good" and copy-pasted answers occur many times; grouping on the text keeps
    each of them on one side, and needs no seed or stored list.
    """
    key = " ".join(re.findall(r"\w+", text.lower())).encode("utf-8")
    bucket = int.from_bytes(hashlib.sha256(key).digest()[:4], "big") % 100
    return "train" if bucket < NHS_SPLIT[0] else "validation" if bucket < NHS_SPLIT[1] else "test"


def _read_nhs_phase1(folder: Path, split: str) -> LocalRows:
    texts, emotions = [], []
    extra: dict[str, list] = {"trust": [], "question": [], "topic": [], "criticality": []}
    with open(folder / "text_data.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = row["feedback"]
            if nhs_split(text) != split:
                continue
            criticality = row["criticality"].strip()
            if row["code"] == NHS_NON_ANSWER_TOPIC:
                emotion = [NHS_NON_ANSWER]
            else:  # 37 malformed scores ("-o", "NA", "SS", ...) carry no label
                emotion = [criticality] if criticality in _NHS_CRITICALITY else []
            texts.append(text)
            emotions.append(emotion)
            extra["trust"].append(row["organization"])
            extra["question"].append(row["question"])
            extra["topic"].append(row["code"])
            extra["criticality"].append(criticality)
    return texts, emotions, extra


CORPORA: dict[str, Corpus] = {
    c.name: c
    for c in (
        Corpus(
            "goemotions", "google-research-datasets/go_emotions", "simplified", "goemotions", _read_goemotions
        ),
        Corpus("carer", "dair-ai/emotion", "split", "carer_emotion", _read_carer),
        Corpus("tweeteval", "cardiffnlp/tweet_eval", "emotion", "tweeteval_emotion", _read_tweeteval),
        Corpus("isear", None, None, "isear", _read_isear),
        Corpus("emobank", None, None, "emobank", _read_emobank),
        Corpus("nhs_phase1", None, None, "nhs_phase1", _read_nhs_phase1),
        Corpus("domain", None, None, "domain", _read_domain, shipped=True),
    )
}


class CorpusFolders:
    """The folder of each corpus under ``data_dir`` (None: each loader's default, ``$EQUALCARE_DATA_DIR``)."""

    def __init__(self, data_dir: str | os.PathLike | None = None) -> None:
        self.data_dir = None if data_dir is None else Path(data_dir)

    def __call__(self, name: str) -> Path | None:
        if self.data_dir is None or CORPORA[name].shipped:
            return None
        return self.data_dir / CORPORA[name].folder


def register_corpus(corpus: Corpus) -> None:
    """Make another corpus loadable by name with :func:`load_corpus`."""
    CORPORA[corpus.name] = corpus


def default_source(name: str) -> str:
    """``$EQUALCARE_DATA_DIR/<folder>`` when that folder exists, else the corpus' hub id.

    A shipped corpus (``domain``) is always the package's own ``data/<folder>``.
    """
    corpus = _corpus(name)
    if corpus.shipped:
        return str(resource_path("data", corpus.folder))
    data_dir = os.environ.get(DATA_DIR_ENV)
    if data_dir and (Path(data_dir) / corpus.folder).is_dir():
        return str(Path(data_dir) / corpus.folder)
    if corpus.hub_id is None:
        raise FileNotFoundError(
            f"{name} has no canonical hub id: pass a folder with its files as source, or set "
            f"{DATA_DIR_ENV} to a folder holding {corpus.folder}/"
        )
    return corpus.hub_id


def load_corpus(name: str, split: str, source: str | os.PathLike | None = None) -> datasets.Dataset:
    """Load one split of a public corpus as a Dataset with ``text`` and ``emotions`` columns.

    ``split`` is ``train``, ``validation`` (alias ``dev``/``val``) or ``test``. ``source`` is a
    local folder with the official files or a hub id (see the module docstring).
    """
    import datasets

    corpus = _corpus(name)
    split = _SPLIT_ALIASES.get(split, split)
    if split not in corpus.splits:
        raise ValueError(f"{name} has splits {corpus.splits}, not {split!r}")
    source = str(source) if source is not None else default_source(name)
    if Path(source).is_dir():
        texts, emotions, *extra = corpus.read_local(Path(source), split)
        columns = {"text": texts, "emotions": emotions, **(extra[0] if extra else {})}
        features = {"text": datasets.Value("string"), "emotions": datasets.List(datasets.Value("string"))}
        features.update({column: _feature(columns[column]) for column in columns.keys() - features.keys()})
        return datasets.Dataset.from_dict(columns, features=datasets.Features(features))
    if corpus.hub_id is None:
        raise FileNotFoundError(f"{name} loads from a local folder only; {source} is not a folder")
    return _from_hub(corpus, source, split)


def _feature(values: list) -> datasets.Value:
    """The Dataset type of an extra column: text when its values are strings, else float."""
    import datasets

    return datasets.Value("string" if values and isinstance(values[0], str) else "float64")


def _from_hub(corpus: Corpus, hub_id: str, split: str) -> datasets.Dataset:
    import datasets

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
        raise ValueError(f"Unknown corpus {name!r}; known: {sorted(CORPORA)}") from None
