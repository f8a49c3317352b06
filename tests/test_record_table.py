"""The shipped chunk-record table gives exactly spaCy's records, and is set aside where it cannot.

Every entry is compared with spaCy run on the same chunk (``Preprocessor._tokenize_chunks``), so a table
left behind by a change to the normaliser, the lemmatizer or spaCy fails here; ``equalcare train-default
--rebuild-records`` rebuilds it.
"""

from __future__ import annotations

import gzip
import json
import random

import pytest
from spacy.symbols import ORTH
from test_compiled import corpus_texts
from test_known_chunks import PUBLIC, shipped_texts, spacy_only

from equalcare_nlp import Preprocessor, make_nlp
from equalcare_nlp.core.resources import resource_path
from equalcare_nlp.nlp.preprocess import TokenRecord
from equalcare_nlp.nlp.record_table import (
    RECORD_TABLE,
    load_record_table,
    read_record_table,
    shipped_records,
    table_key,
    write_record_table,
)


def test_the_shipped_table_is_built_with_the_installed_spacy():
    key, table = read_record_table(resource_path(*RECORD_TABLE))
    if key != table_key():
        assert shipped_records() == {}  # unused, so never wrong
        pytest.skip(f"the shipped table was built with {key}, this installation is {table_key()}")
    assert len(shipped_records()) == len(table) > 50_000


def test_every_entry_of_the_shipped_table_is_spacys():
    table = shipped_records()
    if not table:
        pytest.skip("the shipped table does not match this spaCy, so it is not used")
    chunks = list(table)
    pre = spacy_only()
    pre._tokenize_chunks(chunks)
    # spaCy's tokenizer cache splits a few chunks by what it saw before: those are checked alone
    others = [c for c in chunks if table[c] != pre.cache[c]]
    assert len(others) < 10
    different = {c: table[c] for c in others if table[c] != tuple(make_nlp()(c)._.ec_records)}
    assert not different, f"{len(different)} of {len(chunks)} entries differ from spaCy: {different}"


def test_a_table_round_trips_and_another_key_is_not_used(tmp_path):
    records = {
        "don't": (TokenRecord("do", 0), TokenRecord("not", 0)),
        "ok!": (TokenRecord("ok", 0), TokenRecord("!", 1)),
    }
    path = write_record_table(records, tmp_path / "t.tsv.gz")
    assert dict(load_record_table(path)) == records
    assert (
        write_record_table(records, tmp_path / "u.tsv.gz").read_bytes() == path.read_bytes()
    )  # reproducible
    key, _ = read_record_table(path)
    lines = gzip.decompress(path.read_bytes()).decode().split("\n")
    other = {**key, "spacy": "0.0.0"}
    lines[0] = lines[0].replace(json.dumps(key, sort_keys=True), json.dumps(other, sort_keys=True))
    (tmp_path / "v.tsv.gz").write_bytes(gzip.compress("\n".join(lines).encode()))
    assert dict(load_record_table(tmp_path / "v.tsv.gz")) == {}


def test_a_record_a_line_cannot_hold_is_refused(tmp_path):
    with pytest.raises(ValueError, match="cannot hold"):
        write_record_table({"a": (TokenRecord("a\tb", 0),)}, tmp_path / "t.tsv.gz")


def test_tokens_with_the_table_are_spacys():
    texts = shipped_texts()
    assert Preprocessor().pipe(texts) == spacy_only().pipe(texts)


def test_the_table_is_set_aside_once_special_cases_change():
    pre = Preprocessor()
    assert "wow!" in pre.shipped and pre("wow!") == ["wow", "!"]
    pre.cache.clear()
    pre.nlp.tokenizer.add_special_case("wow", [{ORTH: "w"}, {ORTH: "ow"}])
    assert pre("wow!") == ["w", "ow", "!"] and pre.shipped == {}


@pytest.mark.parametrize("name", PUBLIC)
def test_tokens_with_the_table_are_spacys_on_every_corpus(real_data_dir, name):
    texts = corpus_texts(real_data_dir, name, None)
    some = random.Random(2).sample(texts, min(3000, len(texts)))
    assert Preprocessor().pipe(some) == spacy_only().pipe(some)
