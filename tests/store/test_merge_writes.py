# SPDX-License-Identifier: Apache-2.0
"""What merging a venue again reads and writes by its own means (``_merging``, ``_bulk.update_rows``) is
what SQLAlchemy's ``select(venue_t)`` and ``table.update()`` read and write (both backends); its shortcuts
(changed fields, provenance to rewrite) decide as the full comparisons do."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from directory.schema import stored_block_keys
from directory.store import Incoming, SourceInfo
from directory.store._bulk import update_rows
from directory.store._content import CONTENT
from directory.store._links import _filled
from directory.store._merging import MergeWrites, _changes, _moved, _reads
from directory.store._models import jsonable
from directory.store._param_lists import list_param
from directory.store.tables import link_t, match_key_t, prov_t, venue_t

from .test_store import venue

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _venues(store, count: int = 3) -> list[int]:
    """``count`` venues of varied values (lists empty and not, offers, flags); their pks."""
    items = [
        Incoming("a", venue("a", 45.76, 4.85, courriels="a@exemple.fr", services="Aide aux démarches administratives")),
        Incoming("b", venue("b", 45.77, 4.86, telephone="0478000000"), flags=[{"code": "x", "field": "nom"}]),
        Incoming("c", venue("c", 45.78, 4.87, site_web="https://exemple.fr"), geo_method="ban-street"),
    ][:count]
    with store.writer() as w:
        w.ensure_source(SourceInfo("src", "src"))
        w.apply_many("src", items, at=AT)
    with store.engine.connect() as c:
        return sorted(c.execute(sa.select(venue_t.c.pk)).scalars())


def test_the_first_provenance_names_each_filled_field_of_each_new_venue(store):
    """One statement for the whole batch (``_links._FIRST_PROVENANCE``) writes what a select per field would."""
    pks = _venues(store)
    with store.writer() as w:
        emptied = {"nom": "", "telephone": "", "courriels": [], "services": None, "offres": []}
        w.c.execute(venue_t.update().where(venue_t.c.pk == pks[0]).values(emptied))
        w.c.execute(prov_t.delete())
        w._first_provenance(pks, "src", AT)
        written = w.c.execute(sa.select(prov_t.c.venue_pk, prov_t.c.field, prov_t.c.source_id, prov_t.c.locked)).all()
        expected = [
            (pk, name, "src", False)
            for name in CONTENT
            for pk in w.c.execute(sa.select(venue_t.c.pk).where(_filled(venue_t.c[name]))).scalars()
        ]
    assert sorted(tuple(row) for row in written) == sorted(expected)
    assert not {"courriels", "services", "offres"} & {name for pk, name, *_ in expected if pk == pks[0]}


def test_venue_rows_are_read_as_select_venue_reads_them(store):
    pks = _venues(store)
    with store.writer() as w:
        expected = {r["pk"]: dict(r) for r in w.c.execute(sa.select(venue_t)).mappings()}
        assert w._venue_rows(set(pks)) == expected
        assert w._venue_rows({pks[0]}) == {pks[0]: expected[pks[0]]}


@pytest.mark.parametrize(
    "values",
    [
        {"nom": "Autre nom", "updated_at": AT + timedelta(days=1)},
        {"services": ["demarches"], "courriels": [], "offres": None, "flags": [{"code": "y"}]},
        {"latitude": 45.1, "longitude": 4.2, "geo_method": None, "date_maj": date(2026, 1, 2)},
        {"telephone": None, "updated_at": datetime(2026, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=2)))},
    ],
)
def test_update_rows_writes_what_sqlalchemy_update_writes(store, values: dict[str, Any]):
    first, second, _ = _venues(store)
    with store.writer() as w:
        update_rows(w.c, venue_t, ("pk",), [{"pk": first, **values}])
        w.c.execute(venue_t.update().where(venue_t.c.pk == second).values(values))
        rows = {r["pk"]: dict(r) for r in w.c.execute(sa.select(venue_t)).mappings()}
    for name in values:
        assert rows[first][name] == rows[second][name], name


def test_update_rows_finds_rows_by_a_key_of_several_columns(store):
    _venues(store)
    with store.writer() as w:
        update_rows(
            w.c,
            link_t,
            ("source_id", "record_id"),
            [
                {"source_id": "src", "record_id": "b", "raw_hash": "h-b", "lineage": ["src"]},
                {"source_id": "src", "record_id": "c", "raw_hash": "h-c", "lineage": None},
            ],
        )
        found = w.c.execute(sa.select(link_t.c.record_id, link_t.c.raw_hash, link_t.c.lineage)).all()
    assert sorted(tuple(r) for r in found) == [("a", None, None), ("b", "h-b", ["src"]), ("c", "h-c", None)]


def test_update_rows_wants_every_row_to_name_its_key(store):
    with store.writer() as w, pytest.raises(KeyError):
        update_rows(w.c, venue_t, ("pk",), [{"nom": "sans clé"}])


CASES = [
    ("same", "same"),
    ("old", "new"),
    (None, []),
    ([], None),
    (["a"], ["a"]),
    (["a", "b"], ["b", "a"]),
    (1, 1.0),
    (date(2026, 1, 1), date(2026, 1, 1)),
    (date(2026, 1, 1), date(2026, 1, 2)),
    (date(2026, 1, 1), "2026-01-01"),  # the same date, as text: no change
    ("2026-01-01", date(2026, 1, 2)),
    ({"id": "o", "nom": "x"}, {"id": "o", "nom": "x"}),
    ([{"id": "o"}], [{"id": "p"}]),
]


def test_changes_are_the_json_forms_of_the_values_that_differ_as_json():
    row = {f"f{i}": old for i, (old, _) in enumerate(CASES)}
    new = {f"f{i}": value for i, (_, value) in enumerate(CASES)}
    expected = {
        name: (jsonable(row[name]), jsonable(value))
        for name, value in new.items()
        if jsonable(row[name]) != jsonable(value)
    }
    assert _changes(row, new) == expected
    assert list(_changes(row, new)) == ["f1", "f2", "f3", "f5", "f8", "f10", "f12"]


@pytest.mark.parametrize(
    ("changes", "locked", "given", "winners"),
    [
        ({}, set(), {"nom": "a", "adresse": "a"}, {"nom": "a", "adresse": "a"}),
        ({"nom": ("x", "y")}, set(), {"nom": "a"}, {"nom": "a"}),
        ({}, set(), {"nom": "a"}, {"nom": "b"}),
        ({}, set(), {"nom": "a", "geo_method": "a"}, {"nom": "a"}),
        ({}, {"nom"}, {"adresse": "a"}, {"adresse": "b"}),
        ({"nom": ("x", "y")}, {"nom"}, {}, {}),
        ({}, set(), {"nom": None}, {}),
    ],
)
def test_the_provenance_rewritten_is_what_the_full_comparison_names(changes, locked, given, winners):
    expected = [
        name for name in CONTENT if name not in locked and (name in changes or given.get(name) != winners.get(name))
    ]
    assert _moved(changes, locked, given, winners) == expected


def test_the_provenance_read_per_venue_is_what_its_rows_say(store):
    """``_merging._provenance`` aggregates a venue's rows in the database: unlocked fields with their source
    (None kept), locked fields apart, venues without rows left out."""
    first, second, third = _venues(store)
    with store.writer() as w:
        w.c.execute(prov_t.update().where(prov_t.c.venue_pk == first, prov_t.c.field == "nom").values(locked=True))
        w.c.execute(
            prov_t.update().where(prov_t.c.venue_pk == first, prov_t.c.field == "adresse").values(source_id=None)
        )
        w.c.execute(prov_t.update().where(prov_t.c.venue_pk == second).values(locked=True))
        w.c.execute(prov_t.delete().where(prov_t.c.venue_pk == third))
        rows = w.c.execute(sa.select(prov_t.c.venue_pk, prov_t.c.field, prov_t.c.source_id, prov_t.c.locked)).all()
        read = w.c.execute(_reads(w.c.dialect).provenance, {"values": list_param(w.c.dialect, [first, second, third])})
        found = {pk: (orjson.loads(given or "{}"), sorted(orjson.loads(locked or "[]"))) for pk, given, locked in read}
    expected = {
        pk: (
            {name: source for venue_pk, name, source, locked in rows if venue_pk == pk and not locked},
            sorted(name for venue_pk, name, _, locked in rows if venue_pk == pk and locked),
        )
        for pk in (first, second)
    }
    assert found == expected
    assert found[first][0]["adresse"] is None and found[first][1] == ["nom"] and found[second][0] == {}


def test_only_venues_whose_blocking_keys_changed_have_them_written_again(store):
    """``_moved_keys`` compares a venue's keys with those ``match_key`` holds: same keys, nothing to write."""
    first, second, third = _venues(store)
    with store.writer() as w:
        rows = w._venue_rows({first, second, third})
        w.c.execute(match_key_t.delete().where(match_key_t.c.venue_pk == third))
        renamed = {**rows[second], "nom": "Un tout autre nom"}
        moved, keys = w._moved_keys({first: rows[first], second: renamed, third: rows[third]})
    assert sorted(moved) == sorted(keys) == [second, third]
    assert keys[second] == stored_block_keys(renamed) != stored_block_keys(rows[second])
    assert keys[third] == stored_block_keys(rows[third])


def test_a_moved_provenance_row_is_updated_in_place_as_deleting_and_inserting_it_would_leave_it():
    """``MergeWrites.provenance``: a stored row names its new source (its actor emptied), a field newly
    given gets a row, a field no source gives any more loses its row, and an absent one stays absent."""
    writes = MergeWrites()
    writes.provenance(1, "nom", True, "b", AT)
    writes.provenance(1, "telephone", False, "b", AT)
    writes.provenance(1, "courriels", True, None, AT)
    writes.provenance(1, "site_web", False, None, AT)
    assert writes.sourced == [{"venue_pk": 1, "field": "nom", "source_id": "b", "actor": None, "at": AT}]
    assert writes.added == [{"venue_pk": 1, "field": "telephone", "source_id": "b", "locked": False, "at": AT}]
    assert writes.cleared == [{"b_pk": 1, "b_field": "courriels"}]
