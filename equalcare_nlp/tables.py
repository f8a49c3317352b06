"""Read and write tables of comments by file extension (CSV, Excel, Parquet, JSON Lines).

CSV and Excel cells are read as text, so identifiers such as ``07700 900123`` or ``0012``
keep their leading zeros and empty cells stay empty strings: a file written back holds the
same values it was read with.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FORMATS = (".csv", ".xlsx", ".parquet", ".jsonl")


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(
            f"{path}: unsupported file type {suffix or '(none)'!r}; use one of {', '.join(FORMATS)}"
        )
    return suffix


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a table from ``path``; the format follows the extension (see :data:`FORMATS`)."""
    path = Path(path)
    suffix = _format(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    if suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    if suffix == ".xlsx":
        return pd.read_excel(path, dtype=str, keep_default_na=False)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_json(path, lines=True, dtype=False)


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to ``path`` (format by extension), creating the folder if needed."""
    path = Path(path)
    suffix = _format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    return path
