# SPDX-License-Identifier: Apache-2.0
"""SQLite: a write transaction reads its own changed pages from a larger page cache, and hands
its connection back to the pool with the cache it had (readers keep SQLite's default)."""

from __future__ import annotations

from directory.store import open_store


def _cache_size(connection) -> int:
    return connection.exec_driver_sql("PRAGMA cache_size").scalar()


def test_a_write_transaction_has_a_larger_page_cache_and_gives_it_back(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'directory.db'}", upgrade=True)
    try:
        with store.engine.connect() as c:
            default = _cache_size(c)
        with store.writer() as writer:
            during = _cache_size(writer.c)
        with store.engine.connect() as c:  # the pool's one connection, back from the writer
            after = _cache_size(c)
    finally:
        store.close()
    assert during == -64 * 1024 and default != during
    assert after == default
