# SPDX-License-Identifier: Apache-2.0
"""The OpenAPI 3.1 document of the JSON API, built from the code it describes.

Parameters come from the readers' constants (``params``, ``feed``,
``opendata``), filter codes from ``schema.derived.FILTER_VOCABULARIES``, the
venue record from the national standard's Table Schema: a new filter field, a
new limit or a new vocabulary code shows here without anyone editing a JSON
file. ``tests/web/test_api.py`` checks that every ``/api/`` route is
described, and schemathesis checks the handlers against the document.

Operations carry ``x-exemples`` (requests to try) and enumerations carry
``x-enumDescriptions`` (code → French label): the docs page (``apidocs``)
renders both.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from directory.export import TERRITORY_PARAMETERS
from directory.schema import FILTER_VOCABULARIES

from . import feed
from ._openapi_schemas import ref, schemas
from .api import MAX_PLACES
from .opendata import LICENCE_ID, LICENCE_NAME, downloads
from .params import (
    DEFAULT_LIMIT,
    FILTER_PARAMS,
    MAX_LIMIT,
    MAX_PAGE,
    MAX_RADIUS_KM,
    MAX_TEXT,
    SORT_PARAMS,
    VIEWS,
    WEEKDAY_PARAMS,
)
from .rendering import cached_json, public_base

__all__ = ["API_VERSION", "build_openapi", "openapi_document"]

API_VERSION = "1.0.0"
JSON = "application/json"
PROBLEM = "application/problem+json"
#: Control characters refused in text parameters (tab is tolerated).
_NO_CONTROL = "^[^\\u0000-\\u0008\\u000a-\\u001f\\u007f-\\u009f]*$"
# -- parameters ----------------------------------------------------------------------


def _query(
    name: str,
    description: str,
    schema: dict[str, Any],
    *,
    required: bool = False,
    example: Any = None,
    array: bool = False,
) -> dict[str, Any]:
    param: dict[str, Any] = {
        "name": name,
        "in": "query",
        "description": description,
        "required": required,
        "schema": schema,
    }
    if array:
        param.update(style="form", explode=True)
    if example is not None:
        param["example"] = example
    return param


def _text(max_length: int = MAX_TEXT) -> dict[str, Any]:
    """Free text: control characters are refused; spaces are folded before the length is checked."""
    return {"type": "string", "maxLength": max_length, "pattern": _NO_CONTROL}


def _decimal(low: float, high: float) -> dict[str, Any]:
    return {"type": "number", "minimum": low, "maximum": high}


def _choices(values: tuple[str, ...] | list[str], labels: dict[str, str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "enum": list(values)}
    if labels:
        schema["x-enumDescriptions"] = labels
    return schema


def _filter_parameter(name: str) -> dict[str, Any]:
    vocabulary = FILTER_VOCABULARIES[name]
    labels = {member.code: member.label for member in vocabulary}
    description = (
        f"{vocabulary.title()} : ne garder que les lieux qui proposent au moins une des valeurs données. "
        "Répétez le paramètre (ou séparez les codes par des virgules) pour en donner plusieurs ; "
        "le libellé du standard national est aussi accepté, les doublons et les valeurs vides sont ignorés. Un code inconnu est refusé (400)."
    )
    description += _DERIVED_NOTES.get(name, "")
    schema = {"type": "array", "items": _choices(list(labels), labels)}
    return _query(name, description, schema, array=True)


#: What the filters absent from the national standard read (``schema.derived``).
_DERIVED_NOTES = {
    "creneaux": " Hors du standard national : lu dans les horaires (OSM) du lieu sur les deux semaines à venir "
    "(« week-end » : ouvert un samedi ou un dimanche ; « soiree » : ouvert après 18 h).",
    "accessibilite": " Hors du standard national, qui n'a pas de champ pour l'accès au bâtiment : "
    "« fauteuil-roulant » retient les lieux dont la prise en charge spécifique comprend « Handicaps moteurs ».",
}

_WEEKDAY_LABELS = {"maintenant": "ouvert à l'heure de la requête (heure de Paris)"} | {
    day: f"ouvert le {day} (à un moment de la journée)" for day in WEEKDAY_PARAMS
}
_SORT_LABELS = {
    "distance": "du plus proche au plus lointain (demande un lieu ou un point)",
    "pertinence": "les lieux qui répondent le mieux au besoin d'abord",
}


def search_parameters() -> list[dict[str, Any]]:
    """The parameters of ``read_search``, in the order the page's form gives them."""
    point = "Donnez « lat » et « lon » ensemble, et pas avec « lieu »."
    return [
        _query(
            "q",
            "Le besoin, en mots libres : « démarches CAF », « smartphone », "
            "« impôts ». Accents, majuscules et une faute de frappe sont tolérés.",
            _text(),
            example="démarches",
        ),
        _query(
            "lieu",
            "Où chercher : un code postal, une commune ou une adresse. Les résultats sont triés "
            "du plus proche au plus lointain, avec leur distance.",
            _text(),
            example="75019",
        ),
        _query(
            "lat",
            f"Latitude d'un point (WGS 84, en degrés décimaux ; la virgule décimale est acceptée). {point}",
            _decimal(-90.0, 90.0),
            example=48.8817,
        ),
        _query(
            "lon",
            f"Longitude d'un point (WGS 84, en degrés décimaux). {point}",
            _decimal(-180.0, 180.0),
            example=2.3822,
        ),
        _query(
            "rayon",
            f"Rayon de recherche autour du lieu ou du point, en kilomètres (de 0,1 à {MAX_RADIUS_KM}). "
            "Sans rayon, la recherche s'étend jusqu'à trouver assez de lieux.",
            _decimal(0.1, float(MAX_RADIUS_KM)),
        ),
        _query(
            "departement", "Ne garder que les lieux de ce département (code : 69, 2A, 974).", _text(3), example="69"
        ),
        _query("code_insee", "Ne garder que les lieux de cette commune (code officiel géographique).", _text(5)),
        _query("code_postal", "Ne garder que les lieux de ce code postal.", _text(5), example="69003"),
        _query(
            "commune",
            "Ne garder que les lieux de cette commune, ses arrondissements compris (code INSEE : 69123 pour Lyon), "
            "comme les exports.",
            _text(5),
        ),
        _query(
            "epci",
            "Ne garder que les lieux des communes de cette intercommunalité (numéro SIREN : 245400676 pour la "
            "Métropole du Grand Nancy), comme les exports.",
            _text(9),
        ),
        _query(
            "bbox",
            "Ne garder que les lieux de ce rectangle, en degrés : sud,ouest,nord,est (par exemple "
            "45.70,4.78,45.80,4.90), comme les exports.",
            _text(80),
        ),
        _query(
            "ouvert",
            "Ne garder que les lieux ouverts maintenant, ou un jour de la semaine.",
            _choices(("maintenant", *WEEKDAY_PARAMS), _WEEKDAY_LABELS),
        ),
        _query(
            "tri",
            "L'ordre des résultats : par distance quand un lieu est donné, sinon par pertinence.",
            _choices(tuple(SORT_PARAMS), _SORT_LABELS),
        ),
        _query(
            "page",
            f"Le numéro de la page de résultats (de 1 à {MAX_PAGE}).",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
        ),
        _query(
            "par_page",
            f"Le nombre de résultats par page (de 1 à {MAX_LIMIT}).",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        ),
        _query(
            "vue",
            "La vue de la page de recherche (liste ou carte) : acceptée pour qu'une adresse copiée "
            "de la page fonctionne, sans effet sur la réponse.",
            _choices(VIEWS),
        ),
        *(_filter_parameter(name) for name in FILTER_PARAMS),
    ]


