# SPDX-License-Identifier: Apache-2.0
"""Undoing from the history: one change, or every change since a date, as corrections by the person who undoes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from directory.store import NotRevertible, UnknownVenue

from .test_store import AT, LATER, fill, venue

FIX = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
UNDO = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def seq_of(store, venue_id: str, field: str) -> int:
    return next(h["seq"] for h in reversed(store.history(venue_id)) if h["field"] == field)


def test_reverting_an_update_puts_the_old_value_back_in_the_persons_name(store):
    v = venue("a", 45.76, 4.85, telephone="0478000000")
    venue_id = fill(store, [v])[0].venue_id
    with store.writer() as w:  # the source changes the phone
        w.apply("src", "a", replace(v, telephone="+33478111111"), at=LATER)
    with store.writer() as w:
        done = w.revert_change(seq_of(store, venue_id, "telephone"), "Camille", UNDO)
    assert (done.fields, done.changed) == (("telephone",), ("telephone",))
    stored = store.get_venue(venue_id)
    assert stored.venue.telephone == "+33478000000"
    phone = stored.provenance["telephone"]
    assert (phone.actor, phone.locked, phone.source_id, phone.at) == ("Camille", True, None, UNDO)
    last = store.history(venue_id)[-1]
    assert (last["action"], last["field"], last["old"], last["new"], last["actor"]) == (
        "update",
        "telephone",
        "+33478111111",
        "+33478000000",
        "Camille",
    )
    with store.writer() as w:  # the person's value is locked: the next harvest proposes, no longer overwrites
        w.apply("src", "a", replace(v, telephone="+33478222222"), at=UNDO + timedelta(days=1))
    assert store.get_venue(venue_id).venue.telephone == "+33478000000"
    assert [p.value for p in store.proposals()] == ["+33478222222"]


def test_reverting_a_field_of_the_address_keeps_the_rest_of_it(store):
    v = venue("a", 45.76, 4.85)
    venue_id = fill(store, [v])[0].venue_id
    with store.writer() as w:
        w.correct(venue_id, "code_postal", "69007", "Camille", FIX)
        w.correct(venue_id, "adresse", "2 rue Neuve", "Camille", FIX)
    with store.writer() as w:
        w.revert_change(seq_of(store, venue_id, "code_postal"), "Dominique", UNDO)
    stored = store.get_venue(venue_id)
    assert (stored.venue.code_postal, stored.venue.adresse) == ("69003", "2 rue Neuve")
    assert stored.provenance["adresse"].actor == stored.provenance["code_postal"].actor == "Dominique"


def test_a_creation_and_a_merge_are_not_reverted_a_withdrawal_is(store):
    venue_id = fill(store, [venue("a", 45.76, 4.85)])[0].venue_id
    create = store.history(venue_id)[0]["seq"]
    with pytest.raises(NotRevertible, match="création"), store.writer() as w:
        w.revert_change(create, "Camille", UNDO)
    with pytest.raises(NotRevertible, match="aucune modification"), store.writer() as w:
        w.revert_change(10_000, "Camille", UNDO)
    with store.writer() as w:
        w.withdraw_missing("src", set(), LATER)
    withdrawal = store.history(venue_id)[-1]
    assert withdrawal["action"] == "withdraw"
    with store.writer() as w:
        w.revert_change(withdrawal["seq"], "Camille", UNDO)
    assert store.get_venue(venue_id).status == "active"
    assert [(h["action"], h["actor"]) for h in store.history(venue_id)][-1] == ("restore", "Camille")
    with store.writer() as w:  # undoing that restoration withdraws it again, in the person's name
        w.revert_change(store.history(venue_id)[-1]["seq"], "Dominique", UNDO)
    assert store.get_venue(venue_id).status == "withdrawn"
    assert store.history(venue_id)[-1]["actor"] == "Dominique"


def test_reverting_to_a_date_puts_back_every_field_changed_since(store, places):
    v = venue("a", 45.76, 4.85, telephone="0478000000", code_insee="69383")
    venue_id = fill(store, [v])[0].venue_id
    with store.writer() as w:
        w.correct(venue_id, "nom", "Premier nom", "Camille", FIX)
    with store.writer() as w:  # after FIX: the source moves the point and changes the phone, a person the name twice
        w.apply("src", "a", replace(v, telephone="+33478111111", latitude=45.7601), at=LATER)
        w.correct(venue_id, "nom", "Deuxième nom", "Camille", LATER)
        w.correct(venue_id, "nom", "Troisième nom", "Camille", LATER + timedelta(hours=1))
    with store.writer() as w:
        done = w.revert_to(venue_id, FIX, "Dominique", UNDO, places=places)
    assert set(done.changed) == {"nom", "telephone", "latitude"}
    stored = store.get_venue(venue_id)
    assert (stored.venue.nom, stored.venue.telephone, stored.venue.point) == (
        "Premier nom",
        "+33478000000",
        (45.76, 4.85),
    )
    assert {name for name, p in stored.provenance.items() if p.locked and p.actor == "Dominique"} == {
        "nom",
        "telephone",
        "latitude",
        "longitude",
        "geo_method",
    }
    with pytest.raises(NotRevertible, match="n'existait pas"), store.writer() as w:
        w.revert_to(venue_id, AT - timedelta(days=1), "Dominique", UNDO)
    with pytest.raises(UnknownVenue), store.writer() as w:
        w.revert_to("inconnu", FIX, "Dominique", UNDO)
