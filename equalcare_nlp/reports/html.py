"""Render a :class:`~equalcare_nlp.reports.report.Report` as one self-contained, phone-readable HTML page.

Charts are inline SVG drawn here; styles are inline CSS; nothing is fetched (no scripts, fonts
or images from anywhere). Every piece of text from the data is HTML-escaped.
"""

from __future__ import annotations

import json
import math
from datetime import date
from html import escape
from pathlib import Path

from ..core.choices import REPORT_FORMATS
from ..core.labels import FEAR, FLOW, MIXED, NEUTRAL
from ..tables import atomic_output, write_table
from .report import GroupReport, Report, summary_rows
from .statistics import Interval, Shares

COLOURS = {FEAR: "#c2410c", FLOW: "#0f766e", NEUTRAL: "#a8a29e", MIXED: "#7c3aed"}
NAMES = {FEAR: "Fear-state", FLOW: "Flow-state", NEUTRAL: "Neutral", MIXED: "Mixed"}
#: The page may load nothing: only its own inline styles apply.
CSP = "default-src 'none'; style-src 'unsafe-inline'"
#: Stacking order of the share bars: fear on the left, flow on the right, mixed (both) between.
BAR_ORDER = (FEAR, MIXED, NEUTRAL, FLOW)

CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f5f5f4;color:#1c1917;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif}
main{max-width:980px;margin:0 auto;padding:16px}
h1{font-size:1.6rem;line-height:1.25;margin:.4rem 0}
h2{font-size:1.2rem;margin:0 0 .6rem}
h3{font-size:1rem;margin:.2rem 0 .4rem}
p{margin:.4rem 0}
.lede{color:#57534e;margin-bottom:1rem}
.card{background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.08);padding:16px;margin:0 0 16px}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:16px}
.stat{background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.08);padding:12px 14px}
.stat b{display:block;font-size:1.5rem;line-height:1.2}
.stat span{color:#57534e;font-size:.85rem}
.legend{display:flex;flex-wrap:wrap;gap:12px;font-size:.85rem;color:#44403c;margin:.2rem 0 .8rem}
.key{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:5px;vertical-align:-1px}
.row{display:grid;grid-template-columns:minmax(120px,200px) 1fr;gap:4px 12px;align-items:center;margin:8px 0}
.row .name{font-weight:600;overflow-wrap:anywhere}
.row .name small{font-weight:400;color:#78716c;margin-left:4px}
.row.overall .name{font-style:italic}
.bar{display:block;width:100%;height:22px;border-radius:4px}
.strip{display:block;width:100%;height:18px}
.nums{grid-column:2;font-size:.8rem;color:#57534e}
.axis{position:relative;height:1.1rem;font-size:.75rem;color:#78716c}
.axis span{position:absolute;transform:translateX(-50%)}
.axis span:first-child{transform:none}.axis span:last-child{transform:translateX(-100%)}
.panels{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:16px}
.multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(270px,1fr));gap:12px}
.multiples figure{margin:0;border:1px solid #e7e5e4;border-radius:10px;padding:8px}
figcaption{font-weight:600;font-size:.9rem}
svg.chart{display:block;width:100%;max-width:620px;height:auto}
.tablewrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e7e5e4;white-space:nowrap}
th{font-size:.8rem;color:#57534e;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.terms{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:12px}
.chips{display:flex;flex-wrap:wrap;gap:6px;margin:.3rem 0 .6rem}
.chip{border-radius:999px;padding:2px 10px;font-size:.85rem;border:1px solid}
.chip small{opacity:.75;margin-left:4px}
.chip.fear{border-color:#fdba74;background:#fff7ed;color:#9a3412}
.chip.flow{border-color:#5eead4;background:#f0fdfa;color:#115e59}
.muted{color:#78716c;font-size:.85rem}
.note{border-left:4px solid #a8a29e;padding:4px 12px;background:#fafaf9}
footer{font-size:.9rem;color:#44403c}
footer h2{font-size:1.05rem;margin-top:.8rem}
@media (max-width:560px){
 main{padding:10px}h1{font-size:1.3rem}
 .row{grid-template-columns:1fr}.nums{grid-column:1}
 th,td{padding:5px 6px}
}
"""


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def _interval_text(interval: Interval) -> str:
    return f"{_pct(interval.share)} ({_pct(interval.low)}–{_pct(interval.high)})"


def _legend(labels=BAR_ORDER) -> str:
    keys = "".join(
        f'<span><i class="key" style="background:{COLOURS[label]}"></i>{NAMES[label]}</span>'
        for label in labels
    )
    return f'<div class="legend">{keys}</div>'


def share_bar(shares: Shares) -> str:
    """A 100% stacked bar of the fear / neutral / flow shares (inline SVG)."""
    rects, x = [], 0.0
    for label in BAR_ORDER:
        width = 100 * shares.shares[label].share
        title = f"{NAMES[label]} {_interval_text(shares.shares[label])}"
        rects.append(
            f'<rect x="{x:.3f}" y="0" width="{width:.3f}" height="10" fill="{COLOURS[label]}">'
            f"<title>{escape(title)}</title></rect>"
        )
        x += width
    return (
        '<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" '
        f'aria-label="{escape(_shares_text(shares))}">{"".join(rects)}</svg>'
    )


def interval_strip(interval: Interval, label: str, reference: float) -> str:
    """One share as a point with its 95% interval on a 0-100% strip; the dashed line is ``reference``."""
    low, share, high = 100 * interval.low, 100 * interval.share, 100 * interval.high
    colour = COLOURS[label]
    return (
        '<svg class="strip" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" '
        f'aria-label="{escape(NAMES[label] + " " + _interval_text(interval))}">'
        '<rect x="0" y="4.5" width="100" height="1" fill="#e7e5e4"/>'
        f'<line x1="{100 * reference:.3f}" x2="{100 * reference:.3f}" y1="0" y2="10" stroke="#57534e" '
        'stroke-width="0.4" stroke-dasharray="1 1" vector-effect="non-scaling-stroke"/>'
        f'<rect x="{low:.3f}" y="3" width="{max(high - low, 0.3):.3f}" height="4" rx="1" fill="{colour}" '
        'fill-opacity="0.35"/>'
        f'<rect x="{max(share - 0.6, 0):.3f}" y="1" width="1.2" height="8" fill="{colour}"/></svg>'
    )


def _axis() -> str:
    ticks = "".join(f'<span style="left:{t}%">{t}%</span>' for t in (0, 25, 50, 75, 100))
    return f'<div class="row"><span></span><div class="axis">{ticks}</div></div>'


def _shares_text(shares: Shares) -> str:
    return ", ".join(f"{NAMES[label]} {_interval_text(shares.shares[label])}" for label in BAR_ORDER)


def _row(name: str, shares: Shares, body: str, css: str = "") -> str:
    return (
        f'<div class="row {css}"><div class="name">{escape(name)}<small>n={shares.count:,}</small></div>'
        f"{body}</div>"
    )


def _rows(report: Report) -> list[tuple[str, Shares, str]]:
    return [("All comments", report.overall, "overall")] + [(g.name, g.summary, "") for g in report.groups]


def share_bars_section(report: Report) -> str:
    rows = "".join(
        _row(name, shares, share_bar(shares) + f'<div class="nums">{escape(_shares_text(shares))}</div>', css)
        for name, shares, css in _rows(report)
    )
    return (
        f'<section class="card"><h2>Language by {escape(report.group_by)}</h2>{_legend()}{rows}'
        f'<p class="muted">Share of comments the model tagged with each state; the numbers are the '
        f"share and its 95% interval.</p></section>"
    )


def interval_section(report: Report) -> str:
    panels = []
    mixed = (MIXED,) if report.overall.shares[MIXED].share > 0 else ()  # a model that reports mixed
    for label in (FEAR, FLOW, *mixed):
        reference = report.overall.shares[label].share
        rows = "".join(
            _row(name, shares, interval_strip(shares.shares[label], label, reference), css)
            for name, shares, css in _rows(report)
        )
        panels.append(f"<div><h3>{NAMES[label]} share, with 95% interval</h3>{rows}{_axis()}</div>")
    return (
        '<section class="card"><h2>How sure are these shares?</h2>'
        f'<div class="panels">{"".join(panels)}</div><p class="muted">The bar is the range the true share '
        "most likely lies in; the tick is the observed share; the dashed line is the share over all "
        "comments. Overlapping ranges mean the difference may be chance.</p></section>"
    )


def trend_chart(
    periods: list[str], trend: dict[str, Shares | None], title: str, compact: bool = False
) -> str:
    """Fear and flow shares per period with 95% bands (inline SVG); suppressed periods are gaps."""
    width, height = 360, 150 if compact else 190
    left, right, top, bottom = 34, 10, 10, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(periods)

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return top + plot_h * (1 - v)

    parts = [f"<title>{escape(title)}</title>"]
    for t in (0, 0.25, 0.5, 0.75, 1):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#e7e5e4"/>'
            f'<text x="{left - 4}" y="{y(t) + 3.5:.1f}" text-anchor="end" font-size="10" fill="#78716c">'
            f"{_pct(t)}</text>"
        )
    step = max(1, math.ceil(n * 44 / plot_w))
    for i, period in enumerate(periods):
        if i % step == 0:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - bottom + 14}" text-anchor="middle" font-size="10" '
                f'fill="#57534e">{escape(period)}</text>'
            )
        if trend.get(period) is None:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - bottom - 4}" text-anchor="middle" font-size="9" '
                'fill="#a8a29e">–</text>'
            )
    for label in (FEAR, FLOW):
        for run in _runs(periods, trend):
            upper = " ".join(f"{x(i):.1f},{y(trend[periods[i]].shares[label].high):.1f}" for i in run)
            lower = " ".join(
                f"{x(i):.1f},{y(trend[periods[i]].shares[label].low):.1f}" for i in reversed(run)
            )
            line = " ".join(f"{x(i):.1f},{y(trend[periods[i]].shares[label].share):.1f}" for i in run)
            parts.append(f'<polygon points="{upper} {lower}" fill="{COLOURS[label]}" fill-opacity="0.14"/>')
            parts.append(
                f'<polyline points="{line}" fill="none" stroke="{COLOURS[label]}" stroke-width="2.2" '
                'stroke-linejoin="round"/>'
            )
            for i in run:
                shares = trend[periods[i]]
                parts.append(
                    f'<circle cx="{x(i):.1f}" cy="{y(shares.shares[label].share):.1f}" r="3" '
                    f'fill="{COLOURS[label]}"><title>{escape(periods[i])}: {NAMES[label]} '
                    f"{escape(_interval_text(shares.shares[label]))}, n={shares.count}</title></circle>"
                )
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
        f"{''.join(parts)}</svg>"
    )


def _runs(periods: list[str], trend: dict[str, Shares | None]) -> list[list[int]]:
    """Consecutive indices of shown periods: each run is drawn as one line."""
    runs: list[list[int]] = []
    for i, period in enumerate(periods):
        if trend.get(period) is None:
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def trend_section(report: Report) -> str:
    if not report.periods:
        return ""
    multiples = "".join(
        f"<figure><figcaption>{escape(g.name)}</figcaption>"
        + trend_chart(report.periods, g.trend, f"{g.name}: share by {report.period}", compact=True)
        + "</figure>"
        for g in report.groups
    )
    undated = (
        f" {report.undated:,} comments had no readable date in {escape(report.time_column)} and are left "
        "out here."
        if report.undated
        else ""
    )
    return (
        f'<section class="card"><h2>Trend by {escape(report.period)}</h2>{_legend((FEAR, FLOW))}'
        f"{trend_chart(report.periods, report.overall_trend, f'All comments: share by {report.period}')}"
        f'<h3 style="margin-top:1rem">By {escape(report.group_by)}</h3>'
        f'<div class="multiples">{multiples}</div>'
        f'<p class="muted">Lines show the share of fear-state and flow-state comments in each '
        f"{escape(report.period)}; shaded bands are 95% intervals. A dash marks a {escape(report.period)} "
        f"left out because it has fewer than {report.min_group_size} comments, or hidden so that such a "
        f"small count cannot be worked out from the totals.{undated}</p></section>"
    )


def table_section(report: Report) -> str:
    head = "".join(f"<th>{NAMES[label]}</th>" for label in BAR_ORDER)
    body = "".join(
        f"<tr><td>{escape(name)}</td><td class=num>{shares.count:,}</td>"
        + "".join(f"<td class=num>{_interval_text(shares.shares[label])}</td>" for label in BAR_ORDER)
        + "</tr>"
        for name, shares, _ in _rows(report)
    )
    return (
        f'<section class="card"><h2>Table</h2><div class="tablewrap"><table><thead><tr>'
        f"<th>{escape(report.group_by)}</th><th>Comments</th>{head}</tr></thead><tbody>{body}</tbody></table>"
        "</div></section>"
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
    if report.terms_source is None:
        return ""
    cards = "".join(
        f'<div><h3>{escape(g.name)}</h3><div class="muted">{NAMES[FEAR]}</div>{_chips(g, FEAR)}'
        f'<div class="muted">{NAMES[FLOW]}</div>{_chips(g, FLOW)}</div>'
        for g in report.groups
    )
    return (
        '<section class="card"><h2>Words that set each group apart</h2>'
        f'<div class="terms">{cards}</div><p class="muted">Model terms that pushed this group\'s comments '
        "towards fear-state or flow-state more than in the other groups. ×N is the number of the group's "
        f"comments with the term; a term is listed only when at least {report.min_group_size} comments use "
        "it, so no single comment is quoted.</p></section>"
    )


def _stats(report: Report) -> str:
    excluded = sum(report.excluded.values())
    items = [
        (f"{report.overall.count:,}", "comments scored"),
        (f"{len(report.groups):,}", f"groups shown (of {len(report.groups) + report.suppressed_groups:,})"),
        (_pct(report.overall.shares[FEAR].share), "fear-state overall"),
        (_pct(report.overall.shares[FLOW].share), "flow-state overall"),
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
        notes.append(f"{excluded:,} rows were not scored and are left out ({detail}).")
    note = f'<p class="note">{"<br>".join(notes)}</p>' if notes else ""
    return f'<div class="stats">{stats}</div>{note}'


HOW_TO_READ = """<section class="card"><h2>How to read this</h2>
<p>Each comment was tagged by a language model as <b>fear-state</b> (stress, threat, anger, exhaustion,
burnout), <b>flow-state</b> (gratitude, care, compassion, curiosity, calm) or <b>neutral</b>. The report
shows, for each group, what share of its comments fell in each state.</p>
<p>The model is right about most comments, not all. Look at patterns across groups and over time, not at
small differences: when two groups' 95% intervals overlap, the difference may be chance.</p>
<p>Groups with fewer than {k} comments are never shown, and nothing in this report comes from a single
comment or a single person. Use it to start conversations with teams about what supports them.</p>
</section>"""

FOOTER = """<footer class="card">
<h2>Intended use</h2>
<p>Group-level listening: seeing how teams, wards or services are doing over time, so that leaders can
support staff and improve services.</p>
<h2>Must not be used for</h2>
<p>Judging, ranking, performance-managing or monitoring individuals, or trying to find out who wrote a
comment. Do not combine this report with other data to narrow groups down to individuals.</p>
<h2>Known limits</h2>
<p>The model was trained on Reddit comments (GoEmotions), not on staff or patient feedback, so it can
misread workplace and clinical language (domain shift): check a sample of your own comments before relying
on it. It reads English only. It tags language, not people's wellbeing; sarcasm, quotes and mixed feelings
are often misread.</p>
<h2>Retraining on local data</h2>
<p>Label a few hundred of your own comments (fear / flow / neutral), fit
<code>equalcare_nlp.FearFlowClassifier</code> on them (alone or together with the public corpus), check it
on held-out comments with <code>equalcare_nlp.training.metrics.classification_report</code>, save it with
<code>equalcare_nlp.save_model</code> and pass its folder with <code>--model</code>.</p>
<p class="muted">{generated}</p>
</footer>"""


def render_html(report: Report, title: str | None = None, generated: date | None = None) -> str:
    """The whole report as one HTML document (no external resources)."""
    title = title or f"Fear-state and flow-state language by {report.group_by}"
    generated_text = f"Generated {(generated or date.today()).isoformat()} by equalcare_nlp."
    when = f" by {escape(report.period)} of {escape(report.time_column)}" if report.periods else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body><main>"
        f"<h1>{escape(title)}</h1>"
        f'<p class="lede">Comments grouped by {escape(report.group_by)}{when}; groups under '
        f"{report.min_group_size} comments are not shown.</p>"
        f"{_stats(report)}{share_bars_section(report)}{trend_section(report)}{interval_section(report)}"
        f"{terms_section(report)}{table_section(report)}{HOW_TO_READ.format(k=report.min_group_size)}"
        f"{FOOTER.format(generated=escape(generated_text))}</main></body></html>"
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
