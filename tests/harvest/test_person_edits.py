# SPDX-License-Identifier: Apache-2.0
"""A person's back-office edits against real harvests: merges, splits and withdrawals stay; a locked
field's new value from the source waits as a proposal."""

from __future__ import annotations

from datetime import timedelta

from directory.harvest import load_source

from .test_run import NOW, harvest, rows, source_file, venues_by_records, write_csv

LATER = NOW + timedelta(hours=2)


def two_sources(root, server, tmp_path, first, second):
    write_csv(root / "a.csv", [first])
    write_csv(root / "b.csv", [second])
    a = load_source(source_file(tmp_path, server.url("files/a.csv"), id="a", publisher="A"))
    b = load_source(source_file(tmp_path, server.url("files/b.csv"), id="b", publisher="B"))
    return a, b


def test_a_merge_of_two_venues_survives_harvests_of_both_sources(store, places, served, fetcher, tmp_path):
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
    a, b = two_sources(root, server, tmp_path, base, other)
    harvest(store, a, fetcher, places)
    harvest(store, b, fetcher, places, now=NOW + timedelta(hours=1))
    (survivor, absorbed) = venues_by_records(store)
    with store.writer() as w:
        w.merge_venues(survivor, absorbed, {"nom": "absorbed"}, "Camille", LATER, places=places)
    assert store.get_venue(absorbed).merged_into == survivor
    write_csv(root / "b.csv", [{**other, "telephone": "0450111111"}])
    write_csv(root / "a.csv", [{**base, "courriels": "contact@abondance.fr"}])
    assert harvest(store, b, fetcher, places, now=NOW + timedelta(days=1)).updated == 1
    assert harvest(store, a, fetcher, places, now=NOW + timedelta(days=1)).updated == 1
    assert venues_by_records(store) == {survivor: [("a", base["id"]), ("b", "mairie")]}
    assert store.get_venue(survivor).venue.nom == "Espace numérique de la mairie"  # the person's choice holds


def test_a_split_record_stays_apart_in_harvests_of_both_sources(store, places, served, fetcher, tmp_path):
    root, server = served
    base = rows()[0]
    twin = {**base, "id": "twin", "nom": base["nom"] + " (annexe)"}
    a, b = two_sources(root, server, tmp_path, base, twin)
    harvest(store, a, fetcher, places)
    assert harvest(store, b, fetcher, places, now=NOW + timedelta(hours=1)).merged == 1
    (merged,) = venues_by_records(store)
    with store.writer() as w:
        done = w.split_record(merged, "b:twin", "Camille", LATER)
    split = {merged: [("a", base["id"])], done.split[2]: [("b", "twin")]}
    assert venues_by_records(store) == split
    write_csv(root / "b.csv", [{**twin, "telephone": "0450111111"}])
    write_csv(root / "a.csv", [{**base, "courriels": "contact@abondance.fr"}])
    assert harvest(store, b, fetcher, places, now=NOW + timedelta(days=1)).updated == 1
    assert harvest(store, a, fetcher, places, now=NOW + timedelta(days=1)).updated == 1
    assert venues_by_records(store) == split


def test_a_persons_withdrawal_and_a_locked_fields_proposal_through_harvests(store, places, served, fetcher, tmp_path):
    root, server = served
    records = rows()[:3]
    write_csv(root / "lieux.csv", records)
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    harvest(store, config, fetcher, places)
    by_record = {key[1]: venue_id for venue_id, keys in venues_by_records(store).items() for key in keys}
    gone, fixed = by_record[records[0]["id"]], by_record[records[1]["id"]]
    with store.writer() as w:
        w.withdraw_venue(gone, "Camille", LATER, "fermé")
        w.correct(fixed, "telephone", "04 50 73 00 00", "Camille", LATER, places=places)
    server.reset()
    assert harvest(store, config, fetcher, places, now=NOW + timedelta(days=1)).status == "unchanged"
    records[0] = {**records[0], "nom": records[0]["nom"] + " (nouveau nom)"}
    records[1] = {**records[1], "telephone": "0450999999"}
    write_csv(root / "lieux.csv", records)
    harvest(store, config, fetcher, places, now=NOW + timedelta(days=2))
    assert store.get_venue(gone).status == "withdrawn" and store.count_venues() == 2
    (proposal,) = store.proposals()
    assert (proposal.venue_id, proposal.field, proposal.source_name, proposal.value) == (
        fixed,
        "telephone",
        "hinaura",
        "+33450999999",
    )
    assert store.get_venue(fixed).venue.telephone == "+33450730000"
    with store.writer() as w:
        w.restore_venue(gone, "Dominique", NOW + timedelta(days=3))
    assert store.get_venue(gone).venue.nom.endswith("(nouveau nom)")  # what the source said meanwhile
