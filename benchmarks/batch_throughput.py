"""Throughput and peak memory of ``equalcare score`` on a large CSV of comment-like text.

Builds a CSV (default 1,000,000 rows: id, team, month, comment) whose comments are GoEmotions
texts drawn at random with a fixed seed, in a temporary folder, then scores it end to end with
the CLI in a subprocess while sampling the memory of the whole process tree from /proc (PSS,
which shares library pages fairly between processes, and the RSS sum, an upper bound). Checks
that the output has every row, in order, and times VADER's ``polarity_scores`` on one core on
:data:`VADER_SAMPLE` of the file's comments in the same run (after scoring), so the rate is also
a ratio. Writes benchmarks/results/batch_throughput.{json,md}.

    EQUALCARE_DATA_DIR=/work/shared/data python benchmarks/batch_throughput.py [--rows N] [--jobs N]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
#: The speed issue's targets: rows/s of the 2-job CLI as a multiple of VADER's one-core texts/s, peak PSS.
VADER_TARGET, PSS_TARGET_MIB = 5.0, 1024
#: How many of the file's comments VADER is timed on.
VADER_SAMPLE = 20_000
TEAMS = ("Ward 7", "A&E", "ICU", "Community mental health", "Maternity", "Outpatients", "Pharmacy")


def goemotions_texts() -> list[str]:
    """Every GoEmotions comment (train, dev, test) from ``$EQUALCARE_DATA_DIR/goemotions``."""
    folder = Path(os.environ.get("EQUALCARE_DATA_DIR", "/work/shared/data")) / "goemotions"
    texts = []
    for split in ("train", "dev", "test"):
        with open(folder / f"{split}.tsv", encoding="utf-8", newline="") as handle:
            texts.extend(row[0] for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return texts


def build_csv(path: Path, rows: int, seed: int = 13) -> dict:
    """Write the benchmark CSV; return its size and how many distinct comments it holds."""
    texts = goemotions_texts()
    rng = random.Random(seed)
    distinct = set()
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "team", "month", "comment"])
        for i in range(rows):
            text = rng.choice(texts)
            distinct.add(text)
            writer.writerow([i, rng.choice(TEAMS), f"2024-{rng.randint(1, 12):02d}", text])
    size = path.stat().st_size
    return {
        "rows": rows,
        "bytes": size,
        "distinct_comments": len(distinct),
        "pool": len(texts),
        "chunks_in_record_table": record_table_share(distinct),
    }


def record_table_share(texts: set[str]) -> float:
    """Share of the distinct whitespace chunks of ``texts`` that the shipped chunk-record table holds
    (they skip spaCy; most of the pool is GoEmotions train, whose chunks the table was built from)."""
    from equalcare_nlp.nlp.record_table import corpus_chunks, shipped_records

    chunks, table = corpus_chunks(texts), shipped_records()
    return round(sum(chunk in table for chunk in chunks) / max(len(chunks), 1), 3)


def _tree(pid: int) -> list[int]:
    pids, stack = [], [pid]
    while stack:
        current = stack.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                stack.extend(int(child) for child in task.read_text().split())
            except OSError:
                pass
    return pids


def _memory_kib(pids: list[int]) -> tuple[int, int]:
    pss = rss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss += int(line.split()[1])
        except OSError:
            pass
    return pss, rss


def vader_rate_on(texts: list[str]) -> float:
    """VADER's texts/s on one core (imported after scoring: the import sets one numpy thread)."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.predict_speed import vader_rate

    return vader_rate(texts)


