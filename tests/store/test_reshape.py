# SPDX-License-Identifier: Apache-2.0
"""A person merges two venues choosing field by field, or takes a record out of a venue; harvests keep both."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from directory.store import Incoming, NotSplittable, SourceInfo, UnknownVenue

from .test_store import LATER, fill, venue

MERGE = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
AGAIN = MERGE + timedelta(days=1)


def test_merging_two_venues_with_a_choice_per_field_survives_harvests(store):
    x = venue("x", 45.76, 4.85, nom="Médiathèque", telephone="0478000000")
    y = venue(
        "y",
        45.7601,
        4.8501,
        nom="Médiathèque Jean Macé",
        courriels="contact@y.fr",
        code_postal="69007",
        adresse="2 rue Neuve",
    )
    a = fill(store, [x], source="a")[0].venue_id
    b = fill(store, [y], source="b")[0].venue_id
    with store.writer() as w:
        done = w.merge_venues(
            a, b, {"nom": "absorbed", "code_postal": "absorbed", "telephone": "survivor"}, "Camille", MERGE
        )
    address = ("adresse", "complement_adresse", "code_postal", "commune", "code_insee")
    assert done.venue_id == a and done.fields == ("nom", *address)
    kept, gone = store.get_venue(a), store.get_venue(b)
    assert (gone.status, gone.merged_into) == ("merged", a)
    assert kept.sources == [("a", "x"), ("b", "y")]
    assert (kept.venue.nom, kept.venue.adresse, kept.venue.code_postal) == (
        "Médiathèque Jean Macé",
        "2 rue Neuve",
        "69007",
    )
    assert (kept.venue.telephone, kept.venue.courriels) == ("+33478000000", ["contact@y.fr"])
    assert {name for name, p in kept.provenance.items() if p.locked} == {"nom", *address}
    assert store.match_decisions(["a:x"]) == {("a:x", "b:y"): "match"}
    assert (store.history(b)[-1]["action"], store.history(b)[-1]["actor"]) == ("merge", "Camille")
    with store.writer() as w:  # both sources harvested again, each record changed: still one venue
        assert w.apply("b", "y", replace(y, nom="Bibliothèque"), at=AGAIN).venue_id == a
    assert store.proposals() == []  # the best-ranked name is still x's, which the person set aside at the merge
    with store.writer() as w:
        assert w.apply("a", "x", replace(x, telephone="+33478111111", nom="Médiathèque du 7e"), at=AGAIN).venue_id == a
    assert store.count_venues() == 1
    stored = store.get_venue(a).venue
    assert (stored.nom, stored.telephone) == ("Médiathèque Jean Macé", "+33478111111")
    assert [(p.field, p.source_id, p.value) for p in store.proposals()] == [("nom", "a", "Médiathèque du 7e")]


def test_merging_refuses_a_venue_not_in_the_directory_or_itself(store):
    a, b = (o.venue_id for o in fill(store, [venue("x", 45.76, 4.85), venue("y", 45.77, 4.86)]))
    with pytest.raises(ValueError), store.writer() as w:
        w.merge_venues(a, a, {}, "Camille", MERGE)
    with pytest.raises(ValueError, match="choix inconnu"), store.writer() as w:
        w.merge_venues(a, b, {"nom": "les deux"}, "Camille", MERGE)
    with pytest.raises(UnknownVenue), store.writer() as w:
        w.merge_venues(a, "inconnu", {}, "Camille", MERGE)
    assert store.count_venues() == 2


def test_splitting_a_record_out_gives_it_a_venue_that_harvests_keep_apart(store):
    a = fill(store, [venue("x", 45.76, 4.85, telephone="0478000000")], source="a")[0].venue_id
    y = venue("y", 45.76, 4.85, courriels="contact@y.fr")
    z = venue("z", 45.76, 4.85, site_web="https://z.fr")
    with store.writer() as w:  # matching attached y and z to x's venue
        w.ensure_source(SourceInfo("b", "b"))
        w.apply_many("b", [Incoming("y", y, attach_to=a), Incoming("z", z, attach_to=a)], at=LATER)
    with store.writer() as w:
        done = w.split_record(a, "b:y", "Camille", MERGE)
    assert done.split is not None and done.split[:2] == ("b:y", a)
    new = done.split[2]
    assert store.get_venue(a).sources == [("a", "x"), ("b", "z")] and store.get_venue(a).venue.courriels == []
    assert store.get_venue(new).sources == [("b", "y")] and store.get_venue(new).venue.courriels == ["contact@y.fr"]
    assert [(h["action"], h["actor"]) for h in store.history(new)] == [("create", "Camille")]
    assert store.match_decisions(["b:y"]) == {("a:x", "b:y"): "distinct", ("b:y", "b:z"): "distinct"}
    with store.writer() as w:  # both sources harvested again, each record changed: still two venues
        assert w.apply("b", "y", replace(y, telephone="0478999999"), at=AGAIN).venue_id == new
        assert w.apply("b", "z", replace(z, telephone="0478888888"), at=AGAIN).venue_id == a
        assert w.apply("a", "x", venue("x", 45.76, 4.85, telephone="0478111111"), at=AGAIN).venue_id == a
    assert store.count_venues() == 2
    with pytest.raises(NotSplittable, match="ne décrit pas"), store.writer() as w:
        w.split_record(a, "b:y", "Camille", AGAIN)
    with store.writer() as w:
        w.split_record(a, "b:z", "Camille", AGAIN)
    with pytest.raises(NotSplittable, match="la seule"), store.writer() as w:
        w.split_record(a, "a:x", "Camille", AGAIN)
    assert store.count_venues() == 3
