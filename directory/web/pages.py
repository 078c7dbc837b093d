# SPDX-License-Identifier: Apache-2.0
"""Public pages: the search page and the venue page (server-rendered, no JavaScript)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from directory.errors import InvalidQuery, PlaceNotFound, VenueNotFound
from directory.places import Place
from directory.schema import Venue
from directory.store import Nearby, is_venue_id

from .display import OpenLabel, local_now, open_label, week_hours
from .nearby import find_nearby, suggest_places
from .params import DEFAULT_LIMIT, NearbyQuery, printable, read_place_text
from .rendering import render

__all__ = ["home", "venue_page"]


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


def _web_link(url: str | None) -> str | None:
    """Only http(s) addresses become links (venue data is untrusted)."""
    if url and urlsplit(url).scheme.lower() in ("http", "https"):
        return url
    return None


def venue_page(request: Request) -> Response:
    """``GET /lieux/{id}``: one venue; merged venues redirect to the one they became."""
    venue_id: str = request.path_params["venue_id"]
    stored = request.app.state.store.get_venue(venue_id) if is_venue_id(venue_id) else None
    if stored is not None and stored.status == "merged" and stored.merged_into:
        return RedirectResponse(request.url_for("venue", venue_id=stored.merged_into).path, status_code=301)
    if stored is None or stored.status != "active":
        raise VenueNotFound(detail="Aucun lieu de l'annuaire ne porte cet identifiant. Il a peut-être été retiré.")
    venue = stored.venue
    now = local_now()
    context = {
        "venue": venue,
        "open": open_label(venue.horaires, now),
        "week": week_hours(venue.horaires, now.date()),
        "websites": [u for u in map(_web_link, venue.site_web) if u],
        "booking": _web_link(venue.prise_rdv),
        "access_sheet": _web_link(venue.fiche_acces_libre),
    }
    return render(request, "venue.html", context)
