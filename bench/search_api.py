# SPDX-License-Identifier: Apache-2.0
"""Benchmark the search API over HTTP against the bare engine queries it wraps, then under load.

    .venv/bin/python bench/search_api.py [--venues 100000] [--queries 1000] [--seed 1]
                                         [--radius 30] [--clients 50] [--requests 3000]

Loads ``--venues`` synthetic venues with French descriptions (``search.described``)
into a SQLite store; the app is served in its own process (``_server.AppServer``),
which builds its embedded search index from the store at start. Then:

- **api**: ``GET /api/lieux?q=…&lat=…&lon=…&rayon=30&services=…&frais_a_charge=…``
  ("text + point + two filters", 20 nearest, facets counted), one client, time to
  the last byte; the words cycle through a frequent, a common, a rare one and a prefix;
- **bare**: the SQL statements the embedded index reports for the same query
  (``Fts5Index.statements``), run on a plain ``sqlite3`` connection to the same
  index file (``execute`` + ``fetchall``): the engine's own cost;
- **load**: ``--clients`` concurrent clients (``httpx.AsyncClient``) sending
  ``--requests`` such requests in all: throughput and errors (non-200 or exceptions).

The Meilisearch backend runs when ``MEILI_URL`` is set (not on these machines).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _server import AppServer
from _small import parse_args
from _synthetic import sample_points
from nearest import load_executemany
from search import WORDS, described, fmt, percentiles, queries

from directory.search import Fts5Index, SearchQuery
from directory.search.embedded import PRAGMAS
from directory.store import open_store

WARMUP = 50


def api_params(q: SearchQuery) -> list[tuple[str, str]]:
    """The query string of the API call equivalent to ``q``."""
    params = [("q", q.text), ("lat", f"{q.lat:.6f}"), ("lon", f"{q.lon:.6f}"), ("rayon", f"{q.radius_km:g}")]
    params += [(name, code) for name, codes in q.filters.items() for code in codes]
    return params


def with_facets(q: SearchQuery) -> SearchQuery:
    """What the API asks the index for the same parameters (it counts facets)."""
    from directory.web.finder import FACETS

    return SearchQuery(text=q.text, lat=q.lat, lon=q.lon, radius_km=q.radius_km, filters=q.filters, facets=FACETS)


async def load_test(base: str, qs: list[SearchQuery], clients: int, total: int) -> tuple[float, int, list[float]]:
    """``clients`` workers share ``total`` requests; returns (seconds, errors, latencies ms)."""
    counter = iter(range(total))
    errors = 0
    latencies: list[float] = []

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        for i in counter:
            started = time.perf_counter()
            try:
                r = await client.get("/api/lieux", params=api_params(qs[i % len(qs)]))
                if r.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append((time.perf_counter() - started) * 1000)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        return time.perf_counter() - started, errors, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venues", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--radius", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3_000)
    args = parse_args(parser, venues=2_000, queries=50, clients=5, requests=100)
    print(
        f"bench/search_api.py --venues {args.venues} --queries {args.queries} --clients {args.clients} --requests {args.requests}"
    )
    print(
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}"
    )
    if not os.environ.get("MEILI_URL"):
        print("Meilisearch: skipped (MEILI_URL not set; no server on this machine)")
    folder = Path(tempfile.mkdtemp(prefix="bench-search-api-"))
    try:
        started = time.perf_counter()
        db = folder / "directory.db"
        store = open_store(f"sqlite:///{db}", upgrade=True)
        load_executemany(store.engine, list(described(args.venues, args.seed)))
        store.close()
        loaded = time.perf_counter()
        server = AppServer(db, folder)
        print(
            f"{args.venues:,} venues loaded in {loaded - started:.1f} s; app started and index built in {time.perf_counter() - loaded:.1f} s"
        )
        try:
            qs = queries(sample_points(args.queries + WARMUP, args.seed), args.radius, args.seed)
            index = Fts5Index(folder / "search.db")  # the server's index file, read here for the bare statements
            bare = sqlite3.connect(str(folder / "search.db"))
            for pragma in PRAGMAS:
                bare.execute(f"PRAGMA {pragma}")
            api_ms: list[float] = []
            bare_ms: list[float] = []
            with httpx.Client(base_url=server.base, timeout=60) as client:
                for i, q in enumerate(qs):
                    t0 = time.perf_counter()
                    r = client.get("/api/lieux", params=api_params(q))
                    elapsed = (time.perf_counter() - t0) * 1000
                    r.raise_for_status()
                    statements = index.statements(with_facets(q))
                    t0 = time.perf_counter()
                    for st in statements:
                        bare.execute(st.sql, st.params).fetchall()
                    bare_elapsed = (time.perf_counter() - t0) * 1000
                    if i >= WARMUP:
                        api_ms.append(elapsed)
                        bare_ms.append(bare_elapsed)
            pa, pb = percentiles(api_ms), percentiles(bare_ms)
            print(
                f"\n{args.queries} API calls, text ({', '.join(WORDS)}) + point + {args.radius:g} km + two filters, facets counted:"
            )
            print(f"  embedded api  p50/p95/p99 {fmt(pa)} ms")
            print(f"  bare engine   p50/p95/p99 {fmt(pb)} ms")
            print(f"  ratio         p50/p95/p99 {pa[0] / pb[0]:.1f}/{pa[1] / pb[1]:.1f}/{pa[2] / pb[2]:.1f}")
            index.close()
            bare.close()

            seconds, errors, latencies = asyncio.run(load_test(server.base, qs[WARMUP:], args.clients, args.requests))
            pl = percentiles(latencies)
            print(
                f"\nload: {args.clients} concurrent clients, {args.requests} requests in {seconds:.1f} s → "
                f"{args.requests / seconds:.0f} requests/s, {errors} errors, latency p50/p95/p99 {fmt(pl)} ms"
            )
            print(f"server peak RSS {server.status('VmHWM') / 1024:.0f} MB")
        finally:
            server.stop()
        print(f"\ntotal {time.perf_counter() - started:.0f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
