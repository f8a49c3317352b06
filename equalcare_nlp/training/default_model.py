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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.labels import FEAR, FLOW, LABELS, MIXED, load_label_map
from ..core.resources import resource_path
from ..features.parts import load_lexicons
from ..features.vectors import DEFAULT_TABLE, build_table, save_table, table_vocabulary
from ..model.classifier import FearFlowClassifier
from ..model.persist import save_model
from ..nlp.record_table import RECORD_TABLE, corpus_chunks, spacy_chunk_records, write_record_table
from .corpora import CODEBOOK_READERS, CorpusFolders, fingerprint, load_corpus, to_labels, trust_rows
from .metrics import classification_report, codebook_report, fear_flow_predictions

#: Hyper-parameters tried on the dev sets; the best mean of the three dev scores wins. One point: the
#: choice was made by the measurements of docs/model.md (C 2 and multinomial models cost GoEmotions dev).
DEFAULT_GRID: dict[str, list[Any]] = {"C": [1.0], "nb_scaling": [True], "lexicon_weight": [3.0]}
#: Fixed settings of the default model, measured one by one on dev (docs/model.md).
FIXED_PARAMS: dict[str, Any] = {
    "counterfactual_scope": True,
    "register_gate": "learned",
    "gate_weight": 2.0,
    "gate_threshold": 0.7,
    "gate_ngram_range": (1, 2),
    "gated_parts": ("words",),
    "mixed_rule": "learned",
    "mixed_C": 10.0,
}
#: Research-only corpora scored (fear vs flow) for the model card; skipped when absent.
OUT_OF_DOMAIN = ("carer", "tweeteval")
#: The codebook version the labelled data follows (``docs/codebook.md``), named in the model card.
CODEBOOK_VERSION = "1.0"
#: Hand-written sentences with their expected label, never trained on: the domain check.
DOMAIN_CHECK = ("data", "domain_regression.csv")
#: Mixed-comment thresholds tried on the domain dev split (:func:`choose_mixed_threshold`).
MIXED_THRESHOLDS = tuple(round(0.1 + 0.05 * i, 2) for i in range(18))
MAX_FALSE_MIXED = 0.08
#: The stages of :func:`train_default` and their shares of its time (measured on this project's 2-core
#: machine), for its progress line.
STAGES = (
    ("reading the corpora", 0.08),
    ("fitting and calibrating", 0.7),
    ("choosing the mixed threshold", 0.07),
    ("scoring the test splits", 0.13),
    ("saving", 0.02),
)


@dataclass(frozen=True)
class TrainingSource:
    """A corpus the default model learns from besides GoEmotions, read by the codebook."""

    name: str
    weight: float
    description: str
    licence: str
    #: Whether the source labels mixed comments (the mixed detector learns from such sources only).
    labels_mixed: bool = False


#: What the default model learns from besides GoEmotions train, and how much each weighs: each source's
#: labels share its weight x its size evenly (:func:`balanced_weights`), so no source's label mix (the
#: domain corpus is half fear, NHS praise is most of NHS) becomes the model's prior.
SOURCES: tuple[TrainingSource, ...] = (
    TrainingSource(
        "domain",
        2.0,
        "staff and service-user comments written to docs/codebook.md (equalcare_nlp); mixed comments "
        "teach the mixed detector only",
        "Apache-2.0",
        labels_mixed=True,
    ),
    TrainingSource(
        "nhs_phase1",
        2.0,
        "NHS patient feedback, phase 1, three trusts (The Strategy Unit / Nottinghamshire Healthcare NHS "
        "Foundation Trust CDU Data Science Team, pxtextmining), criticality read by the codebook: praise "
        "flow, criticism fear, feeling-free suggestions neutral, 0 and 'nothing to improve' left out",
        "MIT, Copyright (c) 2021 NHS England",
    ),
)


