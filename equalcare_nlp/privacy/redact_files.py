"""Redact every row of a table file, chunk by chunk, through the same reader and writer as scoring."""

from __future__ import annotations

import itertools
import os

from .. import tables
from .redaction import PLACEHOLDERS, RedactionSummary, name_recognizer, redact_frame

#: Rows redacted at a time (memory stays flat whatever the file size).
CHUNK_ROWS = 5_000


def redact_file(
    source: str | os.PathLike,
    output: str | os.PathLike,
    text_column: str,
    *,
    in_place: bool = False,
    names: str | None = "auto",
    input_format: str | None = None,
    output_format: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
) -> RedactionSummary:
    """Copy the table ``source`` to ``output`` with ``text_column`` redacted (:func:`redact_frame`).

    Every row comes out in order with its original columns, the output is written atomically and
    never over the input, and formula-like cells are neutralised; rows with the wrong number of
    cells are repaired as the scorer repairs them and counted in a warning.
    """
    nlp = name_recognizer(names)
    counts, rows, changed, ragged, target = dict.fromkeys(PLACEHOLDERS, 0), 0, 0, 0, text_column
    formats = tables.FileFormats(input_format, output_format, delimiter, sheet)
    with tables.table_job(source, output, formats) as files:
        names_found = [str(c) for c in files.reader.columns]
        if names_found.count(text_column) != 1:
            found = "no column" if text_column not in names_found else "several columns"
            raise ValueError(f"{source} has {found} named {text_column!r}; its columns are {names_found}")
        chunks = files.reader.chunks(CHUNK_ROWS)
        first = next(chunks, None) or tables.empty_chunk(names_found)  # a header alone still comes out
        for chunk in itertools.chain([first], chunks):
            redacted, summary = redact_frame(chunk.frame, text_column, in_place=in_place, names=nlp)
            files.write(redacted)
            rows, changed, target = rows + summary.rows, changed + summary.rows_changed, summary.column
            counts = {label: counts[label] + summary.counts[label] for label in counts}
            ragged += int(chunk.ragged.sum())
    if ragged:
        tables.warn_ragged(source, ragged)
    return RedactionSummary(rows, changed, counts, target, nlp is not None)
