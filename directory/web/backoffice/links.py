# SPDX-License-Identifier: Apache-2.0
"""One-time links to choose a password: their address, and the mailer that may carry them (shared by
the accounts page and ``directory users``)."""

from __future__ import annotations

from directory.config import Settings
from directory.curation import Mailer

__all__ = ["PASSWORD_PATH", "mailer_for", "password_url"]

#: Where a one-time link leads (the ``gestion_password`` route).
PASSWORD_PATH = "/gestion/mot-de-passe/{token}"


def password_url(base_url: str, token: str) -> str:
    """The whole link, on the instance's public address ``base_url``."""
    return base_url.rstrip("/") + PASSWORD_PATH.format(token=token)


def mailer_for(settings: Settings) -> Mailer | None:
    """The instance's mailer, or None without SMTP."""
    if not settings.smtp_url:
        return None
    return Mailer(settings.smtp_url, settings.mail_from or "annuaire@localhost")
