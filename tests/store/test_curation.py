# SPDX-License-Identifier: Apache-2.0
"""``Writer.correct`` and ``Writer.unlock``: a person fixes a field, harvests keep it, until it is given back."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from directory.schema import MESSAGES
from directory.store import InvalidValue, UnknownField, UnknownVenue
from directory.store._curation import DROPPED

from .test_store import LATER, fill, venue

FIX = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
PARENTS = "parentalite-et-education-avec-le-numerique"  # a code; its label works as well


def rows(store, sql: str, venue_id: str) -> set[tuple]:
    with store.engine.connect() as c:
        return set(
            c.execute(sa.text(sql + " AND venue_pk = (SELECT pk FROM venue WHERE id = :id)"), {"id": venue_id}).all()
        )


def test_a_correction_is_normalised_locked_logged_and_everything_derived_follows(store):
    v = venue("a", 45.76, 4.85, telephone="0478000000", services="Aide aux démarches administratives")
    venue_id = fill(store, [v])[0].venue_id
    with store.writer() as w:
        phone = w.correct(venue_id, "telephone", "04 72 11 22 33", "Camille", FIX)
        services = w.correct(venue_id, "services", f"Aide aux démarches administratives|{PARENTS}", "Camille", FIX)
    assert (phone.fields, phone.changed, phone.warnings) == (("telephone",), ("telephone",), ())
    assert services.changed == ("services",)
    stored = store.get_venue(venue_id)
    assert stored.venue.telephone == "+33472112233"  # E.164, as a harvested phone
    assert [s.code for s in stored.venue.services] == ["aide-aux-demarches-administratives", PARENTS]
    telephone = stored.provenance["telephone"]
    assert (telephone.source_id, telephone.actor, telephone.locked, telephone.at) == (None, "Camille", True, FIX)
    assert stored.provenance["nom"].locked is False
    update = store.history(venue_id)[-2]
    assert (update["action"], update["field"], update["old"], update["new"], update["source_id"], update["actor"]) == (
        "update",
        "telephone",
        "+33478000000",
        "+33472112233",
        None,
        "Camille",
    )
    terms = rows(store, "SELECT code FROM venue_term WHERE field = 'services'", venue_id)
    assert terms == {("aide-aux-demarches-administratives",), (PARENTS,)}
    # A venue given without offers offers one per service (``Venue.offers``), following the correction.
    assert {(o.services[0].code,) for o in stored.venue.offers()} == terms
    keys = rows(store, "SELECT kind, key FROM match_key WHERE kind = 'tel'", venue_id)
    assert keys == {("tel", "+33472112233")}
    with store.writer() as w:  # the source says something else: the person's value stays
        w.apply("src", "a", replace(v, telephone="+33478999999", nom="Nouveau nom"), at=LATER)
    stored = store.get_venue(venue_id)
    assert (stored.venue.telephone, stored.venue.nom) == ("+33472112233", "Nouveau nom")
    assert stored.provenance["telephone"].locked


def test_a_refused_value_writes_nothing(store):
    venue_id = fill(store, [venue("a", 45.76, 4.85, telephone="0478000000")])[0].venue_id
    before = (store.get_venue(venue_id), store.history(venue_id))
    cases = [
        ("telephone", "pas un numéro", ["phone"]),
        ("nom", "  ", ["required"]),
        ("services", "Réparation de vélos", ["unknown_term_dropped"]),
        ("courriels", "a@b.fr, pas-une-adresse", ["email"]),
        ("code_postal", "6900A", ["pattern_postcode"]),
        ("latitude", "abc", ["not_a_number", "coordinates_incomplete"]),
    ]
    for field, value, codes in cases:
        with pytest.raises(InvalidValue) as refused, store.writer() as w:
            w.correct(venue_id, field, value, "Camille", FIX)
        assert [p.code for p in refused.value.problems] == codes, field
    with pytest.raises(InvalidValue, match=r"^telephone : numéro de téléphone illisible"), store.writer() as w:
        w.correct(venue_id, "telephone", "01 02", "Camille", FIX)
    assert (store.get_venue(venue_id), store.history(venue_id)) == before
    with pytest.raises(UnknownVenue), store.writer() as w:
        w.correct("inconnu", "nom", "Nom", "Camille", FIX)
    for field in ("id", "couleur"):
        with pytest.raises(UnknownField), store.writer() as w:
            w.correct(venue_id, field, "x", "Camille", FIX)


def test_every_warning_that_leaves_a_value_out_refuses_a_correction():
    """« valeur ignorée », « point ignoré »: a harvest stores the record without it, a person is told."""
    leaving_out = {code for code, message in MESSAGES.items() if "ignoré" in message}
    assert leaving_out <= DROPPED <= set(MESSAGES)


def test_an_address_is_locked_whole_and_given_back_whole(store):
    v = venue("a", 45.76, 4.85, code_insee="69383")
    venue_id = fill(store, [v])[0].venue_id
    with store.writer() as w:
        done = w.correct(venue_id, "code_postal", "69007", "Camille", FIX)
    assert done.fields == ("adresse", "complement_adresse", "code_postal", "commune", "code_insee")
    assert done.changed == ("code_postal",)
    assert [p.code for p in done.warnings] == []  # no gazetteer here: nothing to compare the postcode with
    provenance = store.get_venue(venue_id).provenance
    assert {name for name, p in provenance.items() if p.locked} == set(done.fields)
    with store.writer() as w:  # the source moves the venue: none of its address is taken while it is locked
        w.apply("src", "a", replace(v, adresse="2 rue Neuve", code_postal="69002", nom="Nouveau nom"), at=LATER)
    stored = store.get_venue(venue_id).venue
    assert (stored.adresse, stored.code_postal, stored.code_insee, stored.nom) == (
        "1 rue de la Gare",
        "69007",
        "69383",
        "Nouveau nom",
    )
    with store.writer() as w:
        back = w.unlock(venue_id, "commune", "Dominique", FIX)
    assert back.fields == done.fields and set(back.changed) == {"adresse", "code_postal"}
    stored = store.get_venue(venue_id)
    assert (stored.venue.adresse, stored.venue.code_postal) == ("2 rue Neuve", "69002")
    assert (stored.provenance["adresse"].source_id, stored.provenance["adresse"].locked) == ("src", False)
    assert not any(p.locked for p in stored.provenance.values())
    logged = [(h["field"], h["new"], h["actor"], h["source_id"]) for h in store.history(venue_id) if h["at"] == FIX]
    assert logged == [
        ("code_postal", "69007", "Camille", None),
        ("code_postal", "69002", "Dominique", None),
        ("adresse", "2 rue Neuve", "Dominique", None),
    ]
    with store.writer() as w:  # nothing locked any more: nothing to give back, nothing logged
        assert w.unlock(venue_id, "adresse", "Dominique", FIX).fields == ()
    assert len(store.history(venue_id)) == 5


def test_correcting_the_point_locks_it_whole_and_its_history_reads_back(store, places):
    venue_id = fill(store, [venue("a", 45.76, 4.85, code_insee="69383")])[0].venue_id
    with store.writer() as w:
        done = w.correct(venue_id, "latitude", "45,7601", "Camille", FIX, places=places)
    assert (done.fields, done.changed) == (("latitude", "longitude", "geo_method"), ("latitude",))
    assert store.get_venue(venue_id).venue.point == (45.7601, 4.85)
    assert store.history(venue_id)[-1]["new"] == 45.7601  # a JSON number in the change log (SQLite: a REAL)
    with store.writer() as w:  # far from Lyon: kept, with the warning a harvest would give
        far = w.correct(venue_id, "longitude", "6.18", "Camille", FIX, places=places)
    assert [p.code for p in far.warnings] == ["coordinates_far_from_commune"]


def test_correcting_the_postcode_lets_the_insee_code_follow_with_the_gazetteer(store, places):
    venue_id = fill(store, [venue("a", 45.7719, 4.8902, code_insee="69383")])[0].venue_id
    with store.writer() as w:
        w.correct(venue_id, "commune", "Villeurbanne", "Camille", FIX, places=places)
        done = w.correct(venue_id, "code_postal", "69100", "Camille", FIX, places=places)
    assert done.warnings == ()
    stored = store.get_venue(venue_id).venue
    assert (stored.commune, stored.code_postal, stored.code_insee) == ("Villeurbanne", "69100", "69266")


def test_a_correction_goes_back_to_the_producer(store):
    venue_id = fill(store, [venue("a", 45.76, 4.85)])[0].venue_id
    with store.writer() as w:
        w.correct(venue_id, "nom", "Médiathèque Jean Macé", "Camille", FIX)
    corrections = store.feedback("src").corrections
    assert [(c.venue_id, c.record_id, c.field, c.old, c.new, c.actor, c.at) for c in corrections] == [
        (venue_id, "a", "nom", "Lieu a", "Médiathèque Jean Macé", "Camille", FIX)
    ]
