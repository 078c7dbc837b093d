# SPDX-License-Identifier: Apache-2.0
"""Benchmark ``Store.nearest`` against the bare SQL that does the same job.

    .venv/bin/python bench/nearest.py [--venues 100000] [--queries 1000]
                                      [--backends sqlite,postgis] [--seed 1]

Generates synthetic venues spread over France like real ones (``_synthetic``),
bulk-loads them into each backend (SQLAlchemy Core executemany on SQLite, COPY
on PostgreSQL: the R*Tree triggers and the generated ``geog`` column fill the
spatial indexes), then times, per backend, two query kinds through the store's
API and through bare SQL on the same engine:

A. nearest 20, no filter;
B. nearest 20 within 30 km offering "aide-aux-demarches-administratives".

See ``bench/README.md`` for what "bare" means on each backend.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from math import cos, radians
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sqlalchemy as sa
from _synthetic import generate, sample_points

from directory.schema import Service
from directory.store import EARTH_RADIUS_M, VenueFilter, haversine_m, open_store
from directory.store.tables import VenueRow, VenueTermRow

venue_t = VenueRow.__table__
term_t = VenueTermRow.__table__

LIMIT = 20
RADIUS_KM = 30.0
SERVICE = Service.DEMARCHES.code
BATCH = 5000
WARMUP = 100
PARITY = 100
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"

KINDS = {
    "A": ("A nearest 20", dict(limit=LIMIT)),
    "B": (
        "B 20 in 30 km + service",
        dict(limit=LIMIT, radius_km=RADIUS_KM, filter=VenueFilter(terms={"services": [SERVICE]})),
    ),
    # What /api/lieux/proches runs since issue 17: the card's columns only, read by the query that finds them.
    "A cards": ("A nearest 20, cards", dict(limit=LIMIT)),
    "B cards": (
        "B 20 in 30 km + svc, cards",
        dict(limit=LIMIT, radius_km=RADIUS_KM, filter=VenueFilter(terms={"services": [SERVICE]})),
    ),
}


def api_call(store, key: str) -> Callable[..., list]:
    """``store.nearest`` (whole venues) or ``store.nearest_cards`` (the kinds named "cards")."""
    return store.nearest_cards if key.endswith("cards") else store.nearest


def result_ids(key: str, result: list) -> list[str]:
    return [n.id for n in result] if key.endswith("cards") else [n.venue.id for n in result]


# -- loading ------------------------------------------------------------------


def _batches(data: Sequence[tuple[dict[str, Any], list[tuple[str, str]]]]) -> Iterator[tuple[list[dict], list[dict]]]:
    for start in range(0, len(data), BATCH):
        venues, terms = [], []
        for pk, (row, row_terms) in enumerate(data[start : start + BATCH], start + 1):
            venues.append({**row, "pk": pk})
            terms.extend({"venue_pk": pk, "field": f, "code": c} for f, c in row_terms)
        yield venues, terms


def load_executemany(engine: sa.Engine, data: Sequence) -> None:
    """One transaction, Core executemany in batches (the R*Tree triggers fire per row)."""
    with engine.begin() as c:
        # 256 MB page cache for this connection (the default 2 MB makes the load 1.6x slower);
        # the engine is disposed after loading, so queries run with the store's own settings.
        c.exec_driver_sql("PRAGMA cache_size = -262144")
        for venues, terms in _batches(data):
            c.execute(venue_t.insert(), venues)
            c.execute(term_t.insert(), terms)


def load_copy(engine: sa.Engine, data: Sequence) -> None:
    """One transaction, COPY through psycopg (``geog`` is computed by the server), then ANALYZE."""
    columns = [c.name for c in venue_t.columns]
    json_columns = {c.name for c in venue_t.columns if isinstance(c.type, sa.JSON)}
    with engine.begin() as c:
        cursor = c.connection.dbapi_connection.cursor()
        with cursor.copy(f"COPY venue ({', '.join(columns)}) FROM STDIN") as copy:
            for pk, (row, _terms) in enumerate(data, 1):
                values = {**row, "pk": pk}
                copy.write_row(  # columns the generator does not fill (geo_method…) stay NULL
                    [
                        json.dumps(values[n]) if n in json_columns and values.get(n) is not None else values.get(n)
                        for n in columns
                    ]
                )
        with cursor.copy("COPY venue_term (venue_pk, field, code) FROM STDIN") as copy:
            for pk, (_row, terms) in enumerate(data, 1):
                for f, code in terms:
                    copy.write_row((pk, f, code))
        cursor.execute("SELECT setval(pg_get_serial_sequence('venue', 'pk'), (SELECT max(pk) FROM venue))")
        cursor.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.exec_driver_sql("ANALYZE venue")
        c.exec_driver_sql("ANALYZE venue_term")


# -- bare SQL -------------------------------------------------------------------

_M_PER_DEG = EARTH_RADIUS_M * 3.141592653589793 / 180
_FIRST_HALF_SIDE_M = 2_000.0  # as the store

# CROSS JOIN makes SQLite drive the join from the R*Tree whatever its statistics say.
_SQLITE_BOX = (
    "SELECT v.pk, v.id, v.latitude, v.longitude FROM venue_rtree r CROSS JOIN venue v ON v.pk = r.pk "
    "WHERE r.min_lat >= ? AND r.max_lat <= ? AND r.min_lon >= ? AND r.max_lon <= ? AND v.status = 'active'"
)
_SQLITE_FILTER = (
    " AND EXISTS (SELECT 1 FROM venue_term t WHERE t.venue_pk = v.pk AND t.field = 'services' AND t.code = ?)"
)

_PG_POINT = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography"
_PG_A = (
    f"SELECT pk, id, ST_Distance(geog, {_PG_POINT}, false) FROM venue "
    f"WHERE status = 'active' AND geog IS NOT NULL ORDER BY geog <-> {_PG_POINT} LIMIT {LIMIT}"
)
_PG_B = (  # the store's shape: KNN with the filters inside, the radius outside
    f"SELECT pk, id, d FROM (SELECT v.pk, v.id, ST_Distance(v.geog, {_PG_POINT}, false) AS d FROM venue v "
    "WHERE v.status = 'active' AND v.geog IS NOT NULL "
    "AND EXISTS (SELECT 1 FROM venue_term t WHERE t.venue_pk = v.pk AND t.field = 'services' AND t.code = %(code)s) "
    f"ORDER BY v.geog <-> {_PG_POINT} LIMIT {LIMIT}) nearest WHERE d <= %(radius)s"
)


@dataclass
class BoxStats:
    """What the grow-the-box loop did for one query."""

    rounds: int = 0
    rows: int = 0  # rows the R*Tree join returned, summed over rounds
    half: float = 0.0  # final half side, metres


def _box(lat: float, lon: float, half: float) -> tuple[float, float, float, float]:
    """South, north, west, east of the box holding the circle (France: no antimeridian, no pole)."""
    dlat = half / _M_PER_DEG
    south, north = lat - dlat, lat + dlat
    dlon = half / (_M_PER_DEG * cos(radians(max(abs(south), abs(north)))))
    return south, north, lon - dlon, lon + dlon


def _scan(
    cur: sqlite3.Cursor, sql: str, lat: float, lon: float, half: float, extra: tuple
) -> list[tuple[float, str, int]]:
    rows = cur.execute(sql, (*_box(lat, lon, half), *extra)).fetchall()
    return sorted((haversine_m(lat, lon, r[2], r[3]), r[1], r[0]) for r in rows)


def sqlite_bare_loop(
    cur: sqlite3.Cursor, lat: float, lon: float, radius_m: float | None, code: str | None, stats: BoxStats
) -> list[tuple[float, str, int]]:
    """The store's grow-the-box loop (same first box, same growth) in plain sqlite3."""
    sql = _SQLITE_BOX + (_SQLITE_FILTER if code else "")
    extra = (code,) if code else ()
    half = _FIRST_HALF_SIDE_M if radius_m is None else min(_FIRST_HALF_SIDE_M, radius_m)
    while True:
        scored = _scan(cur, sql, lat, lon, half, extra)
        stats.rounds += 1
        stats.rows += len(scored)
        stats.half = half
        if radius_m is not None:
            scored = [s for s in scored if s[0] <= radius_m]
        certain = [s for s in scored if s[0] <= half]
        covers = half >= 20_100_000.0 or (radius_m is not None and half >= radius_m)
        if len(certain) >= LIMIT or covers:
            return (scored if covers else certain)[:LIMIT]
        found = len(certain)
        factor = 2.0 if found else 4.0
        if found and found < LIMIT:
            factor = min(4.0, max(2.0, (LIMIT / found) ** 0.5 * 1.2))
        half = min(half * factor, 20_100_000.0)
        if radius_m is not None:
            half = min(half, radius_m)


