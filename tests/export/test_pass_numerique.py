# SPDX-License-Identifier: Apache-2.0
"""« Accepte le Pass numérique » (``conditions_frais``) said by every export that can say it:
the national CSV's extended form, data·inclusion, JSON-LD and Turtle, GeoJSON.

The standard's 32 columns cannot say it (the plain national CSV stays valid
and unchanged); each other format is read back by a real parser."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rdflib import SDO, Graph, Literal, URIRef

from directory.export import CsvWriter, DataInclusionWriter, GeoJsonWriter, JsonLdWriter, TurtleWriter
from directory.schema import NATIONAL_FIELDS, ConditionFrais

from .conftest import BASE_URL

PASS = ConditionFrais.PASS_NUMERIQUE


def serialise(writer, export_venues) -> str:
    stream = io.StringIO()
    writer.write_all(export_venues, stream)
    return stream.getvalue()


@pytest.fixture(scope="module")
def accepting(venues) -> set[str]:
    ids = {v.id for v in venues if PASS in v.conditions_frais}
    assert ids and len(ids) < len(venues)  # the fixture holds venues with and without it
    return ids


def test_the_extended_national_csv_has_the_column_the_plain_one_has_not(export_venues, accepting) -> None:
    plain = serialise(CsvWriter(base_url=BASE_URL), export_venues)
    extended = serialise(CsvWriter(base_url=BASE_URL, extensions=True), export_venues)
    assert next(csv.reader(io.StringIO(plain))) == list(NATIONAL_FIELDS)
    rows = list(csv.DictReader(io.StringIO(extended)))
    said = {r["id"] for r in rows if "Accepte le Pass numérique" in r["conditions_frais"].split("|")}
    assert said == accepting


def test_data_inclusion_says_it_in_the_fees_notes(export_venues, accepting) -> None:
    document = json.loads(serialise(DataInclusionWriter(base_url=BASE_URL, producer="p"), export_venues))
    said = {
        s["id"].removeprefix("p--")
        for s in document["services"]
        if "Accepte le Pass numérique" in (s["frais_precisions"] or "")
    }
    assert said == accepting


@pytest.mark.parametrize("fmt", ["json-ld", "turtle"])
def test_linked_data_says_payment_accepted_and_the_concept(export_venues, accepting, fmt: str) -> None:
    writer = JsonLdWriter(base_url=BASE_URL) if fmt == "json-ld" else TurtleWriter(base_url=BASE_URL)
    graph = Graph().parse(data=serialise(writer, export_venues), format=fmt)
    rows = graph.query(
        """PREFIX schema: <https://schema.org/>
        SELECT ?venue ?concept WHERE {
            ?venue schema:paymentAccepted ?paid ; schema:identifier ?id ;
                   schema:additionalProperty [ schema:propertyID "conditions_frais" ; schema:valueReference ?concept ] .
        }"""
    )
    found = {(str(venue), concept) for venue, concept in rows}
    concept = URIRef(f"{BASE_URL}/vocabulaires/conditions_frais/pass-numerique")
    assert found == {(f"{BASE_URL}/lieux/{i}", concept) for i in accepting}
    assert (None, SDO.paymentAccepted, Literal("Pass numérique", lang="fr")) in graph


def test_geojson_carries_the_column(export_venues, accepting) -> None:
    collection = json.loads(serialise(GeoJsonWriter(base_url=BASE_URL), export_venues))
    said = {
        f["id"]
        for f in collection["features"]
        if "Accepte le Pass numérique" in (f["properties"]["conditions_frais"] or "").split("|")
    }
    assert said == accepting
