# SPDX-License-Identifier: Apache-2.0
"""Many rows into one table, without SQLAlchemy's work per row.

``connection.execute(table.insert(), rows)`` builds a parameter dictionary
per row through the compiler (``construct_params``): at the 15 or so rows a
harvested venue writes (the venue, its link, raw record, terms, offers,
matching keys, change), that cost more than SQLite's own insert. Here the
statement is written once per (dialect, table, columns), each column's bind
processor is taken from its SQLAlchemy type (so values reach the driver
exactly as ``execute`` would send them: JSON through the engine's serializer,
dates as SQLite's text), and the rows go to the driver as tuples: SQLite's
``executemany``; on PostgreSQL ``COPY … FROM STDIN``, which checks the same
constraints and computes the same generated columns (``venue.geog``) as an
INSERT, in half the time of ``executemany`` over a harvest's tables (a third
for ``field_provenance``: ``bench/harvest.py --bulk``). COPY's binary format:
psycopg writes each value in its column's binary form (the column types read
from the catalog once per statement), 10–30 % less time than its text format
(bench/README.md). ``update_rows`` writes updates the same way (an ``executemany``
on both backends).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import Null
from sqlalchemy.sql.schema import ScalarElementColumnDefault

__all__ = ["chunks", "driver_errors", "insert_rows", "update_rows"]


@dataclass(frozen=True, slots=True)
class _Column:
    """A column a statement writes, and how its values are encoded."""

    name: str
    get: Callable[[Mapping[str, Any]], Any]  # a row's value of it (``itemgetter(name)``)
    default: Any  # the value of a row that leaves it out
    process: Callable[[Any], Any] | None  # its bind processor
    repeated: bool  # hashable values, few distinct ones in a batch: each encoded once
    #: A JSON column whose bind processor only hands a value to the engine's serializer (SQLite): that
    #: serializer, called without the processor's frame around it (:func:`_encode`).
    serialize: Callable[[Any], str] | None


#: SQL (an INSERT, or on PostgreSQL a COPY), then its parameters' columns in order.
_Statement = tuple[str, tuple[_Column, ...]]
_REPEATED = (sa.Date, sa.DateTime, sa.Boolean)
#: The values a JSON column's bind processor does not serialize: SQL's NULL (``sa.null()``) and
#: ``JSON.NULL`` (an ``int``, which the serializer would write as a number).
_SQL_NULLS = (Null, type(sa.JSON.NULL))
_STATEMENTS: dict[tuple[str, str, tuple[str, ...], bool], _Statement] = {}
#: ``update_rows``' statements, by (dialect, table, key columns, columns given).
_UPDATES: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], _Statement] = {}
#: The type (oid) of each column a COPY writes, by (table, columns). Only PostgreSQL's own types, whose
#: oids are the same in every database (below FirstNormalObjectId), so one process may cache them.
_COPY_TYPES: dict[tuple[str, tuple[str, ...]], list[int]] = {}
_FIRST_NORMAL_OID = 16384


def chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    """``items`` in slices of ``size`` at most (the values of an ``IN (…)`` a statement at a time)."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def insert_rows(
    connection: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]], *, copy: bool = True
) -> None:
    """Insert ``rows`` (mappings with the same keys; a column with a scalar default may be left out).

    On PostgreSQL they go by COPY; ``copy=False``: by ``executemany``, as on SQLite (what the tests
    and ``bench/harvest.py --bulk`` compare COPY with)."""
    if not rows:
        return
    copy = copy and connection.dialect.name == "postgresql"
    sql, columns = _statement(connection.dialect, table, tuple(rows[0]), copy)
    values = _encoded(columns, rows)
    if copy:
        _copy(connection, sql, _copy_types(connection, table, tuple(c.name for c in columns)), zip(*values))
    else:
        connection.exec_driver_sql(sql, list(zip(*values)))


