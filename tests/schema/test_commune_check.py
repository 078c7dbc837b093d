# SPDX-License-Identifier: Apache-2.0
"""Postcode, INSEE code, commune name and point checked together (issue 13, item 5), on real records."""

from __future__ import annotations

import json

import pytest

from directory.schema import parse_venue

from ..conftest import DATASETS

CNFS = DATASETS / "conseiller-numerique" / "lieux-cnfs-2022.json"
HINAURA = DATASETS / "hinaura" / "source.json"
NC = (
    DATASETS
    / "nouvelle-caledonie"
    / "20240320-nouvelle-caledonie-lieux-de-mediation-numeriques-nouvelle-caledonie.json"
)


def record(path, nom, commune):
    records = json.loads(path.read_text(encoding="utf-8"))
    return next(r for r in records if r.get("nom") == nom and r.get("commune") == commune)


def warned(result):
    return {
        p.code: p.message
        for p in result.warnings
        if p.field in ("code_postal", "code_insee", "commune", "latitude", "longitude")
    }


def test_a_bastia_venue_with_ajaccios_code_stays_in_bastia(places):
    webforza = {**record(CNFS, "Webforza", "Bastia"), "code_insee": "2A004"}  # Corsica's 2A for 2B
    result = parse_venue(webforza, places=places)
    assert result.venue.code_insee == "2B033"
    assert result.venue.point == (webforza["latitude"], webforza["longitude"])  # never moved because of a code
    assert warned(result) == {
        "insee_contradicted": "le code INSEE 2A004 (Ajaccio) contredit le code postal 20200, "
        "le nom « Bastia » et le point, qui désignent Bastia : code INSEE 2B033 retenu"
    }


def test_a_postcode_copied_into_code_insee_is_not_ampuis(places):
    gerland = {**record(CNFS, "Centre social Gerland", "Lyon"), "code_insee": "69007"}  # 69007 is Ampuis's INSEE code
    result = parse_venue(gerland, places=places)
    assert result.venue.code_insee == "69387"  # Lyon 7e Arrondissement
    assert result.venue.point == (gerland["latitude"], gerland["longitude"])
    assert set(warned(result)) == {"insee_contradicted"} and "(Ampuis)" in warned(result)["insee_contradicted"]


def test_the_name_and_the_point_outvote_a_neighbours_postcode(places):
    """The real record: « Saint-Andiol » with Saint-Cannat's postcode, its point in Saint-Andiol."""
    mairie = record(CNFS, "Mairie", "Saint-Andiol")
    result = parse_venue(mairie, places=places)
    assert result.venue.code_insee == "13089" and result.venue.code_postal == "13760"  # the postcode is the producer's
    assert warned(result) == {
        "postcode_insee_mismatch": "le code postal 13760 ne dessert pas Saint-Andiol (INSEE 13089), "
        "que désignent le nom « Saint-Andiol » et le point : à vérifier"
    }


def test_a_wrong_postcode_no_longer_sends_the_point_away(places):
    """Bourg-en-Bresse with Ambérieu's postcode: the point was « far » from Ambérieu, so a harvest moved it there."""
    adea = record(HINAURA, "EPN-ADEA", "Bourg-en-Bresse")
    result = parse_venue(adea, places=places)
    assert result.venue.code_insee == "01053"
    assert set(warned(result)) == {"postcode_insee_mismatch"}


@pytest.mark.parametrize("code_insee", [None, "74217"])
def test_a_former_commune_gets_its_commune_nouvelles_code(places, code_insee):
    pringy = {**record(HINAURA, "Mairie déléguée de Pringy", "Pringy"), "code_insee": code_insee}
    result = parse_venue(pringy, places=places)
    assert result.venue.code_insee == "74010"  # Annecy, since 2017
    assert result.venue.commune == "Pringy"
    ((code, message),) = warned(result).items()
    assert code == ("former_commune" if code_insee is None else "insee_former_commune")
    assert "fusionnée dans Annecy" in message and "74010" in message


def test_an_insee_code_from_the_other_side_of_the_world(places):
    """ANCT's own conversion gave New Caledonia's Mont-Dore the code of Le Mont-Dore in Auvergne."""
    boulari = record(NC, "Espace connecté de Boulari", "Mont-Dore")
    assert boulari["code_insee"] == "63236"
    result = parse_venue(boulari, places=places)
    assert result.venue.code_insee == "98817" and "coordinates_far_from_commune" not in warned(result)


def test_a_longitude_that_lost_its_sign_is_put_back(places):
    gerland = {**record(CNFS, "Centre social Gerland", "Lyon"), "longitude": -4.82803}  # in the Bay of Biscay
    result = parse_venue(gerland, places=places)
    assert result.venue.point == (45.730721, 4.82803)
    assert set(warned(result)) == {"coordinates_sign_flipped"}


def test_a_longitude_sign_outside_france_is_put_back_too(places):
    bastia = {**record(CNFS, "Webforza", "Bastia"), "longitude": -9.44985}  # west of Portugal's coast
    result = parse_venue(bastia, places=places)
    assert result.venue.point == (42.693135, 9.44985)
    assert set(warned(result)) == {"coordinates_sign_flipped"}


def test_a_far_point_is_still_flagged_when_everything_else_agrees(places):
    far = {**record(CNFS, "Webforza", "Bastia"), "latitude": 43.2965, "longitude": 5.3698}  # Marseille
    result = parse_venue(far, places=places)
    assert result.venue.code_insee == "2B033"
    assert set(warned(result)) == {"coordinates_far_from_commune"}
