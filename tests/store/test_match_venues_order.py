# SPDX-License-Identifier: Apache-2.0
"""The records of a venue matching reads (``Writer.match_venues``) come in the same order on both backends:
the first names the venue in the review pairs (``harvest.dedupe``), so it must not hang on the database's
collation. SQLite compares text by code point; a PostgreSQL server created in a linguistic locale (the
``postgis/postgis`` image's ``en_US.utf8``, a French one) puts « a-1 » before « B-2 »."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from directory.store import Incoming, SourceInfo, Store, Writer

from .test_store import AT, venue

#: A linguistic collation PostgreSQL ships with ICU, under which case weighs less than the letter.
LINGUISTIC = "fr-x-icu"


@contextmanager
def _rolled_back_writer(store: Store, *, linguistic: bool) -> Iterator[Writer]:
    """A writer whose transaction is rolled back; ``linguistic``: on PostgreSQL, the links' text columns
    compared by ``LINGUISTIC`` inside it (the session's database is left as it was)."""
    with store.engine.connect() as connection, connection.begin() as transaction:
        if linguistic:
            if not connection.execute(
                sa.text("SELECT 1 FROM pg_collation WHERE collname = :c"), {"c": LINGUISTIC}
            ).first():
                pytest.skip(f"PostgreSQL sans la collation {LINGUISTIC} (ICU)")
            for column in ("source_id", "record_id"):
                connection.exec_driver_sql(
                    f'ALTER TABLE source_link ALTER COLUMN {column} TYPE varchar COLLATE "{LINGUISTIC}"'
                )
        yield Writer(connection)
        transaction.rollback()


def test_a_venues_records_come_in_code_point_order_whatever_the_collation(store):
    with store.writer() as w:
        w.ensure_source(SourceInfo("src", "src"))
        (created,) = w.apply_many("src", [Incoming("a-1", venue("a-1", 45.76, 4.84))], at=AT)
        w.apply_many("src", [Incoming("B-2", venue("B-2", 45.76, 4.84), attach_to=created.venue_id)], at=AT)
        pk = w.venue_pks([created.venue_id])[created.venue_id]
    for linguistic in (False, True) if store.dialect == "postgresql" else (False,):
        with _rolled_back_writer(store, linguistic=linguistic) as w:
            (_venue_id, _venue, record_keys, _method) = w.match_venues([pk])[pk]
        assert record_keys == ["src:B-2", "src:a-1"], linguistic  # « B » (U+0042) before « a » (U+0061)
