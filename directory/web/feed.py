# SPDX-License-Identifier: Apache-2.0
"""``GET /api/changes?since=CURSOR&limite=N``: the change feed, one item per venue.

Each item carries the venue's current state as a national-standard row with
the extension columns (``conditions_frais``: a following instance keeps « Accepte
le Pass numérique ») plus ``origine``/``lignee`` when known and the venue's offers (``offres``, in
``schema.offer``'s stored form: a following instance keeps them), or ``null`` for a tombstone (withdrawn or
merged, then ``merged_into`` names the venue that absorbed it). Follow
``next`` until ``more`` is false, keep ``next`` and call again later. The
cursor never skips nor repeats a change (see ``directory.store._feed``).
The ETag is the change log's head (and the request's terms): a client polling with ``If-None-Match`` gets 304
until something new is handed out.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from directory.errors import FieldError, InvalidQuery
from directory.export import national_row
from directory.schema import offer_record
from directory.store import ChangeFeed, FeedItem, decode_cursor

from .rendering import json_response

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "changes", "item_json"]

DEFAULT_LIMIT = 500
MAX_LIMIT = 1000


def item_json(item: FeedItem) -> dict[str, Any]:
    venue: dict[str, Any] | None = None
    if item.venue is not None:
        venue = national_row(item.venue, extensions=True)
        if item.origin:
            venue["origine"] = item.origin
        if item.lineage:
            venue["lignee"] = "|".join(item.lineage)
        if item.venue.offres:  # the offers, in their stored form: a following instance keeps them
            venue["offres"] = [offer_record(replace(offer, source=None)) for offer in item.venue.offres]
    return {
        "cursor": item.cursor,
        "venue_id": item.venue_id,
        "action": item.action,
        "merged_into": item.merged_into,
        "at": item.at.isoformat(),
        "venue": venue,
    }


def _read(request: Request) -> tuple[int, int]:
    params = request.query_params
    errors: list[FieldError] = []
    since, limit = 0, DEFAULT_LIMIT
    for name in ("since", "limite"):
        if len(params.getlist(name)) > 1:
            errors.append(
                FieldError(name, f"Le paramètre « {name} » est donné plusieurs fois ; donnez-le une seule fois.")
            )
    if not errors:
        raw = params.get("since")
        try:
            since = decode_cursor(raw)
        except ValueError:
            errors.append(
                FieldError(
                    "since", "Curseur inconnu : reprenez celui donné par « next » ou « cursor ».", (raw or "")[:80]
                )
            )
        raw = params.get("limite")
        if raw is not None:
            if raw.isascii() and raw.isdigit() and len(raw) <= 6 and 1 <= int(raw) <= MAX_LIMIT:
                limit = int(raw)
            else:
                errors.append(
                    FieldError("limite", f"« limite » doit être un nombre entier entre 1 et {MAX_LIMIT}.", raw[:80])
                )
    if errors:
        fields = ", ".join(dict.fromkeys(e.field for e in errors))
        raise InvalidQuery(detail=f"Paramètre(s) invalide(s) : {fields}.", errors=errors)
    return since, limit


def changes(request: Request) -> Response:
    """``GET /api/changes?since=CURSOR&limite=N`` (N from 1 to 1000, default 500)."""
    since, limit = _read(request)
    store = request.app.state.store
    # The whole response is a function of the request's terms and the change log's head.
    version, _ = store.last_change()
    etag = f'W/"{version}-{since}-{limit}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        if "*" in tags or etag.removeprefix("W/") in tags:
            return Response(status_code=304, headers=headers)
    page = ChangeFeed(store).page(since, limit)
    body = {"items": [item_json(i) for i in page.items], "next": page.next, "more": page.more}
    return json_response(body, headers=headers)
