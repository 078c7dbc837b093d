# SPDX-License-Identifier: Apache-2.0
"""Withdrawals a complete run held back because it looked suspect (``harvest.withdrawals``): what it
would have withdrawn is kept (``withdrawal_hold``), until a person confirms it — the records are
withdrawn as ``--confirmer-retraits`` would have (``Writer.withdraw_missing``), in their name — or
keeps the venues. A later run of the source that reaches the same choice supersedes the hold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ._bulk import chunks
from ._models import RowValues
from ._scope import Scope
from ._writer_base import WriterBase
from .tables import hold_t, link_t, run_t, source_t, state_t, venue_t

__all__ = ["HeldVenue", "HeldWithdrawal", "HeldWithdrawalsMixin", "HoldBook", "HoldClosed", "UnknownHold"]

#: Why a run was held: fewer records than half the last complete run, none usable, too large a share leaving.
REASONS = ("fewer", "unusable", "share")


class UnknownHold(LookupError):
    """No held withdrawal has this number."""


class HoldClosed(ValueError):
    """The held withdrawal was already confirmed, kept or superseded by a later run; the message says which."""


@dataclass(frozen=True, slots=True)
class HeldVenue:
    """A venue a held withdrawal concerns: ``stays`` when another record (of any source) still feeds it."""

    id: str
    nom: str
    commune: str | None
    code_insee: str | None
    stays: bool


@dataclass(frozen=True, slots=True)
class HeldWithdrawal:
    pk: int
    source_id: str
    source_name: str
    run_id: int
    run_kind: str  # harvest | import
    held_at: datetime
    reason: str
    fetched: int  # records the run read
    previous: int | None  # records the last complete run read
    live: int  # the source's records feeding the directory before the run
    leaving: int  # those the run would have withdrawn
    status: str
    decided_by: str | None
    decided_at: datetime | None
    venues: tuple[HeldVenue, ...]  # the active venues its records feed, withdrawn ones first, by name

    def within(self, scope: Scope) -> bool:
        """Every venue it concerns is in ``scope``: the person may decide it."""
        return all(scope.contains(v.id, v.code_insee) for v in self.venues)

    def touches(self, scope: Scope) -> bool:
        return any(scope.contains(v.id, v.code_insee) for v in self.venues)


class HeldWithdrawalsMixin(WriterBase):
    """``Writer``'s part: keep what a run held back, and a person's decision on it."""

    def hold_withdrawals(
        self,
        source_id: str,
        run_id: int,
        at: datetime,
        *,
        reason: str,
        fetched: int,
        previous: int | None,
        live: int,
        records: Sequence[str],
    ) -> int:
        """Keep what run ``run_id`` (at ``at``) would have withdrawn; it supersedes the source's open hold."""
        if reason not in REASONS:
            raise ValueError(f"unknown reason for a hold: {reason}")
        self.supersede_holds(source_id)
        return int(
            self.c.execute(
                hold_t.insert()
                .values(
                    source_id=source_id,
                    run_id=run_id,
                    held_at=at,
                    reason=reason,
                    fetched=fetched,
                    previous=previous,
                    live=live,
                    records=list(records),
                    status="open",
                )
                .returning(hold_t.c.pk)
            ).scalar_one()
        )

    def supersede_holds(self, source_id: str) -> None:
        """A later run decided again what the source lacks: its open hold no longer stands."""
        self.c.execute(
            hold_t.update()
            .where(hold_t.c.source_id == source_id, hold_t.c.status == "open")
            .values(status="superseded")
        )

    def confirm_hold(self, pk: int, actor: str, at: datetime) -> list[str]:
        """The source really lost these venues: its records are withdrawn as the run would have with
        ``--confirmer-retraits`` (a record the source gave again since stays), in ``actor``'s name,
        and the run becomes the source's reference (its last complete run).

        :returns: the ids of the venues withdrawn.
        :raises UnknownHold, HoldClosed: no such hold, or already decided.
        """
        row = self._open_hold(pk)
        source_id = row["source_id"]
        withdrawn = self.withdraw_missing(
            source_id, set(), at, seen_since=row["held_at"], only=set(row["records"]), actor=actor
        )
        self._close_hold(pk, "confirmed", actor, at)
        self.c.execute(
            state_t.update()
            .where(state_t.c.source_id == source_id)
            .values(last_complete_run_id=row["run_id"], last_complete_count=row["fetched"])
        )
        return withdrawn

    def keep_hold(self, pk: int, actor: str, at: datetime) -> None:
        """The venues stay; the next run compares the source with its last complete run again.

        :raises UnknownHold, HoldClosed: no such hold, or already decided.
        """
        self._open_hold(pk)
        self._close_hold(pk, "kept", actor, at)

    def _open_hold(self, pk: int) -> RowValues:
        row = self.c.execute(sa.select(hold_t).where(hold_t.c.pk == pk)).mappings().first()
        if row is None:
            raise UnknownHold(pk)
        if row["status"] != "open":
            said = {"confirmed": "confirmés", "kept": "écartés (les lieux restent)", "superseded": "remplacés"}
            by = " par une moisson plus récente" if row["status"] == "superseded" else f" par {row['decided_by']}"
            raise HoldClosed(f"ces retraits ont déjà été {said.get(row['status'], row['status'])}{by}")
        return row

    def _close_hold(self, pk: int, status: str, actor: str, at: datetime) -> None:
        self.c.execute(hold_t.update().where(hold_t.c.pk == pk).values(status=status, decided_by=actor, decided_at=at))


