# SPDX-License-Identifier: Apache-2.0
"""The review queue's store, on both backends: new venues of a low-trust source wait for « Publier »
or « Refuser » (published nowhere meanwhile, sticky through later harvests), and quarantined records
are fixed by hand or dismissed, by territory, remembered by (source, record, content hash)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from directory.store import (
    ChangeFeed,
    Incoming,
    InvalidValue,
    NotPending,
    NotRevertible,
    RawRecord,
    Scope,
    SourceInfo,
    UnknownQuarantined,
)

from .test_store import AT, LATER, venue

DECIDED = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
LOW = SourceInfo("petit-reseau", "Petit réseau", kind="network", trust=20)
EVERYTHING = Scope(everything=True)
LYON = Scope(communes=frozenset({"69383"}))
NANCY = Scope(departements=frozenset({"54"}))


def harvest_pending(store, *venues, at=AT):
    with store.writer() as w:
        w.ensure_source(LOW)
        return w.apply_many(LOW.id, [Incoming(v.id, v) for v in venues], at=at, pending=True)


def status(store, venue_id):
    return store.get_venue(venue_id).status


def test_a_pending_venue_is_published_nowhere_and_matches_nothing(store):
    (created,) = harvest_pending(store, venue("p1", 45.76, 4.85, telephone="0478000000", code_insee="69383"))
    assert created.action == "created" and status(store, created.venue_id) == "pending"
    assert list(store.iter_venues()) == [] and store.nearest(45.76, 4.85) == []
    assert store.venues([created.venue_id]) == {} and store.count_venues() == 0
    with store.writer() as w:
        assert w.match_blocks(["tel:+33478000000", "cp:69003"], 100) == {}
    assert ChangeFeed(store).page(0).items == []  # not even a tombstone: it was never published
    (waiting,) = store.pending_venues(EVERYTHING)
    assert (waiting.venue_id, waiting.values["nom"], waiting.sources) == (
        created.venue_id,
        "Lieu p1",
        [(LOW.id, "Petit réseau", "p1")],
    )
    assert [p.venue_id for p in store.pending_venues(LYON)] == [created.venue_id]
    assert store.pending_venues(NANCY) == []


def test_a_pending_venue_follows_its_record_but_never_changes_status_by_itself(store):
    v = venue("p1", 45.76, 4.85)
    (created,) = harvest_pending(store, v)
    venue_id = created.venue_id
    (updated,) = harvest_pending(store, replace(v, nom="Lieu p1 renommé"), at=LATER)
    assert updated.action == "updated" and status(store, venue_id) == "pending"
    assert store.get_venue(venue_id).venue.nom == "Lieu p1 renommé"
    with store.writer() as w:  # the source drops it: it waits unseen, not withdrawn
        assert w.withdraw_missing(LOW.id, set(), LATER) == []
    assert status(store, venue_id) == "pending" and store.pending_venues(EVERYTHING) == []
    (back,) = harvest_pending(store, replace(v, nom="Lieu p1 renommé"), at=LATER + timedelta(days=1))
    assert back.venue_id == venue_id and status(store, venue_id) == "pending"
    assert [p.venue_id for p in store.pending_venues(EVERYTHING)] == [venue_id]
    assert ChangeFeed(store).page(0).items == []


def test_publishing_makes_it_active_in_the_persons_name_and_the_feed_sends_it_whole(store):
    (created,) = harvest_pending(store, venue("p1", 45.76, 4.85, telephone="0478000000"))
    venue_id = created.venue_id
    with store.writer() as w:
        w.publish_venue(venue_id, "camille", DECIDED)
    assert status(store, venue_id) == "active" and [s.venue.id for s in store.iter_venues()] == [venue_id]
    (item,) = ChangeFeed(store).page(0).items
    assert (item.venue_id, item.action, item.venue.nom) == (venue_id, "upsert", "Lieu p1")
    assert [(h["action"], h["actor"]) for h in store.history(venue_id)] == [("create", None), ("publish", "camille")]
    with store.writer() as w:
        assert list(w.match_blocks(["tel:+33478000000"], 100).values()) != []
    with pytest.raises(NotPending, match="déjà publié"), store.writer() as w:
        w.publish_venue(venue_id, "camille", DECIDED)
    with pytest.raises(NotRevertible, match="pas publié"), store.writer() as w:
        w.revert_to(venue_id, AT + timedelta(hours=1), "camille", DECIDED)
    with store.writer() as w:  # once published, it is a harvested venue like the others
        assert w.withdraw_missing(LOW.id, set(), LATER) == [venue_id]


def test_a_refused_venue_stays_refused_whatever_its_record_says_later(store):
    v = venue("p1", 45.76, 4.85)
    (created,) = harvest_pending(store, v)
    venue_id = created.venue_id
    with store.writer() as w:
        w.refuse_venue(venue_id, "camille", DECIDED, "ce lieu a fermé en 2020")
    assert status(store, venue_id) == "refused" and store.pending_venues(EVERYTHING) == []
    (same,) = harvest_pending(store, v, at=LATER)
    (changed,) = harvest_pending(store, replace(v, nom="Autre nom"), at=LATER + timedelta(days=1))
    assert same.venue_id == changed.venue_id == venue_id  # its record stays linked: never made again
    assert status(store, venue_id) == "refused"
    with store.writer() as w:
        w.withdraw_missing(LOW.id, set(), LATER + timedelta(days=2))
    harvest_pending(store, v, at=LATER + timedelta(days=3))
    assert status(store, venue_id) == "refused" and list(store.iter_venues()) == []
    assert ChangeFeed(store).page(0).items == []
    refusal = [h for h in store.history(venue_id) if h["action"] == "refuse"]
    assert [(h["actor"], h["new"]) for h in refusal] == [("camille", {"reason": "ce lieu a fermé en 2020"})]
    with pytest.raises(NotPending, match="refusé"), store.writer() as w:
        w.publish_venue(venue_id, "camille", DECIDED)


# -- quarantined records --------------------------------------------------------------------------

PAYLOADS = {
    "lyon": '{"id": "q1", "nom": "Sans adresse", "code_postal": "69003", "commune": "Lyon"}',
    "nancy": '{"id": "q2", "nom": "Sans adresse non plus", "code_postal": "54000", "commune": "Nancy"}',
    "nowhere": '{"id": "q3", "nom": "Nulle part"}',
}
PROBLEM = {
    "field": "adresse",
    "code": "required",
    "severity": "error",
    "value": None,
    "message": "champ obligatoire absent",
}


def quarantine_run(store, payloads=PAYLOADS, at=AT, status="complete"):
    """A run of ``LOW`` that quarantined these records (place: the INSEE code read from each)."""
    run_id = store.start_run(LOW, at, kind="harvest")
    places = {"lyon": "69383", "nancy": "54395", "nowhere": None}
    with store.writer() as w:
        w.add_raw_records(
            run_id,
            LOW.id,
            [
                RawRecord(n, f"q{n}", payload, "quarantined", [PROBLEM], places.get(key), {"nom": key})
                for n, (key, payload) in enumerate(payloads.items(), start=1)
            ],
            at,
        )
    store.finish_run(run_id, status, {"quarantined": len(payloads)})
    return run_id


def test_quarantined_records_of_the_last_reading_run_by_territory(store):
    quarantine_run(store)
    every = store.quarantined(EVERYTHING)
    assert [(q.record_id, q.code_insee, q.source_name) for q in every] == [
        ("q1", "69383", "Petit réseau"),
        ("q2", "54395", "Petit réseau"),
        ("q3", None, "Petit réseau"),
    ]
    assert every[0].problems == [PROBLEM] and every[0].mapped == {"nom": "lyon"}
    assert ("code_postal", "69003") in every[0].cells and ("nom", "Sans adresse") in every[0].cells
    assert [q.record_id for q in store.quarantined(LYON)] == ["q1"]
    assert [q.record_id for q in store.quarantined(NANCY)] == ["q2"]
    assert store.quarantined(Scope(venue_ids=frozenset({"x"}))) == []  # a structure's manager: none
    quarantine_run(store, at=LATER, status="failed")  # a failed run read nothing: the last reading one counts
    assert len(store.quarantined(EVERYTHING)) == 3
    quarantine_run(store, {"lyon": PAYLOADS["lyon"]}, at=LATER)  # the source fixed q2 and q3
    assert [q.record_id for q in store.quarantined(EVERYTHING)] == ["q1"]


def test_a_dismissed_record_stays_away_while_it_reads_the_same(store):
    quarantine_run(store)
    q2 = store.quarantined(NANCY)[0]
    with store.writer() as w:
        w.dismiss_quarantined(q2.pk, "nina", DECIDED, "fermé")
    assert [q.record_id for q in store.quarantined(EVERYTHING)] == ["q1", "q3"]
    with pytest.raises(UnknownQuarantined), store.writer() as w:
        w.dismiss_quarantined(q2.pk, "nina", DECIDED)
    quarantine_run(store, at=LATER)  # quarantined again, the same
    assert [q.record_id for q in store.quarantined(EVERYTHING)] == ["q1", "q3"]
    changed = {**PAYLOADS, "nancy": PAYLOADS["nancy"].replace("non plus", "toujours")}
    quarantine_run(store, changed, at=LATER + timedelta(days=1))  # changed: it comes back
    assert [q.record_id for q in store.quarantined(EVERYTHING)] == ["q1", "q2", "q3"]
    with store.engine.connect() as c:
        row = c.execute(sa.text("SELECT decision, actor, reason, venue_id FROM quarantine_decision")).one()
    assert tuple(row) == ("dismissed", "nina", "fermé", None)


def test_a_record_fixed_by_hand_becomes_a_persons_venue(store, places):
    quarantine_run(store)
    q1 = store.quarantined(LYON)[0]
    form = {"nom": "Sans adresse", "adresse": "", "code_postal": "69003", "commune": "Lyon"}
    with pytest.raises(InvalidValue) as refused, store.writer() as w:
        w.resolve_quarantined(q1.pk, form, "camille", DECIDED, places=places)
    assert [p.field for p in refused.value.problems] == ["adresse"]
    assert len(store.quarantined(EVERYTHING)) == 3 and store.count_venues() == 0  # nothing written
    with store.writer() as w:
        done = w.resolve_quarantined(q1.pk, {**form, "adresse": "12 rue Paul Bert"}, "camille", DECIDED, places=places)
    stored = store.get_venue(done.venue_id)
    assert (stored.status, stored.venue.adresse, stored.venue.code_insee) == ("active", "12 rue Paul Bert", "69383")
    assert stored.provenance["nom"].actor == "camille" and stored.provenance["nom"].locked
    assert [q.record_id for q in store.quarantined(EVERYTHING)] == ["q2", "q3"]
    quarantine_run(store, at=LATER)
    assert [q.record_id for q in store.quarantined(EVERYTHING)] == ["q2", "q3"]
    with store.engine.connect() as c:
        row = c.execute(sa.text("SELECT decision, actor, venue_id, record_id FROM quarantine_decision")).one()
    assert tuple(row) == ("resolved", "camille", done.venue_id, "q1")
