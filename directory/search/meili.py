# SPDX-License-Identifier: Apache-2.0
"""The Meilisearch backend (server profile), through the official ``meilisearch`` client.

Documents carry the same folded text as the embedded index (Meilisearch folds
œ/æ only since v1.9) plus filter fields, territory codes, ``_geo`` and
``has_geo``. Settings make it answer like the embedded index:

- searchable: folded name, then folded description (attribute order ranks),
  then the base forms of their words that differ from the words (``forms_text``:
  « ateliers » gives « atelier »), since queries arrive as base forms
  (``_text.engine_text``: also a typo of a synonym key corrected to it);
- typos: one from 5 letters, two from 9, none on numbers (``disableOnNumbers``,
  sent only to servers ≥ 1.15, which know it) so "54000" never finds "54100";
- stop words: elided articles and function words (``_text.STOP_WORDS``);
- synonyms: ``synonyms.meili_synonyms()``;
- ranking rules: ``sort`` first, so "nearest first" dominates a text query;
- ``pagination.maxTotalHits`` = ``MAP_CAP`` (maps ask for every result); totals
  are reported up to the query's ``cap``, as the embedded index does;
- every query uses ``matchingStrategy: all`` (every word must match, as in FTS5).

Writes go in batches of ``BATCH`` documents and wait once, on the last task
(one task per document manages ~271 documents/s; reference/performance.md §3).
``replace_all`` fills a twin index and swaps it in, so searches never see a
half-built index. Opening hours are filtered in Python on up to the query's
``cap`` hits, as in the embedded index.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from directory.errors import SearchUnavailable
from directory.schema import haversine_m

from ._forms import base_form
from ._hours import HoursCheck
from ._text import STOP_WORDS, engine_text
from .base import DOCUMENT_FORMAT, FILTER_FIELDS, MAP_CAP, Hit, IndexDocument, SearchIndex, SearchQuery, SearchResult
from .synonyms import meili_synonyms

if TYPE_CHECKING:
    import meilisearch
    from meilisearch.index import Index
    from meilisearch.models.task import TaskInfo

__all__ = ["MeiliIndex", "MeiliTaskFailed"]

BATCH = 5_000
#: Seconds an HTTP call may wait for the server (tasks are waited for apart, ``timeout_ms``).
CHECK_TIMEOUT_S = 10
T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")
_TERRITORY = ("departement", "code_insee", "code_postal")


class MeiliTaskFailed(RuntimeError):
    """A Meilisearch task ended in failure: ``error`` is the server's (``message``, ``code``…)."""

    def __init__(self, status: str, error: dict[str, Any] | None) -> None:
        super().__init__(f"tâche Meilisearch {status} : {json.dumps(error, ensure_ascii=False)}")
        self.status, self.error = status, error or {}


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _quote(value: str) -> str:
    """A string literal of Meilisearch's filter syntax."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_meili(doc: IndexDocument) -> dict[str, Any]:
    """The JSON document sent for ``doc``."""
    body: dict[str, Any] = {
        "id": doc.id,
        "name": doc.name,
        "sort_name": doc.name_text,
        "name_text": doc.name_text,
        "body_text": doc.body_text,
        "forms_text": _forms_text(doc),
        "horaires": doc.horaires,
        "has_geo": doc.lat is not None and doc.lon is not None,
        **{name: list(doc.terms.get(name, ())) for name in FILTER_FIELDS},
        **{name: getattr(doc, name) for name in _TERRITORY},
    }
    if body["has_geo"]:
        body["_geo"] = {"lat": doc.lat, "lng": doc.lon}  # a malformed _geo fails the whole batch
    return body


def _forms_text(doc: IndexDocument) -> str:
    """The base forms of the document's words that differ from the words themselves."""
    words = doc.words()
    return " ".join(sorted({base for w in words if (base := base_form(w)) != w and base not in words}))


