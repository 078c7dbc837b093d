# SPDX-License-Identifier: Apache-2.0
"""``Writer``'s part for the planner: the statistics of the tables a long transaction grows.

A harvest writes its whole run in one transaction. On PostgreSQL, nothing analyses the tables it
fills meanwhile: autovacuum sees none of the transaction's rows before it commits, and a first
harvest into an empty database leaves tables of 100,000 venues described as never analysed. The
planner then guesses (one row in 200 for any ``column = value``) and, for prepared statements, keeps
a generic plan made on these guesses: ``link_hashes``' lookup of 1,000 record ids of one source
became a scan of every link of the source, each compared with the 1,000 ids in turn (2.4 s at
50,000 links, against 8 ms through the primary key once analysed; see bench/README.md). ``ANALYZE``
inside the transaction sees its own rows, and costs a sample of at most 30,000 rows a table.
"""

from __future__ import annotations

import sqlalchemy as sa

from ._writer_base import WriterBase

__all__ = ["StatisticsMixin"]

#: A table is analysed again once its file has grown to this many times its size at the last ANALYZE.
GROWTH = 2
#: Tables smaller than this (in pages of 8 kB) are left alone: the planner reads them whole whatever it guesses.
SMALL_PAGES = 64

#: The grown tables of the store's schema, each with the columns of its B-tree indexes: what the
#: planner chooses an index or a join by. The other columns (JSON, texts, the point of the GiST index)
#: are most of the cost (``venue`` at 47,611 venues: 1.2–1.7 s whole, 0.2 s these columns) and the
#: writes do not look rows up by them.
_GROWN = sa.text(
    "SELECT c.relname, array_agg(DISTINCT a.attname ORDER BY a.attname) FROM pg_class c "
    "JOIN pg_index i ON i.indrelid = c.oid "
    "JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam AND am.amname = 'btree' "
    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey) "
    "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' "
    "AND pg_relation_size(c.oid) > :growth * greatest(c.relpages, :small) * current_setting('block_size')::int "
    "GROUP BY c.relname ORDER BY c.relname"
)


class StatisticsMixin(WriterBase):
    """The planner's statistics, brought up to date with what this transaction wrote."""

    def refresh_statistics(self) -> list[str]:
        """Analyse the tables of the store that have grown ``GROWTH`` times since they last were
        (PostgreSQL; nothing on SQLite, whose store never analyses). Cheap when nothing has grown
        (one look at the catalogue): meant to be called after each batch of a long run, doubling
        keeps the total cost proportional to what the run wrote. The tables analysed stay locked
        against another ANALYZE, a VACUUM or an index built concurrently until the transaction ends
        (reads and writes are not held up; autovacuum skips them meanwhile).

        :returns: the tables analysed."""
        if self.c.dialect.name != "postgresql":
            return []
        grown = self.c.execute(_GROWN, {"growth": GROWTH, "small": SMALL_PAGES}).tuples().all()
        if grown:
            quote = self.c.dialect.identifier_preparer.quote
            tables = (f"{quote(table)} ({', '.join(map(quote, columns))})" for table, columns in grown)
            self.c.exec_driver_sql("ANALYZE " + ", ".join(tables))
        return [table for table, _ in grown]
