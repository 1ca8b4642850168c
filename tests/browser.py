"""A real headless browser for the tests that open an HTML report: Debian's chromium, driven by
Playwright's Python package (its own browser downloads are never used).

Without chromium or Playwright those tests skip, unless VPJND_REQUIRE_BROWSER is set (CI installs
both and sets it, so there they fail instead).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def require_browser() -> None:
    """Skip the calling test (fail it under VPJND_REQUIRE_BROWSER) when there is no browser to drive."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "Playwright's Python package is not installed (pip install playwright)"
    else:
        missing = None if CHROMIUM.is_file() else f"{CHROMIUM} is not installed (apt-get install chromium)"
    if missing is None:
        return
    if os.environ.get("VPJND_REQUIRE_BROWSER"):
        pytest.fail(missing, pytrace=False)
    pytest.skip(missing)


@contextmanager
def chromium(width: int = 1280, height: int = 900) -> Iterator:
    """A fresh chromium profile (a Playwright BrowserContext) with a window of ``width`` x ``height``."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="vpjnd-chromium-") as profile, sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=ARGS,
            viewport={"width": width, "height": height},
        )
        try:
            yield context
        finally:
            context.close()


# Every table row on the first screen shows its thumbnail.
FIRST_SCREEN = """() => {
    const rows = [...document.querySelectorAll('#pictures tbody tr')]
        .filter((row) => row.getBoundingClientRect().top < innerHeight);
    return rows.length > 5 && rows.every((row) => row.querySelector('img').naturalWidth > 0);
}"""


def first_screen_seconds(page, report: Path) -> float:
    """Seconds from opening a report's batch page until its first screen is complete."""
    started = time.perf_counter()
    page.goto(report.resolve().as_uri(), wait_until="domcontentloaded")
    page.wait_for_function(FIRST_SCREEN, timeout=30_000)
    return time.perf_counter() - started
