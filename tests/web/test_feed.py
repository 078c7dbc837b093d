# SPDX-License-Identifier: Apache-2.0
"""``GET /api/changes``: shape, paging, bad cursors, ETag."""

from __future__ import annotations

import httpx
import pytest

from .seeding import Seeded

pytestmark = pytest.mark.anyio


async def test_the_feed_lists_every_venue_with_its_national_row(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.get("/api/changes")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-cache"
    body = response.json()
    assert set(body) == {"items", "next", "more"} and body["more"] is False
    assert sorted(i["venue_id"] for i in body["items"]) == sorted(seeded.ids.values())
    item = body["items"][0]
    assert set(item) == {"cursor", "venue_id", "action", "merged_into", "at", "venue"}
    assert item["action"] == "upsert" and item["merged_into"] is None
    assert item["venue"]["id"] == item["venue_id"] and "nom" in item["venue"] and "date_maj" in item["venue"]
    assert body["next"] == body["items"][-1]["cursor"]
    again = (await client.get("/api/changes", params={"since": body["next"]})).json()
    assert again == {"items": [], "next": body["next"], "more": False}


async def test_paging_with_limite(client: httpx.AsyncClient, seeded: Seeded) -> None:
    seen, params = [], {"limite": "2"}
    for _ in range(50):
        body = (await client.get("/api/changes", params=params)).json()
        assert len(body["items"]) <= 2
        seen += [i["venue_id"] for i in body["items"]]
        params = {"limite": "2", "since": body["next"]}
        if not body["more"]:
            break
    assert sorted(seen) == sorted(seeded.ids.values())


@pytest.mark.parametrize("query", ["since=nope", "since=42", "since=%00", "limite=0", "limite=1001", "limite=abc"])
async def test_bad_parameters_are_400_problems(client: httpx.AsyncClient, query: str) -> None:
    response = await client.get(f"/api/changes?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 400
    assert [e["field"] for e in problem["errors"]] == [query.split("=")[0]]


async def test_etag_answers_304(client: httpx.AsyncClient) -> None:
    first = await client.get("/api/changes")
    etag = first.headers["etag"]
    second = await client.get("/api/changes", headers={"If-None-Match": etag})
    assert second.status_code == 304 and second.headers["etag"] == etag
    other = await client.get("/api/changes", params={"limite": "1"}, headers={"If-None-Match": etag})
    assert other.status_code == 200
