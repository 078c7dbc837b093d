# SPDX-License-Identifier: Apache-2.0
"""What the store knows of sources: their state between runs, and their runs."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from .tables import (
    link_t,
    run_t,
    source_t,
    state_t,
)

__all__ = ["SourceBook", "SourceState", "RunSummary"]


@dataclass(slots=True)
class SourceState:
    """Validators of the last fetch, feed cursor, last runs, next due time."""

    source_id: str
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    config_hash: str | None = None  # SourceConfig.fingerprint as of the last run that did not fail
    cursor: str | None = None
    last_run_id: int | None = None
    last_complete_run_id: int | None = None
    last_complete_count: int | None = None
    next_due_at: datetime | None = None

    def values(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def read_again(self) -> None:
        """Forget what says « not modified » (validators, content hash, a feed's cursor): the next
        fetch reads the whole source."""
        self.etag = self.last_modified = self.content_hash = self.cursor = None


@dataclass(frozen=True, slots=True)
class RunSummary:
    id: int
    source_id: str
    kind: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, int]
    report: dict[str, Any]
    error: str | None


def _run(row: Any) -> RunSummary:
    return RunSummary(
        row.id,
        row.source_id,
        row.kind,
        row.status,
        row.started_at,
        row.finished_at,
        dict(row.counts or {}),
        dict(row.report or {}),
        row.error,
    )


class SourceBook:
    """Read access to sources, their state and their runs (``store.sources``)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def state(self, source_id: str) -> SourceState:
        with self.engine.connect() as c:
            row = c.execute(sa.select(state_t).where(state_t.c.source_id == source_id)).mappings().first()
        return SourceState(**row) if row else SourceState(source_id)

    def run(self, run_id: int) -> RunSummary | None:
        with self.engine.connect() as c:
            row = c.execute(sa.select(run_t).where(run_t.c.id == run_id)).first()
        return _run(row) if row else None

    def runs(self, source_id: str | None = None, limit: int = 20) -> list[RunSummary]:
        """The latest runs, newest first."""
        query = sa.select(run_t).order_by(run_t.c.id.desc()).limit(limit)
        if source_id is not None:
            query = query.where(run_t.c.source_id == source_id)
        with self.engine.connect() as c:
            return [_run(r) for r in c.execute(query)]

    def unfinished(self, kind: str = "harvest") -> list[RunSummary]:
        """The runs of ``kind`` still « running », oldest first: while no run of that kind can be
        going on (the harvest lock is held), these are runs whose process died before the end."""
        query = sa.select(run_t).where(run_t.c.status == "running", run_t.c.kind == kind).order_by(run_t.c.id)
        with self.engine.connect() as c:
            return [_run(r) for r in c.execute(query)]

    def last_runs(self) -> dict[str, RunSummary]:
        """The latest run of each source."""
        latest = sa.select(sa.func.max(run_t.c.id)).group_by(run_t.c.source_id).scalar_subquery()
        with self.engine.connect() as c:
            return {r.source_id: _run(r) for r in c.execute(sa.select(run_t).where(run_t.c.id.in_(latest)))}

    def record_counts(self) -> dict[str, int]:
        """Records per source that are not withdrawn."""
        with self.engine.connect() as c:
            rows = c.execute(
                sa.select(link_t.c.source_id, sa.func.count())
                .where(link_t.c.withdrawn_at.is_(None))
                .group_by(link_t.c.source_id)
            )
            return dict(rows.all())

    def awaiting_geocoding(self, source_id: str) -> int:
        """Records of this source placed at their commune's point that a geocoder should try again
        (stored without a hash, so that the next run reading them processes them again)."""
        with self.engine.connect() as c:
            return c.execute(
                sa.select(sa.func.count())
                .select_from(link_t)
                .where(
                    link_t.c.source_id == source_id,
                    link_t.c.withdrawn_at.is_(None),
                    link_t.c.geo_method == "commune",
                    link_t.c.raw_hash.is_(None),
                )
            ).scalar_one()

    def names(self) -> dict[str, str]:
        """Source id → its name, as its file gives it."""
        with self.engine.connect() as c:
            return dict(c.execute(sa.select(source_t.c.id, source_t.c.name)).all())
