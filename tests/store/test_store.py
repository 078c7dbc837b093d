# SPDX-License-Identifier: Apache-2.0
"""The store's contract, run once per backend (SQLite and PostGIS)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from directory.schema import Service, parse_venue
from directory.store import (
    ROW_COLUMNS,
    Decided,
    Incoming,
    SourceInfo,
    VenueFilter,
    haversine_m,
    is_venue_id,
    open_store,
)
from directory.store.migrate import current_revision, downgrade

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def venue(record_id: str, lat: float, lon: float, **fields):
    record = {
        "id": record_id,
        "pivot": "00000000000000",
        "nom": f"Lieu {record_id}",
        "commune": "Lyon",
        "code_postal": "69003",
        "adresse": "1 rue de la Gare",
        "date_maj": "2024-01-01",
        "latitude": lat,
        "longitude": lon,
        **fields,
    }
    result = parse_venue(record)
    assert result.venue is not None, result.problems
    return result.venue


def fill(store, venues, source="src"):
    with store.writer() as w:
        w.ensure_source(SourceInfo(source, source))
        return [w.apply(source, v.id, v, at=AT) for v in venues]


def test_ids_are_minted_here_and_opaque(store):
    outcome = fill(store, [venue("cnfs-123", 45.76, 4.85)])[0]
    assert outcome.action == "created"
    assert is_venue_id(outcome.venue_id) and "123" not in outcome.venue_id
    stored = store.get_venue(outcome.venue_id)
    assert stored.venue.nom == "Lieu cnfs-123"
    assert stored.sources == [("src", "cnfs-123")]


def test_reapplying_the_same_record_changes_nothing(store):
    v = venue("a", 45.76, 4.85, services="Aide aux démarches administratives")
    first = fill(store, [v])[0]
    with store.writer() as w:
        again = w.apply("src", "a", v, at=LATER)
    assert again.action == "unchanged" and again.venue_id == first.venue_id
    assert len(store.history(first.venue_id)) == 1


def test_a_new_venue_has_provenance_for_each_filled_field_and_no_other(store):
    v = venue("a", 45.76, 4.85, telephone="0478000000", services="Aide aux démarches administratives")
    stored = store.get_venue(fill(store, [v])[0].venue_id)
    assert set(stored.provenance) == {
        "pivot",
        "nom",
        "commune",
        "code_postal",
        "adresse",
        "date_maj",
        "latitude",
        "longitude",
        "telephone",
        "services",
    }
    assert {(p.source_id, p.locked, p.at) for p in stored.provenance.values()} == {("src", False, AT)}


def test_an_update_is_logged_field_by_field_with_provenance(store):
    v = venue("a", 45.76, 4.85, telephone="0478000000")
    venue_id = fill(store, [v])[0].venue_id
    changed = replace(v, telephone="+33478111111", services=[Service.DEMARCHES])
    with store.writer() as w:
        outcome = w.apply("src", "a", changed, at=LATER)
    assert outcome.action == "updated"
    assert set(outcome.changed_fields) == {"telephone", "services"}
    history = store.history(venue_id)
    assert [h["action"] for h in history] == ["create", "update", "update"]
    phone = next(h for h in history if h["field"] == "telephone")
    assert (phone["old"], phone["new"], phone["source_id"]) == ("+33478000000", "+33478111111", "src")
    stored = store.get_venue(venue_id)
    assert stored.provenance["telephone"].at == LATER
    assert stored.provenance["nom"].at == AT


def test_curator_locked_field_survives_a_harvest(store):
    v = venue("a", 45.76, 4.85)
    venue_id = fill(store, [v])[0].venue_id
    with store.engine.begin() as c:  # what the curation screen will do
        c.execute(sa.text("UPDATE venue SET nom = 'Nom corrigé' WHERE id = :id"), {"id": venue_id})
        c.execute(
            sa.text(
                "UPDATE field_provenance SET locked = true, actor = 'animatrice' "
                "WHERE field = 'nom' AND venue_pk = (SELECT pk FROM venue WHERE id = :id)"
            ),
            {"id": venue_id},
        )
    with store.writer() as w:
        w.apply("src", "a", replace(v, nom="Nom de la source", adresse="2 rue Neuve"), at=LATER)
    stored = store.get_venue(venue_id)
    assert stored.venue.nom == "Nom corrigé" and stored.venue.adresse == "2 rue Neuve"


def test_a_transaction_that_fails_leaves_nothing(store):
    with pytest.raises(RuntimeError), store.writer() as w:
        w.ensure_source(SourceInfo("src", "src"))
        w.apply("src", "a", venue("a", 45.76, 4.85), at=AT)
        raise RuntimeError("source coupée en plein milieu")
    assert store.count_venues() == 0


def test_nearest_with_radius_and_filters(store):
    lyon = (45.7597, 4.8422)
    fill(
        store,
        [
            venue("bellecour", 45.7578, 4.8320, services="Aide aux démarches administratives"),
            venue("part-dieu", 45.7606, 4.8590),
            venue("villeurbanne", 45.7719, 4.8902, services="Aide aux démarches administratives", code_postal="69100"),
            venue("nancy", 48.6921, 6.1844, code_postal="54000", commune="Nancy"),
        ],
    )
    found = store.nearest(*lyon, limit=3)
    names = [n.venue.nom for n in found]
    assert names == ["Lieu bellecour", "Lieu part-dieu", "Lieu villeurbanne"]
    assert found[0].distance_m == pytest.approx(haversine_m(*lyon, 45.7578, 4.8320), abs=0.5)
    assert [n.venue.nom for n in store.nearest(*lyon, limit=10, radius_km=2)] == ["Lieu bellecour", "Lieu part-dieu"]
    demarches = VenueFilter(terms={"services": [Service.DEMARCHES.code]})
    assert [n.venue.nom for n in store.nearest(*lyon, limit=10, filter=demarches)] == [
        "Lieu bellecour",
        "Lieu villeurbanne",
    ]
    assert [n.venue.nom for n in store.nearest(*lyon, limit=10, filter=VenueFilter(departement="54"))] == ["Lieu nancy"]
    assert store.nearest(*lyon, limit=10, radius_km=0.1) == []


def test_nearest_far_away_and_overseas(store):
    fill(store, [venue("noumea", -22.27, 166.44, code_postal="98800"), venue("lyon", 45.76, 4.85)])
    found = store.nearest(-21.0, 55.5, limit=2)  # from La Réunion
    assert [n.venue.nom for n in found] == ["Lieu lyon", "Lieu noumea"]  # ~9,200 km vs ~11,300 km
    assert 9_000_000 < found[0].distance_m < found[1].distance_m


def test_withdrawn_venues_are_not_near(store):
    venue_id = fill(store, [venue("a", 45.76, 4.85)])[0].venue_id
    with store.engine.begin() as c:
        c.execute(sa.text("UPDATE venue SET status = 'withdrawn' WHERE id = :id"), {"id": venue_id})
    assert store.nearest(45.76, 4.85) == []
    assert store.venues([venue_id]) == {}  # nor read back for a page of search results


def test_nearest_matches_a_brute_force_scan(store):
    """Random venues over France: the index answers as a full scan would."""
    rng = random.Random(7)
    points = [(rng.uniform(42.5, 50.5), rng.uniform(-4.0, 7.5)) for _ in range(400)]
    fill(store, [venue(f"v{i:03}", lat, lon) for i, (lat, lon) in enumerate(points)])
    for _ in range(25):
        q = (rng.uniform(43, 50), rng.uniform(-3, 7))
        radius = rng.choice([None, 50, 150])
        expected = sorted((haversine_m(*q, lat, lon), f"Lieu v{i:03}") for i, (lat, lon) in enumerate(points))
        if radius:
            expected = [e for e in expected if e[0] <= radius * 1000]
        got = store.nearest(*q, limit=7, radius_km=radius)
        assert [n.venue.nom for n in got] == [name for _, name in expected[:7]]
        assert [n.distance_m for n in got] == pytest.approx([d for d, _ in expected[:7]], abs=1.0)


def test_stats(store):
    fill(store, [venue("a", 45.76, 4.85), venue("b", 48.69, 6.18, code_postal="54000")])
    figures = store.stats()
    assert figures["venues"] == {"active": 2}
    assert figures["with_coordinates"] == 2
    assert dict(figures["top_postcode_prefixes"]) == {"69": 1, "54": 1}


def test_migrations_are_current(store):
    assert store.is_current()


def test_migrations_go_down_and_up_again(tmp_path):
    """Every migration can be undone; the R*Tree survives the round trip."""
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}", upgrade=True)
    fill(store, [venue("a", 45.76, 4.85)])
    downgrade(store.engine, "0001")
    assert current_revision(store.engine) == "0001"
    store.upgrade()
    assert store.is_current()
    assert [n.venue.nom for n in store.nearest(45.76, 4.85)] == ["Lieu a"]


def test_iter_venues_streams_every_active_venue_with_filters(store):
    fill(store, [venue(f"v{i}", 45.0 + i / 100, 4.8, code_postal="69003" if i % 2 else "54000") for i in range(25)])
    every = list(store.iter_venues(batch=7))
    assert len(every) == 25 and len({s.venue.id for s in every}) == 25
    assert all(s.sources and s.sources[0][0] == "src" for s in every)
    lyon = list(store.iter_venues(VenueFilter(departement="69"), batch=4))
    assert len(lyon) == 12 and all(s.venue.code_postal == "69003" for s in lyon)
    boxed = list(store.iter_venues(VenueFilter(bbox=(45.0, 4.7, 45.095, 4.9))))
    assert len(boxed) == 10
    seq, at = store.last_change()
    assert seq > 0 and at is not None


def test_venue_rows_are_the_venue_columns_as_sqlalchemy_reads_them(store):
    """``iter_venue_rows`` decodes the JSON columns itself: the same values, the same types."""
    fill(
        store,
        [
            venue(
                "full",
                45.0,
                4.8,
                services="Aide aux démarches administratives|Loisirs et créations numériques",
                courriels="contact@example.org",
                site_web="https://example.org/a|https://example.org/b",
                frais_a_charge="Gratuit",
                complement_adresse="Bât. B",
            ),
            venue("bare", 45.1, 4.8),
            venue("far", 48.0, 2.3, code_postal="75001", commune="Paris"),
        ],
    )
    from directory.store.tables import venue_t

    with store.engine.connect() as c:
        expected = {r["id"]: dict(r) for r in c.execute(sa.select(venue_t)).mappings()}
    every = [column.name for column in venue_t.c]
    for columns in (ROW_COLUMNS, every):
        rows = list(store.iter_venue_rows(batch=2, columns=columns))
        assert {row["id"]: row for row, _ in rows} == {
            venue_id: {name: values[name] for name in columns} for venue_id, values in expected.items()
        }
        for row, _ in rows:
            assert list(row) == list(columns)
            for name, value in row.items():
                assert type(value) is type(expected[row["id"]][name]), name
    assert tuple(every) != ROW_COLUMNS and rows[0][0]["updated_at"].tzinfo is not None
    assert sorted(sources[0][1] for _, sources in rows) == ["bare", "far", "full"]
    assert all(len(sources) == 1 and sources[0][0] == "src" for _, sources in rows)
    assert [row["id"] for row, _ in store.iter_venue_rows(VenueFilter(departement="75"))] == [
        s.venue.id for s in store.iter_venues(VenueFilter(departement="75"))
    ]


def test_deciding_same_merges_the_two_venues_at_once(store):
    a = fill(store, [venue("x", 45.76, 4.85, telephone="0478000000")], source="a")[0].venue_id
    y = venue("y", 45.77, 4.86, nom="Médiathèque", courriels="contact@y.fr")
    b = fill(store, [y], source="b")[0].venue_id
    with store.writer() as w:
        w.add_review_items([{"left_key": "b:y", "right_key": "a:x", "score": 0.7, "parts": {"nom": 0.2}}], None, AT)
        done = w.decide("b:y", "a:x", "match", "Camille", LATER)
    assert done == Decided(merged=(b, a))  # the older venue absorbs the other
    kept, gone = store.get_venue(a), store.get_venue(b)
    assert kept.sources == [("a", "x"), ("b", "y")] and kept.venue.courriels == ["contact@y.fr"]
    assert (gone.status, gone.merged_into) == ("merged", a)
    assert store.count_venues() == 1 and store.review_items() == []
    assert {(h["action"], h["actor"]) for h in store.history(a) if h["at"] == LATER} == {("update", "Camille")}
    assert (store.history(b)[-1]["action"], store.history(b)[-1]["actor"]) == ("merge", "Camille")
    with store.writer() as w:  # a later harvest of a changed record keeps the merge
        assert w.apply("b", "y", replace(y, telephone="0478999999"), at=LATER).venue_id == a
    assert store.count_venues() == 1


def test_deciding_different_splits_a_merged_pair(store):
    a = fill(store, [venue("x", 45.76, 4.85, telephone="0478000000")], source="a")[0].venue_id
    y = venue("y", 45.76, 4.85, courriels="contact@y.fr")
    with store.writer() as w:  # matching attached y to x's venue, a day later
        w.ensure_source(SourceInfo("b", "b"))
        w.apply_many("b", [Incoming("y", y, attach_to=a)], at=LATER)
    assert store.get_venue(a).venue.courriels == ["contact@y.fr"]
    with store.writer() as w:  # named first, but y joined later: y leaves
        done = w.decide("b:y", "a:x", "distinct", "Camille", LATER)
    assert done.split is not None and done.split[:2] == ("b:y", a)
    new = done.split[2]
    assert store.get_venue(a).sources == [("a", "x")] and store.get_venue(a).venue.courriels == []
    assert store.get_venue(new).sources == [("b", "y")] and store.get_venue(new).venue.nom == "Lieu y"
    assert [(h["action"], h["source_id"], h["actor"]) for h in store.history(new)] == [("create", "b", "Camille")]
    assert ("update", "courriels", "Camille") in {(h["action"], h["field"], h["actor"]) for h in store.history(a)}
    with store.writer() as w:  # a later harvest of a changed record keeps the split
        assert w.apply("b", "y", replace(y, telephone="0478999999"), at=LATER).venue_id == new
        assert w.apply("a", "x", venue("x", 45.76, 4.85, telephone="0478111111"), at=LATER).venue_id == a
    assert store.count_venues() == 2


def test_a_decision_on_a_record_not_yet_known_is_kept_for_matching(store):
    fill(store, [venue("x", 45.76, 4.85)], source="a")
    with store.writer() as w:
        assert w.decide("a:x", "b:later", "distinct", "Camille", LATER) == Decided(unknown=("b:later",))
    assert store.match_decisions(["b:later"]) == {("a:x", "b:later"): "distinct"}


def test_the_review_queue_gives_each_record_and_leaves_out_pairs_no_longer_in_the_directory(store, monkeypatch):
    from directory.store import _review_pairs

    fill(store, [venue("x", 45.76, 4.85), venue("y", 45.77, 4.86, nom="Médiathèque", code_postal="69001")], source="a")
    fill(store, [venue("z", 45.76, 4.85)], source="b")
    with store.writer() as w:
        w.add_review_items(
            [
                {"left_key": "a:x", "right_key": "b:z", "score": 0.7, "parts": {"nom": 0.2}},
                {"left_key": "b:z", "right_key": "a:y", "score": 0.9, "parts": {}},
                {"left_key": "a:x", "right_key": "c:1", "score": 0.8, "parts": {}},  # c:1 never reached the directory
            ],
            None,
            AT,
        )

    def queue(**kwargs) -> list[tuple[str, str]]:
        return [(item["left_key"], item["right_key"]) for item in store.review_items(**kwargs)]

    first = store.review_items()[0]
    assert (first["left"]["nom"], first["left"]["code_postal"], first["right"]["nom"]) == (
        "Médiathèque",
        "69001",
        "Lieu z",
    )
    assert queue() == [("a:y", "b:z"), ("a:x", "b:z")]
    monkeypatch.setattr(_review_pairs, "_REVIEW_BATCH", 1)  # read a pair at a time: same queue
    assert queue() == [("a:y", "b:z"), ("a:x", "b:z")] and queue(limit=1) == [("a:y", "b:z")]
    with store.writer() as w:
        w.withdraw_missing("a", {"x"}, LATER)  # y left its source, and its venue is withdrawn
    assert queue() == [("a:x", "b:z")]


def test_nearest_cards_are_the_nearest_venues_as_cards(store):
    """What /api/lieux/proches reads: the same venues, order and distances as ``nearest``, eight fields each."""
    lyon = (45.7597, 4.8422)
    fill(
        store,
        [
            venue("bellecour", 45.7578, 4.8320, services="Aide aux démarches administratives"),
            venue("part-dieu", 45.7606, 4.8590),
            venue("jumeau", 45.7606, 4.8590),  # same point: ties broken by id on both backends
            venue("villeurbanne", 45.7719, 4.8902, services="Aide aux démarches administratives", code_postal="69100"),
        ],
    )
    demarches = VenueFilter(terms={"services": [Service.DEMARCHES.code]})
    for kwargs in (dict(limit=3), dict(limit=10, radius_km=2), dict(limit=10, filter=demarches)):
        full = store.nearest(*lyon, **kwargs)
        cards = store.nearest_cards(*lyon, **kwargs)
        assert [c.id for c in cards] == [n.venue.id for n in full]
        assert [c.distance_m for c in cards] == pytest.approx([n.distance_m for n in full], abs=0.01)
        for card, near in zip(cards, full):
            v = near.venue
            assert (card.nom, card.adresse, card.code_postal, card.commune, card.latitude, card.longitude) == (
                v.nom,
                v.adresse,
                v.code_postal,
                v.commune,
                v.latitude,
                v.longitude,
            )
            assert card.services == tuple(s.code for s in v.services)
