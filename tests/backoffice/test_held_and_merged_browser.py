# SPDX-License-Identifier: Apache-2.0
"""« Retraits en attente » and « Fusions automatiques » in Debian's Chromium, after real harvests over
loopback (``test_held_and_merged.Harvests``): no axe-core violation of any impact on a phone (375 px)
and a desktop (1280 px), no sideways scrolling, and each page's button does its work. Screenshots of
both pages at both widths go to the test's temporary folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from directory.config import Settings
from directory.places import Gazetteer
from directory.web import create_app

from ..serving import ServerThread
from ..web.browsing import Tab, all_violations
from .conftest import make_account
from .harvesting import ALL, COPIED, Harvests
from .scenery import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
PAGES = {"retraits": "/gestion/retraits-en-attente", "fusions": "/gestion/fusions-automatiques"}


@pytest.fixture
def base_url(harvests: Harvests, places: Gazetteer, tmp_path: Path) -> Iterator[str]:
    """Hinaura harvested whole, then shrunk by 45 of 120 (held back); Copie repeating six of its venues."""
    assert harvests.run("hinaura", ALL).status == "complete"
    assert harvests.run("hinaura", ALL[:75]).status == "partial"
    assert harvests.run("copie", COPIED).merged == 6
    make_account(harvests.store, places, "camille", "admin")
    app = create_app(Settings(data_dir=tmp_path / "data"), harvests.store, places)
    with ServerThread(app, name="held-and-merged") as url:
        yield url


def _overflow(page: Any) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "1280"])
def test_both_pages_pass_axe_and_fit(
    open_tab: Callable[..., Tab],
    base_url: str,
    viewport: dict[str, int],
    tmp_path: Path,
) -> None:
    tab = open_tab(viewport, axe=True)
    sign_in(tab.page, base_url, "camille")
    for name, path in PAGES.items():
        tab.page.goto(base_url + path)
        assert tab.page.locator("h1").inner_text() in ("Retraits en attente", "Fusions automatiques")
        assert tab.page.locator("section.pair").count() >= 1
        assert all_violations(tab.page) == [], name
        assert _overflow(tab.page) <= 0, name
        tab.page.screenshot(path=str(tmp_path / f"gestion-{name}-{viewport['width']}.png"), full_page=True)
    tab.assert_healthy()


def test_confirming_and_splitting_in_the_browser(
    open_tab: Callable[..., Tab],
    base_url: str,
    harvests: Harvests,
) -> None:
    tab = open_tab(PHONE)
    page = tab.page
    sign_in(page, base_url, "camille")
    page.get_by_role("link", name="moisson retenue : retraits à confirmer").click()
    assert page.url.endswith(PAGES["retraits"])
    with page.expect_navigation():
        page.get_by_role("button", name="Confirmer les retraits de la source « hinaura »").click()
    assert "45 lieux retirés de l'annuaire à votre nom" in page.locator(".notice").inner_text()
    assert harvests.store.count_venues() == 75  # the six copies joined venues that stay

    page.goto(base_url + "/gestion/a-verifier")
    page.get_by_role("link", name="les fusions automatiques").click()
    assert page.locator("section.pair").count() == 6
    first = page.locator("section.pair").first
    with page.expect_navigation():
        first.get_by_role("button", name="Séparer").click()
    assert "/gestion/lieux/" in page.url
    page.goto(base_url + PAGES["fusions"])
    assert page.locator("section.pair").count() == 5
    tab.assert_healthy()
