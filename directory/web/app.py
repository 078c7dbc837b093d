# SPDX-License-Identifier: Apache-2.0
"""The Starlette application: every route in one list, errors handled in one place."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from anyio import to_thread
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from directory.config import Settings
from directory.export import read_catalogue_file
from directory.places import Gazetteer, load_gazetteer
from directory.search import POOL_SIZE, SearchIndex, following, open_index, sync
from directory.store import Store, open_store

from . import api, apidocs, backoffice, embed, feed, maps, openapi, opendata, orient, pages, producers, venue
from .cors import CorsReads
from .locate import Locator
from .problems import EXCEPTION_HANDLERS
from .rendering import HERE, make_templates, named_routes
from .security import SecurityHeaders, content_security_policy

__all__ = ["app_from_environment", "create_app", "routes", "serving_app"]

log = logging.getLogger("directory.web")

#: Reads of the API are open to every origin (partner sites call them from browsers).
API_READS = [Middleware(CorsReads)]

routes = [
    Route("/", pages.home, methods=["GET"], name="home"),
    Route("/imprimer", pages.print_results, methods=["GET"], name="print_results"),
    Route("/orienter", orient.orient, methods=["GET"], name="orient"),
    Route("/orienter/situation", orient.orient_situation, methods=["GET"], name="orient_situation"),
    Route("/orienter/lieu", orient.orient_where, methods=["GET"], name="orient_where"),
    Route("/orienter/quand", orient.orient_when, methods=["GET"], name="orient_when"),
    Route("/orienter/lieux", orient.orient_results, methods=["GET"], name="orient_results"),
    Route("/orienter/fiche", orient.orient_slip, methods=["GET"], name="orient_slip"),
    Route("/embed", embed.widget, methods=["GET"], name="embed"),
    Route("/embed/configurer", embed.configure, methods=["GET"], name="embed_configure"),
    Route("/carte/lieux/{venue_id}", maps.map_card, methods=["GET"], name="map_card"),
    Route("/lieux/{venue_id}", venue.venue_page, methods=["GET"], name="venue"),
    Route("/lieux/{venue_id}/fiche", venue.venue_slip, methods=["GET"], name="venue_slip"),
    Route("/api/lieux", api.search, methods=opendata.METHODS, name="api_search", middleware=API_READS),
    Route("/api/lieux/proches", api.nearby, methods=opendata.METHODS, name="api_nearby", middleware=API_READS),
    Route("/api/lieux/{venue_id}", api.venue, methods=opendata.METHODS, name="api_venue", middleware=API_READS),
    Route("/api/carte", maps.points, methods=opendata.METHODS, name="api_map", middleware=API_READS),
    Route("/api/communes", api.places, methods=opendata.METHODS, name="api_places", middleware=API_READS),
    Route("/api/changes", feed.changes, methods=opendata.METHODS, name="api_changes", middleware=API_READS),
    Route(
        "/api/sources/{source_id}/retours",
        producers.feedback,
        methods=opendata.METHODS,
        name="api_source_feedback",
        middleware=API_READS,
    ),
    Route("/api/sante", api.health, methods=opendata.METHODS, name="api_health", middleware=API_READS),
    Route(
        "/api/openapi.json",
        openapi.openapi_document,
        methods=opendata.METHODS,
        name="api_openapi",
        middleware=API_READS,
    ),
    Route("/api/docs", apidocs.api_docs, methods=["GET"], name="api_docs"),
    Route("/donnees", opendata.open_data_page, methods=["GET"], name="open_data"),
    Route("/export/{file}", opendata.export, methods=opendata.METHODS, name="export", middleware=opendata.MIDDLEWARE),
    Route(
        "/catalogue.ttl",
        opendata.catalogue_turtle,
        methods=opendata.METHODS,
        name="catalogue_ttl",
        middleware=opendata.MIDDLEWARE,
    ),
    Route(
        "/catalogue.jsonld",
        opendata.catalogue_jsonld,
        methods=opendata.METHODS,
        name="catalogue_jsonld",
        middleware=opendata.MIDDLEWARE,
    ),
    Route(
        "/.well-known/dcat",
        opendata.catalogue_negotiated,
        methods=opendata.METHODS,
        name="well_known_dcat",
        middleware=opendata.MIDDLEWARE,
    ),
    Route(
        "/vocabulaires.ttl",
        opendata.vocabularies,
        methods=opendata.METHODS,
        name="vocabularies_ttl",
        middleware=opendata.MIDDLEWARE,
    ),
    *backoffice.routes,
    Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
]


def create_app(settings: Settings, store: Store, places: Gazetteer, index: SearchIndex | None = None) -> Starlette:
    """Build the web application around an open store and a gazetteer.

    :param settings: the instance settings (read once by the caller).
    :param store: where venues are read from; the app does not close it.
    :param places: resolves what people type ("69003", "Nancy") into points.
    :param index: the search index; by default the one the settings name,
        brought up to date with the store now (a rebuild the first time), then
        kept so before queries whenever the store changed without it (``following``).
    """
    if index is None:
        opened = open_index(settings)
        try:
            sync(opened, store)
        except sa.exc.SQLAlchemyError as err:  # the store is not ready: /api/sante says so
            log.error("search index not synced with the store: %s", err)
        index = following(opened, store)
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders, csp=content_security_policy(settings)),
            Middleware(GZipMiddleware, minimum_size=500, compresslevel=6),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=_closing,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.places = places
    app.state.index = index
    app.state.catalogue = read_catalogue_file(settings.catalogue_file)
    app.state.locator = Locator(places, settings.geocoder_url)
    app.state.templates = make_templates()
    app.state.named_routes = named_routes(app.routes)
    app.state.sessions = backoffice.SessionCodec(
        backoffice.load_secret(settings), secure=settings.public_url.startswith("https://")
    )
    return app


def serving_app(settings: Settings, store: Store, places: Gazetteer) -> Starlette:
    """``create_app`` for a process that does nothing but serve it (a worker of ``directory serve``,
    ``bench/_server.py``).

    What the process built to start (~215,000 objects, mostly the gazetteer) is then frozen: the
    cyclic collector skips it instead of walking it again in each full collection, where py-spy
    found a third of a loaded worker's busy samples (``bench/load.py``, 10 clients). Frozen
    objects are still freed when nothing refers to them.
    """
    app = create_app(settings, store, places)
    app.router.lifespan_context = _serving
    gc.freeze()
    return app


#: Threads a worker runs its requests on (anyio's default is 40): as many as the search index has
#: connections. More only wait for a connection and contend for the GIL: one worker at 50 clients
#: served 154-199 requests/s (p95 570-720 ms) with 40 or 8 threads, 231-238 (p95 230 ms) with 4.
REQUEST_THREADS = POOL_SIZE


@asynccontextmanager
async def _closing(app: Starlette) -> AsyncIterator[None]:
    """What the app opened for itself is closed when it stops: the geocoder's HTTP client."""
    try:
        yield
    finally:
        app.state.locator.close()


@asynccontextmanager
async def _serving(app: Starlette) -> AsyncIterator[None]:
    """A serving worker's lifespan: its request threads (``REQUEST_THREADS``), then ``_closing``."""
    to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
    async with _closing(app):
        yield


def app_from_environment() -> Starlette:
    """The app as each worker process of ``directory serve`` builds it (uvicorn's factory).

    Settings come from the environment (``Settings.to_env`` carries the command
    line's to the workers); each worker opens its own store connections and its
    own index connections.
    """
    settings = Settings.from_env()
    return serving_app(settings, open_store(settings.database), load_gazetteer())
