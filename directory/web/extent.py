# SPDX-License-Identifier: Apache-2.0
"""A postcode search: the places of that postcode first, then the others nearby, and how far the list goes.

Someone who types « 69008 » means « near me, in the 8e », not « every place of
France from the nearest to the furthest ». So, around a postcode (a place of
kind ``postcode``, sorted by distance):

- the list holds the matches within a radius: the one asked (``rayon``), or
  the smallest of ``RADIUS_STEPS_KM`` that holds a page of matches
  (``MIN_LISTED``) and every match of the postcode; when even the largest step
  holds fewer, no radius (a word found in three places of France still finds them);
- the matches of the postcode come first (by distance), then the others by
  distance: a place across the street in the next postcode comes after them;
- ``Extent`` says it: the radius, how many matches the postcode holds, and
  the next step to widen the search to.

It runs as at most three index queries: the postcode's matches (a few dozen
at most), the reach of a page of matches (the plan stops once the page is
certain), then the page and the counts within the radius.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from directory.places import Place
from directory.search import MAX_PER_PAGE, Hit, SearchIndex, SearchQuery, SearchResult

__all__ = ["MIN_LISTED", "RADIUS_STEPS_KM", "Extent", "applies", "postcode_first", "postcode_first_map", "radius_for"]

#: Radii a postcode search may stop at, in km (the last is the API's largest ``rayon``).
RADIUS_STEPS_KM: tuple[int, ...] = (2, 5, 10, 20, 50, 100, 200)
#: The chosen radius holds at least this many matches when there are so many within the largest step.
MIN_LISTED = 20


@dataclass(frozen=True, slots=True)
class Extent:
    """How far the list of a postcode search goes."""

    postcode: str
    radius_km: float | None  # None: no radius (fewer than MIN_LISTED matches within the largest step)
    in_postcode: int  # matches of the postcode, listed first
    wider_km: int | None  # the next step, to widen the search (None: at the largest)
    chosen: bool  # the radius was chosen here (False: asked with ``rayon``)


def applies(place: Place | None, q: SearchQuery) -> bool:
    """A postcode typed, results sorted by distance."""
    return place is not None and place.kind == "postcode" and bool(place.postcode) and q.effective_sort == "distance"


def radius_for(index: SearchIndex, q: SearchQuery, farthest_m: float) -> float | None:
    """The smallest step holding ``MIN_LISTED`` matches of ``q`` (its radius aside) and ``farthest_m``;
    None when the largest step holds fewer."""
    hits = index.query(replace(q, radius_km=None, page=1, per_page=MIN_LISTED, facets=())).hits
    reach = (hits[-1].distance_m or 0.0) if len(hits) == MIN_LISTED else math.inf
    needed = max(reach, farthest_m)
    return next((float(step) for step in RADIUS_STEPS_KM if step * 1000 >= needed), None)


def _farthest(hits: list[Hit]) -> float:
    return max((h.distance_m or 0.0 for h in hits), default=0.0)


def postcode_first(index: SearchIndex, q: SearchQuery, place: Place) -> tuple[SearchResult, Extent]:
    """The page ``q`` asks for, the postcode's matches first; the totals and facets within the radius."""
    assert place.postcode is not None
    whole = q.cap  # ``per_page == cap`` asks for every result at once
    area = index.query(replace(q, code_postal=place.postcode, page=1, per_page=whole, facets=()))
    first = area.hits
    chosen = q.radius_km is None
    radius = radius_for(index, q, _farthest(first)) if chosen else q.radius_km
    # The others: enough of the list within the radius to fill the page once the postcode's are set apart.
    needed = min(q.offset + q.per_page + len(first), whole)
    per_page = needed if needed <= MAX_PER_PAGE else whole
    around = index.query(replace(q, radius_km=radius, page=1, per_page=per_page))
    seen = {h.venue_id for h in first}
    ordered = [*first, *(h for h in around.hits if h.venue_id not in seen)]
    result = SearchResult(
        total=around.total,
        total_exact=around.total_exact,
        hits=ordered[q.offset : q.offset + q.per_page],
        facets=around.facets,
        timings={"total": round(sum(r.timings.get("total", 0.0) for r in (area, around)), 3)},
        strategy=f"postcode-first>{around.strategy}",
    )
    steps = [s for s in RADIUS_STEPS_KM if radius is not None and s > radius]
    extent = Extent(place.postcode, radius, len(first), steps[0] if steps else None, chosen)
    return result, extent


def postcode_first_map(index: SearchIndex, q: SearchQuery, place: Place, cap: int) -> list[Hit]:
    """What a map of that list shows, in the list's order: the postcode's matches, then the others
    within the same radius, up to ``cap``."""
    assert place.postcode is not None
    first = index.map_hits(replace(q, code_postal=place.postcode), cap)
    radius = radius_for(index, q, _farthest(first)) if q.radius_km is None else q.radius_km
    seen = {h.venue_id for h in first}
    around = index.map_hits(replace(q, radius_km=radius), cap)
    return [*first, *(h for h in around if h.venue_id not in seen)][:cap]
