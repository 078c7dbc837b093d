# SPDX-License-Identifier: Apache-2.0
"""A venue's records are read in code point order on both backends, whatever the server's locale
(``store._code_points``): the record that names a venue in a decision, the lineage a federated venue
carries, the order of its sources and names. SQLite compares text by code point; here PostgreSQL
runs in a database whose default collation is French (ICU), as a server installed in a French locale
would, which puts « a-1 » before « B-2 »."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from directory.store import ChangeFeed, Incoming, Scope, SourceInfo, Store

from ..conftest import open_empty_store, throwaway_postgis
from .test_store import AT, LATER, venue

#: B (U+0042) comes before a (U+0061) by code point, after it in French.
FIRST, SECOND = "B-2", "a-1"


@pytest.fixture(scope="module")
def french_database() -> Iterator[str]:
    """A throw-away database whose default collation is French (ICU), migrated."""
    with throwaway_postgis("TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'fr-FR' LOCALE 'C.UTF-8'") as url:
        engine = sa.create_engine(url)
        with engine.connect() as c:
            assert c.exec_driver_sql("SELECT 'a-1' < 'B-2'").scalar(), "the database must sort linguistically"
        engine.dispose()
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[Store]:
    """An empty store on SQLite, or in the French database."""
    s = open_empty_store(request, tmp_path, "french_database")
    yield s
    s.close()


def _two_records(store: Store, *, pending: bool = False) -> str:
    """One venue fed by the records ``SECOND`` then ``FIRST`` of one source, each with its own lineage."""
    with store.writer() as w:
        w.ensure_source(SourceInfo("src", "Source"))
        (created,) = w.apply_many(
            "src",
            [Incoming(SECOND, venue(SECOND, 45.76, 4.84), origin="aval", lineage=["aval"])],
            at=AT,
            pending=pending,
        )
        w.apply_many(
            "src",
            [Incoming(FIRST, venue(FIRST, 45.76, 4.84), origin="amont", lineage=["amont"], attach_to=created.venue_id)],
            at=AT,
            pending=pending,
        )
    return created.venue_id


def test_a_venues_sources_come_in_code_point_order(store):
    venue_id = _two_records(store)
    stored = store.get_venue(venue_id)
    assert stored is not None and stored.sources == [("src", FIRST), ("src", SECOND)]
    assert [s.sources for s in store.iter_venues()] == [[("src", FIRST), ("src", SECOND)]]
    assert [keys for _, _, keys in store.match_projection()] == [[f"src:{FIRST}", f"src:{SECOND}"]]
    assert store.record_names([venue_id]) == {venue_id: [f"Lieu {FIRST}", f"Lieu {SECOND}"]}


def test_the_feed_carries_the_lineage_of_the_first_record_by_code_point(store):
    _two_records(store)
    (item,) = ChangeFeed(store).page(0).items
    assert (item.origin, item.lineage) == ("amont", ["amont"])


def test_a_pending_venue_lists_its_records_in_code_point_order(store):
    _two_records(store, pending=True)
    (waiting,) = store.pending_venues(Scope(everything=True))
    assert [record_id for _, _, record_id in waiting.sources] == [FIRST, SECOND]


def test_records_missing_from_a_run_come_in_code_point_order(store):
    with store.writer() as w:
        w.ensure_source(SourceInfo("src", "Source"))
        w.apply_many(
            "src", [Incoming(r, venue(r, 45.76 + i / 100, 4.84)) for i, r in enumerate((SECOND, FIRST))], at=AT
        )
    with store.writer() as w:
        assert w.missing_records("src", set(), seen_since=LATER) == [FIRST, SECOND]


def test_merging_two_venues_remembers_the_first_record_of_each_by_code_point(store):
    """« Même lieu » on two venues stores a decision between a record of each: the first by code point."""
    with store.writer() as w:
        w.ensure_source(SourceInfo("src", "Source"))
        keep, gone = w.apply_many(
            "src",
            [
                Incoming(SECOND, venue(SECOND, 45.76, 4.84)),
                Incoming("c-3", venue("c-3", 45.77, 4.85)),
            ],
            at=AT,
        )
        w.apply_many("src", [Incoming(FIRST, venue(FIRST, 45.76, 4.84), attach_to=keep.venue_id)], at=AT)
    with store.writer() as w:
        w.merge_venues(keep.venue_id, gone.venue_id, {}, "animatrice", LATER)
    assert store.match_decisions([f"src:{FIRST}"]) == {(f"src:{FIRST}", "src:c-3"): "match"}
