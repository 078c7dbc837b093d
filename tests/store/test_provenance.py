# SPDX-License-Identifier: Apache-2.0
"""The provenance of new venues: a row per filled field, naming its source (both backends), stored
venue after venue (SQLite: a venue merged again then reads its rows from a page or two)."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import groupby

from directory.store import Incoming, SourceInfo, open_store

from .test_store import venue

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def create(store, *venues):
    with store.writer() as w:
        w.ensure_source(SourceInfo("src", "Source"))
        return w.apply_many("src", [Incoming(v.id, v) for v in venues], at=AT)


def test_a_new_venue_has_a_provenance_row_per_filled_field_and_none_for_empty_ones(store):
    sparse = venue("sparse", 45.76, 4.85)
    full = venue("full", 45.77, 4.86, telephone="0478000000", courriels="epn@exemple.fr", horaires="Mo 09:00-12:00")
    outcomes = create(store, sparse, full)
    for outcome in outcomes:
        stored = store.get_venue(outcome.venue_id)
        assert sorted(stored.provenance) == sorted(outcome.changed_fields)  # a created venue's filled fields
        assert {(p.source_id, p.actor, p.locked, p.at) for p in stored.provenance.values()} == {
            ("src", None, False, AT)
        }
    sparse_fields, full_fields = (set(store.get_venue(o.venue_id).provenance) for o in outcomes)
    assert {"nom", "adresse", "latitude", "date_maj"} <= sparse_fields
    assert not {"telephone", "courriels", "site_web", "horaires", "complement_adresse"} & sparse_fields
    assert full_fields - sparse_fields == {"telephone", "courriels", "horaires"}


def test_a_batchs_provenance_rows_are_stored_venue_after_venue(tmp_path):
    """Read in the order the table stores them (a scan of the table itself, NOT INDEXED: the primary key's
    index of a rowid table would give the key's order whatever the table's), a venue's rows come together."""
    store = open_store(f"sqlite:///{tmp_path / 'directory.db'}", upgrade=True)
    try:
        create(store, *(venue(f"r{i}", 45.76 + i / 100, 4.85, telephone="0478000000") for i in range(5)))
        with store.engine.connect() as c:
            in_table_order = c.exec_driver_sql("SELECT venue_pk FROM field_provenance NOT INDEXED").scalars().all()
    finally:
        store.close()
    assert len(set(in_table_order)) == 5 and len(in_table_order) > 5 * 5
    assert [pk for pk, _ in groupby(in_table_order)] == sorted(set(in_table_order))
