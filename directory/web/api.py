# SPDX-License-Identifier: Apache-2.0
"""The JSON API: parse, call one function, render. Errors leave as problem+json."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import Response

from directory.errors import StoreNotReady
from directory.places import Place
from directory.store import Nearby

from .nearby import find_nearby
from .params import read_nearby_query
from .rendering import json_response

__all__ = ["health", "nearby"]

log = logging.getLogger("directory.web")


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


def nearby_json(found: Nearby) -> dict[str, Any]:
    v = found.venue
    return {
        "id": v.id,
        "nom": v.nom,
        "adresse": v.adresse,
        "code_postal": v.code_postal,
        "commune": v.commune,
        "distance_m": round(found.distance_m),
        "latitude": v.latitude,
        "longitude": v.longitude,
        "services": [s.code for s in v.services],
    }


def nearby(request: Request) -> Response:
    """``GET /api/lieux/proches?lieu=69003&limite=20`` (or ``lat`` and ``lon``)."""
    query = read_nearby_query(request.query_params)
    result = find_nearby(request.app.state.store, request.app.state.places, query)
    return json_response({"place": place_json(result.place), "results": [nearby_json(n) for n in result.results]})


def health(request: Request) -> Response:
    """``GET /api/sante``: the store answers, and how many active venues it holds."""
    try:
        count = request.app.state.store.count_venues()
    except sa.exc.SQLAlchemyError as err:
        log.error("health check failed: %s", err)
        raise StoreNotReady(detail="La base de données ne répond pas ou n'est pas initialisée (directory db upgrade).") from err
    return json_response({"status": "ok", "venues": count})
