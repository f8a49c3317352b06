"""Single-process ``predict`` speed of a saved model on the GoEmotions test texts.

Each round loads the model afresh (so the preprocessing cache starts empty: *cold*, what a new
batch of unseen comments costs), then predicts on all test texts once more (*warm*: repeated texts
come from the cache). Also times the stages of a cold run (preprocessing, features, linear model) so
a slowdown can be placed. Single process, single thread for numpy (``OMP_NUM_THREADS=1``).
With ``--baseline FOLDER`` another saved model (e.g. the previous default) is timed in the same run,
rounds interleaved, and the ratios are reported. Writes benchmarks/results/predict_speed.{json,md}.

    EQUALCARE_DATA_DIR=../shared/data python benchmarks/predict_speed.py [--model models/default] [--rounds 5]
        [--baseline FOLDER]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TARGET = 5_000


def test_texts(data_dir: Path) -> list[str]:
    """Every GoEmotions test comment, mixed ones included (the user's texts are not filtered)."""
    from equalcare_nlp.corpora import load_corpus

    return list(load_corpus("goemotions", "test", data_dir / "goemotions")["text"])


def one_round(model_dir: str | None, texts: list[str]) -> dict[str, float]:
    """Texts per second of a cold and a warm ``predict`` and of the cold stages, one fresh load."""
    from equalcare_nlp import load_model

    model = load_model(model_dir)
    start = time.perf_counter()
    model.predict(texts)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    model.predict(texts)
    warm = time.perf_counter() - start

    model = load_model(model_dir)  # cold again, stage by stage
    start = time.perf_counter()
    tokens = model.tokens(texts)
    preprocess = time.perf_counter() - start
    view = model.linear_view()
    features = view.features(tokens)
    featurise = time.perf_counter() - start - preprocess
    (features @ view.coef.T) + view.intercept
    linear = time.perf_counter() - start - preprocess - featurise
    n = len(texts)
    return {
        "cold_texts_per_s": n / cold,
        "warm_texts_per_s": n / warm,
        "preprocess_s": preprocess,
        "features_s": featurise,
        "linear_s": linear,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="saved model folder (default: the shipped model)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", help="another saved model folder to time in the same run")
    parser.add_argument(
        "--data-dir", default=os.environ.get("EQUALCARE_DATA_DIR", ROOT.parent / "shared" / "data")
    )
    args = parser.parse_args(argv)
    texts = test_texts(Path(args.data_dir))
    load_before = os.getloadavg()
    rounds, baseline_rounds = [], []
    for _ in range(args.rounds):
        rounds.append(one_round(args.model, texts))
        if args.baseline:
            baseline_rounds.append(one_round(args.baseline, texts))
    summary = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    result = {
        "measured": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": args.model or "models/default (shipped)",
        "texts": len(texts),
        "rounds": args.rounds,
        "median": {k: round(v, 4 if k.endswith("_s") else 0) for k, v in summary.items()},
        "all_rounds": rounds,
        "target_texts_per_s": TARGET,
        "meets_target": summary["cold_texts_per_s"] >= TARGET,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    if baseline_rounds:
        base = {key: statistics.median(r[key] for r in baseline_rounds) for key in baseline_rounds[0]}
        result["baseline"] = {
            "model": args.baseline,
            "median": {k: round(v, 4 if k.endswith("_s") else 0) for k, v in base.items()},
            "all_rounds": baseline_rounds,
            "ratio_cold": summary["cold_texts_per_s"] / base["cold_texts_per_s"],
            "ratio_warm": summary["warm_texts_per_s"] / base["warm_texts_per_s"],
        }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "predict_speed.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "predict_speed.md").write_text(markdown(result))
    print(markdown(result))
    return result


def markdown(result: dict) -> str:
    m, target = result["median"], result["target_texts_per_s"]
    load = f"load average {result['load_average_before']} before, {result['load_average_after']} after"
    return f"""# Single-process `predict` speed

Measured {result["measured"]} by `benchmarks/predict_speed.py` ({result["model"]}), {result["texts"]:,}
GoEmotions test texts, median of {result["rounds"]} fresh loads, one process, one numpy thread, on a shared
{result["cpus"]}-core machine ({load}).

| run | texts/s | target |
|---|---:|---|
| cold (fresh model, empty preprocessing cache) | {m["cold_texts_per_s"]:,.0f} | >= {target:,} |
| warm (same texts again) | {m["warm_texts_per_s"]:,.0f} | |

Cold stages: preprocessing {m["preprocess_s"]:.3f} s, features {m["features_s"]:.3f} s,
linear model {m["linear_s"]:.4f} s.
{_baseline(result)}"""


def _baseline(result: dict) -> str:
    if "baseline" not in result:
        return ""
    b = result["baseline"]
    return (
        f"\nBaseline timed in the same run, rounds interleaved ({b['model']}): cold "
        f"{b['median']['cold_texts_per_s']:,.0f} texts/s, warm {b['median']['warm_texts_per_s']:,.0f}; this "
        f"model is **{b['ratio_cold']:.2f}x** cold and **{b['ratio_warm']:.2f}x** warm of the baseline.\n"
    )


if __name__ == "__main__":
    sys.exit(0 if main()["meets_target"] else 1)
