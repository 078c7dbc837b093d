# SPDX-License-Identifier: Apache-2.0
"""The geocoder's answers kept by address (``geocode_cache``), never asked twice.

The harvest's geocoder reads and writes them through these two functions, on
the connection it holds (a run's open transaction: SQLite lets no other
connection write before it commits); the table and the SQL dialect stay the
store's business.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ._bulk import chunks
from .tables import geocode_t as _cache_t

__all__ = ["geocode_answers", "keep_geocode_answers"]

_CHUNK = 500


def geocode_answers(connection: sa.Connection, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The kept answers (every column) for those of ``keys`` that have one, by key."""
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(list(dict.fromkeys(keys)), _CHUNK):
        rows = connection.execute(sa.select(_cache_t).where(_cache_t.c.address_key.in_(chunk))).mappings()
        found.update((row["address_key"], dict(row)) for row in rows)
    return found


def keep_geocode_answers(connection: sa.Connection, answers: Sequence[Mapping[str, Any]]) -> int:
    """Keep answers (every column, ``address_key`` included), replacing any under the same key.

    An upsert: another run's transaction may be writing the same address
    (PostgreSQL then makes this one wait for it, where a plain insert would
    fail the whole run). Returns how many were written.
    """
    if not answers:
        return 0
    insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(_cache_t)
    replace = {name: insert.excluded[name] for name in answers[0] if name != "address_key"}
    connection.execute(insert.on_conflict_do_update(index_elements=[_cache_t.c.address_key], set_=replace), answers)
    return len(answers)
