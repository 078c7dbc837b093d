# SPDX-License-Identifier: Apache-2.0
"""A person's edits: several fields at once, « garder ma valeur », withdraw, restore, a venue made by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from directory.store import Incoming, InvalidValue, NotRevertible, UnknownField, UnknownVenue

from .test_store import LATER, fill, venue

FIX = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def locked(store, venue_id: str) -> dict[str, str | None]:
    return {name: p.actor for name, p in store.get_venue(venue_id).provenance.items() if p.locked}


def test_a_whole_form_locks_only_what_the_person_changed(store):
    v = venue("a", 45.76, 4.85, telephone="0478000000", services="Aide aux démarches administratives")
    venue_id = fill(store, [v])[0].venue_id
    stored = store.get_venue(venue_id).venue
    form = {  # the venue as the form shows it, two fields changed
        "nom": stored.nom,
        "telephone": "04 72 11 22 33",
        "services": "Aide aux démarches administratives",
        "adresse": stored.adresse,
        "code_postal": "69007",
        "commune": stored.commune,
        "horaires": "",
        "courriels": "",
        "latitude": "45.76",
        "longitude": "4.85",
    }
    with store.writer() as w:
        done = w.correct_many(venue_id, form, "Camille", FIX)
    address = ("adresse", "complement_adresse", "code_postal", "commune", "code_insee")
    assert done.fields == ("telephone", *address) and set(done.changed) == {"telephone", "code_postal"}
    assert locked(store, venue_id) == dict.fromkeys(("telephone", *address), "Camille")
    changes = [(h["field"], h["actor"]) for h in store.history(venue_id) if h["at"] == FIX]
    assert sorted(changes) == [("code_postal", "Camille"), ("telephone", "Camille")]
    with store.writer() as w:  # the same form again: nothing changes, nothing more is locked
        again = w.correct_many(venue_id, {**form, "telephone": "+33472112233"}, "Dominique", FIX)
    assert (again.fields, again.changed) == ((), ())
    assert set(locked(store, venue_id).values()) == {"Camille"}


def test_every_problem_of_every_field_comes_at_once_and_nothing_is_written(store):
    venue_id = fill(store, [venue("a", 45.76, 4.85)])[0].venue_id
    before = (store.get_venue(venue_id), store.history(venue_id))
    with pytest.raises(InvalidValue) as refused, store.writer() as w:
        w.correct_many(venue_id, {"nom": " ", "telephone": "pas un numéro", "code_postal": "6900A"}, "Camille", FIX)
    assert sorted((p.field, p.code) for p in refused.value.problems) == [
        ("code_postal", "pattern_postcode"),
        ("nom", "required"),
        ("telephone", "phone"),
    ]
    assert (store.get_venue(venue_id), store.history(venue_id)) == before
    with pytest.raises(UnknownField), store.writer() as w:
        w.correct_many(venue_id, {"nom": "Ici", "couleur": "bleu"}, "Camille", FIX)


def test_keeping_a_value_locks_it_as_it_is(store):
    v = venue("a", 45.76, 4.85, telephone="0478000000")
    venue_id = fill(store, [v])[0].venue_id
    with store.writer() as w:
        kept = w.lock_fields(venue_id, ["telephone", "code_postal"], "Camille", FIX)
    assert kept.fields == ("telephone", "adresse", "complement_adresse", "code_postal", "commune", "code_insee")
    assert kept.changed == () and len(store.history(venue_id)) == 1
    with store.writer() as w:
        w.apply("src", "a", replace(v, telephone="0478999999", code_postal="69002"), at=LATER)
    stored = store.get_venue(venue_id).venue
    assert (stored.telephone, stored.code_postal) == ("+33478000000", "69003")
    assert [p.field for p in store.proposals()] == ["adresse", "telephone"]


def test_a_persons_withdrawal_sticks_until_a_person_restores(store):
    v = venue("a", 45.76, 4.85, telephone="0478000000")
    venue_id = fill(store, [v])[0].venue_id
    with store.writer() as w:
        w.withdraw_venue(venue_id, "Camille", FIX, "fermé définitivement")
    stored = store.get_venue(venue_id)
    assert stored.status == "withdrawn" and store.count_venues() == 0
    last = store.history(venue_id)[-1]
    assert (last["action"], last["actor"], last["new"]) == ("withdraw", "Camille", {"reason": "fermé définitivement"})
    with store.writer() as w:  # the source still publishes it, unchanged then changed: it stays withdrawn
        assert w.apply("src", "a", v, at=LATER).action == "unchanged"
        assert w.apply("src", "a", replace(v, telephone="+33478111111"), at=LATER).action == "unchanged"
        w.remerge_source("src", LATER)
    assert store.get_venue(venue_id).status == "withdrawn"
    assert [h["action"] for h in store.history(venue_id)] == ["create", "withdraw"]
    with store.writer() as w:
        with pytest.raises(UnknownVenue):
            w.correct(venue_id, "nom", "Ici", "Camille", LATER)
        done = w.restore_venue(venue_id, "Dominique", LATER + timedelta(hours=1))
    assert done.changed == ("telephone",)  # what the source said meanwhile
    stored = store.get_venue(venue_id)
    assert (stored.status, stored.venue.telephone) == ("active", "+33478111111")
    assert [(h["action"], h["actor"]) for h in store.history(venue_id)][-2:] == [
        ("restore", "Dominique"),
        ("update", "Dominique"),
    ]
    assert [n.venue.id for n in store.nearest(45.76, 4.85)] == [venue_id]
    with store.writer() as w:
        assert len(w.match_blocks(["tel:+33478111111"], 10)["tel:+33478111111"]) == 1  # matching finds it again
        with pytest.raises(NotRevertible, match="n'est pas retiré"):
            w.restore_venue(venue_id, "Dominique", LATER)


def test_a_venue_its_sources_withdrew_and_a_person_restored_stands_without_records(store):
    venue_id = fill(store, [venue("a", 45.76, 4.85)])[0].venue_id
    with store.writer() as w:
        assert w.withdraw_missing("src", set(), LATER) == [venue_id]
        w.restore_venue(venue_id, "Camille", LATER)
    assert store.get_venue(venue_id).status == "active" and store.get_venue(venue_id).venue.nom == "Lieu a"
    with store.writer() as w:  # a person's edit merges it again: it is not withdrawn as emptied
        assert w.correct(venue_id, "nom", "Lieu A", "Camille", LATER).changed == ("nom",)
        w.withdraw_missing("src", set(), LATER + timedelta(days=1))
    assert store.get_venue(venue_id).status == "active" and store.get_venue(venue_id).venue.nom == "Lieu A"


def test_a_venue_made_by_hand(store, places):
    values = {
        "nom": "Atelier numérique du quartier",
        "adresse": "5 place Bellecour",
        "code_postal": "69002",
        "commune": "Lyon",
        "telephone": "04 72 00 00 00",
        "services": "Aide aux démarches administratives",
        "latitude": "45.7578",
        "longitude": "4.8320",
        "date_maj": "2026-11-20",
    }
    with store.writer() as w:
        done = w.create_venue(values, "Camille", FIX, places=places)
    venue_id = done.venue_id
    stored = store.get_venue(venue_id)
    assert (stored.status, stored.sources, stored.venue.telephone, stored.venue.code_insee) == (
        "active",
        [],
        "+33472000000",
        "69382",
    )
    assert stored.venue.pivot == "00000000000000"
    assert set(locked(store, venue_id).values()) == {"Camille"} and "telephone" in locked(store, venue_id)
    assert [(h["action"], h["actor"], h["source_id"]) for h in store.history(venue_id)] == [("create", "Camille", None)]
    assert [n.venue.id for n in store.nearest(45.7578, 4.8320)] == [venue_id]
    with store.writer() as w:  # merged again without records: it keeps its values
        assert w.correct(venue_id, "horaires", "Mo-Fr 09:00-12:00", "Dominique", LATER).changed == ("horaires",)
        w.ensure_source(__import__("directory.store").store.SourceInfo("b", "Réseau B"))
        record = venue(
            "y", 45.7578, 4.8320, nom="Atelier du quartier", telephone="0472999999", site_web="https://atelier.fr"
        )
        w.apply_many("b", [Incoming("y", record, attach_to=venue_id)], at=LATER)  # matching found it
    stored = store.get_venue(venue_id)
    assert (stored.venue.nom, stored.venue.telephone, stored.venue.site_web) == (
        "Atelier numérique du quartier",
        "+33472000000",
        [],
    )  # every field is the person's
    assert {p.field for p in store.proposals()} >= {"nom", "telephone", "site_web"}
    with store.writer() as w:  # its record leaves: the venue stays
        w.withdraw_missing("b", set(), LATER + timedelta(days=1))
    assert store.get_venue(venue_id).status == "active" and store.count_venues() == 1
    with pytest.raises(InvalidValue) as refused, store.writer() as w:
        w.create_venue({"nom": "Sans adresse", "telephone": "pas un numéro"}, "Camille", FIX)
    assert {p.code for p in refused.value.problems} >= {"required", "phone"}
    assert store.count_venues() == 1
