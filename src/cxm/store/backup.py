"""Backups of the whole database, and restoring them.

- SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent
  snapshot page by page while the app keeps serving; restore copies the file back the same
  way, inside the writer's turn so no save interleaves.
- PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --single-transaction``,
  found on ``PATH`` (the PostgreSQL client package); the password goes through the
  environment, never the command line.

The recovery point is the moment the last backup started: run ``cxm backup`` on a
schedule (see docs/deploy.md). :func:`table_digests` fingerprints every table (row count
and SHA-256 of its rows in primary-key order), to prove a round trip identical.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, MetaData, Table, select
from sqlalchemy.engine import URL

from cxm.errors import ConfigError, InputError
from cxm.i18n import _
from cxm.store.engine import Store, redact_url

__all__ = [
    "BackupResult",
    "TableDigest",
    "backup",
    "default_backup_name",
    "prune_backups",
    "restore",
    "table_digests",
]

PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"
SUFFIX = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    dialect: str
    size_bytes: int
    started_at: datetime
    seconds: float


@dataclass(frozen=True, slots=True)
class TableDigest:
    table: str
    rows: int
    sha256: str


def default_backup_name(dialect: str, *, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"cxm-backup-{stamp}{SUFFIX.get(dialect, '.bak')}"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ConfigError(
            _(
                "{tool} was not found on PATH: install the PostgreSQL client programs "
                "(e.g. `apt install postgresql-client`) of the server's major version.",
                tool=name,
            )
        )
    return found


def _libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore, and the environment with the password."""
    args = ["--dbname", str(url.database or "")]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    # cmd: pg_dump/pg_restore/psql with arguments we build; no shell
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise ConfigError(
            _(
                "{what} failed (exit {code}): {reason}",
                what=what,
                code=done.returncode,
                reason=lines[-1] if lines else "",
            )
        )


def backup(store: Store, *, out: Path) -> BackupResult:
    """Write a consistent backup of ``store`` to ``out`` (replaced only once complete)."""
    started = datetime.now(UTC)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if store.dialect == "sqlite":
            _sqlite_backup(store.engine, partial)
        elif store.dialect == "postgresql":
            args, env = _libpq(store.engine.url)
            cmd = [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial)]
            _run(cmd + args, env, "pg_dump")
        else:  # pragma: no cover - make_engine refuses other databases
            raise ConfigError(_("Backups support SQLite and PostgreSQL only."))
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    seconds = (datetime.now(UTC) - started).total_seconds()
    return BackupResult(out, store.dialect, out.stat().st_size, started, seconds)


def _sqlite_backup(engine: Engine, target: Path) -> None:
    raw = engine.raw_connection()
    try:
        dst = sqlite3.connect(target)
        try:
            raw.driver_connection.backup(dst, pages=1024)  # type: ignore[union-attr]
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
    finally:
        raw.close()


def _check_source(dialect: str, source: Path) -> None:
    if not source.is_file():
        raise InputError(_("No backup file at {path}.", path=str(source)))
    with source.open("rb") as fh:
        head = fh.read(16)
    kind = "sqlite" if head == SQLITE_MAGIC else "postgresql" if head[:5] == PG_MAGIC else None
    if kind is None:
        raise InputError(
            _(
                "{path} is not a CXM backup (neither SQLite nor pg_dump custom format).",
                path=str(source),
            )
        )
    if kind != dialect:
        raise InputError(
            _(
                "{path} is a {kind} backup but the database is {dialect}: restore it into a "
                "database of the same kind.",
                path=str(source),
                kind=kind,
                dialect=dialect,
            )
        )
    if kind == "sqlite":
        conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA quick_check").fetchone()
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as exc:
            raise InputError(
                _("{path} is damaged: {reason}", path=str(source), reason=str(exc))
            ) from None
        finally:
            conn.close()
        if not ok or ok[0] != "ok" or "alembic_version" not in tables:
            raise InputError(_("{path} is damaged or not a CXM database.", path=str(source)))


def restore(store: Store, *, source: Path) -> None:
    """Replace every table of ``store`` with the contents of the backup ``source``."""
    source = Path(source)
    _check_source(store.dialect, source)
    if store.dialect == "sqlite":
        with store.writing():
            store.engine.dispose()  # no pooled connection keeps an old snapshot
            src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            raw = store.engine.raw_connection()
            try:
                src.backup(raw.driver_connection, pages=1024)  # type: ignore[arg-type]
            finally:
                raw.close()
                src.close()
            store.engine.dispose()
        return
    args, env = _libpq(store.engine.url)
    store.engine.dispose()
    cmd = [
        _tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
    ]
    _run(cmd + args + [str(source)], env, "pg_restore " + redact_url(str(store.engine.url)))


def table_digests(store: Store) -> list[TableDigest]:
    """Row count and SHA-256 of each table's rows ordered by primary key (every column,
    rendered as text), for every table in the database."""
    meta = MetaData()
    meta.reflect(store.engine)
    out = []
    with store.engine.connect() as conn:
        for name in sorted(meta.tables):
            table: Table = meta.tables[name]
            order = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.sha256()
            rows = 0
            for row in conn.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(_canonical(v) for v in row)).encode())
                rows += 1
            out.append(TableDigest(name, rows, digest.hexdigest()))
    return out


def _canonical(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat()
    if isinstance(value, dict):
        return sorted((str(k), repr(_canonical(v))) for k, v in value.items())
    return value


def prune_backups(directory: Path, *, keep_days: int, now: datetime | None = None) -> list[Path]:
    """Delete the ``cxm-backup-*`` files in ``directory`` older than ``keep_days``."""
    limit = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    removed = []
    for path in sorted(Path(directory).glob("cxm-backup-*")):
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        if path.is_file() and modified < limit:
            path.unlink()
            removed.append(path)
    return removed
