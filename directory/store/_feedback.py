# SPDX-License-Identifier: Apache-2.0
"""Back to producers (open-data issue §7): what a source should fix upstream.

For one source: the records quarantined in the last run that read its records
(not one the source answered « not modified », nor a failed one), with the
reasons per field, and the corrections curators made on the venues it feeds
since a date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from .tables import (
    change_t,
    link_t,
    raw_t,
    run_t,
    source_t,
)

__all__ = ["Correction", "QuarantinedRecord", "SourceFeedback", "UnknownSource", "source_feedback"]

#: Statuses of the runs that read the source's records (an « unchanged » or failed run read none).
_READ_STATUSES = ("complete", "partial")


class UnknownSource(LookupError):
    """No source has this id."""


@dataclass(frozen=True, slots=True)
class QuarantinedRecord:
    record_id: str | None
    position: int
    problems: list[dict[str, Any]]  # {field, code, severity, value, message} (French message)


@dataclass(frozen=True, slots=True)
class Correction:
    venue_id: str
    record_id: str
    field: str | None
    old: Any
    new: Any
    actor: str
    at: datetime


@dataclass(frozen=True, slots=True)
class SourceFeedback:
    source_id: str
    run_id: int | None  # the last run that read the source's records, whose quarantined records are listed
    since: datetime | None
    quarantined: list[QuarantinedRecord] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    run_at: datetime | None = None  # when that run started

    def as_json(self, *, people: bool = False) -> dict[str, Any]:
        """The feedback as JSON; curators are named only with ``people`` (not on the public API)."""
        return {
            "source": self.source_id,
            "moisson": self.run_id,
            "moisson_le": self.run_at.isoformat() if self.run_at else None,
            "depuis": self.since.isoformat() if self.since else None,
            "quarantaine": [
                {"record_id": q.record_id, "position": q.position, "problemes": q.problems} for q in self.quarantined
            ],
            "corrections": [
                {
                    "venue_id": c.venue_id,
                    "record_id": c.record_id,
                    "champ": c.field,
                    "ancien": c.old,
                    "nouveau": c.new,
                    "par": c.actor if people else "équipe d'animation",
                    "le": c.at.isoformat(),
                }
                for c in self.corrections
            ],
        }


def _utc(moment: datetime) -> datetime:
    """Naive times are UTC (SQLite hands them back naive)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def source_feedback(engine: sa.Engine, source_id: str, since: datetime | None = None) -> SourceFeedback:
    """Quarantined records of the last run that read the source, and curators' corrections since ``since``."""
    since = _utc(since) if since is not None else None
    with engine.connect() as c:
        if c.execute(sa.select(source_t.c.id).where(source_t.c.id == source_id)).first() is None:
            raise UnknownSource(source_id)
        run = c.execute(
            sa.select(run_t.c.id, run_t.c.started_at)
            .where(run_t.c.source_id == source_id, run_t.c.status.in_(_READ_STATUSES))
            .order_by(run_t.c.id.desc())
            .limit(1)
        ).first()
        run_id, run_at = (run.id, _utc(run.started_at)) if run else (None, None)
        quarantined: list[QuarantinedRecord] = []
        if run_id is not None:
            rows = c.execute(
                sa.select(raw_t.c.record_id, raw_t.c.position, raw_t.c.problems)
                .where(raw_t.c.run_id == run_id, raw_t.c.source_id == source_id, raw_t.c.status == "quarantined")
                .order_by(raw_t.c.position, raw_t.c.pk)
            )
            quarantined = [QuarantinedRecord(r.record_id, r.position, list(r.problems or [])) for r in rows]
        query = (
            sa.select(
                change_t.c.venue_id,
                link_t.c.record_id,
                change_t.c.field,
                change_t.c.old,
                change_t.c.new,
                change_t.c.actor,
                change_t.c.at,
            )
            .join(link_t, link_t.c.venue_pk == change_t.c.venue_pk)
            .where(link_t.c.source_id == source_id, change_t.c.actor.is_not(None))
            .order_by(change_t.c.seq, link_t.c.record_id)
        )
        if since is not None:
            query = query.where(change_t.c.at >= since)
        corrections = [
            Correction(r.venue_id, r.record_id, r.field, r.old, r.new, r.actor, _utc(r.at)) for r in c.execute(query)
        ]
    return SourceFeedback(source_id, run_id, since, quarantined, corrections, run_at)
