# SPDX-License-Identifier: Apache-2.0
"""``directory serve`` and ``reindex`` in front of a search server that does not answer; the
workers' index following the store (the benchmarks' small modes: tests/bench)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from directory.cli import main
from directory.search import Fts5Index, SearchQuery, following, rebuild
from directory.store import open_store

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


def test_uvicorn_serves_with_the_compiled_http_parser_and_event_loop():
    """httptools and uvloop are runtime dependencies only for uvicorn's « auto » choice: if one went
    missing from the install, the server would fall back to h11 and asyncio's loop without a word."""
    from uvicorn.config import Config

    config = Config(lambda scope, receive, send: None)
    config.load()
    assert config.http_protocol_class.__name__ == "HttpToolsProtocol"
    assert config.get_loop_factory().__module__.startswith("uvloop")
