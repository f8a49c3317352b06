"""Write a run's results: ``<date>.json`` (every number), ``<date>.md`` (and ``latest.md``), PNG plots.

Quick runs are named ``<date>-quick`` and never replace ``latest.md``.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from .evalsets import EVAL_SPECS
from .scoring import Outcome

#: Rows of the headline table: label, system key ("{home}" = the column's in-domain training set,
#: for an NHS trust the other two trusts), trained on.
HEADLINE_ROWS = (
    ("majority class", "majority@{home}", "in-domain"),
    ("VADER", "vader", "-"),
    ("TF-IDF + LR", "tfidf_lr@goemotions", "GoEmotions"),
    ("TF-IDF + LR", "tfidf_lr@{home}", "in-domain"),
    ("MiniLM + LR", "minilm_lr@goemotions", "GoEmotions"),
    ("MiniLM + LR", "minilm_lr@{home}", "in-domain"),
    ("**ours, shipped default**", "default", "shipped"),
    ("ours, retrained", "ours@{home}", "in-domain"),
)
#: Rows of the domain and NHS tables: label and system key.
DOMAIN_ROWS = (
    ("majority class (domain train)", "majority@domain"),
    ("VADER", "vader"),
    ("TF-IDF + LR (GoEmotions)", "tfidf_lr@goemotions"),
    ("TF-IDF + LR (domain train)", "tfidf_lr@domain"),
    ("MiniLM + LR (GoEmotions)", "minilm_lr@goemotions"),
    ("MiniLM + LR (domain train)", "minilm_lr@domain"),
    ("**ours, shipped default**", "default"),
    ("ours, retrained on domain train", "ours@domain"),
)
NHS_ROWS = {
    "vader": "VADER",
    "default": "**ours, shipped default**",
    "default_recipe": "**the default's recipe, other trusts**",
    "majority": "majority class, other trusts",
    "tfidf_lr": "TF-IDF + LR, other trusts",
    "minilm_lr": "MiniLM + LR, other trusts",
    "ours": "ours retrained, other trusts",
}
_PROTOCOL_TEXT = {
    "three": "fear/flow/neutral macro-F1",
    "two": "fear vs flow macro-F1",
    "continuous": "Spearman",
    "codebook": "single-tone macro-F1, mixed comments left out",
}


def write_outputs(report: dict, outcomes: dict[tuple[str, str], Outcome], settings, log=print) -> Path:
    """Write JSON, Markdown (dated and ``latest.md``) and PNG plots to ``settings.output_dir``."""
    out = Path(settings.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = date.today().isoformat() + ("-quick" if report["quick"] else "")
    if settings.plots:
        try:
            from .plots import write_plots
        except ImportError as error:
            report["notes"].append(f"plots skipped: {error} (pip install 'equalcare-nlp[bench]')")
        else:
            report["plots"] = write_plots(report, outcomes, out / f"{stem}-plots")
    (out / f"{stem}.json").write_text(
        json.dumps(report, indent=1, default=_jsonable) + "\n", encoding="utf-8"
    )
    markdown = to_markdown(report, plots_dir=f"{stem}-plots")
    (out / f"{stem}.md").write_text(markdown, encoding="utf-8")
    if not report["quick"]:  # latest.md is what the README links: full runs only
        (out / "latest.md").write_text(markdown, encoding="utf-8")
    log(f"wrote {out / stem}.json and {stem}.md" + ("" if report["quick"] else " and latest.md"))
    return out / f"{stem}.json"


def headline(metrics: dict) -> dict:
    """The protocol's headline metric (macro-F1, or Spearman) of one result."""
    return metrics["macro_f1"] if "macro_f1" in metrics else metrics["spearman"]


def cell(value: dict | None) -> str:
    """``0.686 [0.671, 0.700]``, or a dash when undefined."""
    if not value or value.get("value") is None:
        return "-"
    if value.get("low") is None:
        return f"{value['value']:.3f}"
    return f"{value['value']:.3f} [{value['low']:.3f}, {value['high']:.3f}]"


