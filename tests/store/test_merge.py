# SPDX-License-Identifier: Apache-2.0
"""Several records, one venue: precedence, unions, locks, redirects (both backends)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import sqlalchemy as sa

from directory.schema import Service
from directory.store import Incoming, SourceInfo
from directory.store._merge import Contribution, merge_records

from .test_store import venue

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

COMMUNE = SourceInfo("commune", "Ville de Lyon", kind="commune", trust=80)
NETWORK = SourceInfo("reseau", "Réseau régional", kind="network", trust=40)


def sources(store):
    with store.writer() as w:
        w.ensure_source(COMMUNE)
        w.ensure_source(NETWORK)


def apply(store, source, *items, at=AT):
    with store.writer() as w:
        return w.apply_many(source.id, list(items), at=at)


def test_two_sources_one_venue_trust_wins_lists_union(store):
    sources(store)
    official = venue("c1", 45.7597, 4.8422, telephone="0478000000", services="Aide aux démarches administratives")
    aggregated = venue(
        "r1",
        45.7598,
        4.8423,
        telephone="0478999999",
        nom="EPN Lyon 3e",
        services="Maîtrise des outils numériques du quotidien",
        courriels="epn@exemple.fr",
    )
    venue_id = apply(store, COMMUNE, Incoming("c1", official))[0].venue_id
    outcome = apply(store, NETWORK, Incoming("r1", aggregated, attach_to=venue_id))[0]
    assert (outcome.venue_id, outcome.action) == (venue_id, "attached")
    stored = store.get_venue(venue_id)
    assert store.count_venues() == 1
    assert stored.venue.telephone == "+33478000000"  # the commune is trusted more
    assert stored.venue.nom == "Lieu c1"
    assert stored.venue.services == [Service.DEMARCHES, Service.OUTILS_QUOTIDIEN]
    assert stored.venue.courriels == ["epn@exemple.fr"]  # only the network knows it
    assert stored.provenance["telephone"].source_id == "commune"
    assert stored.provenance["courriels"].source_id == "reseau"
    assert stored.sources == [("commune", "c1"), ("reseau", "r1")]
    assert [n.venue.nom for n in store.nearest(45.7597, 4.8422, limit=5)] == ["Lieu c1"]


def test_a_less_trusted_change_does_not_override(store):
    sources(store)
    official = venue("c1", 45.76, 4.84, telephone="0478000000")
    venue_id = apply(store, COMMUNE, Incoming("c1", official))[0].venue_id
    apply(store, NETWORK, Incoming("r1", venue("r1", 45.76, 4.84, telephone="0478111111"), attach_to=venue_id))
    apply(
        store,
        NETWORK,
        Incoming("r1", venue("r1", 45.76, 4.84, telephone="0478222222", date_maj="2026-01-01"), attach_to=venue_id),
        at=LATER,
    )
    assert store.get_venue(venue_id).venue.telephone == "+33478000000"
    apply(store, COMMUNE, Incoming("c1", replace(official, telephone="+33478333333")), at=LATER)
    assert store.get_venue(venue_id).venue.telephone == "+33478333333"


def test_between_equally_trusted_sources_the_most_recent_record_wins(store):
    """Same trust: the record updated last (``date_maj``) gives the value, whichever source names
    sort first and whichever record came first; the venue is as recent as that record."""
    alpha, zeta = SourceInfo("alpha", "Alpha", trust=50), SourceInfo("zeta", "Zêta", trust=50)
    with store.writer() as w:
        w.ensure_source(alpha)
        w.ensure_source(zeta)
    older = venue("a1", 45.76, 4.84, telephone="0478000001", date_maj="2026-01-10")
    newer = venue("z1", 45.76, 4.84, telephone="0478000002", date_maj="2026-02-20")
    venue_id = apply(store, zeta, Incoming("z1", newer))[0].venue_id
    apply(store, alpha, Incoming("a1", older, attach_to=venue_id), at=LATER)
    stored = store.get_venue(venue_id)
    assert stored.venue.telephone == "+33478000002"
    assert stored.provenance["telephone"].source_id == "zeta"
    assert stored.venue.date_maj.isoformat() == "2026-02-20"
    apply(store, alpha, Incoming("a1", replace(older, date_maj=date(2026, 3, 1)), attach_to=venue_id), at=LATER)
    stored = store.get_venue(venue_id)
    assert stored.venue.telephone == "+33478000001"
    assert stored.provenance["telephone"].source_id == "alpha"
    assert stored.venue.date_maj.isoformat() == "2026-03-01"


def test_a_record_moving_to_another_venue_leaves_a_redirect(store):
    sources(store)
    first = apply(store, COMMUNE, Incoming("c1", venue("c1", 45.76, 4.84)))[0].venue_id
    duplicate = apply(store, NETWORK, Incoming("r1", venue("r1", 45.76, 4.84)))[0].venue_id
    assert store.count_venues() == 2
    apply(store, NETWORK, Incoming("r1", venue("r1", 45.76, 4.84), attach_to=first), at=LATER)
    assert store.count_venues() == 1
    gone = store.get_venue(duplicate)
    assert (gone.status, gone.merged_into) == ("merged", first)
    assert [h["action"] for h in store.history(duplicate)][-1] == "merge"


def test_merge_is_deterministic_whatever_the_order(store):
    sources(store)
    a = venue("c1", 45.76, 4.84, telephone="0478000000")
    b = venue("r1", 45.76, 4.84, telephone="0478111111", services="Aide aux démarches administratives")
    venue_id = apply(store, NETWORK, Incoming("r1", b))[0].venue_id
    apply(store, COMMUNE, Incoming("c1", a, attach_to=venue_id))
    forward = store.get_venue(venue_id).venue

    with store.engine.begin() as c:
        for table in ("change_log", "field_provenance", "venue_term", "offer", "source_link", "raw_record", "run"):
            c.execute(sa.text(f"DELETE FROM {table}"))
        c.execute(sa.text("DELETE FROM venue"))
    other_id = apply(store, COMMUNE, Incoming("c1", a))[0].venue_id
    apply(store, NETWORK, Incoming("r1", b, attach_to=other_id))
    backward = store.get_venue(other_id).venue
    assert replace(forward, id="x") == replace(backward, id="x")


def test_curator_lock_wins_over_every_source(store):
    sources(store)
    venue_id = apply(store, COMMUNE, Incoming("c1", venue("c1", 45.76, 4.84)))[0].venue_id
    with store.engine.begin() as c:
        c.execute(sa.text("UPDATE venue SET nom = 'Nom corrigé' WHERE id = :id"), {"id": venue_id})
        c.execute(sa.text("UPDATE field_provenance SET locked = true, actor = 'animatrice' WHERE field = 'nom'"))
    apply(store, NETWORK, Incoming("r1", venue("r1", 45.76, 4.84, nom="Autre nom"), attach_to=venue_id))
    apply(store, COMMUNE, Incoming("c1", venue("c1", 45.76, 4.84, nom="Nom officiel")), at=LATER)
    stored = store.get_venue(venue_id)
    assert stored.venue.nom == "Nom corrigé"
    assert stored.provenance["nom"].actor == "animatrice"


def test_withdrawal_keeps_the_venue_and_a_return_restores_it(store):
    sources(store)
    kept, gone = apply(
        store, NETWORK, Incoming("r1", venue("r1", 45.76, 4.84)), Incoming("r2", venue("r2", 45.77, 4.85))
    )
    with store.writer() as w:
        assert w.withdraw_missing("reseau", {"r1"}, LATER) == [gone.venue_id]
    assert store.get_venue(gone.venue_id).status == "withdrawn"  # kept, not deleted
    assert store.get_venue(kept.venue_id).status == "active"
    assert [n.venue.nom for n in store.nearest(45.77, 4.85, limit=5)] == ["Lieu r1"]
    back = apply(store, NETWORK, Incoming("r2", venue("r2", 45.77, 4.85)), at=LATER)[0]
    assert (back.venue_id, back.action) == (gone.venue_id, "restored")
    assert [h["action"] for h in store.history(gone.venue_id)] == ["create", "withdraw", "restore"]


def test_a_venue_fed_by_two_sources_survives_one_withdrawal(store):
    sources(store)
    venue_id = apply(store, COMMUNE, Incoming("c1", venue("c1", 45.76, 4.84, telephone="0478000000")))[0].venue_id
    apply(store, NETWORK, Incoming("r1", venue("r1", 45.76, 4.84, courriels="a@exemple.fr"), attach_to=venue_id))
    with store.writer() as w:
        assert w.withdraw_missing("commune", set(), LATER) == []
    stored = store.get_venue(venue_id)
    assert stored.status == "active"
    assert stored.venue.telephone is None and stored.venue.courriels == ["a@exemple.fr"]


def test_the_address_follows_trust_while_the_point_follows_precision():
    """Two groups, two rules: the most trusted record gives the whole address even when a less
    trusted one has the more precise point, which gives the point (``_merge``'s module docstring)."""
    place = {"commune": "Lyon", "date_maj": "2026-01-01"}
    trusted = Contribution(
        "commune",
        "c1",
        80,
        {
            **place,
            "adresse": "1 rue A",
            "code_postal": "69003",
            "latitude": 45.76,
            "longitude": 4.84,
            "geo_method": "commune",
        },
    )
    precise = Contribution(
        "reseau",
        "r1",
        40,
        {
            **place,
            "adresse": "2 rue B",
            "code_postal": "69008",
            "latitude": 45.74,
            "longitude": 4.87,
            "geo_method": "producteur",
        },
    )
    for order in ([trusted, precise], [precise, trusted]):
        merged = merge_records(order)
        assert (merged.values["adresse"], merged.values["code_postal"]) == ("1 rue A", "69003")
        assert (merged.values["latitude"], merged.values["geo_method"]) == (45.74, "producteur")
        assert (merged.winners["adresse"], merged.winners["latitude"]) == ("commune", "reseau")
