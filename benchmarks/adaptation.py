"""Acceptance benchmark for domain adaptation (issue 4).

Adapts whatever ``models/default`` holds at run time to the TweetEval emotion train split
(anger, sadness -> fear; joy, optimism -> flow) and scores TweetEval test (fear vs flow) and
GoEmotions test (three labels): a learning curve over stratified samples with the default
method (``offset``), ``refit`` once with all the data for comparison, and 200 examples chosen
by :func:`equalcare_nlp.training.active.suggest` (uncertainty between fear and flow) against 200 random
ones, several seeds each.

    EQUALCARE_DATA_DIR=/work/shared/data HF_DATASETS_OFFLINE=1 python benchmarks/adaptation.py

(from a git worktree: ``PYTHONPATH=.`` in front, so the worktree's package is imported).

Writes benchmarks/results/adaptation.{json,md,png}. The ``refit`` model is fitted without the
temperature-scaling step (``calibration_cv=None``): temperature scaling never changes the
argmax, so macro-F1 is the same and the fit is four times faster. Settings were chosen on
held-out TweetEval train and validation tweets (``docs/training.md``), never on test.
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
from equalcare_nlp.model.persist import default_model_path, model_digest, read_manifest
from equalcare_nlp.training.active import suggest
from equalcare_nlp.training.adaptation import adapt, base_training_data
from equalcare_nlp.training.metrics import classification_report, fear_flow_predictions

RESULTS = Path(__file__).with_name("results")


def scores(model, tweet_test, go_test) -> dict[str, float]:
    """TweetEval test fear-vs-flow macro-F1 and GoEmotions test three-label macro-F1 (the most probable
    of the three labels, as the main benchmark scores it: GoEmotions' mixed comments are left out)."""
    tweet = fear_flow_predictions(model.predict_proba(tweet_test[0]), model.classes_)
    go = model.classes_[np.argmax(model.predict_proba(go_test[0]), axis=1)]
    return {
        "tweeteval_macro_f1": classification_report(tweet_test[1], tweet, ["fear", "flow"])["macro_f1"],
        "goemotions_macro_f1": classification_report(go_test[1], go, LABELS)["macro_f1"],
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
    parser.add_argument("--seeds", type=int, default=5, help="samples per size, and active picks at 200")
    parser.add_argument("--active-n", type=int, default=200)
    parser.add_argument("--no-refit", action="store_true", help="skip the slow refit comparison")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    base = load_model()
    train = load_labelled("tweeteval", "train")
    tweet_test = load_labelled("tweeteval", "test")
    go_test = load_labelled("goemotions", "test")
    sizes = [None if s == "all" else int(s) for s in args.sizes.split(",")]
    results = {
        "default_model": {
            "created": read_manifest(default_model_path())["created"],
            "sha256": model_digest(default_model_path()),
            **scores(base, tweet_test, go_test),
        },
        "new_data": {"corpus": "tweeteval", "split": "train", "n": len(train[0])},
        "curve": [],
        "active_vs_random": {},
    }

    def run(method, texts, labels, model_base=base, **info):
        start = time.perf_counter()
        model = adapt(model_base, texts, labels, method=method, base_data=info.pop("base_data", None))
        row = {"method": method, "n": len(texts), **info, **scores(model, tweet_test, go_test)}
        row["seconds"] = round(time.perf_counter() - start, 1)
        print(json.dumps(row), flush=True)
        return row

    def save():
        (out / "adaptation.json").write_text(json.dumps(results, indent=2) + "\n")
        write_report(results, out)

    print(json.dumps(results["default_model"]), flush=True)
    # Results are written after every step so an interrupted run still reports what it measured.
    for size in sizes:
        for seed in range(args.seeds if size is not None else 1):
            results["curve"].append(run("offset", *sample(*train, size, seed), seed=seed))
        save()
    comparison = results["active_vs_random"]
    comparison["random"] = [
        {**r, "selection": "random"} for r in results["curve"] if r["n"] == args.active_n
    ] or [
        run("offset", *sample(*train, args.active_n, s), seed=s, selection="random")
        for s in range(args.seeds)
    ]
    comparison["active"] = []
    for seed in range(args.seeds):
        picked = suggest(base, train[0], args.active_n, labels=("fear", "flow"), seed=seed)
        chosen = ([s.text for s in picked], [train[1][s.index] for s in picked])
        comparison["active"].append(run("offset", *chosen, seed=seed, selection="active"))
        save()
    if not args.no_refit:
        base_data = base_training_data(default_model_path())
        if base_data is None:
            raise SystemExit("refit needs the default model's training corpus: set EQUALCARE_DATA_DIR")
        refit_base = copy.copy(base).set_params(calibration_cv=None)
        results["curve"].append(run("refit", *train, model_base=refit_base, base_data=base_data, seed=0))
        save()


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
    comparison = results["active_vs_random"]
    lines += ["", "## Actively chosen vs random examples", ""]
    lines += [
        "| method | selection | new examples | runs | TweetEval test macro-F1 | GoEmotions test macro-F1 |",
        "|---|---|---|---|---|---|",
    ]
    for selection, rows in comparison.items():
        if not rows:
            continue
        tweet, tweet_sd = _mean(rows, "tweeteval_macro_f1")
        go, go_sd = _mean(rows, "goemotions_macro_f1")
        lines.append(
            f"| {rows[0]['method']} | {selection} | {rows[0]['n']} | {len(rows)} "
            f"| {tweet:.4f} ± {tweet_sd:.4f} | {go:.4f} ± {go_sd:.4f} |"
        )
    if comparison.get("active") and comparison.get("random"):
        gain = (
            _mean(comparison["active"], "tweeteval_macro_f1")[0]
            - _mean(comparison["random"], "tweeteval_macro_f1")[0]
        )
        lines += ["", f"Active minus random, mean TweetEval test macro-F1: **{gain:+.4f}**."]
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
