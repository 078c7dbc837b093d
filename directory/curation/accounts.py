# SPDX-License-Identifier: Apache-2.0
"""Accounts of the back office: who may sign in, with which role, and how.

- An account is made without a password (``add_account``); its person chooses one through a one-time
  link (``issue_link``, printed by ``directory users add`` and ``users reset``, or sent by e-mail when
  SMTP is configured), which works once and expires (``LINK_LIFETIME``).
- Signing in (``authenticate``) is throttled per account and per address, with the failures kept in
  the store so that every worker of the server sees them; an unknown login and a wrong password get
  the same answer, in the same time.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from directory.places import Gazetteer
from directory.store import Account, AccountExists, Store

from .passwords import check_strength, hash_password, verify_password
from .scope import parse_territory

__all__ = [
    "LINK_LIFETIME",
    "ROLES",
    "InvalidAccount",
    "SignInRefused",
    "TooManyAttempts",
    "add_account",
    "authenticate",
    "change_account",
    "choose_password",
    "disable_account",
    "issue_link",
]

#: Roles, as named to people.
ROLES = {"admin": "administrateur", "animateur": "animateur de réseau", "structure": "gestionnaire de structure"}
LINK_LIFETIME = timedelta(hours=72)
#: Failed sign-ins allowed in ``WINDOW`` before the account, or the address, must wait.
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW = timedelta(minutes=15)

_LOGIN = re.compile(r"[a-z0-9][a-z0-9._-]{1,79}", re.ASCII)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class InvalidAccount(ValueError):
    """The account cannot be made as asked; the message says why, in French."""


class SignInRefused(PermissionError):
    """Wrong login or password, or a disabled account (the person is not told which)."""


class TooManyAttempts(PermissionError):
    """Too many failed sign-ins lately, for this account or from this address."""

    def __init__(self, retry_after: timedelta) -> None:
        minutes = max(1, round(retry_after.total_seconds() / 60))
        super().__init__(
            f"Trop de tentatives de connexion. Réessayez dans {minutes} minute{'s' if minutes > 1 else ''}."
        )
        self.retry_after = retry_after


def add_account(
    store: Store,
    login: str,
    name: str,
    role: str,
    *,
    email: str | None = None,
    territories: Sequence[str] = (),
    venues: Sequence[str] = (),
    places: Gazetteer,
    actor: str,
    at: datetime,
) -> Account:
    """A new account (without a password: give its person ``issue_link``).

    :raises InvalidAccount: bad login or role, an animator without territory, an unknown territory or
        venue, a login already taken. (A structure's manager may start without venue: they ask for
        theirs, ``store.claims``.)
    """
    if not _LOGIN.fullmatch(login):
        raise InvalidAccount(
            f"« {login} » : l'identifiant compte 2 à 80 caractères : minuscules sans accent, chiffres, « . », « _ » ou « - »."
        )
    if role not in ROLES:
        raise InvalidAccount(f"« {role} » : rôle inconnu (admin, animateur ou structure).")
    email = (email or "").strip() or None
    if email is not None and not _EMAIL.fullmatch(email):
        raise InvalidAccount(f"« {email} » n'est pas une adresse électronique.")
    territories, venues = _checked_scope(store, role, territories, venues, places)
    try:
        return store.accounts.add(
            login, name.strip() or login, role, email=email, territories=territories, venues=venues, actor=actor, at=at
        )
    except AccountExists as err:
        raise InvalidAccount(f"L'identifiant « {login} » est déjà pris.") from err


def change_account(
    store: Store,
    login: str,
    *,
    role: str,
    territories: Sequence[str],
    venues: Sequence[str],
    places: Gazetteer,
    actor: str,
    at: datetime,
) -> Account:
    """What an account may do from now on (its event names the old and new values).

    :raises InvalidAccount: as ``add_account``.
    :raises directory.store.UnknownAccount:
    """
    if role not in ROLES:
        raise InvalidAccount(f"« {role} » : rôle inconnu (admin, animateur ou structure).")
    territories, venues = _checked_scope(store, role, territories, venues, places)
    return store.accounts.update(login, actor=actor, at=at, role=role, territories=territories, venues=venues)


def _checked_scope(
    store: Store, role: str, territories: Sequence[str], venues: Sequence[str], places: Gazetteer
) -> tuple[list[str], list[str]]:
    try:
        territories = list(dict.fromkeys(parse_territory(t, places) for t in territories))
    except ValueError as err:
        raise InvalidAccount(str(err)) from err
    if role == "animateur" and not territories:
        raise InvalidAccount("Un animateur répond d'au moins un territoire.")
    unknown = [v for v in venues if store.get_venue(v) is None]
    if unknown:
        raise InvalidAccount(f"Lieu(x) inconnu(s) : {', '.join(unknown)}.")
    return territories, list(dict.fromkeys(venues))


def issue_link(store: Store, login: str, *, actor: str, at: datetime) -> str:
    """A new one-time token for ``login`` to choose a password (any earlier one stops working).

    :raises directory.store.UnknownAccount:
    """
    token = secrets.token_urlsafe(32)
    store.accounts.set_token(login, token, at + LINK_LIFETIME, actor=actor, at=at)
    return token


def choose_password(store: Store, token: str, password: str, *, at: datetime) -> Account:
    """The person of a one-time link sets their password; the link is spent, older sessions end.

    :raises SignInRefused: the link is unknown, used or expired.
    :raises directory.curation.WeakPassword: the password is refused.
    """
    account = store.accounts.by_token(token, at)
    if account is None:
        raise SignInRefused("Ce lien n'est plus valable : demandez-en un nouveau à un administrateur.")
    check_strength(password, account.login)
    store.accounts.set_password(account.login, hash_password(password), actor=account.login, at=at)
    fresh = store.accounts.get(account.login)
    assert fresh is not None
    return fresh


def authenticate(store: Store, login: str, password: str, *, address: str, at: datetime) -> Account:
    """The account, when the login and password are right and neither it nor the address is throttled.

    :raises TooManyAttempts: before checking anything, when too many failures were recent.
    :raises SignInRefused: wrong login or password, disabled account or no password chosen yet.
    """
    keys = (f"login:{login.strip().lower()[:80]}", f"addr:{address[:120]}")
    since = at - WINDOW
    book = store.accounts
    if (
        book.failures_since(keys[0], since) >= MAX_FAILURES_PER_ACCOUNT
        or book.failures_since(keys[1], since) >= MAX_FAILURES_PER_ADDRESS
    ):
        raise TooManyAttempts(WINDOW)
    account = book.get(login.strip().lower())
    ok, rehash = verify_password(account.password_hash if account else None, password)
    if account is None or not ok or not account.active:
        book.add_failure(keys, at)
        raise SignInRefused("Identifiant ou mot de passe incorrect.")
    if rehash:
        book.rehash(account.login, hash_password(password))
    book.clear_failures(keys[0], older_than=since)
    book.signed_in(account.login, at)
    return account


def disable_account(store: Store, login: str, *, actor: str, at: datetime) -> None:
    """The account can no longer sign in; its open sessions end at their next request."""
    store.accounts.set_active(login, False, actor=actor, at=at)
