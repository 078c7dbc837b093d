# SPDX-License-Identifier: Apache-2.0
"""Writes inside one transaction: sources, runs, raw records, venues.

Records are applied in batches: one query finds the links of a whole batch,
new venues and their terms, offers, links, provenance and history are
inserted with one statement per table; only changed venues are handled one
by one (their change log is per field).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from directory.schema import LIST_VOCABULARIES, Venue

from ._base import (
    ApplyOutcome,
    RawRecord,
    SourceInfo,
    change_t,
    fingerprint,
    jsonable,
    link_t,
    offer_t,
    prov_t,
    raw_t,
    run_t,
    source_t,
    term_t,
    utcnow,
    venue_t,
)
from .codec import field_value, values_to_venue, venue_to_values
from .ids import new_venue_id

__all__ = ["Writer", "Incoming"]


@dataclass(frozen=True, slots=True)
class Incoming:
    """One valid record to apply: the venue it describes and its warnings."""

    record_id: str
    venue: Venue
    flags: Sequence[dict[str, Any]] = ()


@dataclass(slots=True)
class _Prepared:
    record_id: str
    venue: Venue
    values: dict[str, Any]
    fingerprint: str


class Writer:
    """Returned by ``Store.writer()``; everything it writes commits together."""

    def __init__(self, connection: sa.Connection) -> None:
        self.c = connection

    def ensure_source(self, source: SourceInfo, at: datetime | None = None) -> None:
        values = {
            "name": source.name, "kind": source.kind, "publisher": source.publisher, "url": source.url,
            "format": source.format, "licence": source.licence, "trust": source.trust,
        }  # fmt: skip
        exists = self.c.execute(sa.select(source_t.c.id).where(source_t.c.id == source.id)).first()
        if exists:
            self.c.execute(source_t.update().where(source_t.c.id == source.id).values(**values))
        else:
            self.c.execute(source_t.insert().values(id=source.id, created_at=at or utcnow(), **values))

    def start_run(self, source_id: str, at: datetime | None = None) -> int:
        result = self.c.execute(run_t.insert().values(source_id=source_id, started_at=at or utcnow(), status="running"))
        return result.inserted_primary_key[0]

    def add_raw_records(self, run_id: int, source_id: str, records: Sequence[RawRecord], at: datetime) -> None:
        if not records:
            return
        self.c.execute(
            raw_t.insert(),
            [
                {
                    "run_id": run_id, "source_id": source_id, "record_id": r.record_id,
                    "position": r.position, "payload": r.payload, "content_hash": r.content_hash,
                    "fetched_at": at, "status": r.status, "problems": r.problems or None,
                }  # fmt: skip
                for r in records
            ],
        )

    def apply(
        self, source_id: str, record_id: str, venue: Venue, *, flags: Sequence[dict[str, Any]] = (), at: datetime
    ) -> ApplyOutcome:
        """Create or update the venue fed by (source, record id); see ``apply_many``."""
        return self.apply_many(source_id, [Incoming(record_id, venue, flags)], at=at)[0]

    def apply_many(self, source_id: str, incoming: Sequence[Incoming], *, at: datetime) -> list[ApplyOutcome]:
        """Create or update the venues fed by these records of one source.

        Unchanged input costs nothing but its lookup. Fields a curator locked
        are left as they are. Every changed field gets a change-log entry and
        provenance. Outcomes come back in the order of ``incoming``.
        """
        outcomes: list[ApplyOutcome] = []
        batch: list[_Prepared] = []
        ids_in_batch: set[str] = set()
        for item in incoming:
            if item.record_id in ids_in_batch:  # the same record twice: the second sees the first
                outcomes += self._apply_batch(source_id, batch, at)
                batch, ids_in_batch = [], set()
            values = venue_to_values(item.venue)
            values["flags"] = list(item.flags) or None
            batch.append(_Prepared(item.record_id, item.venue, values, fingerprint(values)))
            ids_in_batch.add(item.record_id)
        return outcomes + self._apply_batch(source_id, batch, at)

    def _apply_batch(self, source_id: str, batch: list[_Prepared], at: datetime) -> list[ApplyOutcome]:
        if not batch:
            return []
        links = {
            r.record_id: r
            for r in self.c.execute(
                sa.select(link_t.c.record_id, link_t.c.venue_pk, link_t.c.fingerprint).where(
                    link_t.c.source_id == source_id, link_t.c.record_id.in_([p.record_id for p in batch])
                )
            )
        }
        rows = {
            r["pk"]: r
            for r in self.c.execute(
                sa.select(venue_t).where(venue_t.c.pk.in_([link.venue_pk for link in links.values()]))
            ).mappings()
        } if links else {}  # fmt: skip
        created = self._create_many(source_id, [p for p in batch if p.record_id not in links], at)
        outcomes: dict[str, ApplyOutcome] = dict(zip((p.record_id for p in batch if p.record_id not in links), created))
        unchanged: list[str] = []
        for p in batch:
            link = links.get(p.record_id)
            if link is None:
                continue
            row = rows[link.venue_pk]
            if link.fingerprint == p.fingerprint and row["status"] == "active":
                unchanged.append(p.record_id)
                outcomes[p.record_id] = ApplyOutcome(row["id"], "unchanged")
            else:
                outcomes[p.record_id] = self._update(source_id, p, row, at)
        if unchanged:
            self.c.execute(
                link_t.update()
                .where(link_t.c.source_id == source_id, link_t.c.record_id.in_(unchanged))
                .values(last_seen=at)
            )
        return [outcomes[p.record_id] for p in batch]

    def _create_many(self, source_id: str, batch: list[_Prepared], at: datetime) -> list[ApplyOutcome]:
        if not batch:
            return []
        ids = [new_venue_id() for _ in batch]
        self.c.execute(
            venue_t.insert(),
            [{"id": i, "status": "active", "created_at": at, "updated_at": at, **p.values} for i, p in zip(ids, batch)],
        )
        pks = dict(self.c.execute(sa.select(venue_t.c.id, venue_t.c.pk).where(venue_t.c.id.in_(ids))).all())
        links, provenance, changes, outcomes = [], [], [], []
        for venue_id, p in zip(ids, batch):
            pk = pks[venue_id]
            filled = [name for name, value in p.values.items() if name != "flags" and value not in (None, [], "")]
            links.append({"source_id": source_id, "record_id": p.record_id, "venue_pk": pk,
                          "fingerprint": p.fingerprint, "first_seen": at, "last_seen": at})  # fmt: skip
            provenance += [{"venue_pk": pk, "field": name, "source_id": source_id, "locked": False, "at": at} for name in filled]
            changes.append({"venue_pk": pk, "venue_id": venue_id, "at": at, "action": "create", "source_id": source_id,
                            "new": {k: jsonable(p.values[k]) for k in filled}})  # fmt: skip
            outcomes.append(ApplyOutcome(venue_id, "created", tuple(filled)))
        self._write_terms({pks[i]: p.venue for i, p in zip(ids, batch)}, replace=False)
        self.c.execute(link_t.insert(), links)
        self.c.execute(prov_t.insert(), provenance)
        self.c.execute(change_t.insert(), changes)
        return outcomes

    def _update(self, source_id: str, p: _Prepared, row: Mapping[str, Any], at: datetime) -> ApplyOutcome:
        pk, venue_id = row["pk"], row["id"]
        locked = {
            name for (name,) in self.c.execute(
                sa.select(prov_t.c.field).where(prov_t.c.venue_pk == pk, prov_t.c.locked.is_(True))
            )
        }  # fmt: skip
        changes = {
            name: (jsonable(row[name]), jsonable(value))
            for name, value in p.values.items()
            if name not in locked and jsonable(row[name]) != jsonable(value)
        }
        update: dict[str, Any] = {name: p.values[name] for name in changes}
        restored = row["status"] != "active"
        if restored:
            update["status"] = "active"
        if update:
            self.c.execute(venue_t.update().where(venue_t.c.pk == pk).values(updated_at=at, **update))
            if any(name in LIST_VOCABULARIES for name in changes):
                self._write_terms({pk: values_to_venue(venue_id, {**row, **update})}, replace=True)
        self.c.execute(
            link_t.update()
            .where(link_t.c.source_id == source_id, link_t.c.record_id == p.record_id)
            .values(fingerprint=p.fingerprint, last_seen=at, withdrawn_at=None)
        )
        content = [name for name in changes if name != "flags"]
        if content:
            self.c.execute(prov_t.delete().where(prov_t.c.venue_pk == pk, prov_t.c.field.in_(content)))
            self.c.execute(
                prov_t.insert(),
                [{"venue_pk": pk, "field": name, "source_id": source_id, "locked": False, "at": at} for name in content],
            )
            self.c.execute(
                change_t.insert(),
                [
                    {"venue_pk": pk, "venue_id": venue_id, "at": at, "action": "update", "field": name,
                     "old": changes[name][0], "new": changes[name][1], "source_id": source_id}  # fmt: skip
                    for name in content
                ],
            )
        if restored:
            self.c.execute(
                change_t.insert().values(venue_pk=pk, venue_id=venue_id, at=at, action="restore", source_id=source_id)
            )
            return ApplyOutcome(venue_id, "restored", tuple(content))
        return ApplyOutcome(venue_id, "updated" if content else "unchanged", tuple(content))

    def _write_terms(self, venues: Mapping[int, Venue], *, replace: bool) -> None:
        """The filterable terms and the offers of these venues (by pk)."""
        if replace:
            self.c.execute(term_t.delete().where(term_t.c.venue_pk.in_(list(venues))))
            self.c.execute(offer_t.delete().where(offer_t.c.venue_pk.in_(list(venues))))
        terms = [
            {"venue_pk": pk, "field": name, "code": code}
            for pk, venue in venues.items()
            for name in LIST_VOCABULARIES
            for code in field_value(venue, name)
        ]
        offers = [{"venue_pk": pk, "service": offer.service.code} for pk, venue in venues.items() for offer in venue.offers()]
        if terms:
            self.c.execute(term_t.insert(), terms)
        if offers:
            self.c.execute(offer_t.insert(), offers)
