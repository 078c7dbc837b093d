# SPDX-License-Identifier: Apache-2.0
"""Every JSON answer of the API is JSON a strict parser reads (issue 13, item 9).

Python's ``json`` module reads and writes ``NaN`` and ``Infinity``, which are
not JSON: the routes are parsed here with those refused, and the one encoder of
the site's JSON answers (``rendering``) writes ``null`` for them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from directory.web.rendering import json_response, problem_response

from .seeding import Seeded

WEB = Path(__file__).resolve().parents[2] / "directory" / "web"


def strict(body: bytes):
    def refuse(constant: str):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(body, parse_constant=refuse)


@pytest.mark.anyio
async def test_every_api_route_answers_strict_json(client, seeded: Seeded) -> None:
    venue_id = seeded.ids["hostile-1"]
    for url in (
        "/api/lieux?lieu=69003",
        "/api/lieux?q=numerique&lieu=Nancy",
        f"/api/lieux/{venue_id}",
        "/api/lieux/proches?lieu=69003",
        "/api/carte?lieu=69003",
        "/api/communes?q=lyo",
        "/api/changes",
        "/api/sante",
        "/api/openapi.json",
        "/api/lieux/inconnu",
        "/api/lieux?par_page=abc",
        "/api/sources/inconnue/retours",
    ):
        r = await client.get(url)
        assert r.headers["content-type"].startswith(("application/json", "application/problem+json")), url
        strict(r.content)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_nan_is_written_null_not_a_failed_response(value) -> None:
    assert strict(json_response({"x": value, "y": [value]}).body) == {"x": None, "y": [None]}
    assert strict(problem_response({"status": 400, "x": value}).body) == {"status": 400, "x": None}


def test_no_route_makes_json_another_way() -> None:
    """One encoder: a route returning Starlette's ``JSONResponse`` itself fails here."""
    offenders = [
        str(path.relative_to(WEB))
        for path in WEB.rglob("*.py")
        if path.name != "rendering.py" and re.search(r"\bJSONResponse\(", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
