"""The public campaign page in a real headless Chromium at a phone's size."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import ADMIN

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Debian's Chromium driven by Playwright (no browser download)."""
    if not CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("CI needs Chromium (.ci/run installs Debian's chromium package)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def _phone_page(browser):
    return browser.new_page(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )


def test_campaign_page_on_a_phone(live, browser):
    live.say(
        ADMIN,
        "/campaign create code: RAYA26 prize: Hamper Raya & kuih\nstart: 2026-01-01\nend: 2030-12-31",
    )
    live.replies_to(ADMIN)
    for n in range(3):
        live.say(f"601100000{n}", "JOIN RAYA26")
        live.replies_to(f"601100000{n}")
    page = _phone_page(browser)
    page.goto(f"{live.url}/c/RAYA26")
    assert page.title() == "RAYA26 lucky draw · cabutan bertuah — Hamper Raya & kuih"
    enter = page.locator("#enter")
    assert enter.is_visible() and enter.get_attribute("href") == "https://wa.me/?text=JOIN%20RAYA26"
    qr = page.locator("#qr svg").bounding_box()
    assert qr is not None and 150 <= qr["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing spills sideways
    assert "3 entries so far" in page.inner_text("main")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(
        path=str(
            ARTIFACTS / f"campaign-page-{(live.settings.embedded and 'embedded') or 'mariadb'}.png"
        ),
        full_page=True,
    )

    live.draw("RAYA26")
    page.reload()
    assert page.locator("#winners li").count() == 1
    assert "****" in page.inner_text("#winners")
    assert page.locator("#seed").is_visible() and not page.locator("#enter").count()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(
        path=str(
            ARTIFACTS
            / f"campaign-page-drawn-{(live.settings.embedded and 'embedded') or 'mariadb'}.png"
        ),
        full_page=True,
    )
    page.close()
