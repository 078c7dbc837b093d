# SPDX-License-Identifier: Apache-2.0
"""The listening socket ``directory serve --workers N`` hands its workers: connections
accepted on it have Nagle's algorithm off, as they have with one worker (issue 17)."""

from __future__ import annotations

import asyncio
import socket

import uvicorn

from directory.cli.serving import APP_FACTORY, tcp_socket


def nodelay_of_accepted(listening: socket.socket) -> int:
    """``TCP_NODELAY`` of a connection an asyncio server (as a uvicorn worker runs one) accepts on ``listening``."""

    async def run() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def accepted(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(accepted, sock=listening)
        _reader, writer = await asyncio.open_connection(*listening.getsockname()[:2])
        try:
            return await asyncio.wait_for(seen, 10)
        finally:
            writer.close()
            server.close()
            await server.wait_closed()

    return asyncio.run(run())


def workers_socket() -> socket.socket:
    """What uvicorn binds for its workers, on a free loopback port."""
    return uvicorn.Config(APP_FACTORY, factory=True, host="127.0.0.1", port=0, workers=2).bind_socket()


def test_connections_to_the_workers_socket_send_without_waiting():
    sock = tcp_socket(workers_socket())
    assert sock.proto == socket.IPPROTO_TCP
    assert nodelay_of_accepted(sock) != 0


def test_uvicorns_own_socket_leaves_nagle_on():
    """Why ``tcp_socket`` exists: when this fails, uvicorn or asyncio changed and it can go."""
    assert nodelay_of_accepted(workers_socket()) == 0
