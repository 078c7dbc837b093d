# SPDX-License-Identifier: Apache-2.0
"""One venue from several records: which value wins, field by field.

Order of precedence: a curator's locked value; then the most trusted source;
then the most recently updated record (``date_maj``); then source and record
ids, so the same inputs always give the same venue. List fields are the union
of every record's values, in that same order. Fields that only make sense
together (the point; the address) are taken together from one record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from directory.schema import LIST_VOCABULARIES, VENUE_FIELDS

__all__ = ["Contribution", "Merged", "merge_records", "GROUPS"]

_LIST_FIELDS = frozenset(LIST_VOCABULARIES) | {"courriels", "site_web"}

#: Fields taken together from the first record that has the leading one.
GROUPS: tuple[tuple[str, ...], ...] = (
    ("latitude", "longitude", "geo_method"),
    ("adresse", "complement_adresse", "code_postal", "commune", "code_insee"),
)
_GROUPED = {name for group in GROUPS for name in group}


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
    return value is None or value == "" or value == []


def _rank(contributions: Sequence[Contribution]) -> list[Contribution]:
    ordered = sorted(contributions, key=lambda c: (c.source_id, c.record_id))
    ordered.sort(key=lambda c: c.date_maj, reverse=True)
    ordered.sort(key=lambda c: c.trust, reverse=True)
    return ordered


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
    values: dict[str, Any] = {}
    winners: dict[str, str] = {}
    fields = [name for name in VENUE_FIELDS if name != "id"] + ["geo_method"]
    for name in fields:
        if name in locked and current is not None:
            values[name] = current.get(name)
            continue
        if name in _GROUPED:
            continue
        if name in _LIST_FIELDS:
            union: list[Any] = []
            for c in ranked:
                for item in c.values.get(name) or ():
                    if item not in union:
                        union.append(item)
                if c.values.get(name) and name not in winners:
                    winners[name] = c.source_id
            values[name] = union
            continue
        if name == "date_maj":  # the venue is as recent as its most recent record
            best = max(ranked, key=lambda c: c.date_maj)
            values[name], winners[name] = best.values.get(name), best.source_id
            continue
        for c in ranked:
            if not _empty(c.values.get(name)):
                values[name], winners[name] = c.values[name], c.source_id
                break
        else:
            values[name] = None
    for group in GROUPS:
        if any(name in locked for name in group) and current is not None:
            for name in group:
                values[name] = current.get(name)
            continue
        leader = next((c for c in ranked if not _empty(c.values.get(group[0]))), None)
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
