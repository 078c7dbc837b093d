# SPDX-License-Identifier: Apache-2.0
"""A misbehaving HTTP server on 127.0.0.1 for harvest tests (STYLE.md §7).

A small Starlette app run by uvicorn in a background thread, on a free port.
It serves the files of a directory (``fixtures/`` by default) and can answer
the ways real sources fail. ``path`` below is relative to that directory,
e.g. ``demo/hinaura-2021.csv``.

==============================  ==============================================
route                           answer
==============================  ==============================================
``/files/{path}``               the file, with ``ETag`` and ``Last-Modified``;
                                304 when ``If-None-Match`` or
                                ``If-Modified-Since`` matches
``/no-etag/{path}``             the file, without validators (ignores them)
``/status/{code}``              always ``code``; ``?retry_after=N`` adds a
                                ``Retry-After`` header
``/flaky/{n}/{path}``           503 the first ``n`` times, then the file
``/slow/{seconds}/{path}``      waits, then the file
``/truncated/{path}``           announces the file's length, sends half of it
                                and closes the connection
``/cut/{path}``                 the file's first ``cut_at[path]`` bytes,
                                chunked, no Content-Length, ended properly
``/lying-encoding/{path}``      the file in Windows-1252, labelled
                                ``charset=utf-8``
``/charset/{charset}/{path}``   the file as is, labelled ``charset={charset}``
``/huge/{megabytes}``           that many MB (10⁶ bytes) of ``0``, streamed in
                                64 KiB chunks, chunked; ``?content_length=1``
                                announces the length
``/redirect/{n}/{path}``        ``n`` redirects (302), then ``/files/{path}``
``/redirect-to?url=URL``        one redirect (302) to ``URL``, wherever it is
``/trickle/{seconds}/{path}``   the file without validators, ``?chunk=N``
                                bytes (default 100) every ``seconds``; with
                                ``?hold=1``, the last chunk waits for
                                :meth:`Loopback.release`
``/paginated/{path}``           a JSON array file as pages:
                                ``?page=N&per_page=K`` (1-based, default 10)
                                → ``{"results": [...], "next": url | null}``
``/headers``                    the request headers, as JSON
==============================  ==============================================

Every request is recorded (:attr:`Loopback.requests`, :meth:`Loopback.count`);
:meth:`Loopback.reset` forgets them, restarts the flaky counters and holds the
trickles again.

    with Loopback() as server:
        httpx.get(server.url("files/demo/hinaura-2021.csv"))
        assert server.count("files/demo/hinaura-2021.csv") == 1
"""

from __future__ import annotations

__all__ = ["FIXTURES", "Loopback", "RecordedRequest"]

import asyncio
import contextlib
import email.utils
import hashlib
import json
import mimetypes
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..serving import LoopbackService

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

_CHUNK = b"0" * 65_536
_MB = 1_000_000


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received (header names in lower case)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]


class _TruncatedResponse(Response):
    """Announces ``announced`` bytes, sends fewer, then ends: uvicorn closes the connection."""

    def __init__(self, body: bytes, announced: int, media_type: str | None) -> None:
        super().__init__(body, media_type=media_type)
        self.headers["content-length"] = str(announced)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.body, "more_body": True})
        # Returning with more_body pending makes uvicorn log an error and drop the connection.


