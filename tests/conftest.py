"""Shared fixtures: the small model of the tiny labelled set and its saved folder, tiny corpus
folders in each corpus' official file format, and the real data dir."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from tiny_set import FEAR_TEXTS, FLOW_TEXTS, LABELS, NEUTRAL_TEXTS, TEXTS

import equalcare_nlp as eq

if TYPE_CHECKING:
    from equalcare_nlp import FearFlowClassifier


@pytest.fixture(scope="session")
def tiny_model() -> FearFlowClassifier:
    """A small model fitted on the tiny set (every word a feature, no calibration), shared by the
    whole session: read it, never change it (fit a model of your own to change one)."""
    return eq.FearFlowClassifier(min_df=1, calibration_cv=None).fit(TEXTS, LABELS)


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_model, tmp_path_factory) -> Path:
    """``tiny_model`` saved, with its training record; copy the folder to change it."""
    folder = tmp_path_factory.mktemp("tiny_model") / "tiny"
    return eq.save_model(tiny_model, folder, training={"n_examples": len(TEXTS)})


ISEAR_EMOTIONS = ("joy", "fear", "anger", "sadness", "disgust", "shame", "guilt")
ISEAR_HEADER = (
    "ID|CITY|COUN|SUBJ|SEX|AGE|RELI|PRAC|FOCC|MOCC|FIEL|EMOT|WHEN|LONG|INTS|ERGO|TROPHO|TEMPER|EXPRES|MOVE|"
    "EXP1|EXP2|EXP10|PARAL|CON|EXPC|PLEA|PLAN|FAIR|CAUS|COPING|MORL|SELF|RELA|VERBAL|NEUTRO|Field1|Field3|"
    "Field2|MYKEY|SIT|STATE|"
)


def _text(label: str, i: int) -> str:
    pool = {"fear": FEAR_TEXTS, "flow": FLOW_TEXTS, "neutral": NEUTRAL_TEXTS}[label]
    return f"{pool[i % len(pool)]} number {i}"


def write_goemotions(folder: Path, per_label: int = 12) -> None:
    folder.mkdir(parents=True)
    names = ["anger", "fear", "gratitude", "joy", "neutral"]
    (folder / "emotions.txt").write_text("\n".join(names) + "\n")
    for file in ("train.tsv", "dev.tsv", "test.tsv"):
        with open(folder / file, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, delimiter="\t")
            for i in range(per_label):
                writer.writerow([_text("fear", i), "0,1" if i % 2 else "1", f"f{i}"])
                writer.writerow([_text("flow", i), "2,3" if i % 2 else "3", f"g{i}"])
                writer.writerow([_text("neutral", i), "4", f"n{i}"])
            writer.writerow(['she said "thanks, so kind" to us', "2", "q"])  # CSV-quoted text
            writer.writerow(["love it but I am scared", "1,3", "m"])  # mixed: left out


def write_carer(folder: Path, per_label: int = 10) -> None:
    folder.mkdir(parents=True)
    for file in ("train.txt", "val.txt", "test.txt"):
        lines = []
        for i in range(per_label):
            lines += [
                f"{_text('fear', i)};sadness",
                f"{_text('flow', i)};joy",
                f"i feel odd; really {i};surprise",
            ]
        (folder / file).write_text("\n".join(lines) + "\n")


def write_tweeteval(folder: Path, per_label: int = 10) -> None:
    folder.mkdir(parents=True)
    (folder / "mapping.txt").write_text("0\tanger\n1\tjoy\n2\toptimism\n3\tsadness")
    for prefix in ("train", "val", "test"):
        texts, labels = [], []
        for i in range(per_label):
            texts += [_text("fear", i) + " ", _text("flow", i)]
            labels += ["0" if i % 2 else "3", "1" if i % 2 else "2"]
        (folder / f"{prefix}_text.txt").write_text("\n".join(texts) + "\n")
        (folder / f"{prefix}_labels.txt").write_text("\n".join(labels) + "\n")


def write_isear(folder: Path, per_emotion: int = 10) -> None:
    """Rows as in the export: 40 fields, SIT (with wrap marks, sometimes a "|"), STATE, empty field."""
    folder.mkdir(parents=True)
    lines = [ISEAR_HEADER]
    for code, emotion in enumerate(ISEAR_EMOTIONS, start=1):
        for i in range(per_emotion):
            fields = ["0"] * 40
            fields[11], fields[36], fields[39] = str(code), emotion, f"{code}{i:03d}"
            sit = f"{_text('flow' if emotion == 'joy' else 'fear', i)} ({emotion})"
            if i == 0:
                sit = f"When I met her á again after á|a long time {emotion}."
            lines.append("|".join([*fields, sit, "1", ""]))
    (folder / "isear.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_emobank(folder: Path) -> None:
    folder.mkdir(parents=True)
    rows = [["id", "split", "V", "A", "D", "text"]]
    for split, n in (("train", 8), ("dev", 4), ("test", 6)):
        for i in range(n):
            good = i % 2 == 0
            valence = 3.0 + (1 + i / 10 if good else -1 - i / 10)
            rows.append(
                [f"{split}{i}", split, f"{valence:.2f}", "3.0", "3.0", _text("flow" if good else "fear", i)]
            )
    rows.append(["q1", "test", "3.0", "3.0", "3.0", 'Remember what she said? "'])
    with open(folder / "emobank.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([rows[0], *(row + [str(i)] for i, row in enumerate(rows[1:]))])


NHS_HEADER = ["code", "label", "subcategory", "feedback", "criticality", "organization", "question"]
NHS_HEADER += ["row_index"]


def write_nhs_phase1(folder: Path, per_trust: int = 30) -> None:
    """``text_data.csv`` as published: embedded CRLF newlines, malformed scores, "Nothing" answers."""
    folder.mkdir(parents=True)
    rows = [NHS_HEADER]
    for t, trust in enumerate(("Trust A", "Trust B", "Trust C")):
        for i in range(per_trust):
            state, score = ("fear", str(-1 - i % 4)) if i % 2 else ("flow", str(1 + i % 4))
            text = f"{_text(state, i)} on ward {t}" + ("\r\nsecond line" if i == 3 else "")
            rows.append(["cc", "Care received", "x", text, score, trust, f"{trust} - Q1"])
        rows.append(["xn", "Couldn't be improved", "x", "Nothing", "3", trust, f"{trust} - Q2"])
        rows.append(["cc", "Care received", "x", f"odd score {t}", "-o", trust, f"{trust} - Q2"])
        rows.append(["cc", "Care received", "x", f"plain praise {t}", "0", trust, f"{trust} - Q1"])
    with open(folder / "text_data.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([rows[0], *(row + [str(i)] for i, row in enumerate(rows[1:]))])


@pytest.fixture(scope="session")
def fake_data_dir(tmp_path_factory) -> Path:
    """A data dir with all six corpora in their official formats, a few dozen texts each."""
    root = tmp_path_factory.mktemp("data")
    write_goemotions(root / "goemotions")
    write_carer(root / "carer_emotion")
    write_tweeteval(root / "tweeteval_emotion")
    write_isear(root / "isear")
    write_emobank(root / "emobank")
    write_nhs_phase1(root / "nhs_phase1")
    return root


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """``$EQUALCARE_DATA_DIR``; the test is skipped when it is unset or absent."""
    value = os.environ.get("EQUALCARE_DATA_DIR")
    if not value or not Path(value).is_dir():
        pytest.skip("EQUALCARE_DATA_DIR is unset or not a folder: the public corpora are not available")
    return Path(value)
