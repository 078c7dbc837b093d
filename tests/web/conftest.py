# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fixtures for the web tests: a SQLite store filled through the public path, the app, a client.

The venues are real rows (Lyon 3e, Nancy, Paris 19e) copied into
``venues.json``, plus one venue with hostile text written straight through the
store's writer (the validator would refuse it, but the page must never trust
what the store holds).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from directory.config import Settings
from directory.places import Gazetteer, load_gazetteer
from directory.schema import Service, Venue, parse_venue
from directory.store import SourceInfo, Store, open_store, utcnow
from directory.web import create_app

HERE = Path(__file__).parent
HOSTILE_NAME = "Lieu \"test\" <script>alert('x')</script> & Cie"


@dataclass(frozen=True)
class Seeded:
    """A filled store and the venue id minted for each source record id."""

    store: Store
    ids: dict[str, str]


def load_records() -> dict[str, list[dict]]:
    data = json.loads((HERE / "venues.json").read_text(encoding="utf-8"))
    return {source: rows for source, rows in data.items() if not source.startswith("_")}


def hostile_venue() -> Venue:
    """Near Lyon 3e, with markup and quotes in every text a page shows."""
    return Venue(
        id="hostile-1",
        pivot="00000000000000",
        nom=HOSTILE_NAME,
        commune="Lyon <b>3</b>",
        code_postal="69003",
        adresse="1 rue \"du\" <img src=x onerror=alert(1)>",
        date_maj=date(2024, 1, 15),
        latitude=45.7605,
        longitude=4.8590,
        horaires="n'importe quoi <script>",
        site_web=["javascript:alert(1)"],
        services=[Service.DEMARCHES],
    )


def make_store(path: Path) -> Store:
    return open_store("sqlite:///" + str(path / "t.db"), upgrade=True)


def fill_store(store: Store) -> dict[str, str]:
    """Write every record of ``venues.json`` (and the hostile venue); return record id → venue id."""
    ids: dict[str, str] = {}
    with store.writer() as w:
        for source, rows in load_records().items():
            w.ensure_source(SourceInfo(source, source.capitalize()))
            for record in rows:
                result = parse_venue(record)
                assert result.venue is not None, (record["id"], result.problems)
                ids[record["id"]] = w.apply(source, record["id"], result.venue, at=utcnow()).venue_id
        w.ensure_source(SourceInfo("test", "Test"))
        ids["hostile-1"] = w.apply("test", "hostile-1", hostile_venue(), at=utcnow()).venue_id
    return ids


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def places() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    store = make_store(tmp_path_factory.mktemp("store"))
    return Seeded(store, fill_store(store))


@pytest.fixture(scope="session")
def app(seeded: Seeded, places: Gazetteer, tmp_path_factory: pytest.TempPathFactory) -> Starlette:
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("data")), seeded.store, places)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def empty_store(tmp_path: Path) -> Store:
    return make_store(tmp_path)
