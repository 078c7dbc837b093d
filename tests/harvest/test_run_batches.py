# SPDX-License-Identifier: Apache-2.0
"""A run of several batches: worker processes validate a batch (``InProcesses.submit``) while the run
writes the one read before it. It stores exactly what a run in one process stores, says the same in the
same order, keeps the ids of one batch apart from the next, and a worker's error fails the run with
nothing written and no process left."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta

import pytest
import sqlalchemy as sa

from directory.harvest import _batches, load_source
from directory.harvest._parallel import MIN_RECORDS, InProcesses
from directory.store import open_store

from .test_parallel import _fail_on_seven, _square, _stored
from .test_run import NOW, harvest, rows, source_file, write_csv

BATCH = _batches.BATCH


def test_two_batches_handed_to_the_workers_come_back_each_in_order():
    first, second = list(range(MIN_RECORDS)), list(range(MIN_RECORDS, MIN_RECORDS * 3))
    with InProcesses(_square, (1,), processes=2) as work:
        results = [work.submit(first), work.submit(second)]
        assert work.started
        assert [get() for get in reversed(results)] == [[n * n + 1 for n in second], [n * n + 1 for n in first]]
    assert multiprocessing.active_children() == []


def test_an_error_is_raised_when_its_results_are_asked_for():
    with InProcesses(_fail_on_seven, (), processes=2) as work:
        failing = work.submit(list(range(MIN_RECORDS)))
        assert work.submit(list(range(10, MIN_RECORDS + 10)))() == list(range(10, MIN_RECORDS + 10))
        with pytest.raises(ValueError, match="sept"):
            failing()
    with InProcesses(_fail_on_seven, (), processes=1) as work:
        failing = work.submit([6, 7])  # in this process: the work waits for the results to be asked for
        with pytest.raises(ValueError, match="sept"):
            failing()
    assert multiprocessing.active_children() == []


def _records(count: int) -> list[dict[str, str]]:
    """``count`` records from the demo file's, read again under other ids: those of a later pass over the
    file are near-duplicates of the first (merged, or for a person to review) in another batch."""
    demo = rows()
    records = []
    for n in range(count):
        record = dict(demo[n % len(demo)])
        record["id"] = f"r{n}"
        if n >= len(demo):
            record["nom"] = f"{record['nom']} (antenne {n // len(demo)})"
        records.append(record)
    return records


def _first_run() -> list[dict[str, str]]:
    """2,600 records; around the end of the first batch: a record quarantined, hours in free text, a row
    repeated in the next batch, and another record with the id of one of the batch before (quarantined)."""
    records = _records(2600)
    records[BATCH - 3]["nom"] = ""
    records[BATCH - 2]["horaires"] = "Du lundi au vendredi de 9h à 12h"
    records.insert(BATCH + 4, dict(records[BATCH - 5]))
    records.insert(BATCH + 6, {**records[BATCH + 10], "id": records[BATCH - 4]["id"]})
    return records


def _second_run(first: list[dict[str, str]]) -> list[dict[str, str]]:
    """The first run's file again, but for the last record of the first batch: it says something new under
    the id of a record of the second batch, which moves up to just after it, the same as at the first run."""
    records = [dict(record) for record in first]
    moved = records.pop(BATCH + 20)
    records[BATCH - 1] = {**records[BATCH - 1], "id": moved["id"], "nom": "Espace public numérique de la gare"}
    records.insert(BATCH + 1, moved)
    return records


def test_a_run_of_several_batches_in_worker_processes_stores_what_one_process_stores(places, served, fetcher, tmp_path):
    root, server = served
    first = _first_run()
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    pooled = open_store(f"sqlite:///{tmp_path / 'pooled.db'}", upgrade=True)
    alone = open_store(f"sqlite:///{tmp_path / 'alone.db'}", upgrade=True)
    try:
        for now, records in ((NOW, first), (NOW + timedelta(days=1), _second_run(first))):
            write_csv(root / "lieux.csv", records)
            heard: dict[int, list[int]] = {1: [], 2: []}
            in_pool = harvest(pooled, config, fetcher, places, now=now, processes=2, progress=heard[2].append)
            assert multiprocessing.active_children() == []
            in_one = harvest(alone, config, fetcher, places, now=now, processes=1, progress=heard[1].append)
            assert in_pool.status == in_one.status == "complete"
            assert in_pool.as_dict() | {"run": 0, "seconds": 0} == in_one.as_dict() | {"run": 0, "seconds": 0}
            assert in_pool.quality() == in_one.quality()
            assert heard[2] == heard[1] == [BATCH] * (len(records) // BATCH)
            assert _stored(pooled) == _stored(alone)
            if now == NOW:  # the record that moves in the second run was stored, and can be read as unchanged
                assert _raw_hash(pooled, first[BATCH + 20]["id"]) is not None
        # The moved record is read as at the first run, but the first batch, written before its own, gave its
        # id another record: it is quarantined, named against that record (read back from the first batch).
        moved = first[BATCH + 20]["id"]
        rows_of = _raw_rows(pooled, in_pool.run_id)
        assert rows_of[BATCH][:2] == (moved, "stored")
        assert rows_of[BATCH + 2][:2] == (moved, "quarantined")
        assert f"nom « Espace public numérique de la gare » ligne {BATCH}" in rows_of[BATCH + 2][2]
        assert in_pool.unchanged > 2000
    finally:
        pooled.close()
        alone.close()


def _raw_rows(store, run_id: int) -> dict[int, tuple[str, str, str]]:
    """The run's raw rows by position: record id, status, problems (as stored)."""
    with store.engine.connect() as c:
        return {
            r.position: (r.record_id, r.status, str(r.problems))
            for r in c.execute(
                sa.text("SELECT position, record_id, status, problems FROM raw_record WHERE run_id = :r"), {"r": run_id}
            )
        }


def _raw_hash(store, record_id: str) -> str | None:
    with store.engine.connect() as c:
        return c.execute(
            sa.text("SELECT raw_hash FROM source_link WHERE record_id = :r"), {"r": record_id}
        ).scalar_one()


def test_an_error_in_a_worker_fails_the_run_with_nothing_written(places, served, fetcher, tmp_path, monkeypatch):
    records = _records(BATCH * 2 + 300)
    broken = records[BATCH + 500]["nom"] = "Lieu qui casse la validation"

    def parse_venue(mapped, **options):
        if mapped.get("nom") == broken:
            raise RuntimeError("validation cassée")
        return real(mapped, **options)

    real = _batches.parse_venue
    monkeypatch.setattr(_batches, "parse_venue", parse_venue)  # the workers are forked: they see it too
    root, server = served
    write_csv(root / "lieux.csv", records)
    store = open_store(f"sqlite:///{tmp_path / 'pooled.db'}", upgrade=True)
    try:
        report = harvest(
            store, load_source(source_file(tmp_path, server.url("files/lieux.csv"))), fetcher, places, processes=2
        )
        assert multiprocessing.active_children() == []
        assert report.status == "failed"
        assert "RuntimeError : validation cassée" in report.notes[0]
        assert (report.fetched, report.new, report.problems) == (0, 0, [])
        assert store.count_venues() == 0  # the first batch, written, was rolled back
        with store.engine.connect() as c:
            assert c.execute(sa.text("SELECT count(*) FROM raw_record")).scalar_one() == 0
    finally:
        store.close()
