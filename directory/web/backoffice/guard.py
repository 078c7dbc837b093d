# SPDX-License-Identifier: Apache-2.0
"""Every route of the back office goes through ``guarded``: nobody reaches a handler without a live
session of an active account, no form is read without its CSRF token, and a handler learns the
person's scope so that it refuses what lies outside (``check_venue``).

The route table is built only with ``guarded`` (or ``public`` for signing in), and a test walks it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from directory.curation import scope_of
from directory.errors import CsrfRefused, Forbidden
from directory.store import Account, Scope

from .session import Session, SessionCodec

__all__ = ["Visit", "check_venue", "guarded", "login_url"]

ALL_ROLES = frozenset({"admin", "animateur", "structure"})
#: Methods that change something: they need the CSRF token.
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class Visit:
    """Who is asking, what they answer for, and the token their forms must carry."""

    account: Account
    scope: Scope
    session: Session
    csrf: str
    form: FormData | None = None  # a write's form, already read and checked


Handler = Callable[[Request, Visit], Awaitable[Response]]


def codec(request: Request) -> SessionCodec:
    return request.app.state.sessions


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{request.url_for('gestion_login').path}?suite={quote(target, safe='')}"


def guarded(handler: Handler, *, roles: Collection[str] = ALL_ROLES) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint for ``handler``: signed in (else to the sign-in page, or 403 for a write), the
    account active and its session current, the role allowed, the CSRF token right on writes."""

    async def endpoint(request: Request) -> Response:
        sessions = codec(request)
        session = sessions.read(request)
        account = request.app.state.store.accounts.get(session.login) if session and session.login else None
        if account is None or not account.active or session is None or account.session_version != session.version:
            if request.method in WRITES:
                raise Forbidden(detail="Votre session a pris fin : reconnectez-vous, puis recommencez.")
            response = RedirectResponse(login_url(request), status_code=303)
            if session and session.login:
                sessions.clear(response)
            return response
        form = None
        if request.method in WRITES:
            form = await request.form()
            token = form.get("csrf")
            if not sessions.csrf_ok(session, token if isinstance(token, str) else None):
                raise CsrfRefused(
                    detail="Ce formulaire a expiré ou ne vient pas de ce site : rechargez la page, puis recommencez."
                )
        if account.role not in roles:
            raise Forbidden(detail="Votre rôle ne donne pas accès à cette page.")
        visit = Visit(account, scope_of(account, request.app.state.places), session, sessions.csrf_token(session), form)
        return await handler(request, visit)

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    endpoint.guarded = True  # type: ignore[attr-defined]  # the route-protection test looks for it
    return endpoint


def check_venue(visit: Visit, venue_id: str, code_insee: str | None) -> None:
    """Refuse a venue outside the person's scope."""
    if not visit.scope.contains(venue_id, code_insee):
        raise Forbidden(detail="Ce lieu ne fait pas partie des lieux dont vous répondez.")
