# SPDX-License-Identifier: Apache-2.0
"""Two tabs of « À vérifier »: new venues waiting to be published, and quarantined records.

- ``nouveaux``: venues a source trusted less than its threshold created (``store._pending``), shown
  with their source and values, published (« Publier ») or refused for good (« Refuser », with a
  reason). Both decisions hold through later harvests.
- ``quarantaine``: records the last harvest of their source could not keep (``store._quarantine``),
  with each reason in French and every raw cell; « Corriger et publier » opens the venue form filled
  with what could be read (the source's mapping, else the standard's field names in the record) and,
  once valid, makes a venue in the person's name; « Écarter » puts the record aside with a reason.

Both are scoped like the rest of the queue: a venue by its commune, a quarantined record by the
commune read from it when it was quarantined; a record whose commune could not be read is an
administrator's (the page says so). Every write names the person and goes through ``Writer``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from directory.errors import Forbidden, InvalidQuery
from directory.schema import fold_key, split_items
from directory.search import sync
from directory.store import InvalidValue, NotPending, PendingVenue, QuarantineItem, Scope, UnknownQuarantined, utcnow

from ..rendering import render
from .fields import FIELDS, LABELS, described, form_context, form_values
from .guard import Visit

__all__ = [
    "decide_new",
    "dismiss_quarantined",
    "fix_form",
    "fix_quarantined",
    "pending_views",
    "prefill",
    "quarantine_views",
]

_EVERYTHING = Scope(everything=True)
#: What a new venue's card shows, in this order.
PENDING_FIELDS = (
    ("adresse", "Adresse"),
    ("complement_adresse", "Complément"),
    ("code_postal", "Code postal"),
    ("commune", "Commune"),
    ("telephone", "Téléphone"),
    ("courriels", "Courriels"),
    ("site_web", "Site web"),
    ("horaires", "Horaires"),
    ("services", "Services"),
    ("typologie", "Type de structure"),
    ("pivot", "SIRET"),
    ("presentation_resume", "Présentation"),
)


def _queue(request: Request, tab: str, done: str, **more: str) -> Response:
    query = "&".join([f"onglet={tab}", f"fait={done}", *(f"{k}={v}" for k, v in more.items())])
    return RedirectResponse(request.url_for("gestion_queue").path + "?" + query, status_code=303)


# -- new venues --------------------------------------------------------------------------------------


def pending_views(waiting: list[PendingVenue]) -> list[dict[str, Any]]:
    """The new venues waiting in the person's territory, as the tab shows them."""
    return [
        {
            "venue_id": p.venue_id,
            "nom": p.values["nom"],
            "sources": [name for _, name, _ in p.sources],
            "rows": [(label, described(p.values.get(name))) for name, label in PENDING_FIELDS if p.values.get(name)],
            "at": p.created_at,
        }
        for p in waiting
    ]


def _waiting_venue(request: Request, visit: Visit, venue_id: str) -> PendingVenue:
    found = request.app.state.store.pending_venues(_EVERYTHING, venue_ids=[venue_id[:40]], limit=1)
    if not found:
        raise InvalidQuery(
            detail="Ce lieu n'attend plus de décision : il a été publié ou refusé, ou sa source l'a retiré."
        )
    if not visit.scope.contains(found[0].venue_id, found[0].code_insee):
        raise Forbidden(detail="Ce lieu ne fait pas partie des lieux dont vous répondez.")
    return found[0]


async def decide_new(request: Request, visit: Visit) -> Response:
    """« Publier » (the venue enters the directory) or « Refuser » (for good, with a reason) a new venue."""
    store, form = request.app.state.store, visit.form
    assert form is not None
    choice = str(form.get("decision", ""))
    if choice not in ("publier", "refuser"):
        raise InvalidQuery(detail="Décision inconnue : « publier » ou « refuser ».")
    pending = _waiting_venue(request, visit, request.path_params["venue_id"])
    try:
        with store.writer() as writer:
            if choice == "publier":
                writer.publish_venue(pending.venue_id, visit.account.login, utcnow())
            else:
                reason = str(form.get("raison", "")).strip()[:500] or None
                writer.refuse_venue(pending.venue_id, visit.account.login, utcnow(), reason)
    except NotPending as err:
        raise InvalidQuery(detail="Ce lieu n'attend plus de décision : il a été publié ou refusé entre-temps.") from err
    sync(request.app.state.index, store)
    return _queue(request, "nouveaux", "publie" if choice == "publier" else "refuse-lieu")


# -- quarantined records -----------------------------------------------------------------------------


def _problems(item: QuarantineItem) -> list[dict[str, str | bool]]:
    """Each reason in French, with its field's label and the value it is about."""
    shown = []
    for p in item.problems:
        name = str(p.get("field") or "")
        label = "L'enregistrement" if name in ("", "*") else LABELS.get(name, name)
        value = p.get("value")
        shown.append(
            {
                "label": label,
                "message": str(p.get("message") or p.get("code") or ""),
                "value": "" if value in (None, "") else str(value),
                "error": p.get("severity") == "error",
            }
        )
    return shown