def balanced_weights(labels: Sequence[str], weight: float) -> np.ndarray:
    """Sample weights of one source: each of fear, flow and neutral weighs the same in total, and
    they all ``weight`` x their number; ``mixed`` rows (left out of the three-label fit) weigh ``weight``."""
    labels = np.asarray(labels, dtype=object)
    counts = Counter(label for label in labels if label != MIXED)
    single = sum(counts.values())
    return np.array(
        [weight if label == MIXED else weight * single / (len(counts) * counts[label]) for label in labels]
    )


def training_data(
    parts: Sequence[tuple[list[str], list[str], float]],
) -> tuple[list[str], list[str], np.ndarray]:
    """Texts, labels and sample weights of several ``(texts, labels, weight)`` sources together."""
    texts = [t for part_texts, _, _ in parts for t in part_texts]
    labels = [label for _, part_labels, _ in parts for label in part_labels]
    weights = np.concatenate([balanced_weights(part_labels, w) for _, part_labels, w in parts])
    return texts, labels, weights


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


def source_entry(source: TrainingSource, texts: list[str], labels: list[str]) -> dict[str, Any]:
    """The manifest's record of one extra source: what it is, its split, size, weight and fingerprint
    (adaptation reloads it by name with :func:`~equalcare_nlp.training.corpora.load_codebook_labels`)."""
    return {
        "corpus": source.name,
        "split": "train",
        "description": source.description,
        "licence": source.licence,
        "codebook": CODEBOOK_VERSION,
        "n_examples": len(texts),
        "label_counts": dict(Counter(labels)),
        "weight": source.weight,
        "weighting": "balanced per label",
        "labels_mixed": source.labels_mixed,
        "fingerprint_sha256": fingerprint(texts, labels),
    }


def dev_scores(model: FearFlowClassifier, dev: dict[str, tuple]) -> dict[str, float]:
    """The model's three dev scores: GoEmotions three-label macro-F1, domain single-tone macro-F1 and
    NHS fear vs flow macro-F1, and their mean (the tuning criterion)."""
    proba = model.predict_proba(dev["goemotions"][0])  # three labels: argmax, as the benchmark does
    scores = {
        "goemotions": classification_report(
            dev["goemotions"][1], model.classes_[proba.argmax(axis=1)], LABELS
        )["macro_f1"]
    }
    texts, labels = dev["domain"]
    proba = model.predict_proba(texts)
    scores["domain"] = classification_report(labels, model.classes_[proba.argmax(axis=1)], LABELS)["macro_f1"]
    texts, labels = dev["nhs_phase1"]
    keep = [i for i, label in enumerate(labels) if label in (FEAR, FLOW)]
    predicted = fear_flow_predictions(model.predict_proba([texts[i] for i in keep]), model.classes_)
    scores["nhs_phase1"] = classification_report([labels[i] for i in keep], predicted, [FEAR, FLOW])[
        "macro_f1"
    ]
    scores["mean"] = float(np.mean(list(scores.values())))
    return scores


def choose_mixed_threshold(
    model: FearFlowClassifier, texts: list[str], labels: list[str]
) -> tuple[float, list]:
    """The mixed threshold chosen on the domain dev split, and the trials: of :data:`MIXED_THRESHOLDS`
    reporting at most :data:`MAX_FALSE_MIXED` of single-tone comments as mixed, the one whose
    predictions are right most often over all four labels (then the one finding most mixed)."""
    labels = np.asarray(labels, dtype=object)
    trials, kept = [], model.mixed_threshold
    for threshold in MIXED_THRESHOLDS:
        predicted = model.set_params(mixed_threshold=threshold).predict(texts)
        said = predicted == MIXED
        found = float(np.mean(said[labels == MIXED]))
        false = float(np.mean(said[labels != MIXED]))
        accuracy = float(np.mean(predicted == labels))
        trials.append(
            {"threshold": threshold, "mixed_found": found, "false_mixed": false, "accuracy": accuracy}
        )
    model.set_params(mixed_threshold=kept)
    allowed = [t for t in trials if t["false_mixed"] <= MAX_FALSE_MIXED] or trials[-1:]
    best = max(allowed, key=lambda t: (t["accuracy"], t["mixed_found"]))
    return best["threshold"], trials


