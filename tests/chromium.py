"""Launch Debian's headless Chromium through Playwright (no browser download).

Outside CI the browser tests skip when ``/usr/bin/chromium`` is missing; in CI
(`.ci/run` installs it) they fail instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "test-results"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> str:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI ({CHROMIUM} missing; apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return CHROMIUM


def launch(playwright):  # -> Browser
    return playwright.chromium.launch(executable_path=require_chromium(), headless=True, args=LAUNCH_ARGS)


def screenshot_path(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"
