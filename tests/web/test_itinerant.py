# SPDX-License-Identifier: Apache-2.0
"""Itinerant mediation (issue 15, item 3): an offer with three stops gives three places in the map
data, in the results around a place and on the venue's page, each with the right « prochain
passage » at a fixed clock."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from starlette.applications import Starlette

from directory.config import Settings
from directory.places import Gazetteer
from directory.schema import parse_venue
from directory.store import SourceInfo, utcnow
from directory.web import create_app

from .seeding import fill_store, make_store
from .test_pages import text_of

#: Monday 7 December 2026, 10:00 in Lyon.
MONDAY = datetime(2026, 12, 7, 10, 0)
#: Tuesday 8 December 2026, 10:30: the bus is at the Vénissieux town hall.
TUESDAY = datetime(2026, 12, 8, 10, 30)

BUS = {
    "id": "bus-1",
    "nom": "Association Connexions solidaires",
    "commune": "Vénissieux",
    "code_postal": "69200",
    "code_insee": "69259",
    "adresse": "10 avenue Jean Jaurès",
    "date_maj": "2026-11-02",
    "latitude": 45.7001,
    "longitude": 4.8805,
    "itinerance": "Itinérant",
    "offres": [
        {
            "id": "bus-numerique",
            "nom": "Bus numérique",
            "description": "Un conseiller numérique et six ordinateurs, sans rendez-vous.",
            "services": ["Aide aux démarches administratives"],
            "frais_a_charge": ["Gratuit"],
            "arrets": [
                {
                    "nom": "Mairie de Vénissieux",
                    "adresse": "5 avenue Marcel Houël",
                    "code_postal": "69200",
                    "commune": "Vénissieux",
                    "latitude": 45.6975,
                    "longitude": 4.8859,
                    "horaires": "Tu 09:00-12:00",
                },
                {
                    "nom": "Centre social de Bron",
                    "adresse": "2 rue Paul Pic",
                    "code_postal": "69500",
                    "commune": "Bron",
                    "latitude": 45.7386,
                    "longitude": 4.9133,
                    "horaires": "Th 14:00-17:00",
                },
                {
                    "nom": "Marché de Saint-Fons",
                    "adresse": "place Roger Salengro",
                    "code_postal": "69190",
                    "commune": "Saint-Fons",
                    "latitude": 45.7086,
                    "longitude": 4.8533,
                    "dates": ["2026-12-12T09:00/2026-12-12T12:00"],
                },
            ],
        }
    ],
}
EXPECTED_MONDAY = {
    "Mairie de Vénissieux": "Prochain passage demain à 9\u00a0h",
    "Centre social de Bron": "Prochain passage jeudi à 14\u00a0h",
    "Marché de Saint-Fons": "Prochain passage samedi à 9\u00a0h",
}


@pytest.fixture(scope="module")
def itinerant(places: Gazetteer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Starlette, str]:
    folder = tmp_path_factory.mktemp("itinerant")
    store = make_store(folder)
    result = parse_venue(BUS)
    assert result.venue is not None, result.problems
    with store.writer() as w:
        w.ensure_source(SourceInfo("src", "Source test"))
        venue_id = w.apply("src", "bus-1", result.venue, at=utcnow()).venue_id
    return create_app(Settings(data_dir=folder), store, places), venue_id


@pytest.fixture
async def client(itinerant: tuple[Starlette, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=itinerant[0]), base_url="http://testserver") as c:
        yield c


def at(monkeypatch: pytest.MonkeyPatch, when: datetime) -> None:
    """The pages' clock, fixed (each page module reads ``local_now`` when asked)."""
    for module in ("maps", "pages", "venue"):
        monkeypatch.setattr(f"directory.web.{module}.local_now", lambda: when)


@pytest.mark.anyio
async def test_three_stops_are_three_places_in_the_map_data(client, itinerant, monkeypatch) -> None:
    at(monkeypatch, MONDAY)
    body = (await client.get("/api/carte", params={"lieu": "69200"})).json()
    assert [row[2] for row in body["points"]] == [itinerant[1]]  # the structure, once
    stops = body["arrets"]
    assert len(stops) == 3
    assert {row[5]: row[7] for row in stops} == EXPECTED_MONDAY
    assert {(row[0], row[1]) for row in stops} == {(45.6975, 4.8859), (45.7386, 4.9133), (45.7086, 4.8533)}
    assert all(row[2] == itinerant[1] and row[3] == "bus-numerique" and row[6] == "Bus numérique" for row in stops)
    assert sorted(row[4] for row in stops) == [0, 1, 2]


