# SPDX-License-Identifier: Apache-2.0
"""« Accepte le Pass numérique » and the other ``conditions_frais`` values as filters:
a visible choice with its count on the search page, a filter of the embed and of
its configuration; with the demo data (real Hinaura venues accepting the Pass)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from directory.config import Settings
from directory.schema import NATIONAL_FIELDS, ConditionFrais
from directory.web import create_app

pytestmark = pytest.mark.anyio

PASS = ConditionFrais.PASS_NUMERIQUE
TERRITORY = {"departement": "26"}  # the Drôme: 28 demo venues accept the Pass numérique


@pytest.fixture(scope="module")
def demo_app(demo_store, places, tmp_path_factory: pytest.TempPathFactory) -> Starlette:
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("conditions")), demo_store, places)


@pytest.fixture
async def client(demo_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=demo_app), base_url="http://testserver") as c:
        yield c


def card_ids(html: str) -> list[str]:
    return re.findall(r'<li class="card" id="lieu-([^"]+)"', html)


def offered(html: str, value: str) -> int | None:
    """The count the filter panel shows beside a ``conditions_frais`` choice (None: not offered)."""
    found = re.search(
        rf'name="conditions_frais" value="{value}"[^>]*>\s*<label[^>]*>([^<]+)<span class="count">\((\d+)<', html
    )
    return int(found.group(2)) if found else None


async def test_the_search_page_offers_pass_numerique_with_its_count(client: httpx.AsyncClient, demo_app) -> None:
    everything = await client.get("/", params={**TERRITORY, "par_page": 100})
    count = offered(everything.text, PASS.code)
    assert count is not None and 0 < count < len(card_ids(everything.text))
    assert "Pass numérique et conditions" in everything.text and "Accepte le Pass numérique" in everything.text

    narrowed = await client.get("/", params={**TERRITORY, "conditions_frais": PASS.code, "par_page": 100})
    ids = card_ids(narrowed.text)
    assert len(ids) == count
    venues = demo_app.state.store.venues(ids)
    assert all(PASS in venues[i].conditions_frais for i in ids)
    assert offered(narrowed.text, PASS.code) == count and 'value="pass-numerique" checked' in narrowed.text
    # Its chip says it in words and removes it, keeping the rest of the search.
    chip = re.search(r'<ul class="active-filters".*?<a href="([^"]+)">([^<]+)<', narrowed.text, flags=re.S)
    assert chip is not None and chip.group(2) == "Accepte le Pass numérique"
    assert parse_qs(urlsplit(unescape(chip.group(1))).query) == {"departement": ["26"], "par_page": ["100"]}


async def test_the_api_and_the_page_agree(client: httpx.AsyncClient) -> None:
    page = await client.get("/", params={**TERRITORY, "conditions_frais": PASS.code, "par_page": 100})
    api = await client.get("/api/lieux", params={**TERRITORY, "conditions_frais": PASS.code, "par_page": 100})
    assert [r["id"] for r in api.json()["resultats"]] == card_ids(page.text)
    assert api.json()["facettes"]["conditions_frais"][PASS.code] == api.json()["total"]


async def test_the_embed_filters_on_it_and_its_configuration_offers_it(client: httpx.AsyncClient) -> None:
    page = await client.get("/", params={**TERRITORY, "conditions_frais": PASS.code, "par_page": 100})
    embed = await client.get("/embed", params={**TERRITORY, "conditions_frais": PASS.code, "par_page": 100})
    assert embed.status_code == 200 and card_ids(embed.text) == card_ids(page.text)

    configure = await client.get("/embed/configurer")
    assert re.search(r'name="conditions_frais" value="pass-numerique"', configure.text)
    assert "Accepte le Pass numérique" in configure.text
    chosen = await client.get("/embed/configurer", params={**TERRITORY, "conditions_frais": PASS.code})
    assert 'value="pass-numerique" checked' in chosen.text
    snippet = unescape(re.search(r'<textarea id="snippet"[^>]*>(.*?)</textarea>', chosen.text, flags=re.S).group(1))
    src = re.search(r'src="([^"]+)"', snippet).group(1)
    assert parse_qs(urlsplit(src).query) == {"departement": ["26"], "conditions_frais": ["pass-numerique"]}


async def test_the_extended_csv_download_says_it_for_the_same_venues(client: httpx.AsyncClient) -> None:
    api = await client.get("/api/lieux", params={**TERRITORY, "conditions_frais": PASS.code, "par_page": 100})
    r = await client.get("/export/lieux-etendu.csv", params=TERRITORY)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert re.search(
        r'filename="lieux-mediation-numerique-departement-26-[\d-]+\.etendu\.csv"', r.headers["content-disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(r.text, newline="")))
    assert list(rows[0]) == [*NATIONAL_FIELDS, "conditions_frais"]
    said = {row["id"] for row in rows if "Accepte le Pass numérique" in row["conditions_frais"].split("|")}
    assert said == {result["id"] for result in api.json()["resultats"]}
    plain = await client.get("/export/lieux.csv", params=TERRITORY)  # the standard's file is unchanged
    assert next(csv.reader(io.StringIO(plain.text, newline=""))) == list(NATIONAL_FIELDS)
    page = await client.get("/donnees")
    assert "lieux-etendu.csv" in page.text and "Accepte le Pass numérique" in unescape(page.text)
