# SPDX-License-Identifier: Apache-2.0
"""Issue 13, item 1: ``directory import`` is the harvest's path. A producer's export of one day,
then of the next: nothing created, the changed venues updated, the missing one withdrawn (and kept
in its history), the rest unchanged; importing the second day again changes nothing. The rows are
real (the demo's Hinaura file); day 2 is day 1 with one venue gone and three edited."""

from __future__ import annotations

import csv

import sqlalchemy as sa

from directory.harvest import file_source, import_file

from ..conftest import FIXTURES

HINAURA = FIXTURES / "demo" / "hinaura-2021.csv"


def write(path, rows, fields):
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def changes(store) -> int:
    with store.engine.connect() as c:
        return c.execute(sa.text("SELECT count(*) FROM change_log")).scalar_one()


def days(tmp_path):
    with HINAURA.open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields, rows = list(reader.fieldnames or []), list(reader)[:200]
    second = [dict(r) for r in rows if r["id"] != rows[17]["id"]]
    edited = {second[3]["id"], second[40]["id"], second[120]["id"]}
    for row in second:
        if row["id"] in edited:
            row["telephone"] = "+33472000000"
    return (
        write(tmp_path / "lieux-2024-05-01.csv", rows, fields),
        write(tmp_path / "lieux-2024-05-02.csv", second, fields),
        rows[17],
        edited,
    )


def test_the_next_days_file_updates_withdraws_and_creates_nothing(store, places, tmp_path):
    day1, day2, gone, edited = days(tmp_path)
    assert file_source(day1).id == file_source(day2).id == "fichier-lieux"  # one producer, two days
    first = import_file(store, day1, places=places)
    assert (first.status, first.fetched, first.new + first.merged, first.quarantined) == ("complete", 200, 200, 0)
    active = store.count_venues()

    second = import_file(store, day2, places=places)
    assert (second.status, second.new, second.merged, second.updated, second.withdrawn, second.unchanged) == (
        "complete",
        0,
        0,
        3,
        1,
        196,
    )
    assert store.count_venues() == active - 1 and store.count_venues("withdrawn") == 1
    with store.engine.connect() as c:
        (venue_id,) = c.execute(sa.text("SELECT id FROM venue WHERE status = 'withdrawn'")).scalars()
    withdrawn = store.get_venue(venue_id)
    assert ("fichier-lieux", gone["id"]) in withdrawn.sources and withdrawn.venue.nom == gone["nom"]
    assert [c["action"] for c in store.history(venue_id)] == ["create", "withdraw"]  # kept, with its history
    phones = {v.venue.telephone for v in store.iter_venues() if any(r in edited for _, r in v.sources)}
    assert phones == {"+33472000000"}

    before = changes(store)
    again = import_file(store, day2, places=places)
    assert (again.status, again.new, again.updated, again.withdrawn, again.unchanged) == ("complete", 0, 0, 0, 199)
    assert changes(store) == before