@pytest.mark.anyio
async def test_while_the_bus_is_there_the_stop_says_so(client, monkeypatch) -> None:
    at(monkeypatch, TUESDAY)
    stops = (await client.get("/api/carte", params={"lieu": "69200"})).json()["arrets"]
    labels = {row[5]: row[7] for row in stops}
    assert labels["Mairie de Vénissieux"] == "Sur place en ce moment"
    assert labels["Centre social de Bron"] == "Prochain passage jeudi à 14\u00a0h"


@pytest.mark.anyio
async def test_the_results_around_a_place_list_the_stops_as_places_of_their_own(client, monkeypatch) -> None:
    at(monkeypatch, MONDAY)
    r = await client.get("/", params={"lieu": "69200"})
    assert r.status_code == 200
    section = re.search(r'<section class="stops-near".*?</section>', r.text, re.S)
    assert section is not None
    cards = re.findall(r'<li class="card stop-card".*?</li>', section.group(0), re.S)
    assert len(cards) == 3
    texts = [text_of(card) for card in cards]
    assert texts[0].startswith("Mairie de Vénissieux")  # the nearest first
    for name, label in EXPECTED_MONDAY.items():  # text_of reads no-break spaces as spaces
        assert any(name in text and label.replace("\u00a0", " ") in text for text in texts), (name, texts)
    assert all("Bus numérique, par Association Connexions solidaires" in text for text in texts)


@pytest.mark.anyio
async def test_the_venue_page_lists_the_stops_with_their_next_passage(client, itinerant, monkeypatch) -> None:
    at(monkeypatch, MONDAY)
    r = await client.get(f"/lieux/{itinerant[1]}")
    assert r.status_code == 200
    page = text_of(r.text)
    assert "Ce que propose ce lieu" in page and "Bus numérique" in page
    assert "ses arrêts et ses prochains passages" in page
    stops = re.search(r'<ol class="stops".*?</ol>', r.text, re.S)
    assert stops is not None
    items = [text_of(item) for item in re.findall(r"<li>.*?</li>", stops.group(0), re.S)]
    assert [item.split(",")[0].strip() for item in items] == list(EXPECTED_MONDAY)  # in the offer's order
    for item, label in zip(items, EXPECTED_MONDAY.values()):
        assert label.replace("\u00a0", " ") in item
    assert "mardi 9 h – 12 h" in items[0]
    assert "samedi 12 décembre 2026, 9 h – 12 h" in items[2]


@pytest.mark.anyio
async def test_the_api_gives_the_venue_with_its_offers_and_stops(client, itinerant) -> None:
    body = (await client.get(f"/api/lieux/{itinerant[1]}")).json()
    assert body["lieu"]["nom"] == "Association Connexions solidaires"
    (offer,) = body["offres"]
    assert (offer["id"], offer["nom"], offer["services"]) == (
        "bus-numerique",
        "Bus numérique",
        ["aide-aux-demarches-administratives"],
    )
    assert [stop["nom"] for stop in offer["arrets"]] == list(EXPECTED_MONDAY)
    assert offer["arrets"][2]["dates"] == [{"debut": "2026-12-12T09:00:00", "fin": "2026-12-12T12:00:00"}]
    assert "source" not in offer  # which source gave it is this instance's business


@pytest.mark.anyio
async def test_an_offer_name_finds_its_venue(client, itinerant) -> None:
    """« bus » is said nowhere but in the offer's name: the search finds the venue by it."""
    r = await client.get("/api/lieux", params={"q": "bus", "lieu": "69200"})
    assert [result["id"] for result in r.json()["resultats"]] == [itinerant[1]]


@pytest.mark.anyio
async def test_the_referral_slip_prints_the_stop_chosen(client, itinerant, monkeypatch) -> None:
    at(monkeypatch, MONDAY)
    page = (await client.get(f"/lieux/{itinerant[1]}")).text
    links = re.findall(r'href="(/lieux/[^"]+/fiche\?arret=[^"]+)"', page)
    assert len(links) == 3  # one per stop, on the venue page
    r = await client.get(links[1].replace("&amp;", "&"))
    assert r.status_code == 200
    slip = text_of(r.text)
    assert "Bus numérique : rendez-vous à Centre social de Bron" in slip and "2 rue Paul Pic, 69500 Bron" in slip
    assert "jeudi 14 h – 17 h" in slip and "Prochain passage jeudi à 14 h" in slip
    unknown = text_of((await client.get(f"/lieux/{itinerant[1]}/fiche", params={"arret": "bus-numerique:9"})).text)
    assert "rendez-vous à" not in unknown and "Service itinérant" in unknown  # no such stop: the venue's slip


