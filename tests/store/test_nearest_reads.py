# SPDX-License-Identifier: Apache-2.0
"""Nearest venues through statements compiled once and connections kept for reads
(``store._prepared``, ``store._read_connections``), on both backends."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa

from directory.schema import Service
from directory.store import VenueFilter, haversine_m

from .test_store import fill, venue

DEMARCHES = Service.DEMARCHES.code


def test_nearest_and_cards_match_a_distance_sort_over_all_venues(store):
    """Random venues over France, some at the same point, a third offering « démarches »: for
    random points, radii and filters, both paths give what sorting every venue by distance
    (then id) gives, and the same distances."""
    rng = random.Random(17)
    points = [(rng.uniform(42.5, 50.5), rng.uniform(-4.0, 7.5)) for _ in range(300)]
    points += points[:20]  # twins: ties broken by id
    services = ["Aide aux démarches administratives" if i % 3 == 0 else "" for i in range(len(points))]
    outcomes = fill(
        store, [venue(f"v{i:03}", lat, lon, services=s) for i, ((lat, lon), s) in enumerate(zip(points, services))]
    )
    ids = [o.venue_id for o in outcomes]
    demarches = VenueFilter(terms={"services": [DEMARCHES]})
    for _ in range(30):
        q = (rng.uniform(43, 50), rng.uniform(-3, 7))
        radius = rng.choice([None, 40, 150])
        only = rng.choice([None, demarches])
        expected = sorted(
            (haversine_m(*q, lat, lon), venue_id)
            for venue_id, (lat, lon), s in zip(ids, points, services)
            if only is None or s
        )
        if radius:
            expected = [e for e in expected if e[0] <= radius * 1000]
        expected = expected[:9]
        cards = store.nearest_cards(*q, limit=9, radius_km=radius, filter=only)
        full = store.nearest(*q, limit=9, radius_km=radius, filter=only)
        assert [c.id for c in cards] == [venue_id for _, venue_id in expected]
        assert [n.venue.id for n in full] == [venue_id for _, venue_id in expected]
        assert [c.distance_m for c in cards] == pytest.approx([d for d, _ in expected], abs=1.0)
        assert [n.distance_m for n in full] == [c.distance_m for c in cards]
        if only is not None:
            assert all(DEMARCHES in c.services for c in cards)


def test_a_read_sees_what_was_written_after_the_last_one(store):
    """The connections kept for reads hold no snapshot between reads."""
    assert store.nearest_cards(45.76, 4.85) == []
    fill(store, [venue("a", 45.76, 4.85)])
    assert [c.nom for c in store.nearest_cards(45.76, 4.85)] == ["Lieu a"]
    fill(store, [venue("b", 45.7601, 4.8501)], source="other")
    assert [c.nom for c in store.nearest_cards(45.76, 4.85)] == ["Lieu a", "Lieu b"]


def test_a_read_connection_the_server_closed_is_replaced(store):
    """No ping before each read: a connection the server has ended fails once, and the read
    is run again on a new one."""
    if store.dialect != "postgresql":
        pytest.skip("SQLite has no server to end a connection")
    fill(store, [venue("a", 45.76, 4.85)])
    assert [c.nom for c in store.nearest_cards(45.76, 4.85)] == ["Lieu a"]
    admin = sa.create_engine(store.engine.url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            ended = c.exec_driver_sql(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).scalar_one()
    finally:
        admin.dispose()
    assert ended >= 1  # the read connection at least
    assert [c.nom for c in store.nearest_cards(45.76, 4.85)] == ["Lieu a"]
