# SPDX-License-Identifier: Apache-2.0
"""What the store knows of the people who sign in to the back office: accounts, what was done to them
and by whom (``account_event``), and failed sign-ins (``login_failure``, read by throttling).

The store keeps what it is given: password hashes, the SHA-256 of a one-time link's token. Hashing,
roles and scopes are ``directory.curation``'s business.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ._models import RowValues
from .tables import account_event_t, account_t, login_failure_t

__all__ = ["Account", "AccountBook", "AccountEvent", "AccountExists", "UnknownAccount", "token_digest"]


class UnknownAccount(LookupError):
    """No account has this login (or this one-time token)."""


class AccountExists(ValueError):
    """An account already has this login."""


@dataclass(frozen=True, slots=True)
class Account:
    pk: int
    login: str
    name: str
    email: str | None
    role: str
    territories: tuple[str, ...]
    venues: tuple[str, ...]
    password_hash: str | None
    active: bool
    session_version: int
    token_expires_at: datetime | None
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True, slots=True)
class AccountEvent:
    seq: int
    at: datetime
    login: str
    actor: str
    action: str
    details: dict[str, Any]


def token_digest(token: str) -> str:
    """What is stored of a one-time token: enough to recognise it, useless to whoever reads the database."""
    return hashlib.sha256(token.encode()).hexdigest()


def _account(row: RowValues) -> Account:
    return Account(
        pk=row["pk"],
        login=row["login"],
        name=row["name"],
        email=row["email"],
        role=row["role"],
        territories=tuple(row["territories"] or ()),
        venues=tuple(row["venues"] or ()),
        password_hash=row["password_hash"],
        active=row["active"],
        session_version=row["session_version"],
        token_expires_at=row["token_expires_at"],
        created_at=row["created_at"],
        last_login_at=row["last_login_at"],
    )


class AccountBook:
    """``Store.accounts``: each method is one transaction."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    # -- reading -------------------------------------------------------------

    def get(self, login: str) -> Account | None:
        with self.engine.connect() as c:
            row = c.execute(sa.select(account_t).where(account_t.c.login == login)).mappings().first()
        return _account(row) if row else None

    def all(self) -> list[Account]:
        with self.engine.connect() as c:
            rows = c.execute(sa.select(account_t).order_by(account_t.c.login)).mappings().all()
        return [_account(r) for r in rows]

    def by_token(self, token: str, now: datetime) -> Account | None:
        """The active account whose one-time link carries ``token``, if it has not expired."""
        with self.engine.connect() as c:
            row = (
                c.execute(
                    sa.select(account_t).where(
                        account_t.c.token_hash == token_digest(token), account_t.c.active.is_(True)
                    )
                )
                .mappings()
                .first()
            )
        if row is None or row["token_expires_at"] is None or _aware(row["token_expires_at"]) < now:
            return None
        return _account(row)

    def events(self, login: str | None = None, limit: int = 200) -> list[AccountEvent]:
        """What was done to accounts (or to this one), newest first."""
        query = sa.select(account_event_t).order_by(account_event_t.c.seq.desc()).limit(limit)
        if login is not None:
            query = query.where(account_event_t.c.login == login)
        with self.engine.connect() as c:
            return [
                AccountEvent(r.seq, r.at, r.login, r.actor, r.action, dict(r.details or {})) for r in c.execute(query)
            ]

    # -- writing -------------------------------------------------------------

    def add(
        self,
        login: str,
        name: str,
        role: str,
        *,
        email: str | None = None,
        territories: Sequence[str] = (),
        venues: Sequence[str] = (),
        actor: str,
        at: datetime,
    ) -> Account:
        """A new account, without a password until its one-time link is used.

        :raises AccountExists: the login is taken.
        """
        with self.engine.begin() as c:
            if c.execute(sa.select(account_t.c.pk).where(account_t.c.login == login)).first():
                raise AccountExists(login)
            c.execute(
                account_t.insert().values(
                    login=login,
                    name=name,
                    email=email,
                    role=role,
                    territories=list(territories),
                    venues=list(venues),
                    active=True,
                    session_version=0,
                    created_at=at,
                    updated_at=at,
                )
            )
            details = {"role": role, "territoires": list(territories), "lieux": list(venues)}
            _event(c, login, actor, "create", at, details)
        account = self.get(login)
        assert account is not None
        return account

    def update(
        self,
        login: str,
        *,
        actor: str,
        at: datetime,
        role: str | None = None,
        name: str | None = None,
        email: str | None = None,
        territories: Sequence[str] | None = None,
        venues: Sequence[str] | None = None,
    ) -> Account:
        """Change what an account may do; the event names each field with its old and new value."""
        before = self._require(login)
        wanted = {
            "role": role,
            "name": name,
            "email": email,
            "territories": list(territories) if territories is not None else None,
            "venues": list(venues) if venues is not None else None,
        }
        old = {
            "role": before.role,
            "name": before.name,
            "email": before.email,
            "territories": list(before.territories),
            "venues": list(before.venues),
        }
        changes = {k: v for k, v in wanted.items() if v is not None and v != old[k]}
        if changes:
            with self.engine.begin() as c:
                c.execute(account_t.update().where(account_t.c.login == login).values(updated_at=at, **changes))
                _event(c, login, actor, "update", at, {k: {"avant": old[k], "après": v} for k, v in changes.items()})
        return self._require(login)

    def set_token(self, login: str, token: str, expires_at: datetime, *, actor: str, at: datetime) -> None:
        """A one-time link to choose a (new) password; it replaces any earlier one."""
        self._require(login)
        with self.engine.begin() as c:
            c.execute(
                account_t.update()
                .where(account_t.c.login == login)
                .values(token_hash=token_digest(token), token_expires_at=expires_at, updated_at=at)
            )
            _event(c, login, actor, "reset", at, {"expire": expires_at.isoformat()})

    def set_password(self, login: str, password_hash: str, *, actor: str, at: datetime) -> None:
        """A new password: the one-time link is spent and every open session of the account ends."""
        self._require(login)
        with self.engine.begin() as c:
            c.execute(
                account_t.update()
                .where(account_t.c.login == login)
                .values(
                    password_hash=password_hash,
                    token_hash=None,
                    token_expires_at=None,
                    updated_at=at,
                    session_version=account_t.c.session_version + 1,
                )
            )
            _event(c, login, actor, "password", at, {})

    def rehash(self, login: str, password_hash: str) -> None:
        """The same password under stronger hashing parameters (not an event: nothing changed for anyone)."""
        with self.engine.begin() as c:
            c.execute(account_t.update().where(account_t.c.login == login).values(password_hash=password_hash))

    def set_active(self, login: str, active: bool, *, actor: str, at: datetime) -> None:
        """Disable (every session ends, the one-time link dies) or enable an account."""
        self._require(login)
        values: dict[str, Any] = {"active": active, "updated_at": at}
        if not active:
            values.update(session_version=account_t.c.session_version + 1, token_hash=None, token_expires_at=None)
        with self.engine.begin() as c:
            c.execute(account_t.update().where(account_t.c.login == login).values(**values))
            _event(c, login, actor, "enable" if active else "disable", at, {})

    def signed_in(self, login: str, at: datetime) -> None:
        with self.engine.begin() as c:
            c.execute(account_t.update().where(account_t.c.login == login).values(last_login_at=at))
            _event(c, login, login, "login", at, {})

    # -- throttling ----------------------------------------------------------

    def add_failure(self, keys: Sequence[str], at: datetime) -> None:
        with self.engine.begin() as c:
            c.execute(login_failure_t.insert(), [{"key": key, "at": at} for key in keys])

    def failures_since(self, key: str, since: datetime) -> int:
        with self.engine.connect() as c:
            return c.execute(
                sa.select(sa.func.count()).where(login_failure_t.c.key == key, login_failure_t.c.at >= since)
            ).scalar_one()

    def clear_failures(self, key: str, *, older_than: datetime | None = None) -> None:
        """Forget the failures of ``key`` (a successful sign-in), and everybody's older than ``older_than``."""
        with self.engine.begin() as c:
            c.execute(login_failure_t.delete().where(login_failure_t.c.key == key))
            if older_than is not None:
                c.execute(login_failure_t.delete().where(login_failure_t.c.at < older_than))

    def _require(self, login: str) -> Account:
        account = self.get(login)
        if account is None:
            raise UnknownAccount(login)
        return account


def _event(c: sa.Connection, login: str, actor: str, action: str, at: datetime, details: Mapping[str, Any]) -> None:
    c.execute(
        account_event_t.insert().values(login=login, actor=actor, action=action, at=at, details=dict(details) or None)
    )


def _aware(value: datetime) -> datetime:
    """SQLite gives back naive datetimes for what was written in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
