# SPDX-License-Identifier: Apache-2.0
"""The parity suite: every available backend, the same answers, checked by brute force
over the demo store (~3,400 real venues)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from directory.schema import Frais, HoursError, OpeningHours, PriseEnCharge, Public, Service, haversine_m
from directory.schema.derived import derived_terms
from directory.search import CANDIDATE_CAP, Hit, SearchIndex, SearchQuery, SearchResult
from directory.search.base import departement_of
from directory.store import Store, VenueFilter

from .conftest import DemoVenue, doc, words_of

LYON = (45.7640, 4.8357)
DEMARCHES = Service.DEMARCHES.code


def run(index: SearchIndex, **params: object) -> SearchResult:
    return index.query(SearchQuery(**params))  # type: ignore[arg-type]


def every_hit(index: SearchIndex, **params: object) -> list[Hit]:
    """All hits of a query, page after page (within the candidate cap)."""
    hits: list[Hit] = []
    page = 1
    while page * 100 <= CANDIDATE_CAP:
        result = run(index, **params, page=page, per_page=100)
        hits.extend(result.hits)
        if len(result.hits) < 100:
            break
        page += 1
    return hits


def ids(index: SearchIndex, **params: object) -> set[str]:
    return {h.venue_id for h in every_hit(index, **params)}


def with_word(venues: list[DemoVenue], word: str) -> set[str]:
    return {v.id for v in venues if f" {word} " in v.text}


# -- text -------------------------------------------------------------------------


def test_folding_finds_oe_ae_and_accents(index, demo_venues):
    coeur = {v.id for v in demo_venues if "cœur" in v.venue.nom.lower()}
    oeil = {v.id for v in demo_venues if "œil" in v.venue.nom.lower()}
    mediatheques = {v.id for v in demo_venues if "médiathèque" in v.venue.nom.lower()}
    assert coeur and oeil and mediatheques
    assert coeur <= ids(index, text="coeur")
    assert oeil <= ids(index, text="oeil")
    assert mediatheques <= ids(index, text="mediatheque")
    assert ids(index, text="Médiathèque") == ids(index, text="mediatheque") == ids(index, text="MÉDIATHÈQUE")


def test_vandoeuvre_finds_vandœuvre(blank):
    blank.upsert([doc("lvand", "Espace numérique", commune="Vandœuvre-lès-Nancy"), doc("lother", "Espace numérique")])
    assert [h.venue_id for h in run(blank, text="vandoeuvre").hits] == ["lvand"]
    assert [h.venue_id for h in run(blank, text="Vandœuvre-lès-Nancy").hits] == ["lvand"]


def test_prefix_of_the_last_word(index, demo_venues):
    found = every_hit(index, text="médiath")
    assert with_word(demo_venues, "mediatheque") <= {h.venue_id for h in found}
    by_id = {v.id: v for v in demo_venues}
    assert all(" mediath" in by_id[h.venue_id].text for h in found)


def test_one_typo_from_five_letters_two_from_nine(index, demo_venues):
    assert with_word(demo_venues, "mediatheque") <= ids(index, text="mediatheqe")  # 10 letters, 1 typo
    assert with_word(demo_venues, "mairie") <= ids(index, text="mairje")  # 6 letters, 1 typo
    transposed = run(index, text="numerqiue", per_page=20)  # 9 letters, 2 typos
    assert transposed.total >= min(len(with_word(demo_venues, "numerique")), CANDIDATE_CAP)
    by_id = {v.id: v for v in demo_venues}
    assert all(" numerique " in by_id[h.venue_id].text for h in transposed.hits)


def test_no_typo_in_short_words(index):
    assert run(index, text="cqf").total == 0  # 3 letters: "caf" is not offered


def test_plurals_and_word_forms_find_the_same_places(index, demo_venues):
    ateliers = with_word(demo_venues, "atelier") | with_word(demo_venues, "ateliers")
    assert with_word(demo_venues, "atelier") and with_word(demo_venues, "ateliers")
    assert ids(index, text="ateliers") == ateliers
    assert ids(index, text="tablettes") == ids(index, text="tablette") != set()
    assert ids(index, text="démarche") == ids(index, text="démarches") != set()
    mediatheques = with_word(demo_venues, "mediatheque") | with_word(demo_venues, "mediatheques")
    assert ids(index, text="médiathèques") == mediatheques


def test_one_typo_in_a_word_people_type_often(index):
    """« smarphone », « tablete », « wfii »: words of the synonym table are found despite a typo
    (from four letters, two swapped letters counting as one), with their synonyms, even when no
    venue's text holds the word itself."""
    smartphone = ids(index, text="smartphone")
    assert smartphone and ids(index, text="smarphone") == smartphone
    assert ids(index, text="tablete") == ids(index, text="tablette")
    assert ids(index, text="ordinateurs") == ids(index, text="ordinateur")
    assert ids(index, text="wfii") == ids(index, text="wifi") != set()  # four letters, two swapped
    assert ids(index, text="tbalette") == ids(index, text="tablette")


