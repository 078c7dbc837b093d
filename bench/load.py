# SPDX-License-Identifier: Apache-2.0
"""Load on ``directory serve`` as people run it: 1, 10, 50 clients, 1 and N workers.

    .venv/bin/python bench/load.py [--data-dir DIR] [--workers 1,2] [--clients 1,10,50]
                                   [--seconds 10] [--path '/api/lieux?lieu=69003&q=numérique']
                                   [--client auto|wrk|python] [--small]

Starts ``python -m directory serve --workers N`` on a free loopback port over
the instance in ``--data-dir`` (default: a temporary folder loaded with the demo
venues by ``directory demo --no-serve``), waits until ``/api/sante`` answers,
warms every worker, then for each number of clients sends ``--path`` for
``--seconds``, each client on its own keep-alive connection.

The load generator shares the machine's cores with the server, so it must be
cheap: ``wrk`` (C, one thread, epoll; ``apt-get install wrk``,
``scripts/system-deps.sh``) when it is installed, else asyncio streams writing
HTTP/1.1 by hand in this process (no HTTP library: its CPU is the server's
loss). Per level it prints requests/s, errors (non-2xx, and sockets that
failed), latency p50/p95/p99, the CPU seconds the server's processes used
(every process of its session, from ``/proc``) and per request, the CPU
seconds of the load generator itself, and the 1-minute load average at the
end of the level; then the throughput of N workers over 1 at each level. When
the server's CPU per request stays flat from 1 to N workers, what is missing
from an N× throughput is cores the client and the neighbours took.

``--small``: 300 synthetic venues (``search.described``), 1 and 2 workers,
1 and 4 clients, 1 second per level: what the test suite runs, in seconds.
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
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx

# This checkout's code, as the server it starts runs it (not whichever one the venv was installed from).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
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


#: Prints wrk's figures as one line the bench reads (latency in µs; non-2xx/3xx answers in ``status``).
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Level:
    """One level of load, as measured by either client."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    client_cpu_s: float  # the load generator's own CPU (user + system)


def session_cpu_seconds(sid: int) -> float:
    """CPU (user + system) of every live process of session ``sid``: the server and its workers."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[3]) == sid:  # field 6 of stat(5): the session
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def run_wrk(wrk: str, url: str, clients: int, seconds: int) -> Level:
    """``wrk``, one thread (C, epoll: a fraction of the CPU the server takes), ``clients`` connections."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT)
        script.flush()
        args = [wrk, "-t1", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s", "-s", script.name]
        args += ["-H", "Accept: application/json", url]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        with proc.stdout:
            out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)  # wrk's own CPU, from the kernel
        proc.returncode = os.waitstatus_to_exitcode(status)
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed: {out}")
    requests, micros, status_errors, socket_errors, p50, p95, p99 = map(int, lines[-1].split()[1:])
    return Level(
        requests,
        micros / 1e6,
        status_errors + socket_errors,
        p50 / 1000,
        p95 / 1000,
        p99 / 1000,
        usage.ru_utime + usage.ru_stime,
    )


async def _client(port: int, target: bytes, deadline: float, latencies: list[float], errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    request = b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n"
    try:
        while (started := time.perf_counter()) < deadline:
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


def run_python(port: int, target: bytes, clients: int, seconds: float) -> Level:
    """The fallback where wrk is absent: asyncio streams writing HTTP/1.1 by hand, in this process."""

    async def level() -> None:
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(_client(port, target, deadline, latencies, errors) for _ in range(clients)))

    latencies: list[float] = []
    errors: list[int] = []
    cpu, started = time.process_time(), time.perf_counter()
    asyncio.run(level())
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    p50, p95, p99 = percentiles(latencies) if latencies else (0.0, 0.0, 0.0)
    return Level(len(latencies), elapsed, len(errors), p50, p95, p99, cpu)


def measure(server: Server, wrk: str | None, target: bytes, clients: int, seconds: int) -> Level:
    """One level against ``server``: through wrk when given, else the asyncio client."""
    if wrk:
        return run_wrk(wrk, server.base + target.decode(), clients, seconds)
    return run_python(server.port, target, clients, seconds)


def load_average() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--data-dir", type=Path, help="an instance already loaded (default: the demo, in a temporary folder)"
    )
    parser.add_argument("--workers", help=f"default 1,{os.cpu_count() or 1} (--small: 1,2)")
    parser.add_argument("--clients", help="default 1,10,50 (--small: 1,4)")
    parser.add_argument("--seconds", type=int, help="each level's length, whole seconds (wrk's unit): 10 (--small: 1)")
    parser.add_argument("--path", default=DEFAULT_PATH)
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--small", action="store_true", help="a few seconds: what the test suite runs")
    args = parser.parse_args(argv)
    small = {"workers": "1,2", "clients": "1,4", "seconds": 1}
    usual = {"workers": f"1,{os.cpu_count() or 1}", "clients": "1,10,50", "seconds": 10}
    for name, value in (small if args.small else usual).items():
        if getattr(args, name) is None:  # what is given explicitly stands, --small or not
            setattr(args, name, value)
    workers = sorted({int(w) for w in args.workers.split(",")})
    levels = [int(c) for c in args.clients.split(",")]
    target = quote(args.path, safe="/?&=").encode()
    wrk = shutil.which("wrk") if args.client in ("auto", "wrk") else None
    if args.client == "wrk" and wrk is None:
        parser.error("wrk is not installed (apt-get install wrk)")
    print(
        f"bench/load.py --workers {','.join(map(str, workers))} --clients {args.clients} --seconds {args.seconds}"
        f"{' --small' if args.small else ''}"
    )
    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}, "
        f"load average {load_average()}; client: {'wrk' if wrk else 'python asyncio'}; GET {args.path}"
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
        print(
            f"\n{'workers':>7} {'clients':>7} {'requests':>8} {'s':>5} {'req/s':>7} {'errors':>6} "
            f"{'p50/p95/p99 ms':>20} {'server CPU s':>12} {'ms/req':>6} {'client CPU s':>12} {'load':>5}"
        )
        for n in workers:
            server = Server(data_dir, n)
            try:
                measure(server, wrk, target, max(4, 4 * n), max(1, args.seconds // 5))  # warm every worker
                for clients in levels:
                    cpu = session_cpu_seconds(server.proc.pid)
                    level = measure(server, wrk, target, clients, args.seconds)
                    cpu = session_cpu_seconds(server.proc.pid) - cpu
                    rate = level.requests / level.seconds
                    throughput[(n, clients)] = rate
                    latency = f"{level.p50_ms:.1f}/{level.p95_ms:.1f}/{level.p99_ms:.1f}"
                    print(
                        f"{n:>7} {clients:>7} {level.requests:>8} {level.seconds:>5.1f} {rate:>7.1f} {level.errors:>6} "
                        f"{latency:>20} {cpu:>12.2f} {1000 * cpu / max(1, level.requests):>6.2f} "
                        f"{level.client_cpu_s:>12.2f} {load_average():>5}",
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
