"""The report's charts as inline SVG, and how a share is written: one colour and one name per label."""

from __future__ import annotations

import math
from html import escape

from ..core.labels import FEAR, FLOW, MIXED, NEUTRAL
from .statistics import STATES, Interval, Shares

#: Each codebook label's colour in every chart and legend, and its name on the page.
COLOURS = {FEAR: "#c2410c", FLOW: "#0f766e", NEUTRAL: "#a8a29e", MIXED: "#7c3aed"}
NAMES = {FEAR: "Fear-state", FLOW: "Flow-state", NEUTRAL: "Neutral", MIXED: "Mixed"}
#: Stacking order of the share bars: fear on the left, flow on the right, mixed (both) between.
BAR_ORDER = (FEAR, MIXED, NEUTRAL, FLOW)


def pct(value: float) -> str:
    """A share as a whole percentage: ``42%``."""
    return f"{100 * value:.0f}%"


def interval_text(interval: Interval) -> str:
    """A share with its interval: ``42% (38%–46%)``."""
    return f"{pct(interval.share)} ({pct(interval.low)}–{pct(interval.high)})"


def shares_text(shares: Shares) -> str:
    """Every label's share with its interval, in the bar's order (the bar's text alternative)."""
    return ", ".join(f"{NAMES[label]} {interval_text(shares.shares[label])}" for label in BAR_ORDER)


def share_bar(shares: Shares) -> str:
    """A 100% stacked bar of every label's share, in :data:`BAR_ORDER` (inline SVG)."""
    rects, x = [], 0.0
    for label in BAR_ORDER:
        width = 100 * shares.shares[label].share
        title = f"{NAMES[label]} {interval_text(shares.shares[label])}"
        rects.append(
            f'<rect x="{x:.3f}" y="0" width="{width:.3f}" height="10" fill="{COLOURS[label]}">'
            f"<title>{escape(title)}</title></rect>"
        )
        x += width
    return (
        '<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" '
        f'aria-label="{escape(shares_text(shares))}">{"".join(rects)}</svg>'
    )


def interval_strip(interval: Interval, label: str, reference: float) -> str:
    """One share as a point with its 95% interval on a 0-100% strip; the dashed line is ``reference``."""
    low, share, high = 100 * interval.low, 100 * interval.share, 100 * interval.high
    colour = COLOURS[label]
    return (
        '<svg class="strip" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" '
        f'aria-label="{escape(NAMES[label] + " " + interval_text(interval))}">'
        '<rect x="0" y="4.5" width="100" height="1" fill="#e7e5e4"/>'
        f'<line x1="{100 * reference:.3f}" x2="{100 * reference:.3f}" y1="0" y2="10" stroke="#57534e" '
        'stroke-width="0.4" stroke-dasharray="1 1" vector-effect="non-scaling-stroke"/>'
        f'<rect x="{low:.3f}" y="3" width="{max(high - low, 0.3):.3f}" height="4" rx="1" fill="{colour}" '
        'fill-opacity="0.35"/>'
        f'<rect x="{max(share - 0.6, 0):.3f}" y="1" width="1.2" height="8" fill="{colour}"/></svg>'
    )


def trend_chart(
    periods: list[str],
    trend: dict[str, Shares | None],
    title: str,
    compact: bool = False,
    labels: tuple[str, ...] = STATES,
) -> str:
    """The shares of ``labels`` per period with 95% bands (inline SVG); suppressed periods are gaps."""
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
            f"{pct(t)}</text>"
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
    for label in labels:
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
                    f"{escape(interval_text(shares.shares[label]))}, n={shares.count}</title></circle>"
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
