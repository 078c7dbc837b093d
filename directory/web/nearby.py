# SPDX-License-Identifier: Apache-2.0
""" "Venues near a place", without a search: what ``/api/lieux/proches`` answers."""

from __future__ import annotations

from dataclasses import dataclass

from directory.places import Place
from directory.store import NearbyCard, Store

from .finder import locate_request
from .locate import Locator
from .params import NearbyQuery

__all__ = ["NearbyResult", "find_nearby"]


@dataclass(frozen=True, slots=True)
class NearbyResult:
    place: Place
    results: list[NearbyCard]


def find_nearby(store: Store, locator: Locator, query: NearbyQuery) -> NearbyResult:
    """Resolve the query's place (or point) and list the nearest active venues, as cards
    (what the response shows, read in the query that finds them: ``Store.nearest_cards``)."""
    place = locate_request(query, locator)
    assert place is not None  # read_nearby_query asks for a place or a point
    return NearbyResult(place, store.nearest_cards(place.lat, place.lon, limit=query.limit))
