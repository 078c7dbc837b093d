# SPDX-License-Identifier: Apache-2.0
"""A structure's manager asks to answer for a venue (a *claim*); an administrator, or an animator
whose territory holds the venue, approves it (the venue joins the account's) or refuses it.

Claims are kept whatever their outcome: who asked, why, who decided, when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ._accounts import AccountBook
from ._bulk import inserted_pk
from ._scope import Scope
from .tables import claim_t, venue_t

__all__ = ["Claim", "ClaimBook", "ClaimClosed"]


class ClaimClosed(ValueError):
    """The claim is unknown, or was decided already."""


@dataclass(frozen=True, slots=True)
class Claim:
    pk: int
    login: str
    venue_id: str
    venue_name: str
    commune: str
    message: str
    status: str  # open | approved | refused
    created_at: datetime
    decided_by: str | None
    reason: str | None
    decided_at: datetime | None


class ClaimBook:
    """``Store.claims``: each method is one transaction."""

    def __init__(self, engine: sa.Engine, accounts: AccountBook) -> None:
        self.engine = engine
        self.accounts = accounts

    def ask(self, login: str, venue_id: str, message: str, at: datetime) -> Claim:
        """A new open claim (an open one for the same venue and account is returned as it is)."""
        with self.engine.begin() as c:
            found = c.execute(
                sa.select(claim_t.c.pk).where(
                    claim_t.c.login == login, claim_t.c.venue_id == venue_id, claim_t.c.status == "open"
                )
            ).scalar()
            if found is None:
                found = inserted_pk(
                    c.execute(
                        claim_t.insert().values(
                            login=login, venue_id=venue_id, message=message, status="open", created_at=at
                        )
                    )
                )
        (claim,) = self.list(pks=[found], status=None)
        return claim

    def list(
        self,
        *,
        status: str | None = "open",
        scope: Scope | None = None,
        login: str | None = None,
        pks: list[int] | None = None,
        limit: int = 500,
    ) -> list[Claim]:
        """Claims, oldest first; ``scope``: only of venues in it (who may decide them)."""
        query = (
            sa.select(claim_t, venue_t.c.nom, venue_t.c.commune)
            .join(venue_t, venue_t.c.id == claim_t.c.venue_id)
            .order_by(claim_t.c.created_at, claim_t.c.pk)
            .limit(limit)
        )
        if status is not None:
            query = query.where(claim_t.c.status == status)
        if scope is not None:
            query = query.where(scope.clause(venue_t))
        if login is not None:
            query = query.where(claim_t.c.login == login)
        if pks is not None:
            query = query.where(claim_t.c.pk.in_(pks))
        with self.engine.connect() as c:
            return [
                Claim(
                    r.pk,
                    r.login,
                    r.venue_id,
                    r.nom,
                    r.commune,
                    r.message,
                    r.status,
                    r.created_at,
                    r.decided_by,
                    r.reason,
                    r.decided_at,
                )
                for r in c.execute(query)
            ]

    def decide(self, pk: int, approve: bool, *, actor: str, at: datetime, reason: str | None = None) -> Claim:
        """Approve (the venue joins the account's venues, an event of the accounts' history names
        ``actor``) or refuse.

        :raises ClaimClosed: no open claim has this number.
        """
        with self.engine.begin() as c:
            done = c.execute(
                claim_t.update()
                .where(claim_t.c.pk == pk, claim_t.c.status == "open")
                .values(status="approved" if approve else "refused", decided_by=actor, reason=reason, decided_at=at)
            ).rowcount
        if not done:
            raise ClaimClosed(pk)
        (claim,) = self.list(pks=[pk], status=None)
        if approve:
            account = self.accounts.get(claim.login)
            if account is not None and claim.venue_id not in account.venues:
                self.accounts.update(claim.login, actor=actor, at=at, venues=[*account.venues, claim.venue_id])
        return claim
