# SPDX-License-Identifier: Apache-2.0
"""The stops of an itinerant offer on the map, in headless Chromium (issue 15, item 3): three square
markers of their own beside the structure's, each card saying which offer passes there and when."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from starlette.applications import Starlette

from ..serving import ServerThread
from .browsing import DESKTOP, Tab
from .test_browser_search import wait_for_map
from .test_itinerant import EXPECTED_MONDAY, MONDAY, at, itinerant  # noqa: F401 (itinerant: a fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(itinerant: tuple[Starlette, str]) -> Iterator[str]:  # noqa: F811
    with ServerThread(itinerant[0], name="browser-itinerant") as base_url:
        yield base_url


def test_the_stops_are_markers_of_their_own_with_their_next_passage(
    open_tab: Callable[..., Tab], server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(monkeypatch, MONDAY)
    tab = open_tab(DESKTOP)
    page = tab.page
    page.goto(server + "/?lieu=69200&vue=carte")
    wait_for_map(page)
    page.wait_for_selector("#carte[data-stops]", state="attached")
    assert page.get_attribute("#carte", "data-stops") == "3"
    stops = page.locator("#carte .marker-stop")
    assert stops.count() == 3
    labels = sorted(stops.nth(i).get_attribute("aria-label") or "" for i in range(3))
    assert labels == sorted(f"Arrêt de médiation itinérante : {name}" for name in EXPECTED_MONDAY)
    page.locator('#carte .marker-stop[aria-label$="Centre social de Bron"]').click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = " ".join(popup.inner_text().replace("\u00a0", " ").split())
    assert "Centre social de Bron" in text and "Bus numérique, par sa structure" in text
    assert EXPECTED_MONDAY["Centre social de Bron"].replace("\u00a0", " ") in text
    assert popup.locator("a").get_attribute("href").endswith("#offres-titre")
    tab.assert_healthy()
