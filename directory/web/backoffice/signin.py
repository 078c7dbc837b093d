# SPDX-License-Identifier: Apache-2.0
"""Signing in and out, and choosing a password through a one-time link.

These are the only back-office routes open without a session; their forms still carry a CSRF token,
bound to a session cookie given to the visitor when the form is shown.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from directory.curation import (
    MIN_PASSWORD_LENGTH,
    SignInRefused,
    TooManyAttempts,
    WeakPassword,
    authenticate,
    choose_password,
)
from directory.errors import CsrfRefused
from directory.store import utcnow

from ..rendering import render
from .guard import Visit, codec
from .session import Session

__all__ = ["login_form", "login", "logout", "password_form", "set_password", "safe_next"]


def safe_next(request: Request, target: str | None) -> str:
    """Where to go after signing in: a page of the back office, never another site."""
    home = request.url_for("gestion_home").path
    if not target or not target.startswith("/gestion") or target.startswith("//") or "\\" in target:
        return home
    return target


def _page(request: Request, session: Session, name: str, context: dict, status: int = 200) -> Response:
    response = render(request, name, {**context, "csrf": codec(request).csrf_token(session)}, status=status)
    codec(request).write(response, session)
    return response


async def _checked_form(request: Request) -> tuple[Session, dict[str, str]]:
    session = codec(request).read(request)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    if not codec(request).csrf_ok(session, values.get("csrf")):
        raise CsrfRefused(detail="Ce formulaire a expiré : rechargez la page de connexion, puis recommencez.")
    assert session is not None
    return session, values


async def login_form(request: Request) -> Response:
    session = codec(request).read(request)
    if (
        session
        and session.login
        and (account := request.app.state.store.accounts.get(session.login))
        and account.active
        and account.session_version == session.version
    ):
        return RedirectResponse(safe_next(request, request.query_params.get("suite")), status_code=303)
    session = session if session and not session.login else codec(request).anonymous()
    return _page(
        request,
        session,
        "gestion/login.html",
        {"suite": request.query_params.get("suite", ""), "error": None, "login": ""},
    )


async def login(request: Request) -> Response:
    session, form = await _checked_form(request)
    login_name = form.get("login", "").strip()
    address = request.client.host if request.client else "inconnue"
    try:
        account = authenticate(
            request.app.state.store, login_name, form.get("password", ""), address=address, at=utcnow()
        )
    except (SignInRefused, TooManyAttempts) as err:
        status = 429 if isinstance(err, TooManyAttempts) else 400
        context = {"suite": form.get("suite", ""), "error": str(err), "login": login_name[:80]}
        return _page(request, session, "gestion/login.html", context, status=status)
    response = RedirectResponse(safe_next(request, form.get("suite")), status_code=303)
    codec(request).write(response, codec(request).signed_in(account))
    return response


async def logout(request: Request, visit: Visit) -> Response:
    response = RedirectResponse(request.url_for("gestion_login").path + "?deconnecte=1", status_code=303)
    codec(request).clear(response)
    return response


async def password_form(request: Request) -> Response:
    token = request.path_params["token"]
    account = request.app.state.store.accounts.by_token(token, utcnow())
    session = codec(request).anonymous()
    context = {"token": token, "account": account, "error": None, "min_length": MIN_PASSWORD_LENGTH}
    response = _page(request, session, "gestion/password.html", context, status=200 if account else 404)
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the address
    return response


async def set_password(request: Request) -> Response:
    session, form = await _checked_form(request)
    token = request.path_params["token"]
    store = request.app.state.store
    error = None
    if form.get("password", "") != form.get("confirmation", ""):
        error = "Les deux mots de passe ne sont pas identiques."
    else:
        try:
            account = choose_password(store, token, form.get("password", ""), at=utcnow())
        except (SignInRefused, WeakPassword) as err:
            error = str(err)
    if error is not None:
        context = {
            "token": token,
            "account": store.accounts.by_token(token, utcnow()),
            "error": error,
            "min_length": MIN_PASSWORD_LENGTH,
        }
        response = _page(request, session, "gestion/password.html", context, status=400)
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    response = RedirectResponse(request.url_for("gestion_home").path, status_code=303)
    codec(request).write(response, codec(request).signed_in(account))
    return response
