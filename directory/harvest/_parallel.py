# SPDX-License-Identifier: Apache-2.0
"""One function applied to a run's records in worker processes, when the machine has cores to spare.

Validating a record is a pure function of the mapped record, the gazetteer and the date, and the
costliest thing a record does before the store: a run hands each batch's records to a pool of
processes and gets the results back in the records' order, so reports and counts are the same as
in one process. A batch is handed over (``submit``) and its results taken later: the run writes the
batch before it meanwhile. The pool is forked (where the platform forks): the workers share the
gazetteer the run already loaded, warm, instead of loading their own; elsewhere, and for a few
records, the run's own process does the work (when the results are asked for). The workers run
nicer than the run's process, which matches and writes every record: when the cores are busy, it
goes first. The pool starts with the first batch big enough to pay for it (``MIN_RECORDS``) and is
closed when the run ends, on error too.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from functools import partial
from multiprocessing.pool import Pool
from types import TracebackType
from typing import Any

__all__ = ["MIN_RECORDS", "InProcesses", "default_processes"]

#: Fewer records than this are done in the run's own process: starting workers would cost more.
MIN_RECORDS = 200
_CHUNKS_PER_PROCESS = 4  # small enough for the workers to finish together, big enough to pickle in bulk
_WORKER_YOUNG = 50_000  # live objects a worker allocates before its collector looks for cycles (``_start``)
#: How much nicer than the run's process its workers are (``_start``): the scheduler gives a core to the run's
#: process first, whatever else is waiting for it.
_WORKER_NICENESS = 10

# What the worker applies: set once in each worker when the pool starts (inherited, never pickled).
_work: tuple[Callable[..., Any], tuple[Any, ...]] | None = None


def default_processes() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class InProcesses:
    """``function(item, *args)`` for each item, in a pool of ``processes`` when that pays; a context manager."""

    def __init__(self, function: Callable[..., Any], args: tuple[Any, ...], processes: int) -> None:
        self.function, self.args = function, args
        self.processes = processes if "fork" in multiprocessing.get_all_start_methods() else 1
        self._pool: Pool | None = None

    @property
    def started(self) -> bool:
        return self._pool is not None

    def map(self, items: Sequence[Any]) -> list[Any]:
        """The results, in the order of ``items``."""
        return self.submit(items)()

    def submit(self, items: Sequence[Any]) -> Callable[[], list[Any]]:
        """What gives the results, in the order of ``items``, once they are there: the workers start on
        them now; without workers, the work is done in this process when the results are asked for.
        An error of the function is raised when they are asked for."""
        if self.processes <= 1 or len(items) < MIN_RECORDS:
            return partial(_apply_each, self.function, self.args, items)
        if self._pool is None:
            context = multiprocessing.get_context("fork")
            self._pool = _Pool(self.processes, _start, (self.function, self.args), context=context)
        chunk = max(1, -(-len(items) // (self.processes * _CHUNKS_PER_PROCESS)))
        return self._pool.map_async(_apply, items, chunksize=chunk).get

    def close(self, *, failed: bool = False) -> None:
        """Stop the workers: let them finish, or end them at once when the run failed."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if failed:
            pool.terminate()
        else:
            pool.close()
        pool.join()

    def __enter__(self) -> InProcesses:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close(failed=kind is not None)


class _Pool(Pool):
    """A pool whose worker-keeping thread wakes when a worker ends or the pool changes (a batch done, the pool
    closed), not also whenever a result waits in the results' pipe, as ``Pool``'s does: until the result thread
    has read it (that thread waits for the GIL the run's process holds), the worker-keeping thread spun, taking
    the GIL in turn, 0.4-0.5 s of CPU on the 20k file. The pool's own notices (``_change_notifier``: its cache
    emptied, close, terminate) and each worker's sentinel still wake it: what ``multiprocessing``'s own
    ``ThreadPool`` waits on."""

    def _get_sentinels(self) -> list[Any]:
        return [self._change_notifier._reader]  # type: ignore[attr-defined]  # Pool's own, not in the stubs


def _apply_each(function: Callable[..., Any], args: tuple[Any, ...], items: Sequence[Any]) -> list[Any]:
    return [function(item, *args) for item in items]


def _start(function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    global _work
    _work = (function, args)
    # A worker looks for cycles once objects pile up. Forked from a run that turned the automatic collector off
    # (``_collector``: its looks between batches are the run's process's), it would never look, and cycles that
    # validation made would stay until the run ends. A worker's records are freed by their counts, a chunk at a
    # time: with a young generation of 50,000 live objects instead of 700, the collector never runs on them (0
    # collections in 5,000 records of the bench's file, against 280 costing ~10 µs a record), only on a pile-up.
    gc.set_threshold(_WORKER_YOUNG, *gc.get_threshold()[1:])
    gc.enable()
    # The run's process matches and writes every record, one after another: it is the run's bottleneck, and
    # workers only need to stay a batch ahead of it. With one worker per core, the three processes shared two
    # cores equally, and the run's process waited for one (bench/harvest.py, 100k records on 2 cores, the same
    # CPU: 42.8 -> 41.7 s on SQLite, 68.0 -> 63.4 s on PostGIS, whose backend gets ahead too; bench/README.md).
    # A harvest beside a web server leaves it its share.
    os.nice(_WORKER_NICENESS)


def _apply(item: Any) -> Any:
    assert _work is not None, "the pool's initializer sets the work"
    function, args = _work
    return function(item, *args)
