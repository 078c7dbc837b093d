# SPDX-License-Identifier: Apache-2.0
"""Open data out, on the web: the « Données ouvertes » page, the downloads, the DCAT catalogue.

| route | what |
| --- | --- |
| ``GET /donnees`` | the page for people: formats, licence, stable addresses, a territory picker |
| ``GET /export/{file}`` | every active venue (or a territory's) in one format, streamed |
| ``GET /catalogue.ttl``, ``/catalogue.jsonld`` | the DCAT-AP catalogue (``directory.export.dcat``) |
| ``GET /.well-known/dcat`` | the same, Turtle unless ``Accept`` prefers JSON-LD |
| ``GET /vocabulaires.ttl`` | the national enumerations as SKOS (``directory.export.vocabularies``) |

Downloads are named in ``FILE_NAMES`` (one file per registered writer) and
filtered by ``TERRITORY_PARAMETERS``. Machine routes carry a weak ``ETag``
built from the store's version (``Store.last_change``) and the query,
``Last-Modified`` from its time, and answer ``304`` to a matching
``If-None-Match`` or ``If-Modified-Since``; ``MIDDLEWARE`` adds gzip (streamed,
one sync flush per chunk) and CORS for reads. Their errors are always
problem+json: they are addresses for programs, even outside ``/api/``.

``read_territory`` knows nothing of HTTP: the ``directory export`` command
calls it too (it belongs in ``directory.export`` once the gazetteer can list
an EPCI's communes publicly); the streaming is ``directory.export.streaming``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from importlib import metadata
from typing import Any
from urllib.parse import urlencode

from rdflib import DCAT, Graph, URIRef
from starlette.datastructures import Headers, QueryParams
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from directory.errors import DirectoryError, FieldError, InvalidQuery
from directory.export import WRITERS, Writer, get_writer
from directory.export.streaming import export_chunks
from directory.export.catalogue_file import CatalogueFile
from directory.export.dcat import ETALAB_2, CatalogMetadata, ContactPoint, Publisher, catalog_graph
from directory.export.vocabularies import vocabularies_graph
from directory.places import Gazetteer, Place
from directory.store import Store, VenueFilter

from .cors import CorsReads
from .display import PARIS
from .params import printable, read_place_text
from .problems import HTTP_TITLES
from .rendering import problem_response, render

__all__ = [
    "EXPLANATIONS", "FILE_NAMES", "MESSAGES", "METHODS", "MIDDLEWARE", "TERRITORY_PARAMETERS",
    "Download", "Picked", "Territory", "catalogue_graph", "catalogue_jsonld", "catalogue_metadata",
    "catalogue_negotiated", "catalogue_turtle", "download_for", "downloads", "export",
    "open_data_page", "pick_territory", "read_territory", "territory_from_query", "vocabularies",
]  # fmt: skip

# -- what is published ---------------------------------------------------------

#: The stable file name of each writer's download, ``/export/{file}``. A writer
#: registered elsewhere is served too, as ``lieux-{name}.{extension}``.
FILE_NAMES: dict[str, str] = {
    "csv": "lieux.csv",
    "json": "lieux.json",
    "dinclusion": "lieux-dinclusion.json",
    "geojson": "lieux.geojson",
    "jsonld": "lieux.jsonld",
    "ttl": "lieux.ttl",
}

#: What each format is for, in plain French (the /donnees page).
EXPLANATIONS: dict[str, str] = {
    "csv": "Le fichier du standard national des lieux de médiation numérique : une ligne par lieu, "
           "les 32 colonnes officielles. S'ouvre dans un tableur ; valide contre le schéma publié sur schema.data.gouv.fr.",
    "json": "Les mêmes colonnes que le CSV, en JSON : un objet par lieu, comme les fichiers de la cartographie nationale.",
    "dinclusion": "Les structures et leurs services au schéma data·inclusion (version 1), "
                  "pour alimenter la plateforme data·inclusion et les outils qui la lisent.",
    "geojson": "Les lieux comme points sur une carte, pour un système d'information géographique (QGIS, uMap, Leaflet).",
    "jsonld": "Les lieux décrits avec le vocabulaire schema.org, en JSON-LD : "
              "pour le web sémantique et les moteurs de recherche.",
    "ttl": "La même description schema.org en RDF Turtle, à charger dans une base de graphes (triplestore).",
}  # fmt: skip

LICENCE_NAME = "Licence Ouverte / Open Licence 2.0"
LICENCE_ID = "etalab-2.0"
STEM = "lieux-mediation-numerique"


@dataclass(frozen=True, slots=True)
class Download:
    """One downloadable file: a registered writer under a stable name."""

    file: str
    writer: type[Writer]
    explanation: str

    @property
    def name(self) -> str:
        return self.writer.name

    @property
    def media_type(self) -> str:
        return self.writer.media_type


def downloads() -> list[Download]:
    """Every registered writer, in registry order, with its file name."""
    return [
        Download(FILE_NAMES.get(name, f"lieux-{name}.{w.extension}"), w, EXPLANATIONS.get(name, w.title or name))
        for name, w in WRITERS.items()
    ]


def download_for(file: str) -> Download | None:
    return next((d for d in downloads() if d.file == file), None)


# -- territory -------------------------------------------------------------------

TERRITORY_PARAMETERS = ("departement", "commune", "code_postal", "epci", "bbox")
_DEPARTEMENT = re.compile(r"0[1-9]|1\d|2[1-9AB]|[3-8]\d|9[0-5]|97[1-8]|98[4-9]")
_INSEE = re.compile(r"(\d{2}|2[AB])\d{3}")
_POSTCODE = re.compile(r"\d{5}")
_SIREN = re.compile(r"\d{9}")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_ECHO_MAX = 80


@dataclass(frozen=True, slots=True)
class Territory:
    """Which venues an export holds. Nothing set: all of them; several filters combine."""

    departement: str | None = None
    commune: str | None = None  # INSEE code
    code_postal: str | None = None
    epci: str | None = None  # SIREN
    bbox: tuple[float, float, float, float] | None = None  # south, west, north, east

    @property
    def everything(self) -> bool:
        return not self.query()

    def query(self) -> dict[str, str]:
        """The query parameters that ask for this territory, in a fixed order."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = ",".join(_number(v) for v in value) if f.name == "bbox" else value
        return out

    def slug(self) -> str:
        """For file names: ``-departement-69``, ``-commune-69383``, ``-emprise``…"""
        parts = [f"{name.replace('_', '-')}-{value}" for name, value in self.query().items() if name != "bbox"]
        if self.bbox is not None:
            parts.append("emprise")
        return "".join(f"-{p}" for p in parts)