def _nearby_parameters() -> list[dict[str, Any]]:
    return [
        _query(
            "lieu",
            "Un code postal, une commune ou une adresse. Donnez soit « lieu », soit « lat » et « lon ».",
            _text(),
            example="69003",
        ),
        _query("lat", "Latitude d'un point (WGS 84, degrés décimaux), avec « lon ».", _decimal(-90.0, 90.0)),
        _query("lon", "Longitude d'un point (WGS 84, degrés décimaux), avec « lat ».", _decimal(-180.0, 180.0)),
        _query(
            "limite",
            f"Le nombre de lieux (de 1 à {MAX_LIMIT}, {DEFAULT_LIMIT} par défaut).",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        ),
    ]


_TERRITORY_DESCRIPTIONS = {
    "departement": ("Le numéro du département : 69, 2A, 974.", {"type": "string", "maxLength": 3}),
    "commune": ("Le code officiel géographique (INSEE) de la commune.", {"type": "string", "maxLength": 5}),
    "code_postal": ("Le code postal.", {"type": "string", "maxLength": 5}),
    "epci": ("Le numéro SIREN d'une intercommunalité (9 chiffres).", {"type": "string", "maxLength": 9}),
    "bbox": ("Un rectangle « sud,ouest,nord,est » en degrés décimaux (WGS 84).", {"type": "string", "maxLength": 100}),
}


