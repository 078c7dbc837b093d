# SPDX-License-Identifier: Apache-2.0
"""Geocoding against a fake BAN on 127.0.0.1 (real HTTP, no mocks), cached in a SQLite store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from directory.harvest.geocode import (
    NO_GEOCODER,
    UNAVAILABLE,
    BanGeocoder,
    CommuneGeocoder,
    GeocodeCache,
    GeocodeRequest,
    GeocodeResult,
    address_key,
    needs_geocoding,
)
from directory.places import Gazetteer, load_gazetteer
from directory.schema.venue import Venue
from directory.store import SourceInfo, Store, open_store

from .fake_ban import FakeBan

REIMS = (49.2653, 4.0285)  # the gazetteer's points
CAPESTERRE = (16.0432, -61.566)
VIEUX_HABITANTS = (16.0589, -61.766)

LECLERCQ = GeocodeRequest("reims-1", "12 BIS RUE DE LECLERCQ", "51100", "Reims", "51454")
BOUGAINVILLIERS = GeocodeRequest("baie-mahault", "12 RUE DES BOUGAINVILLIERS", "97122", "BAIE-MAHAULT", "97103")
LOW_SCORE = GeocodeRequest("capesterre", "1 rue joliot curry", "97130", "Capesterre belle eau", "97107")
MUNICIPALITY = GeocodeRequest("vieux-habitants", "Géry", "97119", "VIEUX-HABITANTS", "97134")
IN_MARSEILLE = GeocodeRequest("reims-2", "2 place Toulouse-Lautrec", "51100", "Reims", "51454")


@pytest.fixture(scope="module")
def places() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path / 'directory.sqlite'}", upgrade=True)
    yield store
    store.close()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_geocoder(
    ban: FakeBan, store: Store, places: Gazetteer, sleeps: list[float]
) -> Iterator[Callable[..., BanGeocoder]]:
    """Geocoders on the fake BAN, caching in the test's store, recording their waits."""
    clients: list[httpx.Client] = []

    def make(*, timeout: float = 10.0, cached: bool = True, **options: object) -> BanGeocoder:
        client = httpx.Client(timeout=timeout, trust_env=False)  # no proxy between us and 127.0.0.1
        clients.append(client)
        cache = GeocodeCache(store) if cached else None
        return BanGeocoder(
            ban.base_url,
            client=client,
            cache=cache,
            places=places,
            sleep=sleeps.append,
            **options,  # type: ignore[arg-type]
        )

    yield make
    for client in clients:
        client.close()


def test_accepted_house_number_and_street(make_geocoder: Callable[..., BanGeocoder], ban: FakeBan) -> None:
    results = make_geocoder().geocode([LECLERCQ, BOUGAINVILLIERS])

    reims = results["reims-1"]
    assert (reims.method, reims.latitude, reims.longitude) == ("ban", 49.249712, 4.039604)
    assert (reims.score, reims.result_type, reims.reason) == (0.91, "housenumber", None)
    assert reims.label == "12 bis Rue de Leclercq 51100 Reims"
    guadeloupe = results["baie-mahault"]
    assert (guadeloupe.method, guadeloupe.result_type, guadeloupe.latitude) == ("ban", "street", 16.257154)
    assert ban.requests == 1 and ban.rows == 2
    # What the store keeps tells the door from the street (issue 13, item 8).
    assert (reims.placement, guadeloupe.placement) == ("ban-housenumber", "ban-street")


def test_request_speaks_the_batch_api(make_geocoder: Callable[..., BanGeocoder], ban: FakeBan) -> None:
    make_geocoder().geocode([LECLERCQ])

    [batch] = ban.received
    assert batch.columns == ("adresse", "code_postal", "commune")
    assert batch.filters == {"citycode": "citycode"}
    assert list(batch.rows[0]) == ["key", "adresse", "code_postal", "commune", "citycode"]
    assert batch.rows[0]["citycode"] == "51454"


def test_lyon_as_a_whole_is_filtered_on_the_postcode(make_geocoder: Callable[..., BanGeocoder], ban: FakeBan) -> None:
    """The BAN files Lyon's addresses under its arrondissements: a 69123 filter would find none."""
    lyon = GeocodeRequest("lyon", "39 RUE D AUBIGNY", "69003", "LYON", "69123")
    nancy_no_insee = GeocodeRequest("nancy", "269 AV DE BOUFFLERS", "54000", "NANCY", None)

    results = make_geocoder().geocode([lyon, nancy_no_insee])

    assert results["lyon"].method == "ban" and results["lyon"].latitude == 45.761359
    assert results["nancy"].method == "ban" and results["nancy"].longitude == 6.140196
    [batch] = ban.received
    assert batch.filters == {"postcode": "code_postal"}
    assert [r["citycode"] for r in batch.rows] == ["", ""]


