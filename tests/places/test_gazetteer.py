# SPDX-License-Identifier: Apache-2.0
"""The offline gazetteer against real French places."""

from __future__ import annotations

import time

import pytest

from directory.places import Commune, Gazetteer, Place, fold, haversine_m, load_gazetteer


@pytest.fixture(scope="module")
def g() -> Gazetteer:
    load_gazetteer.cache_clear()
    start = time.perf_counter()
    gaz = load_gazetteer()
    loaded = time.perf_counter() - start
    gaz.warm_up()
    warmed = time.perf_counter() - start
    # a figure to read, not a check: speed is the benchmarks' business, and a busy machine is slow
    print(f"\nload_gazetteer(): {loaded * 1000:.0f} ms; with name and grid indexes: {warmed * 1000:.0f} ms")
    return gaz


def near(place: Place | Commune | None, lat: float, lon: float, km: float = 3.0) -> bool:
    assert place is not None
    assert place.lat is not None and place.lon is not None
    return haversine_m(place.lat, place.lon, lat, lon) <= km * 1000


def test_load_is_cached(g: Gazetteer) -> None:
    assert load_gazetteer() is g


# ------------------------------------------------------------------ fold / text
@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Vandœuvre-lès-Nancy", "vandoeuvre les nancy"),
        ("L’Haÿ-les-Roses", "l hay les roses"),
        ("  SAINT-ÉTIENNE  ", "saint etienne"),
        ("Æther Straße", "aether strasse"),
        ("Cœur d'Alène", "coeur d alene"),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_haversine_paris_lyon() -> None:
    d = haversine_m(48.8566, 2.3522, 45.7640, 4.8357)
    assert 390_000 < d < 394_000


# ------------------------------------------------------------------- resolve
def test_postcode_lyon_3e() -> None:
    place = load_gazetteer().resolve("69003")
    assert place is not None
    assert place.kind == "postcode"
    assert place.postcode == "69003"
    assert place.insee == "69383"
    assert place.departement == "69"
    assert "Lyon 3e" in place.label and "69003" in place.label
    assert near(place, 45.76, 4.85)


def test_nancy(g: Gazetteer) -> None:
    place = g.resolve("Nancy")
    assert place is not None and place.kind == "commune"
    assert place.insee == "54395"
    assert place.label == "Nancy (54000)"
    assert near(place, 48.69, 6.18)


@pytest.mark.parametrize("text", ["vandoeuvre", "Vandœuvre-lès-Nancy", "vandoeuvre les nancy", "VANDOEUVRE LES NANCY"])
def test_vandoeuvre(g: Gazetteer, text: str) -> None:
    place = g.resolve(text)
    assert place is not None
    assert place.insee == "54547"
    assert near(place, 48.66, 6.17, km=4)


def test_paris_19e(g: Gazetteer) -> None:
    by_code = g.resolve("75019")
    by_name = g.resolve("Paris 19e")
    assert by_code is not None and by_name is not None
    assert by_code.insee == by_name.insee == "75119"
    assert near(by_code, 48.883, 2.382)
    assert near(by_name, 48.883, 2.382)
    for text in ("Paris 19", "paris 19eme", "Paris 19ème arrondissement"):
        place = g.resolve(text)
        assert place is not None and place.insee == "75119", text


@pytest.mark.parametrize(("text", "insee"), [("Lyon 3", "69383"), ("Lyon 3e", "69383"), ("Marseille 1er", "13201")])
def test_arrondissements(g: Gazetteer, text: str, insee: str) -> None:
    place = g.resolve(text)
    assert place is not None and place.insee == insee


def test_marseille_1er_point(g: Gazetteer) -> None:
    assert near(g.resolve("Marseille 1er"), 43.30, 5.38)


@pytest.mark.parametrize("text", ["Saint-Étienne", "st etienne", "ST-ETIENNE", "saint etienne"])
def test_saint_etienne(g: Gazetteer, text: str) -> None:
    place = g.resolve(text)
    assert place is not None and place.insee == "42218"
    assert near(place, 45.43, 4.39, km=4)


def test_name_with_postcode(g: Gazetteer) -> None:
    for text in ("Nancy 54000", "54000 Nancy", "Nancy (54000)", "54000 Nancy, France", "Nancy Cedex 54000"):
        place = g.resolve(text)
        assert place is not None, text
        assert place.insee == "54395" and place.postcode == "54000"
        assert place.label == "Nancy (54000)"


def test_ambiguous_name_prefers_most_populous(g: Gazetteer) -> None:
    # Saint-Denis de La Réunion (~155k) outnumbers Saint-Denis 93 (~113k);
    # a département hint picks the other one.
    place = g.resolve("Saint-Denis")
    assert place is not None and place.insee == "97411"
    hinted = g.resolve("Saint-Denis 93")
    assert hinted is not None and hinted.insee == "93066"


