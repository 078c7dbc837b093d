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
- ``meta``: the store change the index reflects.

Queries are planned in ``_plan`` (which index drives) and run here: the area
plan grows its box like ``Store.nearest`` until the page is certain; opening
hours are evaluated last, on candidates only (``_hours``).

Relevance: for each word group of the query, the best of its alternatives
(exact word 1, prefix 0.8, one typo 0.6, two 0.4, synonym 0.5) × BM25's
inverse document frequency, three times more in the name than in the
description; summed over groups. Ties: nearer first, then name, then id.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar
from directory.schema.geometry import haversine_m

from ._hours import HoursCheck
from ._plan import (
    BITS_PER_COLUMN,
    FIRST_HALF_SIDE_M,
    MASK_COLUMNS,
    WORLD_HALF_SIDE_M,
    Plan,
    Statement,
    make_plan,
)
from ._text import analyze
from ._vocab import IndexStats
from .base import Hit, IndexDocument, SearchIndex, SearchQuery, SearchResult

__all__ = ["Fts5Index", "PRAGMAS"]

BATCH = 1_000
#: Connection settings. Memory-mapped reads: scans of a 200 MB index read pages
#: without a system call each (4× faster on area scans at 100k venues).
PRAGMAS = (
    "journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000",
    "cache_size=-32768", "temp_store=MEMORY", "mmap_size=1073741824",
)  # fmt: skip
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

Row = tuple[int, str, float | None, float | None, str | None, str, float]
Candidate = tuple[float | None, Row]  # (distance, row)


