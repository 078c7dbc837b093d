# SPDX-License-Identifier: Apache-2.0
"""The embedded index's query planner: which index drives, and the SQL it runs.

SQLite does not choose between the full-text index and the R*Tree, and the
wrong choice costs 100× either way (reference/performance.md §2.2). So each
query estimates, from document counts kept in memory, the rows each way would
read, and takes the cheapest:

- ``text``: the FTS5 index drives (``MATCH``); cost = documents matching the
  rarest word group;
- ``filter``: the most selective filter code or territory drives (term table
  or département/INSEE/postcode index); cost = its documents;
- ``area`` (with a point): the R*Tree drives, in a box that grows until the
  page is certain; cost ≈ 2 × wanted ÷ share of documents matching everything
  (words, codes and territory counted as independent). Matches are not spread
  evenly, so before each growth the box's points are counted: when the next
  box would read more rows than the cheapest other plan, that plan finishes
  the query (``area>text``, ``area>filter``).

With a radius, every match lies in the radius's box, whose points the R*Tree
counts at ~0.1 µs each. When it holds fewer points than the chosen plan would
read (a text or filter index yielding matches from all over the country, or an
area plan expected to grow to the radius anyway, as when facets are counted
over every match), its points are read once instead (``text>radius``,
``filter>radius``; ``area`` replays its growth on them): the same rows in the
same order, read from a few hundred points instead of tens of thousands. A
crowded box (a city) is first narrowed in memory: its points' codes and
distances checked in one vectorised pass (``embedded._Points``), the statement
then reads only the documents left (``statement(docids=…)``).

Without a point, a text query always lets the text index drive and ranks
*every* match in SQL (our score, then FTS5's ``bm25`` with names weighing
``NAME_BOOST`` times the description), keeping the best ``cap`` + 1: the best
venue of a word found all over the country is never left out of the
candidates. Without a point or text, a filter plan reads the first ``cap`` + 1
rows in name order. Either way the total then says it is capped.

Every statement returns the columns of ``COLUMNS`` in the order the results
are given (``ORDER BY`` in SQL): distances are computed by SQLite (the
haversine formula of ``schema.geometry``, with its math functions), the
radius is a ``WHERE`` condition, and facet counts are made from the mask
columns in one vectorised pass (``embedded._count_bits``). Scores that do not
order anything (nearest first) are computed for the page only (``page_scores``).

Whatever drives, the other conditions are checked on the rows it yields,
cheapest first: filter codes as bit masks on the narrow ``doc`` row (an
``EXISTS`` on the term table costs ~1 µs a row, a mask test nothing), then
words by ``instr`` on the space-padded folded text of ``doc_text``, read only
for rows that passed (an FTS5 lookup per row costs ~15 µs, and rebuilds the
whole doclist of a prefix each time). Scores are computed the same way for
every strategy, so the strategy never changes the answer.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from directory.schema import EARTH_RADIUS_M

from ._text import NAME_BOOST, TextPlan
from ._vocab import IndexStats
from .base import SearchQuery

__all__ = [
    "BITS_PER_COLUMN",
    "COLUMNS",
    "FIRST_HALF_SIDE_M",
    "MASK_COLUMNS",
    "MASKS",
    "Plan",
    "Statement",
    "WORLD_HALF_SIDE_M",
    "box",
    "field_masks",
    "make_plan",
]

M_PER_DEG = EARTH_RADIUS_M * math.pi / 180
FIRST_HALF_SIDE_M = 2_000.0
WORLD_HALF_SIDE_M = 20_100_000.0
AREA_ROW_COST = 2.0  # box rows are read again at each round of growth
SMALL_TERRITORY = 50  # documents expected in one commune or postcode
REACH_WORTH_COUNTING = 100  # below this many rows read, counting the radius's box costs more than it saves
_PAD_DEG = 1e-5  # the R*Tree stores 32-bit floats (~0.5 m): never lose a point on the edge

#: What every statement returns, by position (``embedded`` reads rows by these indexes).
COLUMNS = ("docid", "id", "lat", "lon", "horaires", "sort_name", "score", "distance", "m0", "m1", "m2", "m3")
DOCID, ID, LAT, LON, HOURS, SORT_NAME, SCORE, DISTANCE = range(8)
MASKS = slice(8, 12)
MASK_COLUMNS = 4  # doc.m0 … doc.m3: 252 (field, code) bits; the standard has 155 codes
BITS_PER_COLUMN = 63  # the sign bit stays clear

Bits = Mapping[tuple[str, str], int]


def field_masks(bits: Bits, name: str, codes: Iterable[str]) -> dict[int, int]:
    """Mask column → bits of ``codes`` of field ``name`` (codes never indexed have no bit)."""
    masks: dict[int, int] = {}
    for code in codes:
        bit = bits.get((name, code))
        if bit is not None:
            column, offset = divmod(bit, BITS_PER_COLUMN)
            masks[column] = masks.get(column, 0) | (1 << offset)
    return masks


@dataclass(frozen=True, slots=True)
class Statement:
    """One SQL statement with its positional parameters."""

    sql: str
    params: tuple[Any, ...]


def box(lat: float, lon: float, half_m: float) -> tuple[float, float, list[tuple[float, float]]]:
    """South, north and longitude ranges of the box holding the circle of radius ``half_m``."""
    dlat = half_m / M_PER_DEG
    south, north = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    polar = max(abs(south), abs(north))
    if polar >= 89.0 or half_m >= WORLD_HALF_SIDE_M / 2:
        return south, north, [(-180.0, 180.0)]
    dlon = half_m / (M_PER_DEG * math.cos(math.radians(polar)))
    west, east = lon - dlon, lon + dlon
    if west < -180.0:
        return south, north, [(west + 360.0, 180.0), (-180.0, east)]
    if east > 180.0:
        return south, north, [(west, 180.0), (-180.0, east - 360.0)]
    return south, north, [(west, east)]


@dataclass
class _Sql:
    """A statement under construction: fragments and their parameters, in order."""

    parts: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, sql: str, *params: Any) -> _Sql:
        self.parts.append(sql)
        self.params.extend(params)
        return self

    def done(self) -> Statement:
        return Statement(" ".join(self.parts), tuple(self.params))


@dataclass(frozen=True)
class Plan:
    """What the embedded index will do for one query."""

    q: SearchQuery
    text: TextPlan | None
    bits: Bits
    strategy: str  # text | filter | area | none
    driver: str  # the filter field or territory that drives a ``filter`` plan
    estimates: dict[str, float]
    need: int  # ordered results to collect before stopping (area)
    share: float = 1.0  # expected share of documents matching every condition
    fallback: str | None = None  # the cheapest other strategy, should the box grow too far
    forced: bool = False  # a strategy forced by tests or benchmarks runs pure (no fallback, no radius box)

    def box_count(self, half_m: float) -> Statement:
        """How many points the box of half side ``half_m`` holds (what a round reads)."""
        q = self.q
        assert q.lat is not None and q.lon is not None
        south, north, ranges = box(q.lat, q.lon, half_m)
        lon_sql, lon_params = _ranges("min_lon >= ? AND max_lon <= ?", ranges, pad=_PAD_DEG)
        return Statement(
            f"SELECT count(*) FROM doc_rtree WHERE min_lat >= ? AND max_lat <= ? AND {lon_sql}",
            (south - _PAD_DEG, north + _PAD_DEG, *lon_params),
        )

    def should_fall_back(self, box_rows: int, growth: float) -> bool:
        """True when the next, grown box is expected to read more rows than the fallback plan."""
        if self.fallback is None:
            return False
        return box_rows * growth**2 > self.estimates[self.fallback]

    def switched(self) -> Plan:
        """The same query under the fallback strategy."""
        assert self.fallback is not None
        return replace(self, strategy=self.fallback, fallback=None)

    @property
    def reach_m(self) -> float | None:
        """Half side of the box holding every possible match (the radius), None without a point or radius."""
        q = self.q
        return q.radius_km * 1000 if q.has_point and q.radius_km is not None else None

    def reach_count(self) -> Statement | None:
        """How many points the radius's box holds, when reading them once could beat this plan's own
        reads (None: no radius, a plan too cheap to be worth the count, or a forced strategy)."""
        reach = self.reach_m
        if reach is None or self.forced or self.estimates.get(self.strategy, 0) <= REACH_WORTH_COUNTING:
            return None
        return self.box_count(reach)

    def reads_reach(self, points: int) -> bool:
        """True when reading the ``points`` of the radius's box once costs less than this plan's reads:
        the rows the text or filter index yields, or the boxes of the area plan as it grows."""
        return points <= self.estimates[self.strategy]

    def reach_statement(self, docids: list[int] | None = None) -> Statement:
        """Every match within the radius, in result order, read through the R*Tree of the radius's box
        (or among ``docids``, a superset of them): the rows (and order) the text and filter plans
        give, and the area plan's last box."""
        assert self.reach_m is not None
        if docids is not None:
            return replace(self, strategy="filter", driver="").statement(docids=docids)
        return replace(self, strategy="area").statement(self.reach_m)

    @property
    def capped_scan(self) -> bool:
        """Without a point, at most ``q.cap`` + 1 rows are read (the best ones: see ``order_by``)."""
        return not self.q.has_point

    @property
    def scored(self) -> bool:
        """The score orders the results, so every candidate needs it (else: the page only)."""
        return self.text is not None and self.q.effective_sort == "relevance"

    def statement(self, half_m: float | None = None, docids: list[int] | None = None) -> Statement:
        """The statement for this plan (``area``: for the box of half side ``half_m``; ``docids``:
        over these documents only, every other condition checked as by the filter plan)."""
        q = self.q
        hours = "d.horaires" if q.has_hours_filter else "NULL"
        sort_name = "NULL" if q.has_point else "d.sort_name"
        s = _Sql().add(f"SELECT d.docid, d.id, d.lat, d.lon, {hours}, {sort_name},")
        if self.scored:
            self._score(s)
        else:
            s.add("0.0")
        s.add("AS score,")
        self._distance(s)
        s.add("AS dist_m, d.m0, d.m1, d.m2, d.m3")
        where: list[tuple[str, tuple[Any, ...]]] = []
        if self.strategy == "text":
            assert self.text is not None
            s.add("FROM doc_fts CROSS JOIN doc d ON d.docid = doc_fts.rowid")
            where.append(("doc_fts MATCH ?", (self.text.fts_match(),)))
        elif self.strategy == "area":
            assert half_m is not None and q.lat is not None and q.lon is not None
            s.add("FROM doc_rtree r CROSS JOIN doc d ON d.docid = r.docid")
            south, north, ranges = box(q.lat, q.lon, half_m)
            where.append(("r.min_lat >= ? AND r.max_lat <= ?", (south - _PAD_DEG, north + _PAD_DEG)))
            where.append(_ranges("r.min_lon >= ? AND r.max_lon <= ?", ranges, pad=_PAD_DEG))
        elif docids is not None:
            s.add("FROM json_each(?) j CROSS JOIN doc d ON d.docid = j.value", json.dumps(docids))
        else:
            s.add("FROM doc d" + _INDEXED_BY.get(self.driver, ""))
        if self.text is not None and (self.scored or self.strategy != "text"):
            # Joined last: SQLite tests the doc row's conditions before reading the text.
            s.add("CROSS JOIN doc_text x ON x.docid = d.docid")
        where.extend(self._conditions())
        if where:
            s.add("WHERE " + " AND ".join(sql for sql, _p in where), *(p for _s, params in where for p in params))
        s.add("ORDER BY " + self.order_by())
        if self.capped_scan:
            s.add("LIMIT ?", q.cap + 1)
        return s.done()

    def order_by(self) -> str:
        """Results in their final order: nearest first, or best score first (ties: nearer,
        then FTS5's ``bm25`` without a point, then name), then id, so that pages are stable."""
        q = self.q
        if q.effective_sort == "distance":
            return "dist_m, d.id"
        if q.has_point:
            return "score DESC, dist_m, d.id" if self.scored else "dist_m, d.id"
        if self.scored and self.strategy == "text":
            return f"score DESC, bm25(doc_fts, {NAME_BOOST}, 1.0), d.sort_name, d.id"
        return "score DESC, d.sort_name, d.id" if self.scored else "d.sort_name, d.id"

    def page_scores(self, docids: list[int]) -> Statement | None:
        """The scores of a page of results, when they were not computed for every candidate."""
        if self.scored or self.text is None or not docids:
            return None
        s = _Sql().add("SELECT x.docid,")
        self._score(s)
        s.add("FROM doc_text x WHERE x.docid IN (SELECT value FROM json_each(?))", json.dumps(docids))
        return s.done()

    def _distance(self, s: _Sql) -> None:
        """The haversine distance in metres to the query point, as ``schema.geometry.haversine_m``."""
        q = self.q
        if q.lat is None or q.lon is None:
            s.add("NULL")
            return
        p1 = math.radians(q.lat)
        s.add(
            f"2 * {EARTH_RADIUS_M!r} * asin(min(1.0, sqrt(pow(sin((radians(d.lat) - ?) / 2), 2)"
            " + ? * cos(radians(d.lat)) * pow(sin(radians(d.lon - ?) / 2), 2))))",
            p1,
            math.cos(p1),
            q.lon,
        )

    def _score(self, s: _Sql) -> None:
        assert self.text is not None
        groups = []
        for group in self.text.groups:
            cases = []
            for alt in group.alternatives:
                weight = alt.weight * self.text.idf(alt)
                cases.append(
                    (
                        "CASE WHEN instr(x.fname, ?) THEN ? WHEN instr(x.fbody, ?) THEN ? ELSE 0.0 END",
                        (alt.pattern(), weight * NAME_BOOST, alt.pattern(), weight),
                    )
                )
            sql = cases[0][0] if len(cases) == 1 else "max(" + ", ".join(c for c, _p in cases) + ")"
            groups.append((sql, tuple(p for _c, params in cases for p in params)))
        s.add("(" + " + ".join(sql for sql, _p in groups) + ")", *(p for _s, params in groups for p in params))

    def _conditions(self) -> list[tuple[str, tuple[Any, ...]]]:
        q = self.q
        out: list[tuple[str, tuple[Any, ...]]] = []
        for name, codes in q.filters.items():
            if self.strategy == "filter" and self.driver == name:
                marks = ", ".join("?" * len(codes))
                out.append(
                    (f"d.docid IN (SELECT docid FROM term WHERE field = ? AND code IN ({marks}))", (name, *codes))
                )
                continue
            masks = field_masks(self.bits, name, codes)
            if not masks:
                out.append(("0", ()))  # no document has any of these codes
            else:
                out.append(("(" + " OR ".join(f"d.m{k} & ?" for k in masks) + ")", tuple(masks.values())))
        for column in ("departement", "code_insee", "code_postal"):
            value = getattr(q, column)
            if value is not None:
                out.append((f"d.{column} = ?", (value,)))
        if q.communes:
            out.append((f"d.code_insee IN ({', '.join('?' * len(q.communes))})", tuple(q.communes)))
        if q.bbox is not None:
            south, west, north, east = q.bbox
            out.append(("d.lat BETWEEN ? AND ? AND d.lon BETWEEN ? AND ?", (south, north, west, east)))
        if self.text is not None and self.strategy != "text":
            for group in self.text.groups:
                alts = [a.pattern() for a in group.alternatives]
                sql = " OR ".join("instr(x.fname, ?) OR instr(x.fbody, ?)" for _a in alts)
                out.append((f"({sql})", tuple(p for a in alts for p in (a, a))))
        if q.has_point and self.strategy != "area":
            assert q.lat is not None and q.lon is not None
            if q.radius_km is None:
                out.append(("d.lat IS NOT NULL", ()))
            else:
                south, north, ranges = box(q.lat, q.lon, q.radius_km * 1000)
                out.append(("d.lat BETWEEN ? AND ?", (south, north)))
                out.append(_ranges("d.lon BETWEEN ? AND ?", ranges))
        if q.has_point and q.radius_km is not None:
            # SQLite resolves a column alias in WHERE: the distance computed once per row, in C.
            out.append(("dist_m <= ?", (q.radius_km * 1000,)))
        return out


