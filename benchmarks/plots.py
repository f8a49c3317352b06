"""PNG plots of a benchmark run: confusion matrices, reliability diagram, texts/s against macro-F1."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from equalcare_nlp.core.labels import LABELS  # noqa: E402

from .scoring import ECE_BINS, Outcome  # noqa: E402

_DPI = 80


def write_plots(report: dict, outcomes: dict[tuple[str, str], Outcome], folder: Path) -> dict[str, str]:
    """Write every plot to ``folder``; returns {title: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, eval_set in report["eval_sets"].items():
        if eval_set["protocol"] != "continuous":
            written[f"confusion {name}"] = _confusion(report, name, folder / f"confusion_{name}.png")
    written["reliability"] = _reliability(report, outcomes, folder / "reliability.png")
    written["texts/s vs macro-F1"] = _speed_vs_f1(report, folder / "speed_vs_macro_f1.png")
    return {title: str(path) for title, path in written.items()}


def _confusion(report: dict, name: str, path: Path) -> Path:
    """Confusion matrices of the shipped default and of our model retrained in-domain."""
    home = report["eval_sets"][name]["home"]
    keys = [k for k in ("default", f"ours@{home}") if name in report["results"].get(k, {})]
    fig, axes = plt.subplots(1, len(keys), figsize=(3.2 * len(keys), 3), squeeze=False)
    for ax, key in zip(axes[0], keys, strict=True):
        matrix = report["results"][key][name]["confusion_matrix"]
        counts = np.asarray(matrix["rows_true_cols_pred"], dtype=float)
        shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
        for (i, j), value in np.ndenumerate(counts):
            ax.text(
                j,
                i,
                f"{value:.0f}",
                ha="center",
                va="center",
                color="white" if shares[i, j] > 0.5 else "black",
            )
        ticks = range(len(matrix["labels"]))
        ax.set_xticks(ticks, matrix["labels"])
        ax.set_yticks(ticks, matrix["labels"])
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(key, fontsize=9)
    fig.suptitle(f"{name}: confusion matrix (row-normalised colour)", fontsize=10)
    return _save(fig, path)


def _reliability(report: dict, outcomes: dict[tuple[str, str], Outcome], path: Path) -> Path:
    """Top-label reliability diagram per evaluation set, for every system with probabilities."""
    names = [n for n, s in report["eval_sets"].items() if s["protocol"] != "continuous"]
    fig, axes = plt.subplots(1, len(names), figsize=(2.6 * len(names), 2.8), squeeze=False, sharey=True)
    for ax, name in zip(axes[0], names, strict=True):
        home = report["eval_sets"][name]["home"]
        for key in ("default", f"ours@{home}", "tfidf_lr@goemotions", "minilm_lr@goemotions"):
            outcome = outcomes.get((key, name))
            if outcome is None or outcome.proba is None:
                continue
            confidence, accuracy = reliability_curve(outcome)
            ax.plot(confidence, accuracy, marker=".", label=key)
        ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8, linestyle="--")
        ax.set_title(name, fontsize=8)
        ax.set_xlabel("confidence")
    axes[0][0].set_ylabel("accuracy")
    axes[0][-1].legend(fontsize=6, loc="lower right")
    fig.suptitle("Reliability (top label, 15 bins)", fontsize=10)
    return _save(fig, path)


def reliability_curve(outcome: Outcome, n_bins: int = ECE_BINS) -> tuple[np.ndarray, np.ndarray]:
    """Mean confidence and accuracy of each non-empty confidence bin (the ECE's bins)."""
    labels = np.asarray(
        LABELS[: outcome.proba.shape[1]], dtype=object
    )  # (fear, flow) or (fear, flow, neutral)
    confidence = outcome.proba.max(axis=1)
    correct = labels[outcome.proba.argmax(axis=1)] == outcome.y_true
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    used = np.unique(bins)
    return (
        np.array([confidence[bins == b].mean() for b in used]),
        np.array([correct[bins == b].mean() for b in used]),
    )


#: Points of the speed plot: (label, system whose speed is used, system whose macro-F1 is used).
#: "{corpus}" is each test set's own corpus; retrained and in-domain fits share their kind's speed.
_SPEED_POINTS = (
    ("majority (in-domain)", "majority@goemotions", "majority@{corpus}"),
    ("VADER", "vader", "vader"),
    ("TF-IDF+LR (GoEmotions)", "tfidf_lr@goemotions", "tfidf_lr@goemotions"),
    ("TF-IDF+LR (in-domain)", "tfidf_lr@goemotions", "tfidf_lr@{corpus}"),
    ("MiniLM+LR (GoEmotions)", "minilm_lr@goemotions", "minilm_lr@goemotions"),
    ("ours, shipped default", "default", "default"),
    ("ours (in-domain)", "ours@goemotions", "ours@{corpus}"),
)


def _speed_vs_f1(report: dict, path: Path) -> Path:
    """Throughput (log scale) against mean macro-F1 over the labelled evaluation sets."""
    fig, ax = plt.subplots(figsize=(6, 3.8))
    names = [n for n, s in report["eval_sets"].items() if s["protocol"] != "continuous"]
    for i, (label, speed_key, result_key) in enumerate(_SPEED_POINTS):
        if speed_key not in report["speed"]:
            continue
        scores = [
            _macro_f1(report, result_key.format(corpus=report["eval_sets"][n]["home"]), n) for n in names
        ]
        if None in scores:
            continue
        x, y = report["speed"][speed_key]["texts_per_s"], float(np.mean(scores))
        ax.scatter(x, y, s=40)
        offset = (5, 6) if i % 2 == 0 else (5, -11)  # alternate above/below: neighbours share a speed
        ax.annotate(label, (x, y), fontsize=7, xytext=offset, textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlim(right=ax.get_xlim()[1] * 30)  # room for the rightmost label
    ax.margins(y=0.12)
    ax.set_xlabel("texts/s (log scale, this machine)")
    ax.set_ylabel(f"mean macro-F1 over {len(names)} test sets")
    ax.set_title("Speed against accuracy", fontsize=10)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def _macro_f1(report: dict, key: str, name: str) -> float | None:
    result = report["results"].get(key, {}).get(name)
    return None if result is None else result["macro_f1"]["value"]


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=_DPI)
    plt.close(fig)
    return path
