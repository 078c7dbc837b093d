# SPDX-License-Identifier: Apache-2.0
"""« D'où viennent ces informations » on a venue page: which source gave which field.

The store keeps, per field, the source whose value won the merge (or the curator who
fixed it); the page groups the fields by source, in words a resident understands.
"""

from __future__ import annotations

from collections.abc import Mapping

from directory.store import Provenance

__all__ = ["FIELD_WORDS", "origins"]

#: What a field is called on the page; fields that travel together share their words.
FIELD_WORDS: dict[str, str] = {
    "nom": "nom",
    "adresse": "adresse",
    "complement_adresse": "adresse",
    "code_postal": "adresse",
    "commune": "adresse",
    "code_insee": "adresse",
    "latitude": "position sur la carte",
    "longitude": "position sur la carte",
    "telephone": "téléphone",
    "courriels": "courriel",
    "site_web": "site web",
    "horaires": "horaires",
    "services": "services",
    "presentation_resume": "présentation",
    "presentation_detail": "présentation",
    "publics_specifiquement_adresses": "publics",
    "prise_en_charge_specifique": "publics",
    "frais_a_charge": "frais",
    "modalites_acces": "modalités d'accès",
    "modalites_accompagnement": "accompagnement",
    "itinerance": "itinérance",
    "dispositif_programmes_nationaux": "dispositifs nationaux",
    "formations_labels": "labels",
    "autres_formations_labels": "labels",
    "prise_rdv": "prise de rendez-vous",
    "fiche_acces_libre": "accessibilité",
    "structure_parente": "structure parente",
    "pivot": "SIRET",
}

CURATORS = "l'équipe d'animation de l'annuaire"


def origins(provenance: Mapping[str, Provenance], names: Mapping[str, str]) -> list[tuple[str, list[str]]]:
    """(who, what they gave) for each source of the venue, the one giving most first; curators' fixes
    are « the team »'s. Fields without words (dates, methods) are left out."""
    given: dict[str, list[str]] = {}
    for field in FIELD_WORDS:
        origin = provenance.get(field)
        if origin is None:
            continue
        who = CURATORS if origin.locked or origin.actor else names.get(origin.source_id or "", origin.source_id or "")
        words = given.setdefault(who, [])
        if who and FIELD_WORDS[field] not in words:
            words.append(FIELD_WORDS[field])
    return sorted(((who, words) for who, words in given.items() if who), key=lambda item: -len(item[1]))
