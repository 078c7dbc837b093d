# SPDX-License-Identifier: Apache-2.0
"""The back office's home (what waits for this person, their venues, the last harvests feeding them)
and the list of their venues with the filters an animator works through."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from directory.curation import ROLES, territory_label
from directory.store import CARE_FILTERS

from ..display import local_now
from ..rendering import render
from .guard import Visit
from .queue import queue_counts

__all__ = ["home", "venue_list"]

PAGE_SIZE = 50


async def home(request: Request, visit: Visit) -> Response:
    store, places = request.app.state.store, request.app.state.places
    today = local_now().date()
    care = {name: store.scope_venues(visit.scope, care=name, today=today, limit=0)[0] for name in CARE_FILTERS}
    total = store.scope_venues(visit.scope, today=today, limit=0)[0]
    feeding = store.scope_sources(visit.scope)
    runs, names = store.sources.last_runs(), store.sources.names()
    harvests = [
        {"id": source_id, "name": names.get(source_id, source_id), "venues": count, "run": runs.get(source_id)}
        for source_id, count in sorted(feeding.items(), key=lambda item: -item[1])
    ]
    context = {
        "visit": visit,
        "nav": "home",
        "role": ROLES.get(visit.account.role, visit.account.role),
        "territories": [territory_label(t, places) for t in visit.account.territories],
        "queue": queue_counts(request, visit),
        "total": total,
        "care": care,
        "care_labels": CARE_FILTERS,
        "harvests": harvests,
        "claims": len(store.claims.list(scope=visit.scope)) if visit.account.role != "structure" else None,
        "holds": len(store.holds.find(visit.scope)) if visit.account.role != "structure" else None,
    }
    return render(request, "gestion/home.html", context)


async def venue_list(request: Request, visit: Visit) -> Response:
    store = request.app.state.store
    care = request.query_params.get("filtre") or None
    care = care if care in CARE_FILTERS else None
    text = request.query_params.get("q", "")[:100]
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    total, venues = store.scope_venues(
        visit.scope, care=care, text=text, today=local_now().date(), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    pages = max(1, -(-total // PAGE_SIZE))
    context = {
        "visit": visit,
        "nav": "venues",
        "venues": venues,
        "total": total,
        "care": care,
        "text": text,
        "care_labels": CARE_FILTERS,
        "page": min(page, pages),
        "pages": pages,
    }
    return render(request, "gestion/venues.html", context)
