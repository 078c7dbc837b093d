# SPDX-License-Identifier: Apache-2.0
"""``GET /api/sources/{id}/retours``: back to producers, through the ASGI app."""

from __future__ import annotations

import httpx
import pytest

from directory.config import Settings
from directory.web import create_app

from ..store.test_feedback import LATER, PROBLEM, build

pytestmark = pytest.mark.anyio


async def test_feedback_api(empty_store, places, tmp_path) -> None:
    ids = build(empty_store)
    app = create_app(Settings(data_dir=tmp_path / "data"), empty_store, places)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        response = await client.get("/api/sources/src/retours", params={"depuis": "2026-11-25"})
        assert response.status_code == 200
        body = response.json()
        assert [(q["record_id"], q["position"], q["problemes"]) for q in body["quarantaine"]] == [("bad", 3, [PROBLEM])]
        assert body["corrections"] == [
            {
                "venue_id": ids["a"],
                "record_id": "a",
                "champ": "nom",
                "ancien": "Lieu a",
                "nouveau": "Nom corrigé",
                "par": "équipe d'animation",
                "le": LATER.isoformat(),
            }
        ]
        unknown = await client.get("/api/sources/nope/retours")
        assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("application/problem+json")
        bad = await client.get("/api/sources/src/retours", params={"depuis": "25/11/2026"})
        assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "depuis"
