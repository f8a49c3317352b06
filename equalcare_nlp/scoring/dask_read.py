"""Reading files into Dask as the local engine reads them: CSV cells as text, rows with too many
cells refused, files with quoted line breaks read whole, and parser errors that say what to do."""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import tables
from ..core.errors import missing_extra

if TYPE_CHECKING:
    import dask.dataframe as dd

#: Formats the Dask engine reads (Dask splits them into partitions); it writes any of tables.FORMATS.
DASK_FORMATS = ("csv", "tsv", "parquet")
#: Partition size of CSV input: larger files are split into blocks (a block of comments scores in seconds).
DEFAULT_BLOCKSIZE = "16MB"


def need_dask() -> None:
    """Fail with the install command when the optional extra is missing."""
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as error:
        raise missing_extra("The dask engine", "dask", error) from None


def read_dask(
    source: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    input_format: str | None = None,
    delimiter: str | None = None,
    blocksize: str | int | None = DEFAULT_BLOCKSIZE,
    storage_options: dict[str, Any] | None = None,
) -> dd.DataFrame:
    """Files (paths, globs or fsspec URLs such as ``s3://bucket/*.csv``) as one Dask DataFrame.

    CSV cells are read as text, as the local engine reads them: ``0012`` keeps its zeros and
    ``NA`` stays a word. CSV files larger than ``blocksize`` are split into blocks at line ends,
    except a file with a quoted line break (a multi-line comment): splitting it could cut a row in
    two, so it is read whole, as one partition, with a :class:`~equalcare_nlp.tables.TableWarning`.
    Finding out reads such a file once on the client.
    """
    need_dask()
    import dask.dataframe as dd
    import fsspec
    from dask.dataframe.io.csv import read_pandas
    from dask.utils import parse_bytes

    paths = input_paths(source)
    fmt = input_format_of(paths, input_format)
    try:
        if fmt == "parquet":
            return dd.read_parquet(paths, storage_options=storage_options)
        files = fsspec.open_files(paths, mode="rb", **(storage_options or {}))
        if not files:
            raise FileNotFoundError(f"No input files match {paths}")
        limit = parse_bytes(blocksize) if blocksize is not None else None
        whole = [f.path for f in files if limit is not None and f.fs.size(f.path) > limit and _spans_lines(f)]
        if whole:
            warnings.warn(
                f"{len(whole)} CSV file(s) have comments with line breaks and are read whole, not split "
                f"into {blocksize} blocks (slower for very large files): {whole[:3]}",
                tables.TableWarning,
                stacklevel=2,
            )
        sep = delimiter or ("\t" if fmt == "tsv" else ",")
        options = {"sep": sep, "dtype": str, "keep_default_na": False, "encoding": "utf-8-sig",
                   "index_col": False, "storage_options": storage_options}  # fmt: skip
        if not whole:
            return read_pandas(read_csv_strict, paths, blocksize=blocksize, **options)
        protocol = files[0].fs.unstrip_protocol
        return dd.concat(
            [read_pandas(read_csv_strict, protocol(f.path), blocksize=None if f.path in whole else blocksize,
                         **options)
             for f in files],
        )  # fmt: skip
    except (OSError, IndexError) as error:  # dask raises these when a path or glob matches nothing
        raise FileNotFoundError(f"No input files match {paths}: {error}") from None


def read_csv_strict(*args: Any, **kwargs: Any) -> pd.DataFrame:
    """:func:`pandas.read_csv` that refuses a first row with more cells than the header.

    pandas would take that row's first cell as an index and shift the columns (or, with
    ``index_col=False``, drop its last cells with only a warning); Dask parses each block with
    the header in front, so this guards the first row of every block. Later rows with too many
    cells are already parser errors.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return pd.read_csv(*args, **kwargs)
        except pd.errors.ParserWarning as warning:
            raise pd.errors.ParserError(f"A row has more cells than the header ({warning})") from None


def _spans_lines(file: Any, chunk: int = 1 << 24) -> bool:
    """Whether a CSV file has a quoted field with a line break: a line end after an odd number of quotes.

    A doubled quote inside a field counts twice, so the running parity is the parser's in-quotes state.
    """
    odd = False
    with file as handle:
        while block := handle.read(chunk):
            *lines, rest = block.split(b"\n")  # ``rest`` runs on into the next block
            for line in lines:
                if odd := odd ^ (line.count(b'"') % 2 == 1):
                    return True
            odd ^= rest.count(b'"') % 2 == 1
    return False


def input_paths(source: str | os.PathLike | Sequence[str | os.PathLike]) -> list[str]:
    paths = [str(path) for path in ([source] if isinstance(source, str | os.PathLike) else source)]
    if not paths:
        raise ValueError("No input files given")
    return paths


def input_format_of(paths: list[str], input_format: str | None) -> str:
    formats = {tables.format_of(path, input_format) for path in paths}
    if len(formats) > 1 or not formats <= set(DASK_FORMATS):
        raise ValueError(
            f"The dask engine reads one of {list(DASK_FORMATS)} at a time, got {sorted(formats)}: {paths}"
        )
    return formats.pop()


@contextlib.contextmanager
def csv_errors(blocksize: str | int | None) -> Iterator[None]:
    """Turn pandas' CSV parser errors into one that says where line numbers start and what to do."""
    try:
        yield
    except pd.errors.ParserError as error:
        raise ValueError(
            f"A CSV input could not be parsed ({str(error).strip()}). Line numbers count from the start of "
            f"a {blocksize} block, not always of the file. The Dask engine refuses rows with more cells "
            "than the header; the local engine (--engine local) repairs and flags them ragged"
        ) from error
