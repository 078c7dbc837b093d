# SPDX-License-Identifier: Apache-2.0
"""Whole-directory exports read the store's rows (``iter_venue_rows``) and build
no ``Venue`` unless a writer asks: they must write exactly what the ``Venue``
path writes (``ExportVenue.from_stored`` over ``iter_venues``), on the demo
fixtures (~3,400 real venues imported as a harvest would)."""

from __future__ import annotations

import io

import pytest

from directory.export import ExportVenue, get_writer
from directory.export.national import national_values, stored_national_values
from directory.export.streaming import export_chunks
from directory.export.writers.table import national_list
from directory.store import VenueFilter

from .conftest import BASE_URL


def test_rows_and_venues_give_the_same_national_values(demo_store):
    fast = [
        national_list(ExportVenue.from_row(row, sources, base_url=BASE_URL), extensions=True)
        for row, sources in demo_store.iter_venue_rows()
    ]
    slow = [
        national_list(ExportVenue.from_stored(stored, base_url=BASE_URL), extensions=True)
        for stored in demo_store.iter_venues()
    ]
    assert len(fast) == demo_store.count_venues() > 3000
    assert fast == slow
    # And the values themselves, before the export's ``source``.
    for (row, _), stored in zip(demo_store.iter_venue_rows(), demo_store.iter_venues()):
        assert stored_national_values(row, extensions=True) == national_values(stored.venue, extensions=True)


def test_a_row_builds_the_same_venue_when_a_writer_asks(demo_store):
    for (row, sources), stored in zip(demo_store.iter_venue_rows(), demo_store.iter_venues()):
        fast, slow = ExportVenue.from_row(row, sources), ExportVenue.from_stored(stored)
        assert (fast.id, fast.source, fast.updated_at, fast.url, fast.point) == (
            slow.id,
            slow.source,
            slow.updated_at,
            slow.url,
            slow.venue.point,
        )
        assert fast.venue == slow.venue


@pytest.mark.parametrize("name", ["csv", "json", "geojson", "dinclusion"])
@pytest.mark.parametrize("territory", [None, VenueFilter(departement="69")], ids=["all", "69"])
def test_export_chunks_write_what_the_venue_path_writes(demo_store, name, territory):
    fast = b"".join(export_chunks(demo_store, get_writer(name, base_url=BASE_URL), territory, base_url=BASE_URL))
    stream = io.StringIO(newline="")
    venues = (ExportVenue.from_stored(s, base_url=BASE_URL) for s in demo_store.iter_venues(territory))
    get_writer(name, base_url=BASE_URL).write_all(venues, stream)
    assert fast.decode("utf-8") == stream.getvalue()