class HoldBook:
    """Read access to held withdrawals (``store.holds``)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def find(self, scope: Scope, *, status: str | None = "open", limit: int = 50) -> list[HeldWithdrawal]:
        """Held withdrawals concerning a venue of ``scope``, newest first (``status`` None: any)."""
        query = sa.select(hold_t).order_by(hold_t.c.held_at.desc(), hold_t.c.pk.desc())
        if status is not None:
            query = query.where(hold_t.c.status == status)
        with self.engine.connect() as c:
            found = []
            for row in c.execute(query).mappings().all():
                held = _held(c, row)
                if held.touches(scope):
                    found.append(held)
                    if len(found) == limit:
                        break
            return found

    def get(self, pk: int) -> HeldWithdrawal | None:
        with self.engine.connect() as c:
            row = c.execute(sa.select(hold_t).where(hold_t.c.pk == pk)).mappings().first()
            return None if row is None else _held(c, row)


def _held(c: sa.Connection, row: RowValues) -> HeldWithdrawal:
    records: list[str] = list(row["records"] or ())
    source_id = row["source_id"]
    name = c.execute(sa.select(source_t.c.name).where(source_t.c.id == source_id)).scalar()
    kind = c.execute(sa.select(run_t.c.kind).where(run_t.c.id == row["run_id"])).scalar()
    return HeldWithdrawal(
        pk=row["pk"],
        source_id=source_id,
        source_name=name or source_id,
        run_id=row["run_id"],
        run_kind=kind or "harvest",
        held_at=row["held_at"],
        reason=row["reason"],
        fetched=row["fetched"],
        previous=row["previous"],
        live=row["live"],
        leaving=len(records),
        status=row["status"],
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        venues=_venues(c, source_id, records),
    )


def _venues(c: sa.Connection, source_id: str, records: list[str]) -> tuple[HeldVenue, ...]:
    """The active venues these records of ``source_id`` feed, and whether another record feeds each."""
    by_pk: dict[int, RowValues] = {}
    for chunk in chunks(records, 500):
        for r in c.execute(
            sa.select(venue_t.c.pk, venue_t.c.id, venue_t.c.nom, venue_t.c.commune, venue_t.c.code_insee)
            .join(link_t, link_t.c.venue_pk == venue_t.c.pk)
            .where(link_t.c.source_id == source_id, link_t.c.record_id.in_(chunk), venue_t.c.status == "active")
        ).mappings():
            by_pk[r["pk"]] = r
    held = set(records)
    fed: set[int] = set()
    for chunk in chunks(sorted(by_pk), 500):
        for pk, other_source, record_id in c.execute(
            sa.select(link_t.c.venue_pk, link_t.c.source_id, link_t.c.record_id).where(
                link_t.c.venue_pk.in_(chunk), link_t.c.withdrawn_at.is_(None), link_t.c.record.is_not(None)
            )
        ):
            if other_source != source_id or record_id not in held:
                fed.add(pk)
    venues = [HeldVenue(r["id"], r["nom"], r["commune"], r["code_insee"], pk in fed) for pk, r in by_pk.items()]
    return tuple(sorted(venues, key=lambda v: (v.stays, v.nom.casefold(), v.id)))
