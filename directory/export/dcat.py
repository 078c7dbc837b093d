# SPDX-License-Identifier: Apache-2.0
"""The DCAT-AP catalogue of the directory's open data (standards.md §4.3).

One ``dcat:Catalog`` holding one ``dcat:Dataset`` (the venues), with one
``dcat:Distribution`` per registered writer (download URL, IANA media type,
EU file type, the standard it conforms to) and one ``dcat:DataService`` for
the JSON API (endpoint URL, OpenAPI description).

What is published (title, publisher, licence, coverage…) comes from a
``CatalogMetadata`` object, kept apart from the instance's settings
(STYLE.md §4); the catalogue itself is built with rdflib and is small.

IRIs, under the instance's ``base_url``:

| node | IRI |
| --- | --- |
| catalogue | ``{base_url}/catalogue`` |
| dataset | ``{base_url}/catalogue/lieux`` |
| distribution | ``{base_url}/catalogue/lieux/{writer name}`` |
| API service | ``{base_url}/catalogue/api`` |
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TextIO

from rdflib import DCAT, DCTERMS, FOAF, RDF, XSD, Graph, Literal, Namespace, URIRef

from .base import DEFAULT_BASE_URL, WRITERS, Writer
from .schemas import NATIONAL_SCHEMA_URI

__all__ = [
    "CatalogMetadata",
    "Publisher",
    "ContactPoint",
    "catalog_graph",
    "write_catalog",
    "ETALAB_2",
    "IANA_MEDIA_TYPES",
    "EU_FILE_TYPES",
]

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
_EU = "http://publications.europa.eu/resource/authority/"
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
EU_FILE_TYPES: dict[str, str] = {
    "text/csv": "CSV",
    "application/json": "JSON",
    "application/geo+json": "GEOJSON",
    "application/ld+json": "JSON_LD",
    "text/turtle": "RDF_TURTLE",
}
#: Licence Ouverte / Open Licence 2.0 (etalab-2.0), as the national schema names it.
ETALAB_2 = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"


@dataclass(frozen=True, slots=True)
class Publisher:
    name: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ContactPoint:
    name: str
    email: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class CatalogMetadata:
    """What the catalogue says about the data (the instance's ``catalogue`` file).

    :param spatial: IRIs of the territory covered (e.g. an EU country IRI, INSEE
        geography IRIs); France by default.
    :param accrual_periodicity: a code of the EU frequency authority table
        (``DAILY``, ``WEEKLY``, ``IRREG``…).
    :param themes: codes of the EU data-theme table (``SOCI``, ``GOVE``…).
    :param download_url: where each writer's file is served; ``{base_url}``,
        ``{name}`` and ``{extension}`` are replaced.
    """

    title: str
    description: str
    publisher: Publisher
    contact: ContactPoint
    licence: str = ETALAB_2
    licence_id: str = "etalab-2.0"
    spatial: tuple[str, ...] = (f"{_EU}country/FRA",)
    temporal_start: date | None = None
    temporal_end: date | None = None
    issued: date | None = None
    modified: date | datetime | None = None
    accrual_periodicity: str = "DAILY"
    keywords: tuple[str, ...] = ("médiation numérique", "inclusion numérique", "lieux de médiation numérique")
    themes: tuple[str, ...] = ("SOCI",)
    identifier: str | None = None
    landing_page: str | None = None
    language: str = "FRA"
    download_url: str = "{base_url}/export/{name}"
    api_path: str = "/api"
    openapi_path: str = "/api/openapi.json"
    extra_conforms_to: tuple[str, ...] = field(default=())


def _date(value: date | datetime) -> Literal:
    if isinstance(value, datetime):
        return Literal(value.isoformat(), datatype=XSD.dateTime)
    return Literal(value.isoformat(), datatype=XSD.date)


def catalog_graph(
    metadata: CatalogMetadata,
    *,
    base_url: str = DEFAULT_BASE_URL,
    writers: Iterable[Writer] | None = None,
) -> Graph:
    """The catalogue as an rdflib graph.

    :param writers: the distributions to list; by default one instance of
        every registered writer.
    """
    base = base_url.rstrip("/")
    if writers is None:
        writers = [writer(base_url=base) for writer in WRITERS.values()]
    g = Graph(bind_namespaces="none")
    for prefix, namespace in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("vcard", VCARD), ("xsd", XSD)):
        g.bind(prefix, namespace)

    catalog = URIRef(f"{base}/catalogue")
    dataset = URIRef(f"{base}/catalogue/lieux")
    service = URIRef(f"{base}/catalogue/api")
    licence = URIRef(metadata.licence)
    fr = "fr"

    g.add((licence, RDF.type, DCTERMS.LicenseDocument))
    g.add((licence, DCTERMS.identifier, Literal(metadata.licence_id)))

    publisher = URIRef(metadata.publisher.url) if metadata.publisher.url else URIRef(f"{base}/catalogue#editeur")
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, Literal(metadata.publisher.name)))

    contact = URIRef(f"{base}/catalogue#contact")
    g.add((contact, RDF.type, VCARD.Kind))
    g.add((contact, VCARD.fn, Literal(metadata.contact.name)))
    if metadata.contact.email:
        g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{metadata.contact.email}")))
    if metadata.contact.url:
        g.add((contact, VCARD.hasURL, URIRef(metadata.contact.url)))

    language = URIRef(f"{_EU}language/{metadata.language}")

    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, Literal(metadata.title, lang=fr)))
    g.add((catalog, DCTERMS.description, Literal(metadata.description, lang=fr)))
    g.add((catalog, DCTERMS.publisher, publisher))
    g.add((catalog, DCTERMS.license, licence))
    g.add((catalog, DCTERMS.language, language))
    g.add((catalog, FOAF.homepage, URIRef(metadata.landing_page or base)))
    g.add((catalog, DCAT.dataset, dataset))
    g.add((catalog, DCAT.service, service))
    if metadata.modified:
        g.add((catalog, DCTERMS.modified, _date(metadata.modified)))

    g.add((dataset, RDF.type, DCAT.Dataset))
    g.add((dataset, DCTERMS.title, Literal(metadata.title, lang=fr)))
    g.add((dataset, DCTERMS.description, Literal(metadata.description, lang=fr)))
    g.add((dataset, DCTERMS.identifier, Literal(metadata.identifier or str(dataset))))
    g.add((dataset, DCTERMS.publisher, publisher))
    g.add((dataset, DCTERMS.license, licence))
    g.add((dataset, DCTERMS.language, language))
    g.add((dataset, DCAT.contactPoint, contact))
    g.add((dataset, DCTERMS.conformsTo, URIRef(NATIONAL_SCHEMA_URI)))
    for extra in metadata.extra_conforms_to:
        g.add((dataset, DCTERMS.conformsTo, URIRef(extra)))
    g.add((dataset, DCTERMS.accrualPeriodicity, URIRef(f"{_EU}frequency/{metadata.accrual_periodicity}")))
    for keyword in metadata.keywords:
        g.add((dataset, DCAT.keyword, Literal(keyword, lang=fr)))
    for theme in metadata.themes:
        g.add((dataset, DCAT.theme, URIRef(f"{_EU}data-theme/{theme}")))
    for place in metadata.spatial:
        g.add((dataset, DCTERMS.spatial, URIRef(place)))
        g.add((URIRef(place), RDF.type, DCTERMS.Location))
    if metadata.temporal_start or metadata.temporal_end:
        period = URIRef(f"{base}/catalogue#periode")
        g.add((dataset, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if metadata.temporal_start:
            g.add((period, DCAT.startDate, _date(metadata.temporal_start)))
        if metadata.temporal_end:
            g.add((period, DCAT.endDate, _date(metadata.temporal_end)))
    if metadata.issued:
        g.add((dataset, DCTERMS.issued, _date(metadata.issued)))
    if metadata.modified:
        g.add((dataset, DCTERMS.modified, _date(metadata.modified)))
    if metadata.landing_page:
        g.add((dataset, DCAT.landingPage, URIRef(metadata.landing_page)))

    for writer in writers:
        distribution = URIRef(f"{base}/catalogue/lieux/{writer.name}")
        url = URIRef(metadata.download_url.format(base_url=base, name=writer.name, extension=writer.extension))
        g.add((dataset, DCAT.distribution, distribution))
        g.add((distribution, RDF.type, DCAT.Distribution))
        g.add((distribution, DCTERMS.title, Literal(writer.title or writer.name, lang=fr)))
        g.add((distribution, DCAT.downloadURL, url))
        g.add((distribution, DCAT.accessURL, url))
        g.add((distribution, DCAT.mediaType, URIRef(IANA_MEDIA_TYPES + writer.media_type)))
        if writer.media_type in EU_FILE_TYPES:
            g.add((distribution, DCTERMS["format"], URIRef(f"{_EU}file-type/{EU_FILE_TYPES[writer.media_type]}")))
        if writer.conforms_to:
            g.add((distribution, DCTERMS.conformsTo, URIRef(writer.conforms_to)))
        g.add((distribution, DCTERMS.license, licence))
        if metadata.modified:
            g.add((distribution, DCTERMS.modified, _date(metadata.modified)))

    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCTERMS.title, Literal(f"API — {metadata.title}", lang=fr)))
    g.add((service, DCAT.endpointURL, URIRef(base + metadata.api_path)))
    g.add((service, DCAT.endpointDescription, URIRef(base + metadata.openapi_path)))
    g.add((service, DCAT.servesDataset, dataset))
    g.add((service, DCTERMS.license, licence))
    g.add((service, DCTERMS.publisher, publisher))
    g.add((service, DCAT.contactPoint, contact))
    return g


def write_catalog(
    metadata: CatalogMetadata,
    stream: TextIO,
    *,
    base_url: str = DEFAULT_BASE_URL,
    format: str = "turtle",
    writers: Iterable[Writer] | None = None,
) -> None:
    """Serialise the catalogue (``turtle``, ``json-ld``, ``xml``…) to ``stream``."""
    stream.write(catalog_graph(metadata, base_url=base_url, writers=writers).serialize(format=format))
