# SPDX-License-Identifier: Apache-2.0
"""Edit a venue: the form with each field's origin, validation as for a harvested record (errors next
to each field, in French), « garder ma valeur » (lock) or « rendre aux sources » (unlock) per field,
withdraw and restore. Every write goes through the store's ``Writer`` with the person's login.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from directory.errors import Forbidden, InvalidQuery, VenueNotFound
from directory.search import sync
from directory.store import CORRECTABLE, InvalidValue, NotRevertible, StoredVenue, utcnow

from ..rendering import render
from .fields import FORM_SECTIONS, current_raw, form_context, form_values
from .guard import Visit, check_venue

__all__ = ["create", "edit_form", "load_venue", "new_form", "restore", "save", "unlock", "venue_redirect", "withdraw"]


def load_venue(request: Request, visit: Visit, venue_id: str) -> StoredVenue:
    """The venue, if it exists and is in the person's scope (a merged one: the venue it went into)."""
    stored = request.app.state.store.get_venue(venue_id)
    if stored is None:
        raise VenueNotFound(detail=f"Aucun lieu n'a l'identifiant « {venue_id[:40]} ».")
    check_venue(visit, stored.venue.id, stored.venue.code_insee)
    return stored


def venue_redirect(request: Request, venue_id: str, route: str = "gestion_venue", **query: str) -> Response:
    path = request.url_for(route, venue_id=venue_id).path
    suffix = "&".join(f"{k}={v}" for k, v in query.items())
    return RedirectResponse(path + (f"?{suffix}" if suffix else ""), status_code=303)


def _origins(request: Request, stored: StoredVenue) -> dict[str, str]:
    """Field → where its value comes from, in words."""
    names = request.app.state.store.sources.names()
    accounts = {a.login: a.name for a in request.app.state.store.accounts.all()}
    words: dict[str, str] = {}
    for name in CORRECTABLE:
        p = stored.provenance.get(name)
        if p is None:
            words[name] = "aucune source"
        elif p.locked:
            who = accounts.get(p.actor or "", p.actor or "une personne")
            words[name] = f"valeur gardée par {who} le {p.at:%d/%m/%Y}"
        else:
            words[name] = f"source : {names.get(p.source_id or '', p.source_id or 'inconnue')}"
    return words


def _render(
    request: Request,
    visit: Visit,
    stored: StoredVenue,
    values: Mapping[str, str],
    errors: Mapping[str, list[str]] | None = None,
    status: int = 200,
    form: Any = None,
) -> Response:
    context = {
        **form_context(values, errors, form),
        "visit": visit,
        "nav": "venues",
        "stored": stored,
        "venue": stored.venue,
        "origins": _origins(request, stored),
        "locked": {name for name, p in stored.provenance.items() if p.locked},
        "saved": request.query_params.get("enregistre"),
        "message": request.query_params.get("message"),
        "source_names": request.app.state.store.sources.names(),
    }
    return render(request, "gestion/venue.html", context, status=status)


async def edit_form(request: Request, visit: Visit) -> Response:
    venue_id = request.path_params["venue_id"]
    stored = load_venue(request, visit, venue_id)
    if stored.status == "merged" and stored.merged_into:
        return venue_redirect(request, stored.merged_into)
    return _render(request, visit, stored, current_raw(stored.venue))


