"""Scale-out scoring on Dask: the local engine's :func:`~.local.score_frame` on every partition.

``score_dask`` turns a Dask DataFrame into a lazy one with the same score columns (names, order,
dtypes, statuses) as the local engine; ``score_files`` reads many files or one large one, scores
them on a Dask cluster (an existing scheduler, or a ``LocalCluster`` it starts and closes) and
writes a folder of partitioned Parquet or CSV. Dask is an optional extra
(``pip install equalcare-nlp[dask]``): it is imported here, inside the functions, only.

How the model reaches the workers: the saved model's bytes (its manifest and data files) go
into the task graph once, as a single key that every partition task depends on, instead of a
pickled model inside each task. Dask sends that key's data to each worker once (peer to peer)
and keeps it there, and it survives worker loss: a restarted worker fetches it again or Dask
recomputes it from the graph. We chose bytes over a folder path because workers on Kubernetes,
YARN or HPC rarely share the client's disk, and over ``client.scatter(broadcast=True)`` because
a graph key works with any scheduler and is rebuilt if every worker holding it dies. Each worker
process writes the bytes to a private temporary folder and loads them with
:func:`~equalcare_nlp.model.persist.load_model` with the expected model digest, so every file is
verified on the worker before it is read, once per process (a cache keyed by digest).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import tables
from ..core.errors import missing_extra
from ..model.persist import (
    MANIFEST_FILE,
    default_model_path,
    load_model,
    model_digest,
    read_manifest,
    save_model,
)
from ..model.text_classifier import LinearTextClassifier
from .local import DEFAULT_CHUNK_SIZE, BatchSummary, resolve_text_column, score_frame

if TYPE_CHECKING:
    import dask.dataframe as dd
    import distributed

#: Formats the Dask engine reads (Dask splits them into partitions); it writes any of tables.FORMATS.
DASK_FORMATS = ("csv", "tsv", "parquet")
#: Partition size of CSV input: larger files are split into blocks (a block of comments scores in seconds).
DEFAULT_BLOCKSIZE = "16MB"


# -- the model, shipped as bytes and verified on each worker ----------------------------------
@dataclass(frozen=True)
class ModelPayload:
    """A saved model's files as bytes (manifest and the files it lists) with the model digest."""

    files: dict[str, bytes]
    sha256: str

    @classmethod
    def read(cls, folder: str | os.PathLike) -> ModelPayload:
        """The bytes of the saved model in ``folder`` and its model digest."""
        names = [MANIFEST_FILE, *read_manifest(folder).get("files", {})]
        files = {Path(name).name: (Path(folder) / Path(name).name).read_bytes() for name in names}
        return cls(files, model_digest(folder))

    def load(self) -> LinearTextClassifier:
        """The model, loaded by :func:`load_model` (every digest checked) from a private copy."""
        with tempfile.TemporaryDirectory(prefix="equalcare-model-") as folder:
            for name, data in self.files.items():
                Path(folder, name).write_bytes(data)
            return load_model(folder, sha256=self.sha256)


def model_payload(
    model: LinearTextClassifier | str | os.PathLike | None = None, sha256: str | None = None
) -> tuple[LinearTextClassifier, ModelPayload]:
    """The model, verified here by :func:`load_model` (None: the shipped one), and its bytes to ship."""
    if isinstance(model, LinearTextClassifier):
        with tempfile.TemporaryDirectory(prefix="equalcare-model-") as folder:
            return model, ModelPayload.read(save_model(model, folder))
    folder = Path(model) if model is not None else default_model_path()
    return load_model(model, sha256=sha256), ModelPayload.read(folder)


_MODELS: dict[str, LinearTextClassifier] = {}
# Scoring is serialised within a worker process: the preprocessor's caches are not thread-safe,
# and the work holds the GIL anyway, so give workers one thread each and scale with processes.
_LOCK = threading.Lock()


def _score_partition(part: pd.DataFrame, payload: ModelPayload, column: str, **options: Any) -> pd.DataFrame:
    """One partition scored by the local engine with this process' copy of the model."""
    with _LOCK:
        if payload.sha256 not in _MODELS:
            _MODELS[payload.sha256] = payload.load()
        return score_frame(part, column, model=_MODELS[payload.sha256], jobs=1, **options)


# -- public API -------------------------------------------------------------------------------
def _need_dask() -> None:
    """Fail with the install command when the optional extra is missing."""
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as error:
        raise missing_extra("The dask engine", "dask", error) from None


