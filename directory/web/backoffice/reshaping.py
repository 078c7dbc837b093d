# SPDX-License-Identifier: Apache-2.0
"""Merge two venues (pick the survivor and, field by field, the value to keep) and split a record out
of a venue — both from the venue's page. The merged venue's id keeps resolving (pages, API, exports
redirect to the survivor); both decisions stick through later harvests (``Writer.merge_venues``,
``Writer.split_record``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from directory.errors import InvalidQuery
from directory.search import sync
from directory.store import NotSplittable, UnknownVenue, utcnow

from ..display import local_now
from ..rendering import render
from .editing import load_venue, venue_redirect
from .fields import FORM_SECTIONS, current_raw, venue_value
from .guard import Visit

__all__ = ["merge", "merge_form", "split"]


async def merge_form(request: Request, visit: Visit) -> Response:
    """Pick the other venue (by name, among the person's), then each field's value."""
    store = request.app.state.store
    here = load_venue(request, visit, request.path_params["venue_id"])
    if here.status != "active":
        raise InvalidQuery(detail="Seul un lieu publié peut être fusionné.")
    other_id = request.query_params.get("avec", "").strip()
    text = request.query_params.get("q", "")[:100]
    context = {
        "visit": visit,
        "nav": "venues",
        "stored": here,
        "venue": here.venue,
        "text": text,
        "other": None,
        "candidates": [],
        "rows": [],
        "errors": None,
    }
    if other_id:
        other = load_venue(request, visit, other_id)
        if other.status != "active" or other.venue.id == here.venue.id:
            raise InvalidQuery(detail="Choisissez un autre lieu publié.")
        mine, theirs = current_raw(here.venue), current_raw(other.venue)
        context["other"] = other
        context["rows"] = [
            (f, venue_value(here.venue, f.name), venue_value(other.venue, f.name), mine[f.name] != theirs[f.name])
            for _, section in FORM_SECTIONS
            for f in section
        ]
    elif text.strip():
        _, found = store.scope_venues(visit.scope, text=text, today=local_now().date(), limit=20)
        context["candidates"] = [v for v in found if v.id != here.venue.id]
    return render(request, "gestion/merge.html", context)


async def merge(request: Request, visit: Visit) -> Response:
    store, form = request.app.state.store, visit.form
    assert form is not None
    here = load_venue(request, visit, request.path_params["venue_id"])
    other = load_venue(request, visit, str(form.get("avec", "")))
    survivor, absorbed = (here, other) if form.get("garder") != "autre" else (other, here)
    # each field: « ici » (this venue's value) or « autre »; the person's choice holds for every field,
    # so that the merge's own ranking never overrules what they saw
    choices = {}
    for _, section in FORM_SECTIONS:
        for f in section:
            side = form.get(f"champ-{f.name}", "ici")
            choices[f.name] = "absorbed" if (side == "autre") == (survivor is here) else "survivor"
    try:
        with store.writer() as writer:
            writer.merge_venues(
                survivor.venue.id,
                absorbed.venue.id,
                choices,
                visit.account.login,
                utcnow(),
                places=request.app.state.places,
            )
    except (UnknownVenue, ValueError) as err:
        raise InvalidQuery(detail=f"La fusion n'a pas pu se faire : {err}") from err
    sync(request.app.state.index, store)
    return venue_redirect(request, survivor.venue.id, message="fusionne")


async def split(request: Request, visit: Visit) -> Response:
    """« Séparer cette fiche »: the record becomes a venue of its own, kept apart from the others."""
    store, form = request.app.state.store, visit.form
    assert form is not None
    here = load_venue(request, visit, request.path_params["venue_id"])
    key = str(form.get("fiche", ""))
    try:
        with store.writer() as writer:
            done = writer.split_record(here.venue.id, key, visit.account.login, utcnow())
    except (NotSplittable, UnknownVenue) as err:
        raise InvalidQuery(detail=f"Séparation impossible : {err}") from err
    sync(request.app.state.index, store)
    assert done.split is not None
    return venue_redirect(request, done.split[2], message="separe")
