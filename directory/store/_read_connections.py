# SPDX-License-Identifier: Apache-2.0
"""DBAPI connections kept aside for short, frequent reads (nearest venues).

A checkout from the engine's pool costs more than the nearest-venue query it
serves: on PostgreSQL the pre-ping, ``BEGIN`` and the ``ROLLBACK`` on return
are three round trips beside the query's one; on SQLite the pool's bookkeeping
alone is ~50 µs. These connections are taken out of the pool once (the pool's
``connect`` hooks have run: SQLite's pragmas, PostgreSQL's options), then
lent one caller at a time. Reads only: on PostgreSQL they run in autocommit,
each statement its own snapshot. Instead of a ping per use, a read that fails
because the server closed the connection is run once more on a new one.
``Engine.dispose`` (``Store.close``) closes them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.pool import SingletonThreadPool, StaticPool

__all__ = ["ReadConnections"]

T = TypeVar("T")


class ReadConnections:
    """At most ``keep`` idle DBAPI connections, lent to ``run``; more are opened under load
    and closed after use."""

    def __init__(self, engine: sa.Engine, *, keep: int = 4) -> None:
        self._engine = engine
        self._keep = keep
        self._lock = threading.Lock()
        self._idle: list[Any] = []
        self._generation = 0
        # An in-memory SQLite database lives in its pool's one connection: use that one.
        self._pooled_only = isinstance(engine.pool, (SingletonThreadPool, StaticPool))
        sa.event.listen(engine, "engine_disposed", self._close_idle)

    def run(self, read: Callable[[Any], T]) -> T:
        """``read(cursor)`` on a connection of these; once more on a new one if the server had closed it."""
        if self._pooled_only:
            pooled = self._engine.raw_connection()
            try:
                return self._read(pooled.dbapi_connection, read)
            finally:
                pooled.close()
        return self._run_once(read, retry=True)

    def _run_once(self, read: Callable[[Any], T], *, retry: bool) -> T:
        with self._lock:
            generation = self._generation
            connection = self._idle.pop() if self._idle else None
        if connection is None:
            connection = self._connect()
        try:
            result = self._read(connection, read)
        except sa.exc.DBAPIError as error:
            connection.close()  # in an unknown state
            if not (retry and error.connection_invalidated):
                raise
            self._close_idle()  # the server went away: the idle ones are dead too
            return self._run_once(read, retry=False)
        except BaseException:
            connection.close()
            raise
        with self._lock:
            if generation == self._generation and len(self._idle) < self._keep:
                self._idle.append(connection)
                connection = None
        if connection is not None:
            connection.close()
        return result

    def _read(self, connection: Any, read: Callable[[Any], T]) -> T:
        """``read(cursor)``; a driver's error raised as SQLAlchemy's, as the engine's connections do."""
        dialect = self._engine.dialect
        try:
            cursor = connection.cursor()
            try:
                return read(cursor)
            finally:
                cursor.close()
        except dialect.loaded_dbapi.Error as error:
            gone = dialect.is_disconnect(error, connection, None)
            raise sa.exc.DBAPIError.instance(
                None, None, error, dialect.loaded_dbapi.Error, connection_invalidated=gone, dialect=dialect
            ) from error

    def _connect(self) -> Any:
        pooled = self._engine.raw_connection()
        pooled.detach()  # ours now: the pool opens another when it needs one
        connection: Any = pooled.dbapi_connection
        if self._engine.dialect.name == "postgresql":
            connection.rollback()  # the dialect's first-connect queries may have opened a transaction
            connection.autocommit = True
        return connection

    def _close_idle(self, *_engine: Any) -> None:
        with self._lock:
            self._generation += 1  # those lent now are closed when they come back
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
