# SPDX-License-Identifier: Apache-2.0
"""What each request no longer pays for (``bench/load.py``), and that the answers stay the same:
the worker's startup objects frozen out of the collector's walks, routes found by name once, and
opening labels kept for the minute they hold."""

from __future__ import annotations

import gc
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import anyio
import pytest
from anyio import to_thread
from starlette.applications import Starlette
from starlette.requests import Request

from directory.search import POOL_SIZE
from directory.store import open_store
from directory.web.app import REQUEST_THREADS, app_from_environment
from directory.web.display import open_label
from directory.web.rendering import absolute_url

PARIS = ZoneInfo("Europe/Paris")


def request_to(app: Starlette, host: bytes = b"annuaire.example:8000", root_path: str = "") -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "root_path": root_path,
        "query_string": b"",
        "headers": [(b"host", host)],
        "server": ("127.0.0.1", 8000),
        "app": app,
        "router": app.router,
    }
    return Request(scope)


@pytest.mark.parametrize("root_path", ["", "/annuaire"])
@pytest.mark.parametrize(
    ("route", "params"),
    [
        ("venue", {"venue_id": "lid_0123456789"}),
        ("api_search", {}),
        ("static", {"path": "css/site.css"}),
        ("export", {"file": "lieux.csv"}),
    ],
)
def test_absolute_url_is_what_url_for_gives(app: Starlette, route: str, params: dict[str, str], root_path: str):
    request = request_to(app, root_path=root_path)
    expected = str(request.base_url).rstrip("/") + request.url_for(route, **params).path
    assert absolute_url(request, route, **params) == expected


def test_an_unknown_route_is_still_refused(app: Starlette):
    from starlette.routing import NoMatchFound

    with pytest.raises(NoMatchFound):
        absolute_url(request_to(app), "no_such_route")


def test_an_opening_label_changes_on_the_minute_it_should():
    hours = "Mo-Su 09:00-18:00"
    day = datetime(2026, 3, 4, tzinfo=PARIS)
    before = open_label(hours, day.replace(hour=17, minute=59, second=0))
    same_minute = open_label(hours, day.replace(hour=17, minute=59, second=59, microsecond=999_999))
    at_six = open_label(hours, day.replace(hour=18))
    assert before is not None and before.is_open and before.text == "Ouvert jusqu'à 18\u00a0h"
    assert same_minute == before
    assert at_six is not None and not at_six.is_open and at_six.text == "Fermé · ouvre demain à 9\u00a0h"
    assert open_label(hours, day.replace(hour=18, second=30)) == at_six
    assert open_label("", day) is None and open_label("pas des horaires", day) is None


def test_a_worker_freezes_what_it_built_to_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The gazetteer and the app are left out of the collector's full walks, in the worker only."""
    url = f"sqlite:///{tmp_path / 'directory.db'}"
    open_store(url, upgrade=True).close()
    monkeypatch.setenv("DIRECTORY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", url)
    gc.unfreeze()
    try:
        app = app_from_environment()
        assert gc.get_freeze_count() > 100_000  # the gazetteer alone is ~200,000 objects
        assert app.state.named_routes["venue"].path == "/lieux/{venue_id}"
    finally:
        gc.unfreeze()
        app.state.store.close()
        app.state.index.close()


def test_a_worker_runs_its_requests_on_as_many_threads_as_the_index_has_connections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """More threads than the index's connections only wait for one and contend for the GIL (bench/load.py)."""
    url = f"sqlite:///{tmp_path / 'directory.db'}"
    open_store(url, upgrade=True).close()
    monkeypatch.setenv("DIRECTORY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", url)
    app = app_from_environment()
    gc.unfreeze()

    async def starting() -> int:  # the app's lifespan, as uvicorn runs it before the first request
        async with app.router.lifespan_context(app):
            return to_thread.current_default_thread_limiter().total_tokens

    try:
        tokens = anyio.run(starting)
    finally:
        app.state.store.close()
        app.state.index.close()
    assert tokens == REQUEST_THREADS == POOL_SIZE < 40  # anyio's default
