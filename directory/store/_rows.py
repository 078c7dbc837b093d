# SPDX-License-Identifier: Apache-2.0
"""Venue rows read as plain tuples and decoded here, as ``select(venue_t)`` would give them.

SQLAlchemy's result rows cost more than the query on short reads (a processor per
JSON and date column, per row): JSON columns are fetched as text and decoded by
``orjson``; a date or time column is fetched raw and each distinct raw value
decoded once by SQLAlchemy's own processor for the column (rows hold few
distinct ``date_maj``: a run stamps its venues alike).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import sqlalchemy as sa

from .tables import venue_t

__all__ = ["RowDecoder", "as_text", "reader"]

_JSON_NAMES = frozenset(column.name for column in venue_t.c if isinstance(column.type, sa.JSON))
_DECODED_MAX = 4096  # distinct raw dates or times remembered per column
_loads = orjson.loads


def as_text(column: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
    """A JSON column selected as its text, for ``orjson`` to decode."""
    return sa.cast(column, sa.Text).label(column.name)


def reader(
    dialect: sa.Dialect, names: Sequence[str]
) -> tuple[list[sa.ColumnElement[Any]], list[tuple[str, Any, dict[Any, Any]]]]:
    """What to select for the ``venue`` columns ``names``, and the date and time columns
    decoded here: (name, SQLAlchemy's result processor for the column on this dialect,
    decoded values by raw value)."""
    selected: list[sa.ColumnElement[Any]] = []
    decoders: list[tuple[str, Any, dict[Any, Any]]] = []
    for name in names:
        column = venue_t.c[name]
        if name in _JSON_NAMES:
            selected.append(as_text(column))
            continue
        process = None
        kind = column.type.impl if isinstance(column.type, sa.TypeDecorator) else column.type  # sqlmodel's UTCDateTime
        if isinstance(kind, (sa.Date, sa.DateTime)):  # immutable values: decoded ones can be shared
            process = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if process is None:
            selected.append(column)
        else:
            selected.append(sa.type_coerce(column, sa.String).label(name))
            decoders.append((name, process, {}))
    return selected, decoders


class RowDecoder:
    """Rows of the ``venue`` columns ``names`` (selected as ``columns``) → dicts of decoded values.
    Its memory of decoded dates is bounded: ``trim`` once per batch of rows."""

    def __init__(self, dialect: sa.Dialect, names: Sequence[str]) -> None:
        self.names = tuple(names)
        self.columns, self._decoders = reader(dialect, self.names)
        self._json = tuple(name for name in self.names if name in _JSON_NAMES)

    def trim(self) -> None:
        for _name, _process, decoded in self._decoders:
            if len(decoded) > _DECODED_MAX:
                decoded.clear()

    def values(self, row: Sequence[Any]) -> dict[str, Any]:
        values = dict(zip(self.names, row))
        for name in self._json:
            text = values[name]
            if text is not None:
                values[name] = [] if text == "[]" else _loads(text)
        for name, process, decoded in self._decoders:
            raw = values[name]
            if raw is not None:
                value = decoded.get(raw)
                if value is None:
                    value = decoded[raw] = process(raw)
                values[name] = value
        return values
