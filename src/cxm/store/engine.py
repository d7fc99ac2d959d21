"""Engine and session factory, built from settings (never at import time)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from cxm.errors import ConfigError, DatabaseUnavailable
from cxm.i18n import _
from cxm.store.writer import WriterLock

__all__ = ["POOL_SIZE", "Store", "make_engine", "redact_url"]


def redact_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid URL>"


#: Connections each pool keeps open (a web worker runs at most 8 respondent saves at once).
POOL_SIZE = 10
#: Seconds a pooled connection may stay idle before it is pinged at its next use.
PING_AFTER_IDLE_S = 5.0


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers run beside one writer; FULL makes an acknowledged commit durable.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _ping_when_idle(engine: Engine, after_s: float) -> None:
    """Ping a pooled connection before use only when it has been idle a while (a server
    restart or an idle timeout may have closed it). A ping at every checkout would cost a
    round trip per request; a connection in steady use has just proved itself."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < after_s:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_conn, None):
                raise DisconnectionError() from exc  # the pool retries with a new one
            raise


def make_engine(url: str, *, ping_after_idle_s: float = PING_AFTER_IDLE_S, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with the settings CXM relies on."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            _("CXM_DATABASE_URL is not a valid database URL: {url}", url=url)
        ) from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database not in (None, "", ":memory:"):
            kwargs.setdefault("pool_size", POOL_SIZE)
        engine = create_engine(
            parsed, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", 20)
        engine = create_engine(parsed, **kwargs)
        _ping_when_idle(engine, ping_after_idle_s)
        return engine
    raise ConfigError(
        _(
            "Unsupported database {backend}: use sqlite:///path or postgresql+psycopg://…",
            backend=parsed.get_backend_name(),
        )
    )


class Store:
    """The database of one CXM installation: an engine and its sessions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        database = engine.url.database
        self._writer = (
            WriterLock(os.path.abspath(database))
            if engine.dialect.name == "sqlite" and database not in (None, "", ":memory:")
            else None
        )

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect; migrate an empty database; refuse an outdated one with a clear message."""
        store = cls(make_engine(url))
        try:
            store.check_reachable()
            if migrate:
                from cxm.store.migrate import ensure_schema

                ensure_schema(store.engine)
        except BaseException:
            store.close()
            raise
        return store

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def check_reachable(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseUnavailable(
                _(
                    "Cannot reach the database {url}: {reason}",
                    url=redact_url(str(self.engine.url)),
                    reason=reason,
                )
            ) from None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session

    def fill_pool(self) -> None:
        """Open the connections the pool keeps, now (a server does so before it takes
        requests, so that its first requests do not each wait for a new connection)."""
        opened = []
        try:
            for _ in range(POOL_SIZE):
                # a loop, not a comprehension: what opened before a failure is closed
                opened.append(self.engine.connect())  # noqa: PERF401 - see above
        finally:
            for conn in opened:
                conn.close()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Take the writer's turn for a short write transaction: queued behind other
        writers of this database on SQLite (see :mod:`cxm.store.writer`); nothing to wait
        for on PostgreSQL, whose writers lock rows, not the database."""
        if self._writer is None:
            yield
            return
        with self._writer.held():
            yield

    def table_names(self) -> list[str]:
        return inspect(self.engine).get_table_names()

    def close(self) -> None:
        self.engine.dispose()
        if self._writer is not None:
            self._writer.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
