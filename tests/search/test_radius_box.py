# SPDX-License-Identifier: Apache-2.0
"""The radius's box read once (``Plan.reach_count``): a text or filter index yielding matches from
all over the country gives way to the R*Tree of the radius's box, and an area plan that would grow to
the radius replays its growth on those points; the answer must stay the one the plans give alone."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest

from directory.schema import Frais, Service, haversine_m
from directory.search import Fts5Index, IndexDocument, SearchQuery, SearchResult

from .conftest import DemoVenue, doc

LYON = (45.7640, 4.8357)
NANCY = (48.69, 6.18)
SERVICES = (Service.DEMARCHES, Service.OUTILS_QUOTIDIEN, Service.ACCES_INTERNET)
FEES = (Frais.GRATUIT, Frais.PAYANT)


def same_answer(a: SearchResult, b: SearchResult) -> None:
    assert (a.total, a.total_exact, a.facets) == (b.total, b.total_exact, b.facets)
    assert [(h.venue_id, h.distance_m, round(h.score, 9)) for h in a.hits] == [
        (h.venue_id, h.distance_m, round(h.score, 9)) for h in b.hits
    ]


def pure(path: Path, strategy: str, q: SearchQuery) -> SearchResult:
    """``q`` under a forced strategy, which runs it without the radius's box."""
    forced = Fts5Index(path, force_strategy=strategy)
    try:
        return forced.query(q)
    finally:
        forced.close()


DEMO_QUERIES = [
    dict(text="numerique", lat=LYON[0], lon=LYON[1], radius_km=10, per_page=50),
    dict(text="mediatheque", lat=LYON[0], lon=LYON[1], radius_km=20, sort="relevance"),
    dict(text="numerique", lat=48.86, lon=2.35, radius_km=30, filters={"frais_a_charge": ["gratuit"]}),
    dict(lat=LYON[0], lon=LYON[1], radius_km=10, filters={"services": [Service.DEMARCHES.code]}),
]
FACETS = ["services", "frais_a_charge", "publics_specifiquement_adresses"]