def test_synonyms_of_needs(index, demo_venues):
    offering = {v.id for v in demo_venues if Service.DEMARCHES in v.venue.services}
    named_caf = {v.id for v in demo_venues if " caf " in words_of(v.venue.nom)}
    assert offering and named_caf
    caf = ids(index, text="caf")
    assert offering <= caf and named_caf <= caf
    assert offering <= ids(index, text="impôts")
    assert offering <= ids(index, text="démarches")


def test_every_word_must_match(index, demo_venues):
    both = {v.id for v in demo_venues if (" centre " in v.text or " centres " in v.text) and " soc" in v.text}
    assert ids(index, text="centre soc") == both


# -- filters and facets --------------------------------------------------------------


def test_filters_and_facets_match_a_brute_force_count(index, demo_venues):
    facets = ["services", "frais_a_charge", "publics_specifiquement_adresses"]
    q = dict(departement="69", filters={"services": [DEMARCHES]}, facets=facets)
    result = run(index, **q, per_page=100)
    expected = [
        v
        for v in demo_venues
        if departement_of(v.venue.code_insee, v.venue.code_postal) == "69" and Service.DEMARCHES in v.venue.services
    ]
    assert expected and result.total == len(expected) and result.total_exact
    assert ids(index, **q) == {v.id for v in expected}
    for name in facets:
        counts = Counter(code for v in expected for code in v.codes[name])
        assert result.facets[name] == dict(counts), name


def test_codes_of_one_field_or_together_fields_and_together(index, demo_venues):
    filters = {
        "frais_a_charge": [Frais.GRATUIT.code, Frais.PAYANT.code],
        "publics_specifiquement_adresses": [Public.SENIORS.code],
    }
    expected = {
        v.id
        for v in demo_venues
        if v.codes["frais_a_charge"] & {"gratuit", "payant"} and "seniors" in v.codes["publics_specifiquement_adresses"]
    }
    assert expected
    assert ids(index, filters=filters) == expected


def test_facets_around_a_point_match_a_brute_force_count(index, demo_venues):
    result = run(index, lat=LYON[0], lon=LYON[1], radius_km=15, facets=["typologie", "services"], per_page=10)
    inside = [v for v in demo_venues if v.venue.point and haversine_m(*LYON, *v.venue.point) <= 15_000]
    assert result.total == len(inside) and result.total_exact
    for name in ("typologie", "services"):
        assert result.facets[name] == dict(Counter(c for v in inside for c in v.codes[name]))


# -- distance ---------------------------------------------------------------------------


def test_distance_sort_agrees_with_haversine_and_the_store(index, demo_venues, demo_store: Store):
    result = run(index, lat=LYON[0], lon=LYON[1], per_page=50)
    by_id = {v.id: v for v in demo_venues}
    distances = [h.distance_m for h in result.hits]
    assert distances == sorted(distances)
    for hit in result.hits:
        assert hit.distance_m == pytest.approx(haversine_m(*LYON, *by_id[hit.venue_id].venue.point), abs=0.01)
    brute = sorted((haversine_m(*LYON, *v.venue.point), v.id) for v in demo_venues if v.venue.point)[:50]
    assert [h.venue_id for h in result.hits] == [i for _d, i in brute]
    assert [h.venue_id for h in result.hits] == [n.venue.id for n in demo_store.nearest(*LYON, limit=50)]


