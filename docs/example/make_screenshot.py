"""Make docs/report_screenshot.png: the synthetic example report rendered by headless Chromium.

python docs/example/make_screenshot.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(Path(__file__).parent)]

from chromium import screenshot  # noqa: E402
from make_example import make_feedback, score  # noqa: E402

from equalcare_nlp import load_model  # noqa: E402
from equalcare_nlp.reports.html import write_report  # noqa: E402
from equalcare_nlp.reports.report import build_report  # noqa: E402


def main(output: Path = ROOT / "docs" / "report_screenshot.png") -> None:
    scored = score(make_feedback())
    report = build_report(
        scored, "team", time_column="submitted", period="quarter", text_column="comment", model=load_model()
    )
    with tempfile.TemporaryDirectory() as tmp:
        page = write_report(report, Path(tmp) / "report.html")
        raw = screenshot(page, Path(tmp) / "raw.png", width=900, height=1900)
        # A 64-colour palette keeps the README image small without visible loss on flat charts.
        Image.open(raw).convert("RGB").quantize(colors=64).save(output, optimize=True)
    print(f"wrote {output} ({output.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
