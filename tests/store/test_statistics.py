# SPDX-License-Identifier: Apache-2.0
"""``Writer.refresh_statistics``: on PostgreSQL the tables a transaction has grown are analysed inside it,
so that the planner stops guessing for them; the lookup of a batch's record ids (``link_hashes``), as
psycopg prepares it once run five times, then goes through the primary key instead of reading every
link of the source. Nothing on SQLite."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from directory.store import Incoming, SourceInfo
from directory.store._bulk import insert_rows
from directory.store.tables import link_t

from .test_store import AT, venue

LINKS = 8_000
ASKED = 1_000


def _link_rows(venue_pk: int) -> list[dict[str, object]]:
    return [
        {
            "source_id": "src",
            "record_id": f"rec-{i:06d}",
            "venue_pk": venue_pk,
            "fingerprint": "f" * 64,
            "raw_hash": "h" * 64,
            "record": {"nom": f"Lieu {i}", "adresse": f"{i} rue de la Gare", "commune": "Lyon"},
            "first_seen": AT,
            "last_seen": AT,
        }
        for i in range(LINKS)
    ]


def _index_conditions(plan: dict[str, Any]) -> list[str]:
    return [c for c in [plan.get("Index Cond")] if c] + [c for p in plan.get("Plans", ()) for c in _index_conditions(p)]


def _lookup_index_conditions(c: sa.Connection) -> list[str]:
    """The index conditions of ``link_hashes``' statement (1,000 ids bound one by one) in its generic plan."""
    c.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    ids = ", ".join(f"${i}" for i in range(2, ASKED + 2))
    c.exec_driver_sql(
        "PREPARE lookup AS SELECT record_id, raw_hash, withdrawn_at FROM source_link "
        f"WHERE source_id = $1::varchar AND record_id IN ({ids})"
    )
    values = ", ".join(f"'rec-{i:06d}'" for i in range(0, 2 * ASKED, 2))
    (plan,) = c.exec_driver_sql(f"EXPLAIN (FORMAT JSON) EXECUTE lookup('src', {values})").scalar_one()
    c.exec_driver_sql("DEALLOCATE lookup")
    return _index_conditions(plan["Plan"])


def test_the_tables_a_transaction_grew_are_analysed_inside_it(store):
    with store.writer() as w:
        w.ensure_source(SourceInfo("src", "src"))
        (outcome,) = w.apply_many("src", [Incoming("v", venue("v", 45.76, 4.85))], at=AT)
        pk = w.c.execute(sa.select(link_t.c.venue_pk)).scalar_one()
        insert_rows(w.c, link_t, _link_rows(pk))
        if store.dialect != "postgresql":
            assert w.refresh_statistics() == []
            return
        grown = w.refresh_statistics()
        known = w.c.execute(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'source_link'")).scalar_one()
        planned = _lookup_index_conditions(w.c)
        again = w.refresh_statistics()
    assert outcome.action == "created"
    assert "source_link" in grown and known == LINKS + 1  # the transaction's own rows are counted
    # Analysed, it looks each id up in the primary key. (Without statistics the plan depends on the server:
    # here, never analysed, it took one row in 200 for the source and read all its links, each compared
    # with the 1,000 ids; a fresh server with autovacuum chose the good plan. So only the plan after is asserted.)
    assert len(planned) == 1 and "record_id" in planned[0]
    assert again == []  # nothing grew since
