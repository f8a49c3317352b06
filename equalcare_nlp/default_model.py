"""Build the shipped default model: GoEmotions train, tuned on dev, scored once on test.

GoEmotions is Apache-2.0, so a model derived from it can ship. CARER and TweetEval are
research-only: they are used here to *report* out-of-domain scores, never to train.
"""

from __future__ import annotations

import csv
import itertools
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from .corpora import fingerprint, load_corpus, to_labels
from .features import load_lexicons
from .labelled import read_labelled
from .labels import LABELS, MIXED, load_label_map
from .metrics import classification_report, fear_flow_predictions
from .model import FearFlowClassifier
from .persist import save_model
from .resources import resource_path
from .vectors import DEFAULT_TABLE, build_table, save_table, table_vocabulary

#: Hyper-parameters tried on the dev split; the best macro-F1 wins.
DEFAULT_GRID: dict[str, list[Any]] = {"C": [0.5, 1.0], "nb_scaling": [True, False], "lexicon_weight": [3.0]}
#: Research-only corpora scored (fear vs flow) for the model card; skipped when absent.
OUT_OF_DOMAIN = ("carer", "tweeteval")
#: Hand-written staff and service-user sentences (ours, Apache-2.0) added to the training data so the
#: model learns how feedback in public services is worded; each counts as this many Reddit comments.
SEED = ("data", "domain_seed.csv")
SEED_WEIGHT = 5.0
#: The codebook version the labelled data follows (``docs/codebook.md``), named in the model card.
CODEBOOK_VERSION = "1.0"
#: Hand-written sentences with their expected label, never trained on: the domain check.
DOMAIN_CHECK = ("data", "domain_regression.csv")


def domain_seed() -> tuple[list[str], list[str]]:
    """The hand-written domain sentences of :data:`SEED` as ``(texts, labels)``."""
    data = read_labelled(resource_path(*SEED), "text", "label")
    return data.texts, data.labels


def training_data(
    train: tuple[list[str], list[str]], seed: tuple[list[str], list[str]], seed_weight: float
) -> tuple[list[str], list[str], np.ndarray]:
    """GoEmotions train plus the domain seed (each sentence weighing ``seed_weight``): texts, labels
    and sample weights."""
    weights = np.concatenate([np.ones(len(train[0])), np.full(len(seed[0]), float(seed_weight))])
    return [*train[0], *seed[0]], [*train[1], *seed[1]], weights


