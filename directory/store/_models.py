# SPDX-License-Identifier: Apache-2.0
"""What the store takes and gives besides venues: a filter, a venue with what the store knows of it,
a source, a raw record, the outcome of applying a record; and the record's fingerprint."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import orjson

from directory.schema import LIST_VOCABULARIES, Venue

__all__ = [
    "ApplyOutcome",
    "RowValues",
    "Nearby",
    "Provenance",
    "RawRecord",
    "SourceInfo",
    "StoredVenue",
    "VenueFilter",
    "fingerprint",
    "jsonable",
    "utcnow",
]

#: Values by column name, as a query gives them (``.mappings()``) or as code builds them (a dict).
#: SQLAlchemy types a ``RowMapping``'s keys as names or columns, which ``Mapping[str, Any]`` refuses.
RowValues = Mapping[Any, Any]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class VenueFilter:
    """Restricts which venues a query returns.

    ``terms`` maps a list field (``services``, ``frais_a_charge``…) to codes:
    a venue matches a field when it has any of its codes, and must match every
    field given. Territory filters are exact codes.
    """

    terms: Mapping[str, Sequence[str]] = field(default_factory=dict)
    departement: str | None = None
    code_insee: str | None = None
    code_postal: str | None = None
    communes: tuple[str, ...] = ()  # INSEE codes (an EPCI's communes, say)
    bbox: tuple[float, float, float, float] | None = None  # south, west, north, east

    def __post_init__(self) -> None:
        unknown = set(self.terms) - set(LIST_VOCABULARIES)
        if unknown:
            raise ValueError(f"unknown filter fields: {sorted(unknown)}")


@dataclass(frozen=True, slots=True)
class Nearby:
    venue: Venue
    distance_m: float


@dataclass(frozen=True, slots=True)
class Provenance:
    source_id: str | None
    actor: str | None
    locked: bool
    at: datetime


@dataclass(slots=True)
class StoredVenue:
    """A venue with what the store knows about it beyond the standard's fields."""

    venue: Venue
    status: str
    merged_into: str | None
    flags: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime
    provenance: dict[str, Provenance] = field(default_factory=dict)
    sources: list[tuple[str, str]] = field(default_factory=list)  # (source id, record id)
    #: How the point was obtained (``directory.schema.placement``): pages and exports say when it is approximate.
    geo_method: str | None = None


@dataclass(frozen=True, slots=True)
class SourceInfo:
    id: str
    name: str
    kind: str = "file"
    publisher: str | None = None
    url: str | None = None
    format: str | None = None
    licence: str | None = None
    trust: int = 50


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A record as received, before anything else happens to it."""

    position: int
    record_id: str | None
    payload: str
    status: str  # stored | unchanged | quarantined | skipped (its origin is harvested directly, or it is an echo)
    problems: list[dict[str, Any]] = field(default_factory=list)
    #: Quarantined only: the commune it names (INSEE), and the national record the mapping gave.
    code_insee: str | None = None
    mapped: dict[str, Any] | None = None

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.payload.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class ApplyOutcome:
    venue_id: str
    action: str  # created | updated | unchanged | restored
    changed_fields: tuple[str, ...] = ()
    venue_pk: int | None = None  # a venue just created: the pk the store gave it


def fingerprint(values: Mapping[str, Any]) -> str:
    """What a record gives once parsed: a link whose fingerprint is unchanged is not merged again."""
    return hashlib.sha256(orjson.dumps(values, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()


def jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value
