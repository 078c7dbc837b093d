# SPDX-License-Identifier: Apache-2.0
"""The DCAT-AP catalogue: rdflib reads it back; one distribution per format."""

from __future__ import annotations

import io
from datetime import date

import pytest
from rdflib import DCAT, DCTERMS, RDF, Graph, URIRef

from directory.export import WRITERS
from directory.export.dcat import CatalogMetadata, ContactPoint, Publisher, write_catalog
from directory.export.schemas import NATIONAL_SCHEMA_URI

from .conftest import BASE_URL

METADATA = CatalogMetadata(
    title="Lieux de médiation numérique de la Métropole",
    description="Où se faire aider avec le numérique : adresses, horaires, services.",
    publisher=Publisher("Métropole de Lyon", "https://www.grandlyon.com"),
    contact=ContactPoint("Équipe inclusion numérique", "inclusion.numerique@example.org"),
    spatial=("http://id.insee.fr/geo/departement/69",),
    temporal_start=date(2021, 1, 1),
    issued=date(2026, 1, 15),
    modified=date(2026, 11, 25),
    accrual_periodicity="DAILY",
    keywords=("médiation numérique", "inclusion numérique", "France Services"),
)


@pytest.fixture(scope="module", params=["turtle", "json-ld"])
def catalogue(request) -> Graph:
    stream = io.StringIO()
    write_catalog(METADATA, stream, base_url=BASE_URL, format=request.param)
    return Graph().parse(data=stream.getvalue(), format=request.param)


def test_one_distribution_per_format_with_its_media_type(catalogue):
    (dataset,) = catalogue.subjects(RDF.type, DCAT.Dataset)
    distributions = set(catalogue.objects(dataset, DCAT.distribution))
    assert len(distributions) == len(WRITERS)
    media = {}
    for distribution in distributions:
        assert (distribution, RDF.type, DCAT.Distribution) in catalogue
        media[str(distribution).rsplit("/", 1)[1]] = str(catalogue.value(distribution, DCAT.mediaType))
        assert catalogue.value(distribution, DCAT.downloadURL) is not None
        assert catalogue.value(distribution, DCTERMS.license) is not None
    assert media == {name: f"http://www.iana.org/assignments/media-types/{w.media_type}" for name, w in WRITERS.items()}


def test_national_formats_conform_to_the_table_schema(catalogue):
    schema = URIRef(NATIONAL_SCHEMA_URI)
    for name in ("csv", "json"):
        assert (URIRef(f"{BASE_URL}/catalogue/lieux/{name}"), DCTERMS.conformsTo, schema) in catalogue
    assert (URIRef(f"{BASE_URL}/catalogue/lieux"), DCTERMS.conformsTo, schema) in catalogue


def test_dataset_metadata(catalogue):
    rows = list(
        catalogue.query("""
        PREFIX dcat: <http://www.w3.org/ns/dcat#>
        PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX vcard: <http://www.w3.org/2006/vcard/ns#>
        SELECT ?title ?licence ?spatial ?periodicity ?email ?modified ?start WHERE {
            ?catalog a dcat:Catalog ; dcat:dataset ?d .
            ?d dct:title ?title ; dct:license ?licence ; dct:spatial ?spatial ; dct:modified ?modified ;
               dct:accrualPeriodicity ?periodicity ; dcat:contactPoint/vcard:hasEmail ?email ;
               dct:temporal/dcat:startDate ?start .
        }""")
    )
    assert len(rows) == 1
    row = rows[0]
    assert str(row.title) == METADATA.title and row.title.language == "fr"
    assert str(row.licence) == "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
    assert str(row.spatial) == "http://id.insee.fr/geo/departement/69"
    assert str(row.periodicity).endswith("/frequency/DAILY")
    assert str(row.email) == "mailto:inclusion.numerique@example.org"
    assert row.modified.toPython() == date(2026, 11, 25) and row.start.toPython() == date(2021, 1, 1)
    (dataset,) = catalogue.subjects(RDF.type, DCAT.Dataset)
    assert {str(k) for k in catalogue.objects(dataset, DCAT.keyword)} == set(METADATA.keywords)


def test_the_api_is_a_data_service_described_by_openapi(catalogue):
    (service,) = catalogue.subjects(RDF.type, DCAT.DataService)
    assert catalogue.value(service, DCAT.endpointURL) == URIRef(f"{BASE_URL}/api")
    assert catalogue.value(service, DCAT.endpointDescription) == URIRef(f"{BASE_URL}/api/openapi.json")
    assert catalogue.value(service, DCAT.servesDataset) == URIRef(f"{BASE_URL}/catalogue/lieux")
    (catalog,) = catalogue.subjects(RDF.type, DCAT.Catalog)
    assert (catalog, DCAT.service, service) in catalogue