def train_default(
    source: str | os.PathLike | None = None,
    output: str | os.PathLike | None = None,
    grid: dict[str, list[Any]] | None = None,
    sources: Sequence[TrainingSource] = SOURCES,
    without_trust: str | None = None,
    score: bool = True,
    data_dir: str | os.PathLike | None = None,
    log=print,
    stage=None,
) -> tuple[FearFlowClassifier, dict[str, Any]]:
    """Train, tune and score the default model; save it to ``output`` when given.

    ``source`` is a folder with the official GoEmotions files or a hub id (default:
    ``$EQUALCARE_DATA_DIR/goemotions`` when present, else the hub); the other ``sources`` are the
    shipped domain corpus and ``$EQUALCARE_DATA_DIR/nhs_phase1``. Hyper-parameters are chosen on the
    dev sets, the mixed threshold on the domain dev split; test splits are scored once.
    ``without_trust`` leaves one NHS trust out of training (the cross-trust benchmark); ``score=False``
    skips the test splits (the returned metrics then hold the dev scores only, and no model card is
    written). ``data_dir`` is the
    folder of every corpus but the shipped domain corpus (default: ``$EQUALCARE_DATA_DIR``).
    ``stage`` (e.g. :meth:`equalcare_nlp.core.progress.Stages.stage`) is called with each of :data:`STAGES`.
    """
    stage = stage or (lambda name: None)
    stage(STAGES[0][0])
    folders = CorpusFolders(data_dir)
    source = source if source is not None else folders("goemotions")
    label_map = load_label_map("goemotions")
    train = to_labels(load_corpus("goemotions", "train", source), label_map)
    dev = {"goemotions": to_labels(load_corpus("goemotions", "validation", source), label_map)}
    test = to_labels(load_corpus("goemotions", "test", source), label_map)
    log(
        f"GoEmotions (mixed left out): train {len(train[0])}, dev {len(dev['goemotions'][0])}, "
        f"test {len(test[0])}"
    )
    extra = []
    for item in sources:
        dataset = load_corpus(item.name, "train", folders(item.name))
        if without_trust and "trust" in dataset.column_names:
            dataset = trust_rows(dataset, without_trust, without=True)
        texts, labels = CODEBOOK_READERS[item.name](dataset)
        extra.append((item, texts, labels))
        log(
            f"{item.name} train (codebook labels): {len(texts)} {dict(Counter(labels))}, "
            f"weight {item.weight:g}"
        )
    domain_dev = load_corpus("domain", "validation")
    domain_dev_labels = [emotions[0] for emotions in domain_dev["emotions"]]
    dev["domain"] = to_labels(domain_dev, "domain")
    dev["nhs_phase1"] = to_labels(
        load_corpus("nhs_phase1", "validation", folders("nhs_phase1")), "nhs_phase1"
    )
    parts = [(*train, 1.0), *((texts, labels, item.weight) for item, texts, labels in extra)]
    texts, labels, weights = training_data(parts)
    # GoEmotions is Reddit; every other source is survey or service feedback (the learned gate's target)
    register = np.arange(len(texts)) >= len(train[0])
    labels_mixed = np.concatenate(
        [np.zeros(len(train[0]), bool), *(np.full(len(t), item.labels_mixed) for item, t, _ in extra)]
    )

    stage(STAGES[1][0])
    grid = grid or DEFAULT_GRID
    candidates = list(itertools.product(*grid.values()))
    best_params, best = FIXED_PARAMS | dict(zip(grid, candidates[0], strict=True)), -1.0
    tuning = []
    for values in candidates if len(candidates) > 1 else ():
        params = FIXED_PARAMS | dict(zip(grid, values, strict=True))
        start = time.perf_counter()
        candidate = FearFlowClassifier(calibration_cv=None, **params).fit(
            texts, labels, weights, register, labels_mixed
        )
        scores = dev_scores(candidate, dev)
        tuning.append({"params": params, "dev": scores})
        log(
            f"  dev {', '.join(f'{k} {v:.4f}' for k, v in scores.items())} with {params} "
            f"({time.perf_counter() - start:.0f}s)"
        )
        if scores["mean"] > best:
            best_params, best = params, scores["mean"]
    chosen = f"best on dev: {best_params} (mean {best:.4f})" if tuning else f"parameters: {best_params}"
    log(f"{chosen}; fitting with calibration")
    model = FearFlowClassifier(**best_params).fit(texts, labels, weights, register, labels_mixed)
    stage(STAGES[2][0])
    threshold, mixed_trials = choose_mixed_threshold(model, list(domain_dev["text"]), domain_dev_labels)
    model.set_params(mixed_threshold=threshold)
    log(
        f"mixed threshold {threshold} (domain dev: "
        f"{next(t for t in mixed_trials if t['threshold'] == threshold)})"
    )

    stage(STAGES[3][0])
    metrics = score_default(model, test, folders, log) if score else {}
    metrics |= {"dev": dev_scores(model, dev), "tuning": tuning, "mixed_tuning": mixed_trials}
    training = {
        "corpus": "GoEmotions (Demszky et al., 2020), official rater-agreement-filtered split",
        "licence": "Apache-2.0",
        "source": str(source) if source else "default (EQUALCARE_DATA_DIR or hub)",
        "split": "train",
        "n_examples": len(train[0]),
        "label_counts": dict(Counter(train[1])),
        "fingerprint_sha256": fingerprint(*train),
        "label_map": label_map.corpus,
        "weighting": "balanced per label",
        "tuned_on": "dev (GoEmotions, domain, NHS phase 1); mixed threshold on domain dev",
        "best_params": best_params,
        "codebook": CODEBOOK_VERSION,
        "mixed_threshold": threshold,
        "without_trust": without_trust,
        "extra": [source_entry(item, texts, labels) for item, texts, labels in extra],
    }
    if output is not None:
        stage(STAGES[4][0])
        card = model_card(training, metrics) if score else None  # the card reports the test scores
        save_model(model, output, training=training, metrics=metrics, card=card)
        log(f"saved to {output}")
    return model, metrics


