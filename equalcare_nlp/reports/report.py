"""Group-level summaries of scored comments: shares with Wilson intervals, trends and terms.

Input is a scored table: the user's columns plus ``label``, ``p_fear``, ``p_flow``,
``p_neutral`` and ``status``. Rows whose status is not ``ok``/``truncated`` are left out of
the shares and counted separately. Every published number is about a group of at least
``min_group_size`` comments (see :mod:`equalcare_nlp.privacy.suppression`); nothing per comment or
per person is kept in the :class:`Report`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Container
from dataclasses import asdict, dataclass, field
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse

from ..core.choices import PERIODS
from ..core.labels import CODEBOOK_LABELS, FEAR, FLOW
from ..privacy.suppression import suppress

if TYPE_CHECKING:  # the terms of a group need a model; the shares and trends need none
    from ..model.text_classifier import LinearTextClassifier, LinearView

#: z for a two-sided 95% interval.
Z95 = NormalDist().inv_cdf(0.975)
#: Row statuses that count as scored.
SCORED_STATUSES = ("ok", "truncated")
REQUIRED_COLUMNS = ("label", "p_fear", "p_flow", "p_neutral", "status")
#: Terms listed per group and label.
TOP_TERMS = 8
#: Group name used for rows with an empty group value.
MISSING_GROUP = "(no value)"
_WORD = re.compile(r"[a-z]")


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


@dataclass(frozen=True)
class Term:
    """A model term that marks a group's language, and in how many of its comments it appears."""

    term: str
    comments: int


@dataclass
class GroupReport:
    """One shown group: its shares, its trend (None = suppressed period) and its marking terms."""

    name: str
    summary: Shares
    trend: dict[str, Shares | None] = field(default_factory=dict)
    terms: dict[str, list[Term]] = field(default_factory=dict)


@dataclass
class Report:
    """Everything a report shows; built by :func:`build_report`."""

    group_by: str
    min_group_size: int
    overall: Shares
    groups: list[GroupReport]
    suppressed_groups: int
    suppressed_comments: int
    excluded: dict[str, int]
    time_column: str | None = None
    period: str | None = None
    periods: list[str] = field(default_factory=list)
    overall_trend: dict[str, Shares | None] = field(default_factory=dict)
    undated: int | None = None
    terms_source: str | None = None

    def to_dict(self) -> dict:
        """A JSON-ready dict of the report."""
        return asdict(self)


def check_scored(frame: pd.DataFrame, group_by: str, time_column: str | None = None) -> pd.DataFrame:
    """Validate a scored table and return its scored rows with numeric probabilities."""
    wanted = [*REQUIRED_COLUMNS, group_by] + ([time_column] if time_column else [])
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise ValueError(f"scored table lacks column(s) {missing}; columns are {list(frame.columns)}")
    scored = frame[frame["status"].astype(str).isin(SCORED_STATUSES)].copy()
    unknown = sorted(set(scored["label"].astype(str)) - set(CODEBOOK_LABELS))
    if unknown:
        raise ValueError(f"column 'label' has values {unknown[:5]} outside {list(CODEBOOK_LABELS)}")
    for column in ("p_fear", "p_flow", "p_neutral"):
        scored[column] = pd.to_numeric(scored[column], errors="raise")
    return scored


def _group_names(values: pd.Series) -> pd.Series:
    names = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    return names.where(names != "", MISSING_GROUP)


def _periods(values: pd.Series, period: str) -> pd.Series:
    if period not in PERIODS:
        raise ValueError(f"period must be one of {list(PERIODS)}, got {period!r}")
    dates = pd.to_datetime(values.replace("", None), errors="coerce", utc=True, format="mixed")
    labels = dates.dt.tz_localize(None).dt.to_period(PERIODS[period]).astype(str)
    if period == "quarter":
        labels = labels.str.replace("Q", "-Q", regex=False)
    return labels.where(dates.notna(), None)