def test_unknown_text(g: Gazetteer) -> None:
    assert g.resolve("xyzzy plugh") is None
    assert g.resolve("") is None
    assert g.resolve("   ") is None
    assert g.resolve("00000") is None
    assert g.resolve("99999") is None


# ------------------------------------------------------------------ postcodes
def test_nancy_cedex(g: Gazetteer) -> None:
    assert g.is_known_postcode("54042")
    assert g.departement_of_postcode("54042") == "54"
    point = g.postcode_point("54042")
    assert point is not None
    assert haversine_m(point[0], point[1], 48.69, 6.18) < 3000
    info = g.postcode("54042")
    assert info is not None and info.is_cedex
    assert [c.insee for c in g.communes_for_postcode("54042")] == ["54395"]
    assert g.postcode_matches_insee("54042", "54395")
    place = g.resolve("54042")
    assert place is not None and place.label == "Nancy CEDEX (54042)"


def test_postcode_matches_insee(g: Gazetteer) -> None:
    assert g.postcode_matches_insee("69003", "69123")  # Lyon vs 3e arrondissement's code
    assert g.postcode_matches_insee("69003", "69383")
    assert not g.postcode_matches_insee("69003", "75056")
    assert not g.postcode_matches_insee("69003", "69381")  # another arrondissement
    assert g.postcode_matches_insee("75116", "75056")
    assert g.postcode_matches_insee("13001", "13055")
    assert g.postcode_matches_insee("54000", "54395")
    assert not g.postcode_matches_insee("54500", "54395")
    assert not g.postcode_matches_insee("99999", "54395")
    # a commune déléguée (Équeurdreville-Hainneville) with its commune nouvelle's code
    assert g.postcode_matches_insee("50120", "50173")
    assert g.postcode_matches_insee("50100", "50173")
    # overseas: Saint-Barthélemy's postcode starts with 971 but its département is 977
    assert g.postcode_matches_insee("97133", "97701")
    assert g.departement_of_postcode("97133") == "977"


def test_communes_for_postcode(g: Gazetteer) -> None:
    lyon3 = g.communes_for_postcode("69003")
    assert [c.insee for c in lyon3] == ["69383", "69123"]
    assert lyon3[0].kind == "arrondissement" and lyon3[0].parent == "69123"
    shared = g.communes_for_postcode("01400")
    assert len(shared) > 3
    pops = [c.population or 0 for c in shared]
    assert pops == sorted(pops, reverse=True)
    assert g.communes_for_postcode("99999") == []


def test_overseas(g: Gazetteer) -> None:
    assert g.is_known_postcode("98800")
    place = g.resolve("98800")
    assert place is not None and place.insee == "98818"
    assert place.lat < -20 and place.departement == "988"
    noumea = g.resolve("Nouméa")
    assert noumea is not None and noumea.insee == "98818" and noumea.lat < -20
    reunion = g.resolve("97400")
    assert reunion is not None and reunion.insee == "97411"
    assert "Saint-Denis" in reunion.label
    assert near(reunion, -20.88, 55.45, km=5)
    assert reunion.departement == "974"
    commune = g.commune("98818")
    assert commune is not None and commune.departement == "988"


def test_corsica(g: Gazetteer) -> None:
    assert g.departement_of_postcode("20000") == "2A"
    assert g.departement_of_postcode("20200") == "2B"
    place = g.resolve("20000")
    assert place is not None and place.insee == "2A004" and place.departement == "2A"


def test_departement_of_postcode_rules(g: Gazetteer) -> None:
    assert g.departement_of_postcode("54000") == "54"
    assert g.departement_of_postcode("75019") == "75"
    assert g.departement_of_postcode("98000") is None  # Monaco
    assert g.departement_of_postcode("nope") is None
    assert g.departement_of_postcode("971") is None


# -------------------------------------------------------------------- commune
def test_commune_records(g: Gazetteer) -> None:
    lyon = g.commune("69123")
    assert lyon is not None
    assert lyon.kind == "commune" and lyon.departement == "69" and lyon.region == "84"
    assert lyon.epci == "200046977"  # Métropole de Lyon
    assert lyon.population and lyon.population > 400_000
    assert "69003" in lyon.postcodes
    arr = g.commune("69383")
    assert arr is not None and arr.kind == "arrondissement" and arr.parent == "69123"
    assert arr.epci == lyon.epci
    delegated = g.commune("50173")
    assert delegated is not None and delegated.kind == "deleguee" and delegated.parent == "50129"
    assert g.commune("00000") is None


def test_every_metropolitan_commune_has_a_point(g: Gazetteer) -> None:
    missing = [
        r[0] for r in g._rows if r[2] in ("actuelle", "arrondissement") and not r[9] and not r[4].startswith("9")
    ]
    assert missing == []


