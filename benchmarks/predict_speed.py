"""Single-process prediction speed of a saved model on the GoEmotions test texts, beside VADER.

Each round times VADER's ``polarity_scores`` on the same texts, then loads the model afresh with
its spaCy pipeline and compiled tables built (``compile()``, timed apart) and times ``predict_proba``
twice: a *first pass* (the chunk cache empty: what a batch of unseen comments costs) and a *second
pass* over the same texts (every chunk cached). A second fresh load times ``predict`` (which also
scores each part of a comment for the mixed rule) cold and warm, and the stages of the compiled
path (token ids, features, linear model). Single process, one numpy thread
(``OMP_NUM_THREADS=1``). With ``--baseline FOLDER`` another saved model (e.g. the default before
the codebook issue) is timed in the same run, rounds interleaved, and its ``predict`` ratios are
reported. Every figure that matters is a ratio measured in the same run: the machine is shared.
Writes benchmarks/results/predict_speed.{json,md}.

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
#: The speed issue's targets: ``predict_proba`` texts/s as a multiple of VADER's, first and second pass.
VADER_TARGETS = {"first": 1.2, "second": 4.0}
#: The model issue's target: ``predict`` texts/s at least this share of the baseline model's.
BASELINE_TARGET = 0.9


def test_texts(data_dir: Path) -> list[str]:
    """Every GoEmotions test comment, mixed ones included (the user's texts are not filtered)."""
    from equalcare_nlp.training.corpora import load_corpus

    return list(load_corpus("goemotions", "test", data_dir / "goemotions")["text"])


def vader_rate(texts: list[str]) -> float:
    """VADER ``polarity_scores`` texts per second."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return len(texts) / _seconds(lambda: [analyzer.polarity_scores(text) for text in texts])


def fresh_model(model_dir: str | None) -> tuple[object, float]:
    """The model loaded with its spaCy pipeline built, and the seconds its compiled tables took."""
    from equalcare_nlp import load_model

    model = load_model(model_dir)
    model.preprocessor_.nlp  # noqa: B018 - built before timing
    return model, _seconds(model.compile)


def one_round(model_dir: str | None, texts: list[str]) -> dict[str, float]:
    """Texts per second of ``predict_proba`` first and second pass and ``predict`` cold and warm
    (each on a fresh load), and the seconds of the compiled stages of a cold pass."""
    n = len(texts)
    model, compile_s = fresh_model(model_dir)
    first = _seconds(lambda: model.predict_proba(texts))
    second = _seconds(lambda: model.predict_proba(texts))
    model, _ = fresh_model(model_dir)
    cold = _seconds(lambda: model.predict(texts))
    warm = _seconds(lambda: model.predict(texts))

    model, _ = fresh_model(model_dir)  # cold again, stage by stage
    start = time.perf_counter()
    batch = model.token_batch(texts)
    tokens = time.perf_counter() - start
    features = model.batch_features(batch)
    featurise = time.perf_counter() - start - tokens
    view = model.linear_view()
    (features @ view.coef.T) + view.intercept
    linear = time.perf_counter() - start - tokens - featurise
    return {
        "proba_first_texts_per_s": n / first,
        "proba_second_texts_per_s": n / second,
        "cold_texts_per_s": n / cold,
        "warm_texts_per_s": n / warm,
        "compile_s": compile_s,
        "preprocess_s": tokens,
        "features_s": featurise,
        "linear_s": linear,
    }


def _seconds(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _median(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}


def _rounded(values: dict[str, float]) -> dict[str, float]:
    digits = {k: 4 if k.endswith("_s") else 2 if k.startswith("ratio") else 0 for k in values}
    return {k: round(v, digits[k]) for k, v in values.items()}


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
        vader = vader_rate(texts)
        model = one_round(args.model, texts)
        model["vader_texts_per_s"] = vader
        model["ratio_first_vader"] = model["proba_first_texts_per_s"] / vader
        model["ratio_second_vader"] = model["proba_second_texts_per_s"] / vader
        rounds.append(model)
        if args.baseline:
            base = one_round(args.baseline, texts)
            base["ratio_cold"] = model["cold_texts_per_s"] / base["cold_texts_per_s"]
            base["ratio_warm"] = model["warm_texts_per_s"] / base["warm_texts_per_s"]
            baseline_rounds.append(base)
    summary = _median(rounds)
    result = {
        "measured": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": args.model or "models/default (shipped)",
        "texts": len(texts),
        "rounds": args.rounds,
        "median": _rounded(summary),
        "all_rounds": rounds,
        "vader_targets": VADER_TARGETS,
        "meets_vader_targets": {
            "first": summary["ratio_first_vader"] >= VADER_TARGETS["first"],
            "second": summary["ratio_second_vader"] >= VADER_TARGETS["second"],
        },
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    if baseline_rounds:
        base = _median(baseline_rounds)
        result["baseline"] = {
            "model": args.baseline,
            "median": _rounded(base),
            "all_rounds": baseline_rounds,
            "ratio_cold": base["ratio_cold"],
            "ratio_warm": base["ratio_warm"],
            "target": BASELINE_TARGET,
        }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "predict_speed.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "predict_speed.md").write_text(markdown(result))
    print(markdown(result))
    return result


def markdown(result: dict) -> str:
    m, targets = result["median"], result["vader_targets"]
    first, second = (f"{m[k + '_texts_per_s']:,.0f}" for k in ("proba_first", "proba_second"))
    first_ratio, second_ratio = (f"{m['ratio_' + k + '_vader']:.2f}" for k in ("first", "second"))
    load = f"load average {result['load_average_before']} before, {result['load_average_after']} after"
    return f"""# Single-process prediction speed

Measured {result["measured"]} by `benchmarks/predict_speed.py` ({result["model"]}), {result["texts"]:,}
GoEmotions test texts, median of {result["rounds"]} rounds (each: VADER, then fresh loads of the model), one
process, one numpy thread, on a shared {result["cpus"]}-core machine ({load}): absolute
figures move with the load, the ratios are measured side by side in each round.

| run | texts/s | x VADER | target |
|---|---:|---:|---|
| VADER `polarity_scores` | {m["vader_texts_per_s"]:,.0f} | 1.00 | |
| `predict_proba`, first pass (chunk cache empty) | {first} | {first_ratio} | >= {targets["first"]}x |
| `predict_proba`, second pass (same texts) | {second} | {second_ratio} | >= {targets["second"]}x |
| `predict` cold (the mixed rule too) | {m["cold_texts_per_s"]:,.0f} | | |
| `predict` warm | {m["warm_texts_per_s"]:,.0f} | | |

Compiled tables built once per load in {m["compile_s"]:.2f} s (before timing). Cold stages of the compiled
path: token ids {m["preprocess_s"]:.3f} s (the spaCy stage for unseen chunks), features
{m["features_s"]:.3f} s, linear model {m["linear_s"]:.4f} s.
{_baseline(result)}"""


def _baseline(result: dict) -> str:
    if "baseline" not in result:
        return ""
    b = result["baseline"]
    return (
        f"\nBaseline timed in the same run, rounds interleaved ({b['model']}): `predict` cold "
        f"{b['median']['cold_texts_per_s']:,.0f} texts/s, warm {b['median']['warm_texts_per_s']:,.0f}; this "
        f"model is **{b['ratio_cold']:.2f}x** cold and **{b['ratio_warm']:.2f}x** warm of the baseline "
        f"(target >= {b['target']}x; median of the per-round ratios).\n"
    )


if __name__ == "__main__":
    sys.exit(0 if all(main()["meets_vader_targets"].values()) else 1)
