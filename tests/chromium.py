"""Run Debian's headless Chromium on a local HTML file: dump the rendered DOM or take a screenshot."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium_path() -> str | None:
    """The chromium executable, or None when it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def run_chromium(page: Path, *args: str, width: int = 900, height: int = 1600, timeout: float = 90) -> str:
    """Run Chromium on ``page`` with extra ``args`` (e.g. ``--dump-dom``); return its standard output."""
    executable = chromium_path()
    if executable is None:
        raise FileNotFoundError("chromium is not installed (Debian package 'chromium')")
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                executable,
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                *args,
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
    return result.stdout


def screenshot(page: Path, png: Path, width: int = 900, height: int = 1600) -> Path:
    """Render ``page`` and save a ``width`` x ``height`` screenshot to ``png``."""
    run_chromium(page, f"--screenshot={png.resolve()}", width=width, height=height)
    return png
