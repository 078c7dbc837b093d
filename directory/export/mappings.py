# SPDX-License-Identifier: Apache-2.0
"""National vocabularies → data·inclusion v1 referentials (standards.md §4.2).

The tables follow data·inclusion's own mapping of the national standard (its
dbt models for the source ``mediation-numerique``, §2.7), so a venue exported
here lands in data·inclusion as it would through the national map. One
addition is marked where it is made. The same tables give the SKOS
``exactMatch`` / ``closeMatch`` links of ``directory.export.vocabularies``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

from directory.schema import (
    DispositifProgramme,
    FormationLabel,
    Frais,
    ModaliteAcces,
    ModaliteAccompagnement,
    PriseEnCharge,
    Public,
    Service,
)

__all__ = [
    "EXACT",
    "CLOSE",
    "THEMATIQUES",
    "PUBLICS",
    "PRISE_EN_CHARGE_PUBLICS",
    "FRAIS",
    "MODES_MOBILISATION",
    "TYPES",
    "TYPE_PRIORITY",
    "RESEAUX_PORTEURS",
    "FORMATIONS_RESEAUX",
    "DI_REFERENTIALS",
    "mapped",
    "slugs_of",
]

#: How close a national term is to the data·inclusion value (SKOS mapping property).
EXACT, CLOSE = "exact", "close"

#: services → data·inclusion v1 ``thematiques`` (all of them are v1 values).
THEMATIQUES: dict[Service, tuple[str, ...]] = {
    Service.DEMARCHES: (
        "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
        "numerique--acceder-a-des-services-en-ligne",
    ),
    Service.OUTILS_QUOTIDIEN: (
        "numerique--maitriser-les-fondamentaux-du-numerique",
        "numerique--acceder-a-des-services-en-ligne",
    ),
    Service.INSERTION_PRO: (
        "preparer-sa-candidature--organiser-ses-demarches-de-recherche-demploi",
        "numerique--maitriser-les-fondamentaux-du-numerique",
    ),
    Service.SECURITE: ("numerique--maitriser-les-fondamentaux-du-numerique",),
    Service.PARENTALITE: (
        "famille--soutien-a-la-parentalite-et-a-leducation",
        "numerique--maitriser-les-fondamentaux-du-numerique",
    ),
    Service.LOISIRS: (
        "remobilisation--activites-sportives-et-culturelles",
        "numerique--maitriser-les-fondamentaux-du-numerique",
    ),
    Service.COMPREHENSION: ("numerique--maitriser-les-fondamentaux-du-numerique",),
    Service.ACCES_INTERNET: ("numerique--acceder-a-une-connexion-internet", "numerique--acquerir-un-equipement"),
    Service.MATERIEL_SOLIDAIRE: ("numerique--acquerir-un-equipement",),
}

#: publics spécifiquement adressés → ``publics`` (with how close the match is).
PUBLICS: dict[Public, tuple[str, str]] = {
    Public.JEUNES: ("jeunes", EXACT),
    Public.ETUDIANTS: ("etudiants", EXACT),
    Public.FAMILLES: ("familles", CLOSE),
    Public.SENIORS: ("seniors", EXACT),
    Public.FEMMES: ("femmes", EXACT),
}

#: prise en charge spécifique → ``publics`` (broader groups: always close).
#: Illettrisme has no v1 public; data·inclusion keeps it in ``publics_precisions``.
PRISE_EN_CHARGE_PUBLICS: dict[PriseEnCharge, str] = {
    PriseEnCharge.SURDITE: "personnes-en-situation-de-handicap",
    PriseEnCharge.HANDICAPS_MOTEURS: "personnes-en-situation-de-handicap",
    PriseEnCharge.HANDICAPS_MENTAUX: "personnes-en-situation-de-handicap",
    PriseEnCharge.DEFICIENCE_VISUELLE: "personnes-en-situation-de-handicap",
    PriseEnCharge.ANGLAIS: "personnes-exilees",
    PriseEnCharge.AUTRES_LANGUES: "personnes-exilees",
}

#: frais à charge → ``frais`` (when a venue says both, ``gratuit`` wins).
FRAIS: dict[Frais, tuple[str, str]] = {
    Frais.GRATUIT: ("gratuit", EXACT),
    Frais.GRATUIT_SOUS_CONDITION: ("gratuit", CLOSE),
    Frais.PAYANT: ("payant", EXACT),
}

#: modalités d'accès → ``modes_mobilisation``; « Ce lieu n'accueille pas de public » has none.
MODES_MOBILISATION: dict[ModaliteAcces, tuple[str, str]] = {
    ModaliteAcces.SE_PRESENTER: ("se-presenter", EXACT),
    ModaliteAcces.TELEPHONER: ("telephoner", EXACT),
    ModaliteAcces.MAIL: ("envoyer-un-courriel", EXACT),
    ModaliteAcces.PRESCRIPTION: ("envoyer-un-courriel", CLOSE),
    ModaliteAcces.RDV_EN_LIGNE: ("utiliser-lien-mobilisation", CLOSE),
}

#: modalités d'accompagnement → service ``type``; « À distance » gives no type
#: but the ``a-distance`` mode of reception.
TYPES: dict[ModaliteAccompagnement, tuple[str, str]] = {
    ModaliteAccompagnement.AUTONOMIE: ("aide-materielle", CLOSE),
    ModaliteAccompagnement.INDIVIDUEL: ("accompagnement", CLOSE),
    ModaliteAccompagnement.ATELIER: ("atelier", EXACT),
}
#: One service has one type: the first of these the venue offers.
TYPE_PRIORITY: tuple[str, ...] = ("aide-materielle", "atelier", "accompagnement")

#: dispositifs et programmes nationaux → structure ``reseaux_porteurs``.
RESEAUX_PORTEURS: dict[DispositifProgramme, tuple[str, str]] = {
    DispositifProgramme.AIDANTS_CONNECT: ("aidants-connect", EXACT),
    DispositifProgramme.CONSEILLERS_NUMERIQUES: ("conseillers-numeriques", EXACT),
    DispositifProgramme.FRANCE_SERVICES: ("france-service", EXACT),
    DispositifProgramme.GRANDE_ECOLE: ("grandes-ecoles-du-numerique", EXACT),
    DispositifProgramme.CROIX_ROUGE: ("croix-rouge", CLOSE),
}

#: formations et labels → ``reseaux_porteurs``. An addition to data·inclusion's
#: mapping (which leaves labels out): Fabriques de Territoire is a v1 network.
FORMATIONS_RESEAUX: dict[FormationLabel, tuple[str, str]] = {
    FormationLabel.FABRIQUES: ("fabrique-de-territoire", EXACT),
}

#: Where each data·inclusion referential is described (``/api/v1/doc/…``);
#: a value's IRI in the RDF exports is this address + ``#`` + the value.
DI_REFERENTIALS: dict[str, str] = {
    name: f"https://api.data.inclusion.gouv.fr/api/v1/doc/{name}"
    for name in (
        "thematiques",
        "publics",
        "frais",
        "modes-mobilisation",
        "types-services",
        "modes-accueil",
        "reseaux-porteurs",
    )
}

_K = TypeVar("_K")


def slugs_of(value: str | tuple[str, ...]) -> tuple[str, ...]:
    """The data·inclusion values in one table entry (``(value, closeness)``,
    a bare value, or several thematiques)."""
    if isinstance(value, str):
        return (value,)
    if len(value) == 2 and value[1] in (EXACT, CLOSE):
        return (value[0],)
    return value


def mapped(terms: Iterable[_K], table: Mapping[_K, str | tuple[str, ...]]) -> list[str]:
    """The data·inclusion values of ``terms``, in order, without repeats."""
    found: dict[str, None] = {}
    for term in terms:
        if term in table:
            found.update(dict.fromkeys(slugs_of(table[term])))
    return list(found)
