# SPDX-License-Identifier: Apache-2.0
"""Security headers: what pages may load, and who may frame them."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from directory.config import Settings

__all__ = ["SecurityHeaders", "content_security_policy", "embed_csp"]


def content_security_policy(settings: Settings, frame_ancestors: str = "'self'") -> str:
    """Pages need nothing from another origin but the map's tiles, and only this
    site may frame them (the embed says otherwise for itself)."""
    images = "'self' data:"
    tiles = urlsplit(settings.tile_url)
    if tiles.scheme in ("http", "https") and tiles.netloc:
        images += f" {tiles.scheme}://{tiles.netloc.replace('{s}', '*')}"  # {s}.tile.… → *.tile.…
    return (
        f"default-src 'self'; img-src {images}; object-src 'none'; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {frame_ancestors}"
    )


class SecurityHeaders:
    """Adds the security headers to every HTTP response that lacks them (pure ASGI, no buffering)."""

    def __init__(self, app: ASGIApp, csp: str) -> None:
        self.app = app
        self.headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"content-security-policy", csp.encode()),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def embed_csp(settings: Settings) -> str:
    """The widget's policy: the same, except that any site may frame it."""
    return content_security_policy(settings, frame_ancestors="*")
