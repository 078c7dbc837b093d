# SPDX-License-Identifier: Apache-2.0
"""The blocking keys the store keeps (``match_key``), on both backends: they follow a venue's point and
its precision, the migration that added the street, name and imprecise keys gives them to the venues
already there, and the one that made the grid's cells smaller moves them to it."""

from __future__ import annotations

import json

import sqlalchemy as sa

from directory.schema import CELL_M, grid_cells, stored_block_keys
from directory.store import Incoming, SourceInfo
from directory.store.migrate import current_revision, downgrade

from .test_store import AT, venue


def held_keys(store) -> dict[int, set[str]]:
    """venue pk → its keys in ``match_key``."""
    with store.engine.connect() as c:
        rows = c.execute(sa.text("SELECT venue_pk, kind, key FROM match_key")).all()
    keys: dict[int, set[str]] = {}
    for pk, kind, key in rows:
        keys.setdefault(pk, set()).add(f"{kind}:{key}")
    return keys


def expected_keys(store) -> dict[int, set[str]]:
    """venue pk → the keys ``schema.stored_block_keys`` computes from its stored columns."""
    columns = "pk, pivot, code_insee, code_postal, telephone, courriels, site_web, latitude, longitude, nom, commune, adresse, geo_method"
    with store.engine.connect() as c:
        rows = c.execute(sa.text(f"SELECT {columns} FROM venue WHERE status = 'active'")).mappings().all()
    return {row["pk"]: set(stored_block_keys(store_row(row))) for row in rows}


def store_row(row) -> dict:
    """JSON columns as lists (SQLite gives their text)."""
    return {
        **row,
        **{
            name: json.loads(row[name]) if isinstance(row[name], str) else row[name]
            for name in ("courriels", "site_web")
        },
    }


def test_a_venue_placed_at_its_commune_keeps_the_commune_keys_until_it_gets_a_precise_point(store):
    lieu = venue("r1", 45.76, 4.85, code_insee="69383", nom="Médiathèque Jean Macé", adresse="12 rue Créqui")
    with store.writer() as w:
        w.ensure_source(SourceInfo("src", "src"))
        w.apply_many("src", [Incoming("r1", lieu, geo_method="commune")], at=AT)
    (keys,) = held_keys(store).values()
    assert {"insee:69383", "approx:69003", "adr:69003:rue crequi", "nom:69003:jean mace"} <= keys
    with store.writer() as w:
        w.apply_many("src", [Incoming("r1", lieu, geo_method="producteur")], at=AT)
    (keys,) = held_keys(store).values()
    assert "approx:69003" not in keys and {"insee:69383", "adr:69003:rue crequi", "nom:69003:jean mace"} <= keys
    assert held_keys(store) == expected_keys(store)


def _three_venues(store) -> dict[int, set[str]]:
    """Three venues a kilometre apart, sharing a phone; their keys."""
    lieux = [
        venue(f"r{i}", 45.70 + i / 100, 4.80, code_insee="69383", telephone="0478000000", nom=f"Lieu numéro {i}")
        for i in range(3)
    ]
    with store.writer() as w:
        w.ensure_source(SourceInfo("src", "src"))
        w.apply_many("src", [Incoming(v.id, v) for v in lieux], at=AT)
    after = held_keys(store)
    assert after == expected_keys(store) and len(after) == 3
    return after


def test_the_migration_gives_the_venues_already_there_their_new_keys(store):
    """Down to the revision before (the kinds of keys there were: commune, contacts, cell), then up again."""
    after = _three_venues(store)
    try:
        downgrade(store.engine, "0011")
        assert current_revision(store.engine) == "0011"
        before = held_keys(store)
        assert {key.split(":", 1)[0] for keys in before.values() for key in keys} == {"insee", "tel", "cell"}
        assert {pk: {k for k in keys if not k.startswith("cell:")} for pk, keys in before.items()} == {
            pk: {k for k in keys if k.startswith(("insee:", "tel:"))} for pk, keys in after.items()
        }
    finally:
        store.upgrade()
    assert store.is_current()
    assert held_keys(store) == after
    assert any(key.startswith("adr:") for keys in after.values() for key in keys)


def test_the_migration_to_smaller_cells_moves_every_venue_to_its_cell(store):
    """0013: the cells of the 250 m grid before, of the ``CELL_M`` grid after; no other key changes."""
    after = _three_venues(store)
    with store.engine.connect() as c:
        points = {pk: (lat, lon) for pk, lat, lon in c.execute(sa.text("SELECT pk, latitude, longitude FROM venue"))}
    assert CELL_M < 250
    try:
        downgrade(store.engine, "0012")
        before = held_keys(store)
        assert before == {
            pk: {k for k in keys if not k.startswith("cell:")} | {f"cell:{grid_cells(*points[pk], 250.0)[0]}"}
            for pk, keys in after.items()
        }
        assert before != after
    finally:
        store.upgrade()
    assert held_keys(store) == after == expected_keys(store)
    assert all(f"cell:{grid_cells(*points[pk])[0]}" in keys for pk, keys in after.items())
