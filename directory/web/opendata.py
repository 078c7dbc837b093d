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
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from importlib import metadata
from typing import Any
from urllib.parse import urlencode

from rdflib import DCAT, Graph, URIRef
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from directory.errors import DirectoryError, InvalidQuery
from directory.export import (
    DEPARTEMENT,
    ETALAB_2,
    INSEE,
    MESSAGES,
    POSTCODE,
    SIREN,
    TERRITORY_PARAMETERS,
    WRITERS,
    CatalogMetadata,
    CatalogueFile,
    ContactPoint,
    Publisher,
    Territory,
    Writer,
    catalog_graph,
    export_chunks,
    get_writer,
    territory_from_query,
    vocabularies_graph,
)
from directory.places import Gazetteer, Place
from directory.store import Store

from .cors import CorsReads
from .display import PARIS
from .params import printable, read_place_text
from .problems import HTTP_TITLES
from .rendering import problem_response, public_base, render

__all__ = [
    "EXPLANATIONS",
    "FILE_NAMES",
    "METHODS",
    "MIDDLEWARE",
    "Download",
    "Picked",
    "catalogue_graph",
    "catalogue_jsonld",
    "catalogue_metadata",
    "catalogue_negotiated",
    "catalogue_turtle",
    "download_for",
    "downloads",
    "export",
    "open_data_page",
    "pick_territory",
    "vocabularies",
]

# -- what is published ---------------------------------------------------------

#: The stable file name of each writer's download, ``/export/{file}``. A writer
#: registered elsewhere is served too, as ``lieux-{name}.{extension}``.
FILE_NAMES: dict[str, str] = {
    "csv": "lieux.csv",
    "csv-etendu": "lieux-etendu.csv",
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
    "csv-etendu": "Le même fichier, plus une colonne « conditions_frais » que le standard ne sait pas dire : "
    "« Accepte le Pass numérique », « Adhésion requise ». Pour retrouver les lieux où utiliser un chèque "
    "Pass numérique.",
    "json": "Les mêmes colonnes que le CSV, en JSON : un objet par lieu, comme les fichiers de la cartographie nationale.",
    "dinclusion": "Les structures et leurs services au schéma data·inclusion (version 1), "
    "pour alimenter la plateforme data·inclusion et les outils qui la lisent.",
    "geojson": "Les lieux comme points sur une carte, pour un système d'information géographique (QGIS, uMap, Leaflet).",
    "jsonld": "Les lieux décrits avec le vocabulaire schema.org, en JSON-LD : "
    "pour le web sémantique et les moteurs de recherche.",
    "ttl": "La même description schema.org en RDF Turtle, à charger dans une base de graphes (triplestore).",
}

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
            when = when.replace(tzinfo=UTC)
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
        at = (at if at.tzinfo else at.replace(tzinfo=UTC)).replace(microsecond=0)
    return _Version(f'W/"{seq}-{digest}"', at)


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
    base = public_base(request)
    version = _version(store, "export", download.file, base, urlencode(territory.query()))
    if version.matches(request.headers):
        return Response(status_code=304, headers=version.headers())
    writer = get_writer(download.name, base_url=base)
    day = (version.last_modified or datetime.now(UTC)).astimezone(PARIS).date().isoformat()
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
        description=file.description
        or (
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
    base = public_base(request)
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
    base = public_base(request)
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
    if DEPARTEMENT.fullmatch(code):
        return Picked(f"Département {code}", Territory(departement=code))
    if SIREN.fullmatch(code) and places.communes_of_epci(code):
        return Picked(f"Intercommunalité (SIREN {code})", Territory(epci=code))
    if POSTCODE.fullmatch(code) and places.postcode(code) is not None:
        named = places.resolve(code)
        return Picked(named.label if named else f"Code postal {code}", Territory(code_postal=code))
    if INSEE.fullmatch(code) and (commune := places.commune(code)) is not None:
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
            "file": d.file,
            "title": d.writer.title or d.name,
            "explanation": d.explanation,
            "media_type": d.media_type,
            "url": f"{base}/export/{d.file}" + (f"?{query}" if query else ""),
        }
        for d in downloads()
    ]


def open_data_page(request: Request) -> Response:
    """``GET /donnees``: what is published, under which licence, and where; ``?lieu=`` narrows the links."""
    places: Gazetteer = request.app.state.places
    store: Store = request.app.state.store
    base = public_base(request)
    _, changed = store.last_change()
    context: dict[str, Any] = {
        "lieu": "",
        "error": None,
        "picked": None,
        "suggestions": [],
        "base": base,
        "count": store.count_venues(),
        "updated": changed.astimezone(PARIS).date() if changed else None,
        "licence": {"name": LICENCE_NAME, "id": LICENCE_ID, "url": ETALAB_2},
        "parameters": TERRITORY_PARAMETERS,
    }
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
