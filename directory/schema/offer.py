# SPDX-License-Identifier: Apache-2.0
"""What a venue offers, as records of their own (issue 15, items 1 and 3).

An offer (« offre ») belongs to a venue and says what is offered, to whom, at what cost, how and
when: its own name and description, services of the national vocabulary, publics, fees (the
Pass numérique included: ``conditions_frais``), modes of support and of access, hours in OSM
``opening_hours`` (``schema.hours``) and one-off dated sessions, a booking link, and optionally a
place of its own. An itinerant offer has stops (« arrêts »): a place, and its recurring hours or
dated sessions there (« mardi 9 h–12 h à la mairie de X, jeudi à Y »).

The offer's list fields carry the venue's field names (``services``, ``frais_a_charge``…): the
venue's flat fields are the summary of its offers (:func:`summarise`) when a source gives offers
only, and a venue given without offers still offers one per service (``Venue.offers``).

Stored form (:func:`offer_record` / :func:`offer_from_record`): a JSON-ready dict, vocabulary terms
as codes, datetimes as ISO text. No I/O here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .hours import HoursError, OpeningHours
from .vocabularies import (
    ConditionFrais,
    Frais,
    ModaliteAcces,
    ModaliteAccompagnement,
    PriseEnCharge,
    Public,
    Service,
)

__all__ = [
    "OFFER_TERMS",
    "STOP_FEATURE",
    "Offer",
    "Place",
    "Session",
    "Stop",
    "next_passage",
    "offer_from_record",
    "offer_id",
    "offer_record",
    "summarise",
]

#: The ``type`` property that marks a stop's feature in the GeoJSON export (a venue's feature has none):
#: a reader of such a file must not take a stop for a venue.
STOP_FEATURE = "arret"

#: The offer's vocabulary fields: the venue's fields of the same names summarise them.
OFFER_TERMS: dict[str, type] = {
    "services": Service,
    "publics_specifiquement_adresses": Public,
    "prise_en_charge_specifique": PriseEnCharge,
    "frais_a_charge": Frais,
    "conditions_frais": ConditionFrais,
    "modalites_acces": ModaliteAcces,
    "modalites_accompagnement": ModaliteAccompagnement,
}
_PLACE_FIELDS = ("nom", "adresse", "complement_adresse", "code_postal", "commune", "code_insee")


@dataclass(frozen=True, slots=True)
class Session:
    """One dated session (local wall-clock times): « le 8 décembre de 9 h à 12 h »."""

    debut: datetime
    fin: datetime | None = None

    def record(self) -> dict[str, Any]:
        return {"debut": self.debut.isoformat(), "fin": self.fin.isoformat() if self.fin else None}


@dataclass(slots=True)
class Place:
    """Where an offer or one of its stops takes place, when it is not the venue's own address."""

    nom: str | None = None
    adresse: str | None = None
    complement_adresse: str | None = None
    code_postal: str | None = None
    commune: str | None = None
    code_insee: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    @property
    def point(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return (self.latitude, self.longitude)

    @property
    def label(self) -> str:
        """« Mairie de Vaulx, 2 place de la Nation, 69120 Vaulx-en-Velin », the parts it has."""
        town = " ".join(part for part in (self.code_postal, self.commune) if part)
        return ", ".join(part for part in (self.nom, self.adresse, town) if part)

    def record(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in (*_PLACE_FIELDS, "latitude", "longitude")}


@dataclass(slots=True)
class Stop:
    """One stop of an itinerant offer: a place, and when the mediator is there."""

    lieu: Place
    horaires: str | None = None  # OSM opening_hours, recurring (« Tu 09:00-12:00 »)
    dates: list[Session] = field(default_factory=list)  # one-off passages

    def record(self) -> dict[str, Any]:
        return {
            **self.lieu.record(),
            "horaires": self.horaires,
            "dates": [session.record() for session in self.dates],
        }


@dataclass(slots=True)
class Offer:
    """One offer of a venue (see the module's docstring)."""

    id: str
    nom: str
    description: str | None = None
    services: list[Service] = field(default_factory=list)
    publics_specifiquement_adresses: list[Public] = field(default_factory=list)
    prise_en_charge_specifique: list[PriseEnCharge] = field(default_factory=list)
    frais_a_charge: list[Frais] = field(default_factory=list)
    conditions_frais: list[ConditionFrais] = field(default_factory=list)
    modalites_acces: list[ModaliteAcces] = field(default_factory=list)
    modalites_accompagnement: list[ModaliteAccompagnement] = field(default_factory=list)
    horaires: str | None = None
    dates: list[Session] = field(default_factory=list)
    prise_rdv: str | None = None
    lieu: Place | None = None
    arrets: list[Stop] = field(default_factory=list)
    #: The source that gave it (set by the store when venues are merged); None when derived from the venue.
    source: str | None = None
    #: True when the venue gave no offer and this one stands for one of its services.
    derived: bool = False

    @property
    def service(self) -> Service | None:
        """The first service: what one-service views (schema.org's ``itemOffered``) name."""
        return self.services[0] if self.services else None

    @property
    def is_itinerant(self) -> bool:
        return bool(self.arrets)

    @property
    def accepts_pass_numerique(self) -> bool:
        return ConditionFrais.PASS_NUMERIQUE in self.conditions_frais


def offer_id(nom: str, services: Iterable[str] = ()) -> str:
    """A stable id for an offer its source did not name: from its name and services."""
    key = "|".join([nom.strip().lower(), *sorted(services)])
    return "o-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def offer_record(offer: Offer) -> dict[str, Any]:
    """The stored form of an offer: JSON-ready, vocabulary terms as codes, empty parts left out."""
    record: dict[str, Any] = {"id": offer.id, "nom": offer.nom}
    if offer.description:
        record["description"] = offer.description
    for name in OFFER_TERMS:
        terms = getattr(offer, name)
        if terms:
            record[name] = [term.code for term in terms]
    if offer.horaires:
        record["horaires"] = offer.horaires
    if offer.dates:
        record["dates"] = [session.record() for session in offer.dates]
    if offer.prise_rdv:
        record["prise_rdv"] = offer.prise_rdv
    if offer.lieu is not None:
        record["lieu"] = offer.lieu.record()
    if offer.arrets:
        record["arrets"] = [stop.record() for stop in offer.arrets]
    if offer.source:
        record["source"] = offer.source
    return record


def _members(vocabulary: Any, codes: Iterable[str]) -> list[Any]:
    table = vocabulary._value2member_map_
    return [table[code] for code in codes if code in table]


def _sessions(items: Iterable[Mapping[str, Any]]) -> list[Session]:
    return [
        Session(datetime.fromisoformat(s["debut"]), datetime.fromisoformat(s["fin"]) if s.get("fin") else None)
        for s in items
    ]


def _place(values: Mapping[str, Any]) -> Place:
    return Place(**{name: values.get(name) for name in (*_PLACE_FIELDS, "latitude", "longitude")})


def offer_from_record(record: Mapping[str, Any]) -> Offer:
    """An offer from its stored form (:func:`offer_record`); codes unknown to the vocabularies are left out."""
    terms: dict[str, Any] = {
        name: _members(vocabulary, record.get(name) or ()) for name, vocabulary in OFFER_TERMS.items()
    }
    return Offer(
        id=record["id"],
        nom=record["nom"],
        description=record.get("description"),
        **terms,
        horaires=record.get("horaires"),
        dates=_sessions(record.get("dates") or ()),
        prise_rdv=record.get("prise_rdv"),
        lieu=_place(record["lieu"]) if record.get("lieu") else None,
        arrets=[
            Stop(_place(stop), stop.get("horaires"), _sessions(stop.get("dates") or ()))
            for stop in record.get("arrets") or ()
        ],
        source=record.get("source"),
    )


def summarise(values: MutableMapping[str, Any], offers: Sequence[Mapping[str, Any]]) -> list[str]:
    """Fill the venue's empty flat fields from its offers (stored or parsed forms alike: only lists
    and texts are read); the names of the fields filled.

    What a source gives of the venue itself always wins: only an empty field is filled, by the union
    of the offers' values in their order; the hours and the booking link when one offer alone has them.
    """
    filled: list[str] = []
    for name in OFFER_TERMS:
        if values.get(name):
            continue
        union: list[Any] = []
        for offer in offers:
            for term in offer.get(name) or ():
                if term not in union:
                    union.append(term)
        if union:
            values[name], filled = union, [*filled, name]
    for name in ("horaires", "prise_rdv"):
        given = list(dict.fromkeys(offer.get(name) for offer in offers if offer.get(name)))
        if not values.get(name) and len(given) == 1:
            values[name], filled = given[0], [*filled, name]
    return filled


def next_passage(horaires: str | None, dates: Sequence[Session], at: datetime) -> datetime | None:
    """When the offer (or a stop of it) is next there, at or after ``at`` (a local wall-clock time):
    the earliest of its recurring hours' next opening and its dated sessions still to come (one
    under way counts from ``at``). None when neither says.
    """
    found: list[datetime] = []
    if horaires:
        try:
            opening = OpeningHours(horaires).next_opening(at)
        except HoursError:
            opening = None
        if opening is not None:
            found.append(opening)
    for session in dates:
        if session.debut >= at:
            found.append(session.debut)
        elif session.fin is not None and session.fin > at:
            found.append(at)
    return min(found) if found else None
