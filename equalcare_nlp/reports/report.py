"""Group-level summaries of scored comments: shares per group and period, and each group's terms.

Input is a scored table: the user's columns plus ``label``, the probability columns
(:data:`~equalcare_nlp.core.labels.PROBA_COLUMNS`) and ``status``. Rows whose status is not
``ok``/``truncated`` are left out of the shares and counted separately. Every published number is
about a group of at least ``min_group_size`` comments (see :mod:`equalcare_nlp.privacy.suppression`);
nothing per comment or per person is kept in the :class:`Report`. The shares are in
:mod:`.statistics`, the terms in :mod:`.terms`.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from ..core.choices import PERIODS
from ..core.labels import CODEBOOK_LABELS, PROBA_COLUMNS
from ..privacy.suppression import suppress
from .model_info import ModelInfo, describe_model
from .statistics import Shares, label_shares
from .terms import Term, distinguishing_terms

if TYPE_CHECKING:  # the terms of a group need a model; the shares and trends need none
    from ..model.text_classifier import LinearTextClassifier

#: Row statuses that count as scored.
SCORED_STATUSES = ("ok", "truncated")
REQUIRED_COLUMNS = ("label", *PROBA_COLUMNS, "status")
#: Group name used for rows with an empty group value.
MISSING_GROUP = "(no value)"


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
    scored_by: ModelInfo | None = None

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
    for column in PROBA_COLUMNS:
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
    scored_by: str | os.PathLike | None = None,
) -> Report:
    """Summarise a scored table by ``group_by`` (and by ``period`` of ``time_column``).

    With ``text_column`` and ``model``, each shown group lists the model terms that most mark its
    fear-state and flow-state comments (see :func:`distinguishing_terms`). ``scored_by``, the saved
    model folder that scored the table (``"default"``: the shipped model), is described by its
    manifest (:func:`~equalcare_nlp.reports.model_info.describe_model`); without it the report says
    that it does not know the model.
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
        scored_by=None if scored_by is None else describe_model(scored_by),
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