async def save(request: Request, visit: Visit) -> Response:
    """The fields the person changed are corrected (and locked); the fields ticked « garder ma valeur »
    are locked as they are."""
    store, form = request.app.state.store, visit.form
    assert form is not None
    stored = load_venue(request, visit, request.path_params["venue_id"])
    if stored.status != "active":
        raise InvalidQuery(detail="Ce lieu n'est pas publié : restaurez-le avant de le modifier.")
    (submitted, grid_error), current = form_values(form), current_raw(stored.venue)
    if grid_error:
        return _render(request, visit, stored, submitted, grid_error, status=400, form=form)
    changes = {name: value for name, value in submitted.items() if value != current[name]}
    already = {name for name, p in stored.provenance.items() if p.locked}
    keep = [name for name in form.getlist("verrou") if name in current and name not in changes and name not in already]
    now = utcnow()
    try:
        with store.writer() as writer:
            if changes:
                writer.correct_many(stored.venue.id, changes, visit.account.login, now, places=request.app.state.places)
            if keep:
                writer.lock_fields(stored.venue.id, keep, visit.account.login, now)
    except InvalidValue as err:
        return _render(request, visit, stored, submitted, err.by_field(), status=400, form=form)
    sync(request.app.state.index, store)
    return venue_redirect(request, stored.venue.id, enregistre=str(len(changes)))


async def unlock(request: Request, visit: Visit) -> Response:
    """« Rendre aux sources »: the field (and those locked with it) goes back to the harvested values."""
    store, form = request.app.state.store, visit.form
    assert form is not None
    stored = load_venue(request, visit, request.path_params["venue_id"])
    name = str(form.get("champ", ""))
    if name not in CORRECTABLE:
        raise InvalidQuery(detail="Champ inconnu.")
    with store.writer() as writer:
        writer.unlock(stored.venue.id, name, visit.account.login, utcnow())
    sync(request.app.state.index, store)
    return venue_redirect(request, stored.venue.id, message="rendu")


async def withdraw(request: Request, visit: Visit) -> Response:
    store, form = request.app.state.store, visit.form
    assert form is not None
    stored = load_venue(request, visit, request.path_params["venue_id"])
    reason = str(form.get("raison", "")).strip()[:500]
    with store.writer() as writer:
        writer.withdraw_venue(stored.venue.id, visit.account.login, utcnow(), reason)
    sync(request.app.state.index, store)
    return venue_redirect(request, stored.venue.id, message="retire")


async def restore(request: Request, visit: Visit) -> Response:
    store = request.app.state.store
    stored = load_venue(request, visit, request.path_params["venue_id"])
    try:
        with store.writer() as writer:
            writer.restore_venue(stored.venue.id, visit.account.login, utcnow())
    except NotRevertible as err:
        raise InvalidQuery(detail="Ce lieu n'est pas retiré de l'annuaire : rien à remettre.") from err
    sync(request.app.state.index, store)
    return venue_redirect(request, stored.venue.id, message="restaure")


def _new_page(
    request: Request,
    visit: Visit,
    values: Mapping[str, str],
    errors: Mapping[str, list[str]] | None = None,
    status: int = 200,
    form: Any = None,
) -> Response:
    context = {
        **form_context(values, errors, form),
        "visit": visit,
        "nav": "venues",
    }
    return render(request, "gestion/new_venue.html", context, status=status)


async def new_form(request: Request, visit: Visit) -> Response:
    return _new_page(request, visit, {f.name: "" for _, section in FORM_SECTIONS for f in section})


async def create(request: Request, visit: Visit) -> Response:
    """A venue made by hand, validated like a harvested record; it must lie in the person's territory."""
    store, form = request.app.state.store, visit.form
    assert form is not None
    submitted, grid_error = form_values(form)
    if grid_error:
        return _new_page(request, visit, submitted, grid_error, status=400, form=form)
    try:
        with store.writer() as writer:
            done = writer.create_venue(
                {k: v for k, v in submitted.items() if v},
                visit.account.login,
                utcnow(),
                places=request.app.state.places,
            )
            code_insee = writer.venue_communes([done.venue_id])[done.venue_id]
            if not visit.scope.contains("", code_insee):  # written in this transaction only: undone
                raise Forbidden(detail="Ce lieu est hors des territoires dont vous répondez : il n'a pas été ajouté.")
    except InvalidValue as err:
        return _new_page(request, visit, submitted, err.by_field(), status=400, form=form)
    sync(request.app.state.index, store)
    return venue_redirect(request, done.venue_id, message="cree")
