# SPDX-License-Identifier: Apache-2.0
"""A list of values bound as one parameter of a query (``column IN`` the list), on both backends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import sqlalchemy as sa

__all__ = ["in_values", "list_param"]


def in_values(
    column: sa.ColumnElement[Any], dialect: sa.Dialect, item: sa.types.TypeEngine[Any]
) -> sa.ColumnElement[bool]:
    """``column IN`` the values of the parameter ``values``, bound as one parameter (:func:`list_param`).

    SQLAlchemy renders an IN list one parameter per value, in Python, at every execution; a batch
    of a harvest looks up tens of thousands of keys. A JSON array read by ``json_each`` (SQLite) or
    an array (PostgreSQL's ``= ANY``) is one value."""
    if dialect.name == "sqlite":
        return column.in_(sa.select(sa.literal_column("value")).select_from(sa.func.json_each(sa.bindparam("values"))))
    return column == sa.any_(sa.bindparam("values", type_=sa.ARRAY(item)))


def list_param(dialect: sa.Dialect, values: Sequence[Any]) -> Any:
    """The parameter ``values`` of :func:`in_values`."""
    return orjson.dumps(values).decode() if dialect.name == "sqlite" else list(values)
