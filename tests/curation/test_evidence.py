# SPDX-License-Identifier: Apache-2.0
"""A doubtful pair in words, as a person checks it."""

from __future__ import annotations

from directory.curation import pair_evidence

LATARJET = {
    "nom": "MDM Latarjet",
    "commune": "Lyon 8e arrondissement",
    "code_postal": "69008",
    "code_insee": "69388",
    "latitude": 45.7296,
    "longitude": 4.8849,
}


def test_identifiers_first_then_names_and_addresses_then_the_distance():
    other = {**LATARJET, "latitude": 45.7296, "longitude": 4.8872}  # ~180 m east
    words = pair_evidence({"phone": 1.0, "email": 0.0, "name": 0.8, "address": 0.5}, LATARJET, other)
    assert words == ["même téléphone", "courriels différents", "noms proches", "adresses différentes", "180 m"]


def test_a_city_and_its_arrondissement_in_one_postcode_are_not_two_communes():
    city = {**LATARJET, "commune": "Lyon", "code_insee": None}
    assert "communes différentes" not in pair_evidence({"name": 0.3}, LATARJET, city)
    elsewhere = {**LATARJET, "commune": "Villeurbanne", "code_postal": "69100", "code_insee": "69266"}
    assert pair_evidence({"name": 0.3}, LATARJET, elsewhere)[-1] == "communes différentes"


def test_a_record_without_a_point_is_said_so():
    assert "position inconnue pour l'une des fiches" in pair_evidence({}, LATARJET, {**LATARJET, "latitude": None})


def test_what_weighed_beyond_the_parts_comes_first_and_is_said_once():
    parts = {"phone": 1.0, "name": 0.4, "address": 1.0, "signs": ["hosted:france_services", "same_address"]}
    words = pair_evidence(parts, LATARJET, LATARJET)
    assert words[:3] == ["France Services hébergée", "même adresse", "même téléphone"]
    assert words.count("même adresse") == 1 and words[-1] == "même point"
    several = pair_evidence({"name": 1.0, "signs": ["several_venues", "mobile_unit"]}, LATARJET, LATARJET)
    assert several[:2] == ["correspond à plusieurs lieux", "unité mobile"]
    assert (
        pair_evidence({"signs": ["hosted:epn+mediatheque"]}, LATARJET, LATARJET)[0] == "espace public numérique hébergé"
    )
