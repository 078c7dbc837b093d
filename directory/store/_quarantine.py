# SPDX-License-Identifier: Apache-2.0
"""Quarantined records waiting for a person: « Corriger et publier » or « Écarter » (the « À vérifier »
tab « Fiches en quarantaine »).

Which records: those quarantined by the last run of each source that read its records (a run the
source answered « not modified », or a failed one, read none), as ``_feedback`` sends to producers:
an older quarantined record the source has since fixed or dropped waits for nobody.

Decisions are remembered by (source, record id, content hash) in ``quarantine_decision``, not by raw
row: every harvest keeps a new raw row of a record still quarantined, and the decision holds for it
while the record reads the same; a changed record (another hash) comes back, since what was decided
was about what it said. « Corriger et publier » makes a venue by hand (``Writer.create_venue``:
validated like a harvested record, every field kept in the person's name) and remembers its id; if
the source later fixes the record, matching finds that venue (it has matching keys) and the
record's values come as proposals on the person's fields.

Where: ``raw_record.code_insee``, the commune read from the record at quarantine time (see
``harvest._quarantine``). An animator sees the records of their communes and départements; a record
whose commune could not be read is shown to administrators only (and so is every record quarantined
before the column existed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa

from directory.schema import CommuneLookup

from ._curation import Curated
from ._scope import Scope
from ._writer_base import WriterBase
from .tables import quarantine_decision_t, raw_t, run_t, source_t

__all__ = ["QuarantineItem", "QuarantineMixin", "UnknownQuarantined", "read_quarantine"]

#: Statuses of the runs that read the source's records (as ``_feedback``).
_READ_STATUSES = ("complete", "partial")


class UnknownQuarantined(LookupError):
    """No quarantined record waits with this number (decided, or read again since)."""


@dataclass(frozen=True, slots=True)
class QuarantineItem:
    """A quarantined record of a source's last reading run, as the queue shows it."""

    pk: int  # the raw row
    source_id: str
    source_name: str
    record_id: str | None
    position: int
    payload: str  # as received
    content_hash: str
    problems: list[dict[str, Any]]  # {field, code, severity, value, message (French)}
    code_insee: str | None  # its commune, when it could be read
    mapped: dict[str, Any] | None  # what the source's mapping read
    fetched_at: datetime

    @property
    def cells(self) -> list[tuple[str, str]]:
        """Every raw cell (nested keys dotted), as received: nothing of the record is hidden."""
        try:
            data = orjson.loads(self.payload)
        except orjson.JSONDecodeError:
            return [("enregistrement", self.payload)]
        if not isinstance(data, dict):
            return [("enregistrement", self.payload)]
        cells: list[tuple[str, str]] = []

        def walk(prefix: str, value: Any) -> None:
            if isinstance(value, dict) and value:
                for key, inner in value.items():
                    walk(f"{prefix}.{key}" if prefix else str(key), inner)
            elif isinstance(value, (list, dict)):
                cells.append((prefix, orjson.dumps(value).decode()))
            else:
                cells.append((prefix, "" if value is None else str(value)))

        walk("", data)
        return cells


def _place(scope: Scope) -> sa.ColumnElement[bool]:
    """``scope`` over ``raw_record.code_insee``: a structure's venues hold no quarantined record, and a
    record without a commune belongs to administrators (``everything``) only."""
    if scope.everything:
        return sa.true()
    insee = raw_t.c.code_insee
    parts: list[sa.ColumnElement[bool]] = [insee.in_(sorted(scope.communes))] if scope.communes else []
    parts += [insee.startswith(code) for code in sorted(scope.departements)]
    return sa.or_(*parts) if parts else sa.false()


def _open_query(scope: Scope) -> sa.Select[Any]:
    latest = (
        sa.select(run_t.c.source_id, sa.func.max(run_t.c.id).label("run_id"))
        .where(run_t.c.status.in_(_READ_STATUSES))
        .group_by(run_t.c.source_id)
        .subquery()
    )
    d = quarantine_decision_t.c
    decided = sa.exists().where(
        d.source_id == raw_t.c.source_id,
        d.record_id == sa.func.coalesce(raw_t.c.record_id, ""),
        d.content_hash == raw_t.c.content_hash,
    )
    return (
        sa.select(raw_t, source_t.c.name.label("source_name"))
        .join(latest, sa.and_(latest.c.source_id == raw_t.c.source_id, latest.c.run_id == raw_t.c.run_id))
        .join(source_t, source_t.c.id == raw_t.c.source_id)
        .where(raw_t.c.status == "quarantined", ~decided, _place(scope))
    )


def _item(r: Any) -> QuarantineItem:
    return QuarantineItem(
        r["pk"],
        r["source_id"],
        r["source_name"],
        r["record_id"],
        r["position"],
        r["payload"],
        r["content_hash"],
        list(r["problems"] or ()),
        r["code_insee"],
        r["mapped"],
        r["fetched_at"],
    )


def read_quarantine(c: sa.Connection, scope: Scope, *, pk: int | None = None, limit: int = 500) -> list[QuarantineItem]:
    """The quarantined records waiting in ``scope`` (or the one ``pk``), by source then position."""
    query = _open_query(scope)
    if pk is not None:
        query = query.where(raw_t.c.pk == pk)
    rows = c.execute(query.order_by(raw_t.c.source_id, raw_t.c.position, raw_t.c.pk).limit(limit)).mappings()
    return [_item(r) for r in rows]


class QuarantineMixin(WriterBase):
    """``Writer``'s part for quarantined records a person fixes or dismisses."""

    def resolve_quarantined(
        self, pk: int, values: dict[str, Any], actor: str, at: datetime, *, places: CommuneLookup | None = None
    ) -> Curated:
        """« Corriger et publier »: a venue made by ``actor`` from ``values`` (field → value as typed,
        validated like a harvested record), and the record remembered as resolved by that venue.

        :raises UnknownQuarantined: the record no longer waits (decided, or its source read again).
        :raises InvalidValue: a value is refused, with every problem; nothing is written.
        """
        item = self._waiting(pk)
        done = self.create_venue(values, actor, at, places=places)
        self._decide_quarantined(item, "resolved", actor, at, venue_id=done.venue_id)
        return done

    def dismiss_quarantined(self, pk: int, actor: str, at: datetime, reason: str | None = None) -> None:
        """« Écarter »: the record stays in quarantine (kept, as every raw record) and leaves the queue
        while it reads the same.

        :raises UnknownQuarantined: the record no longer waits.
        """
        self._decide_quarantined(self._waiting(pk), "dismissed", actor, at, reason=reason)

    def _waiting(self, pk: int) -> QuarantineItem:
        found = read_quarantine(self.c, Scope(everything=True), pk=pk, limit=1)
        if not found:
            raise UnknownQuarantined(pk)
        return found[0]

    def _decide_quarantined(
        self,
        item: QuarantineItem,
        decision: str,
        actor: str,
        at: datetime,
        *,
        venue_id: str | None = None,
        reason: str | None = None,
    ) -> None:
        self.c.execute(
            quarantine_decision_t.insert().values(
                source_id=item.source_id,
                record_id=item.record_id or "",
                content_hash=item.content_hash,
                decision=decision,
                venue_id=venue_id,
                reason=reason,
                raw_pk=item.pk,
                actor=actor,
                at=at,
            )
        )
