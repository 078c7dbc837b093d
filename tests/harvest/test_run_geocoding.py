# SPDX-License-Identifier: Apache-2.0
"""Geocoding inside harvest runs, against a fake BAN on loopback (the national geocoder cannot be reached from here)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from rich.console import Console

from directory.cli.harvesting import print_summary
from directory.harvest import load_source
from directory.harvest.geocode import BanGeocoder, GeocodeCache

from ..conftest import FIXTURES
from .test_run import NOW, harvest, rows, source_file, write_csv

REIMS = (49.2653, 4.0285)  # the gazetteer's point for the commune


@pytest.fixture
def geocoder(ban, store, places) -> Iterator[BanGeocoder]:
    with httpx.Client(timeout=10, trust_env=False) as client:  # no proxy between us and 127.0.0.1
        yield BanGeocoder(ban.base_url, client=client, cache=GeocodeCache(store), places=places, max_retries=0)


def venue(id: str, adresse: str = "", code_postal: str = "", code_insee: str = "", commune: str = "") -> dict[str, str]:
    """The demo's first record (which has its own point), or one at this address without a point."""
    base = {**rows()[0], "id": id}
    if not adresse:
        return base
    return {
        **base,
        "adresse": adresse,
        "code_postal": code_postal,
        "code_insee": code_insee,
        "commune": commune,
        "latitude": "",
        "longitude": "",
    }


def reims(id: str = "reims") -> dict[str, str]:
    return venue(id, "12 BIS RUE DE LECLERCQ", "51100", "51454", "Reims")  # in the BAN


def nancy(id: str = "inconnu") -> dict[str, str]:
    return venue(id, "3 impasse Inconnue", "54000", "54395", "Nancy")  # not in the BAN


def links(store) -> dict[str, Any]:
    with store.engine.connect() as c:
        return {r.record_id: r for r in c.execute(sa.text("SELECT * FROM source_link"))}


def cached(store) -> int:
    with store.engine.connect() as c:
        return c.execute(sa.text("SELECT count(*) FROM geocode_cache")).scalar_one()


def test_a_venue_gained_without_a_point_is_geocoded_by_the_next_run(
    store, places, served, fetcher, tmp_path, ban, geocoder
):
    """The run holds SQLite's only write lock: the cache is read and written through its transaction."""
    root, server = served
    write_csv(root / "lieux.csv", [venue("abondance"), nancy()])
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    harvest(store, config, fetcher, places, geocoder=geocoder)
    write_csv(root / "lieux.csv", [venue("abondance"), nancy(), reims()])

    report = harvest(store, config, fetcher, places, geocoder=geocoder, now=NOW + timedelta(days=1))

    assert (report.status, report.new, report.geocoded) == ("complete", 1, 1)
    assert ban.batches == [1, 1]  # Nancy's refusal came from the cache
    assert links(store)["reims"].geo_method == "ban-housenumber"
    assert cached(store) == 2


def test_a_first_harvest_of_several_batches_is_geocoded(store, places, served, fetcher, tmp_path, ban, geocoder):
    root, server = served
    records = [
        {**r, "latitude": "", "longitude": ""}
        for r in rows(FIXTURES / "demo" / "conseillers-numeriques-2022.csv")[:1500]
    ]
    write_csv(root / "lieux.csv", records)
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))

    report = harvest(store, config, fetcher, places, geocoder=geocoder)

    assert report.status == "complete" and report.fetched == 1500
    assert report.geocoded + report.placed_at_commune == 1500
    assert cached(store) == ban.rows > 1000  # every answer kept: the second batch of records had some too


