"""The job runner under load: enqueue throughput and jobs run per second.

For each database (a fresh SQLite file; PostgreSQL when a URL is given) the script enqueues
``--jobs`` no-op jobs (one transaction each, as triggering writes do), then runs them with a
worker of 1 and of ``--concurrency`` threads, and prints enqueues/s and jobs/s, then checks
that every job ran exactly once (status done, attempts 1). The load average is printed:
the figures mean little on a busy machine.

    .venv/bin/python benchmarks/jobs.py --jobs 1000
    .venv/bin/python benchmarks/jobs.py --postgres postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select, text

from cxm.config import load_settings
from cxm.jobs import Job, JobContext, JobStatus, Worker, enqueue, job
from cxm.store import Store


@job("bench.noop")
def noop(ctx: JobContext) -> None:
    """Nothing but the claim, the run and the done mark."""


def _drop_pg(url: str, name: str) -> None:
    from cxm.store import make_engine

    admin = make_engine(url, isolation_level="AUTOCOMMIT", poolclass=None)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fresh_pg(url: str) -> str:
    from sqlalchemy.engine import make_url

    from cxm.store import make_engine

    base = make_url(url)
    name = f"cxm_bench_jobs_{os.getpid()}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT", poolclass=None)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def run(url: str, label: str, jobs: int, concurrency: int) -> None:
    store = Store.open(url)
    try:
        for threads in sorted({1, concurrency}):
            t0 = time.perf_counter()
            for _ in range(jobs):
                with store.session() as s:
                    enqueue(s, "bench.noop", {})
            t_enqueue = time.perf_counter() - t0
            worker = Worker(store, load_settings(), concurrency=threads, names=["bench.noop"])
            t0 = time.perf_counter()
            outcome = worker.run(once=True)
            t_run = time.perf_counter() - t0
            with store.session() as s:
                done = s.scalar(
                    select(func.count())
                    .select_from(Job)
                    .where(Job.status == JobStatus.DONE, Job.attempts == 1)
                )
                s.execute(text("DELETE FROM jobs"))
            ok = "ok" if outcome.done == jobs and done == jobs else "MISMATCH"
            print(
                f"{label:10s} threads={threads:2d} jobs={jobs}: enqueue {jobs / t_enqueue:7.0f}/s, "
                f"run {jobs / t_run:7.0f}/s, each ran once: {ok}"
            )
    finally:
        store.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--jobs", type=int, default=500)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--postgres", default="")
    a = p.parse_args()
    print(f"load average: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'jobs.db'}", "sqlite", a.jobs, a.concurrency)
    if a.postgres:
        fresh = _fresh_pg(a.postgres)
        try:
            run(fresh, "postgresql", a.jobs, a.concurrency)
        finally:
            from sqlalchemy.engine import make_url

            _drop_pg(a.postgres, str(make_url(fresh).database))
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