def run_scoring(source: Path, output: Path, jobs: int, chunk_size: int) -> dict:
    """Score ``source`` with the CLI, sampling the process tree's memory every 0.1 s."""
    command = [sys.executable, "-m", "equalcare_nlp.cli", "score", str(source), "-o", str(output), "--quiet"]
    command += ["--jobs", str(jobs), "--chunk-size", str(chunk_size)]
    peak = {"pss": 0, "rss": 0, "processes": 0}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT)

    def sample() -> None:
        while process.poll() is None:
            pids = _tree(process.pid)
            pss, rss = _memory_kib(pids)
            peak["pss"] = max(peak["pss"], pss)
            peak["rss"] = max(peak["rss"], rss)
            peak["processes"] = max(peak["processes"], len(pids))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    seconds = time.perf_counter() - started
    sampler.join()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the CLI and its workers, once waited for
    if code:
        raise SystemExit(f"scoring failed with exit code {code}: {' '.join(command)}")
    return {
        "command": " ".join(["equalcare", *command[3:]]),
        "seconds": round(seconds, 2),
        "peak_pss_mib": round(peak["pss"] / 1024, 1),
        "peak_rss_sum_mib": round(peak["rss"] / 1024, 1),
        "max_single_process_rss_mib": round(children.ru_maxrss / 1024, 1),
        "cpu_seconds": round(children.ru_utime + children.ru_stime, 1),
        "processes": peak["processes"],
    }


def check_output(output: Path, rows: int) -> dict:
    """Every row present, in input order (the id column counts up), and how they were labelled."""
    import pandas as pd

    ids = pd.read_csv(output, usecols=["id", "label", "status"], dtype={"id": "int64"})
    if len(ids) != rows or not (ids["id"].to_numpy() == range(rows)).all():
        raise SystemExit(f"output rows are missing or out of order: {len(ids)} rows, expected {rows}")
    return {
        "rows": len(ids),
        "in_order": True,
        "labels": {str(k): int(v) for k, v in ids["label"].value_counts().items()},
        "statuses": {str(k): int(v) for k, v in ids["status"].value_counts().items()},
    }


#: Where the time of one in-process run goes: (label, file suffix, function name) for pstats.
PROFILED = (
    ("scoring total (ChunkScorer)", "equalcare_nlp/scoring/scorer.py", "__call__"),
    ("  spaCy preprocessing", "equalcare_nlp/nlp/preprocess.py", "pipe"),
    ("  lexicon features", "equalcare_nlp/features/parts.py", "transform"),
    ("  word n-gram counting", "sklearn/feature_extraction/text.py", "_count_vocab"),
    ("reading CSV chunks", "equalcare_nlp/tables/readers.py", "chunks"),
    ("row statuses", "equalcare_nlp/scoring/columns.py", "prepare"),
    ("assembling output", "equalcare_nlp/scoring/columns.py", "assemble"),
    ("writing CSV", "equalcare_nlp/tables/writers.py", "write"),
)


def profile(source: Path, output: Path) -> dict:
    """cProfile one single-process run of ``score_file``: share of time in each stage."""
    import cProfile
    import pstats

    sys.path.insert(0, str(ROOT))
    from equalcare_nlp.scoring.local import score_file

    profiler = cProfile.Profile()
    profiler.runcall(score_file, source, output, text_column="comment", jobs=1, progress=False)
    stats = pstats.Stats(profiler).stats
    total = max(
        cumulative for (_, _, name), (_, _, _, cumulative, _) in stats.items() if name == "score_file"
    )
    shares = {}
    for label, suffix, function in PROFILED:
        seconds = sum(v[3] for (f, _, name), v in stats.items() if f.endswith(suffix) and name == function)
        shares[label] = round(seconds / total, 3)
    return {"seconds_under_profiler": round(total, 1), "share_of_time": shares}


