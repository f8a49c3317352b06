"""Find the text encoding of a delimited file: BOMs, UTF-8, or a Windows-1252 fallback.

Survey exports arrive as UTF-8 (with or without a byte-order mark), as UTF-16 from Excel's
"Unicode text", or as Windows-1252 from older tools. The whole file is checked, in blocks, so a
stray byte on line 900,000 is found before any output is written rather than halfway through.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass

_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
FALLBACK = "cp1252"
_BLOCK = 1 << 20


@dataclass(frozen=True)
class Encoding:
    """The codec to read a file with; ``warning`` says why a fallback was chosen, if one was."""

    name: str
    warning: str | None = None


def detect_encoding(path: str | os.PathLike) -> Encoding:
    """The encoding of the text file at ``path``: from its BOM, else UTF-8, else Windows-1252.

    Raises ValueError naming the line when the file is neither valid UTF-8 nor Windows-1252.
    """
    with open(path, "rb") as handle:
        head = handle.read(4)
    for bom, name in _BOMS:
        if head.startswith(bom):
            _check_decodes(path, name)
            return Encoding(name)
    bad_line = _first_undecodable_line(path, "utf-8")
    if bad_line is None:
        return Encoding("utf-8")
    _check_decodes(path, FALLBACK)
    return Encoding(
        FALLBACK,
        f"{path} is not valid UTF-8 (first bad byte on line {bad_line}); read it as Windows-1252 (cp1252)",
    )


def _check_decodes(path: str | os.PathLike, encoding: str) -> None:
    bad_line = _first_undecodable_line(path, encoding)
    if bad_line is not None:
        raise ValueError(
            f"{path}, line {bad_line}: cannot decode the file as {encoding}"
            + ("" if encoding == FALLBACK else " although it starts with that encoding's byte-order mark")
            + (" or as UTF-8" if encoding == FALLBACK else "")
            + "; is it a text file? Re-save it as UTF-8 CSV"
        )


def _first_undecodable_line(path: str | os.PathLike, encoding: str) -> int | None:
    """1-based line of the first byte ``encoding`` cannot decode, or None if the file decodes."""
    decoder = codecs.getincrementaldecoder(encoding)()
    newlines = 0
    with open(path, "rb") as handle:
        while True:
            block = handle.read(_BLOCK)
            try:
                decoded = decoder.decode(block, final=not block)
            except UnicodeDecodeError as error:
                pending = decoder.getstate()[0] if hasattr(decoder, "getstate") else b""
                before = (pending + block)[: error.start]
                return newlines + _count_lines(before, encoding)
            if not block:
                return None
            newlines += decoded.count("\n")


def _count_lines(data: bytes, encoding: str) -> int:
    """Line number (1-based) at the end of ``data``, a decodable prefix in ``encoding``."""
    return data.decode(encoding, errors="replace").count("\n") + 1
