# SPDX-License-Identifier: Apache-2.0
"""« Comptes » (administrators only): who may sign in and what they answer for; new accounts, new
one-time links, roles and territories changed, accounts disabled — each one an event of the accounts'
history, shown here with who did it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from directory.curation import (
    ROLES,
    InvalidAccount,
    MailFailed,
    add_account,
    change_account,
    disable_account,
    issue_link,
    send_link,
    territory_label,
)
from directory.errors import InvalidQuery
from directory.store import Account, UnknownAccount, utcnow

from ..rendering import public_base, render
from .guard import Visit
from .links import mailer_for, password_url

__all__ = ["accounts", "add", "change", "enable", "disable", "new_link"]

ACTIONS = {
    "create": "création",
    "update": "modification",
    "reset": "nouveau lien",
    "password": "mot de passe choisi",
    "disable": "désactivation",
    "enable": "réactivation",
    "login": "connexion",
}


def _items(text: str) -> list[str]:
    """Territories or venue ids typed one per line (or separated by commas)."""
    return [item.strip() for line in text.splitlines() for item in line.split(",") if item.strip()]


def _account(request: Request) -> Account:
    account = request.app.state.store.accounts.get(request.path_params["login"])
    if account is None:
        raise InvalidQuery(detail="Aucun compte n'a cet identifiant.")
    return account


def _page(request: Request, visit: Visit, *, status: int = 200, **extra: object) -> Response:
    store, places = request.app.state.store, request.app.state.places
    context = {
        "visit": visit,
        "nav": "accounts",
        "roles": ROLES,
        "actions": ACTIONS,
        "accounts": [(a, [territory_label(t, places) for t in a.territories]) for a in store.accounts.all()],
        "events": store.accounts.events(limit=100),
        "error": None,
        "link": None,
        "sent": None,
        "form": {},
        "message": request.query_params.get("message"),
    } | extra
    return render(request, "gestion/accounts.html", context, status=status)


async def accounts(request: Request, visit: Visit) -> Response:
    return _page(request, visit)


def _hand_over(request: Request, visit: Visit, account: Account, token: str, *, invitation: bool) -> Response:
    link = password_url(public_base(request), token)
    try:
        if send_link(mailer_for(request.app.state.settings), account, link, invitation=invitation):
            return _page(request, visit, sent=account)
    except MailFailed as err:
        return _page(
            request,
            visit,
            link=(account, link),
            error=f"Le courriel n'est pas parti : {err}. Transmettez le lien vous-même.",
        )
    return _page(request, visit, link=(account, link))


async def add(request: Request, visit: Visit) -> Response:
    store, form = request.app.state.store, visit.form
    assert form is not None
    values = {k: str(form.get(k, "")) for k in ("login", "name", "email", "role", "territories", "venues")}
    try:
        account = add_account(
            store,
            values["login"].strip().lower(),
            values["name"],
            values["role"],
            email=values["email"],
            territories=_items(values["territories"]),
            venues=_items(values["venues"]),
            places=request.app.state.places,
            actor=visit.account.login,
            at=utcnow(),
        )
    except InvalidAccount as err:
        return _page(request, visit, error=str(err), form=values, status=400)
    token = issue_link(store, account.login, actor=visit.account.login, at=utcnow())
    return _hand_over(request, visit, account, token, invitation=True)


async def change(request: Request, visit: Visit) -> Response:
    form = visit.form
    assert form is not None
    account = _account(request)
    try:
        change_account(
            request.app.state.store,
            account.login,
            role=str(form.get("role", "")),
            territories=_items(str(form.get("territories", ""))),
            venues=_items(str(form.get("venues", ""))),
            places=request.app.state.places,
            actor=visit.account.login,
            at=utcnow(),
        )
    except InvalidAccount as err:
        return _page(request, visit, error=f"{account.login} : {err}", status=400)
    return RedirectResponse(request.url_for("gestion_accounts").path + "?message=modifie", status_code=303)


async def new_link(request: Request, visit: Visit) -> Response:
    account = _account(request)
    if not account.active:
        raise InvalidQuery(detail="Ce compte est désactivé : réactivez-le d'abord.")
    token = issue_link(request.app.state.store, account.login, actor=visit.account.login, at=utcnow())
    return _hand_over(request, visit, account, token, invitation=False)


async def disable(request: Request, visit: Visit) -> Response:
    account = _account(request)
    if account.login == visit.account.login:
        raise InvalidQuery(detail="Vous ne pouvez pas désactiver votre propre compte.")
    try:
        disable_account(request.app.state.store, account.login, actor=visit.account.login, at=utcnow())
    except UnknownAccount as err:
        raise InvalidQuery(detail="Aucun compte n'a cet identifiant.") from err
    return RedirectResponse(request.url_for("gestion_accounts").path + "?message=desactive", status_code=303)


async def enable(request: Request, visit: Visit) -> Response:
    account = _account(request)
    request.app.state.store.accounts.set_active(account.login, True, actor=visit.account.login, at=utcnow())
    return RedirectResponse(request.url_for("gestion_accounts").path + "?message=reactive", status_code=303)