def domain_check(model: FearFlowClassifier) -> dict[str, Any]:
    """How many of the hand-written staff and patient sentences of :data:`DOMAIN_CHECK` the model
    labels as expected (a codebook label, ``mixed`` included), and which it gets wrong; ``single_tone``
    counts the sentences expected to be fear, flow or neutral."""
    with open(resource_path(*DOMAIN_CHECK), encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    texts, expected = [row["text"] for row in rows], [row["expected"] for row in rows]
    predicted = model.predict(texts)
    wrong = [{"text": t, "expected": e, "predicted": str(p)}
             for t, e, p in zip(texts, expected, predicted, strict=True) if p != e]  # fmt: skip
    single_wrong = sum(w["expected"] != MIXED for w in wrong)
    single = sum(e != MIXED for e in expected)
    return {
        "n": len(texts),
        "correct": len(texts) - len(wrong),
        "wrong": wrong,
        "single_tone": {"n": single, "correct": single - single_wrong},
    }


def seed_entry(seed: tuple[list[str], list[str]], seed_weight: float) -> dict[str, Any]:
    """The manifest's record of the domain seed ``(texts, labels)``: what it is, its size, weight and
    fingerprint."""
    texts, labels = seed
    return {
        "resource": "/".join(SEED),
        "description": "hand-written staff and service-user sentences (equalcare_nlp, Apache-2.0)",
        "n_examples": len(texts),
        "label_counts": dict(Counter(labels)),
        "weight": seed_weight,
        "fingerprint_sha256": fingerprint(texts, labels),
    }


def train_default(
    source: str | os.PathLike | None = None,
    output: str | os.PathLike | None = None,
    grid: dict[str, list[Any]] | None = None,
    seed_weight: float = SEED_WEIGHT,
    log=print,
) -> tuple[FearFlowClassifier, dict[str, Any]]:
    """Train, tune and score the default model; save it to ``output`` when given.

    ``source`` is a folder with the official GoEmotions files or a hub id (default:
    ``$EQUALCARE_DATA_DIR/goemotions`` when present, else the hub). Returns the model and
    its metrics. ``seed_weight`` is the weight of each hand-written domain sentence (0: none).
    """
    label_map = load_label_map("goemotions")
    train = to_labels(load_corpus("goemotions", "train", source), label_map)
    dev = to_labels(load_corpus("goemotions", "validation", source), label_map)
    test = to_labels(load_corpus("goemotions", "test", source), label_map)
    log(f"GoEmotions (mixed left out): train {len(train[0])}, dev {len(dev[0])}, test {len(test[0])}")
    seed = domain_seed() if seed_weight else ([], [])
    texts, labels, weights = training_data(train, seed, seed_weight)

    grid = grid or DEFAULT_GRID
    best_params, best_f1 = None, -1.0
    tuning = []
    for values in itertools.product(*grid.values()):
        params = dict(zip(grid, values, strict=True))
        start = time.perf_counter()
        candidate = FearFlowClassifier(calibration_cv=None, **params).fit(texts, labels, weights)
        f1 = classification_report(dev[1], candidate.predict(dev[0]), LABELS)["macro_f1"]
        tuning.append({"params": params, "dev_macro_f1": f1})
        log(f"  dev macro-F1 {f1:.4f} with {params} ({time.perf_counter() - start:.0f}s)")
        if f1 > best_f1:
            best_params, best_f1 = params, f1
    log(f"best on dev: {best_params} (macro-F1 {best_f1:.4f}); fitting with calibration")
    model = FearFlowClassifier(**best_params).fit(texts, labels, weights)

    proba = model.predict_proba(test[0])
    metrics: dict[str, Any] = {
        "goemotions_test": classification_report(
            test[1], model.classes_[proba.argmax(axis=1)], LABELS, proba, model.classes_
        ),
        "goemotions_dev_macro_f1": best_f1,
        "tuning": tuning,
    }
    scored = metrics["goemotions_test"]
    log(f"GoEmotions test macro-F1 {scored['macro_f1']:.4f}, ECE {scored['ece']:.4f}")
    metrics["domain_check"] = domain_check(model)
    log(f"domain check: {metrics['domain_check']['correct']} of {metrics['domain_check']['n']} right")
    for name in OUT_OF_DOMAIN:
        try:
            ood_texts, ood_labels = to_labels(load_corpus(name, "test"), name)
        except (FileNotFoundError, OSError, ConnectionError) as error:
            log(f"  {name}: not scored ({error})")
            continue
        predicted = fear_flow_predictions(model.predict_proba(ood_texts), model.classes_)
        metrics[f"{name}_test_fear_vs_flow"] = classification_report(ood_labels, predicted, ["fear", "flow"])
        log(f"{name} test fear vs flow macro-F1 {metrics[f'{name}_test_fear_vs_flow']['macro_f1']:.4f}")

    training = {
        "corpus": "GoEmotions (Demszky et al., 2020), official rater-agreement-filtered split",
        "licence": "Apache-2.0",
        "source": str(source) if source else "default (EQUALCARE_DATA_DIR or hub)",
        "split": "train",
        "n_examples": len(train[0]),
        "label_counts": dict(Counter(train[1])),
        "fingerprint_sha256": fingerprint(*train),
        "label_map": label_map.corpus,
        "tuned_on": "dev",
        "best_params": best_params,
        "extra": [seed_entry(seed, seed_weight)] if seed_weight else [],
    }
    if output is not None:
        save_model(model, output, training=training, metrics=metrics, card=model_card(training, metrics))
        log(f"saved to {output}")
    return model, metrics


def build_vector_table(
    source: str | os.PathLike | None = None, output: str | os.PathLike | None = None, log=print
) -> Path:
    """Rebuild the word-vector table (default: the shipped one) from the words of GoEmotions train, the
    lexicons and ``data/vectors/domain_words.txt``, embedded with all-MiniLM-L6-v2 (``vectors`` extra)."""
    texts = load_corpus("goemotions", "train", source)["text"]
    domain = resource_path("data", "vectors", "domain_words.txt").read_text(encoding="utf-8").splitlines()
    extra = [*load_lexicons(), *(line for line in domain if line.strip() and not line.startswith("#"))]
    vocabulary = table_vocabulary(texts, extra)
    log(f"embedding {len(vocabulary)} words")
    path = save_table(
        output or resource_path(*DEFAULT_TABLE), list(vocabulary), build_table(list(vocabulary.values()))
    )
    log(f"word-vector table written to {path}")
    return path


def model_card(training: dict[str, Any], metrics: dict[str, Any]) -> str:
    """The Markdown model card written beside the default model."""
    test = metrics["goemotions_test"]
    per_label = "\n".join(
        f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |"
        for label, m in test["per_label"].items()
    )
    ood = "\n".join(
        f"| {name.split('_')[0]} test | fear vs flow | {m['macro_f1']:.3f} | {m['n']} |"
        for name, m in metrics.items()
        if name.endswith("_fear_vs_flow")
    )
    extra = "\n".join(
        f"- Plus `{e['resource']}`: {e['n_examples']} {e['description']} ({e['label_counts']}), each "
        f"weighted {e['weight']:g} (one Reddit comment weighs 1), so the model learns how feedback in public "
        f"services is worded. It is independent of `{'/'.join(DOMAIN_CHECK)}`, the held-out domain check."
        for e in training.get("extra", [])
    )
    check = metrics.get("domain_check")
    domain = (
        "- Workplace idiom the training data rarely shows can be missed: of the "
        f"{check['n']} hand-written sentences of `{'/'.join(DOMAIN_CHECK)}` it gets "
        f"{check['correct']} right; "
        "wrong: "
        + "; ".join(f'"{w["text"]}" ({w["predicted"]}, not {w["expected"]})' for w in check["wrong"])
        + ". Check a sample of your own comments before relying on group shares, and adapt the model "
        "on local labels where it errs.\n"
        if check
        else ""
    )
    return f"""# Model card: equalcare_nlp default model

## What it does
Tags a piece of feedback text as **fear-state** (stress, threat, exhaustion), **flow-state**
(connection, gratitude, care, curiosity) or **neutral** language, with calibrated probabilities
and an exact per-term explanation (the model is linear). What the labels mean is defined by the
codebook, [docs/codebook.md](../../docs/codebook.md) (version {CODEBOOK_VERSION}), which also defines
**mixed** (clear fear-state and clear flow-state parts); this model does not report mixed comments:
it gives them the label of their stronger part.

## Intended use
Group-level listening: the share of fear-state and flow-state language per team, ward, service
or month, to see where people are under strain and support them. **Not** for judging,
ranking or monitoring individual staff or service users, and not as a clinical or risk tool.

## Training data
- {training["corpus"]}: {training["n_examples"]} Reddit comments of the **train** split
  ({training["label_counts"]}); licence {training["licence"]}.
- Label map `data/label_maps/goemotions.json`: GoEmotions' negative emotions -> fear; positive
  emotions and curiosity -> flow; realization, surprise, confusion and neutral -> neutral;
  comments with both fear and flow emotions ("mixed") left out.
- Training data fingerprint (SHA-256): `{training["fingerprint_sha256"]}`.
{extra}
- Hyper-parameters chosen on the **dev** split only: `{training["best_params"]}`.

## Model
spaCy preprocessing (blank English tokenizer, lookup lemmas, placeholders, negation scope) ->
features: sublinear TF-IDF word 1-2-grams; valence-lexicon scores (VADER's MIT-licensed lexicon and
our own workplace and care lexicon, negation-aware); the unit-length sum of static word vectors
distilled from all-MiniLM-L6-v2 (Apache-2.0; 128 PCA dimensions, `data/vectors/`) ->
logistic regression with balanced class weights (one-vs-rest with n-grams scaled by naive Bayes
log-count ratios when `nb_scaling`, else multinomial) -> temperature scaling (3-fold
cross-validated). Every step after preprocessing is linear, so `explain` is exact: word-vector
contributions are shared out over the words they came from (shown as `~word`).

## Metrics (scored once on the test split)
GoEmotions **test**, three labels, mixed left out: macro-F1 **{test["macro_f1"]:.3f}**,
accuracy {test["accuracy"]:.3f}, expected calibration error {test["ece"]:.3f} (n = {test["n"]}).

| label | precision | recall | F1 | support |
|---|---|---|---|---|
{per_label}

Out of domain (research-only corpora, used to evaluate, never to train; argmax over the fear
and flow probabilities):

| corpus | protocol | macro-F1 | n |
|---|---|---|---|
{ood}

Reproduce (retrains, tunes on dev, scores on test and rewrites this card):

    EQUALCARE_DATA_DIR=../shared/data equalcare train-default -o models/default

(add `--rebuild-vectors` to rebuild the word-vector table first; it needs `pip install '.[vectors]'`).

## Known limits
- Trained on Reddit comments: staff-survey and patient-feedback language differs (domain shift).
  Retrain or adapt on a few hundred of your own labelled comments for better results.
- English only; other languages get unreliable labels.
- Sarcasm, irony and mixed comments ("the team is wonderful but the targets are crushing us")
  are hard; score sentence by sentence for long comments.
{domain}- Probabilities are calibrated on GoEmotions; on other text they are indicative only.
"""
