# SPDX-License-Identifier: Apache-2.0
"""The back office's fixtures: a directory harvested from a real source (the Maisons de la Métropole
de Lyon, ``fixtures/sources/grand-lyon``), the app around it, accounts and signed-in clients."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from directory.config import Settings
from directory.curation import add_account, choose_password, issue_link
from directory.harvest import harvest_source, load_source
from directory.harvest.fetch import Fetcher
from directory.places import Gazetteer
from directory.store import Store, open_store, utcnow
from directory.web import create_app

from ..conftest import FIXTURES
from ..harvest.loopback import Loopback
from ..web.conftest import open_tab  # noqa: F401  # the browser tab fixture, for this folder too
from .harvesting import Harvests

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
PASSWORD = "une phrase de passe assez longue"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def copy_source(folder: Path, name: str) -> Path:
    """A source file of ``fixtures/sources`` and its data, copied where a test may change them."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "sources" / f"{name}.toml", folder)
    data = FIXTURES / "sources" / name
    if data.is_dir():
        shutil.copytree(data, folder / name, dirs_exist_ok=True)
    return folder / f"{name}.toml"


def harvest(store: Store, toml: Path, places: Gazetteer, now: datetime = NOW):
    with Fetcher(retries=0, backoff_s=0, timeout_s=5, sleep=lambda s: None) as fetcher:
        return harvest_source(store, load_source(toml), fetcher=fetcher, places=places, now=now)


@dataclass
class Directory:
    store: Store
    sources: Path  # the copied source files
    data: Path


@pytest.fixture
def directory(tmp_path: Path, places: Gazetteer) -> Directory:
    """A store holding the 61 Maisons de la Métropole de Lyon, harvested as a real source."""
    store = open_store(f"sqlite:///{tmp_path / 'directory.db'}", upgrade=True)
    sources = tmp_path / "sources"
    report = harvest(store, copy_source(sources, "grand-lyon"), places)
    assert report.status == "complete"
    return Directory(store, sources, tmp_path / "data")


@pytest.fixture
def app(directory: Directory, places: Gazetteer) -> Starlette:
    return create_app(Settings(data_dir=directory.data), directory.store, places)


@pytest.fixture
async def anonymous(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


def make_account(store: Store, places: Gazetteer, login: str, role: str, **scope: list[str]) -> str:
    """An account whose person chose their password (through the one-time link, as in life)."""
    add_account(store, login, login.title(), role, places=places, actor="test", at=utcnow(), **scope)
    choose_password(store, issue_link(store, login, actor="test", at=utcnow()), PASSWORD, at=utcnow())
    return login


async def sign_in(client: httpx.AsyncClient, login: str, password: str = PASSWORD) -> httpx.Response:
    form = await client.get("/gestion/connexion")
    token = CSRF.search(form.text).group(1)  # type: ignore[union-attr]
    return await client.post("/gestion/connexion", data={"csrf": token, "login": login, "password": password})


async def csrf_of(client: httpx.AsyncClient, path: str = "/gestion/") -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text[:500]
    return CSRF.search(page.text).group(1)  # type: ignore[union-attr]


@pytest.fixture
async def signed_in(app: Starlette, directory: Directory, places: Gazetteer) -> Callable:
    """``await signed_in(login, role, territories=[…], venues=[…])``: a client signed in as a new account."""
    clients: list[httpx.AsyncClient] = []

    async def make(login: str, role: str, **scope: list[str]) -> httpx.AsyncClient:
        make_account(directory.store, places, login, role, **scope)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        clients.append(client)
        response = await sign_in(client, login)
        assert response.status_code == 303, response.text[:500]
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def harvests(tmp_path: Path, places: Gazetteer) -> Iterator[Harvests]:
    """Two sources harvested for real over a loopback HTTP server, into a store of their own (``harvesting``)."""
    www = tmp_path / "www"
    www.mkdir()
    (tmp_path / "sources").mkdir()
    store = open_store(f"sqlite:///{tmp_path / 'directory.db'}", upgrade=True)
    with Loopback(www) as server, Fetcher(retries=0, backoff_s=0, timeout_s=5, sleep=lambda s: None) as fetcher:
        yield Harvests(store, places, www, tmp_path / "sources", server, fetcher)
    store.close()
