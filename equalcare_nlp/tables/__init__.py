"""Tabular files in and out, in chunks: format by extension, readers, writers, atomic output.

``-`` means standard input or output. Standard input is first copied to a temporary file, so
every format can be read from it and the encoding check sees all of it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .encoding import Encoding, detect_encoding
from .readers import Chunk, CsvReader, JsonlReader, ParquetReader, TableWarning, XlsxReader
from .writers import CsvWriter, JsonlWriter, ParquetWriter, XlsxWriter, guard_formulas

FORMATS = ("csv", "tsv", "xlsx", "parquet", "jsonl")
_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
STDIO = "-"

__all__ = [
    "FORMATS",
    "STDIO",
    "Chunk",
    "Encoding",
    "TableWarning",
    "atomic_output",
    "detect_encoding",
    "format_of",
    "guard_formulas",
    "open_reader",
    "open_writer",
    "stdin_copy",
]


def format_of(path: str | os.PathLike, given: str | None = None) -> str:
    """The table format of ``path`` (from its extension), or ``given`` when set; CSV for ``-``."""
    if given is not None:
        if given not in FORMATS:
            raise ValueError(f"Unknown format {given!r}; choose one of {list(FORMATS)}")
        return given
    if str(path) == STDIO:
        return "csv"
    suffix = Path(path).suffix.lower()
    if suffix not in _EXTENSIONS:
        raise ValueError(
            f"Cannot tell the format of {path} from its extension {suffix!r}; use one of "
            f"{sorted(_EXTENSIONS)} or name the format explicitly"
        )
    return _EXTENSIONS[suffix]


def open_reader(
    path: str | os.PathLike, fmt: str, *, delimiter: str | None = None, sheet: str | int | None = None
) -> CsvReader | XlsxReader | ParquetReader | JsonlReader:
    """A chunked reader of the table at ``path`` in format ``fmt``."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"No such input file: {path}")
    if fmt in ("csv", "tsv"):
        return CsvReader(path, delimiter=delimiter or ("\t" if fmt == "tsv" else None))
    if fmt == "xlsx":
        return XlsxReader(path, sheet=sheet)
    if fmt == "parquet":
        return ParquetReader(path)
    return JsonlReader(path)


def open_writer(
    handle: IO[bytes], fmt: str, *, delimiter: str | None = None, guard: bool = True
) -> CsvWriter | XlsxWriter | ParquetWriter | JsonlWriter:
    """A chunked writer of format ``fmt`` onto the binary ``handle``; ``guard`` neutralises formulas."""
    if fmt in ("csv", "tsv"):
        return CsvWriter(handle, delimiter=delimiter or ("\t" if fmt == "tsv" else ","), guard=guard)
    if fmt == "xlsx":
        return XlsxWriter(handle, guard=guard)
    if fmt == "parquet":
        return ParquetWriter(handle)
    return JsonlWriter(handle)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, refuse: str | os.PathLike | None = None) -> Iterator[IO[bytes]]:
    """A binary handle whose bytes appear at ``path`` only if the block completes.

    They go to a temporary file in the same folder, renamed over ``path`` at the end and
    deleted on any error. ``-`` streams to standard output instead. ``refuse`` names a file
    (the input) that must not be overwritten.
    """
    if str(path) == STDIO:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    target = Path(path)
    if refuse is not None and str(refuse) != STDIO and target.exists() and target.samefile(refuse):
        raise ValueError(f"Refusing to overwrite the input file {refuse}; choose another output")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"Output folder {target.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


from .frames import column, read_table, write_table  # noqa: E402 - frames builds on the helpers above

__all__ += ["column", "read_table", "write_table"]
