# SPDX-License-Identifier: Apache-2.0
"""« Demander à gérer un lieu »: a structure's manager finds their venue and asks to answer for it;
« Demandes de gestion »: an administrator, or an animator whose territory holds the venue, approves
(the venue joins the account's, in the accounts' history) or refuses, with a reason."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from directory.errors import Forbidden, InvalidQuery
from directory.store import ClaimClosed, Scope, utcnow

from ..display import local_now
from ..rendering import render
from .guard import Visit

__all__ = ["ask", "claim_form", "claims", "decide"]

_EVERYWHERE = Scope(everything=True)


async def claim_form(request: Request, visit: Visit) -> Response:
    """Find a venue by name (any published venue: they are public) and say why it is yours."""
    store = request.app.state.store
    text = request.query_params.get("q", "")[:100]
    found = store.scope_venues(_EVERYWHERE, text=text, today=local_now().date(), limit=20)[1] if text.strip() else []
    context = {
        "visit": visit,
        "nav": "claim",
        "text": text,
        "found": [v for v in found if v.id not in visit.account.venues],
        "mine": store.claims.list(status=None, login=visit.account.login),
        "sent": request.query_params.get("envoye"),
    }
    return render(request, "gestion/claim.html", context)


async def ask(request: Request, visit: Visit) -> Response:
    store, form = request.app.state.store, visit.form
    assert form is not None
    venue_id = str(form.get("lieu", ""))
    stored = store.get_venue(venue_id)
    if stored is None or stored.status != "active":
        raise InvalidQuery(detail="Choisissez un lieu publié dans l'annuaire.")
    message = str(form.get("message", "")).strip()[:2000]
    if not message:
        raise InvalidQuery(
            detail="Dites en quelques mots pourquoi vous répondez de ce lieu (votre fonction, la structure)."
        )
    store.claims.ask(visit.account.login, venue_id, message, utcnow())
    return RedirectResponse(request.url_for("gestion_claim").path + "?envoye=1", status_code=303)


async def claims(request: Request, visit: Visit) -> Response:
    store = request.app.state.store
    accounts = {a.login: a for a in store.accounts.all()}
    context = {
        "visit": visit,
        "nav": "claims",
        "claims": store.claims.list(scope=visit.scope),
        "accounts": accounts,
        "done": request.query_params.get("fait"),
    }
    return render(request, "gestion/claims.html", context)


async def decide(request: Request, visit: Visit) -> Response:
    store, form = request.app.state.store, visit.form
    assert form is not None
    pk = int(request.path_params["pk"])
    choice = str(form.get("decision", ""))
    if choice not in ("approuver", "refuser"):
        raise InvalidQuery(detail="Décision inconnue : « approuver » ou « refuser ».")
    if not store.claims.list(scope=visit.scope, pks=[pk]):
        if store.claims.list(pks=[pk]):
            raise Forbidden(detail="Cette demande concerne un lieu dont vous ne répondez pas.")
        raise InvalidQuery(detail="Cette demande n'est plus à décider.")
    reason = str(form.get("raison", "")).strip()[:500] or None
    try:
        store.claims.decide(pk, choice == "approuver", actor=visit.account.login, at=utcnow(), reason=reason)
    except ClaimClosed as err:
        raise InvalidQuery(detail="Cette demande n'est plus à décider.") from err
    return RedirectResponse(request.url_for("gestion_claims").path + f"?fait={choice}", status_code=303)
