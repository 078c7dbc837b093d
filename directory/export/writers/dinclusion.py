# SPDX-License-Identifier: Apache-2.0
"""data·inclusion schema v1: one structure per venue, and a service per offer.

The shape data·inclusion itself gives the national standard (standards.md
§2.7): the venue is a ``Structure``; a venue given without offers of its own
offers one ``Service`` « Service d'accompagnement au numérique » whose
thematiques, publics, frais, modes d'accueil and modes de mobilisation come
from the venue's lists through the tables of ``directory.export.mappings``;
both share the id ``{producer}--{venue id}``. A venue with offers
(``schema.offer``, issue 15) gives one ``Service`` per offer, with the offer's
own name, description, lists, hours, booking link and place, its id
``{producer}--{venue id}--{offer id}``.

Output: one JSON object ``{"structures": [...], "services": [...]}``
(``write``), or two JSON arrays in two streams (``write_pair``), as
data·inclusion publishes them. For the single object the services are
spooled to a temporary file while the structures stream out, then copied:
memory stays flat.

A point placed at the commune's centre is left out (``latitude`` and
``longitude`` empty): data·inclusion has no field to say it is approximate,
and geocodes the address itself when the point is missing.

Values are made valid by construction (lengths, the « tous-publics alone »
rule, no empty sets, a description always present); the tests check every
record with the ``data-inclusion-schema`` package when it is installed.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar, TextIO

from directory.schema import Frais, ModaliteAccompagnement, Offer, Venue, is_approximate

from ..base import DEFAULT_BASE_URL, ExportVenue, Writer, dump_json
from ..mappings import (
    FORMATIONS_RESEAUX,
    FRAIS,
    MODES_MOBILISATION,
    PRISE_EN_CHARGE_PUBLICS,
    PUBLICS,
    RESEAUX_PORTEURS,
    THEMATIQUES,
    TYPE_PRIORITY,
    TYPES,
    mapped,
)

__all__ = [
    "DataInclusionWriter",
    "structure_record",
    "service_record",
    "service_records",
    "offer_service_record",
    "DEFAULT_PRODUCER",
    "SERVICE_NAME",
]

#: The ``source`` of every record: who publishes (this directory). Set it per
#: instance (``producer=``) so two directories never share ids in data·inclusion.
DEFAULT_PRODUCER = "annuaire-mediation-numerique"
SERVICE_NAME = "Service d'accompagnement au numérique"
DI_SCHEMA_URI = "https://github.com/gip-inclusion/data-inclusion-schema"  # v1 (schemas/v1/*.json)

_NAME_MAX = 150
_DESCRIPTION_MIN, _DESCRIPTION_MAX = 5, 10_000


def _name(venue: Venue) -> str:
    """3–150 characters, no final full stop (a warning in data·inclusion)."""
    name = venue.nom
    if len(name) > _NAME_MAX:
        name = name[: _NAME_MAX - 1].rstrip() + "…"
    if name.endswith(".") and not name.endswith("etc."):
        name = name.rstrip(".").rstrip()
    if len(name) < 3:
        name = f"{name} ({venue.commune})"
    return name


def _description(*candidates: str | None) -> str | None:
    for text in candidates:
        if text and len(text.strip()) >= _DESCRIPTION_MIN:
            text = text.strip()
            return text if len(text) <= _DESCRIPTION_MAX else text[: _DESCRIPTION_MAX - 1] + "…"
    return None


def _zone(venue: Venue) -> list[str] | None:
    """The département of the venue (data·inclusion's rule: 2 characters, 3 overseas)."""
    insee = venue.code_insee
    if not insee:
        return None
    return [insee[:3] if insee.startswith("97") or insee.startswith("98") else insee[:2]]


def _frais(venue: Venue | Offer) -> str | None:
    values = mapped(venue.frais_a_charge, FRAIS)
    return "gratuit" if "gratuit" in values else (values[0] if values else None)


def _frais_precisions(venue: Venue | Offer) -> str | None:
    notes = [t.label for t in venue.frais_a_charge if t is Frais.GRATUIT_SOUS_CONDITION]
    notes += [t.label for t in venue.conditions_frais]
    return " ; ".join(notes) or None


def _publics(venue: Venue | Offer) -> list[str]:
    values = mapped(venue.publics_specifiquement_adresses, PUBLICS)
    values += [v for v in mapped(venue.prise_en_charge_specifique, PRISE_EN_CHARGE_PUBLICS) if v not in values]
    return values or ["tous-publics"]


def _publics_precisions(venue: Venue | Offer) -> str | None:
    # data·inclusion keeps the raw list (Illettrisme has no public of its own).
    return ", ".join(t.label for t in venue.prise_en_charge_specifique) or None


def _type(venue: Venue | Offer) -> str | None:
    types = mapped(venue.modalites_accompagnement, TYPES)
    return next((t for t in TYPE_PRIORITY if t in types), None)


def _modes_accueil(venue: Venue | Offer) -> list[str]:
    if ModaliteAccompagnement.A_DISTANCE in venue.modalites_accompagnement:
        return ["a-distance", "en-presentiel"]
    return ["en-presentiel"]


def _modes_mobilisation(venue: Venue) -> list[str] | None:
    modes = mapped(venue.modalites_acces, MODES_MOBILISATION)
    if not modes:  # data·inclusion's fallback: the contact details given
        modes = [
            mode
            for mode, present in (
                ("telephoner", venue.telephone),
                ("envoyer-un-courriel", venue.courriels),
                ("utiliser-lien-mobilisation", venue.prise_rdv),
            )
            if present
        ]
    return modes or None


def _address(venue: Venue, geo_method: str | None) -> dict[str, Any]:
    """The address, and the point unless it is only the commune's centre."""
    approximate = is_approximate(geo_method)
    return {
        "commune": venue.commune,
        "code_postal": venue.code_postal,
        "code_insee": venue.code_insee,
        "adresse": venue.adresse,
        "complement_adresse": venue.complement_adresse,
        "longitude": None if approximate else venue.longitude,
        "latitude": None if approximate else venue.latitude,
    }


def record_id(producer: str, venue: ExportVenue) -> str:
    return f"{producer}--{venue.id}"


def structure_record(venue: ExportVenue, *, producer: str = DEFAULT_PRODUCER, url: str | None = None) -> dict[str, Any]:
    """The venue as a data·inclusion v1 ``Structure`` (JSON-ready)."""
    v = venue.venue
    reseaux = mapped(v.dispositif_programmes_nationaux, RESEAUX_PORTEURS) + mapped(
        v.formations_labels, FORMATIONS_RESEAUX
    )
    return {
        "source": producer,
        "id": record_id(producer, venue),
        "nom": _name(v),
        "date_maj": v.date_maj.isoformat(),
        "description": _description(v.presentation_detail, v.presentation_resume),
        "lien_source": url or venue.url,
        "siret": v.siret,  # None when the pivot fails the SIRET check
        **_address(v, venue.geo_method),
        "telephone": v.telephone,
        "courriel": v.courriels[0] if v.courriels else None,
        "site_web": v.site_web[0] if v.site_web else None,
        "horaires_accueil": v.horaires,
        "accessibilite_lieu": v.fiche_acces_libre,
        "reseaux_porteurs": list(dict.fromkeys(reseaux)) or None,
    }


def service_record(venue: ExportVenue, *, producer: str = DEFAULT_PRODUCER, url: str | None = None) -> dict[str, Any]:
    """What the venue offers, as one data·inclusion v1 ``Service`` (JSON-ready)."""
    v = venue.venue
    services = ", ".join(s.label for s in v.services)
    fallback = f"Accompagnement au numérique proposé par {v.nom} ({v.commune})."
    return {
        "source": producer,
        "structure_id": record_id(producer, venue),
        "id": record_id(producer, venue),
        "nom": SERVICE_NAME,
        "description": _description(
            v.presentation_detail, v.presentation_resume, services and f"{services}.", fallback
        ),
        "lien_source": url or venue.url,
        "date_maj": v.date_maj.isoformat(),
        "type": _type(v),
        "thematiques": mapped(v.services, THEMATIQUES) or None,
        "frais": _frais(v),
        "frais_precisions": _frais_precisions(v),
        "publics": _publics(v),
        "publics_precisions": _publics_precisions(v),
        "conditions_acces": None,
        **_address(v, venue.geo_method),
        "telephone": v.telephone,
        "courriel": v.courriels[0] if v.courriels else None,
        "modes_accueil": _modes_accueil(v),
        "zone_eligibilite": _zone(v),
        "contact_nom_prenom": None,
        "lien_mobilisation": v.prise_rdv,
        "modes_mobilisation": _modes_mobilisation(v),
        "mobilisable_par": ["usagers", "professionnels"],
        "mobilisation_precisions": None,
        "volume_horaire_hebdomadaire": None,
        "nombre_semaines": None,
        "horaires_accueil": v.horaires,
    }


def _offer_modes_mobilisation(offer: Offer, venue: Venue) -> list[str] | None:
    modes = mapped(offer.modalites_acces, MODES_MOBILISATION)
    if not modes and offer.prise_rdv:
        modes = ["utiliser-lien-mobilisation"]
    return modes or _modes_mobilisation(venue)


def _offer_address(offer: Offer, venue: Venue, geo_method: str | None) -> dict[str, Any]:
    """The offer's own place when it has one (with an address), else the venue's."""
    place = offer.lieu
    if place is None or not (place.adresse and place.commune and place.code_postal):
        return _address(venue, geo_method)
    return {
        "commune": place.commune,
        "code_postal": place.code_postal,
        "code_insee": place.code_insee,
        "adresse": place.adresse,
        "complement_adresse": place.complement_adresse,
        "longitude": place.longitude,
        "latitude": place.latitude,
    }


def offer_service_record(
    venue: ExportVenue, offer: Offer, *, producer: str = DEFAULT_PRODUCER, url: str | None = None
) -> dict[str, Any]:
    """One offer of the venue as a data·inclusion v1 ``Service`` (JSON-ready)."""
    v = venue.venue
    name = offer.nom if len(offer.nom) <= _NAME_MAX else offer.nom[: _NAME_MAX - 1].rstrip() + "…"
    services = ", ".join(s.label for s in offer.services)
    return {
        **service_record(venue, producer=producer, url=url),
        "id": f"{record_id(producer, venue)}--{offer.id}",
        "nom": name.rstrip(".").rstrip() if len(name) >= 3 else f"{name} ({v.nom})"[:_NAME_MAX],
        "description": _description(
            offer.description, services and f"{services}.", f"{offer.nom} : proposé par {v.nom} ({v.commune})."
        ),
        "type": _type(offer),
        "thematiques": mapped(offer.services, THEMATIQUES) or None,
        "frais": _frais(offer),
        "frais_precisions": _frais_precisions(offer),
        "publics": _publics(offer),
        "publics_precisions": _publics_precisions(offer),
        **_offer_address(offer, v, venue.geo_method),
        "modes_accueil": _modes_accueil(offer),
        "lien_mobilisation": offer.prise_rdv or v.prise_rdv,
        "modes_mobilisation": _offer_modes_mobilisation(offer, v),
        "horaires_accueil": offer.horaires,
    }


def service_records(
    venue: ExportVenue, *, producer: str = DEFAULT_PRODUCER, url: str | None = None
) -> list[dict[str, Any]]:
    """What the venue offers as data·inclusion ``Service`` records: one per offer, or the venue's one."""
    if venue.venue.offres:
        return [offer_service_record(venue, o, producer=producer, url=url) for o in venue.venue.offres]
    return [service_record(venue, producer=producer, url=url)]


class DataInclusionWriter(Writer):
    """data·inclusion v1 structures and services.

    :param producer: the ``source`` slug of every record and the prefix of
        its id; name the instance (``grand-lyon-mediation-numerique``…).
    """

    name: ClassVar[str] = "dinclusion"
    media_type: ClassVar[str] = "application/json"
    extension: ClassVar[str] = "json"
    title: ClassVar[str] = "Structures et services au schéma data·inclusion v1 (JSON)"
    conforms_to: ClassVar[str | None] = DI_SCHEMA_URI

    def __init__(self, *, base_url: str = DEFAULT_BASE_URL, producer: str = DEFAULT_PRODUCER) -> None:
        super().__init__(base_url=base_url)
        self.producer = producer

    def filename(self, stem: str = "lieux-mediation-numerique") -> str:
        return f"{stem}.data-inclusion.{self.extension}"

    def write(self, venues: Iterable[ExportVenue], stream: TextIO) -> Iterator[int]:
        """``{"structures": [...], "services": [...]}``; services wait in a temporary file."""
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool:
            stream.write('{"structures":')
            yield from self.write_pair(venues, stream, spool)
            stream.write(',\n"services":')
            spool.seek(0)
            shutil.copyfileobj(spool, stream)
            stream.write("}")

    def write_pair(self, venues: Iterable[ExportVenue], structures: TextIO, services: TextIO) -> Iterator[int]:
        """Two JSON arrays, ``structures.json`` and ``services.json``, written side by side."""
        structures.write("[")
        services.write("[")
        count = written = 0
        for venue in venues:
            url = self.url_of(venue)
            separator = "\n" if count == 0 else ",\n"
            structures.write(separator + dump_json(structure_record(venue, producer=self.producer, url=url)))
            for record in service_records(venue, producer=self.producer, url=url):
                services.write(("\n" if written == 0 else ",\n") + dump_json(record))
                written += 1
            count += 1
            yield count
        structures.write("\n]" if count else "]")
        services.write("\n]" if written else "]")
