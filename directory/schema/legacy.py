# SPDX-License-Identifier: Apache-2.0
"""Migration of legacy records (national standard v0.1, and the 2022
pre-standard form of the national map) to v1.

The value tables follow ``reference/standards.md`` §1.6. What v1 cannot say
is kept: « Accepte le Pass numérique » and APTIC become the ``conditions_frais``
extension, unknown labels go to ``autres_formations_labels``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from .folding import fold_key
from .problems import Problem, Severity

__all__ = ["is_legacy", "migrate_legacy"]

_LEGACY_KEYS = frozenset(
    {
        "publics_accueillis",
        "conditions_acces",
        "conditions_access",
        "labels_nationaux",
        "labels_autres",
        "courriel",
        "accessibilite",
        "cle_ban",
    }
)

# v0.1 value (short form, before " : ") → list of (v1 field, v1 value).
_SERVICES = {
    "Devenir autonome dans les démarches administratives": "Aide aux démarches administratives",
    "Réaliser des démarches administratives avec un accompagnement": "Aide aux démarches administratives",
    "Accompagner les démarches de santé": "Aide aux démarches administratives",
    "Prendre en main un smartphone ou une tablette": "Maîtrise des outils numériques du quotidien",
    "Prendre en main un ordinateur": "Maîtrise des outils numériques du quotidien",
    "Utiliser le numérique au quotidien": "Maîtrise des outils numériques du quotidien",
    "Favoriser mon insertion professionnelle": "Insertion professionnelle via le numérique",
    "Créer et développer mon entreprise": "Insertion professionnelle via le numérique",
    "Approfondir ma culture numérique": "Compréhension du monde numérique",
    "Promouvoir la citoyenneté numérique": "Compréhension du monde numérique",
    "Accéder à une connexion internet": "Accès internet et matériel informatique",
    "Accéder à du matériel": "Accès internet et matériel informatique",
    "S'équiper en matériel informatique": "Acquisition de matériel informatique à prix solidaire",
    "Créer avec le numérique": "Loisirs et créations numériques",
    "Soutenir la parentalité et l'éducation avec le numérique": "Parentalité et éducation avec le numérique",
}
_PUBLICS = {
    "Seniors (+ 65 ans)": ("publics_specifiquement_adresses", "Seniors"),
    "Familles/enfants": ("publics_specifiquement_adresses", "Familles et/ou enfants"),
    "Jeunes (16-26 ans)": ("publics_specifiquement_adresses", "Jeunes"),
    "Uniquement femmes": ("publics_specifiquement_adresses", "Femmes"),
    "Adultes": None,  # v1 default: everyone is welcome
    "Déficience visuelle": ("prise_en_charge_specifique", "Déficience visuelle"),
    "Surdité": ("prise_en_charge_specifique", "Surdité"),
    "Handicaps mentaux": ("prise_en_charge_specifique", "Handicaps mentaux"),
    # v1 has no psychic-disability value; the closest is kept (derived).
    "Handicaps psychiques": ("prise_en_charge_specifique", "Handicaps mentaux"),
    "Public langues étrangères": ("prise_en_charge_specifique", "Langues étrangères (autres)"),
    "Personnes en situation d'illettrisme": ("prise_en_charge_specifique", "Illettrisme"),
}
_CONDITIONS = {
    "Gratuit": [("frais_a_charge", "Gratuit")],
    "Gratuit sous condition": [("frais_a_charge", "Gratuit sous condition")],
    "Payant": [("frais_a_charge", "Payant")],
    "Accepte le Pass numérique": [("frais_a_charge", "Gratuit sous condition"), ("conditions_frais", "pass-numerique")],
    # Ambiguous in the sources (see standards.md §1.6): paying a membership is paying.
    "Adhésion": [("frais_a_charge", "Payant"), ("conditions_frais", "adhesion")],
}
_LABELS = {
    "CNFS": [("dispositif_programmes_nationaux", "Conseillers numériques")],
    "Conseiller numérique": [("dispositif_programmes_nationaux", "Conseillers numériques")],
    "France Services": [("dispositif_programmes_nationaux", "France Services")],
    "Aidants Connect": [("dispositif_programmes_nationaux", "Aidants Connect")],
    "Grandes écoles du numérique": [("dispositif_programmes_nationaux", "Grande école du numérique")],
    "Point numérique CAF": [("dispositif_programmes_nationaux", "Point d'accès numérique CAF")],
    "Point relais CAF": [("dispositif_programmes_nationaux", "Point d'accès numérique CAF")],
    "Fabriques de Territoire": [("formations_labels", "Fabriques de Territoire")],
    "APTIC": [("conditions_frais", "pass-numerique"), ("autres_formations_labels", "APTIC")],
    "Relais pôle emploi": [("autres_formations_labels", "Relais pôle emploi")],
    "French Tech": [("autres_formations_labels", "French Tech")],
    "Campus connecté": [("autres_formations_labels", "Campus connecté")],
}
_ACCOMPAGNEMENT = {
    "Seul": "En autonomie",
    "Avec de l'aide": "Accompagnement individuel",
    "Dans un atelier": "Dans un atelier collectif",
    # « À ma place » (delegation) has no v1 value; ANCT maps it this way.
    "A ma place": "Accompagnement individuel",
}


def _folded(table: Mapping[str, Any]) -> dict[str, Any]:
    return {fold_key(k): v for k, v in table.items()}


_F_SERVICES = _folded(_SERVICES)
_F_PUBLICS = _folded(_PUBLICS)
_F_CONDITIONS = _folded(_CONDITIONS)
_F_LABELS = _folded(_LABELS)
_F_ACCOMPAGNEMENT = _folded(_ACCOMPAGNEMENT)


def is_legacy(record: Mapping[str, Any]) -> bool:
    """True when the record uses v0.1 (or 2022 pre-standard) field names or values."""
    if any(key in record for key in _LEGACY_KEYS):
        return True
    services = record.get("services")
    if isinstance(services, str) and services:
        return _legacy_services(services)
    return False


@lru_cache(maxsize=4096)  # files repeat the same few lists of services
def _legacy_services(services: str) -> bool:
    """Whether a list of services starts with a v0.1 label."""
    first = re.split(r"[;|]|, (?=[A-ZÀ-Ý])", services)[0]
    return fold_key(first) in _F_SERVICES


def _split_legacy(value: Any) -> list[str]:
    """v0.1 lists use `;`; the 2022 national file used `, ` between capitalised labels."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value)
    parts = re.split(r"\s*[;|]\s*", text) if re.search(r"[;|]", text) else re.split(r",\s+(?=[A-ZÀ-Ý])", text)
    return [p.strip() for p in parts if p.strip()]


