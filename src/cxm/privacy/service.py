"""What follows an erasure outside its transaction."""

from __future__ import annotations

from cxm.store import Store

__all__ = ["after_erasure"]


def after_erasure(store: Store) -> None:
    """On SQLite, fold the write-ahead log into the file and truncate it: the log would
    otherwise keep the old pages (with the erased values) until the next checkpoint."""
    if store.dialect == "sqlite":
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
