# SPDX-License-Identifier: Apache-2.0
"""``store.feedback``: what goes back to a producer (quarantine of the last run, curators' corrections)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from directory.store import Incoming, RawRecord, SourceInfo, UnknownSource

from .test_store import venue

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
PROBLEM = {
    "field": "code_postal",
    "code": "format",
    "severity": "error",
    "value": "6900",
    "message": "Le code postal doit compter 5 chiffres.",
}


def build(store) -> dict[str, str]:
    """Two runs of « src » (the second quarantines row 3), one of « other »; returns venue ids by record id."""
    with store.writer() as w:
        w.ensure_source(SourceInfo("src", "Source"))
        w.ensure_source(SourceInfo("other", "Autre"))
        old = w.start_run("src", AT)
        w.add_raw_records(old, "src", [RawRecord(9, "stale", "{}", "quarantined", [PROBLEM])], AT)
        run = w.start_run("src", LATER)
        w.add_raw_records(
            run,
            "src",
            [
                RawRecord(1, "a", '{"id": "a"}', "stored"),
                RawRecord(3, "bad", '{"id": "bad"}', "quarantined", [PROBLEM]),
            ],
            LATER,
        )
        outcomes = w.apply_many("src", [Incoming("a", venue("a", 45.76, 4.85))], at=AT)
        other = w.apply_many("other", [Incoming("z", venue("z", 45.70, 4.80))], at=AT)
    for finished in (old, run):
        store.finish_run(finished, "complete", {})
    ids = {"a": outcomes[0].venue_id, "z": other[0].venue_id}
    with store.engine.begin() as c:  # what the curation screen will do
        for venue_id, at, actor in [
            (ids["a"], AT, "ancienne"),
            (ids["a"], LATER, "animatrice"),
            (ids["z"], LATER, "x"),
        ]:
            c.execute(
                sa.text(
                    "INSERT INTO change_log (venue_pk, venue_id, at, action, field, old, new, source_id, actor) "
                    "SELECT pk, id, :at, 'update', 'nom', :old, :new, NULL, :actor FROM venue WHERE id = :id"
                ),
                {"id": venue_id, "at": at, "old": '"Lieu a"', "new": '"Nom corrigé"', "actor": actor},
            )
    return ids


def test_feedback_lists_last_run_quarantine_and_curators_corrections(store):
    ids = build(store)
    result = store.feedback("src", datetime(2026, 11, 25, tzinfo=UTC))
    assert (result.run_id, result.run_at) == (max(r.id for r in store.sources.runs("src")), LATER)
    assert [(q.record_id, q.position, q.problems) for q in result.quarantined] == [("bad", 3, [PROBLEM])]
    assert [(c.venue_id, c.record_id, c.field, c.old, c.new, c.actor, c.at) for c in result.corrections] == [
        (ids["a"], "a", "nom", "Lieu a", "Nom corrigé", "animatrice", LATER)
    ]
    everything = store.feedback("src", None)
    assert [c.actor for c in everything.corrections] == ["ancienne", "animatrice"]  # harvest changes left out
    body = everything.as_json()
    assert body["quarantaine"][0]["problemes"][0]["message"].startswith("Le code postal")
    assert body["corrections"][1]["le"] == LATER.isoformat()
    assert (body["moisson"], body["moisson_le"]) == (result.run_id, LATER.isoformat())


def test_feedback_of_unknown_or_never_run_source(store):
    with pytest.raises(UnknownSource):
        store.feedback("nope", None)
    with store.writer() as w:
        w.ensure_source(SourceInfo("new", "Nouvelle"))
    result = store.feedback("new", None)
    assert (result.run_id, result.run_at, result.quarantined, result.corrections) == (None, None, [], [])
