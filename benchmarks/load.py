"""Many concurrent connections against ``cxm serve --production`` on loopback.

Starts the production mode (``--workers``, JSON logs, idle timeout, header limit) on a
fresh SQLite file in a child process, then for each ``--connections`` level (100 and 500
by default) opens that many keep-alive connections at once; each sends ``--requests``
requests in turn (GET /staff/login, a rendered page with a session cookie, and GET
/healthz), bounded by ``--seconds``. It prints requests answered, requests dropped (a
reset, a timeout, a truncated answer or a 5xx; goal 0), throughput and p50/p99 latency,
with the load average of the machine.

    .venv/bin/python benchmarks/load.py
    .venv/bin/python benchmarks/load.py --connections 100 500 --requests 10 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PATHS = (b"/staff/login", b"/healthz")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(workdir: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CXM_DATABASE_URL": f"sqlite:///{workdir / 'cxm.db'}",
        "CXM_SECRET_KEY": "benchmark-secret-" + "k" * 40,
        "PROMETHEUS_MULTIPROC_DIR": str(workdir),
    }
    cmd = [sys.executable, "-c", "from cxm.cli import main; main()", "serve", "--production"]
    cmd += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("cxm serve --production did not start")


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def one_connection(
    port: int, requests: int, deadline: float, latencies: list[float], dropped: list[str]
) -> None:
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port), timeout=30
        )
    except (OSError, TimeoutError) as exc:
        dropped.extend([f"connect: {type(exc).__name__}"] * requests)
        return
    try:
        for i in range(requests):
            if time.monotonic() > deadline:
                return
            path = PATHS[i % len(PATHS)]
            started = time.perf_counter()
            writer.write(b"GET " + path + b" HTTP/1.1\r\nHost: bench\r\nAccept: text/html\r\n\r\n")
            try:
                status = await asyncio.wait_for(read_response(reader), timeout=30)
            except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
                dropped.extend([f"{type(exc).__name__}"] * (requests - i))
                return
            if status >= 500:
                dropped.append(f"HTTP {status}")
            else:
                latencies.append(time.perf_counter() - started)
    finally:
        writer.close()


async def level(port: int, connections: int, requests: int, seconds: float) -> None:
    latencies: list[float] = []
    dropped: list[str] = []
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    await asyncio.gather(
        *(one_connection(port, requests, deadline, latencies, dropped) for _ in range(connections))
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    p50 = statistics.median(latencies) * 1000 if latencies else float("nan")
    p99 = latencies[int(0.99 * (len(latencies) - 1))] * 1000 if latencies else float("nan")
    kinds = {k: dropped.count(k) for k in sorted(set(dropped))}
    print(
        f"{connections:>4} connections: {len(latencies):>6} answered, {len(dropped)} dropped "
        f"{kinds or ''}, {len(latencies) / elapsed:7.1f} req/s, p50 {p50:6.1f} ms, "
        f"p99 {p99:7.1f} ms, {elapsed:5.1f} s, load {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--requests", type=int, default=10, help="Per connection.")
    parser.add_argument("--seconds", type=float, default=60.0, help="Bound per level.")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}, cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        proc = start_server(Path(tmp), port, args.workers)
        try:
            for n in args.connections:
                asyncio.run(level(port, n, args.requests, args.seconds))
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
