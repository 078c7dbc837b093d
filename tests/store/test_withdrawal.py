# SPDX-License-Identifier: Apache-2.0
"""What a complete run no longer read: counted before it goes (``shrinkage``), withdrawn, or made a
pointer to the venue it was merged into elsewhere (``withdraw_missing``'s ``merged_into``); one
source's run never touches another's records (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime

from directory.store import Incoming, SourceInfo

from .test_store import venue

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
LAST = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def feed(store, source: str, *record_ids: str) -> dict[str, str]:
    """Each record its own venue (points ~1 km apart): record id → venue id."""
    with store.writer() as w:
        w.ensure_source(SourceInfo(source, source))
        items = [Incoming(r, venue(r, 45.70 + i / 100, 4.80)) for i, r in enumerate(record_ids)]
        return {r: o.venue_id for r, o in zip(record_ids, w.apply_many(source, items, at=AT))}


def test_shrinkage_counts_one_sources_live_records_and_those_its_run_did_not_see(store):
    ours = feed(store, "a", "r1", "r2", "r3")
    feed(store, "b", "s1", "s2")
    with store.writer() as w:
        w.keep_unchanged("a", ["r1"], LATER)  # read again by this run: seen since LATER
        assert w.shrinkage("a", {"r2"}, seen_since=LATER) == (3, 1)  # r3 only: r2 is named, r1 was seen
        assert w.shrinkage("b", set(), seen_since=LATER) == (2, 2)
    with store.writer() as w:
        assert w.withdraw_missing("a", {"r2"}, LAST, seen_since=LATER) == [ours["r3"]]
    with store.writer() as w:
        assert w.shrinkage("a", set(), seen_since=LAST) == (2, 2)
        assert w.shrinkage("b", set(), seen_since=LAST) == (2, 2)  # the other source lost nothing
    assert store.get_venue(ours["r3"]).status == "withdrawn"
    assert store.count_venues() == 4


def test_a_record_merged_into_another_leaves_a_pointer_not_a_withdrawal(store):
    ours = feed(store, "a", "r1", "r2", "r3")
    feed(store, "b", "r1")  # the same record id in another source is another record
    with store.writer() as w:
        # r1 was merged into r2 at the source; r3 into a record this directory never had
        withdrawn = w.withdraw_missing("a", {"r2"}, LATER, merged_into={"r1": "r2", "r3": "r9"})
    assert withdrawn == [ours["r3"]]
    gone = store.get_venue(ours["r1"])
    assert (gone.status, gone.merged_into) == ("merged", ours["r2"])
    assert store.get_venue(ours["r2"]).status == "active"
    assert store.get_venue(ours["r3"]).status == "withdrawn"
    assert store.count_venues() == 2  # r2, and source b's r1


def test_a_pointer_leads_only_to_a_live_active_venue_of_the_same_source(store):
    """A record merged into one that goes too, into one whose venue waits for a person, or into a
    record id only another source has: withdrawn, not pointed anywhere."""
    ours = feed(store, "a", "r1", "r2", "r3", "r4")
    theirs = feed(store, "b", "s9")
    with store.writer() as w:
        w.apply_many("a", [Incoming("p1", venue("p1", 45.80, 4.90))], at=AT, pending=True)  # waits for a person
    with store.writer() as w:
        withdrawn = w.withdraw_missing("a", {"r4", "p1"}, LATER, merged_into={"r1": "r2", "r2": "p1", "r3": "s9"})
    assert sorted(withdrawn) == sorted([ours["r1"], ours["r2"], ours["r3"]])  # r2 went in the same run
    assert all(store.get_venue(ours[r]).merged_into is None for r in ("r1", "r2", "r3"))
    assert store.get_venue(theirs["s9"]).status == "active"