def _number(value: float) -> str:
    """``45.7``, ``4``: six decimals at most (a decimetre), no trailing zeros."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


@dataclass(frozen=True, slots=True)
class _Groups:
    by_epci: dict[str, tuple[str, ...]]
    arrondissements: dict[str, tuple[str, ...]]


@lru_cache(maxsize=4)
def _groups(places: Gazetteer) -> _Groups:
    # The gazetteer answers commune by commune but lists none: read its codes
    # once. TODO: a public ``Gazetteer.communes_of_epci`` would replace this.
    codes = [*getattr(places, "_main", {}), *getattr(places, "_secondary", {})]
    by_epci: dict[str, list[str]] = {}
    children: dict[str, list[str]] = {}
    for code in codes:
        commune = places.commune(code)
        if commune is None:
            continue
        if commune.epci:
            by_epci.setdefault(commune.epci, []).append(code)
        if commune.kind == "arrondissement" and commune.parent:
            children.setdefault(commune.parent, []).append(code)
    return _Groups(
        {k: tuple(sorted(set(v))) for k, v in by_epci.items()},
        {k: tuple(sorted(set(v))) for k, v in children.items()},
    )


#: What is wrong with a territory parameter, in French (``{name}``: the parameter).
MESSAGES: dict[str, str] = {
    "departement": "« departement » doit être un code de département : 69, 2A, 974…",
    "commune": "« commune » doit être le code INSEE d'une commune (5 caractères, par exemple 69383).",
    "code_postal": "« code_postal » doit compter 5 chiffres (par exemple 69003).",
    "epci": "« epci » doit être le numéro SIREN (9 chiffres) d'une intercommunalité connue, par exemple 200046977.",
    "commune+epci": "Donnez soit « commune », soit « epci », pas les deux.",
    "bbox": "« bbox » attend quatre nombres décimaux séparés par des virgules : "
            "sud,ouest,nord,est (par exemple 45.70,4.78,45.80,4.90).",
    "bbox-range": "« bbox » : les latitudes vont de -90 à 90, les longitudes de -180 à 180.",
    "bbox-order": "« bbox » : donnez sud,ouest,nord,est, avec le sud sous le nord et l'ouest avant l'est.",
    "unknown": "Paramètre inconnu « {name} » : les paramètres possibles sont " + ", ".join(TERRITORY_PARAMETERS) + ".",
    "repeated": "Le paramètre « {name} » est donné plusieurs fois ; donnez-le une seule fois.",
    "not-found": "Nous n'avons trouvé aucun territoire pour « {name} ». "
                 "Vérifiez l'orthographe, ou essayez un code postal ou un numéro de département.",
}  # fmt: skip


def _echo(value: str) -> str:
    value = printable(value)
    return value if len(value) <= _ECHO_MAX else value[:_ECHO_MAX] + "…"


def _invalid(errors: list[FieldError]) -> InvalidQuery:
    names = ", ".join(dict.fromkeys(e.field for e in errors))
    return InvalidQuery(detail=f"Paramètre(s) invalide(s) : {names}.", errors=errors)


def _bbox(text: str) -> tuple[float, float, float, float] | str:
    """Four decimals, or the key of the reason they are not a bounding box."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4 or not all(_DECIMAL.fullmatch(p) for p in parts):
        return "bbox"
    south, west, north, east = (float(p) for p in parts)
    if not (-90 <= south <= 90 and -90 <= north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
        return "bbox-range"
    if south > north or west > east:
        return "bbox-order"
    return (south, west, north, east)


def read_territory(values: Mapping[str, str | None], places: Gazetteer) -> tuple[Territory, VenueFilter]:
    """Check the territory parameters and turn them into a store filter.

    :param values: ``departement``, ``commune`` (INSEE), ``code_postal``,
        ``epci`` (SIREN) and ``bbox`` (``south,west,north,east``); empty or
        missing ones are left out.
    :param places: resolves a commune's arrondissements and an EPCI's communes.
    :raises InvalidQuery: listing every parameter at fault, in French.
    """
    raw = {name: (values.get(name) or "").strip() or None for name in TERRITORY_PARAMETERS}
    errors: list[FieldError] = []
    found: dict[str, Any] = {}
    communes: tuple[str, ...] = ()

    def fail(name: str, value: str, key: str | None = None) -> None:
        errors.append(FieldError(name, MESSAGES[key or name], _echo(value)))

    if (d := raw["departement"]) is not None:
        if _DEPARTEMENT.fullmatch(d.upper()):
            found["departement"] = d.upper()
        else:
            fail("departement", d)
    if (c := raw["commune"]) is not None:
        commune = places.commune(c) if _INSEE.fullmatch(c.upper()) else None
        if commune is None:
            fail("commune", c)
        else:
            found["commune"] = c.upper()
            arrondissements = _groups(places).arrondissements.get(commune.insee, ())
            communes = tuple(sorted({c.upper(), commune.insee, *arrondissements}))
    if (p := raw["code_postal"]) is not None:
        if _POSTCODE.fullmatch(p):
            found["code_postal"] = p
        else:
            fail("code_postal", p)
    if (e := raw["epci"]) is not None:
        members = _groups(places).by_epci.get(e, ()) if _SIREN.fullmatch(e) else ()
        if not members:
            fail("epci", e)
        elif "commune" in found:
            fail("epci", e, "commune+epci")
        else:
            found["epci"], communes = e, members
    if (b := raw["bbox"]) is not None:
        box = _bbox(b)
        if isinstance(box, str):
            fail("bbox", b, box)
        else:
            found["bbox"] = box
    if errors:
        raise _invalid(errors)
    territory = Territory(**found)
    venue_filter = VenueFilter(
        departement=territory.departement, code_postal=territory.code_postal, communes=communes, bbox=territory.bbox
    )
    return territory, venue_filter


def territory_from_query(params: QueryParams, places: Gazetteer) -> tuple[Territory, VenueFilter]:
    """``read_territory`` over a query string: unknown or repeated parameters are errors too."""
    errors: list[FieldError] = []
    values: dict[str, str] = {}
    for name in dict.fromkeys(params.keys()):
        if name not in TERRITORY_PARAMETERS:
            errors.append(FieldError(_echo(name), MESSAGES["unknown"].format(name=_echo(name))))
        elif len(params.getlist(name)) > 1:
            errors.append(FieldError(name, MESSAGES["repeated"].format(name=name)))
        else:
            values[name] = params[name]
    try:
        result = read_territory(values, places)
    except InvalidQuery as err:
        errors += err.errors
    if errors:
        raise _invalid(errors)
    return result


# -- HTTP: versions, CORS, gzip ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Version:
    etag: str
    last_modified: datetime | None

    def headers(self) -> dict[str, str]:
        headers = {"ETag": self.etag, "Cache-Control": "public, no-cache"}
        if self.last_modified is not None:
            headers["Last-Modified"] = format_datetime(self.last_modified, usegmt=True)
        return headers

    def matches(self, request: Headers) -> bool:
        """True when the client's copy is current (RFC 9110 §13.1: If-None-Match first)."""
        if_none_match = request.get("if-none-match")
        if if_none_match is not None:
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            return "*" in tags or self.etag.removeprefix("W/") in tags
        since = request.get("if-modified-since")
        if since is None or self.last_modified is None:
            return False
        try:
            when = parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError):
            return False
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return self.last_modified <= when


