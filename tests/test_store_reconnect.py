"""A pooled PostgreSQL connection that the server closed (a restart, an idle timeout) is
replaced at its next use when it had been idle, without an error reaching the caller."""

from __future__ import annotations

import time

from sqlalchemy import text

from cxm.store import Store, make_engine


def test_a_connection_closed_by_the_server_is_replaced(postgres_url: str) -> None:
    store = Store(make_engine(postgres_url, ping_after_idle_s=0.2))
    admin = make_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with store.engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        time.sleep(0.5)  # idle longer than ping_after_idle_s: pinged at checkout
        with store.engine.connect() as conn:
            again = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        assert again != pid
    finally:
        store.close()
        admin.dispose()
