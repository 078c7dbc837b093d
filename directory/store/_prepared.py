# SPDX-License-Identifier: Apache-2.0
"""A SELECT compiled once, then run on a DBAPI cursor with only its changing values.

Building a Core statement and executing it through a ``Connection`` costs
about as much as the nearest-venue query itself (operators, cache key,
execution context, result rows: bench/nearest.py). A ``PreparedRead`` keeps
the SQL text the dialect compiled and the values fixed when it was built (the
filter's codes…), so each call passes the changing ones (a box, a point) and
reads plain tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import sqlalchemy as sa

__all__ = ["PreparedRead", "StatementCache", "value_key"]


@dataclass(frozen=True, slots=True)
class PreparedRead:
    """The SQL of a statement for one dialect, and how to order its parameters."""

    sql: str
    fixed: dict[str, Any]  # every parameter's value at compile time (the changing ones overridden per call)
    order: tuple[str, ...] | None  # parameter names in order for a positional driver (sqlite3), else None

    @classmethod
    def compile(cls, statement: sa.Select[Any], dialect: sa.Dialect) -> PreparedRead:
        """``statement``'s changing values are ``bindparam``s given a placeholder value (the
        compiler wants one to expand ``IN`` lists into single parameters)."""
        compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        order = tuple(compiled.positiontup or ()) if compiled.positional else None
        return cls(compiled.string, dict(compiled.params), order)

    def parameters(self, values: dict[str, Any]) -> list[Any] | dict[str, Any]:
        """What the driver takes beside ``sql``, with ``values`` for the changing parameters."""
        params = self.fixed | values
        return [params[name] for name in self.order] if self.order is not None else params

    def rows(self, cursor: Any, values: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Run on a DBAPI cursor with ``values`` for the changing parameters; the rows as tuples."""
        cursor.execute(self.sql, self.parameters(values))
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


class StatementCache:
    """``PreparedRead``s by a key saying the statement's shape and fixed values; a bounded dict
    (emptied when full: a filter's codes are part of the key, and callers use a handful)."""

    def __init__(self, dialect: sa.Dialect, size: int = 256) -> None:
        self._dialect = dialect
        self._size = size
        self._prepared: dict[Hashable, PreparedRead] = {}

    def get(self, key: Hashable, build: Callable[[], sa.Select[Any]]) -> PreparedRead:
        prepared = self._prepared.get(key)
        if prepared is None:
            if len(self._prepared) >= self._size:
                self._prepared.clear()
            prepared = self._prepared[key] = PreparedRead.compile(build(), self._dialect)
        return prepared


def value_key(value: Any) -> Hashable:
    """``value`` (a dataclass such as ``VenueFilter``, a mapping, a list…) as a hashable key, field by
    field: what a statement compiled its fixed values from."""
    if is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, *(value_key(getattr(value, f.name)) for f in fields(value)))
    if isinstance(value, Mapping):
        return tuple((k, value_key(v)) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(value_key(v) for v in (sorted(value) if isinstance(value, (set, frozenset)) else value))
    scalar: Hashable = value  # a string, a number, None
    return scalar
