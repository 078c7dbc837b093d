# SPDX-License-Identifier: Apache-2.0
"""One error, two renderings: problem+json (RFC 9457) under ``/api/``, a French page elsewhere.

``DirectoryError`` knows its status, code and French title; Starlette's own
``HTTPException`` (unknown route, wrong method) and any unexpected exception
are turned into the same shapes. Nothing here ever shows a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from directory.errors import DirectoryError

from .rendering import problem_response, render

__all__ = ["EXCEPTION_HANDLERS", "is_api"]

log = logging.getLogger("directory.web")

#: French titles for the HTTP statuses Starlette raises itself.
HTTP_TITLES: dict[int, tuple[str, str]] = {
    400: ("requete-invalide", "Requête invalide"),
    404: ("page-introuvable", "Page introuvable"),
    405: ("methode-non-autorisee", "Méthode non autorisée"),
    500: ("erreur-interne", "Erreur interne"),
}
HTTP_DETAILS: dict[int, str] = {
    404: "Cette adresse ne correspond à aucune page de l'annuaire.",
    405: "Cette adresse ne s'utilise pas avec cette méthode.",
    500: "Une erreur inattendue s'est produite. Elle a été enregistrée ; réessayez dans quelques instants.",
}


def is_api(request: Request) -> bool:
    path = request.url.path
    return path == "/api" or path.startswith("/api/")


def _respond(request: Request, problem: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    problem.setdefault("instance", request.url.path)
    if is_api(request):
        return problem_response(problem, headers)
    return render(request, "error.html", {"problem": problem}, status=problem["status"])


async def directory_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DirectoryError)
    if exc.status >= 500:
        log.error("%s on %s %s: %s", exc.code, request.method, request.url.path, exc, exc_info=exc)
    return _respond(request, exc.as_problem())


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code, title = HTTP_TITLES.get(exc.status_code, ("erreur-http", "Erreur"))
    problem = {
        "type": f"/erreurs/{code}",
        "title": title,
        "status": exc.status_code,
        "detail": HTTP_DETAILS.get(exc.status_code, title),
    }
    return _respond(request, problem, dict(exc.headers) if exc.headers else None)


async def internal_error(request: Request, exc: Exception) -> Response:
    # Starlette re-raises after this response is sent, so the server logs the
    # traceback too; this line ties it to the request.
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc)
    code, title = HTTP_TITLES[500]
    problem = {"type": f"/erreurs/{code}", "title": title, "status": 500, "detail": HTTP_DETAILS[500]}
    try:
        return _respond(request, problem)
    except Exception:  # the error page itself failed: answer in plain text
        log.exception("the error page failed")
        return Response("Erreur interne du serveur.", status_code=500, media_type="text/plain; charset=utf-8")


EXCEPTION_HANDLERS = {
    DirectoryError: directory_error,
    HTTPException: http_error,
    Exception: internal_error,
}