def _code_version() -> str:
    try:
        return metadata.version("directory")
    except metadata.PackageNotFoundError:
        return "dev"


#: A new release may write the same venues differently: it changes every ETag.
_CODE_VERSION = _code_version()


def _version(store: Store, *parts: str) -> _Version:
    """The store's change-log position and the request's own terms, as a weak ETag."""
    seq, at = store.last_change()
    digest = hashlib.sha256("\x1f".join((_CODE_VERSION, *parts)).encode()).hexdigest()[:16]
    if at is not None:
        at = (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).replace(microsecond=0)
    return _Version(f'W/"{seq}-{digest}"', at)


def _base_url(request: Request) -> str:
    return (request.app.state.settings.public_url or str(request.base_url)).rstrip("/")


def _problem(request: Request, problem: dict[str, Any]) -> Response:
    problem.setdefault("instance", request.url.path)
    return problem_response(problem)


def _not_found(request: Request, detail: str) -> Response:
    code, title = HTTP_TITLES[404]
    return _problem(request, {"type": f"/erreurs/{code}", "title": title, "status": 404, "detail": detail})


#: CORS headers of a read: any page may fetch these files and see their version.
MIDDLEWARE = [Middleware(CorsReads), Middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)]
#: The methods of the machine routes (HEAD comes with GET).
METHODS = ["GET", "OPTIONS"]


