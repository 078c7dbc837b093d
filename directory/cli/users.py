# SPDX-License-Identifier: Apache-2.0
"""``directory users``: the accounts of the back office (``/gestion/``), made and managed from the shell.

Nobody types a password here: ``add`` and ``reset`` print a one-time link where the person chooses
one (valid 72 hours, once).
"""

from __future__ import annotations

import getpass

import click

from directory.config import Settings
from directory.curation import (
    ROLES,
    InvalidAccount,
    MailFailed,
    add_account,
    disable_account,
    issue_link,
    send_link,
    territory_label,
)
from directory.places import load_gazetteer
from directory.store import Account, Store, UnknownAccount, utcnow
from directory.web import mailer_for, password_url

from ._common import fail, open_settings_store

__all__ = ["users"]


def _actor() -> str:
    """Who acts from the shell, in the accounts' history."""
    try:
        return f"ligne de commande ({getpass.getuser()})"
    except (KeyError, OSError):
        return "ligne de commande"


def _hand_over(settings: Settings, account: Account, token: str, *, invitation: bool) -> None:
    """Send the link to the account's address when SMTP is set; else (or when sending fails) print it."""
    link = password_url(settings.public_url or f"http://{settings.host}:{settings.port}", token)
    try:
        if send_link(mailer_for(settings), account, link, invitation=invitation):
            click.echo(
                f"Lien pour choisir le mot de passe envoyé à {account.email} (valable 72 heures, une seule fois)."
            )
            return
    except MailFailed as err:
        click.echo(f"Attention : {err}.", err=True)
    click.echo(
        f"Lien à transmettre à « {account.login} » pour choisir le mot de passe (valable 72 heures, une seule fois) :"
    )
    click.echo(f"  {link}")


def _known(store: Store, login: str) -> Account:
    account = store.accounts.get(login)
    if account is None:
        raise fail(f"aucun compte n'a l'identifiant « {login} » (voir « directory users list »)")
    return account


@click.group()
def users() -> None:
    """Comptes de l'espace de gestion : administrateurs, animateurs de réseau, structures."""


@users.command("add")
@click.argument("login")
@click.option("--role", type=click.Choice(sorted(ROLES)), required=True, help="admin, animateur ou structure.")
@click.option("--nom", "name", default="", help="Nom affiché dans les historiques (défaut : l'identifiant).")
@click.option(
    "--courriel",
    "email",
    default="",
    help="Adresse électronique (le lien y est envoyé si un serveur SMTP est configuré).",
)
@click.option(
    "--territoire",
    "territories",
    multiple=True,
    help="Pour un animateur : commune (code INSEE), intercommunalité (SIREN) ou département ; répétable.",
)
@click.option("--lieu", "venues", multiple=True, help="Identifiant d'un lieu dont le compte répond ; répétable.")
@click.pass_obj
def add(
    settings: Settings,
    login: str,
    role: str,
    name: str,
    email: str,
    territories: tuple[str, ...],
    venues: tuple[str, ...],
) -> None:
    """Crée un compte et affiche le lien (à usage unique) où choisir son mot de passe."""
    store = open_settings_store(settings, upgrade=True)
    places = load_gazetteer()
    now = utcnow()
    try:
        account = add_account(
            store,
            login,
            name,
            role,
            email=email,
            territories=territories,
            venues=venues,
            places=places,
            actor=_actor(),
            at=now,
        )
    except InvalidAccount as err:
        raise fail(str(err)) from err
    token = issue_link(store, account.login, actor=_actor(), at=now)
    click.echo(f"Compte « {account.login} » créé ({ROLES[account.role]}).")
    for territory in account.territories:
        click.echo(f"  territoire : {territory_label(territory, places)}")
    for venue_id in account.venues:
        click.echo(f"  lieu : {venue_id}")
    _hand_over(settings, account, token, invitation=True)


@users.command("list")
@click.pass_obj
def list_(settings: Settings) -> None:
    """Les comptes, leur rôle, leurs territoires et leur dernière connexion."""
    store = open_settings_store(settings, upgrade=True)
    accounts = store.accounts.all()
    if not accounts:
        click.echo("Aucun compte. Créez le premier : directory users add LOGIN --role admin")
        return
    places = load_gazetteer()
    for a in accounts:
        state = "actif" if a.active else "désactivé"
        if a.active and a.password_hash is None:
            state = "en attente du mot de passe"
        seen = f"dernière connexion le {a.last_login_at:%d/%m/%Y à %H:%M}" if a.last_login_at else "jamais connecté"
        click.echo(f"{a.login} — {a.name} — {ROLES.get(a.role, a.role)} — {state} — {seen}")
        for territory in a.territories:
            click.echo(f"    territoire : {territory_label(territory, places)}")
        for venue_id in a.venues:
            click.echo(f"    lieu : {venue_id}")


@users.command("reset")
@click.argument("login")
@click.pass_obj
def reset(settings: Settings, login: str) -> None:
    """Un nouveau lien à usage unique pour choisir un mot de passe (l'ancien mot de passe reste valable
    tant que le lien n'est pas utilisé)."""
    store = open_settings_store(settings, upgrade=True)
    account = _known(store, login)
    if not account.active:
        raise fail(f"le compte « {login} » est désactivé : réactivez-le d'abord (directory users enable {login})")
    token = issue_link(store, login, actor=_actor(), at=utcnow())
    _hand_over(settings, account, token, invitation=False)


@users.command("disable")
@click.argument("login")
@click.pass_obj
def disable(settings: Settings, login: str) -> None:
    """Désactive un compte : il ne peut plus se connecter, ses sessions ouvertes prennent fin."""
    store = open_settings_store(settings, upgrade=True)
    try:
        disable_account(store, login, actor=_actor(), at=utcnow())
    except UnknownAccount as err:
        raise fail(f"aucun compte n'a l'identifiant « {login} »") from err
    click.echo(f"Compte « {login} » désactivé.")


@users.command("enable")
@click.argument("login")
@click.pass_obj
def enable(settings: Settings, login: str) -> None:
    """Réactive un compte désactivé (son mot de passe redevient valable)."""
    store = open_settings_store(settings, upgrade=True)
    _known(store, login)
    store.accounts.set_active(login, True, actor=_actor(), at=utcnow())
    click.echo(f"Compte « {login} » réactivé.")
