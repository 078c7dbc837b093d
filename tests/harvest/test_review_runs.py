# SPDX-License-Identifier: Apache-2.0
"""Real harvests feeding the review queue: a low-trust source's new venues wait unpublished (its file
may say otherwise, ``review_new``), records it attaches to known venues do not, and quarantined
records keep the commune read from them and what the mapping gave (a hostile fixture)."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest

from directory.harvest import load_source
from directory.harvest.sources import REVIEW_TRUST, SourceConfigError
from directory.store import Scope

from ..conftest import FIXTURES
from .test_run import NOW, harvest, rows, source_file, write_csv

EVERYTHING = Scope(everything=True)


def statuses(store) -> list[str]:
    import sqlalchemy as sa

    with store.engine.connect() as c:
        return sorted(c.execute(sa.text("SELECT status FROM venue")).scalars())


def test_a_low_trust_sources_new_venues_wait_through_later_harvests(store, places, served, fetcher, tmp_path):
    root, server = served
    records = rows()[:5]
    write_csv(root / "lieux.csv", records)
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv"), trust=REVIEW_TRUST - 1))
    assert config.reviews_new
    first = harvest(store, config, fetcher, places)
    assert (first.status, first.new) == ("complete", 5)
    assert any(note.startswith("5 nouveaux lieux attendent qu'une personne les publie") for note in first.notes)
    assert statuses(store) == ["pending"] * 5 and store.count_venues() == 0
    assert len(store.pending_venues(EVERYTHING)) == 5
    write_csv(root / "lieux.csv", [{**r, "nom": r["nom"] + " (bis)"} for r in records])
    later = harvest(store, config, fetcher, places, now=NOW + timedelta(days=1))
    assert (later.new, later.updated) == (0, 5) and statuses(store) == ["pending"] * 5
    assert all(p.values["nom"].endswith("(bis)") for p in store.pending_venues(EVERYTHING))


def test_the_source_file_decides_whatever_the_trust(store, places, served, fetcher, tmp_path):
    root, server = served
    write_csv(root / "a.csv", rows()[:2])
    write_csv(root / "b.csv", rows()[2:4])
    low = source_file(tmp_path, server.url("files/a.csv"), id="a", publisher="A", trust=10)
    low.write_text(low.read_text() + "review_new = false\n", encoding="utf-8")
    high = source_file(tmp_path, server.url("files/b.csv"), id="b", publisher="B", trust=90)
    high.write_text(high.read_text() + "review_new = true\n", encoding="utf-8")
    harvest(store, load_source(low), fetcher, places)
    assert statuses(store) == ["active", "active"]
    harvest(store, load_source(high), fetcher, places)
    assert statuses(store) == ["active", "active", "pending", "pending"]


def test_records_matching_known_venues_join_them_and_pending_venues_attract_none(
    store, places, served, fetcher, tmp_path
):
    root, server = served
    base = rows()[0]
    write_csv(root / "known.csv", [base])
    write_csv(root / "low.csv", [{**base, "id": "low-1"}])
    harvest(
        store,
        load_source(source_file(tmp_path, server.url("files/known.csv"), id="known", publisher="K", trust=60)),
        fetcher,
        places,
    )
    report = harvest(
        store,
        load_source(source_file(tmp_path, server.url("files/low.csv"), id="low", publisher="L", trust=20)),
        fetcher,
        places,
    )
    assert (report.merged, report.new) == (1, 0) and statuses(store) == ["active"]  # attached: nothing to publish

    write_csv(root / "low2.csv", [{**rows()[1], "id": "low-2"}])
    harvest(
        store,
        load_source(source_file(tmp_path, server.url("files/low2.csv"), id="low2", publisher="L2", trust=20)),
        fetcher,
        places,
    )
    assert statuses(store) == ["active", "pending"]
    write_csv(root / "later.csv", [{**rows()[1], "id": "later-1"}])  # the same place, from a trusted source
    later = harvest(
        store,
        load_source(source_file(tmp_path, server.url("files/later.csv"), id="later", publisher="T", trust=70)),
        fetcher,
        places,
    )
    assert (later.new, later.merged) == (1, 0)  # a pending venue has no matching keys: its own venue
    assert statuses(store) == ["active", "active", "pending"]


def test_quarantined_records_keep_their_commune_and_what_the_mapping_read(store, places, served, fetcher, tmp_path):
    root, server = served
    shutil.copy(FIXTURES / "hostile" / "missing-columns.csv", root / "sans-adresse.csv")
    report = harvest(store, load_source(source_file(tmp_path, server.url("files/sans-adresse.csv"))), fetcher, places)
    assert report.quarantined == 2
    found = store.quarantined(EVERYTHING)
    assert [(q.record_id, q.code_insee, q.mapped["nom"]) for q in found] == [
        ("m1", "54395", "Sans adresse"),
        ("m2", "54395", "Sans adresse non plus"),
    ]
    assert ("nom", "Sans adresse") in found[0].cells
    assert [q.record_id for q in store.quarantined(Scope(departements=frozenset({"54"})))] == ["m1", "m2"]
    assert store.quarantined(Scope(communes=frozenset({"69388"}))) == []


@pytest.mark.parametrize(
    "line, message",
    [
        ('review_new = "oui"', "champ « review_new » : attendu true ou false"),
        ("review_new = 1", "champ « review_new » : attendu true ou false"),
    ],
)
def test_review_new_is_checked_like_the_other_keys(tmp_path, line, message):
    toml = source_file(tmp_path, "https://exemple.fr/lieux.csv", id="ma-commune")
    toml.write_text(toml.read_text() + line + "\n", encoding="utf-8")
    with pytest.raises(SourceConfigError) as refused:
        load_source(toml)
    assert str(refused.value) == f"ma-commune.toml : {message}"


def test_below_the_threshold_new_venues_are_reviewed_by_default(tmp_path):
    at = load_source(source_file(tmp_path, "https://exemple.fr/a.csv", id="a", trust=REVIEW_TRUST))
    below = load_source(source_file(tmp_path, "https://exemple.fr/b.csv", id="b", trust=REVIEW_TRUST - 1))
    assert (at.review_new, at.reviews_new, below.reviews_new) == (None, False, True)


def test_an_imported_files_quarantined_records_are_placed_too(store, places):
    from directory.harvest import import_file

    import_file(store, FIXTURES / "hostile" / "missing-columns.csv", places=places)
    found = store.quarantined(Scope(departements=frozenset({"54"})))
    assert [(q.record_id, q.code_insee, q.mapped["nom"]) for q in found] == [
        ("m1", "54395", "Sans adresse"),
        ("m2", "54395", "Sans adresse non plus"),
    ]