_INDEXED_BY = {
    "departement": " INDEXED BY doc_departement",
    "code_insee": " INDEXED BY doc_insee",
    "code_postal": " INDEXED BY doc_postcode",
    "communes": " INDEXED BY doc_insee",
}


def _ranges(sql: str, ranges: list[tuple[float, float]], pad: float = 0.0) -> tuple[str, tuple[Any, ...]]:
    params = tuple(p for w, e in ranges for p in (w - pad, e + pad))
    if len(ranges) == 1:
        return sql, params
    return "(" + " OR ".join(f"({sql})" for _r in ranges) + ")", params


def make_plan(q: SearchQuery, text: TextPlan | None, stats: IndexStats, bits: Bits, force: str | None = None) -> Plan:
    """Choose the strategy for ``q`` from the document counts in ``stats``."""
    n = max(1, stats.n_docs)
    need = q.cap if (q.facets or q.effective_sort == "relevance") else q.wanted
    shares: list[float] = []
    estimates: dict[str, float] = {}
    if text is not None:
        estimates["text"] = text.estimate
        shares.append(text.estimate / n)
    drivers: dict[str, float] = {}
    for name, codes in q.filters.items():
        drivers[name] = stats.term_count(name, codes)
    if q.departement is not None:
        drivers["departement"] = stats.departements.get(q.departement, 0)
    for column in ("code_insee", "code_postal"):
        if getattr(q, column) is not None:
            drivers[column] = min(n, SMALL_TERRITORY)
    if q.communes:
        drivers["communes"] = min(n, SMALL_TERRITORY * len(q.communes))
    shares.extend(v / n for v in drivers.values())
    driver = min(drivers, key=lambda k: drivers[k], default="")
    if driver:
        estimates["filter"] = drivers[driver]
    elif text is None and not q.has_point:
        estimates["filter"] = n  # a walk through every document, in name order
    if q.has_point:
        share = max(math.prod(shares), 1 / n)
        estimates["area"] = AREA_ROW_COST * min(n, need / share)
    if (text is not None and text.estimate == 0) or any(v == 0 for v in drivers.values()):
        strategy = "none"
    elif text is not None and not q.has_point:
        strategy = "text"  # only the text index ranks every match (bm25): see the module docstring
    elif force is not None and (force in estimates or force == "filter"):
        strategy = force  # tests and benchmarks compare strategies on the same query
    else:
        strategy = min(estimates, key=lambda k: estimates[k])
    others = {k: v for k, v in estimates.items() if k != "area"}
    # A forced strategy runs pure (no fallback), so that comparisons measure it alone.
    fallback = min(others, key=lambda k: others[k]) if strategy == "area" and others and force is None else None
    return Plan(q, text, bits, strategy, driver, estimates, need, math.prod(shares), fallback, force is not None)
