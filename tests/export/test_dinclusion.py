# SPDX-License-Identifier: Apache-2.0
"""data·inclusion v1: one structure and one service per venue, valid for the
``data-inclusion-schema`` package when it is installed, and always for the
rules of standards.md §2.2–2.4 checked here by hand."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from datetime import date

import pytest

from directory.export import DataInclusionWriter, ExportVenue

from .conftest import BASE_URL

PRODUCER = "annuaire-test"


@pytest.fixture(scope="module")
def document(export_venues):
    stream = io.StringIO()
    DataInclusionWriter(base_url=BASE_URL, producer=PRODUCER).write_all(export_venues, stream)
    return json.loads(stream.getvalue())


def by_venue(records, venue_id):
    return next(r for r in records if r["id"] == f"{PRODUCER}--{venue_id}")


def test_one_structure_and_one_service_per_venue(document, venues):
    structures, services = document["structures"], document["services"]
    assert len(structures) == len(services) == len(venues)
    assert [s["id"] for s in structures] == [f"{PRODUCER}--{v.id}" for v in venues]
    assert all(s["structure_id"] == s["id"] for s in services)
    assert {s["source"] for s in structures + services} == {PRODUCER}


def test_valid_for_the_data_inclusion_schema_package(document):
    schema = pytest.importorskip("data_inclusion.schema.v1", reason="data-inclusion-schema n'est pas installé")
    strict = {"ignore_warnings": False}  # its warnings (a name ending with ".") count as errors here
    for record in document["structures"]:
        schema.Structure.model_validate(record, context=strict)
    for record in document["services"]:
        schema.Service.model_validate(record, context=strict)


_VALUES = {
    "frais": {"gratuit", "payant"},
    "publics": {
        "actifs",
        "beneficiaires-des-minimas-sociaux",
        "demandeurs-emploi",
        "etudiants",
        "familles",
        "femmes",
        "jeunes",
        "personnes-en-situation-de-handicap",
        "personnes-en-situation-durgence",
        "personnes-en-situation-juridique-specifique",
        "personnes-exilees",
        "residents-qpv-frr",
        "seniors",
        "tous-publics",
    },
    "modes_accueil": {"a-distance", "en-presentiel"},
    "modes_mobilisation": {"envoyer-un-courriel", "se-presenter", "telephoner", "utiliser-lien-mobilisation"},
    "mobilisable_par": {"usagers", "professionnels"},
    "type": {"accompagnement", "aide-financiere", "aide-materielle", "atelier", "formation", "information"},
}


def test_the_rules_of_the_notes_hold_without_the_package(document):
    """standards.md §2.2–2.4, for environments without ``data-inclusion-schema``."""
    for record in document["structures"] + document["services"]:
        assert 3 <= len(record["nom"]) <= 150 and not record["nom"].endswith(".")
        assert date(2000, 1, 1) <= date.fromisoformat(record["date_maj"]) <= date.today()
        assert record["description"] is None or 5 <= len(record["description"]) <= 10_000
        assert record["code_postal"] is None or re.fullmatch(r"\d{5}", record["code_postal"])
        assert record["code_insee"] is None or re.fullmatch(r"\w{5}", record["code_insee"])
        assert record.get("siret") is None or re.fullmatch(r"\d{14}", record["siret"])
    for service in document["services"]:
        assert service["description"]
        for field, allowed in _VALUES.items():
            value = service[field]
            values = value if isinstance(value, list) else [value]
            assert value is None or (values and set(values) <= allowed), (field, value)
        assert service["publics"] == ["tous-publics"] or "tous-publics" not in service["publics"]
        assert all(t.count("--") == 1 for t in service["thematiques"] or ())
        assert service["zone_eligibilite"] is None or all(
            re.fullmatch(r"\w{2,3}", z) for z in service["zone_eligibilite"]
        )


def test_the_value_mappings_of_the_notes(document):
    structure = by_venue(document["structures"], "hostile-everything")
    service = by_venue(document["services"], "hostile-everything")
    assert structure["siret"] == "43493312300029"
    assert structure["courriel"] == "contact@laquincaillerie.tl"
    assert structure["site_web"] == "https://www.laquincaillerie.tl/"
    assert structure["reseaux_porteurs"] == [
        "aidants-connect",
        "conseillers-numeriques",
        "croix-rouge",
        "fabrique-de-territoire",
    ]
    assert service["frais"] == "gratuit"  # « Gratuit sous condition » and « Payant »: gratuit wins
    assert "Gratuit sous condition" in service["frais_precisions"]
    assert set(service["publics"]) == {
        "jeunes",
        "etudiants",
        "familles",
        "seniors",
        "femmes",
        "personnes-en-situation-de-handicap",
        "personnes-exilees",
    }
    assert "Illettrisme" in service["publics_precisions"]
    assert service["type"] == "aide-materielle"  # aide-materielle > atelier > accompagnement
    assert service["modes_accueil"] == ["a-distance", "en-presentiel"]
    assert service["modes_mobilisation"] == [
        "se-presenter",
        "telephoner",
        "utiliser-lien-mobilisation",
        "envoyer-un-courriel",
    ]
    assert service["lien_mobilisation"] == "https://www.rdv-solidarites.fr/"
    assert service["zone_eligibilite"] == ["51"]
    assert "numerique--acquerir-un-equipement" in service["thematiques"]
    assert "famille--soutien-a-la-parentalite-et-a-leducation" in service["thematiques"]
    assert len(service["thematiques"]) == len(set(service["thematiques"]))


def test_defaults_and_repairs(document):
    short = by_venue(document["structures"], "hostile-short")
    assert short["nom"] == "A (Ajaccio)"
    short_service = by_venue(document["services"], "hostile-short")
    assert short_service["publics"] == ["tous-publics"] and short_service["frais"] == "payant"
    assert short_service["zone_eligibilite"] == ["2A"] and short_service["thematiques"] is None
    assert short_service["description"].startswith("Accompagnement au numérique proposé par")
    overseas = by_venue(document["services"], "hostile-overseas")
    assert overseas["zone_eligibilite"] == ["988"]
    assert overseas["modes_mobilisation"] == ["telephoner"]  # no reception: the phone given


def test_two_files_hold_the_same_records(export_venues, document):
    structures, services = io.StringIO(), io.StringIO()
    writer = DataInclusionWriter(base_url=BASE_URL, producer=PRODUCER)
    assert list(writer.write_pair(export_venues, structures, services))[-1] == len(export_venues)
    assert json.loads(structures.getvalue()) == document["structures"]
    assert json.loads(services.getvalue()) == document["services"]


@pytest.mark.parametrize(
    ("pivot", "siret"),
    [
        ("12345678901234", None),  # 14 digits failing the Luhn check
        ("43493312300029", "43493312300029"),
        ("35600000063516", "35600000063516"),  # La Poste: its own rule, a real establishment
        ("00000000000000", None),
        ("W123456789", None),  # an RNA: data·inclusion v1 has no field for it
    ],
)
def test_only_a_siret_that_passes_its_check_is_exported_as_siret(venues, pivot, siret):
    venue = replace(venues[0], pivot=pivot)
    stream = io.StringIO()
    DataInclusionWriter(base_url=BASE_URL, producer=PRODUCER).write_all([ExportVenue.from_venue(venue)], stream)
    (structure,) = json.loads(stream.getvalue())["structures"]
    assert structure["siret"] == siret
