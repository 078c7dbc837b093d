# SPDX-License-Identifier: Apache-2.0
"""What a harvest would change in a field a person locked: a proposal, for a person to accept or reject.

A locked field keeps the person's value whatever the sources say (``_merge``); without proposals a
source's new value would go unseen. Each merge of a venue with locked fields also computes what
would win without the locks (for a list field, the union of its records); where that differs from
the locked value, the winning source proposes it. At most one proposal per field is open: the
current would-be winner's. A source that changes its value again makes its older proposal
obsolete and opens a new one; a source that comes back to the locked value, or a field given back
to the sources, makes it obsolete. A rejected value is never proposed again by that source (one
row per venue, field, source and value); when a person corrects or keeps a field, what the
sources then say of it counts as rejected by them.

The point and the address are proposed whole, under their group's first field (``latitude``,
``adresse``), their value a dict of the group's fields. A source that leaves a field empty
proposes nothing for it (absences are not news), and ``geo_method`` alone is no difference.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa

from ._bulk import insert_rows
from ._curation import CORRECTABLE, Curated, ProposalClosed, UnknownProposal, same_value
from ._merge import GROUPS, Contribution, _rank, merge_records
from ._models import jsonable
from ._param_lists import in_values, list_param
from ._writer_base import WriterBase
from .tables import proposal_t, source_t, venue_t

if TYPE_CHECKING:
    from directory.schema import CommuneLookup


__all__ = ["Candidate", "Proposal", "ProposalsMixin", "proposed", "read_proposals", "settle_proposals"]

_GROUPED = {name for group in GROUPS for name in group}
#: What a person may lock, as proposals name it: a field, or a group under its first field.
_UNITS: tuple[tuple[str, ...], ...] = (*GROUPS, *((name,) for name in CORRECTABLE if name not in _GROUPED))
_LOCKABLE = frozenset(name for unit in _UNITS for name in unit)
_DERIVED = frozenset({"geo_method"})  # travels with the point, is no news by itself
_STATUSES = ("open", "accepted", "rejected", "obsolete")
#: ``settle_proposals``' read, by dialect (``_stored``).
_STORED: dict[str, sa.Select[Any]] = {}
_WORDS = {"accepted": "acceptée", "rejected": "refusée", "obsolete": "dépassée (la source a changé depuis)"}


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the best-ranked source gives for a locked field (or group), differing from the lock."""

    field: str
    source_id: str
    record_id: str | None
    value: Any  # stored form; a dict of the group's fields for a group
    current: Any  # the locked value
    value_hash: str


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposal as the back office shows it."""

    pk: int
    venue_id: str
    venue_name: str
    field: str  # a field, or the first field of its group
    fields: tuple[str, ...]  # the fields it would set (the whole group for a point or an address)
    source_id: str
    source_name: str
    record_id: str | None
    value: Any  # what the source proposes (a dict for a group)
    current: Any  # the locked value when proposed
    status: str
    created_at: datetime
    reason: str | None = None
    actor: str | None = None
    decided_at: datetime | None = None


def value_hash(value: Any) -> str:
    return hashlib.sha256(orjson.dumps({"v": value}, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()


def fields_of(field: str) -> tuple[str, ...]:
    return next((group for group in GROUPS if group[0] == field), (field,))


def _differs(unit: tuple[str, ...], best: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    """The source brings something else: a field it fills holds another value (lists as sets)."""
    for name in unit:
        ours, theirs = current.get(name), best.get(name)
        if name in _DERIVED or same_value(theirs, None):
            continue
        if isinstance(theirs, list) and isinstance(ours, list):
            if sorted(map(str, theirs)) != sorted(map(str, ours)):
                return True
        elif not same_value(theirs, ours):
            return True
    return False


def proposed(
    contributions: Sequence[Contribution], current: Mapping[str, Any], locked: set[str] | frozenset[str]
) -> dict[str, Candidate]:
    """Field (or a group's first field) → what its best-ranked source proposes instead of the
    locked value, for each locked field where the two differ."""
    if not contributions or _LOCKABLE.isdisjoint(locked):  # most venues: nothing a person locked
        return {}
    units = [unit for unit in _UNITS if any(name in locked for name in unit)]
    best = merge_records(contributions)
    ranked = _rank(contributions)
    found: dict[str, Candidate] = {}
    for unit in units:
        lead = unit[0]
        if same_value(best.values.get(lead), None) or not _differs(unit, best.values, current):
            continue
        source_id = best.winners[lead]
        record_id = next(
            (c.record_id for c in ranked if c.source_id == source_id and not same_value(c.values.get(lead), None)), None
        )
        if len(unit) == 1:
            value, now = jsonable(best.values[lead]), jsonable(current.get(lead))
        else:
            value = {name: jsonable(best.values.get(name)) for name in unit}
            now = {name: jsonable(current.get(name)) for name in unit}
        found[lead] = Candidate(lead, source_id, record_id, value, now, value_hash(value))
    return found


def settle_proposals(
    c: sa.Connection,
    venues: Mapping[int, Mapping[str, Candidate]],
    settled: Mapping[int, set[str]],
    actor: str | None,
    reason: str | None,
    at: datetime,
) -> None:
    """Bring the proposals of these venues (pk → what their sources now propose) in step.

    :param settled: venue pk → fields a person just corrected or kept: what their sources
        propose is recorded as rejected by ``actor``, for ``reason``, instead of opened.
    """
    if not venues:
        return
    p = proposal_t.c
    known: dict[int, dict[tuple[str, str, str], sa.Row[*tuple[Any, ...]]]] = {}
    for stored in c.execute(_stored(c.dialect), {"values": list_param(c.dialect, sorted(venues))}).all():
        known.setdefault(stored.venue_pk, {})[(stored.field, stored.source_id, stored.value_hash)] = stored
    if not known and not any(venues.values()):
        return
    obsolete: list[int] = []
    reopen: list[dict[str, Any]] = []
    refuse: list[int] = []
    new: list[dict[str, Any]] = []
    for pk, candidates in venues.items():
        rows = known.get(pk, {})
        wanted = {(k.field, k.source_id, k.value_hash) for k in candidates.values()}
        obsolete += [r.pk for key, r in rows.items() if r.status == "open" and key not in wanted]
        for k in candidates.values():
            row = rows.get((k.field, k.source_id, k.value_hash))
            if k.field in settled.get(pk, ()):
                if row is None:
                    new.append(_row(pk, k, at, status="rejected", actor=actor, reason=reason, decided_at=at))
                elif row.status != "rejected":
                    refuse.append(row.pk)
            elif row is None:
                new.append(_row(pk, k, at))
            elif row.status in ("obsolete", "accepted"):  # proposed again: it is news again
                reopen.append({"b_pk": row.pk, "b_current": k.current, "b_record_id": k.record_id})
    if obsolete:
        c.execute(proposal_t.update().where(p.pk.in_(obsolete)).values(status="obsolete", decided_at=at))
    if refuse:
        c.execute(
            proposal_t.update()
            .where(p.pk.in_(refuse))
            .values(status="rejected", actor=actor, reason=reason, decided_at=at)
        )
    if reopen:
        c.execute(
            proposal_t.update()
            .where(p.pk == sa.bindparam("b_pk"))
            .values(
                status="open",
                current=sa.bindparam("b_current", type_=p.current.type),
                record_id=sa.bindparam("b_record_id"),
                created_at=at,
                actor=None,
                reason=None,
                decided_at=None,
            ),
            reopen,
        )
    insert_rows(c, proposal_t, new)


def _stored(dialect: sa.Dialect) -> sa.Select[Any]:
    """The proposals of the venues of pks ``values`` (one parameter: ``in_values``), built once per dialect."""
    if dialect.name not in _STORED:
        p = proposal_t.c
        query: sa.Select[Any] = sa.select(p.pk, p.venue_pk, p.field, p.source_id, p.value_hash, p.status)
        _STORED[dialect.name] = query.where(in_values(p.venue_pk, dialect, sa.Integer()))
    return _STORED[dialect.name]


def _row(pk: int, k: Candidate, at: datetime, status: str = "open", **decided: Any) -> dict[str, Any]:
    return {
        "venue_pk": pk,
        "field": k.field,
        "source_id": k.source_id,
        "record_id": k.record_id,
        "value": k.value,
        "current": k.current,
        "value_hash": k.value_hash,
        "status": status,
        "reason": decided.get("reason"),
        "actor": decided.get("actor"),
        "decided_at": decided.get("decided_at"),
        "created_at": at,
    }


def read_proposals(
    c: sa.Connection,
    status: str | None = "open",
    *,
    venue_ids: Sequence[str] | None = None,
    scope: sa.ColumnElement[bool] | None = None,
    pk: int | None = None,
    limit: int = 100,
) -> list[Proposal]:
    """Proposals with this status (None: any), oldest first; open ones of active venues only.

    :param venue_ids: only these venues' (a venue page).
    :param scope: only venues this clause over the ``venue`` table holds (a person's territory).
    :param pk: only this proposal.
    """
    if status is not None and status not in _STATUSES:
        raise ValueError(f"unknown proposal status: {status}")
    p = proposal_t.c
    query = (
        sa.select(proposal_t, venue_t.c.id.label("venue_id"), venue_t.c.nom, source_t.c.name.label("source_name"))
        .join(venue_t, venue_t.c.pk == p.venue_pk)
        .join(source_t, source_t.c.id == p.source_id)
        .order_by(p.created_at, p.pk)
        .limit(limit)
    )
    if status is not None:
        query = query.where(p.status == status)
    if status == "open":
        query = query.where(venue_t.c.status == "active")
    if venue_ids is not None:
        query = query.where(venue_t.c.id.in_(list(venue_ids)))
    if scope is not None:
        query = query.where(scope)
    if pk is not None:
        query = query.where(p.pk == pk)
    return [
        Proposal(
            r.pk,
            r.venue_id,
            r.nom,
            r.field,
            fields_of(r.field),
            r.source_id,
            r.source_name,
            r.record_id,
            r.value,
            r.current,
            r.status,
            r.created_at,
            r.reason,
            r.actor,
            r.decided_at,
        )
        for r in c.execute(query)
    ]


class ProposalsMixin(WriterBase):
    """``Writer``'s part: a person accepts or rejects a proposal."""

    def accept_proposal(self, pk: int, actor: str, at: datetime, *, places: CommuneLookup | None = None) -> Curated:
        """The proposed value replaces the locked one, as a correction by ``actor`` would (validated
        as in ``correct``; the lock now holds it in ``actor``'s name; the change log names them).

        :raises UnknownProposal: no proposal has this number.
        :raises ProposalClosed: it was already decided, or its venue is no longer in the directory.
        :raises InvalidValue: the value no longer passes validation; nothing is written.
        """
        row = self._open_proposal(pk)
        venue = self.c.execute(sa.select(venue_t).where(venue_t.c.pk == row.venue_pk)).mappings().one()
        if venue["status"] != "active":
            raise ProposalClosed(f"la proposition {pk} concerne un lieu qui n'est plus dans l'annuaire")
        self.c.execute(
            proposal_t.update().where(proposal_t.c.pk == pk).values(status="accepted", actor=actor, decided_at=at)
        )
        fields = fields_of(row.field)
        value = row.value if len(fields) > 1 else {row.field: row.value}
        raw = {name: value.get(name) for name in fields if name in CORRECTABLE}
        extra = {name: value.get(name) for name in fields if name not in CORRECTABLE}
        return self._correct(venue, raw, actor, at, places=places, keep=tuple(raw), extra=extra)

    def reject_proposal(self, pk: int, actor: str, at: datetime, reason: str | None = None) -> None:
        """The locked value stays; the source will not propose this value again.

        :raises UnknownProposal: no proposal has this number.
        :raises ProposalClosed: it was already decided.
        """
        self._open_proposal(pk)
        self.c.execute(
            proposal_t.update()
            .where(proposal_t.c.pk == pk)
            .values(status="rejected", actor=actor, reason=reason, decided_at=at)
        )

    def _open_proposal(self, pk: int) -> sa.Row[Any]:
        row = self.c.execute(sa.select(proposal_t).where(proposal_t.c.pk == pk)).first()
        if row is None:
            raise UnknownProposal(pk)
        if row.status != "open":
            raise ProposalClosed(f"la proposition {pk} est déjà {_WORDS.get(row.status, row.status)}")
        return row