# -- the downloads -------------------------------------------------------------------


def export(request: Request) -> Response:
    """``GET /export/{file}?departement=69``: one format, the whole directory or a territory, streamed."""
    download = download_for(request.path_params["file"])
    if download is None:
        files = ", ".join(d.file for d in downloads())
        return _not_found(request, f"Aucun fichier ne porte ce nom. Fichiers publiés : {files}.")
    try:
        territory, venue_filter = territory_from_query(request.query_params, request.app.state.places)
    except DirectoryError as err:
        return _problem(request, err.as_problem())
    store: Store = request.app.state.store
    base = _base_url(request)
    version = _version(store, "export", download.file, base, urlencode(territory.query()))
    if version.matches(request.headers):
        return Response(status_code=304, headers=version.headers())
    writer = get_writer(download.name, base_url=base)
    day = (version.last_modified or datetime.now(timezone.utc)).astimezone(PARIS).date().isoformat()
    headers = {
        **version.headers(),
        "Content-Disposition": f'attachment; filename="{writer.filename(f"{STEM}{territory.slug()}-{day}")}"',
    }
    if request.method == "HEAD":  # the headers only: do not run the export (nor gzip an empty body)
        headers["Vary"] = "Accept-Encoding"
        return StreamingResponse(iter(()), media_type=writer.content_type, headers=headers)
    chunks = export_chunks(store, writer, venue_filter, base_url=base)
    return StreamingResponse(chunks, media_type=writer.content_type, headers=headers)