def find_text_column(ddf: dd.DataFrame, text_column: str | None = None) -> str:
    """The text column's name: checked when given, else detected on the first partition's head."""
    if text_column is not None:
        return str(ddf.columns[resolve_text_column(ddf._meta, text_column)])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Insufficient elements for `head`")  # a short first partition
        sample = ddf.head(1_000, npartitions=1)
    return str(sample.columns[resolve_text_column(sample, None)])


def score_dask(
    ddf: dd.DataFrame,
    text_column: str | None = None,
    *,
    model: LinearTextClassifier | str | os.PathLike | None = None,
    sha256: str | None = None,
    explain: int = 0,
    sentences: bool = False,
    redact: bool = False,
    redact_in_place: bool = False,
    names: str | None = "auto",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    prefix: str = "",
) -> dd.DataFrame:
    """``ddf`` with the local engine's score columns added, as a lazy Dask DataFrame (same partitions).

    ``model`` is a fitted model, a saved model folder or None for the shipped model; ``sha256``
    pins the model file's digest; the other options are those of :func:`~.batch.score_frame`. The
    model is verified here, then shipped to each worker once (see the module docstring). Nothing is
    computed except, when ``text_column`` is None, the head of the first partition, to find the
    free-text column.
    """
    _need_dask()
    import dask

    column = find_text_column(ddf, text_column)
    fitted, payload = model_payload(model, sha256)
    options = dict(explain=explain, sentences=sentences, redact=redact, redact_in_place=redact_in_place,
                   names=names, chunk_size=chunk_size, prefix=prefix)  # fmt: skip
    # Scoring the empty meta with the real model checks the options and gives the exact columns.
    meta = score_frame(ddf._meta, column, model=fitted, **options)
    shipped = dask.delayed(payload, name=f"equalcare-model-{payload.sha256}")
    return ddf.map_partitions(_score_partition, shipped, column, **options, meta=meta, align_dataframes=False)


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
    _need_dask()
    import dask.dataframe as dd
    import fsspec
    from dask.dataframe.io.csv import read_pandas
    from dask.utils import parse_bytes

    paths = _paths(source)
    fmt = _input_format(paths, input_format)
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


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, n_workers: int | None = None) -> Iterator[distributed.Client]:
    """A client of the scheduler at ``scheduler`` (e.g. ``tcp://host:8786``), else of a new LocalCluster.

    The local cluster has ``n_workers`` single-threaded worker processes (default: one per core)
    and is closed on exit; an existing cluster is left running, only the client is closed.
    """
    _need_dask()
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler)  # waits distributed.comm.timeouts.connect (30 s by default)
        except OSError as error:
            raise ConnectionError(
                f"Cannot reach the Dask scheduler at {scheduler} ({error}); check the address and that "
                "the scheduler is running, or leave out --scheduler to start a local cluster"
            ) from None
        with client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def score_files(
    source: str | os.PathLike | Sequence[str | os.PathLike],
    output: str | os.PathLike,
    *,
    text_column: str | None = None,
    model: LinearTextClassifier | str | os.PathLike | None = None,
    sha256: str | None = None,
    input_format: str | None = None,
    output_format: str | None = None,
    delimiter: str | None = None,
    explain: int = 0,
    sentences: bool = False,
    redact: bool = False,
    redact_in_place: bool = False,
    names: str | None = "auto",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    guard_formulas: bool = True,
    prefix: str = "",
    blocksize: str | int | None = DEFAULT_BLOCKSIZE,
    scheduler: str | None = None,
    n_workers: int | None = None,
    storage_options: dict[str, Any] | None = None,
) -> BatchSummary:
    """Score files on a Dask cluster into the folder ``output``: ``part-00000.EXT``, ... in input order.

    Each part is written by the worker that scored it, with the local engine's writers (same
    formats, six-decimal CSV probabilities, formula guard); the output format defaults to the
    input's. Parts go to a temporary folder beside ``output``, renamed into place only when all
    are written: a failed run leaves no partial output, and a non-empty ``output`` is refused.
    """
    _need_dask()
    import fsspec

    started = time.monotonic()
    fmt_in = _input_format(_paths(source), input_format)
    fmt_out = output_format or fmt_in
    if fmt_out not in tables.FORMATS:
        raise ValueError(f"Unknown output format {fmt_out!r}; choose one of {list(tables.FORMATS)}")
    fs, root = fsspec.core.url_to_fs(str(output), **(storage_options or {}))
    if fs.exists(root) and (not fs.isdir(root) or fs.ls(root)):
        raise ValueError(f"The output {output} already exists and is not an empty folder; choose another")
    partial = f"{str(output).rstrip('/')}.partial-{uuid.uuid4().hex[:12]}"
    partial_path = fsspec.core.url_to_fs(partial, **(storage_options or {}))[1]
    with _csv_errors(blocksize):  # the first block is parsed here, to learn the columns
        ddf = read_dask(source, input_format=fmt_in, delimiter=delimiter, blocksize=blocksize,
                        storage_options=storage_options)  # fmt: skip
    with dask_client(scheduler, n_workers):
        column = find_text_column(ddf, text_column)
        scored = score_dask(
            ddf, column, model=model, sha256=sha256, explain=explain, sentences=sentences, redact=redact,
            redact_in_place=redact_in_place, names=names, chunk_size=chunk_size, prefix=prefix,
        )  # fmt: skip
        writer = {
            "fmt": fmt_out,
            "delimiter": delimiter if fmt_in == fmt_out else None,
            "guard": guard_formulas,
        }
        try:
            with _csv_errors(blocksize):
                counts = scored.map_partitions(
                    _write_part, partial, writer, [prefix + "label", prefix + "status"], storage_options,
                    meta=_COUNTS_META, align_dataframes=False,
                ).compute()  # fmt: skip
            if fs.exists(root):
                fs.rmdir(root)
            fs.mv(partial_path, root, recursive=True)
        finally:
            with contextlib.suppress(FileNotFoundError):
                fs.rm(partial_path, recursive=True)
    summary = BatchSummary(output=str(output), text_column=column)
    summary.rows = int(counts["count"].sum())
    summary.labels = _totals(counts, "label")
    summary.statuses = _totals(counts, "status")
    summary.seconds = time.monotonic() - started
    return summary


