"""The per-customer aggregation at 1M, 10M and 100M order lines on each engine (issue 22).

    .venv/bin/python benchmarks/scale.py [--sizes 1M,10M,100M] [--engines ...] [--repeat 1]

Synthetic order lines (customer, day, revenue, cost — a fifth without a cost) are generated
once per size to Parquet under benchmarks/data/scale/ (not timed): 1M lines / 100k
customers, 10M / 1M, 100M / 5M. Each engine then computes the per-customer table (the
``customers`` aggregation of :mod:`cxm.frames.aggregations`: first and last purchase,
orders, purchase days, revenue, cost and profit in cents, first-day profit, day counts) in a
fresh process, timed from reading the file to the result in a pandas frame:

``cxm-duckdb``   CXM through Ibis on DuckDB (2 threads, 8 GB memory limit; above the limit
                 / 320 bytes per line, in passes over customer-id ranges);
``sql-duckdb``   the same aggregation as one hand-written DuckDB SQL query (the first
                 day's profit by ARG_MIN), same settings: the goal is cxm-duckdb ≤ 1.3×
                 this; ``sql-duckdb-join`` is the first hand-written form (a join back to
                 the day rows), measured on request;
``pandas``       the pre-issue-22 path: the whole log read into pandas, then a group-by
                 (``cxm.analytics.bgnbd.rfm_summary`` and the per-customer gaps) — only
                 while it fits (not at 100M);
``cxm-spark``    CXM through Ibis on Spark local[2] (driver memory 6g), JVM included;
``cxm-postgres`` on request: the store path (``CXM_COMPUTE=store``) on PostgreSQL — the
                 compiled SQL pushed down, the lines loaded once with COPY into
                 ``cxm_scale_<size>`` (``CXM_BENCH_POSTGRES_URL``, not timed), the server
                 backend's CPU included (parallel workers off so that it is all of it);
``polars``       polars' streaming engine on the same aggregation (for comparison).

Prints one table (wall s, CPU s, peak RSS MB per engine and size, the load average) and the
scaling exponent b of time ∝ lines^b per engine; figures to benchmarks/results/scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
DATA = HERE / "data" / "scale"
RESULTS = HERE / "results"
SIZES = {
    "1M": (1_000_000, 100_000),
    "10M": (10_000_000, 1_000_000),
    "100M": (100_000_000, 5_000_000),
}
ENGINES = ("sql-duckdb", "cxm-duckdb", "pandas", "cxm-spark", "polars")
#: Also measurable (``--engines``): the first hand-written form, with a join.
MORE_ENGINES = ("sql-duckdb-join", "cxm-postgres")
AS_OF = "2025-12-31"
#: pandas holds the whole log: it is not run above this many lines.
PANDAS_MAX = 10_000_000


def generate(size: str) -> Path:
    """The order lines of ``size`` as Parquet (made once)."""
    import duckdb

    lines, customers = SIZES[size]
    path = DATA / f"purchases-{size}.parquet"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    print(f"generating {lines:,} order lines for {customers:,} customers → {path}", flush=True)
    con = duckdb.connect(config={"threads": 2, "memory_limit": "8GB"})
    tmp = path.with_suffix(".tmp")
    con.execute(
        f"""
        COPY (
          SELECT
            CAST(hash(i) % {customers} + 1 AS BIGINT) AS customer_id,
            DATE '2023-01-01' + CAST(hash(i * 7 + 1) % 1096 AS INTEGER) AS purchased_on,
            CAST((hash(i * 13 + 2) % 200000) / 100.0 AS DECIMAL(14, 2)) AS revenue,
            CASE WHEN hash(i * 17 + 3) % 5 = 0 THEN NULL
                 ELSE CAST((hash(i * 19 + 4) % 150000) / 100.0 AS DECIMAL(14, 2)) END AS cost
          FROM range({lines}) t(i)
        ) TO '{tmp}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)
        """  # noqa: S608 - sizes and a path of our own
    )
    tmp.rename(path)
    return path


HAND_SQL = """
WITH daily AS (
  SELECT customer_id, purchased_on, COUNT(*) AS lines,
         SUM(CAST(ROUND(revenue * 100) AS BIGINT)) AS revenue_cents,
         SUM(CAST(ROUND(COALESCE(cost, 0) * 100) AS BIGINT)) AS cost_cents
  FROM read_parquet('{path}') WHERE purchased_on <= DATE '{as_of}'
  GROUP BY customer_id, purchased_on
), per AS (
  SELECT customer_id, MIN(purchased_on) AS first_purchase, MAX(purchased_on) AS last_purchase,
         SUM(lines) AS orders, COUNT(*) AS purchase_days,
         SUM(revenue_cents) AS revenue_cents, SUM(cost_cents) AS cost_cents,
         ARG_MIN(revenue_cents - cost_cents, purchased_on) AS first_day_profit_cents
  FROM daily GROUP BY customer_id
)
SELECT customer_id, first_purchase, last_purchase, orders, purchase_days,
       revenue_cents, cost_cents, revenue_cents - cost_cents AS profit_cents,
       first_day_profit_cents,
       DATE_DIFF('day', first_purchase, last_purchase) AS span_days,
       DATE_DIFF('day', first_purchase, DATE '{as_of}') AS observed_days,
       DATE_DIFF('day', last_purchase, DATE '{as_of}') AS recency_days
