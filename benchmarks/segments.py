"""Segmentation plus target report for 1,000,000 customers and 10,000,000 purchases.

    .venv/bin/python benchmarks/segments.py [--customers 1000000] [--purchases 10000000]
                                            [--db benchmarks/data/segments.db] [--regenerate]

1. Generate (not timed as the user path): a fresh SQLite file migrated by ``Store.open``,
   then customers and purchases written with bulk ``executemany`` of tuples on one raw
   sqlite3 connection (synchronous off for the load only). Profit per customer is Pareto
   distributed (shape 1.16, the 80/20 shape); 15 % of customers churned in the last two
   years with reasons drawn from the documents' split.
2. The user path, each step a real ``cxm`` process (``CXM_DATABASE_URL`` set to the file):
   ``segments define value --kind pareto``, ``segments recompute value`` (first run: writes
   1M memberships), ``targets propose value --kpi churn_rate --save``, ``targets report
   value``, and ``segments recompute value`` again (steady state: nothing changed).

Prints the wall time of each step, the total of the segmentation + report path, and the peak
resident memory of the largest ``cxm`` process (``getrusage(RUSAGE_CHILDREN)``). Asserts
nothing. Survey KPIs are not part of this run (no survey waves in the generated file): the
target report is on churn rate per segment and period.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REASONS = ["died", "moved_away", "other_relationship", "won_by_competitor"]
REASONS += ["product_dissatisfaction", "staff_indifference"]
REASON_P = [0.01, 0.03, 0.05, 0.09, 0.14, 0.68]


def generate(path: Path, customers: int, purchases: int, seed: int = 1) -> float:
    from cxm.store import Store

    started = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    Store.open(f"sqlite:///{path}").close()
    rng = np.random.default_rng(seed)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    now = "2026-10-01 00:00:00.000000"
    day0 = np.datetime64("2021-10-01")
    acquired = day0 + rng.integers(0, 4 * 365, customers).astype("timedelta64[D]")
    churned = rng.random(customers) < 0.15
    churn_day = np.datetime64("2024-10-01") + rng.integers(0, 730, customers).astype(
        "timedelta64[D]"
    )
    churn_day = np.maximum(churn_day, acquired + np.timedelta64(1, "D"))
    reasons = rng.choice(REASONS, customers, p=REASON_P)
    regions = rng.choice(["north", "south", "east", "west"], customers)
    rows = (
        (
            i + 1,
            f"C{i + 1:08d}",
            regions[i],
            "web",
            str(acquired[i]),
            "churned" if churned[i] else "active",
            str(churn_day[i]) if churned[i] else None,
            reasons[i] if churned[i] else None,
            "{}",
            now,
            now,
        )
        for i in range(customers)
    )
    con.executemany(
        "INSERT INTO customers (id, external_id, region, channel, acquired_on, status, "
        "churned_on, churn_reason, attributes, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    con.commit()
    weight = rng.pareto(1.16, customers) + 1
    cum = np.cumsum(weight / weight.sum())
    chunk = 1_000_000
    for start in range(0, purchases, chunk):
        n = min(chunk, purchases - start)
        who = np.searchsorted(cum, rng.random(n) * cum[-1]) + 1
        day = np.datetime64("2024-10-01") + rng.integers(0, 730, n).astype("timedelta64[D]")
        revenue = np.round(rng.lognormal(5, 0.6, n), 2)
        cost = np.round(revenue * rng.uniform(0.6, 0.9, n), 2)
        days = day.astype(str)
        batch = zip(
            range(start + 1, start + n + 1),
            (f"P{k:09d}" for k in range(start + 1, start + n + 1)),
            who.tolist(),
            days.tolist(),
            ["widget"] * n,
            [1.0] * n,
            revenue.tolist(),
            cost.tolist(),
            [now] * n,
            [now] * n,
            strict=True,
        )
        con.executemany(
            "INSERT INTO purchases (id, external_id, customer_id, purchased_on, product, "
            "quantity, revenue, cost, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            batch,
        )
        con.commit()
        print(f"  generated {start + n:,} purchases", file=sys.stderr)
    con.execute("ANALYZE")
    con.close()
    return time.perf_counter() - started


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cxm(url: str, *args: str) -> tuple[float, float, str]:
    """Run one real ``cxm`` command; (wall seconds, CPU seconds, stdout)."""
    env = {**os.environ, "CXM_DATABASE_URL": url, "CXM_LANG": "en"}
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "cxm"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"cxm {' '.join(args)} failed:\n{done.stderr}")
    return seconds, _children_cpu() - cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--purchases", type=int, default=10_000_000)
    parser.add_argument("--db", type=Path, default=ROOT / "benchmarks" / "data" / "segments.db")
    parser.add_argument("--regenerate", action="store_true")
    a = parser.parse_args()
    a.db.parent.mkdir(parents=True, exist_ok=True)
    if a.regenerate or not a.db.exists():
        print(f"Generating {a.customers:,} customers and {a.purchases:,} purchases in {a.db}")
        print(
            f"  generation took {generate(a.db, a.customers, a.purchases):.1f} s (not timed below)"
        )
    else:
        from cxm.store import make_engine
        from cxm.store.migrate import upgrade

        engine = make_engine(f"sqlite:///{a.db}")
        upgrade(engine)  # a database kept from an older version of CXM (not timed)
        engine.dispose()
        con = sqlite3.connect(a.db)
        con.execute("DELETE FROM segment_targets")
        con.execute("DELETE FROM segment_memberships")
        con.execute("DELETE FROM segment_definitions")
        con.commit()
        con.close()
    url = f"sqlite:///{a.db}"
    load = os.getloadavg()
    steps: list[tuple[str, float, float]] = []
    for label, args in [
        ("segments list (start-up cost of one cxm process)", ("segments", "list")),
        ("segments define value --kind pareto", ("segments", "define", "value")),
        (
            "segments recompute value (first: 1M memberships written)",
            ("segments", "recompute", "value", "--json"),
        ),
        (
            "targets propose value --kpi churn_rate --save",
            ("targets", "propose", "value", "--kpi", "churn_rate", "--save"),
        ),
        ("targets report value", ("targets", "report", "value", "--json")),
        (
            "segments recompute value (again: nothing changed)",
            ("segments", "recompute", "value", "--json"),
        ),
    ]:
        seconds, cpu, out = cxm(url, *args)
        steps.append((label, seconds, cpu))
        if label.startswith("segments recompute value (first"):
            key = next(s for s in json.loads(out)["segments"] if s["segment"] == "key")
            print(
                f"  key accounts: {key['share_customers']:.1%} of customers, "
                f"{key['share_profit']:.1%} of profit"
            )
        if label == "targets report value":
            rows = json.loads(out)["rows"]
            print(f"  report rows: {len(rows)}; statuses: {sorted({r['status'] for r in rows})}")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"load average before: {load[0]:.1f} (2 cores shared with other engineers' work)")
    print("   wall      cpu")
    for label, seconds, cpu in steps:
        print(f"{seconds:7.2f} s {cpu:7.2f} s  cxm {label}")
    path = sum(w for _label, w, _c in steps[1:5])
    path_cpu = sum(c for _label, _w, c in steps[1:5])
    startup, startup_cpu = steps[0][1], steps[0][2]
    print(
        f"{path:7.2f} s {path_cpu:7.2f} s  segmentation + target report "
        "(define, recompute, propose, report)"
    )
    print(
        f"{path - 4 * startup:7.2f} s {path_cpu - 4 * startup_cpu:7.2f} s  the same without "
        "the start-up of four cxm processes"
    )
    print(f"peak memory of one cxm process: {peak_mb:,.0f} MB")
    print(f"database file: {a.db.stat().st_size / 1e9:.2f} GB; machine: {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