def test_low_score_falls_back_to_the_commune(make_geocoder: Callable[..., BanGeocoder]) -> None:
    result = make_geocoder().geocode([LOW_SCORE])["capesterre"]

    assert result.method == "commune"
    assert (result.latitude, result.longitude) == CAPESTERRE
    assert result.reason == "score 0,52 < 0,75"
    assert result.score == 0.52  # what the BAN said, kept for the curator


def test_municipality_falls_back_to_the_commune(make_geocoder: Callable[..., BanGeocoder]) -> None:
    result = make_geocoder().geocode([MUNICIPALITY])["vieux-habitants"]

    assert (result.method, result.latitude, result.longitude) == ("commune", *VIEUX_HABITANTS)
    assert result.reason == "résultat de type municipality"
    assert result.placement == "commune"  # the refused answer's type is no placement


def test_wrong_departement_falls_back_to_the_commune(make_geocoder: Callable[..., BanGeocoder]) -> None:
    result = make_geocoder().geocode([IN_MARSEILLE])["reims-2"]

    assert (result.method, result.latitude, result.longitude) == ("commune", *REIMS)
    assert result.reason == "résultat dans le 13 au lieu du 51"


def test_unknown_address_falls_back_and_unknown_commune_is_absent(
    make_geocoder: Callable[..., BanGeocoder], ban: FakeBan
) -> None:
    nowhere = GeocodeRequest("nowhere", "1 rue de Nulle Part", "99999", "Nulle-Part", "99999")
    unknown_street = GeocodeRequest("reims-3", "3 impasse inconnue", "51100", "Reims", "51454")

    results = make_geocoder().geocode([nowhere, unknown_street])

    assert "nowhere" not in results
    assert results["reims-3"].method == "commune"
    assert results["reims-3"].reason == "adresse introuvable dans la BAN"
    assert ban.rows == 2


def test_1500_requests_go_in_two_batches(make_geocoder: Callable[..., BanGeocoder], ban: FakeBan) -> None:
    requests = [GeocodeRequest(f"v{i}", f"{i} rue de la Grande Batch", "51100", "Reims", "51454") for i in range(1500)]

    results = make_geocoder().geocode(requests)

    assert ban.requests == 2
    assert ban.batches == [1000, 500]
    assert len(results) == 1500
    assert {r.method for r in results.values()} == {"commune"}


def test_cached_addresses_are_never_sent_again(
    make_geocoder: Callable[..., BanGeocoder], ban: FakeBan, store: Store
) -> None:
    everything = [LECLERCQ, BOUGAINVILLIERS, LOW_SCORE, MUNICIPALITY, IN_MARSEILLE]
    first = make_geocoder().geocode(everything)
    assert ban.rows == 5

    ban.reset()
    again = make_geocoder().geocode(everything)
    respaced = GeocodeRequest("other-venue", "12 bis  rue de leclercq", "51100", "REIMS", "51454")
    same_place = make_geocoder().geocode([respaced])

    assert (ban.requests, ban.rows) == (0, 0)
    assert again == first
    assert same_place["other-venue"].latitude == first["reims-1"].latitude
    assert address_key(respaced) == address_key(LECLERCQ)
    assert len(GeocodeCache(store).get_many([address_key(r) for r in everything])) == 5


def test_the_cache_goes_through_the_callers_transaction(
    make_geocoder: Callable[..., BanGeocoder], ban: FakeBan, store: Store
) -> None:
    """A harvest run holds SQLite's only write lock until it commits: the cache reads and writes through it."""
    with store.writer() as writer:
        writer.ensure_source(SourceInfo("s", "s"))  # the run's lock is taken
        for _ in range(2):
            assert make_geocoder().geocode([LECLERCQ], connection=writer.c)["reims-1"].method == "ban"
        assert ban.rows == 1  # the second call read the first's answer, not yet committed

    assert len(GeocodeCache(store).get_many([address_key(LECLERCQ)])) == 1  # committed with the run


