# SPDX-License-Identifier: Apache-2.0
"""E-mail for the back office, when the instance has an SMTP server: invitations and password links.

Nothing needs it: without SMTP, whoever makes the link (``directory users add``, an administrator on
``/gestion/comptes``) is shown it and hands it over. With SMTP, the link goes to the account's address.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from directory.store import Account

__all__ = ["MailFailed", "Mailer", "link_message", "send_link"]


class MailFailed(RuntimeError):
    """The message could not be sent; the message says why, in French."""


@dataclass(frozen=True, slots=True)
class Mailer:
    """Sends through ``url``: ``smtp://[user:password@]host[:port]`` (STARTTLS when the server offers
    it) or ``smtps://…`` (TLS from the start)."""

    url: str
    sender: str
    timeout_s: float = 10.0

    def send(self, to: str, subject: str, body: str) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise MailFailed(f"adresse du serveur de courriel invalide : {parts.scheme}://… (smtp:// ou smtps://)")
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
        try:
            client = (
                smtplib.SMTP_SSL(parts.hostname, port, timeout=self.timeout_s, context=ssl.create_default_context())
                if parts.scheme == "smtps"
                else smtplib.SMTP(parts.hostname, port, timeout=self.timeout_s)
            )
            with client:
                if parts.scheme == "smtp" and client.has_extn("starttls"):
                    client.starttls(context=ssl.create_default_context())
                if parts.username:
                    client.login(unquote(parts.username), unquote(parts.password or ""))
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as err:
            raise MailFailed(f"le courriel pour {to} n'a pas pu être envoyé ({err})") from err


def link_message(account: Account, link: str, *, invitation: bool) -> tuple[str, str]:
    """(subject, body) of the message carrying a one-time link."""
    if invitation:
        subject = "Votre compte sur l'espace de gestion de l'annuaire des lieux de médiation numérique"
        opening = (
            "un compte vient de vous être ouvert sur l'espace de gestion de l'annuaire des lieux de médiation numérique"
        )
    else:
        subject = "Choisir un nouveau mot de passe pour l'espace de gestion"
        opening = (
            "un lien vient d'être demandé pour choisir un nouveau mot de passe sur l'espace de gestion de l'annuaire"
        )
    body = (
        f"Bonjour {account.name},\n\n{opening} (identifiant : {account.login}).\n\n"
        f"Choisissez votre mot de passe à cette adresse, valable 72 heures et une seule fois :\n{link}\n\n"
        "Si vous n'attendiez pas ce message, ignorez-le : sans ce lien, personne ne peut utiliser le compte.\n"
    )
    return subject, body


def send_link(mailer: Mailer | None, account: Account, link: str, *, invitation: bool) -> bool:
    """True when the link went to the account's address; False when whoever made it must hand it over
    (no SMTP configured, or no address for the account).

    :raises MailFailed: SMTP is configured but the message could not be sent.
    """
    if mailer is None or not account.email:
        return False
    mailer.send(account.email, *link_message(account, link, invitation=invitation))
    return True
