# SPDX-License-Identifier: Apache-2.0
"""The search index behind the public search, derived from the store and rebuildable from it.

One interface (``SearchIndex``), two backends chosen by configuration:

- ``embedded`` (default): ``Fts5Index``, SQLite FTS5 + R*Tree in
  ``<data_dir>/search.db``, no server;
- ``meilisearch``: ``MeiliIndex``, when ``meili_url`` is set.

>>> index = open_index(settings)                      # doctest: +SKIP
>>> rebuild(index, store)                             # doctest: +SKIP
>>> index.query(SearchQuery(text="caf", lat=48.88, lon=2.38, radius_km=3))  # doctest: +SKIP

``rebuild`` replaces everything from the store's active venues; ``sync``
applies what changed in the store since the index was last built or synced
(from the store's change log), so the index follows harvests and curators'
edits without a full rebuild.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Protocol

from directory.places import fold
from directory.schema import Venue
from directory.store import ChangeFeed, Store

from ._follow import FollowingIndex
from .base import (
    CANDIDATE_CAP,
    FILTER_FIELDS,
    MAP_CAP,
    MAX_PER_PAGE,
    Hit,
    IndexDocument,
    SearchIndex,
    SearchQuery,
    SearchResult,
)
from .embedded import POOL_SIZE, Fts5Index
from .meili import MeiliIndex
from .needs import NEEDS, Need, need, understand

__all__ = [
    "CANDIDATE_CAP",
    "FILTER_FIELDS",
    "FollowingIndex",
    "Fts5Index",
    "Hit",
    "INDEXES",
    "IndexDocument",
    "MAP_CAP",
    "MAX_PER_PAGE",
    "MeiliIndex",
    "POOL_SIZE",
    "SearchIndex",
    "SearchQuery",
    "SearchResult",
    "following",
    "open_index",
    "rebuild",
    "sync",
    "with_record_names",
    "NEEDS",
    "Need",
    "need",
    "understand",
]

#: Backends by the name configuration uses.
INDEXES: dict[str, type[SearchIndex]] = {"embedded": Fts5Index, "meilisearch": MeiliIndex}

#: The embedded index's file, inside the instance's data folder.
EMBEDDED_FILE = "search.db"


class IndexSettings(Protocol):
    """What ``open_index`` reads from the instance settings (``directory.config.Settings``)."""

    @property
    def data_dir(self) -> Path: ...
    @property
    def meili_url(self) -> str: ...
    @property
    def meili_key(self) -> str: ...


def open_index(settings: IndexSettings, *, check: bool = False) -> SearchIndex:
    """The index the settings name: Meilisearch when ``meili_url`` is set, else the
    embedded index in ``data_dir/search.db``.

    :param check: make sure it can be used now (``SearchIndex.check``).
    :raises SearchUnavailable: with ``check``, a server that is down or refuses the key.
    """
    if settings.meili_url:
        index = INDEXES["meilisearch"](settings.meili_url, settings.meili_key or None)  # type: ignore[call-arg]
    else:
        index = INDEXES["embedded"](Path(settings.data_dir) / EMBEDDED_FILE)  # type: ignore[call-arg]
    if check:
        index.check()
    return index


def following(index: SearchIndex, store: Store, interval: float = 2.0) -> FollowingIndex:
    """``index``, catching up with the store's change log before a query when it is behind
    (checked at most every ``interval`` seconds; see ``_follow``)."""
    return FollowingIndex(index, store, sync, _last_seq, interval)


Progress = Callable[[int], None]


def rebuild(index: SearchIndex, store: Store, progress: Progress | None = None) -> int:
    """Replace the index's content with the store's active venues.

    :param progress: called with the number of documents read so far, every 1,000.
    :returns: how many documents the index holds.
    """
    seq = _last_seq(store)  # read first: changes made during the rebuild are applied by the next sync
    docs = with_record_names(
        store, (IndexDocument.from_venue(venue_id, venue) for venue_id, venue, _keys in store.match_projection())
    )
    count = index.replace_all(_counting(docs, progress))
    index.set_last_change(seq)
    return count


def sync(index: SearchIndex, store: Store) -> int:
    """Apply the store's changes since the index's position (a rebuild if it has none).

    Venues created, updated or restored are upserted; withdrawn or merged ones deleted.

    :returns: how many venues were upserted or deleted.
    """
    since = index.last_change()
    if since is None:
        return rebuild(index, store)
    last, status = ChangeFeed(store).changed_since(since)
    if not status:
        return 0
    ids = list(status)
    active = [i for i in ids if status[i] == "active"]
    gone = [i for i in ids if status[i] != "active"]
    venues: dict[str, Venue] = {}
    for start in range(0, len(active), 500):
        venues.update(store.venues(active[start : start + 500]))
    index.upsert(with_record_names(store, (IndexDocument.from_venue(i, venues[i]) for i in active if i in venues)))
    index.delete(gone)
    index.set_last_change(last)
    return len(ids)


def with_record_names(store: Store, docs: Iterable[IndexDocument], batch: int = 500) -> Iterator[IndexDocument]:
    """Each document found by every name its venue's records give, not only the one it shows: a
    merged venue keeps both names searchable (alternative names, after the shown one)."""
    pending: list[IndexDocument] = []
    for doc in docs:
        pending.append(doc)
        if len(pending) == batch:
            yield from _with_names(store, pending)
            pending = []
    yield from _with_names(store, pending)


def _with_names(store: Store, docs: list[IndexDocument]) -> Iterator[IndexDocument]:
    names = store.record_names([d.id for d in docs]) if docs else {}
    for doc in docs:
        others = [folded for n in names.get(doc.id, ()) if (folded := fold(n)) and folded != doc.name_text]
        yield dataclasses.replace(doc, name_text=" ".join([doc.name_text, *dict.fromkeys(others)])) if others else doc


def _last_seq(store: Store) -> int:
    return ChangeFeed(store).last_seq()


def _counting(docs: Iterable[IndexDocument], progress: Progress | None) -> Iterator[IndexDocument]:
    n = 0
    for n, doc in enumerate(docs, 1):
        if progress is not None and n % 1000 == 0:
            progress(n)
        yield doc
    if progress is not None:
        progress(n)
