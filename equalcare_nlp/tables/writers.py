"""Write tables chunk by chunk: CSV/TSV, Excel ``.xlsx``, Parquet and JSON Lines.

Writers take an open binary file and DataFrame chunks, all with the same columns. Spreadsheet
outputs (CSV, TSV, XLSX) neutralise formula-like text cells by default (:func:`guard_formulas`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from typing import IO, Any

import numpy as np
import pandas as pd

#: A text cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
#: Rows an Excel worksheet holds, header included.
XLSX_MAX_ROWS = 1_048_576
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def guard_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with text cells that start like a formula prefixed by ``'`` (CSV injection guard).

    Numbers such as ``-3`` or ``+44`` are left alone: they cannot run as formulas.
    """
    out = frame.copy(deep=False)
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        if column.dtype.kind not in "OUT" and not pd.api.types.is_string_dtype(column.dtype):
            continue
        values = column.to_numpy(dtype=object)
        risky = [
            j
            for j, value in enumerate(values.tolist())
            if value.__class__ is str and value[:1] in _FORMULA_FIRST and not _NUMBER.fullmatch(value.strip())
        ]
        if risky:
            values = values.copy()
            values[risky] = ["'" + values[j] for j in risky]
            out.isetitem(i, pd.Series(values, index=out.index, dtype=column.dtype))
    return out


def _plain(value: Any) -> Any:
    """A cell value as a plain Python value, with missing values as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


class CsvWriter:
    """Delimited text, UTF-8; probabilities with six decimals."""

    def __init__(self, handle: IO[bytes], delimiter: str = ",", guard: bool = True):
        self._text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=False)
        self._writer = csv.writer(self._text, delimiter=delimiter, lineterminator="\n")
        self._guard = guard
        self._header_written = False

    def write(self, frame: pd.DataFrame) -> None:
        if not self._header_written:
            self._writer.writerow(frame.columns)
            self._header_written = True
        if self._guard:
            frame = guard_formulas(frame)
        columns = [_csv_column(frame.iloc[:, i]) for i in range(frame.shape[1])]
        self._writer.writerows(zip(*columns, strict=True))

    def close(self) -> None:
        self._text.flush()
        self._text.detach()


def _csv_column(column: pd.Series) -> list:
    """A column's cells for the csv module: floats to six decimals, missing values empty."""
    if column.dtype.kind == "f":
        values = column.to_numpy()
        cells = np.round(values, 6).astype(object)
        cells[np.isnan(values)] = ""
    else:
        cells = column.to_numpy(dtype=object)
        missing = pd.isna(cells)
        if missing.any():
            cells = cells.copy()
            cells[missing] = ""
    return cells.tolist()


class JsonlWriter:
    """JSON Lines, one object per row, UTF-8 (missing values as null)."""

    def __init__(self, handle: IO[bytes]):
        self._text = io.TextIOWrapper(handle, encoding="utf-8", newline="\n")

    def write(self, frame: pd.DataFrame) -> None:
        names = [str(c) for c in frame.columns]
        columns = [frame.iloc[:, i].to_numpy(dtype=object).tolist() for i in range(frame.shape[1])]
        dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=_json_default).encode
        rows = zip(*columns, strict=True)
        self._text.writelines(dumps(dict(zip(names, map(_plain, row), strict=True))) + "\n" for row in rows)

    def close(self) -> None:
        self._text.flush()
        self._text.detach()


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


class XlsxWriter:
    """One worksheet named ``scores``, written row by row (openpyxl's write-only mode).

    Every text cell is stored as a string, never as a formula, whatever it starts with; with
    ``guard`` formula-like text also gets the ``'`` prefix, as in CSV.
    """

    def __init__(self, handle: IO[bytes], guard: bool = True):
        import openpyxl

        self._handle = handle
        self._book = openpyxl.Workbook(write_only=True)
        self._sheet = self._book.create_sheet("scores")
        self._guard = guard
        self._rows = 0

    def write(self, frame: pd.DataFrame) -> None:
        if self._rows == 0:
            self._append([self._cell(str(c)) for c in frame.columns])
        if self._rows + len(frame) > XLSX_MAX_ROWS:
            raise ValueError(
                f"An .xlsx sheet holds at most {XLSX_MAX_ROWS - 1:,} data rows; write CSV or Parquet instead"
            )
        if self._guard:
            frame = guard_formulas(frame)
        columns = [frame.iloc[:, i].to_numpy(dtype=object).tolist() for i in range(frame.shape[1])]
        for row in zip(*columns, strict=True):
            self._append([self._cell(v) for v in row])

    def _cell(self, value: Any) -> Any:
        value = _xlsx_cell(value)
        if not isinstance(value, str) or value[:1] != "=":
            return value  # openpyxl stores other text as a string already
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self._sheet, value=value)
        cell.data_type = "s"  # openpyxl would store text starting with "=" as a live formula
        return cell

    def _append(self, row: list) -> None:
        self._sheet.append(row)
        self._rows += 1

    def close(self) -> None:
        self._book.save(self._handle)


def _xlsx_cell(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, str):
        # Control characters cannot be stored in .xlsx; they are removed.
        return _XLSX_ILLEGAL.sub("", value)
    if isinstance(value, list | dict | tuple | np.ndarray):
        return json.dumps(value, ensure_ascii=False, default=_json_default)
    return value


class ParquetWriter:
    """Parquet; the schema comes from the first chunk, and every chunk must fit it."""

    def __init__(self, handle: IO[bytes]):
        self._handle = handle
        self._schema = None
        self._writer = None

    def write(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if frame.columns.duplicated().any():
            dupes = sorted(set(frame.columns[frame.columns.duplicated()]))
            raise ValueError(f"Parquet cannot hold duplicate column names {dupes}; write CSV instead")
        if self._schema is None:  # all-missing columns of the first chunk become text, not null
            inferred = pa.Table.from_pandas(frame, preserve_index=False).schema
            self._schema = pa.schema(
                [f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in inferred]
            )
        try:
            table = pa.Table.from_pandas(frame, schema=self._schema, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
            raise ValueError(
                f"A column's values do not fit one Parquet type ({error}); write CSV or JSON Lines instead"
            ) from None
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._handle, table.schema)
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