class Fts5Index(SearchIndex):
    """SQLite FTS5 + R*Tree index in its own file.

    :param path: the SQLite file (created with its tables if missing).
    :param force_strategy: ``text``, ``filter`` or ``area`` to override the
        planner where it applies (tests and benchmarks only).
    """

    name = "embedded"

    def __init__(self, path: str | Path, *, force_strategy: str | None = None) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.force_strategy = force_strategy
        self._lock = threading.RLock()
        # One connection, serialised by the lock; writes in explicit transactions.
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        for pragma in PRAGMAS:
            self._conn.execute(f"PRAGMA {pragma}")
        self._conn.executescript(_SCHEMA + _CREATE_INDEXES)
        self._bits: dict[tuple[str, str], int] = {}
        self._load_bits()
        self._stats: IndexStats | None = None
        self._data_version: int | None = None

    # -- writing ------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            c = self._conn
            c.execute("BEGIN IMMEDIATE")
            try:
                yield c
            except BaseException:
                c.execute("ROLLBACK")
                self._stats = None  # the counts and bits may have seen rows that were rolled back
                self._load_bits()
                raise
            c.execute("COMMIT")

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
                (n, d.id, d.name, d.name_text, d.lat, d.lon, d.departement, d.code_insee, d.code_postal, d.horaires,
                 *self._masks(c, d))
                for n, d in numbered
            ],
        )  # fmt: skip
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
            f"WHERE d.id IN ({_IDS})", (key,)
        ).fetchall()  # fmt: skip
        if not old:
            return
        docids = json.dumps([r[0] for r in old])
        if self._stats is not None:
            terms: dict[int, set[tuple[str, str]]] = {}
            for docid, name, code in c.execute(f"SELECT docid, field, code FROM term WHERE docid IN ({_IDS})", (docids,)):
                terms.setdefault(docid, set()).add((name, code))
            for docid, fname, fbody, departement in old:
                self._stats.apply(set(fname.split()) | set(fbody.split()), terms.get(docid, ()), departement, -1)
        c.executemany("INSERT INTO doc_fts (doc_fts, rowid, fname, fbody) VALUES ('delete', ?, ?, ?)", [r[:3] for r in old])
        for table in ("term", "doc_rtree", "doc_text", "doc"):
            c.execute(f"DELETE FROM {table} WHERE docid IN ({_IDS})", (docids,))

    # -- sync position ---------------------------------------------------------------

    def last_change(self) -> int | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = 'last_change'").fetchone()
        return int(row[0]) if row else None

    def set_last_change(self, seq: int) -> None:
        with self._transaction() as c:
            c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_change', ?)", (str(seq),))

    def count(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM doc").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- reading -------------------------------------------------------------------------

    def stats(self) -> IndexStats:
        """The counts the planner uses, reloaded when another connection wrote."""
        with self._lock:
            version = self._conn.execute("PRAGMA data_version").fetchone()[0]
            if self._stats is None or version != self._data_version:
                self._load_bits()
                self._stats = self._load_stats()
                self._data_version = version
            return self._stats

    def _load_bits(self) -> None:
        self._bits = {(f, code): bit for f, code, bit in self._conn.execute("SELECT field, code, bit FROM code_bit")}

    def _load_stats(self) -> IndexStats:
        c = self._conn
        return IndexStats(
            n_docs=c.execute("SELECT count(*) FROM doc").fetchone()[0],
            words=dict(c.execute("SELECT term, doc FROM doc_vocab")),
            terms={(f, code): n for f, code, n in c.execute("SELECT field, code, count(*) FROM term GROUP BY field, code")},
            departements=dict(
                c.execute("SELECT departement, count(*) FROM doc WHERE departement IS NOT NULL GROUP BY departement")
            ),
        )

    def plan(self, q: SearchQuery) -> Plan:
        """How ``query(q)`` will run (strategy, estimates, statements)."""
        stats = self.stats()
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
        with self._lock:
            plan = self.plan(q)
            planned = time.perf_counter()
            hours = HoursCheck(q) if q.has_hours_filter else None
            strategy = plan.strategy
            if strategy == "none":
                matched, exact = [], True
            elif strategy == "area":
                matched, exact, strategy = self._area(plan, hours, trace)
            else:
                matched, exact = self._fetch(plan, hours, trace)
            fetched = time.perf_counter()
            ordered = _order(q, matched)
            if len(ordered) > q.cap:
                ordered = ordered[: q.cap]
                if plan.capped_scan:
                    matched, exact = ordered, False
            facets = self._facets(q, matched, trace) if q.facets else {}
            done = time.perf_counter()
        hits = [Hit(row[1], distance, row[6], row[2], row[3]) for distance, row in ordered[q.offset : q.offset + q.per_page]]
        return SearchResult(
            total=len(matched),
            total_exact=exact,
            hits=hits,
            facets=facets,
            timings={
                "plan": _ms(planned - started), "fetch": _ms(fetched - planned),
                "facets": _ms(done - fetched), "total": _ms(time.perf_counter() - started),
            },
            strategy=strategy,
        )  # fmt: skip

    def _execute(self, st: Statement, trace: list[Statement] | None) -> list[Row]:
        if trace is not None:
            trace.append(st)
        return self._conn.execute(st.sql, st.params).fetchall()

    def _fetch(self, plan: Plan, hours: HoursCheck | None, trace: list[Statement] | None) -> tuple[list[Candidate], bool]:
        q = plan.q
        rows = self._execute(plan.statement(), trace)
        exact = not (plan.capped_scan and len(rows) > q.cap)
        if hours is not None:
            rows = [r for r in rows if hours(r[4])]
        if q.lat is None or q.lon is None:
            return [(None, r) for r in rows], exact
        lat, lon = q.lat, q.lon
        found = [(haversine_m(lat, lon, r[2], r[3]), r) for r in rows]  # type: ignore[arg-type]
        if q.radius_km is not None:
            radius_m = q.radius_km * 1000
            found = [c for c in found if c[0] <= radius_m]
        return found, exact  # type: ignore[return-value]

    def _area(
        self, plan: Plan, hours: HoursCheck | None, trace: list[Statement] | None
    ) -> tuple[list[Candidate], bool, str]:
        """Grow the box until ``plan.need`` matches lie in the circle it holds, or it covers
        the radius; switch to the fallback plan when the next box would cost more."""
        q = plan.q
        assert q.lat is not None and q.lon is not None
        lat, lon = q.lat, q.lon
        radius_m = q.radius_km * 1000 if q.radius_km is not None else None
        half = FIRST_HALF_SIDE_M if radius_m is None else min(FIRST_HALF_SIDE_M, radius_m)
        while True:
            rows = self._execute(plan.statement(half), trace)
            if hours is not None:
                rows = [r for r in rows if hours(r[4])]
            found: list[Candidate] = [(haversine_m(lat, lon, r[2], r[3]), r) for r in rows]  # type: ignore[arg-type]
            if radius_m is not None:
                found = [c for c in found if c[0] <= radius_m]  # type: ignore[operator]
            certain = [c for c in found if c[0] <= half]  # type: ignore[operator]
            covers = half >= WORLD_HALF_SIDE_M or (radius_m is not None and half >= radius_m)
            if covers:
                return found, True, "area"
            if len(certain) >= plan.need:
                return certain, False, "area"
            grown = _grow(half, len(certain), plan.need)
            if radius_m is not None:
                grown = min(grown, radius_m)
            if plan.fallback and plan.should_fall_back(self._execute(plan.box_count(half), trace)[0][0], grown / half):
                # Matches are rarer here than the counts said: the other index is cheaper now.
                switched = plan.switched()
                return (*self._fetch(switched, hours, trace), f"area>{switched.strategy}")
            half = grown

    def _facets(self, q: SearchQuery, matched: list[Candidate], trace: list[Statement] | None) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {name: {} for name in q.facets}
        if not matched:
            return counts
        marks = ", ".join("?" * len(q.facets))
        st = Statement(
            # INDEXED BY: on its own SQLite walks the primary key of every facet field (100k × codes rows).
            f"SELECT field, code, count(*) FROM term INDEXED BY term_docid WHERE docid IN ({_IDS}) AND field IN ({marks}) "
            "GROUP BY field, code",
            (json.dumps([row[0] for _d, row in matched]), *q.facets),
        )
        for name, code, n in self._execute(st, trace):  # type: ignore[misc]
            counts[name][code] = n
        return {name: dict(sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))) for name, codes in counts.items()}


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


def _order(q: SearchQuery, matched: list[Candidate]) -> list[Candidate]:
    """Nearest first, or best score first; ties broken so that pages are stable."""
    if q.effective_sort == "distance":
        return sorted(matched, key=lambda c: (c[0], c[1][1]))
    if q.has_point:
        return sorted(matched, key=lambda c: (-c[1][6], c[0], c[1][1]))
    return sorted(matched, key=lambda c: (-c[1][6], c[1][5], c[1][1]))


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)
