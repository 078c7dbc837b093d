# SPDX-License-Identifier: Apache-2.0
"""The Meilisearch backend without a server: its settings, the requests it builds, and
how it drives the client (batches, one wait, swap on rebuild). Its answers are
checked by the parity suite when ``MEILI_URL`` is set."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from directory.errors import SearchUnavailable
from directory.schema import PriseEnCharge
from directory.search import MeiliIndex, SearchQuery
from directory.search.base import DOCUMENT_FORMAT
from directory.search.meili import BATCH, MeiliTaskFailed, search_request, settings, to_meili

from .conftest import doc


def test_settings():
    body = settings((1, 15, 2))
    assert body["rankingRules"][0] == "sort"
    assert body["typoTolerance"] == {
        "enabled": True,
        "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
        "disableOnNumbers": True,
    }
    assert {"l", "d", "qu", "de"} <= set(body["stopWords"])
    assert "services" in body["filterableAttributes"] and "_geo" in body["sortableAttributes"]
    assert "aide aux demarches administratives" in body["synonyms"]["caf"]
    assert "disableOnNumbers" not in settings((1, 12, 0))["typoTolerance"]  # older servers refuse it


def test_request_for_text_point_filters():
    q = SearchQuery(
        text="Médiathèque Cœur",
        lat=45.76,
        lon=4.84,
        radius_km=5,
        filters={"services": ["aide-aux-demarches-administratives"], "frais_a_charge": ["gratuit", "payant"]},
        departement="69",
        facets=["services"],
        page=2,
        per_page=10,
    )
    body = search_request(q)
    assert body["q"] == "mediatheque coeur"
    assert body["filter"] == [
        'services IN ["aide-aux-demarches-administratives"]',
        'frais_a_charge IN ["gratuit", "payant"]',
        'departement = "69"',
        "has_geo = true",
        "_geoRadius(45.76, 4.84, 5000.0)",
    ]
    assert body["sort"] == ["_geoPoint(45.76, 4.84):asc", "id:asc"]
    assert (body["page"], body["hitsPerPage"], body["facets"], body["matchingStrategy"]) == (2, 10, ["services"], "all")


def test_request_with_hours_fetches_every_candidate():
    body = search_request(SearchQuery(text="caf", open_at=datetime(2026, 3, 3, 10), facets=["services"]))
    assert (body["page"], body["hitsPerPage"]) == (1, 2000)
    assert "horaires" in body["attributesToRetrieve"] and "services" in body["attributesToRetrieve"]
    assert "facets" not in body and "sort" not in body


def test_document_shape():
    body = to_meili(doc("l1", "Médiathèque", services=[]))
    assert body["_geo"] == {"lat": 48.69, "lng": 6.18} and body["has_geo"] is True
    assert body["services"] == [] and body["name_text"] == "mediatheque"
    assert "_geo" not in to_meili(doc("l2", "Sans point", latitude=None, longitude=None))


def test_word_forms_are_searchable_and_queries_arrive_as_base_forms():
    """Meilisearch has no stemming: each document carries its words' base forms, the query is sent
    as base forms, a typo of a synonym key corrected (the parity suite checks answers with a server)."""
    body = to_meili(doc("l1", "Ateliers tablettes", presentation_resume="Un atelier, des démarches"))
    assert body["forms_text"] == "demarche tablette"  # « atelier » is already a word of the text
    assert "forms_text" in settings()["searchableAttributes"]
    assert search_request(SearchQuery(text="Tablettes smarphone"))["q"] == "tablette smartphone"
    assert "smartphone" in settings()["synonyms"]["tablette"]
    assert "caf" in settings()["synonyms"]["allocation familial"]


# -- a fake client: records calls, answers like the server's JSON ----------------------------


@dataclass
class FakeIndex:
    uid: str
    client: FakeClient
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def update_settings(self, body: dict[str, Any]) -> Any:
        return self.client.task("settingsUpdate", self.uid)

    def add_documents(self, docs: list[dict[str, Any]], primary_key: str | None = None) -> Any:
        assert primary_key == "id"
        self.docs.update({d["id"]: d for d in docs})
        return self.client.task("documentAdditionOrUpdate", self.uid)

    def delete_documents(self, filter: str) -> Any:
        for doc_id in [i for i in self.docs if f'"{i}"' in filter]:
            del self.docs[doc_id]
        return self.client.task("documentDeletion", self.uid)

    def delete_all_documents(self) -> Any:
        self.docs.clear()
        return self.client.task("documentDeletion", self.uid)

    def get_stats(self) -> Any:
        return SimpleNamespace(number_of_documents=len(self.docs))

    def get_document(self, doc_id: str) -> Any:
        from meilisearch.errors import MeilisearchApiError

        if doc_id not in self.docs:
            raise MeilisearchApiError("absent", SimpleNamespace(status_code=404, text='{"code": "document_not_found"}'))
        return SimpleNamespace(**self.docs[doc_id])

    def search(self, text: str, body: dict[str, Any]) -> dict[str, Any]:
        self.client.searches.append((text, body))
        hits = [dict(d, _rankingScore=0.5) for d in sorted(self.docs.values(), key=lambda d: d["id"])]
        return {
            "hits": hits[: body["hitsPerPage"]],
            "totalHits": len(hits),
            "facetDistribution": {"services": {"x": 1}},
        }


@dataclass
class FakeClient:
    indexes: dict[str, FakeIndex] = field(default_factory=dict)
    tasks: list[Any] = field(default_factory=list)
    waited: list[int] = field(default_factory=list)
    searches: list[Any] = field(default_factory=list)
    fail: str | None = None

    def task(self, kind: str, uid: str, status: str = "succeeded", error: dict[str, Any] | None = None) -> Any:
        if self.fail == kind:
            status, error = "failed", {"code": "invalid_document_geo_field"}
        self.tasks.append(SimpleNamespace(uid=len(self.tasks), status=status, error=error, type=kind))
        return SimpleNamespace(task_uid=len(self.tasks) - 1)

    def get_version(self) -> dict[str, str]:
        return {"pkgVersion": "1.12.0"}

    def create_index(self, uid: str, options: dict[str, Any]) -> Any:
        if uid in self.indexes:
            return self.task("indexCreation", uid, "failed", {"code": "index_already_exists"})
        self.indexes[uid] = FakeIndex(uid, self)
        return self.task("indexCreation", uid)

    def index(self, uid: str) -> FakeIndex:
        return self.indexes[uid]

    def delete_index(self, uid: str) -> Any:
        if self.indexes.pop(uid, None) is None:
            return self.task("indexDeletion", uid, "failed", {"code": "index_not_found"})
        return self.task("indexDeletion", uid)

    def swap_indexes(self, pairs: list[dict[str, list[str]]]) -> Any:
        a, b = pairs[0]["indexes"]
        self.indexes[a], self.indexes[b] = self.indexes[b], self.indexes[a]
        self.indexes[a].uid, self.indexes[b].uid = a, b
        return self.task("indexSwap", a)

    def wait_for_task(self, uid: int, timeout_in_ms: int, interval_in_ms: int) -> Any:
        self.waited.append(uid)
        return self.tasks[uid]

    def get_task(self, uid: int) -> Any:
        return self.tasks[uid]


@pytest.fixture
def fake() -> tuple[MeiliIndex, FakeClient]:
    client = FakeClient()
    return MeiliIndex(client=client, uid="venues"), client  # type: ignore[arg-type]


def test_upsert_sends_batches_and_waits_once(fake):
    index, client = fake
    docs = [doc(f"l{i}", f"Lieu {i}") for i in range(BATCH * 2 + 1)]
    assert index.upsert(docs) == len(docs)
    additions = [t for t in client.tasks if t.type == "documentAdditionOrUpdate"]
    assert len(additions) == 3
    assert [uid for uid in client.waited if client.tasks[uid].type == "documentAdditionOrUpdate"] == [additions[-1].uid]
    assert index.count() == len(docs)


def test_a_failed_batch_is_an_error(fake):
    index, client = fake
    index.upsert([doc("l1", "Lieu")])
    client.fail = "documentAdditionOrUpdate"
    with pytest.raises(
        SearchUnavailable, match=r"n'a pas pu mettre l'index à jour : .*invalid_document_geo_field"
    ) as err:
        index.upsert([doc("l2", "Lieu")])
    assert isinstance(err.value.__cause__, MeiliTaskFailed)


def test_replace_all_swaps_a_twin_index(fake):
    index, client = fake
    index.upsert([doc("old", "Ancien")])
    assert index.replace_all([doc("l1", "Un"), doc("l2", "Deux")]) == 2
    assert set(client.indexes["venues"].docs) == {"l1", "l2"}
    assert "venues_rebuild" not in client.indexes


def test_delete_sync_position_and_query(fake):
    index, client = fake
    index.upsert([doc("l1", "Un"), doc("l2", "Deux")])
    index.delete(["l2"])
    assert index.count() == 1
    assert index.last_change() is None
    index.set_last_change(7)
    assert index.last_change() == 7
    result = index.query(SearchQuery(text="un", lat=48.69, lon=6.18, facets=["services"]))
    assert result.ids == ["l1"] and result.hits[0].distance_m == pytest.approx(0.0)
    assert result.facets == {"services": {"x": 1}} and result.total_exact
    assert client.searches[-1][0] == "un"
    assert "_geoPoint(48.69, 6.18):asc" in index.explain(SearchQuery(lat=48.69, lon=6.18))


def test_derived_filters_are_filterable_fields_of_the_documents():
    body = to_meili(
        doc(
            "l1",
            "Espace du samedi",
            horaires="Sa 09:00-12:00",
            prise_en_charge_specifique=[PriseEnCharge.HANDICAPS_MOTEURS],
        )
    )
    assert body["creneaux"] == ["week-end"] and body["accessibilite"] == ["fauteuil-roulant"]
    assert {"creneaux", "accessibilite"} <= set(settings()["filterableAttributes"])
    request = search_request(SearchQuery(filters={"creneaux": ["soiree"], "accessibilite": ["fauteuil-roulant"]}))
    assert request["filter"] == ['creneaux IN ["soiree"]', 'accessibilite IN ["fauteuil-roulant"]']


def test_a_sync_position_of_another_document_format_asks_for_a_rebuild(fake):
    index, client = fake
    index.set_last_change(7)
    position = client.indexes["venues_meta"].docs["sync"]
    assert position == {"id": "sync", "seq": 7, "format": DOCUMENT_FORMAT}
    del position["format"]  # as written before the format was stamped
    assert index.last_change() is None