def quarantine_views(waiting: list[QuarantineItem]) -> list[dict[str, Any]]:
    """The quarantined records waiting in the person's territory, as the tab shows them."""
    return [
        {
            "pk": q.pk,
            "source": q.source_name,
            "record_id": q.record_id,
            "position": q.position,
            "problems": _problems(q),
            "cells": q.cells,
            "placed": q.code_insee is not None,
            "at": q.fetched_at,
        }
        for q in waiting
    ]


def _waiting_record(request: Request, visit: Visit) -> QuarantineItem:
    """The quarantined record of the path, if it still waits and the person answers for it."""
    found = request.app.state.store.quarantined(_EVERYTHING, pk=int(request.path_params["pk"]), limit=1)
    if not found:
        raise InvalidQuery(
            detail="Cette fiche n'est plus en quarantaine : elle a été traitée, ou sa source l'a relue depuis."
        )
    item = found[0]
    if not visit.scope.everything:
        if item.code_insee is None:
            raise Forbidden(
                detail="La commune de cette fiche n'a pas pu être lue : seuls les administrateurs la traitent."
            )
        if not visit.scope.contains("", item.code_insee):
            raise Forbidden(detail="Cette fiche concerne un lieu hors des territoires dont vous répondez.")
    return item


def _terms(name: str, raw: Any) -> str:
    """A list field's items as the form's checkboxes know them (codes), from labels or codes."""
    terms = FIELDS[name].vocabulary
    known = {fold_key(t.label): t.code for t in terms} | {fold_key(t.code): t.code for t in terms}
    return "|".join(dict.fromkeys(code for item in split_items(raw) if (code := known.get(fold_key(str(item))))))


def prefill(item: QuarantineItem) -> dict[str, str]:
    """The venue form's values read from a quarantined record: what the source's mapping gave, else
    (a record quarantined before it was kept) the standard's field names found in the raw record."""
    read: Mapping[str, Any] | None = item.mapped
    if read is None:
        try:
            payload = orjson.loads(item.payload)
        except orjson.JSONDecodeError:
            payload = None
        read = payload if isinstance(payload, dict) else {}
    values: dict[str, str] = {}
    for name, f in FIELDS.items():
        raw = read.get(name)
        if raw is None or raw == "" or raw == []:
            values[name] = ""
        elif f.kind == "choices":
            values[name] = _terms(name, raw)
        elif f.kind == "lines" or isinstance(raw, list):
            values[name] = "|".join(str(v).strip() for v in split_items(raw) if str(v).strip())
        else:
            values[name] = str(raw).strip()
    return values


def _fix_page(
    request: Request,
    visit: Visit,
    item: QuarantineItem,
    values: Mapping[str, str],
    errors: Mapping[str, list[str]] | None = None,
    status: int = 200,
    form: Any = None,
) -> Response:
    context = {
        **form_context(values, errors, form),
        "visit": visit,
        "nav": "queue",
        "item": item,
        "problems": _problems(item),
        "from_mapping": item.mapped is not None,
    }
    return render(request, "gestion/quarantine.html", context, status=status)


async def fix_form(request: Request, visit: Visit) -> Response:
    """The record, its reasons and raw cells, and the venue form filled with what could be read."""
    item = _waiting_record(request, visit)
    return _fix_page(request, visit, item, prefill(item))


async def fix_quarantined(request: Request, visit: Visit) -> Response:
    """« Corriger et publier »: a venue made by the person from the corrected record (validated like a
    harvested one, inside their territory); the record leaves the queue while it reads the same."""
    store, form = request.app.state.store, visit.form
    assert form is not None
    item = _waiting_record(request, visit)
    submitted, grid_error = form_values(form)
    if grid_error:
        return _fix_page(request, visit, item, submitted, grid_error, status=400, form=form)
    try:
        with store.writer() as writer:
            done = writer.resolve_quarantined(
                item.pk,
                {k: v for k, v in submitted.items() if v},
                visit.account.login,
                utcnow(),
                places=request.app.state.places,
            )
            code_insee = writer.venue_communes([done.venue_id])[done.venue_id]
            if not visit.scope.contains("", code_insee):  # written in this transaction only: undone
                raise Forbidden(detail="Ce lieu est hors des territoires dont vous répondez : il n'a pas été publié.")
    except InvalidValue as err:
        return _fix_page(request, visit, item, submitted, err.by_field(), status=400, form=form)
    except UnknownQuarantined as err:
        raise InvalidQuery(detail="Cette fiche n'est plus en quarantaine : elle a été traitée entre-temps.") from err
    sync(request.app.state.index, store)
    return _queue(request, "quarantaine", "corrige", lieu=done.venue_id)


async def dismiss_quarantined(request: Request, visit: Visit) -> Response:
    """« Écarter »: the record stays kept as received, and leaves the queue while it reads the same."""
    store, form = request.app.state.store, visit.form
    assert form is not None
    item = _waiting_record(request, visit)
    reason = str(form.get("raison", "")).strip()[:500] or None
    try:
        with store.writer() as writer:
            writer.dismiss_quarantined(item.pk, visit.account.login, utcnow(), reason)
    except UnknownQuarantined as err:
        raise InvalidQuery(detail="Cette fiche n'est plus en quarantaine : elle a été traitée entre-temps.") from err
    return _queue(request, "quarantaine", "ecarte")
