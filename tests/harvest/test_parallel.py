# SPDX-License-Identifier: Apache-2.0
"""Records validated in worker processes: the same run as in one process, and no process left behind."""

from __future__ import annotations

import multiprocessing
import os

import pytest
import sqlalchemy as sa

from directory.harvest import load_source
from directory.harvest._parallel import MIN_RECORDS, InProcesses
from directory.store import open_store

from .test_run import harvest, rows, source_file, write_csv


def _square(n: int, offset: int) -> int:
    return n * n + offset


def _fail_on_seven(n: int) -> int:
    if n == 7:
        raise ValueError("sept")
    return n


def test_a_few_items_start_no_pool():
    with InProcesses(_square, (1,), processes=2) as work:
        assert work.map([1, 2, 3]) == [2, 5, 10]
        assert not work.started
    assert multiprocessing.active_children() == []


def test_enough_items_go_to_workers_and_come_back_in_order():
    items = list(range(MIN_RECORDS * 3))
    with InProcesses(_square, (1,), processes=2) as work:
        assert work.map(items) == [n * n + 1 for n in items]
        assert work.started
        assert len(multiprocessing.active_children()) == 2
        assert work.map(items[:MIN_RECORDS]) == [n * n + 1 for n in items[:MIN_RECORDS]]  # the same pool again
    assert multiprocessing.active_children() == []


def _niceness(_: int) -> int:
    return os.nice(0)


def test_workers_give_way_to_the_process_that_writes():
    """The run's process matches and writes every record: when the cores are busy, it runs first."""
    with InProcesses(_niceness, (), processes=2) as work:
        niceness = set(work.map([0] * MIN_RECORDS))
    assert niceness == {min(os.nice(0) + 10, 19)}


def test_one_process_asked_starts_none():
    with InProcesses(_square, (0,), processes=1) as work:
        assert work.map(list(range(MIN_RECORDS * 2)))[-1] == (MIN_RECORDS * 2 - 1) ** 2
        assert not work.started


def test_an_error_in_a_worker_reaches_the_run_and_ends_the_pool():
    with pytest.raises(ValueError, match="sept"), InProcesses(_fail_on_seven, (), processes=2) as work:
        work.map(list(range(MIN_RECORDS)))
    assert multiprocessing.active_children() == []


def test_a_run_in_worker_processes_stores_what_one_process_stores(places, served, fetcher, tmp_path):
    records = rows()[: MIN_RECORDS + 60]
    records[3]["nom"] = ""  # quarantined, kept as mapped: with its hours converted in the worker
    records[3]["horaires"] = "Du lundi au vendredi de 9h à 12h"
    records[10]["code_postal"] = "6900"  # padded, with a warning
    records[20]["horaires"] = "Du lundi au vendredi de 9h à 12h"  # converted to OSM in the worker
    records[30]["latitude"], records[30]["longitude"] = records[30]["longitude"], records[30]["latitude"]
    root, server = served
    write_csv(root / "lieux.csv", records)
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    store = open_store(f"sqlite:///{tmp_path / 'pooled.db'}", upgrade=True)
    alone = open_store(f"sqlite:///{tmp_path / 'alone.db'}", upgrade=True)
    try:
        pooled = harvest(store, config, fetcher, places, processes=2)
        assert multiprocessing.active_children() == []
        single = harvest(alone, config, fetcher, places, processes=1)
        assert pooled.status == single.status == "complete"
        assert pooled.counts() == single.counts()
        assert pooled.quarantined == 1
        assert pooled.quality() == single.quality()
        assert _stored(store) == _stored(alone)
    finally:
        store.close()
        alone.close()


def _stored(store) -> tuple[list[tuple], list[tuple]]:
    """The raw records (position, id, status, problems, mapped) and the venues by record id."""
    with store.engine.connect() as c:
        raw = [
            (r.position, r.record_id, r.status, r.problems, r.mapped)
            for r in c.execute(
                sa.text("SELECT position, record_id, status, problems, mapped FROM raw_record ORDER BY position")
            )
        ]
        venues = [
            tuple(r)
            for r in c.execute(
                sa.text(
                    "SELECT l.record_id, v.nom, v.code_postal, v.code_insee, v.horaires, v.latitude, v.longitude "
                    "FROM venue v JOIN source_link l ON l.venue_pk = v.pk ORDER BY l.record_id"
                )
            )
        ]
    return raw, venues
