"""A shipped table of whitespace chunks and the token records spaCy's pipeline gives them.

A chunk of the training corpora (GoEmotions, NHS phase 1, the domain corpus) and each lexicon word is
looked up here on first sight instead of being run through spaCy or the Python lexeme path, which is
most of the cost of a batch of unseen comments. A record depends only on spaCy's tokenizer and lexical
attributes, spacy-lookups-data's lemma table and the normaliser, so the table stores what it was
built with (:func:`table_key`) and is used only where all of it matches what runs
(tests/test_record_table.py checks every entry against spaCy). Rebuilt by
``equalcare train-default --rebuild-records``.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path

import spacy

from ..core.resources import resource_path
from .preprocess import NORMALIZE_CONFIG, Preprocessor, TokenRecord, make_nlp

#: Where the shipped table lives (a package resource).
RECORD_TABLE = ("data", "tokens", "chunk_records.tsv.gz")
#: Bumped whenever the code that makes a record (``preprocess.Normalizer``, the lemmatizer, the
#: tokenizer's special cases) changes what it gives; a table of another format is not used.
FORMAT = 1
_HEADER = "# equalcare_nlp chunk records "


def table_key() -> dict[str, object]:
    """What a table's records depend on, as the running installation has it."""
    config = json.dumps(NORMALIZE_CONFIG, sort_keys=True).encode()
    return {
        "format": FORMAT,
        "spacy": spacy.__version__,
        "spacy-lookups-data": metadata.version("spacy-lookups-data"),
        "normalize_config": hashlib.sha256(config).hexdigest()[:16],
    }


def write_record_table(records: Mapping[str, tuple[TokenRecord, ...]], path: str | os.PathLike) -> Path:
    """Write chunk -> records as gzipped TSV (``chunk, norm, flags, norm, flags, ...`` per line) under a
    header holding :func:`table_key`; chunks sorted, so a rebuild from the same corpora is byte-equal."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [_HEADER + json.dumps(table_key(), sort_keys=True)]
    for chunk in sorted(records):
        fields = [chunk]
        for norm, flags in records[chunk]:
            fields += [norm, str(flags)]
        if any(not field or "\t" in field or "\n" in field for field in fields):
            raise ValueError(f"chunk {chunk!r}: a record that a line of the table cannot hold: {fields}")
        lines.append("\t".join(fields))
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0))
    return path


class RecordTable(Mapping[str, tuple[TokenRecord, ...]]):
    """Chunk -> records of a table file, each line parsed only when its chunk is asked for (reading all
    of them up front would cost more than most batches save)."""

    def __init__(self, lines: Mapping[str, str]):
        self._lines = lines

    def __getitem__(self, chunk: str) -> tuple[TokenRecord, ...]:
        return _records(self._lines[chunk])

    def get(self, chunk: str, default=None):
        """The records of ``chunk``, or ``default`` (without raising: most misses are looked up once)."""
        line = self._lines.get(chunk)
        return default if line is None else _records(line)

    def __contains__(self, chunk: object) -> bool:
        return chunk in self._lines

    def __iter__(self) -> Iterator[str]:
        return iter(self._lines)

    def __len__(self) -> int:
        return len(self._lines)


def _records(line: str) -> tuple[TokenRecord, ...]:
    """The records of one line's fields after the chunk (``norm, flags, norm, flags, ...``)."""
    fields = line.split("\t")
    if len(fields) == 2:  # most chunks are one token
        return (TokenRecord(fields[0], int(fields[1])),)
    return tuple(TokenRecord(fields[i], int(fields[i + 1])) for i in range(0, len(fields), 2))


def read_record_table(path: str | os.PathLike) -> tuple[dict[str, object], RecordTable]:
    """The key a table was built with, and its chunk -> records."""
    with gzip.open(path, "rt", encoding="utf-8", newline="\n") as handle:
        header, *lines = handle.read().split("\n")
    if not header.startswith(_HEADER):
        raise ValueError(f"{path} is not a chunk-record table (no header)")
    table = RecordTable(dict(line.split("\t", 1) for line in lines if line))
    return json.loads(header[len(_HEADER) :]), table


def load_record_table(path: str | os.PathLike) -> Mapping[str, tuple[TokenRecord, ...]]:
    """A table's chunk -> records, or an empty table when it was built with another spaCy,
    spacy-lookups-data or normaliser than the running one (then every chunk goes through spaCy)."""
    key, table = read_record_table(path)
    return table if key == table_key() else {}


@functools.cache
def shipped_records() -> Mapping[str, tuple[TokenRecord, ...]]:
    """The shipped table (:func:`load_record_table`), read once per process; empty if it is missing."""
    try:
        return load_record_table(resource_path(*RECORD_TABLE))
    except FileNotFoundError:
        return {}


def spacy_chunk_records(chunks: Sequence[str]) -> dict[str, tuple[TokenRecord, ...]]:
    """Each chunk's records from spaCy as each chunk alone, in a fresh pipeline, gives them.

    spaCy's tokenizer cache can split a few chunks next to special cases differently once it has seen
    them (``''The``, ``:):):)``), so the chunks are run twice, in two orders, as the preprocessor runs
    them (many to a Doc), and a chunk the two runs disagree on is run alone in a fresh pipeline.
    """
    runs = []
    for order in (list(chunks), list(reversed(chunks))):
        preprocessor = Preprocessor()
        preprocessor._shipped = {}  # every record from spaCy itself, none from an older table
        preprocessor._tokenize_chunks(order)
        runs.append(preprocessor.cache)
    records = dict(runs[0])
    for chunk in [chunk for chunk in chunks if runs[0][chunk] != runs[1][chunk]]:
        records[chunk] = tuple(make_nlp()(chunk)._.ec_records)
    return records


def corpus_chunks(texts: Iterable[str]) -> list[str]:
    """The distinct whitespace chunks of ``texts``, in order of first sight."""
    return list(dict.fromkeys(chunk for text in texts for chunk in text.split()))