def test_radius(index, demo_venues):
    inside = {v.id for v in demo_venues if v.venue.point and haversine_m(*LYON, *v.venue.point) <= 10_000}
    result = run(index, lat=LYON[0], lon=LYON[1], radius_km=10, per_page=100)
    assert result.total == len(inside) and result.total_exact
    assert ids(index, lat=LYON[0], lon=LYON[1], radius_km=10) == inside
    assert all(h.distance_m <= 10_000 for h in result.hits)


def test_text_within_a_radius(index, demo_venues):
    found = every_hit(index, text="mediatheque", lat=LYON[0], lon=LYON[1], radius_km=40)
    expected = {
        v.id
        for v in demo_venues
        if " mediatheque" in v.text and v.venue.point and haversine_m(*LYON, *v.venue.point) <= 40_000
    }
    assert expected and {h.venue_id for h in found} == expected


def test_75019_and_demarches_near_first(index, demo_venues, demo_store: Store, places):
    place = places.resolve("75019")
    result = run(index, text="démarches", lat=place.lat, lon=place.lon, per_page=20)
    assert result.hits and [h.distance_m for h in result.hits] == sorted(h.distance_m for h in result.hits)
    by_id = {v.id: v for v in demo_venues}
    group = (" demarche", " papiers ", " administratif ", " administratives ")
    for hit in result.hits:
        v = by_id[hit.venue_id]
        assert Service.DEMARCHES in v.venue.services or any(w in v.text for w in group), v.venue.nom
    # every venue offering the service nearer than the last hit is among the hits
    last = result.hits[-1].distance_m
    offering = {
        v.id
        for v in demo_venues
        if Service.DEMARCHES in v.venue.services
        and v.venue.point
        and haversine_m(place.lat, place.lon, *v.venue.point) < last
    }
    assert offering and offering <= {h.venue_id for h in result.hits}
    # the service as a filter gives the store's own answer
    filtered = run(index, lat=place.lat, lon=place.lon, filters={"services": [DEMARCHES]}, per_page=20)
    nearest = demo_store.nearest(place.lat, place.lon, limit=20, filter=VenueFilter(terms={"services": [DEMARCHES]}))
    assert [h.venue_id for h in filtered.hits] == [n.venue.id for n in nearest]


# -- opening hours -------------------------------------------------------------------------


def _open_at(text: str | None, at: datetime) -> bool:
    try:
        return bool(text) and OpeningHours(text).state(at).is_open  # type: ignore[arg-type]
    except HoursError:
        return False


def test_open_now(index, demo_venues):
    at = datetime(2026, 3, 3, 10, 30)  # a Tuesday morning, no public holiday
    near = [v for v in demo_venues if v.venue.point and haversine_m(*LYON, *v.venue.point) <= 30_000]
    expected = {v.id for v in near if _open_at(v.venue.horaires, at)}
    closed = {v.id for v in near} - expected
    assert expected and closed
    result = run(index, lat=LYON[0], lon=LYON[1], radius_km=30, open_at=at, per_page=100)
    assert result.total == len(expected)
    assert ids(index, lat=LYON[0], lon=LYON[1], radius_km=30, open_at=at) == expected


def test_open_on_a_day(index, demo_venues):
    monday = date(2026, 3, 2)
    sunday = datetime(2026, 3, 8)
    near = [v for v in demo_venues if v.venue.point and haversine_m(*LYON, *v.venue.point) <= 30_000]
    expected = set()
    for v in near:
        try:
            if v.venue.horaires and OpeningHours(v.venue.horaires).intervals(sunday, sunday + timedelta(days=1)):
                expected.add(v.id)
        except HoursError:
            pass
    assert ids(index, lat=LYON[0], lon=LYON[1], radius_km=30, open_day=6, today=monday) == expected


