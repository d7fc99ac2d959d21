"""The store: migrations, pragmas, clear errors when the database is not there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from cxm.errors import DatabaseUnavailable, SchemaOutdated
from cxm.registry import metadata
from cxm.store import Store, make_engine
from cxm.store.migrate import current_revisions, head_revisions


def test_it_migrates_an_empty_sqlite_file(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'new.db'}")
    assert {"customers", "purchases", "touchpoints"} <= set(store.table_names())
    assert current_revisions(store.engine) == head_revisions(store.engine)
    store.close()


def test_sqlite_runs_in_wal_with_full_sync(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'new.db'}")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    store.close()


def test_migrations_match_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_it_refuses_a_database_behind_the_code(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    store = Store.open(url)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('ancient')"))
    store.close()
    with pytest.raises(SchemaOutdated, match="cxm db upgrade"):
        Store.open(url)


def test_an_unreachable_database_is_one_clear_line() -> None:
    with pytest.raises(DatabaseUnavailable) as info:
        Store.open("postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    assert "secret" not in info.value.message
    assert "127.0.0.1" in info.value.message
    assert "\n" not in info.value.message


def test_cli_reports_an_unreachable_database_without_a_trace(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cxm.cli import main

    monkeypatch.setenv("CXM_DATABASE_URL", "postgresql+psycopg://x:y@127.0.0.1:1/none")
    with pytest.raises(SystemExit) as info:
        main(["db", "upgrade"])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "Cannot reach the database" in err
    assert "Traceback" not in err


def test_db_upgrade_is_idempotent(cxm) -> None:  # type: ignore[no-untyped-def]
    first = cxm("db", "upgrade")
    second = cxm("db", "upgrade")
    assert first.exit_code == 0 and second.exit_code == 0, first.stderr + second.stderr
    with Store.open(os.environ["CXM_DATABASE_URL"]) as store:
        heads = head_revisions(store.engine)
    assert all(head in second.stdout for head in heads)


def test_engine_is_not_built_at_import() -> None:
    import cxm.store.engine as engine_module

    assert not any(type(v).__name__ == "Engine" for v in vars(engine_module).values())
    assert make_engine  # the factory is the only way in


def test_the_migration_history_has_one_head(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'heads.db'}")
    assert head_revisions(engine) == {"0025"}
    # the quick check at start-up reads the same heads as Alembic
    from cxm.store.migrate import _declared_heads

    assert _declared_heads() == head_revisions(engine)
    engine.dispose()


def test_a_database_at_the_three_branch_heads_upgrades_to_the_merge(database_url: str) -> None:
    """A database made by the release before the merge (heads 0002, 0003, 0004) is refused
    as outdated, then ``upgrade`` brings it to the single head without touching its tables."""
    from cxm.store.migrate import upgrade

    engine = make_engine(database_url)
    with engine.begin() as conn:  # the fixture's database may already be migrated
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    metadata.drop_all(engine)
    for head in ("0002", "0003", "0004"):
        upgrade(engine, head)
    assert current_revisions(engine) == {"0002", "0003", "0004"}
    with pytest.raises(SchemaOutdated, match="cxm db upgrade"):
        Store.open(database_url).close()
    upgrade(engine)
    assert current_revisions(engine) == head_revisions(engine)
    Store.open(database_url).close()
    engine.dispose()
