"""Benchmark: import order lines (UCI Online Retail layout) into SQLite and PostgreSQL.

1,000,000 lines in 100,000 invoices (10 lines each; 2 % of invoices are "C…"
cancellations of an earlier invoice's lines) for 20,000 customers. The customers are
imported first (not timed); then the order lines — validated, written, cancellations
linked and one purchase per invoice summed — in a child process of its own, twice: a first
import (all inserted) and a re-import of the same file (all unchanged). Lines/s (wall and
per CPU-second of the importer) and the child's peak memory are printed with the load
average (the machine is shared). Goal: >= 100,000 lines/s.

The importer may write each chunk on a thread of its own while it validates the next
(``--writer-thread``: on, off, or auto: on PostgreSQL, and on SQLite when the load average
leaves a core idle), so its CPU is split: the main thread (reading, validating, finishing)
and the writer. "Lines per main-thread CPU-second" is the most a quiet machine's lines/s
can be, reached when other cores keep up with the writer and the database; on PostgreSQL
the server's CPU (its backend processes, when the server runs on this machine) is printed
too.

    .venv/bin/python benchmarks/import.py [--lines N] [--invoices N] [--skip-postgres]
        [--writer-thread auto|on|off]

PostgreSQL comes from CXM_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
a scratch database is created and dropped. Files go to benchmarks/data/ (git-ignored).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from _shared import peak_rss_mib, run_child, scratch_postgres

DATA = Path(__file__).resolve().parent / "data"
CUSTOMERS = 20_000


def generate(lines: int, invoices: int, seed: int = 14) -> tuple[Path, Path]:
    import numpy as np
    import pandas as pd

    DATA.mkdir(parents=True, exist_ok=True)
    customers = DATA / f"order_customers_{CUSTOMERS}.csv"
    orders = DATA / f"order_lines_{lines}_{invoices}.csv"
    if not customers.exists():
        pd.DataFrame({"CustomerID": [str(12000 + i) for i in range(CUSTOMERS)]}).rename(
            columns={"CustomerID": "customer_id"}
        ).to_csv(customers, index=False)
    if orders.exists():
        return customers, orders
    rng = np.random.default_rng(seed)
    per = lines // invoices
    invoice = np.repeat(np.arange(invoices), per)
    n = len(invoice)
    cancelled = rng.random(invoices) < 0.02
    numbers = np.where(cancelled, "C", "") + (536365 + np.arange(invoices)).astype(str)
    customer = (12000 + rng.integers(0, CUSTOMERS, invoices)).astype(str)
    start = pd.Timestamp("2010-12-01 08:26")
    moments = start + pd.to_timedelta(np.sort(rng.integers(0, 370 * 24 * 60, invoices)), "m")
    dates = [f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}" for t in moments]
    codes = rng.integers(10000, 14000, n)
    quantity = rng.integers(1, 13, n)
    quantity = np.where(cancelled[invoice], -quantity, quantity)
    frame = pd.DataFrame(
        {
            "InvoiceNo": numbers[invoice],
            "StockCode": codes.astype(str),
            "Description": np.char.add("PRODUCT ", codes.astype(str)),
            "Quantity": quantity,
            "InvoiceDate": np.asarray(dates)[invoice],
            "UnitPrice": np.round(rng.uniform(0.3, 20, n), 2),
            "CustomerID": customer[invoice],
            "Country": "United Kingdom",
        }
    )
    frame.to_csv(orders, index=False)
    return customers, orders


def _backend_cpu(pid: int) -> float:
    """CPU seconds of a local PostgreSQL backend process (Linux)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_cpu(store: object) -> dict[int, float]:
    """PostgreSQL on this machine: each backend the import's connections run on, with its
    CPU seconds when first seen (filled as connections are checked out)."""
    from sqlalchemy import event

    engine = store.engine  # type: ignore[attr-defined]
    seen: dict[int, float] = {}
    if engine.dialect.name != "postgresql":
        return seen

    def checkout(dbapi_connection: object, _record: object, _proxy: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("SELECT pg_backend_pid()")
        pid = int(cursor.fetchone()[0])
        cursor.close()
        with contextlib.suppress(OSError):  # not this machine's server
            seen.setdefault(pid, _backend_cpu(pid))

    event.listen(engine, "checkout", checkout)
    return seen


def child(url: str, path: str, run: str, thread: str = "auto") -> None:
    from cxm.customers.importing import ImportOptions, import_customers, import_orders
    from cxm.store import Store

    store = Store.open(url)
    if run == "customers":
        import_customers(store, path)
        store.close()
        sys.stdout.write("{}\n")
        return
    servers = _server_cpu(store)
    start, cpu, main = time.perf_counter(), time.process_time(), time.thread_time()
    try:
        from cxm.customers.importing.pipeline import writer_thread_wanted
    except ImportError:  # a checkout from before the writer thread (a baseline)
        writer_thread, options = False, ImportOptions(preset="uci-online-retail")
    else:
        wanted = {"on": True, "off": False}.get(thread)
        writer_thread = writer_thread_wanted(wanted, store.engine.dialect.name)
        options = ImportOptions(preset="uci-online-retail", writer_thread=writer_thread)
    result = import_orders(store, path, options=options)
    out = {
        "run": run,
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "main_cpu": time.thread_time() - main,
        "thread": writer_thread,
        "server_cpu": sum(_backend_cpu(pid) - before for pid, before in servers.items())
        if servers
        else None,
        "rows": result.rows,
        "orders": result.orders,
        "inserted": result.inserted,
        "unchanged": result.unchanged,
        "peak_rss_mib": peak_rss_mib(),
    }
    store.close()
    sys.stdout.write(json.dumps(out) + "\n")


def measure(label: str, url: str, customers: Path, orders: Path, thread: str) -> None:
    if run_child(__file__, url, str(customers), "customers", thread) is None:
        return
    for run in ("first", "again"):
        r = run_child(__file__, url, str(orders), run, thread)
        if r is None:
            return
        rows, seconds, cpu = int(r["rows"]), float(r["seconds"]), float(r["cpu"])  # type: ignore[arg-type]
        main = float(r["main_cpu"])  # type: ignore[arg-type]
        server = "" if r["server_cpu"] is None else f"; server {float(r['server_cpu']):.1f} s"  # type: ignore[arg-type]
        used = "with" if r["thread"] else "without"
        print(
            f"{label:<11} {run:<6} {used:<7} writer thread: {rows:>9,} lines"
            f" ({r['orders']:,} orders) in {seconds:6.1f} s"
            f" = {rows / seconds:>9,.0f} lines/s wall, {rows / cpu:>9,.0f} lines per CPU-second"
            f" (importer {cpu:.1f} s: main thread {main:.1f} s, writer {cpu - main:.1f} s{server}),"
            f" {rows / main:>9,.0f} lines per main-thread CPU-second,"
            f" peak memory {r['peak_rss_mib']:,.0f} MiB, load average {os.getloadavg()[0]:.1f}"
            f" (inserted {r['inserted']:,}, unchanged {r['unchanged']:,})"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--writer-thread",
        choices=("auto", "on", "off"),
        default="auto",
        help="write on a thread of its own: on, off, or auto (when the load leaves a core idle)",
    )
    parser.add_argument("--child", nargs=4, metavar=("URL", "FILE", "RUN", "THREAD"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    start = time.perf_counter()
    customers, orders = generate(args.lines, args.invoices)
    print(
        f"file: {orders.name} ({orders.stat().st_size / 2**20:,.0f} MiB, made in "
        f"{time.perf_counter() - start:.1f} s), cpus={os.cpu_count()}, "
        f"load average {os.getloadavg()[0]:.1f}, writer thread {args.writer_thread}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        measure("SQLite", f"sqlite:///{tmp}/bench.db", customers, orders, args.writer_thread)
    if args.skip_postgres:
        return
    with scratch_postgres("cxm_bench_orders") as url:
        if url is not None:
            measure("PostgreSQL", url, customers, orders, args.writer_thread)


if __name__ == "__main__":
    main()
