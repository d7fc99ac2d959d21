"""A 2,000-customer demo company on SQLite, built once per test session (pytest plugin
loaded by ``tests/conftest.py``): for tests that need a whole company — every section of
the report, the README's commands. Tests copy it (:func:`demo_copy`) before writing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cxm.store import Store

#: Size and seed of the session's demo company.
DEMO_CUSTOMERS = 2_000
DEMO_SEED = 2024


@pytest.fixture(scope="session")
def demo_db(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company's SQLite file (read it; copy it with :func:`demo_copy` to write)."""
    from cxm.demo import STEPS, run_demo

    path = tmp_path_factory.mktemp("demo-company") / "cxm.db"
    shutil.copyfile(sqlite_template, path)
    store = Store.open(f"sqlite:///{path}")
    try:
        steps = [s for s in STEPS if s.name != "report"]  # the report is built by tests
        run_demo(store, customers=DEMO_CUSTOMERS, seed=DEMO_SEED, steps=steps)
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    return path


def demo_copy(demo_db: Path, into: Path) -> Path:
    """A copy of the demo company's file in the folder ``into``, for a test that writes."""
    into.mkdir(parents=True, exist_ok=True)
    target = into / "cxm.db"
    shutil.copyfile(demo_db, target)
    return target
