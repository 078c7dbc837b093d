# SPDX-License-Identifier: Apache-2.0
"""Migration 0014 (SQLite): terms and blocking keys are ``WITHOUT ROWID`` tables after it, rowid
tables again below it, with their rows and their indexes either way."""

from __future__ import annotations

import sqlalchemy as sa

from directory.store import open_store
from directory.store.migrate import current_revision, downgrade

from .test_store import fill, venue

TABLES = ("venue_term", "match_key")


def has_rowid(c: sa.Connection, table: str) -> bool:
    try:
        c.exec_driver_sql(f"SELECT rowid FROM {table} LIMIT 1")
    except sa.exc.OperationalError:  # no such column: rowid
        return False
    return True


def contents(store) -> dict[str, tuple[list[tuple], list[str]]]:
    """Each table's rows (in order) and the names of its own indexes."""
    with store.engine.connect() as c:
        return {
            table: (
                [tuple(r) for r in c.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1, 2, 3")],
                sorted(
                    name for _, name, *_ in c.exec_driver_sql(f"PRAGMA index_list({table})") if name.startswith("ix_")
                ),
            )
            for table in TABLES
        }


def rowids(store) -> dict[str, bool]:
    with store.engine.connect() as c:
        return {table: has_rowid(c, table) for table in TABLES}


def test_the_tables_lose_their_rowid_and_keep_their_rows(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}", upgrade=True)
    fill(store, [venue("a", 45.76, 4.85, services=["Aide aux démarches administratives"]), venue("b", 48.69, 6.18)])
    kept = contents(store)
    assert all(rows for rows, _ in kept.values())
    assert kept["venue_term"][1] == ["ix_venue_term_field_code"] and kept["match_key"][1] == ["ix_match_key_venue_pk"]
    assert rowids(store) == dict.fromkeys(TABLES, False)
    downgrade(store.engine, "0013")
    assert current_revision(store.engine) == "0013"
    assert rowids(store) == dict.fromkeys(TABLES, True)
    assert contents(store) == kept
    store.upgrade()
    assert store.is_current() and rowids(store) == dict.fromkeys(TABLES, False)
    assert contents(store) == kept
    (outcome,) = fill(store, [venue("c", 45.77, 4.86)])  # the tables rebuilt take new rows
    assert outcome.action == "created" and len(contents(store)["match_key"][0]) > len(kept["match_key"][0])
    store.close()


def test_a_store_made_from_the_tables_declared_has_no_rowid_there_either(tmp_path):
    """``tables.py`` says the same as the migrations: a database created from the model has the same tables."""
    from directory.store.tables import metadata

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'model.db'}")
    metadata.create_all(engine)
    with engine.connect() as c:
        assert {table: has_rowid(c, table) for table in TABLES} == dict.fromkeys(TABLES, False)
    engine.dispose()
