# SPDX-License-Identifier: Apache-2.0
"""Migrations 0014 and 0015 (SQLite): terms, blocking keys (0014) and provenance (0015) are ``WITHOUT
ROWID`` tables after them, rowid tables again below them, with their rows, their indexes and their foreign
keys either way."""

from __future__ import annotations

import sqlalchemy as sa

from directory.store import open_store
from directory.store.migrate import current_revision, downgrade

from .test_store import fill, venue

TABLES = ("venue_term", "match_key", "field_provenance")


def has_rowid(c: sa.Connection, table: str) -> bool:
    try:
        c.exec_driver_sql(f"SELECT rowid FROM {table} LIMIT 1")
    except sa.exc.OperationalError:  # no such column: rowid
        return False
    return True


def contents(store) -> dict[str, tuple[list[tuple], list[str], list[tuple]]]:
    """Each table's rows (in order), the names of its own indexes and its foreign keys (columns, table
    referred to, what a deletion there does)."""
    with store.engine.connect() as c:
        return {
            table: (
                [tuple(r) for r in c.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1, 2, 3")],
                sorted(
                    name for _, name, *_ in c.exec_driver_sql(f"PRAGMA index_list({table})") if name.startswith("ix_")
                ),
                sorted(
                    (column, other, on_delete)
                    for _, _, other, column, _, _, on_delete, _ in c.exec_driver_sql(
                        f"PRAGMA foreign_key_list({table})"
                    )
                ),
            )
            for table in TABLES
        }


def rowids(store) -> dict[str, bool]:
    with store.engine.connect() as c:
        return {table: has_rowid(c, table) for table in TABLES}


def filled_store(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}", upgrade=True)
    fill(store, [venue("a", 45.76, 4.85, services=["Aide aux démarches administratives"]), venue("b", 48.69, 6.18)])
    return store


def test_the_tables_lose_their_rowid_and_keep_their_rows(tmp_path):
    store = filled_store(tmp_path)
    kept = contents(store)
    assert all(rows for rows, _, _ in kept.values())
    assert kept["venue_term"][1] == ["ix_venue_term_field_code"] and kept["match_key"][1] == ["ix_match_key_venue_pk"]
    assert kept["field_provenance"][2] == [("venue_pk", "venue", "CASCADE")]
    assert rowids(store) == dict.fromkeys(TABLES, False)
    downgrade(store.engine, "0013")
    assert current_revision(store.engine) == "0013"
    assert rowids(store) == dict.fromkeys(TABLES, True)
    assert contents(store) == kept
    store.upgrade()
    assert store.is_current() and rowids(store) == dict.fromkeys(TABLES, False)
    assert contents(store) == kept
    (outcome,) = fill(store, [venue("c", 45.77, 4.86)])  # the tables rebuilt take new rows
    assert outcome.action == "created"
    after = contents(store)
    assert all(len(after[table][0]) > len(kept[table][0]) for table in ("match_key", "field_provenance"))
    store.close()


def test_below_0015_only_the_provenance_has_its_rowid_again(tmp_path):
    store = filled_store(tmp_path)
    kept = contents(store)
    downgrade(store.engine, "0014")
    assert current_revision(store.engine) == "0014"
    assert rowids(store) == {"venue_term": False, "match_key": False, "field_provenance": True}
    assert contents(store) == kept
    store.upgrade()
    assert store.is_current() and rowids(store) == dict.fromkeys(TABLES, False)
    assert contents(store) == kept
    store.close()


def test_a_store_made_from_the_tables_declared_has_no_rowid_there_either(tmp_path):
    """``tables.py`` says the same as the migrations: a database created from the model has the same tables."""
    from directory.store.tables import metadata

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'model.db'}")
    metadata.create_all(engine)
    with engine.connect() as c:
        assert {table: has_rowid(c, table) for table in TABLES} == dict.fromkeys(TABLES, False)
    engine.dispose()
