# SPDX-License-Identifier: Apache-2.0
"""The cyclic garbage collector, tuned for the length of a harvest run or a file import.

A run allocates millions of short-lived objects and makes almost no cycles (a 100k-record run leaves
~29,000 objects in cycles, its worker processes none), yet the automatic collector walked the young
objects again every 10,000 allocations: 5.1 s of the run's process's CPU at 100k records (2.2 in the
young generation, 2.3 in the middle one, 0.6 in full walks), with each full walk crossing the whole
heap (the gazetteer alone is ~200,000 objects). During a run the objects that existed before it are
frozen (only skipped by the collector, not kept alive) and the automatic collector is off; the run
looks for cycles itself among the objects allocated since, every :data:`EVERY_BATCHES` batches
(:func:`batch_written`): the same peak memory. Each look walks the ~100,000 objects of the batches in
hand whatever its interval, ~0.1 s: every 10 batches, 1.0 s at 100k; every 50, 0.28 s, for ~3,500
objects in cycles freed each time instead of ~700. Both settings are the process's: they are put back
when the run ends, and runs are sequential. Its validation workers, forked during the run, inherit them
and turn their own collector back on, for pile-ups only (``_parallel._start``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["EVERY_BATCHES", "batch_written", "collector_tuned"]

#: A run collects the cycles of the objects it allocated every this many batches written.
EVERY_BATCHES = 50
_written = 0  # batches the run has written
_tuned = False  # within collector_tuned


@contextmanager
def collector_tuned() -> Iterator[None]:
    global _tuned, _written
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    _tuned, _written = True, 0
    try:
        yield
    finally:
        _tuned = False
        if enabled:
            gc.enable()
        gc.unfreeze()


def batch_written() -> None:
    """A batch of a run is written: every :data:`EVERY_BATCHES` batches, the two younger generations
    (what was allocated since the last time, and still lives) are looked through for cycles. Nothing
    outside :func:`collector_tuned`."""
    global _written
    _written += 1
    if _tuned and _written % EVERY_BATCHES == 0:
        gc.collect(1)