def score_default(
    model: FearFlowClassifier,
    goemotions_test: tuple[list[str], list[str]],
    folders: CorpusFolders | None = None,
    log=print,
) -> dict[str, Any]:
    """The test-split scores of the model card: GoEmotions, the frozen domain test, NHS phase 1 per
    trust, the domain check and the research-only corpora (when present) found in ``folders``."""
    folders = folders or CorpusFolders()
    texts, labels = goemotions_test
    proba = model.predict_proba(texts)
    metrics: dict[str, Any] = {
        "goemotions_test": classification_report(
            labels, model.classes_[proba.argmax(axis=1)], LABELS, proba, model.classes_
        )
    }
    log(
        f"GoEmotions test macro-F1 {metrics['goemotions_test']['macro_f1']:.4f}, "
        f"ECE {metrics['goemotions_test']['ece']:.4f}"
    )
    domain = load_corpus("domain", "test")
    gold = [emotions[0] for emotions in domain["emotions"]]
    metrics["domain_test"] = codebook_report(gold, model.predict(list(domain["text"])), domain["source"])
    log(f"domain test: {metrics['domain_test']['all']}")
    nhs = load_corpus("nhs_phase1", "test", folders("nhs_phase1"))
    metrics["nhs_test_fear_vs_flow"] = {}
    for trust in sorted(set(nhs["trust"])):
        part = trust_rows(nhs, trust)
        nhs_texts, nhs_labels = to_labels(part, "nhs_phase1")
        predicted = fear_flow_predictions(model.predict_proba(nhs_texts), model.classes_)
        report = classification_report(nhs_labels, predicted, [FEAR, FLOW])
        metrics["nhs_test_fear_vs_flow"][trust] = report["macro_f1"]
    log(f"NHS test fear vs flow (trained on every trust's train part): {metrics['nhs_test_fear_vs_flow']}")
    metrics["domain_check"] = domain_check(model)
    log(f"domain check: {metrics['domain_check']['correct']} of {metrics['domain_check']['n']} right")
    for name in OUT_OF_DOMAIN:
        try:
            ood_texts, ood_labels = to_labels(load_corpus(name, "test", folders(name)), name)
        except (FileNotFoundError, OSError, ConnectionError) as error:
            log(f"  {name}: not scored ({error})")
            continue
        predicted = fear_flow_predictions(model.predict_proba(ood_texts), model.classes_)
        metrics[f"{name}_test_fear_vs_flow"] = classification_report(ood_labels, predicted, [FEAR, FLOW])
        log(f"{name} test fear vs flow macro-F1 {metrics[f'{name}_test_fear_vs_flow']['macro_f1']:.4f}")
    return metrics


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