def write_results(result: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "batch_throughput.json").write_text(json.dumps(result, indent=2) + "\n")
    run, data = result["run"], result["data"]
    lines = [
        "# Batch scoring throughput (`equalcare score`)",
        "",
        f"Measured {result['when']} by `benchmarks/batch_throughput.py` on {result['machine']['cpus']} cores "
        f"(shared machine: load average {result['load_before']} before, {result['load_after']} after).",
        "",
        "| rows | distinct comments | file | jobs | seconds | rows/s | x VADER | peak PSS (tree) "
        "| peak RSS sum | target |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| {data['rows']:,} | {data['distinct_comments']:,} | {data['bytes'] / 2**20:.0f} MiB | "
        f"{result['jobs']} | {run['seconds']} | {result['rows_per_second']:,.0f} | {result['x_vader']} | "
        f"{run['peak_pss_mib']} MiB | "
        f"{run['peak_rss_sum_mib']} MiB | >= {VADER_TARGET:g}x VADER, <= {PSS_TARGET_MIB} MiB |",
        "",
        f"VADER `polarity_scores`, one core, same run (after scoring), on {VADER_SAMPLE:,} of the file's "
        f"comments: {result['vader_texts_per_second']:,} texts/s.",
        "",
        *(
            [
                "The file's comments come from every GoEmotions split, mostly train, whose chunks the "
                "shipped chunk-record table was built from: it holds "
                f"{data['chunks_in_record_table']:.1%} of their distinct chunks.",
                "",
            ]
            if "chunks_in_record_table" in data
            else []
        ),
        f"CPU time of the scoring processes: {run['cpu_seconds']} s, i.e. {result['rows_per_cpu_second']:,} "
        f"rows per CPU-second; on {result['jobs']} otherwise idle cores that projects to "
        f"{result['projected_rows_per_second_idle']:,} rows/s (projected from CPU time, not measured).",
        "",
        f"Command: `{run['command']}`. Output checked: {result['output']['rows']:,} rows, in input order; "
        f"labels {result['output']['labels']}.",
        "",
        *(
            [
                f"Profile (cProfile, one process, {result['profile']['rows']:,} rows, so the preprocessing "
                "cache is colder than in the full run): share of time per stage: "
                + "; ".join(f"{k.strip()} {v:.0%}" for k, v in result["profile"]["share_of_time"].items())
                + ".",
                "",
            ]
            if "profile" in result
            else []
        ),
        "PSS counts pages shared between the processes (Python libraries, the model) once; the RSS sum "
        "counts them in every process and so overstates the real footprint.",
        "",
    ]
    (RESULTS / "batch_throughput.md").write_text("\n".join(lines))


def result_cpus() -> int:
    return len(os.sched_getaffinity(0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=0, help="0 = all cores")
    parser.add_argument("--chunk-size", type=int, default=5_000)
    parser.add_argument("--no-write", action="store_true", help="print the result, do not save it")
    parser.add_argument("--profile-rows", type=int, default=0, help="also cProfile a 1-process run on N rows")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="equalcare-bench-") as folder:
        source, output = Path(folder) / "comments.csv", Path(folder) / "comments.scored.csv"
        data = build_csv(source, args.rows)
        load_before = [round(x, 2) for x in os.getloadavg()]
        run = run_scoring(source, output, args.jobs, args.chunk_size)
        load_after = [round(x, 2) for x in os.getloadavg()]
        checked = check_output(output, args.rows)
        vader = vader_rate_on(random.Random(1).sample(goemotions_texts(), VADER_SAMPLE))
        profiled = None
        if args.profile_rows:
            small = Path(folder) / "profile.csv"
            build_csv(small, args.profile_rows)
            profiled = {"rows": args.profile_rows, **profile(small, Path(folder) / "profile.scored.csv")}
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "jobs": args.jobs or result_cpus(),
        "chunk_size": args.chunk_size,
        "data": data,
        "run": run,
        "rows_per_second": round(args.rows / run["seconds"]),
        "vader_texts_per_second": round(vader),
        "x_vader": round(args.rows / run["seconds"] / vader, 2),
        # CPU time does not depend on how busy the machine is; spread over every core it gives the
        # rate an otherwise idle machine would reach (a projection, not a measurement).
        "rows_per_cpu_second": round(args.rows / run["cpu_seconds"]),
        "projected_rows_per_second_idle": round(args.rows / run["cpu_seconds"] * result_cpus()),
        "load_before": load_before,
        "load_after": load_after,
        "output": checked,
    }
    if profiled:
        result["profile"] = profiled
    print(json.dumps(result, indent=2))
    if not args.no_write:
        write_results(result)


if __name__ == "__main__":
    main()
