# SPDX-License-Identifier: Apache-2.0
"""The search pages as a new user meets them, in headless Chromium, with the demo data.

One uvicorn server on loopback serves a store filled from ``fixtures/demo``
(~3,400 real venues, imported once per session) so that "75019" + "démarches
administratives" gives realistic results. Every request the browser makes
beyond loopback is aborted (there is no internet: map tiles fail, and the pages
must still work). Checked: search by postcode on a phone, a filter applied and
removed, map markers and list in agreement, "back" from a venue page, the whole
flow with the keyboard only, the pages without JavaScript, and axe-core on
every search page.

Needs Debian's Chromium, axe-core in ``node_modules`` and Playwright's Python
package; without them the tests are skipped, except under ``CI``: then they fail.
Set ``SCREENSHOTS_DIR`` (e.g. ``docs/screenshots``) to keep the screenshots of the
"Done when" steps (``search-*.png``); otherwise they go to the test's temporary folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from directory.config import Settings
from directory.places import Gazetteer
from directory.store import Store
from directory.web import create_app

from ..serving import ServerThread
from .browsing import DESKTOP, PHONE, Tab, open_page, serious_violations

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]

NEED, PLACE = "démarches administratives", "75019"
SEARCH = "/?" + urlencode({"q": NEED, "lieu": PLACE})
DISTANCE = re.compile(r"^à\s\d+(,\d+)?\s(m|km)$")  # "à 850 m", "à 7,6 km" (no-break spaces)
OPEN_STATE = re.compile(r"^(Ouvert|Fermé)\b")


# --- The server: the demo data behind the real app ------------------------------------------


@pytest.fixture(scope="module")
def demo_app(demo_store: Store, places: Gazetteer, tmp_path_factory: pytest.TempPathFactory) -> Starlette:
    # No geocoder: places are found in the offline commune table. Tiles keep their
    # default (internet) address: the browser cannot reach it, as on a bad connection.
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("browser-demo-data")), demo_store, places)


@pytest.fixture(scope="module")
def server(demo_app: Starlette) -> Iterator[str]:
    with ServerThread(demo_app, name="browser-search") as base_url:
        yield base_url


# --- Helpers ----------------------------------------------------------------------------------


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def card_ids(page: Any) -> list[str]:
    return page.locator("[data-results] > li").evaluate_all("cards => cards.map(c => c.dataset.id)")


def total_of(page: Any) -> int:
    """The number of results the summary announces ("409 lieux pour …")."""
    text = page.locator(".results-count").inner_text()
    match = re.search(r"(\d[\d\u202f\u00a0 ]*) lieux?", text)
    assert match, text
    return int(re.sub(r"\D", "", match.group(1)))


def wait_for_map(page: Any) -> None:
    """map.js has drawn the map and the clustered points have arrived."""
    page.wait_for_selector("#carte[data-ready=true][data-loaded]", state="attached")
    assert page.get_attribute("#carte", "data-loaded") != "error"


def search_from_home(page: Any, server: str) -> None:
    page.goto(server + "/")
    page.get_by_label("Votre besoin").fill(NEED)
    page.get_by_label("Où ?").fill(PLACE)
    with page.expect_navigation():
        page.get_by_role("button", name="Rechercher", exact=True).click()


# --- 1. Search by postcode on a phone ---------------------------------------------------------


def test_search_by_postcode_on_a_phone(open_tab: Callable[..., Tab], server: str) -> None:
    tab = open_tab(PHONE)
    page = tab.page
    search_from_home(page, server)
    query = query_of(page.url)
    assert query["q"] == [NEED] and query["lieu"] == [PLACE]  # the state is in the address
    assert page.get_by_role("heading", level=2).first.inner_text().startswith("Autour de Paris 19e")
    cards = page.locator("[data-results] > li")
    assert cards.count() == 20
    distances = cards.locator(".card-distance").all_inner_texts()
    assert len(distances) == 20 and all(DISTANCE.match(d.strip()) for d in distances), distances
    metres = [float(d.split()[1].replace(",", ".")) * (1000 if d.strip().endswith("km") else 1) for d in distances]
    assert metres == sorted(metres)  # nearest first
    states = cards.locator(".open-state").all_inner_texts()
    assert len(states) >= 10 and all(OPEN_STATE.match(s.strip()) for s in states), states
    assert total_of(page) > 20
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways scroll
    tab.assert_healthy()


# --- 2. A filter, applied and removed ---------------------------------------------------------


def test_filter_applied_then_removed_by_its_chip(open_tab: Callable[..., Tab], server: str) -> None:
    tab = open_tab(PHONE)
    page = tab.page
    page.goto(server + SEARCH)
    before_total, before_ids = total_of(page), card_ids(page)
    assert page.locator(".active-filters").count() == 0
    page.get_by_text("Filtrer les résultats").click()  # opens the <details>
    # The "Frais" facet: a checkbox whose count is neither 0 nor every result.
    boxes = page.locator(".filters-form input[type=checkbox][name=frais_a_charge]")
    chosen = None
    for i in range(boxes.count()):
        label = page.locator(f"label[for='{boxes.nth(i).get_attribute('id')}']").inner_text()
        count = int(re.search(r"\((\d+)", label).group(1))  # type: ignore[union-attr]
        if 0 < count < before_total:
            chosen, expected, code, name = boxes.nth(i), count, boxes.nth(i).get_attribute("value"), label
            break
    assert chosen is not None, "no Frais facet narrows the results"
    chosen.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Appliquer les filtres").click()
    assert query_of(page.url)["frais_a_charge"] == [code]
    assert query_of(page.url)["q"] == [NEED] and query_of(page.url)["lieu"] == [PLACE]
    assert total_of(page) == expected != before_total  # the count the facet announced
    chip = page.locator(".active-filters a")
    assert chip.count() == 1
    assert chip.inner_text().startswith(name.split(" (")[0])
    with page.expect_navigation():
        chip.click()
    assert "frais_a_charge" not in query_of(page.url)
    assert total_of(page) == before_total and card_ids(page) == before_ids
    assert page.locator(".active-filters").count() == 0
    tab.assert_healthy()


# --- 3. Map and list agree --------------------------------------------------------------------


def test_map_markers_and_list_agree(open_tab: Callable[..., Tab], server: str) -> None:
    tab = open_tab(DESKTOP)
    page = tab.page
    page.goto(server + SEARCH)
    wait_for_map(page)
    cards = page.locator("[data-results] > li").evaluate_all(
        "cards => cards.map(c => [Number(c.dataset.rank), c.dataset.id, 'lat' in c.dataset])"
    )
    assert len(cards) == 20 and all(has_point for _r, _id, has_point in cards)
    numbered = page.locator("#carte .leaflet-marker-icon.marker-rank").evaluate_all(
        "els => els.map(e => [Number(e.textContent.trim()), e.dataset.id])"
    )
    assert sorted(numbered) == [[rank, venue_id] for rank, venue_id, _p in cards]
    # The clustered layer holds the whole search, as /api/carte gives it, and no card twice.
    loaded = int(page.get_attribute("#carte", "data-loaded"))
    api = httpx.get(server + "/api/carte", params={"q": NEED, "lieu": PLACE}).json()
    assert loaded == api["total"] == len(api["points"]) == total_of(page)
    assert {venue_id for _r, venue_id, _p in cards} <= {row[2] for row in api["points"]}
    dots = page.locator("#carte .leaflet-marker-icon.marker-dot").evaluate_all("els => els.map(e => e.dataset.id)")
    assert not set(dots) & {venue_id for _r, venue_id, _p in cards}
    clusters = page.locator("#carte .marker-cluster")
    assert clusters.count() > 0  # the others are clustered, each named for what it holds
    assert re.fullmatch(r"\d+ lieux : zoomer sur ce groupe", clusters.first.text_content())
    zoom = page.locator("#carte .leaflet-control-zoom a").evaluate_all("els => els.map(e => e.ariaLabel)")
    assert zoom == ["Zoom avant", "Zoom arrière"]  # in French, like the page
    # The map works without tiles: markers shown, the blocked tiles were the only losses.
    assert tab.blocked and all("tile.openstreetmap.org" in url for url in tab.blocked)
    # A numbered marker's popup loads the card of the same venue.
    _rank, first_id, _p = cards[0]
    page.locator(f"#carte .marker-rank[data-id='{first_id}']").click()
    popup = page.locator("#carte .leaflet-popup .map-card")
    popup.wait_for()
    assert popup.locator(".map-card-title a").get_attribute("href").endswith(f"/lieux/{first_id}")
    tab.assert_healthy()


def test_list_and_map_toggle_on_a_phone(open_tab: Callable[..., Tab], server: str) -> None:
    """On a phone the toggle shows one of list or map, and the one chosen is on screen at once."""
    tab = open_tab(PHONE)
    page = tab.page
    page.goto(server + SEARCH)
    assert page.locator("#carte").is_hidden() and page.locator("[data-results]").is_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Carte", exact=True).click()
    assert query_of(page.url)["vue"] == ["carte"]
    wait_for_map(page)
    assert page.locator("[data-results]").is_hidden()
    box = page.locator("#carte").bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    assert page.locator("#carte .marker-rank").count() == 20
    with page.expect_navigation():
        page.get_by_role("link", name="Liste", exact=True).click()
    assert page.locator("[data-results]").is_visible() and page.locator("#carte").is_hidden()
    tab.assert_healthy()


# --- 4. Back from a venue page ----------------------------------------------------------------


def test_back_from_a_venue_page_gives_the_same_results(open_tab: Callable[..., Tab], server: str) -> None:
    tab = open_tab(PHONE)
    page = tab.page
    page.goto(server + SEARCH + "&page=2")
    url, ids = page.url, card_ids(page)
    fifth = page.locator("[data-results] > li").nth(4)
    fifth.scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 0
    with page.expect_navigation():
        fifth.locator(".card-title a").click()
    assert urlsplit(page.url).path == f"/lieux/{ids[4]}"
    with page.expect_navigation():
        page.evaluate("history.back()")
    assert page.url == url
    assert card_ids(page) == ids
    # Same place on the page: the card that was opened is on screen again.
    page.wait_for_function(f"() => Math.abs(window.scrollY - {scrolled}) < 50", timeout=5_000)
    box = page.locator("[data-results] > li").nth(4).bounding_box()
    assert box is not None and 0 <= box["y"] < PHONE["height"]
    tab.assert_healthy()


# --- 5. Keyboard only -------------------------------------------------------------------------

FOCUS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), text: (el.textContent || '').trim().slice(0, 60),
    id: el.id, cls: typeof el.className === 'string' ? el.className : '',
    visible: el.matches(':focus-visible'), outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
    cardLink: !!el.closest('[data-results] .card-title'),
  };
}"""


