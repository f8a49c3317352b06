"""The HTML report rendered in headless Chromium: what a reader sees is what the report says.

The DOM has the charts and no hidden group; the screenshots show every label's colour, the share bar of
all comments split as the shares are and in the bar's order, and the phone layout's bars below the names.
"""

from __future__ import annotations

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
from chromium import chromium_path, run_chromium, screenshot

from equalcare_nlp.core.labels import CODEBOOK_LABELS, FEAR, FLOW, MIXED, NEUTRAL, proba_column
from equalcare_nlp.reports.charts import BAR_ORDER, COLOURS
from equalcare_nlp.reports.html import write_report
from equalcare_nlp.reports.report import build_report

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        chromium_path() is None, reason="chromium is not installed (Debian package 'chromium')"
    ),
]
#: Each team's size and its comments' labels in turn; Ward Hidden is too small to show.
TEAMS = {"Ward Alpha": 40, "Ward Charlie": 30, "Ward Bravo": 8, "Ward Hidden": 3}
CYCLE = (FEAR, FEAR, MIXED, NEUTRAL, FLOW, FLOW, FEAR, FLOW, NEUTRAL, MIXED)


@pytest.fixture(scope="module")
def shown(tmp_path_factory):
    """The report and its page: Ward Alpha has only 2 comments in April, a trend cell to hide."""
    rows = []
    for team, n in TEAMS.items():
        for i in range(n):
            label = CYCLE[i % len(CYCLE)]
            month = 4 if team == "Ward Alpha" and i >= n - 2 else 1 + i % 3
            rows.append(
                {"team": team, "month": f"2024-{month:02d}-01", "label": label, "status": "ok"}
                | {proba_column(k): 0.8 if k == label else 0.1 for k in (FEAR, FLOW, NEUTRAL)}
            )
    report = build_report(pd.DataFrame(rows), "team", time_column="month", min_group_size=5)
    return report, write_report(report, tmp_path_factory.mktemp("report") / "report.html")


def test_report_renders_with_charts_and_without_hidden_groups(shown) -> None:
    report, page = shown
    dom = run_chromium(page, "--dump-dom")
    assert "Fear-state and flow-state language by team" in dom
    assert dom.count("<svg") >= 8  # share bars, interval strips and trend charts
    assert "<polyline" in dom and "<rect" in dom
    # Ward Hidden has 3 comments; Ward Bravo (8) is hidden with it so the 3 cannot be worked out.
    assert [g.name for g in report.groups] == ["Ward Alpha", "Ward Charlie"]
    assert "Ward Hidden" not in dom and "Ward Bravo" not in dom
    assert "2 group(s) with 11 comments in total are not shown" in dom
    assert "groups shown (of 4)" in dom
    # Each hidden trend cell, overall and per group, is a dash in its chart, not a point.
    trends = [report.overall_trend, *(g.trend for g in report.groups)]
    hidden_cells = [period for trend in trends for period, shares in trend.items() if shares is None]
    assert hidden_cells and dom.count(">–</text>") == len(hidden_cells)


def _pixels(png) -> np.ndarray:
    """The screenshot as rows x columns x RGB bytes."""
    return (matplotlib.image.imread(png)[..., :3] * 255).round().astype(np.uint8)


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


@pytest.mark.parametrize("width", [390, 1000])
def test_screenshot_shows_each_label_and_the_shares_of_all_comments(shown, tmp_path, width: int) -> None:
    report, page = shown
    pixels = _pixels(screenshot(page, tmp_path / f"report_{width}.png", width=width, height=1400))
    assert pixels.shape[1] == width
    masks = {label: np.all(pixels == _rgb(COLOURS[label]), axis=-1) for label in CODEBOOK_LABELS}
    for label, mask in masks.items():
        assert mask.sum() > 500, f"{label}'s colour {COLOURS[label]} is hardly on the page"
    # The first row drawn mostly in label colours is the share bar of all comments.
    coloured = np.stack([masks[label] for label in BAR_ORDER])  # label x row x column
    row = int(np.argmax(coloured.any(axis=0).sum(axis=1) > width / 3))
    in_row = coloured[:, row, :]
    for label, counts in zip(BAR_ORDER, in_row.sum(axis=1), strict=True):
        assert counts / in_row.sum() == pytest.approx(report.overall.shares[label].share, abs=0.02), label
    # Left to right in the bar's order: fear first, flow last.
    columns = np.flatnonzero(in_row.any(axis=0))
    order = [BAR_ORDER[int(np.argmax(in_row[:, c]))] for c in columns]
    assert list(dict.fromkeys(order)) == [label for label in BAR_ORDER if report.overall.shares[label].share]
    # On a phone the names sit above the bars, which then start at the card's edge.
    assert (columns[0] < 0.1 * width) if width < 560 else (columns[0] > 0.15 * width)