def _paths(source: str | os.PathLike | Sequence[str | os.PathLike]) -> list[str]:
    paths = [str(path) for path in ([source] if isinstance(source, str | os.PathLike) else source)]
    if not paths:
        raise ValueError("No input files given")
    return paths


def _input_format(paths: list[str], input_format: str | None) -> str:
    formats = {tables.format_of(path, input_format) for path in paths}
    if len(formats) > 1 or not formats <= set(DASK_FORMATS):
        raise ValueError(
            f"The dask engine reads one of {list(DASK_FORMATS)} at a time, got {sorted(formats)}: {paths}"
        )
    return formats.pop()


@contextlib.contextmanager
def _csv_errors(blocksize: str | int | None) -> Iterator[None]:
    """Turn pandas' CSV parser errors into one that says where line numbers start and what to do."""
    try:
        yield
    except pd.errors.ParserError as error:
        raise ValueError(
            f"A CSV input could not be parsed ({str(error).strip()}). Line numbers count from the start of "
            f"a {blocksize} block, not always of the file. The Dask engine refuses rows with more cells "
            "than the header; the local engine (--engine local) repairs and flags them ragged"
        ) from error


_COUNTS_META = pd.DataFrame({"label": pd.Series(dtype=object), "status": pd.Series(dtype=object),
                             "count": pd.Series(dtype="int64")})  # fmt: skip


def _write_part(
    part: pd.DataFrame,
    folder: str,
    writer: dict[str, Any],
    names: list[str],
    storage_options,
    partition_info=None,
) -> pd.DataFrame:
    """Write one scored partition as ``folder/part-NNNNN.EXT``; return its row counts by label and status."""
    import fsspec

    if partition_info is None:  # Dask calls the function on the empty meta without it
        return _COUNTS_META
    path = f"{folder}/part-{partition_info['number']:05d}.{writer['fmt']}"
    with fsspec.open(path, "wb", auto_mkdir=True, **(storage_options or {})) as handle:
        out = tables.open_writer(handle, writer["fmt"], delimiter=writer["delimiter"], guard=writer["guard"])
        out.write(part)
        out.close()
    counts = part.groupby(names, dropna=False).size().reset_index()
    counts.columns = list(_COUNTS_META.columns)
    return counts.astype(_COUNTS_META.dtypes.to_dict())


def _totals(counts: pd.DataFrame, key: str) -> dict[str, int]:
    totals = counts.groupby(key, dropna=True)["count"].sum()
    return {str(value): int(n) for value, n in totals.items()}
