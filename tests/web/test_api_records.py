# SPDX-License-Identifier: Apache-2.0
"""``/api/lieux`` writes each result's national record from the venue's stored values,
without building a ``Venue``: the record is the one the ``Venue`` path writes, field for field."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from directory.export import national_row
from directory.schema import NATIONAL_FIELDS

pytestmark = pytest.mark.anyio

QUERIES = [
    {"lieu": "69003", "par_page": 50},
    {"q": "numérique", "par_page": 50},
    {"lieu": "75019", "services": "aide-aux-demarches-administratives"},
    {"departement": "69", "page": 2, "par_page": 5},
]


@pytest.mark.parametrize("params", QUERIES)
async def test_each_result_is_the_record_of_its_stored_venue(
    client: httpx.AsyncClient, app: Starlette, params: dict[str, object]
) -> None:
    r = await client.get("/api/lieux", params=params)
    assert r.status_code == 200, r.text
    results = r.json()["resultats"]
    assert results and any(result["lieu"]["services"] for result in results)
    store = app.state.store
    for result in results:
        stored = store.get_venue(result["id"])
        assert stored is not None and stored.status == "active"
        assert list(result["lieu"]) == list(NATIONAL_FIELDS)
        assert result["lieu"] == national_row(stored.venue)
        assert result["url"].endswith(f"/lieux/{result['id']}")
