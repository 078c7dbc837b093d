# SPDX-License-Identifier: Apache-2.0
"""``Writer``'s part for sources and their runs: a source described, a run started, the state kept
for its next run, and the raw records a run read (each kept as read, whatever became of it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from ._bulk import insert_rows, inserted_pk
from ._models import RawRecord, SourceInfo, utcnow
from ._sources import SourceState
from ._writer_base import WriterBase
from .tables import raw_t, run_t, source_t, state_t

__all__ = ["RunsMixin"]


class RunsMixin(WriterBase):
    """Sources, their runs and the raw records read."""

    def ensure_source(self, source: SourceInfo, at: datetime | None = None) -> None:
        values = {
            "name": source.name,
            "kind": source.kind,
            "publisher": source.publisher,
            "url": source.url,
            "format": source.format,
            "licence": source.licence,
            "trust": source.trust,
        }
        exists = self.c.execute(sa.select(source_t.c.id).where(source_t.c.id == source.id)).first()
        if exists:
            self.c.execute(source_t.update().where(source_t.c.id == source.id).values(**values))
        else:
            self.c.execute(source_t.insert().values(id=source.id, created_at=at or utcnow(), **values))

    def start_run(self, source_id: str, at: datetime | None = None, *, kind: str = "import") -> int:
        return inserted_pk(
            self.c.execute(
                run_t.insert().values(source_id=source_id, started_at=at or utcnow(), status="running", kind=kind)
            )
        )

    def save_state(self, state: SourceState) -> None:
        """Remember validators, cursor and run ids of a source for its next run."""
        self.c.execute(state_t.delete().where(state_t.c.source_id == state.source_id))
        self.c.execute(state_t.insert().values(**state.values()))

    def add_raw_records(self, run_id: int, source_id: str, records: Sequence[RawRecord], at: datetime) -> None:
        if not records:
            return
        insert_rows(
            self.c,
            raw_t,
            [
                {
                    "run_id": run_id,
                    "source_id": source_id,
                    "record_id": r.record_id,
                    "position": r.position,
                    "payload": r.payload,
                    "content_hash": r.content_hash,
                    "fetched_at": at,
                    "status": r.status,
                    "problems": r.problems or None,
                    "code_insee": r.code_insee,
                    "mapped": r.mapped,
                }
                for r in records
            ],
        )
