# SPDX-License-Identifier: Apache-2.0
"""One venue from several records: which value wins, field by field.

Order of precedence: a curator's locked value; then the most trusted source;
then the most recently updated record (``date_maj``); then source and record
ids, so the same inputs always give the same venue. List fields are the union
of every record's values, in that same order. Fields that only make sense
together (the point; the address) are taken together from one record.

The point is the exception to trust first: it comes from the record whose
point is the most precise (``directory.schema.placement``: the producer's own
or a house number, then a street, then a commune's centre), trust and recency
only deciding between equally precise points. A trusted source whose address
could only be placed at its commune's centre never moves a venue away from
the door another source located.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from directory.schema import LIST_FIELDS, precision

from ._content import CONTENT, EMPTY
from ._offers import merge_offers

__all__ = ["Contribution", "Merged", "merge_records", "GROUPS"]

#: Fields taken together from the first record that has the leading one
#: (for the point: the first of the most precise, see ``_leader``).
GROUPS: tuple[tuple[str, ...], ...] = (
    ("latitude", "longitude", "geo_method"),
    ("adresse", "complement_adresse", "code_postal", "commune", "code_insee"),
)
_GROUPED = {name for group in GROUPS for name in group}
#: How a field is merged (``merge_records``): the first value in rank order; the union of the lists;
#: every record's offers; the most recent date; a group's, taken after the others (``GROUPS``).
_FIRST, _UNION, _OFFERS, _LATEST, _GROUP = "first", "union", "offers", "latest", "group"


def _how(name: str) -> str:
    if name in _GROUPED:
        return _GROUP
    if name == "offres":
        return _OFFERS
    if name in LIST_FIELDS:
        return _UNION
    return _LATEST if name == "date_maj" else _FIRST


#: The venue's fields in their order, each with how it is merged.
_MERGED = tuple((name, _how(name)) for name in CONTENT)


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one record of one source says about a venue."""

    source_id: str
    record_id: str
    trust: int
    values: Mapping[str, Any]  # stored forms (codes, ISO dates)

    @property
    def date_maj(self) -> str:
        value = self.values.get("date_maj")
        return value.isoformat() if isinstance(value, date) else str(value or "")


@dataclass(frozen=True, slots=True)
class Merged:
    values: dict[str, Any]
    winners: dict[str, str]  # field → source id that gave its value


def _empty(value: Any) -> bool:
    return value in EMPTY


def _rank(contributions: Sequence[Contribution]) -> list[Contribution]:
    ordered = sorted(contributions, key=lambda c: (c.source_id, c.record_id))
    ordered.sort(key=lambda c: c.date_maj, reverse=True)
    ordered.sort(key=lambda c: c.trust, reverse=True)
    return ordered


def _leader(ranked: Sequence[Contribution], group: tuple[str, ...]) -> Contribution | None:
    """The record the group is taken from: the first that has the leading field, or
    for the point, the first of those whose point is the most precise."""
    having = [c for c in ranked if not _empty(c.values.get(group[0]))]
    if group[0] != "latitude" or not having:
        return having[0] if having else None
    return max(having, key=lambda c: precision(c.values.get("geo_method")))  # max keeps the first of equals


def merge_records(
    contributions: Sequence[Contribution],
    *,
    current: Mapping[str, Any] | None = None,
    locked: frozenset[str] | set[str] = frozenset(),
) -> Merged:
    """The venue's values from its records.

    :param current: the venue as stored, for the locked fields.
    :param locked: fields a curator fixed; their current value is kept.
    """
    ranked = _rank(contributions)
    records = [(c.values, c.source_id) for c in ranked]
    stored: Mapping[str, Any] = current if current is not None else {}
    kept = locked if current is not None else frozenset()  # the fields whose stored value stays
    values: dict[str, Any] = {}
    winners: dict[str, str] = {}
    for name, how in _MERGED:
        if name in kept:
            values[name] = stored.get(name)
        elif how is _FIRST:  # the first ranked record that has a value
            for record, source_id in records:
                value = record.get(name)
                if value not in EMPTY:
                    values[name], winners[name] = value, source_id
                    break
            else:
                values[name] = None
        elif how is _UNION:
            union: list[Any] = []
            for record, source_id in records:
                items = record.get(name)
                if items:
                    for item in items:
                        if item not in union:
                            union.append(item)
                    if name not in winners:
                        winners[name] = source_id
            values[name] = union
        elif how is _OFFERS:  # every record's offers, each once (``_offers``)
            values[name], winner = merge_offers(ranked)
            if winner is not None:
                winners[name] = winner
        elif how is _LATEST:  # the venue is as recent as its most recent record
            best = max(ranked, key=lambda c: c.date_maj)
            values[name], winners[name] = best.values.get(name), best.source_id
    for group in GROUPS:
        if any(name in locked for name in group) and current is not None:
            for name in group:
                values[name] = current.get(name)
            continue
        leader = _leader(ranked, group)
        for name in group:
            values[name] = leader.values.get(name) if leader else None
            if leader and not _empty(values[name]):
                winners[name] = leader.source_id
    flags: list[dict[str, Any]] = []
    for c in ranked:
        for flag in c.values.get("flags") or ():
            if flag not in flags:
                flags.append(flag)
    values["flags"] = flags or None
    return Merged(values, winners)
