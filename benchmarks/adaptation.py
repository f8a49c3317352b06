"""Acceptance benchmark for domain adaptation (issue 4).

Adapts whatever ``models/default`` holds at run time to the TweetEval emotion train split
(anger, sadness -> fear; joy, optimism -> flow) and scores TweetEval test (fear vs flow) and
GoEmotions test (three labels): a learning curve over stratified samples for both methods of
:mod:`equalcare_nlp.adapt`, and actively chosen vs random examples at 200.

    EQUALCARE_DATA_DIR=/work/shared/data HF_DATASETS_OFFLINE=1 python benchmarks/adaptation.py

Writes benchmarks/results/adaptation.{json,md,png}. ``refit`` models are fitted without the
temperature-scaling step (``calibration_cv=None``): temperature scaling never changes the
argmax, so macro-F1 is the same and each fit is four times faster.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from equalcare_nlp import LABELS, load_labelled, load_model
from equalcare_nlp.active import suggest
from equalcare_nlp.adapt import adapt, base_training_data
from equalcare_nlp.metrics import classification_report, fear_flow_predictions
from equalcare_nlp.persist import default_model_path, read_manifest

RESULTS = Path(__file__).with_name("results")


def scores(model, tweet_test, go_test) -> dict[str, float]:
    """TweetEval test fear-vs-flow macro-F1 and GoEmotions test three-label macro-F1."""
    tweet = fear_flow_predictions(model.predict_proba(tweet_test[0]), model.classes_)
    return {
        "tweeteval_macro_f1": classification_report(tweet_test[1], tweet, ["fear", "flow"])["macro_f1"],
        "goemotions_macro_f1": classification_report(go_test[1], model.predict(go_test[0]), LABELS)[
            "macro_f1"
        ],
    }


def sample(texts, labels, size, seed):
    """A stratified sample of ``size`` examples (all of them when ``size`` is None)."""
    if size is None or size >= len(texts):
        return list(texts), list(labels)
    chosen, _ = train_test_split(np.arange(len(texts)), train_size=size, stratify=labels, random_state=seed)
    return [texts[i] for i in chosen], [labels[i] for i in chosen]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--sizes", default="50,100,200,500,1000,all")
    parser.add_argument("--offset-seeds", type=int, default=5, help="seeds per size for the fast method")
    parser.add_argument("--random-seeds", type=int, default=3, help="random 200-samples for refit")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    base = load_model()
    base_data = base_training_data(default_model_path())
    if base_data is None:
        raise SystemExit("the default model's training corpus is needed: set EQUALCARE_DATA_DIR")
    refit_base = copy.copy(base).set_params(calibration_cv=None)
    train = load_labelled("tweeteval", "train")
    tweet_test = load_labelled("tweeteval", "test")
    go_test = load_labelled("goemotions", "test")
    sizes = [None if s == "all" else int(s) for s in args.sizes.split(",")]
    results = {
        "default_model": {
            "created": read_manifest(default_model_path())["created"],
            "sha256": read_manifest(default_model_path())["sha256"],
            **scores(base, tweet_test, go_test),
        },
        "new_data": {"corpus": "tweeteval", "split": "train", "n": len(train[0])},
        "curve": [],
        "active_vs_random": {},
    }

    def run(method, texts, labels, **info):
        start = time.perf_counter()
        model = adapt(
            refit_base if method == "refit" else base, texts, labels, method=method, base_data=base_data
        )
        row = {"method": method, "n": len(texts), **info, **scores(model, tweet_test, go_test)}
        row["seconds"] = round(time.perf_counter() - start, 1)
        print(json.dumps(row), flush=True)
        return row

    def save():
        (out / "adaptation.json").write_text(json.dumps(results, indent=2) + "\n")

    print(json.dumps(results["default_model"]), flush=True)
    picked = suggest(base, train[0], 200)
    active = ([s.text for s in picked], [train[1][s.index] for s in picked])
    comparison = results["active_vs_random"]
    # The fast method everywhere first, then the slow refits, most important first; results
    # are written after every step so an interrupted run still reports what it measured.
    for size in sizes:
        for seed in range(args.offset_seeds if size is not None else 1):
            results["curve"].append(run("offset", *sample(*train, size, seed), seed=seed))
    comparison["offset_active"] = [run("offset", *active, selection="active")]
    comparison["offset_random"] = [r for r in results["curve"] if r["method"] == "offset" and r["n"] == 200]
    save()
    write_report(results, out)
    steps = [("curve", None, 0), ("curve", 200, 0), ("active", 200, 0)]
    steps += [("random", 200, seed) for seed in range(1, args.random_seeds)]
    steps += [("curve", size, 0) for size in sizes if size not in (None, 200)]
    for kind, size, seed in steps:
        if kind == "active":
            comparison["active"] = [run("refit", *active, selection="active")]
        else:
            row = run("refit", *sample(*train, size, seed), seed=seed)
            if kind == "curve":
                results["curve"].append(row)
            if size == 200:
                comparison.setdefault("random", []).append({**row, "selection": "random"})
        save()
        write_report(results, out)


def _mean(rows, key):
    return float(np.mean([r[key] for r in rows])), float(np.std([r[key] for r in rows]))


def write_report(results: dict, out: Path) -> None:
    """The Markdown table and PNG learning curve from the JSON results."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    default = results["default_model"]
    lines = [
        "# Domain adaptation: default model + TweetEval train (benchmarks/adaptation.py)",
        "",
        f"Default model ({default['created']}): TweetEval test fear-vs-flow macro-F1 "
        f"**{default['tweeteval_macro_f1']:.4f}**, "
        f"GoEmotions test macro-F1 **{default['goemotions_macro_f1']:.4f}**.",
        "",
        "| method | new examples | runs | TweetEval test macro-F1 | vs default "
        "| GoEmotions test macro-F1 | vs default |",
        "|---|---|---|---|---|---|---|",
    ]
    curves: dict[str, list] = {}
    for method in ("refit", "offset"):
        for n in sorted({r["n"] for r in results["curve"] if r["method"] == method}):
            rows = [r for r in results["curve"] if r["method"] == method and r["n"] == n]
            tweet, tweet_sd = _mean(rows, "tweeteval_macro_f1")
            go, go_sd = _mean(rows, "goemotions_macro_f1")
            curves.setdefault(method, []).append((n, tweet, tweet_sd, go))
            lines.append(
                f"| {method} | {n} | {len(rows)} | {tweet:.4f} ± {tweet_sd:.4f} | "
                f"{tweet - default['tweeteval_macro_f1']:+.4f} | {go:.4f} ± {go_sd:.4f} | "
                f"{go - default['goemotions_macro_f1']:+.4f} |"
            )
    lines += ["", "## 200 actively chosen vs 200 random examples", ""]
    lines += [
        "| method | selection | runs | TweetEval test macro-F1 | GoEmotions test macro-F1 |",
        "|---|---|---|---|---|",
    ]
    for key, rows in results["active_vs_random"].items():
        method, selection = ("offset", key.split("_")[1]) if key.startswith("offset") else ("refit", key)
        tweet, tweet_sd = _mean(rows, "tweeteval_macro_f1")
        go, go_sd = _mean(rows, "goemotions_macro_f1")
        lines.append(
            f"| {method} | {selection} | {len(rows)} | {tweet:.4f} ± {tweet_sd:.4f} "
            f"| {go:.4f} ± {go_sd:.4f} |"
        )
    (out / "adaptation.md").write_text("\n".join(lines) + "\n")

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for method, points in curves.items():
        n, tweet, tweet_sd, go = map(np.array, zip(*points, strict=True))
        left.errorbar(n, tweet, yerr=tweet_sd, marker="o", capsize=3, label=f"adapted ({method})")
        right.plot(n, go, marker="o", label=f"adapted ({method})")
    left.axhline(default["tweeteval_macro_f1"], color="grey", linestyle="--", label="default model")
    left.axhline(default["tweeteval_macro_f1"] + 0.05, color="green", linestyle=":", label="target (+0.05)")
    right.axhline(default["goemotions_macro_f1"], color="grey", linestyle="--", label="default model")
    right.axhline(default["goemotions_macro_f1"] - 0.02, color="red", linestyle=":", label="limit (-0.02)")
    for axis, title in ((left, "TweetEval test, fear vs flow"), (right, "GoEmotions test, three labels")):
        axis.set_xscale("log")
        axis.set_xlabel("new labelled examples (TweetEval train)")
        axis.set_ylabel("macro-F1")
        axis.set_title(title)
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(out / "adaptation.png", dpi=120)


if __name__ == "__main__":
    main()