@pytest.fixture(params=["sqlite", "narrowed"])
def narrowing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each way to read the radius's box: its points from SQLite, or narrowed in memory first
    (``Fts5Index.crowded_box``: every box counts as crowded)."""
    if request.param == "narrowed":
        monkeypatch.setattr(Fts5Index, "crowded_box", 0)
    return str(request.param)


@pytest.mark.parametrize("params", DEMO_QUERIES, ids=lambda p: p.get("text", "") or "no text")
def test_the_radius_box_gives_what_the_text_and_filter_plans_give(embedded_demo: Fts5Index, params, narrowing):
    q = SearchQuery(**params, facets=FACETS)  # type: ignore[arg-type]
    planned = embedded_demo.query(q)
    assert planned.strategy.endswith(">radius") and planned.hits
    own = embedded_demo.plan(q).strategy
    same_answer(planned, pure(embedded_demo.path, own, q))


def test_the_radius_box_counts_what_a_plain_count_over_the_demo_venues_gives(
    embedded_demo: Fts5Index, demo_venues: list[DemoVenue], narrowing
):
    q = SearchQuery(
        lat=LYON[0], lon=LYON[1], radius_km=10, filters={"services": [Service.DEMARCHES.code]}, facets=FACETS
    )
    result = embedded_demo.query(q)
    assert result.strategy == "filter>radius"
    inside = [
        v
        for v in demo_venues
        if v.venue.point
        and haversine_m(*LYON, *v.venue.point) <= 10_000
        and Service.DEMARCHES.code in v.codes["services"]
    ]
    assert inside and result.total == len(inside) and result.total_exact
    for name in FACETS:
        assert result.facets[name] == dict(Counter(c for v in inside for c in v.codes[name])), name


# -- synthetic rows: a town's venues, and a thousand with the same words and codes far away ---------


def _near(i: int) -> tuple[float, float]:
    """Venue ``i`` of the town, on a spiral out to ~9 km: every distance differs."""
    d_m = 60.0 + 60.0 * i
    angle = i * 2.399963  # the golden angle
    return NANCY[0] + d_m * math.cos(angle) / 111_195, NANCY[1] + d_m * math.sin(angle) / 73_300


def _far(i: int) -> tuple[float, float]:
    return 43.0 + (i % 40) * 0.05, 1.0 + (i // 40) * 0.05


def _synthetic() -> list[IndexDocument]:
    docs = []
    for i in range(150):
        lat, lon = _near(i)
        words = "atelier origami" if i % 3 else "atelier"
        docs.append(
            doc(
                f"n{i:03d}",
                f"Lieu {i}",
                latitude=lat,
                longitude=lon,
                presentation_resume=words,
                services=[SERVICES[i % 3]] + ([SERVICES[(i + 1) % 3]] if i % 4 == 0 else []),
                frais_a_charge=[FEES[i % 2]],
            )
        )
    for i in range(1_000):
        lat, lon = _far(i)
        docs.append(
            doc(
                f"f{i:04d}",
                f"Loin {i}",
                latitude=lat,
                longitude=lon,
                code_postal="31000",
                commune="Toulouse",
                presentation_resume="atelier origami",
                services=list(SERVICES),
                frais_a_charge=[FEES[i % 2]],
            )
        )
    return docs


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Fts5Index, list[IndexDocument]]:
    docs = _synthetic()
    index = Fts5Index(tmp_path_factory.mktemp("radius") / "search.db")
    index.upsert(docs)
    yield index, docs
    index.close()


def test_synthetic_rows_counted_through_the_radius_box_match_a_plain_count(synthetic, narrowing):
    index, docs = synthetic
    q = SearchQuery(
        text="origami",
        lat=NANCY[0],
        lon=NANCY[1],
        radius_km=5,
        filters={"frais_a_charge": [Frais.GRATUIT.code]},
        facets=["services", "frais_a_charge"],
        per_page=100,
    )
    result = index.query(q)
    own = index.plan(q).strategy
    assert result.strategy == f"{own}>radius"
    inside = sorted(
        (haversine_m(*NANCY, d.lat, d.lon), d.id, d)
        for d in docs
        if d.lat is not None
        and d.lon is not None
        and haversine_m(*NANCY, d.lat, d.lon) <= 5_000
        and " origami " in f" {d.body_text} "
        and Frais.GRATUIT.code in d.terms["frais_a_charge"]
    )
    assert 20 < len(inside) < 100
    assert result.total == len(inside) and result.total_exact
    assert [h.venue_id for h in result.hits] == [d_id for _m, d_id, _d in inside]
    for name in ("services", "frais_a_charge"):
        assert result.facets[name] == dict(Counter(c for _m, _i, d in inside for c in d.terms[name])), name
    same_answer(result, pure(index.path, own, q))


@pytest.mark.parametrize("radius_km", [3, 50])
def test_the_area_plan_replayed_on_the_radius_box_stops_where_its_growing_boxes_stop(synthetic, radius_km, narrowing):
    index, _docs = synthetic
    q = SearchQuery(text="atelier", lat=NANCY[0], lon=NANCY[1], radius_km=radius_km, per_page=100)
    replayed = index.query(q)
    assert replayed.strategy == "area" and index.plan(q).reach_count() is not None
    grown = pure(index.path, "area", q)
    same_answer(replayed, grown)
    # Within 3 km the box covers the radius (every match, exact); within 50 km the page is certain
    # before the box reaches the radius, and the total says it is a lower bound.
    assert replayed.total_exact == (radius_km == 3)


def test_the_points_narrowed_in_memory_follow_the_writes(embedded: Fts5Index, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(Fts5Index, "crowded_box", 0)
    embedded.upsert(_synthetic())
    q = SearchQuery(
        lat=NANCY[0], lon=NANCY[1], radius_km=2, filters={"frais_a_charge": [Frais.GRATUIT.code]}, facets=["services"]
    )
    before = embedded.query(q)
    assert embedded.plan(q).reach_count() is not None and before.total_exact
    embedded.upsert([doc("new", "Nouveau lieu", latitude=NANCY[0], longitude=NANCY[1], frais_a_charge=[Frais.GRATUIT])])
    after = embedded.query(q)
    assert after.total == before.total + 1 and after.hits[0].venue_id == "new"
    embedded.delete(["new"])
    assert embedded.query(q).total == before.total
