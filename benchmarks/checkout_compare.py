"""This checkout's speed against another checkout of the project, measured in the same run.

For a change that should not move any figure (a refactoring), each round runs one child process
per checkout, alternating, with that checkout's code first on ``sys.path``: VADER's
``polarity_scores``, then :func:`predict_speed.one_round` (``predict_proba`` first and second
pass, ``predict`` cold and warm, on the GoEmotions test texts) and ``score_texts`` over the same
texts, each with the shipped model of this checkout. Every figure is reported as a ratio to VADER
in the same child, and this checkout's ratios against the other's. Writes
benchmarks/results/checkout_compare.{json,md}.

    EQUALCARE_DATA_DIR=../shared/data python benchmarks/checkout_compare.py --baseline ../before [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
MEASURES = ("proba_first", "proba_second", "cold", "warm", "score_texts")


def child(data_dir: str, model_dir: str) -> None:
    """One round in this process (run with the checkout under test first on ``sys.path``)."""
    import time

    sys.path.insert(0, str(Path.cwd() / "benchmarks"))  # the checkout under test: its own timing code
    from predict_speed import one_round, test_texts, vader_rate

    import equalcare_nlp

    texts = test_texts(Path(data_dir))
    vader = vader_rate(texts)
    rates = one_round(model_dir, texts)
    model = equalcare_nlp.load_model(model_dir)
    equalcare_nlp.score_texts(texts[:10], model=model, jobs=1)  # the pipeline built, as in one_round
    start = time.perf_counter()
    equalcare_nlp.score_texts(texts, model=model, jobs=1)
    rates["score_texts_texts_per_s"] = len(texts) / (time.perf_counter() - start)
    ratios = {name: rates[f"{name}_texts_per_s"] / vader for name in MEASURES}
    print(json.dumps({"package": equalcare_nlp.__file__, "vader": vader, "ratios": ratios}))


def run_round(checkout: Path, data_dir: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(checkout), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    model_dir = str(checkout / "models" / "default")
    out = subprocess.run(
        [sys.executable, __file__, "--child", data_dir, model_dir],
        env=env, cwd=checkout, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="the other checkout (a folder with equalcare_nlp/)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--data-dir", default=os.environ.get("EQUALCARE_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return {}
    if not args.baseline:
        parser.error("--baseline is required")
    checkouts = {"this": ROOT, "baseline": Path(args.baseline).resolve()}
    rounds: dict[str, list[dict]] = {name: [] for name in checkouts}
    for _ in range(args.rounds):
        for name, folder in checkouts.items():
            rounds[name].append(run_round(folder, args.data_dir))
    median = {
        name: {m: statistics.median(r["ratios"][m] for r in runs) for m in MEASURES}
        for name, runs in rounds.items()
    }
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
        "baseline": str(checkouts["baseline"]),
        "rounds": rounds,
        "median_ratio_to_vader": median,
        "this_over_baseline": {m: median["this"][m] / median["baseline"][m] for m in MEASURES},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "checkout_compare.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# This checkout against another, measured in the same run",
        "",
        f"Measured {result['when']} by `python benchmarks/checkout_compare.py --baseline "
        f"{checkouts['baseline'].name}` ({args.rounds} rounds, one child process per checkout per round, "
        f"alternating; load average {', '.join(f'{x:.1f}' for x in result['machine']['load'])}). Texts/s of "
        "each step on the GoEmotions test texts as a multiple of VADER's `polarity_scores` in the same "
        "process (medians):",
        "",
        "| step | this checkout | baseline | this / baseline |",
        "|---|---:|---:|---:|",
    ]
    for m in MEASURES:
        lines.append(
            f"| {m} | {median['this'][m]:.2f}x | {median['baseline'][m]:.2f}x | "
            f"{result['this_over_baseline'][m]:.2f} |"
        )
    (RESULTS / "checkout_compare.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return result


if __name__ == "__main__":
    main()
