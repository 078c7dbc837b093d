# SPDX-License-Identifier: Apache-2.0
"""Benchmarks that cannot rot (issue 17, item 5): every ``bench/*.py`` runs with ``--small`` in
seconds and prints its figures; here each one runs so, on both backends where it has both. No
timing is asserted: what is checked is that it completes and says what it measured."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import unavailable

ROOT = Path(__file__).resolve().parents[2]
BENCHES = sorted(p.name for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_"))
#: Benchmarks that measure one backend at a time, chosen by an option: their small mode on PostGIS too.
POSTGIS_VARIANTS = ["harvest.py --store postgresql --bulk"]

#: What each benchmark's small run must print (lines of its report); a new benchmark runs too, its
#: output only required to be there.
PRINTS = {
    "export.py": ["national CSV over HTTP", "federation full sync", "incremental / full"],
    "harvest.py": ["x bare", "planted near-duplicates of N"],
    "harvest.py --store postgresql --bulk": [
        "PostGIS",
        "x bare",
        "planted near-duplicates of N",
        "PostgreSQL database after",
        "executemany s",
    ],
    "intake.py": ["demo: import", "1st", "2nd"],
    "load.py": ["req/s", "p50/p95/p99", "server CPU s", "ms/req", "client CPU s", "throughput 2 workers / 1"],
    "matching.py": ["paires sur", "µs/paire", "décisions"],
    "nearest.py": [
        "sqlite         A nearest 20",
        "postgis        A nearest 20, cards",
        "parity sqlite vs postgis, B cards",
    ],
    "pages.py": ["results page", "map of 200 venues", "embed"],
    "postcode.py": ["postcode first ms", "69008"],
    "search.py": ["text-first", "area-first", "planner"],
    "search_api.py": ["embedded api", "bare engine", "requests/s"],
}
NEEDS_POSTGIS = {"nearest.py", *POSTGIS_VARIANTS}
NEEDS_CHROMIUM = {"pages.py"}


def test_every_benchmark_is_run_here():
    assert set(PRINTS) <= set(BENCHES) | set(POSTGIS_VARIANTS), "a benchmark named here is gone: remove it from PRINTS"


@pytest.mark.parametrize(
    "bench",
    [pytest.param(b, marks=pytest.mark.browser) if b in NEEDS_CHROMIUM else b for b in BENCHES] + POSTGIS_VARIANTS,
)
def test_small_mode_runs_and_prints_its_figures(bench):
    if bench in NEEDS_POSTGIS:
        try:
            socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
        except OSError:
            unavailable(f"PostgreSQL absent de 127.0.0.1:5432 : bench/{bench} --small non essayé sur PostGIS")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script, *options = bench.split()
    done = subprocess.run(
        [sys.executable, f"bench/{script}", "--small", *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip(), f"bench/{bench} --small printed nothing"
    for line in PRINTS.get(bench, PRINTS.get(script, [])):
        assert line in done.stdout, (line, done.stdout[-3000:])


def test_the_load_bench_runs_without_wrk():
    """Its pure-Python client, for a machine without wrk (``--client python``): same report."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "bench/load.py", "--small", "--client", "python", "--workers", "1", "--clients", "2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "client: python asyncio" in done.stdout
    row = next(line.split() for line in done.stdout.splitlines() if line.split()[:2] == ["1", "2"])
    requests, errors, server_cpu = int(row[2]), int(row[5]), float(row[7])
    assert requests > 0 and errors == 0 and server_cpu > 0, done.stdout