def build_report(
    frame: pd.DataFrame,
    group_by: str,
    *,
    time_column: str | None = None,
    period: str = "month",
    min_group_size: int = 5,
    text_column: str | None = None,
    model: LinearTextClassifier | None = None,
) -> Report:
    """Summarise a scored table by ``group_by`` (and by ``period`` of ``time_column``).

    With ``text_column`` and ``model``, each shown group lists the model terms that most mark its
    fear-state and flow-state comments (see :func:`distinguishing_terms`).
    """
    if min_group_size < 1:
        raise ValueError(f"min_group_size must be at least 1, got {min_group_size}")
    scored = check_scored(frame, group_by, time_column)
    excluded = frame.loc[~frame.index.isin(scored.index), "status"].astype(str).value_counts()
    if scored.empty:
        raise ValueError("no scored rows (status ok or truncated) to report on")
    groups = _group_names(scored[group_by])
    sizes = groups.value_counts()
    hidden = suppress(sizes.to_dict(), [list(sizes.index)], min_group_size)
    shown = [g for g in sorted(sizes.index) if g not in hidden]
    report = Report(
        group_by=group_by,
        min_group_size=min_group_size,
        overall=label_shares(scored["label"]),
        groups=[GroupReport(g, label_shares(scored.loc[groups == g, "label"])) for g in shown],
        suppressed_groups=len(hidden),
        suppressed_comments=int(sum(sizes[g] for g in hidden)),
        excluded={str(k): int(v) for k, v in excluded.items()},
    )
    if time_column:
        _add_trends(report, scored["label"], groups, _periods(scored[time_column], period), hidden)
        report.time_column, report.period = time_column, period
    if text_column:
        if text_column not in scored.columns:
            raise ValueError(f"text column {text_column!r} not found; columns are {list(frame.columns)}")
        if model is None:
            raise ValueError("a model is needed to find terms from the text column")
        terms = distinguishing_terms(
            model, scored[text_column].astype(str).tolist(), groups, scored["label"], min_group_size, shown
        )
        for group in report.groups:
            group.terms = terms[group.name]
        report.terms_source = text_column
    return report


def _add_trends(
    report: Report, labels: pd.Series, groups: pd.Series, periods: pd.Series, hidden_groups: set[str]
) -> None:
    """Per-period shares overall and per shown group, with suppression along every published total."""
    k = report.min_group_size
    period_keys = periods.fillna("").tolist()  # "" = no readable date
    totals = Counter(period_keys)
    hidden_periods = suppress(dict(totals), [list(totals)], k)
    dated = sorted(p for p in totals if p)
    cells = Counter(zip(period_keys, groups, strict=True))
    all_groups = list(groups.unique())
    cell_counts = {(p, g): cells.get((p, g), 0) for p in totals for g in all_groups}
    forced = {(p, g) for (p, g) in cell_counts if g in hidden_groups or p in hidden_periods or not p}
    rows = [[(p, g) for g in all_groups] for p in dated if p not in hidden_periods]
    columns = [[(p, g) for p in totals] for g in all_groups if g not in hidden_groups]
    hidden_cells = suppress(cell_counts, rows + columns, k, forced)
    report.periods = dated
    report.undated = None if "" in hidden_periods else totals.get("", 0)
    report.overall_trend = {
        p: None if p in hidden_periods else label_shares(labels[periods == p]) for p in dated
    }
    for group in report.groups:
        group.trend = {
            p: None
            if (p, group.name) in hidden_cells or not cell_counts[(p, group.name)]
            else label_shares(labels[(periods == p) & (groups == group.name)])
            for p in dated
        }


def _shown_term(term: str, kind: str, negated: str, stop_words: Container[str]) -> str | None:
    """The word n-gram a feature column stands for, or ``None`` for a column not worth showing
    (a lexicon score, a word-vector dimension, a placeholder or ``stop_words`` only, with or
    without the ``negated`` prefix)."""
    words = term.removeprefix(negated).replace(" " + negated, " ").split()
    if kind != "ngram" or "<" in term or not _WORD.search(term):
        return None
    return None if all(w in stop_words for w in words) else term


