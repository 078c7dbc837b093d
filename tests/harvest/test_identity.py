# SPDX-License-Identifier: Apache-2.0
"""Issue 13, item 4: identity inside a file. A row repeated verbatim is kept once and said once; two
different records sharing one id are both kept, the second in quarantine: never last-write-wins.
Through a harvest (served on loopback) and through ``import_file`` (``directory import`` in tests/cli)."""

from __future__ import annotations

import shutil
from datetime import timedelta

import orjson
import sqlalchemy as sa

from directory.harvest import import_file, load_source
from directory.schema import Severity

from ..conftest import FIXTURES
from .test_run import NOW, harvest, source_file, write_csv

SAME_ID = FIXTURES / "hostile" / "same-id.csv"
FIRST_D2 = "Maison de quartier des Trois Maisons"
SECOND_D2 = "Centre social La Clairière"


def raw_rows(store, run_id):
    with store.engine.connect() as c:
        return c.execute(
            sa.text(
                "SELECT position, record_id, status, payload, problems FROM raw_record WHERE run_id = :r ORDER BY position"
            ),
            {"r": run_id},
        ).all()


def venue_names(store, source_id):
    with store.engine.connect() as c:
        return dict(
            c.execute(
                sa.text(
                    "SELECT l.record_id, v.nom FROM source_link l JOIN venue v ON v.pk = l.venue_pk WHERE l.source_id = :s"
                ),
                {"s": source_id},
            ).all()
        )


def problems_of(row):
    found = row.problems
    return orjson.loads(found) if isinstance(found, str) else (found or [])


def check_rows(store, run_id):
    """Five raw rows kept: d1's repeat kept aside (not stored twice), d2's second venue in quarantine."""
    rows = raw_rows(store, run_id)
    assert [(r.position, r.record_id, r.status) for r in rows] == [
        (1, "d1", "stored"),
        (2, "d2", "stored"),
        (3, "d1", "skipped"),
        (4, "d2", "quarantined"),
        (5, "d3", "stored"),
    ]
    assert rows[2].payload == rows[0].payload  # nothing of the repeat is lost
    (repeat,) = problems_of(rows[2])
    assert (repeat["field"], repeat["code"], repeat["severity"]) == ("id", "repeated_row", "warning")
    assert (
        repeat["message"]
        == "ligne répétée à l'identique : l'identifiant « d1 » est déjà celui de la ligne 1 ; gardée une fois"
    )
    (conflict,) = problems_of(rows[3])
    assert (conflict["field"], conflict["code"], conflict["severity"]) == ("id", "duplicate_id", "error")
    assert conflict["message"] == (
        f"l'identifiant « d2 » est déjà celui de la ligne 2, qui dit autre chose : nom « {FIRST_D2} » ligne 2, "
        f"« {SECOND_D2} » ici ; adresse « 1 rue de Metz » ligne 2, « 5 rue Saint-Lambert » ici ; latitude « 48.7009 » "
        "ligne 2, « 48.6899 » ici (et 1 autre champ) — la fiche de la ligne 2 est gardée, celle-ci mise en quarantaine"
    )
    assert SECOND_D2 in rows[3].payload


def test_a_harvest_keeps_a_verbatim_repeat_once_and_quarantines_a_second_venue_with_the_same_id(
    store, places, served, fetcher, tmp_path
):
    root, server = served
    shutil.copy(SAME_ID, root / "same-id.csv")
    config = load_source(source_file(tmp_path, server.url("files/same-id.csv")))
    report = harvest(store, config, fetcher, places)
    assert report.status == "complete", report.notes
    assert (report.fetched, report.new, report.quarantined) == (5, 3, 1)
    assert venue_names(store, "hinaura") == {
        "d1": "Médiathèque de la Manufacture",
        "d2": FIRST_D2,
        "d3": "Espace numérique du Haut-du-Lièvre",
    }
    assert [n for n in report.notes if "identique" in n] == [
        "ligne répétée à l'identique, gardée une fois : l'identifiant « d1 » (lignes 1 et 3)"
    ]
    check_rows(store, report.run_id)
    rejected = report.quality()["rejected"]
    assert [(r["position"], r["record_id"], r["code"]) for r in rejected] == [(4, "d2", "duplicate_id")]

    # read again (one more venue in the file): the same outcome, nothing of the first d2 overwritten or withdrawn
    records = list(_rows(SAME_ID))
    write_csv(root / "same-id.csv", [*records, {**records[-1], "id": "d4", "nom": "Cyber-base de Laxou"}])
    again = harvest(store, config, fetcher, places, now=NOW + timedelta(days=2), confirm_withdrawals=True)
    assert (again.status, again.new, again.unchanged, again.withdrawn, again.quarantined) == ("complete", 1, 3, 0, 1)
    assert venue_names(store, "hinaura")["d2"] == FIRST_D2


def test_a_repeat_in_a_later_batch_is_still_a_repeat(store, places, served, fetcher, tmp_path, monkeypatch):
    """The ids a run has seen outlive its batches: a repeat far down the file is found, and so is the first
    record's content for a conflict (read back from the run's own raw rows)."""
    from directory.harvest import _batches

    monkeypatch.setattr(_batches, "BATCH", 2)
    root, server = served
    shutil.copy(SAME_ID, root / "same-id.csv")
    report = harvest(store, load_source(source_file(tmp_path, server.url("files/same-id.csv"))), fetcher, places)
    assert (report.status, report.fetched, report.new, report.quarantined) == ("complete", 5, 3, 1)
    check_rows(store, report.run_id)


def test_many_repeats_are_said_in_one_bounded_note(store, places, served, fetcher, tmp_path):
    root, server = served
    record = dict(next(iter(_rows(SAME_ID))))
    records = [{**record, "id": f"r{n}", "nom": f"Lieu {n}"} for n in range(30)]
    write_csv(root / "lieux.csv", records + records + records[:1])
    report = harvest(store, load_source(source_file(tmp_path, server.url("files/lieux.csv"))), fetcher, places)
    assert (report.fetched, report.quarantined, report.status) == (61, 0, "complete")
    assert report.new + report.merged == 30  # the same place, thirty names: merged, which is not the point here
    (note,) = [n for n in report.notes if "identique" in n]
    assert note.startswith(
        "lignes répétées à l'identique, gardées une fois : l'identifiant « r0 » (lignes 1, 31 et 61), "
        "« r1 » (lignes 2 et 32)"
    )
    assert note.endswith("« r19 » (lignes 20 et 50) ; et 10 autres identifiants")


def _rows(path):
    import csv

    return csv.DictReader(path.open(encoding="utf-8"))


def test_an_import_keeps_a_verbatim_repeat_once_and_quarantines_a_second_venue_with_the_same_id(store, places):
    report = import_file(store, SAME_ID, places=places)
    assert (report.fetched, report.new, report.quarantined) == (5, 3, 1)
    warned = [
        (p.position, p.record_id, p.problem.code) for p in report.problems if p.problem.severity is Severity.WARNING
    ]
    assert (3, "d1", "repeated_row") in warned
    assert [
        (p.position, p.record_id, p.problem.code) for p in report.problems if p.problem.severity is Severity.ERROR
    ] == [(4, "d2", "duplicate_id")]
    assert venue_names(store, report.source_id)["d2"] == FIRST_D2
    check_rows(store, report.run_id)