def build_record_table(
    output: str | os.PathLike | None = None, data_dir: str | os.PathLike | None = None, log=print
) -> Path:
    """Rebuild the chunk-record table (default: the shipped one) from every chunk of the train splits of
    GoEmotions, NHS phase 1 and the domain corpus and of the lexicons, each run through spaCy."""
    folders = CorpusFolders(data_dir)
    texts = [text for name in ("goemotions", "nhs_phase1", "domain")
             for text in load_corpus(name, "train", folders(name))["text"]]  # fmt: skip
    chunks = corpus_chunks([*texts, *load_lexicons()])
    records = spacy_chunk_records(chunks)
    path = write_record_table(records, output or resource_path(*RECORD_TABLE[:-1]) / RECORD_TABLE[-1])
    log(f"chunk-record table of {len(chunks)} chunks written to {path}")
    return path


def _rate(entry: dict[str, Any], key: str) -> str:
    return f"{entry[key]:.3f}" if key in entry else "-"


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
        if name.endswith("_test_fear_vs_flow") and isinstance(m, dict) and "n" in m
    )
    extra = "\n".join(
        f"- {e['corpus']} **{e['split']}** split: {e['n_examples']} {e['description']} "
        f"({e['label_counts']}); "
        f"licence {e['licence']}; weight {e['weight']:g} ({e.get('weighting', 'per example')}); "
        f"fingerprint `{e['fingerprint_sha256'][:16]}`."
        for e in training.get("extra", [])
    )
    domain = metrics.get("domain_test", {})
    domain_rows = "\n".join(
        f"| {group} | {entry['n_single_tone']} | {_rate(entry, 'accuracy')} | {_rate(entry, 'macro_f1')} "
        f"| {entry['n_mixed']} | {_rate(entry, 'mixed_found')} | {_rate(entry, 'false_mixed')} |"
        for group, entry in domain.items()
    )
    nhs = "; ".join(f"{trust} {f1:.3f}" for trust, f1 in metrics.get("nhs_test_fear_vs_flow", {}).items())
    check = metrics.get("domain_check")
    wrong = "; ".join(f'"{w["text"]}" ({w["predicted"]}, not {w["expected"]})' for w in check["wrong"])
    threshold = training.get("mixed_threshold")
    learned = training["best_params"].get("mixed_rule") == "learned"
    mixed_when = (
        f"when its mixed detector scores a comment of two parts or more at {threshold} or more"
        if learned
        else f"when one part of a comment scores fear and another flow at {threshold} or more"
    )
    mixed_how = (
        "a linear mixed detector over the same features (a balanced logistic regression of mixed against "
        "the rest, taught by the domain corpus' mixed comments) scores the whole comment; a comment of one "
        "part is never mixed. `parts` still scores each part (sentences, list items, clauses around "
        '"but", "however", "though", "except", ...) with the same model, to show which part said what.'
        if learned
        else 'the comment is split into parts (sentences, list items, clauses around "but", "however", '
        '"though", "except", ...) and each part is scored by the same model.'
    )
    return f"""# Model card: equalcare_nlp default model

## What it does
Tags a piece of feedback text as **fear-state** (stress, threat, exhaustion, command and control, not
being heard), **flow-state** (connection, gratitude, care, dignity, teamwork) or **neutral** language,
with calibrated probabilities and an exact per-term explanation (the model is linear), and as **mixed**
{mixed_when}. The labels are defined by
the codebook, [docs/codebook.md](../../docs/codebook.md) (version {training.get("codebook", "?")}).

## Intended use
Group-level listening: the share of fear-state and flow-state language per team, ward, service
or month, to see where people are under strain and support them. **Not** for judging,
ranking or monitoring individual staff or service users, and not as a clinical or risk tool.

## Training data
- {training["corpus"]}: {training["n_examples"]} Reddit comments of the **train** split
  ({training["label_counts"]}); licence {training["licence"]}; label map `data/label_maps/goemotions.json`
  (negative emotions -> fear; positive emotions and curiosity -> flow; realization, surprise,
  confusion and neutral -> neutral; comments with both fear and flow emotions left out); fingerprint
  `{training["fingerprint_sha256"][:16]}`.
{extra}
- Each source's labels share its weight x its size evenly, so no source's label mix becomes the prior.
- Hyper-parameters chosen on the **dev** splits only (GoEmotions, domain, NHS phase 1):
  `{training["best_params"]}`; the mixed threshold on the domain **dev** split. No test split was
  tuned on; `data/domain/test.csv` is frozen.
- NHS phase 1 is MIT-licensed (Copyright (c) 2021 NHS England): cite The Strategy Unit /
  Nottinghamshire Healthcare NHS Foundation Trust CDU Data Science Team, *pxtextmining: Text
  Classification of Patient Experience feedback*.

## Model
spaCy preprocessing (blank English tokenizer, lookup lemmas, placeholders, negation scope, which also
opens after "used to", "would have", "should have" and "if only") -> features: sublinear TF-IDF word
1-2-grams; valence-lexicon scores (VADER's MIT-licensed lexicon and our own workplace,
command-and-control and care lexicon, negation-aware); the unit-length sum of static word vectors
distilled from all-MiniLM-L6-v2 (Apache-2.0; 128 PCA dimensions, `data/vectors/`); and, for comments in
the feedback register (read by a logistic regression over its words and pairs of adjacent words, fitted
to tell the survey and service feedback sources from Reddit, never reading "feel":
`LearnedRegisterGate`), a gated copy of the n-grams at twice the scale, so such comments' phrases get
weights of their own -> logistic regression with balanced class weights (one-vs-rest with n-grams scaled
by naive Bayes log-count ratios when `nb_scaling`, else multinomial) -> temperature scaling (3-fold
cross-validated). Every step after preprocessing is linear, so `explain` is exact. Mixed: {mixed_how}

## Metrics (scored once on the test splits)
Frozen domain test (`data/domain/test.csv`, codebook labels; single-tone = not mixed; a predicted
mixed counts as wrong on a single-tone comment):

| comments | single-tone n | accuracy | macro-F1 | mixed n | mixed found | false mixed |
|---|---|---|---|---|---|---|
{domain_rows}

NHS phase 1 test parts, fear vs flow macro-F1 (the model trained on every trust's train part; the
cross-trust figures are in `docs/benchmarks.md`): {nhs}.

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

Domain check (`{"/".join(DOMAIN_CHECK)}`, never trained on): {check["correct"]} of {check["n"]} right;
wrong: {wrong or "none"}.

Reproduce (retrains, tunes on dev, scores on test and rewrites this card):

    EQUALCARE_DATA_DIR=../shared/data equalcare train-default -o models/default

(add `--rebuild-vectors` to rebuild the word-vector table first; it needs `pip install '.[vectors]'`).

## Known limits
- English only; other languages get unreliable labels.
- Sarcasm, courtesy before a complaint ("nice enough, but ...") and comments whose two sides sit in one
  clause are the hardest; check a sample of your own comments before relying on group shares, and adapt
  the model on local labels where it errs.
- Probabilities are calibrated on the training mix; on other text they are indicative only.
"""