def update_rows(
    connection: sa.Connection, table: sa.Table, key: tuple[str, ...], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Update, in the row of ``table`` whose ``key`` columns hold a row's values of them, the other columns
    that row names: mappings with the same keys, one ``executemany``, values encoded as ``insert_rows`` does.

    Merging again a batch of venues writes tens of small statements (one per set of changed columns), where
    SQLAlchemy's ``connection.execute(table.update(), rows)`` cost ~3× this (135 → 47 µs for 3 rows on SQLite)."""
    if not rows:
        return
    sql, columns = _update_statement(connection.dialect, table, key, tuple(rows[0]))
    connection.exec_driver_sql(sql, list(zip(*_encoded(columns, rows))))


def _encoded(columns: tuple[_Column, ...], rows: Sequence[Mapping[str, Any]]) -> list[Sequence[Any]]:
    """The values of ``rows`` a column at a time, each through its column's bind processor."""
    return [_encode(column, _values(column, rows)) for column in columns]


def _values(column: _Column, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
    """A column's values in ``rows``; a row that leaves the column out: its default. A column the rows give
    (callers give rows with the same keys) is read by ``itemgetter`` in C, in half the time of ``row.get``."""
    if column.name in rows[0]:
        try:
            return list(map(column.get, rows))
        except KeyError:  # a row leaves it out
            pass
    return [row.get(column.name, column.default) for row in rows]


def _encode(column: _Column, values: Sequence[Any]) -> Sequence[Any]:
    """A column's values through its bind processor (the same values, not the same calls)."""
    process = column.process
    if process is None:
        return values
    if column.repeated:  # dates, flags: a few distinct values, each encoded once
        encoded = {value: process(value) for value in set(values)}
        return list(map(encoded.__getitem__, values))
    if column.serialize is not None and not any(issubclass(t, _SQL_NULLS) for t in set(map(type, values))):
        return list(map(column.serialize, values))
    return list(map(process, values))


def _copy(connection: sa.Connection, sql: str, types: list[int], rows: Iterable[tuple[Any, ...]]) -> None:
    """``COPY … FROM STDIN`` on the connection's own driver connection, in its transaction."""
    if not connection.in_transaction():
        connection.begin()  # what executing a statement would do: the caller's commit() then commits the rows
    driver: Any = connection.connection.driver_connection  # psycopg's Connection
    with driver_errors(connection.dialect, sql), driver.cursor() as cursor, cursor.copy(sql) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


@contextmanager
def driver_errors(dialect: sa.Dialect, sql: str) -> Iterator[None]:
    """The errors of ``sql`` run on a connection's own driver cursor raised as SQLAlchemy's, as
    ``Connection.execute`` would raise them."""
    try:
        yield
    except dialect.loaded_dbapi.Error as error:
        raise sa.exc.DBAPIError.instance(sql, None, error, dialect.loaded_dbapi.Error, dialect=dialect) from error


def _copy_types(connection: sa.Connection, table: sa.Table, names: tuple[str, ...]) -> list[int]:
    key = (table.name, names)
    found = _COPY_TYPES.get(key)
    if found is None:
        types: dict[str, int] = dict(
            connection.exec_driver_sql(
                "SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                (connection.dialect.identifier_preparer.quote(table.name),),
            ).all()
        )
        found = [types[name] for name in names]
        own = [name for name, oid in zip(names, found, strict=True) if oid >= _FIRST_NORMAL_OID]
        if own:
            raise TypeError(f"{table.name}.{own[0]}: a type of this database's own, binary COPY cannot cache it")
        _COPY_TYPES[key] = found
    return found


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


def _statement(dialect: sa.Dialect, table: sa.Table, given: tuple[str, ...], copy: bool) -> _Statement:
    key = (dialect.name, table.name, given, copy)
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
        quote = dialect.identifier_preparer.quote
        into = f"{quote(table.name)} ({', '.join(quote(n) for n in names)})"
        marker = _marker(dialect)
        sql = (
            f"COPY {into} FROM STDIN (FORMAT BINARY)"
            if copy
            else f"INSERT INTO {into} VALUES ({', '.join(marker for _ in names)})"
        )
        columns = tuple(
            _column(dialect, table.c[name], _constant_default(table.c[name]) if name not in given else None)
            for name in names
        )
        found = _STATEMENTS[key] = (sql, columns)
    return found


def _update_statement(dialect: sa.Dialect, table: sa.Table, key: tuple[str, ...], given: tuple[str, ...]) -> _Statement:
    """``UPDATE table SET (given but key) WHERE key``, and its parameters' columns in order."""
    cache_key = (dialect.name, table.name, key, given)
    found = _UPDATES.get(cache_key)
    if found is None:
        unknown = [name for name in (*given, *key) if name not in table.c]
        if unknown or not set(key) <= set(given):
            raise KeyError(f"{table.name}: no column {unknown[0]}" if unknown else f"rows without their key {key}")
        names = (*(name for name in given if name not in key), *key)
        quote, marker = dialect.identifier_preparer.quote, _marker(dialect)
        sql = (
            f"UPDATE {quote(table.name)} SET {', '.join(f'{quote(n)} = {marker}' for n in names[: -len(key)])}"
            f" WHERE {' AND '.join(f'{quote(n)} = {marker}' for n in key)}"
        )
        found = _UPDATES[cache_key] = (sql, tuple(_column(dialect, table.c[name], None) for name in names))
    return found


def _marker(dialect: sa.Dialect) -> str:
    """Every dialect we run on takes positional parameters: qmark (sqlite3) or format (psycopg)."""
    return "?" if dialect.paramstyle == "qmark" else "%s"


def _column(dialect: sa.Dialect, column: sa.Column[Any], default: Any) -> _Column:
    impl = column.type.dialect_impl(dialect)
    return _Column(
        column.name,
        itemgetter(column.name),
        default,
        impl.bind_processor(dialect),
        isinstance(getattr(column.type, "impl", column.type), _REPEATED),
        _serializer(dialect, impl),
    )


def _serializer(dialect: sa.Dialect, impl: sa.types.TypeEngine[Any]) -> Callable[[Any], str] | None:
    """The engine's JSON serializer, when the bind processor of a column of type ``impl`` is that serializer
    and nothing else for every value but :data:`_SQL_NULLS` (SQLAlchemy's ``JSON._make_bind_processor``:
    None serialized as ``null``, no string processing after it): SQLite's JSON. Else None."""
    if dialect.name != "sqlite" or not isinstance(impl, sa.JSON) or impl.none_as_null:
        return None
    if impl._str_impl.bind_processor(dialect) is not None:
        return None
    serializer: Callable[[Any], str] = getattr(dialect, "_json_serializer", None) or json.dumps  # as SQLAlchemy's
    return serializer
