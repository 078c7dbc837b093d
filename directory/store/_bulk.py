# SPDX-License-Identifier: Apache-2.0
"""Many rows into one table, without SQLAlchemy's work per row.

``connection.execute(table.insert(), rows)`` builds a parameter dictionary
per row through the compiler (``construct_params``): at the 15 or so rows a
harvested venue writes (the venue, its link, raw record, terms, offers,
matching keys, change), that cost more than SQLite's own insert. Here the
statement is written once per (dialect, table, columns), each column's bind
processor is taken from its SQLAlchemy type (so values reach the driver
exactly as ``execute`` would send them: JSON through the engine's serializer,
dates as SQLite's text), and the rows go to the driver's ``executemany`` as
tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.schema import ScalarElementColumnDefault

__all__ = ["chunks", "insert_rows"]

#: SQL, then in the order of its parameters: (column, its default, its bind processor, whether
#: its values repeat: hashable, few distinct ones in a batch, each then encoded once).
_Statement = tuple[str, tuple[tuple[str, Any, Callable[[Any], Any] | None, bool], ...]]
_REPEATED = (sa.Date, sa.DateTime, sa.Boolean)
_STATEMENTS: dict[tuple[str, str, tuple[str, ...]], _Statement] = {}


def chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    """``items`` in slices of ``size`` at most (the values of an ``IN (…)`` a statement at a time)."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def insert_rows(connection: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (mappings with the same keys; a column with a scalar default may be left out)."""
    if not rows:
        return
    sql, columns = _statement(connection.dialect, table, tuple(rows[0]))
    values = []
    for name, default, process, repeated in columns:
        column = [row.get(name, default) for row in rows]
        if process is not None and repeated:  # dates, flags: a few distinct values, each encoded once
            done: dict[Any, Any] = {}
            column = [done[v] if v in done else done.setdefault(v, process(v)) for v in column]
        elif process is not None:
            column = list(map(process, column))
        values.append(column)
    connection.exec_driver_sql(sql, list(zip(*values)))


def _constant_default(column: sa.Column[Any]) -> Any:
    """The value a column takes when a row leaves it out (its Python-side constant default), else None."""
    default = column.default
    return default.arg if isinstance(default, ScalarElementColumnDefault) else None


def inserted_pk(result: sa.CursorResult[Any]) -> int:
    """The primary key the database gave the row an ``INSERT`` of one row made."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the INSERT gave back no primary key")
    return int(key[0])


def _statement(dialect: sa.Dialect, table: sa.Table, given: tuple[str, ...]) -> _Statement:
    key = (dialect.name, table.name, given)
    found = _STATEMENTS.get(key)
    if found is None:
        names = tuple(given) + tuple(
            column.name
            for column in table.c
            if column.name not in given and column.default is not None and column.default.is_scalar
        )
        unknown = [name for name in names if name not in table.c]
        if unknown:
            raise KeyError(f"{table.name} has no column {unknown[0]}")
        # Every dialect we run on takes positional parameters: qmark (sqlite3) or format (psycopg).
        marker = "?" if dialect.paramstyle == "qmark" else "%s"
        quote = dialect.identifier_preparer.quote
        sql = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
            f"VALUES ({', '.join(marker for _ in names)})"
        )
        columns = tuple(
            (
                name,
                _constant_default(table.c[name]) if name not in given else None,
                table.c[name].type.dialect_impl(dialect).bind_processor(dialect),
                isinstance(getattr(table.c[name].type, "impl", table.c[name].type), _REPEATED),
            )
            for name in names
        )
        found = _STATEMENTS[key] = (sql, columns)
    return found
