# SPDX-License-Identifier: Apache-2.0
"""« Fusions automatiques »: the pairs of records matching merged without a person (``Store.merged_page``),
newest first, within the person's scope, each with both records side by side, the evidence in words
(``curation.pair_evidence``) and « Séparer » — the venue's split (``reshaping.split``): the record that
joined later becomes a venue of its own, and a decision keeps it apart in every harvest to come."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from directory.curation import pair_evidence

from ..rendering import render
from .guard import Visit
from .queue import pair_rows

__all__ = ["PAGE_SIZE", "automatic_merges"]

PAGE_SIZE = 20
#: Rows always shown for a pair; the others only where the two records differ.
_ALWAYS = frozenset({"Nom", "Adresse", "Code postal", "Commune"})


def page_number(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def _view(item: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    sides = []
    for side in ("left", "right"):
        key = item[f"{side}_key"]
        source_id = key.split(":", 1)[0]
        sides.append({"key": key, "source": names.get(source_id, source_id), "record": item[side]})
    return {
        "pk": item["pk"],
        "at": item["created_at"],
        "score": item["score"],
        "venue": item["left_venue"],
        "joined": item["joined"],
        "leaving": next(s for s in sides if s["key"] == item["joined"]),
        "sides": sides,
        "evidence": pair_evidence(item["parts"] or {}, item["left"], item["right"]),
        "rows": [row for row in pair_rows(item["left"], item["right"]) if row[0] in _ALWAYS or row[1] != row[2]],
    }


async def automatic_merges(request: Request, visit: Visit) -> Response:
    store = request.app.state.store
    page = page_number(request)
    items, more = store.merged_page(visit.scope, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    names = store.sources.names()
    context = {
        "visit": visit,
        "nav": "queue",
        "merges": [_view(item, names) for item in items],
        "page": page,
        "first": (page - 1) * PAGE_SIZE + 1,
        "more": more,
    }
    return render(request, "gestion/merges.html", context)
