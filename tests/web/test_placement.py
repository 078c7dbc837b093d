# SPDX-License-Identifier: Apache-2.0
"""A point at the commune's centre is said to be approximate, and leads no one astray (issue 13, item 8).

Observed: a venue placed at its commune's centre (no address the geocoder
could place) was shown, and offered to route planners, as if its point were
its door. The venue page, the search result card and the map popup now say
« position approximative », and the venue page offers no route for it.
Also: a pivot failing the SIRET check is not shown as a SIRET (item 9).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from directory.config import Settings
from directory.places import Gazetteer
from directory.schema import Service, Venue, parse_venue
from directory.store import Incoming, SourceInfo, utcnow
from directory.web import create_app

from ..serving import ServerThread
from .browsing import VIEWPORTS, all_violations
from .seeding import make_store
from .test_pages import text_of

LYON_3 = (45.7592, 4.8495)  # the commune's point (Lyon 3e), not a door


def record(record_id: str, name: str, point: tuple[float, float] | None, pivot: str) -> Venue:
    result = parse_venue(
        {
            "id": record_id,
            "pivot": pivot,
            "nom": name,
            "commune": "Lyon",
            "code_postal": "69003",
            "code_insee": "69383",
            "adresse": "rue introuvable",
            "date_maj": "2026-01-15",
            "latitude": point[0] if point else None,
            "longitude": point[1] if point else None,
            "services": Service.DEMARCHES.label,
        }
    )
    assert result.venue is not None, result.problems
    return result.venue


@pytest.fixture(scope="module")
def placed(places: Gazetteer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Starlette, dict[str, str]]:
    folder = tmp_path_factory.mktemp("placed")
    store = make_store(folder)
    items = [
        # what a harvest stores when no address could be placed: the commune's point, geo_method « commune »
        Incoming(
            "approx",
            record("approx", "Espace numérique sans adresse sûre", None, "12345678901234"),
            geo_method="commune",
            geo_point=LYON_3,
        ),
        Incoming(
            "exact",
            record("exact", "Espace numérique bien placé", (45.7605, 4.8590), "43493312300029"),
            geo_method="producteur",
        ),
    ]
    with store.writer() as w:
        w.ensure_source(SourceInfo("src", "Source test"))
        outcomes = w.apply_many("src", items, at=utcnow())
    return create_app(Settings(data_dir=folder), store, places), {
        i.record_id: o.venue_id for i, o in zip(items, outcomes)
    }


@pytest.fixture
async def client(placed: tuple[Starlette, dict[str, str]]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=placed[0]), base_url="http://testserver") as c:
        yield c


ROUTES = ("openstreetmap.org/directions", "google.com/maps/dir", "maps.apple.com", "geo:")


@pytest.mark.anyio
async def test_the_venue_page_says_approximate_and_offers_no_route(client, placed) -> None:
    r = await client.get(f"/lieux/{placed[1]['approx']}")
    assert r.status_code == 200
    page = text_of(r.text)
    assert "Position approximative" in page and "placé au centre de sa commune" in page
    assert not any(route in r.text for route in ROUTES)
    assert "Itinéraire" not in page
    assert "https://www.openstreetmap.org/search?query=rue+introuvable%2C+69003+Lyon" in r.text
    (data,) = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', r.text, re.S)]
    assert "geo" not in data and data["address"]["postalCode"] == "69003"
    assert "SIRET :" not in page and "12345678901234" not in page  # it fails the check


@pytest.mark.anyio
async def test_a_precise_venue_keeps_its_routes(client, placed) -> None:
    r = await client.get(f"/lieux/{placed[1]['exact']}")
    page = text_of(r.text)
    assert "Position approximative" not in page
    assert all(route in r.text for route in ROUTES)
    assert "SIRET : 43493312300029" in page


@pytest.mark.anyio
async def test_the_search_card_says_approximate(client, placed) -> None:
    r = await client.get("/", params={"lieu": "69003"})
    assert r.status_code == 200
    cards = {m.group(1): m.group(0) for m in re.finditer(r'<li class="card" id="lieu-([^"]+)".*?\n</li>', r.text, re.S)}
    assert set(cards) == set(placed[1].values())
    assert "Position approximative" in text_of(cards[placed[1]["approx"]])
    assert "Position approximative" not in text_of(cards[placed[1]["exact"]])


@pytest.mark.anyio
async def test_the_map_popup_says_approximate(client, placed) -> None:
    approx = await client.get(f"/carte/lieux/{placed[1]['approx']}")
    exact = await client.get(f"/carte/lieux/{placed[1]['exact']}")
    assert "Position approximative" in text_of(approx.text)
    assert "Position approximative" not in text_of(exact.text)


@pytest.fixture(scope="module")
def placed_server(placed: tuple[Starlette, dict[str, str]]) -> Iterator[str]:
    with ServerThread(placed[0], name="placed-app") as base_url:
        yield base_url


@pytest.mark.browser
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_approximate_venue_page_and_its_card_have_no_accessibility_violation(
    browser: Any, placed_server: str, placed: tuple[Starlette, dict[str, str]], size: str
) -> None:
    context = browser.new_context(viewport=VIEWPORTS[size], locale="fr-FR", bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{placed_server}/lieux/{placed[1]['approx']}")
        assert page.locator(".approximate").is_visible()
        assert page.locator("a", has_text="Itinéraire").count() == 0
        assert all_violations(page) == []
        page.goto(f"{placed_server}/?lieu=69003")
        assert page.locator(f"#lieu-{placed[1]['approx']} .card-approximate").is_visible()
        assert all_violations(page) == []
    finally:
        context.close()
