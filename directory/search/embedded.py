# SPDX-License-Identifier: Apache-2.0
"""The embedded search index: one SQLite file with FTS5 and an R*Tree, no server.

Tables (``data/search.db`` by default):

- ``doc``: one narrow row per venue: id, display name, point, territory codes,
  hours, and the filter codes as bit masks ``m0``…``m3`` (bits in ``code_bit``);
- ``doc_text``: the folded name and description, padded with spaces
  (``fname``, ``fbody``), apart so that scans of ``doc`` stay cheap;
- ``doc_fts``: FTS5 over ``doc_text`` (external content: the text is stored
  once), ``unicode61 remove_diacritics 2`` on text that is already folded by
  ``directory.places.fold`` (FTS5 does not fold œ or æ);
- ``doc_vocab``: ``fts5vocab`` over it, for documents per word;
- ``term``: (field, code, docid) for the filter plan and facet counts;
- ``doc_rtree``: the points;
- ``meta``: the store change the index reflects, and the ``DOCUMENT_FORMAT`` of its documents.

Queries are planned in ``_plan`` (which index drives) and run here: the area
plan grows its box like ``Store.nearest`` until the page is certain (or replays
that growth on the radius's box, read once when it holds few points: ``_reach``);
opening hours are evaluated last, on candidates only (``_hours``).

Connections come from a small pool (``_pool``): each query holds one for its
duration, so the threads of a web worker read side by side (WAL) instead of
queueing behind one connection. Writes go one at a time through the pool's
write lock and bump ``meta.generation``, which every query reads (one primary
key lookup) to know when the counts it plans with must be reloaded, whichever
connection or process wrote.

Relevance: for each word group of the query, the best of its alternatives
(exact word 1, prefix 0.8, one typo 0.6, two 0.4, synonym 0.5) × BM25's
inverse document frequency, three times more in the name than in the
description; summed over groups. Ties: nearer first; without a point, FTS5's
``bm25`` (how often, in how short a text), then name; then id.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from directory.schema import EARTH_RADIUS_M

from ._hours import HoursCheck
from ._plan import (
    BITS_PER_COLUMN,
    DISTANCE,
    FIRST_HALF_SIDE_M,
    HOURS,
    ID,
    LAT,
    LON,
    MASK_COLUMNS,
    SCORE,
    WORLD_HALF_SIDE_M,
    Plan,
    Statement,
    box,
    field_masks,
    make_plan,
)
from ._pool import ConnectionPool
from ._text import analyze
from ._vocab import IndexStats
from .base import DOCUMENT_FORMAT, Hit, IndexDocument, SearchIndex, SearchQuery, SearchResult

__all__ = ["Fts5Index", "PRAGMAS"]

BATCH = 1_000
#: Connection settings. Memory-mapped reads: scans of a 200 MB index read pages
#: without a system call each (4× faster on area scans at 100k venues).
PRAGMAS = (
    "journal_mode=WAL",
    "synchronous=NORMAL",
    "busy_timeout=5000",
    "cache_size=-32768",
    "temp_store=MEMORY",
    "mmap_size=1073741824",
)
T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS code_bit (field TEXT NOT NULL, code TEXT NOT NULL, bit INTEGER NOT NULL UNIQUE, PRIMARY KEY (field, code));
CREATE TABLE IF NOT EXISTS doc (
    docid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    sort_name TEXT NOT NULL,
    lat REAL,
    lon REAL,
    departement TEXT,
    code_insee TEXT,
    code_postal TEXT,
    horaires TEXT,
    m0 INTEGER NOT NULL DEFAULT 0,
    m1 INTEGER NOT NULL DEFAULT 0,
    m2 INTEGER NOT NULL DEFAULT 0,
    m3 INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS doc_text (docid INTEGER PRIMARY KEY, fname TEXT NOT NULL, fbody TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS term (
    field TEXT NOT NULL,
    code TEXT NOT NULL,
    docid INTEGER NOT NULL,
    PRIMARY KEY (field, code, docid)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS doc_fts USING fts5(
    fname, fbody, content='doc_text', content_rowid='docid',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3'
);
CREATE VIRTUAL TABLE IF NOT EXISTS doc_vocab USING fts5vocab(doc_fts, 'row');
CREATE VIRTUAL TABLE IF NOT EXISTS doc_rtree USING rtree(docid, min_lat, max_lat, min_lon, max_lon);
"""