def sqlite_bare_box(
    cur: sqlite3.Cursor, lat: float, lon: float, radius_m: float | None, code: str | None, half: float
) -> list[tuple[float, str, int]]:
    """One R*Tree box query with the box the loop ended up needing (a lower bound)."""
    sql = _SQLITE_BOX + (_SQLITE_FILTER if code else "")
    scored = _scan(cur, sql, lat, lon, half, (code,) if code else ())
    if radius_m is not None:
        scored = [s for s in scored if s[0] <= radius_m]
    return scored[:LIMIT]


# -- timing -----------------------------------------------------------------------


@dataclass
class Timings:
    api: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    oracle: list[float] = field(default_factory=list)
    api_ids: list[list[str]] = field(default_factory=list)
    bare_ids: list[list[str]] = field(default_factory=list)
    boxes: list[BoxStats] = field(default_factory=list)
    results: list[int] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)


def _pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _clock(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = fn()
    return (time.perf_counter() - t0) * 1000, result


def _store_plan(store, lat: float, lon: float, kwargs: dict[str, Any]) -> list[str]:
    """The query plan of the first spatial statement ``store.nearest`` runs."""
    statement, parameters = store.nearest_sql(lat, lon, **kwargs)
    with store.engine.connect() as c:
        if store.dialect == "sqlite":
            rows = c.connection.dbapi_connection.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
            return [r[3] for r in rows]
        cursor = c.connection.dbapi_connection.cursor()
        cursor.execute("EXPLAIN (COSTS OFF) " + statement, parameters)
        return [r[0] for r in cursor.fetchall()]


def run_kinds(
    store,
    points: Sequence[tuple[float, float]],
    budget_s: float,
    bare_for: Callable[[str, dict[str, Any], Any], Callable[[float, float, BoxStats], list]],
    oracle_for: Callable[[str, dict[str, Any], Any], Callable[[float, float, BoxStats], list]] | None = None,
) -> dict[str, Timings]:
    """Time every kind over the points: for each point the API, then the bare SQL.

    The loop stops after ``budget_s`` seconds, so a pathological plan still
    finishes (the table says how many queries were timed). Interleaved, so
    that load from other processes on a shared machine weighs on both alike.
    """
    out: dict[str, Timings] = {}
    with store.engine.connect() as c:
        for key, (_label, kwargs) in KINDS.items():
            t = out[key] = Timings()
            t.plan = _store_plan(store, *points[0], kwargs)
            bare = bare_for(key, kwargs, c)
            call = api_call(store, key)
            warm_until = time.perf_counter() + budget_s / 6
            for lat, lon in points[:WARMUP]:
                call(lat, lon, **kwargs)
                bare(lat, lon, BoxStats())
                if time.perf_counter() > warm_until:
                    break
            stop_at = time.perf_counter() + budget_s
            for i, (lat, lon) in enumerate(points):
                if time.perf_counter() > stop_at:
                    break
                ms, result = _clock(partial(call, lat, lon, **kwargs))
                t.api.append(ms)
                t.results.append(len(result))
                if i < PARITY:
                    t.api_ids.append(result_ids(key, result))
                stats = BoxStats()
                ms, result = _clock(partial(bare, lat, lon, stats))
                t.bare.append(ms)
                if stats.rounds:
                    t.boxes.append(stats)
                if i < PARITY:
                    t.bare_ids.append([r[1] for r in result])
            if oracle_for is not None:
                oracle = oracle_for(key, kwargs, c)
                for (lat, lon), stats in zip(points, t.boxes):
                    t.oracle.append(_clock(partial(oracle, lat, lon, stats))[0])
        c.rollback()
    return out


def _sqlite_args(kwargs: dict[str, Any]) -> tuple[float | None, str | None]:
    radius_km = kwargs.get("radius_km")
    return (radius_km * 1000 if radius_km is not None else None), (SERVICE if "filter" in kwargs else None)


def sqlite_bare_for(_key: str, kwargs: dict[str, Any], c: sa.Connection) -> Callable:
    cur = c.connection.dbapi_connection.cursor()
    radius_m, code = _sqlite_args(kwargs)
    return lambda lat, lon, stats: sqlite_bare_loop(cur, lat, lon, radius_m, code, stats)


def sqlite_oracle_for(_key: str, kwargs: dict[str, Any], c: sa.Connection) -> Callable:
    cur = c.connection.dbapi_connection.cursor()
    radius_m, code = _sqlite_args(kwargs)
    return lambda lat, lon, stats: sqlite_bare_box(cur, lat, lon, radius_m, code, stats.half)


def postgis_bare_for(key: str, _kwargs: dict[str, Any], c: sa.Connection) -> Callable:
    sql = _PG_A if key.startswith("A") else _PG_B

    def bare(lat: float, lon: float, _stats: BoxStats) -> list:
        params = {"lat": lat, "lon": lon, "radius": RADIUS_KM * 1000, "code": SERVICE}
        return c.exec_driver_sql(sql, params).fetchall()

    return bare


def run_sqlite(store, points: Sequence[tuple[float, float]], budget_s: float) -> dict[str, Timings]:
    return run_kinds(store, points, budget_s, sqlite_bare_for, sqlite_oracle_for)


def run_postgis(store, points: Sequence[tuple[float, float]], budget_s: float) -> dict[str, Timings]:
    return run_kinds(store, points, budget_s, postgis_bare_for)


# -- backends ------------------------------------------------------------------------


@contextmanager
def sqlite_url() -> Iterator[str]:
    directory = tempfile.mkdtemp(prefix="bench-nearest-")
    try:
        yield f"sqlite:///{directory}/venues.db"
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def postgis_url() -> Iterator[str]:
    name = f"bench_nearest_{os.getpid()}"
    admin = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


BACKENDS = {
    "sqlite": (sqlite_url, load_executemany, run_sqlite),
    "postgis": (postgis_url, load_copy, run_postgis),
}


# -- report ------------------------------------------------------------------------------


def _fmt3(values: Sequence[float]) -> str:
    return "/".join(f"{_pct(values, p):.2f}" for p in (50, 95, 99))


def _engine_version(store) -> str:
    with store.engine.connect() as c:
        if store.dialect == "sqlite":
            return f"SQLite {sqlite3.sqlite_version}"
        pg = c.exec_driver_sql("SHOW server_version").scalar_one().split()[0]
        postgis = c.exec_driver_sql("SELECT extversion FROM pg_extension WHERE extname = 'postgis'").scalar_one()
        return f"PostgreSQL {pg} + PostGIS {postgis}"


def _analyze_sqlite(store) -> None:
    """ANALYZE, then drop pooled connections: the R*Tree reads its row count when a connection opens it."""
    with store.engine.begin() as c:
        c.exec_driver_sql("ANALYZE")
    store.engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venues", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--backends", default="sqlite,postgis")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--budget",
        type=float,
        default=30.0,
        help="seconds of timed API queries per backend and query kind (a slow plan is cut short; default 30)",
    )
    parser.add_argument(
        "--small",
        action="store_true",
        help="2,000 venues, 60 queries, 2 s budgets: a few seconds, what the test suite runs (both backends)",
    )
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="do not re-run the SQLite queries after ANALYZE (the store itself never runs ANALYZE)",
    )
    args = parser.parse_args(argv)
    if args.small:
        args.venues, args.queries, args.budget = 2_000, 60, 2.0
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backends: {sorted(unknown)}")

    print(
        f"bench/nearest.py --venues {args.venues} --queries {args.queries} --backends {','.join(backends)} "
        f"--seed {args.seed} --budget {args.budget:g}{' --no-analyze' if args.no_analyze else ''}"
    )
    print(
        f"Python {platform.python_version()}, SQLAlchemy {sa.__version__}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}"
    )
    started = time.perf_counter()
    ms, data = _clock(lambda: list(generate(args.venues, args.seed)))
    points = sample_points(args.queries, args.seed)
    print(
        f"generated {len(data):,} venues, {sum(len(t) for _r, t in data):,} terms, {len(points):,} query points in {ms / 1000:.1f} s"
    )

    report: dict[str, dict[str, Timings]] = {}
    for backend in backends:
        make_url, load, run = BACKENDS[backend]
        with make_url() as url:
            store = open_store(url, upgrade=True)
            try:
                ms, _ = _clock(partial(load, store.engine, data))
                store.engine.dispose()
                count = store.count_venues()
                assert count == len(data), (count, len(data))
                print(
                    f"{backend:8} {_engine_version(store)}: loaded {count:,} venues in {ms / 1000:.1f} s "
                    f"({count / (ms / 1000):,.0f} venues/s; {load.__doc__.split('(')[0].strip().rstrip(',')})",
                    flush=True,
                )
                report[backend] = run(store, points, args.budget)
                if backend == "sqlite" and not args.no_analyze:
                    ms, _ = _clock(partial(_analyze_sqlite, store))
                    print(f"sqlite   ANALYZE in {ms / 1000:.1f} s", flush=True)
                    report["sqlite+ANALYZE"] = run(store, points, args.budget)
            finally:
                store.close()

    print()
    header = (
        f"{'backend':14} {'query':25} {'n':>5} {'api p50/p95/p99 ms':>22} "
        f"{'bare p50/p95/p99 ms':>20} {'ratio p50/p95':>14}"
    )
    print(header)
    print("-" * len(header))
    for backend, kinds in report.items():
        for key, t in kinds.items():
            ratio = f"{_pct(t.api, 50) / _pct(t.bare, 50):.1f}/{_pct(t.api, 95) / _pct(t.bare, 95):.1f}"
            print(f"{backend:14} {KINDS[key][0]:25} {len(t.api):>5} {_fmt3(t.api):>22} {_fmt3(t.bare):>20} {ratio:>14}")
            if t.oracle:
                ratio = f"{_pct(t.api, 50) / _pct(t.oracle, 50):.1f}/{_pct(t.api, 95) / _pct(t.oracle, 95):.1f}"
                label = "  bare: one final box"
                print(f"{'':14} {label:25} {len(t.oracle):>5} {'':>22} {_fmt3(t.oracle):>20} {ratio:>14}")
    print()
    for backend, kinds in report.items():
        for key, t in kinds.items():
            same = sum(a == b for a, b in zip(t.api_ids, t.bare_ids))
            line = (
                f"{backend:14} {key}: api = bare ids on {same}/{len(t.api_ids)}; "
                f"{statistics.mean(t.results):.1f} results/query, < {LIMIT} on {sum(r < LIMIT for r in t.results)}"
            )
            if t.boxes:
                rounds = [b.rounds for b in t.boxes]
                rows = [b.rows for b in t.boxes]
                line += (
                    f"; box rounds mean {statistics.mean(rounds):.2f} max {max(rounds)}; "
                    f"R*Tree rows mean {statistics.mean(rows):.0f} p95 {_pct(rows, 95):.0f} max {max(rows)}"
                )
            print(line)
    if "postgis" in report:
        for other in (b for b in report if b != "postgis"):
            for key in KINDS:
                a, b = report[other][key].api_ids, report["postgis"][key].api_ids
                same = sum(x == y for x, y in zip(a, b))
                print(
                    f"parity {other} vs postgis, {key}: same ids in the same order on {same}/{min(len(a), len(b))} queries"
                )
    print()
    for backend, kinds in report.items():
        for key, t in kinds.items():
            plan = " | ".join(line.strip() for line in t.plan)
            print(f"plan {backend} {key}: {plan}")
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
