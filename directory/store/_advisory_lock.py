# SPDX-License-Identifier: Apache-2.0
"""A lock every process sharing a PostgreSQL database sees.

A session advisory lock (``pg_advisory_lock``) taken on a connection of its
own and held until the block ends: every machine using the database sees
it, and the server lets it go when the connection ends, a killed process
included. The SQL is PostgreSQL's; callers ask for the lock by its key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from ._base import Store

__all__ = ["advisory_lock"]


@contextmanager
def advisory_lock(store: Store, key: int, on_wait: Callable[[], None]) -> Iterator[None]:
    """Hold the advisory lock ``key`` of the store's PostgreSQL database until the block ends;
    when another session holds it, call ``on_wait`` once, then wait for it."""
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        if not c.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar_one():
            on_wait()
            c.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": key})
        try:
            yield
        finally:
            c.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
