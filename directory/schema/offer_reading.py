# SPDX-License-Identifier: Apache-2.0
"""Reading a record's offers (``offres``): lenient reader, strict result, as ``parse_venue``.

A record's ``offres`` is a list of objects (or that list as JSON text), each with the fields of
``schema.offer.Offer``; vocabulary fields take labels, codes or aliases, as the venue's do.
What cannot be read costs the value, never the venue nor the offer: an unknown term, a date that is
no date, a point out of range are dropped with a warning on the field ``offres``; hours that are not
OSM ``opening_hours`` are kept as given, with a warning, as a venue's are.
An offer without a name is named after its services; one with neither is left out, with a warning.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .hours import OpeningHours
from .offer import OFFER_TERMS, Offer, Place, Session, Stop, offer_id
from .problems import Problem, Severity
from .validation import _terms_of, clean_text, split_items

__all__ = ["read_offers"]

_FIELD = "offres"
_MAX_TEXT = {"nom": 250, "description": 10_000}


def read_offers(raw: Any, problems: list[Problem]) -> list[Offer]:
    """The offers of a record's ``offres`` value (None, a list of objects, or that list as JSON text)."""
    if raw is None or raw == "" or raw == []:
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            _warn(problems, "offer_unreadable", raw[:200], reason="ce n'est pas une liste JSON d'offres")
            return []
    if not isinstance(raw, list):
        _warn(problems, "offer_unreadable", str(raw)[:200], reason="attendu une liste d'offres")
        return []
    offers: list[Offer] = []
    for position, item in enumerate(raw, start=1):
        offer = _offer(item, position, problems)
        if offer is not None and all(offer.id != other.id for other in offers):
            offers.append(offer)
    return offers


def _warn(problems: list[Problem], code: str, value: Any, **params: Any) -> None:
    problems.append(Problem(_FIELD, code, value, Severity.WARNING, tuple(params.items())))


def _text(item: Mapping[str, Any], name: str, *, multiline: bool = False) -> str | None:
    value = item.get(name)
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    text = clean_text(value, multiline=multiline)
    if text is not None and len(text) > _MAX_TEXT.get(name, 2000):
        return text[: _MAX_TEXT.get(name, 2000)]
    return text


def _offer(item: Any, position: int, problems: list[Problem]) -> Offer | None:
    if not isinstance(item, Mapping):
        _warn(problems, "offer_unreadable", str(item)[:200], reason=f"l'offre n° {position} n'est pas un objet")
        return None
    terms: dict[str, Any] = {}  # lists of terms, by field (Any: they go to Offer(**terms))
    for name, vocabulary in OFFER_TERMS.items():
        value = item.get(name)
        found, dropped = _terms_of(f"{_FIELD}.{name}", vocabulary, False, split_items(value) if value else [])
        problems.extend(dropped)
        terms[name] = list(found)
    nom = _text(item, "nom") or ", ".join(service.label for service in terms["services"])
    if not nom:
        _warn(
            problems, "offer_unreadable", str(dict(item))[:200], reason=f"l'offre n° {position} n'a ni nom ni service"
        )
        return None
    given_id = clean_text(item.get("id"))
    return Offer(
        id=given_id[:120] if given_id else offer_id(nom, (s.code for s in terms["services"])),
        nom=nom,
        description=_text(item, "description", multiline=True),
        **terms,
        horaires=_hours(item.get("horaires"), problems),
        dates=_sessions(item.get("dates"), problems),
        prise_rdv=_url(item.get("prise_rdv")),
        lieu=_place(item["lieu"], problems) if isinstance(item.get("lieu"), Mapping) else None,
        arrets=[
            Stop(_place(stop, problems), _hours(stop.get("horaires"), problems), _sessions(stop.get("dates"), problems))
            for stop in item.get("arrets") or ()
            if isinstance(stop, Mapping)
        ],
    )


def _hours(raw: Any, problems: list[Problem]) -> str | None:
    text = clean_text(raw)
    if text is None:
        return None
    reason = OpeningHours.check(text)
    if reason is not None:  # kept as given, as a venue's: a person reads it, « prochain passage » cannot
        problems.append(Problem(f"{_FIELD}.horaires", "hours", text, Severity.WARNING, (("reason", reason),)))
    return text


def _datetime(raw: Any) -> datetime | None:
    if isinstance(raw, datetime):
        return raw.replace(tzinfo=None)
    text = clean_text(raw)
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        return None
    return value.replace(tzinfo=None)  # local wall-clock time, as opening hours


def _sessions(raw: Any, problems: list[Problem]) -> list[Session]:
    """Dated sessions: ``{"debut": …, "fin": …}`` objects, or ISO texts (``début/fin`` intervals too)."""
    if raw is None or raw == "":
        return []
    items = raw if isinstance(raw, list) else split_items(raw)
    found: list[Session] = []
    for item in items:
        if isinstance(item, Mapping):
            start, end = _datetime(item.get("debut")), _datetime(item.get("fin"))
        else:
            first, _, last = str(item).partition("/")
            start, end = _datetime(first), _datetime(last) if last else None
        if start is None or (end is not None and end <= start):
            problems.append(Problem(f"{_FIELD}.dates", "offer_date", str(item)[:200], Severity.WARNING, ()))
            continue
        session = Session(start, end)
        if session not in found:
            found.append(session)
    return sorted(found, key=lambda s: s.debut)


def _url(raw: Any) -> str | None:
    text = clean_text(raw)
    if text is None or " " in text:
        return None
    return text if text.startswith(("https://", "http://")) else None


def _number(raw: Any, low: float, high: float) -> float | None:
    if raw is None or raw == "" or isinstance(raw, bool):
        return None
    try:
        value = float(str(raw).replace(",", "."))
    except ValueError:
        return None
    return value if low <= value <= high else None


def _place(raw: Mapping[str, Any], problems: list[Problem]) -> Place:
    latitude, longitude = _number(raw.get("latitude"), -90, 90), _number(raw.get("longitude"), -180, 180)
    if (latitude is None) != (longitude is None) or (latitude == 0 and longitude == 0):
        latitude = longitude = None
    place = Place(
        nom=_text(raw, "nom"),
        adresse=_text(raw, "adresse"),
        complement_adresse=_text(raw, "complement_adresse"),
        code_postal=_text(raw, "code_postal"),
        commune=_text(raw, "commune"),
        code_insee=_text(raw, "code_insee"),
        latitude=latitude,
        longitude=longitude,
    )
    if place.point is None:
        problems.append(Problem(f"{_FIELD}.lieu", "offer_place_unplaced", place.label, Severity.WARNING, ()))
    return place
