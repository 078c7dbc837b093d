# SPDX-License-Identifier: Apache-2.0
"""The change feed: what changed since a cursor, one item per venue, current state.

Read from ``change_log``. A page covers a contiguous range of sequence
numbers ``(since, next]``: the rows of one venue within it collapse into one
item carrying the venue's *current* state (consumers want states, not field
diffs), items ordered by the venue's latest sequence number in the page.
Venues never published (waiting for a person, or refused: ``_pending``) are left out; one that a
person publishes then arrives whole, with its ``publish`` row, as any new venue.

The cursor is opaque to clients (``encode_cursor``): it only says "the last
sequence number handed out". For it never to skip nor repeat a change, no
transaction may still be about to commit a number below one already visible.
SQLite has one writer at a time, and on PostgreSQL writers take a lock before
drawing their numbers and keep it until they end (``Writer.flush_changes``):
on both, numbers follow commit order, and a page may run up to the highest
visible one.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from directory.schema import Venue

from ._code_points import by_code_point
from ._merging import RECORDS
from ._pending import UNPUBLISHED
from .codec import values_to_venue
from .tables import (
    change_t,
    link_t,
    venue_t,
)

if TYPE_CHECKING:
    from ._base import Store

__all__ = ["ChangeFeed", "FeedItem", "FeedPage", "decode_cursor", "encode_cursor"]


MAX_PAGE = 1000
_BATCH = 1000
_CURSOR = re.compile(r"c1\.(0|[1-9]\d{0,17})")


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"c1.{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The sequence number behind ``cursor`` (0 when absent); ``ValueError`` if it is not one of ours."""
    if cursor is None or cursor == "":
        return 0
    if len(cursor) > 40 or not re.fullmatch(r"[A-Za-z0-9_-]+", cursor):
        raise ValueError("malformed cursor")
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError) as err:
        raise ValueError("malformed cursor") from err
    match = _CURSOR.fullmatch(text)
    if match is None:
        raise ValueError("malformed cursor")
    return int(match.group(1))


@dataclass(frozen=True, slots=True)
class FeedItem:
    seq: int  # the venue's latest change in the page
    venue_id: str
    action: str  # upsert | withdraw | merge
    merged_into: str | None
    at: datetime
    venue: Venue | None  # None: a tombstone (withdrawn or merged)
    origin: str | None = None
    lineage: list[str] = field(default_factory=list)

    @property
    def cursor(self) -> str:
        return encode_cursor(self.seq)


@dataclass(frozen=True, slots=True)
class FeedPage:
    items: list[FeedItem]
    next_seq: int
    more: bool

    @property
    def next(self) -> str:
        return encode_cursor(self.next_seq)


class ChangeFeed:
    """Pages of the change log of a store (``ChangeFeed(store).page(since, limit)``)."""

    def __init__(self, store: Store) -> None:
        self.engine: sa.Engine = store.engine

    def stable_seq(self, c: sa.Connection, since: int = 0) -> int:
        """The highest visible seq (``since`` if none is newer): every change below it is committed."""
        seq = c.execute(sa.select(sa.func.max(change_t.c.seq)).where(change_t.c.seq > since)).scalar()
        return since if seq is None else int(seq)

    def last_seq(self) -> int:
        """The change log's last sequence number (0 while it is empty)."""
        with self.engine.connect() as c:
            return int(c.execute(sa.select(sa.func.coalesce(sa.func.max(change_t.c.seq), 0))).scalar_one())

    def changed_since(self, since: int) -> tuple[int, dict[str, str]]:
        """Every venue changed after ``since``, each once in the order of its first change, with its
        status now (``active``, ``merged``…; absent from the venue table: not there), and the last seq read
        (``since`` when nothing changed). What an index needs to catch up, without the items' state."""
        with self.engine.connect() as c:
            rows = c.execute(
                sa.select(change_t.c.seq, change_t.c.venue_id).where(change_t.c.seq > since).order_by(change_t.c.seq)
            ).all()
            ids = list(dict.fromkeys(r.venue_id for r in rows))
            status = dict.fromkeys(ids, "absent")
            for chunk in (ids[i : i + _BATCH] for i in range(0, len(ids), _BATCH)):
                found = c.execute(sa.select(venue_t.c.id, venue_t.c.status).where(venue_t.c.id.in_(chunk)))
                status.update((r.id, r.status) for r in found)
        return (rows[-1].seq if rows else since), status

    def page(self, since: int = 0, limit: int = 500) -> FeedPage:
        """Changes after ``since`` (a seq), at most ``limit`` venues, each once."""
        limit = max(1, min(limit, MAX_PAGE))
        with self.engine.connect() as c:
            bound = self.stable_seq(c, since)
            latest: dict[int, tuple[int, str, datetime]] = {}  # venue pk → (seq, venue id, at)
            last, more, after = since, False, since
            while after < bound and not more:
                rows = c.execute(
                    sa.select(change_t.c.seq, change_t.c.venue_pk, change_t.c.venue_id, change_t.c.at)
                    # A venue whose records changed and nothing it shows (``RECORDS``, for the search index's
                    # names) has nothing new for the feed's readers.
                    .where(change_t.c.seq > after, change_t.c.seq <= bound, change_t.c.action != RECORDS)
                    .order_by(change_t.c.seq)
                    .limit(_BATCH)
                ).all()
                if not rows:
                    break
                for r in rows:
                    if r.venue_pk not in latest and len(latest) >= limit:
                        more = True
                        break
                    latest[r.venue_pk] = (r.seq, r.venue_id, r.at)
                    last = r.seq
                after = rows[-1].seq
            items = self._items(c, latest)
        return FeedPage(items, last, more)

    def _items(self, c: sa.Connection, latest: dict[int, tuple[int, str, datetime]]) -> list[FeedItem]:
        if not latest:
            return []
        pks = list(latest)
        venues = {r["pk"]: r for r in c.execute(sa.select(venue_t).where(venue_t.c.pk.in_(pks))).mappings()}
        lineage: dict[int, tuple[str | None, list[str]]] = {}
        for r in c.execute(
            sa.select(link_t.c.venue_pk, link_t.c.origin, link_t.c.lineage)
            .where(link_t.c.venue_pk.in_(pks), link_t.c.withdrawn_at.is_(None))
            .order_by(by_code_point(link_t.c.source_id), by_code_point(link_t.c.record_id))
        ):
            if r.venue_pk not in lineage and (r.origin or r.lineage):
                lineage[r.venue_pk] = (r.origin, list(r.lineage or ()))
        items = []
        for pk, (seq, venue_id, at) in sorted(latest.items(), key=lambda kv: kv[1][0]):
            row = venues.get(pk)
            status = row["status"] if row is not None else "withdrawn"
            origin, chain = lineage.get(pk, (None, []))
            if status in UNPUBLISHED:  # never published (waiting for a person, or refused): nothing to say
                continue
            if status == "active":
                assert row is not None
                items.append(
                    FeedItem(seq, row["id"], "upsert", None, at, values_to_venue(row["id"], row), origin, chain)
                )
            elif status == "merged":
                assert row is not None
                items.append(FeedItem(seq, venue_id, "merge", row["merged_into"], at, None))
            else:
                items.append(FeedItem(seq, venue_id, "withdraw", None, at, None))
        return items