#: Secondary indexes: dropped during ``replace_all`` and built once at the end.
_INDEXES = {
    "doc_departement": "doc (departement)",
    "doc_insee": "doc (code_insee)",
    "doc_postcode": "doc (code_postal)",
    "doc_sort_name": "doc (sort_name, id)",
    "term_docid": "term (docid)",
}
_CREATE_INDEXES = "".join(f"CREATE INDEX IF NOT EXISTS {name} ON {on};\n" for name, on in _INDEXES.items())

_INSERT_DOC = (
    "INSERT INTO doc (docid, id, name, sort_name, lat, lon, departement, code_insee, code_postal, horaires, m0, m1, m2, m3)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_IDS = "SELECT value FROM json_each(?)"

#: A row of a statement of ``_plan`` (columns ``_plan.COLUMNS``).
Row = tuple[Any, ...]
#: Connections per index: enough for a worker's busy threads, few enough to bound memory.
POOL_SIZE = max(4, 2 * (os.cpu_count() or 1))
_BAND_PAD_DEG = 1e-3  # ~100 m: the latitude band of a radius's box never loses a point on its edge


class Fts5Index(SearchIndex):
    """SQLite FTS5 + R*Tree index in its own file.

    :param path: the SQLite file (created with its tables if missing).
    :param force_strategy: ``text``, ``filter`` or ``area`` to override the
        planner where it applies (tests and benchmarks only).
    """

    name = "embedded"
    #: A radius's box holding more points than this is narrowed in memory first (``_Points``).
    crowded_box = 2_000

    def __init__(self, path: str | Path, *, force_strategy: str | None = None, pool_size: int = POOL_SIZE) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.force_strategy = force_strategy
        self._pool = ConnectionPool(str(path), PRAGMAS, pool_size)
        self._lock = self._pool.write_lock
        self._stats_lock = threading.Lock()
        with self._pool.connection() as c:
            c.executescript(_SCHEMA + _CREATE_INDEXES)
            self._bits: dict[tuple[str, str], int] = {}
            self._load_bits(c)
        self._stats: IndexStats | None = None
        self._generation = -1  # the meta.generation self._stats and self._bits reflect
        self._points_cache: tuple[int, _Points] | None = None  # (meta.generation, its points)

    # -- writing ------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._pool.connection() as c:
            c.execute("BEGIN IMMEDIATE")
            try:
                generation = _generation(c)
                if generation != self._generation:  # another process wrote: counts and bits are stale
                    self._stats = None
                    self._load_bits(c)
                yield c
                c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('generation', ?)", (str(generation + 1),))
            except BaseException:
                c.execute("ROLLBACK")
                self._stats = None  # the counts and bits may have seen rows that were rolled back
                self._load_bits(c)
                raise
            c.execute("COMMIT")
            # Counts kept up to date by the writes themselves stay valid; others are reloaded.
            self._generation = generation + 1 if self._stats is not None else -1

    def upsert(self, docs: Iterable[IndexDocument]) -> int:
        written = 0
        with self._transaction() as c:
            for batch in _batched(docs, BATCH):
                latest = {d.id: d for d in batch}  # the last version of an id wins
                self._delete_ids(c, list(latest))
                self._insert(c, list(latest.values()))
                written += len(batch)
        return written

    def delete(self, ids: Iterable[str]) -> int:
        asked = 0
        with self._transaction() as c:
            for batch in _batched(ids, BATCH):
                self._delete_ids(c, list(batch))
                asked += len(batch)
        return asked

    def replace_all(self, docs: Iterable[IndexDocument]) -> int:
        """One transaction: readers see the old documents until it commits."""
        with self._transaction() as c:
            self._clear(c)
            self._stats = None
            for name in _INDEXES:
                c.execute(f"DROP INDEX IF EXISTS {name}")
            for batch in _batched(docs, BATCH):
                self._insert(c, list({d.id: d for d in batch}.values()))
            for name, on in _INDEXES.items():
                c.execute(f"CREATE INDEX {name} ON {on}")
            # Merge the FTS segments written batch by batch into one b-tree.
            c.execute("INSERT INTO doc_fts (doc_fts) VALUES ('optimize')")
            self._stats = None
        return self.count()

    def clear(self) -> None:
        with self._transaction() as c:
            self._clear(c)
        self._stats = None

    @staticmethod
    def _clear(c: sqlite3.Connection) -> None:
        c.execute("INSERT INTO doc_fts (doc_fts) VALUES ('delete-all')")
        for table in ("doc_rtree", "term", "doc_text", "doc"):
            c.execute(f"DELETE FROM {table}")
        c.execute("DELETE FROM meta WHERE key = 'last_change'")

    def _insert(self, c: sqlite3.Connection, docs: list[IndexDocument]) -> None:
        start = c.execute("SELECT coalesce(max(docid), 0) + 1 FROM doc").fetchone()[0]
        numbered = list(zip(itertools.count(start), docs))
        c.executemany(
            _INSERT_DOC,
            [
                (
                    n,
                    d.id,
                    d.name,
                    d.name_text,
                    d.lat,
                    d.lon,
                    d.departement,
                    d.code_insee,
                    d.code_postal,
                    d.horaires,
                    *self._masks(c, d),
                )
                for n, d in numbered
            ],
        )
        text = [(n, d.padded_name, d.padded_body) for n, d in numbered]
        c.executemany("INSERT INTO doc_text (docid, fname, fbody) VALUES (?, ?, ?)", text)
        c.executemany("INSERT INTO doc_fts (rowid, fname, fbody) VALUES (?, ?, ?)", text)
        c.executemany(
            "INSERT OR IGNORE INTO term (field, code, docid) VALUES (?, ?, ?)",
            [(name, code, n) for n, d in numbered for name, codes in d.terms.items() for code in codes],
        )
        c.executemany(
            "INSERT INTO doc_rtree (docid, min_lat, max_lat, min_lon, max_lon) VALUES (?, ?, ?, ?, ?)",
            [(n, d.lat, d.lat, d.lon, d.lon) for n, d in numbered if d.lat is not None and d.lon is not None],
        )
        if self._stats is not None:
            for _n, d in numbered:
                terms = {(name, code) for name, codes in d.terms.items() for code in codes}
                self._stats.apply(d.words(), terms, d.departement, +1)

    def _masks(self, c: sqlite3.Connection, doc: IndexDocument) -> list[int]:
        """The doc's filter codes as ``MASK_COLUMNS`` integers; new codes get the next free bit."""
        masks = [0] * MASK_COLUMNS
        for name, codes in doc.terms.items():
            for code in codes:
                bit = self._bits.get((name, code))
                if bit is None:
                    bit = len(self._bits)
                    if bit >= MASK_COLUMNS * BITS_PER_COLUMN:
                        raise RuntimeError("index: plus de codes de filtre que de bits ; reconstruire l'index")
                    c.execute("INSERT INTO code_bit (field, code, bit) VALUES (?, ?, ?)", (name, code, bit))
                    self._bits[(name, code)] = bit
                column, offset = divmod(bit, BITS_PER_COLUMN)
                masks[column] |= 1 << offset
        return masks

    def _delete_ids(self, c: sqlite3.Connection, ids: list[str]) -> None:
        key = json.dumps(ids)
        old = c.execute(
            f"SELECT d.docid, x.fname, x.fbody, d.departement FROM doc d JOIN doc_text x ON x.docid = d.docid "
            f"WHERE d.id IN ({_IDS})",
            (key,),
        ).fetchall()
        if not old:
            return
        docids = json.dumps([r[0] for r in old])
        if self._stats is not None:
            terms: dict[int, set[tuple[str, str]]] = {}
            for docid, name, code in c.execute(
                f"SELECT docid, field, code FROM term WHERE docid IN ({_IDS})", (docids,)
            ):
                terms.setdefault(docid, set()).add((name, code))
            for docid, fname, fbody, departement in old:
                self._stats.apply(set(fname.split()) | set(fbody.split()), terms.get(docid, ()), departement, -1)
        c.executemany(
            "INSERT INTO doc_fts (doc_fts, rowid, fname, fbody) VALUES ('delete', ?, ?, ?)", [r[:3] for r in old]
        )
        for table in ("term", "doc_rtree", "doc_text", "doc"):
            c.execute(f"DELETE FROM {table} WHERE docid IN ({_IDS})", (docids,))

    # -- sync position ---------------------------------------------------------------

    def last_change(self) -> int | None:
        with self._pool.connection() as c:
            meta = dict(c.execute("SELECT key, value FROM meta WHERE key IN ('last_change', 'document_format')"))
        if "last_change" not in meta or meta.get("document_format", "1") != str(DOCUMENT_FORMAT):
            return None  # never built, or with documents of another shape: the next sync rebuilds
        return int(meta["last_change"])

    def set_last_change(self, seq: int) -> None:
        with self._transaction() as c:
            c.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [("last_change", str(seq)), ("document_format", str(DOCUMENT_FORMAT))],
            )

    def count(self) -> int:
        with self._pool.connection() as c:
            return c.execute("SELECT count(*) FROM doc").fetchone()[0]

    def close(self) -> None:
        self._pool.close()

    # -- reading -------------------------------------------------------------------------

    def stats(self, c: sqlite3.Connection | None = None) -> IndexStats:
        """The counts the planner uses, reloaded when the index changed since they were read."""
        if c is None:
            with self._pool.connection() as c:
                return self.stats(c)
        generation = _generation(c)
        stats = self._stats
        if stats is not None and generation == self._generation:
            return stats
        with self._stats_lock:  # one thread reloads; the others wait for its result
            if self._stats is None or self._generation != generation:
                self._load_bits(c)
                self._stats = self._load_stats(c)
                self._generation = generation
            return self._stats

    def _load_bits(self, c: sqlite3.Connection) -> None:
        self._bits = {(f, code): bit for f, code, bit in c.execute("SELECT field, code, bit FROM code_bit")}

    @staticmethod
    def _load_stats(c: sqlite3.Connection) -> IndexStats:
        return IndexStats(
            n_docs=c.execute("SELECT count(*) FROM doc").fetchone()[0],
            words=dict(c.execute("SELECT term, doc FROM doc_vocab")),
            terms={
                (f, code): n for f, code, n in c.execute("SELECT field, code, count(*) FROM term GROUP BY field, code")
            },
            departements=dict(
                c.execute("SELECT departement, count(*) FROM doc WHERE departement IS NOT NULL GROUP BY departement")
            ),
        )

    def plan(self, q: SearchQuery, c: sqlite3.Connection | None = None) -> Plan:
        """How ``query(q)`` will run (strategy, estimates, statements)."""
        stats = self.stats(c)
        text = analyze(q.text, stats) if q.text else None
        return make_plan(q, text, stats, self._bits, self.force_strategy)

    def query(self, q: SearchQuery) -> SearchResult:
        return self._run(q, None)

    def statements(self, q: SearchQuery) -> list[Statement]:
        """The statements ``query(q)`` runs, in order (the area plan runs one per box)."""
        trace: list[Statement] = []
        self._run(q, trace)
        return trace

    def explain(self, q: SearchQuery) -> str:
        plan = self.plan(q)
        lines = [f"strategy: {plan.strategy}", "estimates: " + json.dumps(plan.estimates)]
        if plan.text is not None:
            lines.append(f"match: {plan.text.fts_match()}")
        for i, st in enumerate(self.statements(q), 1):
            lines += [f"-- statement {i}", st.sql, "-- params: " + json.dumps(st.params, ensure_ascii=False)]
        return "\n".join(lines)

    def _run(self, q: SearchQuery, trace: list[Statement] | None) -> SearchResult:
        started = time.perf_counter()
        with self._pool.connection() as c:
            plan = self.plan(q, c)
            planned = time.perf_counter()
            hours = HoursCheck(q) if q.has_hours_filter else None
            strategy = plan.strategy
            matched: list[Row]
            if strategy == "none":
                matched, exact = [], True
            else:
                reach = self._reach(c, plan, hours, trace)
                if strategy == "area":
                    matched, exact, strategy = self._area(c, plan, hours, trace, reach)
                elif reach is not None:
                    matched, exact, strategy = reach, True, f"{strategy}>radius"
                else:
                    matched, exact = self._fetch(c, plan, hours, trace)
            fetched = time.perf_counter()
            ordered = matched  # the statements return rows in result order
            if len(ordered) > q.cap:
                ordered = ordered[: q.cap]
                if plan.capped_scan:
                    matched, exact = ordered, False
            page = ordered[q.offset : q.offset + q.per_page]
            scores = self._page_scores(c, plan, page, trace)
            facets = self._facets(q, matched) if q.facets else {}
            done = time.perf_counter()
        hits = [
            Hit(row[ID], row[DISTANCE], scores[row[0]] if row[0] in scores else row[SCORE], row[LAT], row[LON])
            for row in page
        ]
        return SearchResult(
            total=len(matched),
            total_exact=exact,
            hits=hits,
            facets=facets,
            timings={
                "plan": _ms(planned - started),
                "fetch": _ms(fetched - planned),
                "facets": _ms(done - fetched),
                "total": _ms(time.perf_counter() - started),
            },
            strategy=strategy,
        )

    @staticmethod
    def _execute(c: sqlite3.Connection, st: Statement, trace: list[Statement] | None) -> list[Row]:
        if trace is not None:
            trace.append(st)
        return c.execute(st.sql, st.params).fetchall()

    def _page_scores(
        self, c: sqlite3.Connection, plan: Plan, page: list[Row], trace: list[Statement] | None
    ) -> dict[int, float]:
        st = plan.page_scores([row[0] for row in page])
        return dict(self._execute(c, st, trace)) if st is not None else {}

    def _fetch(
        self, c: sqlite3.Connection, plan: Plan, hours: HoursCheck | None, trace: list[Statement] | None
    ) -> tuple[list[Row], bool]:
        rows = self._execute(c, plan.statement(), trace)
        exact = not (plan.capped_scan and len(rows) > plan.q.cap)
        if hours is not None:
            rows = [r for r in rows if hours(r[HOURS])]
        return rows, exact

    def _reach(
        self, c: sqlite3.Connection, plan: Plan, hours: HoursCheck | None, trace: list[Statement] | None
    ) -> list[Row] | None:
        """Every match within the radius, read once from its box when that box holds fewer points
        than the plan would read otherwise (``Plan.reads_reach``); None when it does not."""
        count = plan.reach_count()
        if count is None:
            return None
        points = self._execute(c, count, trace)[0][0]
        if not plan.reads_reach(points):
            return None
        # A crowded box: its points' codes and distances are checked in one vectorised pass over
        # the columns kept in memory, so that only the documents passing them are read from SQLite.
        docids = self._points(c).near(plan) if points > self.crowded_box else None
        rows = self._execute(c, plan.reach_statement(docids), trace)
        return rows if hours is None else [r for r in rows if hours(r[HOURS])]

    def _points(self, c: sqlite3.Connection) -> _Points:
        """Every document's point and filter masks, reloaded when the index changed."""
        generation = _generation(c)
        cached = self._points_cache
        if cached is not None and cached[0] == generation:
            return cached[1]
        with self._stats_lock:
            if self._points_cache is None or self._points_cache[0] != generation:
                self._points_cache = (generation, _Points.load(c))
            return self._points_cache[1]

    def _area(
        self,
        c: sqlite3.Connection,
        plan: Plan,
        hours: HoursCheck | None,
        trace: list[Statement] | None,
        reach: list[Row] | None = None,
    ) -> tuple[list[Row], bool, str]:
        """Grow the box until ``plan.need`` matches lie in the circle it holds, or it covers
        the radius; switch to the fallback plan when the next box would cost more.

        :param reach: every match within the radius, already read (``_reach``): the growth is
            replayed on it (a box's matches in the circle it holds are the same rows), so
            the answer is the one the growing boxes give.
        """
        q = plan.q
        radius_m = q.radius_km * 1000 if q.radius_km is not None else None
        half = FIRST_HALF_SIDE_M if radius_m is None else min(FIRST_HALF_SIDE_M, radius_m)
        while True:
            rows = reach
            if rows is None:
                rows = self._execute(c, plan.statement(half), trace)  # the radius is a condition of the statement
                if hours is not None:
                    rows = [r for r in rows if hours(r[HOURS])]
            covers = half >= WORLD_HALF_SIDE_M or (radius_m is not None and half >= radius_m)
            if covers:
                return rows, True, "area"
            certain = [r for r in rows if r[DISTANCE] <= half]  # nothing outside the box is nearer
            if len(certain) >= plan.need:
                return certain, False, "area"
            grown = _grow(half, len(certain), plan.need)
            if radius_m is not None:
                grown = min(grown, radius_m)
            if plan.fallback and plan.should_fall_back(
                self._execute(c, plan.box_count(half), trace)[0][0], grown / half
            ):
                # Matches are rarer here than the counts said: the other index is cheaper now.
                switched = plan.switched()
                if reach is not None:  # the fallback plan's rows: every match within the radius
                    return reach, True, f"area>{switched.strategy}"
                return (*self._fetch(c, switched, hours, trace), f"area>{switched.strategy}")
            half = grown

    def _facets(self, q: SearchQuery, matched: Sequence[Row]) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {name: {} for name in q.facets}
        if matched:
            per_bit = _count_bits(matched)
            for (name, code), bit in self._bits.items():
                if name in counts:
                    column, offset = divmod(bit, BITS_PER_COLUMN)
                    n = int(per_bit[column * 64 + offset])
                    if n:
                        counts[name][code] = n
        return {name: dict(sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))) for name, codes in counts.items()}


