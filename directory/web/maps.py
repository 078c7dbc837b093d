# SPDX-License-Identifier: Apache-2.0
"""What the map of results loads: every result's point, and one venue's card on demand.

The page lists a page of results; its map shows them numbered and, clustered
around them, the other results of the same search: around a place, the 2,000
nearest (what the list can page through); over a territory, all of them (up
to ``MAP_CAP``). Points
come as compact rows ``[lat, lon, id]`` (~35 bytes each, so 10,000 venues weigh
about 350 KB before compression); a marker's card is fetched by id when opened,
never shipped with the points. The stops of the results' itinerant offers, and around a place those
near it that the page lists, come beside them (``arrets``: place, venue, offer and « prochain passage »,
``offers.stop_rows``): places of their own, answering the search's filters as the results do.

The map itself is drawn in the browser by ``static/map.js`` with Leaflet and
Leaflet.markercluster, served by the app: folium, which wraps the same
libraries, writes its maps as inline scripts that load them from CDNs, which the
site's Content-Security-Policy and offline use both rule out.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from directory.errors import VenueNotFound
from directory.schema import is_approximate
from directory.store import is_venue_id

from .display import local_now, open_label
from .finder import map_points
from .offers import stop_rows
from .params import read_search
from .rendering import cached_json, render

__all__ = ["map_card", "points"]


def points(request: Request) -> Response:
    """``GET /api/carte?…``: the search's results as ``[lat, lon, id]`` rows."""
    state = request.app.state
    search = read_search(request.query_params)
    now = local_now()
    place, hits, cap = map_points(state.index, state.locator, search, now)
    body = {
        "lieu": {"label": place.label, "latitude": place.lat, "longitude": place.lon} if place else None,
        "total": len(hits),
        "complet": len(hits) < cap,  # at the cap, more results may lie beyond it
        # map_points gives hits with a point only
        "points": [
            [round(h.lat, 5), round(h.lon, 5), h.venue_id] for h in hits if h.lat is not None and h.lon is not None
        ],
        # The stops of these venues' itinerant offers and, around a place, the stops near it the page
        # lists, answering the search: places of their own (``offers``).
        "arrets": stop_rows(
            state.store,
            (h.venue_id for h in hits),
            now,
            search,
            around=(place.lat, place.lon) if place is not None else None,
            index=state.index,
        ),
    }
    return cached_json(request, body, max_age=60)


def map_card(request: Request) -> Response:
    """``GET /carte/lieux/{id}``: the short card a map marker opens (an HTML fragment)."""
    venue_id: str = request.path_params["venue_id"]
    stored = request.app.state.store.get_venue(venue_id) if is_venue_id(venue_id) else None
    if stored is None or stored.status != "active":
        raise VenueNotFound(detail="Aucun lieu de l'annuaire ne porte cet identifiant. Il a peut-être été retiré.")
    venue = stored.venue
    approximate = venue.point is not None and is_approximate(stored.geo_method)
    context = {"venue": venue, "open": open_label(venue.horaires, local_now()), "approximate": approximate}
    return render(request, "_map_card.html", context)
