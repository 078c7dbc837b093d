# SPDX-License-Identifier: Apache-2.0
"""``Writer``'s part for a person's decisions on what is one venue: merge two venues, split one.

Every decision is stored on a pair of records (``match_decision``, ``source:record`` keys): harvests
keep a known record's venue (its link) and matching consults decisions for new records, so neither
a merge nor a split is ever undone by a harvest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from directory.schema import CommuneLookup

from ._code_points import by_code_point
from ._curation import CORRECTABLE, HELD, Curated, NotSplittable, locked_with
from ._review_pairs import feeds, record_links
from ._writer_base import WriterBase
from .tables import decision_t, link_t, prov_t, review_t

__all__ = ["Decided", "ReshapeMixin"]

_SIDES = ("survivor", "absorbed")


@dataclass(frozen=True, slots=True)
class Decided:
    """What a person's decision changed at once (nothing: the records already were as decided)."""

    merged: tuple[str, str] | None = None  # (venue absorbed, now a pointer; the venue that absorbed it)
    split: tuple[str, str, str] | None = None  # (record key that left; the venue it left; its new venue)
    unknown: tuple[str, ...] = ()  # keys naming no record of the directory yet: matching will meet the decision


class ReshapeMixin(WriterBase):
    """Merging and splitting venues, by records (the review queue) or by venues (the back office)."""

    def decide(self, left_key: str, right_key: str, decision: str, actor: str, at: datetime) -> Decided:
        """A person says two records (``source:record`` keys) are (``match``) or are not (``distinct``) one venue.

        Sticky, and applied at once: ``match`` on records feeding two venues merges them (the older
        venue, created first, absorbs the other, which stays as a pointer); ``distinct`` on records
        feeding one venue splits them: the record that joined it later (the one named second when
        both were first seen together) gets a venue of its own. Harvests keep a known record's venue
        (its link) and matching consults decisions for new records, so neither is ever undone.
        """
        if left_key == right_key:
            raise ValueError(f"a record is not a pair: {left_key}")
        links = record_links(self.c, (left_key, right_key))
        self._store_decision(left_key, right_key, decision, actor, at)
        unknown = tuple(key for key in (left_key, right_key) if key not in links)
        if unknown:
            return Decided(unknown=unknown)
        a, b = links[left_key], links[right_key]
        if not (feeds(a) and feeds(b)):
            return Decided()
        if decision == "match" and a.venue_pk != b.venue_pk:
            into, gone = sorted((a.venue_pk, b.venue_pk))
            self._absorb(gone, into, actor, at)
            return Decided(merged=(self._venue_id(gone), self._venue_id(into)))
        if decision == "distinct" and a.venue_pk == b.venue_pk:
            leaver = left_key if a.first_seen > b.first_seen else right_key
            new_id = self._detach(links[leaver], actor, at)
            return Decided(split=(leaver, self._venue_id(links[leaver].venue_pk), new_id))
        return Decided()

    def merge_venues(
        self,
        survivor_id: str,
        absorbed_id: str,
        choices: Mapping[str, str],
        actor: str,
        at: datetime,
        *,
        places: CommuneLookup | None = None,
    ) -> Curated:
        """A person merges two active venues, choosing for some fields whose value the survivor keeps.

        Every record of ``absorbed_id`` moves to ``survivor_id``, merged again; the absorbed venue
        stays as a pointer (its id keeps resolving, ``merged_into``); a ``match`` decision on a pair
        of their records keeps harvests from undoing it. ``choices`` maps a field to ``survivor`` or
        ``absorbed``: the absorbed venue's value (with its group: an address or a point is taken
        whole) is set and locked as a correction by ``actor``; a field left to the survivor keeps
        its value, locked only if the merge changed it.

        :returns: the survivor, the fields locked, every field changed.
        :raises UnknownVenue: either is not an active venue.
        :raises UnknownField: a choice names a field a person may not correct.
        :raises ValueError: the same venue twice, or a choice other than survivor or absorbed.
        :raises InvalidValue: the values chosen are refused together; nothing is written.
        """
        if survivor_id == absorbed_id:
            raise ValueError(f"un lieu ne se fusionne pas avec lui-même : {survivor_id}")
        keep, gone = self._active_row(survivor_id), self._active_row(absorbed_id)
        wanted: dict[str, Any] = {}
        taken: list[str] = []
        for field, side in choices.items():
            if side not in _SIDES:
                raise ValueError(f"choix inconnu pour {field} : {side} (survivor ou absorbed)")
            group = locked_with(field)
            wanted.update({member: (gone if side == "absorbed" else keep)[member] for member in group})
            if side == "absorbed":
                taken += [member for member in group if member in CORRECTABLE]
        pair = (self._first_record(keep["pk"]), self._first_record(gone["pk"]))
        if pair[0] and pair[1]:  # a venue made by hand has no record to decide on
            self._store_decision(pair[0], pair[1], "match", actor, at)
        merged = self._absorb(gone["pk"], keep["pk"], actor, at)
        extra = {name: wanted.pop(name) for name in list(wanted) if name not in CORRECTABLE}  # geo_method
        done = self._correct(self._active_row(survivor_id), wanted, actor, at, places=places, keep=taken, extra=extra)
        changed = tuple(dict.fromkeys((*merged.changed_fields, *done.changed)))
        return Curated(survivor_id, done.fields, changed, done.warnings)

    def split_record(self, venue_id: str, record_key: str, actor: str, at: datetime) -> Decided:
        """A person takes a record (``source:record``) out of an active venue: it becomes a venue of
        its own, and a ``distinct`` decision against each other record of the venue keeps it apart
        from them in every harvest to come (as « lieux différents » does).

        :raises UnknownVenue: no active venue has this id.
        :raises NotSplittable: the record does not feed this venue, or is the only one feeding it.
        """
        row = self._active_row(venue_id)
        link = record_links(self.c, [record_key]).get(record_key)
        if link is None or link.venue_pk != row["pk"] or not feeds(link):
            raise NotSplittable(f"la fiche {record_key} ne décrit pas le lieu {venue_id}")
        others = [
            (f"{r.source_id}:{r.record_id}", r.withdrawn_at is None)
            for r in self.c.execute(
                sa.select(link_t.c.source_id, link_t.c.record_id, link_t.c.withdrawn_at)
                .where(link_t.c.venue_pk == row["pk"])
                .order_by(by_code_point(link_t.c.source_id), by_code_point(link_t.c.record_id))
            )
            if f"{r.source_id}:{r.record_id}" != record_key
        ]
        held = self.c.execute(
            sa.select(prov_t.c.locked).where(prov_t.c.venue_pk == row["pk"], prov_t.c.field == HELD)
        ).scalar()
        if not any(live for _, live in others) and not held:
            raise NotSplittable(f"la fiche {record_key} est la seule qui décrit le lieu {venue_id} : rien à séparer")
        for other, _ in others:
            self._store_decision(record_key, other, "distinct", actor, at)
        return Decided(split=(record_key, venue_id, self._detach(link, actor, at)))

    # -- shared ------------------------------------------------------------------

    def _store_decision(self, left_key: str, right_key: str, decision: str, actor: str, at: datetime) -> None:
        left, right = sorted((left_key, right_key))
        self.c.execute(decision_t.delete().where(decision_t.c.left_key == left, decision_t.c.right_key == right))
        self.c.execute(
            decision_t.insert().values(left_key=left, right_key=right, decision=decision, actor=actor, at=at)
        )
        self.c.execute(
            review_t.update().where(review_t.c.left_key == left, review_t.c.right_key == right).values(status="decided")
        )

    def _absorb(self, gone: int, into: int, actor: str, at: datetime) -> Any:
        """Venue ``gone``'s records move to ``into``, merged again; ``gone`` becomes a pointer."""
        # withdrawn records move too: one that comes back must join the survivor, not revive the pointer
        self.c.execute(link_t.update().where(link_t.c.venue_pk == gone).values(venue_pk=into))
        merged = self._remerge({into}, None, at, actor)[into]
        self._redirect(gone, into, None, at, actor)
        return merged

    def _detach(self, link: sa.Row[Any], actor: str, at: datetime) -> str:
        """The record of ``link`` leaves its venue (merged again) for a new one of its own: its id."""
        ((new_id, new_pk, _),) = self._new_venues(link.source_id, [link.record], at, actor)
        self.c.execute(
            link_t.update()
            .where(link_t.c.source_id == link.source_id, link_t.c.record_id == link.record_id)
            .values(venue_pk=new_pk)
        )
        self._remerge({link.venue_pk}, None, at, actor)
        return new_id

    def _first_record(self, pk: int) -> str | None:
        """The key of a record of this venue, a live one first (None: a venue made by hand)."""
        row = self.c.execute(
            sa.select(link_t.c.source_id, link_t.c.record_id)
            .where(link_t.c.venue_pk == pk)
            .order_by(
                link_t.c.withdrawn_at.is_not(None), by_code_point(link_t.c.source_id), by_code_point(link_t.c.record_id)
            )
            .limit(1)
        ).first()
        return f"{row.source_id}:{row.record_id}" if row else None
