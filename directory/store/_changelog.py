# SPDX-License-Identifier: Apache-2.0
"""``Writer``'s change log: rows buffered, then written in commit order.

Change-log rows are buffered and written last (``flush_changes``, called by ``Store.writer()``
before it commits), so that their sequence numbers follow commit order on every backend; readers
of the log (the change feed, the search index) may then take everything up to the highest visible
number without skipping a change still being committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from ._bulk import insert_rows
from ._writer_base import WriterBase
from .tables import change_t

__all__ = ["CHANGE_BUFFER", "CHANGE_LOG_LOCK", "ChangeLogMixin"]

#: Change-log rows kept in memory before they are written: see ``ChangeLogMixin.flush_changes``.
CHANGE_BUFFER = 5_000
#: The PostgreSQL advisory lock that orders change-log writers (any constant key of ours).
CHANGE_LOG_LOCK = 0x6C69_6575
_CHANGE_KEYS = ("venue_pk", "venue_id", "at", "action", "field", "old", "new", "source_id", "actor")


class ChangeLogMixin(WriterBase):
    """The change log of one transaction: ``Writer.__init__`` starts the buffer, ``_log`` fills it."""

    def _log(self, *rows: Mapping[str, Any]) -> None:
        self._changes.extend({key: row.get(key) for key in _CHANGE_KEYS} for row in rows)
        if len(self._changes) >= CHANGE_BUFFER:
            self.flush_changes()

    def flush_changes(self) -> None:
        """Write the buffered change-log rows.

        SQLite has one writer at a time: numbers drawn in a transaction all
        precede those of the next one. PostgreSQL draws sequence numbers when
        asked, not at commit, so writers first take ``CHANGE_LOG_LOCK``, held
        until their transaction ends: a transaction's numbers are then drawn
        after every earlier writer has committed. Small transactions hold it
        for their last moment only; one writing more than ``CHANGE_BUFFER``
        changes (a large harvest) holds it from its first flush, as SQLite's
        single writer would.
        """
        if not self._changes:
            return
        if self.c.dialect.name == "postgresql" and not self._ordered:
            self.c.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOG_LOCK})
            self._ordered = True
        insert_rows(self.c, change_t, self._changes)
        self._changes = []
