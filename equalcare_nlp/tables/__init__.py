"""Tabular files in and out, for every command: a registry of formats, chunked readers and writers,
and the one file loop and whole-table reader and writer built on them.

``-`` means standard input or output. Standard input is first copied to a temporary file, so
every format can be read from it and the encoding check sees all of it.
"""

from __future__ import annotations

from .encoding import Encoding, detect_encoding
from .files import (
    FileFormats,
    TableJob,
    atomic_output,
    check_not_input,
    column,
    read_table,
    stdin_copy,
    table_job,
    warn_ragged,
    write_table,
)
from .formats import FORMAT_REGISTRY, FORMATS, STDIO, Format, format_of, open_reader, open_writer
from .readers import Chunk, TableNote, TableWarning, empty_chunk
from .writers import guard_formulas

__all__ = [
    "FORMATS",
    "FORMAT_REGISTRY",
    "STDIO",
    "Chunk",
    "Encoding",
    "FileFormats",
    "Format",
    "TableJob",
    "TableNote",
    "TableWarning",
    "atomic_output",
    "check_not_input",
    "column",
    "detect_encoding",
    "empty_chunk",
    "format_of",
    "guard_formulas",
    "open_reader",
    "open_writer",
    "read_table",
    "stdin_copy",
    "table_job",
    "warn_ragged",
    "write_table",
]
