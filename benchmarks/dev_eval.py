"""Dev-only scores of saved models side by side: what feature and recipe choices are measured on.

Never reads a test split. For each model folder (``-`` for the shipped default): the domain corpus' dev
split and the held-apart round-10 dev rows (``data/domain/round10/dev.csv``; no default trained on
them) scored for single-tone accuracy (the most probable of the three labels), staff comments alone,
all four labels (``predict``), mixed comments found, single-tone ones reported as mixed, and accuracy
per construct; GoEmotions validation (three labels, macro-F1); the NHS phase-1 validation rows of
trusts A and C, CARER and TweetEval validation (fear vs flow, macro-F1); and the domain check
(``data/domain_regression.csv``). Prints a Markdown table, one column per model.

    EQUALCARE_DATA_DIR=../shared/data python benchmarks/dev_eval.py - /tmp/candidate [--json out.json]
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from equalcare_nlp import load_corpus, load_labelled, load_model
from equalcare_nlp.core.labels import FEAR, FLOW, LABELS, MIXED
from equalcare_nlp.training.corpora import CODEBOOK_READERS, trust_rows
from equalcare_nlp.training.default_model import domain_check
from equalcare_nlp.training.metrics import classification_report, fear_flow_predictions

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = ROOT / "data" / "domain"
DOMAIN_DEV = {"dev": DOMAIN / "dev.csv", "round 10 dev": DOMAIN / "round10" / "dev.csv"}
CONSTRUCTS = ("past_counterfactual", "sarcasm", "connection", "negation", "factual", "implicit_strain",
              "command_control", "contrast", "explicit_fear", "explicit_flow")  # fmt: skip
TRUSTS = ("Trust A", "Trust C")


def domain_scores(model, rows: list[dict[str, str]], tag: str) -> dict[str, float]:
    """Single-tone, staff, four-label, mixed and per-construct figures of domain rows."""
    texts, gold = [r["text"] for r in rows], np.array([r["label"] for r in rows])
    top = model.classes_[model.predict_proba(texts).argmax(axis=1)]
    predicted = model.predict(texts)
    single = gold != MIXED
    staff = np.array([r["source"] == "staff" for r in rows])
    construct = np.array([r["construct"] for r in rows])
    out = {
        f"{tag}: single-tone": np.mean(top[single] == gold[single]),
        f"{tag}: staff": np.mean(top[single & staff] == gold[single & staff]),
        f"{tag}: four labels": np.mean(predicted == gold),
        f"{tag}: mixed found": np.mean(predicted[~single] == MIXED),
        f"{tag}: false mixed": np.mean(predicted[single] == MIXED),
    }
    for name in CONSTRUCTS:
        chosen = single & (construct == name)
        if chosen.any():
            out[f"{tag}: {name}"] = np.mean(top[chosen] == gold[chosen])
    return out


def fear_flow_f1(model, texts: list[str], labels: list[str]) -> float:
    """Fear-vs-flow macro-F1 of the texts labelled fear or flow."""
    keep = [i for i, label in enumerate(labels) if label in (FEAR, FLOW)]
    predicted = fear_flow_predictions(model.predict_proba([texts[i] for i in keep]), model.classes_)
    return classification_report([labels[i] for i in keep], predicted, [FEAR, FLOW])["macro_f1"]


def dev_scores(folder: str) -> dict[str, float | str]:
    """Every dev figure of the model in ``folder`` (``-``: the shipped default)."""
    model = load_model(None if folder == "-" else folder)
    out: dict[str, float | str] = {}
    for tag, path in DOMAIN_DEV.items():
        with open(path, encoding="utf-8", newline="") as handle:
            out |= domain_scores(model, list(csv.DictReader(handle)), tag)
    texts, labels = load_labelled("goemotions", "validation")
    top = model.classes_[model.predict_proba(texts).argmax(axis=1)]
    out["GoEmotions (three labels)"] = classification_report(labels, top, LABELS)["macro_f1"]
    nhs = load_corpus("nhs_phase1", "validation")
    for trust in TRUSTS:
        out[f"NHS {trust}"] = fear_flow_f1(model, *CODEBOOK_READERS["nhs_phase1"](trust_rows(nhs, trust)))
    for corpus in ("carer", "tweeteval"):
        out[f"{corpus} (fear vs flow)"] = fear_flow_f1(model, *load_labelled(corpus, "validation"))
    check = domain_check(model)
    out["domain check"] = f"{check['correct']}/{check['n']}"
    return out


def main(argv: list[str] | None = None) -> dict[str, dict[str, float | str]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="+", help="model folders; - for the shipped default")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    results = {folder: dev_scores(folder) for folder in args.models}
    names = list(next(iter(results.values())))
    print("| dev figure | " + " | ".join(args.models) + " |")
    print("|---|" + "---:|" * len(args.models))
    for name in names:
        cells = [v if isinstance(v := results[m][name], str) else f"{v:.3f}" for m in args.models]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if args.json:
        plain = {m: {k: _plain(v) for k, v in r.items()} for m, r in results.items()}
        Path(args.json).write_text(json.dumps(plain, indent=1) + "\n")
    return results


def _plain(value: float | str) -> float | str:
    return value if isinstance(value, str) else float(value)


if __name__ == "__main__":
    main()
