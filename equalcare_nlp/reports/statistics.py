"""The numbers a report publishes for a set of comments: each label's share with its Wilson 95% interval."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from statistics import NormalDist

import pandas as pd

from ..core.labels import CODEBOOK_LABELS, FEAR, FLOW, MIXED

#: The states a report follows (neutral is neither, mixed is both): their shares head the page and
#: make the trend, and their terms are the ones listed.
STATES = (FEAR, FLOW)
#: z for a two-sided 95% interval.
Z95 = NormalDist().inv_cdf(0.975)


@dataclass(frozen=True)
class Interval:
    """A proportion with its Wilson 95% interval."""

    share: float
    low: float
    high: float


def wilson_interval(successes: int, n: int, z: float = Z95) -> Interval:
    """Wilson score interval of ``successes`` out of ``n`` (sound for small n and shares near 0 or 1)."""
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n={n}, got {successes}")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Shares:
    """How many comments, and the share of each label among them."""

    count: int
    shares: dict[str, Interval]


def label_shares(labels: pd.Series) -> Shares:
    """Count and per-label shares (with intervals) of a non-empty series of labels."""
    counts = Counter(labels)
    n = len(labels)
    return Shares(n, {label: wilson_interval(counts.get(label, 0), n) for label in CODEBOOK_LABELS})


def charted_states(overall: Shares) -> tuple[str, ...]:
    """The labels a report charts beside each other: the :data:`STATES`, and mixed when any comment is
    mixed (a model that finds mixed comments; another never tags one, and its page stays as it was)."""
    return (*STATES, MIXED) if overall.shares[MIXED].share > 0 else STATES
