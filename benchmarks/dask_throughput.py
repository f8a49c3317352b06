"""Throughput of the Dask engine with 1 and 2 workers, against the local engine on the same input.

Builds the CSV of ``benchmarks/batch_throughput.py`` (GoEmotions comments drawn with a fixed seed;
default 200,000 rows), scores it with the local engine (``batch.score_file``, jobs 1 and 2) and
with the Dask engine (``dask_engine.score_files`` on a fresh ``LocalCluster`` of 1 and 2
single-threaded worker processes), checks every output has every row with the same labels, and
writes benchmarks/results/dask_throughput.{json,md}. Each run is cold: the local engine loads the
model, the Dask workers import the package and load the model inside the measured time; starting
the cluster is timed separately. CPU seconds (all processes) are recorded because the machine is
shared: wall time depends on the other load, CPU time much less.

    EQUALCARE_DATA_DIR=/work/shared/data python -m benchmarks.dask_throughput [--rows N] [--blocksize 1MB]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from benchmarks.batch_throughput import RESULTS, build_csv, result_cpus
from equalcare_nlp.batch import score_file
from equalcare_nlp.dask_engine import dask_client, score_files


def _own_cpu() -> float:
    """CPU seconds of this process and of its waited-for children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _worker_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_local(source: Path, folder: Path, jobs: int) -> dict:
    """The local engine, in this process (forked workers for jobs > 1)."""
    output = folder / f"local_{jobs}.csv"
    load, cpu, started = _load(), _own_cpu(), time.perf_counter()
    summary = score_file(source, output, text_column="comment", jobs=jobs, progress=False)
    seconds = time.perf_counter() - started
    labels = pd.read_csv(output, usecols=["label"])["label"]
    return {"engine": "local", "processes": jobs, "seconds": round(seconds, 2), "rows": summary.rows,
            "cpu_seconds": round(_own_cpu() - cpu, 1), "load_before": load, "load_after": _load(),
            "labels": labels}  # fmt: skip


def run_dask(source: Path, folder: Path, workers: int, blocksize: str) -> dict:
    """The Dask engine on a fresh LocalCluster of ``workers`` processes (cluster start timed apart)."""
    output = folder / f"dask_{workers}"
    load, started = _load(), time.perf_counter()
    with dask_client(n_workers=workers) as client:
        start_seconds = time.perf_counter() - started
        cpu_workers, cpu_own = sum(client.run(_worker_cpu).values()), _own_cpu()
        started = time.perf_counter()
        summary = score_files(source, output, text_column="comment", blocksize=blocksize,
                              scheduler=client.scheduler.address)  # fmt: skip
        seconds = time.perf_counter() - started
        cpu = sum(client.run(_worker_cpu).values()) - cpu_workers + _own_cpu() - cpu_own
    parts = sorted(output.iterdir())
    labels = pd.concat([pd.read_csv(p, usecols=["label"])["label"] for p in parts], ignore_index=True)
    return {"engine": "dask", "processes": workers, "seconds": round(seconds, 2), "rows": summary.rows,
            "cluster_start_seconds": round(start_seconds, 2), "partitions": len(parts),
            "cpu_seconds": round(cpu, 1), "load_before": load, "load_after": _load(),
            "labels": labels}  # fmt: skip


def write_results(result: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "dask_throughput.json").write_text(json.dumps(result, indent=2) + "\n")
    rows = result["data"]["rows"]
    lines = [
        "# Dask engine throughput (`equalcare score --engine dask`) against the local engine",
        "",
        f"Measured {result['when']} by `python -m benchmarks.dask_throughput` on "
        f"{result['machine']['cpus']} cores, shared with other work (load averages below: 1, 5, 15 min). "
        f"Input: {rows:,} rows of GoEmotions comments ({result['data']['distinct_comments']:,} distinct, "
        f"{result['data']['bytes'] / 2**20:.1f} MiB CSV), read by the Dask engine in blocks of "
        f"{result['blocksize']}. Every run is cold (model and libraries loaded inside the time).",
        "",
        "| engine | processes | seconds | texts/s | CPU s | texts per CPU-s | vs local, same processes "
        "| cluster start s | load before | load after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for run in result["runs"]:
        overhead = f"{run['overhead_vs_local']:.2f}x time" if "overhead_vs_local" in run else ""
        lines.append(
            f"| {run['engine']} | {run['processes']} | {run['seconds']} | {run['texts_per_second']:,} | "
            f"{run['cpu_seconds']} | {run['texts_per_cpu_second']:,} | {overhead} | "
            f"{run.get('cluster_start_seconds', '')} | {run['load_before']} | {run['load_after']} |"
        )
    lines += [
        "",
        f"Every output had all {rows:,} rows and the same labels as the local engine's, row for row: "
        f"{result['outputs_equal']}.",
        "",
        "`vs local` is the Dask run's wall time over the local engine's with as many processes; the "
        "difference is the Dask engine's overhead (task scheduling, per-partition pandas and writing, "
        "each worker importing the package and loading the model). On a loaded shared machine wall "
        "times carry the other work's noise; CPU seconds are steadier. `cluster start` is the time "
        "to start the LocalCluster; it includes the workers importing the package, because spawned "
        "workers re-import the main module (here this benchmark, which imports equalcare_nlp).",
        "",
    ]
    (RESULTS / "dask_throughput.md").write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--blocksize", default="1MB", help="CSV block per Dask partition")
    parser.add_argument("--no-write", action="store_true", help="print the result, do not save it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="equalcare-dask-bench-") as tmp:
        folder = Path(tmp)
        source = folder / "comments.csv"
        data = build_csv(source, args.rows)
        # Local runs first: they fork, which must not happen once a cluster's threads are running.
        runs = [run_local(source, folder, jobs) for jobs in (1, 2)]
        runs += [run_dask(source, folder, workers, args.blocksize) for workers in (1, 2)]
    reference = runs[0].pop("labels")
    equal = all(run.pop("labels").equals(reference) for run in runs[1:]) and len(reference) == args.rows
    local_seconds = {run["processes"]: run["seconds"] for run in runs if run["engine"] == "local"}
    for run in runs:
        run["texts_per_second"] = round(args.rows / run["seconds"])
        run["texts_per_cpu_second"] = round(args.rows / run["cpu_seconds"])
        if run["engine"] == "dask":
            run["overhead_vs_local"] = round(run["seconds"] / local_seconds[run["processes"]], 2)
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": result_cpus(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "data": data,
        "blocksize": args.blocksize,
        "runs": runs,
        "outputs_equal": equal,
    }
    print(json.dumps(result, indent=2))
    if not args.no_write:
        write_results(result)


if __name__ == "__main__":
    main()
