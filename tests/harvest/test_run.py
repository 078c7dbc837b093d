# SPDX-License-Identifier: Apache-2.0
"""Whole harvest runs against sources served over real HTTP on loopback."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from directory.harvest import harvest_source, load_source
from directory.harvest.fetch import Fetcher
from directory.schema import parse_venue

from ..conftest import FIXTURES
from .loopback import Loopback

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)
DEMO = FIXTURES / "demo" / "hinaura-2021.csv"


def rows(path: Path = DEMO) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


def write_csv(path: Path, records: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]), quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(records)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def source_file(folder: Path, url: str, *, id: str = "hinaura", publisher: str = "Hinaura", trust: int = 60,
                fmt: str = "national-csv", origin: str | None = None) -> Path:  # fmt: skip
    toml = folder / f"{id}.toml"
    lines = [f'id = "{id}"', f'name = "{id}"', f'publisher = "{publisher}"', 'kind = "network"', f'url = "{url}"',
             f'format = "{fmt}"', 'licence = "etalab-2.0"', f"trust = {trust}", 'interval = "1d"']  # fmt: skip
    if origin:
        lines.append(f'origin = "{origin}"')
    toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return toml


@pytest.fixture
def served(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    with Loopback(root) as server:
        yield root, server


@pytest.fixture
def fetcher():
    with Fetcher(retries=1, backoff_s=0, timeout_s=5, sleep=lambda s: None) as f:
        yield f


def harvest(store, config, fetcher, places, now=NOW, **kwargs):
    return harvest_source(store, config, fetcher=fetcher, places=places, now=now, **kwargs)


def test_first_harvest_then_nothing_changed(store, places, served, fetcher, tmp_path):
    root, server = served
    write_csv(root / "lieux.csv", rows()[:120])
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    first = harvest(store, config, fetcher, places)
    assert (first.status, first.fetched, first.new, first.quarantined) == ("complete", 120, 120, 0)
    assert store.count_venues() == 120
    with store.engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM raw_record WHERE run_id = :r"), {"r": first.run_id}).scalar_one() == 120
    server.reset()
    again = harvest(store, config, fetcher, places, now=NOW + timedelta(days=1))
    assert again.status == "unchanged" and again.requests == 1
    assert server.count("files/lieux.csv") == 1
    assert "rien n'a changé" in again.notes[0]
    assert store.sources.run(again.run_id).status == "unchanged"


def test_records_read_as_last_time_are_not_parsed_again(store, places, served, fetcher, tmp_path, monkeypatch):
    """New bytes (columns reordered, a new hash) but the same records: no record is validated again."""
    root, server = served
    records = rows()[:40]
    write_csv(root / "lieux.csv", records)
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    harvest(store, config, fetcher, places)
    reordered = [dict(reversed(list(r.items()))) for r in records]
    reordered[0]["telephone"] = "0478000000"
    write_csv(root / "lieux.csv", reordered)
    from directory.harvest import run

    parsed = []
    monkeypatch.setattr(run, "parse_venue", lambda record, **kw: parsed.append(record) or parse_venue(record, **kw))
    report = harvest(store, config, fetcher, places, now=NOW + timedelta(days=1))
    assert (report.status, report.updated, report.unchanged, report.withdrawn) == ("complete", 1, 39, 0)
    assert [r["id"] for r in parsed] == [records[0]["id"]]
    with store.engine.connect() as c:
        statuses = c.execute(
            sa.text("SELECT status, count(*) FROM raw_record WHERE run_id = :r GROUP BY status"), {"r": report.run_id}
        ).all()
    assert dict(statuses) == {"stored": 1, "unchanged": 39}  # every record is still kept as received


def test_a_record_that_cannot_be_hashed_is_parsed_every_time():
    from directory.harvest.run import _raw_hash

    assert _raw_hash({"id": "a", "b": 1}, ["X"], None) == _raw_hash({"b": 1, "id": "a"}, ["X"], None)
    assert _raw_hash({"id": "a", "siret": 2**70}, ["X"], None) is None


def test_a_failing_source_withdraws_nothing(store, places, served, fetcher, tmp_path):
    root, server = served
    write_csv(root / "lieux.csv", rows()[:50])
    harvest(store, load_source(source_file(tmp_path, server.url("files/lieux.csv"))), fetcher, places)
    broken = load_source(source_file(tmp_path, server.url("status/500")))
    report = harvest(store, broken, fetcher, places, now=NOW + timedelta(days=1))
    assert report.status == "failed" and report.withdrawn == 0
    assert "500" in report.notes[0] and "rien n'a été retiré" in report.notes[0]
    assert store.count_venues() == 50
    truncated = load_source(source_file(tmp_path, server.url("truncated/lieux.csv")))
    assert harvest(store, truncated, fetcher, places, now=NOW + timedelta(days=2)).status == "failed"
    assert store.count_venues() == 50


def test_withdrawal_after_a_complete_run_and_not_after_a_suspicious_one(store, places, served, fetcher, tmp_path):
    root, server = served
    records = rows()[:100]
    write_csv(root / "lieux.csv", records)
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    harvest(store, config, fetcher, places)
    write_csv(root / "lieux.csv", records[:95])
    report = harvest(store, config, fetcher, places, now=NOW + timedelta(days=1))
    assert (report.status, report.withdrawn, report.unchanged) == ("complete", 5, 95)
    assert store.count_venues() == 95 and store.count_venues("withdrawn") == 5
    write_csv(root / "lieux.csv", records[:20])  # a truncated export
    report = harvest(store, config, fetcher, places, now=NOW + timedelta(days=2))
    assert (report.status, report.withdrawn) == ("partial", 0)
    assert "moisson suspecte : 20 enregistrements au lieu de 95" in report.notes[0]
    assert store.count_venues() == 95


def test_changed_records_are_updated_and_invalid_ones_quarantined(store, places, served, fetcher, tmp_path):
    root, server = served
    records = rows()[:30]
    write_csv(root / "lieux.csv", records)
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    harvest(store, config, fetcher, places)
    records[0] = {**records[0], "telephone": "0478000000"}
    records[1] = {**records[1], "services": "Réparation de vélos"}
    write_csv(root / "lieux.csv", records)
    report = harvest(store, config, fetcher, places, now=NOW + timedelta(days=1))
    assert (report.updated, report.quarantined, report.unchanged, report.withdrawn) == (1, 1, 28, 0)
    assert report.quality()["rejected_reasons"][0][0].startswith("services : « Réparation de vélos »")
    assert store.count_venues() == 30  # the quarantined record keeps its last good version


def test_two_overlapping_sources_merge_into_one_directory(store, places, served, fetcher, tmp_path):
    """Hinaura and the Conseillers numériques file overlap in Auvergne-Rhône-Alpes."""
    root, server = served
    hinaura = [r for r in rows() if r["code_postal"].startswith("74")]
    cnfs = [r for r in rows(FIXTURES / "demo" / "conseillers-numeriques-2022.csv") if r["code_postal"].startswith("74")]
    write_csv(root / "hinaura.csv", hinaura)
    write_csv(root / "cnfs.csv", cnfs)
    a = harvest(store, load_source(source_file(tmp_path, server.url("files/hinaura.csv"))), fetcher, places)
    b = harvest(store, load_source(source_file(tmp_path, server.url("files/cnfs.csv"), id="cnfs",
                                               publisher="ANCT", trust=40)), fetcher, places)  # fmt: skip
    print(f"\nHaute-Savoie: Hinaura {a.new} new, {a.merged} twins within the file; CNFS {b.fetched} read, {b.new} new, {b.merged} merged, "
          f"{b.to_review} to review")  # fmt: skip
    assert a.new + a.merged == len(hinaura) and b.merged > 0 and b.new + b.merged == b.fetched
    assert store.count_venues() == a.new + b.new
    merged = store.sources.record_counts()
    assert merged == {"hinaura": len(hinaura), "cnfs": len(cnfs)}
    again = harvest(store, load_source(tmp_path / "cnfs.toml"), fetcher, places, now=NOW + timedelta(days=1))
    assert again.status == "unchanged"


def test_records_already_harvested_at_their_origin_are_not_taken_twice(store, places, served, fetcher, tmp_path):
    root, server = served
    write_csv(root / "lieux.csv", rows()[:10])
    aggregator = load_source(source_file(tmp_path, server.url("files/lieux.csv"), id="agregateur",
                                         publisher="Agrégateur national", origin="Hinaura"))  # fmt: skip
    report = harvest(store, aggregator, fetcher, places, direct_origins=frozenset({"Hinaura", "Agrégateur national"}))
    assert (report.skipped, report.new) == (10, 0)
    echo = harvest(store, load_source(source_file(tmp_path, server.url("files/lieux.csv"), id="autre",
                                                  publisher="Instance B", origin="Instance A"))  # fmt: skip
                   , fetcher, places, instance_name="Instance A")
    assert (echo.skipped, echo.new) == (10, 0)


def test_decisions_by_people_are_sticky(store, places, served, fetcher, tmp_path):
    """A pair a person called distinct is never merged; one called the same always is."""
    root, server = served
    base = rows()[0]
    twin = {**base, "id": "twin", "nom": base["nom"] + " (annexe)"}
    write_csv(root / "a.csv", [base])
    write_csv(root / "b.csv", [twin])
    harvest(store, load_source(source_file(tmp_path, server.url("files/a.csv"), id="a", publisher="A")), fetcher, places)
    b = load_source(source_file(tmp_path, server.url("files/b.csv"), id="b", publisher="B"))
    first = harvest(store, b, fetcher, places)
    assert first.merged == 1  # same address, same point, same name but for "(annexe)"
    with store.writer() as w:
        w.decide(f"a:{base['id']}", "b:twin", "distinct", "animatrice", NOW)
    with store.engine.begin() as c:  # start the second source again from nothing
        c.execute(sa.text("DELETE FROM source_link WHERE source_id = 'b'"))
        c.execute(sa.text("DELETE FROM source_state WHERE source_id = 'b'"))
    again = harvest(store, b, fetcher, places, now=NOW + timedelta(days=1))
    assert (again.merged, again.new) == (0, 1)
    assert store.count_venues() == 2


def test_records_without_a_trustworthy_point_are_geocoded(store, places, served, fetcher, tmp_path):
    """Against a fake BAN on loopback: the national geocoder cannot be reached from here."""
    import httpx

    from directory.harvest.geocode import BanGeocoder, GeocodeCache

    from .fake_ban import FakeBan

    root, server = served
    base = rows()[0]
    records = [
        {**base, "id": "lyon", "adresse": "39 RUE D AUBIGNY", "code_postal": "69003", "code_insee": "69383",
         "commune": "Lyon", "latitude": "", "longitude": ""},
        {**base, "id": "reims", "adresse": "12 BIS RUE DE LECLERCQ", "code_postal": "51100", "code_insee": "51454",
         "commune": "Reims", "latitude": "43.52609", "longitude": "5.41423"},  # the official example's trap
        {**base, "id": "inconnu", "adresse": "3 impasse Inconnue", "code_postal": "54000", "code_insee": "54395",
         "commune": "Nancy", "latitude": "", "longitude": ""},
    ]  # fmt: skip
    write_csv(root / "lieux.csv", records)
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    with FakeBan() as ban, httpx.Client() as client:
        geocoder = BanGeocoder(ban.base_url, client=client, cache=GeocodeCache(store), places=places)
        report = harvest(store, config, fetcher, places, geocoder=geocoder)
        assert (report.new, report.geocoded) == (3, 2)
        assert ban.rows == 3
        by_name = {n.venue.id: n for n in store.nearest(49.2497, 4.0396, limit=1)}
        reims = store.get_venue(next(iter(by_name)))
        assert reims.venue.commune == "Reims" and by_name[reims.venue.id].distance_m < 5
        assert reims.venue.latitude == pytest.approx(49.249712)  # the geocoder's point won over the producer's
        with store.engine.connect() as c:
            links = {r.record_id: r for r in c.execute(sa.text("SELECT * FROM source_link"))}
        assert links["reims"].geo_method == "ban" and links["reims"].geo_score == pytest.approx(0.91)
        kept = links["reims"].record if isinstance(links["reims"].record, dict) else json.loads(links["reims"].record)
        assert (kept["producer_latitude"], kept["latitude"]) == (43.52609, 49.249712)  # side by side
        assert links["inconnu"].geo_method == "commune"  # not in the BAN: the commune's point, flagged
        records[0] = {**records[0], "telephone": "0478000000"}
        write_csv(root / "lieux.csv", records)
        harvest(store, config, fetcher, places, geocoder=geocoder, now=NOW + timedelta(days=1))
        assert ban.rows == 3  # unchanged addresses are never geocoded twice


def test_a_report_counts_every_problem_but_keeps_a_bounded_number(store, places, served, fetcher, tmp_path, monkeypatch):
    """A file full of warnings must not grow a run's memory with each of them."""
    import directory.harvest.run as run

    monkeypatch.setattr(run, "KEPT_PROBLEMS", 3)
    root, server = served
    records = [{**r, "pivot": ""} for r in rows()[:20]]  # each record: « pivot missing », a warning
    records[0] = {**records[0], "services": "Réparation de vélos"}  # an error
    write_csv(root / "lieux.csv", records)
    report = harvest(store, load_source(source_file(tmp_path, server.url("files/lieux.csv"))), fetcher, places)
    assert len(report.problems) == 3
    assert report.warning_reasons["pivot : pivot_missing"] == 20
    quality = report.quality()
    assert quality["rejected_reasons"][0][1] == 1 and [r["record_id"] for r in quality["rejected"]] == [records[0]["id"]]
    assert (report.quarantined, report.new + report.merged) == (1, 19)


def test_free_text_hours_become_osm_when_unambiguous(store, places, served, fetcher, tmp_path):
    root, server = served
    base = rows()[0]
    write_csv(root / "lieux.csv", [
        {**base, "id": "texte", "horaires": "Du lundi au vendredi de 9h à 12h et de 14h à 17h ; samedi 9h30-12h"},
        {**base, "id": "flou", "horaires": "sur rendez-vous le matin", "nom": "Autre lieu", "adresse": "2 rue Autre",
         "latitude": str(float(base["latitude"]) + 0.01)},
    ])  # fmt: skip
    report = harvest(store, load_source(source_file(tmp_path, server.url("files/lieux.csv"))), fetcher, places)
    by_id = {p.record_id: p.problem for p in report.problems if p.problem.field == "horaires"}
    assert by_id["texte"].code == "hours_converted"
    assert by_id["flou"].code == "hours"  # kept as text, flagged
    hours = {n.venue.horaires for n in store.nearest(float(base["latitude"]), float(base["longitude"]), limit=5)}
    assert "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:30-12:00" in hours and "sur rendez-vous le matin" in hours
