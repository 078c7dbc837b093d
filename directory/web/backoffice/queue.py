# SPDX-License-Identifier: Apache-2.0
"""« À vérifier »: what harvests left for a person, one kind per tab, scoped to what they answer for.

- ``doublons``: pairs matching found doubtful, side by side, decided « même lieu » / « lieux
  différents » (``Writer.decide``: sticky, applied at once, the same decision as ``directory review``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from directory.curation import pair_evidence
from directory.errors import Forbidden, InvalidQuery
from directory.search import sync
from directory.store import utcnow

from ..rendering import render
from .guard import Visit

__all__ = ["TABS", "decide_pair", "queue", "queue_counts"]

#: Tab → its title.
TABS = {"doublons": "Doublons possibles"}
_LIMIT = 500  # items shown (and counted) per tab; the count says « 500 et plus » beyond
#: Fields shown side by side for a pair.
PAIR_FIELDS = (
    ("nom", "Nom"), ("adresse", "Adresse"), ("complement_adresse", "Complément"), ("code_postal", "Code postal"),
    ("commune", "Commune"), ("telephone", "Téléphone"), ("courriels", "Courriels"), ("site_web", "Site web"),
    ("pivot", "SIRET"), ("horaires", "Horaires"),
)  # fmt: skip


def _pairs(request: Request, visit: Visit, limit: int = _LIMIT) -> list[dict[str, Any]]:
    return request.app.state.store.review_items(limit=limit, scope=visit.scope)


def queue_counts(request: Request, visit: Visit) -> dict[str, int]:
    return {"doublons": len(_pairs(request, visit))}


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


async def queue(request: Request, visit: Visit) -> Response:
    tab = request.query_params.get("onglet", "doublons")
    if tab not in TABS:
        raise InvalidQuery(detail=f"Onglet inconnu : choisissez parmi {', '.join(TABS)}.")
    names = request.app.state.store.sources.names()
    pairs = [
        {
            **item,
            "evidence": pair_evidence(item["parts"] or {}, item["left"], item["right"]),
            "rows": [(label, _shown(item["left"].get(name)), _shown(item["right"].get(name))) for name, label in PAIR_FIELDS],
            "sources": tuple(names.get(item[key].split(":", 1)[0], item[key].split(":", 1)[0]) for key in ("left_key", "right_key")),
        }
        for item in _pairs(request, visit)
    ]  # fmt: skip
    context = {
        "visit": visit, "nav": "queue", "tab": tab, "tabs": TABS, "counts": {"doublons": len(pairs)}, "pairs": pairs,
        "limit": _LIMIT, "done": request.query_params.get("fait"),
    }  # fmt: skip
    return render(request, "gestion/queue.html", context)


async def decide_pair(request: Request, visit: Visit) -> Response:
    """« Même lieu » or « lieux différents » on the pair ``pk`` of the queue."""
    store = request.app.state.store
    assert visit.form is not None
    decision = {"meme-lieu": "match", "lieux-differents": "distinct"}.get(str(visit.form.get("decision", "")))
    if decision is None:
        raise InvalidQuery(detail="Décision inconnue : « même lieu » ou « lieux différents ».")
    item = store.review_item(int(request.path_params["pk"]))
    if item is None:
        raise InvalidQuery(detail="Cette paire n'est plus à vérifier : elle a été décidée, ou ses fiches ont changé.")
    if not any(visit.scope.contains(item[f"{side}_venue"], item[side].get("code_insee")) for side in ("left", "right")):
        raise Forbidden(detail="Cette paire ne concerne aucun des lieux dont vous répondez.")
    with store.writer() as writer:
        writer.decide(item["left_key"], item["right_key"], decision, visit.account.login, utcnow())
    sync(request.app.state.index, store)
    target = request.url_for("gestion_queue").path + f"?onglet=doublons&fait={'meme-lieu' if decision == 'match' else 'lieux-differents'}"
    return RedirectResponse(target, status_code=303)