def _tab_to(page: Any, until: Callable[[dict[str, Any]], bool], limit: int = 40) -> dict[str, Any]:
    """Press Tab until ``until(focus)``, checking on the way that every focus is visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        assert focus["visible"] and focus["outline"] != "none" and focus["width"] >= 2, focus
        if until(focus):
            return focus
    raise AssertionError(f"not reached in {limit} presses of Tab")


def test_whole_flow_with_the_keyboard_only(open_tab: Callable[..., Tab], server: str) -> None:
    tab = open_tab(DESKTOP)
    page = tab.page
    page.goto(server + "/")
    focus = _tab_to(page, lambda f: True, limit=1)
    assert focus["text"] == "Aller au contenu"  # the skip link comes first
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
    _tab_to(page, lambda f: f["id"] == "q", limit=1)  # the need, first field of the content
    page.keyboard.type(NEED)
    _tab_to(page, lambda f: f["id"] == "lieu", limit=1)
    page.keyboard.type(PLACE)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert query_of(page.url)["lieu"] == [PLACE] and query_of(page.url)["q"] == [NEED]
    first = card_ids(page)[0]
    focus = _tab_to(page, lambda f: f["cardLink"])
    assert focus["text"] == page.locator("[data-results] .card-title a").first.inner_text().strip()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == f"/lieux/{first}"
    tab.assert_healthy()


def test_map_markers_are_reachable_with_the_keyboard(open_tab: Callable[..., Tab], server: str) -> None:
    tab = open_tab(DESKTOP)
    page = tab.page
    page.goto(server + SEARCH)
    wait_for_map(page)
    page.locator("[data-results] > li").last.locator(".card-title a").focus()
    focus = _tab_to(page, lambda f: "marker-rank" in f["cls"], limit=60)
    assert focus["text"] == "1"
    venue_id = page.evaluate("document.activeElement.dataset.id")
    page.keyboard.press("Enter")
    # The popup takes the focus on its link to the venue, and gives it back when closed.
    page.wait_for_function("() => document.activeElement.closest('.leaflet-popup .map-card-title') !== null")
    assert page.evaluate("document.activeElement.getAttribute('href')").endswith(f"/lieux/{venue_id}")
    focus = _tab_to(page, lambda f: "leaflet-popup-close-button" in f["cls"], limit=5)
    assert page.evaluate("document.activeElement.ariaLabel") == "Fermer la fiche"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.classList.contains('marker-rank')")
    page.locator("#carte .leaflet-popup").wait_for(state="detached")
    assert page.evaluate("document.activeElement.dataset.id") == venue_id
    tab.assert_healthy()


# --- 6. Without JavaScript --------------------------------------------------------------------


def test_search_and_pages_work_without_javascript(open_tab: Callable[..., Tab], server: str) -> None:
    tab = open_tab(PHONE, js=False)
    page = tab.page
    search_from_home(page, server)
    assert query_of(page.url)["lieu"] == [PLACE]
    assert page.locator("[data-results] > li").count() == 20
    assert page.locator(".card-distance").first.inner_text().startswith("à ")
    with page.expect_navigation():
        page.get_by_role("link", name="Page suivante").click()
    assert query_of(page.url)["page"] == ["2"]
    assert page.locator("[data-results] > li").first.get_attribute("data-rank") == "21"
    # The map view keeps its place and says why there is no map; the list is one link away.
    with page.expect_navigation():
        page.get_by_role("link", name="Carte", exact=True).click()
    assert query_of(page.url)["vue"] == ["carte"] and query_of(page.url)["page"] == ["2"]
    fallback = page.locator("#carte .map-fallback")
    assert fallback.is_visible() and "JavaScript" in fallback.inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="Liste", exact=True).click()
    with page.expect_navigation():
        page.locator("[data-results] .card-title a").first.click()
    assert urlsplit(page.url).path.startswith("/lieux/")
    assert tab.blocked == []  # nothing asked beyond the server without JavaScript


# --- 7. axe-core ------------------------------------------------------------------------------

AXE_PAGES = {
    "home": ("/", PHONE),
    "results-list-phone": (SEARCH, PHONE),
    "results-map-phone": (SEARCH + "&vue=carte", PHONE),
    "results-desktop": (SEARCH, DESKTOP),
    "embed": ("/embed?departement=75&services=aide-aux-demarches-administratives", PHONE),
    "embed-configure": ("/embed/configurer", DESKTOP),
    "print": ("/imprimer?lieu=75019", DESKTOP),
}


@pytest.mark.parametrize("name", AXE_PAGES)
def test_no_serious_accessibility_violation(open_tab: Callable[..., Tab], server: str, name: str) -> None:
    path, viewport = AXE_PAGES[name]
    page = open_tab(viewport, axe=True).page
    response = page.goto(server + path)
    assert response.status == 200
    if page.locator("#carte").count():
        wait_for_map(page)
    # Nothing is excluded: Leaflet's markup is checked too (map.js labels its markers).
    assert serious_violations(page) == []


# --- Screenshots of the "Done when" steps -----------------------------------------------------


def test_screenshots_of_the_search(browser: Any, server: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    if not folder.is_absolute():
        folder = ROOT / folder
    folder.mkdir(parents=True, exist_ok=True)
    shots = [
        ("home-phone", "/", PHONE),
        ("results-list-phone", SEARCH, PHONE),
        ("results-map-phone", SEARCH + "&vue=carte#resultats-titre", PHONE),  # as the "Carte" link leads
        ("home-desktop", "/", DESKTOP),
        ("results-desktop", SEARCH, DESKTOP),
    ]
    for name, path, viewport in shots:
        context, tab = open_page(browser, viewport)
        try:
            tab.page.goto(server + path)
            if tab.page.locator("#carte").count():
                wait_for_map(tab.page)
                tab.page.wait_for_timeout(300)  # the clusters' fade-in
            tab.page.screenshot(path=str(folder / f"search-{name}.png"))
            tab.assert_healthy()
        finally:
            context.close()
