# SPDX-License-Identifier: Apache-2.0
"""``Writer``'s part for links and provenance: which record of which source feeds which venue, as
it was last read, and which source each field of a new venue comes from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ._bulk import chunks
from ._content import CONTENT
from ._review_pairs import record_links
from ._writer_base import WriterBase
from .tables import link_t, prov_t, venue_t

if TYPE_CHECKING:
    from ._venues import Prepared

__all__ = ["LinksMixin"]


def _filled(column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """SQL for ``value not in EMPTY`` (``_content``): JSON lists hold ``null`` or ``[]`` when empty."""
    if isinstance(column.type, sa.JSON):
        return column.is_not(None) & sa.cast(column, sa.Text).not_in(["null", "[]"])
    if isinstance(column.type, sa.String):
        return column.is_not(None) & (column != "")
    return column.is_not(None)


def _first_provenance_statement() -> sa.Insert:
    """One ``INSERT … SELECT`` of a provenance row per filled field of the venues ``:pks``: each venue
    joined with the list of fields, kept where its field is filled (a ``CASE`` on the field's rank).

    Rows are written venue after venue: on PostgreSQL a venue's ~20 rows then share a page or two, which
    merging it again reads and rewrites. In the order the selects give them (field after field), each row
    of a venue lay on a page of its own, and merging a venue read ~20 pages, from a table that outgrows
    the page cache as the directory grows. (One pass over the venues, already in that order, instead of
    a select per field sorted together: 39 → 28 µs a venue on SQLite.) SQLite keeps the table in its
    key's order whatever the order of the writes (``WITHOUT ROWID``, migration 0015): rows in that order
    are appended to its B-tree instead of slotted in."""
    fields = sa.union_all(
        *(
            sa.select(sa.literal(rank).label("rank"), sa.literal(name, sa.String).label("name"))
            for rank, name in enumerate(CONTENT)
        )
    ).subquery("fields")
    source_id, at = sa.bindparam("source_id", type_=prov_t.c.source_id.type), sa.bindparam("at", type_=prov_t.c.at.type)
    filled = sa.case({rank: _filled(venue_t.c[name]) for rank, name in enumerate(CONTENT)}, value=fields.c.rank)
    rows = (
        sa.select(venue_t.c.pk, fields.c.name, source_id, sa.false(), at)
        .select_from(venue_t.join(fields, sa.true()))
        .where(venue_t.c.pk.in_(sa.bindparam("pks", expanding=True)), filled)
        .order_by(venue_t.c.pk, fields.c.rank)
    )
    return prov_t.insert().from_select(["venue_pk", "field", "source_id", "locked", "at"], rows)


_FIRST_PROVENANCE = _first_provenance_statement()


class LinksMixin(WriterBase):
    """Links of records to venues, and the provenance of new venues."""

    def unknown_records(self, keys: Sequence[str]) -> tuple[str, ...]:
        """The ``source:record`` keys naming no record of the directory (withdrawn ones are known)."""
        links = record_links(self.c, keys)
        return tuple(key for key in keys if key not in links)

    def link_hashes(self, source_id: str, record_ids: Sequence[str]) -> dict[str, str | None]:
        """Which of these records of ``source_id`` feed a venue or did (withdrawn ones included): record
        id → hash of the record as last read, None once withdrawn. Read through this transaction."""
        found: dict[str, str | None] = {}
        for chunk in chunks(sorted(set(record_ids)), 2000):
            for record_id, raw_hash, withdrawn_at in self.c.execute(
                sa.select(link_t.c.record_id, link_t.c.raw_hash, link_t.c.withdrawn_at).where(
                    link_t.c.source_id == source_id, link_t.c.record_id.in_(chunk)
                )
            ):
                found[record_id] = None if withdrawn_at is not None else raw_hash
        return found

    def keep_unchanged(self, source_id: str, record_ids: Sequence[str], at: datetime) -> None:
        """These records were read again exactly as last time: only say when they were seen."""
        for chunk in chunks(record_ids, 500):
            self.c.execute(
                link_t.update()
                .where(link_t.c.source_id == source_id, link_t.c.record_id.in_(chunk))
                .values(last_seen=at)
            )

    def _seen_again(self, source_id: str, unchanged: list[Prepared], at: datetime) -> None:
        """Records read differently but meaning the same: remember how they were read this time."""
        if not unchanged:
            return
        self.c.execute(
            link_t.update()
            .where(link_t.c.source_id == source_id, link_t.c.record_id == sa.bindparam("b_record_id"))
            .values(last_seen=at, raw_hash=sa.bindparam("b_raw_hash")),
            [{"b_record_id": p.record_id, "b_raw_hash": p.incoming.raw_hash} for p in unchanged],
        )

    def _link_values(self, p: Prepared, venue_pk: int, at: datetime) -> dict[str, Any]:
        point = p.incoming.geo_point
        return {
            "venue_pk": venue_pk,
            "fingerprint": p.fingerprint,
            "raw_hash": p.incoming.raw_hash,
            "record": p.record,
            "last_seen": at,
            "origin": p.incoming.origin,
            "lineage": list(p.incoming.lineage) or None,
            "geo_method": p.incoming.geo_method,
            "geo_score": p.incoming.geo_score,
            "geo_latitude": point[0] if point else None,
            "geo_longitude": point[1] if point else None,
        }

    def _first_provenance(self, pks: list[int], source_id: str | None, at: datetime) -> None:
        """Every filled field of these new venues comes from ``source_id`` (None: a person made them):
        the database writes the ~20 rows of each venue (:data:`_FIRST_PROVENANCE`), with no work per row here."""
        self.c.execute(_FIRST_PROVENANCE, {"pks": pks, "source_id": source_id, "at": at})
