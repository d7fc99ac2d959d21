"""``cxm backup`` / ``cxm restore``: a round trip of the demo database is identical, table by
table (row count and SHA-256 of the rows in primary-key order), on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, text

from cxm.customers.models import Customer, Purchase
from cxm.demo import run_demo
from cxm.errors import InputError
from cxm.store import Store
from cxm.store.backup import backup, restore, table_digests


@pytest.mark.slow  # several seconds: in `make test`, not `make test-fast`
def test_round_trip_of_the_demo_is_identical(store: Store, tmp_path: Path) -> None:
    run_demo(store, customers=200, seed=3)
    before = table_digests(store)
    assert sum(d.rows for d in before) > 2_000
    result = backup(store, out=tmp_path / "demo.bak")
    assert result.size_bytes > 0
    # Damage the database after the backup: what restore must undo.
    with store.session() as s:
        s.execute(delete(Purchase))
        s.add(Customer(external_id="AFTER-BACKUP", name="Late Comer"))
    assert table_digests(store) != before
    restore(store, source=tmp_path / "demo.bak")
    assert table_digests(store) == before
    # The restored database is usable for writes again.
    with store.session() as s:
        s.add(Customer(external_id="AFTER-RESTORE"))


def test_cli_backup_then_restore(cxm, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Store.open(database_url) as store, store.session() as s:
        s.add(Customer(external_id="KEPT", name="Kept"))
    out = tmp_path / "x.bak"
    done = cxm("backup", "--out", str(out))
    assert done.exit_code == 0, done.stderr
    assert out.is_file() and str(out) in done.stdout
    with Store.open(database_url) as store, store.session() as s:
        s.execute(delete(Customer))
    done = cxm("restore", str(out), "--yes")
    assert done.exit_code == 0, done.stderr
    with Store.open(database_url) as store, store.session() as s:
        assert s.scalar(text("SELECT external_id FROM customers")) == "KEPT"


def test_a_file_that_is_not_a_backup_is_refused(store: Store, tmp_path: Path) -> None:
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"hello, not a database")
    with pytest.raises(InputError, match="not a CXM backup"):
        restore(store, source=junk)
    with pytest.raises(InputError, match="No backup file"):
        restore(store, source=tmp_path / "missing.bak")


def test_db_upgrade_takes_a_backup_first(
    cxm, database_url: str, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from cxm.store.migrate import current_revisions, upgrade

    monkeypatch.setenv("CXM_BACKUP_DIR", str(tmp_path / "backups"))
    with Store.open(database_url) as store:
        with store.session() as s:
            s.add(Customer(external_id="OLD"))
        # Step back one revision, as an older CXM would have left it.
        from alembic import command

        from cxm.store.migrate import alembic_config, head_revisions

        command.downgrade(alembic_config(store.engine), "-1")
        heads = head_revisions(store.engine)
        assert current_revisions(store.engine) != heads
    done = cxm("db", "upgrade")
    assert done.exit_code == 0, done.stderr
    backups = list((tmp_path / "backups").glob("cxm-backup-*"))
    assert len(backups) == 1 and "Backup written" in done.stderr
    with Store.open(database_url, migrate=False) as store:
        assert current_revisions(store.engine) == heads
        upgrade(store.engine)
