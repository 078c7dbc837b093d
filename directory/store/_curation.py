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

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from directory.schema import VENUE_FIELDS, CommuneLookup, Problem, Severity, parse_venue

from ._merge import GROUPS
from .codec import venue_to_values

__all__ = [
    "CORRECTABLE",
    "HELD",
    "Curated",
    "InvalidValue",
    "NotRevertible",
    "NotSplittable",
    "ProposalClosed",
    "UnknownField",
    "UnknownProposal",
    "UnknownVenue",
    "corrected_many",
    "corrected_values",
    "group_of",
    "locked_with",
    "same_value",
]

#: The fields a person may correct: the standard's (and its extension), not the venue's own id.
#: The offers (``offres``) are records of their own, not a field typed in the venue's form.
CORRECTABLE: tuple[str, ...] = tuple(name for name in VENUE_FIELDS if name not in ("id", "offres"))

#: A pseudo-field of ``field_provenance``: locked, the venue's presence is a person's decision (see
#: ``_edits``): one they withdrew stays withdrawn, one they made or restored stands without records.
HELD = "status"

#: Warnings saying validation left the value out (« valeur ignorée », « point ignoré »): refusals here.
DROPPED = frozenset(
    {
        "pattern_pivot",
        "not_a_number",
        "coordinates_incomplete",
        "coordinates_zero",
        "coordinates_out_of_range",
        "coordinates_outside_france",
        "unknown_term_dropped",
        "legacy_term_dropped",
        "phone",
        "email",
        "url",
    }
)


class UnknownVenue(LookupError):
    """No active venue has this id."""


class UnknownField(ValueError):
    """Not a field a person may correct."""


#: What validation adds to a message when a harvest goes on without the value; a person's value is
#: refused instead, and told so by the form.
_LEFT_OUT = (" : valeur ignorée", " : point ignoré")


class InvalidValue(ValueError):
    """The value is refused; ``problems`` say why, in French."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field} : {message}" for p in problems for message in [_for_person(p)]))
        self.problems = problems

    def by_field(self) -> dict[str, list[str]]:
        """Field → why its value is refused, as a person reads it next to the field."""
        found: dict[str, list[str]] = {}
        for problem in self.problems:
            found.setdefault(problem.field or "nom", []).append(_for_person(problem))
        return found


def _for_person(problem: Problem) -> str:
    message = problem.message
    for suffix in _LEFT_OUT:
        message = message.removesuffix(suffix)
    return message


class NotRevertible(ValueError):
    """This change cannot be undone (a creation, a merge…); the message says why, in French."""


class NotSplittable(ValueError):
    """This record cannot leave this venue; the message says why, in French."""


class UnknownProposal(LookupError):
    """No proposal has this number."""


class ProposalClosed(ValueError):
    """The proposal was already accepted, rejected or made obsolete; the message says which, in French."""


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


def group_of(name: str) -> tuple[str, ...]:
    """``locked_with`` for any stored field, ``geo_method`` included (it travels with the point)."""
    return next((group for group in GROUPS if name in group), (name,))


def same_value(left: Any, right: Any) -> bool:
    """Two stored values say the same: empty is empty (None, "", []), dates as ISO text."""

    def norm(value: Any) -> Any:
        if value is None or value == "" or value == []:
            return None
        return value.isoformat() if isinstance(value, date) else value

    return bool(norm(left) == norm(right))


def _text(value: Any) -> str:
    return str(value if value is not None else "").strip()


def corrected_many(
    row: Mapping[str, Any],
    raw: Mapping[str, Any],
    *,
    places: CommuneLookup | None,
    today: date,
    keep: Collection[str] = (),
    extra: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], tuple[Problem, ...]]:
    """The stored values of the fields to lock once the venue holds ``raw`` (field → value as a
    person types it), and the warnings on them. ``row`` is the venue as stored.

    Only what changes is locked, with its group: a form submitting a whole venue locks the
    fields the person changed, not the others; fields in ``keep`` are locked even unchanged
    (naming one field is a decision about it). ``extra`` holds stored values of fields outside
    the standard that travel with a group (``geo_method``: a source's point comes with it).
    Every problem of every field is reported at once.

    :raises UnknownField: a field a person may not correct.
    :raises InvalidValue: validation found an error, or left out what was given.
    """
    for name in (*raw, *keep):
        locked_with(name)
    record = {name: row[name] for name in VENUE_FIELDS} | dict(raw)
    moved = any(name in raw and _text(raw[name]) != _text(row[name]) for name in ("code_postal", "commune"))
    if places is not None and moved and _text(raw.get("code_insee", row["code_insee"])) == _text(row["code_insee"]):
        record["code_insee"] = None  # the gazetteer infers it again, as for a harvested record without one
    result = parse_venue(record, places=places, today=today)
    given = {member for name in raw for member in locked_with(name)}
    refused = [p for p in result.problems if p.severity is Severity.ERROR or (p.code in DROPPED and p.field in given)]
    if refused or result.venue is None:
        raise InvalidValue(refused)
    values = venue_to_values(result.venue) | dict(extra or {})
    touched = [*raw, *(extra or {}), *(("code_insee",) if record["code_insee"] is None else ())]
    changed = [name for name in touched if not same_value(values.get(name, row[name]), row[name])]
    locked = list(dict.fromkeys(member for name in (*changed, *keep) for member in group_of(name)))
    warnings = tuple(p for p in result.problems if p.field in locked)
    return {name: values.get(name, row[name]) for name in locked}, warnings


def corrected_values(
    row: Mapping[str, Any], field: str, raw_value: Any, *, places: CommuneLookup | None, today: date
) -> tuple[dict[str, Any], tuple[Problem, ...]]:
    """The stored values of the fields locked with ``field`` once it holds ``raw_value``, and
    the warnings on them: ``corrected_many`` for one field, locked even if unchanged."""
    return corrected_many(row, {field: raw_value}, places=places, today=today, keep=(field,))