# -- the catalogue and the vocabularies ----------------------------------------------

TURTLE = "text/turtle; charset=utf-8"
JSON_LD = "application/ld+json"


def catalogue_metadata(
    settings: Any, base_url: str, modified: datetime | None, catalogue: CatalogueFile | None = None
) -> CatalogMetadata:
    """What the catalogue says about the data: the instance's catalogue file
    (``catalogue_file.py``) over defaults drawn from the instance's name."""
    file = catalogue or CatalogueFile()
    name = settings.instance_name or "Annuaire des lieux de médiation numérique"
    publisher = Publisher(file.publisher.get("name", name), file.publisher.get("url"))
    contact = ContactPoint(
        file.contact.get("name", publisher.name),
        email=file.contact.get("email") or settings.contact_email or None,
        url=file.contact.get("url", f"{base_url}/donnees"),
    )
    optional = {
        key: value
        for key in ("keywords", "spatial", "themes", "accrual_periodicity", "issued", "identifier")
        if (value := getattr(file, key))
    }
    return CatalogMetadata(
        title=file.title or "Lieux de médiation numérique",
        description=file.description or (
            "Les lieux où l'on aide chacun à utiliser le numérique (ordinateur, téléphone, démarches en ligne), "
            "au standard national des lieux de médiation numérique : adresses, horaires, services, publics."
        ),
        publisher=publisher,
        contact=contact,
        licence=ETALAB_2,
        licence_id=LICENCE_ID,
        modified=modified,
        landing_page=file.landing_page or f"{base_url}/donnees",
        **optional,
    )


def _catalogue(request: Request, rdf_format: str, *, negotiated: bool = False) -> Response:
    store: Store = request.app.state.store
    base = _base_url(request)
    version = _version(store, "catalogue", rdf_format, base)
    headers = {**version.headers(), **({"Vary": "Accept"} if negotiated else {})}
    if version.matches(request.headers):
        return Response(status_code=304, headers=headers)
    graph = catalogue_graph(request.app.state.settings, base, version.last_modified, request.app.state.catalogue)
    media_type = JSON_LD if rdf_format == "json-ld" else TURTLE
    return Response(graph.serialize(format=rdf_format), media_type=media_type, headers=headers)


def catalogue_graph(
    settings: Any, base_url: str, modified: datetime | None, catalogue: CatalogueFile | None = None
) -> Graph:
    """The DCAT-AP catalogue, each distribution pointing at its ``/export/{file}``."""
    graph = catalog_graph(catalogue_metadata(settings, base_url, modified, catalogue), base_url=base_url)
    for download in downloads():
        # dcat.py names distributions {base}/catalogue/lieux/{writer name}.
        distribution = URIRef(f"{base_url}/catalogue/lieux/{download.name}")
        url = URIRef(f"{base_url}/export/{download.file}")
        graph.set((distribution, DCAT.downloadURL, url))
        graph.set((distribution, DCAT.accessURL, url))
    return graph


def catalogue_turtle(request: Request) -> Response:
    """``GET /catalogue.ttl``."""
    return _catalogue(request, "turtle")


def catalogue_jsonld(request: Request) -> Response:
    """``GET /catalogue.jsonld``."""
    return _catalogue(request, "json-ld")


def _quality(accept: str, *media_types: str) -> float:
    """The best ``q`` the Accept header gives any of ``media_types`` (wildcards count)."""
    best = 0.0
    for item in accept.split(","):
        kind, *params = (p.strip() for p in item.split(";"))
        kind = kind.lower()
        q = 1.0
        for param in params:
            if param.lower().startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        for media_type in media_types:
            if kind in (media_type, "*/*", media_type.split("/")[0] + "/*"):
                best = max(best, q)
    return best


