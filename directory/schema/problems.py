# SPDX-License-Identifier: Apache-2.0
"""What validation finds wrong with a record, in words a person understands.

Every message lives in ``MESSAGES``, keyed by a stable code; the same problem
objects feed the import report, the harvest quarantine, the curation screens
and the API's problem+json ``errors`` list.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Problem", "Severity", "MESSAGES", "CUT_SHORT"]


class Severity(StrEnum):
    ERROR = "error"  # the record cannot be stored as it is
    WARNING = "warning"  # stored, flagged for a curator


MESSAGES: dict[str, str] = {
    "required": "ce champ est obligatoire et il est vide",
    "too_long": "le texte est trop long ({length} caractères, {max} au plus)",
    "markup": "le texte contient du balisage HTML ou un script, ce qui n'a pas sa place ici",
    "invisible_characters": "caractères invisibles ou inversant le sens de lecture ({characters}) : retirés",
    "formula_text": "ce texte commence par « {first} », qu'un tableur lirait comme une formule : gardé tel quel, neutralisé dans les exports",
    "pattern_pivot": "le pivot doit être un SIRET (14 chiffres), un RNA (W + 9 caractères) ou un RIDET, sans espaces : remplacé par 00000000000000",
    "pivot_trimmed": "le pivot contenait plus que son SIRET : réduit à {fixed}",
    "pivot_missing": "pivot absent : remplacé par 00000000000000 (aucun SIRET connu)",
    "siret_checksum": "ce SIRET ne passe pas la clé de contrôle : il est gardé mais ne sert pas à rapprocher les lieux",
    "pattern_postcode": "le code postal doit compter 5 chiffres",
    "postcode_padded": "le code postal avait perdu son zéro initial : {fixed}",
    "postcode_extra_digit": "le code postal avait un zéro de trop : {fixed}, celui de la commune",
    "unknown_postcode": "ce code postal n'existe pas dans la table des communes",
    "pattern_insee": "le code INSEE doit compter 5 caractères (ex. 69123, 2A004, 97411)",
    "unknown_insee": "ce code INSEE ne correspond à aucune commune connue",
    "postcode_insee_mismatch": "le code postal {postcode} ne dessert pas {commune} (INSEE {insee}), que {verb} {evidence} : à vérifier",
    "insee_contradicted": "le code INSEE {value} ({found}) contredit {evidence}, qui {verb} {commune} : code INSEE {insee} retenu",
    "insee_former_commune": "le code INSEE {value} est celui d'une ancienne commune{former}, fusionnée dans {commune} : code de la commune actuelle retenu ({insee})",
    "commune_name_contradicted": "« {value} » n'est pas {commune} (INSEE {insee}), que {verb} {evidence} : à vérifier",
    "former_commune": "« {value} » est une ancienne commune, fusionnée dans {commune} : code INSEE de la commune actuelle retenu ({insee})",
    "not_a_number": "ce n'est pas un nombre",
    "coordinates_incomplete": "latitude et longitude vont ensemble : l'une manque, le point est ignoré",
    "coordinates_zero": "les coordonnées (0, 0) ne désignent pas un lieu réel : point ignoré",
    "coordinates_out_of_range": "la latitude doit être entre -90 et 90 et la longitude entre -180 et 180 : point ignoré",
    "coordinates_outside_france": "ce point ({lat}, {lon}) n'est ni en France métropolitaine ni outre-mer : point ignoré",
    "coordinates_swapped": "latitude et longitude étaient inversées : corrigé",
    "coordinates_disagree": "la source donne deux points à {km} km l'un de l'autre ({value}, gardé, et {other}) : l'un des deux est faux, à vérifier",
    "coordinates_sign_flipped": "la longitude avait perdu ou pris un signe moins ({value}) : corrigée en {fixed}",
    "coordinates_far_from_commune": "ce point est à {km} km de la commune {commune} : les coordonnées semblent fausses",
    "coordinates_other_departement": "ce point tombe dans le département {found}, pas dans le {expected} de l'adresse",
    "placed_at_commune": "aucun point sûr pour cette adresse ({value}) : lieu placé au centre de sa commune",
    "unknown_term": "« {value} » ne fait pas partie du vocabulaire « {vocabulary} »",
    "unknown_term_dropped": "« {value} » ne fait pas partie du vocabulaire « {vocabulary} » : valeur ignorée",
    "phone": "numéro de téléphone illisible (attendu un numéro français, par exemple +33180059880 ou 01 80 05 98 80) : valeur ignorée",
    "email": "adresse e-mail invalide : valeur ignorée",
    "url": "adresse web invalide (attendu une URL complète commençant par https://) : valeur ignorée",
    "date": "date illisible ; attendue au format AAAA-MM-JJ",
    "date_serial": "date donnée comme le numéro de série d'un tableur ({value}) : lue comme le {fixed}",
    "date_future": "cette date de mise à jour est dans le futur",
    "hours": "horaires illisibles au format OSM opening_hours ({reason}) : texte gardé tel quel, à corriger",
    "hours_converted": "horaires écrits en texte, convertis au format OSM : « {converted} »",
    "legacy_term_dropped": "la valeur ancienne « {value} » n'a pas d'équivalent dans la version 1 du standard",
    "legacy_term_implied": "la valeur ancienne « {value} » n'a pas d'équivalent dans la version 1 du standard, où tout public est accueilli sauf mention contraire : elle n'y est pas reprise",
    "not_an_object": "l'enregistrement n'est pas un objet JSON (clé : valeur)",
    "unreadable_row": "enregistrement illisible ({reason})",
    "truncated_row": "dernier enregistrement incomplet ({cells} cellules pour {columns} colonnes) : le fichier semble coupé en cours de transfert ; l'enregistrement est mis de côté et rien n'est retiré",
    "truncated_quote": "dernier enregistrement incomplet (un guillemet ouvert ligne {line} n'est jamais fermé) : le fichier semble coupé en cours de transfert ; l'enregistrement est mis de côté et rien n'est retiré",
    "duplicate_id": "l'identifiant « {value} » est déjà celui de la ligne {first}, qui dit autre chose : {differences} — la fiche de la ligne {first} est gardée, celle-ci mise en quarantaine",
    "offer_unreadable": "offre illisible ({reason}) : laissée de côté",
    "offer_date": "date de séance illisible (attendue au format AAAA-MM-JJTHH:MM, ou début/fin) : laissée de côté",
    "offer_place_unplaced": "lieu d'offre ou arrêt sans coordonnées ({value}) : gardé, mais absent de la carte",
    "repeated_row": "ligne répétée à l'identique : l'identifiant « {value} » est déjà celui de la ligne {first} ; gardée une fois",
}

#: Codes of a last record cut short: the body ended mid-record, a broken transfer whatever HTTP said.
CUT_SHORT = frozenset({"truncated_row", "truncated_quote"})


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one field of one record."""

    field: str
    code: str
    value: Any = None
    severity: Severity = Severity.ERROR
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def message(self) -> str:
        return MESSAGES[self.code].format(value=self.value, **dict(self.params))

    def as_dict(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, str) and len(value) > 200:
            value = value[:200] + "…"
        return {
            "field": self.field,
            "code": self.code,
            "severity": self.severity.value,
            "value": value,
            "message": self.message,
        }

    def __str__(self) -> str:
        return f"{self.field} : {self.message}"

    def __reduce__(self) -> tuple[type[Problem], tuple[Any, ...]]:
        """Pickled as its five values (validation's workers send the problems of each record): a frozen
        dataclass with slots is otherwise built again by a Python ``__setstate__`` asking for its fields."""
        return type(self), (self.field, self.code, self.value, self.severity, self.params)
