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


def test_a_respondent_save_survives_connections_closed_while_in_use(postgres_url: str) -> None:
    """Every pooled connection killed (as by a restart) right after use, with no idle time
    for the ping: the next saves are retried once on a fresh connection and succeed, and
    the database holds exactly one response per invitation."""
    from sqlalchemy import func, select

    from cxm.surveys.models import Response
    from cxm.surveys.responses import submit_page
    from tests.conftest import _truncate_all
    from tests.survey_factories import ONE_PAGE, wave_with_links

    name = "cxm-reconnect-test"
    store = Store(make_engine(postgres_url, connect_args={"application_name": name}))
    admin = make_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        _truncate_all(store)
        _wave, tokens = wave_with_links(store, customers=3, definition=ONE_PAGE)
        answers = {"SAT": ["4"], "NPS": ["9"]}
        submit_page(store, token=tokens[0], page=0, raw=answers)  # opens pooled connections
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": name},
            )
        for token in tokens[1:]:
            assert submit_page(store, token=token, page=0, raw=answers).completed
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(Response)) == 3
    finally:
        store.close()
        admin.dispose()
