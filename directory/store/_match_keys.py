# SPDX-License-Identifier: Apache-2.0
"""``Writer``'s part for matching: the blocking keys of active venues kept in the store, the venues
matching compares, read through the run's transaction, and the doubtful pairs queued for a person."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa

from directory.schema import Itinerance, Venue, stored_block_keys

from ._bulk import chunks, driver_errors, insert_rows
from ._code_points import by_code_point
from ._models import RowValues
from ._param_lists import in_values, list_param
from ._rows import reader as _reader
from ._writer_base import WriterBase
from .tables import link_t, match_key_t, review_t, venue_t

__all__ = ["KEY_COLUMNS", "MatchKeysMixin"]

_COMPARED = ("pivot", "code_insee", "code_postal", "telephone", "courriels", "site_web", "latitude", "longitude")
#: The columns a venue's blocking keys come from (``schema.blocking.stored_block_keys``).
KEY_COLUMNS = (*_COMPARED, "nom", "commune", "adresse", "geo_method")
#: What matching compares (``harvest.matching.score``): a mobile venue (its itinerance) is compared as one.
_MATCH_COLUMNS = (*_COMPARED, "nom", "commune", "adresse", "itinerance", "date_maj")


def _blocks(dialect: sa.Dialect) -> str:
    """The venues holding each blocking key of one kind (``kind``) among ``values``, a row per key held:
    (key, its venues' pks: an array in ascending order on PostgreSQL, the text of a JSON array in no order
    on SQLite). No more than ``max_block`` + 1 of them per key: a block larger than ``max_block`` is left
    out by the caller (on SQLite, by the query), so that a big city's commune key, which grows with the
    directory, is never read whole. A row per key, not per venue: the keys of a batch's records hold tens
    of thousands of venues.

    SQL for the driver's own cursor, parameters by name (``:name`` for ``sqlite3``, ``%(name)s`` for
    ``psycopg``): a batch of a harvest reads thousands of rows (~5,000 for 1,000 venues' ~14,000 keys in a
    directory of 18,000), which SQLAlchemy's result would fetch one by one, in the run's process.

    SQLite looks each value of the JSON array ``values`` up in the primary key (``json_each`` joined, not
    ``key IN`` it, which first copies the list into an index of its own: ~25 % less work for SQLite) and
    counts the block there. A JSON array of pks is one ``orjson.loads``, where a ``group_concat`` text is
    split and each pk converted; it is sorted by the caller, as SQLite promises no order in an aggregate.
    One statement for every kind (splitting ``kind:value`` in SQL) costs SQLite more than it saves Python.

    PostgreSQL plans the same query as a scan of the whole kind filtered by the list (a bitmap scan of
    ~90,000 cells at 100k venues, ~50 ms a call, growing with the directory): a lateral subquery per value
    makes it look each key up in the primary key's index, and stop at ``max_block`` + 1 (~18 ms for 2,000
    cells, whatever the size)."""
    if dialect.name == "postgresql":
        return (
            "SELECT v.key, array_agg(b.venue_pk ORDER BY b.venue_pk) "
            "FROM unnest(CAST(%(values)s AS varchar[])) AS v(key) CROSS JOIN LATERAL "
            "(SELECT venue_pk FROM match_key WHERE kind = %(kind)s AND key = v.key ORDER BY venue_pk "
            "LIMIT %(max_block)s + 1) AS b GROUP BY v.key"
        )
    return (
        "SELECT j.value, json_group_array(m.venue_pk) FROM json_each(:values) AS j "
        "JOIN match_key AS m ON m.kind = :kind AND m.key = j.value GROUP BY j.value HAVING count(*) <= :max_block"
    )


def _links(dialect: sa.Dialect) -> sa.Select[Any]:
    """The records (venue pk, ``source``, ``record``) linked to the venues of pks ``values``, each venue's in
    source and record order by code point, whatever the database's collation (``_code_points``): the first
    names the venue in the pairs matching queues for review, which must be the same pairs on both backends."""
    return (
        sa.select(link_t.c.venue_pk, link_t.c.source_id, link_t.c.record_id)
        .where(in_values(link_t.c.venue_pk, dialect, sa.Integer()), link_t.c.withdrawn_at.is_(None))
        .order_by(link_t.c.venue_pk, by_code_point(link_t.c.source_id), by_code_point(link_t.c.record_id))
    )


def _record_keys(links: Iterable[tuple[int, str, str]]) -> dict[int, list[str]]:
    """Venue pk → the keys ``source:record`` of its records, in the order :func:`_links` gives them."""
    record_keys: dict[int, list[str]] = {}
    for venue_pk, source_id, record_id in links:
        record_keys.setdefault(venue_pk, []).append(f"{source_id}:{record_id}")
    return record_keys


class MatchKeysMixin(WriterBase):
    """Blocking keys, the venues matching compares, and the review queue's pairs."""

    def _set_match_keys(
        self,
        venues: Mapping[int, RowValues | None],
        *,
        replace: bool = True,
        given: Mapping[int, frozenset[str]] | None = None,
    ) -> None:
        """The blocking keys of these venues (pk → stored values; None: no longer active, no keys).
        ``given``: pk → the keys of those whose keys the caller has (``stored_block_keys`` of their values)."""
        if not venues:
            return
        self.changed_venues.update(venues)
        if replace:
            for chunk in chunks(list(venues), 500):
                self.c.execute(match_key_t.delete().where(match_key_t.c.venue_pk.in_(chunk)))
        rows = [
            {"kind": kind, "key": value, "venue_pk": pk}
            for pk, values in venues.items()
            if values is not None
            for kind, _, value in (key.partition(":") for key in (given or {}).get(pk) or stored_block_keys(values))
        ]
        if rows:
            insert_rows(self.c, match_key_t, rows)

    def match_blocks(self, keys: Iterable[str], max_block: int) -> dict[str, list[int]]:
        """The active venues (pks, ascending) holding each of these blocking keys (``kind:value``).

        A key held by more than ``max_block`` venues says nothing about which two are alike: it is
        left out, and so is a key no venue holds. Reads through this transaction, so the venues a
        run created in its earlier batches are there: on the driver's cursor of its connection
        (:func:`_blocks`), its errors raised as SQLAlchemy's, as ``Connection.execute`` would.
        """
        by_kind: dict[str, list[str]] = {}
        for key in sorted(set(keys)):
            kind, _, value = key.partition(":")
            by_kind.setdefault(kind, []).append(value)
        blocks: dict[str, list[int]] = {}
        dialect = self.c.dialect
        sql = _blocks(dialect)
        loads = orjson.loads
        driver: Any = self.c.connection.driver_connection
        cursor = driver.cursor()
        try:
            with driver_errors(dialect, sql):
                for kind, values in by_kind.items():
                    prefix = f"{kind}:"
                    for chunk in chunks(values, 2000):
                        params = {"kind": kind, "values": list_param(dialect, chunk), "max_block": max_block}
                        cursor.execute(sql, params)
                        for value, held in cursor.fetchall():
                            pks = loads(held) if isinstance(held, str) else held
                            if len(pks) <= max_block:
                                pks.sort()
                                blocks[prefix + value] = pks
        finally:
            cursor.close()
        return blocks

    def match_venues(self, pks: Iterable[int]) -> dict[int, tuple[str, Venue, list[str], str | None]]:
        """For matching: each of these active venues by pk, as (id, the fields compared, the keys
        ``source:record`` of its records in source and record order, how its point was obtained:
        ``geo_method``, see ``schema.placement``). JSON columns are read as text and decoded by
        ``orjson``, ``date_maj`` decoded once per distinct value (as ``iter_venue_rows``)."""
        found: dict[int, tuple[str, Venue, list[str], str | None]] = {}
        selected, decoders = _reader(self.c.dialect, _MATCH_COLUMNS)
        # date_maj comes raw where the dialect decodes dates in Python (SQLite), decoded by the driver elsewhere
        decode_date, dates = (decoders[0][1], decoders[0][2]) if decoders else (lambda raw: raw, {})
        loads = orjson.loads
        dialect = self.c.dialect
        links = _links(dialect)
        venues = sa.select(venue_t.c.pk, venue_t.c.id, venue_t.c.geo_method, *selected).where(
            in_values(venue_t.c.pk, dialect, sa.Integer()), venue_t.c.status == "active"
        )
        for chunk in chunks(sorted(set(pks)), 2000):
            params = {"values": list_param(dialect, chunk)}
            record_keys = _record_keys(self.c.execute(links, params).tuples())
            rows = self.c.execute(venues, params)
            for (
                pk,
                venue_id,
                geo_method,
                pivot,
                insee,
                postcode,
                phone,
                mails,
                sites,
                lat,
                lon,
                nom,
                commune,
                adresse,
                itinerance,
                raw_date,
            ) in rows:
                date_maj = dates.get(raw_date)
                if date_maj is None:
                    date_maj = dates[raw_date] = decode_date(raw_date)
                moves = itinerance is not None and Itinerance.ITINERANT in (loads(itinerance) or ())  # stored as codes
                venue = Venue(
                    id=venue_id,
                    pivot=pivot,
                    nom=nom,
                    commune=commune,
                    code_postal=postcode,
                    adresse=adresse,
                    date_maj=date_maj,
                    code_insee=insee,
                    latitude=lat,
                    longitude=lon,
                    telephone=phone,
                    courriels=list(loads(mails) or ()) if mails else [],
                    site_web=list(loads(sites) or ()) if sites else [],
                    itinerance=[Itinerance.ITINERANT] if moves else [],
                )
                found[pk] = (venue_id, venue, record_keys.get(pk, []), geo_method)
        return found

    def venue_pks(self, venue_ids: Iterable[str]) -> dict[str, int]:
        """Venue id → pk, for these venues (those that exist)."""
        found: dict[str, int] = {}
        dialect = self.c.dialect
        query = sa.select(venue_t.c.id, venue_t.c.pk).where(in_values(venue_t.c.id, dialect, sa.String()))
        for chunk in chunks(sorted(set(venue_ids)), 2000):
            found.update(self.c.execute(query, {"values": list_param(dialect, chunk)}).all())
        return found

    def add_review_items(self, items: Sequence[Mapping[str, Any]], run_id: int | None, at: datetime) -> int:
        """Queue doubtful pairs (``left_key``, ``right_key``, ``score``, ``parts``); known pairs are skipped,
        and so is a pair given twice (the first is kept). Known pairs are read a few hundred at a time
        and the new ones written by one statement: a batch of a harvest queues hundreds of them.
        An item with ``status`` ``merged`` is a pair matching merged without a person, kept with its
        evidence for the back office (``Store.merged_pairs``), not queued.

        :returns: how many pairs were queued for a person."""
        fresh: dict[tuple[str, str], Mapping[str, Any]] = {}  # the first item of each pair, in order
        for item in items:
            left, right = sorted((item["left_key"], item["right_key"]))
            fresh.setdefault((left, right), item)
        rv = review_t.c
        for left_keys in chunks(sorted({left for left, _ in fresh}), 500):
            for known in self.c.execute(sa.select(rv.left_key, rv.right_key).where(rv.left_key.in_(left_keys))):
                fresh.pop((known.left_key, known.right_key), None)
        rows = [
            {
                "left_key": left,
                "right_key": right,
                "score": item["score"],
                "parts": dict(item["parts"]),
                "status": item.get("status", "open"),
                "run_id": run_id,
                "created_at": at,
            }
            for (left, right), item in fresh.items()
        ]
        insert_rows(self.c, review_t, rows)
        return sum(row["status"] == "open" for row in rows)
