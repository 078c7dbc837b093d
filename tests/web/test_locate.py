# SPDX-License-Identifier: Apache-2.0
"""Where is the person: postcodes and communes offline, addresses through the BAN.

The national geocoder cannot be reached from here: ``tests/harvest/fake_ban.py``
stands in for it (its one-address ``GET /search/``) on loopback.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from directory.config import Settings
from directory.errors import PlaceNotFound
from directory.places import Gazetteer
from directory.web import create_app
from directory.web.app import serving_app
from directory.web.locate import Locator

from ..harvest.fake_ban import FakeBan
from .seeding import Seeded


@pytest.fixture(scope="module")
def ban() -> Iterator[FakeBan]:
    with FakeBan() as fake:
        yield fake


@pytest.fixture
def fresh_ban(ban: FakeBan) -> FakeBan:
    ban.reset()
    return ban


def test_postcodes_and_communes_never_ask_the_geocoder(places: Gazetteer, fresh_ban: FakeBan) -> None:
    locator = Locator(places, fresh_ban.base_url)
    assert locator.locate("69003").label == "Lyon 3e Arrondissement (69003)"
    assert locator.locate("Nancy").kind == "commune"
    assert fresh_ban.requests == 0


def test_an_address_is_placed_by_the_geocoder(places: Gazetteer, fresh_ban: FakeBan) -> None:
    place = Locator(places, fresh_ban.base_url).locate("39 rue d'Aubigny 69003 Lyon")
    assert (place.kind, place.label, place.insee) == ("adresse", "39 Rue d'Aubigny 69003 Lyon", "69383")
    assert (round(place.lat, 4), round(place.lon, 4)) == (45.7614, 4.8668)
    assert fresh_ban.requests == 1
    locator = Locator(places, fresh_ban.base_url)
    for text in ("39 rue d'Aubigny 69003 Lyon", "39 RUE D'AUBIGNY 69003 LYON"):  # next page, map data…
        assert locator.locate(text) == place
    assert fresh_ban.requests == 2  # asked once more, by the new locator only


def test_unknown_address_or_failing_geocoder_is_not_found(places: Gazetteer, fresh_ban: FakeBan) -> None:
    locator = Locator(places, fresh_ban.base_url)
    with pytest.raises(PlaceNotFound) as caught:
        locator.locate("1 impasse qui n'existe pas")
    assert caught.value.errors[0].field == "lieu"
    with pytest.raises(PlaceNotFound):  # no geocoder configured: addresses are not understood
        Locator(places).locate("1 impasse des Lilas")


def test_failing_geocoder_falls_back_to_the_postcode_in_the_address(places: Gazetteer, fresh_ban: FakeBan) -> None:
    fresh_ban.fail_with(503)
    place = Locator(places, fresh_ban.base_url).locate("39 rue d'Aubigny 69003 Lyon")
    assert (place.kind, place.postcode) == ("postcode", "69003")


def test_a_point_is_named_after_its_commune(places: Gazetteer) -> None:
    assert Locator(places).point(48.6921, 6.1844).label == "votre position (Nancy)"
    assert Locator(places).point(90.0, 0.0).label == "votre position"  # no commune anywhere near


@pytest.mark.anyio
async def test_search_page_around_an_address(seeded: Seeded, places: Gazetteer, fresh_ban: FakeBan, tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, geocoder_url=fresh_ban.base_url)
    app = create_app(settings, seeded.store, places)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        r = await client.get("/", params={"lieu": "39 rue d'Aubigny 69003 Lyon"})
    assert r.status_code == 200
    assert "Autour de 39 Rue d&#39;Aubigny 69003 Lyon" in r.text
    assert 'class="card-distance">à ' in r.text


@pytest.mark.parametrize(
    "answer",
    [
        {"features": ["x"]},
        {"features": [{"properties": "x", "geometry": {}}]},
        {"features": [{"geometry": 3}]},
        {"features": [{"properties": {"score": 0.9, "label": 7}, "geometry": {"coordinates": [2.38, 48.88]}}]},
    ],
)
def test_a_malformed_geocoder_answer_is_no_answer(places: Gazetteer, answer: dict) -> None:
    """The geocoder's answers are not ours: anything odd means "not placed", never a crash.
    (``httpx.MockTransport`` stands in for the BAN, which cannot be reached from here.)"""
    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, json=answer)))
    locator = Locator(places, "http://ban.invalid", client=client)
    try:
        place = locator.locate("12 rue de Meaux")
    except PlaceNotFound:
        return
    assert place.label == "12 rue de Meaux" and place.kind == "adresse"  # a label that is not text is not used


def test_one_client_speaks_to_the_ban() -> None:
    """The public search and the harvest ask the BAN through one client (``harvest.BanGeocoder``):
    no other module names its routes."""
    package = Path(__file__).resolve().parents[2] / "directory"
    speaking = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "/search/" in path.read_text(encoding="utf-8")
    )
    assert speaking == ["harvest/geocode.py"]


@pytest.mark.anyio
@pytest.mark.parametrize("serving", [False, True], ids=["create_app", "serving_app"])
async def test_the_app_closes_the_geocoder_client_it_opened(
    seeded: Seeded, places: Gazetteer, fresh_ban: FakeBan, tmp_path: Path, serving: bool
) -> None:
    """The locator's HTTP client lives as long as the app, and is closed when the app's lifespan ends
    (as uvicorn runs it)."""
    settings = Settings(data_dir=tmp_path, geocoder_url=fresh_ban.base_url)
    app = (serving_app if serving else create_app)(settings, seeded.store, places)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            r = await client.get("/", params={"lieu": "39 rue d'Aubigny 69003 Lyon"})
        assert r.status_code == 200 and "Autour de 39 Rue" in r.text
        assert not app.state.locator._opened.is_closed
    assert app.state.locator._opened.is_closed


def test_a_client_given_to_the_locator_is_left_open(places: Gazetteer, fresh_ban: FakeBan) -> None:
    given = httpx.Client()
    Locator(places, fresh_ban.base_url, client=given).close()
    assert not given.is_closed
    given.close()