def test_without_a_geocoder_a_venue_without_a_point_gets_its_communes(store, places, served, fetcher, tmp_path):
    root, server = served
    write_csv(root / "lieux.csv", [venue("abondance"), reims()])
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))

    report = harvest(store, config, fetcher, places)

    found = links(store)
    assert found["abondance"].geo_method == "producteur"
    link = found["reims"]
    assert (link.geo_method, link.geo_latitude, link.geo_longitude) == ("commune", *REIMS)
    with store.engine.connect() as c:
        placed = c.execute(
            sa.text("SELECT latitude, longitude, geo_method FROM venue WHERE pk = :pk"), {"pk": link.venue_pk}
        ).one()
    assert tuple(placed) == (*REIMS, "commune")
    record = link.record if isinstance(link.record, dict) else json.loads(link.record)
    [flag] = [f for f in record["flags"] if f["code"] == "placed_at_commune"]
    assert (flag["severity"], flag["value"]) == ("warning", "aucun géocodeur configuré")
    assert ("latitude : placed_at_commune", 1) in report.quality()["warning_reasons"]  # the producer's report
    assert (report.status, report.geocoded, report.counts()["placed_at_commune"]) == ("complete", 0, 1)
    out = io.StringIO()
    print_summary(Console(file=out, width=300), report)
    assert "0 géocodés, 1 placés au centre de leur commune" in out.getvalue()


def test_a_venue_placed_at_its_commune_is_geocoded_again_by_a_later_run(
    store, places, served, fetcher, tmp_path, ban, geocoder
):
    root, server = served
    records = [venue("abondance"), reims(), nancy()]
    write_csv(root / "lieux.csv", records)
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    ban.fail_with(503)
    first = harvest(store, config, fetcher, places, geocoder=geocoder)
    assert links(store)["reims"].geo_method == "commune"

    ban.reset()  # healed; a change elsewhere in the file makes the source read again
    records[0] = {**records[0], "telephone": "0478000000"}
    write_csv(root / "lieux.csv", records)
    second = harvest(store, config, fetcher, places, geocoder=geocoder, now=NOW + timedelta(days=1))
    found = links(store)
    assert (found["reims"].geo_method, found["reims"].geo_latitude) == ("ban-housenumber", 49.249712)
    assert ban.rows == 2  # Reims and Nancy; never the producer's point
    assert (first.geocoded, first.placed_at_commune) == (0, 2)
    assert (second.geocoded, second.placed_at_commune, second.updated, second.unchanged) == (1, 1, 2, 1)

    ban.reset()
    records[0] = {**records[0], "telephone": "0478000001"}
    write_csv(root / "lieux.csv", records)
    third = harvest(store, config, fetcher, places, geocoder=geocoder, now=NOW + timedelta(days=2))
    assert ban.requests == 0  # Reims is placed for good; Nancy was refused: it waits for its record to change
    assert (third.updated, third.unchanged, third.geocoded, third.placed_at_commune) == (1, 2, 0, 0)


def test_an_unchanged_source_is_read_again_for_the_venues_the_geocoder_missed(
    store, places, served, fetcher, tmp_path, ban, geocoder
):
    root, server = served
    write_csv(root / "lieux.csv", [venue("abondance"), reims()])
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    ban.fail_with(503)
    first = harvest(store, config, fetcher, places, geocoder=geocoder)
    assert first.placed_at_commune == 1 and any(n.startswith("géocodeur indisponible") for n in first.notes)
    ban.reset()  # healed; the file has not changed
    second = harvest(store, config, fetcher, places, geocoder=geocoder, now=NOW + timedelta(days=1))
    assert second.status == "complete" and second.geocoded == 1
    assert "1 lieux sont au centre de leur commune : la source est relue pour les géocoder" in second.notes
    assert links(store)["reims"].geo_method == "ban-housenumber"
    third = harvest(store, config, fetcher, places, geocoder=geocoder, now=NOW + timedelta(days=2))
    assert third.status == "unchanged"  # nothing waits any more


def test_venues_placed_without_a_geocoder_are_geocoded_once_one_is_configured(
    store, places, served, fetcher, tmp_path, ban, geocoder
):
    root, server = served
    write_csv(root / "lieux.csv", [venue("abondance"), reims()])
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    assert harvest(store, config, fetcher, places).placed_at_commune == 1  # no geocoder yet
    later = harvest(store, config, fetcher, places, geocoder=geocoder, now=NOW + timedelta(days=1))
    assert (later.status, later.geocoded) == ("complete", 1)
    assert links(store)["reims"].geo_method == "ban-housenumber"
