# SPDX-License-Identifier: Apache-2.0
"""What whole runs tell people, against sources served over real HTTP on loopback:
a charset label the bytes belie, the producer's quality report after quiet runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from directory.harvest import load_source

from .test_run import NOW, harvest, rows, source_file, write_csv


@pytest.mark.parametrize(("route", "note"), [
    ("charset/ISO-8859-1/lieux.csv", "le fichier est annoncé en ISO-8859-1 mais il est en UTF-8 : il a été lu en UTF-8"),
    ("lying-encoding/lieux.csv", "le fichier est annoncé en UTF-8 mais il est en Windows-1252 : il a été lu en Windows-1252"),
], ids=["utf8-labelled-latin1", "cp1252-labelled-utf8"])  # fmt: skip
def test_a_charset_label_belied_by_the_bytes_is_overruled_and_said(store, places, served, fetcher, tmp_path, route, note):
    root, server = served
    records = [r for r in rows() if not r["nom"].isascii()][:3]  # « Liberté », « Accès internet… »
    write_csv(root / "lieux.csv", records)
    report = harvest(store, load_source(source_file(tmp_path, server.url(route))), fetcher, places)
    assert (report.status, report.fetched, report.new, report.quarantined) == ("complete", 3, 3, 0)
    assert note in report.notes
    assert note in store.sources.run(report.run_id).report["notes"]  # what « directory harvest report » shows
    with store.engine.connect() as c:
        names = set(c.execute(sa.text("SELECT nom FROM venue")).scalars())
    assert names == {r["nom"] for r in records}


def test_feedback_keeps_the_quarantine_of_the_last_run_that_read_the_source(store, places, served, fetcher, tmp_path):
    """Neither a « not modified » answer nor a failed run reads a record: the producer's report stays."""
    root, server = served
    records = rows()[:10]
    records[3] = {**records[3], "services": "Réparation de vélos"}
    write_csv(root / "lieux.csv", records)
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    first = harvest(store, config, fetcher, places)
    assert (first.status, first.quarantined) == ("complete", 1)

    def feedback() -> tuple:
        result = store.feedback(config.id)
        return result.run_id, result.run_at, [q.record_id for q in result.quarantined]

    expected = (first.run_id, NOW, [records[3]["id"]])
    assert feedback() == expected
    assert harvest(store, config, fetcher, places, now=NOW + timedelta(days=1)).status == "unchanged"
    assert feedback() == expected
    server.stop()  # the source's server is down
    assert harvest(store, config, fetcher, places, now=NOW + timedelta(days=2)).status == "failed"
    assert feedback() == expected
