# SPDX-License-Identifier: Apache-2.0
"""Venue ↔ database values: vocabulary members are stored as their codes."""

from __future__ import annotations

from typing import Any

from directory.schema import LIST_VOCABULARIES, VENUE_FIELDS, Venue

__all__ = ["venue_to_values", "values_to_venue", "field_value"]


def field_value(venue: Venue, name: str) -> Any:
    """The stored form of one field: codes for vocabularies, lists as lists."""
    value = getattr(venue, name)
    if name in LIST_VOCABULARIES:
        return [term.code for term in value]
    if isinstance(value, list):
        return list(value)
    return value


def venue_to_values(venue: Venue) -> dict[str, Any]:
    """Column values for every model field except ``id`` (minted by the store)."""
    return {name: field_value(venue, name) for name in VENUE_FIELDS if name != "id"}


def values_to_venue(venue_id: str, row: Any) -> Venue:
    """Rebuild a ``Venue`` from a row (mapping or object with the columns)."""
    get = row.__getitem__ if isinstance(row, dict) else (lambda name: getattr(row, name))
    values: dict[str, Any] = {}
    for name in VENUE_FIELDS:
        if name == "id":
            continue
        value = get(name)
        if name in LIST_VOCABULARIES:
            vocabulary = LIST_VOCABULARIES[name][0]
            value = [vocabulary(code) for code in value or () if code in vocabulary._value2member_map_]
        elif name in ("courriels", "site_web"):
            value = list(value or ())
        values[name] = value
    return Venue(id=venue_id, **values)