FROM per
"""

#: The first hand-written form (issue 22's first session): the first day's profit by joining
#: the per-customer rows back to the day rows — what CXM's definition did until then.
HAND_SQL_JOIN = """
WITH daily AS (
  SELECT customer_id, purchased_on, COUNT(*) AS lines,
         SUM(CAST(ROUND(revenue * 100) AS BIGINT)) AS revenue_cents,
         SUM(CAST(ROUND(COALESCE(cost, 0) * 100) AS BIGINT)) AS cost_cents
  FROM read_parquet('{path}') WHERE purchased_on <= DATE '{as_of}'
  GROUP BY customer_id, purchased_on
), per AS (
  SELECT customer_id, MIN(purchased_on) AS first_purchase, MAX(purchased_on) AS last_purchase,
         SUM(lines) AS orders, COUNT(*) AS purchase_days,
         SUM(revenue_cents) AS revenue_cents, SUM(cost_cents) AS cost_cents
  FROM daily GROUP BY customer_id
)
SELECT per.customer_id, first_purchase, last_purchase, orders, purchase_days,
       per.revenue_cents, per.cost_cents, per.revenue_cents - per.cost_cents AS profit_cents,
       d.revenue_cents - d.cost_cents AS first_day_profit_cents,
       DATE_DIFF('day', first_purchase, last_purchase) AS span_days,
       DATE_DIFF('day', first_purchase, DATE '{as_of}') AS observed_days,
       DATE_DIFF('day', last_purchase, DATE '{as_of}') AS recency_days
