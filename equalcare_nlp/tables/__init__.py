"""Tabular files in and out, for every command: a registry of formats, chunked readers and writers,
and the one file loop and whole-table reader and writer built on them.

``-`` means standard input or output. Standard input is first copied to a temporary file, so
every format can be read from it and the encoding check sees all of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.lazy import lazy_exports

#: Each submodule and the names it defines, imported on first use: the format names
#: (:data:`FORMATS`) load no library, the readers and writers load pandas.
_EXPORTS = {
    "encoding": ("Encoding", "detect_encoding"),
    "files": (
        "FileFormats",
        "TableJob",
        "atomic_output",
        "check_not_input",
        "column",
        "read_table",
        "stdin_copy",
        "table_job",
        "warn_ragged",
        "write_table",
    ),
    "formats": ("FORMATS", "FORMAT_REGISTRY", "STDIO", "Format", "format_of", "open_reader", "open_writer"),
    "readers": ("Chunk", "TableNote", "TableWarning", "empty_chunk"),
    "writers": ("guard_formulas",),
}
__all__ = [name for names in _EXPORTS.values() for name in names]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:
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
