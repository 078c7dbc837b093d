# SPDX-License-Identifier: Apache-2.0
"""The cyclic collector during a run (``harvest._collector``): off, and the run's cycles still collected
between its batches; as it was once the run ends."""

from __future__ import annotations

import gc
import weakref

from directory.harvest._collector import EVERY_BATCHES, batch_written, collector_tuned


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
