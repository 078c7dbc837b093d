# SPDX-License-Identifier: Apache-2.0
"""« Retraits en attente »: what a suspect harvest or import held back instead of withdrawing
(``harvest.withdrawals``, ``store.holds``), for a curator answering for every venue concerned to
confirm — withdrawn as ``directory harvest … --confirmer-retraits`` would have, in their name
(``Writer.confirm_hold``) — or to keep (the venues stay; the next run compares the source again)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from directory.errors import Forbidden, InvalidQuery
from directory.search import sync
from directory.store import HeldWithdrawal, HoldClosed, UnknownHold, utcnow

from ..display import PARIS
from ..rendering import render
from .guard import Visit

__all__ = ["decide_hold", "held_withdrawals"]

_SHOWN = 200  # venues listed per hold; the count says how many more


def _why(hold: HeldWithdrawal) -> str:
    """Why the run withdrew nothing, in the words of its report."""
    if hold.reason == "share":
        return (
            f"{hold.leaving} des {hold.live} fiches de la source n'y figurent plus : "
            "plus que ce qu'une moisson peut retirer seule"
        )
    said = "aucun enregistrement utilisable" if hold.reason == "unusable" else f"{hold.fetched} enregistrements lus"
    return f"{said} sur {hold.fetched}, au lieu de {hold.previous} lors de la dernière moisson complète"


def _view(hold: HeldWithdrawal, visit: Visit) -> dict[str, Any]:
    mine = [v for v in hold.venues if visit.scope.contains(v.id, v.code_insee)]
    return {
        "hold": hold,
        "at": hold.held_at.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M"),
        "why": _why(hold),
        "leaving": [v for v in mine if not v.stays],
        "staying": [v for v in mine if v.stays],
        "outside": len(hold.venues) - len(mine),
        "may_decide": hold.within(visit.scope),
    }


async def held_withdrawals(request: Request, visit: Visit) -> Response:
    store = request.app.state.store
    holds = [_view(hold, visit) for hold in store.holds.find(visit.scope)]
    done = request.query_params.get("fait")
    try:
        withdrawn = int(request.query_params.get("retires", "0"))
    except ValueError:
        withdrawn = 0
    context = {
        "visit": visit,
        "nav": "queue",
        "holds": holds,
        "shown": _SHOWN,
        "done": done,
        "withdrawn": withdrawn,
        "source": request.query_params.get("source", "")[:200],
    }
    return render(request, "gestion/holds.html", context)


async def decide_hold(request: Request, visit: Visit) -> Response:
    """« Confirmer les retraits » or « Garder les lieux » for the hold ``pk``."""
    store = request.app.state.store
    assert visit.form is not None
    choice = str(visit.form.get("decision", ""))
    if choice not in ("confirmer", "garder"):
        raise InvalidQuery(detail="Décision inconnue : « confirmer » ou « garder ».")
    hold = store.holds.get(int(request.path_params["pk"]))
    if hold is None:
        raise InvalidQuery(detail="Ces retraits en attente n'existent pas.")
    if not hold.within(visit.scope):
        raise Forbidden(
            detail="Ces retraits concernent des lieux dont vous ne répondez pas : un administrateur peut en décider."
        )
    withdrawn: list[str] = []
    try:
        with store.writer() as writer:
            if choice == "confirmer":
                withdrawn = writer.confirm_hold(hold.pk, visit.account.login, utcnow())
            else:
                writer.keep_hold(hold.pk, visit.account.login, utcnow())
    except (UnknownHold, HoldClosed) as err:
        raise InvalidQuery(detail=f"Plus rien à décider : {err}.") from err
    if choice == "confirmer":
        sync(request.app.state.index, store)  # withdrawn venues, and those that lost a record
    said = {"fait": "confirme", "retires": len(withdrawn)} if choice == "confirmer" else {"fait": "garde"}
    target = f"{request.url_for('gestion_holds').path}?{urlencode({**said, 'source': hold.source_name})}"
    return RedirectResponse(target, status_code=303)
