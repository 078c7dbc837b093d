# SPDX-License-Identifier: Apache-2.0
"""``directory serve`` and ``reindex`` in front of a search server that does not answer; the
workers' index following the store; the benchmarks' small modes (they run, they print)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from directory.cli import main
from directory.search import Fts5Index, SearchQuery, following, rebuild
from directory.store import open_store

from ..conftest import unavailable

ROOT = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("command", [["reindex"], ["serve", "--port", "0"]])
def test_a_search_server_that_does_not_answer_is_a_french_error(tmp_path: Path, command: list[str]):
    env = {
        "DIRECTORY_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'directory.db'}",
        "DIRECTORY_MEILI_URL": f"http://127.0.0.1:{closed_port()}",
        "DIRECTORY_MEILI_KEY": "clé",
    }
    open_store(env["DATABASE_URL"], upgrade=True).close()
    result = CliRunner().invoke(main, command, env=env)
    assert result.exit_code == 1, result.output
    assert "Meilisearch ne répond pas à http://127.0.0.1:" in result.output
    assert "DIRECTORY_MEILI_URL" in result.output and "Traceback" not in result.output


def test_settings_travel_to_the_workers_through_the_environment(tmp_path: Path):
    from directory.config import Settings

    settings = Settings(data_dir=tmp_path, port=8123, meili_url="http://m:7700", instance_name="Essai")
    assert Settings.from_env(settings.to_env()) == settings


def test_an_index_follows_writes_nobody_synced(tmp_path: Path, places):
    """Another process wrote the store and did not sync: the worker's next query catches up."""
    from directory.harvest import import_file

    store = open_store(f"sqlite:///{tmp_path / 'directory.db'}", upgrade=True)
    index = following(Fts5Index(tmp_path / "search.db"), store, interval=0.0)
    try:
        rebuild(index, store)
        assert index.query(SearchQuery(text="numerique")).total == 0
        import_file(store, ROOT / "fixtures" / "demo" / "hinaura-2021.csv", places=places)
        assert index.query(SearchQuery(text="numerique")).total > 0
        assert index.last_change() is not None and index.catch_up() == 0  # in step: nothing more to do
    finally:
        index.close()
        store.close()


def _bench(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_load_bench_small_mode_runs_and_prints_its_figures():
    out = _bench("bench/load.py", "--small")
    assert "req/s" in out and "p50/p95/p99" in out and "throughput 2 workers / 1" in out


def test_nearest_bench_small_mode_runs_on_each_backend():
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
    except OSError:
        unavailable("PostgreSQL absent de 127.0.0.1:5432 : bench/nearest.py --backends postgis non essayé")
    out = _bench("bench/nearest.py", "--small", "--no-analyze")
    for line in (
        "sqlite         A nearest 20",
        "postgis        A nearest 20, cards",
        "parity sqlite vs postgis, B cards",
    ):
        assert line in out, out
