# SPDX-License-Identifier: Apache-2.0
"""``GET /api/sources/{source_id}/retours?depuis=AAAA-MM-JJ``: back to producers (open-data issue §7).

What a source should fix upstream: its records quarantined in its last run,
with the reasons per field, and the corrections curators made since ``depuis``
(midnight UTC) on the venues it feeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from starlette.requests import Request
from starlette.responses import Response

from directory.errors import DirectoryError, FieldError, InvalidQuery
from directory.store import UnknownSource

from .rendering import json_response

__all__ = ["SourceNotFound", "feedback", "parse_since"]


@dataclass
class SourceNotFound(DirectoryError):
    status: ClassVar[int] = 404
    code: ClassVar[str] = "source-introuvable"
    title: ClassVar[str] = "Source introuvable"


def parse_since(raw: str | None) -> datetime | None:
    """``AAAA-MM-JJ`` → that day at midnight UTC; ``None`` stays ``None``.

    :raises ValueError: not a date in this form.
    """
    if raw is None or raw == "":
        return None
    if len(raw) != 10 or not raw.isascii():
        raise ValueError(raw)
    return datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC)


def feedback(request: Request) -> Response:
    """``GET /api/sources/{source_id}/retours?depuis=AAAA-MM-JJ``."""
    source_id = request.path_params["source_id"]
    params = request.query_params
    if len(params.getlist("depuis")) > 1:
        error = FieldError("depuis", "Le paramètre « depuis » est donné plusieurs fois ; donnez-le une seule fois.")
        raise InvalidQuery(detail="Paramètre(s) invalide(s) : depuis.", errors=[error])
    raw = params.get("depuis")
    try:
        since = parse_since(raw)
    except ValueError:
        error = FieldError(
            "depuis", "« depuis » doit être une date AAAA-MM-JJ, par exemple 2025-01-31.", (raw or "")[:80]
        )
        raise InvalidQuery(detail="Paramètre(s) invalide(s) : depuis.", errors=[error]) from None
    try:
        result = request.app.state.store.feedback(source_id, since)
    except UnknownSource:
        raise SourceNotFound(detail=f"Aucune source ne porte l'identifiant « {source_id[:80]} ».") from None
    return json_response(result.as_json(), headers={"Cache-Control": "no-cache"})
