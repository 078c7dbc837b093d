# SPDX-License-Identifier: Apache-2.0
"""An index built with documents of another shape (before an upgrade) is rebuilt by the next sync,
so that new filters and word forms work without anyone running ``directory reindex``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from directory.search import Fts5Index, SearchQuery, sync
from directory.search.base import DOCUMENT_FORMAT
from directory.store import open_store

from .conftest import doc


def test_the_embedded_index_stamps_its_document_format(embedded: Fts5Index):
    embedded.set_last_change(42)
    assert embedded.last_change() == 42
    with sqlite3.connect(embedded.path) as c:
        assert c.execute("SELECT value FROM meta WHERE key = 'document_format'").fetchone() == (str(DOCUMENT_FORMAT),)


def test_an_index_of_an_older_format_is_rebuilt_by_sync(tmp_path: Path):
    store = open_store(f"sqlite:///{tmp_path / 'directory.db'}", upgrade=True)
    index = Fts5Index(tmp_path / "search.db")
    try:
        index.upsert([doc("lold", "Espace du samedi", horaires="Sa 10:00-12:00")])
        index.set_last_change(0)
        with sqlite3.connect(index.path) as c:  # as an index built before the format was stamped
            c.execute("DELETE FROM meta WHERE key = 'document_format'")
        assert index.last_change() is None
        sync(index, store)  # a rebuild from the store, which holds no venue
        assert index.count() == 0 and index.last_change() == 0
        assert index.query(SearchQuery(filters={"creneaux": ["week-end"]})).total == 0
    finally:
        index.close()
        store.close()
