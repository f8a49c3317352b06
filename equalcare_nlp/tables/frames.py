"""Whole tables as pandas DataFrames, for files that fit in memory (labelled data, scored files).

The format follows the extension (:func:`format_of`). CSV and Excel cells are read as text,
so identifiers such as ``0012`` keep their leading zeros and empty cells stay empty strings.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from . import atomic_output, format_of


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read the whole table at ``path``; nothing is dropped."""
    path = Path(path)
    fmt = format_of(path)
    if not path.is_file():
        raise FileNotFoundError(f"No such data file: {path}")
    if fmt in ("csv", "tsv"):
        return pd.read_csv(path, sep="\t" if fmt == "tsv" else ",", dtype=str, keep_default_na=False)
    if fmt == "xlsx":
        return pd.read_excel(path, dtype=str, keep_default_na=False)
    if fmt == "parquet":
        return pd.read_parquet(path)
    return pd.read_json(path, lines=True, dtype=False)


def write_table(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``frame`` to ``path`` atomically, format by extension, creating the folder if needed."""
    path = Path(path)
    fmt = format_of(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as handle:
        if fmt in ("csv", "tsv"):
            frame.to_csv(handle, sep="\t" if fmt == "tsv" else ",", index=False)
        elif fmt == "xlsx":
            frame.to_excel(handle, index=False)
        elif fmt == "parquet":
            frame.to_parquet(handle, index=False)
        else:
            handle.write(frame.to_json(orient="records", lines=True, force_ascii=False).encode("utf-8"))
    return path


def column(table: pd.DataFrame, name: str, path: str | os.PathLike) -> list[str]:
    """Column ``name`` as strings ("" for missing cells); a clear error lists the columns when absent."""
    if name not in table.columns:
        raise ValueError(f"{path} has no column {name!r}; its columns are {[str(c) for c in table.columns]}")
    return ["" if pd.isna(v) else str(v) for v in table[name].tolist()]