def catalogue_negotiated(request: Request) -> Response:
    """``GET /.well-known/dcat``: Turtle, or JSON-LD when ``Accept`` prefers it."""
    accept = request.headers.get("accept", "")
    prefers_jsonld = _quality(accept, "application/ld+json", "application/json") > _quality(accept, "text/turtle")
    return _catalogue(request, "json-ld" if prefers_jsonld else "turtle", negotiated=True)


def vocabularies(request: Request) -> Response:
    """``GET /vocabulaires.ttl``: the SKOS concept schemes of the national enumerations."""
    base = _base_url(request)
    text = _vocabularies_turtle(base)
    version = _Version(f'W/"{hashlib.sha256(text.encode()).hexdigest()[:16]}"', None)
    if version.matches(request.headers):
        return Response(status_code=304, headers=version.headers())
    return Response(text, media_type=TURTLE, headers=version.headers())


@lru_cache(maxsize=8)
def _vocabularies_turtle(base_url: str) -> str:
    return vocabularies_graph(base_url).serialize(format="turtle")


# -- the page ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Picked:
    """What the territory picker understood: a label and the territory it stands for."""

    label: str
    territory: Territory


def pick_territory(places: Gazetteer, text: str) -> Picked | None:
    """A département code, a SIREN, a postcode, an INSEE code or a commune name; ``None`` if unknown."""
    code = text.strip().upper()
    if _DEPARTEMENT.fullmatch(code):
        return Picked(f"Département {code}", Territory(departement=code))
    if _SIREN.fullmatch(code) and code in _groups(places).by_epci:
        return Picked(f"Intercommunalité (SIREN {code})", Territory(epci=code))
    if _POSTCODE.fullmatch(code) and places.postcode(code) is not None:
        place = places.resolve(code)
        return Picked(place.label if place else f"Code postal {code}", Territory(code_postal=code))
    if _INSEE.fullmatch(code) and (commune := places.commune(code)) is not None:
        return Picked(f"{commune.nom} (code INSEE {commune.insee})", Territory(commune=commune.insee))
    place: Place | None = places.resolve(text)
    if place is None:
        return None
    if place.kind == "postcode" and place.postcode:
        return Picked(place.label, Territory(code_postal=place.postcode))
    if place.insee:
        return Picked(place.label, Territory(commune=place.insee))
    return None


def _links(base: str, territory: Territory) -> list[dict[str, str]]:
    query = urlencode(territory.query())
    return [
        {
            "file": d.file, "title": d.writer.title or d.name, "explanation": d.explanation,
            "media_type": d.media_type, "url": f"{base}/export/{d.file}" + (f"?{query}" if query else ""),
        }
        for d in downloads()
    ]  # fmt: skip


def open_data_page(request: Request) -> Response:
    """``GET /donnees``: what is published, under which licence, and where; ``?lieu=`` narrows the links."""
    places: Gazetteer = request.app.state.places
    store: Store = request.app.state.store
    base = _base_url(request)
    _, changed = store.last_change()
    context: dict[str, Any] = {
        "lieu": "", "error": None, "picked": None, "suggestions": [], "base": base,
        "count": store.count_venues(),
        "updated": changed.astimezone(PARIS).date() if changed else None,
        "licence": {"name": LICENCE_NAME, "id": LICENCE_ID, "url": ETALAB_2},
        "parameters": TERRITORY_PARAMETERS,
    }  # fmt: skip
    territory = Territory()
    status = 200
    try:
        lieu = read_place_text(request.query_params)
    except InvalidQuery as err:
        context.update(error=err.errors[0].message, lieu=printable(request.query_params.get("lieu", "")))
        lieu, status = None, 400
    if lieu:
        context.update(lieu=lieu)
        picked = pick_territory(places, lieu)
        if picked is None:
            context.update(
                error=MESSAGES["not-found"].format(name=lieu),
                suggestions=places.suggest(lieu, limit=5),
            )
        else:
            territory = picked.territory
            context.update(picked=picked)
    context.update(downloads=_links(base, territory), territory_query=urlencode(territory.query()))
    return render(request, "donnees.html", context, status=status)
