"""Benchmark: import 1,000,000 customers from CSV into SQLite and PostgreSQL.

Prints rows/s and peak memory for a first import (all rows inserted) and a re-import of
the same file (all unchanged), each in its own child process that does only that import,
so each peak (ru_maxrss) is that run's own. Rows per CPU-second of the importing process
is printed too: on a shared machine the wall clock mostly measures the neighbours (the
load average is printed for that reason). Several ``--rows`` sizes show whether peak
memory grows with the file (it should stay nearly flat: ids cost 24 bytes each).

    .venv/bin/python benchmarks/import_customers.py [--rows N [N ...]] [--skip-postgres]

PostgreSQL comes from CXM_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
a scratch database is created and dropped. The CSV is written to benchmarks/data/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from _shared import peak_rss_mib, run_child, scratch_postgres

DATA = Path(__file__).resolve().parent / "data"


def generate(path: Path, rows: int, seed: int = 7) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    surnames = np.array(list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"))
    given = np.array(["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军"])
    regions = np.array(["华东", "华北", "华南", "华中", "西南", "西北", "东北"])
    channels = np.array(["门店", "电商", "电话", "推荐", "展会"])
    reasons = np.array(
        [
            "staff_indifference",
            "product_dissatisfaction",
            "won_by_competitor",
            "other_relationship",
            "moved_away",
            "died",
        ]
    )
    ids = np.arange(1, rows + 1)
    acquired = pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 2500, rows), "D")
    churned = rng.random(rows) < 0.2
    churn_day = acquired + pd.to_timedelta(rng.integers(1, 300, rows), "D")
    frame = pd.DataFrame(
        {
            "客户编号": [f"C{i:07d}" for i in ids],
            "姓名": surnames[rng.integers(0, len(surnames), rows)]
            + given[rng.integers(0, len(given), rows)],
            "手机": [f"1{n:010d}" for n in rng.integers(3_000_000_000, 9_999_999_999, rows)],
            "邮箱": [f"user{i}@example.cn" for i in ids],
            "地区": regions[rng.integers(0, len(regions), rows)],
            "渠道": channels[rng.integers(0, len(channels), rows)],
            "获客日期": acquired.strftime("%Y-%m-%d"),
            "流失日期": np.where(churned, churn_day.strftime("%Y-%m-%d"), ""),
            "流失原因": np.where(churned, reasons[rng.integers(0, len(reasons), rows)], ""),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8")


def child(url: str, path: str, run: str) -> None:
    from cxm.customers.importing import import_customers
    from cxm.store import Store

    store = Store.open(url)
    start, cpu = time.perf_counter(), time.process_time()
    result = import_customers(store, path)
    out = {
        "run": run,
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "rows": result.rows,
        "inserted": result.inserted,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "peak_rss_mib": peak_rss_mib(),
    }
    store.close()
    sys.stdout.write(json.dumps(out) + "\n")


def measure(label: str, url: str, path: Path) -> None:
    for run in ("first", "again"):
        r = run_child(__file__, url, str(path), run)
        if r is None:
            print(f"{label}: {run} FAILED")
            return
        print(
            f"{label:<11} {run:<6} {r['rows']:>9,} rows in {r['seconds']:6.1f} s = "
            f"{r['rows'] / r['seconds']:>9,.0f} rows/s wall, "
            f"{r['rows'] / r['cpu']:>9,.0f} rows per CPU-second of the importer, "
            f"peak memory {r['peak_rss_mib']:,.0f} MiB "
            f"(inserted {r['inserted']:,}, updated {r['updated']:,}, unchanged {r['unchanged']:,})"
        )


def run_size(rows: int, *, skip_postgres: bool) -> None:
    path = DATA / f"customers_{rows}.csv"
    if not path.exists():
        start = time.perf_counter()
        generate(path, rows)
        print(f"generated {path.name} in {time.perf_counter() - start:.1f} s")
    size = path.stat().st_size / 2**20
    print(
        f"file: {path} ({rows:,} customers, {size:,.0f} MiB, cpus={os.cpu_count()}, "
        f"load average {os.getloadavg()[0]:.1f})"
    )
    with tempfile.TemporaryDirectory() as tmp:
        measure("SQLite", f"sqlite:///{tmp}/bench.db", path)
    if skip_postgres:
        return
    with scratch_postgres("cxm_bench") as url:
        if url is not None:
            measure("PostgreSQL", url, path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("URL", "FILE", "RUN"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    for rows in args.rows:
        run_size(rows, skip_postgres=args.skip_postgres)


if __name__ == "__main__":
    main()
