# SPDX-License-Identifier: Apache-2.0
"""Templates (Jinja2, autoescaped) and the two response shapes: HTML and JSON."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import jinja2
import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.templating import Jinja2Templates

from .display import format_date, format_distance, phone_display

__all__ = [
    "HERE",
    "PROBLEM_JSON",
    "absolute_url",
    "cached_json",
    "json_response",
    "make_templates",
    "named_routes",
    "problem_response",
    "public_base",
    "render",
]

HERE = Path(__file__).parent
PROBLEM_JSON = "application/problem+json"


def make_templates() -> Jinja2Templates:
    """The page templates; every ``{{ value }}`` is HTML-escaped."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(distance=format_distance, date_fr=format_date, phone=phone_display)
    return Jinja2Templates(env=env)


def public_base(request: Request) -> str:
    """The instance's public address (``public_url``; else the host the request came to), no final slash.

    Behind a proxy, the request's host is the internal one: links that leave the
    page (API results, exports, catalogue, QR codes, embed snippets) use this."""
    return (request.app.state.settings.public_url or str(request.base_url)).rstrip("/")


def absolute_url(request: Request, route: str, **path_params: str) -> str:
    """The public address of one of the app's routes."""
    named: dict[str, BaseRoute] = getattr(request.app.state, "named_routes", {})
    found = named.get(route, request.app.router)  # the router tries every route in turn
    path = found.url_path_for(route, **path_params).make_absolute_url(base_url=request.base_url).path
    return public_base(request) + path  # as ``request.url_for``


def named_routes(routes: list[BaseRoute]) -> dict[str, BaseRoute]:
    """Each name's route, for ``absolute_url``: ``url_for`` tries every route in turn, each refusal
    an exception, which cost a third of a millisecond per search response (``api.venue_url_prefix``)."""
    found: dict[str, BaseRoute] = {}
    for route in routes:
        name = getattr(route, "name", None)
        if isinstance(name, str):
            found.setdefault(name, route)
    return found


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, context, status_code=status)


class _JsonResponse(JSONResponse):
    """JSON as ``cached_json`` writes it (orjson: compact UTF-8): a NaN or an infinity, which JSON
    cannot hold, is written ``null``, where Starlette's encoder would fail the response."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    """Every JSON answer of the site that is not ``cached_json`` (no ``JSONResponse`` elsewhere)."""
    return _JsonResponse(body, status_code=status, headers=headers)


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return _JsonResponse(body, status_code=body["status"], media_type=PROBLEM_JSON, headers=headers)


def cached_json(request: Request, body: Any, max_age: int = 60) -> Response:
    """JSON with a weak ``ETag`` of its bytes and ``max-age`` caching; ``304`` when
    the client's ``If-None-Match`` already names these bytes."""
    content = orjson.dumps(body)
    etag = f'W/"{hashlib.sha256(content).hexdigest()[:20]}"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        if "*" in tags or etag.removeprefix("W/") in tags:
            return Response(status_code=304, headers=headers)
    return Response(content, media_type="application/json", headers=headers)