class _Points:
    """Every document's docid, point and filter masks as arrays, for one vectorised pass over a
    crowded box (a SQLite row read costs ~1 µs; an array element a few nanoseconds)."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        rows = sorted(rows, key=lambda r: r[1])  # by latitude: a box's band is one slice
        columns = list(zip(*rows)) if rows else [()] * (3 + MASK_COLUMNS)
        self.docid = np.array(columns[0], dtype=np.int64)
        self.lat = np.array(columns[1], dtype=np.float64)
        self.lon = np.array(columns[2], dtype=np.float64)
        self.masks = np.array(columns[3:], dtype=np.int64).reshape(MASK_COLUMNS, len(rows))

    @classmethod
    def load(cls, c: sqlite3.Connection) -> _Points:
        rows = c.execute("SELECT docid, lat, lon, m0, m1, m2, m3 FROM doc WHERE lat IS NOT NULL AND lon IS NOT NULL")
        return cls(rows.fetchall())

    def near(self, plan: Plan) -> list[int]:
        """The documents within a metre more than the radius that have the filter codes asked: a
        superset of the matches, which the statement then checks exactly (words, territory, distance)."""
        q = plan.q
        assert q.lat is not None and q.lon is not None and plan.reach_m is not None
        south, north, _ranges = box(q.lat, q.lon, plan.reach_m)
        band = slice(*np.searchsorted(self.lat, [south - _BAND_PAD_DEG, north + _BAND_PAD_DEG]))
        keep = haversine_array(q.lat, q.lon, self.lat[band], self.lon[band]) <= plan.reach_m + 1.0
        for name, codes in q.filters.items():
            any_code = np.zeros(len(keep), dtype=bool)
            for column, mask in field_masks(plan.bits, name, codes).items():
                any_code |= (self.masks[column, band] & mask) != 0
            keep &= any_code
        return self.docid[band][keep].tolist()


def haversine_array(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Metres from (lat, lon) to each point, as ``schema.geometry.haversine_m``."""
    p1, p2 = np.radians(lat), np.radians(lats)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lons - lon) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def _generation(c: sqlite3.Connection) -> int:
    """How many writes the index has seen (``meta.generation``): counts are reloaded when it moves."""
    row = c.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


def _count_bits(rows: Sequence[Row]) -> np.ndarray:
    """Documents per bit of the mask columns (index ``column * 64 + offset``), in one
    vectorised pass: counting in Python cost ~1 µs per code per row; a term-table
    lookup per row cost more than the query."""
    flat = itertools.chain.from_iterable(r[-MASK_COLUMNS:] for r in rows)
    masks = np.fromiter(flat, dtype="<i8", count=len(rows) * MASK_COLUMNS).reshape(len(rows), MASK_COLUMNS)
    bits = np.unpackbits(masks.view(np.uint8), axis=1, bitorder="little")
    return bits.sum(axis=0, dtype=np.int64)


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _grow(half: float, found: int, wanted: int) -> float:
    """Double, or jump further when the box was nearly empty (as ``Store.nearest``)."""
    factor = 2.0 if found else 4.0
    if found and found < wanted:
        factor = min(4.0, max(2.0, (wanted / found) ** 0.5 * 1.2))
    return min(half * factor, WORLD_HALF_SIDE_M)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)
