"""Time ``run_demo`` (all its steps) and its peak memory, on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/demo.py [--customers 20000] [--url URL ...] [--only company]

Without ``--url`` it uses a fresh SQLite file, plus a scratch database created (and dropped)
on the server of ``$CXM_TEST_POSTGRES_URL`` when set. WARNING: the demo deletes all data in
a database given with ``--url``. Each database is timed in a
fresh process, so that peak memory is that of one run. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _one(url: str, customers: int, only: str) -> dict[str, object]:
    from cxm.demo import STEPS, run_demo
    from cxm.store import Store

    timings: dict[str, float] = {}
    last = [time.perf_counter(), ""]

    def progress(label: str, _done: float) -> None:
        now = time.perf_counter()
        if last[1]:
            timings[str(last[1])] = timings.get(str(last[1]), 0.0) + now - float(last[0])
        last[0], last[1] = now, label

    started = time.perf_counter()
    with Store.open(url) as store:
        opened = time.perf_counter()
        wanted = set(only.split(",")) if only else {s.name for s in STEPS}
        steps = tuple(s for s in STEPS if s.name in wanted)
        summary = run_demo(store, customers=customers, replace=True, progress=progress, steps=steps)
    total = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "backend": url.split(":", 1)[0],
        "customers": summary.customers,
        "purchases": summary.purchases,
        "touchpoints": summary.touchpoints,
        "top20_profit_share": summary.top20_profit_share,
        "open_and_migrate_s": round(opened - started, 2),
        "demo_s": round(total - (opened - started), 2),
        "steps_s": {k: round(v, 2) for k, v in timings.items()},
        "peak_rss_mb": round(peak_mb),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--url", action="append", default=[])
    parser.add_argument("--one", default="")
    parser.add_argument("--only", default="", help="Comma-separated step names (default: all).")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_one(args.one, args.customers, args.only)))
        return
    urls = list(args.url)
    with tempfile.TemporaryDirectory() as tmp:
        if not urls:
            urls.append(f"sqlite:///{Path(tmp) / 'bench.db'}")
            if os.environ.get("CXM_TEST_POSTGRES_URL"):
                urls.append(_scratch_postgres(os.environ["CXM_TEST_POSTGRES_URL"], create=True))
        for url in urls:
            cmd = [sys.executable, __file__, "--one", url, "--customers", str(args.customers)]
            cmd += ["--only", args.only] if args.only else []
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode:
                print(f"{url.split(':', 1)[0]}: failed\n{done.stderr[-2000:]}")
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"{r['backend']:<22} {r['customers']:>9,} customers  {r['purchases']:>9,} purchases"
                f"  {r['touchpoints']:>9,} touchpoints  demo {r['demo_s']:>6.2f} s"
                f"  (open+migrate {r['open_and_migrate_s']:.2f} s)  peak RSS {r['peak_rss_mb']} MB"
                f"  top-20 % profit share {r['top20_profit_share']:.3f}"
            )
            print(f"{'':<22} steps: {r['steps_s']}")
    if not args.url and os.environ.get("CXM_TEST_POSTGRES_URL"):
        _scratch_postgres(os.environ["CXM_TEST_POSTGRES_URL"], create=False)


def _scratch_postgres(admin_url: str, *, create: bool) -> str:
    """Create (or drop) a database of this benchmark's own beside ``admin_url``'s."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from cxm.store import make_engine

    name = "cxm_bench_demo"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


if __name__ == "__main__":
    main()
