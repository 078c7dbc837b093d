# SPDX-License-Identifier: Apache-2.0
"""The OpenAPI document's schemas (``components/schemas``): the national record from the standard's
Table Schema, the API's answers and problems; ``openapi`` builds the rest of the document."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from directory.export import NATIONAL_SCHEMA_PATH, NATIONAL_SCHEMA_URI, NATIONAL_SCHEMA_VERSION
from directory.schema import FILTER_VOCABULARIES, NATIONAL_FIELDS

from .api import MAX_PLACES
from .finder import FACETS

__all__ = ["national_record_schema", "nullable", "ref", "schemas"]

_REF = "#/components/schemas/"


def ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _national_property(field: dict[str, Any]) -> dict[str, Any]:
    """One Table Schema field as a JSON Schema property; the API writes ``""`` for an empty value."""
    description = field.get("description", "")
    if field["type"] == "number":
        low, high = (-90, 90) if field["name"] == "latitude" else (-180, 180)
        return {
            "description": description,
            "anyOf": [{"type": "number", "minimum": low, "maximum": high}, {"const": ""}],
        }
    schema: dict[str, Any] = {"type": "string", "description": description}
    if field["type"] == "date":
        schema["format"] = "date"
    constraints = field.get("constraints", {})
    if "pattern" in constraints:  # Table Schema patterns match the whole value
        schema["pattern"] = f"^(?:{constraints['pattern']})?$"
    if "maxLength" in constraints:
        schema["maxLength"] = constraints["maxLength"]
    return schema


@cache
def national_record_schema() -> dict[str, Any]:
    table = json.loads(NATIONAL_SCHEMA_PATH.read_text(encoding="utf-8"))
    fields = {f["name"]: f for f in table["fields"]}
    return {
        "type": "object",
        "title": "Lieu (standard national)",
        "description": f"Un lieu au format du standard national « {table['title']} » {NATIONAL_SCHEMA_VERSION} : "
        "les mêmes champs et les mêmes valeurs que l'export CSV. Les listes sont séparées par « | », "
        "une valeur inconnue est une chaîne vide.",
        "externalDocs": {"description": "Schéma du standard national", "url": NATIONAL_SCHEMA_URI},
        "properties": {name: _national_property(fields[name]) for name in NATIONAL_FIELDS},
        "required": list(NATIONAL_FIELDS),
    }


def _object(properties: dict[str, Any], description: str = "", *, required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "required": required or list(properties)}
    if description:
        schema["description"] = description
    return schema


def _string(description: str, **more: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **more}


def _integer(description: str, **more: Any) -> dict[str, Any]:
    return {"type": "integer", "description": description, **more}


def _facets_schema() -> dict[str, Any]:
    counts = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
    return {
        "type": "object",
        "description": "Pour chaque filtre, le nombre de lieux trouvés par code (les codes sans lieu sont omis).",
        "properties": {name: {**counts, "description": FILTER_VOCABULARIES[name].title()} for name in FACETS},
        "additionalProperties": counts,
    }


def schemas() -> dict[str, Any]:
    latitude, longitude = (
        {"type": "number", "minimum": -90, "maximum": 90},
        {"type": "number", "minimum": -180, "maximum": 180},
    )
    place = _object(
        {
            "label": _string("Le nom du lieu tel qu'il est montré : « Lyon 3e Arrondissement (69003) »."),
            "kind": _string("Ce que le texte désignait : postcode, commune, adresse ou point."),
            "latitude": latitude,
            "longitude": longitude,
            "code_insee": nullable(_string("Le code officiel géographique de la commune.")),
            "code_postal": nullable(_string("Le code postal.")),
            "departement": nullable(_string("Le numéro du département.")),
        },
        "Un lieu géographique : ce que « lieu » ou « lat » et « lon » ont désigné.",
    )
    field_error = _object(
        {
            "field": _string("Le paramètre ou le champ en faute."),
            "message": _string("Ce qui ne va pas, en français."),
            "value": {"description": "La valeur reçue (tronquée à 80 caractères), quand elle aide."},
        },
        required=["field", "message"],
    )
    problem = _object(
        {
            "type": _string("Une adresse relative qui identifie le genre d'erreur : /erreurs/requete-invalide…"),
            "title": _string("Le titre de l'erreur, en français."),
            "status": _integer("Le code HTTP.", minimum=400, maximum=599),
            "detail": _string("L'explication, en français."),
            "instance": _string("Le chemin demandé."),
            "errors": {
                "type": "array",
                "items": ref("ErreurChamp"),
                "description": "Un élément par paramètre en faute.",
            },
        },
        "Une erreur au format application/problem+json (RFC 9457).",
        required=["type", "title", "status", "detail"],
    )
    opening = _object(
        {
            "maintenant": {"type": "boolean", "description": "Vrai si le lieu est ouvert à l'heure de la requête."},
            "texte": _string("« Ouvert jusqu'à 18 h », « Fermé · ouvre lundi à 9 h »."),
        },
        "L'état d'ouverture, quand les horaires sont connus.",
    )
    card = _object(
        {
            "rang": _integer("La position dans toute la liste de résultats (à partir de 1).", minimum=1),
            "id": _string("L'identifiant du lieu dans l'annuaire."),
            "url": _string("La page du lieu.", format="uri"),
            "distance_m": nullable(_integer("La distance au lieu ou au point cherché, en mètres.", minimum=0)),
            "ouvert": nullable(opening),
            "lieu": ref("LieuNational"),
        },
        "Un résultat de recherche.",
    )
    extent = _object(
        {
            "code_postal": _string("Le code postal cherché."),
            "rayon_km": nullable(
                {
                    "type": "number",
                    "minimum": 0,
                    "description": "La liste s'arrête à cette distance du code postal (null : toute la France, "
                    "quand les plus grands rayons tiennent moins d'une page de lieux).",
                }
            ),
            "rayon_choisi": {
                "type": "boolean",
                "description": "Vrai quand le rayon est choisi par l'annuaire (le plus petit qui tient une page "
                "de lieux et tous ceux du code postal), faux quand il est demandé (« rayon »).",
            },
            "dans_le_code_postal": _integer(
                "Les lieux du code postal, donnés en premier (du plus proche au plus éloigné), avant les autres.",
                minimum=0,
            ),
            "elargir_km": nullable(_integer("Le rayon suivant, pour élargir la recherche (« rayon »).", minimum=1)),
        },
        "Autour d'un code postal : jusqu'où va la liste, et les lieux de ce code postal d'abord.",
    )
    search = _object(
        {
            "lieu": nullable(ref("Localisation")),
            "total": _integer("Le nombre de lieux trouvés.", minimum=0),
            "total_exact": {
                "type": "boolean",
                "description": "Faux quand le total est une estimation (au-delà du plafond).",
            },
            "page": _integer("La page donnée.", minimum=1),
            "par_page": _integer("Le nombre de résultats par page.", minimum=1),
            "pages": _integer("Le nombre de pages.", minimum=1),
            "resultats": {"type": "array", "items": ref("Resultat")},
            "facettes": _facets_schema(),
            "etendue": nullable(extent),
        },
        "Une page de résultats de recherche.",
    )
    nearby_venue = _object(
        {
            "id": _string("L'identifiant du lieu."),
            "nom": _string("Le nom du lieu."),
            "adresse": _string("L'adresse."),
            "code_postal": _string("Le code postal."),
            "commune": _string("La commune."),
            "distance_m": _integer("La distance en mètres.", minimum=0),
            "latitude": latitude,
            "longitude": longitude,
            "services": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Les codes des services proposés.",
            },
        },
        "Un lieu proche.",
    )
    # A tuple [lat, lon, id]; not spelled with prefixItems, which schemathesis 4.32 mis-converts in responses.
    point = {
        "type": "array",
        "items": {"type": ["number", "string"]},
        "minItems": 3,
        "maxItems": 3,
        "description": "[latitude, longitude, identifiant du lieu]",
    }
    map_place = nullable(_object({"label": {"type": "string"}, "latitude": latitude, "longitude": longitude}))
    national = national_record_schema()
    change_venue = {
        **national,
        "title": "Lieu (standard national, flux)",
        "description": "L'état du lieu au format du standard national, avec la colonne d'extension "
        "« conditions_frais » et « origine » et « lignee » quand ils sont connus.",
        "properties": {
            **national["properties"],
            "conditions_frais": _string(
                "Extension : les conditions financières que le standard ne sait pas dire, séparées par « | » "
                "(« Accepte le Pass numérique », « Adhésion requise »)."
            ),
        },
    }
    change = _object(
        {
            "cursor": _string("Le curseur de ce changement."),
            "venue_id": _string("L'identifiant du lieu."),
            "action": _string(
                "upsert (créé ou modifié), withdraw (retiré) ou merge (fusionné).", enum=["upsert", "withdraw", "merge"]
            ),
            "merged_into": nullable(_string("Le lieu qui a absorbé celui-ci (fusion).")),
            "at": _string("Le moment du changement.", format="date-time"),
            "venue": nullable(change_venue),
        }
    )
    quarantined = _object(
        {
            "record_id": nullable(_string("L'identifiant de l'enregistrement dans la source.")),
            "position": _integer("Sa position dans le fichier de la source."),
            "problemes": {
                "type": "array",
                "items": {"type": "object"},
                "description": "Les problèmes, par champ (field, code, severity, value, message).",
            },
        }
    )
    correction = _object(
        {
            "venue_id": {"type": "string"},
            "record_id": {"type": "string"},
            "champ": nullable({"type": "string"}),
            "ancien": {"description": "La valeur avant correction."},
            "nouveau": {"description": "La valeur corrigée."},
            "par": {"type": "string"},
            "le": {"type": "string", "format": "date-time"},
        }
    )
    return {
        "Probleme": problem,
        "ErreurChamp": field_error,
        "LieuNational": national_record_schema(),
        "Localisation": place,
        "Resultat": card,
        "Recherche": search,
        "FicheLieu": _object(
            {
                "id": _string("L'identifiant du lieu."),
                "lieu": ref("LieuNational"),
                "offres": {
                    "type": "array",
                    "items": {"type": "object"},
                    "description": "Ses offres, quand une source les donne : nom, description, services, publics, "
                    "frais (codes des vocabulaires), horaires (OSM), dates, lien d'inscription, lieu propre et "
                    "arrêts de la médiation itinérante.",
                },
            },
            "Un lieu de l'annuaire, et ses offres.",
            required=["id", "lieu"],
        ),
        "LieuxProches": _object(
            {"place": ref("Localisation"), "results": {"type": "array", "items": nearby_venue}},
            "Les lieux les plus proches d'un point, du plus proche au plus lointain.",
        ),
        "Carte": _object(
            {
                "lieu": map_place,
                "total": _integer("Le nombre de points.", minimum=0),
                "complet": {
                    "type": "boolean",
                    "description": "Faux quand les points s'arrêtent au plafond de la carte.",
                },
                "points": {"type": "array", "items": point},
                "arrets": {
                    "type": "array",
                    "items": {"type": "array", "minItems": 8, "maxItems": 8},
                    "description": "Les arrêts de la médiation itinérante des lieux trouvés et, autour d'un lieu, "
                    "ceux qui en sont proches (ceux que la page liste), qui répondent aux filtres "
                    "(les valeurs de l'offre, à défaut celles du lieu ; les passages de l'arrêt pour les horaires), "
                    "lieux à part entière : "
                    "[latitude, longitude, id du lieu, id de l'offre, numéro de l'arrêt, nom de l'arrêt, "
                    "nom de l'offre, « Prochain passage … » ou null].",
                },
            },
            "Tous les résultats d'une recherche qui ont un point, dans l'ordre de la liste.",
        ),
        "Communes": _object({"resultats": {"type": "array", "items": ref("Localisation"), "maxItems": MAX_PLACES}}),
        "Changements": _object(
            {
                "items": {"type": "array", "items": change},
                "next": _string("Le curseur à redonner dans « since » pour la suite."),
                "more": {"type": "boolean", "description": "Vrai s'il reste des changements à lire tout de suite."},
            },
            "Une page du flux des changements.",
        ),
        "RetoursSource": _object(
            {
                "source": _string("L'identifiant de la source."),
                "moisson": nullable(
                    _integer(
                        "La dernière moisson qui a lu les enregistrements de la source (ni « non modifié », ni échec)."
                    )
                ),
                "moisson_le": nullable(_string("Le début de cette moisson.", format="date-time")),
                "depuis": nullable(_string("Le début de la période des corrections.", format="date-time")),
                "quarantaine": {
                    "type": "array",
                    "items": quarantined,
                    "description": "Les enregistrements écartés par cette moisson.",
                },
                "corrections": {
                    "type": "array",
                    "items": correction,
                    "description": "Les corrections faites dans l'annuaire depuis « depuis ».",
                },
            },
            "Ce qu'une source peut corriger chez elle.",
        ),
        "Sante": _object(
            {
                "status": _string("« ok » quand la base répond.", enum=["ok"]),
                "venues": _integer("Le nombre de lieux actifs.", minimum=0),
            }
        ),
    }
