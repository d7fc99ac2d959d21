"""Collecting answers under load: concurrent respondents against a real ``cxm serve``.

For each database (a SQLite file; PostgreSQL when a URL is given) the script makes a fresh
database with one wave of a one-page questionnaire and one personal link per respondent,
starts ``cxm serve`` in a child process on a free loopback port, and lets ``--clients``
concurrent clients submit one completed response per link (10 % of them submitted twice,
like a double click) until ``--seconds`` pass or the links run out. It prints acknowledged
submissions per second and p50/p99 latency, then checks that the database holds exactly the
acknowledged responses: zero lost, zero duplicated.

    .venv/bin/python benchmarks/collect.py --seconds 15 --clients 32
    .venv/bin/python benchmarks/collect.py --postgres postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from cxm.customers.models import Customer
from cxm.store import Store, make_engine
from cxm.surveys.invitations import issue_links
from cxm.surveys.loader import parse_definition
from cxm.surveys.models import Response
from cxm.surveys.questionnaires import save_questionnaire
from cxm.surveys.waves import create_wave, sample_wave

QUESTIONNAIRE = {
    "code": "bench",
    "title": {"en": "Benchmark", "zh-CN": "压测"},
    "pages": [
        {
            "questions": [
                {"code": "SAT", "type": "satisfaction5", "text": {"en": "Satisfied?"}},
                {"code": "NPS", "type": "nps", "text": {"en": "Recommend?"}},
                {"code": "CES", "type": "ces", "text": {"en": "Easy?"}},
            ]
        }
    ],
}


def prepare(url: str, links: int) -> dict[str, int]:
    """A wave with ``links`` invitations; returns token → invitation id."""
    store = Store.open(url)
    try:
        with store.session() as s:
            s.execute(
                insert(Customer),
                [{"external_id": f"B{i:07d}", "attributes": {}} for i in range(links)],
            )
            q = save_questionnaire(s, definition=parse_definition(QUESTIONNAIRE))
            wave = create_wave(
                s,
                questionnaire_id=q.questionnaire_id,
                name="bench",
                opens_on=date.today() - timedelta(days=1),
                closes_on=date.today() + timedelta(days=7),
                quiet_days=0,
            )
            result = sample_wave(s, wave_id=wave.id)
            tokens = issue_links(s, invitation_ids=result.invitation_ids)
        return {t: i for i, t in tokens.items()}
    finally:
        store.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CXM_DATABASE_URL": url, "CXM_ENV": "development"}
    cmd = [sys.executable, "-c", "from cxm.cli import main; main()", "serve"]
    cmd += ["--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except (OSError, urllib.error.URLError):
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("cxm serve did not start")


def wait_until_idle(pid: int, timeout: float = 60.0) -> None:
    """Wait until every worker has started: /health answers as soon as the first one does,
    and a worker still importing would be counted as CPU spent on requests."""
    deadline = time.monotonic() + timeout
    last = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu_seconds(pid)
        if now is None or last is None or now - last < 0.05:
            return
        last = now


class Connection:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol: pre-built
    requests, and of a response only the status line, Content-Length and the body. The
    client must cost little CPU, or it measures itself on a 2-core machine."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lower = head.lower()
        at = lower.find(b"\r\ncontent-length:")
        if at < 0:  # no length: the body runs to the end of the connection
            body = await self.reader.read()
            self.close()
            return status, body
        length = int(lower[at + 17 : lower.index(b"\r\n", at + 2)])
        body = await self.reader.readexactly(length)
        if b"\r\nconnection: close" in lower:
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def submission(port: int, token: str, n: int) -> bytes:
    body = f"page=0&q_SAT={1 + n % 5}&q_NPS={n % 11}&q_CES=6".encode()
    return (
        f"POST /r/{token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Accept: text/html\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def load(
    port: int, tokens: list[str], clients: int, seconds: float, rate: float = 0.0
) -> dict[str, object]:
    """Each client submits one link after another. With ``rate`` > 0 the clients share a
    schedule of ``rate`` requests per second, and a request's latency counts from its
    scheduled time (a request that waited for a free client is not measured as fast)."""
    queue = list(reversed(tokens))
    acked: set[str] = set()
    latencies: list[float] = []
    errors: dict[str, int] = {}
    stop_at = time.monotonic() + seconds
    slots = itertools.count()
    start = time.perf_counter()

    async def one(conn: Connection, token: str, n: int) -> None:
        raw = submission(port, token, n)
        began = time.perf_counter()
        if rate > 0:
            due = start + next(slots) / rate
            if due > began:
                await asyncio.sleep(due - began)
            began = due
        try:
            status, body = await conn.request(raw)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            conn.close()
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            return
        latencies.append(time.perf_counter() - began)
        if status == 200 and b'class="lead"' in body:  # the thank-you page
            acked.add(token)
        else:
            errors[str(status)] = errors.get(str(status), 0) + 1

    async def worker() -> None:
        conn = Connection(port)
        n = 0
        try:
            while queue and time.monotonic() < stop_at:
                token = queue.pop()
                await one(conn, token, n)
                n += 1
                if n % 10 == 0:  # a double click: the same link again
                    await one(conn, token, n)
        finally:
            conn.close()

    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - start
    return {"acked": acked, "latencies": latencies, "errors": errors, "elapsed": elapsed}


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def check(url: str, ids: dict[str, int], acked: set[str]) -> tuple[int, int, int]:
    """(lost, duplicated, committed but unacknowledged)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Response.invitation_id, func.count())
                .where(Response.completed_at.is_not(None))
                .group_by(Response.invitation_id)
            ).all()
    finally:
        engine.dispose()
    done: dict[int, int] = {int(i): int(n) for i, n in rows}
    acked_ids = {ids[t] for t in acked}
    lost = len(acked_ids - set(done))
    duplicated = sum(n - 1 for n in done.values() if n > 1)
    extra = len(set(done) - acked_ids)
    return lost, duplicated, extra


