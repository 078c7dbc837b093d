# SPDX-License-Identifier: Apache-2.0
"""A person corrects one field of a venue: which fields, and the value checked as a harvested one.

The value is validated by ``parse_venue`` on the venue's current values with that field replaced,
so it is normalised exactly as a harvested one (phones in E.164, vocabularies by label or code…).
It is refused with validation's French problems when there is an error, or when validation would
leave out what the person wrote (an unreadable phone, an unknown term: a harvest stores the record
without them, a person is told instead). Other warnings (a point far from its commune…) do not
refuse it: they come back with the values, for the person to see.

Fields that travel together (``GROUPS``: the point, the address) are locked together: correcting
the postcode locks the whole address as it then is, so that a later harvest never makes it half a
source's and half the curator's; giving a field back to the sources gives back its whole group.
Correcting the postcode or the commune lets the INSEE code follow them (``parse_venue`` infers it
from the gazetteer, as for a harvested record without one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from directory.schema import VENUE_FIELDS, CommuneLookup, Problem, Severity, parse_venue

from ._merge import GROUPS
from .codec import venue_to_values

__all__ = ["CORRECTABLE", "Curated", "InvalidValue", "UnknownField", "UnknownVenue", "corrected_values", "locked_with"]

#: The fields a person may correct: the standard's (and its extension), not the venue's own id.
CORRECTABLE: tuple[str, ...] = tuple(name for name in VENUE_FIELDS if name != "id")

#: Warnings saying validation left the value out (« valeur ignorée », « point ignoré »): refusals here.
DROPPED = frozenset({
    "pattern_pivot", "not_a_number", "coordinates_incomplete", "coordinates_zero", "coordinates_out_of_range",
    "coordinates_outside_france", "unknown_term_dropped", "legacy_term_dropped", "phone", "email", "url",
})  # fmt: skip


class UnknownVenue(LookupError):
    """No active venue has this id."""


class UnknownField(ValueError):
    """Not a field a person may correct."""


class InvalidValue(ValueError):
    """The value is refused; ``problems`` say why, in French."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field} : {p.message}" for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Curated:
    """What a correction (or giving a field back to the sources) did to a venue."""

    venue_id: str
    fields: tuple[str, ...]  # locked (a correction), or given back to the merge (nothing: none was locked)
    changed: tuple[str, ...]  # fields whose value changed, logged with the person's name
    warnings: tuple[Problem, ...] = ()


def locked_with(field: str) -> tuple[str, ...]:
    """The fields locked (and unlocked) together with ``field``: its group, or itself."""
    if field not in CORRECTABLE:
        raise UnknownField(field)
    return next((group for group in GROUPS if field in group), (field,))


def corrected_values(
    row: Mapping[str, Any], field: str, raw_value: Any, *, places: CommuneLookup | None, today: date
) -> tuple[dict[str, Any], tuple[Problem, ...]]:
    """The stored values of the fields locked with ``field`` once it holds ``raw_value``, and
    the warnings on them. ``row`` is the venue as stored.

    :raises InvalidValue: validation found an error, or left out what was given.
    """
    group = locked_with(field)
    record = {name: row[name] for name in VENUE_FIELDS} | {field: raw_value}
    if field in ("code_postal", "commune") and places is not None:
        record["code_insee"] = None
    result = parse_venue(record, places=places, today=today)
    refused = [p for p in result.problems if p.severity is Severity.ERROR or (p.code in DROPPED and p.field in group)]
    if refused or result.venue is None:
        raise InvalidValue(refused)
    values = venue_to_values(result.venue)
    warnings = tuple(p for p in result.problems if p.field in group)
    return {name: values.get(name, row[name]) for name in group}, warnings
