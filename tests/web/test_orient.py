# SPDX-License-Identifier: Apache-2.0
"""``/orienter`` in process: the state in the address, each step, the short list with its reasons, the slip.

The short list is checked on the demo data (``fixtures/demo``, real venues) with the
scenario of issue 15: « aide pour faire ses démarches CAF », a senior without
computer, in Lyon 8e, on a Tuesday morning, with Pass numérique cheques.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, datetime
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.datastructures import QueryParams

from directory.config import Settings
from directory.schema import ConditionFrais, Frais, ModaliteAcces, Offer, Place, Public, Service, Stop, Venue
from directory.schema.offer import Session
from directory.store import SourceInfo, utcnow
from directory.web import create_app
from directory.web.orientation import STEPS, Orientation, read_orientation
from directory.web.referral import SHORT_LIST, best_fit, weigh

from .test_pages import text_of

#: The done-when scenario of issue 15, as the address says it.
SCENARIO = {
    "q": "aide pour faire ses démarches CAF",
    "public": "seniors",
    "sans_equipement": "1",
    "pass_numerique": "1",
    "lieu": "Lyon 8e",
    "jour": "mardi",
    "moment": "matin",
}
TUESDAY = date(2026, 12, 1)
#: Early on that Tuesday: the morning is still to come.
TUESDAY_AT = datetime(2026, 12, 1, 8, 0)
#: The centre of Lyon 8e, as the gazetteer places it (approximately).
LYON_8 = (45.7347, 4.8694)


@pytest.fixture(scope="module")
def demo_app(demo_store, places, tmp_path_factory: pytest.TempPathFactory) -> Starlette:
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("orient")), demo_store, places)


@pytest.fixture
async def client(demo_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=demo_app), base_url="http://testserver") as c:
        yield c


def venue(**changes: object) -> Venue:
    values: dict[str, object] = dict(
        id="v",
        pivot="00000000000000",
        nom="Espace numérique",
        commune="Lyon",
        code_postal="69008",
        adresse="1 rue Test",
        date_maj=TUESDAY,
        services=[Service.DEMARCHES],
        horaires="Tu 09:00-12:00",
    )
    values.update(changes)
    return Venue(**values)  # type: ignore[arg-type]


def scenario() -> Orientation:
    return read_orientation(QueryParams(SCENARIO))


# -- the state ----------------------------------------------------------------------------


def test_the_address_is_the_whole_state() -> None:
    o = scenario()
    assert o.errors == {}
    assert [n.slug for n in o.needs] == ["demarches"] and o.topics == ("CAF",)
    assert o.publics == ("seniors",) and o.sans_equipement and o.pass_numerique
    assert (o.lieu, o.jour, o.moment) == ("Lyon 8e", "mardi", "matin")
    assert read_orientation(QueryParams(o.query()[1:])) == o
    assert o.when_label() == "mardi matin"


def test_what_the_address_says_wrongly_is_dropped_and_said() -> None:
    o = read_orientation(QueryParams("besoin=demarches&besoin=voler&public=martiens&jour=jeudii&lat=91&lon=4"))
    assert o.besoins == ("demarches",) and o.publics == () and o.jour is None and not o.has_point
    assert set(o.errors) == {"besoin", "public", "jour", "lat"}


def test_a_typed_place_wins_over_a_point_and_the_last_point_wins() -> None:
    typed = read_orientation(QueryParams("q=caf&lieu=Lyon&lat=45.1&lon=4.1"))
    assert (typed.texte, typed.lieu, typed.has_point, typed.errors) == ("caf", "Lyon", False, {})
    moved = read_orientation(QueryParams("lat=45.1&lon=4.1&lieu=&lat=45.2&lon=4.2"))
    assert (moved.lat, moved.lon, moved.lieu, moved.errors) == (45.2, 4.2, None, {})


def test_each_step_carries_the_other_answers_as_hidden_fields() -> None:
    o = scenario()
    where = next(s for s in STEPS if s.route == "orient_where")
    hidden = dict(o.hidden(where))
    assert "lieu" not in hidden and hidden["q"] == SCENARIO["q"] and hidden["jour"] == "mardi"


# -- weighing one place ---------------------------------------------------------------------


def test_a_place_closed_at_the_time_asked_is_left_out() -> None:
    assert weigh(venue(horaires="Tu 14:00-17:00"), venue(), scenario(), TUESDAY) is None


def test_reasons_say_why_and_checks_say_what_to_ask() -> None:
    fits = venue(
        publics_specifiquement_adresses=[Public.SENIORS],
        conditions_frais=[ConditionFrais.PASS_NUMERIQUE],
        services=[Service.DEMARCHES, Service.ACCES_INTERNET],
        modalites_acces=[ModaliteAcces.SE_PRESENTER],
    )
    match = weigh(fits, fits, scenario(), TUESDAY)
    assert match is not None
    assert match.reasons == [
        "Aide aux démarches administratives (CAF)",
        "Accueille en particulier : seniors",
        "Ordinateurs à disposition sur place",
        "Accepte le Pass numérique",
        "Ouvert mardi matin",
    ]
    assert match.hours_that_day == "9\u00a0h – 12\u00a0h" and match.checks == []
    bare = venue(horaires=None, frais_a_charge=[Frais.PAYANT])
    weak = weigh(bare, bare, scenario(), TUESDAY)
    assert weak is not None and weak.score < match.score
    assert weak.checks == [
        "Pass numérique non mentionné : à demander",
        "Horaires non publiés : appelez avant de vous déplacer",
    ]


def test_a_venue_with_offers_is_weighed_through_its_best_offer() -> None:
    workshop = Offer(id="o-1", nom="Atelier tablette", services=[Service.OUTILS_QUOTIDIEN], horaires="Tu 09:00-12:00")
    late = Offer(id="o-2", nom="Démarches du soir", services=[Service.DEMARCHES], horaires="Tu 17:00-19:00")
    caf = Offer(
        id="o-3",
        nom="Permanence démarches CAF",
        services=[Service.DEMARCHES],
        conditions_frais=[ConditionFrais.PASS_NUMERIQUE],
        horaires="Tu 09:30-12:00",
    )
    place = venue(offres=[workshop, late, caf], horaires="Mo-Fr 09:00-19:00")
    match = best_fit(place, scenario(), TUESDAY_AT)
    assert match is not None and match.offer == "Permanence démarches CAF"
    assert "Accepte le Pass numérique" in match.reasons and match.hours_that_day == "9\u00a0h\u00a030 – 12\u00a0h"
    # Only the evening offer answers the need: closed on Tuesday morning, the venue is left out.
    assert best_fit(venue(offres=[workshop, late]), scenario(), TUESDAY_AT) is None
    # Without offers, the venue as a whole.
    whole = best_fit(venue(), scenario(), TUESDAY_AT)
    assert whole is not None and whole.offer is None


def test_an_itinerant_offer_is_weighed_at_each_stop() -> None:
    def stop(nom: str, lat: float, horaires: str) -> Stop:
        return Stop(Place(nom=nom, commune="Lyon", code_postal="69008", latitude=lat, longitude=LYON_8[1]), horaires)

    bus = Offer(
        id="o-bus",
        nom="Bus numérique",
        services=[Service.DEMARCHES],
        conditions_frais=[ConditionFrais.PASS_NUMERIQUE],
        arrets=[
            stop("Place du marché", LYON_8[0] + 0.002, "Th 09:00-12:00"),  # nearest, but on Thursdays
            stop("Mairie annexe", LYON_8[0] + 0.010, "Tu 09:00-11:30"),
            stop("Gymnase", LYON_8[0] + 0.100, "Tu 09:00-12:00"),  # open, but 11 km away
        ],
    )
    based_far = venue(offres=[bus], latitude=45.9, longitude=4.7)
    match = best_fit(based_far, scenario(), TUESDAY_AT, origin=LYON_8)
    assert match is not None and (match.offer, match.stop) == ("Bus numérique", "Mairie annexe, 69008 Lyon")
    assert match.next_passage == datetime(2026, 12, 1, 9, 0) and match.hours_that_day == "9\u00a0h – 11\u00a0h\u00a030"
    assert match.distance_m is not None and 1_000 < match.distance_m < 1_200


# -- the pages --------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/orienter", "/orienter/situation", "/orienter/lieu", "/orienter/quand"])
async def test_every_step_is_a_french_form_that_can_be_skipped(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(path, params=SCENARIO)
    assert r.status_code == 200 and '<html lang="fr">' in r.text
    html = unescape(r.text)
    form = re.search(r'<form class="orient-form" method="get" action="([^"]+)"', html)
    assert form is not None
    skip = re.search(r'<a class="orient-skip" href="([^"]+)">Passer cette étape', html)
    assert skip is not None and dict(parse_qsl(urlsplit(skip.group(1)).query)) == SCENARIO
    assert 'aria-current="step"' in html and "Aucune donnée personnelle" in text_of(r.text)


@pytest.mark.anyio
async def test_the_scenario_gives_a_short_list_where_each_place_says_why(client: httpx.AsyncClient) -> None:
    r = await client.get("/orienter/lieux", params=SCENARIO)
    assert r.status_code == 200
    cards = re.findall(r'<li class="card orient-card">(.*?)</li>\s*(?=<li class="card|</ol>)', r.text, flags=re.S)
    assert 3 <= len(cards) <= SHORT_LIST
    for card in cards:
        reasons = text_of(card)
        assert "Aide aux démarches administratives (CAF)" in reasons
        assert "Ouvert mardi matin" in reasons
    assert any("Accepte le Pass numérique" in text_of(c) for c in cards)
    assert any("seniors" in text_of(c) for c in cards)
    assert "Lieux autour de Lyon 8e" in text_of(r.text)


@pytest.mark.anyio
async def test_a_place_not_found_suggests_communes(client: httpx.AsyncClient) -> None:
    r = await client.get("/orienter/lieux", params={**SCENARIO, "lieu": "Lyonn"})
    assert "lieu introuvable" in text_of(r.text) and "Vouliez-vous dire" in text_of(r.text)


@pytest.mark.anyio
async def test_the_slip_prints_the_places_chosen(client: httpx.AsyncClient) -> None:
    listing = await client.get("/orienter/lieux", params=SCENARIO)
    ids = re.findall(r'name="choix" value="([^"]+)"', listing.text)
    r = await client.get("/orienter/fiche", params=[*SCENARIO.items(), ("choix", ids[3]), ("choix", ids[1])])
    assert r.status_code == 200
    printed = re.findall(r'<p class="oslip-url">[^<]*/lieux/([^<]+)</p>', r.text)
    assert printed == [ids[1], ids[3]]  # in the list's order
    text = text_of(r.text)
    assert "Pourquoi :" in text and "Ouvert mardi matin" in text and "Une pièce d'identité" in text
    default = await client.get("/orienter/fiche", params=SCENARIO)
    assert re.findall(r'<p class="oslip-url">[^<]*/lieux/([^<]+)</p>', default.text) == ids[:3]


@pytest.mark.anyio
async def test_the_site_links_to_the_path(client: httpx.AsyncClient) -> None:
    r = await client.get("/")
    assert 'href="/orienter"' in r.text


@pytest.mark.anyio
async def test_an_unreachable_geocoder_is_not_an_error(demo_store, places, tmp_path) -> None:
    """The geocoder stays optional: a closed port (as offline) gives a French page, the communes still resolve."""
    settings = Settings(data_dir=tmp_path, geocoder_url="http://127.0.0.1:9")
    app = create_app(settings, demo_store, places)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        address = await c.get("/orienter/lieux", params={**SCENARIO, "lieu": "12 rue Imaginaire 99999 Nullepart"})
        assert address.status_code in (200, 400) and "lieu introuvable" in text_of(address.text)
        assert "Traceback" not in address.text
        commune = await c.get("/orienter/lieux", params=SCENARIO)
        assert "Lieux autour de Lyon 8e" in text_of(commune.text)


@pytest.mark.anyio
async def test_an_itinerant_venue_based_far_away_is_listed_at_its_stop(store, places, tmp_path) -> None:
    """Its base is 60 km away, its bus stops in Lyon 8e on Tuesday mornings: the list and the slip name the stop
    (on SQLite and on PostGIS)."""
    bus = Offer(
        id="o-bus",
        nom="Bus France Services",
        services=[Service.DEMARCHES],
        conditions_frais=[ConditionFrais.PASS_NUMERIQUE],
        arrets=[
            Stop(
                Place(
                    nom="Place Ambroise-Courtois",
                    code_postal="69008",
                    commune="Lyon",
                    latitude=45.7452,
                    longitude=4.8703,
                ),
                "Tu 09:00-12:00",
            )
        ],
    )
    based_far = venue(
        id="bus-1",
        nom="Bus numérique du Rhône",
        offres=[bus],
        latitude=46.27,
        longitude=4.7,
        code_postal="69220",
        commune="Belleville-en-Beaujolais",
        horaires=None,
    )
    with store.writer() as w:
        w.ensure_source(SourceInfo("reseau-test", "Réseau test"))
        venue_id = w.apply("reseau-test", based_far.id, based_far, at=utcnow()).venue_id
    app = create_app(Settings(data_dir=tmp_path), store, places)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        listing = await c.get("/orienter/lieux", params=SCENARIO)
        text = text_of(listing.text)
        assert f'value="{venue_id}"' in listing.text
        assert "Offre : Bus France Services" in text and "Passe à : Place Ambroise-Courtois, 69008 Lyon" in text
        assert "Prochain passage" in text or "Sur place en ce moment" in text
        assert "Ouvert mardi matin (9 h – 12 h)" in text
        slip = text_of((await c.get("/orienter/fiche", params=SCENARIO)).text)
        assert "Passe à : Place Ambroise-Courtois, 69008 Lyon" in slip and "mardi 9 h – 12 h" in slip


def test_a_stop_with_dated_sessions_only_is_open_on_their_day() -> None:
    session = Session(datetime(2026, 12, 1, 9, 30), datetime(2026, 12, 1, 11, 30))
    fair = Offer(
        id="o-forum",
        nom="Forum numérique",
        services=[Service.DEMARCHES],
        arrets=[Stop(Place(nom="Salle des fêtes", latitude=LYON_8[0], longitude=LYON_8[1]), None, [session])],
    )
    match = best_fit(venue(offres=[fair], horaires=None), scenario(), TUESDAY_AT, origin=LYON_8)
    assert match is not None and "Ouvert mardi matin" in match.reasons
    assert match.hours_that_day == "le 1er\u00a0décembre 2026, 9\u00a0h\u00a030 – 11\u00a0h\u00a030"
    assert match.next_passage == session.debut
    afternoon = Session(datetime(2026, 12, 1, 14, 0), datetime(2026, 12, 1, 16, 0))
    fair.arrets[0].dates = [afternoon]
    assert best_fit(venue(offres=[fair], horaires=None), scenario(), TUESDAY_AT, origin=LYON_8) is None


@pytest.mark.anyio
async def test_when_no_place_is_known_open_then_the_list_says_so(client: httpx.AsyncClient) -> None:
    r = await client.get(
        "/orienter/lieux", params={"besoin": "demarches", "lieu": "Lyon 8e", "jour": "dimanche", "moment": "soir"}
    )
    text = text_of(r.text)
    assert "écartés : fermés dimanche soir" in text
    assert "Aucun de ces lieux n'est connu pour être ouvert dimanche soir" in text
    assert "Ouvert dimanche soir" not in text
