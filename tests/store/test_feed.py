# SPDX-License-Identifier: Apache-2.0
"""The change feed: replay in order, tombstones, redirects, paging, concurrent writers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from directory.store import ChangeFeed, Incoming, SourceInfo, decode_cursor, encode_cursor

from .test_store import venue

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
COMMUNE = SourceInfo("commune", "Ville de Lyon", kind="commune", trust=80)
NETWORK = SourceInfo("reseau", "Réseau régional", kind="network", trust=40)


def apply(store, source, *items, at=AT):
    with store.writer() as w:
        w.ensure_source(source)
        return w.apply_many(source.id, list(items), at=at)


def drain(feed, since=0, limit=500):
    """Every page from ``since``: (items, final cursor seq)."""
    items = []
    while True:
        page = feed.page(since, limit)
        items += page.items
        assert page.next_seq >= since
        since = page.next_seq
        if not page.more:
            return items, since


def test_the_feed_replays_creations_updates_withdrawals_and_merges(store):
    feed = ChangeFeed(store)
    assert feed.page(0).items == [] and feed.page(0).next_seq == 0
    a, b, c = (
        o.venue_id
        for o in apply(
            store, COMMUNE, *(Incoming(r, venue(r, 45.76, 4.84 + i / 100)) for i, r in enumerate(("c1", "c2", "c3")))
        )
    )
    dup = apply(store, NETWORK, Incoming("r1", venue("r1", 45.70, 4.80), origin="Hubik", lineage=("Hubik", "Réseau")))[
        0
    ].venue_id
    first = feed.page(0)
    assert [i.venue_id for i in first.items] == [a, b, c, dup]
    assert {i.action for i in first.items} == {"upsert"}
    assert first.items[-1].origin == "Hubik" and first.items[-1].lineage == ["Hubik", "Réseau"]
    later = AT + timedelta(days=1)
    apply(store, COMMUNE, Incoming("c1", venue("c1", 45.76, 4.84, nom="EPN Lyon", date_maj="2024-02-01")), at=later)
    with store.writer() as w:
        assert w.withdraw_missing("commune", {"c1", "c3"}, later) == [b]
    apply(store, NETWORK, Incoming("r1", venue("r1", 45.70, 4.80), attach_to=c), at=later)
    page = feed.page(first.next_seq)
    by_id = {i.venue_id: i for i in page.items}
    assert [i.venue_id for i in page.items][:2] == [a, b]  # in order of their latest change
    assert by_id[a].action == "upsert" and by_id[a].venue.nom == "EPN Lyon"
    assert (by_id[b].action, by_id[b].venue) == ("withdraw", None)
    assert (by_id[dup].action, by_id[dup].merged_into, by_id[dup].venue) == ("merge", c, None)
    assert [i.seq for i in page.items] == sorted(i.seq for i in page.items)
    assert feed.page(page.next_seq).items == []  # nothing after the last cursor
    assert feed.page(page.next_seq).next_seq == page.next_seq
    # From the start, one item per venue with its current state.
    everything = feed.page(0).items
    assert len(everything) == 4 and len({i.venue_id for i in everything}) == 4
    assert {i.venue_id: i.action for i in everything} == {a: "upsert", b: "withdraw", c: "upsert", dup: "merge"}


def test_paging_visits_every_venue_once_and_ends(store):
    ids = [
        o.venue_id
        for o in apply(store, COMMUNE, *(Incoming(f"c{n}", venue(f"c{n}", 45.7, 4.8 + n / 100)) for n in range(7)))
    ]
    feed = ChangeFeed(store)
    seen, since, pages = [], 0, 0
    while True:
        page = feed.page(since, 2)
        assert len(page.items) <= 2
        seen += [i.venue_id for i in page.items]
        since, pages = page.next_seq, pages + 1
        if not page.more:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == len(ids)
    assert pages == 4
    assert feed.page(since, 2).items == []
    # A venue changed several times within a page is one item, at its latest change.
    apply(store, COMMUNE, Incoming("c0", venue("c0", 45.7, 4.8, nom="Un")), at=AT + timedelta(hours=1))
    apply(store, COMMUNE, Incoming("c1", venue("c1", 45.7, 4.81, nom="Deux")), at=AT + timedelta(hours=2))
    apply(store, COMMUNE, Incoming("c0", venue("c0", 45.7, 4.8, nom="Trois")), at=AT + timedelta(hours=3))
    items, _ = drain(feed, since, 2)
    assert [(i.venue_id, i.venue.nom) for i in items] == [(ids[1], "Deux"), (ids[0], "Trois")]


def test_cursors_are_opaque_and_checked():
    assert decode_cursor(encode_cursor(42)) == 42
    assert decode_cursor(None) == 0 and decode_cursor("") == 0
    for bad in ("42", "abc", "!!", encode_cursor(1) + "x", "YzEuLTE", "a" * 100):
        with pytest.raises(ValueError):
            decode_cursor(bad)


@pytest.mark.postgis
def test_a_change_committed_later_is_never_skipped(store):
    """PostgreSQL draws sequence numbers when asked, not at commit. Writers that
    overlap must still hand the feed their changes in commit order."""
    if store.dialect != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has one writer at a time")
    from directory.store import Writer

    a = apply(store, COMMUNE, Incoming("c1", venue("c1", 45.76, 4.84)))[0].venue_id
    feed = ChangeFeed(store)
    start = feed.page(0)
    assert [i.venue_id for i in start.items] == [a]
    slow = store.engine.connect()
    slow_tx = slow.begin()
    try:
        # The slow writer (the older transaction) writes its venue first and commits last.
        writer = Writer(slow)
        writer.ensure_source(NETWORK, AT)
        slow_id = writer.apply_many("reseau", [Incoming("r1", venue("r1", 45.7, 4.8))], at=AT)[0].venue_id
        fast_id = apply(store, COMMUNE, Incoming("c2", venue("c2", 45.71, 4.81)))[0].venue_id
        seen = feed.page(start.next_seq)
        assert [i.venue_id for i in seen.items] == [fast_id]  # committed: handed out at once
        writer.flush_changes()  # its numbers come after the fast writer's, which committed
        slow_tx.commit()
    finally:
        slow.close()
    rest, end = drain(feed, seen.next_seq)
    assert [i.venue_id for i in rest] == [slow_id]  # not skipped
    assert feed.page(end).items == []


@pytest.mark.postgis
def test_a_writer_waits_for_the_one_drawing_numbers(store):
    """While a transaction holds drawn numbers uncommitted, another cannot draw higher ones."""
    if store.dialect != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has one writer at a time")
    import threading

    from directory.store import Writer

    apply(store, COMMUNE, Incoming("c0", venue("c0", 45.76, 4.84)))
    feed = ChangeFeed(store)
    since = feed.page(0).next_seq
    first = store.engine.connect()
    first_tx = first.begin()
    try:
        writer = Writer(first)
        writer.ensure_source(NETWORK, AT)
        first_id = writer.apply_many("reseau", [Incoming("r1", venue("r1", 45.7, 4.8))], at=AT)[0].venue_id
        writer.flush_changes()  # numbers drawn, not committed: the lock is held
        result: list[str] = []
        other = threading.Thread(
            target=lambda: result.append(apply(store, COMMUNE, Incoming("c2", venue("c2", 45.71, 4.81)))[0].venue_id)
        )
        other.start()
        other.join(timeout=1.0)
        assert other.is_alive() and feed.page(since).items == []  # waiting, and nothing visible out of order
        first_tx.commit()
        other.join(timeout=10)
        assert not other.is_alive()
    finally:
        first.close()
    items, _end = drain(feed, since)
    assert [i.venue_id for i in items] == [first_id, result[0]]


def test_a_transaction_logging_more_than_the_buffer_keeps_every_change_in_order(store, monkeypatch):
    """The change log is written a buffer at a time in a large transaction (a harvest): with a
    buffer of 2, seven venues made in one writer still give seven creations, in order."""
    from directory.store import _changelog

    monkeypatch.setattr(_changelog, "CHANGE_BUFFER", 2)
    records = [f"b{i}" for i in range(7)]
    items = [Incoming(r, venue(r, 45.70 + i / 100, 4.80)) for i, r in enumerate(records)]
    with store.writer() as w:  # two writes in one transaction: the second logs after a flush
        w.ensure_source(COMMUNE)
        outcomes = w.apply_many("commune", items[:4], at=AT) + w.apply_many("commune", items[4:], at=AT)
    with store.writer() as w:  # a later transaction still logs after the flushes
        w.withdraw_missing("commune", set(records[1:]), AT + timedelta(days=1))
    histories = [store.history(o.venue_id) for o in outcomes]
    assert [[h["action"] for h in history] for history in histories] == [["create", "withdraw"]] + [["create"]] * 6
    created = [history[0]["seq"] for history in histories]
    assert created == sorted(created) and len(set(created)) == 7