def _term_matrix(view: LinearView) -> tuple[sparse.csr_matrix, list[str]]:
    """A 0/1 matrix summing the feature columns of each shown term (an adapted model's correction
    shares its n-gram with the base's), and the terms in its column order."""
    from spacy.lang.en.stop_words import STOP_WORDS  # the spaCy stage only for a report with terms

    from ..nlp.preprocess import NEG_PREFIX

    terms = [
        _shown_term(str(t), k, NEG_PREFIX, STOP_WORDS) for t, k in zip(view.terms, view.kinds, strict=True)
    ]
    shown = sorted({t for t in terms if t is not None})
    column = {t: j for j, t in enumerate(shown)}
    rows = [i for i, t in enumerate(terms) if t is not None]
    cols = [column[terms[i]] for i in rows]
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(terms), len(shown)))
    return matrix, shown


def distinguishing_terms(
    model: LinearTextClassifier,
    texts: list[str],
    groups: pd.Series,
    labels: pd.Series,
    min_comments: int,
    shown: list[str],
    top: int = TOP_TERMS,
) -> dict[str, dict[str, list[Term]]]:
    """Per shown group, the model terms that most mark its fear-state and flow-state comments.

    A term's weight in a comment is its exact contribution to that label in the model's linear
    explanation (:meth:`LinearTextClassifier.explain`). For the comments labelled ``fear`` (or
    ``flow``), a term scores its summed contribution per comment of the group minus the same in
    all other groups, so terms everyone uses rank below the ones that set a group apart. Only
    n-gram terms found in at least ``min_comments`` of the group's comments of that label are
    listed, so no single comment can be quoted.
    """
    view = model.linear_view()  # exact linear weights, as explain() uses them
    features = view.features(model.tokens(texts)).tocsr()
    centred = view.coef - view.coef.mean(axis=0)
    to_terms, names = _term_matrix(view)
    present = ((features != 0).astype(np.int64) @ to_terms > 0).astype(np.int64).tocsr()
    group_values = groups.to_numpy()
    label_values = labels.astype(str).to_numpy()
    out: dict[str, dict[str, list[Term]]] = {g: {} for g in shown}
    for label in (FEAR, FLOW):
        if label not in model.classes_:
            continue
        row = centred[list(model.classes_).index(label)]
        contributions = (features.multiply(row).tocsr() @ to_terms).tocsr()
        of_label = label_values == label
        for group in shown:
            inside = group_values == group
            n_in, n_out = inside.sum(), (~inside).sum()
            rate_in = np.asarray(contributions[inside & of_label].sum(axis=0)).ravel() / n_in
            rate_out = np.asarray(contributions[~inside & of_label].sum(axis=0)).ravel() / max(n_out, 1)
            counts = np.asarray(present[inside & of_label].sum(axis=0)).ravel()
            score = rate_in - rate_out
            eligible = (counts >= min_comments) & (rate_in > 0) & (score > 0)
            best = [i for i in np.argsort(-score) if eligible[i]][:top]
            out[group][label] = [Term(str(names[i]), int(counts[i])) for i in best]
    return out


def summary_rows(report: Report) -> pd.DataFrame:
    """The report as a flat table: one row per (scope, group, period) that is shown."""
    rows = []

    def add(scope: str, group: str, period: str, shares: Shares) -> None:
        row = {"scope": scope, "group": group, "period": period, "comments": shares.count}
        for label, interval in shares.shares.items():
            row |= {
                f"{label}_share": interval.share,
                f"{label}_low": interval.low,
                f"{label}_high": interval.high,
            }
        rows.append(row)

    add("all", "(all groups)", "", report.overall)
    for period, shares in report.overall_trend.items():
        if shares is not None:
            add("all_by_period", "(all groups)", period, shares)
    for group in report.groups:
        add("group", group.name, "", group.summary)
        for period, shares in group.trend.items():
            if shares is not None:
                add("group_by_period", group.name, period, shares)
    return pd.DataFrame(rows)
