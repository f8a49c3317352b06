"""The registry of table formats: each one's extensions, chunked reader and writer, in one place.

The readers and writers (and pandas with them) are imported when a file is opened, not with the
registry, so the command line can list the formats without loading them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

STDIO = "-"


@dataclass(frozen=True)
class Format:
    """A table format: how its files are named, read chunk by chunk and written chunk by chunk.

    ``reader(path, delimiter, sheet)`` and ``writer(handle, delimiter, guard)`` build the chunked
    reader and writer; ``guard`` turns on the formula guard where spreadsheets would run formulas.
    """

    name: str
    extensions: tuple[str, ...]
    reader: Callable[[Path, str | None, str | int | None], Any]
    writer: Callable[[IO[bytes], str | None, bool], Any]


def _readers():
    from . import readers

    return readers


def _writers():
    from . import writers

    return writers


FORMAT_REGISTRY: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "csv",
            (".csv", ".txt"),
            lambda path, delimiter, sheet: _readers().CsvReader(path, delimiter=delimiter),
            lambda handle, delimiter, guard: _writers().CsvWriter(
                handle, delimiter=delimiter or ",", guard=guard
            ),
        ),
        Format(
            "tsv",
            (".tsv", ".tab"),
            lambda path, delimiter, sheet: _readers().CsvReader(path, delimiter=delimiter or "\t"),
            lambda handle, delimiter, guard: _writers().CsvWriter(
                handle, delimiter=delimiter or "\t", guard=guard
            ),
        ),
        Format(
            "xlsx",
            (".xlsx", ".xlsm"),
            lambda path, delimiter, sheet: _readers().XlsxReader(path, sheet=sheet),
            lambda handle, delimiter, guard: _writers().XlsxWriter(handle, guard=guard),
        ),
        Format(
            "parquet",
            (".parquet", ".pq"),
            lambda path, delimiter, sheet: _readers().ParquetReader(path),
            lambda handle, delimiter, guard: _writers().ParquetWriter(handle),
        ),
        Format(
            "jsonl",
            (".jsonl", ".ndjson"),
            lambda path, delimiter, sheet: _readers().JsonlReader(path),
            lambda handle, delimiter, guard: _writers().JsonlWriter(handle),
        ),
    )
}
FORMATS = tuple(FORMAT_REGISTRY)
_EXTENSIONS = {ext: f.name for f in FORMAT_REGISTRY.values() for ext in f.extensions}


def format_of(path: str | os.PathLike, given: str | None = None) -> str:
    """The table format of ``path`` (from its extension), or ``given`` when set; CSV for ``-``."""
    if given is not None:
        if given not in FORMAT_REGISTRY:
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
):
    """A chunked reader of the table at ``path`` in format ``fmt``."""
    check_input(path)
    return FORMAT_REGISTRY[format_of(path, fmt)].reader(Path(path), delimiter, sheet)


def check_input(source: str | os.PathLike) -> None:
    """A clear error for an input that is a folder or does not exist (before its format is guessed)."""
    if str(source) == STDIO:
        return
    if Path(source).is_dir():
        raise IsADirectoryError(f"{source} is a folder, not a table file: give the file inside it")
    if not Path(source).is_file():
        raise FileNotFoundError(f"No such input file: {source}")


def open_writer(handle: IO[bytes], fmt: str, *, delimiter: str | None = None, guard: bool = True):
    """A chunked writer of format ``fmt`` onto the binary ``handle``; ``guard`` neutralises formulas."""
    return FORMAT_REGISTRY[format_of(STDIO, fmt)].writer(handle, delimiter, guard)
