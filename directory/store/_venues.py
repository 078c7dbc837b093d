# SPDX-License-Identifier: Apache-2.0
"""``Writer``'s part for venues fed by records: apply a batch of one source's records.

Records are applied in batches: one query finds the links of a whole batch, new venues and their
terms, offers, links, provenance and history are inserted with one statement per table
(``_bulk.insert_rows``); venues that change are merged again one by one in Python (their change log
is per field, ``_merging``) and written together, a statement per kind of write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from directory.schema import LIST_VOCABULARIES, Venue, is_geocoded

from ._bulk import insert_rows, update_rows
from ._content import CONTENT, EMPTY, venue_values
from ._models import ApplyOutcome, fingerprint
from ._offers import given_by, write_offers
from ._writer_base import WriterBase
from .codec import venue_record
from .ids import new_venue_id
from .tables import link_t, term_t, venue_t

__all__ = ["Incoming", "Prepared", "VenuesMixin"]

#: SQLite: new venue rows pass through this temporary table (``VenuesMixin._insert_venues``), of
#: the venue's columns (and so the same type affinities), without its indexes and triggers.
_STAGED = "temp.venue_staged"
_staged_t = venue_t.to_metadata(sa.MetaData(), name="venue_staged")
_COPIED = ", ".join(c.name for c in venue_t.c if c.name != "pk")  # every column a new row has


@dataclass(frozen=True, slots=True)
class Incoming:
    """One valid record to apply: the venue it describes and what comes with it."""

    record_id: str
    venue: Venue
    flags: Sequence[dict[str, Any]] = ()
    #: Attach the record to this existing venue (matching said: the same place).
    attach_to: str | None = None
    origin: str | None = None  # first publisher
    lineage: Sequence[str] = ()  # aggregators it came through, origin first
    geo_method: str | None = None  # producteur | ban-housenumber | ban-street | commune (schema.placement)
    geo_score: float | None = None
    geo_point: tuple[float, float] | None = None  # the geocoder's, when it answered
    #: The record as read, before parsing: the next run skips it when it reads the same.
    raw_hash: str | None = None
    #: The blocking keys of the venue the record describes (``schema.stored_block_keys``), when matching
    #: computed them already: a venue the record creates takes them, unless it is stored at the geocoder's point.
    block_keys: frozenset[str] | None = None
    #: The venue's stored form (``codec.venue_record`` of ``venue``), when computed already (validation's
    #: workers); copied, not changed.
    record: Mapping[str, Any] | None = None

    @property
    def point_from_geocoder(self) -> tuple[float, float] | None:
        """The geocoder's point when its venue is stored at it (the record's kept beside it), else None."""
        return self.geo_point if is_geocoded(self.geo_method) else None


@dataclass(slots=True)
class Prepared:
    """An ``Incoming`` record in its stored forms, with the fingerprint that says whether it changed."""

    incoming: Incoming
    record: dict[str, Any]  # stored forms, JSON-ready
    fingerprint: str

    @property
    def record_id(self) -> str:
        return self.incoming.record_id


class VenuesMixin(WriterBase):
    """Venues created, updated or attached to from a source's records, and read back by id."""

    def apply(
        self, source_id: str, record_id: str, venue: Venue, *, flags: Sequence[dict[str, Any]] = (), at: datetime
    ) -> ApplyOutcome:
        """Create or update the venue fed by (source, record id); see ``apply_many``."""
        return self.apply_many(source_id, [Incoming(record_id, venue, flags)], at=at)[0]

    def apply_many(
        self, source_id: str, incoming: Sequence[Incoming], *, at: datetime, pending: bool = False
    ) -> list[ApplyOutcome]:
        """Store what these records of one source say, and the venues they feed.

        A record seen before updates its link; a new one creates a venue, or
        joins the venue named by ``attach_to``. Each venue touched is then
        recomputed from all its records (``merge_records``): curator locks
        first, then source trust, then recency. Unchanged input costs its
        lookup only. Outcomes come back in the order of ``incoming``.

        :param pending: the venues these records create wait for a person (``_pending``): status
            ``pending``, published nowhere, without matching keys, until « Publier ».
        """
        outcomes: list[ApplyOutcome] = []
        batch: list[Prepared] = []
        ids_in_batch: set[str] = set()
        for item in incoming:
            if item.record_id in ids_in_batch:  # the same record twice: the second sees the first
                outcomes += self._apply_batch(source_id, batch, at, pending)
                batch, ids_in_batch = [], set()
            record = dict(item.record) if item.record is not None else venue_record(item.venue)
            record["flags"] = list(item.flags) or None
            record["geo_method"] = item.geo_method
            record["offres"] = given_by(record["offres"], source_id)
            if (point := item.point_from_geocoder) is not None:
                # The producer's point stays beside the one that replaces it.
                record["producer_latitude"], record["producer_longitude"] = record["latitude"], record["longitude"]
                record["latitude"], record["longitude"] = point
            print_ = fingerprint({**record, "attach_to": item.attach_to, "lineage": list(item.lineage)})
            batch.append(Prepared(item, record, print_))
            ids_in_batch.add(item.record_id)
        return outcomes + self._apply_batch(source_id, batch, at, pending)

    def _apply_batch(
        self, source_id: str, batch: list[Prepared], at: datetime, pending: bool = False
    ) -> list[ApplyOutcome]:
        if not batch:
            return []
        links = {
            r.record_id: r
            for r in self.c.execute(
                sa.select(link_t.c.record_id, link_t.c.venue_pk, link_t.c.fingerprint, link_t.c.withdrawn_at).where(
                    link_t.c.source_id == source_id, link_t.c.record_id.in_([p.record_id for p in batch])
                )
            )
        }
        targets = self.venue_pks([p.incoming.attach_to for p in batch if p.incoming.attach_to])
        fresh = [p for p in batch if p.record_id not in links and targets.get(p.incoming.attach_to or "") is None]
        outcomes: dict[str, ApplyOutcome] = dict(
            zip((p.record_id for p in fresh), self._create_many(source_id, fresh, at, pending))
        )
        touched: dict[int, list[str]] = {}  # venue pk → record ids of this batch that touched it
        left: dict[int, int] = {}  # venue a record moved away from → where it went
        joined: list[dict[str, Any]] = []  # new links of records joining a venue, written together
        changed: list[dict[str, Any]] = []  # links that say something new, written together
        for p in batch:
            if p.record_id in outcomes:
                continue
            link = links.get(p.record_id)
            target = targets.get(p.incoming.attach_to or "")
            if link is not None and link.fingerprint == p.fingerprint and link.withdrawn_at is None:
                outcomes[p.record_id] = ApplyOutcome("", "unchanged")  # its venue id is filled below
                continue
            if target is not None:
                pk = target
            elif link is not None:
                pk = link.venue_pk
            else:  # a record with neither a link nor a target was created above, with the fresh ones
                raise AssertionError(f"record {p.record_id} was neither created nor linked")
            values = self._link_values(p, pk, at)
            if link is None:
                joined.append({"source_id": source_id, "record_id": p.record_id, "first_seen": at, **values})
            else:
                changed.append({"source_id": source_id, "record_id": p.record_id, "withdrawn_at": None, **values})
                if link.venue_pk != pk:
                    left[link.venue_pk] = pk
            touched.setdefault(pk, []).append(p.record_id)
        insert_rows(self.c, link_t, joined)
        update_rows(self.c, link_t, ("source_id", "record_id"), changed)
        unchanged = [p for p in batch if outcomes.get(p.record_id, ApplyOutcome("", "")).action == "unchanged"]
        self._seen_again(source_id, unchanged, at)
        results = self._remerge(set(touched) | set(left), source_id, at)
        for old, new in left.items():
            if results[old].action == "emptied":
                self._redirect(old, new, source_id, at)
        for pk, record_ids in touched.items():
            result = results[pk]
            for record_id in record_ids:
                attached = links.get(record_id) is None or links[record_id].venue_pk != pk
                outcomes[record_id] = ApplyOutcome(
                    result.venue_id, "attached" if attached else result.action, result.changed_fields
                )
        quiet = {links[p.record_id].venue_pk for p in batch if outcomes[p.record_id].venue_id == ""}
        ids = (
            dict(self.c.execute(sa.select(venue_t.c.pk, venue_t.c.id).where(venue_t.c.pk.in_(list(quiet)))).all())
            if quiet
            else {}
        )
        for p in batch:  # unchanged records: their venue is not merged again, only named
            if outcomes[p.record_id].venue_id == "":
                outcomes[p.record_id] = ApplyOutcome(ids[links[p.record_id].venue_pk], "unchanged")
        return [outcomes[p.record_id] for p in batch]

    def _create_many(
        self, source_id: str, batch: list[Prepared], at: datetime, pending: bool = False
    ) -> list[ApplyOutcome]:
        if not batch:
            return []
        created = self._new_venues(
            source_id,
            [p.record for p in batch],
            at,
            status="pending" if pending else "active",
            keys=[None if p.incoming.point_from_geocoder is not None else p.incoming.block_keys for p in batch],
        )
        insert_rows(
            self.c,
            link_t,
            [
                {"source_id": source_id, "record_id": p.record_id, "first_seen": at, **self._link_values(p, pk, at)}
                for p, (_, pk, _) in zip(batch, created)
            ],
        )
        return [ApplyOutcome(venue_id, "created", filled, pk) for venue_id, pk, filled in created]

    def _new_venues(
        self,
        source_id: str | None,
        records: Sequence[Mapping[str, Any]],
        at: datetime,
        actor: str | None = None,
        *,
        status: str = "active",
        keys: Sequence[frozenset[str] | None] = (),
    ) -> list[tuple[str, int, tuple[str, ...]]]:
        """A new venue per record (stored form), with its terms, blocking keys, provenance and
        creation in the change log: (id, pk, fields filled) of each, in order. Links are the caller's.
        A ``pending`` venue gets no blocking keys: matching never attaches records to it (``_pending``).
        ``keys``: each venue's blocking keys where the caller has them (``Incoming.block_keys``)."""
        ids = [new_venue_id() for _ in records]
        rows = [
            {"id": i, "status": status, "created_at": at, "updated_at": at, **venue_values(r)}
            for i, r in zip(ids, records)
        ]
        self._insert_venues(rows)
        pks = self.venue_pks(ids)
        created, changes = [], []
        for venue_id, record, row in zip(ids, records, rows):
            pk = pks[venue_id]
            filled = tuple(name for name in CONTENT if row[name] not in EMPTY)
            changes.append(
                {
                    "venue_pk": pk,
                    "venue_id": venue_id,
                    "at": at,
                    "action": "create",
                    "source_id": source_id,
                    "actor": actor,
                    "new": {k: record[k] for k in filled},
                }
            )
            created.append((venue_id, pk, filled))
        self._write_terms({pks[i]: r for i, r in zip(ids, records)}, replace=False)
        if status == "active":
            given = {pks[i]: held for i, held in zip(ids, keys) if held is not None}
            self._set_match_keys({pks[i]: row for i, row in zip(ids, rows)}, replace=False, given=given)
        self._first_provenance(list(pks.values()), source_id, at)
        self._log(*changes)
        return created

    def _insert_venues(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """New venue rows. SQLite's R*Tree, which the venue's insert trigger feeds, closes its blob
        handle at every statement: with a statement per row (``executemany``) each venue reopened it,
        ~50 µs. So on SQLite the rows go to a temporary table first, and into ``venue`` by one
        ``INSERT … SELECT`` a batch (100k venues: 8.8 → 5.3 s)."""
        if self.c.dialect.name != "sqlite":
            insert_rows(self.c, venue_t, rows)
            return
        self.c.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {_STAGED} AS SELECT * FROM main.venue WHERE 0")
        insert_rows(self.c, _staged_t, rows)
        self.c.exec_driver_sql(f"INSERT INTO main.venue ({_COPIED}) SELECT {_COPIED} FROM {_STAGED} ORDER BY rowid")
        self.c.exec_driver_sql(f"DELETE FROM {_STAGED}")

    def _write_terms(self, venues: Mapping[int, Mapping[str, Any]], *, replace: bool) -> None:
        """The filterable terms and the offers (``_offers``) of these venues (pk → stored values)."""
        if replace:
            self.c.execute(term_t.delete().where(term_t.c.venue_pk.in_(list(venues))))
        write_offers(self.c, venues, replace=replace)
        terms = [
            {"venue_pk": pk, "field": name, "code": code}
            for pk, values in venues.items()
            for name in LIST_VOCABULARIES
            for code in values[name] or ()
        ]
        insert_rows(self.c, term_t, terms)

    def _venue_id(self, pk: int) -> str:
        return str(self.c.execute(sa.select(venue_t.c.id).where(venue_t.c.pk == pk)).scalar_one())

    def venue_names(self, venue_ids: Sequence[str]) -> dict[str, str]:
        """Venue id → name, for reports."""
        rows = self.c.execute(sa.select(venue_t.c.id, venue_t.c.nom).where(venue_t.c.id.in_(list(venue_ids))))
        return dict(rows.all())

    def venue_communes(self, venue_ids: Sequence[str]) -> dict[str, str | None]:
        """Venue id → its commune's INSEE code, read through this transaction (a venue just made)."""
        rows = self.c.execute(sa.select(venue_t.c.id, venue_t.c.code_insee).where(venue_t.c.id.in_(list(venue_ids))))
        return dict(rows.all())
