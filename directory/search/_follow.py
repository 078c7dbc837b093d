# SPDX-License-Identifier: Apache-2.0
"""An index that catches up with the store's change log before it answers, when it is behind.

Each web worker has its own index object (its own connections). Whoever
writes the store syncs the index right after (the back office, imports,
harvests), and the embedded file and Meilisearch are shared, so the other
workers see the write on their next query. A write that nobody synced (a
process stopped between the two, a tool writing the store alone) would stay
invisible until the next start: so, at most every ``interval`` seconds, a
query first compares the store's last change with the index's position (two
indexed lookups) and syncs when it is behind. One thread syncs at a time; the
others answer from the index as it is rather than wait.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

import sqlalchemy as sa

from directory.store import Store

from .base import MAP_CAP, Hit, IndexDocument, SearchIndex, SearchQuery, SearchResult

__all__ = ["FollowingIndex"]

log = logging.getLogger("directory.search")


class FollowingIndex(SearchIndex):
    """``index``, kept in step with ``store`` by ``sync_fn`` (``directory.search.sync``) before queries."""

    def __init__(
        self,
        index: SearchIndex,
        store: Store,
        sync_fn: Callable[[SearchIndex, Store], int],
        last_seq: Callable[[Store], int],
        interval: float = 2.0,
    ) -> None:
        self.inner, self.store, self.interval = index, store, interval
        self.name = index.name
        self._sync, self._last_seq = sync_fn, last_seq
        self._checked = time.monotonic()
        self._busy = threading.Lock()

    def catch_up(self) -> int:
        """Sync now if the store changed beyond the index's position; how many venues were synced."""
        if not self._busy.acquire(blocking=False):
            return 0  # another thread is at it
        try:
            self._checked = time.monotonic()
            if self._last_seq(self.store) == (self.inner.last_change() or 0):
                return 0
            return self._sync(self.inner, self.store)
        except sa.exc.SQLAlchemyError as err:  # the store does not answer: /api/sante says so
            log.error("search index not synced with the store: %s", err)
            return 0
        finally:
            self._busy.release()

    def _maybe_catch_up(self) -> None:
        if time.monotonic() - self._checked >= self.interval:
            self.catch_up()

    def query(self, q: SearchQuery) -> SearchResult:
        self._maybe_catch_up()
        return self.inner.query(q)

    def map_hits(self, q: SearchQuery, cap: int = MAP_CAP) -> list[Hit]:
        self._maybe_catch_up()
        return self.inner.map_hits(q, cap)

    def upsert(self, docs: Iterable[IndexDocument]) -> int:
        return self.inner.upsert(docs)

    def delete(self, ids: Iterable[str]) -> int:
        return self.inner.delete(ids)

    def replace_all(self, docs: Iterable[IndexDocument]) -> int:
        return self.inner.replace_all(docs)

    def clear(self) -> None:
        self.inner.clear()

    def explain(self, q: SearchQuery) -> str:
        return self.inner.explain(q)

    def count(self) -> int:
        return self.inner.count()

    def last_change(self) -> int | None:
        return self.inner.last_change()

    def set_last_change(self, seq: int) -> None:
        self.inner.set_last_change(seq)

    def close(self) -> None:
        self.inner.close()
