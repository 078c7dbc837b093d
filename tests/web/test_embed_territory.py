# SPDX-License-Identifier: Apache-2.0
"""The embed fixed to any territory the exports accept: a département, a commune with its
arrondissements, an intercommunality (EPCI) by SIREN, a box; its configuration page, and the
link to it from « Données ouvertes ». With the demo data (real venues, INSEE codes set
by the gazetteer at import)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from directory.config import Settings
from directory.search import SearchQuery
from directory.search.meili import search_request
from directory.web import create_app

pytestmark = pytest.mark.anyio

GRAND_NANCY = "245400676"  # Métropole du Grand Nancy
LYON = "69123"


@pytest.fixture(scope="module")
def demo_app(demo_store, places, tmp_path_factory: pytest.TempPathFactory) -> Starlette:
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("embed-territory")), demo_store, places)


@pytest.fixture
async def client(demo_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=demo_app), base_url="http://testserver") as c:
        yield c


def card_ids(html: str) -> list[str]:
    return re.findall(r'<li class="card" id="lieu-([^"]+)"', html)


async def everything(client: httpx.AsyncClient, **territory: str) -> list[str]:
    """Every venue id the embed lists for ``territory``, page after page."""
    ids: list[str] = []
    for page in range(1, 20):
        r = await client.get("/embed", params={**territory, "par_page": 100, "page": page})
        assert r.status_code == 200
        ids += card_ids(r.text)
        if 'rel="next"' not in r.text:
            return ids
    raise AssertionError("too many pages")


async def test_an_intercommunality_shows_the_venues_of_its_communes(client, demo_app, places) -> None:
    members = set(places.communes_of_epci(GRAND_NANCY))
    ids = await everything(client, epci=GRAND_NANCY)
    venues = demo_app.state.store.venues(ids)
    assert len(ids) >= 10 and all(venues[i].code_insee in members for i in ids)
    # More than Nancy alone, and the same set the export gives for this EPCI.
    assert {venues[i].code_insee for i in ids} - {"54395"}
    geojson = (await client.get("/export/lieux.geojson", params={"epci": GRAND_NANCY})).json()
    assert {f["id"] for f in geojson["features"]} == set(ids)
    # The map of the embed holds the same venues.
    points = (await client.get("/api/carte", params={"epci": GRAND_NANCY})).json()["points"]
    assert {row[2] for row in points} == {i for i in ids if venues[i].point is not None}


async def test_a_commune_includes_its_arrondissements(client, demo_app) -> None:
    ids = await everything(client, commune=LYON)
    insee = {demo_app.state.store.venues(ids)[i].code_insee for i in ids}
    assert len(insee) > 3 and all(code.startswith("6938") for code in insee)  # 69381…69389
    assert len(await everything(client, code_insee=LYON)) < len(ids)  # the exact code holds none of them


async def test_a_box_shows_the_venues_inside_it(client, demo_app) -> None:
    box = "48.65,6.12,48.72,6.23"  # Nancy and its first neighbours
    ids = await everything(client, bbox=box)
    venues = demo_app.state.store.venues(ids)
    assert len(ids) >= 5
    assert all(48.65 <= venues[i].latitude <= 48.72 and 6.12 <= venues[i].longitude <= 6.23 for i in ids)
    geojson = (await client.get("/export/lieux.geojson", params={"bbox": box})).json()
    assert {f["id"] for f in geojson["features"]} == set(ids)


async def test_the_api_takes_them_too(client) -> None:
    api = (await client.get("/api/lieux", params={"epci": GRAND_NANCY, "par_page": 100})).json()
    assert api["total"] == len(await everything(client, epci=GRAND_NANCY))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"epci": "123456789"}, "epci"),
        ({"commune": "99999"}, "commune"),
        ({"commune": LYON, "epci": GRAND_NANCY}, "epci"),
        ({"bbox": "48.72,6.12,48.65,6.23"}, "bbox"),  # north below south
    ],
)
async def test_an_unknown_territory_is_said_in_french(client, params, field) -> None:
    page = await client.get("/embed", params=params)
    assert page.status_code == 400 and f"(paramètre « {field} »)" in unescape(page.text)
    api = await client.get("/api/lieux", params=params)
    assert api.status_code == 400 and api.headers["content-type"].startswith("application/problem+json")
    assert field in {e["field"] for e in api.json()["errors"]}
    configure = await client.get("/embed/configurer", params=params)
    assert configure.status_code == 400 and f"{field} :" in unescape(configure.text)


async def test_the_configuration_builds_an_intercommunality_s_snippet(client) -> None:
    page = await client.get("/embed/configurer", params={"epci": GRAND_NANCY, "hauteur": "500"})
    assert page.status_code == 200 and f'id="epci" name="epci" value="{GRAND_NANCY}"' in page.text
    snippet = unescape(re.search(r'<textarea id="snippet"[^>]*>(.*?)</textarea>', page.text, flags=re.S).group(1))
    assert parse_qs(urlsplit(re.search(r'src="([^"]+)"', snippet).group(1)).query) == {"epci": [GRAND_NANCY]}
    preview = re.search(r'<iframe class="embed-preview" src="([^"]+)"', page.text).group(1)
    assert card_ids((await client.get(unescape(preview))).text)


async def test_open_data_links_to_the_embed_configuration(client) -> None:
    page = await client.get("/donnees")
    assert re.search(r'<a href="/embed/configurer">[^<]+</a>', page.text)


def test_meilisearch_is_asked_the_same_communes() -> None:
    body = search_request(SearchQuery(communes=("54395", "54547"), bbox=(48.65, 6.12, 48.72, 6.23)))
    assert 'code_insee IN ["54395", "54547"]' in body["filter"]
    assert "_geoBoundingBox([48.72, 6.23], [48.65, 6.12])" in body["filter"]