def test_without_the_ban_requests_get_their_communes_point(places: Gazetteer) -> None:
    nowhere = GeocodeRequest("nowhere", "1 rue de Nulle Part", "99999", "Nulle-Part", "99999")

    results = CommuneGeocoder(places).geocode([LECLERCQ, nowhere])

    assert results == {"reims-1": GeocodeResult("reims-1", *REIMS, method="commune", reason=NO_GEOCODER)}


def test_same_address_twice_in_one_call_is_sent_once(make_geocoder: Callable[..., BanGeocoder], ban: FakeBan) -> None:
    twin = GeocodeRequest("reims-twin", "12 Bis, rue de Leclercq", "51100", "Reims", "51454")

    results = make_geocoder().geocode([LECLERCQ, twin])

    assert ban.rows == 1
    assert results["reims-twin"].latitude == results["reims-1"].latitude


def test_refused_answers_are_cached_and_judged_on_read(make_geocoder: Callable[..., BanGeocoder], ban: FakeBan) -> None:
    assert make_geocoder().geocode([LOW_SCORE])["capesterre"].method == "commune"
    ban.reset()

    lenient = make_geocoder(min_score=0.5).geocode([LOW_SCORE])["capesterre"]

    assert ban.requests == 0
    assert (lenient.method, lenient.latitude, lenient.reason) == ("ban", 16.048, None)


def test_unavailable_geocoder_falls_back_without_failing(
    make_geocoder: Callable[..., BanGeocoder], ban: FakeBan, sleeps: list[float]
) -> None:
    ban.fail_with(503)

    results = make_geocoder(max_retries=2).geocode([LECLERCQ, LOW_SCORE])

    assert ban.requests == 3  # one try, two retries
    assert sleeps == [1.0, 2.0]
    assert results["reims-1"].method == "commune"
    assert (results["reims-1"].latitude, results["reims-1"].longitude) == REIMS
    assert {r.reason for r in results.values()} == {UNAVAILABLE}

    ban.reset()  # healed: nothing was cached, so it asks again
    assert make_geocoder().geocode([LECLERCQ])["reims-1"].method == "ban"
    assert ban.rows == 1


def test_429_is_retried_after_the_announced_wait(
    make_geocoder: Callable[..., BanGeocoder], ban: FakeBan, sleeps: list[float]
) -> None:
    ban.fail_with(429, times=1, retry_after="3")

    result = make_geocoder().geocode([LECLERCQ])["reims-1"]

    assert result.method == "ban"
    assert sleeps == [3.0]
    assert ban.requests == 2


def test_hanging_geocoder_falls_back(make_geocoder: Callable[..., BanGeocoder], ban: FakeBan) -> None:
    ban.hang(5)

    result = make_geocoder(timeout=0.3, max_retries=1).geocode([LECLERCQ])["reims-1"]

    assert (result.method, result.reason) == ("commune", UNAVAILABLE)
    assert ban.requests == 2


def test_address_key_ignores_case_spacing_and_accents() -> None:
    a = GeocodeRequest("a", "12 BIS RUE  de Leclercq", "51100", "Reims", "51454")
    b = GeocodeRequest("b", "12 bis rue de leclercq", "51100", "REIMS", "51454")
    c = GeocodeRequest("c", "12 bis rue de leclercq", "51100", "Reims", None)

    assert address_key(a) == address_key(b) == "12 bis rue de leclercq|51100|51454"
    assert address_key(c) != address_key(a)
    assert address_key(GeocodeRequest("d", "Allée de l’Église", "51100", "Reims", None)).startswith(
        "allee de l eglise|"
    )
    assert len(address_key(GeocodeRequest("e", "rue " * 300, "51100", "Reims", None))) <= 400


def _venue(latitude: float | None, longitude: float | None) -> Venue:
    return Venue(
        id="v1",
        pivot="00000000000000",
        nom="Médiathèque",
        commune="Reims",
        code_postal="51100",
        adresse="12 bis rue de Leclercq",
        date_maj=date(2024, 1, 1),
        latitude=latitude,
        longitude=longitude,
    )


def test_needs_geocoding() -> None:
    far = {"field": "latitude", "code": "coordinates_far_from_commune", "message": "…"}
    other = {"field": "telephone", "code": "invalid_phone", "message": "…"}

    assert needs_geocoding(_venue(None, None), [])
    assert needs_geocoding(_venue(49.25, None), [])
    assert needs_geocoding(_venue(46.31, -0.48), [far])
    assert not needs_geocoding(_venue(49.25, 4.04), [])
    assert not needs_geocoding(_venue(49.25, 4.04), [other])
