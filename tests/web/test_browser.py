# SPDX-License-Identifier: Apache-2.0
"""The real app under uvicorn, driven by headless Chromium, checked with axe-core.

Chromium and axe-core come through ``browsing.py`` (skipped without them,
failed under ``CI``).

Set ``SCREENSHOTS_DIR`` (e.g. ``docs/screenshots``) to keep the screenshots of
the results page; otherwise they go to the test's temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from .browsing import VIEWPORTS, serious_violations

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


def search_with_keyboard(page: Any, server: str, text: str) -> None:
    page.goto(server + "/")
    page.get_by_label("Où ?").fill(text)
    with page.expect_navigation():
        page.get_by_label("Où ?").press("Enter")


def test_home_page_has_no_serious_accessibility_violation(page: Any, server: str) -> None:
    page.goto(server + "/")
    assert page.locator("h1").count() == 1
    assert serious_violations(page) == []


def test_search_from_the_keyboard_lists_venues(page: Any, server: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    search_with_keyboard(page, server, "69003")
    assert "lieu=69003" in page.url  # the state is in the URL: back and sharing work
    assert page.get_by_role("heading", name="Autour de Lyon 3e Arrondissement (69003)").is_visible()
    cards = page.locator(".results-list > li")
    assert cards.count() >= 10
    distances = cards.locator(".card-distance").all_inner_texts()
    assert all(d.startswith("à ") and d.rstrip().endswith(("m", "km")) for d in distances)
    assert dialogs == []  # the venue named <script>alert('x')</script> stayed text
    assert serious_violations(page) == []


def test_skip_link_is_first_and_visible_on_focus(page: Any, server: str) -> None:
    page.goto(server + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Aller au contenu"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0


def test_venue_and_error_pages_are_accessible(page: Any, server: str) -> None:
    search_with_keyboard(page, server, "Paris 19e")
    with page.expect_navigation():
        page.locator(".results-list .card-title a").first.click()
    assert "/lieux/" in page.url
    assert serious_violations(page) == []
    page.goto(server + "/lieux/l0000000000")
    assert serious_violations(page) == []
    search_with_keyboard(page, server, "Nancyy")
    assert serious_violations(page) == []


def test_results_screenshots(browser: Any, server: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    if not folder.is_absolute():
        folder = ROOT / folder
    folder.mkdir(parents=True, exist_ok=True)
    for name, viewport in VIEWPORTS.items():
        context = browser.new_context(viewport=viewport, locale="fr-FR", device_scale_factor=1)
        try:
            page = context.new_page()
            page.goto(server + "/?lieu=69003")
            # No horizontal scrolling on a phone (WCAG 1.4.10 reflow).
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
            page.screenshot(path=str(folder / f"results-69003-{name}.png"))
        finally:
            context.close()


@pytest.mark.parametrize("path", ["/?lieu=69003", "/?lieu=Nancyy"])
def test_reflows_at_320_css_pixels(browser: Any, server: str, path: str) -> None:
    """400 % zoom of a 1280 px window is 320 CSS px: no horizontal scrolling (WCAG 1.4.10)."""
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(server + path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        context.close()
