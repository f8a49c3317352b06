"""The HTML report rendered in headless Chromium: it renders, has its charts, and hides small groups."""

from __future__ import annotations

import pandas as pd
import pytest
from chromium import chromium_path, run_chromium, screenshot

from equalcare_nlp.reports.html import write_report
from equalcare_nlp.reports.report import build_report

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        chromium_path() is None, reason="chromium is not installed (Debian package 'chromium')"
    ),
]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    rows = []
    for team, n, fear in (("Ward Alpha", 40, 0.6), ("Ward Bravo", 30, 0.3), ("Ward Hidden", 3, 0.5)):
        for i in range(n):
            label = "fear" if i < fear * n else "flow" if i % 3 else "neutral"
            rows.append(
                {"team": team, "month": f"2024-{1 + i % 4:02d}-01", "label": label, "status": "ok"}
                | {f"p_{k}": 0.8 if k == label else 0.1 for k in ("fear", "flow", "neutral")}
            )
    report = build_report(pd.DataFrame(rows), "team", time_column="month", min_group_size=5)
    return write_report(report, tmp_path_factory.mktemp("report") / "report.html")


def test_report_renders_with_charts_and_without_hidden_groups(page) -> None:
    dom = run_chromium(page, "--dump-dom")
    assert "Fear-state and flow-state language by team" in dom
    assert dom.count("<svg") >= 8  # share bars, interval strips and trend charts
    assert "<polyline" in dom and "<rect" in dom
    # Ward Hidden has 3 comments; Ward Bravo (30) is hidden with it so the 3 cannot be worked out.
    assert "Ward Hidden" not in dom and "Ward Bravo" not in dom
    assert "Ward Alpha" in dom


@pytest.mark.parametrize("width", [390, 1000])
def test_report_screenshot_on_phone_and_desktop(page, tmp_path, width: int) -> None:
    png = screenshot(page, tmp_path / f"report_{width}.png", width=width, height=1400)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
