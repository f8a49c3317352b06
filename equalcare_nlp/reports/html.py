"""Render a :class:`~equalcare_nlp.reports.report.Report` as one self-contained, phone-readable HTML page.

The page's markup, prose and styles are files in ``templates/`` (shipped in the package), filled in
with :class:`string.Template`; the charts are inline SVG drawn by :mod:`.charts`. Nothing is fetched
(no scripts, fonts or images from anywhere), and every piece of text from the data is HTML-escaped.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from html import escape
from importlib.resources import files
from pathlib import Path
from string import Template

from ..core.choices import REPORT_FORMATS
from ..core.labels import FEAR, FLOW, MIXED
from ..tables import atomic_output, write_table
from .charts import (
    BAR_ORDER,
    COLOURS,
    NAMES,
    interval_strip,
    interval_text,
    pct,
    share_bar,
    shares_text,
    trend_chart,
)
from .model_info import ModelInfo
from .report import GroupReport, Report, summary_rows
from .statistics import STATES, Shares, charted_states

#: The term chips of each of the :data:`STATES`: border, background and text colour.
CHIP_COLOURS = {FEAR: ("#fdba74", "#fff7ed", "#9a3412"), FLOW: ("#5eead4", "#f0fdfa", "#115e59")}


@cache
def _template(name: str) -> Template:
    """``templates/<name>`` of the package; the file's last newline ends the file, not the page piece."""
    text = files(__package__).joinpath("templates", name).read_text(encoding="utf-8")
    return Template(text.removesuffix("\n"))


def _fill(name: str, **values: object) -> str:
    """The template ``name`` with every placeholder filled (a missing one is a ``KeyError``)."""
    return _template(name).substitute(values)


def _legend(labels: tuple[str, ...] = BAR_ORDER) -> str:
    keys = "".join(
        f'<span><i class="key" style="background:{COLOURS[label]}"></i>{NAMES[label]}</span>'
        for label in labels
    )
    return f'<div class="legend">{keys}</div>'


def _states(labels: tuple[str, ...], conjunction: str) -> str:
    """The labels' names in prose: ``fear-state and flow-state`` (``a, b and c`` for three)."""
    names = [NAMES[label].lower() for label in labels]
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}" if len(names) > 1 else names[0]


def _axis() -> str:
    ticks = "".join(f'<span style="left:{t}%">{t}%</span>' for t in (0, 25, 50, 75, 100))
    return f'<div class="row"><span></span><div class="axis">{ticks}</div></div>'


def _row(name: str, shares: Shares, body: str, css: str = "") -> str:
    return (
        f'<div class="row {css}"><div class="name">{escape(name)}<small>n={shares.count:,}</small></div>'
        f"{body}</div>"
    )


def _rows(report: Report) -> list[tuple[str, Shares, str]]:
    return [("All comments", report.overall, "overall")] + [(g.name, g.summary, "") for g in report.groups]


def share_bars_section(report: Report) -> str:
    """Each group's stacked bar of label shares, with the numbers beside it."""
    rows = "".join(
        _row(name, shares, share_bar(shares) + f'<div class="nums">{escape(shares_text(shares))}</div>', css)
        for name, shares, css in _rows(report)
    )
    return _fill("shares.html", group_by=escape(report.group_by), legend=_legend(), rows=rows)


def interval_section(report: Report) -> str:
    """One panel per state: each group's share as a point on its 95% interval."""
    panels = []
    for label in charted_states(report.overall):
        reference = report.overall.shares[label].share
        rows = "".join(
            _row(name, shares, interval_strip(shares.shares[label], label, reference), css)
            for name, shares, css in _rows(report)
        )
        panels.append(f"<div><h3>{NAMES[label]} share, with 95% interval</h3>{rows}{_axis()}</div>")
    return _fill("intervals.html", panels="".join(panels))


def trend_section(report: Report) -> str:
    """The trend over all comments and per group (empty without a time column)."""
    if not report.periods:
        return ""
    states = charted_states(report.overall)
    multiples = "".join(
        f"<figure><figcaption>{escape(g.name)}</figcaption>"
        + trend_chart(
            report.periods, g.trend, f"{g.name}: share by {report.period}", compact=True, labels=states
        )
        + "</figure>"
        for g in report.groups
    )
    undated = (
        f" {report.undated:,} comments had no readable date in {escape(report.time_column)} and are left "
        "out here."
        if report.undated
        else ""
    )
    return _fill(
        "trend.html",
        period=escape(report.period),
        group_by=escape(report.group_by),
        legend=_legend(states),
        overall=trend_chart(
            report.periods, report.overall_trend, f"All comments: share by {report.period}", labels=states
        ),
        multiples=multiples,
        states=_states(states, "and"),
        min_group_size=report.min_group_size,
        undated=undated,
    )


def table_section(report: Report) -> str:
    """Every shown number as a table: count and each label's share with its interval."""
    head = "".join(f"<th>{NAMES[label]}</th>" for label in BAR_ORDER)
    body = "".join(
        f"<tr><td>{escape(name)}</td><td class=num>{shares.count:,}</td>"
        + "".join(f"<td class=num>{interval_text(shares.shares[label])}</td>" for label in BAR_ORDER)
        + "</tr>"
        for name, shares, _ in _rows(report)
    )
    return _fill("table.html", group_by=escape(report.group_by), head=head, body=body)


