# SPDX-License-Identifier: Apache-2.0
"""``directory serve`` and ``reindex`` in front of a search server that misbehaves: a real HTTP
server on loopback that refuses the key, answers garbage or an error, hangs up, or takes the
key for ``/version`` and refuses it for the indexes, takes every request and fails the tasks (a full
disk), or answers tasks the client cannot read. Each is one French sentence and exit code 1,
never a traceback. (The closed port: tests/cli/test_serving.py.)"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from directory.cli import main
from directory.store import open_store

_REFUSED = {"message": "The provided API key is invalid.", "code": "invalid_api_key", "type": "auth"}
_VERSION = {"pkgVersion": "1.12.0", "commitSha": "0", "commitDate": "2025-01-01"}
_ENQUEUED = {
    "taskUid": 7,
    "indexUid": "venues",
    "status": "enqueued",
    "type": "indexCreation",
    "enqueuedAt": "2026-12-06T10:00:00.000000Z",
}
_FULL_DISK = {
    **{k: v for k, v in _ENQUEUED.items() if k != "taskUid"},
    "uid": 7,
    "status": "failed",
    "error": {"message": "No space left on device.", "code": "no_space_left_on_device", "type": "system"},
}


class _Faulty(BaseHTTPRequestHandler):
    """The first path segment says how to fail (the server's URL ends with it, so the client's
    ``/version``, ``/indexes``… arrive under it)."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self) -> None:
        mode, _, rest = self.path.lstrip("/").partition("/")
        if mode == "hangup":
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        status, body = {
            "wrong-key": (401, json.dumps(_REFUSED)),
            "garbage": (200, "<html><body>Bienvenue sur nginx</body></html>"),
            "error": (500, "panne interne"),
            # a key good for /version only: refused when the index is first written
            "version-only": (200, json.dumps(_VERSION)) if rest == "version" else (403, json.dumps(_REFUSED)),
            # every request taken (202), every task failed when the client asks how it ended
            "full-disk": (200, json.dumps(_VERSION))
            if rest == "version"
            else (200, json.dumps(_FULL_DISK))
            if rest.startswith("tasks/")
            else (202, json.dumps(_ENQUEUED)),
            # JSON, but not a task the client can read
            "odd-task": (200, json.dumps(_VERSION)) if rest == "version" else (202, json.dumps({"taskUid": "sept"})),
        }[mode]
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer


@pytest.fixture(scope="module")
def faulty() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Faulty)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


EXPECTED = {
    "wrong-key": "refuse la clé : vérifiez DIRECTORY_MEILI_KEY",
    "garbage": "Adresse Meilisearch invalide ou réponse illisible",
    "error": "répond par une erreur : panne interne",
    "hangup": "Meilisearch ne répond pas à",
    "version-only": "refuse la clé : vérifiez DIRECTORY_MEILI_KEY",
    "odd-task": "Adresse Meilisearch invalide ou réponse illisible",
    "full-disk": "n'a pas pu mettre l'index à jour : No space left on device (no_space_left_on_device).",
}


@pytest.mark.parametrize("command", [["reindex"], ["serve", "--port", "0"]], ids=["reindex", "serve"])
@pytest.mark.parametrize("mode", list(EXPECTED))
def test_a_search_server_that_misbehaves_is_one_french_sentence(
    tmp_path: Path, faulty: str, mode: str, command: list[str]
):
    env = {
        "DIRECTORY_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'directory.db'}",
        "DIRECTORY_MEILI_URL": f"{faulty}/{mode}",
        "DIRECTORY_MEILI_KEY": "clé",
    }
    open_store(env["DATABASE_URL"], upgrade=True).close()
    result = CliRunner().invoke(main, command, env=env)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # click's error, not an escaped one
    assert "Moteur de recherche indisponible : " in result.output
    assert EXPECTED[mode] in result.output
    assert "Traceback" not in result.output and "MeilisearchApiError" not in result.output
    assert "MeiliTaskFailed" not in result.output
