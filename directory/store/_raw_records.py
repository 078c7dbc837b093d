# SPDX-License-Identifier: Apache-2.0
"""Records as received, read back: what a run kept of a record it read earlier."""

from __future__ import annotations

import sqlalchemy as sa

from .tables import raw_t

__all__ = ["raw_payload"]


def raw_payload(connection: sa.Connection, run_id: int, source_id: str, record_id: str, position: int) -> str | None:
    """The raw text of the record ``run_id`` read at ``position`` (None if it kept none there).

    ``connection``: the run's own, which sees the rows it has written and not yet committed."""
    return connection.execute(
        sa.select(raw_t.c.payload).where(
            raw_t.c.source_id == source_id,
            raw_t.c.record_id == record_id,
            raw_t.c.run_id == run_id,
            raw_t.c.position == position,
        )
    ).scalar()
