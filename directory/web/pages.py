# SPDX-License-Identifier: Apache-2.0
"""The search page: form, results, filters with counts, pages, map; server-rendered.

Every state (need, place, filters, page, list or map view) is in the address,
so "back" and a shared link give the same page. The venue page is in ``venue.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from directory.errors import InvalidQuery, PlaceNotFound
from directory.schema import DERIVED_VOCABULARIES, FILTER_VOCABULARIES

from .display import local_now, week_hours
from .finder import FACETS, FAR_M, Found, find
from .offers import stops_near
from .params import WEEKDAY_PARAMS, SearchRequest, printable, read_search
from .rendering import render

__all__ = ["FacetGroup", "FacetOption", "home", "search_context"]

#: What the page calls each filter.
FACET_TITLES = {
    "services": "Besoin",
    "creneaux": "Horaires élargis",
    "accessibilite": "Accessibilité",
    "frais_a_charge": "Frais",
    "conditions_frais": "Pass numérique et conditions",
    "publics_specifiquement_adresses": "Publics",
    "modalites_accompagnement": "Façon d'être accompagné",
    "prise_en_charge_specifique": "Accompagnement adapté",
    "modalites_acces": "Comment y accéder",
    "dispositif_programmes_nationaux": "Dispositifs nationaux",
    "formations_labels": "Labels",
}
#: Values of ``ouvert`` as the form offers them.
OPEN_CHOICES = [
    ("", "Peu importe"),
    ("maintenant", "Ouvert maintenant"),
    *((d, f"Ouvert le {d}") for d in WEEKDAY_PARAMS),
]


@dataclass(frozen=True, slots=True)
class FacetOption:
    code: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True, slots=True)
class FacetGroup:
    name: str
    title: str
    options: list[FacetOption]


@dataclass(frozen=True, slots=True)
class ActiveFilter:
    """A chosen filter, with the link that removes it."""

    label: str
    remove_url: str


def _url(request: Request, search: SearchRequest, route: str = "home", **changes: object) -> str:
    query = urlencode(search.params(**changes))
    return request.url_for(route).path + (f"?{query}" if query else "")


def _facet_groups(found: Found) -> list[FacetGroup]:
    groups = []
    chosen = found.request.filters
    for name in FACETS:
        vocabulary = FILTER_VOCABULARIES[name]
        counts = found.result.facets.get(name, {})
        selected = set(chosen.get(name, ()))
        always = name in DERIVED_VOCABULARIES  # a few plain questions: asked even when no place says yes
        options = [
            FacetOption(m.code, m.label, counts.get(m.code, 0), m.code in selected)
            for m in vocabulary
            if always or counts.get(m.code) or m.code in selected
        ]
        if options:
            groups.append(FacetGroup(name, FACET_TITLES[name], options))
    return groups


def _active_filters(search: SearchRequest, link: Callable[..., str]) -> list[ActiveFilter]:
    active = []
    for name, codes in search.filters.items():
        vocabulary = FILTER_VOCABULARIES[name]
        for code in codes:
            rest = {**search.filters, name: tuple(c for c in codes if c != code)}
            member = vocabulary.parse(code)
            label = member.label if member is not None else code
            active.append(ActiveFilter(label, link(filters=rest, page=1)))
    if search.ouvert:
        label = "Ouvert maintenant" if search.ouvert == "maintenant" else f"Ouvert le {search.ouvert}"
        active.append(ActiveFilter(label, link(ouvert=None, page=1)))
    return active


def _pages(found: Found, link: Callable[..., str]) -> list[tuple[int, str]]:
    """Links to the pages around the current one (first, last, two on each side)."""
    current, last = found.request.page, found.pages
    shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    return [(n, link(page=n)) for n in shown]


def search_context(
    request: Request, params: QueryParams, route: str = "home", *, browse_all: bool = False
) -> tuple[dict[str, Any], int]:
    """Everything a results template needs, and the status code; shared by ``/`` and ``/embed``.

    :param browse_all: list every venue (by name) when nothing is asked, instead of only the form.
    """
    context: dict[str, Any] = {  # a template's context
        "search": SearchRequest(),
        "errors": {},
        "found": None,
        "suggestions": [],
        "facets": [],
        "active": [],
        "page_links": [],
        "open_choices": OPEN_CHOICES,
        "lieu": "",
        "besoin": "",
        "url": lambda **changes: _url(request, context["search"], route, **changes),
        "map_url": "",
        "print_url": "",
        "empty_store": False,
        "not_found": False,
        "stops": [],
        "far_km": FAR_M // 1000,
        "tile_url": request.app.state.settings.tile_url,
        "tile_attribution": request.app.state.settings.tile_attribution,
    }
    try:
        search = read_search(params, strict=False)
    except InvalidQuery as err:
        context.update(
            errors={e.field: e.message for e in err.errors},
            lieu=printable(params.get("lieu", "")),
            besoin=printable(params.get("q", "")),
        )
        return context, 400
    context.update(search=search, lieu=search.lieu or "", besoin=search.besoin or "")
    if not search.is_search and not browse_all:
        if "lieu" in params or "q" in params:  # the form was sent empty
            context.update(errors={"lieu": "Indiquez un code postal, une commune ou une adresse."})
        return context, 200
    state = request.app.state
    try:
        found = find(state.store, state.index, state.locator, search, local_now())
    except PlaceNotFound:
        assert search.lieu is not None
        context.update(suggestions=state.locator.suggest(search.lieu), not_found=True)
        return context, 200
    except InvalidQuery as err:
        context.update(errors={e.field: e.message for e in err.errors})
        return context, 400
    link = context["url"]
    context.update(
        found=found,
        facets=_facet_groups(found),
        active=_active_filters(search, link),
        page_links=_pages(found, link),
        map_url=request.url_for("api_map").path + "?" + urlencode(search.params(page=1, par_page=20, vue="liste")),
        # The printable list is a page of the site: a partner's frame may not show it.
        print_url=_url(request, search, "print_results", vue="liste") if route != "embed" else "",
        empty_store=not found.cards and state.store.count_venues() == 0,
        # Around a place, the stops of itinerant mediation nearby answering the search: places of their own (``offers``).
        stops=stops_near(
            state.store,
            found.place.lat,
            found.place.lon,
            local_now(),
            radius_km=search.rayon_km,
            search=search,
            index=state.index,
        )
        if found.place is not None and search.page == 1
        else [],
    )
    return context, 200


def home(request: Request) -> Response:
    """``GET /``: the search form and, once something is asked, the results."""
    context, status = search_context(request, request.query_params)
    return render(request, "home.html", context, status=status)


def print_results(request: Request) -> Response:
    """``GET /imprimer?…``: the current page of results to print for someone,
    with each venue's hours for the coming week."""
    context, status = search_context(request, request.query_params)
    found: Found | None = context["found"]
    today = local_now().date()
    weeks = {c.venue.id: week_hours(c.venue.horaires, today) for c in found.cards} if found else {}
    context.update(weeks=weeks, printed_on=today)
    return render(request, "print_list.html", context, status=status)
