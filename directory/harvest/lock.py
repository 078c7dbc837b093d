# SPDX-License-Identifier: Apache-2.0
"""One harvest at a time per database, and what a harvest killed mid-run leaves behind.

Two harvests at once would fight over SQLite's single writer, and on PostgreSQL both would read
a source, match its records against a directory that does not yet hold the other's, and apply
them twice. So a harvest first takes a lock that lasts as long as its process:

- on PostgreSQL, a session advisory lock (``pg_advisory_lock``) on a connection of its own:
  every machine sharing the database sees it, and the server lets it go when the connection
  ends, a killed process included;
- on SQLite, the data folder's lock file (``harvest.lock``, ``flock``), released by the system
  when the process dies.

A run is written « running » when it starts and finished in the same process; a process killed
in between (SIGKILL, a machine losing power) leaves it « running » for ever. Once the lock is
ours no harvest can be running, so :func:`fail_interrupted_runs` marks those runs failed, with a
French note in their report. Their transaction was never committed: nothing of them was kept.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from directory.store import RunSummary, Store, advisory_lock, open_store

__all__ = ["HARVEST_LOCK", "INTERRUPTED", "fail_interrupted_runs", "harvest_lock"]

#: The advisory lock's key on PostgreSQL (« harv »); the writer's change-log lock is another key.
HARVEST_LOCK = 0x6861_7276
#: The note of a run found « running » when a harvest starts.
INTERRUPTED = (
    "moisson interrompue avant sa fin (processus arrêté, machine éteinte…) : rien n'en a été gardé, "
    "rien n'a été retiré de l'annuaire ; marquée en échec au début de la moisson suivante"
)
#: Said while another harvest holds the database's lock.
_WAITING_ELSEWHERE = (
    "une autre moisson est en cours sur cette base de données (peut-être depuis une autre machine) : attente…"
)


@contextmanager
def harvest_lock(database_url: str, data_dir: Path, on_wait: Callable[[str], None]) -> Iterator[None]:
    """Hold the harvest lock of ``database_url`` (PostgreSQL) or of ``data_dir`` (SQLite) until the
    block ends; when another harvest holds it, call ``on_wait`` with a French sentence, then wait.

    :raises sqlalchemy.exc.OperationalError: the PostgreSQL server cannot be reached.
    """
    if sa.make_url(database_url).get_backend_name() != "postgresql":
        with _lock_file(data_dir, on_wait):
            yield
        return
    store = open_store(database_url)  # not migrated yet: the harvest does that once the lock is its own
    try:
        with advisory_lock(store, HARVEST_LOCK, lambda: on_wait(_WAITING_ELSEWHERE)):
            yield
    finally:
        store.close()


@contextmanager
def _lock_file(data_dir: Path, on_wait: Callable[[str], None]) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "harvest.lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait("une autre moisson est en cours : attente…")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def fail_interrupted_runs(store: Store) -> list[RunSummary]:
    """Mark failed the harvests left « running » by a process that died; call it holding the lock.
    They are finished now: when they were found, since when they died is unknown.

    :returns: those runs, as they were found.
    """
    found = store.sources.unfinished("harvest")
    for run in found:
        store.finish_run(run.id, "failed", run.counts, INTERRUPTED, {"notes": [INTERRUPTED]})
    return found
