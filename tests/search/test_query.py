# SPDX-License-Identifier: Apache-2.0
"""``SearchQuery`` validates itself: bad input is an ``InvalidQuery`` naming each field, in French."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from directory.errors import InvalidQuery
from directory.search import CANDIDATE_CAP, MAP_CAP, MAX_PER_PAGE, SearchQuery


def problems(**params: object) -> dict[str, str]:
    with pytest.raises(InvalidQuery) as caught:
        SearchQuery(**params)  # type: ignore[arg-type]
    assert caught.value.status == 400
    return {e.field: e.message for e in caught.value.errors}


def test_unknown_filter_code_names_the_field():
    found = problems(filters={"services": ["aide-aux-demarches-administratives", "coiffure"]})
    assert list(found) == ["services"]
    assert "coiffure" in found["services"] and "Services" in found["services"]


def test_unknown_filter_field_and_facet():
    assert "couleur" in problems(filters={"couleur": ["rouge"]})
    assert "facets" in problems(facets=["couleur"])


def test_labels_and_aliases_become_codes():
    q = SearchQuery(
        filters={"services": ["Aide aux démarches administratives"], "dispositif_programmes_nationaux": "CNFS"}
    )
    assert q.filters == {
        "services": ("aide-aux-demarches-administratives",),
        "dispositif_programmes_nationaux": ("conseillers-numeriques",),
    }


def test_point_and_radius():
    assert "lat" in problems(lat=91.0, lon=2.0)
    assert "lon" in problems(lat=45.0, lon=-181.0)
    assert "lon" in problems(lat=45.0)
    assert "radius_km" in problems(radius_km=5)
    assert "radius_km" in problems(lat=45.0, lon=4.0, radius_km=0)
    assert "sort" in problems(sort="distance")
    assert "sort" in problems(lat=45.0, lon=4.0, sort="alphabet")


def test_pages():
    assert "per_page" in problems(per_page=MAX_PER_PAGE + 1)
    assert "per_page" in problems(per_page=0)
    assert "page" in problems(page=0)
    found = problems(page=CANDIDATE_CAP // 20 + 1, per_page=20)
    assert "précisez" in found["page"]
    assert SearchQuery(page=CANDIDATE_CAP // 20, per_page=20).offset == CANDIDATE_CAP - 20


def test_a_map_asks_for_everything_up_to_its_cap():
    assert SearchQuery(per_page=MAP_CAP, cap=MAP_CAP).wanted == MAP_CAP
    assert "per_page" in problems(per_page=MAP_CAP - 1, cap=MAP_CAP)  # all at once, or pages of 100
    assert "cap" in problems(cap=MAP_CAP + 1)
    assert "cap" in problems(cap=10)


def test_territory_and_hours():
    assert "departement" in problems(departement="6")
    assert "code_insee" in problems(code_insee="6938")
    assert "code_postal" in problems(code_postal="690")
    assert "open_day" in problems(open_day=7)
    assert "open_day" in problems(open_day=1, open_at=datetime(2026, 3, 3, 10))
    assert SearchQuery(departement="2a").departement == "2A"
    aware = SearchQuery(open_at=datetime(2026, 3, 3, 10, 30, tzinfo=UTC))
    assert aware.open_at == datetime(2026, 3, 3, 10, 30)


def test_every_problem_at_once_and_text_is_normalised():
    assert set(problems(lat=100.0, lon=2.0, per_page=500, filters={"services": ["x"]})) == {
        "lat",
        "per_page",
        "services",
    }
    assert SearchQuery(text="  centre   social ").text == "centre social"
    assert "text" in problems(text="a" * 201)


def test_default_sort():
    assert SearchQuery(lat=45.0, lon=4.0).effective_sort == "distance"
    assert SearchQuery(text="caf").effective_sort == "relevance"
    assert SearchQuery(text="caf", lat=45.0, lon=4.0, sort="relevance").effective_sort == "relevance"
