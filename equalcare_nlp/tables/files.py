"""Whole files in and out for every command, built on the chunked readers and writers.

:func:`table_job` is the one file loop (standard input copied, reader opened, output written
atomically and never over the input); :func:`read_table` and :func:`write_table` read and write a
whole table through the same readers and writers, so every command gets the same encodings,
ragged-row repair, formula guard and row order, and no command goes through another route.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from .formats import STDIO, check_input, format_of, open_reader, open_writer
from .readers import TableWarning

#: Rows per chunk when a whole table is read or written.
WHOLE_CHUNK = 50_000


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, refuse: str | os.PathLike | None = None) -> Iterator[IO[bytes]]:
    """A binary handle whose bytes appear at ``path`` only if the block completes.

    They go to a hidden ``.partial`` file in the same folder, renamed over ``path`` at the end and
    deleted on any error or interruption, so a previous output survives. ``-`` streams to standard
    output instead. ``refuse`` names a file (the input) that must not be overwritten.
    """
    if str(path) == STDIO:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    target = Path(path)
    check_not_input(target, refuse)
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder: give a file name to write")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"Output folder {target.parent} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    except OSError as error:
        raise PermissionError(
            f"Cannot write to {target.parent}: {error.strerror}; choose a folder you can write to"
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_not_input(output: str | os.PathLike, source: str | os.PathLike | None) -> None:
    """Refuse an ``output`` that is the input file ``source`` (an input is never overwritten)."""
    if source is None or STDIO in (str(source), str(output)):
        return
    target = Path(output)
    if target.exists() and Path(source).exists() and target.samefile(source):
        raise ValueError(f"Refusing to overwrite the input file {source}; choose another output")


@contextlib.contextmanager
def stdin_copy(suffix: str = "") -> Iterator[Path]:
    """Standard input copied to a temporary file (deleted afterwards)."""
    fd, tmp = tempfile.mkstemp(prefix="equalcare-stdin-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            shutil.copyfileobj(sys.stdin.buffer, handle, 1 << 20)
        yield Path(tmp)
    finally:
        Path(tmp).unlink(missing_ok=True)


@contextlib.contextmanager
def _opened_reader(source, fmt, delimiter, sheet):
    check_input(source)
    with contextlib.ExitStack() as stack:
        path = stack.enter_context(stdin_copy()) if str(source) == STDIO else Path(source)
        reader = open_reader(path, format_of(source, fmt), delimiter=delimiter, sheet=sheet)
        stack.callback(reader.close)
        yield reader


@dataclass
class TableJob:
    """An open input (``reader``: ``columns``, ``chunks(size)``, ``fraction_done()``) and output."""

    reader: Any
    writer: Any

    def write(self, frame: pd.DataFrame) -> None:
        """Append rows to the output."""
        self.writer.write(frame)


@dataclass(frozen=True)
class FileFormats:
    """How a job reads and writes its files: formats (None: by extension), the input's delimiter
    (None: sniffed) and worksheet, and whether spreadsheet formulas are neutralised."""

    input_format: str | None = None
    output_format: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    guard: bool = True


@contextlib.contextmanager
def table_job(
    source: str | os.PathLike, output: str | os.PathLike, formats: FileFormats = FileFormats()
) -> Iterator[TableJob]:
    """Read ``source`` and write ``output`` (``-``: standard input/output) as ``formats`` says.

    The output is checked before anything is read (never the input, a writable folder) and
    appears only when the block completes; a delimiter given for the input is kept when the
    output has the same format.
    """
    check_input(source)
    in_format = format_of(source, formats.input_format)
    out_format = format_of(output, formats.output_format)
    with contextlib.ExitStack() as stack:
        handle = stack.enter_context(atomic_output(output, refuse=source))  # checked before any reading
        reader = stack.enter_context(_opened_reader(source, in_format, formats.delimiter, formats.sheet))
        delimiter = formats.delimiter if in_format == out_format else None
        writer = open_writer(handle, out_format, delimiter=delimiter, guard=formats.guard)
        yield TableJob(reader, writer)
        writer.close()


def read_table(
    path: str | os.PathLike,
    *,
    fmt: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Every row of the table at ``path`` in order, with its original columns (CSV cells as text).

    Rows with the wrong number of cells are repaired as :mod:`~equalcare_nlp.tables.readers`
    says, never dropped or shifted, and counted in a :class:`TableWarning`.
    """
    with _opened_reader(path, fmt, delimiter, sheet) as reader:
        columns = list(reader.columns)
        chunks = list(reader.chunks(WHOLE_CHUNK))
    frames = [c.frame.set_axis(range(len(columns)), axis=1) for c in chunks]
    if frames:
        frame = pd.concat(frames, ignore_index=True)
    else:
        frame = pd.DataFrame({i: pd.Series(dtype=object) for i in range(len(columns))})
    frame = frame.set_axis(columns, axis=1)
    ragged = np.flatnonzero(np.concatenate([c.ragged for c in chunks])) if chunks else []
    if len(ragged):
        warn_ragged(path, len(ragged), int(ragged[0]) + 1)
    return frame


def warn_ragged(path: str | os.PathLike, rows: int, first: int | None = None) -> None:
    """Warn that ``rows`` rows of ``path`` had the wrong number of cells and how they were repaired."""
    where = f" (first: data row {first})" if first is not None else ""
    warnings.warn(
        f"{path}: {rows} row(s) had the wrong number of cells{where}; short rows were padded with empty "
        "cells and the surplus of long ones joined onto their last cell, nothing dropped or shifted. "
        "Quote cells that contain the delimiter",
        TableWarning,
        stacklevel=3,
    )


def write_table(
    frame: pd.DataFrame,
    path: str | os.PathLike,
    *,
    fmt: str | None = None,
    guard: bool = True,
    refuse: str | os.PathLike | None = None,
) -> Path | str:
    """Write ``frame`` to ``path`` (``-``: standard output) atomically, creating its folder.

    ``guard`` neutralises formula-like cells in CSV, TSV and XLSX; ``refuse`` names the input,
    which is never overwritten.
    """
    fmt = format_of(path, fmt)
    if str(path) != STDIO:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path, refuse=refuse) as handle:
        writer = open_writer(handle, fmt, guard=guard)
        for start in range(0, max(len(frame), 1), WHOLE_CHUNK):
            writer.write(frame.iloc[start : start + WHOLE_CHUNK])
        writer.close()
    return path if str(path) == STDIO else Path(path)


def column(table: pd.DataFrame, name: str, path: str | os.PathLike) -> list[str]:
    """Column ``name`` as strings ("" for missing cells); a clear error lists the columns when absent."""
    names = [str(c) for c in table.columns]
    if name not in names:
        raise ValueError(f"{path} has no column {name!r}; its columns are {names}")
    if names.count(name) > 1:
        raise ValueError(f"{path} has several columns named {name!r}; rename them first")
    values = table.iloc[:, names.index(name)].tolist()
    return ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in values]
