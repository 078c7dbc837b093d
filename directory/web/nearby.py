# SPDX-License-Identifier: Apache-2.0
""""Venues near a place", without a search: what ``/api/lieux/proches`` answers."""

from __future__ import annotations

from dataclasses import dataclass

from directory.places import Place
from directory.store import Nearby, Store

from .locate import Locator
from .params import NearbyQuery

__all__ = ["NearbyResult", "find_nearby"]


@dataclass(frozen=True, slots=True)
class NearbyResult:
    place: Place
    results: list[Nearby]


def find_nearby(store: Store, locator: Locator, query: NearbyQuery) -> NearbyResult:
    """Resolve the query's place (or point) and list the nearest active venues."""
    if query.lieu is not None:
        place = locator.locate(query.lieu)
    else:
        assert query.lat is not None and query.lon is not None  # guaranteed by read_nearby_query
        place = locator.point(query.lat, query.lon)
    return NearbyResult(place, store.nearest(place.lat, place.lon, limit=query.limit))
