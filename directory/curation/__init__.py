# SPDX-License-Identifier: Apache-2.0
"""What people do to the directory, whatever the door (the back office or the command line):
accounts and roles, who answers for which venues, signing in.

The web and the CLI call these functions; the writes themselves are the store's (``Writer``).
"""

from __future__ import annotations

from .accounts import (
    LINK_LIFETIME,
    ROLES,
    InvalidAccount,
    SignInRefused,
    TooManyAttempts,
    add_account,
    authenticate,
    change_account,
    choose_password,
    disable_account,
    issue_link,
)
from .evidence import pair_evidence
from .mail import Mailer, MailFailed, link_message, send_link
from .passwords import MIN_PASSWORD_LENGTH, WeakPassword
from .scope import InvalidTerritory, parse_territory, scope_of, territory_label

__all__ = [
    "LINK_LIFETIME",
    "MIN_PASSWORD_LENGTH",
    "ROLES",
    "InvalidAccount",
    "InvalidTerritory",
    "SignInRefused",
    "TooManyAttempts",
    "WeakPassword",
    "MailFailed",
    "Mailer",
    "add_account",
    "authenticate",
    "change_account",
    "choose_password",
    "link_message",
    "send_link",
    "disable_account",
    "issue_link",
    "pair_evidence",
    "parse_territory",
    "scope_of",
    "territory_label",
]
