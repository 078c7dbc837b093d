# SPDX-License-Identifier: Apache-2.0
"""Harvests in real processes (issue 13, « Fetching within bounds »): two machines sharing one
PostgreSQL database never harvest a source at once, and a harvest killed mid-run does not stay
« en cours » for ever. The source is a loopback server that trickles its file and holds its last
bytes until the test lets them go, so that « mid-harvest » is a state, not a guess of timing."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from directory.store import open_store

from ..conftest import FIXTURES, _truncate
from ..harvest.conftest import PROXY_VARIABLES
from ..harvest.loopback import Loopback

TRICKLE = "trickle/0.05/lieux.csv"
#: A guard against a test hanging for ever, not a measure of speed.
PATIENCE_S = 120


class Harvest:
    """``directory harvest SOURCE`` in a process of its own; its error lines are read as they come."""

    def __init__(self, env: dict[str, str], cwd: Path, source: str = "petit") -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "directory", "harvest", source],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.errors: queue.Queue[str] = queue.Queue()
        self.said: list[str] = []
        threading.Thread(target=self._read_errors, daemon=True).start()

    def _read_errors(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.errors.put(line)

    def says(self, text: str) -> bool:
        """Whether a line of its error output so far holds ``text``."""
        while not self.errors.empty():
            self.said.append(self.errors.get())
        return any(text in line for line in self.said)

    def finish(self) -> tuple[int, str]:
        """Its exit code and standard output (its error output after, when it failed), once it ended."""
        out, _ = self.process.communicate(timeout=PATIENCE_S)
        self.says("")
        return self.process.returncode, out if self.process.returncode == 0 else out + "".join(self.said)

    def alive(self) -> bool:
        """Whether it still runs; if it ended, the test fails with what it said."""
        if self.process.poll() is None:
            return True
        code, out = self.finish()
        pytest.fail(f"la moisson s'est arrêtée (code {code}) : {out}")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()  # SIGKILL: no handler, no cleanup, as a machine losing power
            self.process.wait()


def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for ``condition`` (polling); fail naming ``what`` if it never comes."""
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"jamais arrivé : {what}")
        time.sleep(0.05)


@pytest.fixture
def trickling(tmp_path) -> Iterator[tuple[Loopback, Path]]:
    """A loopback server trickling 10 Hinaura rows, and a sources folder whose source « petit » reads them."""
    www = tmp_path / "www"
    www.mkdir()
    lines = (FIXTURES / "demo" / "hinaura-2021.csv").read_text(encoding="utf-8").splitlines()[:11]
    (www / "lieux.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    sources = tmp_path / "sources"
    sources.mkdir()
    with Loopback(www) as server:
        (sources / "petit.toml").write_text(
            "\n".join(
                [
                    'id = "petit"',
                    'name = "Petit"',
                    'publisher = "Hinaura"',
                    'kind = "network"',
                    f'url = "{server.url(TRICKLE)}?chunk=500&hold=1"',
                    'format = "national-csv"',
                    'licence = "etalab-2.0"',
                ]
            )
            + "\n",
            encoding="utf-8",
        )
        yield server, sources


def environment(data_dir: Path, sources: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES and not k.startswith("DIRECTORY_")}
    data_dir.mkdir(exist_ok=True)
    return {
        **env,
        "DIRECTORY_DATA_DIR": str(data_dir),
        "DIRECTORY_SOURCES_DIR": str(sources),
        "DATABASE_URL": database_url,
    }


@pytest.fixture
def postgis_url(postgis_database: str) -> str:
    """The session's PostGIS database, emptied."""
    store = open_store(postgis_database)
    _truncate(store)
    store.close()
    return postgis_database


@pytest.mark.postgis
def test_two_machines_sharing_a_database_never_harvest_a_source_at_once(tmp_path, trickling, postgis_url):
    """Each machine has its own data folder (its lock file): only the database can keep them apart."""
    server, sources = trickling
    first = Harvest(environment(tmp_path / "machine-a", sources, postgis_url), tmp_path)
    second: Harvest | None = None
    try:
        until(lambda: first.alive() and server.count(TRICKLE) == 1, "la première moisson lit la source")
        second = Harvest(environment(tmp_path / "machine-b", sources, postgis_url), tmp_path)
        until(
            lambda: second.alive() and (second.says("une autre moisson est en cours") or server.count(TRICKLE) > 1),
            "la seconde moisson attend, ou lit la source",
        )
        assert server.count(TRICKLE) == 1, "the second harvest read the source while the first one was reading it"
        assert second.says("une autre moisson est en cours sur cette base de données") and first.process.poll() is None
        server.release()
        code, out = first.finish()
        assert code == 0 and "✓ petit (moisson 1, complète) : 10 reçus, 10 nouveaux" in out, out
        code, out = second.finish()  # then it reads the source, which has not changed since
        assert code == 0 and "petit (moisson 2, inchangée)" in out, out
    finally:
        first.kill()
        if second is not None:
            second.kill()
    store = open_store(postgis_url)
    try:
        assert store.count_venues() == 10
        assert [(r.id, r.status) for r in store.sources.runs("petit")] == [(2, "unchanged"), (1, "complete")]
    finally:
        store.close()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def test_a_harvest_killed_mid_run_is_marked_failed_at_the_next_start(tmp_path, trickling, request, backend):
    server, sources = trickling
    data = tmp_path / "donnees"
    url = request.getfixturevalue("postgis_url") if backend == "postgis" else f"sqlite:///{data / 'directory.db'}"
    env = environment(data, sources, url if backend == "postgis" else "")
    killed = Harvest(env, tmp_path)
    try:
        until(lambda: killed.alive() and server.count(TRICKLE) == 1, "la moisson lit la source")
    finally:
        killed.kill()
    store = open_store(url)
    try:
        assert store.sources.run(1).status == "running"  # nobody is left to finish it
        server.release()
        code, out = Harvest(env, tmp_path).finish()
        assert code == 0, out
        note = (
            "moisson interrompue avant sa fin (processus arrêté, machine éteinte…) : rien n'en a été gardé, "
            "rien n'a été retiré de l'annuaire ; marquée en échec au début de la moisson suivante"
        )
        assert f"moisson 1 de petit : {note}" in out
        assert "✓ petit (moisson 2, complète) : 10 reçus, 10 nouveaux" in out, out
        run = store.sources.run(1)
        assert (run.status, run.error, run.report["notes"]) == ("failed", note, [note])
        assert run.finished_at is not None and store.count_venues() == 10
        assert [r.status for r in store.sources.runs("petit")] == ["complete", "failed"]
    finally:
        store.close()


@pytest.mark.parametrize("command", [["harvest", "--all"], ["stats"]])
def test_a_database_address_that_cannot_be_read_is_a_french_error(tmp_path, trickling, command):
    _, sources = trickling
    env = environment(tmp_path / "donnees", sources, "nonsense")
    done = subprocess.run(
        [sys.executable, "-m", "directory", *command],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=PATIENCE_S,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert (
        done.stderr.strip()
        == "Error: adresse de base de données invalide : « nonsense » (écrire sqlite:///chemin ou postgresql://…)"
    )