def to_markdown(report: dict, plots_dir: str) -> str:
    """The run as Markdown: headline table, default vs baselines, speed, transfer matrix, details."""
    results, eval_sets = report["results"], report["eval_sets"]
    names = [spec.name for spec in EVAL_SPECS if spec.name in eval_sets]
    quick = " (quick smoke run: small slices, not for comparison)" if report["quick"] else ""
    model = report["default_model"]
    lines = [
        f"# Benchmark results{quick}",
        "",
        f"Run {report['created']}, {report['seconds'] / 60:.1f} min on {report['machine']['cpu_count']} CPUs "
        f"(load average {_load(report['machine'])}). Default model `{(model.get('sha256') or '?')[:12]}` "
        f"({model.get('created', '?')}). Test splits; 95% bootstrap intervals "
        f"({report['settings']['n_boot']} resamples, seed {report['settings']['seed']}).",
        "",
        "## Headline: macro-F1 (EmoBank: Spearman of p_flow - p_fear with valence; domain: single-tone)",
        "",
        "| system | trained on | " + " | ".join(_column(n, eval_sets) for n in names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for label, key, trained in HEADLINE_ROWS:
        cells = [cell(_result(results, key, n, eval_sets)) for n in names]
        if any(c != "-" for c in cells):
            lines.append(f"| {label} | {trained} | " + " | ".join(cells) + " |")
    lines += ["", "n texts: " + ", ".join(f"{n} {eval_sets[n]['n']}" for n in names) + "."]
    if "minilm_lr@goemotions" in report["systems"]:
        limit = report["systems"]["minilm_lr@goemotions"]["test_limit"]
        lines.append(
            f"MiniLM scores at most {limit} texts per set (seeded sample) and trains on at most "
            f"{report['settings']['minilm_max_train']} GoEmotions texts."
        )
    lines += _domain(report) + _nhs(report) + _comparisons(report, names) + _speed(report)
    lines += _transfer(report, names) + _details(report, names)
    if report.get("plots"):
        lines += ["", "## Plots", ""] + [
            f"![{name}]({plots_dir}/{Path(p).name})" for name, p in report["plots"].items()
        ]
    if report["notes"]:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in report["notes"]]
    return "\n".join(lines) + "\n"


def _domain(report: dict) -> list[str]:
    if "domain" not in report["eval_sets"]:
        return []
    n = report["eval_sets"]["domain"]["n"]
    lines = [
        "",
        f"## Staff and service-user language: the frozen domain test ({n} comments, `data/domain/test.csv`)",
        "",
        "Single-tone: comments whose codebook label is fear, flow or neutral; a predicted `mixed` counts as "
        "wrong. Mixed found: share of mixed comments reported as mixed. False mixed: share of single-tone "
        "comments reported as mixed.",
        "",
        "| system | single-tone accuracy | single-tone macro-F1 | staff accuracy | service-user accuracy "
        "| mixed found | false mixed |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, key in DOMAIN_ROWS:
        m = report["results"].get(key, {}).get("domain")
        if m:
            cells = [m["all"]["accuracy"], m["all"]["macro_f1"], m["staff"]["accuracy"]]
            cells += [m["service_user"]["accuracy"], m["all"]["mixed_found"], m["all"]["false_mixed"]]
            lines.append(f"| {label} | " + " | ".join(cell(c) for c in cells) + " |")
    return lines


def _nhs(report: dict) -> list[str]:
    table = report.get("nhs_cross_trust") or {}
    if not table:
        return []
    columns = list(dict.fromkeys(column for row in table.values() for column in row))
    names = {
        c: report["eval_sets"][c]["trust"]
        if c in report["eval_sets"]
        else "mean of trusts " + " and ".join(t.upper() for t in c.removeprefix("mean_").split("_"))
        for c in columns
    }
    sizes = {c: report["eval_sets"][c]["n"] for c in columns if c in report["eval_sets"]}
    n_texts = ", ".join(f"{names[c]} {n}" for c, n in sizes.items())
    lines = [
        "",
        "## NHS patient feedback across trusts (fear vs flow macro-F1, non-answers left out)",
        "",
        "Each trust's test part is scored by systems trained on the train part of the other two trusts "
        f"(or not trained on NHS data at all). n: {n_texts}.",
        "",
        "| system | " + " | ".join(names[c] for c in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for key, label in NHS_ROWS.items():
        if key in table:
            lines.append(f"| {label} | " + " | ".join(cell(table[key].get(c)) for c in columns) + " |")
    return lines


def _comparisons(report: dict, names: list[str]) -> list[str]:
    lines = [
        "",
        "## Shipped default against VADER and MiniLM (paired bootstrap of the headline difference)",
        "",
    ]
    lines += [
        "| eval set | " + " | ".join(report["comparisons"]) + " |",
        "|---|" + "---|" * len(report["comparisons"]),
    ]
    for name in names:
        row = [
            f"{cell(c[name]['difference'])} **{c[name]['verdict']}**" if name in c else "-"
            for c in report["comparisons"].values()
        ]
        lines.append(f"| {name} | " + " | ".join(row) + " |")
    return lines


def _speed(report: dict) -> list[str]:
    speed = report["speed"]
    lines = [
        "",
        "## Speed and memory (same run; GoEmotions validation texts, one call, after warm-up)",
        "",
        "| system | texts | texts/s | peak RSS rise (MB) | peak Python alloc (MB) |",
        "|---|---|---|---|---|",
    ]
    for key, s in speed.items():
        rss = "-" if s["peak_rss_mb"] is None else f"{s['peak_rss_mb']:.0f}"
        lines.append(
            f"| {key} | {s['n_texts']} | {s['texts_per_s']:,.0f} | {rss} | {s['peak_python_mb']:.0f} |"
        )
    if "default" in speed and "minilm_lr@goemotions" in speed:
        ratio = speed["default"]["texts_per_s"] / speed["minilm_lr@goemotions"]["texts_per_s"]
        lines += ["", f"Shipped default is **{ratio:.1f}x** the MiniLM baseline's throughput."]
    return lines


def _transfer(report: dict, names: list[str]) -> list[str]:
    lines = ["", "## Transfer matrix (rows: trained on; columns: tested on; headline metric)", ""]
    lines += ["| system | trained on | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    for key, system in report["systems"].items():
        if key.split("@")[0] in ("ours", "tfidf_lr"):
            cells = [
                cell(headline(report["results"][key][n])) if n in report["results"][key] else "-"
                for n in names
            ]
            lines.append(f"| {key.split('@')[0]} | {system['trained_on']} | " + " | ".join(cells) + " |")
    return lines


def _details(report: dict, names: list[str]) -> list[str]:
    lines = ["", "## Details per evaluation set"]
    for name in names:
        if report["eval_sets"][name]["protocol"] == "continuous":
            continue
        lines += [
            "",
            f"### {name} ({_PROTOCOL_TEXT[report['eval_sets'][name]['protocol']]})",
            "",
            "| system | macro-F1 | accuracy | ROC-AUC | ECE | Brier |",
            "|---|---|---|---|---|---|",
        ]
        for key, per_set in report["results"].items():
            if name in per_set:
                m = per_set[name]
                row = [cell(m.get(k)) for k in ("macro_f1", "accuracy", "roc_auc", "ece", "brier")]
                lines.append(f"| {key} | " + " | ".join(row) + " |")
    return lines


def _result(results: dict, key: str, name: str, eval_sets: dict) -> dict | None:
    key = key.format(home=eval_sets[name]["home"])
    return headline(results[key][name]) if key in results and name in results[key] else None


def _column(name: str, eval_sets: dict) -> str:
    return f"{name} ({eval_sets[name]['protocol']})"


def _load(machine: dict) -> str:
    return " -> ".join(f"{m[0]:.1f}" for m in (machine["load_average_start"], machine["load_average_end"]))


def _jsonable(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
