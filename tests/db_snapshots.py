"""A test's database put back to one state as often as a test needs: for a property-based
run whose every example must start from the same data (Hypothesis replays an example's
beginning and expects the same draws, so the answers links read must not depend on what
earlier examples did).

* SQLite: the state is copied into an in-memory database with SQLite's backup API and
  copied back the same way, page by page, into the live file (the store's pooled
  connections stay open and read the restored pages; milliseconds).
* PostgreSQL: each table's rows are copied into tables of a schema of their own, and put
  back with one script: every table emptied (foreign keys unchecked for the session, as a
  restore does), the copied rows inserted in their order, every sequence set back
  (milliseconds; a template database would cost a checkpoint at each drop, seconds).
"""

from __future__ import annotations

import sqlite3
import sys

from sqlalchemy import text

from cxm.store import Store
from cxm.store.kept import clear_all, wait_all

__all__ = ["DatabaseSnapshot", "settle"]

#: The PostgreSQL schema that holds the copied rows (beside ``public``, which the app uses).
SCHEMA = "test_snapshot"


def settle() -> None:
    """End what runs beside requests (kept analyses, report builds) and forget every kept
    result and cache of the process: one computed from data an earlier example (or an
    earlier test on the same PostgreSQL database) changed is not this one's."""
    wait_all()
    pages = sys.modules.get("cxm.web.report_pages")
    if pages is not None:
        pages.wait_for_builds()
    clear_all()


class DatabaseSnapshot:
    """The data of ``store``'s database as they are now; :meth:`restore` puts them back,
    :meth:`close` frees what the snapshot holds."""

    def __init__(self, store: Store) -> None:
        self.store = store
        settle()
        if store.dialect == "sqlite":
            self._memory = sqlite3.connect(":memory:", check_same_thread=False)
            self._copy(into_live=False)
            return
        tables = [t for t in store.table_names() if t != "alembic_version"]
        with store.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
            script = ["SET LOCAL session_replication_role = replica"]
            # The names are our tables' (the inspector's), the schema the constant above.
            for table in tables:
                copy = f'"{SCHEMA}"."{table}"'
                conn.execute(text(f'CREATE TABLE {copy} AS SELECT * FROM "{table}"'))  # noqa: S608
                script.append(f'DELETE FROM "{table}"')  # noqa: S608
                script.append(f'INSERT INTO "{table}" OVERRIDING SYSTEM VALUE SELECT * FROM {copy}')  # noqa: S608
            sequences = conn.execute(
                text(
                    "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), "
                    "coalesce(last_value, start_value), last_value IS NOT NULL "
                    "FROM pg_sequences WHERE schemaname = 'public'"
                )
            ).all()
        script.extend(
            f"SELECT setval('{name}', {value}, {str(called).lower()})"
            for name, value, called in sequences
        )
        self._script = ";\n".join(script)

    def _copy(self, *, into_live: bool) -> None:
        raw = self.store.engine.raw_connection()
        try:
            live = raw.driver_connection
            assert isinstance(live, sqlite3.Connection)
            if into_live:
                self._memory.backup(live)
            else:
                live.backup(self._memory)
        finally:
            raw.close()

    def restore(self) -> None:
        """Put the data back as they were when the snapshot was taken."""
        settle()
        if self.store.dialect == "sqlite":
            self._copy(into_live=True)
            return
        with self.store.engine.begin() as conn:
            conn.exec_driver_sql(self._script)

    def close(self) -> None:
        settle()
        if self.store.dialect == "sqlite":
            self._memory.close()
            return
        with self.store.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
