# SPDX-License-Identifier: Apache-2.0
"""Exports say how precise each point is (issue 13, item 8).

Observed: a point placed at the commune's centre was exported as if it were
the venue's door. GeoJSON and JSON-LD now carry ``precision_position``
(``adresse`` / ``rue`` / ``commune``) and the method; data·inclusion, which has
no such field, gets no point rather than a wrong one; the national CSV is
unchanged (the standard has no field for it) and stays valid.
"""

from __future__ import annotations

import io
import json

import pytest
from rdflib import SDO, Graph, Literal, URIRef

from directory.export import ExportVenue, get_writer
from directory.export.streaming import export_chunks
from directory.schema import parse_venue
from directory.store import Incoming, SourceInfo, open_store, utcnow

from .conftest import BASE_URL

CENTRE = (45.7592, 4.8495)


@pytest.fixture(scope="module")
def venue():
    result = parse_venue(
        {
            "id": "v1",
            "pivot": "43493312300029",
            "nom": "Espace numérique",
            "commune": "Lyon",
            "code_postal": "69003",
            "code_insee": "69383",
            "adresse": "rue introuvable",
            "date_maj": "2026-01-15",
            "latitude": CENTRE[0],
            "longitude": CENTRE[1],
        }
    )
    assert result.venue is not None
    return result.venue


def document(name: str, venues: list[ExportVenue]) -> str:
    stream = io.StringIO(newline="")
    get_writer(name, base_url=BASE_URL).write_all(venues, stream)
    return stream.getvalue()


@pytest.mark.parametrize(
    ("method", "precision"),
    [
        ("commune", "commune"),
        ("ban-street", "rue"),
        ("ban", "rue"),
        ("ban-housenumber", "adresse"),
        ("producteur", "adresse"),
        (None, "adresse"),
    ],
)
def test_geojson_says_how_precise_the_point_is(venue, method, precision):
    (feature,) = json.loads(document("geojson", [ExportVenue(venue=venue, geo_method=method)]))["features"]
    assert (feature["properties"]["precision_position"], feature["properties"]["methode_position"]) == (
        precision,
        method,
    )
    assert feature["geometry"]["coordinates"] == [CENTRE[1], CENTRE[0]]


@pytest.mark.parametrize("name", ["jsonld", "ttl"])
def test_linked_data_says_how_precise_the_point_is(venue, name):
    text = document(name, [ExportVenue.from_venue(venue, base_url=BASE_URL)])
    approximate = document(name, [ExportVenue(venue=venue, geo_method="commune", url=f"{BASE_URL}/lieux/v1")])
    for data, precision, technique in ((text, "adresse", None), (approximate, "commune", "commune")):
        g = Graph().parse(data=data, format="json-ld" if name == "jsonld" else "turtle")
        (placed,) = g.objects(URIRef(f"{BASE_URL}/lieux/v1"), SDO.additionalProperty)
        assert g.value(placed, SDO.propertyID) == Literal("precision_position")
        assert g.value(placed, SDO.value) == Literal(precision)
        assert g.value(placed, SDO.measurementTechnique) == (Literal(technique) if technique else None)


def test_data_inclusion_gets_no_point_rather_than_a_commune_centre(venue):
    schema = pytest.importorskip("data_inclusion.schema.v1", reason="data-inclusion-schema n'est pas installé")
    approximate = json.loads(document("dinclusion", [ExportVenue(venue=venue, geo_method="commune")]))
    exact = json.loads(document("dinclusion", [ExportVenue(venue=venue, geo_method="producteur")]))
    for record in approximate["structures"] + approximate["services"]:
        assert (record["latitude"], record["longitude"]) == (None, None)
        assert record["adresse"] == "rue introuvable" and record["code_insee"] == "69383"
    for record in exact["structures"] + exact["services"]:
        assert (record["latitude"], record["longitude"]) == CENTRE
    schema.Structure.model_validate(approximate["structures"][0], context={"ignore_warnings": False})
    schema.Service.model_validate(approximate["services"][0], context={"ignore_warnings": False})


def test_the_national_csv_is_unchanged(venue):
    assert document("csv", [ExportVenue(venue=venue, geo_method="commune")]) == document(
        "csv", [ExportVenue(venue=venue)]
    )


def test_whole_directory_exports_read_the_method_from_the_store(venue, tmp_path):
    """``export_chunks`` (the rows, no ``Venue``) and the ``StoredVenue`` path say the same."""
    store = open_store(f"sqlite:///{tmp_path / 'd.db'}", upgrade=True)
    with store.writer() as w:
        w.ensure_source(SourceInfo("src", "src"))
        w.apply_many("src", [Incoming("v1", venue, geo_method="commune", geo_point=CENTRE)], at=utcnow())
    written = {}
    for name in ("geojson", "dinclusion", "jsonld"):
        written[name] = b"".join(export_chunks(store, get_writer(name, base_url=BASE_URL), base_url=BASE_URL)).decode()
        slow = document(name, [ExportVenue.from_stored(s, base_url=BASE_URL) for s in store.iter_venues()])
        assert written[name] == slow
    (feature,) = json.loads(written["geojson"])["features"]
    assert feature["properties"]["precision_position"] == "commune"
    (structure,) = json.loads(written["dinclusion"])["structures"]
    assert structure["latitude"] is None
    store.close()
