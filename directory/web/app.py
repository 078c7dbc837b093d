# SPDX-License-Identifier: Apache-2.0
"""The Starlette application: every route in one list, errors handled in one place."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from directory.config import Settings
from directory.places import Gazetteer
from directory.store import Store

from . import api, feed, opendata, pages, producers, venue
from .cors import CorsReads
from .problems import EXCEPTION_HANDLERS
from .rendering import HERE, make_templates

__all__ = ["create_app", "routes"]

#: Reads of the API are open to every origin (partner sites call them from browsers).
API_READS = [Middleware(CorsReads)]

routes = [
    Route("/", pages.home, methods=["GET"], name="home"),
    Route("/lieux/{venue_id}", venue.venue_page, methods=["GET"], name="venue"),
    Route("/lieux/{venue_id}/fiche", venue.venue_slip, methods=["GET"], name="venue_slip"),
    Route("/api/lieux/proches", api.nearby, methods=opendata.METHODS, name="api_nearby", middleware=API_READS),
    Route("/api/changes", feed.changes, methods=opendata.METHODS, name="api_changes", middleware=API_READS),
    Route("/api/sources/{source_id}/retours", producers.feedback, methods=opendata.METHODS, name="api_source_feedback", middleware=API_READS),
    Route("/api/sante", api.health, methods=opendata.METHODS, name="api_health", middleware=API_READS),
    Route("/donnees", opendata.open_data_page, methods=["GET"], name="open_data"),
    Route("/export/{file}", opendata.export, methods=opendata.METHODS, name="export", middleware=opendata.MIDDLEWARE),
    Route("/catalogue.ttl", opendata.catalogue_turtle, methods=opendata.METHODS, name="catalogue_ttl", middleware=opendata.MIDDLEWARE),
    Route("/catalogue.jsonld", opendata.catalogue_jsonld, methods=opendata.METHODS, name="catalogue_jsonld", middleware=opendata.MIDDLEWARE),
    Route("/.well-known/dcat", opendata.catalogue_negotiated, methods=opendata.METHODS, name="well_known_dcat", middleware=opendata.MIDDLEWARE),
    Route("/vocabulaires.ttl", opendata.vocabularies, methods=opendata.METHODS, name="vocabularies_ttl", middleware=opendata.MIDDLEWARE),
    Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
]

#: Sent with every response. Pages need nothing from another origin.
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'"),
]  # fmt: skip


class SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` to every HTTP response (pure ASGI, no buffering)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings, store: Store, places: Gazetteer) -> Starlette:
    """Build the web application around an open store and a gazetteer.

    :param settings: the instance settings (read once by the caller).
    :param store: where venues are read from; the app does not close it.
    :param places: resolves what people type ("69003", "Nancy") into points.
    """
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
    )
    app.state.settings = settings
    app.state.store = store
    app.state.places = places
    app.state.templates = make_templates()
    return app
