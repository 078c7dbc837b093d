# SPDX-License-Identifier: Apache-2.0
"""Reads open to every origin: partner sites call the API and the downloads from browsers."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CorsReads"]

_CORS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", b"ETag, Content-Disposition, Content-Encoding"),
]
_PREFLIGHT = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD",
    "Access-Control-Allow-Headers": "Accept, If-None-Match, If-Modified-Since",
    "Access-Control-Max-Age": "86400",
}


class CorsReads:
    """``Access-Control-Allow-Origin: *`` on GET and HEAD, and the answer to their preflight.

    Only reads are opened: other methods pass through untouched. A
    conditional ``fetch`` (``If-None-Match``) is not a simple request, hence
    the ``OPTIONS`` answer; give the route the ``OPTIONS`` method.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method", "")
        if scope["type"] != "http" or method not in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        if method == "OPTIONS":
            asked = Headers(scope=scope).get("access-control-request-method", "").upper()
            headers = {"Allow": "GET, HEAD, OPTIONS", **(_PREFLIGHT if asked in ("GET", "HEAD") else {})}
            await Response(status_code=204, headers=headers)(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *_CORS]}
            await send(message)

        await self.app(scope, receive, send_with_cors)


#: For the machine routes: CORS outermost, then gzip (level 6: exports are large).
