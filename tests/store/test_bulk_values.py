# SPDX-License-Identifier: Apache-2.0
"""``insert_rows`` encodes values its own way (the engine's JSON serializer called directly on SQLite, each
distinct date once, values read by ``itemgetter``): what reaches the tables must be what SQLAlchemy's own
``INSERT`` stores from the same rows, on both backends: JSON's two nulls and SQL's NULL included, rows
leaving out a column, and a row without a key the first one has."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa

from directory.store import SourceInfo
from directory.store._bulk import insert_rows
from directory.store.tables import change_t, prov_t

from .test_store import fill, venue

AT = datetime(2026, 11, 25, 9, 30, 15, 123456, tzinfo=UTC)
#: What a JSON column may be given: JSON's null (None and ``JSON.NULL``), SQL's NULL, and JSON values.
JSON_VALUES = [None, sa.JSON.NULL, sa.null(), [], [1, "é", None], {"a": 1.5, "b": [True]}, "text", 3, 0.25, False]


def stored(c: sa.Connection, table: sa.Table, columns: list[str], where: sa.ColumnElement[bool]) -> list[tuple]:
    """The rows as the database holds them: each value as text, with its type (SQLite's ``typeof``)."""
    typeof = sa.func.typeof if c.dialect.name == "sqlite" else sa.func.pg_typeof
    selected = [
        item for name in columns for item in (sa.cast(table.c[name], sa.Text), sa.cast(typeof(table.c[name]), sa.Text))
    ]
    return [tuple(r) for r in c.execute(sa.select(*selected).where(where).order_by(*table.primary_key.columns))]


def change_rows(pk: int, action: str) -> list[dict]:
    return [
        {
            "venue_pk": pk,
            "venue_id": "l0000000000",
            "at": AT.astimezone(timezone(timedelta(hours=i % 3))),
            "action": action,
            "field": None,
            "old": value,
            "new": JSON_VALUES[-1 - i],
            "source_id": "src",
            "actor": None,
        }
        for i, value in enumerate(JSON_VALUES)
    ]


def test_rows_are_stored_as_sqlalchemys_insert_stores_them(store):
    (outcome,) = fill(store, [venue("a", 45.76, 4.85)])
    pk = outcome.venue_pk
    columns = ["venue_pk", "venue_id", "at", "action", "field", "old", "new", "source_id", "actor"]
    with store.engine.begin() as c:
        c.execute(change_t.insert(), change_rows(pk, "ours"))
        insert_rows(c, change_t, change_rows(pk, "bulk"))
        ours = stored(c, change_t, columns, change_t.c.action == "ours")
        bulk = stored(c, change_t, columns, change_t.c.action == "bulk")
    assert len(ours) == len(JSON_VALUES)
    assert [row[:6] + row[8:] for row in bulk] == [row[:6] + row[8:] for row in ours]  # all but the action


def test_a_row_leaving_out_a_column_takes_its_default(store):
    """``locked`` has a default (False): rows may leave it out, all or some of them; a row may lack a key
    the first one has (None), and name one the first leaves out."""
    (outcome,) = fill(store, [venue("a", 45.76, 4.85)])
    pk = outcome.venue_pk
    with store.writer() as w:
        w.ensure_source(SourceInfo("src", "src"))
    rows = [
        {"venue_pk": pk, "field": "f1", "source_id": "src", "at": AT},
        {"venue_pk": pk, "field": "f2", "at": AT},
        {"venue_pk": pk, "field": "f3", "source_id": "src", "at": AT, "locked": True},
    ]
    columns = ["venue_pk", "field", "source_id", "locked", "at"]
    with store.engine.begin() as c:
        insert_rows(c, prov_t, rows)
        bulk = stored(c, prov_t, columns, prov_t.c.field.in_(["f1", "f2", "f3"]))
        c.execute(prov_t.delete().where(prov_t.c.field.in_(["f1", "f2", "f3"])))
        for row in rows:  # SQLAlchemy's INSERT of each row: what a row leaves out, None or the default
            c.execute(prov_t.insert(), {"source_id": None, "locked": False, **row})
        ours = stored(c, prov_t, columns, prov_t.c.field.in_(["f1", "f2", "f3"]))
    assert bulk == ours
