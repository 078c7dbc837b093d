# SPDX-License-Identifier: Apache-2.0
"""Venues → national standard v1.0.2 rows (strict writer).

Columns in the standard's order, every field quoted, lists joined with `|`,
vocabulary values in the exact spelling of the Table Schema patterns.

A `|` inside a free-text field is fine (the field is quoted), but inside one
item of a list it would split the item in two when read back: the only list
whose items are free strings is `site_web` (e-mail addresses cannot hold a
`|` once validated), and there it is written percent-encoded (`%7C`), which
names the same resource.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from operator import itemgetter
from typing import Any

from directory.schema import LIST_VOCABULARIES, NATIONAL_FIELDS, TEXT_LIST_FIELDS, Venue
from directory.store import venue_to_values

from .schemas import NATIONAL_SCHEMA_PATH

__all__ = [
    "national_row",
    "national_values",
    "stored_national_row",
    "stored_national_values",
    "stored_values",
    "EXTENSION_FIELDS",
    "NATIONAL_LIMITS",
]

#: Fields this directory adds after the standard's 32 when asked to
#: (``extensions=True``): what v1 cannot say but partners need (Pass numérique).
EXTENSION_FIELDS: tuple[str, ...] = ("conditions_frais",)


class _Columns:
    """How to turn stored values into one row: every column read at once
    (``itemgetter``), then only the list and date columns rewritten (the
    national export does this 100,000 times, so it is laid out in advance)."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.get = itemgetter(*names)
        #: (position, national spelling of each code) of the vocabulary lists.
        self.terms = tuple((i, _SPELLINGS[name]) for i, name in enumerate(names) if name in LIST_VOCABULARIES)
        #: Positions of the lists of free strings (a `|` inside an item is written %7C).
        self.texts = tuple(i for i, name in enumerate(names) if name in TEXT_LIST_FIELDS)
        self.date = names.index("date_maj")


#: For each list field, the national spelling of each stored code. A code the
#: vocabulary no longer knows is left out, as ``values_to_venue`` leaves it out.
_SPELLINGS: dict[str, dict[str, str]] = {
    name: {member.code: member.national for member in vocabulary} for name, (vocabulary, _) in LIST_VOCABULARIES.items()
}
_COLUMNS = _Columns(NATIONAL_FIELDS)
_EXTENDED = _Columns(NATIONAL_FIELDS + EXTENSION_FIELDS)


def _limits() -> dict[int, int]:
    """Column position → ``maxLength`` of the official Table Schema (what a CSV cell must not pass)."""
    fields = json.loads(NATIONAL_SCHEMA_PATH.read_text(encoding="utf-8"))["fields"]
    maxima = {f["name"]: f["constraints"]["maxLength"] for f in fields if "maxLength" in f.get("constraints", {})}
    return {NATIONAL_FIELDS.index(name): limit for name, limit in maxima.items() if name in NATIONAL_FIELDS}


#: For ``SafeCsvWriter``: the lengths the official schema allows (``presentation_resume``: 280).
NATIONAL_LIMITS: dict[int, int] = _limits()


def stored_national_values(values: Mapping[str, Any], *, extensions: bool = False) -> list[Any]:
    """The row's values in column order, from a venue's stored values.

    ``values`` is the store's form of a venue (``venue_to_values`` plus
    ``id``: vocabulary codes, lists as lists, ``date_maj`` a date), as the
    store's ``iter_venue_rows`` reads it: a whole export needs no ``Venue``.
    """
    columns = _EXTENDED if extensions else _COLUMNS
    row: list[Any] = ["" if value is None else value for value in columns.get(values)]
    for i, spellings in columns.terms:
        codes = row[i]
        row[i] = "|".join([spellings[code] for code in codes if code in spellings]) if codes else ""
    for i in columns.texts:
        items = row[i]
        row[i] = "|".join([item.replace("|", "%7C") for item in items]) if items else ""
    if row[columns.date] != "":
        row[columns.date] = row[columns.date].isoformat()
    return row


def national_values(venue: Venue, *, extensions: bool = False) -> list[Any]:
    """The row's values in column order (strings and numbers, ``""`` when empty)."""
    return stored_national_values(stored_values(venue), extensions=extensions)


def stored_values(venue: Venue) -> dict[str, Any]:
    """The venue in the store's form, ``id`` included (what ``stored_national_values`` reads)."""
    values = venue_to_values(venue)
    values["id"] = venue.id
    return values


def national_row(venue: Venue, *, extensions: bool = False) -> dict[str, Any]:
    """One venue as a flat national-standard record (strings and numbers)."""
    names = NATIONAL_FIELDS + (EXTENSION_FIELDS if extensions else ())
    return dict(zip(names, national_values(venue, extensions=extensions)))


def stored_national_row(values: Mapping[str, Any]) -> dict[str, Any]:
    """``national_row`` from a venue's stored values (``stored_national_values``), no ``Venue`` built."""
    return dict(zip(NATIONAL_FIELDS, stored_national_values(values)))
