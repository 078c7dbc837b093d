# SPDX-License-Identifier: Apache-2.0
"""The embedded index: its planner, its statements, its writes and its sync with the store."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from directory.harvest import file_source, import_file
from directory.schema import Service
from directory.search import Fts5Index, SearchQuery, open_index, rebuild, sync
from directory.store import open_store

from ..conftest import FIXTURES
from .conftest import doc

LYON = (45.7640, 4.8357)
DEMARCHES = Service.DEMARCHES.code

QUERIES = [
    dict(text="mediatheque", lat=LYON[0], lon=LYON[1]),
    dict(text="centre soc", lat=LYON[0], lon=LYON[1], radius_km=50, per_page=50),
    dict(text="caf", lat=48.88, lon=2.38, filters={"services": [DEMARCHES]}),
    dict(lat=LYON[0], lon=LYON[1], filters={"frais_a_charge": ["gratuit"]}, departement="69", per_page=40),
    dict(text="numerique", lat=45.9, lon=6.1, radius_km=20, open_at=datetime(2026, 3, 3, 10, 30), per_page=100),
    dict(text="mediatheque", lat=LYON[0], lon=LYON[1], sort="relevance", per_page=30),
    dict(text="espace", filters={"services": [DEMARCHES]}, departement="74", facets=["typologie"]),
]


@pytest.mark.parametrize("params", QUERIES, ids=lambda p: p.get("text", "") or "no text")
def test_strategy_never_changes_the_answer(embedded_demo: Fts5Index, params):
    q = SearchQuery(**params)  # type: ignore[arg-type]
    planned = embedded_demo.query(q)
    assert planned.hits
    for strategy in ("text", "filter", "area"):
        forced = Fts5Index(embedded_demo.path, force_strategy=strategy)
        try:
            result = forced.query(q)
        finally:
            forced.close()
        if planned.total_exact and result.total_exact:
            assert result.total == planned.total, strategy
            assert result.facets == planned.facets, strategy
        assert [h.venue_id for h in result.hits] == [h.venue_id for h in planned.hits], strategy
        assert [round(h.score, 9) for h in result.hits] == [round(h.score, 9) for h in planned.hits], strategy


def test_rare_words_drive_from_text_frequent_ones_from_the_area(embedded_demo: Fts5Index):
    assert embedded_demo.plan(SearchQuery(text="vandoeuvre", lat=48.69, lon=6.18)).strategy == "text"
    assert embedded_demo.plan(SearchQuery(text="numerique", lat=48.69, lon=6.18)).strategy == "area"
    assert embedded_demo.plan(SearchQuery(text="numerique")).strategy == "text"
    assert embedded_demo.plan(SearchQuery(text="zzzzzz", lat=48.69, lon=6.18)).strategy == "none"
    assert (
        embedded_demo.plan(SearchQuery(code_insee="54547", text="numerique", lat=48.69, lon=6.18)).strategy == "filter"
    )
    # Without a point, only the text index can rank every match (bm25): it drives whatever the filters.
    assert embedded_demo.plan(SearchQuery(code_insee="54547", text="numerique")).strategy == "text"


def test_frequent_words_without_a_point_are_capped(embedded_demo: Fts5Index):
    result = embedded_demo.query(SearchQuery(text="numerique"))
    assert result.total == 2000 and not result.total_exact
    near = embedded_demo.query(SearchQuery(text="numerique", lat=LYON[0], lon=LYON[1]))
    assert near.strategy == "area" and not near.total_exact and len(near.hits) == 20


def test_explain_shows_the_statements(embedded_demo: Fts5Index):
    rare = embedded_demo.explain(SearchQuery(text="vandoeuvre", lat=48.69, lon=6.18))
    assert "strategy: text" in rare and "doc_fts MATCH ?" in rare and '"vandoeuvre"' in rare
    frequent = embedded_demo.explain(SearchQuery(text="numérique", lat=48.69, lon=6.18))
    assert "strategy: area" in frequent and "FROM doc_rtree r" in frequent and "instr(x.fbody, ?)" in frequent
    statements = embedded_demo.statements(SearchQuery(text="numérique", lat=48.69, lon=6.18))
    assert statements and all(st.sql.count("?") == len(st.params) for st in statements)


def test_upsert_is_idempotent_and_replaces(embedded: Fts5Index):
    assert embedded.upsert([doc("l1", "Médiathèque Jules Verne"), doc("l1", "Médiathèque Jules Verne")]) == 2
    embedded.upsert([doc("l1", "Médiathèque Jules Verne")])
    assert embedded.count() == 1
    embedded.upsert([doc("l1", "Espace Louise Michel", services=[Service.DEMARCHES])])
    assert embedded.query(SearchQuery(text="verne")).total == 0
    assert embedded.query(SearchQuery(text="louise", filters={"services": [DEMARCHES]})).ids == ["l1"]
    assert embedded.query(SearchQuery(text="louize")).ids == ["l1"]  # the new word is in the vocabulary
    embedded.delete(["l1", "absent"])
    assert embedded.count() == 0 and embedded.query(SearchQuery(text="louise")).total == 0


def test_another_connection_sees_the_writes(embedded: Fts5Index):
    reader = Fts5Index(embedded.path)
    try:
        assert reader.query(SearchQuery(text="genealogie")).total == 0
        embedded.upsert([doc("l2", "Cercle de généalogie")])
        assert reader.query(SearchQuery(text="genealogei")).ids == ["l2"]
    finally:
        reader.close()


def test_clear_and_sync_position(embedded: Fts5Index):
    embedded.upsert([doc("l1", "Mairie")])
    embedded.set_last_change(42)
    assert embedded.last_change() == 42
    embedded.clear()
    assert embedded.count() == 0 and embedded.last_change() is None


def test_open_index_follows_the_settings(tmp_path: Path):
    class Settings:
        data_dir = tmp_path
        meili_url = ""
        meili_key = ""

    index = open_index(Settings())
    try:
        assert isinstance(index, Fts5Index) and index.path == tmp_path / "search.db"
    finally:
        index.close()


def _subset(tmp_path: Path, rows: int, rename: dict[str, str] | None = None) -> Path:
    source = (FIXTURES / "demo" / "hinaura-2021.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(source))
    out = io.StringIO()
    writer = csv.DictWriter(out, reader.fieldnames or [], quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writeheader()
    for i, row in enumerate(reader):
        if i == rows:
            break
        row["nom"] = (rename or {}).get(row["id"], row["nom"])
        writer.writerow(row)
    path = tmp_path / "hinaura-subset.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_sync_follows_the_store(tmp_path: Path, places):
    store = open_store(f"sqlite:///{tmp_path / 'directory.db'}", upgrade=True)
    index = Fts5Index(tmp_path / "search.db")
    try:
        import_file(store, _subset(tmp_path, 30), places=places)
        assert sync(index, store) == 30  # no position yet: a rebuild
        assert index.count() == store.count_venues() == 30
        assert sync(index, store) == 0

        import_file(store, _subset(tmp_path, 30, rename={"hinaura-0": "Maison Zéphyrine"}), places=places)
        assert sync(index, store) == 1
        assert len(index.query(SearchQuery(text="zephyrine")).hits) == 1

        path = _subset(tmp_path, 30)
        with store.writer() as w:
            withdrawn = w.withdraw_missing(file_source(path).id, {"hinaura-4"}, datetime.now(UTC))
        assert len(withdrawn) == 29
        assert sync(index, store) == 29
        assert index.count() == store.count_venues() == 1
        assert rebuild(index, store) == 1
    finally:
        index.close()
        store.close()


def test_a_common_word_ranks_its_best_venue_first_across_the_country(embedded: Fts5Index):
    """More matches than the candidate cap: the best one, written last, still comes first."""
    crowd = [
        doc(
            f"c{i:04d}",
            f"Espace {i}",
            presentation_resume="Accueil des habitants et accompagnement au numérique, "
            "ateliers, démarches en ligne, impression et prêt de matériel pour tous les publics du quartier.",
        )
        for i in range(2_300)
    ]
    best = doc("zbest", "Numérique pour tous", presentation_resume="Numérique, numérique et encore numérique.")
    embedded.upsert([*crowd, best])
    result = embedded.query(SearchQuery(text="numérique"))
    assert result.hits[0].venue_id == "zbest"
    assert result.total == 2_000 and not result.total_exact and result.strategy == "text"
    # Among equal scores, bm25 prefers the shorter text: a page never depends on insertion order.
    short = doc("zshort", "Espace court", presentation_resume="Accompagnement au numérique.")
    embedded.upsert([short])
    assert embedded.query(SearchQuery(text="numérique")).ids[:2] == ["zbest", "zshort"]


def test_threads_read_side_by_side_and_see_every_write(embedded: Fts5Index):
    """Each query holds its own connection: threads get the answers a lone reader gets,
    and a write through one connection is seen by the next query of every other."""
    from concurrent.futures import ThreadPoolExecutor

    embedded.upsert([doc(f"l{i}", f"Médiathèque {i}", latitude=48.69 + i / 1000) for i in range(50)])
    q = SearchQuery(text="mediatheque", lat=48.69, lon=6.18, facets=["services"])
    alone = embedded.query(q)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _i: embedded.query(q), range(64)))
    assert all(a.ids == alone.ids and a.total == alone.total for a in answers)
    assert len(embedded._pool._all) > 1  # several connections were open at once

    other = Fts5Index(embedded.path)  # another worker's index on the same file
    try:
        assert other.query(SearchQuery(text="ludotheque")).total == 0
        with ThreadPoolExecutor(1) as pool:  # written from a thread of its own, as the back office does
            pool.submit(embedded.upsert, [doc("new", "Ludothèque Zéphyrine")]).result()
        assert other.query(SearchQuery(text="ludotheque")).ids == ["new"]
        assert other.query(SearchQuery(text="zephyrin")).ids == ["new"]  # its counts were reloaded: a prefix known
    finally:
        other.close()
