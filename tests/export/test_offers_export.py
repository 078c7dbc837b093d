# SPDX-License-Identifier: Apache-2.0
"""A venue's offers in the exports (issue 15, item 2): one data·inclusion service per offer,
schema.org ``makesOffer`` / ``Service`` per offer in JSON-LD, and the national CSV unchanged and
still valid against the official Table Schema."""

from __future__ import annotations

import io
import json
from dataclasses import replace

from directory.export import CsvWriter, DataInclusionWriter, ExportVenue, JsonLdWriter
from directory.schema import parse_venue

from .conftest import BASE_URL, TODAY
from .test_dinclusion import _VALUES
from .test_national import frictionless_report

RECORD = {
    "id": "bachut",
    "pivot": "21690123100011",
    "nom": "Médiathèque du Bachut",
    "commune": "Lyon",
    "code_postal": "69008",
    "code_insee": "69388",
    "adresse": "2 place du 11 Novembre 1918",
    "date_maj": "2026-10-01",
    "latitude": 45.7374,
    "longitude": 4.8716,
    "horaires": "Tu-Fr 10:00-19:00",
    "offres": [
        {
            "id": "atelier-tablette",
            "nom": "Atelier « Ma tablette au quotidien »",
            "description": "Six séances en petit groupe pour prendre en main sa tablette.",
            "services": ["Maîtrise des outils numériques du quotidien"],
            "publics_specifiquement_adresses": ["Seniors"],
            "frais_a_charge": ["Gratuit sous condition"],
            "conditions_frais": ["pass-numerique"],
            "modalites_accompagnement": ["Dans un atelier collectif"],
            "horaires": "Tu 10:00-12:00",
            "prise_rdv": "https://rdv.example.org/bachut/tablette",
        },
        {
            "id": "bus-numerique",
            "nom": "Bus numérique",
            "services": ["Aide aux démarches administratives"],
            "frais_a_charge": ["Gratuit"],
            "modalites_accompagnement": ["Accompagnement individuel"],
            "arrets": [
                {
                    "nom": "Mairie du 8e",
                    "adresse": "12 avenue Jean Mermoz",
                    "code_postal": "69008",
                    "commune": "Lyon",
                    "latitude": 45.7342,
                    "longitude": 4.8696,
                    "horaires": "Th 09:00-12:00",
                }
            ],
        },
    ],
}


def export_venue(record=RECORD) -> ExportVenue:
    result = parse_venue(record, today=TODAY)
    assert result.venue is not None, result.problems
    return ExportVenue(result.venue, source="test", url=f"{BASE_URL}/lieux/{record['id']}")


def written(writer, venues) -> str:
    stream = io.StringIO()
    writer.write_all(venues, stream)
    return stream.getvalue()


def test_data_inclusion_has_one_service_per_offer_with_its_own_values():
    document = json.loads(written(DataInclusionWriter(base_url=BASE_URL, producer="test"), [export_venue()]))
    (structure,) = document["structures"]
    atelier, bus = document["services"]
    assert structure["id"] == "test--bachut" and atelier["structure_id"] == bus["structure_id"] == "test--bachut"
    assert (atelier["id"], bus["id"]) == ("test--bachut--atelier-tablette", "test--bachut--bus-numerique")
    assert atelier["nom"] == "Atelier « Ma tablette au quotidien »" and atelier["description"].startswith("Six séances")
    assert "numerique--maitriser-les-fondamentaux-du-numerique" in atelier["thematiques"]
    assert atelier["publics"] == ["seniors"] and atelier["type"] == "atelier"
    assert atelier["horaires_accueil"] == "Tu 10:00-12:00"
    assert atelier["lien_mobilisation"] == "https://rdv.example.org/bachut/tablette"
    assert "Pass numérique" in atelier["frais_precisions"]
    assert "numerique--maitriser-les-fondamentaux-du-numerique" not in bus["thematiques"] and bus["frais"] == "gratuit"
    assert bus["adresse"] == "2 place du 11 Novembre 1918"  # stops are not one address: the venue's
    for service in (atelier, bus):  # the referentials' values only (test_dinclusion's table)
        for field, allowed in _VALUES.items():
            value = service[field]
            assert value is None or set(value if isinstance(value, list) else [value]) <= allowed, (field, value)


def test_json_ld_makes_one_offer_per_offer_with_audience_hours_place_and_booking_link():
    (node,) = json.loads(written(JsonLdWriter(base_url=BASE_URL), [export_venue()]))["@graph"]
    offers = {o["itemOffered"]["name"]["@value"]: o for o in node["makesOffer"]}
    assert set(offers) == {"Atelier « Ma tablette au quotidien »", "Bus numérique"}
    atelier = offers["Atelier « Ma tablette au quotidien »"]
    service = atelier["itemOffered"]
    assert service["@type"] == "Service"
    assert service["serviceType"]["@value"] == "Maîtrise des outils numériques du quotidien"
    assert service["audience"]["audienceType"]["@value"] == "Seniors"
    assert service["hoursAvailable"]["opens"] in ("10:00:00", {"@value": "10:00:00", "@type": "xsd:time"})
    assert atelier["url"] in (
        "https://rdv.example.org/bachut/tablette",
        {"@id": "https://rdv.example.org/bachut/tablette"},
    )
    stop = offers["Bus numérique"]["availableAtOrFrom"]
    assert stop["name"] == "Mairie du 8e" and "12 avenue Jean Mermoz" in stop["address"]


def test_the_national_csv_is_the_same_with_or_without_offers_and_valid(tmp_path):
    with_offers = export_venue()
    without = ExportVenue(replace(with_offers.venue, offres=[]), source="test", url=with_offers.url)
    text = written(CsvWriter(base_url=BASE_URL), [with_offers])
    assert text == written(CsvWriter(base_url=BASE_URL), [without])
    header = text.splitlines()[0]
    assert "offre" not in header and header.count(",") == 31
    path = tmp_path / "lieux.csv"
    path.write_text(text, encoding="utf-8")
    report = frictionless_report(path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
