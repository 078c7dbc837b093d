# SPDX-License-Identifier: Apache-2.0
"""What a harvest would change in a locked field becomes a proposal; a person accepts or rejects it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from directory.store import Incoming, InvalidValue, ProposalClosed, SourceInfo, UnknownProposal
from directory.store.tables import proposal_t, venue_t

from .test_store import LATER, fill, venue

FIX = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def harvest(store, v, at, source="src"):
    with store.writer() as w:
        return w.apply(source, v.id, v, at=at)


def offered(store, **kwargs) -> list[tuple]:
    return [(p.field, p.source_id, p.value, p.current, p.status) for p in store.proposals(**kwargs)]


def test_a_locked_field_a_source_changes_is_proposed_and_follows_the_source(store):
    v = venue("a", 45.76, 4.85, telephone="0478000000")
    venue_id = fill(store, [v])[0].venue_id
    with store.writer() as w:
        w.correct(venue_id, "telephone", "04 72 11 22 33", "Camille", FIX)
    assert store.proposals() == []  # the source's value the person replaced is not news
    harvest(store, replace(v, telephone="+33478111111"), LATER)
    (proposal,) = store.proposals()
    assert (proposal.venue_id, proposal.venue_name, proposal.field, proposal.fields) == (
        venue_id,
        "Lieu a",
        "telephone",
        ("telephone",),
    )
    assert (proposal.source_id, proposal.source_name, proposal.record_id) == ("src", "src", "a")
    assert (proposal.value, proposal.current, proposal.created_at) == ("+33478111111", "+33472112233", LATER)
    assert store.get_venue(venue_id).venue.telephone == "+33472112233"  # the lock holds meanwhile
    harvest(store, replace(v, telephone="+33478222222"), LATER + timedelta(days=1))  # the source changes again
    assert offered(store) == [("telephone", "src", "+33478222222", "+33472112233", "open")]
    assert [p.value for p in store.proposals(status="obsolete")] == ["+33478111111"]
    harvest(store, replace(v, telephone="+33472112233"), LATER + timedelta(days=2))  # comes back to the lock
    assert offered(store) == []
    assert len(store.proposals(status="obsolete")) == 2
    harvest(store, replace(v, telephone="+33478111111"), LATER + timedelta(days=3))  # an old value again: news again
    assert offered(store) == [("telephone", "src", "+33478111111", "+33472112233", "open")]
    assert store.proposals()[0].created_at == LATER + timedelta(days=3)


def test_a_rejected_value_is_never_proposed_again_by_its_source(store):
    v = venue("a", 45.76, 4.85, nom="Médiathèque")
    venue_id = fill(store, [v])[0].venue_id
    with store.writer() as w:
        w.correct(venue_id, "nom", "Médiathèque Jean Macé", "Camille", FIX)
    harvest(store, replace(v, nom="Médiathèque municipale"), LATER)
    (proposal,) = store.proposals()
    with store.writer() as w:
        w.reject_proposal(proposal.pk, "Dominique", LATER, "le nom officiel est celui de la mairie")
    replaced, rejected = store.proposals(status="rejected")  # the correction set the source's first name aside
    assert (replaced.value, replaced.actor, replaced.reason) == (
        "Médiathèque",
        "Camille",
        "remplacée par une correction",
    )
    assert (rejected.actor, rejected.reason, rejected.decided_at) == (
        "Dominique",
        "le nom officiel est celui de la mairie",
        LATER,
    )
    harvest(store, replace(v, nom="Médiathèque municipale", telephone="0478000000"), LATER + timedelta(days=1))
    assert offered(store) == []  # a harvest that changes something else brings nothing back
    harvest(store, replace(v, nom="Médiathèque Bellecour"), LATER + timedelta(days=2))
    assert [p.value for p in store.proposals()] == ["Médiathèque Bellecour"]
    harvest(store, replace(v, nom="Médiathèque municipale"), LATER + timedelta(days=3))
    assert offered(store) == []  # back to the rejected value: still rejected, and the other one is obsolete
    with pytest.raises(ProposalClosed, match="déjà refusée"), store.writer() as w:
        w.reject_proposal(proposal.pk, "Dominique", LATER)
    with pytest.raises(UnknownProposal), store.writer() as w:
        w.accept_proposal(10_000, "Dominique", LATER)


def test_accepting_puts_the_value_in_place_as_a_correction_by_the_person(store):
    v = venue("a", 45.76, 4.85, telephone="0478000000")
    venue_id = fill(store, [v])[0].venue_id
    with store.writer() as w:
        w.correct(venue_id, "telephone", "04 72 11 22 33", "Camille", FIX)
    harvest(store, replace(v, telephone="+33478111111"), LATER)
    (proposal,) = store.proposals()
    accepted_at = LATER + timedelta(hours=1)
    with store.writer() as w:
        done = w.accept_proposal(proposal.pk, "Dominique", accepted_at)
    assert (done.fields, done.changed) == (("telephone",), ("telephone",))
    stored = store.get_venue(venue_id)
    assert stored.venue.telephone == "+33478111111"
    telephone = stored.provenance["telephone"]
    assert (telephone.actor, telephone.locked, telephone.at) == ("Dominique", True, accepted_at)
    last = store.history(venue_id)[-1]
    assert (last["field"], last["old"], last["new"], last["actor"]) == (
        "telephone",
        "+33472112233",
        "+33478111111",
        "Dominique",
    )
    assert offered(store) == [] and [(p.actor, p.decided_at) for p in store.proposals(status="accepted")] == [
        ("Dominique", accepted_at)
    ]
    with pytest.raises(ProposalClosed, match="déjà acceptée"), store.writer() as w:
        w.accept_proposal(proposal.pk, "Dominique", accepted_at)


def test_an_address_is_proposed_and_accepted_whole(store):
    v = venue("a", 45.76, 4.85, code_insee="69383")
    venue_id = fill(store, [v])[0].venue_id
    with store.writer() as w:
        w.correct(venue_id, "adresse", "3 rue de la Gare", "Camille", FIX)
    harvest(store, replace(v, adresse="2 rue Neuve", code_postal="69002", nom="Nouveau nom"), LATER)
    (proposal,) = store.proposals()
    assert (proposal.field, proposal.fields) == (
        "adresse",
        ("adresse", "complement_adresse", "code_postal", "commune", "code_insee"),
    )
    assert proposal.value == {
        "adresse": "2 rue Neuve",
        "complement_adresse": None,
        "code_postal": "69002",
        "commune": "Lyon",
        "code_insee": "69383",
    }
    assert proposal.current["adresse"] == "3 rue de la Gare" and proposal.current["code_postal"] == "69003"
    with store.writer() as w:
        done = w.accept_proposal(proposal.pk, "Dominique", LATER)
    assert set(done.changed) == {"adresse", "code_postal"}
    stored = store.get_venue(venue_id)
    assert (stored.venue.adresse, stored.venue.code_postal, stored.venue.nom) == ("2 rue Neuve", "69002", "Nouveau nom")
    assert {name for name, p in stored.provenance.items() if p.locked} == set(proposal.fields)


def test_a_point_is_proposed_with_its_method_and_an_invalid_proposal_is_refused(store):
    v = venue("a", 45.76, 4.85)
    venue_id = fill(store, [v])[0].venue_id
    with store.writer() as w:
        w.correct(venue_id, "latitude", "45.7601", "Camille", FIX)
    harvest(store, replace(v, latitude=45.77), LATER)
    (point,) = store.proposals()
    assert (point.field, point.value) == ("latitude", {"latitude": 45.77, "longitude": 4.85, "geo_method": None})
    with store.engine.begin() as c:  # a value that no longer passes validation (the rules changed since)
        c.execute(
            proposal_t.update().where(proposal_t.c.pk == point.pk).values(value={"latitude": 145.0, "longitude": 4.85})
        )
    with pytest.raises(InvalidValue), store.writer() as w:
        w.accept_proposal(point.pk, "Dominique", LATER)
    assert [p.status for p in store.proposals(status=None)] == ["rejected", "open"]  # nothing was written


def test_a_list_field_proposes_the_union_of_its_records(store):
    v = venue("a", 45.76, 4.85, services="Aide aux démarches administratives")
    venue_id = fill(store, [v])[0].venue_id
    with store.writer() as w:
        w.correct(venue_id, "services", "Loisirs et créations numériques", "Camille", FIX)
        w.ensure_source(SourceInfo("b", "Réseau B"))
        y = venue("y", 45.76, 4.85, services="Accès internet et matériel informatique")
        w.apply_many("b", [Incoming("y", y, attach_to=venue_id)], at=LATER)  # matching attached y to a's venue
    (proposal,) = store.proposals()
    assert (proposal.field, proposal.source_name) == ("services", "Réseau B")  # the best-ranked record's (a tie: by id)
    assert proposal.value == ["acces-internet-et-materiel-informatique", "aide-aux-demarches-administratives"]
    assert proposal.current == ["loisirs-et-creations-numeriques"]


def test_giving_a_field_back_makes_its_proposal_obsolete(store):
    v = venue("a", 45.76, 4.85, telephone="0478000000")
    venue_id = fill(store, [v])[0].venue_id
    with store.writer() as w:
        w.correct(venue_id, "telephone", "04 72 11 22 33", "Camille", FIX)
    harvest(store, replace(v, telephone="+33478111111"), LATER)
    with store.writer() as w:
        w.unlock(venue_id, "telephone", "Camille", LATER)
    assert offered(store) == [] and store.get_venue(venue_id).venue.telephone == "+33478111111"
    assert [p.status for p in store.proposals(status=None)] == ["rejected", "obsolete"]


def test_keeping_a_value_rejects_what_the_source_says(store):
    v = venue("a", 45.76, 4.85, telephone="0478000000")
    venue_id = fill(store, [v])[0].venue_id
    with store.writer() as w:
        w.correct(venue_id, "telephone", "04 72 11 22 33", "Camille", FIX)
    harvest(store, replace(v, telephone="+33478111111"), LATER)
    with store.writer() as w:
        kept = w.lock_fields(venue_id, ["telephone"], "Dominique", LATER)
    assert (kept.fields, kept.changed) == (("telephone",), ())
    assert offered(store) == []
    (rejected,) = [p for p in store.proposals(status="rejected") if p.value == "+33478111111"]
    assert (rejected.actor, rejected.reason) == ("Dominique", "valeur actuelle gardée")
    assert store.get_venue(venue_id).provenance["telephone"].actor == "Dominique"


def test_proposals_are_read_by_venue_or_by_a_territory_clause(store):
    lyon = venue("a", 45.76, 4.85, telephone="0478000000")
    nancy = venue("b", 48.69, 6.18, telephone="0383000000", code_postal="54000", commune="Nancy")
    ids = [o.venue_id for o in fill(store, [lyon, nancy])]
    with store.writer() as w:
        for venue_id in ids:
            w.correct(venue_id, "telephone", "01 45 00 00 00", "Camille", FIX)
    harvest(store, replace(lyon, telephone="0478111111"), LATER)
    harvest(store, replace(nancy, telephone="0383111111"), LATER + timedelta(hours=1))
    assert [p.venue_id for p in store.proposals()] == ids  # oldest first
    assert [p.venue_id for p in store.proposals(venue_ids=[ids[1]])] == [ids[1]]
    assert [p.venue_id for p in store.proposals(scope=venue_t.c.code_postal.startswith("54"))] == [ids[1]]
    assert [p.venue_id for p in store.proposals(limit=1)] == [ids[0]]
    with store.writer() as w:  # a venue no longer in the directory has nothing to propose
        w.withdraw_missing("src", {"b"}, LATER + timedelta(days=1))
    assert [p.venue_id for p in store.proposals()] == [ids[1]]
