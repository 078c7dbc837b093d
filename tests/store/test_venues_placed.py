# SPDX-License-Identifier: Apache-2.0
"""``Store.venues_placed`` (a page of search results) reads on the kept connections what
SQLAlchemy's own rows give: the same venues, values and ``geo_method``, on each backend."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from directory.schema import VENUE_FIELDS
from directory.store import values_to_venue
from directory.store.tables import venue_t

from .test_store import fill, venue


def _rich(record_id: str, lat: float, lon: float):
    return venue(
        record_id,
        lat,
        lon,
        services="Aide aux démarches administratives|Maîtrise des outils numériques du quotidien",
        horaires="Mo-Fr 09:00-12:00",
        site_web="https://example.fr/a|b",
        courriels="contact@example.fr",
        presentation_resume="Un lieu | avec une barre",
        date_maj="2025-03-04",
    )


def test_venues_placed_reads_what_sqlalchemy_reads(store):
    outcomes = fill(store, [_rich("a", 45.76, 4.85), venue("b", 45.75, 4.84), _rich("c", 45.74, 4.83)])
    ids = [o.venue_id for o in outcomes]
    with store.engine.begin() as c:
        c.execute(sa.text("UPDATE venue SET geo_method = 'commune' WHERE id = :id"), {"id": ids[1]})
        c.execute(sa.text("UPDATE venue SET status = 'withdrawn' WHERE id = :id"), {"id": ids[2]})
        expected = {r["id"]: r for r in c.execute(sa.select(venue_t).where(venue_t.c.id.in_(ids))).mappings()}

    for asked in (ids, ids[:2], [ids[1], "nope"], [*ids[::-1], "nope", "nope2"]):  # a statement per length
        placed = store.venues_placed(asked)
        assert set(placed) == {i for i in asked if i in ids[:2]}  # withdrawn and unknown ids left out
        for venue_id, (found, geo_method, values) in placed.items():
            row = expected[venue_id]
            assert {name: values[name] for name in VENUE_FIELDS} == {name: row[name] for name in VENUE_FIELDS}
            assert found == values_to_venue(venue_id, row)
            assert geo_method == row["geo_method"]
    first, plain = store.venues_placed(ids[:2])[ids[0]], store.venues_placed(ids[:2])[ids[1]]
    assert first[2]["date_maj"] == date(2025, 3, 4) and first[2]["services"] == [
        "aide-aux-demarches-administratives",
        "maitrise-des-outils-numeriques-du-quotidien",
    ]
    assert first[0].horaires == "Mo-Fr 09:00-12:00"
    assert plain[1] == "commune"
    assert store.venues_placed([]) == {}
