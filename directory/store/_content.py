# SPDX-License-Identifier: Apache-2.0
"""A venue's own fields as the writer stores them: what provenance and the change log are about."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from directory.schema import VENUE_FIELDS

__all__ = ["CONTENT", "EMPTY", "venue_values"]

#: The venue's own fields (what provenance and the change log are about).
CONTENT = (*(name for name in VENUE_FIELDS if name != "id"), "geo_method")


#: The values of an empty field: ``value in EMPTY`` (one test in C, made for every field of every new venue).
EMPTY: tuple[Any, ...] = (None, "", [])


def venue_values(record: Mapping[str, Any]) -> dict[str, Any]:
    """Column values for the venue table from a stored record (dates as dates)."""
    values = {name: record.get(name) for name in (*CONTENT, "flags")}
    if isinstance(values["date_maj"], str):
        values["date_maj"] = date.fromisoformat(values["date_maj"])
    return values
