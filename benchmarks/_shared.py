"""What the import benchmarks share: a child process's peak memory, one timed run in a
fresh process, and a scratch PostgreSQL database (created, then dropped)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def peak_rss_mib() -> float:
    """This process's peak resident memory. ``VmHWM`` where Linux has it: ``ru_maxrss``
    survives fork and exec, so a child would report its parent's peak (e.g. while
    generating the CSV)."""
    import resource

    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(script: str, *args: str) -> dict[str, object] | None:
    """Run ``script --child ARGS`` in a fresh process: the JSON of its last line, or
    ``None`` (its error printed) when it failed."""
    proc = subprocess.run(
        [sys.executable, script, "--child", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        print(f"{args[-1]} FAILED\n{proc.stderr[-2000:]}")
        return None
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


@contextmanager
def scratch_postgres(prefix: str) -> Iterator[str | None]:
    """The URL of a new database beside ``$CXM_TEST_POSTGRES_URL``'s (dropped afterwards),
    or ``None`` (said why) when that server is not usable."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from cxm.store import make_engine

    base = os.environ.get("CXM_TEST_POSTGRES_URL", PG_DEFAULT)
    name = f"{prefix}_{os.getpid()}"
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"PostgreSQL at {base} is not usable: {exc}")
        admin.dispose()
        yield None
        return
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
