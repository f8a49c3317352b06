"""Throughput of the Dask engine with 1 and 2 workers, against the local engine on the same input.

Builds the CSV of ``benchmarks/batch_throughput.py`` (GoEmotions comments drawn with a fixed seed;
default 200,000 rows), scores it with the local engine (``score_file``, jobs 1 and 2) and
with the Dask engine (``dask_engine.score_files`` on a fresh ``LocalCluster`` of 1 and 2
single-threaded worker processes), checks every output has every row with the same labels, and
writes benchmarks/results/dask_throughput.{json,md} (medians of ``--repeat`` runs). Each run is
cold: the local engine loads the model afresh (an empty chunk cache, as a new worker's), the Dask
workers import the package and load the model inside the measured time; starting the cluster is
timed separately. CPU seconds (all processes) are recorded because the machine is shared: wall time
depends on the other load, CPU time less.

    EQUALCARE_DATA_DIR=/work/shared/data python -m benchmarks.dask_throughput [--rows N] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from benchmarks.batch_throughput import RESULTS, build_csv, result_cpus
from equalcare_nlp.model.persist import load_model
from equalcare_nlp.scoring.dask_engine import dask_client, score_files
from equalcare_nlp.scoring.local import score_file


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
    """The local engine, in this process (forked workers for jobs > 1), with the model loaded afresh
    inside the time: the shipped model as ``score_file`` caches it would keep the chunks of the last run."""
    output = folder / f"local_{jobs}.csv"
    output.unlink(missing_ok=True)
    load, cpu, started = _load(), _own_cpu(), time.perf_counter()
    summary = score_file(source, output, text_column="comment", model=load_model(), jobs=jobs, progress=False)
    seconds = time.perf_counter() - started
    labels = pd.read_csv(output, usecols=["label"])["label"]
    return {"engine": "local", "processes": jobs, "seconds": round(seconds, 2), "rows": summary.rows,
            "cpu_seconds": round(_own_cpu() - cpu, 1), "load_before": load, "load_after": _load(),
            "labels": labels}  # fmt: skip


def run_dask(source: Path, folder: Path, workers: int, blocksize: str) -> dict:
    """The Dask engine on a fresh LocalCluster of ``workers`` processes (cluster start timed apart)."""
    output = folder / f"dask_{workers}"
    shutil.rmtree(output, ignore_errors=True)
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
        f"{result['blocksize']}. Every run is cold: each loads the model inside the time (the local "
        "engine afresh, its chunk cache empty); the Dask workers also import the libraries.",
        "",
        f"Medians of {result['repeat']} runs each:",
        "",
        "| engine | processes | seconds (median) | texts/s | CPU s | texts per CPU-s | time vs local, same "
        "processes | cluster start s | every run (s) | load average during runs |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in result["summary"]:
        overhead = f"{row['overhead_vs_local']:.2f}x" if "overhead_vs_local" in row else ""
        lines.append(
            f"| {row['engine']} | {row['processes']} | {row['seconds']} | {row['texts_per_second']:,} | "
            f"{row['cpu_seconds']} | {row['texts_per_cpu_second']:,} | {overhead} | "
            f"{row.get('cluster_start_seconds', '')} | {row['runs_seconds']} | {row['load_1min']} |"
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


def summarise(runs: list[dict], rows: int) -> list[dict]:
    """Per engine and process count: median time and CPU, and the Dask engine's time over the local one's."""
    summary = []
    for engine, processes in [("local", 1), ("local", 2), ("dask", 1), ("dask", 2)]:
        mine = [run for run in runs if run["engine"] == engine and run["processes"] == processes]
        seconds = statistics.median(run["seconds"] for run in mine)
        cpu = statistics.median(run["cpu_seconds"] for run in mine)
        loads = [run["load_before"][0] for run in mine] + [run["load_after"][0] for run in mine]
        row = {"engine": engine, "processes": processes, "seconds": seconds,
               "texts_per_second": round(rows / seconds), "cpu_seconds": cpu,
               "texts_per_cpu_second": round(rows / cpu), "runs_seconds": [run["seconds"] for run in mine],
               "load_1min": f"{min(loads)}-{max(loads)}"}  # fmt: skip
        if engine == "dask":
            row["cluster_start_seconds"] = statistics.median(run["cluster_start_seconds"] for run in mine)
            row["overhead_vs_local"] = round(seconds / summary[processes - 1]["seconds"], 2)
        summary.append(row)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--blocksize", default="1MB", help="CSV block per Dask partition")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each configuration")
    parser.add_argument("--no-write", action="store_true", help="print the result, do not save it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="equalcare-dask-bench-") as tmp:
        folder = Path(tmp)
        source = folder / "comments.csv"
        data = build_csv(source, args.rows)
        # Local runs first: they fork, which must not happen once a cluster's threads are running.
        runs = [run_local(source, folder, jobs) for _ in range(args.repeat) for jobs in (1, 2)]
        runs += [run_dask(source, folder, n, args.blocksize) for _ in range(args.repeat) for n in (1, 2)]
    reference = runs[0]["labels"]
    same = [run.pop("labels").equals(reference) for run in runs]
    equal = len(reference) == args.rows and all(same)
    summary = summarise(runs, args.rows)
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": result_cpus(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "data": data,
        "blocksize": args.blocksize,
        "repeat": args.repeat,
        "summary": summary,
        "runs": runs,
        "outputs_equal": equal,
    }
    print(json.dumps(result, indent=2))
    if not args.no_write:
        write_results(result)


if __name__ == "__main__":
    main()