def test_weekend_and_evening_filters_and_their_counts(index, demo_venues):
    today = date.today()  # the day the index read the hours (``rebuild``)
    derived = {v.id: derived_terms(v.venue, today).get("creneaux", ()) for v in demo_venues}
    weekend = {i for i, codes in derived.items() if "week-end" in codes}
    evening = {i for i, codes in derived.items() if "soiree" in codes}
    assert weekend and evening and weekend != evening
    assert ids(index, filters={"creneaux": ["week-end"]}) == weekend
    assert ids(index, filters={"creneaux": ["soiree"]}) == evening
    assert ids(index, filters={"creneaux": ["week-end", "soiree"]}) == weekend | evening  # codes of a field: or
    in_74 = {v.id for v in demo_venues if departement_of(v.venue.code_insee, v.venue.code_postal) == "74"}
    result = run(index, departement="74", facets=["creneaux"], per_page=10)
    assert result.facets["creneaux"] == {
        code: n for code, n in (("week-end", len(weekend & in_74)), ("soiree", len(evening & in_74))) if n
    }


def test_wheelchair_filter_reads_handicaps_moteurs(blank):
    moteurs = [PriseEnCharge.HANDICAPS_MOTEURS]
    blank.upsert(
        [
            doc("lwheel", "Espace accessible", prise_en_charge_specifique=moteurs, horaires="Sa 10:00-12:00"),
            doc("lsurd", "Espace langue des signes", prise_en_charge_specifique=[PriseEnCharge.SURDITE]),
            doc("lnone", "Espace du soir", horaires="Mo-Fr 14:00-20:00"),
        ]
    )
    wheelchair = run(blank, filters={"accessibilite": ["fauteuil-roulant"]}, facets=["accessibilite", "creneaux"])
    assert wheelchair.ids == ["lwheel"]
    assert wheelchair.facets == {"accessibilite": {"fauteuil-roulant": 1}, "creneaux": {"week-end": 1}}
    assert run(blank, filters={"accessibilite": ["Accessible en fauteuil roulant"]}).ids == ["lwheel"]
    assert run(blank, filters={"creneaux": ["soiree"]}).ids == ["lnone"]


# -- pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [dict(lat=LYON[0], lon=LYON[1]), dict(text="mediatheque"), dict(departement="74")])
def test_pages_are_stable(index, params):
    whole = run(index, **params, per_page=30).hits
    pages = [h for page in (1, 2, 3) for h in run(index, **params, page=page, per_page=10).hits]
    assert [h.venue_id for h in pages] == [h.venue_id for h in whole]
    assert len({h.venue_id for h in whole}) == len(whole) == 30


def test_rebuilt_from_the_store(index, demo_store: Store):
    assert index.count() == demo_store.count_venues() > 3_000
    assert index.last_change() is not None


# -- map ----------------------------------------------------------------------------


def test_map_hits_hold_every_result_beyond_the_candidate_cap(index, demo_venues):
    # 3,400 demo venues, no condition: more than the 2,000 a list ranks.
    with_point = {v.id: v.venue.point for v in demo_venues if v.venue.point}
    assert len(with_point) > CANDIDATE_CAP
    hits = index.map_hits(SearchQuery(lat=LYON[0], lon=LYON[1]))
    assert [h.venue_id for h in hits][:20] == run(index, lat=LYON[0], lon=LYON[1]).ids
    assert {h.venue_id for h in hits} == set(with_point)
    assert all((h.lat, h.lon) == pytest.approx(with_point[h.venue_id], abs=1e-6) for h in hits)


def test_map_hits_follow_the_filters_of_the_list(index, demo_venues):
    q = SearchQuery(text="mediatheque", filters={"services": [DEMARCHES]}, departement="69")
    listed = {
        h.venue_id for h in every_hit(index, text="mediatheque", filters={"services": [DEMARCHES]}, departement="69")
    }
    assert listed and {h.venue_id for h in index.map_hits(q)} == listed
