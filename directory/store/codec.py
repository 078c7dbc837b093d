# SPDX-License-Identifier: Apache-2.0
"""Venue ↔ database values: vocabulary members are stored as their codes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, get_args, get_type_hints

from directory.schema import (
    LIST_FIELDS,
    LIST_VOCABULARIES,
    TEXT_LIST_FIELDS,
    VENUE_FIELDS,
    Venue,
    offer_from_record,
    offer_record,
)

from ._models import jsonable

__all__ = ["venue_record", "venue_to_values", "values_to_venue"]

#: Every model field but ``id`` (minted by the store), and whether it holds vocabulary terms.
_STORED = tuple((name, name in LIST_VOCABULARIES) for name in VENUE_FIELDS if name != "id")


def venue_to_values(venue: Venue) -> dict[str, Any]:
    """Column values for every model field except ``id``: codes for vocabularies, lists as new lists."""
    values: dict[str, Any] = {}
    for name, terms in _STORED:
        value = getattr(venue, name)
        if name == "offres":
            values[name] = [offer_record(offer) for offer in value]
            continue
        values[name] = [term.code for term in value] if terms else list(value) if isinstance(value, list) else value
    return values


#: The model's date fields, the only values of ``venue_to_values`` that are not JSON-ready.
_DATES = tuple(name for name, hint in get_type_hints(Venue).items() if date in (hint, *get_args(hint)))


def venue_record(venue: Venue) -> dict[str, Any]:
    """A source's record of a venue as the store keeps it (``source_link.record``): ``venue_to_values``,
    dates as ISO text. Only the date fields are converted: a harvest makes one per record read."""
    values = venue_to_values(venue)
    for name in _DATES:
        values[name] = jsonable(values[name])
    return values


#: For each list field, its vocabulary's members by code (unknown codes are left out).
_MEMBERS = {name: vocabulary._value2member_map_ for name, (vocabulary, _) in LIST_VOCABULARIES.items()}
_SCALARS = tuple(name for name in VENUE_FIELDS if name != "id" and name not in LIST_FIELDS and name != "offres")


def values_to_venue(venue_id: str, row: Any) -> Venue:
    """Rebuild a ``Venue`` from a row (a mapping, or an object with the columns as attributes).

    A mapping is told by its type: asking a SQLAlchemy ``RowMapping`` for an attribute
    it lacks (``hasattr``) goes through its missing-key handling, 2 µs each, 4 a venue."""
    get = row.__getitem__ if isinstance(row, Mapping) else row.__getattribute__
    values: dict[str, Any] = {name: get(name) for name in _SCALARS}
    for name, members in _MEMBERS.items():
        values[name] = [members[code] for code in get(name) or () if code in members]
    for name in TEXT_LIST_FIELDS:
        values[name] = list(get(name) or ())
    values["offres"] = [offer_from_record(record) for record in _offers(row)]
    return Venue(id=venue_id, **values)


def _offers(row: Any) -> Any:
    """The row's stored offers: none when it has no ``offres`` (values read before offers were kept)."""
    if isinstance(row, Mapping):
        return row.get("offres") or ()
    return getattr(row, "offres", None) or ()
