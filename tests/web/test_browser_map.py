# SPDX-License-Identifier: Apache-2.0
"""The map, the embed and small screens as people met them (issue 15, item 7), in headless Chromium.

The demo data (~3,400 real venues) is served with **no tile server configured**
(``tile_url=""``): the clusters must stay. Checked: every result kept on the map,
numbered markers sharing a spot spread out, Escape closes a card, the first result
within 5 presses of Tab, no page scrolling sideways at 320 px (a phone, or
1280 px at 400 % zoom), the phone's map view without JavaScript, axe-core.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from starlette.applications import Starlette

from directory.config import Settings
from directory.places import Gazetteer
from directory.store import Store
from directory.web import create_app

from ..serving import ServerThread
from .browsing import DESKTOP, PHONE, Tab, serious_violations
from .test_browser_search import SEARCH, card_ids, wait_for_map

pytestmark = pytest.mark.browser

#: 1280 × 1024 at 400 % zoom: the CSS viewport WCAG 1.4.10 asks to reflow into.
ZOOMED = {"width": 320, "height": 256}
NARROW = {"width": 320, "height": 640}
#: Montauban: three associations share one address (UDAF, Ligue de l'enseignement…).
SHARED_SPOT = "/?" + urlencode({"lieu": "82000"})


@pytest.fixture(scope="module")
def server(demo_store: Store, places: Gazetteer, tmp_path_factory: pytest.TempPathFactory) -> Any:
    settings = Settings(data_dir=tmp_path_factory.mktemp("map-no-tiles"), tile_url="")
    app: Starlette = create_app(settings, demo_store, places)
    with ServerThread(app, name="browser-map") as base_url:
        yield base_url


def test_every_result_stays_on_the_map_without_a_tile_server(open_tab: Callable[..., Tab], server: str) -> None:
    tab = open_tab(DESKTOP)
    page = tab.page
    page.goto(server + SEARCH)
    wait_for_map(page)
    points = httpx.get(server + "/api/carte", params={"q": "démarches administratives", "lieu": "75019"}).json()
    assert int(page.get_attribute("#carte", "data-loaded")) == points["total"] > 20
    # Every result that is not a numbered marker is in the clustered layer.
    numbered = page.locator("#carte .marker-rank").count()
    assert numbered == 20
    assert int(page.get_attribute("#carte", "data-clustered")) == points["total"] - numbered
    assert page.locator("#carte .marker-cluster").count() > 0
    assert "map-no-tiles" in (page.get_attribute("#carte", "class") or "")  # and the map says why it is blank
    assert tab.blocked == []  # no tile was even asked for
    tab.assert_healthy()


def _numbered_boxes(page: Any) -> list[dict[str, float]]:
    return page.locator("#carte .marker-rank span").evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, height: r.height}; })"
    )


def _centre(box: dict[str, float]) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _overlapping(boxes: list[dict[str, float]]) -> list[tuple[int, int]]:
    """Pairs of round markers that cover each other (centres closer than their diameter)."""
    return [
        (i, j)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes)
        if i < j and math.dist(_centre(a), _centre(b)) < min(a["width"], b["width"]) - 0.5
    ]


def test_numbered_markers_sharing_a_spot_spread_out(open_tab: Callable[..., Tab], server: str) -> None:
    tab = open_tab(DESKTOP)
    page = tab.page
    page.goto(server + SHARED_SPOT)
    wait_for_map(page)
    # Where Leaflet puts each numbered marker's point (its icon moves, the point does not).
    points = page.locator("#carte .marker-rank").evaluate_all(
        "els => els.map(e => [e._leaflet_pos.x, e._leaflet_pos.y])"
    )
    close = [(a, b) for i, a in enumerate(points) for b in points[i + 1 :] if math.dist(a, b) < 30]
    assert close, "the search should list places whose markers would pile up"
    boxes = _numbered_boxes(page)
    assert len(boxes) == 20 and _overlapping(boxes) == []  # none hides another
    moved = page.locator("#carte .marker-rank").evaluate_all(
        "els => els.map(e => [parseFloat(e.style.marginLeft) + 15, parseFloat(e.style.marginTop) + 15])"
    )
    assert any(math.hypot(*m) > 0 for m in moved) and all(math.hypot(*m) < 150 for m in moved)  # each near its spot
    # Zoomed out, they are laid out again.
    zoom = page.get_attribute("#carte", "data-spread-at-zoom")
    page.locator("#carte .leaflet-control-zoom-out").click()
    page.wait_for_function(f"() => document.getElementById('carte').dataset.spreadAtZoom !== '{zoom}'")
    assert _overlapping(_numbered_boxes(page)) == []
    tab.assert_healthy()


def test_escape_closes_a_card_and_gives_the_focus_back(open_tab: Callable[..., Tab], server: str) -> None:
    tab = open_tab(DESKTOP)
    page = tab.page
    page.goto(server + SEARCH)
    wait_for_map(page)
    first = card_ids(page)[0]
    marker = page.locator(f"#carte .marker-rank[data-id='{first}']")
    marker.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.closest('.leaflet-popup .map-card-title') !== null")
    page.keyboard.press("Escape")
    page.locator("#carte .leaflet-popup").wait_for(state="detached")
    assert page.evaluate("document.activeElement.dataset.id") == first
    # Opened with the mouse, Escape closes it too.
    marker.click()
    page.locator("#carte .leaflet-popup .map-card").wait_for()
    page.keyboard.press("Escape")
    page.locator("#carte .leaflet-popup").wait_for(state="detached")
    tab.assert_healthy()


FOCUS = "() => ({text: document.activeElement.textContent.trim(), card: !!document.activeElement.closest('[data-results] .card-title')})"


@pytest.mark.parametrize(
    ("path", "viewport"),
    [
        (SEARCH, DESKTOP),
        (SEARCH + "&frais_a_charge=gratuit", DESKTOP),  # a filter applied: the panel stands open
        (SEARCH, PHONE),
        ("/embed?departement=75", PHONE),
    ],
)
def test_the_first_result_within_five_tabs(open_tab: Callable[..., Tab], server: str, path: str, viewport) -> None:
    page = open_tab(viewport).page
    page.goto(server + path)
    first = page.locator("[data-results] .card-title a").first.inner_text().strip()
    for _ in range(5):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        if focus["card"]:
            break
        if focus["text"] == "Aller aux résultats":
            page.keyboard.press("Enter")
    assert focus["card"] and focus["text"] == first, focus


PAGES = {
    "home": "/",
    "results": SEARCH,
    "results-map": SEARCH + "&vue=carte",
    "results-filtered": SEARCH + "&frais_a_charge=gratuit",
    "open-data": "/donnees",
    "open-data-territory": "/donnees?lieu=54000",
    "embed": "/embed?epci=245400676",
    "embed-configure": "/embed/configurer",
    "print": "/imprimer?lieu=75019",
    "api-docs": "/api/docs",
    "orient": "/orienter",
}


def _venue_paths(server: str) -> dict[str, str]:
    first = httpx.get(server + "/api/lieux", params={"lieu": "75019", "par_page": 1}).json()["resultats"][0]["id"]
    return {"venue": f"/lieux/{first}", "venue-slip": f"/lieux/{first}/fiche"}


@pytest.mark.parametrize("viewport", [NARROW, ZOOMED], ids=["phone-320", "zoom-400"])
def test_no_page_scrolls_sideways_at_320_px(open_tab: Callable[..., Tab], server: str, viewport) -> None:
    tab = open_tab(viewport)
    page = tab.page
    wide: dict[str, list[str]] = {}
    for name, path in {**PAGES, **_venue_paths(server)}.items():
        assert page.goto(server + path).status == 200, name
        if page.locator("#carte.map").count():
            wait_for_map(page)
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            # Name the culprits: elements whose right edge passes the viewport.
            wide[name] = page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.leaflet-container'))
                .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
            )
    assert wide == {}
    tab.assert_healthy()


def test_at_400_percent_the_search_stays_usable(open_tab: Callable[..., Tab], server: str) -> None:
    """At 320 × 256 CSS pixels: the search can be typed and sent, the results read and opened."""
    tab = open_tab(ZOOMED)
    page = tab.page
    page.goto(server + "/")
    page.get_by_label("Votre besoin").fill("démarches administratives")
    page.get_by_label("Où ?").fill("75019")
    with page.expect_navigation():
        page.get_by_role("button", name="Rechercher", exact=True).click()
    link = page.locator("[data-results] .card-title a").first
    link.scroll_into_view_if_needed()
    box = link.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= ZOOMED["width"]
    with page.expect_navigation():
        link.click()
    assert "/lieux/" in page.url
    tab.assert_healthy()


def test_without_javascript_the_phone_map_view_leads_to_the_list(open_tab: Callable[..., Tab], server: str) -> None:
    tab = open_tab(PHONE, js=False)
    page = tab.page
    page.goto(server + SEARCH + "&vue=carte")
    fallback = page.locator("#carte .map-fallback")
    assert fallback.is_visible() and "JavaScript" in fallback.inner_text()
    # No tall empty box: the map's box holds the message, and the link to the list is on screen.
    box, text = page.locator("#carte").bounding_box(), fallback.bounding_box()
    assert box is not None and text is not None and box["height"] < text["height"] + 48
    link = fallback.get_by_role("link", name="Voir la liste des lieux")
    assert link.is_visible()
    with page.expect_navigation():
        link.click()
    assert "vue=carte" not in page.url and page.locator("[data-results]").is_visible()
    assert page.locator("[data-results] > li").count() == 20


AXE_PAGES = {
    "results-no-tiles": (SEARCH, DESKTOP),
    "results-map-phone-no-tiles": (SEARCH + "&vue=carte", PHONE),
    "open-data-phone": ("/donnees", PHONE),
    "embed-epci": ("/embed?epci=245400676", PHONE),
    "embed-configure-phone": ("/embed/configurer?epci=245400676", PHONE),
    "zoomed-results": (SEARCH, ZOOMED),
}


@pytest.mark.parametrize("name", AXE_PAGES)
def test_no_serious_accessibility_violation(open_tab: Callable[..., Tab], server: str, name: str) -> None:
    path, viewport = AXE_PAGES[name]
    page = open_tab(viewport, axe=True).page
    assert page.goto(server + path).status == 200
    if page.locator("#carte.map").count():
        wait_for_map(page)
    assert serious_violations(page) == []