# ------------------------------------------------------------------ geometry
def test_nearest_commune(g: Gazetteer) -> None:
    reims = g.nearest_commune(49.258, 4.031)
    assert reims is not None and reims.insee == "51454"
    aix = g.nearest_commune(43.52609, 5.41423)
    assert aix is not None and aix.departement == "13"
    lyon = g.nearest_commune(45.7612, 4.8518)
    assert lyon is not None and lyon.insee == "69383"  # arrondissements, not the city
    far = g.nearest_commune(0.0, -30.0)  # mid-Atlantic: falls back to a full scan
    assert far is not None


def test_nearest_commune_matches_brute_force(g: Gazetteer) -> None:
    import random

    rng = random.Random(7)
    points = [(r, float(r[9]), float(r[10])) for r in g._rows if r[2] == "actuelle" and r[9]]
    for _ in range(40):
        lat, lon = rng.uniform(42.3, 51.0), rng.uniform(-4.7, 8.2)
        got = g.nearest_commune(lat, lon)
        assert got is not None
        best = min(points, key=lambda p: haversine_m(lat, lon, p[1], p[2]))
        d_got = haversine_m(lat, lon, got.lat, got.lon)  # type: ignore[arg-type]
        assert d_got <= haversine_m(lat, lon, best[1], best[2]) + 1e-6


def test_nearest_commune_answers_across_the_mainland(g: Gazetteer) -> None:
    start = time.perf_counter()
    found = [g.nearest_commune(43.0 + (i % 80) * 0.1, -1.0 + (i % 90) * 0.1) for i in range(1000)]
    per_call = (time.perf_counter() - start) / 1000
    print(f"\nnearest_commune(): {per_call * 1e6:.0f} µs per call")  # a figure, not a check
    assert all(commune is not None for commune in found)


def test_distance_to_commune(g: Gazetteer) -> None:
    d = g.distance_to_commune_km("54395", 48.6921, 6.1844)  # place Stanislas
    assert d is not None and d < 3
    far = g.distance_to_commune_km("54395", 45.76, 4.85)
    assert far is not None and 300 < far < 500
    assert g.distance_to_commune_km("00000", 48.0, 2.0) is None


# -------------------------------------------------------------------- suggest
def test_suggest_names(g: Gazetteer) -> None:
    labels = [p.label for p in g.suggest("nan")]
    assert labels[:2] == ["Nantes (44000)", "Nancy (54000)"]
    assert all(fold(label).startswith("nan") for label in labels)
    stet = [p.insee for p in g.suggest("st eti", limit=3)]
    assert stet[0] == "42218"
    assert g.suggest("lyon 3")[0].insee == "69383"
    assert g.suggest("zzzzqx") == []
    assert len(g.suggest("s", limit=4)) == 4


def test_suggest_postcodes(g: Gazetteer) -> None:
    places = g.suggest("690")
    codes = [p.postcode for p in places]
    assert codes[:9] == [f"6900{i}" for i in range(1, 10)]
    assert all(p.kind == "postcode" for p in places)
    assert "Lyon" in places[0].label


def test_suggest_name_with_departement(g: Gazetteer) -> None:
    places = g.suggest("saint denis 93")
    assert places and places[0].insee == "93066"


def test_suggest_answers_from_its_cache(g: Gazetteer) -> None:
    queries = ["nan", "par", "saint", "lyo", "mar", "690", "54", "vand", "bor", "tou"]
    for q in queries:  # warm the small per-prefix cache
        g.suggest(q)
    start = time.perf_counter()
    for _ in range(20):
        for q in queries:
            g.suggest(q)
    per_call = (time.perf_counter() - start) / (20 * len(queries))
    print(f"\nsuggest(): {per_call * 1e6:.0f} µs per call")  # a figure, not a check
    assert all(g.suggest(q) for q in queries)


def test_intercommunalities_and_arrondissements_are_listed(places):
    metropole = places.communes_of_epci("200046977")  # Métropole de Lyon
    assert "69123" in metropole and "69383" in metropole and len(metropole) > 50
    assert places.communes_of_epci("000000000") == ()
    assert places.arrondissements_of("13055") == tuple(f"132{n:02d}" for n in range(1, 17))
    assert places.arrondissements_of("54395") == ()


def test_communes_named_checks_a_records_commune(g):
    """The whole name, never a prefix: déléguées included, CEDEX and Saint/St aside, an article in or out."""
    assert [c.insee for c in g.communes_named("ST ANDIOL", {"13"})] == ["13089"]
    assert [c.insee for c in g.communes_named("LYON CEDEX 07")] == ["69123"]
    assert [c.insee for c in g.communes_named("Lyon 7e")] == ["69387"]
    assert [(c.insee, c.kind, c.parent) for c in g.communes_named("Pringy", {"74"})] == [("74217", "deleguee", "74010")]
    assert [c.insee for c in g.communes_named("Mont-Dore", {"988", "63"})] == ["63236", "98817"]
    assert g.communes_named("Saint", {"13"}) == [] and g.communes_named("") == []