def settings(server_version: tuple[int, ...] = (1, 15)) -> dict[str, Any]:
    """The index settings (see the module docstring)."""
    typos: dict[str, Any] = {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}}
    if server_version >= (1, 15):
        typos["disableOnNumbers"] = True
    return {
        "searchableAttributes": ["name_text", "body_text", "forms_text"],
        "filterableAttributes": ["id", "has_geo", "_geo", *FILTER_FIELDS, *_TERRITORY],
        "sortableAttributes": ["_geo", "sort_name", "id"],
        "rankingRules": ["sort", "words", "typo", "proximity", "attribute", "exactness"],
        "stopWords": sorted(STOP_WORDS),
        "synonyms": meili_synonyms(),
        "typoTolerance": typos,
        "pagination": {"maxTotalHits": MAP_CAP},
        "faceting": {"maxValuesPerFacet": 200},
    }


def search_request(q: SearchQuery) -> dict[str, Any]:
    """The body of ``POST /indexes/{uid}/search`` for ``q`` (``q`` key included)."""
    filters = [f"{name} IN [{', '.join(_quote(c) for c in codes)}]" for name, codes in q.filters.items()]
    filters += [f"{name} = {_quote(getattr(q, name))}" for name in _TERRITORY if getattr(q, name) is not None]
    if q.communes:
        filters.append(f"code_insee IN [{', '.join(_quote(c) for c in q.communes)}]")
    if q.bbox is not None:
        south, west, north, east = q.bbox
        filters.append(f"_geoBoundingBox([{north}, {east}], [{south}, {west}])")  # top right, bottom left
    if q.has_point:
        filters.append("has_geo = true")
        if q.radius_km is not None:
            filters.append(f"_geoRadius({q.lat}, {q.lon}, {round(float(q.radius_km) * 1000, 3)})")
    sort: list[str] = []
    if q.effective_sort == "distance":
        sort = [f"_geoPoint({q.lat}, {q.lon}):asc", "id:asc"]
    elif not q.text:
        sort = ["sort_name:asc", "id:asc"]
    retrieve = ["id", "_geo"]
    if q.has_hours_filter:
        # Hours are filtered here: fetch every candidate, count facets on what is left.
        retrieve += ["horaires", *q.facets]
        page, per_page = 1, q.cap
    else:
        page, per_page = q.page, q.per_page
    body: dict[str, Any] = {
        "q": engine_text(q.text),
        "page": page,
        "hitsPerPage": per_page,
        "attributesToRetrieve": retrieve,
        "showRankingScore": True,
        "matchingStrategy": "all",
    }
    if filters:
        body["filter"] = filters  # an array: every element must hold
    if sort:
        body["sort"] = sort
    if q.facets and not q.has_hours_filter:
        body["facets"] = list(q.facets)
    return body


def _unavailable(err: Exception, where: str) -> SearchUnavailable | None:
    """What ``err``, raised by the Meilisearch client talking to ``where``, means for the person
    running the instance, in French; None when it is not the server's or the settings' fault."""
    from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError, MeilisearchTimeoutError
    from pydantic import ValidationError
    from requests.exceptions import JSONDecodeError, RequestException

    if isinstance(err, MeilisearchCommunicationError | MeilisearchTimeoutError):
        return SearchUnavailable(
            detail=f"Meilisearch ne répond pas à {where}. Vérifiez que le serveur est lancé et "
            "l'adresse DIRECTORY_MEILI_URL (ou videz-la pour l'index embarqué)."
        )
    if isinstance(err, MeilisearchApiError):
        if err.status_code in (401, 403):
            return SearchUnavailable(
                detail=f"Meilisearch ({where}) refuse la clé : vérifiez DIRECTORY_MEILI_KEY "
                "(la clé maîtresse du serveur, ou une clé d'administration)."
            )
        return SearchUnavailable(detail=f"Meilisearch ({where}) répond par une erreur : {err.message}")
    if isinstance(err, MeiliTaskFailed):  # the server took the request, then could not carry it out (disk full…)
        said = str(err.error.get("message") or err.status).rstrip(". ")
        code = f" ({err.error['code']})" if err.error.get("code") else ""
        return SearchUnavailable(detail=f"Meilisearch ({where}) n'a pas pu mettre l'index à jour : {said}{code}.")
    # an answer that is not Meilisearch's JSON (or JSON the client cannot read as a task), a bad address
    if isinstance(err, JSONDecodeError | RequestException | ValidationError):
        return SearchUnavailable(
            detail=f"Adresse Meilisearch invalide ou réponse illisible : « {where} » "
            "(est-ce bien l'adresse d'un serveur Meilisearch ?)."
        )
    return None