FROM per JOIN daily d ON d.customer_id = per.customer_id AND d.purchased_on = per.first_purchase
"""


def postgres_url(size: str, path: Path) -> str:
    """A PostgreSQL database ``cxm_scale_<size>`` of the store's schema holding the order
    lines of ``path`` (loaded once with COPY, not timed): the customers, the purchases,
    and the purchases' covering index as the migrations make it (the
    external-id unique index is left out: the aggregation never reads it)."""
    import duckdb
    import psycopg
    from sqlalchemy import make_url, text

    from cxm.store.engine import make_engine
    from cxm.store.migrate import upgrade

    base = os.environ.get("CXM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1/test")
    name = f"cxm_scale_{size.lower()}"
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    lines, customers = SIZES[size]
    admin = make_engine(base, isolation_level="AUTOCOMMIT", poolclass=None)
    with admin.connect() as conn:
        there = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if there.first() is not None:
            engine = make_engine(url)
            with engine.connect() as c:
                done = c.execute(text("SELECT count(*) FROM purchases")).scalar() == lines
            engine.dispose()
            if done:
                return url
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    print(f"loading {lines:,} order lines into PostgreSQL {name}", flush=True)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    csv = DATA / f"purchases-{size}.csv"
    con = duckdb.connect(config={"threads": 2, "memory_limit": "4GB"})
    con.execute(
        f"COPY (SELECT 'P' || row_number() OVER () AS external_id, customer_id, purchased_on,"  # noqa: S608
        f" 'x' AS product, 1 AS quantity, revenue, cost, now() AS created_at,"
        f" now() AS updated_at FROM read_parquet('{path}')) TO '{csv}' (HEADER false)"
    )
    with psycopg.connect(dsn, autocommit=True) as pg:
        pg.execute("ALTER TABLE purchases DROP CONSTRAINT uq_purchases_external_id")
        pg.execute("DROP INDEX ix_purchases_customer_date_money")
        pg.execute("ALTER TABLE purchases DROP CONSTRAINT fk_purchases_customer_id_customers")
        pg.execute(
            "INSERT INTO customers (id, external_id, status, attributes, created_at, updated_at)"  # noqa: S608
            " SELECT i, 'C' || i, 'active', '{}', now(), now()"
            f" FROM generate_series(1, {customers}) i"
        )
        columns = "external_id, customer_id, purchased_on, product, quantity, revenue, cost, "
        with (
            pg.cursor().copy(
                f"COPY purchases ({columns}created_at, updated_at) FROM STDIN (FORMAT csv)"
            ) as copy,
            csv.open("rb") as f,
        ):
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        pg.execute(
            "CREATE INDEX ix_purchases_customer_date_money"
            " ON purchases (customer_id, purchased_on, revenue, cost)"
        )
        pg.execute(
            "ALTER TABLE purchases ADD CONSTRAINT fk_purchases_customer_id_customers"
            " FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE"
        )
        pg.execute("VACUUM ANALYZE purchases")
        pg.execute("VACUUM ANALYZE customers")
    csv.unlink()
    return url


def _cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_one(engine: str, path: str) -> dict[str, float]:
    """Run ``engine`` on ``path`` in this process: seconds, CPU seconds, rows."""
    from datetime import date

    as_of = date.fromisoformat(AS_OF)
    started, cpu0 = time.perf_counter(), time.process_time()
    if engine in ("sql-duckdb", "sql-duckdb-join"):
        import duckdb

        con = duckdb.connect(config={"threads": 2, "memory_limit": "8GB"})
        sql = HAND_SQL if engine == "sql-duckdb" else HAND_SQL_JOIN
        frame = con.execute(sql.format(path=path, as_of=AS_OF)).df()
    elif engine == "cxm-duckdb":
        os.environ.update(CXM_DUCKDB_THREADS="2", CXM_DUCKDB_MEMORY_LIMIT="8GB")
        from cxm.frames.engines import engine_for

        frame = engine_for("duckdb", source=path).aggregate("customers", as_of=as_of)
    elif engine == "cxm-spark":
        os.environ.update(CXM_SPARK_URL="local[2]", CXM_SPARK_DRIVER_MEMORY="6g")
        from cxm.frames.engines import engine_for

        frame = engine_for("spark", source=path).aggregate("customers", as_of=as_of)
    elif engine == "cxm-postgres":
        # The store path (CXM_COMPUTE=store) on PostgreSQL: the compiled SQL, pushed down.
        # The server runs on this machine: its backend's CPU is read from /proc, and its
        # parallel workers are switched off so that the backend's CPU is all of it.
        from sqlalchemy import text

        from cxm.frames.engines import _on_store
        from cxm.store import Store

        store = Store.open(os.environ["CXM_BENCH_STORE_URL"], migrate=False)
        with store.session() as s:
            s.execute(text("SET max_parallel_workers_per_gather = 0"))
            backend = int(s.execute(text("SELECT pg_backend_pid()")).scalar_one())
            server0 = _cpu_of(backend)
            frame = _on_store(s, "customers", {"as_of": as_of})
            server_cpu = _cpu_of(backend) - server0
        store.close()
    elif engine == "pandas":
        import pandas as pd

        from cxm.analytics.bgnbd import rfm_summary
        from cxm.analytics.inactivity import _per_customer

        log = pd.read_parquet(path)
        log["revenue"] = log["revenue"].astype(float)
        log["profit"] = log["revenue"] - log["cost"].astype(float).fillna(0.0)
        log["purchased_on"] = pd.to_datetime(log["purchased_on"])
        summary = rfm_summary(log, as_of=as_of, value="profit")
        gaps = _per_customer(log, "customer_id", "purchased_on", pd.Timestamp(as_of))
        frame = summary.merge(gaps, on="customer_id")
    elif engine == "polars":
        import polars as pl

        day = pl.lit(as_of)
        daily = (
            pl.scan_parquet(path)
            .filter(pl.col("purchased_on") <= day)
            .group_by("customer_id", "purchased_on")
            .agg(
                pl.len().alias("lines"),
                (pl.col("revenue").cast(pl.Float64) * 100)
                .round()
                .cast(pl.Int64)
                .sum()
                .alias("rev"),
                (pl.col("cost").cast(pl.Float64).fill_null(0) * 100)
                .round()
                .cast(pl.Int64)
                .sum()
                .alias("cost"),
            )
        )
        per = daily.group_by("customer_id").agg(
            pl.col("purchased_on").min().alias("first_purchase"),
            pl.col("purchased_on").max().alias("last_purchase"),
            pl.col("lines").sum().alias("orders"),
            pl.len().alias("purchase_days"),
            pl.col("rev").sum().alias("revenue_cents"),
            pl.col("cost").sum().alias("cost_cents"),
        )
        first = daily.select(
            "customer_id",
            pl.col("purchased_on").alias("first_purchase"),
            (pl.col("rev") - pl.col("cost")).alias("first_day_profit_cents"),
        )
        frame = (
            per.join(first, on=["customer_id", "first_purchase"])
            .with_columns(
                (pl.col("last_purchase") - pl.col("first_purchase"))
                .dt.total_days()
                .alias("span_days"),
                (day - pl.col("first_purchase")).dt.total_days().alias("observed_days"),
                (day - pl.col("last_purchase")).dt.total_days().alias("recency_days"),
            )
            .collect(engine="streaming")
            .to_pandas()
        )
    else:
        raise SystemExit(f"unknown engine {engine}")
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    jvm_cpu, jvm_mb = 0.0, 0.0
    if engine == "cxm-postgres":
        jvm_cpu = server_cpu  # the database server's share, added like the JVM's
    if engine == "cxm-spark":  # the JVM is a process of its own: read its figures
        from pyspark import SparkContext

        pid = SparkContext._gateway.proc.pid  # type: ignore[union-attr]
        status = Path(f"/proc/{pid}/status").read_text()
        jvm_mb = (
            int(next(x for x in status.splitlines() if x.startswith("VmHWM")).split()[1]) / 1024
        )
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        jvm_cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return {
        "seconds": wall,
        "cpu_seconds": cpu + jvm_cpu,
        "peak_rss_mb": own + jvm_mb,
        "rows": float(len(frame)),
    }


def measure(engine: str, path: Path, timeout: float) -> dict[str, float] | str:
    """Run one engine in a fresh process (its own peak memory)."""
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", str(HERE.parent / "src"))
    if engine == "cxm-postgres":
        size = path.stem.split("-", 1)[1]
        env["CXM_BENCH_STORE_URL"] = postgres_url(size, path)
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--one", engine, str(path)],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return f"over {timeout:.0f} s"
    if out.returncode != 0:
        tail = (out.stderr or out.stdout).strip().splitlines()[-1:] or ["?"]
        return f"failed: {tail[0][:120]}"
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1M,10M")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--one", nargs=2, metavar=("ENGINE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], args.one[1])))
        return
    results: list[dict[str, object]] = []
    for size in args.sizes.split(","):
        path = generate(size)
        lines, customers = SIZES[size]
        for engine in args.engines.split(","):
            if engine == "pandas" and lines > PANDAS_MAX:
                results.append({"size": size, "engine": engine, "result": "does not fit (skipped)"})
                continue
            load = os.getloadavg()[0]
            r = measure(engine, path, args.timeout)
            row = {
                "size": size,
                "lines": lines,
                "customers": customers,
                "engine": engine,
                "load_1min": round(load, 1),
                "load_1min_after": round(os.getloadavg()[0], 1),
                "result": r,
            }
            results.append(row)
            print(json.dumps(row), flush=True)
    print()
    print(f"{'size':>5} {'engine':>11} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'load':>5}")
    for row in results:
        r = row["result"]
        if isinstance(r, dict):
            print(
                f"{row['size']:>5} {row['engine']:>11} {r['seconds']:8.1f} "
                f"{r['cpu_seconds']:8.1f} {r['peak_rss_mb']:8.0f} {row.get('load_1min', ''):>5}"
            )
        else:
            print(f"{row['size']:>5} {row['engine']:>11} {r}")
    exponents: dict[str, float] = {}
    for engine in args.engines.split(","):
        pts = [
            (row["lines"], row["result"]["seconds"])
            for row in results  # type: ignore[index]
            if row["engine"] == engine and isinstance(row["result"], dict)
        ]
        if len(pts) >= 2:
            x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
            exponents[engine] = float(np.polyfit(x, y, 1)[0])
    print(
        "scaling exponent b (time ∝ lines^b):",
        ", ".join(f"{k} {v:.2f}" for k, v in exponents.items()),
    )
    print("load average:", " ".join(f"{v:.1f}" for v in os.getloadavg()))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "scale.json"
    previous = json.loads(out.read_text()) if out.exists() else {}
    previous.update({f"{r['size']}/{r['engine']}": r for r in results})
    previous["exponents"] = exponents
    out.write_text(json.dumps(previous, indent=2))


if __name__ == "__main__":
    main()
