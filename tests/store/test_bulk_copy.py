# SPDX-License-Identifier: Apache-2.0
"""On PostgreSQL ``insert_rows`` sends its rows with ``COPY … FROM STDIN``: what reaches the tables must
be what its ``executemany`` (``copy=False``) and SQLAlchemy's own ``INSERT`` store from the same rows,
value for value (read back as the server's text of each column), awkward values included; in the caller's transaction; constraints
checked and generated columns computed as an INSERT's are."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from directory.store import open_store
from directory.store._bulk import insert_rows
from directory.store.tables import change_t, offer_t, prov_t, term_t, venue_t

from ..conftest import _truncate

pytestmark = pytest.mark.postgis

#: Text COPY's own escapes (tab, newline, backslash, ``\N``, ``\.``) and SQL's quotes, in values.
AWKWARD = [
    "tab\there",
    "lines\nand\r\nreturns",
    "back\\slash \\N \\t \\\\",
    "\\N",
    "\\.",
    'it\'s "quoted"',
    "",
    "NULL",
    "accents é à ü, emoji 😀, zero-width \u200b",
]
AT = datetime(2026, 11, 25, 9, 30, 15, 123456, tzinfo=UTC)
ZONES = [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-9, minutes=-30))]


@pytest.fixture
def engine(postgis_database: str) -> Iterator[sa.Engine]:
    store = open_store(postgis_database)
    _truncate(store)
    yield store.engine
    store.close()


def venues(prefix: str) -> list[dict[str, Any]]:
    rows = []
    for i, text in enumerate(AWKWARD):
        rows.append(
            {
                "id": f"{prefix}{i}",
                "pivot": "00000000000000",
                "nom": text,
                "commune": f"Lyon {text}",
                "code_postal": "69008",
                "code_insee": None if i % 2 else "69388",
                "adresse": text,
                "complement_adresse": None,
                # the generated geography: a point, none when either coordinate is missing
                "latitude": None if i == 3 else 45.734567891234567 + i / 7,
                "longitude": -0.0 if i == 1 else 4.8712345678901234 - i / 3,
                "typologie": [text, None, 1.5, True] if i % 3 == 0 else [],
                "courriels": None,
                "services": [f"svc {text}"],
                "flags": [{"reason": text, "nested": {"n": i, "null": None, "list": [False, "\\u0041"]}}],
                "offres": None if i % 2 else [{"nom": text, "dates": []}],
                "date_maj": date(2024, 2, 29) + timedelta(days=i),
                "created_at": AT.astimezone(ZONES[i % len(ZONES)]),
                "updated_at": AT + timedelta(microseconds=i),
            }
        )
    return rows


def children(venue_pks: Sequence[int]) -> dict[sa.Table, list[dict[str, Any]]]:
    """Rows of other tables (JSON of any kind, booleans, NULLs, dates with time zones) for these venues."""
    old_values: list[Any] = [None, "texte", 3, 2.5, True, [], {}, {"a": ["b\tc", None]}, "\\N"]
    return {
        change_t: [
            {
                "venue_pk": pk,
                "venue_id": f"v{i}",
                "at": AT.astimezone(ZONES[i % len(ZONES)]),
                "action": "update",
                "field": None if i % 4 == 0 else AWKWARD[i % len(AWKWARD)][:40],
                "old": old_values[i % len(old_values)],
                "new": AWKWARD[i % len(AWKWARD)],
                "source_id": "src",
                "actor": None,
            }
            for i, pk in enumerate(venue_pks)
        ],
        prov_t: [
            {"venue_pk": pk, "field": field, "source_id": None if i % 2 else "src", "locked": i % 3 == 0, "at": AT}
            for i, pk in enumerate(venue_pks)
            for field in ("nom", "adresse")
        ],
        offer_t: [  # ``itinerant`` left out: its Python default
            {
                "venue_pk": pk,
                "id": AWKWARD[i % len(AWKWARD)][:120] or "vide",
                "position": i,
                "nom": AWKWARD[i % len(AWKWARD)],
                "services": None,
                "conditions_frais": [],
                "source_id": None,
                "record": {"nom": AWKWARD[i % len(AWKWARD)], "itinerant": i % 2 == 0},
            }
            for i, pk in enumerate(venue_pks)
        ],
    }


def stored(c: sa.Connection, table: sa.Table, venue_pks: Sequence[int]) -> list[tuple[Any, ...]]:
    """Each row of ``table`` (for these venues, in insertion order), every column as the server's text;
    keys the database made (serial ``pk``/``seq``, a venue's ``id`` and ``pk``) replaced by their rank."""
    made = {"pk", "seq", "id", "venue_pk", "venue_id"} - ({"id"} if table is offer_t else set())
    columns = [column.name for column in table.c if column.name not in made] + (["geog"] if table is venue_t else [])
    rank = {pk: i for i, pk in enumerate(venue_pks)}
    key = "pk" if table is venue_t else "venue_pk"
    order = ", ".join(name for name in ("pk", "seq", "field") if name in table.c)
    rows = c.exec_driver_sql(
        f"SELECT {key}, {', '.join(f'{name}::text' for name in columns)} FROM {table.name} "
        f"WHERE {key} = ANY(%s) ORDER BY {order}",
        (list(venue_pks),),
    ).all()
    assert rows, table.name
    return [(rank[row[0]], *row[1:]) for row in rows]


#: The three ways rows are written: COPY, insert_rows' executemany, SQLAlchemy's INSERT.
WAYS = {
    "copy": lambda c, table, rows: insert_rows(c, table, rows),
    "many": lambda c, table, rows: insert_rows(c, table, rows, copy=False),
    "core": lambda c, table, rows: c.execute(table.insert(), rows),
}


def test_copy_stores_what_an_insert_stores(engine):
    with engine.begin() as c:
        # A date with a time zone read by the session's zone would move: one far from UTC.
        c.exec_driver_sql("SET TIME ZONE 'Pacific/Chatham'")
        for prefix, write in WAYS.items():
            write(c, venue_t, venues(prefix))
        pks = {
            prefix: list(c.scalars(sa.select(venue_t.c.pk).where(venue_t.c.id.like(f"{prefix}%")).order_by("pk")))
            for prefix in WAYS
        }
        assert stored(c, venue_t, pks["copy"]) == stored(c, venue_t, pks["many"]) == stored(c, venue_t, pks["core"])
        rows = {prefix: children(pks[prefix]) for prefix in WAYS}
        for table in rows["copy"]:
            for prefix, write in WAYS.items():
                write(c, table, rows[prefix][table])
            copied, many, core = (stored(c, table, pks[prefix]) for prefix in WAYS)
            assert copied == many == core, table.name
        # the generated geography was computed from each row's point
        geog = c.exec_driver_sql(
            "SELECT count(*) FILTER (WHERE geog IS NULL), count(*) FROM venue WHERE id LIKE 'copy%%'"
        ).one()
        assert tuple(geog) == (1, len(AWKWARD))
        itinerant = c.exec_driver_sql("SELECT DISTINCT itinerant FROM offer").scalars().all()
        assert itinerant == [False]


def test_copy_runs_in_the_callers_transaction(engine):
    row = venues("tx")[:1]
    with engine.connect() as c:
        insert_rows(c, venue_t, row)  # the connection's first statement: it opens the transaction
        assert c.in_transaction()
        c.rollback()
    with engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM venue").scalar_one() == 0
        insert_rows(c, venue_t, row)
        c.commit()
    with engine.connect() as c:
        assert c.exec_driver_sql("SELECT id FROM venue").scalars().all() == ["tx0"]


def test_copy_checks_constraints_as_an_insert_does(engine):
    """A row that breaks a foreign key or a unique constraint fails with SQLAlchemy's IntegrityError."""
    with engine.connect() as c:
        with pytest.raises(sa.exc.IntegrityError, match="venue_term"):
            insert_rows(c, term_t, [{"venue_pk": 12345, "field": "services", "code": "x"}])
        c.rollback()
        insert_rows(c, venue_t, venues("dup")[:1])
        with pytest.raises(sa.exc.IntegrityError, match="dup0"):
            insert_rows(c, venue_t, venues("dup")[:1])
        c.rollback()