def cpu_seconds(pid: int, *, children: bool = True) -> float | None:
    """User + system CPU seconds of ``pid`` and its children so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    todo = [pid]
    try:
        while todo:
            p = todo.pop()
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            if not children:
                break
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
    except (OSError, ValueError, IndexError):
        return None
    return total


def database_cpu(url: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving ``url``'s database (a local
    server only; {} for SQLite, which runs inside the server process)."""
    if make_url(url).get_backend_name() != "postgresql":
        return {}
    engine = make_engine(url, poolclass=None)
    try:
        with engine.connect() as conn:
            pids = conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalars()
            return {pid: cpu for pid in pids if (cpu := cpu_seconds(pid, children=False))}
    finally:
        engine.dispose()


def run(label: str, url: str, args: argparse.Namespace) -> None:
    ids = prepare(url, args.links)
    port = free_port()
    server = start_server(url, port, args.workers)
    try:
        wait_until_idle(server.pid)
        # The load generator's heap holds everything prepare() made: without this, a full
        # collection now and then would stall it, and the stall would count as latency.
        gc.collect()
        gc.freeze()
        tokens = list(ids)
        # Steady state is measured: the first second after a start (new PostgreSQL backends
        # filling their caches, statements not yet prepared) is run but not counted.
        warm_count = min(len(tokens) // 10, int(args.warmup * 1000))
        warm, tokens = tokens[:warm_count], tokens[warm_count:]
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            warmed = runner.run(load(port, warm, args.clients, args.warmup, args.rate))
            load_before = os.getloadavg()[0]
            before = cpu_seconds(server.pid)
            db_before = database_cpu(url)
            client_before = time.process_time()
            result = runner.run(load(port, tokens, args.clients, args.seconds, args.rate))
            client_cpu = time.process_time() - client_before
        after = cpu_seconds(server.pid)
        db_after = database_cpu(url)
    finally:
        server.terminate()
        server.wait(timeout=30)
    acked: set[str] = result["acked"]  # type: ignore[assignment]
    warm_acked: set[str] = warmed["acked"]  # type: ignore[assignment]
    lat = sorted(result["latencies"])  # type: ignore[call-overload]
    elapsed: float = result["elapsed"]  # type: ignore[assignment]
    p50 = statistics.median(lat) * 1000 if lat else float("nan")
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000 if lat else float("nan")
    lost, dup, extra = check(url, ids, acked | warm_acked)
    print(
        f"{label:<10} clients={args.clients} workers={args.workers} "
        + (f"rate={args.rate:.0f}/s " if args.rate > 0 else "")
        + f"acknowledged={len(acked)} in {elapsed:.1f}s -> "
        + f"{len(acked) / elapsed:.0f} submissions/s; "
        + f"requests={len(lat)} p50={p50:.1f} ms p99={p99:.1f} ms; errors={result['errors'] or 0}"
    )
    if before is not None and after is not None and lat:
        per = (after - before) / len(lat) * 1000
        db = sum(cpu - db_before.get(pid, 0.0) for pid, cpu in db_after.items())
        db_per = db / len(lat) * 1000
        client_per = client_cpu / len(lat) * 1000
        cores = os.cpu_count() or 1
        print(
            f"{'':<10} CPU per request: server {per:.2f} ms ({after - before:.1f} s), "
            + (f"PostgreSQL backends {db_per:.2f} ms ({db:.1f} s), " if db_after else "")
            + f"client {client_per:.2f} ms ({client_cpu:.1f} s) -> "
            f"CPU-bound ceiling ≈ {cores * 1000 / (per + db_per + client_per):.0f} requests/s "
            f"on {cores} idle cores"
        )
        print(
            f"{'':<10} load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, "
            f"on {os.cpu_count()} cores"
        )
    warm_lat = sorted(warmed["latencies"])  # type: ignore[call-overload]
    if warm_lat:
        print(
            f"{'':<10} warm-up before (not counted above, checked below): "
            f"{len(warm_lat)} requests in {warmed['elapsed']:.1f}s, "
            f"p99={warm_lat[min(len(warm_lat) - 1, int(0.99 * len(warm_lat)))] * 1000:.1f} ms"
        )
    print(
        f"{'':<10} database check: lost={lost} duplicated={dup} "
        f"committed-but-unacknowledged={extra} -> {'OK' if lost == dup == 0 else 'FAIL'}"
    )
    if lost or dup:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--links", type=int, default=25000, help="Most submissions (links made).")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes.")
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="Seconds run before measuring (not counted)."
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="Requests per second on a fixed schedule (0: each client as fast as it can).",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("CXM_BENCH_POSTGRES_URL")
        or os.environ.get("CXM_TEST_POSTGRES_URL", ""),
        help="PostgreSQL server URL (a scratch database cxm_bench_collect is made on it).",
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    args.clients = max(1, min(args.clients, 256))
    args.seconds = max(1.0, min(args.seconds, 120.0))
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            run("sqlite", f"sqlite:///{Path(tmp) / 'collect.db'}", args)
    if args.postgres:
        name = "cxm_bench_collect"
        admin = make_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
        try:
            run("postgresql", url, args)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        print("postgresql skipped: give --postgres URL or set CXM_TEST_POSTGRES_URL")


if __name__ == "__main__":
    main()
