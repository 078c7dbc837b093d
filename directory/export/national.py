# SPDX-License-Identifier: Apache-2.0
"""Venues → national standard v1.0.2 rows (strict writer).

Columns in the standard's order, every field quoted, lists joined with `|`,
vocabulary values in the exact spelling of the Table Schema patterns.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from directory.schema import LIST_VOCABULARIES, NATIONAL_FIELDS, Venue

__all__ = ["national_row", "write_national_csv", "EXTENSION_FIELDS"]

#: Fields this directory adds after the standard's 32 when asked to
#: (``extensions=True``): what v1 cannot say but partners need (Pass numérique).
EXTENSION_FIELDS: tuple[str, ...] = ("conditions_frais",)


def national_row(venue: Venue, *, extensions: bool = False) -> dict[str, Any]:
    """One venue as a flat national-standard record (strings and numbers)."""
    row: dict[str, Any] = {}
    for name in NATIONAL_FIELDS + (EXTENSION_FIELDS if extensions else ()):
        value = getattr(venue, name)
        if name in LIST_VOCABULARIES:
            value = "|".join(term.national for term in value)
        elif isinstance(value, list):
            value = "|".join(value)
        elif name == "date_maj":
            value = value.isoformat()
        row[name] = "" if value is None else value
    return row


def write_national_csv(venues: Iterable[Venue], stream: TextIO, *, extensions: bool = False) -> Iterator[int]:
    """Write the header then one row per venue; yields after each row (for progress).

    With ``extensions``, the extension columns follow the standard's 32.
    """
    fieldnames = NATIONAL_FIELDS + (EXTENSION_FIELDS if extensions else ())
    writer = csv.DictWriter(stream, fieldnames=fieldnames, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writeheader()
    for count, venue in enumerate(venues, start=1):
        writer.writerow(national_row(venue, extensions=extensions))
        yield count
