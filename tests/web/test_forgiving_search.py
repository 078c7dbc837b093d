# SPDX-License-Identifier: Apache-2.0
"""Search that forgives, on the page and the API, with the demo data (~3,400 real venues):
word forms and typos of common words, the weekend / evening / wheelchair filters with their counts,
a postcode's places first within a radius the page states."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date
from html import unescape

import httpx
import pytest
from starlette.applications import Starlette

from directory.config import Settings
from directory.schema import haversine_m
from directory.schema.derived import derived_terms
from directory.web import create_app

pytestmark = pytest.mark.anyio

TERRITORY = {"departement": "74"}  # Haute-Savoie: 48 demo venues open at the weekend, 38 in the evening


@pytest.fixture(scope="module")
def demo_app(demo_store, places, tmp_path_factory: pytest.TempPathFactory) -> Starlette:
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("forgiving")), demo_store, places)


@pytest.fixture
async def client(demo_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=demo_app), base_url="http://testserver") as c:
        yield c


def card_ids(html: str) -> list[str]:
    return re.findall(r'<li class="card" id="lieu-([^"]+)"', html)


def offered(html: str, name: str, value: str) -> int | None:
    """The count the filter panel shows beside a choice (None: not offered)."""
    found = re.search(rf'name="{name}" value="{value}"[^>]*>\s*<label[^>]*>([^<]+)<span class="count">\((\d+)<', html)
    return int(found.group(2)) if found else None


async def test_weekend_and_evening_are_choices_with_counts(client: httpx.AsyncClient, demo_app) -> None:
    everything = await client.get("/", params={**TERRITORY, "par_page": 100})
    assert "Horaires élargis" in everything.text and "Ouvert le week-end" in everything.text
    for code in ("week-end", "soiree"):
        count = offered(everything.text, "creneaux", code)
        assert count is not None and 0 < count < len(card_ids(everything.text)), code
        narrowed = await client.get("/", params={**TERRITORY, "creneaux": code, "par_page": 100})
        ids = card_ids(narrowed.text)
        assert len(ids) == count and f'value="{code}" checked' in narrowed.text
        venues = demo_app.state.store.venues(ids)
        assert all(code in derived_terms(venues[i], date.today())["creneaux"] for i in ids)


async def test_wheelchair_is_asked_even_when_no_place_says_yes(client: httpx.AsyncClient) -> None:
    page = await client.get("/", params={**TERRITORY, "par_page": 100})
    assert "Accessibilité" in page.text and offered(page.text, "accessibilite", "fauteuil-roulant") == 0
    api = await client.get("/api/lieux", params={**TERRITORY, "accessibilite": "fauteuil-roulant"})
    assert api.status_code == 200 and api.json()["total"] == 0


async def test_the_api_filters_and_counts_them(client: httpx.AsyncClient) -> None:
    api = await client.get("/api/lieux", params={**TERRITORY, "creneaux": "soiree", "par_page": 100})
    body = api.json()
    assert body["total"] > 0 and body["facettes"]["creneaux"]["soiree"] == body["total"]
    page = await client.get("/", params={**TERRITORY, "creneaux": "soiree", "par_page": 100})
    assert [r["id"] for r in body["resultats"]] == card_ids(page.text)
    wrong = await client.get("/api/lieux", params={"creneaux": "la-nuit"})
    assert wrong.status_code == 400 and wrong.headers["content-type"].startswith("application/problem+json")
    assert wrong.json()["errors"][0]["field"] == "creneaux"


async def test_the_api_document_describes_them(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/openapi.json")).json()
    parameters = {p["name"]: p for p in document["paths"]["/api/lieux"]["get"]["parameters"]}
    assert parameters["creneaux"]["schema"]["items"]["enum"] == ["week-end", "soiree"]
    assert parameters["accessibilite"]["schema"]["items"]["enum"] == ["fauteuil-roulant"]
    assert "Handicaps moteurs" in parameters["accessibilite"]["description"]


@pytest.mark.parametrize(
    ("typed", "meant"), [("tablettes", "tablette"), ("smarphone", "smartphone"), ("démarche", "démarches")]
)
async def test_word_forms_and_typos_find_what_the_word_finds(client: httpx.AsyncClient, typed: str, meant: str) -> None:
    near = {"lieu": "69008", "par_page": 50}
    found = (await client.get("/api/lieux", params={**near, "q": typed})).json()
    expected = (await client.get("/api/lieux", params={**near, "q": meant})).json()
    assert found["total"] > 0 and [r["id"] for r in found["resultats"]] == [r["id"] for r in expected["resultats"]]


# -- a postcode search ------------------------------------------------------------------------


async def test_a_postcode_lists_its_places_first_within_a_radius_it_says(client: httpx.AsyncClient, demo_store) -> None:
    body = (await client.get("/api/lieux", params={"lieu": "69008", "par_page": 100})).json()
    extent = body["etendue"]
    assert extent["code_postal"] == "69008" and extent["rayon_choisi"] is True
    radius_m = extent["rayon_km"] * 1000
    place = body["lieu"]
    within = [
        venue_id
        for venue_id, venue, _keys in demo_store.match_projection()
        if venue.point and haversine_m(place["latitude"], place["longitude"], *venue.point) <= radius_m
    ]
    assert 20 <= body["total"] == len(within) < 2000  # a page at least, not the whole of France
    results = body["resultats"]
    first = extent["dans_le_code_postal"]
    assert first > 0 and {r["lieu"]["code_postal"] for r in results[:first]} == {"69008"}
    assert all(r["lieu"]["code_postal"] != "69008" for r in results[first:])
    assert all(r["distance_m"] <= radius_m + 1 for r in results)
    rest = [r["distance_m"] for r in results[first:]]
    assert rest == sorted(rest) and {r["id"] for r in results} == set(within)
    # Pages go on in the same order.
    paged = [
        r["id"]
        for page in (1, 2)
        for r in (await client.get("/api/lieux", params={"lieu": "69008", "par_page": 10, "page": page})).json()[
            "resultats"
        ]
    ]
    assert paged == [r["id"] for r in results[:20]]
    # The map shows the same places, in the same order.
    points = (await client.get("/api/carte", params={"lieu": "69008"})).json()["points"]
    assert [p[2] for p in points] == [r["id"] for r in results]


async def test_the_page_says_how_far_and_offers_to_widen(client: httpx.AsyncClient) -> None:
    page = await client.get("/", params={"lieu": "69008"})
    extent = (await client.get("/api/lieux", params={"lieu": "69008"})).json()["etendue"]
    count = re.search(r'<p class="results-count"[^>]*>(.*?)</p>', page.text, flags=re.S)
    assert count is not None
    said = " ".join(unescape(count.group(1)).split())
    assert f"lieux à moins de {extent['rayon_km']:g} km, les {extent['dans_le_code_postal']} du 69008 d'abord." in said
    wider = re.search(r'<p class="extent-wider">(.*?)<a href="([^"]+)">Élargir à (\d+)', page.text, flags=re.S)
    assert wider is not None and int(wider.group(3)) == extent["elargir_km"]
    assert " ".join(unescape(wider.group(1)).split()) == f"La liste s'arrête à {extent['rayon_km']:g} km du 69008."
    widened = await client.get(unescape(wider.group(2)))
    assert widened.status_code == 200 and f"à moins de {extent['elargir_km']}" in unescape(widened.text)
    api = (await client.get("/api/lieux", params={"lieu": "69008", "rayon": extent["elargir_km"]})).json()
    assert api["etendue"]["rayon_choisi"] is False and api["total"] > 0


async def test_a_commune_or_a_point_is_still_nearest_first(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/lieux", params={"lieu": "Lyon 8e"})).json()["etendue"] is None
    assert (await client.get("/api/lieux", params={"lat": "45.7363", "lon": "4.8687"})).json()["etendue"] is None
