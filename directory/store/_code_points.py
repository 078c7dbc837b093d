# SPDX-License-Identifier: Apache-2.0
"""Text sorted by code point, on both backends.

SQLite compares text by code point; PostgreSQL by the collation its database was created with, a
linguistic one on most servers (the ``postgis/postgis`` image's ``en_US.utf8``, a French locale), which
puts « a-1 » before « B-2 » and weighs punctuation last. Where the order of records decides something
(the record that names a venue in a person's decision, the one whose lineage a federated venue carries) or
is shown (a venue's sources, the names search finds it by), it must not hang on the server's locale:
``by_code_point(column)`` sorts like SQLite everywhere (``COLLATE "C"`` on PostgreSQL).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

__all__ = ["by_code_point"]


class _CodePoints(sa.ColumnElement[Any]):
    """A text column compared by code point (:func:`by_code_point`)."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]  # noqa: RUF012  # SQLAlchemy's own declaration

    def __init__(self, column: sa.ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


def by_code_point(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """``column`` to sort by: its values in code point order whatever the database's collation."""
    return _CodePoints(column)


@compiles(_CodePoints)
def _as_is(element: _CodePoints, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))  # SQLite's own order is by code point


@compiles(_CodePoints, "postgresql")
def _collate_c(element: _CodePoints, compiler: Any, **kw: Any) -> str:
    return f'{compiler.process(element.column, **kw)} COLLATE "C"'
