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
import dataclasses
import os
import threading
import time
import uuid
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import tables
from ..model.text_classifier import LinearTextClassifier
from .columns import resolve_text_column
from .dask_payload import ModelPayload, model_payload
from .dask_read import (
    DEFAULT_BLOCKSIZE,
    csv_errors,
    input_format_of,
    input_paths,
    need_dask,
    read_dask,
)
from .local import BatchSummary, score_frame
from .options import ScoreOptions

if TYPE_CHECKING:
    import dask.dataframe as dd
    import distributed

_MODELS: dict[str, LinearTextClassifier] = {}
# Scoring is serialised within a worker process: the preprocessor's caches are not thread-safe,
# and the work holds the GIL anyway, so give workers one thread each and scale with processes.
_LOCK = threading.Lock()


def _score_partition(
    part: pd.DataFrame, payload: ModelPayload, column: str, options: ScoreOptions
) -> pd.DataFrame:
    """One partition scored by the local engine with this process' copy of the model."""
    with _LOCK:
        if payload.sha256 not in _MODELS:
            _MODELS[payload.sha256] = payload.load()
        return score_frame(part, column, model=_MODELS[payload.sha256], options=options)


# -- public API -------------------------------------------------------------------------------
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
    options: ScoreOptions | None = None,
    **settings: Any,
) -> dd.DataFrame:
    """``ddf`` with the local engine's score columns added, as a lazy Dask DataFrame (same partitions).

    ``model`` is a fitted model, a saved model folder or None for the shipped model; ``sha256``
    pins the model file's digest; ``options`` and its fields by keyword are those of
    :func:`~.local.score_frame` (each partition is scored in one process: ``jobs`` sizes only a
    local cluster). The model is verified here, then shipped to each worker once (see the module
    docstring). Nothing is computed except, when ``text_column`` is None, the head of the first
    partition, to find the free-text column.
    """
    need_dask()
    import dask

    options = dataclasses.replace(ScoreOptions.of(options, settings, "score_dask"), jobs=1)
    column = find_text_column(ddf, text_column)
    fitted, payload = model_payload(model, sha256)
    # Scoring the empty meta with the real model checks the options and gives the exact columns.
    meta = score_frame(ddf._meta, column, model=fitted, options=options)
    shipped = dask.delayed(payload, name=f"equalcare-model-{payload.sha256}")
    return ddf.map_partitions(_score_partition, shipped, column, options, meta=meta, align_dataframes=False)


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, n_workers: int | None = None) -> Iterator[distributed.Client]:
    """A client of the scheduler at ``scheduler`` (e.g. ``tcp://host:8786``), else of a new LocalCluster.

    The local cluster has ``n_workers`` single-threaded worker processes (default: one per core)
    and is closed on exit; an existing cluster is left running, only the client is closed.
    """
    need_dask()
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
    guard_formulas: bool = True,
    blocksize: str | int | None = DEFAULT_BLOCKSIZE,
    scheduler: str | None = None,
    storage_options: dict[str, Any] | None = None,
    options: ScoreOptions | None = None,
    **settings: Any,
) -> BatchSummary:
    """Score files on a Dask cluster into the folder ``output``: ``part-00000.EXT``, ... in input order.

    Each part is written by the worker that scored it, with the local engine's writers (same
    formats, six-decimal CSV probabilities, formula guard); the output format defaults to the
    input's. Parts go to a temporary folder beside ``output``, renamed into place only when all
    are written: a failed run leaves no partial output, and a non-empty ``output`` is refused.
    """
    need_dask()
    import fsspec

    options = ScoreOptions.of(options, settings, "score_files")
    started = time.monotonic()
    fmt_in = input_format_of(input_paths(source), input_format)
    fmt_out = output_format or fmt_in
    if fmt_out not in tables.FORMATS:
        raise ValueError(f"Unknown output format {fmt_out!r}; choose one of {list(tables.FORMATS)}")
    fs, root = fsspec.core.url_to_fs(str(output), **(storage_options or {}))
    if fs.exists(root) and (not fs.isdir(root) or fs.ls(root)):
        raise ValueError(f"The output {output} already exists and is not an empty folder; choose another")
    partial = f"{str(output).rstrip('/')}.partial-{uuid.uuid4().hex[:12]}"
    partial_path = fsspec.core.url_to_fs(partial, **(storage_options or {}))[1]
    with csv_errors(blocksize):  # the first block is parsed here, to learn the columns
        ddf = read_dask(source, input_format=fmt_in, delimiter=delimiter, blocksize=blocksize,
                        storage_options=storage_options)  # fmt: skip
    with dask_client(scheduler, options.jobs or None):
        column = find_text_column(ddf, text_column)
        scored = score_dask(ddf, column, model=model, sha256=sha256, options=options)
        writer = {
            "fmt": fmt_out,
            "delimiter": delimiter if fmt_in == fmt_out else None,
            "guard": guard_formulas,
        }
        try:
            with csv_errors(blocksize):
                keys = [options.prefix + "label", options.prefix + "status"]
                counts = scored.map_partitions(
                    _write_part,
                    partial,
                    writer,
                    keys,
                    storage_options,
                    meta=_COUNTS_META,
                    align_dataframes=False,
                ).compute()
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
