# SPDX-License-Identifier: Apache-2.0
"""An ASGI app under uvicorn on a free 127.0.0.1 port, in a daemon thread (STYLE.md §7)."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Self

import uvicorn
from starlette.types import ASGIApp

__all__ = ["LoopbackService", "ServerThread"]


class ServerThread:
    """Start with ``with ServerThread(app) as base_url`` or :meth:`start`; nothing beyond loopback."""

    def __init__(self, app: ASGIApp, *, name: str = "test-server", http: str = "h11") -> None:
        """:param http: uvicorn's HTTP implementation; benchmarks take ``"auto"``
        (httptools where installed), as ``directory serve`` does."""
        self.app, self.name, self.http = app, name, http
        self.base_url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    def start(self) -> str:
        """Bind a free port, serve, wait until uvicorn says it started; the base URL."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit it. Without it every response waited ~40 ms
        # (Nagle against delayed ACKs: uvicorn writes headers and body apart).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(
            self.app,
            interface="asgi3",
            http=self.http,
            lifespan="off",
            log_level="warning",
            timeout_graceful_shutdown=2,
        )
        self._server, self._socket = uvicorn.Server(config), sock
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=self.name, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()
                raise RuntimeError(f"{self.name} did not start")
            time.sleep(0.02)
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self.base_url

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for its thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class LoopbackService:
    """A test server object (a fake source, a fake geocoder) with a start/stop lifecycle.

    Subclasses set ``name`` and return their ASGI app from :meth:`asgi_app`;
    ``with Subclass(...) as server`` serves it and gives ``server.base_url``.
    """

    name = "test-server"
    base_url = ""
    _serving: ServerThread | None = None

    def asgi_app(self) -> ASGIApp:
        raise NotImplementedError

    def start(self) -> Self:
        """Serve on a free 127.0.0.1 port in a daemon thread; wait until it is up."""
        self._serving = ServerThread(self.asgi_app(), name=self.name)
        self.base_url = self._serving.start()
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for its thread."""
        if self._serving is not None:
            self._serving.stop()
        self._serving = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