def _short(value: str) -> str:
    """Long-form v0.1 labels are « Short : explanation »."""
    return value.split(" : ", 1)[0].split(" :", 1)[0].strip()


def migrate_legacy(record: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """A v1-shaped copy of a legacy record (list fields as lists), and notes.

    Values without a v1 equivalent are reported as warnings, never silently
    dropped; unknown values are passed through for the v1 validation to judge.
    """
    out: dict[str, Any] = {k: v for k, v in record.items() if k not in _LEGACY_KEYS}
    notes: list[Problem] = []
    lists: dict[str, list[str]] = {}

    def add(field: str, value: str) -> None:
        bucket = lists.setdefault(field, [])
        if value not in bucket:
            bucket.append(value)

    legacy_lists = [
        ("services", record.get("services")),
        ("publics_accueillis", record.get("publics_accueillis")),
        ("conditions_acces", record.get("conditions_acces", record.get("conditions_access"))),
        ("labels_nationaux", record.get("labels_nationaux")),
        ("labels_autres", record.get("labels_autres")),
    ]
    if "modalites_accompagnement" in record:
        out.pop("modalites_accompagnement")
        legacy_lists.append(("modalites_accompagnement", record["modalites_accompagnement"]))
    for field, value in legacy_lists:
        # files repeat the same few lists: the migration of a text is worked out once
        targets, field_notes = _migrated_text(field, value) if isinstance(value, str) else _migrated(field, value)
        for target in targets:
            add(*target)
        notes.extend(field_notes)

    if record.get("courriel") and not record.get("courriels"):
        out["courriels"] = _split_legacy(record["courriel"])
    if record.get("accessibilite") and not record.get("fiche_acces_libre"):
        out["fiche_acces_libre"] = record["accessibilite"]
    if isinstance(record.get("site_web"), str):
        out["site_web"] = _split_legacy(record["site_web"])

    for field, values in lists.items():
        out[field] = ", ".join(values) if field == "autres_formations_labels" else values
    return out, notes


#: What one legacy list gives: the (v1 field, v1 value) pairs to add, in order, and the notes.
_Migrated = tuple[tuple[tuple[str, str], ...], tuple[Problem, ...]]


@lru_cache(maxsize=4096)
def _migrated_text(field: str, value: str) -> _Migrated:
    return _migrated(field, value)


def _migrated(field: str, value: Any) -> _Migrated:
    """The v1 values and the notes of the legacy list ``field`` (``services``, ``publics_accueillis``,
    ``conditions_acces``, ``labels_nationaux``, ``labels_autres``, ``modalites_accompagnement``)."""
    targets: list[tuple[str, str]] = []
    notes: list[Problem] = []
    for item in _split_legacy(value):
        if field == "services":
            targets.append(("services", _F_SERVICES.get(fold_key(item), item)))
        elif field == "publics_accueillis":
            key = fold_key(_short(item))
            if key not in _F_PUBLICS:
                notes.append(_dropped(field, item))
            elif (target := _F_PUBLICS[key]) is not None:
                targets.append(target)
            else:  # « Adultes »: said by every venue of v1, but said here, so not dropped without a word
                notes.append(Problem(field, "legacy_term_implied", item, Severity.WARNING))
        elif field == "conditions_acces":
            found = _F_CONDITIONS.get(fold_key(_short(item)))
            if found is None:
                notes.append(_dropped(field, item))
            targets.extend(found or ())
        elif field == "labels_nationaux":
            labels = _F_LABELS.get(fold_key(item))
            targets.extend([("autres_formations_labels", item)] if labels is None else labels)
        elif field == "labels_autres":
            targets.append(("autres_formations_labels", item))
        else:
            targets.append((field, _F_ACCOMPAGNEMENT.get(fold_key(_short(item)), item)))
    return tuple(targets), tuple(notes)


def _dropped(field: str, value: str) -> Problem:
    return Problem(field, "legacy_term_dropped", value, Severity.WARNING)
