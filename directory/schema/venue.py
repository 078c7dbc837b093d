# SPDX-License-Identifier: Apache-2.0
"""The canonical venue (« lieu ») and the offers it makes.

Field names are the national standard's (v1.0.2), in the standard's order;
``conditions_frais`` is an extension (see ``ConditionFrais``), and so is ``offres``,
the venue's offers as records of their own (``schema.offer``): the flat fields are their summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from operator import attrgetter
from typing import Any

from .offer import Offer, offer_id
from .siret import is_valid_siret
from .vocabularies import (
    ConditionFrais,
    DispositifProgramme,
    FormationLabel,
    Frais,
    Itinerance,
    ModaliteAcces,
    ModaliteAccompagnement,
    PriseEnCharge,
    Public,
    Service,
    Typologie,
)

__all__ = ["Venue", "Offer", "NATIONAL_FIELDS", "PLACEHOLDER_PIVOT", "VENUE_FIELDS"]

#: Means "no SIRET known". It passes the SIRET check, so it is named here.
PLACEHOLDER_PIVOT = "00000000000000"


@dataclass(slots=True)
class Venue:
    """One venue, as the national standard describes it."""

    id: str
    pivot: str
    nom: str
    commune: str
    code_postal: str
    adresse: str
    date_maj: date
    code_insee: str | None = None
    complement_adresse: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    typologie: list[Typologie] = field(default_factory=list)
    telephone: str | None = None
    courriels: list[str] = field(default_factory=list)
    site_web: list[str] = field(default_factory=list)
    horaires: str | None = None
    presentation_resume: str | None = None
    presentation_detail: str | None = None
    source: str | None = None
    itinerance: list[Itinerance] = field(default_factory=list)
    structure_parente: str | None = None
    services: list[Service] = field(default_factory=list)
    publics_specifiquement_adresses: list[Public] = field(default_factory=list)
    prise_en_charge_specifique: list[PriseEnCharge] = field(default_factory=list)
    frais_a_charge: list[Frais] = field(default_factory=list)
    conditions_frais: list[ConditionFrais] = field(default_factory=list)
    dispositif_programmes_nationaux: list[DispositifProgramme] = field(default_factory=list)
    formations_labels: list[FormationLabel] = field(default_factory=list)
    autres_formations_labels: str | None = None
    modalites_acces: list[ModaliteAcces] = field(default_factory=list)
    modalites_accompagnement: list[ModaliteAccompagnement] = field(default_factory=list)
    fiche_acces_libre: str | None = None
    prise_rdv: str | None = None
    offres: list[Offer] = field(default_factory=list)

    @property
    def has_siret(self) -> bool:
        """True when ``pivot`` is a real SIRET (14 digits, not the placeholder)."""
        return len(self.pivot) == 14 and self.pivot.isdigit() and self.pivot != PLACEHOLDER_PIVOT

    @property
    def siret(self) -> str | None:
        """The pivot when it is a SIRET that passes its check (Luhn; La Poste's own rule), else None.

        What exports and pages may call a SIRET: a pivot failing the check is
        kept as the producer gave it (validation warns), never published as a SIRET.
        """
        return self.pivot if self.has_siret and is_valid_siret(self.pivot) else None

    @property
    def point(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return (self.latitude, self.longitude)

    @property
    def is_itinerant(self) -> bool:
        return Itinerance.ITINERANT in self.itinerance

    def offers(self) -> list[Offer]:
        """The venue's offers; a venue given without any offers one per service, carrying the
        venue-wide conditions (``Offer.derived``)."""
        if self.offres:
            return list(self.offres)
        return [
            Offer(
                id=offer_id(service.label, [service.code]),
                nom=service.label,
                services=[service],
                publics_specifiquement_adresses=list(self.publics_specifiquement_adresses),
                prise_en_charge_specifique=list(self.prise_en_charge_specifique),
                frais_a_charge=list(self.frais_a_charge),
                conditions_frais=list(self.conditions_frais),
                modalites_acces=list(self.modalites_acces),
                modalites_accompagnement=list(self.modalites_accompagnement),
                horaires=self.horaires,
                prise_rdv=self.prise_rdv,
                derived=True,
            )
            for service in self.services
        ]

    def __reduce__(self) -> tuple[type[Venue], tuple[Any, ...]]:
        """Pickled as the values of its fields, in order, and built again by ``Venue(*values)``: a harvest's
        validation workers send back a venue per record, and the run's process unpickles that in two thirds of
        the time of the default (the slots' names and values, set one by one)."""
        return type(self), _field_values(self)


#: Every field of the model, in order.
VENUE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Venue))
_field_values = attrgetter(*VENUE_FIELDS)

#: The 32 fields of the national standard v1.0.2, in the file order.
NATIONAL_FIELDS: tuple[str, ...] = (
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "typologie",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "source",
    "itinerance",
    "structure_parente",
    "date_maj",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "prise_rdv",
)
