# SPDX-License-Identifier: Apache-2.0
"""Fixtures for the web tests: a filled SQLite store, the gazetteer, the app, a client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from directory.config import Settings
from directory.places import Gazetteer
from directory.store import Store
from directory.web import create_app

from ..serving import ServerThread
from .browsing import PHONE, Tab, open_page
from .seeding import Seeded, fill_store, make_store


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    store = make_store(tmp_path_factory.mktemp("store"))
    return Seeded(store, fill_store(store))


@pytest.fixture(scope="session")
def app(seeded: Seeded, places: Gazetteer, tmp_path_factory: pytest.TempPathFactory) -> Starlette:
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("data")), seeded.store, places)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def empty_store(tmp_path: Path) -> Store:
    return make_store(tmp_path)


@pytest.fixture(scope="module")
def server(app: Starlette) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread (for browsers)."""
    with ServerThread(app, name="browser-app") as base_url:
        yield base_url


@pytest.fixture
def open_tab(browser: Any) -> Iterator[Callable[..., Tab]]:
    """``open_tab(PHONE, js=True, axe=False)``: a page of its own (``browsing.open_page``); its context
    is closed after the test."""
    contexts: list[Any] = []

    def make(viewport: dict[str, int] = PHONE, *, js: bool = True, axe: bool = False) -> Tab:
        context, tab = open_page(browser, viewport, js=js, axe=axe)
        contexts.append(context)
        return tab

    yield make
    for context in contexts:
        context.close()
