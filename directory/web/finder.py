# SPDX-License-Identifier: Apache-2.0
""" "Find the places that help with my need, near me": the one search the page,
the API, the map and the embed share.

A ``SearchRequest`` (what the address bar says) becomes a place (postcode,
commune, address or point), then a ``SearchQuery`` for the index; the page of
hits is read back from the store, so what people see is the store's truth and
the index only chooses and orders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from directory.export import read_territory
from directory.places import Gazetteer, Place
from directory.schema import Venue, is_approximate
from directory.search import CANDIDATE_CAP, MAP_CAP, Hit, SearchIndex, SearchQuery, SearchResult
from directory.store import Store, VenueFilter, values_to_venue

from .display import OpenLabel, open_label
from .extent import Extent, postcode_first, postcode_first_map
from .extent import applies as extent_applies
from .locate import Locator
from .params import SORT_PARAMS, WEEKDAY_PARAMS, SearchRequest

__all__ = ["FACETS", "FAR_M", "Card", "Found", "find", "map_points", "to_query"]

#: The filters offered with counts, in the order the page shows them.
FACETS: tuple[str, ...] = (
    "services",
    "creneaux",
    "accessibilite",
    "frais_a_charge",
    "conditions_frais",
    "publics_specifiquement_adresses",
    "modalites_accompagnement",
    "prise_en_charge_specifique",
    "modalites_acces",
    "dispositif_programmes_nationaux",
    "formations_labels",
)


#: Beyond this, "the nearest" is no longer near: the page says so.
FAR_M = 15_000


@dataclass(slots=True)
class Card:
    """One result as pages and the API show it, read as the venue's stored values
    (``Store.venue_values``): the API writes its national row from them, and the
    ``Venue`` the pages show is built on first use."""

    rank: int  # 1-based position in the whole result list
    distance_m: float | None
    open: OpenLabel | None
    #: The point is only the commune's centre (``schema.placement``): the card says « position approximative ».
    approximate: bool
    values: Mapping[str, Any]
    _venue: Venue | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def id(self) -> str:
        venue_id: str = self.values["id"]
        return venue_id

    @property
    def venue(self) -> Venue:
        if self._venue is None:
            self._venue = values_to_venue(self.values["id"], self.values)
        return self._venue


@dataclass(slots=True)
class Found:
    """The answer to one search."""

    request: SearchRequest
    place: Place | None
    result: SearchResult
    cards: list[Card] = field(default_factory=list)
    #: Around a postcode: how far the list goes (``extent``); None otherwise.
    extent: Extent | None = None

    @property
    def nearest_is_far(self) -> bool:
        """Around a place, even the nearest result is further than ``FAR_M``."""
        first = self.cards[0].distance_m if self.cards and self.request.page == 1 else None
        return first is not None and first > FAR_M

    @property
    def pages(self) -> int:
        """Pages of results, within the first ``CANDIDATE_CAP`` (the index pages no further)."""
        per_page = self.request.par_page
        return max(1, min(-(-self.result.total // per_page), CANDIDATE_CAP // per_page))


def territory_filter(request: SearchRequest, places: Gazetteer) -> VenueFilter | None:
    """The territory a search's ``commune`` (with its arrondissements), ``epci`` (its
    communes) or ``bbox`` stands for, read as the exports read them (``export.territory``);
    None when none is asked.

    :raises InvalidQuery: a code that names no commune or intercommunality, both given, a bad box.
    """
    if request.commune is None and request.epci is None and request.bbox is None:
        return None
    return read_territory({"commune": request.commune, "epci": request.epci, "bbox": request.bbox}, places)[1]


def to_query(
    request: SearchRequest,
    place: Place | None,
    now: datetime,
    *,
    facets: bool = True,
    territory: VenueFilter | None = None,
) -> SearchQuery:
    """The index query of a search around ``place`` (None: no point), within ``territory`` when given."""
    open_at = now if request.ouvert == "maintenant" else None
    open_day = WEEKDAY_PARAMS.index(request.ouvert) if request.ouvert in WEEKDAY_PARAMS else None
    return SearchQuery(
        text=request.besoin or "",
        lat=place.lat if place else None,
        lon=place.lon if place else None,
        radius_km=request.rayon_km if place else None,
        filters=request.filters,
        departement=request.departement,
        code_insee=request.code_insee,
        code_postal=request.code_postal,
        communes=territory.communes if territory else (),
        bbox=territory.bbox if territory else None,
        open_at=open_at,
        open_day=open_day,
        today=now.date(),
        sort=SORT_PARAMS[request.tri] if request.tri else None,
        page=request.page,
        per_page=request.par_page,
        facets=FACETS if facets else (),
    )


class WhereAsked(Protocol):
    """What a request says of its place (``SearchRequest``, ``NearbyQuery``)."""

    @property
    def lieu(self) -> str | None: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def lon(self) -> float | None: ...


def locate_request(request: WhereAsked, locator: Locator) -> Place | None:
    """The place of a search: its point, its ``lieu`` resolved, or None.

    :raises PlaceNotFound: ``lieu`` names nothing known.
    """
    if request.lat is not None and request.lon is not None:
        return locator.point(request.lat, request.lon)
    if request.lieu is not None:
        return locator.locate(request.lieu)
    return None


def find(store: Store, index: SearchIndex, locator: Locator, request: SearchRequest, now: datetime) -> Found:
    """Run a search and read its page of venues from the store.

    :raises PlaceNotFound: the ``lieu`` names nothing known.
    :raises InvalidQuery: the request breaks a limit of the index (page too far…), or
        its ``commune``, ``epci`` or ``bbox`` is not one.
    """
    territory = territory_filter(request, locator.places)
    place = locate_request(request, locator)
    q = to_query(request, place, now, territory=territory)
    extent = None
    if place is not None and extent_applies(place, q):
        result, extent = postcode_first(index, q, place)
    else:
        result = index.query(q)
    stored = store.venue_values(result.ids)
    cards = [
        _card((request.page - 1) * request.par_page + i, h, stored[h.venue_id], now)
        for i, h in enumerate(result.hits, 1)
        if h.venue_id in stored  # withdrawn since the index was synced: left out
    ]
    return Found(request, place, result, cards, extent)


def _card(rank: int, hit: Hit, values: Mapping[str, Any], now: datetime) -> Card:
    placed = values["latitude"] is not None and values["longitude"] is not None  # ``Venue.point``
    approximate = placed and is_approximate(values["geo_method"])
    return Card(rank, hit.distance_m, open_label(values["horaires"], now), approximate, values)


def map_points(
    index: SearchIndex, locator: Locator, request: SearchRequest, now: datetime
) -> tuple[Place | None, list[Hit], int]:
    """The results of a search that a map shows, in list order.

    Around a place, the ones the list can page through (``CANDIDATE_CAP``, the
    nearest): a word found all over France must not ship the whole country to
    a phone. Without a place (a territory, an embed), all of them up to ``MAP_CAP``.

    :returns: the place, the hits with a point, and the cap that applied.
    """
    territory = territory_filter(request, locator.places)
    place = locate_request(request, locator)
    cap = CANDIDATE_CAP if place is not None else MAP_CAP
    q = to_query(request, place, now, facets=False, territory=territory)
    if place is not None and extent_applies(place, q):
        return place, postcode_first_map(index, q, place, cap), cap
    return place, index.map_hits(q, cap), cap
