# SPDX-License-Identifier: Apache-2.0
"""« À vérifier »: what harvests left for a person, one kind per tab, scoped to what they answer for.

- ``doublons``: pairs matching found doubtful, side by side, decided « même lieu » / « lieux
  différents » (``Writer.decide``: sticky, applied at once, the same decision as ``directory review``).
- ``changements``: what a harvest would change in a field a person locked (« la source X propose …
  au lieu de … »), accepted (the lock moves to the new value) or rejected with a reason (that value
  of that source is never proposed again).
- ``nouveaux`` and ``quarantaine``: new venues of a source trusted less than its threshold, and
  records a harvest could not keep (``review``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from directory.curation import pair_evidence
from directory.errors import Forbidden, InvalidQuery
from directory.search import sync
from directory.store import InvalidValue, Proposal, ProposalClosed, UnknownProposal, is_venue_id, utcnow

from ..rendering import render
from .fields import LABELS, described
from .guard import Visit
from .review import pending_views, quarantine_views

__all__ = ["TABS", "decide_pair", "decide_proposal", "pair_rows", "queue", "queue_counts"]

#: Tab → its title.
TABS = {
    "doublons": "Doublons possibles",
    "changements": "Changements proposés",
    "nouveaux": "Nouveaux lieux à publier",
    "quarantaine": "Fiches en quarantaine",
}
_LIMIT = 500  # items shown (and counted) per tab; the count says « 500 et plus » beyond
#: Fields shown side by side for a pair.
PAIR_FIELDS = (
    ("nom", "Nom"),
    ("adresse", "Adresse"),
    ("complement_adresse", "Complément"),
    ("code_postal", "Code postal"),
    ("commune", "Commune"),
    ("telephone", "Téléphone"),
    ("courriels", "Courriels"),
    ("site_web", "Site web"),
    ("pivot", "SIRET"),
    ("horaires", "Horaires"),
)


def _waiting(request: Request, visit: Visit) -> dict[str, list[Any]]:
    """What waits for the person, tab by tab (at most ``_LIMIT`` each): read once a page, for the
    counts and for the tab shown."""
    store = request.app.state.store
    return {
        "doublons": store.review_items(limit=_LIMIT, scope=visit.scope),
        "changements": store.proposals(scope=visit.scope.clause(), limit=_LIMIT),
        "nouveaux": store.pending_venues(visit.scope, limit=_LIMIT),
        "quarantaine": store.quarantined(visit.scope, limit=_LIMIT),
    }


def queue_counts(request: Request, visit: Visit) -> dict[str, int]:
    return {tab: len(items) for tab, items in _waiting(request, visit).items()}


def _proposal_view(p: Proposal) -> dict[str, Any]:
    label = (
        "L'adresse"
        if p.field == "adresse"
        else "La position"
        if p.field == "latitude"
        else LABELS.get(p.field, p.field)
    )
    return {
        "pk": p.pk,
        "venue_id": p.venue_id,
        "venue_name": p.venue_name,
        "label": label,
        "source": p.source_name,
        "value": described(p.value, p.field),
        "current": described(p.current, p.field),
        "at": p.created_at,
    }


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def pair_rows(left: dict[str, Any], right: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, left's value, right's value) of the fields a person compares two records by."""
    return [(label, _shown(left.get(name)), _shown(right.get(name))) for name, label in PAIR_FIELDS]


async def queue(request: Request, visit: Visit) -> Response:
    tab = request.query_params.get("onglet", "doublons")
    if tab not in TABS:
        raise InvalidQuery(detail=f"Onglet inconnu : choisissez parmi {', '.join(TABS)}.")
    waiting = _waiting(request, visit)
    names = request.app.state.store.sources.names()
    pairs = (
        []
        if tab != "doublons"
        else [
            {
                **item,
                "evidence": pair_evidence(item["parts"] or {}, item["left"], item["right"]),
                "rows": pair_rows(item["left"], item["right"]),
                "sources": tuple(
                    names.get(item[key].split(":", 1)[0], item[key].split(":", 1)[0])
                    for key in ("left_key", "right_key")
                ),
            }
            for item in waiting["doublons"]
        ]
    )
    proposals = [_proposal_view(p) for p in waiting["changements"]] if tab == "changements" else []
    pending = pending_views(waiting["nouveaux"]) if tab == "nouveaux" else []
    quarantined = quarantine_views(waiting["quarantaine"]) if tab == "quarantaine" else []
    made = request.query_params.get("lieu", "")
    context = {
        "visit": visit,
        "nav": "queue",
        "tab": tab,
        "tabs": TABS,
        "counts": {tab: len(items) for tab, items in waiting.items()},
        "pairs": pairs,
        "proposals": proposals,
        "pending": pending,
        "quarantined": quarantined,
        "limit": _LIMIT,
        "done": request.query_params.get("fait"),
        "made": made if is_venue_id(made) else None,
    }
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
    target = (
        request.url_for("gestion_queue").path
        + f"?onglet=doublons&fait={'meme-lieu' if decision == 'match' else 'lieux-differents'}"
    )
    return RedirectResponse(target, status_code=303)


async def decide_proposal(request: Request, visit: Visit) -> Response:
    """« Accepter » (the lock moves to the source's value) or « refuser » (with a reason) a proposal."""
    store = request.app.state.store
    assert visit.form is not None
    pk = int(request.path_params["pk"])
    choice = str(visit.form.get("decision", ""))
    if choice not in ("accepter", "refuser"):
        raise InvalidQuery(detail="Décision inconnue : « accepter » ou « refuser ».")
    if not store.proposals(pk=pk, scope=visit.scope.clause(), limit=1):
        if store.proposals(pk=pk, limit=1):
            raise Forbidden(detail="Ce changement concerne un lieu dont vous ne répondez pas.")
        raise InvalidQuery(
            detail="Ce changement n'est plus à vérifier : il a été décidé, ou la source a changé depuis."
        )
    try:
        with store.writer() as writer:
            if choice == "accepter":
                writer.accept_proposal(pk, visit.account.login, utcnow(), places=request.app.state.places)
            else:
                reason = str(visit.form.get("raison", "")).strip()[:500] or None
                writer.reject_proposal(pk, visit.account.login, utcnow(), reason)
    except (UnknownProposal, ProposalClosed) as err:
        raise InvalidQuery(
            detail="Ce changement n'est plus à vérifier : il a été décidé, ou la source a changé depuis."
        ) from err
    except InvalidValue as err:
        raise InvalidQuery(detail="La valeur proposée n'est pas acceptée : " + str(err)) from err
    sync(request.app.state.index, store)
    target = (
        request.url_for("gestion_queue").path
        + f"?onglet=changements&fait={'accepte' if choice == 'accepter' else 'refuse'}"
    )
    return RedirectResponse(target, status_code=303)
