# SPDX-License-Identifier: Apache-2.0
"""The cyclic collector during a run (``harvest._collector``): off, and the run's cycles still collected
between its batches; as it was once the run ends."""

from __future__ import annotations

import gc
import weakref

import pytest

from directory.harvest._collector import EVERY_BATCHES, batch_written, collector_tuned
from directory.harvest._parallel import MIN_RECORDS, InProcesses


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def _cycle() -> weakref.ref[_Node]:
    return weakref.ref(_Node())


def test_a_run_collects_its_cycles_between_batches_with_the_automatic_collector_off():
    assert gc.isenabled()
    with collector_tuned():
        assert not gc.isenabled()
        garbage = _cycle()
        for _ in range(EVERY_BATCHES - 1):
            for _ in range(20_000):  # allocations that would have set off the automatic collector
                _ = [object()]
            batch_written()
        assert garbage() is not None
        batch_written()
        assert garbage() is None
    assert gc.isenabled()


def test_outside_a_run_batches_leave_the_collector_alone():
    garbage = _cycle()
    gc.disable()
    try:
        for _ in range(EVERY_BATCHES):
            batch_written()
        assert garbage() is not None  # off by someone else's choice: not ours to collect
    finally:
        gc.enable()
    gc.collect()
    assert garbage() is None


def test_the_collector_stays_off_after_a_run_when_it_was_off_before():
    gc.disable()
    try:
        with collector_tuned():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def _cycles_freed(count: int) -> bool:
    """In a worker: whether a cycle, garbage from the start, is freed once ``count`` live objects pile up."""
    first = _cycle()
    kept = [_Node() for _ in range(count)]
    return first() is None and len(kept) == count


def test_the_workers_of_a_run_look_for_cycles_once_they_pile_up():
    """Forked while the run's collector is off, a validation worker has no batches to look between: its own
    collector looks once tens of thousands of objects live (never for a chunk of records), and frees cycles."""
    with collector_tuned(), InProcesses(_cycles_freed, (), processes=2) as workers:
        if not workers.processes > 1:
            pytest.skip("no fork on this platform: the run's own process validates")
        freed = workers.map([60_000] + [0] * (MIN_RECORDS - 1))
        assert freed[0]
        assert workers.started and not gc.isenabled()
