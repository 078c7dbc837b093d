# SPDX-License-Identifier: Apache-2.0
"""Whole harvest runs against sources served over real HTTP on loopback."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from directory.harvest import harvest_source, load_source
from directory.schema import parse_venue, stored_block_keys
from directory.store.tables import venue_t

from ..conftest import FIXTURES

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
DEMO = FIXTURES / "demo" / "hinaura-2021.csv"


def rows(path: Path = DEMO) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


def write_csv(path: Path, records: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]), quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(records)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def source_file(
    folder: Path,
    url: str,
    *,
    id: str = "hinaura",
    publisher: str = "Hinaura",
    trust: int = 60,
    fmt: str = "national-csv",
    origin: str | None = None,
) -> Path:
    toml = folder / f"{id}.toml"
    lines = [
        f'id = "{id}"',
        f'name = "{id}"',
        f'publisher = "{publisher}"',
        'kind = "network"',
        f'url = "{url}"',
        f'format = "{fmt}"',
        'licence = "etalab-2.0"',
        f"trust = {trust}",
        'interval = "1d"',
    ]
    if origin:
        lines.append(f'origin = "{origin}"')
    toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return toml


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
        assert (
            c.execute(sa.text("SELECT count(*) FROM raw_record WHERE run_id = :r"), {"r": first.run_id}).scalar_one()
            == 120
        )
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
    records[1]["latitude"] = records[1]["longitude"] = ""  # to be placed at its commune, for want of a geocoder
    write_csv(root / "lieux.csv", records)
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    harvest(store, config, fetcher, places)
    reordered = [dict(reversed(list(r.items()))) for r in records]
    reordered[0]["telephone"] = "0478000000"
    write_csv(root / "lieux.csv", reordered)
    from directory.harvest import _batches

    parsed = []
    monkeypatch.setattr(
        _batches, "parse_venue", lambda record, **kw: parsed.append(record) or parse_venue(record, **kw)
    )
    report = harvest(store, config, fetcher, places, now=NOW + timedelta(days=1))
    assert (report.status, report.updated, report.unchanged, report.withdrawn) == ("complete", 1, 39, 0)
    # the changed record, and the one placed at its commune for want of a geocoder
    assert [r["id"] for r in parsed] == [records[0]["id"], records[1]["id"]]
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
    assert "500" in report.notes[0] and "rien n'a été retiré de l'annuaire ; nouvel essai dans 1 h" in report.notes[0]
    assert store.sources.state("hinaura").next_due_at == NOW + timedelta(days=1, hours=1)  # not a day later
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
    assert report.notes[0].startswith("5 lieux retirés, ils ne figurent plus dans la source : ")
    assert all(r["nom"] in report.notes[0] for r in records[95:])  # named, so a person can check
    write_csv(root / "lieux.csv", records[:20])  # a truncated export
    report = harvest(store, config, fetcher, places, now=NOW + timedelta(days=2))
    assert (report.status, report.withdrawn) == ("partial", 0)
    assert "moisson suspecte : 20 enregistrements au lieu de 95" in report.notes[0]
    assert store.count_venues() == 95
    again = harvest(store, config, fetcher, places, now=NOW + timedelta(days=3))  # the same file: still suspect,
    assert (again.status, again.withdrawn) == ("partial", 0)  # not « unchanged », which would hide it for good
    assert "--confirmer-retraits" in again.notes[0]
    confirmed = harvest(store, config, fetcher, places, now=NOW + timedelta(days=4), confirm_withdrawals=True)
    assert (confirmed.status, confirmed.withdrawn) == ("complete", 75)  # a person said the source shrank
    assert store.count_venues() == 20


def test_changed_records_are_updated_and_invalid_ones_quarantined(store, places, served, fetcher, tmp_path):
    root, server = served
    records = rows()[:30]
    write_csv(root / "lieux.csv", records)
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    harvest(store, config, fetcher, places)
    records[0] = {**records[0], "telephone": "0478000000"}
    records[1] = {**records[1], "date_maj": "bientôt"}  # an unknown term would only be dropped: a date is needed
    write_csv(root / "lieux.csv", records)
    report = harvest(store, config, fetcher, places, now=NOW + timedelta(days=1))
    assert (report.updated, report.quarantined, report.unchanged, report.withdrawn) == (1, 1, 28, 0)
    assert report.quality()["rejected_reasons"][0][0].startswith("date_maj : date")
    assert store.count_venues() == 30  # the quarantined record keeps its last good version


def test_two_overlapping_sources_merge_into_one_directory(store, places, served, fetcher, tmp_path):
    """Hinaura and the Conseillers numériques file overlap in Auvergne-Rhône-Alpes."""
    root, server = served
    hinaura = [r for r in rows() if r["code_postal"].startswith("74")]
    cnfs = [r for r in rows(FIXTURES / "demo" / "conseillers-numeriques-2022.csv") if r["code_postal"].startswith("74")]
    write_csv(root / "hinaura.csv", hinaura)
    write_csv(root / "cnfs.csv", cnfs)
    a = harvest(store, load_source(source_file(tmp_path, server.url("files/hinaura.csv"))), fetcher, places)
    b = harvest(
        store,
        load_source(source_file(tmp_path, server.url("files/cnfs.csv"), id="cnfs", publisher="ANCT", trust=40)),
        fetcher,
        places,
    )
    print(
        f"\nHaute-Savoie: Hinaura {a.new} new, {a.merged} twins within the file; CNFS {b.fetched} read, {b.new} new, {b.merged} merged, "
        f"{b.to_review} to review"
    )
    assert a.new + a.merged == len(hinaura) and b.merged > 0 and b.new + b.merged == b.fetched
    assert store.count_venues() == a.new + b.new
    merged = store.sources.record_counts()
    assert merged == {"hinaura": len(hinaura), "cnfs": len(cnfs)}
    again = harvest(store, load_source(tmp_path / "cnfs.toml"), fetcher, places, now=NOW + timedelta(days=1))
    assert again.status == "unchanged"


def test_records_already_harvested_at_their_origin_are_not_taken_twice(store, places, served, fetcher, tmp_path):
    root, server = served
    write_csv(root / "lieux.csv", rows()[:10])
    aggregator = load_source(
        source_file(
            tmp_path, server.url("files/lieux.csv"), id="agregateur", publisher="Agrégateur national", origin="Hinaura"
        )
    )
    report = harvest(store, aggregator, fetcher, places, direct_origins=frozenset({"Hinaura", "Agrégateur national"}))
    assert (report.skipped, report.new) == (10, 0)
    echo = harvest(
        store,
        load_source(
            source_file(
                tmp_path, server.url("files/lieux.csv"), id="autre", publisher="Instance B", origin="Instance A"
            )
        ),
        fetcher,
        places,
        instance_name="Instance A",
    )
    assert (echo.skipped, echo.new) == (10, 0)


def test_decisions_by_people_are_sticky(store, places, served, fetcher, tmp_path):
    """A pair a person called distinct is never merged; one called the same always is."""
    root, server = served
    base = rows()[0]
    twin = {**base, "id": "twin", "nom": base["nom"] + " (annexe)"}
    write_csv(root / "a.csv", [base])
    write_csv(root / "b.csv", [twin])
    harvest(
        store, load_source(source_file(tmp_path, server.url("files/a.csv"), id="a", publisher="A")), fetcher, places
    )
    b = load_source(source_file(tmp_path, server.url("files/b.csv"), id="b", publisher="B"))
    with (
        store.writer() as w
    ):  # said before the twin is first read (it would merge: same place, same name but "(annexe)")
        w.decide(f"a:{base['id']}", "b:twin", "distinct", "animatrice", NOW)
    first = harvest(store, b, fetcher, places)
    assert (first.merged, first.new) == (0, 1)
    assert store.count_venues() == 2


def venues_by_records(store) -> dict[str, list[tuple[str, str]]]:
    """Each active venue (id) → the records (source, record id) that feed it."""
    return {v.venue.id: sorted(v.sources) for v in store.iter_venues()}


def test_a_decision_same_merges_at_once_and_later_harvests_keep_it(store, places, served, fetcher, tmp_path):
    """Two records matching did not merge; a person says they are one venue."""
    root, server = served
    base = rows()[0]
    other = {
        **base,
        "id": "mairie",
        "nom": "Espace numérique de la mairie",
        "adresse": "1 rue de la Mairie",
        "latitude": "46.2812",
        "longitude": "6.7231",
        "telephone": "0450000000",
    }
    write_csv(root / "a.csv", [base])
    write_csv(root / "b.csv", [other])
    a = load_source(source_file(tmp_path, server.url("files/a.csv"), id="a", publisher="A"))
    b = load_source(source_file(tmp_path, server.url("files/b.csv"), id="b", publisher="B"))
    harvest(store, a, fetcher, places)
    assert harvest(store, b, fetcher, places, now=NOW + timedelta(hours=1)).new == 1
    older = store.get_venue(next(iter(venues_by_records(store)))).venue.id  # the first created survives
    with store.writer() as w:
        done = w.decide("b:mairie", f"a:{base['id']}", "match", "Camille", NOW + timedelta(hours=2))
    assert done.merged is not None and done.merged[1] == older
    assert venues_by_records(store) == {older: [("a", base["id"]), ("b", "mairie")]}
    write_csv(root / "b.csv", [{**other, "telephone": "0450111111"}])  # the record changes, is harvested again
    write_csv(root / "a.csv", [{**base, "courriels": "contact@abondance.fr"}])
    assert harvest(store, b, fetcher, places, now=NOW + timedelta(days=1)).updated == 1
    assert harvest(store, a, fetcher, places, now=NOW + timedelta(days=1)).updated == 1
    assert venues_by_records(store) == {older: [("a", base["id"]), ("b", "mairie")]}
    assert store.get_venue(older).venue.telephone == "+33450111111"


def test_a_decision_different_splits_an_automatic_merge_and_later_harvests_keep_it(
    store, places, served, fetcher, tmp_path
):
    root, server = served
    base = rows()[0]
    twin = {**base, "id": "twin", "nom": base["nom"] + " (annexe)"}
    write_csv(root / "a.csv", [base])
    write_csv(root / "b.csv", [twin])
    a = load_source(source_file(tmp_path, server.url("files/a.csv"), id="a", publisher="A"))
    b = load_source(source_file(tmp_path, server.url("files/b.csv"), id="b", publisher="B"))
    harvest(store, a, fetcher, places)
    assert harvest(store, b, fetcher, places, now=NOW + timedelta(hours=1)).merged == 1
    (merged,) = venues_by_records(store)
    with store.writer() as w:  # b:twin joined later: it is the one that leaves, whatever the order named
        done = w.decide("b:twin", f"a:{base['id']}", "distinct", "Camille", NOW + timedelta(hours=2))
    assert done.split is not None and done.split[:2] == ("b:twin", merged)
    split = {merged: [("a", base["id"])], done.split[2]: [("b", "twin")]}
    assert venues_by_records(store) == split
    write_csv(root / "b.csv", [{**twin, "telephone": "0450111111"}])  # both records change, are harvested again
    write_csv(root / "a.csv", [{**base, "courriels": "contact@abondance.fr"}])
    assert harvest(store, b, fetcher, places, now=NOW + timedelta(days=1)).updated == 1
    assert harvest(store, a, fetcher, places, now=NOW + timedelta(days=1)).updated == 1
    assert venues_by_records(store) == split


def test_records_without_a_trustworthy_point_are_geocoded(store, places, served, fetcher, tmp_path):
    """Against a fake BAN on loopback: the national geocoder cannot be reached from here."""
    import httpx

    from directory.harvest.geocode import BanGeocoder, GeocodeCache

    from .fake_ban import FakeBan

    root, server = served
    base = rows()[0]
    records = [
        {
            **base,
            "id": "lyon",
            "adresse": "39 RUE D AUBIGNY",
            "code_postal": "69003",
            "code_insee": "69383",
            "commune": "Lyon",
            "latitude": "",
            "longitude": "",
        },
        {
            **base,
            "id": "reims",
            "adresse": "12 BIS RUE DE LECLERCQ",
            "code_postal": "51100",
            "code_insee": "51454",
            "commune": "Reims",
            "latitude": "43.52609",
            "longitude": "5.41423",
        },  # the official example's trap
        {
            **base,
            "id": "inconnu",
            "adresse": "3 impasse Inconnue",
            "code_postal": "54000",
            "code_insee": "54395",
            "commune": "Nancy",
            "latitude": "",
            "longitude": "",
        },
    ]
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
        assert links["reims"].geo_method == "ban-housenumber" and links["reims"].geo_score == pytest.approx(0.91)
        kept = links["reims"].record if isinstance(links["reims"].record, dict) else json.loads(links["reims"].record)
        assert (kept["producer_latitude"], kept["latitude"]) == (43.52609, 49.249712)  # side by side
        assert links["inconnu"].geo_method == "commune"  # not in the BAN: the commune's point, flagged
        assert_blocking_keys_are_the_stored_venues(store)  # the geocoder's point, not the record's
        records[0] = {**records[0], "telephone": "0478000000"}
        write_csv(root / "lieux.csv", records)
        harvest(store, config, fetcher, places, geocoder=geocoder, now=NOW + timedelta(days=1))
        assert ban.rows == 3  # unchanged addresses are never geocoded twice


def assert_blocking_keys_are_the_stored_venues(store) -> None:
    """The ``match_key`` rows of each active venue are the keys of its stored values: matching reads
    the blocks of the venues as they are, whatever computed them (a new venue takes its record's)."""
    with store.engine.connect() as c:
        venues = c.execute(sa.select(venue_t).where(venue_t.c.status == "active")).mappings().all()
        held: dict[int, set[str]] = {}
        for kind, key, pk in c.execute(sa.text("SELECT kind, key, venue_pk FROM match_key")):
            held.setdefault(pk, set()).add(f"{kind}:{key}")
    assert held == {v["pk"]: set(stored_block_keys(v)) for v in venues}


def test_a_report_counts_every_problem_but_keeps_a_bounded_number(
    store, places, served, fetcher, tmp_path, monkeypatch
):
    """A file full of warnings must not grow a run's memory with each of them."""
    import directory.harvest.report as report_module

    monkeypatch.setattr(report_module, "KEPT_PROBLEMS", 3)
    root, server = served
    records = [{**r, "pivot": ""} for r in rows()[:20]]  # each record: « pivot missing », a warning
    records[0] = {**records[0], "date_maj": "bientôt"}  # an error
    write_csv(root / "lieux.csv", records)
    report = harvest(store, load_source(source_file(tmp_path, server.url("files/lieux.csv"))), fetcher, places)
    assert len(report.problems) == 3
    assert report.warning_reasons["pivot : pivot_missing"] == 20
    quality = report.quality()
    assert quality["rejected_reasons"][0][1] == 1 and [r["record_id"] for r in quality["rejected"]] == [
        records[0]["id"]
    ]
    assert (report.quarantined, report.new + report.merged) == (1, 19)


def test_free_text_hours_become_osm_when_unambiguous(store, places, served, fetcher, tmp_path):
    root, server = served
    base = rows()[0]
    write_csv(
        root / "lieux.csv",
        [
            {**base, "id": "texte", "horaires": "Du lundi au vendredi de 9h à 12h et de 14h à 17h ; samedi 9h30-12h"},
            {
                **base,
                "id": "flou",
                "horaires": "sur rendez-vous le matin",
                "nom": "Autre lieu",
                "adresse": "2 rue Autre",
                "latitude": str(float(base["latitude"]) + 0.01),
            },
        ],
    )
    report = harvest(store, load_source(source_file(tmp_path, server.url("files/lieux.csv"))), fetcher, places)
    by_id = {p.record_id: p.problem for p in report.problems if p.problem.field == "horaires"}
    assert by_id["texte"].code == "hours_converted"
    assert by_id["flou"].code == "hours"  # kept as text, flagged
    hours = {n.venue.horaires for n in store.nearest(float(base["latitude"]), float(base["longitude"]), limit=5)}
    assert "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:30-12:00" in hours and "sur rendez-vous le matin" in hours


def test_a_run_whose_every_record_is_rejected_withdraws_nothing(store, places, served, fetcher, tmp_path):
    """A renamed id column quarantines every record: the source did not drop its venues."""
    root, server = served
    records = rows()[:30]
    write_csv(root / "lieux.csv", records)
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    harvest(store, config, fetcher, places)
    write_csv(root / "lieux.csv", [{("identifiant" if k == "id" else k): v for k, v in r.items()} for r in records])
    report = harvest(store, config, fetcher, places, now=NOW + timedelta(days=1))
    assert (report.status, report.quarantined, report.withdrawn) == ("partial", 30, 0)
    assert any("aucun enregistrement utilisable sur 30 au lieu de 30" in note for note in report.notes)
    assert store.count_venues() == 30


def test_a_small_source_sending_an_empty_file_withdraws_nothing(store, places, served, fetcher, tmp_path):
    root, server = served
    records = rows()[:5]
    write_csv(root / "lieux.csv", records)
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    harvest(store, config, fetcher, places)
    (root / "lieux.csv").write_text(",".join(f'"{k}"' for k in records[0]) + "\n", encoding="utf-8")  # the header alone
    report = harvest(store, config, fetcher, places, now=NOW + timedelta(days=1))
    assert (report.status, report.fetched, report.withdrawn) == ("partial", 0, 0)
    assert store.count_venues() == 5


def test_an_unreadable_file_fails_its_run_and_is_read_again_next_time(store, places, served, fetcher, tmp_path):
    root, server = served
    (root / "lieux.json").write_text(json.dumps(rows()[:8]), encoding="utf-8")
    config = load_source(source_file(tmp_path, server.url("files/lieux.json"), fmt="national-json"))
    assert harvest(store, config, fetcher, places).new == 8
    (root / "lieux.json").write_text('[{"id": "1", "nom": ', encoding="utf-8")  # cut short by a broken export
    for day in (1, 2):  # the second run must not take the broken file for « unchanged »
        report = harvest(store, config, fetcher, places, now=NOW + timedelta(days=day))
        assert (report.status, report.withdrawn) == ("failed", 0)
        assert report.notes[0].startswith("source illisible : JSON illisible ligne 1")
        assert "rien n'a été retiré" in report.notes[0]
        assert store.sources.run(report.run_id).status == "failed"
    assert store.count_venues() == 8


def _paged_source(folder: Path, url: str, how: str) -> Path:
    lines = [
        'id = "api"',
        'name = "API"',
        'publisher = "Réseau"',
        'kind = "network"',
        f'url = "{url}"',
        'format = "national-json"',
        'licence = "etalab-2.0"',
        "",
        "[pagination]",
    ]
    lines += (
        ['next = "next"'] if how == "next" else ['page_param = "page"', 'page_size_param = "per_page"', "page_size = 5"]
    )
    (folder / "api.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "api.toml"


@pytest.mark.parametrize("how", ["next", "page-number"])
def test_every_page_of_an_api_is_read_and_a_change_on_a_later_one_is_seen(
    store, places, served, fetcher, tmp_path, how
):
    root, server = served
    records = rows()[:12]
    (root / "lieux.json").write_text(json.dumps(records), encoding="utf-8")
    query = "?per_page=5" if how == "next" else ""
    config = load_source(_paged_source(tmp_path, server.url("paginated/lieux.json") + query, how))
    first = harvest(store, config, fetcher, places)
    assert (first.status, first.fetched, first.new + first.merged) == ("complete", 12, 12)
    same = harvest(store, config, fetcher, places, now=NOW + timedelta(days=1))
    assert same.status == "unchanged" and same.requests == 3
    extra = [
        {**r, "id": f"{r['id']}-bis", "nom": f"Nouveau lieu {i}", "adresse": f"{i} rue Neuve"}
        for i, r in enumerate(rows()[40:42])
    ]
    (root / "lieux.json").write_text(json.dumps(records + extra), encoding="utf-8")  # the third page changes
    later = harvest(store, config, fetcher, places, now=NOW + timedelta(days=2))
    assert (later.status, later.fetched, later.unchanged, later.new + later.merged) == ("complete", 14, 12, 2)


def test_an_edited_source_file_is_applied_even_when_the_data_did_not_change(store, places, served, fetcher, tmp_path):
    root, server = served
    base = {**rows()[0], "telephone": "0450000000"}
    twin = {**base, "id": "b1", "telephone": "0478999999"}
    write_csv(root / "a.csv", [base])
    write_csv(root / "b.csv", [twin])
    harvest(
        store,
        load_source(source_file(tmp_path, server.url("files/a.csv"), id="a", publisher="A", trust=60)),
        fetcher,
        places,
    )
    low = source_file(tmp_path, server.url("files/b.csv"), id="b", publisher="B", trust=40)
    assert harvest(store, load_source(low), fetcher, places).merged == 1
    (venue,) = [n.venue for n in store.nearest(float(base["latitude"]), float(base["longitude"]), limit=1)]
    assert venue.telephone == "+33450000000"  # A is trusted more
    high = source_file(tmp_path, server.url("files/b.csv"), id="b", publisher="B", trust=90)
    report = harvest(store, load_source(high), fetcher, places, now=NOW + timedelta(days=1))
    assert (report.status, report.unchanged, report.updated) == ("complete", 1, 0)  # the record is the same…
    assert "le fichier de la source a changé" in report.notes[0]
    assert "1 lieux recalculés avec le nouveau fichier de la source" in report.notes  # …its venue is not
    assert store.get_venue(venue.id).venue.telephone == "+33478999999"  # B's phone now wins
    again = harvest(store, load_source(high), fetcher, places, now=NOW + timedelta(days=2))
    assert again.status == "unchanged"


def test_an_aggregators_record_collected_by_a_directly_harvested_source_is_skipped_but_kept(
    store, places, served, fetcher, tmp_path
):
    """The standard's « source » (who collected the record) is its origin when nothing more precise is said."""
    root, server = served
    records = [{**r, "source": "Hinaura"} for r in rows()[:6]]
    records[0]["source"] = "Une commune"
    write_csv(root / "lieux.csv", records)
    aggregator = load_source(source_file(tmp_path, server.url("files/lieux.csv"), id="national", publisher="ANCT"))
    report = harvest(store, aggregator, fetcher, places, direct_origins=frozenset({"HINAURA"}))
    assert (report.skipped, report.new) == (5, 1)
    with store.engine.connect() as c:
        kept = c.execute(
            sa.text("SELECT status, count(*) FROM raw_record WHERE run_id = :r GROUP BY status"), {"r": report.run_id}
        ).all()
    assert dict(kept) == {"skipped": 5, "stored": 1}  # every record is kept as received


def test_records_taken_from_their_origin_elsewhere_do_not_make_a_source_look_shrunk(
    store, places, served, fetcher, tmp_path
):
    root, server = served
    write_csv(root / "lieux.csv", rows()[:30])  # their « source » is Hinaura
    aggregator = load_source(source_file(tmp_path, server.url("files/lieux.csv"), id="national", publisher="ANCT"))
    assert harvest(store, aggregator, fetcher, places).new == 30
    write_csv(root / "lieux.csv", [{**r, "telephone": "0450000000"} for r in rows()[:30]])
    later = harvest(
        store, aggregator, fetcher, places, now=NOW + timedelta(days=1), direct_origins=frozenset({"Hinaura"})
    )
    assert (later.status, later.skipped, later.withdrawn) == ("complete", 30, 0)  # Hinaura is now harvested directly


def test_a_run_that_fails_half_way_reports_nothing_of_what_was_rolled_back(
    store, places, served, fetcher, tmp_path, monkeypatch
):
    from directory.harvest import _batches

    root, server = served
    write_csv(root / "lieux.csv", [{**r, "id": f"{r['id']}-{copy}"} for copy in (1, 2) for r in rows()])  # 1,374
    seen = []

    def failing(record, **kwargs):  # an unexpected failure in the second batch
        seen.append(record)
        if len(seen) == 1200:
            raise RuntimeError("panne")
        return parse_venue(record, **kwargs)

    monkeypatch.setattr(_batches, "parse_venue", failing)
    report = harvest(store, load_source(source_file(tmp_path, server.url("files/lieux.csv"))), fetcher, places)
    assert (
        report.status == "failed" and "erreur inattendue en lisant la source (RuntimeError : panne)" in report.notes[0]
    )
    assert store.count_venues() == 0  # the first batch was rolled back with the rest…
    counts = store.sources.run(report.run_id).counts
    assert (
        counts["new"] == counts["fetched"] == 0 and report.quality()["warning_reasons"] == []
    )  # …and so is its report


def test_an_echo_is_recognised_whatever_the_case_and_accents_of_this_instances_name(
    store, places, served, fetcher, tmp_path
):
    """Another instance's source file may spell this instance's name differently (« annuaire rhône » vs « Annuaire Rhone »)."""
    root, server = served
    write_csv(root / "lieux.csv", rows()[:10])
    echo = load_source(
        source_file(
            tmp_path, server.url("files/lieux.csv"), id="autre", publisher="Instance B", origin="annuaire rhône"
        )
    )
    report = harvest(store, echo, fetcher, places, instance_name="Annuaire Rhone")
    assert (report.skipped, report.new) == (10, 0)


def test_provenance_names_the_winning_source_whatever_the_order_of_harvests(places, served, fetcher, tmp_path):
    """Trust decides which source a field comes from, and the stored provenance says so, in either order."""
    from directory.store import open_store

    root, server = served
    base = {**rows()[0], "telephone": "0450000001"}
    write_csv(root / "alpha.csv", [base])
    write_csv(root / "beta.csv", [{**base, "id": "b1", "telephone": "0450000002", "presentation_resume": "Ateliers"}])
    alpha = load_source(source_file(tmp_path, server.url("files/alpha.csv"), id="alpha", publisher="Alpha", trust=70))
    beta = load_source(source_file(tmp_path, server.url("files/beta.csv"), id="beta", publisher="Beta", trust=50))
    found = []
    for order in ((alpha, beta), (beta, alpha)):
        store = open_store(f"sqlite:///{tmp_path / f'{order[0].id}-first.db'}", upgrade=True)
        for config in order:
            harvest(store, config, fetcher, places)
        (venue_id,) = [n.venue.id for n in store.nearest(float(base["latitude"]), float(base["longitude"]), limit=1)]
        stored = store.get_venue(venue_id)
        found.append({name: p.source_id for name, p in stored.provenance.items()})
        assert stored.venue.telephone == "+33450000001"  # Alpha is trusted more
        store.close()
    assert found[0] == found[1]
    assert (found[0]["telephone"], found[0]["nom"], found[0]["adresse"], found[0]["presentation_resume"]) == (
        "alpha",
        "alpha",
        "alpha",
        "beta",
    )
