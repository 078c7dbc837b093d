# SPDX-License-Identifier: Apache-2.0
"""data·inclusion structures (schema v1, and the v0 fields still met) →
national-standard records.

Accepted documents: a list of structures; an API page ``{"items": [...]}``;
``{"structures": [...], "services": [...]}`` (services joined to their
structure by ``structure_id``); one structure with its ``services`` inline (as
``GET /api/v1/structures/{id}`` answers). A structure without services gives
its services from its own v0 ``thematiques``, read with the same table.

Each digital service is also an offer of the venue (``offres``, ``schema.offer``), with its own
name, description, thematiques, publics, frais, modes_accueil, horaires_accueil,
lien_mobilisation and, when it is not the structure's, its address (issue 15, item 2).

The field and value correspondences are those of ``reference/standards.md``
§2 and §4.2, read backwards. Only *digital* services count: a service whose
``thematiques`` hold no ``numerique`` / ``numerique--…`` value (a job club, a
food bank…) adds nothing to the venue. Values without a national equivalent
are left out without a report: data·inclusion's referentials are much wider
than the national standard's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from directory.schema import PLACEHOLDER_PIVOT, Problem

from ..encoding import DecodedText
from .base import Reader, ReadError, ReadItem, payload_of
from .table_json import load_json

__all__ = ["DataInclusionReader", "service_to_offer", "structure_to_national"]

_DEMARCHES = "Aide aux démarches administratives"
_OUTILS = "Maîtrise des outils numériques du quotidien"
_INSERTION = "Insertion professionnelle via le numérique"
_ACCES = "Accès internet et matériel informatique"

#: thematique (v0 and v1) → national service (§4.2, read backwards).
THEMATIQUES: dict[str, str] = {
    # v0 (ANCT converter)
    "numerique--realiser-des-demarches-administratives-avec-un-accompagnement": _DEMARCHES,
    "numerique--devenir-autonome-dans-les-demarches-administratives": _DEMARCHES,
    "numerique--accompagner-les-demarches-de-sante": _DEMARCHES,
    "numerique--prendre-en-main-un-smartphone-ou-une-tablette": _OUTILS,
    "numerique--prendre-en-main-un-ordinateur": _OUTILS,
    "numerique--utiliser-le-numerique-au-quotidien": _OUTILS,
    "numerique--favoriser-mon-insertion-professionnelle": _INSERTION,
    "numerique--creer-et-developper-mon-entreprise": _INSERTION,
    "numerique--soutenir-la-parentalite-et-l-education-avec-le-numerique": "Parentalité et éducation avec le numérique",
    "numerique--creer-avec-le-numerique": "Loisirs et créations numériques",
    "numerique--approfondir-ma-culture-numerique": "Compréhension du monde numérique",
    "numerique--promouvoir-la-citoyennete-numerique": "Compréhension du monde numérique",
    "numerique--acceder-a-une-connexion-internet": _ACCES,
    "numerique--acceder-a-du-materiel": _ACCES,
    "numerique--s-equiper-en-materiel-informatique": "Acquisition de matériel informatique à prix solidaire",
    # v1 (data·inclusion dbt): four digital thematiques only
    "numerique--acceder-a-des-services-en-ligne": _DEMARCHES,
    "numerique--maitriser-les-fondamentaux-du-numerique": _OUTILS,
    # ANCT has no way back for this one; « acquérir » is buying, so the
    # solidarity-priced equipment service (derived).
    "numerique--acquerir-un-equipement": "Acquisition de matériel informatique à prix solidaire",
}

#: (field, national value) for each v1 ``reseaux_porteurs`` / v0 ``labels_nationaux`` value.
NETWORKS: dict[str, tuple[str, str]] = {
    "aidants-connect": ("dispositif_programmes_nationaux", "Aidants Connect"),
    "conseillers-numeriques": ("dispositif_programmes_nationaux", "Conseillers numériques"),
    "conseiller-numerique": ("dispositif_programmes_nationaux", "Conseillers numériques"),
    "france-service": ("dispositif_programmes_nationaux", "France Services"),
    "grandes-ecoles-du-numerique": ("dispositif_programmes_nationaux", "Grande école du numérique"),
    "croix-rouge": ("dispositif_programmes_nationaux", "La Croix Rouge"),
    "fabrique-de-territoire": ("formations_labels", "Fabriques de Territoire"),
    "espaces-publics-numeriques": ("typologie", "EPN"),
    "aptic": ("conditions_frais", "pass-numerique"),
}
#: v0 ``labels_nationaux`` only (in v1, ``caf`` is the CAF network, not its digital points).
LABELS_V0: dict[str, tuple[str, str]] = {
    "caf": ("dispositif_programmes_nationaux", "Point d'accès numérique CAF"),
    "mon-espace-sante": ("formations_labels", "Formé à « Mon Espace Santé »"),
    "duplex": ("formations_labels", "Formé à « DUPLEX » (illettrisme)"),
    "arnia": ("formations_labels", "Arnia/MedNum BFC (Bourgogne-Franche-Comté)"),
    "ressources-reemploi": ("formations_labels", "Collectif ressources et acteurs réemploi (Normandie)"),
    "etapes-numeriques": ("formations_labels", "Étapes numériques (La Poste)"),
    "les-eclaireurs": ("formations_labels", "Les Éclaireurs du numérique (Drôme)"),
    "mes-papiers": ("formations_labels", "Mes Papiers (Métropole de Lyon)"),
    "ordi-3": ("formations_labels", "ORDI 3.0"),
    "sud-labs": ("formations_labels", "SUD LABS (PACA)"),
}
_FRAIS: dict[str, list[tuple[str, str]]] = {
    "gratuit": [("frais_a_charge", "Gratuit")],
    "payant": [("frais_a_charge", "Payant")],
    "gratuit-sous-conditions": [("frais_a_charge", "Gratuit sous condition")],
    "pass-numerique": [("frais_a_charge", "Gratuit sous condition"), ("conditions_frais", "pass-numerique")],
    "adhesion": [("frais_a_charge", "Payant"), ("conditions_frais", "adhesion")],
}
_PUBLICS: dict[str, tuple[str, str]] = {
    "jeunes": ("publics_specifiquement_adresses", "Jeunes"),
    "jeunes-16-26": ("publics_specifiquement_adresses", "Jeunes"),
    "etudiants": ("publics_specifiquement_adresses", "Étudiants"),
    "familles": ("publics_specifiquement_adresses", "Familles et/ou enfants"),
    "familles-enfants": ("publics_specifiquement_adresses", "Familles et/ou enfants"),
    "seniors": ("publics_specifiquement_adresses", "Seniors"),
    "seniors-65": ("publics_specifiquement_adresses", "Seniors"),
    "femmes": ("publics_specifiquement_adresses", "Femmes"),
    "surdite": ("prise_en_charge_specifique", "Surdité"),
    "handicaps-mentaux": ("prise_en_charge_specifique", "Handicaps mentaux"),
    "deficience-visuelle": ("prise_en_charge_specifique", "Déficience visuelle"),
    "personnes-en-situation-illettrisme": ("prise_en_charge_specifique", "Illettrisme"),
    "public-langues-etrangeres": ("prise_en_charge_specifique", "Langues étrangères (autres)"),
}
_TYPES: dict[str, str] = {
    "accompagnement": "Accompagnement individuel",
    "delegation": "Accompagnement individuel",
    "atelier": "Dans un atelier collectif",
    "aide-materielle": "En autonomie",
    "autonomie": "En autonomie",
}
_MOBILISATION: dict[str, str] = {
    "se-presenter": "Se présenter",
    "telephoner": "Téléphoner",
    "envoyer-un-courriel": "Contacter par mail",
    "envoyer-un-mail": "Contacter par mail",
    "utiliser-lien-mobilisation": "Prendre un RDV en ligne",
    "prendre-rdv": "Prendre un RDV en ligne",
    "envoyer-un-mail-avec-une-fiche-de-prescription": "Envoyer un mail avec une fiche de prescription",
}
_COPIED = {
    "id": "id",
    "nom": "nom",
    "adresse": "adresse",
    "complement_adresse": "complement_adresse",
    "code_postal": "code_postal",
    "code_insee": "code_insee",
    "commune": "commune",
    "latitude": "latitude",
    "longitude": "longitude",
    "telephone": "telephone",
    "date_maj": "date_maj",
    "source": "source",
    "typologie": "typologie",
    "presentation_resume": "presentation_resume",
    "presentation_detail": "presentation_detail",
}


class DataInclusionReader(Reader):
    format = "dinclusion"
    media_types = ("application/json",)
    extensions = ()

    def read_text(self, decoded: DecodedText) -> Iterator[ReadItem]:
        structures, services = _documents(load_json(decoded.text))
        by_structure: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for service in services:
            if isinstance(service, dict):
                by_structure[(service.get("source"), service.get("structure_id"))].append(service)
                by_structure[(None, service.get("structure_id"))].append(service)
        for position, structure in enumerate(structures, start=1):
            if not isinstance(structure, dict):
                yield ReadItem(
                    position, None, payload_of(structure), [Problem("*", "not_an_object", type(structure).__name__)]
                )
                continue
            own = [s for s in structure.get("services") or [] if isinstance(s, dict)]
            key = (structure.get("source"), structure.get("id"))
            linked = by_structure.get(key) or by_structure.get((None, structure.get("id"))) or []
            attached = own + [s for s in linked if s not in own]
            payload = payload_of({**structure, "services": attached} if attached else structure)
            yield ReadItem(position, structure_to_national(structure, attached), payload)


def _documents(document: Any) -> tuple[list[Any], list[Any]]:
    if isinstance(document, list):
        return document, []
    if isinstance(document, dict):
        if isinstance(document.get("structures"), list):
            return document["structures"], document.get("services") or []
        if isinstance(document.get("items"), list):
            return document["items"], []
        if "nom" in document and "id" in document:
            return [document], []
    raise ReadError(
        "ce n'est pas un export data·inclusion : attendu une liste de structures, "
        'une page {"items": […]} ou {"structures": […], "services": […]}'
    )


def structure_to_national(structure: Mapping[str, Any], services: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """One data·inclusion structure (and its services) as a national record."""
    out: dict[str, Any] = {
        target: structure[key] for key, target in _COPIED.items() if structure.get(key) not in (None, "")
    }
    lists: dict[str, list[str]] = defaultdict(list)

    def add(field: str, value: str) -> None:
        if value not in lists[field]:
            lists[field].append(value)

    siret = str(structure.get("siret") or "").replace(" ", "")
    out["pivot"] = siret or str(structure.get("rna") or "") or PLACEHOLDER_PIVOT
    if structure.get("courriel"):
        out["courriels"] = [structure["courriel"]]
    if structure.get("site_web"):
        out["site_web"] = [structure["site_web"]]
    hours = structure.get("horaires_accueil") or structure.get("horaires_ouverture")
    if hours:
        out["horaires"] = hours
    if structure.get("description") and not structure.get("presentation_detail"):
        out["presentation_detail"] = structure["description"]
    if structure.get("accessibilite_lieu") or structure.get("accessibilite"):
        out["fiche_acces_libre"] = structure.get("accessibilite_lieu") or structure.get("accessibilite")
    for value in _values(structure.get("reseaux_porteurs")):
        if value in NETWORKS:
            add(*NETWORKS[value])
    for value in _values(structure.get("labels_nationaux")):
        if value in NETWORKS or value in LABELS_V0:
            add(*(NETWORKS.get(value) or LABELS_V0[value]))
    others = _values(structure.get("labels_autres"))
    if others:
        out["autres_formations_labels"] = ", ".join(others)
    offers = [offer for offer in (service_to_offer(service, structure) for service in services) if offer]
    if offers:
        out["offres"] = offers
    if not services:  # a v0 structures-only export: the structure's own thematiques say what it offers
        services = [{"thematiques": structure.get("thematiques")}]
    for service in services:
        if not _digital(service):
            continue
        for name, values in _service_terms(service).items():
            for value in values:
                add(name, value)
        link = service.get("lien_mobilisation") or service.get("prise_rdv")
        if link and "prise_rdv" not in out:
            out["prise_rdv"] = link
        if hours is None and (service.get("horaires_accueil") or service.get("recurrence")) and "horaires" not in out:
            out["horaires"] = service.get("horaires_accueil") or service.get("recurrence")
    typologie = out.pop("typologie", None)
    if typologie:
        lists["typologie"].insert(0, str(typologie))
    out.update(lists)
    return out


def _digital(service: Mapping[str, Any]) -> bool:
    return any(t == "numerique" or t.startswith("numerique--") for t in _values(service.get("thematiques")))


_PLACE = ("adresse", "complement_adresse", "code_postal", "code_insee", "commune", "latitude", "longitude")


def _service_terms(service: Mapping[str, Any]) -> dict[str, Any]:
    """The national terms one service gives (services, fees, publics, support, access), by field."""
    terms: dict[str, list[str]] = defaultdict(list)

    def add(field: str, value: str) -> None:
        if value not in terms[field]:
            terms[field].append(value)

    for thematique in _values(service.get("thematiques")):
        if thematique in THEMATIQUES:
            add("services", THEMATIQUES[thematique])
    for value in _values(service.get("frais")):
        for target in _FRAIS.get(value, ()):
            add(*target)
    for value in _values(service.get("publics")) + _values(service.get("profils")):
        if value in _PUBLICS:
            add(*_PUBLICS[value])
    for value in _values(service.get("type")) + _values(service.get("types")):
        if value in _TYPES:
            add("modalites_accompagnement", _TYPES[value])
    if "a-distance" in _values(service.get("modes_accueil")):
        add("modalites_accompagnement", "À distance")
    for key in ("modes_mobilisation", "modes_orientation_beneficiaire", "modes_orientation_accompagnateur"):
        for value in _values(service.get(key)):
            if value in _MOBILISATION:
                add("modalites_acces", _MOBILISATION[value])
    return dict(terms)


def service_to_offer(service: Mapping[str, Any], structure: Mapping[str, Any]) -> dict[str, Any] | None:
    """One digital data·inclusion service as an offer of its structure's venue (``offres``), or None
    (not digital). Values as ``structure_to_national`` reads them for the venue, for this service only."""
    if not _digital(service):
        return None
    result: dict[str, Any] = _service_terms(service)
    if service.get("id"):
        result["id"] = str(service["id"])
    if service.get("nom"):
        result["nom"] = service["nom"]
    description = service.get("description") or service.get("presentation_detail") or service.get("presentation_resume")
    if description:
        result["description"] = description
    hours = service.get("horaires_accueil") or service.get("recurrence")
    if hours:
        result["horaires"] = hours
    link = service.get("lien_mobilisation") or service.get("prise_rdv")
    if link:
        result["prise_rdv"] = link
    place = {name: service.get(name) for name in _PLACE if service.get(name) not in (None, "")}
    if place.get("adresse") and any(place.get(name) != structure.get(name) for name in ("adresse", "code_postal")):
        result["lieu"] = place  # given where the structure is not: the offer's own place
    return result


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).split(",") if v.strip()]
