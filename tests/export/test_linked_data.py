# SPDX-License-Identifier: Apache-2.0
"""JSON-LD and Turtle: rdflib reads both back; SPARQL finds each venue's
name, postcode and point; hours, offers and vocabularies are linked."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from decimal import Decimal

import pytest
from rdflib import RDF, SDO, SKOS, Graph, Literal, URIRef

from directory.export import ExportVenue, JsonLdWriter, TurtleWriter
from directory.export.vocabularies import SCHEMES, write_vocabularies
from directory.schema import Service, Typologie

from .conftest import BASE_URL

VENUE_QUERY = """
PREFIX schema: <https://schema.org/>
SELECT ?venue ?name ?postcode ?lat ?lon WHERE {
    ?venue a schema:LocalBusiness ;
           schema:name ?name ;
           schema:address/schema:postalCode ?postcode .
    OPTIONAL { ?venue schema:geo ?geo . ?geo schema:latitude ?lat ; schema:longitude ?lon . }
}
"""


def serialise(writer, export_venues) -> str:
    stream = io.StringIO()
    writer.write_all(export_venues, stream)
    return stream.getvalue()


@pytest.fixture(scope="module", params=["ttl", "jsonld"])
def graph(request, export_venues) -> Graph:
    if request.param == "ttl":
        return Graph().parse(data=serialise(TurtleWriter(base_url=BASE_URL), export_venues), format="turtle")
    return Graph().parse(data=serialise(JsonLdWriter(base_url=BASE_URL), export_venues), format="json-ld")


def iri(venue_id: str) -> URIRef:
    return URIRef(f"{BASE_URL}/lieux/{venue_id}")


def test_sparql_finds_every_venue_with_its_name_postcode_and_point(graph, venues):
    rows = {row.venue: row for row in graph.query(VENUE_QUERY)}
    assert set(rows) == {iri(v.id) for v in venues}
    for venue in venues:
        row = rows[iri(venue.id)]
        assert str(row.name) == venue.nom
        assert str(row.postcode) == venue.code_postal
        if venue.point is None:
            assert row.lat is None and row.lon is None
        else:
            assert float(row.lat.toPython()) == venue.latitude and float(row.lon.toPython()) == venue.longitude


def test_hostile_text_survives_the_rdf(graph, venues):
    by_id = {v.id: v for v in venues}
    for venue_id in ("hostile-quotes", "hostile-script-description"):
        venue = by_id[venue_id]
        (description,) = graph.objects(iri(venue_id), SDO.description)
        assert str(description) == venue.presentation_detail and description.language == "fr"
    (name,) = graph.objects(iri("hostile-quotes"), SDO.name)
    assert str(name) == by_id["hostile-quotes"].nom


def test_a_pipe_in_a_url_becomes_a_valid_iri(graph):
    assert set(graph.objects(iri("hostile-pipe-url"), SDO.url)) == {URIRef("https://example.org/a%7Cb")}


def test_the_full_venue(graph):
    node = iri("hostile-everything")
    assert set(graph.objects(node, RDF.type)) == {SDO.LocalBusiness}
    assert Literal("hostile-everything") in set(graph.objects(node, SDO.identifier))
    siret = next(o for o in graph.objects(node, SDO.identifier) if isinstance(o, URIRef))
    assert str(graph.value(siret, SDO.propertyID)) == "SIRET" and str(graph.value(siret, SDO.value)) == "43493312300029"
    address = graph.value(node, SDO.address)
    assert str(graph.value(address, SDO.streetAddress)) == "12 BIS RUE DE LECLERCQ, Le patio du bois de l'Aulne"
    assert str(graph.value(address, SDO.addressLocality)) == "Reims"
    assert str(graph.value(node, SDO.telephone)) == "+33180059880"
    assert {str(e) for e in graph.objects(node, SDO.email)} == {
        "contact@laquincaillerie.tl",
        "responsable@laquincaillerie.tl",
    }
    assert graph.value(node, SDO.url) == URIRef("https://www.laquincaillerie.tl/")
    assert set(graph.objects(node, SDO.sameAs)) == {
        URIRef("https://m.facebook.com/laquincaillerie"),
        URIRef("https://acceslibre.beta.gouv.fr/app/51-reims/a/tiers-lieu/erp/anonymal/"),
    }
    assert graph.value(node, SDO.isAccessibleForFree) is None  # « sous condition » and « payant »: not said
    assert str(graph.value(node, SDO.dateModified)) == "2024-04-02"
    assert set(graph.objects(node, SDO.additionalType)) == {
        URIRef(f"{BASE_URL}/vocabulaires/typologie/{t.code}") for t in (Typologie.TIERS_LIEUX, Typologie.ASSO)
    }
    offered = {graph.value(offer, SDO.itemOffered) for offer in graph.objects(node, SDO.makesOffer)}
    assert {graph.value(s, SDO.additionalType) for s in offered} == {
        URIRef(f"{BASE_URL}/vocabulaires/services/{s.code}") for s in Service
    }


def test_opening_hours_one_range_per_day_and_spec(graph):
    """« Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00; PH off » → 11 specifications."""
    specs = list(graph.objects(iri("hostile-everything"), SDO.openingHoursSpecification))
    found = {
        (
            str(graph.value(s, SDO.dayOfWeek)).rsplit("/", 1)[1],
            str(graph.value(s, SDO.opens)),
            str(graph.value(s, SDO.closes)),
        )
        for s in specs
    }
    assert len(specs) == len(found) == 11
    assert ("Monday", "09:00:00", "12:00:00") in found and ("Friday", "14:00:00", "18:30:00") in found
    assert ("Saturday", "08:30:00", "12:00:00") in found
    assert not any(day == "Sunday" for day, _, _ in found)


def test_hours_that_cannot_be_said_are_left_out(graph):
    assert list(graph.objects(iri("hostile-bus"), SDO.openingHoursSpecification)) == []  # fortnightly


def test_free_and_no_public(graph):
    assert graph.value(iri("hostile-short"), SDO.isAccessibleForFree) == Literal(False)
    assert graph.value(iri("hostile-overseas"), SDO.publicAccess) == Literal(False)


def test_coordinates_keep_their_precision_in_turtle(export_venues):
    text = serialise(TurtleWriter(base_url=BASE_URL), export_venues)
    g = Graph().parse(data=text, format="turtle")
    for venue in (e.venue for e in export_venues if e.venue.point):
        lat = g.value(g.value(iri(venue.id), SDO.geo), SDO.latitude)
        assert lat.toPython() == Decimal(repr(venue.latitude))


def test_jsonld_embeds_each_venue_and_escapes_markup(export_venues):
    text = serialise(JsonLdWriter(base_url=BASE_URL), export_venues)
    assert "</script>" not in text  # safe to inline in an HTML page
    document = json.loads(text)
    assert len(document["@graph"]) == len(export_venues)
    node = next(n for n in document["@graph"] if n["@id"] == str(iri("hostile-everything")))
    assert node["@type"] == "LocalBusiness"
    assert node["address"]["@type"] == "PostalAddress" and node["geo"]["latitude"] == 49.2535


def test_both_serialisations_hold_the_same_triples(export_venues):
    ttl = Graph().parse(data=serialise(TurtleWriter(base_url=BASE_URL), export_venues), format="turtle")
    jsonld = Graph().parse(data=serialise(JsonLdWriter(base_url=BASE_URL), export_venues), format="json-ld")

    def normalised(g):  # decimals in Turtle, JSON numbers (doubles) in JSON-LD
        return {
            (s, p, float(o) if isinstance(o, Literal) and isinstance(o.toPython(), (float, Decimal)) else o)
            for s, p, o in g
        }

    assert normalised(ttl) == normalised(jsonld)


# -- vocabularies ------------------------------------------------------------


@pytest.fixture(scope="module")
def vocabularies() -> Graph:
    stream = io.StringIO()
    write_vocabularies(stream, BASE_URL)
    return Graph().parse(data=stream.getvalue(), format="turtle")


def test_each_enumeration_is_a_concept_scheme(vocabularies):
    schemes = set(vocabularies.subjects(RDF.type, SKOS.ConceptScheme))
    assert schemes == {URIRef(f"{BASE_URL}/vocabulaires/{field}") for field in SCHEMES}
    for field, vocabulary in SCHEMES.items():
        for term in vocabulary:
            concept = URIRef(f"{BASE_URL}/vocabulaires/{field}/{term.code}")
            assert (concept, RDF.type, SKOS.Concept) in vocabularies
            assert vocabularies.value(concept, SKOS.prefLabel) == Literal(term.label, lang="fr")
            assert str(vocabularies.value(concept, SKOS.notation)) == term.code


def test_matches_to_data_inclusion(vocabularies):
    def concept(field, code):
        return URIRef(f"{BASE_URL}/vocabulaires/{field}/{code}")

    di = "https://api.data.inclusion.gouv.fr/api/v1/doc/"
    assert (concept("frais_a_charge", "gratuit"), SKOS.exactMatch, URIRef(di + "frais#gratuit")) in vocabularies
    assert (
        concept("frais_a_charge", "gratuit-sous-condition"),
        SKOS.closeMatch,
        URIRef(di + "frais#gratuit"),
    ) in vocabularies
    assert (
        concept("dispositif_programmes_nationaux", "france-services"),
        SKOS.exactMatch,
        URIRef(di + "reseaux-porteurs#france-service"),
    ) in vocabularies
    assert set(
        vocabularies.objects(concept("services", "acces-internet-et-materiel-informatique"), SKOS.closeMatch)
    ) == {
        URIRef(di + "thematiques#numerique--acceder-a-une-connexion-internet"),
        URIRef(di + "thematiques#numerique--acquerir-un-equipement"),
    }
    remote = concept("modalites_accompagnement", "a-distance")
    assert (remote, SKOS.exactMatch, URIRef(di + "modes-accueil#a-distance")) in vocabularies


def test_every_concept_a_venue_points_at_exists(graph, vocabularies):
    used = set(graph.objects(None, SDO.additionalType))
    assert used and used <= set(vocabularies.subjects(RDF.type, SKOS.Concept))


def test_data_inclusion_values_in_matches_exist(vocabularies):
    v1 = pytest.importorskip("data_inclusion.schema.v1", reason="data-inclusion-schema n'est pas installé")
    known = {
        "thematiques": v1.Thematique,
        "publics": v1.Public,
        "frais": v1.Frais,
        "modes-mobilisation": v1.ModeMobilisation,
        "types-services": v1.TypeService,
        "modes-accueil": v1.ModeAccueil,
        "reseaux-porteurs": v1.ReseauPorteur,
    }
    targets = set(vocabularies.objects(None, SKOS.exactMatch)) | set(vocabularies.objects(None, SKOS.closeMatch))
    assert targets
    for target in targets:
        referential, value = str(target).rsplit("/", 1)[1].split("#")
        assert value in {member.value for member in known[referential]}, target


@pytest.mark.parametrize("writer", [JsonLdWriter, TurtleWriter])
def test_a_pivot_failing_the_siret_check_is_no_siret(writer, venues):
    """« 12345678901234 » has 14 digits but fails the Luhn check: the venue keeps its id, no SIRET."""
    venue = replace(next(v for v in venues if v.id == "hostile-everything"), pivot="12345678901234")
    g = Graph().parse(
        data=serialise(writer(base_url=BASE_URL), [ExportVenue.from_venue(venue, base_url=BASE_URL)]),
        format="json-ld" if writer is JsonLdWriter else "turtle",
    )
    assert list(g.objects(iri("hostile-everything"), SDO.identifier)) == [Literal("hostile-everything")]
    assert "12345678901234" not in g.serialize(format="nt")
