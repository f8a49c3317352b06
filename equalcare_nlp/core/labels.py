"""The three labels and the maps from public emotion label sets onto them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .resources import resource_path

FEAR = "fear"
FLOW = "flow"
NEUTRAL = "neutral"
#: The canonical labels, in the column order used for probabilities everywhere.
LABELS: tuple[str, ...] = (FEAR, FLOW, NEUTRAL)
#: The codebook's fourth label (``docs/codebook.md``): clear fear-state and clear flow-state parts.
#: Also returned by :meth:`LabelMap.map_many` when an example carries both fear and flow emotions.
MIXED = "mixed"
#: Every label the codebook defines: the three probability columns and ``mixed``.
CODEBOOK_LABELS: tuple[str, ...] = (*LABELS, MIXED)


def proba_column(label: str) -> str:
    """The name of the column that holds ``label``'s probability in scored output (``p_fear``)."""
    return f"p_{label}"


#: The probability columns of scored output, in :data:`LABELS` order.
PROBA_COLUMNS: tuple[str, ...] = tuple(proba_column(label) for label in LABELS)


@dataclass(frozen=True)
class LabelMap:
    """A mapping from a corpus' own labels to ``fear`` / ``flow`` / ``neutral`` / ``mixed``.

    A source label mapped to ``None`` is left out (e.g. CARER's *surprise*).
    """

    corpus: str
    labels: Mapping[str, str | None]
    why: str = ""

    def __post_init__(self) -> None:
        bad = {k: v for k, v in self.labels.items() if v is not None and v not in CODEBOOK_LABELS}
        if bad:
            raise ValueError(
                f"Label map {self.corpus!r} maps to unknown targets {bad}; "
                f"targets must be one of {CODEBOOK_LABELS} or null"
            )

    def map(self, label: str) -> str | None:
        """Map one source label; raises ``KeyError`` listing the known labels when unknown."""
        try:
            return self.labels[label]
        except KeyError:
            raise KeyError(
                f"Label {label!r} is not in the {self.corpus!r} label map; "
                f"known labels: {sorted(self.labels)}"
            ) from None

    def map_many(self, labels: Iterable[str]) -> str | None:
        """Map a multi-label example: fear and flow together (or a label mapped to mixed) give ``MIXED``.

        One state plus neutral-type labels gives that state; only neutral-type labels give
        ``neutral``; only left-out labels give ``None``.
        """
        targets = {self.map(label) for label in labels} - {None}
        states = targets - {NEUTRAL}
        if len(states) > 1 or MIXED in states:
            return MIXED
        if states:
            return states.pop()
        return NEUTRAL if targets else None


def load_label_map(name_or_path: str | Path) -> LabelMap:
    """Load a shipped label map by corpus name (``"goemotions"``) or a JSON file path."""
    path = Path(name_or_path)
    if path.suffix != ".json":
        path = resource_path("data", "label_maps", f"{name_or_path}.json")
    spec = json.loads(path.read_text(encoding="utf-8"))
    return LabelMap(corpus=spec["corpus"], labels=spec["labels"], why=spec.get("why", ""))
