"""Read tables in chunks: CSV/TSV, Excel ``.xlsx``, Parquet and JSON Lines.

Every reader yields :class:`Chunk` objects (a DataFrame of the input columns, values exactly as
read, plus a mask of rows whose shape was wrong) so memory stays flat whatever the file size.
Rows are never dropped: a short CSV row is padded with empty cells, and the surplus cells of a
long one are joined back onto its last cell with the delimiter (a comment with unquoted commas
in the last column is recovered whole); both are flagged ``ragged``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .encoding import detect_encoding

#: Delimiters tried when none is given, in order of preference on a tie.
DELIMITERS = (",", "\t", ";", "|")
#: Used to read a file whose header has no delimiter: one column, whatever the lines hold.
_NO_DELIMITER = "\x1f"
_QUOTED = re.compile(r'"[^"]*"')


class TableWarning(UserWarning):
    """Something about the input was repaired or guessed (an encoding fallback, a ragged row)."""


class TableNote(TableWarning):
    """A choice made for the user that they may want to know about (which column was scored)."""


@dataclass
class Chunk:
    """Consecutive input rows: ``frame`` holds the input columns, ``ragged`` flags misshapen rows."""

    frame: pd.DataFrame
    ragged: np.ndarray


def empty_chunk(columns: list[str]) -> Chunk:
    """A chunk of no rows with these columns (what an input with only a header yields)."""
    frame = pd.DataFrame({i: pd.Series(dtype=object) for i in range(len(columns))})
    frame.columns = columns
    return Chunk(frame, np.zeros(0, dtype=bool))


class CsvReader:
    """Delimited text in any of the encodings :func:`detect_encoding` knows, with a sniffed delimiter."""

    def __init__(self, path: str | os.PathLike, delimiter: str | None = None):
        self.path = Path(path)
        encoding = detect_encoding(path)
        if encoding.warning:
            warnings.warn(encoding.warning, TableWarning, stacklevel=2)
        self._size = self.path.stat().st_size or 1
        self._raw = open(path, "rb")  # noqa: SIM115 - closed in close()
        self._handle = io.TextIOWrapper(self._raw, encoding=encoding.name, newline="")
        if delimiter is None:
            default = "\t" if self.path.suffix.lower() == ".tsv" else ","
            delimiter = sniff_delimiter(self._handle.readline(), default)
            self._handle.seek(0)
        if len(delimiter) != 1:
            raise ValueError(f"The delimiter must be one character, got {delimiter!r}")
        self.delimiter = delimiter
        csv.field_size_limit(sys.maxsize)
        self._rows = csv.reader(self._handle, delimiter=delimiter, strict=True)
        self._line = 0
        header = self._next_row()
        if header is None:
            raise ValueError(f"{path} is empty: expected a header row naming the columns")
        self.columns = header

    def _next_row(self) -> list[str] | None:
        start = self._line + 1
        try:
            row = next(self._rows)
        except StopIteration:
            return None
        except csv.Error as error:
            raise ValueError(f"{self.path}, line {start}: unreadable CSV: {error}") from None
        self._line = self._rows.line_num
        return row

    def chunks(self, size: int) -> Iterator[Chunk]:
        """The data rows, ``size`` at a time."""
        width = len(self.columns)
        joiner = "" if self.delimiter == _NO_DELIMITER else self.delimiter
        while True:
            rows, ragged = [], []
            while len(rows) < size and (row := self._next_row()) is not None:
                if len(row) == width:
                    rows.append(row)
                    ragged.append(False)
                else:
                    rows.append(fit_row(row, width, "", joiner))
                    ragged.append(True)
            if not rows:
                return
            columns = dict(enumerate(zip(*rows, strict=True)))
            frame = pd.DataFrame(columns, dtype=object)
            frame.columns = self.columns
            yield Chunk(frame, np.array(ragged, dtype=bool))

    def fraction_done(self) -> float:
        return min(self._raw.tell() / self._size, 1.0)

    def close(self) -> None:
        self._raw.close()


def sniff_delimiter(header_line: str, default: str = ",") -> str:
    """The delimiter most frequent in the header line (outside quotes), among :data:`DELIMITERS`.

    A header without any of them is a one-column file: every record is one value.
    """
    unquoted = _QUOTED.sub("", header_line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == default))
    return best if counts[best] else _NO_DELIMITER


def fit_row(row: list[Any], width: int, pad: Any, joiner: str) -> list[Any]:
    """``row`` made ``width`` cells long: padded with ``pad``, or its surplus joined onto the last cell."""
    if len(row) < width:
        return row + [pad] * (width - len(row))
    tail = [("" if cell is None else str(cell)) for cell in row[width - 1 :]]
    return row[: width - 1] + [joiner.join(tail)]


class XlsxReader:
    """One worksheet of an Excel workbook (the first, or ``sheet`` by name or 0-based index)."""

    def __init__(self, path: str | os.PathLike, sheet: str | int | None = None):
        import openpyxl

        try:
            self._book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises zipfile/KeyError/InvalidFileException
            raise ValueError(f"{path} is not a readable .xlsx workbook: {error}") from None
        names = self._book.sheetnames
        if sheet is None:
            sheet = names[0]
        elif isinstance(sheet, int) or (isinstance(sheet, str) and sheet.isdigit() and sheet not in names):
            index = int(sheet)
            if not 0 <= index < len(names):
                raise ValueError(f"{path} has {len(names)} sheets ({names}); there is no sheet {index}")
            sheet = names[index]
        if sheet not in names:
            raise ValueError(f"{path} has no sheet {sheet!r}; its sheets are {names}")
        sheet_obj = self._book[sheet]
        self._total = max((sheet_obj.max_row or 1) - 1, 1)
        self._done = 0
        self._rows = sheet_obj.iter_rows(values_only=True)
        header = list(next(self._rows, ()))
        if not header:
            raise ValueError(f"{path}, sheet {sheet!r} is empty: expected a header row naming the columns")
        width = max(len(header), sheet_obj.max_column or 0)
        header += [None] * (width - len(header))
        from openpyxl.utils import get_column_letter

        self.columns = [
            get_column_letter(i + 1) if name is None else str(name) for i, name in enumerate(header)
        ]

    def chunks(self, size: int) -> Iterator[Chunk]:
        width = len(self.columns)
        while True:
            rows, ragged = [], []
            for row in self._rows:
                row = list(row)
                ragged.append(len(row) > width)
                rows.append(fit_row(row, width, None, " ") if len(row) != width else row)
                if len(rows) == size:
                    break
            if not rows:
                return
            self._done += len(rows)
            frame = pd.DataFrame(dict(enumerate(zip(*rows, strict=True))), dtype=object)
            frame.columns = self.columns
            yield Chunk(frame, np.array(ragged, dtype=bool))

    def fraction_done(self) -> float:
        return min(self._done / self._total, 1.0)

    def close(self) -> None:
        self._book.close()


class ParquetReader:
    """A Parquet file, one record batch at a time, column types kept."""

    def __init__(self, path: str | os.PathLike):
        import pyarrow.parquet as pq

        try:
            self._file = pq.ParquetFile(path)
        except Exception as error:  # pyarrow raises ArrowInvalid / OSError
            raise ValueError(f"{path} is not a readable Parquet file: {error}") from None
        self.schema = self._file.schema_arrow
        self.columns = list(self.schema.names)
        self._total = max(self._file.metadata.num_rows, 1)
        self._done = 0

    def chunks(self, size: int) -> Iterator[Chunk]:
        for batch in self._file.iter_batches(batch_size=size, use_threads=False):
            self._done += batch.num_rows
            frame = batch.to_pandas(use_threads=False)
            frame.columns = self.columns
            yield Chunk(frame, np.zeros(len(frame), dtype=bool))

    def fraction_done(self) -> float:
        return min(self._done / self._total, 1.0)

    def close(self) -> None:
        self._file.close()


class JsonlReader:
    """JSON Lines: one JSON object per line; the columns are every key seen, in order of appearance.

    A key missing from a record reads as null. Blank lines are skipped; any other line that is
    not a JSON object is an error naming the line.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._encoding = detect_encoding(path).name
        if self._encoding != "utf-8" and self._encoding != "utf-8-sig":
            raise ValueError(f"{path}: JSON Lines must be UTF-8, but the file looks like {self._encoding}")
        self._position = 0
        keys: dict[str, None] = {}
        for _, record in self._records():
            keys.update(dict.fromkeys(record))
        self.columns = list(keys)
        self._size = self.path.stat().st_size or 1

    def _records(self) -> Iterator[tuple[int, dict]]:
        with open(self.path, encoding=self._encoding) as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    raise ValueError(f"{self.path}, line {number}: invalid JSON: {error.msg}") from None
                if not isinstance(record, dict):
                    raise ValueError(
                        f"{self.path}, line {number}: expected a JSON object, got {type(record).__name__}"
                    )
                self._position += len(line)
                yield number, record

    def chunks(self, size: int) -> Iterator[Chunk]:
        self._position = 0
        rows: list[dict] = []
        for _, record in self._records():
            rows.append(record)
            if len(rows) == size:
                yield self._chunk(rows)
                rows = []
        if rows:
            yield self._chunk(rows)

    def _chunk(self, rows: list[dict]) -> Chunk:
        columns = {i: [row.get(key) for row in rows] for i, key in enumerate(self.columns)}
        frame = pd.DataFrame(columns, dtype=object, index=range(len(rows)))
        frame.columns = self.columns
        return Chunk(frame, np.zeros(len(rows), dtype=bool))

    def fraction_done(self) -> float:
        return min(self._position / self._size, 1.0)

    def close(self) -> None:
        pass
