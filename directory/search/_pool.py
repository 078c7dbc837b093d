# SPDX-License-Identifier: Apache-2.0
"""A small pool of connections to one SQLite file, so that readers never wait for each other.

SQLite in WAL mode lets any number of readers run beside one writer, each on
its own connection, and releases the GIL while a statement runs: with one
connection per thread at a time, the queries of a worker's threads run side
by side (one connection behind a lock serialised them all). Connections are
opened when first needed, up to ``size``, and handed out last-in first-out so
that a quiet server keeps using the same warm one. Writes take the pool's
write lock (one writer per process; SQLite's ``busy_timeout`` orders writers
of several processes).
"""

from __future__ import annotations

import math
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

__all__ = ["ConnectionPool"]

#: Functions the distance expression of ``_plan`` calls. SQLite ≥ 3.35 has them
#: when built with its math functions (Python's and Debian's builds are); the
#: Python versions stand in otherwise (same results, slower).
_MATH: dict[str, Callable[..., float]] = {
    "asin": math.asin,
    "sin": math.sin,
    "cos": math.cos,
    "sqrt": math.sqrt,
    "radians": math.radians,
    "pow": math.pow,
}


class ConnectionPool:
    """Connections to ``path``, each with ``pragmas`` applied; ``size`` at most (1 for ``:memory:``)."""

    def __init__(self, path: str, pragmas: Sequence[str], size: int = 8) -> None:
        self.path = path
        self.pragmas = tuple(pragmas)
        self.size = 1 if path == ":memory:" else max(1, size)
        self.write_lock = threading.RLock()
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._all: list[sqlite3.Connection] = []
        self._opening = threading.Lock()
        self._closed = False

    def _open(self) -> sqlite3.Connection:
        # check_same_thread=False: a connection serves one thread at a time, not always the same one.
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        for pragma in self.pragmas:
            conn.execute(f"PRAGMA {pragma}")
        try:
            conn.execute("SELECT asin(0.5), pow(2, 2)").fetchone()
        except sqlite3.OperationalError:
            for name, fn in _MATH.items():
                conn.create_function(name, 2 if name == "pow" else 1, fn, deterministic=True)
        return conn

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection for this thread until the block ends (opened if none is idle and the pool is not full)."""
        if self._closed:
            raise sqlite3.ProgrammingError("index fermé")
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            with self._opening:
                fresh = self._open() if len(self._all) < self.size else None
                if fresh is not None:
                    self._all.append(fresh)
            conn = fresh if fresh is not None else self._idle.get()
        try:
            yield conn
        finally:
            self._idle.put(conn)

    def close(self) -> None:
        """Close every connection (those in use are closed too: call when nothing reads any more)."""
        self._closed = True
        with self._opening:
            for conn in self._all:
                conn.close()
            self._all.clear()
