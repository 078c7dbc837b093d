# SPDX-License-Identifier: Apache-2.0
"""Resolution of new records against known venues: one match joins, several go to a person."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from directory.harvest._features import features
from directory.harvest.dedupe import SEVERAL, MatchIndex, StoredIndex, _pack, _unpack, resolve
from directory.harvest.matching import block_keys
from directory.schema import PLACEHOLDER_PIVOT, Itinerance, Precision, Venue
from directory.store import Incoming, SourceInfo

HALL = Venue(
    id="hall",
    pivot=PLACEHOLDER_PIVOT,
    nom="Maison des initiatives et des services",
    commune="Marennes-Hiers-Brouage",
    code_postal="17320",
    adresse="22-24 rue Dubois Meynardie",
    date_maj=date(2022, 1, 1),
    latitude=45.82235,
    longitude=-1.10834,
    telephone="+33546850000",
)


def index_of(*venues: tuple[str, Venue]) -> MatchIndex:
    index = MatchIndex()
    for venue_id, venue in venues:
        index.add(venue_id, venue, [f"a:{venue.id}"])
    return index


def test_one_match_joins_and_keeps_its_evidence():
    fs = dataclasses.replace(HALL, id="fs", nom="France Services Marennes Oléron", adresse="24 rue Dubois Meynardie")
    result = resolve(index_of(("v1", HALL)), "b", [("fs", fs)], {})
    assert result.attach_to == {"fs": "v1"} and result.doubtful == []
    (merge,) = result.merges
    assert (merge["left_key"], merge["right_key"]) == ("b:fs", "a:hall")
    assert {"same_address", "hosted:france_services"} <= set(merge["parts"]["signs"])


def test_a_record_matching_two_venues_joins_neither_and_both_pairs_go_to_review():
    twin = dataclasses.replace(HALL, id="twin", nom="Maison des initiatives et des services (MIS)")
    index = index_of(("v1", HALL), ("v2", twin))  # two venues a person has not yet seen as one
    record = dataclasses.replace(HALL, id="r")
    result = resolve(index, "b", [("r", record)], {})
    assert result.attach_to == {} and result.merges == []
    assert {(p["left_key"], p["right_key"]) for p in result.doubtful} == {("b:r", "a:hall"), ("b:r", "a:twin")}
    assert all(SEVERAL in p["parts"]["signs"] for p in result.doubtful)


def test_a_point_at_the_commune_centre_is_not_counted_as_a_distance():
    far = dataclasses.replace(HALL, id="far", adresse="Place de la mairie", latitude=45.8300, longitude=-1.1000)
    exact = resolve(index_of(("v1", HALL)), "b", [("far", far)], {})
    coarse = resolve(index_of(("v1", HALL)), "b", [("far", far)], {}, precisions={"far": Precision.COMMUNE})
    assert exact.attach_to == {} and coarse.attach_to == {"far": "v1"}
    assert "approximate_point" in coarse.merges[0]["parts"]["signs"]


def test_keys_computed_for_a_records_own_point_stand_for_it_until_the_run_places_it_otherwise():
    """Validation's workers send each venue's blocking keys for its own point (``_batches.validate``): they
    are used as given, but a record the run placed (a precision given) looks in the blocks of that precision."""
    far = dataclasses.replace(HALL, id="far", adresse="Place de la mairie", latitude=45.8300, longitude=-1.1000)
    own = block_keys(far)
    sent = own._replace(sought=own.sought | {"tel:sent"})  # told apart from keys computed again
    exact = resolve(index_of(("v1", HALL)), "b", [("far", far)], {}, computed_keys={"far": sent})
    assert exact.keys["far"] is sent
    coarse = resolve(
        index_of(("v1", HALL)),
        "b",
        [("far", far)],
        {},
        precisions={"far": Precision.COMMUNE},
        computed_keys={"far": sent},
    )
    assert coarse.keys["far"] == block_keys(far, Precision.COMMUNE) != own
    assert coarse.attach_to == {"far": "v1"}


def test_the_store_is_read_for_a_records_cells_street_and_name_not_its_whole_commune(store):
    """``StoredIndex`` reads, for a record with a precise point, the venues of its cells, street, name
    and contacts; the rest of its commune only for a record its point does not place (its commune's centre)."""
    here = dataclasses.replace(HALL, id="here", code_insee="17219", telephone=None)
    with store.writer() as w:
        w.ensure_source(SourceInfo("a", "a"))
        w.apply_many("a", [Incoming("here", here)], at=datetime(2026, 11, 25, tzinfo=UTC))
    # 2.5 km north, another name, another street: only the commune in common
    elsewhere = dataclasses.replace(here, id="r", nom="Club Zola", adresse="3 rue Zola", latitude=45.845)
    same_street = dataclasses.replace(elsewhere, nom="Club Sand", adresse="8 rue Dubois Meynardie")
    same_name = dataclasses.replace(elsewhere, nom="Maison des services et des initiatives")

    def read_for(record: Venue, precision: Precision | None = None) -> set[str]:
        with store.writer() as w:
            index = StoredIndex(w)
            index.prepare([block_keys(record, precision)])
            return {entry.features.nom for entry in index.entries.values()}

    assert read_for(elsewhere) == set()
    assert read_for(elsewhere, Precision.COMMUNE) == {here.nom}
    assert read_for(dataclasses.replace(elsewhere, latitude=None, longitude=None)) == {here.nom}
    assert read_for(same_street) == {here.nom} and read_for(same_name) == {here.nom}


def test_a_stored_mobile_unit_is_compared_as_one(store):
    """A venue whose itinerance says it moves, read back from the store, is still a mobile unit: the
    same unit from another source joins it (were it read as a fixed site, the rule « a mobile unit
    never joins a fixed one » would keep them apart)."""
    unit = dataclasses.replace(
        HALL, id="unit", nom="Permanences numériques du Pays Marennes", itinerance=[Itinerance.ITINERANT]
    )
    with store.writer() as w:
        w.ensure_source(SourceInfo("a", "a"))
        w.apply_many("a", [Incoming("unit", unit)], at=datetime(2026, 11, 25, tzinfo=UTC))
    again = dataclasses.replace(unit, id="u2", nom="Permanences numériques Pays Marennes")
    with store.writer() as w:
        result = resolve(StoredIndex(w), "b", [("u2", again)], {})
    assert len(result.attach_to) == 1 and "mobile_unit" not in result.merges[0]["parts"]["signs"]


def test_the_index_keeps_venues_between_batches_and_reads_again_those_the_writer_changed(store):
    """One ``StoredIndex`` serves a run's batches: a venue met once is not read again, until the writer
    changes it (here a second record joins it and brings a phone number: its features change)."""
    at = datetime(2026, 11, 25, tzinfo=UTC)
    hall = dataclasses.replace(HALL, telephone=None)
    with store.writer() as w:
        w.ensure_source(SourceInfo("a", "a"))
        w.apply_many("a", [Incoming("hall", hall)], at=at)
        index = StoredIndex(w)
        read: list[int] = []
        match_venues = w.match_venues
        w.match_venues = lambda pks: read.extend(pks) or match_venues(pks)

        def phones_met(record: Venue) -> set[frozenset[str]]:
            index.prepare([block_keys(record)])
            return {entry.features.phones for entry in index.entries.values()}

        assert phones_met(hall) == {frozenset()} and len(read) == 1
        assert phones_met(hall) == {frozenset()} and len(read) == 1  # kept: not read again
        (venue_id,) = index.entries
        w.apply_many("a", [Incoming("hall-2", HALL, attach_to=venue_id)], at=at)
        assert phones_met(hall) == {frozenset({HALL.telephone})} and len(read) == 2


def test_venues_a_run_creates_are_met_by_its_next_batches_without_reading_them(store):
    at = datetime(2026, 11, 25, tzinfo=UTC)
    with store.writer() as w:
        w.ensure_source(SourceInfo("a", "a"))
        (created,) = w.apply_many("a", [Incoming("hall", HALL)], at=at)
        index = StoredIndex(w)
        index.remember(
            [(w.venue_pks([created.venue_id])[created.venue_id], created.venue_id, features(HALL), "a:hall", None)]
        )
        w.match_venues = lambda pks: pytest.fail(f"read {pks}")
        record = dataclasses.replace(HALL, id="again", nom="Maison des initiatives et services")
        result = resolve(index, "b", [("again", record)], {})
    assert result.attach_to == {"again": created.venue_id}


def test_a_venue_kept_between_batches_is_compared_as_it_was_met():
    """``StoredIndex`` keeps venues packed (``marshal``): every feature comes back as it was, down to
    the house numbers, the point and the contacts."""
    venue = dataclasses.replace(
        HALL, courriels=["Contact@Mairie.fr"], site_web=["https://www.marennes.fr/"], itinerance=[Itinerance.ITINERANT]
    )
    venue_id, entry = _unpack(_pack("v1", features(venue), ["a:hall"], Precision.STREET))
    assert (venue_id, entry.record_keys, entry.precision) == ("v1", ["a:hall"], Precision.STREET)
    assert entry.features == features(venue)
    assert entry.features.numbers and entry.features.point and entry.features.emails and entry.features.mobile