def _territory_parameters() -> list[dict[str, Any]]:
    return [_query(name, *_TERRITORY_DESCRIPTIONS[name]) for name in TERRITORY_PARAMETERS]


def _path(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema}


# -- responses -----------------------------------------------------------------------


def _json(description: str, schema: str, *, cached: bool = True) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {JSON: {"schema": ref(schema)}}}
    if cached:
        response["headers"] = {
            "ETag": {
                "description": "L'empreinte de la réponse : redonnez-la dans If-None-Match.",
                "schema": {"type": "string"},
            },
            "Cache-Control": {
                "description": "Combien de temps la réponse peut être gardée.",
                "schema": {"type": "string"},
            },
        }
    return response


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": ref("Probleme")}}}


_NOT_MODIFIED = {"description": "La réponse n'a pas changé depuis celle dont l'ETag est donné dans If-None-Match."}
_BAD = _problem("Un paramètre est invalide : chaque paramètre en faute est nommé dans « errors ».")
_NO_PLACE = _problem("Le lieu donné ne correspond à aucune commune, code postal ou adresse connus.")


def _operation(
    operation_id: str,
    summary: str,
    description: str,
    parameters: list[dict[str, Any]],
    responses: dict[str, Any],
    tag: str,
    examples: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "description": description,
            "tags": [tag],
            "parameters": parameters,
            "responses": responses,
            "x-exemples": examples,
        }
    }


def _example(summary: str, path: str, query: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"summary": summary, "path": path, "query": query or {}}


