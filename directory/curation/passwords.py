# SPDX-License-Identifier: Apache-2.0
"""Passwords hashed with Argon2id (argon2-cffi's defaults, RFC 9106's second recommended profile)."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["MIN_PASSWORD_LENGTH", "WeakPassword", "check_strength", "hash_password", "verify_password"]

#: ANSSI's guidance for a password alone, without a second factor: 12 characters at least.
MIN_PASSWORD_LENGTH = 12
_MAX_PASSWORD_LENGTH = 1024  # hashing megabytes of « password » is a cheap denial of service

_hasher = PasswordHasher()
#: Verified when the login is unknown, so that a wrong login costs the time a wrong password does.
_DUMMY_HASH = _hasher.hash("ceci n'est le mot de passe de personne")


class WeakPassword(ValueError):
    """The password is refused; the message says why, in French."""


def check_strength(password: str, login: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères.")
    if len(password) > _MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"Le mot de passe doit compter au plus {_MAX_PASSWORD_LENGTH} caractères.")
    if login.casefold() in password.casefold():
        raise WeakPassword("Le mot de passe ne doit pas contenir l'identifiant.")
    if len(set(password)) < 5:
        raise WeakPassword("Le mot de passe répète trop peu de caractères différents.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> tuple[bool, bool]:
    """(the password is right, its hash should be made again with today's parameters)."""
    if stored is None or len(password) > _MAX_PASSWORD_LENGTH:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password[:_MAX_PASSWORD_LENGTH] + "\0")
        return False, False
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False, False
    return True, _hasher.check_needs_rehash(stored)
