"""Read the tables people label in: CSV, TSV, Excel, JSON Lines or Parquet, by file extension."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

_READERS = {
    ".csv": lambda p: pd.read_csv(p, dtype=str, keep_default_na=False),
    ".tsv": lambda p: pd.read_csv(p, sep="\t", dtype=str, keep_default_na=False),
    ".txt": lambda p: pd.read_csv(p, sep="\t", dtype=str, keep_default_na=False),
    ".xlsx": lambda p: pd.read_excel(p, dtype=str, keep_default_na=False),
    ".jsonl": lambda p: pd.read_json(p, lines=True, dtype=False),
    ".parquet": pd.read_parquet,
}


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """The rows of a data file; empty cells stay empty strings, nothing is dropped."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No such data file: {path}")
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise ValueError(f"{path}: unsupported file type {path.suffix!r}; use one of {sorted(_READERS)}")
    return reader(path)


def column(table: pd.DataFrame, name: str, path: str | os.PathLike) -> list[str]:
    """Column ``name`` as strings ("" for missing cells); a clear error lists the columns when absent."""
    if name not in table.columns:
        raise ValueError(f"{path} has no column {name!r}; its columns are {[str(c) for c in table.columns]}")
    return ["" if pd.isna(v) else str(v) for v in table[name].tolist()]
