# SPDX-License-Identifier: Apache-2.0
"""Writers stream: memory stays flat however many venues go through.

Venues are generated lazily (``conftest.synthetic``) and written to
/dev/null under tracemalloc. Two checks per writer: the peak of Python
allocations stays under 50 MB, and what is still allocated after the last
venue is no more than after the first quarter (a writer that kept rows,
strings or triples would grow linearly).

The national CSV takes the full 100,000 venues. tracemalloc slows
allocation-heavy code four- to tenfold, so the other writers take fewer by
default (their memory does not depend on the count: each venue is built,
written and dropped); ``EXPORT_STREAMING_VENUES=100000`` runs them all at
full scale.
"""

from __future__ import annotations

import os
import tracemalloc

import pytest

from directory.export import get_writer

from .conftest import BASE_URL, synthetic

PEAK_LIMIT = 50 * 2**20
GROWTH_LIMIT = 2 * 2**20
_FULL = int(os.environ.get("EXPORT_STREAMING_VENUES", "0"))
COUNTS = {
    "csv": 100_000,
    "json": _FULL or 3_000,
    "geojson": _FULL or 3_000,
    "dinclusion": _FULL or 3_000,
    "jsonld": _FULL or 200,
    "ttl": _FULL or 200,
}


@pytest.mark.parametrize("name", list(COUNTS))
def test_memory_stays_flat(name):
    count = COUNTS[name]
    writer = get_writer(name, base_url=BASE_URL)
    quarter = count // 4
    held: dict[str, int] = {}
    with open(os.devnull, "w", encoding="utf-8", newline="") as sink:
        tracemalloc.start()
        try:
            for written in writer.write(synthetic(count), sink):
                if written == quarter:
                    held["quarter"] = tracemalloc.get_traced_memory()[0]
            held["end"], peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert written == count
    assert peak < PEAK_LIMIT, f"{name}: peak {peak / 2**20:.1f} MB"
    assert held["end"] - held["quarter"] < GROWTH_LIMIT, (
        f"{name}: grew by {(held['end'] - held['quarter']) / 2**20:.1f} MB"
    )
