# SPDX-License-Identifier: Apache-2.0
"""Public pages: the search page (server-rendered, no JavaScript); the venue page is in ``venue.py``."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from directory.errors import InvalidQuery, PlaceNotFound
from directory.places import Place
from directory.schema import Venue
from directory.store import Nearby

from .display import OpenLabel, local_now, open_label
from .nearby import find_nearby, suggest_places
from .params import DEFAULT_LIMIT, NearbyQuery, printable, read_place_text
from .rendering import render

__all__ = ["home"]


@dataclass(frozen=True, slots=True)
class Card:
    """One search result as the page shows it."""

    venue: Venue
    distance_m: float
    open: OpenLabel | None


def _cards(found: list[Nearby]) -> list[Card]:
    now = local_now()
    return [Card(n.venue, n.distance_m, open_label(n.venue.horaires, now)) for n in found]


def home(request: Request) -> Response:
    """``GET /``: the search form and, with ``?lieu=``, the nearest venues."""
    context: dict[str, object] = {
        "lieu": "", "error": None, "place": None, "cards": [], "suggestions": [], "searched": False,
        "empty_store": False,
    }  # fmt: skip
    try:
        lieu = read_place_text(request.query_params)
    except InvalidQuery as err:
        context.update(error=err.errors[0].message, lieu=printable(request.query_params.get("lieu", "")))
        return render(request, "home.html", context, status=400)
    if lieu is None:
        if "lieu" in request.query_params:  # the form was sent empty
            context.update(error="Indiquez un code postal ou le nom d'une commune.")
        return render(request, "home.html", context)
    store = request.app.state.store
    places = request.app.state.places
    context.update(lieu=lieu, searched=True)
    try:
        result = find_nearby(store, places, NearbyQuery(lieu=lieu, lat=None, lon=None, limit=DEFAULT_LIMIT))
    except PlaceNotFound:
        suggestions: list[Place] = suggest_places(places, lieu)
        context.update(suggestions=suggestions)
        return render(request, "home.html", context)
    context.update(place=result.place, cards=_cards(result.results))
    if not result.results:
        context.update(empty_store=store.count_venues() == 0)
    return render(request, "home.html", context)
