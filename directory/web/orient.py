# SPDX-License-Identifier: Apache-2.0
"""``/orienter``: the orientation path for professionals (social workers, aidants, France Services agents).

Short steps — the need, the situation, where, when and how — each a plain GET
form whose answers join the address (``orientation.py``), then the short list
of places with why each fits (``referral.py``) and a one-page A4 referral slip
for the places chosen. Server-rendered, usable by keyboard and without
JavaScript; nothing about the person is stored.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from directory.errors import InvalidQuery, PlaceNotFound
from directory.schema import Public
from directory.search import NEEDS

from .display import local_now, week_hours
from .offers import passage_label
from .orientation import ADAPTED, DAYS, LANGUAGES, MOMENTS, STEPS, Orientation, Step, read_orientation
from .referral import RADIUS_KM, SHORT_LIST, Referral, refer
from .rendering import absolute_url, render
from .venue import qr_svg_data_uri, what_to_bring

__all__ = ["orient", "orient_results", "orient_situation", "orient_slip", "orient_when", "orient_where"]

#: Places printed on one slip (one A4 page holds this many with their hours and reasons).
SLIP_PLACES = 3


def _week_line(week: list[tuple[str, str]] | None) -> str | None:
    """The coming week on one line, open days only: « mardi 9 h 30 – 12 h 30 · mercredi 14 h – 17 h 30 »."""
    if not week:
        return None
    days = [f"{label.split(' ')[0].lower()} {text}" for label, text in week if text != "fermé"]
    return " · ".join(days) or "fermé les sept prochains jours"


def _context(request: Request, orientation: Orientation, step: Step) -> dict[str, Any]:
    """What every step's page needs: the state, the steps with their links, the next step."""
    index = STEPS.index(step)
    following = STEPS[index + 1] if index + 1 < len(STEPS) else step

    def link(route: str, **changes: object) -> str:
        return request.url_for(route).path + orientation.query(**changes)

    now = local_now()
    return {
        "passage": lambda when: passage_label(when, now),
        "o": orientation,
        "step": step,
        "number": index + 1,
        "steps": STEPS,
        "link": link,
        "next_step": following,
        "next_url": request.url_for(following.route).path,
        "hidden": orientation.hidden(step),
        "errors": dict(orientation.errors),
    }


def _step(request: Request, route: str, template: str, **extra: Any) -> Response:
    orientation = read_orientation(request.query_params)
    step = next(s for s in STEPS if s.route == route)
    context = _context(request, orientation, step) | extra
    return render(request, template, context)


def orient(request: Request) -> Response:
    """``GET /orienter``: step 1, the need (a choice among plain-language needs, or in one's words)."""
    return _step(request, "orient", "orienter/besoin.html", needs=NEEDS)


def orient_situation(request: Request) -> Response:
    """``GET /orienter/situation``: step 2, publics, language, disability, no equipment, Pass numérique."""
    return _step(
        request,
        "orient_situation",
        "orienter/situation.html",
        publics=list(Public),
        languages=LANGUAGES,
        adapted=ADAPTED,
    )


def orient_where(request: Request) -> Response:
    """``GET /orienter/lieu``: step 3, a commune, a postcode, an address, or « autour de moi »."""
    return _step(request, "orient_where", "orienter/lieu.html")


def orient_when(request: Request) -> Response:
    """``GET /orienter/quand``: step 4, a day and part of the day, without appointment, by phone."""
    return _step(request, "orient_when", "orienter/quand.html", days=DAYS, moments=MOMENTS)


def _referral(request: Request, orientation: Orientation) -> tuple[Referral | None, dict[str, str], list[Any]]:
    """The short list, or the errors that stop it (a place not found) with communes to suggest."""
    state = request.app.state
    try:
        return refer(state.store, state.index, state.locator, orientation, local_now()), {}, []
    except PlaceNotFound as err:
        assert orientation.lieu is not None
        message = err.errors[0].message if err.errors else "Lieu introuvable."
        return (
            None,
            {"lieu": f"« {orientation.lieu} » : lieu introuvable. {message}"},
            state.locator.suggest(orientation.lieu),
        )
    except InvalidQuery as err:
        return None, {e.field: e.message for e in err.errors}, []


def orient_results(request: Request) -> Response:
    """``GET /orienter/lieux``: the short list of places, each with why it fits; choose some for the slip."""
    orientation = read_orientation(request.query_params)
    context = _context(request, orientation, STEPS[-1])
    referral, errors, suggestions = _referral(request, orientation)
    context["errors"].update(errors)
    context.update(
        referral=referral, suggestions=suggestions, short_list=SHORT_LIST, slip_places=SLIP_PLACES, radius_km=RADIUS_KM
    )
    return render(request, "orienter/lieux.html", context, status=200 if referral is not None or suggestions else 400)


def orient_slip(request: Request) -> Response:
    """``GET /orienter/fiche?…&choix=<id>``: the referral slip, one A4 page, for the places chosen
    (the first ``SLIP_PLACES`` of the list when none is)."""
    orientation = read_orientation(request.query_params)
    context = _context(request, orientation, STEPS[-1])
    referral, errors, _suggestions = _referral(request, orientation)
    chosen = request.query_params.getlist("choix")
    matches = referral.matches if referral is not None else []
    picked = [m for m in matches if m.venue_id in chosen] or matches
    picked = picked[:SLIP_PLACES]
    today = local_now().date()
    slip_url = absolute_url(request, "orient_results") + orientation.query()
    context["errors"].update(errors)
    context.update(
        referral=referral,
        picked=picked,
        weeks={m.venue_id: _week_line(week_hours(m.horaires, today)) for m in picked},
        venue_url=lambda venue_id: absolute_url(request, "venue", venue_id=venue_id),
        bring=what_to_bring([s for n in orientation.needs for s in n.services]),
        qr=qr_svg_data_uri(slip_url) if picked else "",
        today=today,
    )
    return render(request, "orienter/fiche.html", context, status=200 if referral is not None else 400)
