"""The domain corpus follows the codebook, is big enough, and its frozen test split never leaks or moves."""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter
from pathlib import Path

import pytest

from equalcare_nlp.core.labels import CODEBOOK_LABELS, MIXED
from equalcare_nlp.training.corpora import DOMAIN_COLUMNS, load_corpus, to_labels

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = ROOT / "data" / "domain"
CODEBOOK = ROOT / "docs" / "codebook.md"
FILES = {"train": "train.csv", "validation": "dev.csv", "test": "test.csv"}
#: The SHA-256 of data/domain/test.csv when it was frozen: no choice is tuned on it, and it never changes.
FROZEN_TEST_SHA256 = "4c88680ce330fff97ec13010ab868398a72bda098308687da3cc1a40724fe117"


def normalised(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def codebook_constructs() -> dict[str, int]:
    """Constructs of the codebook's table, with the number of examples listed under each."""
    text = CODEBOOK.read_text(encoding="utf-8")
    table = re.search(r"## Constructs\n(.*?)\n### Examples", text, re.S).group(1)
    names = re.findall(r"^\| `(\w+)` \|", table, re.M)
    examples = {}
    for name in names:
        # Examples are listed under a bold heading naming the construct.
        heading = rf"^\*\*{name}\*\*[^\n]*\n"
        block = re.search(heading + r"((?:- [^\n]*\n(?:  [^\n]*\n)*)+)", text, re.M)
        examples[name] = 0 if block is None else block.group(1).count("\n- ") + 1
    return examples


@pytest.fixture(scope="module")
def rows() -> dict[str, list[dict[str, str]]]:
    out = {}
    for split, file in FILES.items():
        with open(DOMAIN / file, encoding="utf-8", newline="") as handle:
            out[split] = list(csv.DictReader(handle))
    return out


@pytest.fixture(scope="module")
def held_apart() -> dict[str, list[dict[str, str]]]:
    """Rounds written but held apart until the default is retrained on them (``data/domain/round*/``)."""
    out = {}
    for path in sorted(DOMAIN.glob("round*/*.csv")):
        with open(path, encoding="utf-8", newline="") as handle:
            out[f"{path.parent.name}/{path.name}"] = list(csv.DictReader(handle))
    return out


def test_the_codebook_defines_every_construct_with_three_examples():
    constructs = codebook_constructs()
    assert len(constructs) >= 15
    assert {name: n for name, n in constructs.items() if n < 3} == {}


def test_every_row_names_a_codebook_label_construct_and_source(rows, held_apart):
    constructs = set(codebook_constructs())
    for split, split_rows in (rows | held_apart).items():
        assert list(split_rows[0]) == ["id", "text", "label", *DOMAIN_COLUMNS[1:]]
        for row in split_rows:
            assert row["label"] in CODEBOOK_LABELS, (split, row)
            assert row["construct"] in constructs, (split, row)
            assert row["source"] in {"staff", "service_user"}, (split, row)
            assert row["text"].strip() and row["service"], (split, row)


def test_the_corpus_is_big_enough_and_mostly_staff(rows):
    every = [row for split_rows in rows.values() for row in split_rows]
    assert len(every) >= 3000
    assert Counter(row["source"] for row in every)["staff"] >= 1500
    assert Counter(row["label"] for row in every)[MIXED] >= 300
    assert len(rows["test"]) >= 700
    assert len({row["service"] for row in every}) >= 10
    assert len({row["id"] for row in every}) == len(every)


def test_every_construct_and_source_is_in_every_split(rows):
    constructs = set(codebook_constructs())
    for split_rows in rows.values():
        assert {row["construct"] for row in split_rows} == constructs
        assert {row["source"] for row in split_rows} == {"staff", "service_user"}
        assert MIXED in {row["label"] for row in split_rows}


def test_no_text_appears_twice_even_after_lowercasing_and_removing_punctuation(rows, held_apart):
    seen: dict[str, str] = {}
    for split, split_rows in (rows | held_apart).items():
        for row in split_rows:
            key = normalised(row["text"])
            assert key not in seen, f"{row['text']!r} is in {split} and {seen[key]}"
            seen[key] = split


def test_the_frozen_test_split_has_not_changed():
    digest = hashlib.sha256((DOMAIN / "test.csv").read_bytes()).hexdigest()
    assert digest == FROZEN_TEST_SHA256, "data/domain/test.csv is frozen: never edit, re-split or tune on it"


def test_load_corpus_reads_the_shipped_corpus(rows):
    test = load_corpus("domain", "test")
    assert len(test) == len(rows["test"])
    assert {"source", "construct", "service", "id"} <= set(test.column_names)
    texts, labels = to_labels(test, "domain")  # three-label use leaves mixed out
    assert MIXED not in labels and len(texts) == sum(row["label"] != MIXED for row in rows["test"])


def test_regression_sentences_use_codebook_labels():
    with open(ROOT / "data" / "domain_regression.csv", encoding="utf-8", newline="") as handle:
        expected = [row["expected"] for row in csv.DictReader(handle)]
    assert set(expected) <= set(CODEBOOK_LABELS) and MIXED in expected
