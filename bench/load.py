# SPDX-License-Identifier: Apache-2.0
"""Load on ``directory serve`` as people run it: 1, 10, 50 clients, 1 and N workers.

    .venv/bin/python bench/load.py [--data-dir DIR] [--workers 1,2] [--clients 1,10,50]
                                   [--requests 1500] [--path '/api/lieux?lieu=69003&q=numérique']
                                   [--small]

Starts ``python -m directory serve --workers N`` on a free loopback port over
the instance in ``--data-dir`` (default: a temporary folder loaded with the demo
venues by ``directory demo --no-serve``), waits until ``/api/sante`` answers,
then for each number of clients sends ``--requests`` requests of ``--path``
(after a warm-up of every worker), each client on its own keep-alive
connection. The clients are plain asyncio streams writing HTTP/1.1 by hand:
an HTTP library would spend, on this 2-core machine, CPU the server needs.
Prints requests/s, errors (non-200) and latency p50/p95/p99 per level, and the
throughput of N workers over 1 at each level.

``--small``: 300 synthetic venues (``search.described``), 1 and 2 workers,
1 and 4 clients, 40 requests: what the test suite runs, in seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from search import percentiles

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATH = "/api/lieux?lieu=69003&q=numérique"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def instance_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIRECTORY_", "DATABASE_URL"))}
    env.update(
        DIRECTORY_DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{data_dir / 'directory.db'}",
        DIRECTORY_SOURCES_DIR=str(data_dir / "sources"),
        DIRECTORY_CATALOGUE_FILE=str(data_dir / "catalogue.toml"),
    )
    return env


def load_demo(data_dir: Path) -> None:
    """The demo venues, as ``make demo`` loads them."""
    subprocess.run(
        [sys.executable, "-m", "directory", "demo", "--no-serve"],
        env=instance_env(data_dir),
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def load_synthetic(data_dir: Path, venues: int) -> None:
    """``venues`` synthetic venues with French descriptions, bulk-loaded."""
    from nearest import load_executemany
    from search import described

    from directory.store import open_store

    store = open_store(f"sqlite:///{data_dir / 'directory.db'}", upgrade=True)
    load_executemany(store.engine, list(described(venues, 1)))
    store.close()


class Server:
    """``directory serve --workers N`` in its own process group."""

    def __init__(self, data_dir: Path, workers: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "directory", "serve", "--port", str(self.port), "--workers", str(workers)]
        self.proc = subprocess.Popen(
            args, env=instance_env(data_dir), cwd=ROOT, stdout=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(self.base + "/api/sante", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the server did not start")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # uvicorn's supervisor stops its workers
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


async def _client(port: int, target: bytes, counter: object, latencies: list[float], errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    request = b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n"
    try:
        for _ in counter:  # type: ignore[attr-defined]
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            latencies.append((time.perf_counter() - started) * 1000)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


async def run_level(port: int, target: bytes, clients: int, total: int) -> tuple[float, list[float], list[int]]:
    counter = iter(range(total))
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    await asyncio.gather(*(_client(port, target, counter, latencies, errors) for _ in range(clients)))
    return time.perf_counter() - started, latencies, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--data-dir", type=Path, help="an instance already loaded (default: the demo, in a temporary folder)"
    )
    parser.add_argument("--workers", default=f"1,{os.cpu_count() or 1}")
    parser.add_argument("--clients", default="1,10,50")
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--path", default=DEFAULT_PATH)
    parser.add_argument("--small", action="store_true", help="a few seconds: what the test suite runs")
    args = parser.parse_args(argv)
    if args.small:
        args.workers, args.clients, args.requests = "1,2", "1,4", 40
    workers = sorted({int(w) for w in args.workers.split(",")})
    levels = [int(c) for c in args.clients.split(",")]
    target = quote(args.path, safe="/?&=").encode()
    print(
        f"bench/load.py --workers {','.join(map(str, workers))} --clients {args.clients} --requests {args.requests}"
        f"{' --small' if args.small else ''}"
    )
    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}; GET {args.path}"
    )
    temp = None
    data_dir = args.data_dir
    if data_dir is None:
        temp = data_dir = Path(tempfile.mkdtemp(prefix="bench-load-"))
        started = time.perf_counter()
        if args.small:
            load_synthetic(data_dir, 300)
            print(f"300 synthetic venues loaded in {time.perf_counter() - started:.1f} s")
        else:
            load_demo(data_dir)
            print(f"demo venues loaded in {time.perf_counter() - started:.1f} s")
    throughput: dict[tuple[int, int], float] = {}
    try:
        print(f"\n{'workers':>7} {'clients':>7} {'requests':>8} {'s':>6} {'req/s':>7} {'errors':>6}  p50/p95/p99 ms")
        for n in workers:
            server = Server(data_dir, n)
            try:
                asyncio.run(run_level(server.port, target, max(4, 4 * n), max(20, 10 * n)))  # warm every worker
                for clients in levels:
                    seconds, latencies, errors = asyncio.run(run_level(server.port, target, clients, args.requests))
                    rate = len(latencies) / seconds
                    throughput[(n, clients)] = rate
                    p = percentiles(latencies)
                    print(
                        f"{n:>7} {clients:>7} {len(latencies):>8} {seconds:>6.1f} {rate:>7.1f} {len(errors):>6}  "
                        f"{p[0]:.1f}/{p[1]:.1f}/{p[2]:.1f}",
                        flush=True,
                    )
            finally:
                server.stop()
        if len(workers) > 1:
            low, high = workers[0], workers[-1]
            ratios = ", ".join(f"{c} clients {throughput[(high, c)] / throughput[(low, c)]:.2f}×" for c in levels)
            print(f"\nthroughput {high} workers / {low}: {ratios}")
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
