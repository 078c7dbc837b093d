# SPDX-License-Identifier: Apache-2.0
"""Search that forgives, on the page and the API, with the demo data (~3,400 real venues):
word forms and typos of common words, the weekend / evening / wheelchair filters with their counts."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
from starlette.applications import Starlette

from directory.config import Settings
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