# --- the stops answer the search's filters, as its results do (web/offers.py: answering) ---------------

#: The bus's association, with what it says of itself beyond the bus: its services beyond the bus's
#: (« maîtrise des outils »: the bus does not), and a public the bus says nothing of (seniors).
ASSOCIATION = {
    **BUS,
    "services": ["Aide aux démarches administratives", "Maîtrise des outils numériques du quotidien"],
    "publics_specifiquement_adresses": ["Seniors"],
}
ALL_STOPS = list(EXPECTED_MONDAY)
#: Filters → the stops the page (and the embed, and the map) lists around 69200 on Monday.
FILTERED = [
    ({}, ALL_STOPS),
    ({"services": "aide-aux-demarches-administratives"}, ALL_STOPS),
    ({"services": "maitrise-des-outils-numeriques-du-quotidien"}, []),  # the venue's, not the bus's
    ({"publics_specifiquement_adresses": "seniors"}, ALL_STOPS),  # the bus says nothing: the venue's
    ({"publics_specifiquement_adresses": "jeunes"}, []),
    ({"frais_a_charge": "gratuit"}, ALL_STOPS),
    ({"frais_a_charge": "payant"}, []),
    ({"conditions_frais": "pass-numerique"}, []),
    ({"accessibilite": "fauteuil-roulant"}, []),
    ({"creneaux": "week-end"}, ["Marché de Saint-Fons"]),  # a dated passage on Saturday
    ({"creneaux": "soiree"}, []),
    ({"ouvert": "jeudi"}, ["Centre social de Bron"]),
    ({"q": "bus"}, ALL_STOPS),
    ({"q": "tuba"}, []),  # a real venue of Lyon 3e: the words find it, not the bus
]


@pytest.fixture(scope="module")
def mixed(places: Gazetteer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Starlette, str]:
    """Real venues of Lyon, Nancy and Paris (``venues.json``), and the association with its bus (its id)."""
    folder = tmp_path_factory.mktemp("mixed")
    store = make_store(folder)
    fill_store(store)
    result = parse_venue(ASSOCIATION)
    assert result.venue is not None, result.problems
    with store.writer() as w:
        w.ensure_source(SourceInfo("src", "Source test"))
        venue_id = w.apply("src", "bus-1", result.venue, at=utcnow()).venue_id
    return create_app(Settings(data_dir=folder), store, places), venue_id


def stop_names(html: str) -> list[str]:
    """The names of the stops a results page lists, in its order."""
    section = re.search(r'<section class="stops-near".*?</section>', html, re.S)
    if section is None:
        return []
    return [text_of(n) for n in re.findall(r'<h4 class="card-title">(.*?)</h4>', section.group(0), re.S)]


@pytest.mark.anyio
@pytest.mark.parametrize(("asked", "listed"), FILTERED, ids=[str(f) for f, _ in FILTERED])
async def test_the_stops_answer_the_search_on_the_page_the_embed_and_the_map(mixed, monkeypatch, asked, listed):
    at(monkeypatch, MONDAY)
    params = {"lieu": "69200", **asked}
    app, bus = mixed
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        page = await client.get("/", params=params)
        embed = await client.get("/embed", params=params)
        carte = (await client.get("/api/carte", params=params)).json()
    assert page.status_code == embed.status_code == 200
    assert sorted(stop_names(page.text)) == sorted(listed)
    assert sorted(stop_names(embed.text)) == sorted(listed)
    assert sorted(row[5] for row in carte["arrets"]) == sorted(listed)
    if {"creneaux", "ouvert"} & set(asked):
        # The association's own hours say nothing: it is no result, yet its stops' passages answer.
        assert bus not in {row[2] for row in carte["points"]}
    if asked.get("services") == "maitrise-des-outils-numeriques-du-quotidien":
        # The association is a result (it offers it), its bus is not (it does not): a point, no stops.
        assert bus in {row[2] for row in carte["points"]} and carte["total"] > 1


@pytest.mark.anyio
async def test_open_now_lists_the_stop_where_the_bus_is(mixed, monkeypatch) -> None:
    at(monkeypatch, TUESDAY)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=mixed[0]), base_url="http://testserver") as client:
        page = await client.get("/", params={"lieu": "69200", "ouvert": "maintenant"})
    assert stop_names(page.text) == ["Mairie de Vénissieux"]
    assert "Sur place en ce moment" in text_of(page.text)