def paths() -> dict[str, Any]:
    search = search_parameters()
    files = [d.file for d in downloads()]
    return {
        "/api/lieux": _operation(
            "rechercher",
            "Rechercher des lieux",
            "La recherche de la page d'accueil : un besoin, un lieu, des filtres. Avec un lieu ou un point, les "
            "résultats sont triés du plus proche au plus lointain et donnent leur distance. Les facettes comptent "
            "les lieux trouvés par code de chaque filtre. Tout paramètre inconnu est refusé.",
            search,
            {"200": _json("Une page de résultats.", "Recherche"), "304": _NOT_MODIFIED, "400": _BAD, "404": _NO_PLACE},
            "Recherche",
            [
                _example(
                    "Démarches administratives près de 75019",
                    "/api/lieux",
                    {"lieu": "75019", "services": "aide-aux-demarches-administratives"},
                ),
                _example(
                    "Gratuit et ouvert maintenant autour d'un point",
                    "/api/lieux",
                    {
                        "lat": "45.76",
                        "lon": "4.85",
                        "frais_a_charge": "gratuit",
                        "ouvert": "maintenant",
                        "par_page": "5",
                    },
                ),
            ],
        ),
        "/api/lieux/proches": _operation(
            "lieux_proches",
            "Les lieux les plus proches",
            "Les lieux actifs les plus proches d'un lieu (code postal, commune, adresse) ou d'un point, sans recherche.",
            _nearby_parameters(),
            {
                "200": _json("Les lieux, du plus proche au plus lointain.", "LieuxProches", cached=False),
                "400": _BAD,
                "404": _NO_PLACE,
            },
            "Recherche",
            [_example("Les 5 lieux les plus proches de 69003", "/api/lieux/proches", {"lieu": "69003", "limite": "5"})],
        ),
        "/api/lieux/{venue_id}": _operation(
            "lieu",
            "Un lieu",
            "Un lieu actif de l'annuaire, au format du standard national.",
            [
                _path(
                    "venue_id",
                    "L'identifiant du lieu (le champ « id » d'un résultat).",
                    {"type": "string", "maxLength": 80, "not": {"const": "proches"}},
                )
            ],
            {
                "200": _json("Le lieu.", "FicheLieu"),
                "304": _NOT_MODIFIED,
                "404": _problem("Aucun lieu actif ne porte cet identifiant (retiré, fusionné ou inconnu)."),
            },
            "Lieux",
            [],
        ),
        "/api/carte": _operation(
            "carte",
            "Les points d'une recherche",
            "Tous les résultats d'une recherche qui ont un point, en lignes compactes [latitude, longitude, identifiant], "
            "pour une carte. Mêmes paramètres que la recherche (la pagination est ignorée).",
            search,
            {"200": _json("Les points.", "Carte"), "304": _NOT_MODIFIED, "400": _BAD, "404": _NO_PLACE},
            "Recherche",
            [_example("Les points des lieux de Nancy", "/api/carte", {"lieu": "54000"})],
        ),
        "/api/communes": _operation(
            "communes",
            "Compléter une commune ou un code postal",
            f"Les communes et codes postaux qui commencent par le texte donné (au plus {MAX_PLACES}), pour un champ "
            "de saisie avec suggestions.",
            [_query("q", "Le début d'un nom de commune ou d'un code postal.", _text(), required=True, example="lyo")],
            {"200": _json("Les suggestions.", "Communes"), "304": _NOT_MODIFIED, "400": _BAD},
            "Recherche",
            [_example("Les communes qui commencent par « nan »", "/api/communes", {"q": "nan"})],
        ),
        "/api/changes": _operation(
            "changements",
            "Le flux des changements",
            "Un élément par lieu créé, modifié, retiré ou fusionné, dans l'ordre. Suivez « next » tant que « more » est "
            "vrai, gardez « next » et revenez plus tard. L'ETag suit le journal des changements : avec If-None-Match, "
            "la réponse est 304 tant que rien n'est nouveau.",
            [
                _query(
                    "since",
                    "Le curseur où reprendre (« next » de la réponse précédente) ; absent : depuis le début.",
                    {"type": "string", "maxLength": 40},
                ),
                _query(
                    "limite",
                    f"Le nombre de changements (de 1 à {feed.MAX_LIMIT}, {feed.DEFAULT_LIMIT} par défaut).",
                    {"type": "integer", "minimum": 1, "maximum": feed.MAX_LIMIT, "default": feed.DEFAULT_LIMIT},
                ),
            ],
            {"200": _json("Une page du flux.", "Changements"), "304": _NOT_MODIFIED, "400": _BAD},
            "Données ouvertes",
            [_example("Les 10 premiers changements", "/api/changes", {"limite": "10"})],
        ),
        "/api/sources/{source_id}/retours": _operation(
            "retours_source",
            "Retours à une source",
            "Ce qu'une source devrait corriger chez elle : ses enregistrements écartés à la dernière moisson qui les a lus, avec les "
            "raisons par champ, et les corrections faites dans l'annuaire sur les lieux qu'elle alimente.",
            [
                _path("source_id", "L'identifiant de la source.", {"type": "string", "maxLength": 80}),
                _query(
                    "depuis",
                    "Ne donner que les corrections faites depuis ce jour (AAAA-MM-JJ, minuit UTC).",
                    {"type": "string", "format": "date"},
                    example="2025-01-31",
                ),
            ],
            {
                "200": _json("Les retours.", "RetoursSource", cached=False),
                "400": _BAD,
                "404": _problem("Aucune source ne porte cet identifiant."),
            },
            "Données ouvertes",
            [],
        ),
        "/api/sante": _operation(
            "sante",
            "État du service",
            "Répond « ok » quand la base de données répond, avec le nombre de lieux actifs.",
            [],
            {
                "200": _json("Le service va bien.", "Sante", cached=False),
                "503": _problem("La base de données ne répond pas ou n'est pas initialisée."),
            },
            "Service",
            [_example("L'état du service", "/api/sante")],
        ),
        "/api/openapi.json": _operation(
            "openapi",
            "Le document OpenAPI",
            "La description OpenAPI 3.1 de l'API, construite à partir du code ; /api/docs la présente en HTML.",
            [],
            {
                "200": {"description": "Le document OpenAPI.", "content": {JSON: {"schema": {"type": "object"}}}},
                "304": _NOT_MODIFIED,
            },
            "Service",
            [_example("Le document OpenAPI", "/api/openapi.json")],
        ),
        "/api/docs": _operation(
            "documentation",
            "La documentation",
            "Cette documentation, en HTML.",
            [],
            {
                "200": {
                    "description": "La page de documentation.",
                    "content": {"text/html": {"schema": {"type": "string"}}},
                }
            },
            "Service",
            [],
        ),
        "/export/{file}": _operation(
            "export",
            "Télécharger les lieux",
            "Tous les lieux (ou ceux d'un territoire) dans un des formats publiés, sous licence "
            f"{LICENCE_NAME}. Réponses diffusées en flux, compressées si le client l'accepte ; ETag et Last-Modified.",
            [_path("file", "Le nom du fichier.", _choices(files)), *_territory_parameters()],
            {
                "200": {"description": "Le fichier.", "content": {d.media_type: {"schema": {}} for d in downloads()}},
                "304": _NOT_MODIFIED,
                "400": _BAD,
                "404": _problem("Aucun fichier ne porte ce nom."),
            },
            "Données ouvertes",
            [_example("Le CSV du standard national pour le Rhône", f"/export/{files[0]}", {"departement": "69"})],
        ),
    }


