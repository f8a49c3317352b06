"""Labelled data for training and evaluation: label maps, skipped rows, duplicates and conflicts.

Labels are the canonical ``fear`` / ``flow`` / ``neutral`` (any case) or the organisation's
own names mapped onto them with a label map: a JSON or YAML file (``{"stressed": "fear"}`` or
a shipped-style ``{"labels": {...}}``), a shipped map's name (``tweeteval``) or inline text
(``stressed=fear,thanks=flow``). Mapping a label to ``none`` leaves its rows out, counted.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.labels import LABELS, MIXED, LabelMap, load_label_map
from ..tables import column, read_table

_LEAVE_OUT = {"none", "null", ""}


def parse_label_map(spec: str | os.PathLike | Mapping[str, str | None] | LabelMap | None) -> LabelMap:
    """A :class:`LabelMap` from a mapping, a JSON/YAML file, a shipped map's name or inline ``a=fear,b=flow``.

    With ``None`` only the canonical labels are accepted. Keys are matched case-insensitively.
    """
    if isinstance(spec, LabelMap):
        mapping, name = dict(spec.labels), spec.corpus
    elif spec is None:
        mapping, name = {}, "canonical"
    elif isinstance(spec, Mapping):
        mapping, name = dict(spec), "custom"
    elif Path(spec).is_file():
        mapping, name = _read_map_file(Path(spec)), str(spec)
    elif "=" in str(spec):
        mapping, name = _parse_inline(str(spec)), "inline"
    elif re.fullmatch(r"[A-Za-z0-9_-]+", str(spec)):
        shipped = load_label_map(str(spec))
        mapping, name = dict(shipped.labels), shipped.corpus
    else:
        raise FileNotFoundError(
            f"Label map {spec!r} is neither a file nor inline 'label=fear,other=flow' text"
        )
    cleaned = {}
    for key, target in mapping.items():
        target = None if target is None or str(target).strip().lower() in _LEAVE_OUT else str(target).strip()
        cleaned[str(key).strip().lower()] = target.lower() if target else None
    return LabelMap(corpus=name, labels=cleaned)


def _read_map_file(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        spec = yaml.safe_load(text)
    else:
        spec = json.loads(text)
    if isinstance(spec, dict) and isinstance(spec.get("labels"), dict):
        spec = spec["labels"]
    if not isinstance(spec, dict):
        raise ValueError(f'{path}: a label map must be an object such as {{"stressed": "fear"}}')
    return spec


def _parse_inline(text: str) -> dict[str, str]:
    mapping = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, target = part.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"Inline label map part {part!r} is not 'label=target' (in {text!r})")
        mapping[key.strip()] = target.strip()
    return mapping


@dataclass
class LabelledData:
    """Training or evaluation examples with a record of every row that was left out or merged.

    ``rows`` are the 1-based data-row numbers (header excluded) of the kept examples.
    """

    texts: list[str]
    labels: list[str]
    rows: list[int]
    n_rows: int
    source: str = ""
    label_map: dict[str, str | None] = field(default_factory=dict)
    empty_label_rows: list[int] = field(default_factory=list)
    empty_text_rows: list[int] = field(default_factory=list)
    left_out_rows: list[int] = field(default_factory=list)
    duplicate_rows: list[int] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Counts for reports and manifests: sizes per label, skipped rows, duplicates, conflicts."""
        return {
            "source": self.source,
            "n_rows": self.n_rows,
            "n_examples": len(self.texts),
            "label_counts": {label: n for label, n in Counter(self.labels).most_common()},
            "label_map": self.label_map,
            "skipped_empty_label": len(self.empty_label_rows),
            "skipped_empty_text": len(self.empty_text_rows),
            "left_out_by_label_map": len(self.left_out_rows),
            "duplicates_merged": len(self.duplicate_rows),
            "conflicting_texts": len(self.conflicts),
            "conflicts": self.conflicts,
        }


def prepare_labelled(
    texts: Sequence[str],
    labels: Sequence[str | None],
    label_map: str | os.PathLike | Mapping[str, str | None] | LabelMap | None = None,
    source: str = "",
) -> LabelledData:
    """Map labels, skip (and count) rows without a label or text, and merge duplicate texts.

    Texts that repeat with one label are kept once. Texts that repeat with different labels
    (conflicts) keep the majority label, or are left out on a tie; every conflict is listed.
    Raises ``ValueError`` listing any label that is neither canonical nor mapped. Rows labelled
    ``mixed`` (the codebook's fourth label) are left out like rows mapped to ``none``.
    """
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    mapping = parse_label_map(label_map)
    # "mixed" (codebook label) rows are left out: the model learns three labels and reports mixed by parts
    lookup = {label: label for label in LABELS} | {MIXED: None} | dict(mapping.labels)
    data = LabelledData([], [], [], len(texts), source, {k: v for k, v in mapping.labels.items()})
    unknown: Counter[str] = Counter()
    by_text: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for row, (text, raw) in enumerate(zip(texts, labels, strict=True), start=1):
        raw = "" if raw is None else str(raw).strip()
        if not raw:
            data.empty_label_rows.append(row)
            continue
        if raw.lower() not in lookup:
            unknown[raw] += 1
            continue
        target = lookup[raw.lower()]
        if target is None:
            data.left_out_rows.append(row)
        elif not str(text or "").strip():
            data.empty_text_rows.append(row)
        else:
            by_text[_text_key(text)].append((row, text, target))
    if unknown:
        raise ValueError(_unknown_labels_message(unknown, source))
    for group in by_text.values():
        counts = Counter(label for _, _, label in group)
        (label, top), *rest = counts.most_common()
        if rest:
            data.conflicts.append(
                {
                    "text": group[0][1],
                    "labels": dict(counts),
                    "rows": [row for row, _, _ in group],
                    "kept": label if top > rest[0][1] else None,
                }
            )
            if top == rest[0][1]:
                continue
        data.duplicate_rows.extend(row for row, _, _ in group[1:])
        data.texts.append(group[0][1])
        data.labels.append(label)
        data.rows.append(group[0][0])
    return data


def _text_key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _unknown_labels_message(unknown: Counter[str], source: str) -> str:
    listed = ", ".join(f"{label!r} ({n} rows)" for label, n in unknown.most_common())
    example = ",".join(f"{label}=..." for label, _ in unknown.most_common(3))
    where = f" in {source}" if source else ""
    return (
        f"Unknown labels{where}: {listed}. Labels must be {', '.join(LABELS)} (or mixed, left out), or be "
        "mapped onto them "
        f"with a label map: --label-map '{example}' (inline, each ... being fear, flow, neutral or none "
        f'to leave its rows out) or a JSON/YAML file such as {{"{unknown.most_common(1)[0][0]}": "fear"}}.'
    )


def read_labelled(
    path: str | os.PathLike,
    text_column: str,
    label_column: str,
    label_map: str | os.PathLike | Mapping[str, str | None] | LabelMap | None = None,
) -> LabelledData:
    """Read a labelled data file (CSV, TSV, Excel, JSONL, Parquet) into :class:`LabelledData`."""
    table = read_table(path)
    return prepare_labelled(
        column(table, text_column, path), column(table, label_column, path), label_map, source=str(path)
    )
