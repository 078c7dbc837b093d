# SPDX-License-Identifier: Apache-2.0
"""The JSON API: parse, call one function, render. Errors leave as problem+json.

Search takes the same parameters as the search page (``params.read_search``);
venues are given as national-standard records (``export.national``) with the
directory's id, distance and opening state around them.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import Response

from directory.errors import FieldError, InvalidQuery, StoreNotReady, VenueNotFound
from directory.export import national_row, stored_national_row
from directory.places import Place
from directory.schema import offer_record
from directory.store import NearbyCard, is_venue_id

from .display import local_now
from .extent import Extent
from .finder import Card, Found, find
from .nearby import find_nearby
from .params import read_nearby_query, read_place_text, read_search
from .rendering import absolute_url, cached_json, json_response

__all__ = ["health", "nearby", "places", "search", "venue"]

log = logging.getLogger("directory.web")
MAX_PLACES = 10
_SOME_ID = "lid"  # stands for a venue id in ``venue_url_prefix`` (the route ends with it)


def place_json(place: Place) -> dict[str, Any]:
    return {
        "label": place.label,
        "kind": place.kind,
        "latitude": place.lat,
        "longitude": place.lon,
        "code_insee": place.insee,
        "code_postal": place.postcode,
        "departement": place.departement,
    }


def nearby_json(card: NearbyCard) -> dict[str, Any]:
    return {
        "id": card.id,
        "nom": card.nom,
        "adresse": card.adresse,
        "code_postal": card.code_postal,
        "commune": card.commune,
        "distance_m": round(card.distance_m),
        "latitude": card.latitude,
        "longitude": card.longitude,
        "services": list(card.services),
    }


def card_json(venue_url: str, card: Card) -> dict[str, Any]:
    """One search result: the national record, plus where it is and whether it is open.

    :param venue_url: the public address of venue pages, up to the id (``venue_url_prefix``).
    """
    return {
        "rang": card.rank,
        "id": card.id,
        "url": venue_url + card.id,
        "distance_m": round(card.distance_m) if card.distance_m is not None else None,
        "ouvert": {"maintenant": card.open.is_open, "texte": card.open.text} if card.open else None,
        "lieu": stored_national_row(card.values),
    }


def extent_json(extent: Extent) -> dict[str, Any]:
    """How far the list of a postcode search goes (``extent``)."""
    return {
        "code_postal": extent.postcode,
        "rayon_km": extent.radius_km,
        "rayon_choisi": extent.chosen,
        "dans_le_code_postal": extent.in_postcode,
        "elargir_km": extent.wider_km,
    }


def venue_url_prefix(request: Request) -> str:
    """The public address of a venue page without its id: looked up once per response
    (``url_for`` walks every route: once per card, it cost more than the index query)."""
    return absolute_url(request, "venue", venue_id=_SOME_ID).removesuffix(_SOME_ID)


def search_json(request: Request, found: Found) -> dict[str, Any]:
    result = found.result
    venue_url = venue_url_prefix(request)
    return {
        "lieu": place_json(found.place) if found.place else None,
        "total": result.total,
        "total_exact": result.total_exact,
        "page": found.request.page,
        "par_page": found.request.par_page,
        "pages": found.pages,
        "resultats": [card_json(venue_url, c) for c in found.cards],
        "facettes": result.facets,
        "etendue": extent_json(found.extent) if found.extent else None,
    }


def search(request: Request) -> Response:
    """``GET /api/lieux?q=caf&lieu=75019&services=…``: the search of the home page, as JSON."""
    state = request.app.state
    found = find(state.store, state.index, state.locator, read_search(request.query_params), local_now())
    return cached_json(request, search_json(request, found))


def venue(request: Request) -> Response:
    """``GET /api/lieux/{id}``: one active venue as a national-standard record, and its offers."""
    venue_id: str = request.path_params["venue_id"]
    stored = request.app.state.store.get_venue(venue_id) if is_venue_id(venue_id) else None
    if stored is None or stored.status != "active":
        raise VenueNotFound(
            detail="Aucun lieu de l'annuaire ne porte cet identifiant. Il a peut-être été retiré ou fusionné.",
            errors=[FieldError("id", "Identifiant inconnu.", venue_id[:80])],
        )
    body: dict[str, Any] = {"id": venue_id, "lieu": national_row(stored.venue)}
    if stored.venue.offres:  # its own offers (``schema.offer``'s stored form, as the change feed gives them)
        body["offres"] = [offer_record(replace(offer, source=None)) for offer in stored.venue.offres]
    return cached_json(request, body, max_age=300)


def places(request: Request) -> Response:
    """``GET /api/communes?q=lyo``: communes and postcodes completing what was typed."""
    text = read_place_text(request.query_params, name="q")
    if text is None:
        raise InvalidQuery(
            detail="Paramètre(s) invalide(s) : q.",
            errors=[FieldError("q", "Indiquez le début d'un nom de commune ou d'un code postal.")],
        )
    found = request.app.state.locator.suggest(text, MAX_PLACES)
    return cached_json(request, {"resultats": [place_json(p) for p in found]}, max_age=3600)


def nearby(request: Request) -> Response:
    """``GET /api/lieux/proches?lieu=69003&limite=20`` (or ``lat`` and ``lon``)."""
    query = read_nearby_query(request.query_params)
    result = find_nearby(request.app.state.store, request.app.state.locator, query)
    return json_response({"place": place_json(result.place), "results": [nearby_json(n) for n in result.results]})


def health(request: Request) -> Response:
    """``GET /api/sante``: the store answers, and how many active venues it holds."""
    try:
        count = request.app.state.store.count_venues()
    except sa.exc.SQLAlchemyError as err:
        log.error("health check failed: %s", err)
        raise StoreNotReady(
            detail="La base de données ne répond pas ou n'est pas initialisée (directory db upgrade)."
        ) from err
    return json_response({"status": "ok", "venues": count})
