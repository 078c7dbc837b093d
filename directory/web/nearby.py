# SPDX-License-Identifier: Apache-2.0
""""Venues near a place": the one function the search page and the API share."""

from __future__ import annotations

from dataclasses import dataclass

from directory.errors import FieldError, PlaceNotFound
from directory.places import Gazetteer, Place, fold
from directory.store import Nearby, Store

from .params import NearbyQuery

__all__ = ["NearbyResult", "find_nearby", "resolve_place", "suggest_places"]

_MIN_PREFIX = 3


@dataclass(frozen=True, slots=True)
class NearbyResult:
    place: Place
    results: list[Nearby]


def suggest_places(places: Gazetteer, text: str, limit: int = 5) -> list[Place]:
    """Places close to a text that resolved to nothing.

    ``suggest`` completes prefixes; a typo at the end ("Nancyy") has none, so
    shorten the text until something completes (down to three characters).
    """
    folded = fold(text)
    while len(folded) >= _MIN_PREFIX:
        found = places.suggest(folded, limit)
        if found:
            return found
        folded = folded[:-1].rstrip()
    return []


def resolve_place(places: Gazetteer, text: str) -> Place:
    """The place named by ``text``, or ``PlaceNotFound`` naming the ``lieu`` field."""
    place = places.resolve(text)
    if place is None:
        raise PlaceNotFound(
            detail=f"Aucune commune ni aucun code postal ne correspond à « {text} ».",
            errors=[FieldError("lieu", "Vérifiez l'orthographe ou essayez le code postal.", text)],
        )
    return place


def point_place(lat: float, lon: float) -> Place:
    """A place for a bare point (the API's ``lat``/``lon``)."""
    label = f"{lat:.5f}, {lon:.5f}"
    return Place(label=label, lat=lat, lon=lon, kind="point", insee=None, postcode=None, departement=None)


def find_nearby(store: Store, places: Gazetteer, query: NearbyQuery) -> NearbyResult:
    """Resolve the query's place (or point) and list the nearest active venues."""
    if query.lieu is not None:
        place = resolve_place(places, query.lieu)
    else:
        assert query.lat is not None and query.lon is not None  # guaranteed by read_nearby_query
        place = point_place(query.lat, query.lon)
    return NearbyResult(place, store.nearest(place.lat, place.lon, limit=query.limit))