class Loopback(LoopbackService):
    """The server: start it with ``with Loopback(root) as server`` (or :meth:`start`)."""

    name = "loopback"

    def __init__(self, root: Path = FIXTURES) -> None:
        self.root = root.resolve()
        self.base_url = ""
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._flaky: Counter[str] = Counter()
        self._released = threading.Event()
        #: ``cut/{path}`` serves only this many first bytes of ``path`` (none set: the whole file).
        self.cut_at: dict[str, int] = {}
        self._app = Starlette(routes=self._routes())

    # -- what tests use ---------------------------------------------------

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` (``"status/500"``, ``"/files/demo/x.csv"``…)."""
        return f"{self.base_url}/{path.lstrip('/')}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received since the last :meth:`reset`, oldest first."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """The requests to ``path`` (a path or a URL of this server; the query is ignored)."""
        wanted = self._path(path)
        return [r for r in self.requests if r.path == wanted]

    def count(self, path: str) -> int:
        """How many requests ``path`` received since the last :meth:`reset`."""
        return len(self.requests_to(path))

    def reset(self) -> None:
        """Forget the recorded requests, restart the flaky routes' counters, hold the trickles again."""
        with self._lock:
            self._requests.clear()
            self._flaky.clear()
        self._released.clear()

    def release(self) -> None:
        """Let the held trickles (``?hold=1``) send their last chunk."""
        self._released.set()

    # -- lifecycle (LoopbackService) --------------------------------------

    def asgi_app(self) -> ASGIApp:
        return self._record

    # -- the app ----------------------------------------------------------

    async def _record(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            recorded = RecordedRequest(scope["method"], scope["path"], scope["query_string"].decode("latin-1"), headers)
            with self._lock:
                self._requests.append(recorded)
        await self._app(scope, receive, send)

    def _routes(self) -> list[Route]:
        return [
            Route("/files/{path:path}", self._files),
            Route("/no-etag/{path:path}", self._no_etag),
            Route("/status/{code:int}", self._status),
            Route("/flaky/{n:int}/{path:path}", self._flaky_file),
            Route("/slow/{seconds:float}/{path:path}", self._slow),
            Route("/truncated/{path:path}", self._truncated),
            Route("/cut/{path:path}", self._cut),
            Route("/lying-encoding/{path:path}", self._lying_encoding),
            Route("/charset/{charset}/{path:path}", self._charset),
            Route("/huge/{megabytes:int}", self._huge),
            Route("/redirect/{n:int}/{path:path}", self._redirect),
            Route("/redirect-to", self._redirect_to),
            Route("/trickle/{seconds:float}/{path:path}", self._trickle),
            Route("/paginated/{path:path}", self._paginated),
            Route("/headers", self._headers),
        ]

    async def _files(self, request: Request) -> Response:
        path = self._file(request)
        data = path.read_bytes()
        etag = f'"{hashlib.sha256(data).hexdigest()[:32]}"'
        mtime = int(path.stat().st_mtime)
        validators = {"etag": etag, "last-modified": email.utils.formatdate(mtime, usegmt=True)}
        if _not_modified(request, etag, mtime):
            return Response(status_code=304, headers=validators)
        return _file_response(path, data, validators)

    async def _no_etag(self, request: Request) -> Response:
        path = self._file(request)
        return _file_response(path, path.read_bytes())

    async def _status(self, request: Request) -> Response:
        code = request.path_params["code"]
        headers = {}
        if "retry_after" in request.query_params:
            headers["retry-after"] = request.query_params["retry_after"]
        return PlainTextResponse(f"statut {code}", status_code=code, headers=headers)

    async def _flaky_file(self, request: Request) -> Response:
        with self._lock:
            self._flaky[request.url.path] += 1
            served = self._flaky[request.url.path]
        if served <= request.path_params["n"]:
            return PlainTextResponse("indisponible, réessayez", status_code=503)
        return await self._no_etag(request)

    async def _slow(self, request: Request) -> Response:
        deadline = time.monotonic() + request.path_params["seconds"]
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            if await request.is_disconnected():  # the client gave up: free the server
                return Response(status_code=499)
        return await self._no_etag(request)

    async def _truncated(self, request: Request) -> Response:
        path = self._file(request)
        data = path.read_bytes()
        return _TruncatedResponse(data[: len(data) // 2], len(data), _media_type(path))

    async def _cut(self, request: Request) -> Response:
        """The file's first ``cut_at[path]`` bytes, chunked without a Content-Length, the response then
        ended properly: valid HTTP, which the client cannot tell from a whole file."""
        path = self._file(request)
        data = path.read_bytes()
        data = data[: self.cut_at.get(request.path_params["path"], len(data))]

        async def body() -> AsyncIterator[bytes]:
            for start in range(0, len(data), 4096):
                yield data[start : start + 4096]

        return StreamingResponse(body(), media_type=_media_type(path))

    async def _lying_encoding(self, request: Request) -> Response:
        path = self._file(request)
        data = path.read_bytes()
        with contextlib.suppress(UnicodeDecodeError):  # already not UTF-8: serve as is
            data = data.decode("utf-8").encode("cp1252", errors="replace")
        media_type = (_media_type(path) or "text/plain").split(";")[0]
        return Response(data, headers={"content-type": f"{media_type}; charset=utf-8"})

    async def _charset(self, request: Request) -> Response:
        path = self._file(request)
        media_type = (_media_type(path) or "text/plain").split(";")[0]
        return Response(
            path.read_bytes(), headers={"content-type": f"{media_type}; charset={request.path_params['charset']}"}
        )

    async def _huge(self, request: Request) -> Response:
        total = request.path_params["megabytes"] * _MB

        async def chunks() -> AsyncIterator[bytes]:
            left = total
            while left > 0 and not await request.is_disconnected():  # stop when the client gives up
                yield _CHUNK[: min(left, len(_CHUNK))]
                left -= len(_CHUNK)

        headers = {"content-length": str(total)} if request.query_params.get("content_length") else None
        return StreamingResponse(chunks(), media_type="application/octet-stream", headers=headers)

    async def _redirect(self, request: Request) -> Response:
        n, path = request.path_params["n"], request.path_params["path"]
        target = f"/redirect/{n - 1}/{path}" if n > 1 else f"/files/{path}"
        return RedirectResponse(target, status_code=302)

    async def _redirect_to(self, request: Request) -> Response:
        return RedirectResponse(request.query_params["url"], status_code=302)

    async def _trickle(self, request: Request) -> Response:
        path = self._file(request)
        data = path.read_bytes()
        every, size = request.path_params["seconds"], int(request.query_params.get("chunk", "100"))
        hold = request.query_params.get("hold") == "1"

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(data), size):
                last = start + size >= len(data)
                while hold and last and not self._released.is_set():
                    await asyncio.sleep(0.05)
                    if await request.is_disconnected():
                        return
                if start:
                    await asyncio.sleep(every)
                    if await request.is_disconnected():  # the client gave up: free the server
                        return
                yield data[start : start + size]

        return StreamingResponse(chunks(), media_type=_media_type(path))

    async def _paginated(self, request: Request) -> Response:
        items = json.loads(self._file(request).read_bytes())
        if not isinstance(items, list):
            return PlainTextResponse("le fichier n'est pas un tableau JSON", status_code=500)
        try:
            page = max(1, int(request.query_params.get("page", "1")))
            per_page = min(1000, max(1, int(request.query_params.get("per_page", "10"))))
        except ValueError:
            return PlainTextResponse("page et per_page sont des entiers", status_code=400)
        start = (page - 1) * per_page
        more = start + per_page < len(items)
        next_url = str(request.url.include_query_params(page=page + 1, per_page=per_page)) if more else None
        return JSONResponse({"results": items[start : start + per_page], "next": next_url})

    async def _headers(self, request: Request) -> Response:
        return JSONResponse(dict(request.headers))

    # -- helpers ----------------------------------------------------------

    def _file(self, request: Request) -> Path:
        path = (self.root / request.path_params["path"]).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise HTTPException(404, f"pas de fichier {request.path_params['path']}")
        return path

    def _path(self, path_or_url: str) -> str:
        if path_or_url.startswith(self.base_url):
            path_or_url = path_or_url[len(self.base_url) :]
        return "/" + path_or_url.split("?", 1)[0].lstrip("/")


def _not_modified(request: Request, etag: str, mtime: int) -> bool:
    """RFC 9110 §13.1: If-None-Match wins; If-Modified-Since only without it."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return mtime <= email.utils.parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def _file_response(path: Path, data: bytes, headers: dict[str, str] | None = None) -> Response:
    """The bytes with the file's media type, claiming no charset (Starlette adds one to ``text/*``)."""
    response = Response(data, headers=headers)
    if media_type := _media_type(path):
        response.headers["content-type"] = media_type
    return response


def _media_type(path: Path) -> str | None:
    return mimetypes.guess_type(path.name)[0]