def _chip_css() -> str:
    """One CSS rule per label whose terms are listed, so the page's classes are the labels' names."""
    return "\n".join(
        f".chip.{label}{{border-color:{border};background:{background};color:{text}}}"
        for label, (border, background, text) in CHIP_COLOURS.items()
    )


def _chips(group: GroupReport, label: str) -> str:
    terms = group.terms.get(label, [])
    if not terms:
        return '<p class="muted">No term is used often enough in this group to show.</p>'
    chips = "".join(
        f'<span class="chip {label}">{escape(t.term)}<small>×{t.comments}</small></span>' for t in terms
    )
    return f'<div class="chips">{chips}</div>'


def terms_section(report: Report) -> str:
    """Each group's marking terms per state (empty for a report without terms)."""
    if report.terms_source is None:
        return ""
    cards = "".join(
        f"<div><h3>{escape(g.name)}</h3>"
        + "".join(f'<div class="muted">{NAMES[label]}</div>{_chips(g, label)}' for label in STATES)
        + "</div>"
        for g in report.groups
    )
    return _fill(
        "terms.html",
        cards=cards,
        states=_states(STATES, "or"),
        min_group_size=report.min_group_size,
    )


def _stats(report: Report) -> str:
    excluded = sum(report.excluded.values())
    items = [
        (f"{report.overall.count:,}", "comments scored"),
        (f"{len(report.groups):,}", f"groups shown (of {len(report.groups) + report.suppressed_groups:,})"),
        *(
            (pct(report.overall.shares[label].share), f"{NAMES[label].lower()} overall")
            for label in charted_states(report.overall)
        ),
    ]
    stats = "".join(
        f'<div class="stat"><b>{value}</b><span>{escape(text)}</span></div>' for value, text in items
    )
    notes = []
    if report.suppressed_groups:
        notes.append(
            escape(
                f"{report.suppressed_groups} group(s) with {report.suppressed_comments:,} comments in total "
                f"are not shown: each has fewer than {report.min_group_size} comments, or is hidden so that "
                "such a small group cannot be worked out from the totals. Their comments still count in "
                "“All comments”."
            )
        )
    if excluded:
        detail = ", ".join(f"{escape(status)}: {n:,}" for status, n in sorted(report.excluded.items()))
        rows = "1 row was" if excluded == 1 else f"{excluded:,} rows were"
        notes.append(f"{rows} not scored and left out ({detail}).")
    note = f'<p class="note">{"<br>".join(notes)}</p>' if notes else ""
    return f'<div class="stats">{stats}</div>{note}'


def _scored_by(info: ModelInfo | None) -> str:
    """The footer's word on the model that scored the comments: only what its manifest records."""
    if info is None:
        return (
            "<p>This report was not told which model scored its comments (<code>equalcare report "
            "--model</code> names it), so it cannot say what that model was trained on.</p>"
        )
    model = f"The comments were scored by the model with digest <code>{escape(info.digest[:16])}</code>"
    if not info.trained_on:
        return f"<p>{model}; its manifest has no training record, so what it was trained on is not known.</p>"
    if info.base_digest is not None:
        base = escape(info.base_digest[:16])
        model += f", adapted ({escape(str(info.method))}) from the model with digest <code>{base}</code>"
    sets = "".join(
        "<li>" + ("" if s.examples is None else f"{s.examples:,} examples of ") + f"{escape(s.corpus)}</li>"
        for s in info.trained_on
    )
    return f"<p>{model}, trained on:</p><ul>{sets}</ul>"


def _mixed_note(report: Report) -> str:
    """How to read mixed, for a report with mixed comments (the reader meets it in every chart)."""
    if MIXED not in charted_states(report.overall):
        return ""
    return f" Comments with clear {_states(STATES, 'and')} parts were tagged <b>{NAMES[MIXED].lower()}</b>."


def render_html(report: Report, title: str | None = None, generated: date | None = None) -> str:
    """The whole report as one HTML document (no external resources)."""
    title = title or f"{_states(STATES, 'and').capitalize()} language by {report.group_by}"
    generated_text = f"Generated {(generated or date.today()).isoformat()} by equalcare_nlp."
    sections = (share_bars_section, trend_section, interval_section, terms_section, table_section)
    return _fill(
        "page.html",
        title=escape(title),
        css=_fill("report.css", chip_colours=_chip_css()),
        group_by=escape(report.group_by),
        when=f" by {escape(report.period)} of {escape(report.time_column)}" if report.periods else "",
        min_group_size=report.min_group_size,
        body=_stats(report) + "".join(section(report) for section in sections),
        mixed=_mixed_note(report),
        scored_by=_scored_by(report.scored_by),
        generated=escape(generated_text),
    )


def write_report(report: Report, path: str | Path, *, refuse: str | Path | None = None) -> Path:
    """Write ``report`` as HTML, a JSON summary or a CSV summary, chosen by ``path``'s extension.

    Written atomically (a failed or interrupted write leaves any previous file as it was), never
    over ``refuse`` (the scored input), the CSV with its formula guard (group names are user data).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in REPORT_FORMATS:
        raise ValueError(f"{path}: report output must end in one of {', '.join(REPORT_FORMATS)}")
    if suffix == ".csv":
        return write_table(summary_rows(report), path, refuse=refuse)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        render_html(report)
        if suffix == ".html"
        else json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
    )
    with atomic_output(path, refuse=refuse) as handle:
        handle.write(text.encode("utf-8"))
    return path
