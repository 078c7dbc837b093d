# SPDX-License-Identifier: Apache-2.0
"""« Historique »: every change of a venue — who (an account, a source, a merge), when, which field,
old and new value — in French, with « annuler » per change and « revenir à cette date »; both write
through ``Writer.revert_change`` / ``Writer.revert_to``, so provenance, the change feed and the search
index follow like for any correction."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from directory.errors import InvalidQuery
from directory.search import sync
from directory.store import InvalidValue, NotRevertible, utcnow

from ..rendering import render
from .editing import load_venue, venue_redirect
from .fields import LABELS, described
from .guard import Visit

__all__ = ["ACTIONS", "history", "revert_change", "revert_to"]

ACTIONS = {
    "create": "création",
    "update": "modification",
    "withdraw": "retrait",
    "restore": "retour dans l'annuaire",
    "merge": "fusion",
    "publish": "publication",
    "refuse": "refus (jamais publié)",
    "records": "sources du lieu",  # its records changed, not what it shows (``store._merging``)
}


def _who(row: dict[str, Any], accounts: dict[str, str], sources: dict[str, str]) -> str:
    if row["actor"]:
        name = accounts.get(row["actor"])
        return f"{name} ({row['actor']})" if name else row["actor"]
    if row["source_id"]:
        return f"source « {sources.get(row['source_id'], row['source_id'])} »"
    return "l'annuaire"


async def history(request: Request, visit: Visit) -> Response:
    store = request.app.state.store
    stored = load_venue(request, visit, request.path_params["venue_id"])
    accounts = {a.login: a.name for a in store.accounts.all()}
    sources = store.sources.names()
    entries = [
        {
            "seq": row["seq"],
            "at": row["at"],
            "action": ACTIONS.get(row["action"], row["action"]),
            "field": LABELS.get(row["field"] or "", row["field"] or ""),
            "old": described(row["old"], row["field"]),
            "new": described(row["new"], row["field"]) if row["action"] != "create" else "",
            "who": _who(row, accounts, sources),
            "revertible": row["action"] == "update" and stored.status == "active",
        }
        for row in reversed(store.history(stored.venue.id))
    ]
    context = {
        "visit": visit,
        "nav": "venues",
        "stored": stored,
        "venue": stored.venue,
        "entries": entries,
        "message": request.query_params.get("message"),
    }
    return render(request, "gestion/history.html", context)


def _refused(err: Exception) -> InvalidQuery:
    if isinstance(err, InvalidValue):
        return InvalidQuery(detail="L'ancienne valeur n'est plus acceptée : " + str(err))
    return InvalidQuery(detail=str(err))


async def revert_change(request: Request, visit: Visit) -> Response:
    """« Annuler cette modification »: the field gets back its value from before the change."""
    store, form = request.app.state.store, visit.form
    assert form is not None
    stored = load_venue(request, visit, request.path_params["venue_id"])
    try:
        seq = int(str(form.get("seq", "")))
    except ValueError as err:
        raise InvalidQuery(detail="Modification inconnue.") from err
    if seq not in {row["seq"] for row in store.history(stored.venue.id)}:
        raise InvalidQuery(detail="Cette modification ne concerne pas ce lieu.")
    try:
        with store.writer() as writer:
            writer.revert_change(seq, visit.account.login, utcnow(), places=request.app.state.places)
    except (NotRevertible, InvalidValue) as err:
        raise _refused(err) from err
    sync(request.app.state.index, store)
    return venue_redirect(request, stored.venue.id, "gestion_history", message="annule")


async def revert_to(request: Request, visit: Visit) -> Response:
    """« Revenir à cette date »: every field changed since the end of that day gets back its value."""
    store, form = request.app.state.store, visit.form
    assert form is not None
    stored = load_venue(request, visit, request.path_params["venue_id"])
    try:
        day = datetime.fromisoformat(str(form.get("date", ""))).date()
    except ValueError as err:
        raise InvalidQuery(detail="Date invalide : choisissez un jour (AAAA-MM-JJ).") from err
    when = datetime.combine(day, time.max, tzinfo=UTC)
    try:
        with store.writer() as writer:
            writer.revert_to(stored.venue.id, when, visit.account.login, utcnow(), places=request.app.state.places)
    except (NotRevertible, InvalidValue) as err:
        raise _refused(err) from err
    sync(request.app.state.index, store)
    return venue_redirect(request, stored.venue.id, "gestion_history", message="retour")
