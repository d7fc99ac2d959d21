"""Shared fixtures: a real store on SQLite and on PostgreSQL, and the real CLI.

Every test that takes ``store`` runs twice, once per database. PostgreSQL comes from
``CXM_TEST_POSTGRES_URL``; without it those runs skip, unless ``CXM_REQUIRE_ALL=1``
(set by ``.ci/run``) turns the absence into a failure.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from cxm.store import Store, make_engine
from cxm.store.migrate import upgrade

pytest_plugins = ["tests.demo_db", "tests.budgets"]

REQUIRE_ALL = os.environ.get("CXM_REQUIRE_ALL") == "1"
PG_URL = os.environ.get("CXM_TEST_POSTGRES_URL", "")


def skip_or_fail(reason: str) -> None:
    """Skip a test whose resource is missing, or fail it under CXM_REQUIRE_ALL=1."""
    if REQUIRE_ALL:
        pytest.fail(f"CXM_REQUIRE_ALL=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _english_by_default() -> Iterator[None]:
    """Each test starts in English, whatever language an earlier test left set."""
    from cxm.i18n import set_language

    set_language("en")
    yield
    set_language("en")


@pytest.fixture(scope="session")
def worker_name(request: pytest.FixtureRequest) -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating per test would be slow)."""
    path = tmp_path_factory.mktemp("template") / "cxm.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url(worker_name: str) -> Iterator[str]:
    """A database of its own for this test worker, migrated once."""
    if not PG_URL:
        skip_or_fail("CXM_TEST_POSTGRES_URL is not set")
    base = make_url(PG_URL)
    # The pid keeps concurrent test runs (several checkouts, xdist workers) apart.
    name = f"cxm_test_{worker_name}_{os.getpid()}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=None)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the server is down or refuses us
        admin.dispose()
        skip_or_fail(f"PostgreSQL at {PG_URL} is not usable: {exc}")
    url = base.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


#: A table holding at least this many rows is truncated; a smaller one is deleted from.
BIG_TABLE_ROWS = 5_000


def _truncate_all(store: Store) -> None:
    """Empty every table and restart every sequence, as ``TRUNCATE … RESTART IDENTITY``
    of all tables would. That costs a new file per table and index (0.3–2 s for the 66
    tables, at each of the ~700 PostgreSQL tests), so only the tables holding rows are
    emptied (found by one query): the big ones truncated, the others deleted from with
    foreign keys unchecked (a superuser's ``session_replication_role``; otherwise every
    table is truncated, as before); then the sequences that were used start again."""
    names = [t for t in store.table_names() if t != "alembic_version"]
    if not names:
        return

    def quoted(tables: list[str]) -> str:
        return ", ".join(f'"{n}"' for n in tables)

    # The table names below are our tables' (the inspector's), never input.
    with store.engine.begin() as conn:
        superuser = conn.execute(
            text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar()
        if not superuser:
            conn.execute(text(f"TRUNCATE {quoted(names)} RESTART IDENTITY CASCADE"))
            return
        sizes = " UNION ALL ".join(
            f"SELECT '{n}', count(*) FROM (SELECT 1 FROM \"{n}\" LIMIT {BIG_TABLE_ROWS}) t "  # noqa: S608
            "HAVING count(*) > 0"
            for n in names
        )
        filled: dict[str, int] = {str(n): int(rows) for n, rows in conn.execute(text(sizes))}
        big = [n for n, rows in filled.items() if rows >= BIG_TABLE_ROWS]
        if big:  # CASCADE: the tables that refer to them are emptied too
            conn.execute(text(f"TRUNCATE {quoted(big)} CASCADE"))
        small = [n for n, rows in filled.items() if rows < BIG_TABLE_ROWS]
        if small:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.exec_driver_sql(";".join(f'DELETE FROM "{n}"' for n in small))  # noqa: S608
        # The sequences of the tables' columns (serial and identity) that were used.
        conn.execute(
            text(
                "SELECT setval(seq, s.start_value, false) FROM pg_sequences s "
                "CROSS JOIN LATERAL (SELECT format('%I.%I', s.schemaname, s.sequencename)"
                "::regclass AS seq) r "
                "WHERE s.schemaname = current_schema() AND s.last_value IS NOT NULL "
                "AND EXISTS (SELECT 1 FROM pg_depend d "
                "WHERE d.objid = r.seq AND d.deptype IN ('a', 'i'))"
            )
        )


_HEADS: set[str] = set()


def _head_revisions(engine: Engine) -> set[str]:
    """The migrations' heads, read once per test process (Alembic reads every migration
    file to find them: 30 ms at each PostgreSQL test)."""
    if not _HEADS:
        from cxm.store.migrate import head_revisions

        _HEADS.update(head_revisions(engine))
    return _HEADS


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated database: a fresh SQLite file or a truncated
    PostgreSQL database."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "cxm.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    store = Store(make_engine(url))
    # A migration test may have left the shared database at an older revision: back to head.
    from cxm.store.migrate import current_revisions

    if current_revisions(store.engine) != _head_revisions(store.engine):
        upgrade(store.engine)
    _truncate_all(store)
    store.close()
    # The database is emptied under the same URL: what this process kept from an earlier
    # test's data (the people page's figures, the dashboard's analyses) is not this test's.
    from tests.db_snapshots import settle

    settle()
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    from cxm.store.kept import wait_all

    s = Store.open(database_url)
    yield s
    wait_all()  # a kept result computed beside (a page's) ends before its store closes
    pages = sys.modules.get("cxm.web.report_pages")
    if pages is not None:  # so does a report a first reader started building
        pages.wait_for_builds()
    s.close()


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cxm(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run the real ``cxm`` command line in-process against this test's database."""
    from cxm.cli import main

    monkeypatch.setenv("CXM_DATABASE_URL", database_url)
    monkeypatch.delenv("CXM_LANG", raising=False)

    def run(*args: str, lang: str = "en") -> CliResult:
        capsys.readouterr()
        code = 0
        try:
            main(["--lang", lang, *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return CliResult(code, out.out, out.err)

    return run


@pytest.fixture(scope="session")
def python_exe() -> str:
    return sys.executable