def _in_french(method: Callable[P, R]) -> Callable[P, R]:
    """``method`` of a :class:`MeiliIndex`, raising :class:`SearchUnavailable` in French when the
    server is down, refuses the key or answers something unreadable (:func:`_unavailable`)."""

    @functools.wraps(method)
    def speaking(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except Exception as err:
            reason = _unavailable(err, getattr(args[0], "url", "") or "(client fourni)")
            if reason is None:
                raise
            raise reason from err

    return speaking


class MeiliIndex(SearchIndex):
    """Meilisearch index ``uid`` on the server at ``url``.

    :param client: an already built ``meilisearch.Client`` (tests), instead of url/key.
    :param timeout_ms: how long to wait for a task (indexing 100k documents takes minutes).
    """

    name = "meilisearch"

    def __init__(
        self,
        url: str = "",
        api_key: str | None = None,
        *,
        uid: str = "venues",
        timeout_ms: int = 600_000,
        client: meilisearch.Client | None = None,
    ) -> None:
        import meilisearch  # imported here: the embedded profile does not pay for it

        self.url = url
        self.client = client or meilisearch.Client(url, api_key, timeout=CHECK_TIMEOUT_S)
        self.uid = uid
        self.timeout_ms = timeout_ms
        self._ready: set[str] = set()

    def check(self) -> None:
        """The server answers and takes the key (``GET /version`` needs one when the server has a master key)."""
        self._server_version()

    # -- tasks and settings --------------------------------------------------------

    def _wait(self, info: TaskInfo, allow: tuple[str, ...] = ()) -> None:
        task = self.client.wait_for_task(info.task_uid, timeout_in_ms=self.timeout_ms, interval_in_ms=50)
        self._check(task.status, task.error, allow)

    @staticmethod
    def _check(status: str, error: dict[str, Any] | None, allow: tuple[str, ...] = ()) -> None:
        if status != "succeeded" and (error or {}).get("code") not in allow:
            raise MeiliTaskFailed(status, error)

    @_in_french
    def _server_version(self) -> tuple[int, ...]:
        raw = self.client.get_version().get("pkgVersion", "0")
        return tuple(int(p) for p in raw.split("-")[0].split(".") if p.isdigit())

    def _index(self, uid: str | None = None, *, venues: bool = True) -> Index:
        """The index, created (with the venue settings if ``venues``) the first time it is used."""
        uid = uid or self.uid
        if uid not in self._ready:
            self._wait(self.client.create_index(uid, {"primaryKey": "id"}), allow=("index_already_exists",))
            if venues:
                self._wait(self.client.index(uid).update_settings(settings(self._server_version())))
            self._ready.add(uid)
        return self.client.index(uid)

    def _add(self, index: Index, docs: Iterable[IndexDocument]) -> int:
        """Send in batches, wait once on the last task, then check every task."""
        tasks, written = [], 0
        for batch in _batched(docs, BATCH):
            tasks.append(index.add_documents([to_meili(d) for d in batch], primary_key="id"))
            written += len(batch)
        if tasks:
            self._wait(tasks[-1])  # tasks of one index run in order
            for info in tasks[:-1]:
                task = self.client.get_task(info.task_uid)
                self._check(task.status, task.error)
        return written

    # -- writing ---------------------------------------------------------------------

    @_in_french
    def upsert(self, docs: Iterable[IndexDocument]) -> int:
        return self._add(self._index(), docs)

    @_in_french
    def delete(self, ids: Iterable[str]) -> int:
        index, last, asked = self._index(), None, 0
        for batch in _batched(ids, BATCH):
            last = index.delete_documents(filter=f"id IN [{', '.join(_quote(i) for i in batch)}]")
            asked += len(batch)
        if last is not None:
            self._wait(last)
        return asked

    @_in_french
    def replace_all(self, docs: Iterable[IndexDocument]) -> int:
        """Fill ``<uid>_rebuild``, swap it with ``uid``, drop the old content."""
        twin = f"{self.uid}_rebuild"
        self._index()
        self._wait(self.client.delete_index(twin), allow=("index_not_found",))
        self._ready.discard(twin)
        self._add(self._index(twin), docs)
        self._wait(self.client.swap_indexes([{"indexes": [self.uid, twin]}]))
        self._wait(self.client.delete_index(twin))
        self._ready.discard(twin)
        return self.count()

    @_in_french
    def clear(self) -> None:
        self._wait(self._index().delete_all_documents())
        self._wait(self._meta().delete_all_documents())

    # -- sync position -----------------------------------------------------------------

    def _meta(self) -> Index:
        """A one-document index holding the sync position."""
        return self._index(f"{self.uid}_meta", venues=False)

    @_in_french
    def last_change(self) -> int | None:
        from meilisearch.errors import MeilisearchApiError

        try:
            position = self._meta().get_document("sync")
        except MeilisearchApiError as err:
            if err.code == "document_not_found":
                return None
            raise
        if getattr(position, "format", 1) != DOCUMENT_FORMAT:
            return None  # documents of another shape: the next sync rebuilds
        return int(position.seq)

    @_in_french
    def set_last_change(self, seq: int) -> None:
        self._wait(
            self._meta().add_documents([{"id": "sync", "seq": seq, "format": DOCUMENT_FORMAT}], primary_key="id")
        )

    @_in_french
    def count(self) -> int:
        return self._index().get_stats().number_of_documents

    # -- reading --------------------------------------------------------------------------

    def explain(self, q: SearchQuery) -> str:
        return f"POST /indexes/{self.uid}/search\n" + json.dumps(search_request(q), ensure_ascii=False, indent=2)

    @_in_french
    def query(self, q: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        body = search_request(q)
        text = body.pop("q")
        response = self._index().search(text, body)
        searched = time.perf_counter()
        raw_hits: list[dict[str, Any]] = response.get("hits", [])
        # The server counts up to MAP_CAP; report what the embedded index would: at most the cap.
        total = min(q.cap, int(response.get("totalHits", response.get("estimatedTotalHits", len(raw_hits)))))
        exact = total < q.cap
        facets: dict[str, dict[str, int]] = dict(response.get("facetDistribution") or {})
        if q.has_hours_filter:
            check = HoursCheck(q)
            raw_hits = [h for h in raw_hits if check(h.get("horaires"))]
            total = len(raw_hits)
            facets = _count_facets(q.facets, raw_hits)
            raw_hits = raw_hits[q.offset : q.offset + q.per_page]
        facets = {name: dict(sorted(facets.get(name, {}).items(), key=lambda kv: (-kv[1], kv[0]))) for name in q.facets}
        hits = [Hit(h["id"], _distance(q, h), float(h.get("_rankingScore", 0.0)), *_point(h)) for h in raw_hits]
        return SearchResult(
            total=total,
            total_exact=exact,
            hits=hits,
            facets=facets,
            timings={
                "search": round((searched - started) * 1000, 3),
                "total": round((time.perf_counter() - started) * 1000, 3),
            },
            strategy="meilisearch",
        )


def _distance(q: SearchQuery, hit: dict[str, Any]) -> float | None:
    geo = hit.get("_geo")
    if q.lat is None or q.lon is None or not geo:
        return None
    return haversine_m(q.lat, q.lon, float(geo["lat"]), float(geo["lng"]))


def _point(hit: dict[str, Any]) -> tuple[float | None, float | None]:
    geo = hit.get("_geo")
    return (float(geo["lat"]), float(geo["lng"])) if geo else (None, None)


def _count_facets(names: Iterable[str], hits: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {name: {} for name in names}
    for hit in hits:
        for name, codes in counts.items():
            for code in hit.get(name) or ():
                codes[code] = codes.get(code, 0) + 1
    return counts