@cache
def build_openapi() -> dict[str, Any]:
    """The whole OpenAPI document (built once; the caller adds ``servers``)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "API de l'annuaire des lieux de médiation numérique",
            "version": API_VERSION,
            "summary": "Chercher les lieux qui aident à utiliser le numérique, près d'un lieu ou d'un point.",
            "description": (
                "Une API JSON en lecture seule, ouverte à tous (CORS : toute origine), sans clé. Les réponses "
                "portent un ETag : redonnez-le dans If-None-Match pour recevoir 304 quand rien n'a changé. Les "
                "erreurs sont au format application/problem+json et nomment chaque paramètre en faute. Les lieux "
                "sont donnés au format du standard national des lieux de médiation numérique."
            ),
            "license": {"name": LICENCE_NAME, "identifier": LICENCE_ID},
        },
        "tags": [
            {"name": "Recherche", "description": "Trouver des lieux près d'un lieu ou d'un point."},
            {"name": "Lieux", "description": "Un lieu, par son identifiant."},
            {
                "name": "Données ouvertes",
                "description": "Les lieux en fichiers, le flux des changements, les retours aux sources.",
            },
            {"name": "Service", "description": "L'état du service et sa documentation."},
        ],
        "paths": paths(),
        "components": {"schemas": schemas()},
    }


def document_for(request: Request) -> dict[str, Any]:
    """The document with this server's address in ``servers``."""
    base = public_base(request)
    return {**build_openapi(), "servers": [{"url": base, "description": "Cette instance de l'annuaire"}]}


def openapi_document(request: Request) -> Response:
    """``GET /api/openapi.json``."""
    return cached_json(request, document_for(request), max_age=3600)
